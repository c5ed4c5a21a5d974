from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.db.models import ApiToken
from ravensearch.errors import InvalidInput, NotFound
from ravensearch.kit.clock import as_utc, utcnow

TOKEN_PREFIX = "rs_"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str


def _digest(plaintext: str) -> str:
    # Tokens carry 256 random bits, so a plain SHA-256 is enough; a slow hash buys nothing.
    return hashlib.sha256(plaintext.encode()).hexdigest()


class TokenService:
    async def create(self, session: AsyncSession, *, name: str) -> IssuedToken:
        name = name.strip()
        if not name or len(name) > 120:
            raise InvalidInput("Token name must be 1 to 120 characters.")
        plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(name=name, token_hash=_digest(plaintext), prefix=plaintext[:10])
        session.add(token)
        await session.flush()
        return IssuedToken(token=token, plaintext=plaintext)

    async def authenticate(self, session: AsyncSession, plaintext: str) -> ApiToken | None:
        token = await session.scalar(
            select(ApiToken).where(
                ApiToken.token_hash == _digest(plaintext), ApiToken.revoked_at.is_(None)
            )
        )
        now = utcnow()
        # Only touch last_used_at once a minute: a write per API call would serialize them.
        if token is not None and (
            token.last_used_at is None or as_utc(token.last_used_at) < now - timedelta(minutes=1)
        ):
            token.last_used_at = now
        return token

    async def count_active(self, session: AsyncSession) -> int:
        stmt = select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))
        return int(await session.scalar(stmt) or 0)

    async def list(self, session: AsyncSession) -> Sequence[ApiToken]:
        """Every token, newest first (revoked ones too, marked by `revoked_at`)."""
        stmt = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id)
        return (await session.scalars(stmt)).all()

    async def revoke_by_id(self, session: AsyncSession, token_id: uuid.UUID) -> ApiToken:
        """Idempotent (the first revocation time is kept); raises `NotFound`."""
        token = await session.get(ApiToken, token_id)
        if token is None:
            raise NotFound("That API token does not exist.")
        token.revoked_at = token.revoked_at or utcnow()
        await session.flush()
        return token

    async def revoke(self, session: AsyncSession, *, prefix: str) -> int:
        tokens = (await session.scalars(select(ApiToken).where(ApiToken.prefix == prefix))).all()
        for token in tokens:
            token.revoked_at = token.revoked_at or utcnow()
        return len(tokens)


token_service = TokenService()
