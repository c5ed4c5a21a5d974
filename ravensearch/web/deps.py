"""Annotated dependency aliases so route signatures read cleanly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import ApiToken
from ravensearch.db.session import unit_of_work
from ravensearch.errors import RavensearchError
from ravensearch.instantly.client import InstantlyClient
from ravensearch.runtime import Runtime
from ravensearch.tokens.service import token_service


class Unauthorized(RavensearchError):
    status_code = 401
    error = "unauthorized"


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    # scope="function" (below) makes the commit happen before the response is sent, so a
    # client that got 2xx can rely on what it wrote being stored.
    async with runtime.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def get_instantly(runtime: RuntimeDep) -> InstantlyClient:
    return runtime.instantly


InstantlyDep = Annotated[InstantlyClient, Depends(get_instantly)]


USAGE = "Send 'Authorization: Bearer <token>'; create one with `ravensearch tokens create NAME`."


def bearer_token(header: str | None) -> str:
    """The token of an `Authorization: Bearer …` header, or Unauthorized saying what is wrong
    with the header (never echoing it: it may hold a secret)."""
    if header is None or not header.strip():
        raise Unauthorized(f"Missing API token. {USAGE}")
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        named = scheme.isalpha() and len(scheme) <= 10 and credentials.strip()
        shape = f"a '{scheme}' scheme" if named else "a value without a scheme"
        raise Unauthorized(
            f"The Authorization header must start with 'Bearer ' and then the token; it held "
            f"{shape}. {USAGE}"
        )
    if not credentials.strip():
        raise Unauthorized(f"The Authorization header says 'Bearer' but carries no token. {USAGE}")
    return credentials.strip()


async def require_token(request: Request, runtime: RuntimeDep) -> ApiToken:
    credentials = bearer_token(request.headers.get("authorization"))
    # Its own short transaction: on SQLite a transaction holds the write lock, and the
    # handler may open others (flows), so auth must not keep one open.
    async with unit_of_work(runtime.sessionmaker) as session:
        token = await token_service.authenticate(session, credentials)
    if token is None:
        raise Unauthorized("API token is invalid or revoked.")
    return token


TokenDep = Annotated[ApiToken, Depends(require_token)]


# Far past any table here and far below the database's int64: a larger offset or page is
# refused (422) instead of overflowing the query (a 500 on PostgreSQL).
MAX_OFFSET = 10_000_000
MAX_PAGE = 100_000
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
PageQuery = Annotated[int, Query(ge=1, le=MAX_PAGE)]
