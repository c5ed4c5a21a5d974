from __future__ import annotations

from ravensearch.enrichment.extract import Candidate, Method
from ravensearch.enrichment.ranking import (
    Finding,
    choose,
    merge_candidates,
    own_domains,
    rank,
    third_parties,
)
from ravensearch.enrichment.verify import Verdict, Verification

SITE = "https://www.acme-hvac.co.uk/"


def _check(verdict: Verdict = Verdict.valid, *, free: bool = False) -> Verification:
    return Verification(verdict, None, True, is_role=False, is_free=free, is_disposable=False)


def _rank(*findings: Finding, checks: dict[str, Verification] | None = None) -> list[str]:
    checks = checks or {}
    verifications = {
        f.email: checks.get(f.email) or _check(free=f.email.endswith("@gmail.com"))
        for f in findings
    }
    return [r.email for r in rank(findings, verifications, own_domains(SITE))]


def _finding(email: str, method: Method = Method.text, pages: int = 1) -> Finding:
    return Finding(email, method, SITE, pages)


class TestRank:
    def test_own_domain_then_free_mail_then_others(self) -> None:
        order = _rank(
            _finding("sales@supplier.com", Method.mailto),
            _finding("acmehvac@gmail.com", Method.mailto),
            _finding("info@mail.acme-hvac.co.uk", Method.attribute),
        )
        assert order == ["info@mail.acme-hvac.co.uk", "acmehvac@gmail.com", "sales@supplier.com"]

    def test_method_and_pages_break_ties_within_a_tier(self) -> None:
        order = _rank(
            _finding("a@acme-hvac.co.uk", Method.attribute),
            _finding("b@acme-hvac.co.uk", Method.text, pages=3),
            _finding("c@acme-hvac.co.uk", Method.mailto),
            _finding("d@acme-hvac.co.uk", Method.text),
        )
        assert order == [
            "c@acme-hvac.co.uk",
            "b@acme-hvac.co.uk",
            "d@acme-hvac.co.uk",
            "a@acme-hvac.co.uk",
        ]

    def test_risky_falls_below_valid_and_invalid_is_never_chosen(self) -> None:
        findings = (_finding("x@acme-hvac.co.uk", Method.mailto), _finding("acme@gmail.com"))
        checks = {"x@acme-hvac.co.uk": _check(Verdict.risky)}
        assert _rank(*findings, checks=checks) == ["acme@gmail.com", "x@acme-hvac.co.uk"]
        invalid = {f.email: _check(Verdict.invalid) for f in findings}
        ranked = rank(findings, invalid, own_domains(SITE))
        assert choose(ranked) is None
        assert ranked[0].on_own_domain is True


def test_merge_keeps_the_most_certain_method_and_counts_pages() -> None:
    merged = merge_candidates(
        [
            Candidate("a@acme.com", Method.text, "https://acme.com/"),
            Candidate("b@acme.com", Method.text, "https://acme.com/"),
            Candidate("a@acme.com", Method.mailto, "https://acme.com/contact"),
            Candidate("a@acme.com", Method.text, "https://acme.com/contact"),
        ]
    )
    assert merged == [
        Finding("a@acme.com", Method.mailto, "https://acme.com/contact", pages=2),
        Finding("b@acme.com", Method.text, "https://acme.com/", pages=1),
    ]


class TestThirdParties:
    OWN = own_domains("http://bryanroofing.com/")

    def test_another_business_beside_the_sites_own_address_is_dropped(self) -> None:
        emails = ["roofs@bryanroofing.com", "info@bvgutters.com", "orders@cowtownsupply.com"]
        assert third_parties(emails, self.OWN) == {"info@bvgutters.com", "orders@cowtownsupply.com"}

    def test_without_an_own_domain_address_nothing_is_judged(self) -> None:
        # A shop writing from Gmail or its ISP may well use another domain too.
        emails = ["bryanroofing@gmail.com", "sales@roofco-supply.com", "sapc@wcc.net"]
        assert third_parties(emails, self.OWN) == set()

    def test_free_mail_and_addresses_named_for_the_site_stay(self) -> None:
        emails = [
            "roofs@bryanroofing.com",
            "owner.bryan@yahoo.com",  # free mail
            "bryanroofing@amaonline.com",  # an ISP mailbox named for the business
            "office@bryanroofingtx.com",  # a look-alike domain
            "jobs@bryan-roofing.net",
        ]
        assert third_parties(emails, self.OWN) == set()

    def test_short_site_names_need_all_their_letters(self) -> None:
        own = own_domains("https://fbg.com/")
        emails = ["office@fbg.com", "fbg@fbgsupply.net", "info@fbsupply.net"]
        assert third_parties(emails, own) == {"info@fbsupply.net"}
