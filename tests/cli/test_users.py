from __future__ import annotations

from typer.testing import CliRunner

from ravensearch.cli import app

runner = CliRunner()


def test_create_with_password_from_stdin(cli_env: str) -> None:
    result = runner.invoke(
        app,
        ["users", "create", "Ops@Example.com", "--role", "admin", "--password-stdin"],
        input="a good password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created ops@example.com (admin)" in result.output
    again = runner.invoke(
        app, ["users", "create", "ops@example.com", "--password-stdin"], input="another one\n"
    )
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_create_prompts_twice(cli_env: str) -> None:
    result = runner.invoke(
        app, ["users", "create", "v@example.com"], input="pw-12345678\npw-12345678\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created v@example.com (viewer)" in result.output


def test_a_short_password_is_refused(cli_env: str) -> None:
    result = runner.invoke(
        app, ["users", "create", "v@example.com", "--password-stdin"], input="short\n"
    )
    assert result.exit_code == 1
    assert "at least 8 characters" in result.output
