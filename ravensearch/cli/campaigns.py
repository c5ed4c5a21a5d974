from __future__ import annotations

import json
from collections.abc import Callable

import typer
from rich.table import Table

from ravensearch.campaigns import flows as campaign_flows
from ravensearch.campaigns.schemas import CampaignRead
from ravensearch.campaigns.service import campaign_service
from ravensearch.cli.common import console, run_with_runtime
from ravensearch.db.models import Campaign
from ravensearch.db.session import unit_of_work
from ravensearch.runtime import Runtime

app = typer.Typer(help="Campaigns linked to Instantly.", no_args_is_help=True)


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
    instantly_id: str = typer.Argument(..., help="The Instantly campaign id (a UUID)."),
    trade: str = typer.Option(None, "--trade", help="Only dispatch this trade."),
    skip_in_other: bool = typer.Option(
        False,
        "--skip-if-in-other-campaign",
        help="Never add a technician Instantly holds in another campaign (they show rejected).",
    ),
) -> None:
    """Link an Instantly campaign: it is checked in Instantly and its name and stats pulled."""

    async def _work(runtime: Runtime) -> Campaign:
        return await campaign_flows.create_linked(
            runtime.sessionmaker,
            runtime.instantly,
            instantly_campaign_id=instantly_id,
            trade_filter=trade,
            skip_if_in_other_campaign=skip_in_other,
        )

    campaign = run_with_runtime(_work)
    console.print(f"Linked [bold]{campaign.name}[/] ({campaign.status}).", highlight=False)
    console.print(f"  campaign id:  {campaign.id}", highlight=False, soft_wrap=True)
    console.print(
        f"  instantly id: {campaign.instantly_campaign_id}", highlight=False, soft_wrap=True
    )


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
