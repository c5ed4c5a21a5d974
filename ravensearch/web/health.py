"""Health checks: `/livez` (the process answers) and `/healthz` (it can serve: the database
answers). A load balancer or orchestrator restarts on the first and routes on the second."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ravensearch.db.engine import ping
from ravensearch.errors import DatabaseUnavailable
from ravensearch.web.deps import RuntimeDep

router = APIRouter(tags=["health"])

# Short: a probe that waits longer than the prober's own timeout tells it nothing.
PING_TIMEOUT_SECONDS = 2.0


@router.get("/livez")
async def livez() -> dict[str, str]:
    """200 while the process serves requests, whatever the state of the database."""
    return {"status": "ok"}


@router.get(
    "/healthz",
    responses={503: {"description": "The database does not answer (`Retry-After` is set)."}},
)
async def healthz(runtime: RuntimeDep) -> JSONResponse:
    """200 `{"status": "ok", "database": "ok"}` when `SELECT 1` answers within 2 s, else 503."""
    if await ping(runtime.engine, timeout=PING_TIMEOUT_SECONDS):
        return JSONResponse({"status": "ok", "database": "ok"})
    unavailable = DatabaseUnavailable()
    return JSONResponse(
        {"status": "unavailable", "database": "unavailable", "detail": unavailable.message},
        503,
        headers=unavailable.headers,
    )
