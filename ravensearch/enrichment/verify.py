"""Is an address worth sending to? Syntax, disposable domain, MX, and role / free-mail flags.

No SMTP probing: most networks block port 25 and probing gets IPs blocklisted
(sources.md §3.5). DNS sits behind `MxResolver` so tests and mock mode use no network.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import dns.asyncresolver
import dns.exception
import dns.name
import dns.resolver
from disposable_email_domains import blocklist as _disposable_domains
from email_validator import EmailNotValidError, validate_email

from ravensearch.enrichment.domains import FREE_MAIL_DOMAINS

ROLE_LOCALS = frozenset((
    "info", "office", "service", "services", "contact", "contactus", "sales", "support",
    "admin", "hello", "team", "dispatch", "billing", "accounts", "accounting", "estimates",
    "estimate", "quotes", "quote", "help", "mail", "inquiries", "inquiry", "enquiries",
    "customerservice", "booking", "bookings", "schedule", "scheduling", "hr", "jobs", "careers",
    "marketing", "webmaster", "frontdesk", "reception", "orders", "appointments", "general",
    "repairs",
))  # fmt: skip


class Verdict(StrEnum):
    valid = "valid"
    risky = "risky"
    invalid = "invalid"


class MxStatus(StrEnum):
    ok = "ok"  # MX records
    implicit = "implicit"  # no MX, but an A/AAAA record (RFC 5321 implicit MX)
    null_mx = "null_mx"  # RFC 7505: the domain says it takes no mail
    no_mail = "no_mail"  # neither MX nor address records
    no_domain = "no_domain"  # NXDOMAIN
    unknown = "unknown"  # timeout or resolver failure


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    reason: str | None
    mx_ok: bool | None
    is_role: bool
    is_free: bool
    is_disposable: bool


class MxResolver(Protocol):
    """Answers whether a domain receives mail."""

    async def lookup(self, domain: str) -> MxStatus: ...


class StaticMxResolver:
    """Fixed answers for tests and mock mode: `mapping` per domain, `default` for the rest."""

    def __init__(
        self, mapping: Mapping[str, MxStatus] | None = None, *, default: MxStatus = MxStatus.ok
    ) -> None:
        self._mapping = {domain.lower(): status for domain, status in (mapping or {}).items()}
        self._default = default
        self.lookups: list[str] = []

    async def lookup(self, domain: str) -> MxStatus:
        self.lookups.append(domain)
        return self._mapping.get(domain.lower(), self._default)


class DnsMxResolver:
    """dnspython's async resolver with a TTL cache and one in-flight lookup per domain."""

    def __init__(
        self,
        *,
        timeout: float = 5.0,
        ttl_seconds: float = 3600.0,
        negative_ttl_seconds: float = 300.0,
        max_entries: int = 10_000,
        resolver: dns.asyncresolver.Resolver | None = None,
    ) -> None:
        self._timeout = timeout
        self._ttl = ttl_seconds
        self._negative_ttl = negative_ttl_seconds
        self._max_entries = max_entries
        self._resolver = resolver
        self._cache: dict[str, tuple[float, MxStatus]] = {}
        self._inflight: dict[str, asyncio.Task[MxStatus]] = {}

    async def lookup(self, domain: str) -> MxStatus:
        domain = domain.lower().rstrip(".")
        cached = self._cache.get(domain)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        task = self._inflight.get(domain)
        if task is None:
            task = asyncio.create_task(self._resolve(domain))
            self._inflight[domain] = task
            task.add_done_callback(lambda _: self._inflight.pop(domain, None))
        # Shielded: one caller giving up must not cancel the lookup others wait for.
        status = await asyncio.shield(task)
        if status is not MxStatus.unknown:
            ttl = self._ttl if status in (MxStatus.ok, MxStatus.implicit) else self._negative_ttl
            if len(self._cache) >= self._max_entries:
                self._cache.pop(next(iter(self._cache)))
            self._cache[domain] = (time.monotonic() + ttl, status)
        return status

    async def _resolve(self, domain: str) -> MxStatus:
        try:
            resolver = self._resolver or dns.asyncresolver.Resolver()
            self._resolver = resolver
            answer = await resolver.resolve(domain, "MX", lifetime=self._timeout)
        except dns.resolver.NXDOMAIN:
            return MxStatus.no_domain
        except dns.resolver.NoAnswer:
            return await self._address_fallback(domain)
        except dns.exception.DNSException:
            return MxStatus.unknown
        exchanges = [record.exchange for record in answer]
        if exchanges and all(exchange == dns.name.root for exchange in exchanges):
            return MxStatus.null_mx
        return MxStatus.ok

    async def _address_fallback(self, domain: str) -> MxStatus:
        assert self._resolver is not None
        for record_type in ("A", "AAAA"):
            try:
                await self._resolver.resolve(domain, record_type, lifetime=self._timeout)
            except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
                continue
            except dns.exception.DNSException:
                return MxStatus.unknown
            return MxStatus.implicit
        return MxStatus.no_mail


_MX_VERDICTS: dict[MxStatus, tuple[Verdict, str | None, bool | None]] = {
    MxStatus.ok: (Verdict.valid, None, True),
    MxStatus.implicit: (Verdict.risky, "no MX record; mail would go to the A record", False),
    MxStatus.null_mx: (Verdict.invalid, "domain accepts no mail (null MX)", False),
    MxStatus.no_mail: (Verdict.invalid, "domain has no mail server", False),
    MxStatus.no_domain: (Verdict.invalid, "domain does not exist", False),
    MxStatus.unknown: (Verdict.risky, "MX lookup failed", None),
}


def is_disposable_domain(domain: str) -> bool:
    labels = domain.lower().split(".")
    return any(".".join(labels[i:]) in _disposable_domains for i in range(len(labels) - 1))


class EmailVerifier:
    """Checks addresses; only the MX step touches the network (through `mx_resolver`)."""

    def __init__(self, mx_resolver: MxResolver) -> None:
        self.mx_resolver = mx_resolver

    async def verify(self, email: str) -> Verification:
        local, _, domain = email.lower().rpartition("@")
        flags = {
            "is_role": local.split("+", 1)[0] in ROLE_LOCALS,
            "is_free": domain in FREE_MAIL_DOMAINS,
            "is_disposable": is_disposable_domain(domain),
        }
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError as exc:
            return Verification(Verdict.invalid, f"bad syntax: {exc}", None, **flags)
        if flags["is_disposable"]:
            return Verification(Verdict.invalid, "disposable address domain", None, **flags)
        verdict, reason, mx_ok = _MX_VERDICTS[await self.mx_resolver.lookup(domain)]
        return Verification(verdict, reason, mx_ok, **flags)
