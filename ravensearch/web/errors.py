"""Every failure becomes JSON `{error, detail}` with a 4xx (or a logged, trace-free 500)."""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ravensearch.errors import RavensearchError

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
    return JSONResponse({"error": exc.error, "detail": exc.message}, exc.status_code)


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

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("web.unhandled_error path=%s", request.url.path)
        return JSONResponse(UNEXPECTED_ERROR, 500)
