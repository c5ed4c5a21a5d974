"""`POST /api/webhooks/instantly[/<token>]`: authenticate, check the body, store it, answer 2xx.

The hot path of the app: no ORM session and no token lookup, one JSON parse, and an INSERT
shared with the deliveries arriving at the same time (events/intake.py). Applying the event
is the `EventApplier`'s job, after the answer.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from sqlalchemy.exc import SQLAlchemyError
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from ravensearch.errors import RavensearchError, ServiceUnavailable
from ravensearch.events.parsing import InvalidDelivery, parse_delivery
from ravensearch.events.service import events_service
from ravensearch.runtime import Runtime
from ravensearch.web.deps import Unauthorized
from ravensearch.web.edge import BodyTimeout
from ravensearch.web.errors import UNEXPECTED_ERROR_BODY, error_body

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])

# Answer 503 (Instantly retries) rather than hang when the database does not answer.
DB_TIMEOUT_SECONDS = 10.0
_STORED = b'{"ok":true,"duplicate":false}'
_DUPLICATE = b'{"ok":true,"duplicate":true}'
WEBHOOK_PATH_IN_ROUTER = "/webhooks/instantly"
WEBHOOK_PATH = "/api" + WEBHOOK_PATH_IN_ROUTER
_TOKEN_PREFIX = WEBHOOK_PATH + "/"


class InvalidBody(RavensearchError):
    status_code = 400
    error = "invalid_body"


class PayloadTooLarge(RavensearchError):
    status_code = 413
    error = "payload_too_large"


class StorageUnavailable(ServiceUnavailable):
    """The database could not store the delivery now: Instantly retries it."""

    error = "database_unavailable"


class ClientDisconnected(Exception):
    """The sender went away before its body arrived."""


class WebhookEndpoint:
    """`POST /api/webhooks/instantly[/<token>]` as a bare ASGI app (see `RavensearchApp`).

    Store one Instantly event. Authenticated by the shared secret, sent by Instantly as the
    `X-Webhook-Secret` header (or `Authorization: Bearer <secret>`) set on the webhook, or,
    for a webhook made by hand in Instantly's dashboard (no custom headers there), as the last
    segment of the URL: `/api/webhooks/instantly/<secret>`.

    Answers 200 `{"ok": true, "duplicate": bool}`; 400 for a body that is not a JSON object
    with an `event_type`, 401 for a missing or wrong secret, 413 over
    RAVENSEARCH_WEBHOOK_MAX_BYTES, 408 when the body stalls (RAVENSEARCH_BODY_TIMEOUT_SECONDS),
    503 + `Retry-After` when the database cannot store it now (nothing stored; Instantly
    retries). Errors are `{"error", "detail"}` like the rest of the API.

    No Request object, no middleware and no router: under load those layers cost more CPU
    than storing the event (measured with py-spy, see the README's Benchmarks).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await answer_webhook(scope["app"].state.runtime, scope, receive, send)


StoreWebhook = Callable[[Runtime, Scope, Receive], Awaitable[tuple[int, bytes]]]


async def answer_webhook(
    runtime: Runtime,
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    store: StoreWebhook | None = None,
    path: str = WEBHOOK_PATH,
) -> None:
    """Answer one webhook POST with what `store` (Instantly's by default) returns, or its
    error as JSON. `path` is what logs name (never a path that holds a secret)."""
    extra: list[tuple[bytes, bytes]] = []
    try:
        status, body = await (store or store_webhook)(runtime, scope, receive)
    except RavensearchError as exc:
        status, body = exc.status_code, error_body(exc)
        extra = [(k.lower().encode(), v.encode()) for k, v in exc.headers.items()]
        if isinstance(exc, BodyTimeout):
            # The rest of that body must not be read as the next request.
            extra.append((b"connection", b"close"))
            log.warning("web.body_timeout method=POST path=%s", path)
    except ClientDisconnected:
        log.warning("web.client_disconnected method=POST path=%s", path)
        return  # nobody to answer; nothing was stored
    except Exception:
        # Not the request's path: a URL token is the secret.
        log.exception("web.unhandled_error path=%s", path)
        status, body = 500, UNEXPECTED_ERROR_BODY
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def store_webhook(runtime: Runtime, scope: Scope, receive: Receive) -> tuple[int, bytes]:
    secret_header, authorization, declared = webhook_headers(scope["headers"])
    token = path_token(scope["path"])
    if token is not None:
        if not token_matches(token, runtime.webhook_secret):
            raise Unauthorized(
                "Wrong webhook secret in the URL (/api/webhooks/instantly/<secret>)."
            )
    elif not is_authorized(secret_header, authorization, runtime.webhook_secret):
        raise Unauthorized("Missing or wrong webhook secret (X-Webhook-Secret header).")
    body = await read_body(
        receive,
        declared,
        runtime.settings.WEBHOOK_MAX_BYTES,
        timeout=runtime.settings.BODY_TIMEOUT_SECONDS,
    )
    try:
        delivery = parse_delivery(body)
    except InvalidDelivery as exc:
        raise InvalidBody(str(exc)) from None
    try:
        stored = await events_service.record(runtime.engine, delivery, timeout=DB_TIMEOUT_SECONDS)
    except InvalidDelivery as exc:  # a value the database refuses: no retry would store it
        raise InvalidBody(str(exc)) from None
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        log.warning("webhooks.instantly.store_failed error=%s", type(exc).__name__)
        raise StorageUnavailable("The event could not be stored; retry later.") from None
    if stored:
        runtime.events.wake()  # only schedules the applier: it runs after the answer
    return 200, _STORED if stored else _DUPLICATE


# Listed so that other methods get the router's 405; POSTs never reach the router.
router.routes.append(Route(WEBHOOK_PATH_IN_ROUTER, WebhookEndpoint(), methods=["POST"]))
router.routes.append(
    Route(WEBHOOK_PATH_IN_ROUTER + "/{token}", WebhookEndpoint(), methods=["POST"])
)


def is_webhook_post(scope: Scope) -> bool:
    return (
        scope["type"] == "http"
        and scope["method"] == "POST"
        and (scope["path"] == WEBHOOK_PATH or path_token(scope["path"]) is not None)
    )


def path_token(path: str) -> str | None:
    """The `<token>` of `/api/webhooks/instantly/<token>` (one non-empty segment), else None."""
    if not path.startswith(_TOKEN_PREFIX):
        return None
    token = path[len(_TOKEN_PREFIX) :]
    return token if token and "/" not in token else None


def token_matches(token: str, secret: str) -> bool:
    """Constant-time comparison of a URL token with the secret; False for an empty secret."""
    return bool(secret) and hmac.compare_digest(token.encode(), secret.encode())


def webhook_headers(headers: list[tuple[bytes, bytes]]) -> tuple[bytes | None, ...]:
    """The first X-Webhook-Secret, Authorization and Content-Length values (raw bytes)."""
    secret = authorization = length = None
    for name, value in headers:
        if name == b"x-webhook-secret":
            secret = value if secret is None else secret
        elif name == b"authorization":
            authorization = value if authorization is None else authorization
        elif name == b"content-length":
            length = value if length is None else length
    return secret, authorization, length


def is_authorized(secret_header: bytes | None, authorization: bytes | None, secret: str) -> bool:
    """True when either header carries the secret; always False for an empty secret."""
    if not secret:
        return False
    expected = secret.encode()
    candidates = [secret_header]
    if authorization is not None:
        scheme, _, credentials = authorization.partition(b" ")
        if scheme.lower() == b"bearer":
            candidates.append(credentials.strip())
    return any(
        hmac.compare_digest(candidate, expected)
        for candidate in candidates
        if candidate is not None
    )


async def read_body(
    receive: Receive, declared: bytes | None, limit: int, *, timeout: float
) -> bytes:
    """The body, refusing more than `limit` bytes whether or not Content-Length says so, and
    a sender that stops sending it for `timeout` seconds (408: this path is answered before
    the app's `BodyReadTimeout` middleware)."""
    if declared is not None:
        if not declared.strip().isdigit():
            raise InvalidBody("Content-Length is not a number.")
        if int(declared) > limit:
            raise PayloadTooLarge(f"Body is larger than {limit} bytes.")
    message = await _next_part(receive, timeout)
    body: bytes = message.get("body", b"")
    if not message.get("more_body"):  # the usual case: the whole body in one message
        if len(body) > limit:
            raise PayloadTooLarge(f"Body is larger than {limit} bytes.")
        return body
    chunks = [body]
    size = len(body)
    while message.get("more_body"):
        message = await _next_part(receive, timeout)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"Body is larger than {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


async def _next_part(receive: Receive, timeout: float) -> Message:
    try:
        async with asyncio.timeout(timeout):
            message = await receive()
    except TimeoutError:
        raise BodyTimeout(
            f"The request body stopped arriving for {timeout:g} seconds "
            "(RAVENSEARCH_BODY_TIMEOUT_SECONDS); send the whole request again."
        ) from None
    if message["type"] == "http.disconnect":
        raise ClientDisconnected
    return message
