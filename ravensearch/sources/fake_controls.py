"""The app every provider fake starts from, with the `/_fake/` control routes: inject
faults, reset, inspect."""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import FastAPI
from pydantic import BaseModel, Field

from ravensearch.sources.fake_faults import FaultQueue


class ControllableFake(Protocol):
    """The state of a provider fake, as its control routes see it."""

    faults: FaultQueue

    def reset(self) -> None: ...

    def snapshot(self) -> dict[str, Any]: ...


class FaultBody(BaseModel):
    """One fault to inject; a provider ignores what it cannot express (Google has no
    error `code` choice, Yelp sends no `Retry-After`)."""

    status_code: int = Field(429, ge=400, le=599)
    count: int = Field(1, ge=1)
    retry_after: float | None = Field(None, ge=0)
    code: str | None = None


def create_provider_fake(title: str, state: ControllableFake) -> FastAPI:
    """An app holding `state`, serving `POST /_fake/faults`, `POST /_fake/reset` and
    `GET /_fake/state`; the provider adds its own API routes."""
    app = FastAPI(title=title, docs_url=None, openapi_url=None)
    app.state.fake = state

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
