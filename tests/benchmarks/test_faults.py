"""The fault suite (`benchmarks/faults.py`) at its CI size: each scenario on a PostgreSQL
cluster this module starts itself, and nothing lost, duplicated or left unsettled.

Every scenario runs real processes (`serve`, `worker`, `fake-instantly`, `dispatch`), kills
them or the database, and counts what the rows say afterwards; ~2 minutes in all.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))

import faults
from _faults_infra import PostgresInstance, Workspace, pg_bin_dir

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(pg_bin_dir() is None, reason="PostgreSQL binaries (initdb) not installed"),
]


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresInstance]:
    home = Workspace()
    bin_dir = pg_bin_dir()
    assert bin_dir is not None
    pg = PostgresInstance(bin_dir, home.dir)
    pg.init()
    pg.start()
    try:
        yield pg
    finally:
        pg.stop("fast")
        home.cleanup(keep=False)


@pytest.fixture
def workspace() -> Iterator[Workspace]:
    ws = Workspace()
    try:
        yield ws
    finally:
        ws.cleanup(keep=False)


@pytest.mark.parametrize("name", list(faults.SCENARIOS))
def test_scenario_loses_and_duplicates_nothing(
    name: str, postgres: PostgresInstance, workspace: Workspace
) -> None:
    outcome = asyncio.run(faults.SCENARIOS[name](postgres, workspace, faults.SHORT))
    faults.print_table([outcome])
    assert outcome.sent > 0
    assert (outcome.lost, outcome.duplicated, outcome.problems) == (0, 0, [])
