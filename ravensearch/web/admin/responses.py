"""Redirects that work for HTMX and for plain forms, and carry pending toasts along."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from ravensearch.web.admin.sessions import SessionCodec, write_flash
from ravensearch.web.admin.toasts import pending


def is_htmx(request: Request) -> bool:
    """An HTMX request wanting a fragment (a history restore wants the whole page)."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def local_path(url: str) -> str:
    """`url` if it is a path on this site, else "/": never redirect people elsewhere
    (an absolute URL, e.g. HX-Current-URL, keeps its path and query)."""
    if "://" in url:
        url = "/" + url.split("://", 1)[1].partition("/")[2]
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    return url


class HXRedirectResponse(Response):
    """Go to `url`: `HX-Redirect` (200) for HTMX, a 303 otherwise. Toasts added during the
    request travel in the flash cookie and show on the next page.

    Admin routers build the session codec before any handler runs (see `admin.router`),
    so it is always there.
    """

    def __init__(self, request: Request, url: str) -> None:
        if is_htmx(request):
            super().__init__(status_code=200, headers={"HX-Redirect": url})
        else:
            super().__init__(status_code=303, headers={"Location": url})
        toasts = pending(request)
        codec: SessionCodec | None = getattr(request.app.state, "session_codec", None)
        if toasts and codec is not None:
            write_flash(self, request, codec, toasts)


def to_campaign(request: Request, campaign_id: object) -> HXRedirectResponse:
    """Back to a campaign's page, the toasts added so far with it."""
    url = request.app.url_path_for("campaigns:detail", campaign_id=str(campaign_id))
    return HXRedirectResponse(request, str(url))
