from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import dns.exception
import dns.name
import dns.resolver
import pytest

from ravensearch.enrichment.verify import (
    DnsMxResolver,
    EmailVerifier,
    MxStatus,
    StaticMxResolver,
    Verdict,
)


async def _verify(email: str, mx: dict[str, MxStatus] | None = None) -> Any:
    return await EmailVerifier(StaticMxResolver(mx)).verify(email)


class TestEmailVerifier:
    async def test_valid_role_address_is_kept_and_flagged(self) -> None:
        check = await _verify("office@acme-plumbing.com")
        assert (check.verdict, check.mx_ok, check.is_role, check.is_free) == (
            Verdict.valid,
            True,
            True,
            False,
        )

    async def test_free_mail_is_valid_and_flagged(self) -> None:
        check = await _verify("joe.plumber@gmail.com")
        assert (check.verdict, check.is_free, check.is_role) == (Verdict.valid, True, False)

    async def test_bad_syntax_is_invalid_without_dns(self) -> None:
        resolver = StaticMxResolver()
        check = await EmailVerifier(resolver).verify("a..b@acme.com")
        assert check.verdict is Verdict.invalid
        assert check.reason is not None
        assert check.reason.startswith("bad syntax")
        assert resolver.lookups == []

    async def test_disposable_domain_is_invalid(self) -> None:
        check = await _verify("x@mailinator.com")
        assert (check.verdict, check.is_disposable, check.reason) == (
            Verdict.invalid,
            True,
            "disposable address domain",
        )

    @pytest.mark.parametrize(
        ("status", "verdict", "mx_ok"),
        [
            (MxStatus.implicit, Verdict.risky, False),
            (MxStatus.unknown, Verdict.risky, None),
            (MxStatus.null_mx, Verdict.invalid, False),
            (MxStatus.no_mail, Verdict.invalid, False),
            (MxStatus.no_domain, Verdict.invalid, False),
        ],
    )
    async def test_mx_outcomes(
        self, status: MxStatus, verdict: Verdict, mx_ok: bool | None
    ) -> None:
        check = await _verify("info@acme.com", {"acme.com": status})
        assert (check.verdict, check.mx_ok) == (verdict, mx_ok)
        assert check.reason


class _FakeDns:
    """dnspython's resolve() shape: answers per (name, type), or an exception to raise."""

    def __init__(self, answers: dict[tuple[str, str], Any], *, delay: float = 0.0) -> None:
        self.answers = answers
        self.delay = delay
        self.queries: list[tuple[str, str]] = []

    async def resolve(self, name: str, rdtype: str, lifetime: float | None = None) -> Any:
        self.queries.append((name, rdtype))
        await asyncio.sleep(self.delay)
        answer = self.answers.get((name, rdtype), dns.resolver.NoAnswer())
        if isinstance(answer, Exception):
            raise answer
        return answer


def _mx(*hosts: str) -> list[Any]:
    return [SimpleNamespace(exchange=dns.name.from_text(h)) for h in hosts]


class TestDnsMxResolver:
    @pytest.mark.parametrize(
        ("answers", "status"),
        [
            ({("a.com", "MX"): _mx("mx1.a.com.")}, MxStatus.ok),
            ({("a.com", "MX"): [SimpleNamespace(exchange=dns.name.root)]}, MxStatus.null_mx),
            ({("a.com", "MX"): dns.resolver.NXDOMAIN()}, MxStatus.no_domain),
            ({("a.com", "A"): ["1.2.3.4"]}, MxStatus.implicit),
            ({("a.com", "AAAA"): ["2001:db8::1"]}, MxStatus.implicit),
            ({}, MxStatus.no_mail),
            ({("a.com", "MX"): dns.exception.Timeout()}, MxStatus.unknown),
        ],
    )
    async def test_statuses(self, answers: dict[tuple[str, str], Any], status: MxStatus) -> None:
        resolver = DnsMxResolver(resolver=_FakeDns(answers))  # type: ignore[arg-type]
        assert await resolver.lookup("A.com.") is status

    async def test_concurrent_lookups_share_one_query_and_the_answer_is_cached(self) -> None:
        fake = _FakeDns({("gmail.com", "MX"): _mx("mx.google.com.")}, delay=0.01)
        resolver = DnsMxResolver(resolver=fake)  # type: ignore[arg-type]
        results = await asyncio.gather(*(resolver.lookup("gmail.com") for _ in range(20)))
        assert set(results) == {MxStatus.ok}
        assert await resolver.lookup("gmail.com") is MxStatus.ok
        assert fake.queries == [("gmail.com", "MX")]

    async def test_failures_are_not_cached(self) -> None:
        fake = _FakeDns({("a.com", "MX"): dns.exception.Timeout()})
        resolver = DnsMxResolver(resolver=fake)  # type: ignore[arg-type]
        await resolver.lookup("a.com")
        fake.answers[("a.com", "MX")] = _mx("mx.a.com.")
        assert await resolver.lookup("a.com") is MxStatus.ok

    async def test_entries_expire(self) -> None:
        fake = _FakeDns({("a.com", "MX"): _mx("mx.a.com.")})
        resolver = DnsMxResolver(resolver=fake, ttl_seconds=0.0)  # type: ignore[arg-type]
        await resolver.lookup("a.com")
        await resolver.lookup("a.com")
        assert len(fake.queries) == 2
