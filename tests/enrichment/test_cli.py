"""`ravensearch enrich-url` against the local corpus (the enricher factory is swapped)."""

from __future__ import annotations

import json

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from ravensearch.cli import enrich as enrich_cli
from tests.enrichment.conftest import make_enricher

runner = CliRunner()


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setattr(enrich_cli, "make_enricher", lambda settings: make_enricher())
    monkeypatch.setattr(enrich_cli, "console", Console(width=200))
    app = typer.Typer()
    app.command("enrich-url")(enrich_cli.enrich_url)
    return app


def test_json_is_one_object_with_the_emails(app: typer.Typer) -> None:
    result = runner.invoke(app, ["pest-away.com", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"url", "final_url", "error", "detail", "robots_txt", "emails"}
    assert data["robots_txt"] == {"https://pest-away.com/robots.txt": "missing"}
    assert (data["url"], data["final_url"], data["error"]) == (
        "https://pest-away.com",
        "https://pest-away.com/",
        None,
    )
    assert data["emails"][0] == {
        "email": "pestaway.tx@gmail.com",
        "method": "mailto",
        "page_url": "https://pest-away.com/contact",
        "verdict": "valid",
        "reason": None,
        "mx_ok": True,
        "is_role": False,
        "is_free": True,
        "is_disposable": False,
    }
    assert [e["email"] for e in data["emails"]] == [
        "pestaway.tx@gmail.com",
        "orders@pestsupplyco.com",
    ]


def test_json_reports_a_crawl_error(app: typer.Typer) -> None:
    result = runner.invoke(app, ["https://facebook.com/acme", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["error"], data["detail"], data["emails"]) == ("social_site", "facebook.com", [])


def test_table(app: typer.Typer) -> None:
    result = runner.invoke(app, ["sparky-electric.com"])
    assert result.exit_code == 0, result.output
    assert "sparky@sparky-electric.com ★" in result.stdout
    assert "obfuscated" in result.stdout
    assert "https://sparky-electric.com/contact" in result.stdout


def test_bad_url_is_one_line_and_exit_1(app: typer.Typer) -> None:
    result = runner.invoke(app, ["not a url", "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "invalid website 'not a url'" in result.stderr
    assert "Traceback" not in result.output


def test_table_explains_a_crawl_error(app: typer.Typer) -> None:
    result = runner.invoke(app, ["https://www.facebook.com/acme"])
    assert result.exit_code == 0, result.output
    assert "social-only website (facebook.com)" in result.stdout


def test_json_reports_a_site_closed_by_robots_txt(app: typer.Typer) -> None:
    result = runner.invoke(app, ["keepout-plumbing.com", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["error"], data["emails"]) == ("robots_disallowed", [])
    assert data["robots_txt"] == {"https://keepout-plumbing.com/robots.txt": "found"}
