"""CSV bytes → validated `TargetCreate` rows plus per-line errors. Pure: no database here."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, TextIO

from pydantic import ValidationError

from ravensearch.errors import InvalidInput
from ravensearch.targets.schemas import RowError, TargetCreate

# Files up to this size are imported by the request itself (and held in memory); larger ones,
# up to MAX_UPLOAD_BYTES, are stored and imported by a job that streams them.
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
_SNIFF = 8192
_BLOCK = 1024 * 1024

# Normalised header name → TargetCreate field. Headers are lower-cased and trimmed, and spaces
# and dashes become underscores before the lookup ("E-mail Address" → "e_mail_address").
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "business_name": ("business_name", "company", "company_name", "business", "name"),
    "first_name": ("first_name", "firstname", "first"),
    "last_name": ("last_name", "lastname", "last"),
    "email": ("email", "email_address", "e_mail", "e_mail_address"),
    "phone": ("phone", "phone_number", "telephone"),
    "website": ("website", "url", "web", "site"),
    "address": ("address", "street", "address1"),
    "city": ("city",),
    "state": ("state",),
    "zip": ("zip", "zipcode", "zip_code", "postal_code"),
    "trade": ("trade", "category"),
}
_FIELD_BY_HEADER = {alias: name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}
# Spreadsheet exports fill unknown cells with these; they mean "empty", not a value to check.
_PLACEHOLDERS = frozenset({"n/a", "none", "null", "-", "--"})
_DELIMITERS = (",", ";", "\t")
# The codec a file was read with → how the import report names it.
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252 (Excel on Windows)",
    "latin-1": "Latin-1",
}


class CsvImportError(InvalidInput):
    """The file as a whole cannot be imported (nothing was written)."""


class CsvTooLarge(CsvImportError):
    """Over MAX_IMPORT_BYTES (413)."""

    status_code = 413
    error = "file_too_large"


@dataclass(frozen=True)
class CsvRow:
    """A valid row and the line it starts on."""

    line: int
    data: TargetCreate


@dataclass
class ParsedCsv:
    """Every data row of a file, valid or not."""

    rows: list[CsvRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    encoding: str = ENCODING_NAMES["utf-8"]


def _check_head(head: bytes, *, whole: bool) -> None:
    if whole and not head.strip():
        raise CsvImportError("The file is empty: expected a CSV with a header row.")
    if head.startswith(b"PK\x03\x04"):
        raise CsvImportError(
            "This is an Excel workbook or a zip file, not CSV: save it as CSV (File → Save As)."
        )
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CsvImportError("This looks like a binary file, not CSV text.")


def _decodes_as(stream: BinaryIO, encoding: str) -> bool:
    """Whether the whole stream decodes (read in blocks, so memory stays flat)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    stream.seek(0)
    try:
        while block := stream.read(_BLOCK):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)
    return True


def open_csv_text(stream: BinaryIO) -> io.TextIOWrapper:
    """The stream as text, its encoding guessed the way a spreadsheet user would expect.

    `stream` must be seekable (a file or BytesIO): a non-UTF-8 file is only known as such
    once it has been read through. Detach the wrapper when done with it: closing it (which
    its garbage collection does) closes `stream`.
    """
    head = stream.read(_SNIFF)
    stream.seek(0)
    _check_head(head, whole=len(head) < _SNIFF)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif _decodes_as(stream, "utf-8-sig"):
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    # Not UTF-8: most likely a Windows export. cp1252 reads its curly quotes correctly and
    # otherwise equals latin-1, which is the catch-all (it decodes any byte).
    elif _decodes_as(stream, "cp1252"):
        encoding = "cp1252"
    else:
        encoding = "latin-1"
    return io.TextIOWrapper(stream, encoding=encoding, newline="")


def encoding_name(text: io.TextIOWrapper) -> str:
    """How the import report names the encoding `open_csv_text` chose."""
    return ENCODING_NAMES.get(text.encoding, text.encoding)


def _header_key(name: str) -> str:
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    return "_".join(part for part in key.split("_") if part)


def _columns(header: list[str]) -> dict[str, list[int]]:
    """Field → column indexes (several columns may feed one field; the first non-empty wins)."""
    columns: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        field_name = _FIELD_BY_HEADER.get(_header_key(name))
        if field_name:
            columns.setdefault(field_name, []).append(index)
    if "business_name" not in columns:
        found = ", ".join(f"'{name.strip()}'" for name in header if name.strip()) or "none"
        raise CsvImportError(
            f"The CSV has no business name column. Found columns: {found}. Required: "
            f"business_name (or one of: {', '.join(COLUMN_ALIASES['business_name'][1:])}). "
            f"Optional: {', '.join(name for name in COLUMN_ALIASES if name != 'business_name')}."
        )
    return columns


def _records(lines: TextIO) -> Iterator[tuple[int, int, list[str]]]:
    """Yield (first physical line, last physical line, cells); a quoted cell may span
    lines."""
    first = lines.readline()
    # Excel writes "sep=;" as a first line when asked to; it is a directive, not the header.
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        delimiter, start, rest = first.strip()[4], 1, iter(lines)
    else:
        delimiter = max(_DELIMITERS, key=first.count) if first.strip() else ","
        start, rest = 0, itertools.chain([first], lines)
    reader = csv.reader(rest, delimiter=delimiter)
    previous = start
    try:
        for cells in reader:
            yield previous + 1, reader.line_num + start, cells
            previous = reader.line_num + start
    except csv.Error as exc:
        raise CsvImportError(f"Line {previous + 1} is not valid CSV: {exc}.") from None


def _describe(exc: ValidationError) -> str:
    reasons = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"])
        # Our own checks say which value is wrong; pydantic's generic ones need the column name.
        generic = error["type"] in ("string_too_long", "string_type")
        reasons.append(f"{name}: {error['msg']}" if generic or not name else error["msg"])
    return "; ".join(reasons)


def _swallowed_rows(cells: list[str], width: int) -> bool:
    """Whether a quoted cell that spans lines holds what look like whole rows: a quote was
    opened and not closed where it should have been, and the csv module (which never
    complains) read the following rows into this cell."""
    threshold = max(2, (width - 1) // 2)
    return width > 2 and any(
        "\n" in cell
        and any(max(map(line.count, _DELIMITERS)) >= threshold for line in cell.splitlines())
        for cell in cells
    )


def _unterminated(first: int, last: int) -> RowError:
    where = f"lines {first}–{last}" if last > first else f"line {first}"
    return RowError(
        line=first,
        reason=(
            f"A quote opened on line {first} is not closed where its value ends, so "
            f"{where} ran together and none of them was imported. Close the quote (a quote "
            'inside a value is written twice: "") and import these lines again.'
        ),
    )


def _clean(cell: str) -> str:
    value = cell.strip()
    return "" if value.lower() in _PLACEHOLDERS else value


def read_targets_csv(lines: TextIO, *, skip: int = 0) -> Iterator[CsvRow | RowError]:
    """Each data row in file order: a valid row, or its line and what is wrong with it.

    The first `skip` data rows are passed over unchecked (an interrupted import resumes
    after the rows it had committed). Raises CsvImportError when the file as a whole is
    unusable (no business name column, broken quoting).
    """
    columns: dict[str, list[int]] | None = None
    seen = 0
    width = 0
    for line, last, cells in _records(lines):
        cleaned = [_clean(cell) for cell in cells]
        if not any(cleaned):
            continue
        if columns is None:
            columns, width = _columns(cells), len(cells)
            continue
        seen += 1
        if seen <= skip:
            continue
        if _swallowed_rows(cells, width):
            yield _unterminated(line, last)
            continue
        values = {
            name: next((cleaned[i] for i in indexes if i < len(cleaned) and cleaned[i]), None)
            for name, indexes in columns.items()
        }
        try:
            yield CsvRow(line=line, data=TargetCreate.model_validate(values))
        except ValidationError as exc:
            yield RowError(line=line, reason=_describe(exc))
    if columns is None:
        raise CsvImportError("The file is empty: expected a CSV with a header row.")


def check_csv_header(stream: BinaryIO) -> None:
    """Raise CsvImportError now for a file no row of which could be imported (it is read
    up to its header only), rather than from a job later."""
    text = open_csv_text(stream)
    try:
        for _row in read_targets_csv(text, skip=1):
            break
    finally:
        text.detach()  # closing the wrapper would close the caller's stream
        stream.seek(0)


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise CsvTooLarge(
            f"The file is {size / 1_048_576:.1f} MB; the limit is "
            f"{limit // 1_048_576} MB. Split it into smaller files."
        )


def parse_targets_csv(content: bytes) -> ParsedCsv:
    """Validate every row of a file held in memory; see `read_targets_csv`."""
    check_size(len(content), MAX_IMPORT_BYTES)
    text = open_csv_text(io.BytesIO(content))
    parsed = ParsedCsv(encoding=encoding_name(text))
    for item in read_targets_csv(text):
        if isinstance(item, CsvRow):
            parsed.rows.append(item)
        else:
            parsed.errors.append(item)
    return parsed
