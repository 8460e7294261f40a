"""Read landing-folder extracts (.csv, .xlsx) into rows of text under canonical column names.

Nothing is typed, parsed or dropped here: dates stay text, duplicates across files stay, and a
structurally bad row is returned with a note in `_problem`. The staging SQL decides what to keep.
Errors name the file, row and column but never quote a cell, because cells hold personal data.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from sources.layout import SourceLayout

if TYPE_CHECKING:
    from sources.column_mapping import ColumnMappings, ResolvedHeaders

READABLE_SUFFIXES = (".csv", ".xlsx")
# An encrypted (password-protected) .xlsx is an OLE2 compound file, not a zip.
_OLE2_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_CORRUPT_XLSX = "the workbook is corrupt or not an Excel .xlsx file"
# Appended after the CSV text: it parses as a row of its own only if every quote was closed.
_END_MARK = "\ue000"


class ExtractError(Exception):
    """An extract cannot be read. The message never quotes a cell value, so it is safe to log."""

    def __init__(
        self,
        file_name: str,
        reason: str,
        row_number: int | None = None,
        column: str | None = None,
    ):
        self.file_name = file_name
        self.reason = reason
        self.row_number = row_number
        self.column = column
        place = [file_name]
        if row_number is not None:
            place.append(f"row {row_number}")
        if column is not None:
            place.append(f"column '{column}'")
        super().__init__(f"{', '.join(place)}: {reason}")

    def __reduce__(self):
        # Keep the error picklable (e.g. across Dagster's process boundaries).
        return type(self), (self.file_name, self.reason, self.row_number, self.column)


@dataclass
class ExtractFile:
    """One extract as text: the source's canonical columns plus `_row_number` and `_problem`."""

    source: str
    file_name: str  # relative to the landing folder, e.g. court/court_2019.csv
    sha256: str
    encoding: str  # utf-8, utf-8-sig, cp1252, xlsx or sql
    rows: pd.DataFrame
    unmapped_headers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RawRow:
    """A row as read, before mapping: cell texts in file order (None = blank)."""

    number: int  # the row number a person sees in Excel (header = 1) or the result row for SQL
    values: list[str | None]
    problem: str | None = None


def read_source_folder(
    landing: Path, source: SourceLayout, mappings: ColumnMappings
) -> tuple[list[ExtractFile], list[str]]:
    """Read every extract in <landing>/<source>/, and name the files that were not read.

    An absent folder is allowed: an area may not have that source yet. Hidden files and Excel's
    `~$` lock files are passed over silently; anything else unreadable (other file types,
    sub-folders) is returned by name so nobody wonders why it was not counted.
    """
    folder = landing / source.name
    if not folder.is_dir():
        return [], []
    extracts: list[ExtractFile] = []
    skipped: list[str] = []
    for path in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if path.name.startswith((".", "~$")):
            continue
        if path.is_file() and path.suffix.lower() in READABLE_SUFFIXES:
            extracts.append(read_extract_file(path, source, landing, mappings))
        else:
            skipped.append(path.relative_to(landing).as_posix() + ("/" if path.is_dir() else ""))
    return extracts, skipped


def read_extract_file(
    path: Path, source: SourceLayout, landing: Path, mappings: ColumnMappings
) -> ExtractFile:
    """Read one .csv or .xlsx file (which must be inside `landing`)."""
    file_name = path.relative_to(landing).as_posix()
    data = _read_settled_bytes(path, file_name)
    if not data:
        raise ExtractError(file_name, "file is empty")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        encoding, header, rows = _read_csv(data, file_name, source, mappings)
    elif suffix == ".xlsx":
        encoding, header, rows = "xlsx", *_read_xlsx(data, file_name)
    else:
        raise ExtractError(file_name, "only .csv and .xlsx files can be read")
    resolved = mappings.resolve(source, header, file_name)
    return ExtractFile(
        source=source.name,
        file_name=file_name,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        rows=canonical_rows(source, resolved, rows),
        unmapped_headers=resolved.unmapped_headers,
    )


def _read_settled_bytes(path: Path, file_name: str) -> bytes:
    """The file's bytes, refusing a file that changed while it was read (a copy still being
    written into the landing folder): half a file would look like a complete, shorter one."""
    try:
        before = path.stat()
        data = path.read_bytes()
        after = path.stat()
    except OSError as error:
        raise ExtractError(file_name, f"the file cannot be read ({error.strerror})") from None
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or len(data) != after.st_size:
        raise ExtractError(file_name, "file changed while being read; run again when the copy has finished")
    return data


def cell_text(value: object) -> str | None:
    """The text a person would see for a value; None when blank. Dates lose any time of day."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    return str(value).strip() or None


def canonical_rows(
    source: SourceLayout, headers: ResolvedHeaders, rows: list[RawRow]
) -> pd.DataFrame:
    """Lay rows out in the source's canonical columns; columns the extract lacks are all missing."""
    frame: dict[str, pd.api.extensions.ExtensionArray] = {}
    for column in source.columns:
        position = headers.positions.get(column)
        values = [
            row.values[position] if position is not None and position < len(row.values) else None
            for row in rows
        ]
        frame[column] = pd.array(values, dtype="string")
    frame["_row_number"] = pd.array([row.number for row in rows], dtype="int64")
    frame["_problem"] = pd.array([row.problem for row in rows], dtype="string")
    return pd.DataFrame(frame)


def _header_row(cells: list[str | None], file_name: str) -> list[str | None]:
    """Row 1 without trailing blank cells (spreadsheets pad rows to the widest one)."""
    header = _without_trailing_blanks(cells)
    if not header:
        raise ExtractError(file_name, "the header row is empty", row_number=1)
    return header


def _without_trailing_blanks(cells: list[str | None]) -> list[str | None]:
    end = len(cells)
    while end and cells[end - 1] is None:
        end -= 1
    return cells[:end]


def _read_csv(
    data: bytes, file_name: str, source: SourceLayout, mappings: ColumnMappings
) -> tuple[str, list[str | None], list[RawRow]]:
    text, encoding = _decode_csv(data, file_name, source, mappings)
    records = _csv_records(text, file_name)
    header = _header_row([cell_text(value) for value in records[0]] if records else [], file_name)
    width = len(header)
    rows = []
    # Row numbers count CSV records, not lines: a quoted value with line breaks in it is one
    # row, which is also how Excel numbers the rows when it opens the file.
    for number, record in enumerate(records[1:], start=2):
        values = [cell_text(value) for value in record]
        if not any(values):
            continue  # a blank line or a row of empty cells holds nothing to keep
        # Extra empty cells (a trailing comma) lose nothing, so only extra values count.
        misshapen = len(values) < width or any(values[width:])
        problem = f"row has {len(values)} values but the header has {width}" if misshapen else None
        rows.append(RawRow(number, values, problem))
    return encoding, header, rows


def _decode_csv(
    data: bytes, file_name: str, source: SourceLayout, mappings: ColumnMappings
) -> tuple[str, str]:
    """Decode as UTF-8 (with or without a byte-order mark), else as Excel's Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ExtractError(
            file_name, "file is UTF-16 (Excel's 'Unicode Text'); save it as 'CSV UTF-8' instead"
        )
    has_bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8):] if has_bom else data
    # A byte-order mark promises UTF-8, so only files without one may be Windows-1252.
    failures: list[tuple[str, int]] = []
    for codec in ("utf-8",) if has_bom else ("utf-8", "cp1252"):
        try:
            return body.decode(codec), "utf-8-sig" if has_bom else codec
        except UnicodeDecodeError as error:
            failures.append((codec, error.start))
    # The encoding that reads furthest is most likely the intended one; its first failure is
    # then the bad byte.
    codec, bad_byte = max(failures, key=lambda failure: failure[1])
    row_number, column = _csv_position(body[:bad_byte].decode(codec), source, mappings)
    reason = (
        "bytes are not UTF-8, although the file starts with a UTF-8 byte-order mark"
        if has_bom
        else "bytes are neither UTF-8 nor Windows-1252"
    )
    raise ExtractError(file_name, reason, row_number=row_number, column=column)


def _csv_position(
    text_before: str, source: SourceLayout, mappings: ColumnMappings
) -> tuple[int | None, str | None]:
    """Row and column where `text_before` ends: the canonical column name if the header maps,
    else the column letter; never the cell's content."""
    try:
        records = list(csv.reader(io.StringIO(text_before + _END_MARK, newline="")))
    except csv.Error:
        return None, None
    position = len(records[-1]) - 1
    header = records[0] if len(records) > 1 else []
    canonical = (
        mappings.canonical_column(source, header[position]) if position < len(header) else None
    )
    return len(records), canonical or get_column_letter(position + 1)


def _csv_records(text: str, file_name: str) -> list[list[str]]:
    """Split CSV text into records, refusing an unclosed quote, which would swallow the rest."""
    line_end = "" if not text or text.endswith(("\n", "\r")) else "\n"
    records: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(text + line_end + _END_MARK, newline="")):
            records.append(record)
    except csv.Error as error:  # its messages are fixed texts, without cell values
        raise ExtractError(
            file_name,
            f"the CSV layout cannot be read ({error}); a missing closing quote is a common cause",
            row_number=len(records) + 1,
        ) from None
    if records[-1] != [_END_MARK]:
        raise ExtractError(
            file_name,
            'a quoted value starting in this row is never closed (a " is missing), '
            "so the rest of the file would be read as one value",
            row_number=len(records),
            column=get_column_letter(len(records[-1])),
        )
    return records[:-1]


def _read_xlsx(data: bytes, file_name: str) -> tuple[list[str | None], list[RawRow]]:
    """Read the first worksheet's cached cell values (not formulas)."""
    if data.startswith(_OLE2_SIGNATURE):
        raise ExtractError(
            file_name,
            "the workbook is password-protected (encrypted), or is an old .xls file renamed "
            ".xlsx; save an unprotected .xlsx copy",
        )
    # openpyxl's warnings can quote a cell (e.g. an out-of-range date serial): keep them out of
    # the logs.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises zip, XML, key and value errors for a broken file
            raise ExtractError(file_name, _CORRUPT_XLSX) from None
        try:
            sheet = workbook.worksheets[0]
            # Other tools often store a wrong sheet size, which would cut rows off: read them all.
            sheet.reset_dimensions()
            cells = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        except Exception:  # a damaged sheet fails mid-read with the same variety of errors
            raise ExtractError(file_name, _CORRUPT_XLSX) from None
        finally:
            workbook.close()
    header = _header_row(cells[0] if cells else [], file_name)
    width = len(header)
    rows = []
    for number, row_cells in enumerate(cells[1:], start=2):
        values = _without_trailing_blanks(row_cells)
        if not values:
            continue  # blank rows, including the formatted-but-empty ones at the end of a sheet
        problem = (
            f"row has a value in column {get_column_letter(len(values))}, "
            f"beyond the last header (column {get_column_letter(width)})"
            if len(values) > width
            else None
        )
        rows.append(RawRow(number, values, problem))
    return header, rows
