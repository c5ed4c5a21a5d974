"""`POST /api/webhooks/instantly[/<token>]`: authenticate, check the body, store it, answer 2xx.

The hot path of the app: no ORM session and no token lookup, one JSON parse and one
INSERT. Applying the event is the `EventApplier`'s job, after the answer.
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from fastapi import APIRouter, Request, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from ravensearch.errors import RavensearchError, ServiceUnavailable
from ravensearch.events.parsing import InvalidDelivery, parse_delivery
from ravensearch.events.service import events_service
from ravensearch.runtime import Runtime
from ravensearch.web.deps import Unauthorized
from ravensearch.web.errors import error_response

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])

# Answer 503 (Instantly retries) rather than hang when the database does not answer.
DB_TIMEOUT_SECONDS = 10.0
_STORED = b'{"ok":true,"duplicate":false}'
_DUPLICATE = b'{"ok":true,"duplicate":true}'


class InvalidBody(RavensearchError):
    status_code = 400
    error = "invalid_body"


class PayloadTooLarge(RavensearchError):
    status_code = 413
    error = "payload_too_large"


class StorageUnavailable(ServiceUnavailable):
    """The database could not store the delivery now: Instantly retries it."""

    error = "database_unavailable"


async def instantly_webhook(request: Request) -> Response:
    """Store one Instantly event. Authenticated by the shared secret, sent by Instantly as
    the `X-Webhook-Secret` header (or `Authorization: Bearer <secret>`) set on the webhook,
    or, for a webhook made by hand in Instantly's dashboard (no custom headers there), as
    the last segment of the URL: `/api/webhooks/instantly/<secret>`.

    Answers 200 `{"ok": true, "duplicate": bool}`; 400 for a body that is not a JSON object
    with an `event_type`, 401 for a missing or wrong secret, 413 over
    RAVENSEARCH_WEBHOOK_MAX_BYTES, 408 when the body stalls (RAVENSEARCH_BODY_TIMEOUT_SECONDS),
    503 + `Retry-After` when the database cannot store it now (nothing stored; Instantly
    retries). Errors are `{"error", "detail"}` like the rest of the API.
    """
    runtime: Runtime = request.app.state.runtime
    token = path_token(request.scope["path"])
    if token is not None:
        if not token_matches(token, runtime.webhook_secret):
            raise Unauthorized(
                "Wrong webhook secret in the URL (/api/webhooks/instantly/<secret>)."
            )
    elif not is_authorized(request.headers, runtime.webhook_secret):
        raise Unauthorized("Missing or wrong webhook secret (X-Webhook-Secret header).")
    body = await read_body(request, runtime.settings.WEBHOOK_MAX_BYTES)
    try:
        delivery = parse_delivery(body)
    except InvalidDelivery as exc:
        raise InvalidBody(str(exc)) from None
    try:
        async with asyncio.timeout(DB_TIMEOUT_SECONDS):
            stored = await events_service.record(runtime.engine, delivery)
    except InvalidDelivery as exc:  # a value the database refuses: no retry would store it
        raise InvalidBody(str(exc)) from None
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        log.warning("webhooks.instantly.store_failed error=%s", type(exc).__name__)
        raise StorageUnavailable("The event could not be stored; retry later.") from None
    if stored:
        # Only schedules the applier: it runs once this handler has returned.
        runtime.events.wake()
    return Response(_STORED if stored else _DUPLICATE, media_type="application/json")


# A plain Starlette route, not a FastAPI one: FastAPI's per-request handling (dependency
# solving, response checks) cost about as much CPU as storing the event, and this endpoint
# needs none of it. The price: it is not listed in the OpenAPI schema.
router.add_route("/webhooks/instantly", instantly_webhook, methods=["POST"])
router.add_route("/webhooks/instantly/{token}", instantly_webhook, methods=["POST"])
WEBHOOK_PATH = "/api/webhooks/instantly"
_TOKEN_PREFIX = WEBHOOK_PATH + "/"


class WebhooksFirst:
    """ASGI middleware that hands `POST /api/webhooks/instantly[/<token>]` straight to the
    handler.

    Matching it through the router (the included routers, each route's regex, the
    exception and exit-stack layers) cost a fifth of the endpoint's CPU under load. Any
    other method or path goes on to the app, whose router has the same route, so answers
    are the same either way. Unexpected errors still reach the app's 500 handler, which
    sits outside this middleware.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or (scope["path"] != WEBHOOK_PATH and path_token(scope["path"]) is None)
        ):
            await self.app(scope, receive, send)
            return
        try:
            response = await instantly_webhook(Request(scope, receive))
        except RavensearchError as exc:
            response = error_response(exc)
        await response(scope, receive, send)


def path_token(path: str) -> str | None:
    """The `<token>` of `/api/webhooks/instantly/<token>` (one non-empty segment), else None."""
    if not path.startswith(_TOKEN_PREFIX):
        return None
    token = path[len(_TOKEN_PREFIX) :]
    return token if token and "/" not in token else None


def token_matches(token: str, secret: str) -> bool:
    """Constant-time comparison of a URL token with the secret; False for an empty secret."""
    return bool(secret) and hmac.compare_digest(token.encode(), secret.encode())


def is_authorized(headers: Headers, secret: str) -> bool:
    """True when either header carries the secret; always False for an empty secret."""
    if not secret:
        return False
    expected = secret.encode()
    candidates = [headers.get("x-webhook-secret")]
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        candidates.append(credentials.strip())
    # compare_digest on bytes: on str it raises for non-ASCII header values.
    return any(
        hmac.compare_digest(candidate.encode(), expected)
        for candidate in candidates
        if candidate is not None
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refusing more than `limit` bytes whether or not Content-Length says so."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.strip().isdigit()):
            raise InvalidBody("Content-Length is not a number.")
        if int(declared) > limit:
            raise PayloadTooLarge(f"Body is larger than {limit} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"Body is larger than {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)
