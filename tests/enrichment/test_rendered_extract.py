"""Addresses shown the ways a browser renders them, and the decoys next to them."""

from __future__ import annotations

import pytest

from ravensearch.enrichment.extract import extract_emails

PAGE = "https://acme-plumbing.com/contact/"


def _found(html: str) -> set[tuple[str, str]]:
    return {(c.email, c.method.value) for c in extract_emails(html, PAGE).candidates}


def _rejected(html: str) -> dict[str, str]:
    return {r.email: r.reason for r in extract_emails(html, PAGE).rejected}


class TestSplitAcrossElements:
    @pytest.mark.parametrize(
        "shown",
        [
            "info<span>@</span>acme.com",
            '<span class="u">info</span><span class="at">@</span><span>acme.com</span>',
            "<b>info</b>@<b>acme.com</b>",
            "<strong>info@acme</strong>.<em>com</em>",
            "<a href='/contact/'>info</a>@acme.com",
        ],
    )
    def test_inline_pieces_are_joined(self, shown: str) -> None:
        assert _found(f"<p>Write to us: {shown}</p>") == {("info@acme.com", "text")}

    def test_blocks_and_line_breaks_still_separate(self) -> None:
        html = "<div>Call us<div>info</div>@acme<br>.com</div><p>ops</p><p>@acme.com</p>"
        assert _found(html) == set()

    def test_text_before_a_piece_does_not_glue_into_the_local_part(self) -> None:
        html = "<p><span>License 6HT</span><span>eva@acme.com</span></p>"
        assert _found(html) == {("eva@acme.com", "text")}


class TestInvisibleCharacters:
    @pytest.mark.parametrize(
        "mark", ["\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad", "&#8203;", "&shy;", "&zwj;"]
    )
    def test_dropped_inside_the_local_part_and_the_domain(self, mark: str) -> None:
        html = f"<p>E-mail: of{mark}fice@acme.com or info@{mark}acme{mark}.com</p>"
        assert _found(html) == {("office@acme.com", "text"), ("info@acme.com", "text")}

    def test_the_tail_after_a_soft_hyphen_is_not_an_address(self) -> None:
        found = {email for email, _ in _found("<p>of&shy;fice@acme.com</p>")}
        assert found == {"office@acme.com"}

    def test_in_a_mailto_link(self) -> None:
        assert _found('<a href="mailto:in&#8203;fo@acme.com">x</a>') == {
            ("info@acme.com", "mailto")
        }


class TestLabels:
    @pytest.mark.parametrize(
        "element",
        [
            '<img src="/img/email-us.png" alt="info@acme.com">',
            '<img src="/img/envelope.svg" title="Email: info@acme.com">',
            '<a href="/contact/" aria-label="Email info@acme.com"><i class="icon"></i></a>',
        ],
    )
    def test_alt_title_and_aria_label(self, element: str) -> None:
        assert _found(f"<p>{element}</p>") == {("info@acme.com", "alt")}

    def test_an_image_named_like_an_address_is_a_decoy(self) -> None:
        html = '<img src="/logo@2x.png" alt="logo@2x.png" title="hero@3x.jpg">'
        assert _found(html) == set()
        assert _rejected(html) == {
            "logo@2x.png": "asset file name",
            "hero@3x.jpg": "asset file name",
        }

    def test_an_agency_credit_in_alt_text_is_a_decoy(self) -> None:
        html = '<img src="/badge.png" alt="Website by PixelForge Studio - hello@pixelforge.com">'
        assert _found(html) == set()
        assert _rejected(html) == {"hello@pixelforge.com": "web agency credit"}


class TestForms:
    def test_mailto_form_action(self) -> None:
        html = '<form action="MAILTO:office@acme.com?subject=Quote" method="post"></form>'
        assert _found(html) == {("office@acme.com", "form")}

    def test_hidden_recipient(self) -> None:
        html = '<form><input type="hidden" name="recipient" value="dispatch@acme.com"></form>'
        assert _found(html) == {("dispatch@acme.com", "form")}

    def test_placeholders_and_tracking_values_are_decoys(self) -> None:
        html = (
            '<form><input name="email" placeholder="you@example.com" value="your@email.com">'
            '<input type="hidden" name="_t" value="bounce+42@em.sendgrid.net">'
            '<input type="hidden" name="_m" value="u-8@track.mailgun.org"></form>'
        )
        assert _found(html) == set()
        assert _rejected(html) == {
            "your@email.com": "placeholder",
            "bounce+42@em.sendgrid.net": "platform or monitoring address",
            "u-8@track.mailgun.org": "platform or monitoring address",
        }


class TestCredits:
    def test_agency_address_split_across_elements(self) -> None:
        html = "<footer><p>Site designed by BlueFin <span>hello</span>@bluefin.net</p></footer>"
        assert _found(html) == set()
        assert _rejected(html) == {"hello@bluefin.net": "web agency credit"}

    def test_package_versions_in_text(self) -> None:
        html = "<p>Gallery powered by lightbox2@2.11.4.min.js and jquery@3.6.0.min.js</p>"
        assert _found(html) == set()
        assert set(_rejected(html).values()) == {"package version"}
