"""Reading real .csv and .xlsx files from a landing folder into canonical text rows."""

import datetime
import hashlib
import pickle
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles import Font

from sources.column_mapping import MAPPINGS_ENV_VAR, load_column_mappings
from sources.extract_files import (
    ExtractError,
    cell_text,
    read_extract_file,
    read_source_folder,
)
from sources.layout import COURT, LEGAL

COURT_HEADER = "Case No,Date Issued,Application,Child Name,Child DOB"


@pytest.fixture
def mappings(monkeypatch):
    monkeypatch.delenv(MAPPINGS_ENV_VAR, raising=False)
    return load_column_mappings()


@pytest.fixture
def landing(tmp_path) -> Path:
    (tmp_path / "court").mkdir()
    return tmp_path


def write(landing: Path, name: str, content: bytes) -> Path:
    path = landing / name
    path.write_bytes(content)
    return path


def csv_bytes(lines: list[str], encoding: str = "utf-8") -> bytes:
    return "\r\n".join(lines + [""]).encode(encoding)


def read_court(path: Path, landing: Path, mappings):
    return read_extract_file(path, COURT, landing, mappings)


def write_xlsx(landing: Path, name: str, rows: list[list], second_sheet: bool = False) -> Path:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    if second_sheet:
        workbook.create_sheet("Other").append(["not", "read"])
    path = landing / name
    workbook.save(path)
    return path


# --- CSV encodings ---------------------------------------------------------------------------


def test_utf8_csv_keeps_names_and_lays_out_canonical_columns(landing, mappings):
    content = csv_bytes(
        [
            COURT_HEADER,
            "LV19C00001,05/03/2019,C110A s31 care order,Zoë Smith,2015-01-02",
            "LV19C00002,5-MAR-2019,C110A EPO,SIÂN JONES, ",
        ]
    )
    path = write(landing, "court/court_2019.csv", content)
    extract = read_court(path, landing, mappings)

    assert extract.source == "court"
    assert extract.file_name == "court/court_2019.csv"
    assert extract.encoding == "utf-8"
    assert extract.sha256 == hashlib.sha256(content).hexdigest()
    assert extract.unmapped_headers == []
    rows = extract.rows
    assert list(rows.columns) == [*COURT.columns, "_row_number", "_problem"]
    assert all(rows[column].dtype == "string" for column in COURT.columns)
    assert rows["_row_number"].tolist() == [2, 3]
    assert rows["child_name"].tolist() == ["Zoë Smith", "SIÂN JONES"]
    # Dates are not parsed here, and a whitespace-only cell is missing.
    assert rows["issue_date"].tolist() == ["05/03/2019", "5-MAR-2019"]
    assert rows["child_dob"].isna().tolist() == [False, True]
    assert rows["court"].isna().all()
    assert rows["_problem"].isna().all()


def test_utf8_csv_with_byte_order_mark(landing, mappings):
    content = b"\xef\xbb\xbf" + csv_bytes([COURT_HEADER, "LV19C00001,2019-03-05,s31,Siân Evans,"])
    extract = read_court(write(landing, "court/bom.csv", content), landing, mappings)
    assert extract.encoding == "utf-8-sig"
    assert extract.rows["case_number"].tolist() == ["LV19C00001"]
    assert extract.rows["child_name"].tolist() == ["Siân Evans"]


def test_windows_1252_csv_as_excel_saves_it(landing, mappings):
    content = csv_bytes(
        [
            COURT_HEADER,
            "LV19C00001,2019-03-05,s31,Zoë O’Brien,",
            "LV19C00002,2019-03-06,s31,Siân Evans,",
        ],
        encoding="cp1252",
    )
    extract = read_court(write(landing, "court/excel.csv", content), landing, mappings)
    assert extract.encoding == "cp1252"
    assert extract.rows["child_name"].tolist() == ["Zoë O’Brien", "Siân Evans"]


def test_bytes_that_are_neither_encoding_name_file_row_and_column(landing, mappings):
    # 0x81 is not used in Windows-1252, and 0xEB ('ë' in Windows-1252) is not UTF-8 here.
    content = (
        csv_bytes([COURT_HEADER, "LV19C00001,2019-03-05,s31,Zo\xeb Smith,"], encoding="cp1252")
        + b"LV19C00002,2019-03-06,s31,Jo\x81 Bloggs,\r\n"
    )
    with pytest.raises(ExtractError) as caught:
        read_court(write(landing, "court/court_2019.csv", content), landing, mappings)
    error = caught.value
    assert error.file_name == "court/court_2019.csv"
    assert (error.row_number, error.column) == (3, "child_name")
    assert str(error) == (
        "court/court_2019.csv, row 3, column 'child_name': bytes are neither UTF-8 nor Windows-1252"
    )


def test_bad_byte_under_an_unmapped_header_is_named_by_column_letter(landing, mappings):
    content = csv_bytes([COURT_HEADER + ",Notes", "LV19C00001,2019-03-05,s31,Ann Lee,,ok"])
    content += b"x,,,,,\x81\r\n"
    with pytest.raises(ExtractError) as caught:
        read_court(write(landing, "court/notes.csv", content), landing, mappings)
    assert (caught.value.row_number, caught.value.column) == (3, "F")


def test_extract_error_message_never_contains_a_cell_value(landing, mappings):
    content = csv_bytes([COURT_HEADER, "LV19C00001,2019-03-05,s31,Zoë Smith,2015-01-02"]) + (
        "LV19C00002,2019-03-06,s31,Priya Patel".encode() + b"\x81,2016-07-08\r\n"
    )
    with pytest.raises(ExtractError) as caught:
        read_court(write(landing, "court/private.csv", content), landing, mappings)
    logged = displayed_chain(caught.value)
    for value in ["LV19C00001", "LV19C00002", "Zoë", "Smith", "Priya", "Patel", "2015", "2016"]:
        assert value not in logged


def displayed_chain(error: BaseException) -> str:
    """Every message a traceback of `error` would show, chained exceptions included."""
    messages = []
    while error is not None:
        messages.append(str(error))
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return "\n".join(messages)


def test_utf16_csv_is_refused_with_advice(landing, mappings):
    content = ("\ufeff" + COURT_HEADER + "\r\n").encode("utf-16-le")
    with pytest.raises(ExtractError, match="UTF-16"):
        read_court(write(landing, "court/unicode.csv", content), landing, mappings)


# --- CSV structure ---------------------------------------------------------------------------


def test_quoted_values_with_commas_and_line_breaks_count_as_one_row(landing, mappings):
    content = csv_bytes(
        [
            COURT_HEADER + ",Comments",
            'LV19C00001,2019-03-05,"C110A s31, care order","Smith, Zoë","",ok',
            'LV19C00002,2019-03-06,s31,Ann Lee,,"two',
            'lines"',
            "LV19C00003,2019-03-07,s31,Bo Li,,",
        ]
    )
    extract = read_court(write(landing, "court/quoted.csv", content), landing, mappings)
    rows = extract.rows
    assert rows["application_type"].tolist()[0] == "C110A s31, care order"
    assert rows["child_name"].tolist() == ["Smith, Zoë", "Ann Lee", "Bo Li"]
    assert rows["_row_number"].tolist() == [2, 3, 4]
    assert rows["_problem"].isna().all()
    assert extract.unmapped_headers == ["Comments"]


def test_ragged_rows_are_kept_with_a_problem_note(landing, mappings):
    content = csv_bytes(
        [
            COURT_HEADER,
            "LV19C00001,2019-03-05,s31,Ann Lee,2015-01-02,stray",
            "LV19C00002,2019-03-06",
            "LV19C00003,2019-03-07,s31,Bo Li,2016-01-02,",
        ]
    )
    rows = read_court(write(landing, "court/ragged.csv", content), landing, mappings).rows
    assert rows["_row_number"].tolist() == [2, 3, 4]
    assert rows["_problem"].tolist() == [
        "row has 6 values but the header has 5",
        "row has 2 values but the header has 5",
        pd.NA,  # a trailing comma adds an empty value only: nothing is lost
    ]
    assert rows["case_number"].tolist() == ["LV19C00001", "LV19C00002", "LV19C00003"]
    assert rows["child_name"].tolist() == ["Ann Lee", pd.NA, "Bo Li"]


def test_blank_rows_are_skipped_but_row_numbers_stay_as_in_excel(landing, mappings):
    content = csv_bytes(
        [
            COURT_HEADER,
            "LV19C00001,2019-03-05,s31,Ann Lee,",
            "",
            ",, ,,",
            "LV19C00002,2019-03-06,s31,Bo Li,",
        ]
    )
    rows = read_court(write(landing, "court/gaps.csv", content), landing, mappings).rows
    assert rows["_row_number"].tolist() == [2, 5]


def test_unclosed_quote_is_an_error_not_a_swallowed_file(landing, mappings):
    content = csv_bytes(
        [
            COURT_HEADER,
            "LV19C00001,2019-03-05,s31,Ann Lee,",
            'LV19C00002,2019-03-06,"s31,Bo Li,',
            "LV19C00003,2019-03-07,s31,Cy Ng,",
        ]
    )
    with pytest.raises(ExtractError) as caught:
        read_court(write(landing, "court/unclosed.csv", content), landing, mappings)
    assert (caught.value.row_number, caught.value.column) == (3, "C")
    assert "never closed" in str(caught.value)


def test_zero_byte_file_is_an_error(landing, mappings):
    with pytest.raises(ExtractError) as caught:
        read_court(write(landing, "court/empty.csv", b""), landing, mappings)
    assert str(caught.value) == "court/empty.csv: file is empty"


def test_header_only_csv_gives_no_rows(landing, mappings):
    path = write(landing, "court/header.csv", csv_bytes([COURT_HEADER]))
    extract = read_court(path, landing, mappings)
    assert len(extract.rows) == 0
    assert list(extract.rows.columns) == [*COURT.columns, "_row_number", "_problem"]


def test_empty_header_row_is_an_error(landing, mappings):
    content = csv_bytes([",,,", "LV19C00001,2019-03-05,s31,Ann Lee"])
    with pytest.raises(ExtractError) as caught:
        read_court(write(landing, "court/noheader.csv", content), landing, mappings)
    assert str(caught.value) == "court/noheader.csv, row 1: the header row is empty"


def test_missing_required_column_names_the_file(landing, mappings):
    content = csv_bytes(["Case No,Application,Child Name", "LV19C00001,s31,Ann Lee"])
    with pytest.raises(ExtractError) as caught:
        read_court(write(landing, "court/short.csv", content), landing, mappings)
    assert caught.value.file_name == "court/short.csv"
    assert "issue_date" in str(caught.value)


def test_custom_mapping_file_from_env_var_is_used(landing, monkeypatch, tmp_path):
    local = tmp_path / "local.yaml"
    local.write_text("legal:\n  legal_ref: [Matter]\n  issue_date: [Started]\n", encoding="utf-8")
    monkeypatch.setenv(MAPPINGS_ENV_VAR, str(local))
    (landing / "legal").mkdir()
    content = csv_bytes(["Matter,Started,Child Forename", "M1,2019-03-05,Ann"])
    path = write(landing, "legal/list.csv", content)
    rows = read_extract_file(path, LEGAL, landing, load_column_mappings()).rows
    first_row = rows[["legal_ref", "issue_date", "child_forename"]].iloc[0].tolist()
    assert first_row == ["M1", "2019-03-05", "Ann"]


# --- XLSX ------------------------------------------------------------------------------------


def test_xlsx_dates_and_numbers_become_text(landing, mappings):
    path = write_xlsx(
        landing,
        "court/court_2020.xlsx",
        [
            ["Case No", "Date Issued", "Application", "Child Name", "DOB", "Outcome", "Notes"],
            [
                "LV20C00001",
                datetime.date(2020, 3, 5),
                "s31",
                "  Zoë Smith ",
                datetime.datetime(2015, 1, 2, 13, 45),
                2.0,
                1,
            ],
            ["007", "05/03/2020", "s31", "Siân Evans", None, 3.5, None],
            [12345, datetime.datetime(2020, 3, 6), "s31", None, None, 2, None],
        ],
        second_sheet=True,
    )
    extract = read_court(path, landing, mappings)
    rows = extract.rows
    assert extract.encoding == "xlsx"
    assert extract.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert extract.unmapped_headers == ["Notes"]
    assert rows["_row_number"].tolist() == [2, 3, 4]
    assert rows["case_number"].tolist() == ["LV20C00001", "007", "12345"]
    assert rows["issue_date"].tolist() == ["2020-03-05", "05/03/2020", "2020-03-06"]
    assert rows["child_dob"].tolist() == ["2015-01-02", pd.NA, pd.NA]
    assert rows["child_name"].tolist() == ["Zoë Smith", "Siân Evans", pd.NA]
    assert rows["outcome"].tolist() == ["2", "3.5", "2"]


def test_xlsx_blank_trailing_rows_are_ignored_and_overflow_is_noted(landing, mappings):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Case No", "Date Issued", "Application"])
    sheet.append(["LV20C00001", "2020-03-05", "s31"])
    sheet.append(["LV20C00002", "2020-03-06", "s31", None, "stray"])
    for row in range(4, 40):  # formatted but empty, as a sheet often is below the data
        sheet.cell(row=row, column=2).font = Font(bold=True)
    path = landing / "court/formatted.xlsx"
    workbook.save(path)
    rows = read_court(path, landing, mappings).rows
    assert rows["_row_number"].tolist() == [2, 3]
    assert rows["_problem"].tolist() == [
        pd.NA,
        "row has a value in column E, beyond the last header (column C)",
    ]


def test_header_only_xlsx_gives_no_rows(landing, mappings):
    path = write_xlsx(landing, "court/header.xlsx", [["Case No", "Date Issued", "Application"]])
    assert len(read_court(path, landing, mappings).rows) == 0


def test_empty_worksheet_is_an_empty_header_row(landing, mappings):
    path = write_xlsx(landing, "court/blank.xlsx", [])
    with pytest.raises(ExtractError, match="the header row is empty"):
        read_court(path, landing, mappings)


@pytest.mark.parametrize("content", [b"this is not a workbook", b"PK\x03\x04 truncated zip"])
def test_corrupt_xlsx_is_an_error(landing, mappings, content):
    with pytest.raises(ExtractError) as caught:
        read_court(write(landing, "court/broken.xlsx", content), landing, mappings)
    assert str(caught.value) == (
        "court/broken.xlsx: the workbook is corrupt or not an Excel .xlsx file"
    )


def test_xlsx_with_a_missing_sheet_part_is_an_error(landing, mappings):
    good = write_xlsx(landing, "court/good.xlsx", [["Case No", "Date Issued", "Application"]])
    damaged = landing / "court/damaged.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            if not item.filename.startswith("xl/worksheets/"):
                target.writestr(item, source.read(item))
    with pytest.raises(ExtractError, match="corrupt"):
        read_court(damaged, landing, mappings)


def test_password_protected_xlsx_is_named_as_such(landing, mappings):
    ole2 = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
    with pytest.raises(ExtractError, match="password-protected"):
        read_court(write(landing, "court/locked.xlsx", ole2), landing, mappings)


def test_cell_text_conversions():
    assert cell_text(2.0) == "2"
    assert cell_text(-0.5) == "-0.5"
    assert cell_text(datetime.datetime(2019, 3, 5, 23, 59)) == "2019-03-05"
    assert cell_text(True) == "TRUE"
    assert cell_text("  \t ") is None
    assert cell_text(None) is None


# --- Folders ---------------------------------------------------------------------------------


def test_folder_is_read_in_name_order_and_other_files_are_reported(landing, mappings):
    row = "LV19C00001,2019-03-05,s31,Ann Lee,2015-01-02"
    write(landing, "court/b_2020.csv", csv_bytes([COURT_HEADER, row]))
    write_xlsx(landing, "court/a_2019.xlsx", [COURT_HEADER.split(","), row.split(",")])
    write(landing, "court/notes.txt", b"read me")
    write(landing, "court/old.xls", bytes.fromhex("D0CF11E0A1B11AE1"))
    write(landing, "court/~$a_2019.xlsx", b"lock")
    write(landing, "court/.hidden.csv", b"x")
    (landing / "court/archive").mkdir()

    extracts, skipped = read_source_folder(landing, COURT, mappings)

    assert [extract.file_name for extract in extracts] == ["court/a_2019.xlsx", "court/b_2020.csv"]
    assert skipped == ["court/archive/", "court/notes.txt", "court/old.xls"]
    # The same record in two files stays twice: the staging SQL decides what is a duplicate.
    assert [extract.rows["case_number"].tolist() for extract in extracts] == [["LV19C00001"]] * 2


def test_absent_or_empty_folder_gives_nothing(tmp_path, mappings):
    assert read_source_folder(tmp_path, COURT, mappings) == ([], [])
    (tmp_path / "court").mkdir()
    assert read_source_folder(tmp_path, COURT, mappings) == ([], [])


def test_extract_error_survives_pickling():
    reason = "bytes are neither UTF-8 nor Windows-1252"
    error = ExtractError("court/a.csv", reason, row_number=17, column="child_name")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.file_name, copy.row_number, copy.column, str(copy)) == (
        "court/a.csv",
        17,
        "child_name",
        "court/a.csv, row 17, column 'child_name': bytes are neither UTF-8 nor Windows-1252",
    )
