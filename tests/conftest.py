"""Test wiring: every database test runs on SQLite and PostgreSQL (schema from migrations)."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("RAVENSEARCH_ENV", "testing")
# Huey's SQLite queue is opened at import; keep it out of the working tree.
os.environ.setdefault(
    "RAVENSEARCH_JOBS_DATABASE",
    os.path.join(tempfile.mkdtemp(prefix="rs-jobs-"), "jobs.db"),
)

from ravensearch.logging import configure_logging

configure_logging("WARNING")

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.web",
    "tests.fixtures.admin",
    "tests.fixtures.redis",
]
