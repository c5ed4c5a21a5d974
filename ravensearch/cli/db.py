from __future__ import annotations

import typer

from ravensearch.cli.common import console, run_with_runtime
from ravensearch.db import migrate
from ravensearch.runtime import Runtime

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the database in DATABASE_URL to the latest schema."""

    async def _work(runtime: Runtime) -> None:
        await migrate.upgrade(runtime.engine, revision)

    run_with_runtime(_work)
    console.print(f"Database migrated to [bold]{revision}[/].")
