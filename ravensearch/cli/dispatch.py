from __future__ import annotations

from collections import Counter

import typer
from rich.progress import Progress

from ravensearch.cli.common import console, fail, resolve_ids, run_with_runtime
from ravensearch.db.models import REJECT_REASON_TEXT, Campaign, Target
from ravensearch.dispatch.flows import DispatchOutcome, dispatch_targets, retry_rejected
from ravensearch.runtime import Runtime


def dispatch(
    campaign: str = typer.Option(
        ..., "--campaign", help="Ravensearch campaign id, or its first characters."
    ),
    all_ready: bool = typer.Option(
        False, "--all-ready", help="Every completed target not yet sent."
    ),
    target: list[str] = typer.Option(
        None, "--target", help="A target id or its first characters (repeatable)."
    ),
    retry: bool = typer.Option(
        False, "--retry-rejected", help="Send the leads Instantly rejected again."
    ),
    skip_in_other: bool = typer.Option(
        None,
        "--skip-if-in-other-campaign/--add-even-if-in-other-campaign",
        help="Skip technicians Instantly holds in another campaign (default: the campaign's).",
    ),
) -> None:
    """Push technicians to the campaign's Instantly campaign as leads (each at most once)."""
    if [all_ready, bool(target), retry].count(True) != 1:
        raise fail("Give one of --all-ready, --target ID (repeatable) or --retry-rejected.")

    async def _work(runtime: Runtime) -> DispatchOutcome:
        [campaign_id] = await resolve_ids(runtime, Campaign.id, [campaign], noun="campaign")
        target_ids = await resolve_ids(runtime, Target.id, target or [], noun="target")
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Pushing leads to Instantly", total=None)
            if retry:
                return await retry_rejected(
                    runtime.sessionmaker, runtime.instantly, campaign_id=campaign_id
                )
            return await dispatch_targets(
                runtime.sessionmaker,
                runtime.instantly,
                campaign_id=campaign_id,
                target_ids=None if all_ready else target_ids,
                skip_if_in_other_campaign=skip_in_other,
                on_progress=lambda n: progress.advance(task, n),
            )

    _summary(run_with_runtime(_work))


def _summary(outcome: DispatchOutcome) -> None:
    push = outcome.push
    if outcome.channel == "sendgrid":
        console.print(
            f"Campaign [bold]{outcome.campaign_name}[/]: {outcome.recorded.recorded} scheduled "
            f"for its SendGrid sequence (sent within its window by `ravensearch sequences "
            f"send-due` or the worker), {len(outcome.recorded.skipped)} skipped."
        )
        for name, count in sorted(Counter(str(r) for _, r in outcome.recorded.skipped).items()):
            console.print(f"  skipped {count} × {name}")
        return
    console.print(
        f"Campaign [bold]{outcome.campaign_name}[/]: {outcome.recorded.recorded} recorded, "
        f"{push.pushed} in Instantly after {push.calls} call(s), {len(push.rejected)} "
        f"rejected by Instantly, {push.pending} still pending, "
        f"{len(outcome.recorded.skipped)} skipped."
    )
    for name, count in sorted(Counter(str(r) for _, r in outcome.recorded.skipped).items()):
        console.print(f"  skipped {count} × {name}")
    for name, count in sorted(Counter(str(r) for _, r in push.rejected).items()):
        console.print(f"  rejected {count} × {REJECT_REASON_TEXT[name]}")
    if push.rejected:
        console.print("  Fix the cause, then: ravensearch dispatch --campaign ID --retry-rejected")
    if push.error:
        raise fail(f"{push.error} Pending rows are kept and will be retried.")
