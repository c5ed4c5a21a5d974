from __future__ import annotations

import pytest

from ravensearch.targets import csv_import
from ravensearch.targets.csv_import import CsvImportError, CsvTooLarge, parse_targets_csv


def _csv(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


class TestHeaders:
    def test_aliases_case_spaces_and_dashes(self) -> None:
        parsed = parse_targets_csv(
            _csv(
                " Company Name ,FirstName,LAST,E-Mail,Telephone,URL,Street,City,State,"
                "Postal-Code,Category",
                "Acme,Pat,Lee,pat@acme.com,512 555 0100,acme.com,1 Main St,Austin,TX,78701,Plumber",
            )
        )
        assert parsed.errors == []
        assert parsed.rows[0].data.model_dump() == {
            "business_name": "Acme",
            "first_name": "Pat",
            "last_name": "Lee",
            "email": "pat@acme.com",
            "phone": "512 555 0100",
            "website": "https://acme.com",
            "address": "1 Main St",
            "city": "Austin",
            "state": "TX",
            "zip": "78701",
            "trade": "plumbing",
        }

    def test_missing_business_name_column_names_what_was_found(self) -> None:
        with pytest.raises(CsvImportError) as exc:
            parse_targets_csv(_csv("Email,Telephone,Notes", "a@b.com,1,x"))
        assert exc.value.status_code == 400
        assert "Found columns: 'Email', 'Telephone', 'Notes'" in exc.value.message
        assert "Required: business_name (or one of: company," in exc.value.message

    def test_semicolon_delimited_export(self) -> None:
        parsed = parse_targets_csv(_csv("name;email", "Acme;pat@acme.com"))
        assert parsed.rows[0].data.email == "pat@acme.com"


class TestEncodings:
    def test_utf8_with_bom(self) -> None:
        parsed = parse_targets_csv(b"\xef\xbb\xbfBusiness_Name,City\nCaf\xc3\xa9 Plumbing,Austin\n")
        assert parsed.rows[0].data.business_name == "Café Plumbing"
        assert parsed.encoding == "UTF-8 with BOM"

    def test_plain_utf8_is_named(self) -> None:
        assert parse_targets_csv(_csv("name", "Café Plumbing")).encoding == "UTF-8"

    def test_windows_1252_from_excel(self) -> None:
        # Curly quotes and an en dash: bytes 0x92 and 0x96 exist only in Windows-1252.
        content = "name,city\nO’Brien – Plumbing,San José\n".encode("cp1252")
        parsed = parse_targets_csv(content)
        assert parsed.rows[0].data.business_name == "O’Brien – Plumbing"
        assert parsed.encoding == "Windows-1252 (Excel on Windows)"

    def test_falls_back_from_utf8(self) -> None:
        parsed = parse_targets_csv("name,city\nPeña Roofing,San José\n".encode("latin-1"))
        assert parsed.rows[0].data.business_name == "Peña Roofing"
        assert parsed.rows[0].data.city == "San José"


class TestUnterminatedQuote:
    HEADER = "Business Name,First Name,Email,City,State,Trade"

    def test_the_broken_lines_are_one_error_and_the_rest_imports(self) -> None:
        parsed = parse_targets_csv(
            _csv(
                self.HEADER,
                "Lone Star Heating,Maria,maria@lonestar.com,Austin,TX,hvac",
                '"Gulf Coast Plumbing,James,james@gulfcoast.com,Houston,TX,plumbing',
                "Bright Spark Electric,Robert,robert@brightspark.com,Dallas,TX,electrical",
                '"Alamo Roofing",Linda,linda@alamo.com,San Antonio,TX,roofing',
                "Hill Country HVAC,Carlos,carlos@hillcountry.com,Austin,TX,hvac",
            )
        )
        assert [row.data.business_name for row in parsed.rows] == [
            "Lone Star Heating",
            "Hill Country HVAC",
        ]
        assert [row.line for row in parsed.rows] == [2, 6]
        [error] = parsed.errors
        assert error.line == 3
        assert "quote opened on line 3" in error.reason
        assert "lines 3–5" in error.reason

    def test_a_quote_left_open_at_the_end_of_the_file(self) -> None:
        parsed = parse_targets_csv(
            _csv(
                self.HEADER,
                '"Gulf Coast Plumbing,James,james@gulfcoast.com,Houston,TX,plumbing',
                "Bright Spark Electric,Robert,robert@brightspark.com,Dallas,TX,electrical",
            )
        )
        assert parsed.rows == []
        assert [error.line for error in parsed.errors] == [2]

    def test_a_quoted_address_on_two_lines_is_fine(self) -> None:
        parsed = parse_targets_csv(
            _csv("Business Name,Address,City,State", 'Acme,"1 Main St\nSuite 2",Austin,TX')
        )
        assert parsed.errors == []
        assert parsed.rows[0].data.address is not None


class TestRows:
    def test_errors_carry_physical_line_numbers(self) -> None:
        content = _csv(
            "name,email,state,zip,address",  # line 1
            "Good One,one@acme.com,TX,78701,1 Main",  # 2
            "",  # 3: blank, ignored
            ",nobody@acme.com,TX,,",  # 4
            'Quoted,two@acme.com,TX,78701,"Suite 5',  # 5: the address spans two lines
            'Main St"',  # 6
            "Bad Email,x@,TX,,",  # 7
            "Bad State,,ZZ,,",  # 8
            "Bad Both,y@,tx,7,",  # 9
            "N/A,,TX,,",  # 10: a placeholder is no name
            "-,,,,",  # 11: placeholders only: a blank row
        )
        parsed = parse_targets_csv(content)
        assert [(row.line, row.data.business_name) for row in parsed.rows] == [
            (2, "Good One"),
            (5, "Quoted"),
        ]
        assert parsed.rows[1].data.address == "Suite 5\r\nMain St"
        reasons = {error.line: error.reason for error in parsed.errors}
        assert sorted(reasons) == [4, 7, 8, 9, 10]
        assert reasons[4] == "missing business name"
        assert reasons[7].startswith("invalid email 'x@'")
        assert reasons[8].startswith("unknown state 'ZZ'")
        assert "invalid email 'y@'" in reasons[9]
        assert "invalid zip '7'" in reasons[9]
        assert reasons[10] == "missing business name"

    def test_too_long_value_names_the_column(self) -> None:
        parsed = parse_targets_csv(_csv("name,city", f"Acme,{'x' * 121}"))
        assert parsed.errors[0].reason == "city: String should have at most 120 characters"

    def test_header_only_has_no_rows(self) -> None:
        parsed = parse_targets_csv(_csv("name,email"))
        assert (parsed.rows, parsed.errors) == ([], [])


class TestUnusableFiles:
    @pytest.mark.parametrize("content", [b"", b"  \r\n\r\n", b"\xef\xbb\xbf"])
    def test_empty(self, content: bytes) -> None:
        with pytest.raises(CsvImportError, match="The file is empty"):
            parse_targets_csv(content)

    def test_binary(self) -> None:
        with pytest.raises(CsvImportError, match="binary file"):
            parse_targets_csv(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    def test_excel_workbook(self) -> None:
        with pytest.raises(CsvImportError, match="save it as CSV"):
            parse_targets_csv(b"PK\x03\x04\x14\x00\x06\x00")

    def test_too_large(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(csv_import, "MAX_IMPORT_BYTES", 1024)
        with pytest.raises(CsvTooLarge) as exc:
            parse_targets_csv(b"name\n" + b"Acme\n" * 300)
        assert exc.value.status_code == 413
