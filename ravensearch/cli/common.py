"""What every command shares: settings errors and domain errors become one readable line."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import InstrumentedAttribute

from ravensearch.config import Settings, SettingsError, get_settings
from ravensearch.db.prefix import resolve_prefix
from ravensearch.db.session import unit_of_work
from ravensearch.errors import RavensearchError
from ravensearch.runtime import Runtime, build_runtime

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)


def fail(message: str, *, code: int = 1) -> typer.Exit:
    """Print one line and return the exit to raise (code 2 for bad input, like a usage error)."""
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False)
    return typer.Exit(code=code)


def progress_bar(*, disable: bool = False) -> Progress:
    """A bar with done/total and elapsed time, cleared once the command ends."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=disable,
    )


def settings_or_exit() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        raise fail(str(exc)) from None


async def resolve_ids(
    runtime: Runtime, column: InstrumentedAttribute[uuid.UUID], values: Sequence[str], *, noun: str
) -> list[uuid.UUID]:
    """Each value a full id or a unique prefix of one (as `campaigns list` shows them)."""
    async with unit_of_work(runtime.sessionmaker) as session:
        return [await resolve_prefix(session, column, value, noun=noun) for value in values]


def run_with_runtime(work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Build a runtime, run `work`, close it; domain errors print and exit 1."""
    settings = settings_or_exit()

    async def _main() -> T:
        runtime = await build_runtime(settings)
        try:
            return await work(runtime)
        finally:
            await runtime.aclose()

    try:
        return asyncio.run(_main())
    except RavensearchError as exc:
        raise fail(exc.message) from None
    except OSError as exc:
        raise fail(
            f"Cannot reach the database ({exc.strerror or exc}). Check DATABASE_URL."
        ) from None
