"""INSERT … ON CONFLICT that works on both SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignoring_conflicts(
    table: Table,
    dialect_name: str,
    rows: Sequence[dict[str, Any]] | dict[str, Any],
    *,
    index_elements: Sequence[str] | None = None,
) -> Insert:
    """An INSERT that silently skips rows colliding with a unique constraint.

    `index_elements` names the unique key to watch; None watches every unique constraint.
    """
    builder = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    stmt = builder(table).values(rows)
    return stmt.on_conflict_do_nothing(index_elements=index_elements)


def insert_ignoring_conflicts_many(table: Table, dialect_name: str) -> Insert:
    """The same, without values: execute it with a list of rows (one cached statement)."""
    builder = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    return builder(table).on_conflict_do_nothing()
