"""Checks every request passes before a handler sees it: a body that stalls, and text the
database cannot hold.

- `BodyReadTimeout` (ASGI middleware, outermost): a client that stops sending its body for
  RAVENSEARCH_BODY_TIMEOUT_SECONDS gets 408 and its connection is closed; one that hangs up
  mid-body is logged as a warning. Neither reaches the 500 handler.
- `reject_unstorable_text` (a dependency of every route): PostgreSQL refuses NUL characters
  and lone UTF-16 surrogates in text, so a query, form or JSON string holding one is
  answered 400 here instead of failing the statement with a 500.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ravensearch.errors import InvalidInput, RavensearchError
from ravensearch.kit.text import is_storable_text

log = logging.getLogger(__name__)

_JSON_ESCAPE = b"\\u"
_FORM_NUL = (b"%00", b"\x00")


class BodyTimeout(RavensearchError):
    status_code = 408
    error = "request_timeout"


class BodyReadTimeout:
    """ASGI middleware: a deadline on each wait for the next part of a request body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        seconds: float = scope["app"].state.runtime.settings.BODY_TIMEOUT_SECONDS
        body = _GuardedBody(receive, seconds)
        started = False

        async def send_unless_cut_off(message: Message) -> None:
            nonlocal started
            if body.cut_off is None:  # else nobody is listening, or our 408 replaces it
                started = True
                await send(message)

        try:
            await self.app(scope, body.receive, send_unless_cut_off)
        except Exception:
            # What the app made of the missing body (ClientDisconnect, a parse error …).
            if body.cut_off is None:
                raise
        if body.cut_off == "timeout":
            log.warning(
                "web.body_timeout method=%s path=%s seconds=%g",
                scope["method"],
                scope["path"],
                seconds,
            )
            if not started:
                await _send_timeout(send, seconds)
        elif body.cut_off == "disconnect":
            log.warning("web.client_disconnected method=%s path=%s", scope["method"], scope["path"])


class _GuardedBody:
    def __init__(self, receive: Receive, seconds: float) -> None:
        self._receive = receive
        self._seconds = seconds
        self._complete = False
        self.cut_off: str | None = None

    async def receive(self) -> Message:
        if self._complete:
            return await self._receive()  # after the body: waiting for a disconnect is fine
        try:
            async with asyncio.timeout(self._seconds):
                message = await self._receive()
        except TimeoutError:
            self.cut_off = "timeout"
            raise BodyTimeout(f"The request body stalled for {self._seconds:g} s.") from None
        if message["type"] == "http.disconnect":
            self.cut_off = "disconnect"
        elif not message.get("more_body", False):
            self._complete = True
        return message


def _has_body(scope: Scope) -> bool:
    # HTTP/1.1: without either header there is no body, and the server does not wait for one.
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
            return True
    return False


async def _send_timeout(send: Send, seconds: float) -> None:
    detail = (
        f"The request body stopped arriving for {seconds:g} seconds "
        "(RAVENSEARCH_BODY_TIMEOUT_SECONDS); send the whole request again."
    )
    payload = json.dumps({"error": BodyTimeout.error, "detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": BodyTimeout.status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),  # the rest of that body must not be read as a request
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def reject_unstorable_text(request: Request) -> None:
    """400 when the path, a query parameter, a form field or a JSON string holds text the
    database cannot store (a NUL character, a lone surrogate)."""
    where = _unstorable_in_address(request) or await _unstorable_in_body(request)
    if where is not None:
        raise InvalidInput(
            f"{where} holds a NUL character (%00, \\u0000) or an unpaired UTF-16 surrogate, "
            "which cannot be stored; remove it and send the request again."
        )


def _unstorable_in_address(request: Request) -> str | None:
    if "\x00" in request.url.path:
        return "The address"
    for key, value in request.query_params.multi_items():
        if "\x00" in key or "\x00" in value:
            return f"Query parameter '{key.replace(chr(0), '')}'"
    return None


async def _unstorable_in_body(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        body = await request.body()
        return "A form field" if any(marker in body for marker in _FORM_NUL) else None
    if content_type == "application/json" or content_type.endswith("+json"):
        body = await request.body()
        # NUL and surrogates can only be written as \\u escapes in JSON: most bodies have none.
        if _JSON_ESCAPE not in body:
            return None
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            return None  # not JSON: the route's own validation answers
        return "The JSON body" if _holds_unstorable(document) else None
    return None


def _holds_unstorable(document: Any) -> bool:
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if not is_storable_text(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False
