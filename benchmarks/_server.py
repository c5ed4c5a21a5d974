"""The app `benchmarks/webhook_steps.py` calls in process (`with_floor`), also runnable by
uvicorn on its own:

    uvicorn --app-dir benchmarks --factory _server:create ...

It is the real `create_app(settings)` (background event applier included), plus a simple
floor: `POST /_bench/floor`, a bare ASGI endpoint in the same process that reads the body
and does one INSERT per event on the same engine (`runtime.engine`). Configured by the
environment variables RS_BENCH_DATABASE_URL and RS_BENCH_SECRET. (`webhooks.py` measures
the real `ravensearch serve` against floors in processes of their own: `_floors.py`.)

RS_BENCH_EVENTS_IN_PROCESS=0 leaves applying events to a separate `ravensearch worker`.
Diagnostics only (the default is the production setting): RS_BENCH_BACKGROUND=0 starts
the app without its background loops (no event applier), and RS_BENCH_ENGINE_KW, a JSON
object such as {"pool_size": 50, "max_overflow": 0, "pool_pre_ping": false}, is passed
to the runtime's `create_engine`.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from _floors import read_all
from sqlalchemy import text

from ravensearch import runtime as runtime_module
from ravensearch.config import Settings
from ravensearch.logging import configure_logging
from ravensearch.web.app import create_app

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

FLOOR_PATH = "/_bench/floor"
FLOOR_TABLE_SQL = {
    "postgresql": "CREATE TABLE IF NOT EXISTS bench_floor ("
    "id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)",
    "sqlite": "CREATE TABLE IF NOT EXISTS bench_floor ("
    "id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)",
}
_INSERT = text("INSERT INTO bench_floor (body) VALUES (:b)")
_OK = b'{"ok":true}'
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"11")]


def settings_from_env() -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        DATABASE_URL=os.environ["RS_BENCH_DATABASE_URL"],
        INSTANTLY_API_KEY="bench-key",
        INSTANTLY_WEBHOOK_SECRET=os.environ["RS_BENCH_SECRET"],
        # Nothing here should call Instantly; if something does, it stays on this host.
        INSTANTLY_API_URL="http://127.0.0.1:9/api/v2",
        LOG_LEVEL="WARNING",
        RAVENSEARCH_EVENTS_IN_PROCESS=os.environ.get("RS_BENCH_EVENTS_IN_PROCESS", "1") == "1",
    )


def with_floor(app: Any, secret: bytes) -> ASGIApp:
    """Route `POST /_bench/floor` to the bare endpoint, everything else to `app`."""

    async def floor(receive: Receive, send: Send) -> None:
        runtime = app.state.runtime
        body = (await read_all(receive)).decode()
        async with runtime.engine.begin() as conn:
            await conn.execute(_INSERT, {"b": body})
        await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
        await send({"type": "http.response.body", "body": _OK})

    async def forbidden(send: Send) -> None:
        await send({"type": "http.response.start", "status": 401, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == FLOOR_PATH:
            # Same authentication as the real endpoint: one header compared.
            if (b"x-webhook-secret", secret) not in scope["headers"]:
                await forbidden(send)
                return
            await floor(receive, send)
            return
        await app(scope, receive, send)

    return asgi


def create() -> ASGIApp:
    import sys

    if os.environ.get("RS_BENCH_SWITCH"):
        sys.setswitchinterval(float(os.environ["RS_BENCH_SWITCH"]))
    settings = settings_from_env()
    configure_logging(settings.LOG_LEVEL)
    engine_kw = json.loads(os.environ.get("RS_BENCH_ENGINE_KW") or "{}")
    if engine_kw:
        runtime_module.create_engine = functools.partial(  # type: ignore[assignment]
            runtime_module.create_engine, **engine_kw
        )
    app = create_app(settings, background=os.environ.get("RS_BENCH_BACKGROUND", "1") != "0")
    return with_floor(app, settings.INSTANTLY_WEBHOOK_SECRET.get_secret_value().encode())
