"""Sign in and out: `/login`, `/logout`, and `/` (which sends you to the Outreach page)."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request
from fastapi.responses import Response

from ravensearch.users.flows import sign_in
from ravensearch.users.service import session_fingerprint
from ravensearch.web.admin.auth import CodecDep, admin_router
from ravensearch.web.admin.forms import read_form
from ravensearch.web.admin.responses import HXRedirectResponse, local_path
from ravensearch.web.admin.sessions import SessionData, clear_session, read_session, write_session
from ravensearch.web.admin.templating import render
from ravensearch.web.admin.toasts import add_toast
from ravensearch.web.deps import RuntimeDep
from ravensearch.web.forwarded import client_ip

log = logging.getLogger(__name__)

router = admin_router()


@dataclass(frozen=True)
class LoginPage:
    email: str = ""
    next: str = "/"
    error: str | None = None


@router.get("/", name="admin:home")
async def home(request: Request) -> Response:
    return HXRedirectResponse(request, str(request.app.url_path_for("campaigns:list")))


@router.get("/login", name="admin:login")
async def login_page(request: Request, codec: CodecDep, next: str = "/") -> Response:
    data = read_session(request, codec) or SessionData.anonymous()
    request.state.admin_session = data
    response = await render(request, "login.html", LoginPage(next=_after_login(next)))
    write_session(response, request, codec, data)
    return response


@router.post("/login", name="admin:login-submit")
async def login(request: Request, runtime: RuntimeDep, codec: CodecDep) -> Response:
    form = await read_form(request)
    email, password = form.get("email", "").strip(), form.get("password", "")
    page = LoginPage(email=email, next=_after_login(form.get("next", "/")))
    if not email or not password:
        return await _retry(request, codec, page, "Enter your email and password.", 400)
    attempt = await sign_in(
        runtime.sessionmaker,
        request.app.state.login_throttle,
        email=email,
        password=password,
        client_ip=client_ip(request),
    )
    if attempt.retry_after is not None:
        count = _minutes(attempt.retry_after)
        message = f"Too many attempts, try again in {count} minute{'s' if count != 1 else ''}."
        log.warning("admin.login.throttled")
        return await _retry(request, codec, page, message, 429)
    user = attempt.user
    if user is None:
        return await _retry(request, codec, page, "Wrong email or password.", 401)
    log.info("admin.login.succeeded user_id=%s", user.id)
    data = (read_session(request, codec) or SessionData.anonymous()).signed_in(
        user.id, session_fingerprint(user)
    )
    response = HXRedirectResponse(request, page.next)
    write_session(response, request, codec, data)
    return response


@router.post("/logout", name="admin:logout")
async def logout(request: Request) -> Response:
    add_toast(request, "You are signed out.", "info")
    response = HXRedirectResponse(request, str(request.app.url_path_for("admin:login")))
    clear_session(response)
    return response


def _after_login(url: str) -> str:
    path = local_path(url)
    return "/" if path.startswith(("/login", "/logout")) else path


async def _retry(
    request: Request, codec: CodecDep, page: LoginPage, error: str, status: int
) -> Response:
    request.state.admin_session = read_session(request, codec)
    page = LoginPage(email=page.email, next=page.next, error=error)
    return await render(request, "login.html", page, status_code=status)


def _minutes(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds() / 60))
