"""`ravensearch import FILE.csv` against the test database, through Typer's CliRunner."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from ravensearch.cli import targets as targets_cli
from ravensearch.db.models import Target

CSV = "Company,Email,State\nAcme Heating,pat@acme.com,TX\nBest Plumbing,,CA\nBroken,x@,TX\n"


async def _invoke(*args: str) -> Result:
    # The command runs its own event loop (asyncio.run), so it needs a thread without one.
    return await asyncio.to_thread(CliRunner().invoke, targets_cli.app, list(args))


def _count(label: str, output: str) -> int:
    match = re.search(rf"{label}\D*(\d+)", output)
    assert match, output
    return int(match.group(1))


@pytest.mark.usefixtures("cli_env")
class TestImportCsv:
    async def test_imports_and_prints_summary(
        self,
        tmp_path: Path,
        sessionmaker: async_sessionmaker[AsyncSession],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(targets_cli, "PROGRESS_MIN_BYTES", 0)
        path = tmp_path / "targets.csv"
        path.write_text(CSV)
        result = await _invoke("import", str(path))
        assert result.exit_code == 0, result.output
        assert _count("New targets", result.output) == 2
        assert _count("Skipped", result.output) == 1
        assert re.search(r"4\s*│\s*invalid email 'x@'", result.output), result.output
        async with sessionmaker() as session:
            stored = (await session.scalars(select(Target).order_by(Target.business_name))).all()
        assert [(t.business_name, t.status, t.source) for t in stored] == [
            ("Acme Heating", "completed", "csv"),
            ("Best Plumbing", "pending", "csv"),
        ]
        again = await _invoke("import", str(path))
        assert (_count("New targets", again.output), _count("Updated", again.output)) == (0, 2)

    async def test_unreadable_file_exits_1(self, tmp_path: Path) -> None:
        result = await _invoke("import", str(tmp_path / "missing.csv"))
        assert result.exit_code == 1
        assert "Cannot read" in result.output

    async def test_unusable_csv_exits_1(self, tmp_path: Path) -> None:
        path = tmp_path / "contacts.csv"
        path.write_text("Email,Phone\na@b.com,1\n")
        result = await _invoke("import", str(path))
        assert result.exit_code == 1
        assert "no business name column" in result.output
