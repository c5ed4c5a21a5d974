"""One-click unsubscribe (RFC 8058) for SendGrid emails: no login and no CSRF token, since
the signed token in the URL is the proof. Mail clients POST to it directly; a person who
opens the link gets a small page with one button (a GET never unsubscribes, so a link
scanner cannot do it by prefetching)."""

from __future__ import annotations

import html
import uuid

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from ravensearch.db.session import unit_of_work
from ravensearch.errors import NotFound
from ravensearch.sequences.service import sequence_service
from ravensearch.sequences.unsubscribe import BadToken, read_token, signing_secret
from ravensearch.web.deps import RuntimeDep

router = APIRouter(prefix="/unsubscribe", include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 4rem auto;">
<h1 style="font-size: 1.4rem;">{title}</h1><p>{text}</p>{form}</body></html>"""
_FORM = (
    '<form method="post" action="/unsubscribe/{token}">'
    '<button type="submit">Unsubscribe</button></form>'
)
_BAD = "This unsubscribe link is not valid or has been cut short; copy the whole link."


def _page(title: str, text: str, *, status: int = 200, token: str | None = None) -> HTMLResponse:
    form = _FORM.format(token=html.escape(token, quote=True)) if token else ""
    body = _PAGE.format(title=html.escape(title), text=html.escape(text), form=form)
    return HTMLResponse(body, status_code=status)


async def _dispatch_id(runtime: RuntimeDep, token: str) -> uuid.UUID:
    async with unit_of_work(runtime.sessionmaker) as session:
        return read_token(await signing_secret(session, runtime.settings), token)


@router.get("/{token}")
async def confirm_page(token: str, runtime: RuntimeDep) -> HTMLResponse:
    try:
        await _dispatch_id(runtime, token)
    except BadToken:
        return _page("Link not valid", _BAD, status=400)
    return _page(
        "Unsubscribe", "Stop receiving these emails? One click and we will not write again.",
        token=token,
    )  # fmt: skip


@router.post("/{token}")
async def unsubscribe(token: str, runtime: RuntimeDep) -> HTMLResponse:
    try:
        dispatch_id = await _dispatch_id(runtime, token)
        async with unit_of_work(runtime.sessionmaker) as session:
            await sequence_service.unsubscribe(session, dispatch_id)
    except BadToken:
        return _page("Link not valid", _BAD, status=400)
    except NotFound as exc:
        return _page("Nothing to unsubscribe", exc.message, status=404)
    return _page("Unsubscribed", "You will not receive any more of these emails.")
