"""Test wiring: every database test runs on SQLite and PostgreSQL (schema from migrations)."""

from __future__ import annotations

import os

os.environ.setdefault("RAVENSEARCH_ENV", "testing")

from ravensearch.logging import configure_logging  # noqa: E402

configure_logging("WARNING")

pytest_plugins = ["tests.fixtures.database", "tests.fixtures.web"]
