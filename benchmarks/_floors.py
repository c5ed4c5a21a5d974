"""The floors of `benchmarks/webhooks.py`: bare ASGI endpoints, each run by uvicorn in its
own process with the product's flags (uvloop, httptools, no access log):

    RS_FLOOR_MODE=group RS_FLOOR_DSN=postgresql://... uvicorn --app-dir benchmarks \\
        --factory _floors:create ...

Any POST is answered `{"ok":true}` after the mode's work, with the same one-header
authentication as the real endpoint:

- `nodb`: reads the body and answers; what uvicorn and the event loop cost on their own;
- `insert`: one `INSERT` per event on a pool of asyncpg connections (no SQLAlchemy);
- `group`: group commit, the design of `ravensearch/events/intake.py` without the rest:
  concurrent requests wait on one shared `INSERT … SELECT FROM unnest($1)`, sent as soon
  as the previous one has finished.

Each is an upper bound for a Python endpoint that stores the body, not a target to equal:
the product also checks, parses, deduplicates and indexes every event.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import asyncpg

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MODES = ("nodb", "insert", "group")
POOL_SIZE = 20  # as the product's engine (pool_size 20)
MAX_ROWS_PER_INSERT = 200  # as the product's batcher

_OK = b'{"ok":true}'
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"11")]
_START_OK = {"type": "http.response.start", "status": 200, "headers": _HEADERS}
_BODY_OK = {"type": "http.response.body", "body": _OK}


class GroupCommit:
    """Requests queue their body and wait; one writer inserts everything queued at once."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.queue: list[tuple[str, asyncio.Future[None]]] = []
        self.writing = False

    async def store(self, body: str) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.queue.append((body, future))
        if not self.writing:
            self.writing = True
            asyncio.get_running_loop().create_task(self.write_all())
        await future

    async def write_all(self) -> None:
        try:
            while self.queue:
                batch = self.queue[:MAX_ROWS_PER_INSERT]
                del self.queue[:MAX_ROWS_PER_INSERT]
                try:
                    await self.pool.execute(
                        "INSERT INTO bench_floor (body) SELECT * FROM unnest($1::text[])",
                        [body for body, _ in batch],
                    )
                except Exception as exc:  # noqa: BLE001  (every waiter hears it)
                    for _, future in batch:
                        future.set_exception(exc)
                    continue
                for _, future in batch:
                    future.set_result(None)
        finally:
            self.writing = False


async def read_all(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def create() -> ASGIApp:
    mode = os.environ["RS_FLOOR_MODE"]
    if mode not in MODES:
        raise SystemExit(f"RS_FLOOR_MODE must be one of {', '.join(MODES)}, not {mode!r}")
    dsn = os.environ.get("RS_FLOOR_DSN", "")
    secret = os.environ["RS_FLOOR_SECRET"].encode()
    state: dict[str, Any] = {}

    async def store(body: bytes) -> None:
        if mode == "insert":
            await state["pool"].execute("INSERT INTO bench_floor (body) VALUES ($1)", body.decode())
        elif mode == "group":
            await state["group"].store(body.decode())

    async def lifespan(receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        if mode != "nodb":
            pool = await asyncpg.create_pool(dsn, min_size=POOL_SIZE, max_size=POOL_SIZE)
            state["pool"], state["group"] = pool, GroupCommit(pool)
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        if "pool" in state:
            await state["pool"].close()
        await send({"type": "lifespan.shutdown.complete"})

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["method"] != "POST":  # the readiness probe
            await send(_START_OK)
            await send(_BODY_OK)
            return
        if (b"x-webhook-secret", secret) not in scope["headers"]:
            await send({"type": "http.response.start", "status": 401, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await store(await read_all(receive))
        await send(_START_OK)
        await send(_BODY_OK)

    return app
