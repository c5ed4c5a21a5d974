"""The pure normalisers behind targets: phones, websites, states and ZIP codes."""

from __future__ import annotations

import pytest

from ravensearch.targets.addresses import normalize_state, normalize_zip
from ravensearch.targets.phones import to_e164
from ravensearch.targets.websites import normalize_website, website_domain


class TestToE164:
    @pytest.mark.parametrize(
        ("phone", "expected"),
        [
            ("(512) 555-0100", "+15125550100"),
            ("512.555.0100", "+15125550100"),
            ("1-512-555-0100", "+15125550100"),
            ("+1 512 555 0100", "+15125550100"),
            ("512-555-0100 ext. 12", "+15125550100"),
            ("555-0100", None),
            ("2-512-555-0100", None),
            ("+44 20 7946 0958", None),
            ("", None),
            (None, None),
        ],
    )
    def test_us_numbers_only(self, phone: str | None, expected: str | None) -> None:
        assert to_e164(phone) == expected


class TestNormalizeWebsite:
    @pytest.mark.parametrize(
        ("value", "url", "domain"),
        [
            ("acme.com", "https://acme.com", "acme.com"),
            (
                "  www.Acme-Plumbing.com/contact ",
                "https://www.Acme-Plumbing.com/contact",
                "acme-plumbing.com",
            ),
            ("http://WWW.acme.com:8080/x", "http://WWW.acme.com:8080/x", "acme.com"),
            ("https://shop.acme.co.uk", "https://shop.acme.co.uk", "shop.acme.co.uk"),
        ],
    )
    def test_adds_scheme_and_derives_domain(self, value: str, url: str, domain: str) -> None:
        assert normalize_website(value) == url
        assert website_domain(url) == domain

    @pytest.mark.parametrize(
        "value", ["n a", "localhost", "ftp://acme.com", "http://10.0.0.1", "-"]
    )
    def test_rejects_what_is_not_a_website(self, value: str) -> None:
        with pytest.raises(ValueError, match="invalid website"):
            normalize_website(value)


class TestNormalizeState:
    @pytest.mark.parametrize(
        ("value", "code"), [("tx", "TX"), (" Ca ", "CA"), ("PR", "PR"), ("new  york", "NY")]
    )
    def test_codes_and_names(self, value: str, code: str) -> None:
        assert normalize_state(value) == code

    @pytest.mark.parametrize("value", ["ZZ", "Tex", "T"])
    def test_unknown(self, value: str) -> None:
        with pytest.raises(ValueError, match=f"unknown state '{value}'"):
            normalize_state(value)


class TestNormalizeZip:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [("78701", "78701"), ("78701-1234", "78701-1234"), ("787011234", "78701-1234")],
    )
    def test_five_or_nine_digits(self, value: str, expected: str) -> None:
        assert normalize_zip(value) == expected

    @pytest.mark.parametrize("value", ["7870", "78701-12", "ABCDE", "78701 1234x"])
    def test_invalid(self, value: str) -> None:
        with pytest.raises(ValueError, match="invalid zip"):
            normalize_zip(value)
