from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ravensearch.cli.common import console, run_with_runtime
from ravensearch.enrichment.flows import EnrichReport, enrich_targets
from ravensearch.errors import RavensearchError
from ravensearch.runtime import Runtime


def enrich(
    limit: int = typer.Option(None, "--limit", min=1, help="At most this many targets."),
) -> None:
    """Find and check emails on the websites of pending targets."""

    async def _work(runtime: Runtime) -> EnrichReport:
        if runtime.enricher is None:
            raise RavensearchError("Enrichment is not configured in this process.")
        columns = (
            TextColumn("[bold]Enriching"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("enrich", total=None)
            return await enrich_targets(
                runtime.sessionmaker,
                runtime.enricher,
                limit=limit,
                on_progress=lambda done, total: bar.update(task, completed=done, total=total),
            )

    report = run_with_runtime(_work)
    console.print(
        f"{report.total} target(s): {report.completed} completed, {report.no_email} no email, "
        f"{report.failed} failed ({report.pages_fetched} pages fetched)."
    )
    for reason, count in report.reasons.most_common():
        console.print(f"  {count} × {reason}")
