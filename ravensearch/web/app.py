"""The FastAPI application: routers, error handlers and the background loops of one process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.types import Receive, Scope, Send

from ravensearch import __version__
from ravensearch.config import Settings, get_settings
from ravensearch.jobs.tasks import enqueue_job
from ravensearch.logging import configure_logging
from ravensearch.runtime import Runtime, build_runtime
from ravensearch.web import health, sendgrid_webhooks, unsubscribe, webhooks
from ravensearch.web.admin import install_admin
from ravensearch.web.api import campaigns, instantly, jobs, notifications, targets
from ravensearch.web.background import start_background, start_job_consumer
from ravensearch.web.edge import BodyReadTimeout, reject_unstorable_text
from ravensearch.web.errors import install_error_handlers


class RavensearchApp(FastAPI):
    """FastAPI, except that `POST /api/webhooks/instantly[/<token>]` and the SendGrid
    webhooks (`/api/webhooks/sendgrid`, `/api/webhooks/sendgrid/inbound/<secret>`) are
    answered before any of its layers.

    Under load FastAPI's middleware stack, exception layers and router cost more CPU than
    storing the event. Every other request (and other methods on the webhook path, which get
    the router's 405) goes through FastAPI as usual.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if webhooks.is_webhook_post(scope):
            await webhooks.answer_webhook(self.state.runtime, scope, receive, send)
            return
        if sendgrid_webhooks.sendgrid_store_for(scope) is not None:
            await sendgrid_webhooks.answer_sendgrid(self.state.runtime, scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    background: bool = True,
    on_ready: Callable[[Runtime], None] | None = None,
) -> FastAPI:
    """Build the app. Given a `runtime` (tests), the app uses it and does not close it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        rt = runtime or await build_runtime(settings or get_settings())
        app.state.runtime = rt
        stop_background: Callable[[], Awaitable[None]] | None = None
        stop_jobs: Callable[[], None] | None = None
        if background:
            stop_background = start_background(app, rt)
            stop_jobs = start_job_consumer(rt)
        if on_ready is not None:
            on_ready(rt)
        try:
            yield
        finally:
            if stop_jobs is not None:
                await asyncio.to_thread(stop_jobs)
            if stop_background is not None:
                await stop_background()
            if owned:
                await rt.aclose()

    app = RavensearchApp(
        title="Ravensearch",
        version=__version__,
        description="Recruit trade technicians through Instantly.ai cold email campaigns.",
        lifespan=lifespan,
        # Every route: text the database cannot hold is a 400 here, not a 500 at the INSERT.
        dependencies=[Depends(reject_unstorable_text)],
    )
    if runtime is not None:
        app.state.runtime = runtime
    install_error_handlers(app)
    app.state.enqueue = enqueue_job
    app.include_router(webhooks.router, prefix="/api")  # its POSTs: see `RavensearchApp`
    app.include_router(sendgrid_webhooks.router, prefix="/api")  # the same
    # Outermost: a stalled body is cut off on every path (the webhook POST, answered before
    # this middleware, keeps its own deadline in `webhooks.read_body`).
    app.add_middleware(BodyReadTimeout)
    for module in (instantly, campaigns, targets, jobs, notifications):
        app.include_router(module.router, prefix="/api")

    app.include_router(health.router)
    app.include_router(unsubscribe.router)
    install_admin(app)

    return app


def create_app_from_env() -> FastAPI:
    """The app of one `serve --workers` process: uvicorn starts each worker afresh, so the
    settings and logging come from the environment again."""
    settings = get_settings()
    configure_logging(settings.LOG_LEVEL)
    return create_app(settings)
