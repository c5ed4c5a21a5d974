from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from ravensearch.cli import app
from ravensearch.config import get_settings
from ravensearch.instantly.fake import FakeInstantlyServer
from ravensearch.instantly.fake.demo import HVAC_TEXAS_ID

runner = CliRunner()


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _words(output: str) -> str:
    """The output with line wrapping undone (the console's width varies by terminal)."""
    return " ".join(output.split())


def test_tokens_create_prints_a_token_once(cli_env: str) -> None:
    output = _invoke("tokens", "create", "ci-bot")
    assert re.search(r"rs_[A-Za-z0-9_-]{20,}", output)


def test_link_import_dispatch_loop_in_mock_mode(cli_env: str) -> None:
    listed = _invoke("campaigns", "instantly")
    assert HVAC_TEXAS_ID in listed
    added = _invoke("campaigns", "add", HVAC_TEXAS_ID, "--trade", "hvac")
    assert "HVAC Technicians" in added
    campaign_id = re.search(r"campaign id:\s+([0-9a-f-]{36})", added)
    assert campaign_id is not None, added

    imported = _invoke("import", "examples/technicians.csv")
    assert "imported" in imported.lower()

    local_id = campaign_id.group(1)
    assert local_id != HVAC_TEXAS_ID
    dispatched = _invoke("dispatch", "--campaign", local_id, "--all-ready")
    match = re.search(r"(\d+) in Instantly after (\d+) call", dispatched)
    assert match is not None, dispatched
    assert int(match.group(1)) > 0
    assert int(match.group(2)) == 1
    again = _invoke("dispatch", "--campaign", local_id, "--all-ready")
    assert "0 in Instantly after 0 call" in again


def test_a_blocklisted_technician_is_reported_rejected(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against an Instantly (the fake over HTTP) whose block list holds one address."""
    with FakeInstantlyServer() as server:
        remote = server.state.add_campaign("HVAC Technicians — Texas", status=0)
        server.state.add_blocklist_entry("maria@lonestarheatingand.com")
        monkeypatch.setenv("RAVENSEARCH_MOCK", "0")
        monkeypatch.setenv("INSTANTLY_API_KEY", "test-key")
        monkeypatch.setenv("INSTANTLY_API_URL", server.base_url)
        get_settings.cache_clear()
        added = _invoke("campaigns", "add", remote.id, "--trade", "hvac")
        local_id = re.search(r"campaign id:\s+([0-9a-f-]{36})", added)
        assert local_id is not None, added
        _invoke("import", "examples/technicians.csv")
        dispatched = _words(_invoke("dispatch", "--campaign", local_id.group(1), "--all-ready"))
        assert "1 rejected by Instantly" in dispatched
        assert "rejected 1 × on Instantly's block list" in dispatched
        assert "--retry-rejected" in dispatched
        held = {lead.email for lead in server.state.leads_by_campaign(remote.id)}
        assert "maria@lonestarheatingand.com" not in held
        assert held

        server.state.blocklist.clear()
        retried = _words(_invoke("dispatch", "--campaign", local_id.group(1), "--retry-rejected"))
        assert "1 in Instantly after 1 call(s), 0 rejected" in retried


def test_bad_instantly_id_is_one_readable_line(cli_env: str) -> None:
    result = runner.invoke(app, ["campaigns", "add", "cam_abc123"])
    assert result.exit_code == 1
    assert "UUIDs" in result.output
    assert "Traceback" not in result.output


def test_dispatch_needs_a_selection(cli_env: str) -> None:
    result = runner.invoke(app, ["dispatch", "--campaign", "0199e9d9-cc23-785a-a736-aaa9cabece0f"])
    assert result.exit_code == 1
    assert "--all-ready" in result.output


def test_wrong_setting_fails_with_one_line(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://nope")
    get_settings.cache_clear()
    result = runner.invoke(app, ["campaigns", "list"])
    assert result.exit_code == 1
    assert "DATABASE_URL" in result.output
