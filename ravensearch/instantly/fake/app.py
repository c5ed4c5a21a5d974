"""The fake Instantly as a FastAPI app: real paths under `/api/v2`, Bearer auth, the
`{statusCode, error, message}` envelope, limits, cursor pages, and fault injection.

One code path serves tests (in process through `httpx.ASGITransport`, or over a socket),
mock mode, and the standalone `ravensearch fake-instantly` server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ravensearch.instantly.fake import campaigns, control, leads, webhooks, workspace
from ravensearch.instantly.fake.responses import FakeAPIError, error_response
from ravensearch.instantly.fake.state import API_PREFIX, FakeInstantlyState
from ravensearch.instantly.scopes import is_granted, required_scope

CallNext = Callable[[Request], Awaitable[Response]]
EMPTY_JSON_BODY = "Body cannot be empty when content-type is set to 'application/json'"


def create_fake_app(state: FakeInstantlyState | None = None) -> FastAPI:
    """A fake Instantly API v2 over `state` (a fresh one if None), at `app.state.fake`."""
    app = FastAPI(title="Fake Instantly API v2", docs_url="/_fake/docs", openapi_url=None)
    app.state.fake = state if state is not None else FakeInstantlyState()
    for module in (campaigns, leads, webhooks, workspace):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(control.router)
    _install_error_handlers(app)

    @app.middleware("http")
    async def gate(request: Request, call_next: CallNext) -> Response:
        fake: FakeInstantlyState = request.app.state.fake
        if not request.url.path.startswith(API_PREFIX):
            return await call_next(request)
        with fake.lock:
            fake.in_flight += 1
        try:
            response = await _gate(fake, request, call_next)
            fake.request_log.append((request.method, request.url.path, response.status_code))
            return response
        finally:
            with fake.lock:
                fake.in_flight -= 1

    return app


async def _gate(state: FakeInstantlyState, request: Request, call_next: CallNext) -> Response:
    """Latency and faults, then auth, the rate limit and body checks, then the route."""
    if state.latency_seconds > 0:
        await asyncio.sleep(state.latency_seconds)
    faults = {fault.kind: fault for fault in state.take_faults(request.method, request.url.path)}
    if "slow" in faults:
        await asyncio.sleep(faults["slow"].delay_seconds)
    if "status" in faults:
        return _fault_response(faults["status"].status_code, faults["status"].retry_after)
    denied = _check_auth(state, request.headers.get("authorization")) or _check_scope(
        state, request
    )
    if denied is not None:
        return denied
    if not state.admit_request():
        return error_response(429, "Rate limit exceeded")
    if (
        request.method in ("POST", "PUT", "PATCH", "DELETE")
        and request.headers.get("content-type", "").startswith("application/json")
        and request.headers.get("content-length", "0") == "0"
    ):
        # Fastify refuses an empty body typed as JSON: why clients omit the header (§1.2).
        return error_response(400, EMPTY_JSON_BODY)
    response = await call_next(request)
    if "commit_then_timeout" in faults:
        # The write has happened; answering late makes an impatient client retry it.
        await asyncio.sleep(faults["commit_then_timeout"].delay_seconds)
    return response


def _fault_response(status_code: int, retry_after: float | None) -> JSONResponse:
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
    message = "Rate limit exceeded" if status_code == 429 else None
    return error_response(status_code, message or HTTPStatus(status_code).phrase, headers)


def _check_auth(state: FakeInstantlyState, header: str | None) -> JSONResponse | None:
    if not header:
        return error_response(401, "Missing Authorization header")
    scheme, _, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        return error_response(401, "Invalid authorization header")
    if key in state.unpaid_keys:
        return error_response(402, "Workspace does not have an active paid plan")
    if not state.accept_any_key and key not in state.api_keys:
        return error_response(401, "Invalid API key")
    return None


def _check_scope(state: FakeInstantlyState, request: Request) -> JSONResponse | None:
    """A key limited to some scopes is refused an operation none of them grants (§1.2).

    The message names no scope: Instantly's wording is not documented, so the app must
    find out which scope is missing without reading it."""
    key = request.headers.get("authorization", "").partition(" ")[2].strip()
    granted = state.key_scopes.get(key)
    scope = required_scope(request.method, request.url.path)
    if granted is None or scope is None or is_granted(scope, granted):
        return None
    status = state.scope_denied_status
    return error_response(status, HTTPStatus(status).phrase)


def _install_error_handlers(app: FastAPI) -> None:
    async def on_fake_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, FakeAPIError)
        return error_response(exc.status_code, exc.message, exc.headers)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code in (404, 405):
            # Fastify's wording for an unknown route.
            message = f"Route {request.method}:{request.url.path} not found"
            return error_response(404, message)
        return error_response(exc.status_code, str(exc.detail))

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        where = "/".join(str(part) for part in first.get("loc", ()))
        where = where.replace("query", "querystring", 1)
        return error_response(400, f"{where} {first.get('msg', 'is invalid')}".strip())

    app.add_exception_handler(FakeAPIError, on_fake_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
