"""The `ravensearch` command line (Typer): one module per command group."""

from __future__ import annotations

import typer

from ravensearch.cli import (
    campaigns,
    collect,
    db,
    dispatch,
    enrich,
    enrich_targets,
    events,
    fake,
    instantly,
    serve,
    suppressions,
    tokens,
    users,
    worker,
)
from ravensearch.cli.targets import import_csv
from ravensearch.logging import configure_logging

app = typer.Typer(
    name="ravensearch",
    help="Recruit trade technicians through Instantly.ai cold email.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.command("fake-instantly")(fake.fake_instantly)
app.command("import")(import_csv)
app.command("dispatch")(dispatch.dispatch)
app.command("worker")(worker.worker)
app.command("collect")(collect.collect_command)
app.command("enrich")(enrich_targets.enrich)
app.command("enrich-url")(enrich.enrich_url)
app.add_typer(db.app, name="db")
app.add_typer(tokens.app, name="tokens")
app.add_typer(users.app, name="users")
app.add_typer(campaigns.app, name="campaigns")
app.add_typer(events.app, name="events")
app.add_typer(suppressions.app, name="suppressions")
app.add_typer(instantly.app, name="instantly")


@app.callback()
def _setup(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log every call.")) -> None:
    configure_logging("INFO" if verbose else "WARNING")


def main() -> None:
    app()
