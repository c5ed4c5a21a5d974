"""Who is asking: the signed-in user, admin-only actions, and the CSRF check on every POST.

CurrentUser   any signed-in, active user (viewers included); else a redirect to /login
AdminUser     the same, but viewers get 403 "Viewers can look, not act."
verify_csrf   a router-level dependency: unsafe methods need the session's CSRF token,
              from the `X-CSRF-Token` header (HTMX, set by `hx-headers` on <body>) or
              the `csrf_token` form field (`ui.csrf_field()`).
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from ravensearch.db.models import Role, User
from ravensearch.db.session import unit_of_work
from ravensearch.errors import RavensearchError
from ravensearch.notifications.service import notification_service
from ravensearch.users.service import session_fingerprint, user_service
from ravensearch.web.admin.responses import is_htmx
from ravensearch.web.admin.sessions import SessionCodec, SessionData, get_codec, read_session
from ravensearch.web.deps import RuntimeDep

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
VIEWER_MESSAGE = "Viewers can look, not act."

CodecDep = Annotated[SessionCodec, Depends(get_codec)]


class LoginRequired(RavensearchError):
    """No valid session: pages redirect to the login form (HTMX gets an HX-Redirect)."""

    status_code = 401
    error = "login_required"


class Forbidden(RavensearchError):
    status_code = 403
    error = "forbidden"


class CsrfFailed(Forbidden):
    error = "csrf_failed"


async def current_user(request: Request, runtime: RuntimeDep, codec: CodecDep) -> User:
    data = read_session(request, codec)
    if data is None or data.user_id is None:
        raise LoginRequired("Please sign in.")
    # Its own short transaction, before the handler's: on SQLite a second transaction would
    # wait for the first, and a handler may call Instantly and must not inherit one.
    async with unit_of_work(runtime.sessionmaker) as session:
        user = await user_service.get_active(session, data.user_id)
        # The header's badge; fragments (HTMX) have no header.
        unread = None if is_htmx(request) else await notification_service.unread_count(session)
    if user is None or not hmac.compare_digest(session_fingerprint(user), data.fingerprint or ""):
        raise LoginRequired("Your session ended; please sign in again.")
    request.state.user = user
    request.state.admin_session = data
    request.state.unread = unread
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def admin_user(user: CurrentUser) -> User:
    if user.role != Role.admin:
        raise Forbidden(VIEWER_MESSAGE)
    return user


AdminUser = Annotated[User, Depends(admin_user)]


async def verify_csrf(request: Request, codec: CodecDep) -> None:
    if request.method in SAFE_METHODS:
        return
    data = read_session(request, codec)
    submitted = request.headers.get("x-csrf-token")
    if submitted is None and _is_form(request):
        value = (await request.form()).get("csrf_token")
        submitted = value if isinstance(value, str) else None
    if data is None or not submitted or not hmac.compare_digest(submitted, data.csrf):
        raise CsrfFailed(
            "This form expired or did not come from this site. Reload the page and try again."
        )


def admin_router(**kwargs: Any) -> APIRouter:
    """An APIRouter for admin pages: no OpenAPI, the session codec built before any
    handler runs (HXRedirectResponse needs it), and the CSRF check on every POST."""
    dependencies = [Depends(get_codec), Depends(verify_csrf), *kwargs.pop("dependencies", [])]
    return APIRouter(include_in_schema=False, dependencies=dependencies, **kwargs)


def session_of(request: Request) -> SessionData | None:
    """The session `current_user` (or the login page) attached to this request."""
    data: SessionData | None = getattr(request.state, "admin_session", None)
    return data


def user_of(request: Request) -> User | None:
    user: User | None = getattr(request.state, "user", None)
    return user


def unread_of(request: Request) -> int | None:
    """Unread notifications, counted by `current_user` for full pages."""
    unread: int | None = getattr(request.state, "unread", None)
    return unread


def is_admin(user: User | None) -> bool:
    return user is not None and user.role == Role.admin


def _is_form(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
