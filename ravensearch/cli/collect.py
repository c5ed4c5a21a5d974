from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ravensearch.cli.common import console, run_with_runtime
from ravensearch.errors import RavensearchError
from ravensearch.jobs import launch
from ravensearch.runtime import Runtime
from ravensearch.sources.flows import CollectProgress, CollectReport, collect


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
    )


def collect_command(
    source: str = typer.Option("all", "--source", help="google, yelp or all."),
    trade: str = typer.Option(..., "--trade", help="hvac, plumbing, electrical, roofing …"),
    state: str = typer.Option(..., "--state", help="A US state code, e.g. TX."),
    skip_not_open: bool = typer.Option(
        False,
        "--skip-not-open",
        help="Skip businesses temporarily closed or not open yet (kept, flagged, by default).",
    ),
) -> None:
    """Collect technicians of a trade in a state from Google and/or Yelp (merged, deduplicated)."""

    async def _work(runtime: Runtime) -> CollectReport:
        params = launch.collect_params(
            source=source, trade=trade, state=state, skip_not_open=skip_not_open
        )
        if runtime.sources is None:
            raise RavensearchError("Collection is not configured in this process.")
        with _progress_bar() as bar:
            task = bar.add_task("Collecting", total=None, detail="")

            def show(p: CollectProgress) -> None:
                bar.update(
                    task,
                    completed=p.tiles_done,
                    total=p.tiles_total,
                    detail=f"{p.new_targets} new, {p.merged} merged",
                )

            report = await collect(
                runtime.sessionmaker,
                runtime.sources,
                source=params["source"],
                trade=params["trade"],
                state=params["state"],
                on_progress=show,
                skip_not_open=params["skip_not_open"],
            )
        return report

    report = run_with_runtime(_work)
    console.print(report.summary())
