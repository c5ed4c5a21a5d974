from __future__ import annotations

from ravensearch.enrichment.links import parse_navigation

HOME = "https://www.acme.com/"


def _links(body: str, url: str = HOME) -> list[str]:
    return parse_navigation(f"<html><body>{body}</body></html>", url).contact_links


class TestContactLinks:
    def test_by_url_and_by_link_text_contact_first(self) -> None:
        body = (
            '<a href="/services">Services</a><a href="/about-us/">About</a>'
            '<a href="/p?id=7">Get in touch</a><a href="https://acme.com/contact#form">Contact</a>'
            '<a href="/team">Meet the team</a>'
        )
        assert _links(body) == [
            "https://acme.com/contact",
            "https://www.acme.com/p?id=7",
            "https://www.acme.com/about-us/",
            "https://www.acme.com/team",
            "https://www.acme.com/services",  # service pages carry contact lines too
        ]

    def test_inner_pages_people_write_to_rank_above_services(self) -> None:
        body = (
            '<a href="/gallery/">Gallery</a><a href="/services/">Services</a>'
            '<a href="https://acme.com/careers/">Careers</a><a href="/pay">Pay your bill</a>'
            '<a href="/warranty-claims">Warranty</a><a href="/areas">Service area</a>'
        )
        assert _links(body) == [
            "https://acme.com/careers/",
            "https://www.acme.com/pay",
            "https://www.acme.com/warranty-claims",
            "https://www.acme.com/areas",
            "https://www.acme.com/services/",
        ]

    def test_a_department_or_branch_ranks_above_other_services(self) -> None:
        body = (
            '<a href="/services/ac-repair/">AC repair</a><a href="/services/water-heaters/">'
            'Water heaters</a><a href="/services/commercial/">Commercial</a>'
            '<a href="/kyle-tx/">Kyle branch</a>'
        )
        assert _links(body)[:2] == [
            "https://www.acme.com/services/commercial/",
            "https://www.acme.com/kyle-tx/",
        ]

    def test_skips_other_sites_assets_legal_pages_and_non_http(self) -> None:
        body = (
            '<a href="https://facebook.com/acme/contact">fb</a>'
            '<a href="https://other.com/contact">other</a>'
            '<a href="/contact.pdf">Contact sheet</a><a href="/privacy-contact">Privacy</a>'
            '<a href="mailto:contact@acme.com">contact</a><a href="tel:5125550100">Contact</a>'
            '<a href="javascript:void(0)">Contact</a><a href="#contact">Contact</a>'
            '<a href="/wp-json/contact">api</a>'
        )
        assert _links(body) == []

    def test_base_href_is_honoured(self) -> None:
        html = '<html><head><base href="/site/"></head><body><a href="contact">C</a></body></html>'
        assert parse_navigation(html, HOME).contact_links == ["https://www.acme.com/site/contact"]


class TestMetaRefresh:
    def test_relative_url_with_quotes_and_delay(self) -> None:
        html = '<meta http-equiv="Refresh" content="3; URL=\'/home/\'">'
        assert parse_navigation(html, HOME).refresh_url == "https://www.acme.com/home/"

    def test_refresh_without_url_is_no_redirect(self) -> None:
        assert (
            parse_navigation('<meta http-equiv="refresh" content="30">', HOME).refresh_url is None
        )
