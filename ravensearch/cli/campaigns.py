from __future__ import annotations

import typer
from rich.table import Table

from ravensearch.campaigns import flows as campaign_flows
from ravensearch.campaigns.service import campaign_service
from ravensearch.cli.common import console, run_with_runtime
from ravensearch.db.models import Campaign
from ravensearch.db.session import unit_of_work
from ravensearch.runtime import Runtime

app = typer.Typer(help="Campaigns linked to Instantly.", no_args_is_help=True)


def _table(campaigns: list[Campaign]) -> Table:
    table = Table(
        "id",
        "name",
        "status",
        "targets",
        "rejected",
        "sent",
        "opened",
        "clicked",
        "replied",
        "bounced",
        "instantly id",
    )
    for c in campaigns:
        table.add_row(
            str(c.id),
            c.name,
            c.status,
            str(c.total_targets),
            str(c.leads_rejected),
            str(c.emails_sent),
            str(c.emails_opened),
            str(c.emails_clicked),
            str(c.replies_received),
            str(c.emails_bounced),
            c.instantly_campaign_id,
        )
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
def list_() -> None:
    """Campaigns linked in Ravensearch, with their counters."""

    async def _work(runtime: Runtime) -> list[Campaign]:
        async with unit_of_work(runtime.sessionmaker) as session:
            return list(await campaign_service.list(session))

    console.print(_table(run_with_runtime(_work)))


@app.command("instantly")
def instantly(search: str = typer.Option(None, help="Filter by name.")) -> None:
    """Campaigns in the Instantly workspace (to find the id to link)."""

    async def _work(runtime: Runtime) -> Table:
        table = Table("instantly id", "name", "status")
        for item in await campaign_service.list_remote(runtime.instantly, search=search):
            table.add_row(item.id, item.name, item.status)
        return table

    console.print(run_with_runtime(_work))
