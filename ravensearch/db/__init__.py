"""Persistence: engine, unit of work, ORM models and migrations (SQLite and PostgreSQL)."""
