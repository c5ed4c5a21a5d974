from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ravensearch.sendgrid.signature import (
    BadSignature,
    generate_key_pair,
    load_public_key,
    sign,
    verify,
)

BODY = b'[{"email":"a@b.com","event":"delivered","sg_event_id":"e1"}]'
NOW = 1_800_000_000
Keys = tuple[ec.EllipticCurvePrivateKey, str]


@pytest.fixture(scope="module")
def keys() -> Keys:
    return generate_key_pair()


def test_a_batch_signed_with_the_key_verifies(keys: Keys) -> None:
    private, public = keys
    signature = sign(private, timestamp=str(NOW), body=BODY)
    verify(load_public_key(public), signature=signature, timestamp=str(NOW), body=BODY, now=NOW)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"body": BODY.replace(b"delivered", b"open")}, "does not match"),
        ({"timestamp": str(NOW + 1)}, "does not match"),
        ({"now": NOW + 3600}, "away from now"),
        ({"signature": None}, "missing"),
        ({"signature": "not base64!"}, "does not match"),
        ({"timestamp": "yesterday"}, "Unix time"),
    ],
)
def test_a_changed_stale_or_missing_signature_is_refused(
    keys: Keys, change: dict[str, object], says: str
) -> None:
    private, public = keys
    args: dict[str, object] = {
        "signature": sign(private, timestamp=str(NOW), body=BODY),
        "timestamp": str(NOW),
        "body": BODY,
        "now": NOW,
    } | change
    with pytest.raises(BadSignature, match=says):
        verify(load_public_key(public), **args)  # type: ignore[arg-type]


def test_another_key_pair_does_not_verify(keys: Keys) -> None:
    private, _ = keys
    _, other_public = generate_key_pair()
    signature = sign(private, timestamp=str(NOW), body=BODY)
    with pytest.raises(BadSignature):
        verify(
            load_public_key(other_public), signature=signature, timestamp=str(NOW), body=BODY,
            now=NOW,
        )  # fmt: skip


def test_a_key_that_is_not_a_key_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="ECDSA public key"):
        load_public_key("aGVsbG8=")
