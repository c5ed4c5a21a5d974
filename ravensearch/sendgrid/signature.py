"""SendGrid's signed Event Webhook: ECDSA P-256 with SHA-256 over timestamp + raw body.

SendGrid shows the verification key as base64 of the DER SubjectPublicKeyInfo; the
signature header is base64 of a DER ECDSA signature. `sign` and `generate_key_pair` exist
for the fake SendGrid and the tests, which play SendGrid's side.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
# A signed batch older (or newer) than this is refused: a captured request cannot be replayed
# later. SendGrid retries a failed delivery for up to 24 h, each retry signed anew.
DEFAULT_TOLERANCE_SECONDS = 600


class BadSignature(Exception):
    """Missing, malformed, forged, or stale; the message says which, for the 401 body."""


def load_public_key(text: str) -> ec.EllipticCurvePublicKey:
    """SendGrid's key as shown in its settings (base64 DER), or a PEM block."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
        else:
            key = serialization.load_der_public_key(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error) as exc:
        raise ValueError(f"not an ECDSA public key in base64 DER or PEM ({exc})") from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("not an ECDSA public key")  # noqa: TRY004 (a bad setting, not a bug)
    return key


def verify(
    key: ec.EllipticCurvePublicKey,
    *,
    signature: str | None,
    timestamp: str | None,
    body: bytes,
    now: float,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    """Raise `BadSignature` unless `signature` signs `timestamp + body` and is fresh."""
    if not signature or not timestamp:
        raise BadSignature(f"missing the {SIGNATURE_HEADER} or {TIMESTAMP_HEADER} header")
    try:
        signed_at = int(timestamp)
    except ValueError:
        raise BadSignature(f"{TIMESTAMP_HEADER} is not a Unix time in seconds") from None
    if abs(now - signed_at) > tolerance_seconds:
        raise BadSignature(
            f"the signature's timestamp is more than {int(tolerance_seconds)} s away from now"
        )
    try:
        der = base64.b64decode(signature, validate=True)
        key.verify(der, timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    except (binascii.Error, ValueError, InvalidSignature):
        raise BadSignature("the signature does not match the body") from None


def generate_key_pair() -> tuple[ec.EllipticCurvePrivateKey, str]:
    """A P-256 key and its public half as SendGrid's settings page shows it."""
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, base64.b64encode(der).decode()


def sign(private: ec.EllipticCurvePrivateKey, *, timestamp: str, body: bytes) -> str:
    der = private.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(der).decode()
