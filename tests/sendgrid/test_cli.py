"""`ravensearch fake-sendgrid` starts the fake with the options given."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from ravensearch.cli import app


def test_fake_sendgrid_passes_its_options(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []

    def run(host: str, port: int, **options: Any) -> None:
        calls.append((host, port, options))

    monkeypatch.setattr("ravensearch.cli.fake.run_fake_sendgrid", run)
    result = CliRunner().invoke(app, ["fake-sendgrid", "--port", "9911", "--latency-ms", "100"])
    assert result.exit_code == 0, result.output
    assert calls == [("127.0.0.1", 9911, {"api_key": None, "latency_seconds": 0.1})]
