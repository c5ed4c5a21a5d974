"""`ravensearch --help` imports no command module; the stand-in help lines match the real."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from ravensearch.cli import COMMANDS, app, load_command


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_listed_help_is_the_commands_own(name: str) -> None:
    command = load_command(name)
    own = " ".join((command.help or "").split("\n\n")[0].split())
    assert COMMANDS[name].help == own


def test_root_help_imports_none_of_the_stack() -> None:
    probe = (
        "import sys\n"
        "from ravensearch.cli import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('sqlalchemy', 'fastapi', 'httpx', 'pydantic', 'ravensearch.runtime')\n"
        "         if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert "serve" in result.stdout
    assert "HEAVY []" in result.stdout, result.stdout[-500:]


def test_a_command_still_runs_and_a_typo_is_a_usage_error() -> None:
    runner = CliRunner()
    assert "--all-ready" in runner.invoke(app, ["dispatch", "--help"]).output
    typo = runner.invoke(app, ["campains", "list"])
    assert typo.exit_code == 2
    assert "No such command" in typo.output
