"""Every failure becomes JSON `{error, detail}` with a 4xx, a 503 + `Retry-After` while the
database is unavailable, or (a bug) a logged, trace-free 500."""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ravensearch.db.errors import is_bad_value, is_unavailable, sqlstate
from ravensearch.errors import DatabaseUnavailable, InvalidInput, RavensearchError

log = logging.getLogger(__name__)


def _describe(error: dict[str, object]) -> str:
    location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")  # type: ignore[attr-defined]
    message = str(error.get("msg", "is invalid"))
    return f"{location}: {message}" if location else message


UNEXPECTED_ERROR = {
    "error": "internal_error",
    "detail": "Something went wrong on our side; it is logged.",
}
UNEXPECTED_ERROR_BODY = json.dumps(UNEXPECTED_ERROR, separators=(",", ":")).encode()


def error_response(exc: RavensearchError) -> JSONResponse:
    return JSONResponse(
        {"error": exc.error, "detail": exc.message}, exc.status_code, headers=exc.headers or None
    )


UNSTORABLE_VALUE = (
    "A value is too long, too large, or holds characters the database cannot store; "
    "check the values sent."
)


def database_failure(request: Request, exc: Exception) -> RavensearchError | None:
    """The expected error a database failure stands for, or None (a bug: answer 500).

    While the database is down every route fails this way: a warning per request, no trace.
    """
    if is_unavailable(exc):
        log.warning(
            "web.database_unavailable path=%s error=%s", request.url.path, type(exc).__name__
        )
        return DatabaseUnavailable()
    if is_bad_value(exc):
        # A value the edge should have refused: 400 for the client, a note to fix the check.
        log.warning(
            "web.unstorable_value path=%s sqlstate=%s", request.url.path, sqlstate(exc) or "-"
        )
        return InvalidInput(UNSTORABLE_VALUE)
    return None


def error_body(exc: RavensearchError) -> bytes:
    """What `error_response` sends, for a bare ASGI endpoint."""
    return bytes(error_response(exc).body)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RavensearchError)
    async def _domain_error(_request: Request, exc: RavensearchError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_describe(dict(err)) for err in exc.errors()]
        return JSONResponse(
            {"error": "invalid_input", "detail": "; ".join(problems), "problems": problems}, 422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        name = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse({"error": name, "detail": exc.detail}, exc.status_code)

    async def _database(request: Request, exc: Exception) -> JSONResponse:
        expected = database_failure(request, exc)
        if expected is None:
            return await _unexpected(request, exc)
        return error_response(expected)

    # Keyed by class, so they run in the exception middleware: no traceback from the server.
    app.add_exception_handler(SQLAlchemyError, _database)
    app.add_exception_handler(OSError, _database)  # asyncpg's "connection refused"

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("web.unhandled_error path=%s", request.url.path)
        return JSONResponse(UNEXPECTED_ERROR, 500)
