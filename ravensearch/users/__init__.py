"""People who sign in to the admin UI: argon2 password hashes, roles, the first-start admin.

Sessions, cookies and CSRF belong to `web/admin/`; this package only knows users.
"""
