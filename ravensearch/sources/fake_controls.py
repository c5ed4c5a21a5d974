"""The app every provider fake is built as: its one API route, counted, and the `/_fake/`
control routes to inject faults, reset and inspect."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from fastapi import FastAPI, Request, Response
from pydantic import BaseModel, Field

from ravensearch.sources.fake_faults import FaultQueue


class ControllableFake(Protocol):
    """The state of a provider fake, as its control routes see it."""

    calls: int
    faults: FaultQueue
    lock: threading.Lock

    def reset(self) -> None: ...

    def snapshot(self) -> dict[str, Any]: ...


class FaultBody(BaseModel):
    """One fault to inject; a provider ignores what it cannot express (Google has no
    error `code` choice, Yelp sends no `Retry-After`)."""

    status_code: int = Field(429, ge=400, le=599)
    count: int = Field(1, ge=1)
    retry_after: float | None = Field(None, ge=0)
    code: str | None = None


def create_provider_fake(
    title: str,
    state: ControllableFake,
    *,
    method: str,
    path: str,
    answer: Callable[[Request], Awaitable[Response]],
) -> FastAPI:
    """An app holding `state` that serves `answer` at `method path`, counting each call in
    `state.calls`, plus `POST /_fake/faults`, `POST /_fake/reset` and `GET /_fake/state`."""
    app = FastAPI(title=title, docs_url=None, openapi_url=None)
    app.state.fake = state

    @app.api_route(path, methods=[method])
    async def api(request: Request) -> Response:
        with state.lock:
            state.calls += 1
        return await answer(request)

    @app.post("/_fake/faults")
    async def add_fault(body: FaultBody) -> dict[str, Any]:
        state.faults.inject(
            body.status_code, count=body.count, retry_after=body.retry_after, code=body.code
        )
        return {"faults": len(state.faults)}

    @app.post("/_fake/reset")
    async def reset() -> dict[str, Any]:
        state.reset()
        return {"calls": 0}

    @app.get("/_fake/state")
    async def snapshot() -> dict[str, Any]:
        return state.snapshot()

    return app
