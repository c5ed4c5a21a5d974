"""`ravensearch events …`: stored webhook events by state, retrying failed ones, backfilling
missed deliveries from Instantly, pruning old ones."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.table import Table

from ravensearch.cli.common import console, fail, progress_bar, resolve_ids, run_with_runtime
from ravensearch.db.models import EventState, WebhookEvent
from ravensearch.db.session import unit_of_work
from ravensearch.errors import InvalidInput
from ravensearch.events import flows
from ravensearch.events.backfill import BackfillReport, backfill
from ravensearch.events.service import events_service
from ravensearch.kit.clock import utcnow
from ravensearch.kit.durations import parse_age
from ravensearch.runtime import Runtime

app = typer.Typer(help="Webhook events stored from Instantly.", no_args_is_help=True)


@app.command("status")
def status() -> None:
    """How many stored events are in each state."""

    async def _work(runtime: Runtime) -> dict[str, int]:
        async with unit_of_work(runtime.sessionmaker) as session:
            return await events_service.count_by_state(session)

    counts = run_with_runtime(_work)
    table = Table("state", "events")
    for state in EventState:
        table.add_row(state.value, f"{counts.get(state, 0):,}")
    console.print(table)


@app.command("retry-failed")
def retry_failed(
    ids: list[str] = typer.Option(
        None, "--id", help="A failed event's id or its first characters (repeatable)."
    ),
) -> None:
    """Put failed events (all, or the given ones) back to pending: the applier tries them again."""

    async def _work(runtime: Runtime) -> int:
        event_ids = await resolve_ids(runtime, WebhookEvent.id, ids, noun="event") if ids else None
        async with unit_of_work(runtime.sessionmaker) as session:
            return await events_service.requeue_failed(session, event_ids=event_ids)

    count = run_with_runtime(_work)
    console.print(
        f"Requeued {count} failed event(s); `ravensearch serve` or `ravensearch worker` "
        "applies them."
    )


@app.command("backfill")
def backfill_command(
    since: str = typer.Option("2d", "--since", help="How far back: 2d, 36h, 1w."),
) -> None:
    """Fetch the deliveries Instantly failed to make (its delivery log) and store the ones
    not stored yet, through the same dedupe as live deliveries."""
    try:
        window = parse_age(since)
    except InvalidInput as exc:
        raise fail(exc.message, code=2) from None

    async def _work(runtime: Runtime) -> tuple[BackfillReport, bool]:
        report = await backfill(runtime.engine, runtime.instantly, since=window)
        return report, runtime.is_mock

    report, is_mock = run_with_runtime(_work)
    console.print(
        f"Instantly failed {report.seen:,} deliveries from {report.first_day} to "
        f"{report.last_day}: {report.stored:,} stored now, {report.already_had:,} already here."
    )
    if report.unusable:
        console.print(f"{report.unusable:,} had no usable event (not stored, as live).")
    if is_mock:
        console.print("Mock mode: the simulated Instantly of `serve` is not this one.")


@app.command("prune")
def prune(
    older_than: str = typer.Option(..., "--older-than", help="An age: 90d, 12h, 4w."),
    include_failed: bool = typer.Option(False, "--include-failed", help="Failed events too."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete applied, ignored and foreign events received before then; pending and
    unmatched stay."""
    try:
        before = utcnow() - parse_age(older_than)
    except InvalidInput as exc:
        raise fail(exc.message, code=2) from None
    kinds = (
        "applied, ignored, foreign and failed" if include_failed else "applied, ignored and foreign"
    )

    async def _work(runtime: Runtime) -> int | None:
        async with unit_of_work(runtime.sessionmaker) as session:
            total = await events_service.count_prunable(
                session, before=before, include_failed=include_failed
            )
        if total and not (yes or _confirm(total, kinds, before)):
            return None
        return await _prune(runtime, before, include_failed=include_failed, total=total)

    deleted = run_with_runtime(_work)
    if deleted is None:
        console.print("Nothing deleted.")
        raise typer.Exit(code=1)
    console.print(f"Deleted {deleted:,} {kinds} event(s) older than {older_than}.")


async def _prune(runtime: Runtime, before: datetime, *, include_failed: bool, total: int) -> int:
    with progress_bar() as bar:
        task = bar.add_task("Deleting", total=total)
        report = await flows.prune(
            runtime.sessionmaker,
            before=before,
            include_failed=include_failed,
            on_progress=lambda done, n: bar.update(task, completed=done, total=n),
        )
    return report.deleted


def _confirm(total: int, kinds: str, before: datetime) -> bool:
    return typer.confirm(
        f"Delete {total:,} {kinds} event(s) received before {before:%Y-%m-%d %H:%M} UTC?"
    )
