"""One-click unsubscribe tokens (RFC 8058): a dispatch id signed with the app's secret key.

The token is the proof: whoever holds it may unsubscribe that one technician, nothing else.
It is compact (22 characters of id, 27 of signature) to keep the link short.
"""

from __future__ import annotations

import base64
import binascii
import uuid

from itsdangerous import BadSignature, Signer
from sqlalchemy.ext.asyncio import AsyncSession

from ravensearch.app_settings.service import SESSION_SECRET_KEY, app_settings_service
from ravensearch.config import Settings
from ravensearch.events.sendgrid_deliveries import UNSUBSCRIBE_SUBJECT_TEXT

_SALT = "ravensearch.unsubscribe"


class BadToken(ValueError):
    pass


async def signing_secret(session: AsyncSession, settings: Settings) -> str:
    """RAVENSEARCH_SECRET_KEY, or the one generated once for sessions (the same key)."""
    configured = settings.SECRET_KEY.get_secret_value()
    if configured:
        return configured
    return await app_settings_service.get_or_create_secret(session, SESSION_SECRET_KEY)


def make_token(secret: str, dispatch_id: uuid.UUID) -> str:
    raw = base64.urlsafe_b64encode(dispatch_id.bytes).rstrip(b"=").decode()
    return Signer(secret, salt=_SALT).sign(raw).decode()


def read_token(secret: str, token: str) -> uuid.UUID:
    """The dispatch id a token names; BadToken if it was not signed with `secret`."""
    try:
        raw = Signer(secret, salt=_SALT).unsign(token.encode())
        return uuid.UUID(bytes=base64.urlsafe_b64decode(raw + b"=="))
    except (BadSignature, binascii.Error, ValueError, UnicodeError):
        raise BadToken("This unsubscribe link is not valid.") from None


def unsubscribe_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/unsubscribe/{token}"


def list_unsubscribe(public_url: str, reply_to: str, token: str) -> str:
    """The header's value: a mailto to the reply-to with the subject Inbound Parse reads as
    an unsubscribe (a `+token` alias would break RFC 5321's 64-character local part), and
    the one-click URL."""
    mailto = f"mailto:{reply_to}?subject={UNSUBSCRIBE_SUBJECT_TEXT}"
    return f"<{mailto}>, <{unsubscribe_url(public_url, token)}>"
