"""SendGrid's two webhooks: the signed Event Webhook and Inbound Parse (replies).

Both are answered like Instantly's (web/webhooks.py): before FastAPI's layers, body read
with the same size and time limits, every event stored (one `webhook_events` row each)
before the 2xx, applied afterwards by the same `EventApplier`.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
import time

from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import APIRouter
from sqlalchemy.exc import SQLAlchemyError
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ravensearch.errors import ServiceUnavailable
from ravensearch.events.parsing import Delivery, InvalidDelivery
from ravensearch.events.sendgrid_deliveries import event_deliveries, inbound_delivery
from ravensearch.events.service import events_service
from ravensearch.runtime import Runtime
from ravensearch.sendgrid import signature
from ravensearch.sendgrid.events import InvalidEventBatch, parse_event_batch
from ravensearch.sendgrid.inbound import InvalidInbound, parse_inbound
from ravensearch.web.deps import Unauthorized
from ravensearch.web.webhooks import (
    DB_TIMEOUT_SECONDS,
    InvalidBody,
    StorageUnavailable,
    StoreWebhook,
    answer_webhook,
    read_body,
)

log = logging.getLogger(__name__)

EVENTS_PATH_IN_ROUTER = "/webhooks/sendgrid"
EVENTS_PATH = "/api" + EVENTS_PATH_IN_ROUTER
INBOUND_PATH_IN_ROUTER = EVENTS_PATH_IN_ROUTER + "/inbound"
INBOUND_PATH = "/api" + INBOUND_PATH_IN_ROUTER
_INBOUND_PREFIX = INBOUND_PATH + "/"
_INBOUND_LOGGED = _INBOUND_PREFIX + "[redacted]"
# SendGrid's own cap on a received message (attachments included): whatever it passes on
# is read; only the text parts are stored.
INBOUND_MAX_BYTES = 30 * 1024 * 1024
# Above this a form is parsed on a worker thread, not on the loop that answers webhooks.
_PARSE_INLINE_BYTES = 256 * 1024
_SIGNATURE = signature.SIGNATURE_HEADER.lower().encode()
_TIMESTAMP = signature.TIMESTAMP_HEADER.lower().encode()


class SendGridNotConfigured(ServiceUnavailable):
    """A SendGrid webhook setting is missing or unusable: nothing is accepted unverified
    (SendGrid retries, so events sent before the fix are not lost)."""

    error = "sendgrid_not_configured"


async def answer_sendgrid(runtime: Runtime, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer a POST that `sendgrid_store_for` recognised."""
    store = sendgrid_store_for(scope)
    assert store is not None
    path = EVENTS_PATH if store is store_events else _INBOUND_LOGGED
    await answer_webhook(runtime, scope, receive, send, store=store, path=path)


def sendgrid_store_for(scope: Scope) -> StoreWebhook | None:
    """The handler of a POST to one of the SendGrid webhook paths, else None."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    path: str = scope["path"]
    if path == EVENTS_PATH:
        return store_events
    if path == INBOUND_PATH or (
        path.startswith(_INBOUND_PREFIX) and "/" not in path[len(_INBOUND_PREFIX) :]
    ):
        return store_inbound
    return None


async def store_events(runtime: Runtime, scope: Scope, receive: Receive) -> tuple[int, bytes]:
    """Verify the batch's signature, then store each of its events.

    200 `{"ok", "stored", "duplicates"}`; 401 for a missing, forged or stale signature
    (nothing stored); 400 for a body that is not an array of events; 503 when no public
    key is set or the database cannot store the batch now (SendGrid retries it).
    """
    key = _public_key(runtime.settings.SENDGRID_WEBHOOK_PUBLIC_KEY.get_secret_value())
    headers = _headers(scope, _SIGNATURE, _TIMESTAMP, b"content-length")
    body = await _read(runtime, receive, headers[b"content-length"])
    try:
        signature.verify(
            key,
            signature=_text(headers[_SIGNATURE]),
            timestamp=_text(headers[_TIMESTAMP]),
            body=body,
            now=time.time(),
        )
    except signature.BadSignature as exc:
        raise Unauthorized(f"SendGrid signature refused: {exc}.") from None
    try:
        deliveries = event_deliveries(parse_event_batch(body))
    except InvalidEventBatch as exc:
        raise InvalidBody(str(exc)) from None
    stored = await _record(runtime, deliveries)
    answer = {"ok": True, "stored": stored, "duplicates": len(deliveries) - stored}
    return 200, json.dumps(answer, separators=(",", ":")).encode()


async def store_inbound(runtime: Runtime, scope: Scope, receive: Receive) -> tuple[int, bytes]:
    """Store one received reply. 200 `{"ok", "duplicate"}`; 401 for a wrong or missing URL
    secret, 400 for a form that is not an Inbound Parse post, 413 over INBOUND_MAX_BYTES,
    503 when SENDGRID_INBOUND_SECRET is not set or the database cannot store it now."""
    secret = runtime.settings.SENDGRID_INBOUND_SECRET.get_secret_value()
    if not secret:
        raise SendGridNotConfigured(
            "SENDGRID_INBOUND_SECRET is not set: replies are refused until it is "
            "(and the Inbound Parse URL ends in /api/webhooks/sendgrid/inbound/<secret>)."
        )
    token = inbound_secret_of(scope["path"])
    if token is None:
        raise Unauthorized("Missing secret: post to /api/webhooks/sendgrid/inbound/<secret>.")
    if not hmac.compare_digest(token.encode(), secret.encode()):
        raise Unauthorized("Wrong secret in the URL (/api/webhooks/sendgrid/inbound/<secret>).")
    headers = _headers(scope, b"content-type", b"content-length")
    body = await read_body(
        receive,
        headers[b"content-length"],
        INBOUND_MAX_BYTES,
        timeout=runtime.settings.BODY_TIMEOUT_SECONDS,
    )
    content_type = _text(headers[b"content-type"]) or ""
    try:
        if len(body) > _PARSE_INLINE_BYTES:
            mail = await asyncio.to_thread(parse_inbound, body, content_type)
        else:
            mail = parse_inbound(body, content_type)
    except InvalidInbound as exc:
        raise InvalidBody(str(exc)) from None
    stored = await _record(runtime, [inbound_delivery(mail)])
    return 200, b'{"ok":true,"duplicate":%s}' % (b"false" if stored else b"true")


def inbound_secret_of(path: str) -> str | None:
    """The `<secret>` of `/api/webhooks/sendgrid/inbound/<secret>`, else None."""
    if not path.startswith(_INBOUND_PREFIX):
        return None
    token = path[len(_INBOUND_PREFIX) :]
    return token if token and "/" not in token else None


@functools.lru_cache(maxsize=4)
def _parsed_key(text: str) -> ec.EllipticCurvePublicKey:
    return signature.load_public_key(text)


def _public_key(text: str) -> ec.EllipticCurvePublicKey:
    if not text.strip():
        raise SendGridNotConfigured(
            "SENDGRID_WEBHOOK_PUBLIC_KEY is not set: signed events are refused until it is "
            "(copy the verification key from SendGrid's Mail Settings → Event Webhook)."
        )
    try:
        return _parsed_key(text)
    except ValueError as exc:
        raise SendGridNotConfigured(
            f"SENDGRID_WEBHOOK_PUBLIC_KEY is not usable: {exc}. Copy the verification key "
            "from SendGrid's Mail Settings → Event Webhook."
        ) from None


async def _read(runtime: Runtime, receive: Receive, declared: bytes | None) -> bytes:
    settings = runtime.settings
    return await read_body(
        receive, declared, settings.WEBHOOK_MAX_BYTES, timeout=settings.BODY_TIMEOUT_SECONDS
    )


async def _record(runtime: Runtime, deliveries: list[Delivery]) -> int:
    try:
        stored = await events_service.record_many(
            runtime.engine, deliveries, timeout=DB_TIMEOUT_SECONDS
        )
    except InvalidDelivery as exc:  # a value the database refuses: no retry would store it
        raise InvalidBody(str(exc)) from None
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        log.warning("webhooks.sendgrid.store_failed error=%s", type(exc).__name__)
        raise StorageUnavailable("The events could not be stored; retry later.") from None
    if stored:
        runtime.events.wake(stored)  # only schedules the applier: it runs after the answer
    return stored


def _headers(scope: Scope, *names: bytes) -> dict[bytes, bytes | None]:
    """The first value of each of `names` (lower-case), None when absent."""
    found: dict[bytes, bytes | None] = dict.fromkeys(names)
    for name, value in scope["headers"]:
        if name in found and found[name] is None:
            found[name] = value
    return found


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1").strip() if value is not None else None


class _SendGridEndpoint:
    """The SendGrid paths as an ASGI app, for the router (POSTs are answered before it)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await answer_sendgrid(scope["app"].state.runtime, scope, receive, send)


router = APIRouter(tags=["webhooks"])
# Listed so that other methods get the router's 405; POSTs never reach the router.
for _path in (EVENTS_PATH_IN_ROUTER, INBOUND_PATH_IN_ROUTER, INBOUND_PATH_IN_ROUTER + "/{secret}"):
    router.routes.append(Route(_path, _SendGridEndpoint(), methods=["POST"]))
