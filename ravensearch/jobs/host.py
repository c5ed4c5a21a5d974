"""Where job coroutines run: one event loop and one Runtime per process.

Huey's worker threads are synchronous; they hand each job to the process's job loop. In
`serve` that loop is the web server's own (so jobs share its database engine, clients and, in
mock mode, its simulated Instantly); a separate `worker` process starts a loop thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ravensearch.config import Settings
from ravensearch.runtime import Runtime, build_runtime

T = TypeVar("T")


class JobHost:
    def __init__(self, loop: asyncio.AbstractEventLoop, runtime: Runtime) -> None:
        self.loop = loop
        self.runtime = runtime

    def run(self, work: Callable[[Runtime], Awaitable[T]]) -> T:
        """Run `work(runtime)` on the job loop and wait for it (called from worker threads)."""

        async def _call() -> T:
            return await work(self.runtime)

        return asyncio.run_coroutine_threadsafe(_call(), self.loop).result()


_host: JobHost | None = None


def install_host(host: JobHost | None) -> None:
    global _host
    _host = host


def current_host() -> JobHost:
    if _host is None:
        raise RuntimeError("No job host: start jobs through `ravensearch serve` or `worker`.")
    return _host


def start_loop_host(settings: Settings) -> tuple[JobHost, Callable[[], None]]:
    """A job loop in its own thread (for `ravensearch worker`); returns the host and a stopper."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="jobs-loop", daemon=True)
    thread.start()
    runtime = asyncio.run_coroutine_threadsafe(build_runtime(settings), loop).result()
    host = JobHost(loop, runtime)

    def stop() -> None:
        asyncio.run_coroutine_threadsafe(runtime.aclose(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)

    return host, stop
