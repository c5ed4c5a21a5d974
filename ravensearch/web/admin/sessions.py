"""Signed-cookie sessions (itsdangerous): who is signed in and the session's CSRF token.

Nothing is stored server-side. A session names the user and a fingerprint of their
password hash, so disabling a user or changing the password ends their sessions at the next
request. The signing key is RAVENSEARCH_SECRET_KEY, or one generated once and kept in
`app_settings`.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from dataclasses import dataclass, replace
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadData, URLSafeTimedSerializer

from ravensearch.app_settings.service import SESSION_SECRET_KEY, app_settings_service
from ravensearch.db.session import unit_of_work
from ravensearch.runtime import Runtime
from ravensearch.web.admin.toasts import Toast, from_dicts
from ravensearch.web.forwarded import is_https

SESSION_COOKIE = "rs_session"
FLASH_COOKIE = "rs_flash"
SESSION_MAX_AGE = 14 * 24 * 3600
FLASH_MAX_AGE = 120


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class SessionData:
    """The cookie's content. `user_id` is None before login (the CSRF token still guards
    the login form against login CSRF)."""

    csrf: str
    user_id: uuid.UUID | None = None
    fingerprint: str | None = None

    @classmethod
    def anonymous(cls) -> SessionData:
        return cls(csrf=new_csrf_token())

    def signed_in(self, user_id: uuid.UUID, fingerprint: str) -> SessionData:
        # A fresh CSRF token at login: a token seen before login is worth nothing after it.
        return replace(self, csrf=new_csrf_token(), user_id=user_id, fingerprint=fingerprint)


class SessionCodec:
    """Signs and checks session and flash cookies with one key (and a salt each)."""

    def __init__(self, secret: str) -> None:
        self._session = URLSafeTimedSerializer(secret, salt="ravensearch.session")
        self._flash = URLSafeTimedSerializer(secret, salt="ravensearch.flash")

    def dump_session(self, data: SessionData) -> str:
        payload: dict[str, Any] = {"c": data.csrf}
        if data.user_id is not None:
            payload |= {"u": str(data.user_id), "f": data.fingerprint}
        return self._session.dumps(payload)

    def load_session(self, raw: str | None) -> SessionData | None:
        if not raw:
            return None
        try:
            payload = self._session.loads(raw, max_age=SESSION_MAX_AGE)
            user_id = uuid.UUID(payload["u"]) if "u" in payload else None
            return SessionData(
                csrf=str(payload["c"]), user_id=user_id, fingerprint=payload.get("f")
            )
        except (BadData, KeyError, TypeError, ValueError):
            return None

    def dump_flash(self, toasts: list[Toast]) -> str:
        return self._flash.dumps([toast.to_dict() for toast in toasts])

    def load_flash(self, raw: str | None) -> list[Toast]:
        if not raw:
            return []
        try:
            return from_dicts(self._flash.loads(raw, max_age=FLASH_MAX_AGE))
        except BadData:
            return []


async def get_codec(request: Request) -> SessionCodec:
    """The app's codec, built on first use (the key may have to be read from the database)."""
    state = request.app.state
    codec: SessionCodec | None = getattr(state, "session_codec", None)
    if codec is not None:
        return codec
    lock: asyncio.Lock = state.session_codec_lock
    async with lock:
        if getattr(state, "session_codec", None) is None:
            state.session_codec = SessionCodec(await _secret(request.app.state.runtime))
    result: SessionCodec = state.session_codec
    return result


async def _secret(runtime: Runtime) -> str:
    configured = runtime.settings.SECRET_KEY.get_secret_value()
    if configured:
        return configured
    async with unit_of_work(runtime.sessionmaker) as session:
        return await app_settings_service.get_or_create_secret(session, SESSION_SECRET_KEY)


def _set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    # Not readable by scripts, not sent on cross-site posts, HTTPS-only when served so
    # (directly, or through a trusted proxy's X-Forwarded-Proto).
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )


def read_session(request: Request, codec: SessionCodec) -> SessionData | None:
    return codec.load_session(request.cookies.get(SESSION_COOKIE))


def write_session(
    response: Response, request: Request, codec: SessionCodec, data: SessionData
) -> None:
    _set_cookie(response, request, SESSION_COOKIE, codec.dump_session(data), SESSION_MAX_AGE)


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def write_flash(
    response: Response, request: Request, codec: SessionCodec, toasts: list[Toast]
) -> None:
    _set_cookie(response, request, FLASH_COOKIE, codec.dump_flash(toasts), FLASH_MAX_AGE)


def read_flash(request: Request, codec: SessionCodec) -> list[Toast]:
    """Toasts carried over a redirect (see `clear_flash`)."""
    return codec.load_flash(request.cookies.get(FLASH_COOKIE))


def clear_flash(request: Request, response: Response) -> None:
    """Delete the flash cookie once its toasts are shown, so they show once."""
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/", httponly=True, samesite="lax")
