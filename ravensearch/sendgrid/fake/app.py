"""The fake SendGrid as an ASGI app: `POST /v3/mail/send` (and `/mail/send`) with Bearer auth,
the documented validation, limits and `{"errors": [...]}` bodies, and fault switches.

One code path serves tests (in process through `httpx.ASGITransport`, or over a socket),
mock mode, and the standalone `ravensearch fake-sendgrid` server.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from ravensearch.sendgrid.fake import control, validation
from ravensearch.sendgrid.fake.state import FakeMessage, FakeSendGridState, Fault

MAIL_SEND_PATHS = ("/v3/mail/send", "/mail/send")
TOO_LARGE = "The JSON payload you have included in your request is too large."


@dataclass
class FakeSendGrid:
    """The fake's ASGI `app` and its `state`, with the switches tests and demos flip."""

    app: FastAPI
    state: FakeSendGridState

    @property
    def messages(self) -> list[FakeMessage]:
        return self.state.messages

    def fail_next(self, count: int, status_code: int) -> Fault:
        """The next `count` sends answer `status_code` (401, 403, 500, 503 …) with the
        documented error body; nothing is stored."""
        return self.state.add_fault(Fault("status", status_code=status_code, remaining=count))

    def rate_limit_next(self, count: int, *, reset_in: float = 0.0) -> Fault:
        """The next `count` sends answer 429 with X-RateLimit-* headers, the window
        refilling `reset_in` seconds from now."""
        return self.state.add_fault(
            Fault("rate_limit", status_code=429, reset_in=reset_in, remaining=count)
        )

    def accept_then_hang(self, seconds: float, *, count: int = 1) -> Fault:
        """The next `count` valid sends ARE stored, then answered only after `seconds`: a
        client with a shorter timeout cannot know it was accepted."""
        return self.state.add_fault(
            Fault("accept_then_hang", hang_seconds=seconds, remaining=count)
        )

    def set_latency(self, seconds: float) -> None:
        self.state.latency_seconds = seconds


def create_fake_sendgrid(
    *,
    api_key: str | None = "SG.test-key",
    latency_seconds: float = 0.0,
    state: FakeSendGridState | None = None,
) -> FakeSendGrid:
    """A fake SendGrid accepting `api_key` (any non-empty key when None)."""
    state = state if state is not None else FakeSendGridState()
    if api_key is None:
        state.accept_any_key = True
    else:
        state.api_keys = {api_key}
    state.latency_seconds = latency_seconds
    app = FastAPI(title="Fake SendGrid v3", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.fake = state

    async def mail_send(request: Request) -> Response:
        with state.lock:
            state.in_flight += 1
        try:
            response = await _mail_send(state, request)
            state.request_log.append((request.method, request.url.path, response.status_code))
            return response
        finally:
            with state.lock:
                state.in_flight -= 1

    for path in MAIL_SEND_PATHS:
        app.add_api_route(path, mail_send, methods=["POST"], include_in_schema=False)
    app.include_router(control.router)
    return FakeSendGrid(app, state)


async def _mail_send(state: FakeSendGridState, request: Request) -> Response:
    """Latency, faults, auth, size, validation; then store and answer 202."""
    if state.latency_seconds > 0:
        await asyncio.sleep(state.latency_seconds)
    fault = state.take_fault()
    if fault is not None and fault.kind == "status":
        return errors_response(fault.status_code, _phrase(fault.status_code))
    if fault is not None and fault.kind == "rate_limit":
        return _rate_limited(state, fault.reset_in)
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return errors_response(401, "authorization required")
    if not state.is_valid_key(key.strip()):
        return errors_response(
            401, "The provided authorization grant is invalid, expired, or revoked"
        )
    raw = await request.body()
    if len(raw) > state.max_body_bytes:
        return errors_response(413, TOO_LARGE)
    try:
        body: Any = json.loads(raw)
    except ValueError:
        return errors_response(400, "Bad Request", field=None)
    problems = validation.validate(body)
    if problems:
        return JSONResponse({"errors": [p.to_json() for p in problems]}, status_code=400)
    x_message_id = state.new_batch_id()
    state.store(_messages(state, body, x_message_id))
    if fault is not None and fault.kind == "accept_then_hang":
        await asyncio.sleep(fault.hang_seconds)
    return Response(status_code=202, headers={"X-Message-Id": x_message_id})


def _messages(
    state: FakeSendGridState, body: dict[str, Any], x_message_id: str
) -> list[FakeMessage]:
    reply_to = body.get("reply_to")
    now = time.time()
    return [
        FakeMessage(
            to=r.email,
            to_name=r.name,
            from_email=body["from"]["email"],
            reply_to=reply_to["email"] if isinstance(reply_to, dict) else None,
            subject=r.subject,
            text=r.text,
            html=r.html,
            headers=r.headers,
            custom_args=r.custom_args,
            substitutions=r.substitutions,
            categories=list(body.get("categories") or []),
            x_message_id=x_message_id,
            sg_message_id=state.sg_message_id(x_message_id, index),
            accepted_at=now,
        )
        for index, r in enumerate(validation.recipients(body))
    ]


def errors_response(
    status_code: int,
    message: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """SendGrid's documented error body: `{"errors": [{"field", "message"}]}`."""
    return JSONResponse(
        {"errors": [{"field": field, "message": message}]}, status_code=status_code, headers=headers
    )


def _rate_limited(state: FakeSendGridState, reset_in: float) -> JSONResponse:
    headers = {
        "X-RateLimit-Limit": str(state.rate_limit_per_window),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(int(time.time() + reset_in)),
    }
    return errors_response(429, "too many requests", headers=headers)


def _phrase(status_code: int) -> str:
    if status_code == 401:
        return "The provided authorization grant is invalid, expired, or revoked"
    try:
        return HTTPStatus(status_code).phrase.lower()
    except ValueError:
        return "error"
