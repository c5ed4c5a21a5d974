from __future__ import annotations

import pytest

from ravensearch.enrichment.decoys import decoy_reason
from ravensearch.enrichment.extract import Method, PageEmails, decode_cfemail, extract_emails
from ravensearch.enrichment.fake_web import cloudflare_encode

PAGE = "https://acme-plumbing.com/contact"


def _found(html: str) -> set[tuple[str, str]]:
    return {(c.email, c.method.value) for c in extract_emails(html, PAGE).candidates}


def _rejected(html: str) -> dict[str, str]:
    return {r.email: r.reason for r in extract_emails(html, PAGE).rejected}


class TestMailto:
    def test_subject_percent_encoding_case_and_spaces(self) -> None:
        html = '<a href="  MAILTO:Info%40Acme-Plumbing.com?subject=Quote%20please">Mail</a>'
        assert _found(html) == {("info@acme-plumbing.com", "mailto")}

    def test_several_recipients_cc_bcc_and_semicolons(self) -> None:
        html = (
            '<a href="mailto:a@acme.com,b@acme.com;c@acme.com'
            '?cc=d@acme.com&amp;bcc=e@acme.com&amp;body=f@notme.com">x</a>'
        )
        assert {email for email, _ in _found(html)} == {f"{c}@acme.com" for c in "abcde"}

    def test_entities_inside_the_href(self) -> None:
        html = '<a href="&#109;&#97;&#105;&#108;&#116;&#111;&#58;ops&#64;acme.com">mail</a>'
        assert _found(html) == {("ops@acme.com", "mailto")}


class TestText:
    def test_entities_are_decoded(self) -> None:
        html = "<p>Email: info&#64;acme.com, or sales&commat;acme&period;com.</p>"
        assert _found(html) == {("info@acme.com", "text"), ("sales@acme.com", "text")}

    def test_adjacent_nodes_do_not_glue_into_one_address(self) -> None:
        html = "<p><span>License 6HT</span><a>eva@acme.com</a></p>"
        assert _found(html) == {("eva@acme.com", "text")}

    def test_scripts_styles_and_comments_are_not_text(self) -> None:
        html = (
            "<script>var a = 'js@acme.com';</script><style>/* css@acme.com */</style>"
            "<!-- old@acme.com --><template><p>tpl@acme.com</p></template><p>ok@acme.com</p>"
        )
        assert _found(html) == {("ok@acme.com", "text")}


class TestObfuscated:
    @pytest.mark.parametrize(
        "text",
        [
            "info [at] acme [dot] com",
            "info(at)acme(dot)com",
            "info {at} acme {dot} com",
            "info AT acme DOT com",
            "info at acme dot com",
            "info at acme.com",
            "info @ acme . com",
        ],
    )
    def test_forms(self, text: str) -> None:
        assert _found(f"<p>Write to {text} today</p>") == {("info@acme.com", "obfuscated")}

    @pytest.mark.parametrize(
        "text",
        ["Contact us at acme.com for details", "Find us at acme.com", "Open at 7. Call now."],
    )
    def test_prose_is_not_an_address(self, text: str) -> None:
        assert _found(f"<p>{text}</p>") == set()

    def test_plain_address_is_text_only(self) -> None:
        assert _found("<p>info@acme.com</p>") == {("info@acme.com", "text")}


class TestCloudflare:
    def test_worked_example_from_the_research_notes(self) -> None:
        encoded = "5a353c3c33393f1a3b39373f2a362f373833343d74393537"
        assert decode_cfemail(encoded) == "office@acmeplumbing.com"

    @pytest.mark.parametrize("bad", ["", "zz", "7", "5a"])
    def test_garbage_decodes_to_nothing(self, bad: str) -> None:
        assert decode_cfemail(bad) is None

    def test_attribute_and_protected_link(self) -> None:
        html = (
            f'<a class="__cf_email__" data-cfemail="{cloudflare_encode("a@acme.com", 0x11)}">'
            "[email&#160;protected]</a>"
            f'<a href="/cdn-cgi/l/email-protection#{cloudflare_encode("b@acme.com", 0xA7)}">x</a>'
        )
        assert _found(html) == {("a@acme.com", "cloudflare"), ("b@acme.com", "cloudflare")}


class TestStructured:
    def test_jsonld_graph_nested_mailto_and_escapes(self) -> None:
        html = (
            '<script type="application/ld+json">{"@graph": [{"@type": "Plumber",'
            ' "email": "mailto:Info@Acme.com", "contactPoint": [{"email": "ops\\u0040acme.com"}]}]}'
            "</script>"
        )
        assert _found(html) == {("info@acme.com", "jsonld"), ("ops@acme.com", "jsonld")}

    def test_invalid_jsonld_still_yields_its_email(self) -> None:
        html = '<script type="application/ld+json">{"email": "info@acme.com",}</script>'
        assert _found(html) == {("info@acme.com", "jsonld")}

    def test_microdata_and_meta(self) -> None:
        html = (
            '<meta name="reply-to" content="a@acme.com"><meta property="og:email" content="b@acme.com">'
            '<meta itemprop="email" content="c@acme.com"><meta name="description" content="d@acme.com">'
        )
        assert {e for e, m in _found(html) if m == "microdata"} == {
            "a@acme.com",
            "b@acme.com",
            "c@acme.com",
        }


class TestAttributes:
    def test_data_attributes_form_values_and_split_user_domain(self) -> None:
        html = (
            '<div data-email="a@acme.com"></div><input type="hidden" value="b@acme.com">'
            '<option value="c@acme.com">C</option><span data-user="d" data-domain="acme.com"></span>'
            '<input placeholder="p@acme.com">'
        )
        assert _found(html) == {(f"{c}@acme.com", "attribute") for c in "acd"} | {
            ("b@acme.com", "form")  # a hidden input is the form's recipient
        }

    def test_reversed_text(self) -> None:
        html = '<span style="direction: rtl; unicode-bidi: bidi-override">moc.emca@ofni</span>'
        assert ("info@acme.com", "reversed") in _found(html)


class TestDecoys:
    @pytest.mark.parametrize(
        ("email", "reason"),
        [
            ("logo@2x.png", "asset file name"),
            ("image@3x.jpg", "asset file name"),
            ("icon@1.5x.webp", "asset file name"),
            ("jquery@3.6.0.min.js", "package version"),
            ("you@example.com", "placeholder"),
            ("email@domain.com", "placeholder"),
            ("name@yourdomain.com", "placeholder"),
            ("user@email.com", "placeholder"),
            ("name@acme.com", "placeholder"),
            (
                "605a7baede844d278b89dc95ae0a9123@sentry-next.wixpress.com",
                "platform or monitoring address",
            ),
            ("abc@o4501.ingest.sentry.io", "platform or monitoring address"),
            ("support@site.wixpress.com", "platform or monitoring address"),
            ("noreply@squarespace.com", "platform or monitoring address"),
            ("no-reply@godaddy.com", "platform or monitoring address"),
            ("hello@weebly.com", "platform or monitoring address"),
            ("0123456789abcdef0123456789abcdef@acme.com", "platform or monitoring address"),
            ("no-reply@acme.com", "no-reply address"),
            ("info@acme.notatld", "not a public domain"),
        ],
    )
    def test_reason(self, email: str, reason: str) -> None:
        assert decoy_reason(email) == reason

    @pytest.mark.parametrize("email", ["info@acme.com", "john@acme.co.uk", "joe.plumber@gmail.com"])
    def test_real_addresses_pass(self, email: str) -> None:
        assert decoy_reason(email) is None

    def test_decoys_are_reported_not_returned(self) -> None:
        html = "<p>logo@2x.png you@example.com real@acme.com</p>"
        page = extract_emails(html, PAGE)
        assert [c.email for c in page.candidates] == ["real@acme.com"]
        assert {r.email for r in page.rejected} == {"logo@2x.png", "you@example.com"}


class TestAgencyCredit:
    def _page(self, html: str) -> PageEmails:
        return extract_emails(html, PAGE)

    def test_designed_by_link_marks_its_domain(self) -> None:
        page = self._page(
            '<footer><p>Website by <a href="https://www.pixelforge.design/">PixelForge</a></p>'
            "</footer><p>Site help: hello@pixelforge.design, Office: office@acme-plumbing.com</p>"
        )
        assert page.agency_domains == {"pixelforge.design"}
        assert [c.email for c in page.candidates] == ["office@acme-plumbing.com"]
        assert page.rejected[0].reason == "web agency credit"

    def test_address_in_the_credit_text(self) -> None:
        page = self._page("<p>Site by BlueFin Digital · support@bluefindigital.net</p>")
        assert page.candidates == []
        assert {r.email for r in page.rejected} == {"support@bluefindigital.net"}

    def test_credit_does_not_taint_own_or_free_mail(self) -> None:
        page = self._page(
            "<footer>© Acme · Powered by <a href='https://acme-plumbing.com/'>us</a>"
            " · <a href='mailto:acme.atx@gmail.com'>acme.atx@gmail.com</a></footer>"
        )
        assert page.agency_domains == set()
        assert {c.email for c in page.candidates} == {"acme.atx@gmail.com"}


def test_method_order_is_confidence_order() -> None:
    assert list(Method)[:3] == [Method.mailto, Method.cloudflare, Method.jsonld]
