"""Shared pieces of the fake's routes: the error envelope, JSON body reading, AJV-style
validation messages and cursor pages (instantly_v2.md §1.3, §1.5)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from ravensearch.instantly.fake.state import FakeInstantlyState, is_uuid

T = TypeVar("T")


class FakeAPIError(Exception):
    """Rendered as Instantly's `{statusCode, error, message}` envelope."""

    def __init__(
        self, status_code: int, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.headers = headers


def error_body(status_code: int, message: str) -> dict[str, Any]:
    return {"statusCode": status_code, "error": HTTPStatus(status_code).phrase, "message": message}


def error_response(
    status_code: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(status_code, message), status_code=status_code, headers=headers)


def bad_request(message: str) -> FakeAPIError:
    return FakeAPIError(400, message)


def not_found() -> FakeAPIError:
    return FakeAPIError(404, "Resource not found")


def get_state(request: Request) -> FakeInstantlyState:
    state: FakeInstantlyState = request.app.state.fake
    return state


StateDep = Annotated[FakeInstantlyState, Depends(get_state)]


async def read_json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise bad_request(f"Body is not valid JSON but content-type is set to JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise bad_request("body must be object")
    return body


def check_properties(
    body: dict[str, Any], where: str, *, allowed: set[str], required: Sequence[str] = ()
) -> None:
    """AJV's `required` and `additionalProperties: false`, with its messages."""
    for name in required:
        if name not in body:
            raise bad_request(f"{where} must have required property '{name}'")
    if set(body) - allowed:
        raise bad_request(f"{where} must NOT have additional properties")


def require_uuid(value: object, where: str) -> str:
    if not is_uuid(value):
        raise bad_request(f'{where} must match format "uuid"')
    return str(value).lower()


def parse_limit(raw: object, where: str = "querystring/limit", default: int = 100) -> int:
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        raise bad_request(f"{where} must be integer")
    try:
        limit = int(str(raw))
    except ValueError as exc:
        raise bad_request(f"{where} must be integer") from exc
    if limit < 1:
        raise bad_request(f"{where} must be >= 1")
    if limit > 100:
        raise bad_request(f"{where} must be <= 100")
    return limit


def cursor_page(
    items: Sequence[T],
    *,
    key: Callable[[T], str],
    render: Callable[[T], dict[str, Any]],
    limit: int,
    starting_after: str | None,
    cursor_on_last_page: bool,
) -> dict[str, Any]:
    """One `{items, next_starting_after}` page of `items` sorted by `key` (the id).

    The cursor is the last item's id. With `cursor_on_last_page` the final page still
    carries one and the next call gets an empty page, as the starter kit warns.
    """
    ordered = sorted(items, key=key)
    if starting_after:
        ordered = [item for item in ordered if key(item) > starting_after]
    page = ordered[:limit]
    body: dict[str, Any] = {"items": [render(item) for item in page]}
    has_more = len(ordered) > limit
    if page and (has_more or cursor_on_last_page):
        body["next_starting_after"] = key(page[-1])
    return body
