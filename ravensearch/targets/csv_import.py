"""CSV bytes → validated `TargetCreate` rows plus per-line errors. Pure: no database here."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from pydantic import ValidationError

from ravensearch.errors import InvalidInput
from ravensearch.targets.schemas import RowError, TargetCreate

MAX_IMPORT_BYTES = 20 * 1024 * 1024

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


def _decode(content: bytes) -> str:
    if not content.strip():
        raise CsvImportError("The file is empty: expected a CSV with a header row.")
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16")
    if content.startswith(b"PK\x03\x04"):
        raise CsvImportError(
            "This is an Excel workbook or a zip file, not CSV: save it as CSV (File → Save As)."
        )
    if b"\x00" in content[:8192]:
        raise CsvImportError("This looks like a binary file, not CSV text.")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Not UTF-8: most likely a Windows export. cp1252 reads its curly quotes correctly and
    # otherwise equals latin-1, which is the catch-all (it decodes any byte).
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        return content.decode("latin-1")


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


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (first physical line, cells); a quoted cell may span lines."""
    lines = io.StringIO(text, newline="")
    first = lines.readline()
    delimiter = None
    # Excel writes "sep=;" as a first line when asked to; it is a directive, not the header.
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        delimiter, start = first.strip()[4], 1
    else:
        delimiter = max(_DELIMITERS, key=first.count) if first.strip() else ","
        lines.seek(0)
        start = 0
    reader = csv.reader(lines, delimiter=delimiter)
    previous = start
    try:
        for cells in reader:
            yield previous + 1, cells
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


def _clean(cell: str) -> str:
    value = cell.strip()
    return "" if value.lower() in _PLACEHOLDERS else value


def parse_targets_csv(content: bytes) -> ParsedCsv:
    """Validate every row. Bad rows become `errors` with their line; they never stop the rest.

    Raises CsvImportError when the file as a whole is unusable (empty, binary, too large,
    no business name column, broken quoting).
    """
    if len(content) > MAX_IMPORT_BYTES:
        raise CsvTooLarge(
            f"The file is {len(content) / 1_048_576:.1f} MB; the limit is "
            f"{MAX_IMPORT_BYTES // 1_048_576} MB. Split it into smaller files."
        )
    records = _records(_decode(content))
    columns: dict[str, list[int]] | None = None
    parsed = ParsedCsv()
    for line, cells in records:
        cleaned = [_clean(cell) for cell in cells]
        if not any(cleaned):
            continue
        if columns is None:
            columns = _columns(cells)
            continue
        values = {
            name: next((cleaned[i] for i in indexes if i < len(cleaned) and cleaned[i]), None)
            for name, indexes in columns.items()
        }
        try:
            parsed.rows.append(CsvRow(line=line, data=TargetCreate.model_validate(values)))
        except ValidationError as exc:
            parsed.errors.append(RowError(line=line, reason=_describe(exc)))
    if columns is None:
        raise CsvImportError("The file is empty: expected a CSV with a header row.")
    return parsed
