"""`ravensearch suppressions …`: the suppression list and Instantly's block list."""

from __future__ import annotations

import typer

from ravensearch.cli.common import console, fail, run_with_runtime
from ravensearch.runtime import Runtime
from ravensearch.suppressions.flows import SyncReport, sync_blocklist

app = typer.Typer(help="Emails and domains never dispatched.", no_args_is_help=True)


@app.command("sync")
def sync() -> None:
    """Pull Instantly's block list into suppressions, then push every one still waiting
    (failed ones too, at once) to it. Nothing is ever deleted on either side."""

    async def _work(runtime: Runtime) -> SyncReport:
        return await sync_blocklist(runtime.sessionmaker, runtime.instantly, force=True)

    report = run_with_runtime(_work)
    console.print(
        f"From Instantly's block list: {report.pulled} new, {report.matched} already here"
        f" (found there, not pushed again), {report.kept_removed} left out (removed here by"
        f" a person), {report.skipped} not an email or domain.\n"
        f"To Instantly's block list: {report.pushed} pushed, {report.failed} failed.",
        highlight=False,
    )
    if report.error:
        raise fail(report.error)
