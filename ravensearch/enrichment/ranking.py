"""Which found address is the business's best contact (pure).

The business's own domain wins, then free-mail (one-person shops use Gmail and friends;
those addresses are real), then anything else. Within a tier the more certain method
wins (a `mailto:` over text over attributes), and an address seen on several pages gains a
little. Role addresses (info@, office@ …) are the normal contact of a small trade business
and are not penalised. A risky address (no MX record, or the lookup failed) falls below the
valid ones of the first two tiers; an invalid address is never chosen.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

from ravensearch.enrichment.domains import FREE_MAIL_DOMAINS, registrable_domain, url_host
from ravensearch.enrichment.extract import METHOD_RANK, Candidate, Method
from ravensearch.enrichment.verify import Verdict, Verification

OWN_DOMAIN_POINTS = 100
FREE_MAIL_POINTS = 60
OTHER_DOMAIN_POINTS = 10
METHOD_POINTS = {
    Method.mailto: 30,
    Method.cloudflare: 28,
    Method.jsonld: 26,
    Method.microdata: 26,
    Method.text: 22,
    Method.obfuscated: 20,
    Method.reversed: 18,
    Method.alt: 16,
    Method.form: 14,  # never shown: below what people can see
    Method.attribute: 12,
}
PAGE_POINTS, MAX_PAGE_POINTS = 2, 6
# Letters an address must share with the site's name to count as the business's own when it
# is on another custom domain ("acmeplumbing.com" for "acmeplumbingtx.com").
NAME_OVERLAP = 6
VERDICT_POINTS = {Verdict.valid: 0, Verdict.risky: -60, Verdict.invalid: -1000}


@dataclass(frozen=True)
class Finding:
    """One address across a site: its most certain method and the page that showed it."""

    email: str
    method: Method
    page_url: str
    pages: int = 1


@dataclass(frozen=True)
class RankedEmail:
    email: str
    method: Method
    page_url: str
    on_own_domain: bool
    score: int
    verification: Verification


def merge_candidates(candidates: Iterable[Candidate]) -> list[Finding]:
    """One finding per address, in first-seen order."""
    best: dict[str, Candidate] = {}
    pages: dict[str, set[str]] = {}
    for candidate in candidates:
        pages.setdefault(candidate.email, set()).add(candidate.page_url)
        current = best.get(candidate.email)
        if current is None or METHOD_RANK[candidate.method] < METHOD_RANK[current.method]:
            best[candidate.email] = candidate
    return [Finding(c.email, c.method, c.page_url, len(pages[c.email])) for c in best.values()]


def own_domains(*urls: str | None) -> set[str]:
    """Registrable domains of the website as given and as finally reached."""
    return {d for url in urls if url and (d := registrable_domain(url_host(url)))}


def is_own_domain(email: str, own: Collection[str]) -> bool:
    return registrable_domain(email.rpartition("@")[2]) in own


def third_parties(emails: Iterable[str], own: Collection[str]) -> set[str]:
    """Other businesses' addresses on a site that shows addresses on its own domain.

    Partners, suppliers and neighbouring trades are listed with their addresses. Once a
    site shows an address on its own domain, one at an unrelated custom domain is theirs;
    free mail and ISP mailboxes stay (small shops write from them), and so does an address
    whose domain or mailbox carries the site's name (a look-alike domain, or
    `acmeplumbing@isp.net`).
    """
    emails = set(emails)
    if not any(is_own_domain(email, own) for email in emails):
        return set()
    names = {domain.split(".")[0].replace("-", "") for domain in own}
    return {
        email
        for email in emails
        if not is_own_domain(email, own)
        and registrable_domain(email.rpartition("@")[2]) not in FREE_MAIL_DOMAINS
        and not _names_the_site(email, names)
    }


def _names_the_site(email: str, names: Collection[str]) -> bool:
    local, _, domain = email.rpartition("@")
    label = (registrable_domain(domain) or domain).split(".")[0].replace("-", "")
    words = (label, local.replace("-", "").replace(".", "").replace("_", ""))
    return any(
        _shared(name, word) >= min(NAME_OVERLAP, len(name)) for name in names for word in words
    )


def _shared(a: str, b: str) -> int:
    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match().size


def score(finding: Finding, verification: Verification, own: Collection[str]) -> int:
    if is_own_domain(finding.email, own):
        points = OWN_DOMAIN_POINTS
    elif verification.is_free or finding.email.rpartition("@")[2] in FREE_MAIL_DOMAINS:
        points = FREE_MAIL_POINTS
    else:
        points = OTHER_DOMAIN_POINTS
    points += METHOD_POINTS[finding.method]
    points += min(MAX_PAGE_POINTS, PAGE_POINTS * (finding.pages - 1))
    return points + VERDICT_POINTS[verification.verdict]


def rank(
    findings: Iterable[Finding],
    verifications: Mapping[str, Verification],
    own: Collection[str],
) -> list[RankedEmail]:
    """Best first; ties keep the order the addresses were found in."""
    ranked = [
        RankedEmail(
            email=f.email,
            method=f.method,
            page_url=f.page_url,
            on_own_domain=is_own_domain(f.email, own),
            score=score(f, verifications[f.email], own),
            verification=verifications[f.email],
        )
        for f in findings
    ]
    return sorted(ranked, key=lambda r: -r.score)


def choose(ranked: Iterable[RankedEmail]) -> RankedEmail | None:
    """The best address that is not invalid."""
    return next((r for r in ranked if r.verification.verdict is not Verdict.invalid), None)
