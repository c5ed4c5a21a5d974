"""Jinja2 for the admin: one environment, `render()` for pages and HTMX fragments.

    return await render(request, "outreach/campaigns.html", page,
                        fragment="outreach/_campaigns_table.html")

renders the whole page, or only `fragment` when the request comes from HTMX
(`HX-Request: true`). `page` is the route's typed context (a dataclass); templates read it
as `page` next to what every page gets: `user`, `is_admin`, `csrf_token`, `unread`,
`is_mock`, `toasts`. Toasts show in the page, or ride along a fragment as an out-of-band
swap into `#toasts`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from starlette.background import BackgroundTask
from starlette.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

from ravensearch import __version__
from ravensearch.kit.clock import as_utc, utcnow
from ravensearch.kit.schemas import iso_z
from ravensearch.kit.trades import trade_label
from ravensearch.web.admin import nav
from ravensearch.web.admin.auth import is_admin, session_of, unread_of, user_of
from ravensearch.web.admin.responses import is_htmx
from ravensearch.web.admin.sessions import clear_flash, get_codec, read_flash
from ravensearch.web.admin.toasts import pending

WEB_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


class TemplateResponse(HTMLResponse):
    """HTML that remembers its template and context, for tests (`response.template.name`,
    `response.context["page"]`), delivered through ASGI's `http.response.debug` extension
    like Starlette's own template responses."""

    def __init__(
        self,
        template: jinja2.Template,
        context: dict[str, Any],
        *,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
        extra_html: str = "",
        background: BackgroundTask | None = None,
    ) -> None:
        self.template = template
        self.context = context
        content = template.render(context) + extra_html
        super().__init__(content, status_code=status_code, headers=headers, background=background)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if "http.response.debug" in scope.get("extensions", {}):
            info = {"template": self.template, "context": self.context}
            await send({"type": "http.response.debug", "info": info})
        await super().__call__(scope, receive, send)


@jinja2.pass_context
def _url_for(context: Any, name: str, /, **params: Any) -> str:
    request: Request = context["request"]
    path = request.app.url_path_for(name, **{k: str(v) for k, v in params.items()})
    return str(request.scope.get("root_path", "")) + str(path)


@lru_cache(maxsize=64)
def static_url(path: str) -> str:
    """`/static/<path>?v=<content hash>`: browsers cache it until the file changes."""
    file = (STATIC_DIR / path).resolve()
    digest = hashlib.sha256(file.read_bytes()).hexdigest()[:10] if file.is_file() else __version__
    return f"/static/{path}?v={digest}"


def _datetime(value: datetime | None, fmt: str = "%b %-d, %Y %H:%M") -> str:
    return "—" if value is None else as_utc(value).strftime(fmt) + " UTC"


def _ago(value: datetime | None) -> str:
    if value is None:
        return "never"
    seconds = int((utcnow() - as_utc(value)).total_seconds())
    if seconds < 45:
        return "just now"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = round(seconds / size)
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,}"


def _percent(part: int | None, whole: int | None) -> str:
    if not whole or part is None:
        return "—"
    # Counters move at different times (a sync, a late webhook): a share never shows over 100 %.
    share = min(100.0, 100 * part / whole)
    return f"{share:.0f}%" if share >= 10 or share == 0 else f"{share:.1f}%"


def _label(value: str | None) -> str:
    """`appliance_repair` → `Appliance repair`."""
    return "—" if not value else value.replace("_", " ").capitalize()


def _safe_url(value: str | None) -> str | None:
    """Links from webhook payloads: only http(s), never `javascript:` and the like."""
    return value if value and value.lower().startswith(("https://", "http://")) else None


def create_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        # A typo in a template is an error the tests catch, not an empty string.
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        url_for=_url_for,
        static_url=static_url,
        main_nav=nav.MAIN_NAV,
        outreach_tabs=nav.OUTREACH_TABS,
        version=__version__,
    )
    env.filters.update(
        datetime=_datetime,
        iso=iso_z,
        ago=_ago,
        number=_number,
        percent=_percent,
        label=_label,
        safe_url=_safe_url,
        trade=trade_label,
    )
    return env


environment = create_environment()


async def render(
    request: Request,
    template: str,
    page: object,
    *,
    fragment: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> TemplateResponse:
    """`template` (or, for HTMX, `fragment` when given) with `page` as its context.

    A template whose file name starts with `_` is a partial: no flash cookie is read, and
    toasts are appended as an OOB swap. Never touches the database (on SQLite a second
    transaction would wait for the handler's).
    """
    name = fragment if fragment and is_htmx(request) else template
    # A partial (`_name.html`) has no header: no badge count, no flash; toasts ride along OOB.
    full = not Path(name).name.startswith("_")
    codec = await get_codec(request)
    toasts = (read_flash(request, codec) if full else []) + pending(request)
    user = user_of(request)
    session = session_of(request)
    context: dict[str, Any] = {
        "request": request,
        "page": page,
        "user": user,
        "is_admin": is_admin(user),
        "csrf_token": session.csrf if session else "",
        "unread": unread_of(request),
        "is_mock": request.app.state.runtime.is_mock,
        "toasts": toasts,
    }
    extra = ""
    if not full and toasts:
        extra = environment.get_template("_toasts.html").render(toasts=toasts, oob=True)
    response = TemplateResponse(
        environment.get_template(name),
        context,
        status_code=status_code,
        headers={**(headers or {}), "Vary": "HX-Request", "Cache-Control": "no-store"},
        extra_html=extra,
    )
    if full:
        clear_flash(request, response)
    return response
