"""The `ravensearch` command line (Typer): one module per command group.

The command modules import the app's whole stack (SQLAlchemy, FastAPI, the fakes' data): a
second or more. They are imported only when their command runs, so `ravensearch --help`
(and a typo) answers at once; the help lines below stand in for them until then
(tests/cli/test_lazy.py checks they match the commands' own).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer

# Typer 0.29 vendors its own click: its groups take and give these, not `click`'s.
from typer._click import Command, Context
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class Lazy:
    target: str  # "module:attribute", a command function or a Typer group
    help: str


COMMANDS: dict[str, Lazy] = {
    "serve": Lazy(
        "serve:serve", "Start the web app and API (and, in mock mode, the simulated Instantly)."
    ),
    "fake-instantly": Lazy(
        "fake:fake_instantly",
        "Run the fake Instantly API v2 alone (for demos, browser tests, and trying the client).",
    ),
    "fake-sendgrid": Lazy(
        "fake:fake_sendgrid",
        "Run the fake SendGrid v3 mail send alone (for demos, benchmarks, and trying the client).",
    ),
    "import": Lazy(
        "targets:import_csv",
        "Import targets from a CSV; re-importing a file updates rows instead of duplicating them.",
    ),
    "dispatch": Lazy(
        "dispatch:dispatch",
        "Push technicians to the campaign's Instantly campaign as leads (each at most once).",
    ),
    "worker": Lazy(
        "worker:worker",
        "Run background jobs (collect, enrich, dispatch, sync) from the queue until stopped, "
        "and apply the webhook events the web processes stored.",
    ),
    "collect": Lazy(
        "collect:collect_command",
        "Collect technicians of a trade in a state from Google and/or Yelp (merged, deduplicated).",
    ),
    "enrich": Lazy(
        "enrich_targets:enrich", "Find and check emails on the websites of pending targets."
    ),
    "enrich-url": Lazy(
        "enrich:enrich_url",
        "Crawl one website and show the emails found, how, where, and what checking them said.",
    ),
    "db": Lazy("db:app", "Database schema."),
    "tokens": Lazy("tokens:app", "API tokens for the JSON API."),
    "users": Lazy("users:app", "People who sign in to the admin UI."),
    "campaigns": Lazy("campaigns:app", "Campaigns: linked to Instantly, or SendGrid sequences."),
    "sequences": Lazy("sequences:app", "SendGrid sequences: sending and re-sending."),
    "events": Lazy("events:app", "Webhook events stored from Instantly."),
    "suppressions": Lazy("suppressions:app", "Emails and domains never dispatched."),
    "instantly": Lazy("instantly:app", "The Instantly workspace this install talks to."),
}


def load_command(name: str) -> Command:
    """The real click command behind `name` (its module imported now)."""
    module_name, attribute = COMMANDS[name].target.split(":")
    target: Any = getattr(importlib.import_module(f"ravensearch.cli.{module_name}"), attribute)
    command: Command
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)
    else:
        single = typer.Typer()
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """Lists every command from `COMMANDS`; imports one only to run it (or show its help)."""

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in COMMANDS:
            return None
        if cmd_name not in self.commands:
            # The root's help only needs the line; running or `CMD --help` resolves it.
            return TyperCommand(cmd_name, help=COMMANDS[cmd_name].help)
        return self.commands[cmd_name]

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        if args and args[0] in COMMANDS and args[0] not in self.commands:
            self.add_command(load_command(args[0]), args[0])
        return super().resolve_command(ctx, args)


app = typer.Typer(
    name="ravensearch",
    help="Recruit trade technicians through Instantly.ai cold email.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
)


@app.callback()
def _setup(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log every call.")) -> None:
    from ravensearch.logging import configure_logging

    configure_logging("INFO" if verbose else "WARNING")


def main() -> None:
    app()
