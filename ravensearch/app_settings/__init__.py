"""Values changed or generated at run time and kept in the database (`app_settings`):
the session-signing key and a rotated webhook secret. Static configuration stays in `config.py`.
"""
