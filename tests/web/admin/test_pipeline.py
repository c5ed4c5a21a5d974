"""Outreach → Recruiting pipeline: board and table views, moving a technician by hand."""

from __future__ import annotations

import uuid

from bs4 import BeautifulSoup

from ravensearch.db.models import DispatchStatus, PipelineMove, Target
from ravensearch.db.session import unit_of_work
from ravensearch.pipeline.service import pipeline_service
from ravensearch.runtime import Runtime
from tests.fixtures.admin import AdminClient
from tests.fixtures.factories import create_campaign, create_dispatch, create_target

URL = "/outreach/pipeline"


async def replied_technician(runtime: Runtime, name: str = "Sparky Electric") -> uuid.UUID:
    async with unit_of_work(runtime.sessionmaker) as session:
        campaign = await create_campaign(session, name="Electricians — Arizona")
        target = await create_target(session, business_name=name, first_name="Ray")
        await create_dispatch(
            session, campaign=campaign, target=target, status=DispatchStatus.replied,
            reply_text="Yes, call me tomorrow morning.",
        )  # fmt: skip
        await pipeline_service.enter_on_reply(session, target.id, None)
    return target.id


class TestViews:
    async def test_board_then_table(self, admin: AdminClient, runtime: Runtime) -> None:
        target_id = await replied_technician(runtime)
        board = await admin.page(URL)
        assert board.template.name == "outreach/pipeline.html"
        page = board.context["page"]
        assert page.view == "board"
        assert page.total == 1
        replied = next(c for c in page.columns if c.stage == "replied")
        [card] = replied.cards
        assert (card.target_id, card.campaign_name) == (target_id, "Electricians — Arizona")
        assert card.reply_text == "Yes, call me tomorrow morning."
        assert card.last_move is not None
        assert card.last_move.by == "automatically (Instantly)"
        soup = BeautifulSoup(board.text, "html.parser")
        assert [h.text for h in soup.select(".column-head h2")] == [
            "Replied", "Interested", "Screening", "Interview", "Offer", "Hired", "Refused"
        ]  # fmt: skip
        opener = soup.select_one(f'#column-replied [data-target-id="{target_id}"] .move-open')
        assert opener["hx-get"] == f"{URL}/{target_id}/move"
        form = await admin.page(opener["hx-get"], htmx=True)
        assert form.template.name == "outreach/_move_form_slot.html"
        assert form.context["page"].card.target_id == target_id
        assert f'action="{URL}/{target_id}/move"' in form.text

        table = await admin.page(f"{URL}?view=table&stage=replied&q=sparky", htmx=True)
        assert table.template.name == "outreach/_pipeline.html"
        assert [row.target_id for row in table.context["page"].rows] == [target_id]
        empty = await admin.page(f"{URL}?view=table&stage=hired")
        assert empty.context["page"].rows == []
        assert "Nobody here" in empty.text

    async def test_viewer_has_no_move_forms(self, viewer: AdminClient, runtime: Runtime) -> None:
        await replied_technician(runtime)
        page = await viewer.page(URL)
        assert page.context["page"].total == 1
        assert BeautifulSoup(page.text, "html.parser").select(".move-slot") == []
        opener = await viewer.page(f"{URL}/{uuid.uuid4()}/move", htmx=True)
        assert opener.status_code == 403


class TestMove:
    async def test_move_then_refuse_with_a_reason(
        self, admin: AdminClient, runtime: Runtime
    ) -> None:
        target_id = await replied_technician(runtime)
        await admin.page(URL)
        moved = await admin.submit(
            f"{URL}/{target_id}/move", {"stage": "interview", "back_view": "board"}, htmx=True
        )
        assert moved.status_code == 200
        assert moved.template.name == "outreach/_pipeline.html"
        interview = next(c for c in moved.context["page"].columns if c.stage == "interview")
        assert [c.target_id for c in interview.cards] == [target_id]
        assert [t.message for t in moved.context["toasts"]] == ["Moved to Interview."]

        refused = await admin.submit(
            f"{URL}/{target_id}/move",
            {"stage": "refused", "back_view": "table", "back_stage": "interview"},
            htmx=True,
        )
        assert refused.status_code == 422
        assert refused.context["page"].errors_for(target_id) == {
            "reason": "Choose why they refused."
        }
        soup = BeautifulSoup(refused.text, "html.parser")
        error = soup.select_one(f"#reason-{target_id}-error")
        assert error is not None
        assert error.text == "Choose why they refused."
        # The stage just chosen stays chosen, so only the reason is left to pick.
        assert soup.select_one(f"#stage-{target_id} option[selected]")["value"] == "refused"

        done = await admin.submit(
            f"{URL}/{target_id}/move",
            {"stage": "refused", "reason": "salary", "note": "Wants $50/h"},
        )
        assert (done.status_code, done.headers["location"]) == (303, URL)
        async with runtime.sessionmaker() as session:
            target = await session.get(Target, target_id)
            moves = await pipeline_service.history(session, target_id)
        assert target is not None
        assert (target.pipeline_stage, target.pipeline_refusal_reason) == ("refused", "salary")
        assert [(m.to_stage, m.source) for m in moves] == [
            ("refused", "manual"), ("interview", "manual"), ("replied", "auto")
        ]  # fmt: skip
        assert moves[0].note == "Wants $50/h"
        assert moves[0].user_email is not None

    async def test_viewer_cannot_move(self, viewer: AdminClient, runtime: Runtime) -> None:
        target_id = await replied_technician(runtime)
        await viewer.page(URL)
        response = await viewer.submit(f"{URL}/{target_id}/move", {"stage": "hired"}, htmx=True)
        assert response.status_code == 403
        async with runtime.sessionmaker() as session:
            assert (await session.get(Target, target_id)).pipeline_stage == "replied"
            assert len((await session.scalars(PipelineMove.__table__.select())).all()) == 1

    async def test_unknown_technician_is_a_404_toast(self, admin: AdminClient) -> None:
        await admin.page(URL)
        response = await admin.submit(f"{URL}/{uuid.uuid4()}/move", {"stage": "offer"}, htmx=True)
        assert response.status_code == 404
        assert "not found" in response.text
