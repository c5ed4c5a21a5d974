"""Errors on admin pages: friendly 403/404/500 pages (a toast for HTMX), never a trace.

Wraps the JSON handlers of `web/errors.py`: a path under /api (or docs, health, static)
keeps its JSON answer, every other path gets HTML.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ravensearch.errors import RavensearchError
from ravensearch.web.admin.auth import LoginRequired
from ravensearch.web.admin.responses import HXRedirectResponse, is_htmx, local_path
from ravensearch.web.admin.templating import environment, render
from ravensearch.web.admin.toasts import Toast
from ravensearch.web.errors import database_failure

log = logging.getLogger(__name__)

NOT_ADMIN = ("/api/", "/api", "/docs", "/redoc", "/openapi.json", "/healthz", "/livez", "/static/")

Handler = Callable[[Request, Any], Awaitable[Response]]

_TITLES = {
    400: "That request did not work",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed here",
    408: "That took too long",
    409: "Already done",
    429: "Slow down",
    500: "Something went wrong",
    502: "Instantly did not answer as expected",
    503: "Back in a moment",
}
INTERNAL_MESSAGE = "Something went wrong on our side; it is logged. Try again in a moment."


@dataclass(frozen=True)
class ErrorPage:
    status: int
    title: str
    message: str


def is_admin_path(path: str) -> bool:
    return not (path in NOT_ADMIN or path.startswith(NOT_ADMIN))


async def error_response(
    request: Request, status: int, message: str, *, headers: dict[str, str] | None = None
) -> Response:
    """A toast for HTMX (no swap, see base.html's htmx-config), else the error page."""
    if is_htmx(request):
        toast = environment.get_template("_toasts.html").render(
            toasts=[Toast(message, "error")], oob=True
        )
        return Response(
            toast, status, media_type="text/html", headers={"HX-Reswap": "none", **(headers or {})}
        )
    title = _TITLES.get(status, "That did not work")
    return await render(
        request,
        "errors/error.html",
        ErrorPage(status, title, message),
        status_code=status,
        headers=headers,
    )


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or is_htmx(request):
        # After login, go back to the page the HTMX request came from, not the fragment URL.
        target = request.headers.get("hx-current-url", "") or "/"
    url = (
        str(request.app.url_path_for("admin:login"))
        + "?next="
        + quote(local_path(target), safe="/")
    )
    return HXRedirectResponse(request, url)


async def _domain(request: Request, exc: RavensearchError) -> Response:
    if isinstance(exc, LoginRequired):
        return _login_redirect(request)
    return await error_response(request, exc.status_code, exc.message, headers=exc.headers)


async def _database(request: Request, exc: Exception) -> Response:
    expected = database_failure(request, exc)
    if expected is None:
        return await _unexpected(request, exc)
    try:
        return await _domain(request, expected)
    except Exception:  # noqa: BLE001  (the page needed the database too: plain text)
        return Response(expected.message, expected.status_code, headers=expected.headers)


async def _http(request: Request, exc: StarletteHTTPException) -> Response:
    messages = {
        404: "The page you asked for does not exist, or it was removed.",
        405: "This address does not take that kind of request.",
    }
    message = messages.get(exc.status_code, str(exc.detail))
    return await error_response(request, exc.status_code, message)


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    if any(error.get("loc", ("",))[0] == "path" for error in exc.errors()):
        return await error_response(request, 404, "The page you asked for does not exist.")
    return await error_response(request, 400, "Some values in the address are not valid.")


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("admin.unhandled_error path=%s", request.url.path)
    try:
        return await error_response(request, 500, INTERNAL_MESSAGE)
    except Exception:  # the error page itself failed: plain text, still no trace
        log.exception("admin.error_page_failed")
        return Response(INTERNAL_MESSAGE, 500, media_type="text/plain")


def install_error_pages(app: FastAPI) -> None:
    """Call after `install_error_handlers(app)`: admin paths get HTML, the rest keeps JSON."""
    mine: dict[type[Exception], Handler] = {
        RavensearchError: _domain,
        StarletteHTTPException: _http,
        RequestValidationError: _invalid,
        SQLAlchemyError: _database,
        OSError: _database,
        Exception: _unexpected,
    }
    for exc_class, admin_handler in mine.items():
        previous = cast("Handler | None", app.exception_handlers.get(exc_class))
        app.add_exception_handler(exc_class, _by_path(admin_handler, previous))


def _by_path(admin_handler: Handler, previous: Handler | None) -> Handler:
    async def handler(request: Request, exc: Any) -> Response:
        if previous is not None and not is_admin_path(request.url.path):
            return await previous(request, exc)
        return await admin_handler(request, exc)

    return handler
