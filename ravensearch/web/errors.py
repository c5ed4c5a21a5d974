"""Every failure becomes JSON `{error, detail}` with a 4xx (or a logged, trace-free 500)."""

from __future__ import annotations

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


def error_response(exc: RavensearchError) -> JSONResponse:
    retry = exc.retry_after_seconds
    headers = {"Retry-After": str(retry)} if retry is not None else None
    return JSONResponse({"error": exc.error, "detail": exc.message}, exc.status_code, headers)


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
        return JSONResponse(
            {
                "error": "internal_error",
                "detail": "Something went wrong on our side; it is logged.",
            },
            500,
        )
