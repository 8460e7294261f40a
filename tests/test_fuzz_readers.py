"""Fuzzing the readers and staging: whatever arrives, every row is staged or quarantined with a
reason, or the file is refused with an ExtractError naming it. Nothing crashes without a message
and no row goes missing (raw = staged + quarantined, row by row)."""

import codecs
import csv
import datetime
import io
from pathlib import Path

import duckdb
import pytest
from conftest import xlsx_bytes
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

# The staging assets' own SQL, run on one in-memory database: a Dagster run per example would
# take the whole time budget.
from assets.ingest import _create_raw_table_sql, _raw_frame
from assets.staging import _patterns, reconciliation, stage_sql
from sources.column_mapping import DEFAULT_MAPPINGS_PATH, load_column_mappings
from sources.extract_files import ExtractError, ExtractFile, read_extract_file
from sources.layout import LEGAL
from warehouse.schema import ensure_warehouse

# Bounded so the file runs in well under a minute; staging an example takes about 70 ms.
FUZZ = settings(
    max_examples=100, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MAPPINGS = load_column_mappings(DEFAULT_MAPPINGS_PATH)
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz_landing")
    (folder / "legal").mkdir()
    return folder


@pytest.fixture(scope="module")
def warehouse():
    with duckdb.connect() as conn:
        ensure_warehouse(conn)
        care, not_care = _patterns()
        conn.execute("set variable care_proceedings_pattern = ?", [care])
        conn.execute("set variable not_care_proceedings_pattern = ?", [not_care])
        yield conn


def read(landing: Path, name: str, content: bytes) -> ExtractFile | ExtractError:
    """The reader's verdict on a file: rows, or an error that names the file."""
    path = landing / "legal" / name
    path.write_bytes(content)
    try:
        return read_extract_file(path, LEGAL, landing, MAPPINGS)
    except ExtractError as error:
        assert str(error).startswith(f"legal/{name}") and error.reason, str(error)
        return error


def stage(conn, extract: ExtractFile) -> dict[str, set[tuple[str, int]]]:
    """Raw, staged and quarantined rows of one extract, by (file, row number)."""
    conn.execute(_create_raw_table_sql(LEGAL))
    conn.register("incoming_rows", _raw_frame(extract, LEGAL))
    conn.execute("insert into raw.legal select * from incoming_rows")
    conn.unregister("incoming_rows")
    for statement in stage_sql(LEGAL):
        conn.execute(statement)
    rows = {
        table: set(conn.execute(f"select file_name, row_number from {table} {where}").fetchall())
        for table, where in [("raw.legal", ""), ("staging.legal", ""),
                             ("quarantine.rejected_rows", "where source = 'legal'")]
    }
    assert conn.execute(
        "select count(*) from quarantine.rejected_rows where source = 'legal' and coalesce(trim(reason), '') = ''"
    ).fetchone() == (0,)
    counts = reconciliation(conn, "legal")
    assert counts["raw"] == counts["staged"] + counts["quarantined"] == len(extract.rows)
    return rows


def assert_every_row_accounted_for(rows: dict[str, set]) -> None:
    staged, quarantined = rows["staging.legal"], rows["quarantine.rejected_rows"]
    assert staged.isdisjoint(quarantined)
    assert staged | quarantined == rows["raw.legal"]


# --- random bytes ------------------------------------------------------------------------------


VALID_WORKBOOK = xlsx_bytes([["legal_ref", "issue_date"], ["LGL-1", "2019-03-05"]])
# Random bytes behind a header the mapping knows, so that they reach the row parsing.
csv_bytes = st.tuples(
    st.sampled_from([b"", b"legal_ref,issue_date\r\n", codecs.BOM_UTF8 + b"legal_ref,issue_date,mother_dob\n"]),
    st.binary(max_size=2000),
).map(b"".join)
# A real workbook with some bytes overwritten, as a broken download or disk leaves it.
damaged_workbooks = st.lists(
    st.tuples(st.integers(0, len(VALID_WORKBOOK) - 1), st.integers(0, 255)), min_size=1, max_size=20
).map(lambda damage: bytes(
    byte if (position := dict(damage).get(index)) is None else position for index, byte in enumerate(VALID_WORKBOOK)
))


@settings(FUZZ, max_examples=200)
@given(named=st.one_of(
    st.tuples(st.just(".csv"), csv_bytes),
    st.tuples(st.just(".xlsx"), st.one_of(st.binary(max_size=2000), damaged_workbooks)),
))
def test_random_bytes_are_read_or_refused_with_a_message(landing, named):
    suffix, content = named
    verdict = read(landing, "random" + suffix, content)
    if isinstance(verdict, ExtractFile):
        numbers = verdict.rows["_row_number"].tolist()
        assert len(numbers) == len(set(numbers)) and all(n >= 2 for n in numbers)


# --- random CSV shapes -------------------------------------------------------------------------

cell_text = st.lists(
    st.sampled_from(list('ab zZé’€",;\r\n\t\'0123456789/-') + ["  ", '""', "\ufeff"]), max_size=12
).map("".join)
optional_columns = [c for c in LEGAL.columns if c not in LEGAL.required] + ["Notes", ""]
# Now and then a header twice under another name ("Legal Ref"), which the reader must refuse.
header = st.lists(st.sampled_from(optional_columns), max_size=8, unique=True).flatmap(
    lambda columns: st.permutations(["legal_ref", "issue_date", *columns])
).flatmap(lambda columns: st.sampled_from([columns, columns, columns, [*columns, "Legal Ref"]]))


@st.composite
def csv_files(draw) -> bytes:
    """A CSV as spreadsheets and hand edits leave them: ragged rows, quotes, blank lines, a BOM,
    Windows line ends, Excel's Windows-1252."""
    columns = draw(header)
    rows = draw(st.lists(st.lists(cell_text, max_size=len(columns) + 2), max_size=12))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=draw(st.sampled_from(["\r\n", "\n"])))
    writer.writerow(columns)
    for row in rows:
        if draw(st.booleans()) and draw(st.booleans()):
            buffer.write("\r\n")  # a blank line
        writer.writerow(row)
    text = buffer.getvalue()
    if draw(st.booleans()):
        text = text.replace('"', "", draw(st.integers(0, 2)))  # a quote lost in editing
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    data = text.encode(encoding, errors="replace")
    return data if encoding != "utf-8" or not draw(st.booleans()) else codecs.BOM_UTF8 + data


@FUZZ
@given(content=csv_files())
def test_random_csv_shapes_are_staged_or_quarantined(landing, warehouse, content):
    verdict = read(landing, "shapes.csv", content)
    if isinstance(verdict, ExtractFile):
        assert_every_row_accounted_for(stage(warehouse, verdict))


# --- random date strings -----------------------------------------------------------------------

dates = st.dates(min_value=datetime.date(1850, 1, 1), max_value=datetime.date(2150, 12, 31))
written_dates = st.one_of(
    dates.map(lambda d: (d.isoformat(), d)),
    dates.map(lambda d: (d.strftime("%d/%m/%Y"), d)),
    dates.map(lambda d: (f"{d.day}-{MONTHS[d.month - 1]}-{d.year}", d)),
    # (infinity and epoch: words DuckDB's date parser reads as dates)
    st.sampled_from(["31/02/2019", "2019-13-01", "00/01/2019", "2019/01/05", "5 MAR 2019", "45000",
                     "INFINITY", "-infinity", "epoch"]).map(
        lambda text: (text, None)
    ),
    st.text(max_size=10).map(lambda text: (text, None)),
)


def expected_date(written: str, meant: datetime.date | None) -> datetime.date | None:
    """What staging should make of a date: the date meant, if written in a contract format
    with a year that is not a typing slip (1900-2100); otherwise nothing."""
    return meant if meant and 1900 <= meant.year <= 2100 else None


@FUZZ
@given(issue_dates=st.lists(written_dates, min_size=1, max_size=5), mother_dob=written_dates)
@example(issue_dates=[("INFINITY", None)], mother_dob=("epoch", None))  # once read as 1900-01-01
def test_random_date_strings_are_read_exactly_or_quarantined(landing, warehouse, issue_dates, mother_dob):
    rows = [[f"LGL-{n}", written, mother_dob[0]] for n, (written, _) in enumerate(issue_dates)]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([["legal_ref", "issue_date", "mother_dob"], *rows])
    verdict = read(landing, "dates.csv", buffer.getvalue().encode("utf-8", errors="replace"))
    if isinstance(verdict, ExtractError):
        return  # e.g. a date string with a stray quote in it
    assert_every_row_accounted_for(stage(warehouse, verdict))

    staged = dict(warehouse.execute("select legal_ref, issue_date from staging.legal").fetchall())
    reasons = dict(warehouse.execute(
        "select r.legal_ref, q.reason from quarantine.rejected_rows q join raw.legal r using (file_name, row_number)"
    ).fetchall())
    mother_dob_readable = not mother_dob[0].strip() or expected_date(*mother_dob) is not None
    for n, (written, meant) in enumerate(issue_dates):
        ref, issue_date = f"LGL-{n}", expected_date(written, meant)
        if ref in staged:
            assert staged[ref] == issue_date and mother_dob_readable
        elif not written.strip():
            assert "issue_date is blank but required" in reasons[ref]
        elif issue_date is None:
            assert "issue_date is not a readable date" in reasons[ref]
        else:
            assert "mother_dob is not a readable date" in reasons[ref]


printable = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=8)
excel_cells = st.one_of(
    st.none(), printable, st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(), st.dates(min_value=datetime.date(1900, 3, 1)),
)


@settings(FUZZ, max_examples=40)
@given(cells=st.lists(st.lists(excel_cells, max_size=6), max_size=6))
def test_random_workbooks_are_read_and_staged(landing, warehouse, cells):
    """Excel cells of every kind, including dates and numbers where text is expected."""
    content = xlsx_bytes([["legal_ref", "issue_date", "mother_dob", "child_forename"], *cells])
    verdict = read(landing, "cells.xlsx", content)
    assert isinstance(verdict, ExtractFile)
    assert_every_row_accounted_for(stage(warehouse, verdict))
