"""`ravensearch enrich-url URL [--json]`: what one website gives, with real DNS and HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import typer
from rich.table import Table

from ravensearch.cli.common import console, fail, settings_or_exit
from ravensearch.config import Settings
from ravensearch.enrichment import service
from ravensearch.enrichment.crawler import CrawlError, explain_crawl_error
from ravensearch.enrichment.service import Enricher, InvalidWebsite, UrlReport, parse_website

# Tests swap this for an enricher wired to a local corpus; nothing else should.
make_enricher: Callable[[Settings], Enricher] = service.build_enricher


def enrich_url(
    url: str = typer.Argument(..., help="The website, e.g. acmeplumbing.com"),
    json_: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table."),
) -> None:
    """Crawl one website and show the emails found, how, where, and what checking them said."""
    settings = settings_or_exit()
    try:
        parse_website(url)
    except InvalidWebsite as exc:
        raise fail(exc.message) from None
    report = asyncio.run(_find(settings, url))
    if json_:
        typer.echo(json.dumps(report_json(report)))
    else:
        _print_table(report)


async def _find(settings: Settings, url: str) -> UrlReport:
    async with make_enricher(settings) as enricher:
        return await service.enrich_url(enricher, url)


def report_json(report: UrlReport) -> dict[str, Any]:
    return {
        "url": report.url,
        "final_url": report.final_url,
        "error": report.error,
        "detail": report.detail,
        "robots_txt": report.robots_txt,
        "emails": [
            {
                "email": found.email,
                "method": found.method,
                "page_url": found.page_url,
                "verdict": found.verification.verdict.value,
                "reason": found.verification.reason,
                "mx_ok": found.verification.mx_ok,
                "is_role": found.verification.is_role,
                "is_free": found.verification.is_free,
                "is_disposable": found.verification.is_disposable,
            }
            for found in report.emails
        ],
    }


def _print_table(report: UrlReport) -> None:
    if report.error:
        reason = explain_crawl_error(CrawlError(report.error), report.detail)
        console.print(f"Could not read {report.url}: {reason}", highlight=False)
        return
    if not report.emails:
        console.print(f"No email found on {report.final_url} ({len(report.pages)} pages read).")
        return
    table = Table(title=f"{report.final_url} · {len(report.pages)} pages read")
    for column in ("Email", "Method", "Page", "Verdict", "Reason"):
        table.add_column(column)
    for found in report.emails:
        marker = " ★" if found.chosen else ""
        table.add_row(
            found.email + marker,
            found.method,
            found.page_url,
            found.verification.verdict.value,
            found.verification.reason or "",
        )
    console.print(table)
