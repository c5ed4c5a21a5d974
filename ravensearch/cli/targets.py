"""`ravensearch import FILE.csv`: the CSV import of `POST /api/targets/import`, from a shell."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ravensearch.cli.common import console, fail, progress_bar, run_with_runtime
from ravensearch.runtime import Runtime
from ravensearch.targets.flows import import_stream, measure
from ravensearch.targets.schemas import ImportReport

# Below this size an import finishes before a progress bar would be worth drawing.
PROGRESS_MIN_BYTES = 256 * 1024
SHOWN_ERRORS = 50

app = typer.Typer(no_args_is_help=True)


@app.callback()
def targets() -> None:
    """Targets: the businesses we recruit. (The root also mounts `import` directly.)"""


@app.command("import")
def import_csv(
    file: Annotated[Path, typer.Argument(help="A CSV with at least a business name column.")],
) -> None:
    """Import targets from a CSV; re-importing a file updates rows instead of duplicating them."""
    try:
        stream = file.open("rb")
    except OSError as exc:
        raise fail(f"Cannot read {file}: {exc.strerror or exc}.") from None
    with stream, progress_bar(disable=file.stat().st_size < PROGRESS_MIN_BYTES) as progress:
        task = progress.add_task("Importing", total=None)

        async def _work(runtime: Runtime) -> ImportReport:
            # A file of any size, a chunk per transaction and in memory (see import_stream).
            return await import_stream(
                runtime.sessionmaker,
                stream,
                rows_expected=measure(stream)[1],
                on_progress=lambda done, total, _report: progress.update(
                    task, completed=done, total=total
                ),
            )

        report = run_with_runtime(_work)
    _print_report(file, report)


def _print_report(file: Path, report: ImportReport) -> None:
    summary = Table(title=f"Imported {file.name}", show_header=False)
    summary.add_column(style="bold")
    summary.add_column(justify="right")
    summary.add_row("New targets", str(report.imported))
    summary.add_row("Updated (already known)", str(report.updated))
    summary.add_row("Skipped (bad rows)", str(report.skipped))
    summary.add_row("Read as", report.encoding or "")
    console.print(summary)
    if not report.errors:
        return
    errors = Table(title="Bad rows")
    errors.add_column("Line", justify="right")
    errors.add_column("Reason")
    for error in report.errors[:SHOWN_ERRORS]:
        errors.add_row(str(error.line), error.reason)
    console.print(errors)
    if report.skipped > SHOWN_ERRORS:
        console.print(f"… and {report.skipped - SHOWN_ERRORS} more bad rows.")
