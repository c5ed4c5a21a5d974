"""Every failure becomes JSON `{error, detail}` with a 4xx, a 503 + `Retry-After` while the
database is unavailable, or (a bug) a logged, trace-free 500.

A malformed request is one mistake, whichever route it reaches: 400 `invalid_input`, the same
status and shape as the domain's own `InvalidInput`, worded here rather than in Pydantic's
words (which name its internals: "Input should be a valid UUID, invalid length: found 3").
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any, get_args

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic_core.core_schema import ErrorType
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ravensearch.db.errors import is_bad_value, is_unavailable, sqlstate
from ravensearch.errors import DatabaseUnavailable, InvalidInput, RavensearchError

log = logging.getLogger(__name__)


_PYDANTIC_TYPES = frozenset(get_args(ErrorType))
_SOURCES = frozenset({"body", "query", "path", "header", "cookie"})
EXAMPLE_ID = "0199e9d9-cc23-785a-a736-aaa9cabece0f"
_SHOWN_INPUT = 60


def _field(loc: tuple[Any, ...]) -> str:
    """`("body", "targetIds", 2)` → `targetIds[2]`; the source of the value is left out."""
    name = ""
    for part in loc[1:] if loc and loc[0] in _SOURCES else loc:
        name += f"[{part}]" if isinstance(part, int) else f".{part}" if name else str(part)
    return name


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return repr(text if len(text) <= _SHOWN_INPUT else text[:_SHOWN_INPUT] + "…")


def _describe(error: dict[str, Any]) -> str:
    """One problem of a request in words a person can act on."""
    kind, loc = error.get("type", ""), tuple(error.get("loc", ()))
    ctx: dict[str, Any] = error.get("ctx") or {}
    field, got = _field(loc) or "The request body", _shown(error.get("input"))
    if kind == "json_invalid":
        where = f" at character {loc[1]}" if len(loc) > 1 else ""
        reason = ctx.get("error", "it does not parse")
        return (
            f"The request body is not valid JSON ({reason}{where}). Send a JSON object with "
            "'Content-Type: application/json'."
        )
    if kind == "missing":
        return "The request needs a JSON body." if loc == ("body",) else f"{field} is required."
    if kind in ("uuid_parsing", "uuid_type"):
        return f"{field}: {got} is not a valid id. Ids are UUIDs, like {EXAMPLE_ID}."
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return f"{field} must be a JSON object."
    if kind == "extra_forbidden":
        return f"{field} is not a field of this request: check its spelling."
    if kind in ("value_error", "assertion_error"):
        # Our own validators' messages, behind Pydantic's prefix.
        return f"{field}: {str(error.get('msg', '')).split(', ', 1)[-1]}"
    if kind not in _PYDANTIC_TYPES:  # a PydanticCustomError of ours: its message is ours
        return f"{field}: {error.get('msg', 'is not valid')}"
    templates = {
        "int_parsing": "{field} must be a whole number, not {got}.",
        "int_type": "{field} must be a whole number, not {got}.",
        "float_parsing": "{field} must be a number, not {got}.",
        "float_type": "{field} must be a number, not {got}.",
        "bool_parsing": "{field} must be true or false, not {got}.",
        "bool_type": "{field} must be true or false, not {got}.",
        "string_type": "{field} must be text, not {got}.",
        "list_type": "{field} must be a list.",
        "literal_error": "{field} must be one of {expected}, not {got}.",
        "enum": "{field} must be one of {expected}, not {got}.",
        "too_short": "{field} needs at least {min_length} item(s).",
        "too_long": "{field} takes at most {max_length} items.",
        "string_too_short": "{field} must have at least {min_length} character(s).",
        "string_too_long": "{field} must have at most {max_length} characters.",
        "greater_than": "{field} must be greater than {gt}.",
        "greater_than_equal": "{field} must be at least {ge}.",
        "less_than": "{field} must be less than {lt}.",
        "less_than_equal": "{field} must be at most {le}.",
        "datetime_parsing": "{field} must be an ISO 8601 time like 2026-12-03T10:00:00Z.",
        "datetime_from_date_parsing": "{field} must be an ISO 8601 time like 2026-12-03T10:00:00Z.",
    }
    template = templates.get(kind, "{field} is not valid: {got}.")
    try:
        return template.format(field=field, got=got, **ctx)
    except (KeyError, IndexError):
        return f"{field} is not valid: {got}."


def describe_problems(errors: Sequence[Any]) -> list[str]:
    """Pydantic's errors of one input, each in words a person can act on (once each)."""
    return list(dict.fromkeys(_describe(dict(err)) for err in errors))


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
        problems = describe_problems(exc.errors())
        return JSONResponse(
            {"error": "invalid_input", "detail": " ".join(problems), "problems": problems}, 400
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
