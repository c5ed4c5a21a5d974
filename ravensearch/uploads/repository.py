"""Every query on `uploads` and `upload_parts`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import BinaryIO

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import Upload, UploadPart

# One row per MiB: neither the request storing a file nor the job reading it back holds
# more than a part in memory.
PART_BYTES = 1024 * 1024


class UploadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def store(self, stream: BinaryIO, *, filename: str, rows_estimate: int) -> Upload:
        """Copy `stream` (from its start) into a new upload; flushes."""
        stream.seek(0)
        upload = Upload(filename=filename[:300], size_bytes=0, rows_estimate=rows_estimate)
        self.session.add(upload)
        await self.session.flush()
        seq = 0
        # Core INSERTs: ORM objects would keep every part alive until the commit.
        while data := stream.read(PART_BYTES):
            await self.session.execute(
                insert(UploadPart), {"upload_id": upload.id, "seq": seq, "data": data}
            )
            upload.size_bytes += len(data)
            seq += 1
        await self.session.flush()
        return upload

    async def get(self, upload_id: uuid.UUID) -> Upload | None:
        return await self.session.get(Upload, upload_id)

    async def parts(self, upload_id: uuid.UUID) -> AsyncIterator[bytes]:
        """The upload's bytes, a part per query."""
        seq = 0
        while True:
            data = await self.session.scalar(
                select(UploadPart.data).where(
                    UploadPart.upload_id == upload_id, UploadPart.seq == seq
                )
            )
            if data is None:
                return
            yield data
            seq += 1

    async def save_checkpoint(
        self, upload_id: uuid.UUID, *, rows_done: int, imported: int, updated: int, skipped: int
    ) -> None:
        await self.session.execute(
            update(Upload)
            .where(Upload.id == upload_id)
            .values(rows_done=rows_done, imported=imported, updated=updated, skipped=skipped)
        )

    async def delete(self, upload_id: uuid.UUID) -> None:
        await self.session.execute(delete(UploadPart).where(UploadPart.upload_id == upload_id))
        await self.session.execute(delete(Upload).where(Upload.id == upload_id))
