"""Outreach → Suppression list: emails and domains never dispatched. Add one (checked as you
type), remove one after a confirmation; both are recorded with who and when (audit log)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import AuditEntry, Suppression, SuppressionKind
from ravensearch.db.session import unit_of_work
from ravensearch.errors import InvalidInput
from ravensearch.suppressions.blocklist import INSTANTLY_SOURCE, SyncSummary, blocklist_sync_service
from ravensearch.suppressions.service import REMOVED_ACTION, parse_value, suppression_service
from ravensearch.web.admin.auth import AdminUser, CurrentUser, admin_router
from ravensearch.web.admin.forms import read_form
from ravensearch.web.admin.paging import Pager
from ravensearch.web.admin.responses import HXRedirectResponse
from ravensearch.web.admin.templating import render
from ravensearch.web.admin.toasts import add_toast
from ravensearch.web.deps import PageQuery, RuntimeDep, SessionDep

router = admin_router(prefix="/outreach/suppressions")

PAGE = "outreach/suppressions.html"
SOURCE_LABELS = {
    "manual": "Added by hand",
    "bounce": "Bounced",
    "unsubscribe": "Unsubscribed",
    INSTANTLY_SOURCE: "From Instantly's block list",
}
# A sync never deletes on either side, so the person has to finish the job in Instantly.
REMOVED_NOTE_ON_INSTANTLY = (
    " It stays on Instantly's block list, which keeps refusing it: remove it there too."
)
KIND_HINTS = {
    SuppressionKind.email: "An email address: only this address is blocked.",
    SuppressionKind.domain: "A domain: every address at it and its subdomains is blocked.",
}


@dataclass(frozen=True)
class SuppressionRow:
    value: str
    kind: str
    reason: str | None
    source: str
    added_by: str | None
    created_at: datetime
    on_instantly: bool
    instantly_error: str | None

    @classmethod
    def of(cls, entry: Suppression, added_by: str | None) -> SuppressionRow:
        return cls(
            entry.value,
            entry.kind,
            entry.reason,
            entry.source,
            added_by,
            entry.created_at,
            on_instantly=entry.instantly_synced_at is not None,
            instantly_error=entry.instantly_error,
        )

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source, self.source.replace("_", " ").capitalize())

    @property
    def instantly_label(self) -> str:
        if self.on_instantly:
            return "On Instantly's block list"
        return "Not on Instantly's block list yet" if self.instantly_error else "Waiting to sync"


@dataclass(frozen=True)
class ChangeRow:
    """One addition or removal by a person."""

    removed: bool
    value: str
    user_email: str | None
    detail: str | None
    at: datetime

    @classmethod
    def of(cls, entry: AuditEntry) -> ChangeRow:
        return cls(
            entry.action == REMOVED_ACTION,
            entry.subject,
            entry.user_email,
            entry.detail,
            entry.created_at,
        )


@dataclass(frozen=True)
class ValueCheck:
    """What the value typed so far is (the hint under the field), or why it is not valid."""

    value: str = ""
    hint: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class AddForm:
    value: str = ""
    reason: str = ""
    check: ValueCheck = field(default_factory=ValueCheck)


@dataclass(frozen=True)
class SuppressionsPage:
    rows: list[SuppressionRow]
    pager: Pager
    q: str
    kind: str
    total_all: int
    changes: list[ChangeRow]
    sync: SyncSummary
    form: AddForm = field(default_factory=AddForm)
    kinds: tuple[tuple[str, str], ...] = (("email", "Emails"), ("domain", "Domains"))


@dataclass(frozen=True)
class ConfirmRemovePage:
    row: SuppressionRow


def check_value(value: str) -> ValueCheck:
    if not value.strip():
        return ValueCheck(value, error="Type an email address or a domain.")
    try:
        normalized, kind = parse_value(value)
    except InvalidInput:
        return ValueCheck(
            value, error="Not an email address or a domain (e.g. ann@acme.com or acme.com)."
        )
    return ValueCheck(normalized, hint=KIND_HINTS[kind])


async def _rows(session: AsyncSession, entries: list[Suppression]) -> list[SuppressionRow]:
    added = await suppression_service.added_by(session, [e.value for e in entries])
    return [
        SuppressionRow.of(e, added[e.value].user_email if e.value in added else None)
        for e in entries
    ]


async def suppressions_page(
    session: AsyncSession, *, q: str, kind: str, page: int, form: AddForm | None = None
) -> SuppressionsPage:
    kind_filter = SuppressionKind(kind) if kind in SuppressionKind.__members__ else None
    q = q.strip()[:320]
    total = await suppression_service.count(session, kind=kind_filter, q=q or None)
    pager = Pager.of(page, total)
    entries = await suppression_service.list(
        session, kind=kind_filter, q=q or None, limit=pager.per_page, offset=pager.offset
    )
    changes = [ChangeRow.of(e) for e in await suppression_service.changes(session, limit=10)]
    return SuppressionsPage(
        rows=await _rows(session, list(entries)),
        pager=pager,
        q=q,
        kind=kind_filter.value if kind_filter else "",
        total_all=await suppression_service.count(session) if (q or kind_filter) else total,
        changes=changes,
        sync=await blocklist_sync_service.summary(session),
        form=form or AddForm(),
    )


@router.get("", name="suppressions:list")
async def list_suppressions(
    request: Request,
    _user: CurrentUser,
    session: SessionDep,
    q: str = "",
    kind: str = "",
    page: PageQuery = 1,
) -> Response:
    context = await suppressions_page(session, q=q, kind=kind, page=page)
    return await render(request, PAGE, context, fragment="outreach/_suppressions_table.html")


@router.post("/check", name="suppressions:check")
async def check(request: Request, _user: CurrentUser) -> Response:
    """The hint under the field, as it is typed: a read, so viewers may use it too."""
    value = (await read_form(request)).get("value", "")
    return await render(request, "outreach/_suppression_check.html", check_value(value))


@router.post("", name="suppressions:add")
async def add(request: Request, user: AdminUser, runtime: RuntimeDep) -> Response:
    data = await read_form(request)
    value, reason = data.get("value", ""), data.get("reason", "")
    checked = check_value(value)
    status = 422
    if checked.error is None:
        async with unit_of_work(runtime.sessionmaker) as session:
            entry, created = await suppression_service.add_by_user(
                session, value, reason=reason, user=user
            )
        if created:
            add_toast(request, f"{entry.value} is suppressed: it will never be dispatched.")
            return HXRedirectResponse(request, str(request.app.url_path_for("suppressions:list")))
        added = entry.created_at.strftime("%b %-d, %Y")
        checked = ValueCheck(value, error=f"{entry.value} is already on the list (since {added}).")
        status = 409
    form = AddForm(value, reason, checked)
    async with unit_of_work(runtime.sessionmaker) as session:
        context = await suppressions_page(session, q="", kind="", page=1, form=form)
    return await render(
        request, PAGE, context, fragment="outreach/_suppression_form.html", status_code=status
    )


@router.get("/remove", name="suppressions:confirm-remove")
async def confirm_remove(
    request: Request, _user: CurrentUser, session: SessionDep, value: str = ""
) -> Response:
    """The confirmation step without JavaScript (HTMX asks with `hx-confirm` instead)."""
    entry = await suppression_service.get(session, value)
    row = (await _rows(session, [entry]))[0]
    return await render(request, "outreach/suppression_remove.html", ConfirmRemovePage(row))


@router.post("/remove", name="suppressions:remove")
async def remove(request: Request, user: AdminUser, runtime: RuntimeDep) -> Response:
    data = await read_form(request)
    value = data.get("value", "")
    if data.get("confirmed") != "1":
        url = request.app.url_path_for("suppressions:confirm-remove")
        return HXRedirectResponse(request, f"{url}?{urlencode({'value': value})}")
    async with unit_of_work(runtime.sessionmaker) as session:
        entry = await suppression_service.remove_by_user(session, value, user=user)
    note = REMOVED_NOTE_ON_INSTANTLY if entry.instantly_synced_at is not None else ""
    add_toast(request, f"Removed {entry.value}: Ravensearch may email it again.{note}")
    return HXRedirectResponse(request, str(request.app.url_path_for("suppressions:list")))
