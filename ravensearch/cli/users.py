from __future__ import annotations

import sys

import typer

from ravensearch.cli.common import console, fail, run_with_runtime
from ravensearch.db.models import Role
from ravensearch.db.session import unit_of_work
from ravensearch.runtime import Runtime
from ravensearch.users.service import user_service

app = typer.Typer(help="People who sign in to the admin UI.", no_args_is_help=True)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@app.command("create")
def create(
    email: str = typer.Argument(..., help="The login (an email address)."),
    role: Role = typer.Option(Role.viewer, "--role", help="admin acts; viewer only looks."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
) -> None:
    """Create a user; asks for the password twice (or reads it with --password-stdin)."""
    password = _read_password(password_stdin)
    if not password:
        raise fail("The password is empty.")

    async def _work(runtime: Runtime) -> str:
        async with unit_of_work(runtime.sessionmaker) as session:
            user = await user_service.create(session, email=email, password=password, role=role)
            return f"{user.email} ({user.role})"

    console.print(f"Created {run_with_runtime(_work)}.", highlight=False)
