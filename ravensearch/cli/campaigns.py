from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.table import Table

from ravensearch.campaigns import flows as campaign_flows
from ravensearch.campaigns.schemas import CampaignCreate, CampaignRead
from ravensearch.campaigns.service import campaign_service
from ravensearch.cli.common import console, fail, resolve_ids, run_with_runtime
from ravensearch.db.models import Campaign, Target
from ravensearch.db.session import unit_of_work
from ravensearch.runtime import Runtime
from ravensearch.sequences.schemas import Preview
from ravensearch.sequences.service import sequence_service
from ravensearch.web.errors import describe_problems

app = typer.Typer(
    help="Campaigns: linked to Instantly, or SendGrid sequences.", no_args_is_help=True
)
M = TypeVar("M", bound=BaseModel)


# Problems are named after the option a person typed.
OPTIONS = {
    "instantly_campaign_id": "INSTANTLY_ID", "trade_filter": "--trade", "name": "--name",
    "from_email": "--from", "from_name": "--from-name", "reply_to": "--reply-to",
    "window_start_hour": "--window", "window_end_hour": "--window", "daily_cap": "--daily-cap",
    "steps": "step",
}  # fmt: skip


def parse_model(model: type[M], data: dict[str, Any]) -> M:
    """Validate like the API does; every problem printed in the API's words."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [
            {**err, "loc": (OPTIONS.get(str(err["loc"][0]), err["loc"][0]), *err["loc"][1:])}
            if err["loc"] else err
            for err in exc.errors()
        ]  # fmt: skip
        raise fail(" ".join(describe_problems(errors)), code=2) from None


def read_steps(path: Path | None, steps: list[str]) -> list[Any] | None:
    """Steps from --step-file (a JSON list) and/or --step (JSON objects), in that order."""
    found: list[Any] = []
    try:
        if path is not None:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            found.extend(loaded if isinstance(loaded, list) else [loaded])
        found.extend(json.loads(text) for text in steps)
    except OSError as exc:
        raise fail(f"Cannot read {path}: {exc.strerror or exc}.", code=2) from None
    except json.JSONDecodeError as exc:
        raise fail(
            f"A step is not valid JSON ({exc.msg}, line {exc.lineno}); write each as "
            '{"subject": "…", "body": "…", "delayDays": 0}.',
            code=2,
        ) from None
    return found or None


def parse_window(window: str | None) -> dict[str, int]:
    if window is None:
        return {}
    start, sep, end = window.partition("-")
    if not sep or not start.strip().isdigit() or not end.strip().isdigit():
        raise fail(f"--window {window!r}: write local hours as START-END, like 9-17.", code=2)
    return {"window_start_hour": int(start), "window_end_hour": int(end)}


# (heading, value) of each column; the narrow table keeps the first NARROW of them.
COLUMNS: tuple[tuple[str, Callable[[Campaign], object]], ...] = (
    ("id", lambda c: c.id),
    ("name", lambda c: c.name),
    ("status", lambda c: c.status),
    ("sent", lambda c: c.emails_sent),
    ("replied", lambda c: c.replies_received),
    ("targets", lambda c: c.total_targets),
    ("rejected", lambda c: c.leads_rejected),
    ("opened", lambda c: c.emails_opened),
    ("clicked", lambda c: c.emails_clicked),
    ("bounced", lambda c: c.emails_bounced),
    ("trade", lambda c: c.trade_filter or "any"),
    ("instantly id", lambda c: c.instantly_campaign_id),
)
NARROW = 5


def _table(campaigns: list[Campaign], *, wide: bool) -> Table:
    shown = COLUMNS if wide else COLUMNS[:NARROW]
    table = Table()
    for heading, _value in shown:
        # Ids are what other commands take: never cut or wrapped, whatever the terminal.
        table.add_column(
            heading,
            no_wrap=heading.endswith("id"),
            min_width=36 if heading.endswith("id") else None,
        )
    for campaign in campaigns:
        table.add_row(*(str(value(campaign)) for _heading, value in shown))
    return table


@app.command("add")
def add(
    instantly_id: str = typer.Argument(
        None, help="The Instantly campaign id (a UUID); not for --channel sendgrid."
    ),
    channel: str = typer.Option("instantly", "--channel", help="instantly or sendgrid."),
    trade: str = typer.Option(None, "--trade", help="Only dispatch this trade."),
    skip_in_other: bool = typer.Option(
        False,
        "--skip-if-in-other-campaign",
        help="Never add a technician Instantly holds in another campaign (they show rejected).",
    ),
    name: str = typer.Option(None, "--name", help="SendGrid: the campaign's name."),
    from_email: str = typer.Option(None, "--from", help="SendGrid: the sender's address."),
    from_name: str = typer.Option(None, "--from-name", help="SendGrid: the sender's name."),
    reply_to: str = typer.Option(None, "--reply-to", help="SendGrid: where replies go."),
    window: str = typer.Option(
        None, "--window", help="SendGrid: local sending hours, like 9-17 (the default)."
    ),
    any_day: bool = typer.Option(False, "--any-day", help="SendGrid: weekends too."),
    daily_cap: int = typer.Option(None, "--daily-cap", help="SendGrid: most emails a day."),
    step_file: Path = typer.Option(
        None, "--step-file", help='SendGrid: JSON list of {"subject", "body", "delayDays"}.'
    ),
    step: list[str] = typer.Option(
        None, "--step", help="SendGrid: one step as a JSON object (repeatable, in order)."
    ),
) -> None:
    """Link an Instantly campaign (checked there, name and stats pulled), or create a
    SendGrid sequence: --channel sendgrid --name … --from … --step-file steps.json."""
    fields: dict[str, object] = {
        "channel": channel, "instantly_campaign_id": instantly_id, "trade_filter": trade,
        "skip_if_in_other_campaign": skip_in_other, "name": name, "from_email": from_email,
        "from_name": from_name, "reply_to": reply_to, "daily_cap": daily_cap,
        "steps": read_steps(step_file, step or []),
        **parse_window(window), **({"weekdays_only": False} if any_day else {}),
    }  # fmt: skip
    body = parse_model(CampaignCreate, {k: v for k, v in fields.items() if v is not None})

    async def _work(runtime: Runtime) -> Campaign:
        return await campaign_flows.create(runtime.sessionmaker, runtime.instantly, body)

    campaign = run_with_runtime(_work)
    console.print(f"Created [bold]{campaign.name}[/] ({campaign.status}).", highlight=False)
    console.print(f"  campaign id:  {campaign.id}", highlight=False, soft_wrap=True)
    console.print(f"  channel:      {campaign.channel}", highlight=False)
    if campaign.instantly_campaign_id:
        console.print(
            f"  instantly id: {campaign.instantly_campaign_id}", highlight=False, soft_wrap=True
        )


@app.command("preview")
def preview(
    campaign: str = typer.Argument(..., help="Campaign id, or its first characters."),
    target: str = typer.Option(..., "--target", help="Technician id, or its first characters."),
) -> None:
    """Each step of a SendGrid campaign as one technician would receive it."""

    async def _work(runtime: Runtime) -> Preview:
        [campaign_id] = await resolve_ids(runtime, Campaign.id, [campaign], noun="campaign")
        [target_id] = await resolve_ids(runtime, Target.id, [target], noun="target")
        async with unit_of_work(runtime.sessionmaker) as session:
            return await sequence_service.preview(
                session, runtime.settings, campaign_id=campaign_id, target_id=target_id
            )

    shown = run_with_runtime(_work)
    for warning in shown.warnings:
        console.print(f"[yellow]Note:[/] {warning}", highlight=False)
    for item in shown.steps:
        console.rule(f"Step {item.step} (after {item.delay_days} day(s))")
        console.print(f"To: {shown.to}\nSubject: {item.subject}", highlight=False, markup=False)
        for header, value in item.headers.items():
            console.print(f"{header}: {value}", highlight=False, markup=False, soft_wrap=True)
        console.print(f"\n{item.body}", highlight=False, markup=False)


@app.command("list")
def list_(
    wide: bool = typer.Option(False, "--wide", help="Every counter, the trade and Instantly's id."),
    as_json: bool = typer.Option(False, "--json", help="One JSON array, every field."),
) -> None:
    """Campaigns linked in Ravensearch, with their counters (ids in full: commands that take
    one also take its first characters)."""

    async def _work(runtime: Runtime) -> list[Campaign]:
        async with unit_of_work(runtime.sessionmaker) as session:
            return list(await campaign_service.list(session))

    campaigns = run_with_runtime(_work)
    if as_json:
        rows = [CampaignRead.model_validate(c).model_dump(mode="json") for c in campaigns]
        typer.echo(json.dumps(rows, indent=2))
        return
    # The wide table is laid out for 200 columns whatever the terminal (pipe it to `less -S`).
    width = max(console.width, 200) if wide else None
    console.print(_table(campaigns, wide=wide), width=width, crop=not wide)


@app.command("instantly")
def instantly(search: str = typer.Option(None, help="Filter by name.")) -> None:
    """Campaigns in the Instantly workspace (to find the id to link)."""

    async def _work(runtime: Runtime) -> Table:
        table = Table("instantly id", "name", "status")
        for item in await campaign_service.list_remote(runtime.instantly, search=search):
            table.add_row(item.id, item.name, item.status)
        return table

    console.print(run_with_runtime(_work))
