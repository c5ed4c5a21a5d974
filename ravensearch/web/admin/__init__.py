"""The admin UI: server-rendered Jinja2 + HTMX at `/`, no OpenAPI, no JS build step.

How to add a page (Targets, Pipeline and Suppressions build on this):

- **Router**: `router = admin_router(prefix="/outreach/targets")` (`auth.py`): no OpenAPI,
  the session codec, and the CSRF check on every POST. Name each route
  (`name="targets:list"`), add the router to `ROUTERS` below and a tab to `nav.py`.
- **Who**: `_user: CurrentUser` on pages (no session → /login, HTMX gets HX-Redirect);
  `user: AdminUser` on anything that changes data (viewers: 403 "Viewers can look, not
  act."). Templates get `user` and `is_admin`; `ui.button(..., admin_only=True)` disables
  itself for viewers, and links to admin-only pages are wrapped in `{% if is_admin %}`.
- **Render**: `return await render(request, "outreach/targets.html", page,
  fragment="outreach/_targets_table.html")` (`templating.py`): the page, or the fragment for
  HTMX. `page` is a frozen dataclass, the page's typed context; tests assert on
  `response.context["page"]` (`tests/fixtures/admin.py` `AdminClient`). A `_name.html`
  template is a partial (no layout). `render` never touches the database: on SQLite a
  second transaction would wait for the handler's `SessionDep`.
- **Forms**: `data = await read_form(request)`, then `validate_form(Model, data)` gives the
  model or `{field: message}` for inline errors (`ui.field(..., error=...)`). Plain forms
  carry `ui.csrf_field()`; HTMX requests send the token from `hx-headers` on <body>.
- **After a change**: `add_toast(request, "Saved.")` (`toasts.py`), then
  `HXRedirectResponse(request, url)` (`responses.py`; the toast rides a flash cookie) or a
  re-rendered fragment (the toast is appended as an out-of-band swap into `#toasts`).
- **Errors**: raise a `RavensearchError` (404, 409 …): admin paths get a friendly page, or an
  error toast for HTMX (`errors.py`); anything unexpected is logged and shown as a 500 page
  without a trace. /api paths keep their JSON errors.
- **Templates**: extend `base.html` (header, nav, unread badge, toasts); set `active_nav` /
  `active_tab`; `{% import "_macros.html" as ui with context %}` for buttons, fields,
  selects, stats, status pills, times, pagination, copy fields, empty states and the badge.
  Undefined names are errors (StrictUndefined): use `d.get("key")` for optional dict keys.
- **Live data**: a fragment polls itself with `hx-get=… hx-trigger="every 2s
  [document.visibilityState === 'visible']" hx-swap="outerHTML"`
  (`outreach/_campaigns_table.html`); a poll can send `HX-Trigger` to wake other parts of
  the page (`campaigns.CHANGED_EVENT`).
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ravensearch.users.login_throttle import LoginThrottle
from ravensearch.web.admin import (
    campaign_sequences,
    campaigns,
    events,
    login,
    notifications,
    pipeline,
    settings,
    suppressions,
    targets,
    webhook_setup,
)
from ravensearch.web.admin.errors import install_error_pages
from ravensearch.web.admin.templating import STATIC_DIR

ROUTERS = (
    login.router,
    campaigns.router,
    campaign_sequences.router,
    targets.router,
    notifications.router,
    pipeline.router,
    suppressions.router,
    settings.router,
    webhook_setup.router,
    events.router,
)


def install_admin(app: FastAPI) -> None:
    """Mount the admin pages, `/static`, and HTML error pages for non-API paths."""
    app.state.session_codec_lock = asyncio.Lock()
    app.state.login_throttle = LoginThrottle()
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)
    install_error_pages(app)
