"""CSV export cells: nothing a spreadsheet would evaluate, phone numbers still readable."""

from __future__ import annotations

import pytest

from ravensearch.targets.csv_export import phone_cell, safe_cell

ATTACKS = [
    "=cmd|' /C calc'!A0",
    "-cmd|' /C calc'!A0",
    '=HYPERLINK("https://evil.example","x")',
    "＝1+1",  # full-width equals sign: NFKC makes it "="
    "＋1+1",
    "－1-1",
    "＠SUM(1)",
    "-1-1",
    "+1+1",
    "-2+3",
    "-42",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    "\tplain text after a tab",
    " =1",
    "\u00a0=1",  # no-break space
    "\u3000=1",  # ideographic space
    "\u200b=1",  # zero-width space
    "\ufeff=1",  # byte-order mark
]

PLAIN = ["Cool Air Austin", "O'Brien Plumbing", "1+1", "a=b", "", "512-555-1000", "2026-11-27"]


class TestSafeCell:
    @pytest.mark.parametrize("attack", ATTACKS)
    def test_formulas_become_text(self, attack: str) -> None:
        assert safe_cell(attack) == "'" + attack

    @pytest.mark.parametrize("text", PLAIN)
    def test_everything_else_is_left_alone(self, text: str) -> None:
        assert safe_cell(text) == text

    def test_none_is_empty(self) -> None:
        assert safe_cell(None) == ""


class TestPhoneCell:
    @pytest.mark.parametrize(
        ("phone", "exported"),
        [
            ("+1 512-555-1000", "(512) 555-1000"),
            ("+1-512-555-1000", "(512) 555-1000"),  # Excel computes this one to -1066
            ("+15125551000", "(512) 555-1000"),
            ("-512-555-1000", "(512) 555-1000"),
            ("(512) 555-1000", "(512) 555-1000"),
            ("512.555.1000", "512.555.1000"),
            ("1 512 555 1000", "1 512 555 1000"),
            (None, ""),
        ],
    )
    def test_real_numbers_stay_readable(self, phone: str | None, exported: str) -> None:
        assert phone_cell(phone) == exported

    @pytest.mark.parametrize("attack", ["-1-1", "+1+1", "＋1 512 555 1000", "=5125551000", "+1-2"])
    def test_what_is_not_a_plain_number_is_text(self, attack: str) -> None:
        assert phone_cell(attack) == "'" + attack
