"""`/api/targets`: create, import, list and read targets. Every route needs the bearer token."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, UploadFile
from fastapi.responses import JSONResponse

from ravensearch.errors import InvalidInput
from ravensearch.jobs.launch import receive_import
from ravensearch.jobs.schemas import JobAccepted
from ravensearch.kit.cursor import CURSOR_HELP, decode_cursor, next_cursor
from ravensearch.targets.schemas import (
    ImportReport,
    TargetCreate,
    TargetDetail,
    TargetFilters,
    TargetList,
    TargetRead,
)
from ravensearch.targets.service import target_service
from ravensearch.web.api.jobs import EnqueueDep
from ravensearch.web.deps import OffsetQuery, RuntimeDep, SessionDep, TokenDep

router = APIRouter(prefix="/targets", tags=["targets"])


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        400: "A field, filter or id is malformed (`detail` names it and says why), the file "
        "cannot be imported (empty, not CSV, no business name column), or the cursor is not "
        "one this API gave",
        401: "Missing, invalid or revoked API token",
        404: "No such target",
        413: "The file is larger than 200 MB",
    }
    return {code: {"description": descriptions[code]} for code in (401, *codes)}


@router.post("", status_code=201, response_model=TargetRead, responses=_errors(400))
async def create_target(body: TargetCreate, session: SessionDep, _token: TokenDep) -> Any:
    return await target_service.create(session, data=body)


@router.post(
    "/import",
    response_model=ImportReport,
    responses={
        202: {"model": JobAccepted, "description": "A large file: imported by this job"},
        **_errors(400, 413),
    },
)
async def import_targets(
    file: UploadFile, runtime: RuntimeDep, enqueue: EnqueueDep, _token: TokenDep
) -> Any:
    """Upload a CSV (multipart field `file`). Bad rows are listed by line; the rest land.

    Up to 10,000 rows the answer is the report; a larger file is stored and imported by a
    job (202 with its id: follow it at `/api/jobs/{id}`, its counts are the report's)."""
    result = await receive_import(
        runtime.sessionmaker, enqueue, file.file, filename=file.filename or "upload.csv"
    )
    if isinstance(result, ImportReport):
        return result
    accepted = JobAccepted(jobId=result.id, state=result.state)
    return JSONResponse(accepted.model_dump(mode="json"), status_code=202)


@router.get("", response_model=TargetList, responses=_errors(400))
async def list_targets(
    session: SessionDep,
    _token: TokenDep,
    filters: Annotated[TargetFilters, Query()],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: OffsetQuery = 0,
    cursor: Annotated[str | None, Query(description=CURSOR_HELP)] = None,
) -> Any:
    """Newest first. Page with `next_cursor` (fast at any depth) or with `offset`."""
    if cursor is not None:
        if offset:
            raise InvalidInput("Pass either cursor or offset, not both.")
        rows, total = await target_service.list_after(
            session, filters=filters, after=decode_cursor(cursor), limit=limit + 1
        )
        items, more = rows[:limit], len(rows) > limit
    else:
        items, total = await target_service.list(
            session, filters=filters, limit=limit, offset=offset
        )
        more = offset + len(items) < total
    return {
        "items": items,
        "total": total,
        "limit": limit,
        "offset": offset,
        "next_cursor": next_cursor(items, more=more),
    }


@router.get("/{target_id}", response_model=TargetDetail, responses=_errors(400, 404))
async def get_target(target_id: uuid.UUID, session: SessionDep, _token: TokenDep) -> Any:
    """The target, and every address found on its site with the page and the way it was
    shown (mailto, text, JSON-LD, alt text, form …)."""
    return await target_service.detail(session, target_id)
