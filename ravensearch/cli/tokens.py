from __future__ import annotations

import typer

from ravensearch.cli.common import console, run_with_runtime
from ravensearch.db.session import unit_of_work
from ravensearch.runtime import Runtime
from ravensearch.tokens.service import token_service

app = typer.Typer(help="API tokens for the JSON API.", no_args_is_help=True)


@app.command("create")
def create(name: str = typer.Argument(..., help="Who or what uses the token.")) -> None:
    """Create an API token and print it once (only its hash is stored)."""

    async def _work(runtime: Runtime) -> str:
        async with unit_of_work(runtime.sessionmaker) as session:
            return (await token_service.create(session, name=name)).plaintext

    token = run_with_runtime(_work)
    console.print(f"Token for [bold]{name}[/] (shown once, store it now):")
    console.print(token, highlight=False, soft_wrap=True)


@app.command("revoke")
def revoke(prefix: str = typer.Argument(..., help="The token's first 10 characters.")) -> None:
    """Revoke every token starting with PREFIX."""

    async def _work(runtime: Runtime) -> int:
        async with unit_of_work(runtime.sessionmaker) as session:
            return await token_service.revoke(session, prefix=prefix)

    console.print(f"Revoked {run_with_runtime(_work)} token(s).")
