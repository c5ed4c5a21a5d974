from __future__ import annotations

import uuid
from collections import Counter

import typer
from rich.progress import Progress

from ravensearch.cli.common import console, fail, run_with_runtime
from ravensearch.dispatch.flows import DispatchOutcome, dispatch_targets
from ravensearch.runtime import Runtime


def dispatch(
    campaign: uuid.UUID = typer.Option(..., "--campaign", help="Ravensearch campaign id."),
    all_ready: bool = typer.Option(
        False, "--all-ready", help="Every completed target not yet sent."
    ),
    target: list[uuid.UUID] = typer.Option(None, "--target", help="A target id (repeatable)."),
) -> None:
    """Push technicians to the campaign's Instantly campaign as leads (each at most once)."""
    if all_ready == bool(target):
        raise fail("Give either --all-ready or one or more --target ID.")

    async def _work(runtime: Runtime) -> DispatchOutcome:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Pushing leads to Instantly", total=None)
            return await dispatch_targets(
                runtime.sessionmaker,
                runtime.instantly,
                campaign_id=campaign,
                target_ids=None if all_ready else target,
                on_progress=lambda n: progress.advance(task, n),
            )

    outcome = run_with_runtime(_work)
    push = outcome.push
    console.print(
        f"Campaign [bold]{outcome.campaign_name}[/]: {outcome.recorded.recorded} recorded, "
        f"{push.pushed} pushed in {push.calls} Instantly call(s), {push.pending} still pending, "
        f"{len(outcome.recorded.skipped)} skipped."
    )
    reasons = Counter(str(reason) for _, reason in outcome.recorded.skipped)
    for name, count in sorted(reasons.items()):
        console.print(f"  skipped {count} × {name}")
    if push.error:
        raise fail(f"{push.error} Pending rows are kept and will be retried.")
