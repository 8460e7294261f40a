"""The files people get: the report (opened in headless Chromium), the workbook and the worklist.

One full outputs run on hand-made core tables and case-file forms that carry synthetic names and
dates of birth; none of those may appear in any file written, nor in Dagster's events.
"""

import re
import struct
import subprocess
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import materialize_sources, write_source
from outputs_fixtures import CoreTables, materialize_outputs, prevalence_tables, write_core_tables

from sources.column_mapping import load_column_mappings
from sources.layout import CASE_FILE_REVIEW

CHROMIUM = "/usr/bin/chromium"
NAMES = ("Zephyrine", "Quillfeather", "Marisol", "Vantablack")
DOBS = ("1991-02-13", "13/02/1991", "1988-11-30", "30/11/1988")
EXCEL_DOB_SERIALS = ("33282", "32477")  # the same dates as Excel day numbers
FORMULA_REF = '=HYPERLINK("http://example.invalid","open")'


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A full outputs run; returns (result, outputs folder)."""
    base = tmp_path_factory.mktemp("publish")
    landing, warehouse, outputs = base / "landing", base / "trawl.duckdb", base / "outputs"
    write_source(landing, "case_file_review", "forms.csv", [
        dict(review_id="WL-R1-1", person_key="R1", mother_forename=NAMES[0], mother_surname=NAMES[1],
             mother_dob=DOBS[1], reviewed_on="2021-07-01", reviewer="Reviewer A", mental_health="yes",
             children_removed_before="1", removal_reasons="neglect"),
        dict(review_id="CFR-2", mother_forename=NAMES[2], mother_surname=NAMES[3], mother_dob=DOBS[2],
             reviewed_on="2022-01-10", reviewer="Reviewer B", mental_health="no"),
    ])
    assert materialize_sources(landing, warehouse, ["case_file_review"]).success
    tables = prevalence_tables()
    tables.form_links = {"CFR-2": "S1"}
    write_core_tables(warehouse, tables)
    with duckdb.connect(str(warehouse)) as conn:  # a reference typed into the legal system as a formula
        conn.execute("update core.proceedings set legal_refs = [?] where proceedings_id = 'P0005'", [FORMULA_REF])
    result = materialize_outputs(warehouse, outputs)
    assert result.success
    return result, outputs


def _chromium(*arguments: str, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}", *arguments],
        capture_output=True, text=True, timeout=120, check=True,
    )


def _row(dom: str, first_cell: str) -> list[str]:
    """The cells of the table row whose first cell is `first_cell`, as shown."""
    match = re.search(rf"<tr><td>{re.escape(first_cell)}</td>(.*?)</tr>", dom)
    assert match, f"no row {first_cell}"
    return re.findall(r"<td[^>]*>(.*?)</td>", match.group(1))


def test_report_as_a_person_sees_it(run, tmp_path):
    _, outputs = run
    report = outputs / "published" / "report.html"
    html = report.read_text()
    assert "<script" not in html and not re.search(r"""(src|href)=["']?https?:""", html)  # nothing fetched

    dom = _chromium("--dump-dom", report.as_uri(), profile=tmp_path / "profile").stdout
    assert "Recurrent care proceedings" in dom
    assert "28" in dom and "21.4%" in dom  # headline sets and recurrent share
    # 2020/21 had 3 sets (primary); 2019/20's 11 sets less 10 mothers would give 1 set with no
    # mother found (test_marts.py::test_published_prevalence_is_suppressed): seen as c.
    assert _row(dom, "2020/21")[:5] == ["c", "0", "c", "c", "0"]
    assert _row(dom, "2019/20")[:5] == ["c", "c", "c", "c", "c"]
    assert _row(dom, "2022/23")[:5] == ["6", "0", "0.0%", "6", "0"]
    assert _row(dom, "all")[:5] == ["28", "6", "21.4%", "21", "6"]
    assert "<svg" in dom and "Left truncation" in dom and "probabilistic" in dom
    assert "mothers a service takes on in a year" in dom and "until those children are 18" in dom

    screenshot = tmp_path / "report.png"
    _chromium(f"--screenshot={screenshot}", "--window-size=1100,2400", report.as_uri(), profile=tmp_path / "profile")
    data = screenshot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1100, 2400)
    assert len(data) > 60_000  # charts and tables, not a blank page


def test_workbook_has_the_published_tables(run):
    _, outputs = run
    workbook = openpyxl.load_workbook(outputs / "published" / "trawl_tables.xlsx")
    assert workbook.sheetnames == [
        "notes", "Prevalence by year", "Return within years", "Baseline characteristics", "Cost estimates",
        "Service outcomes",
    ]
    rows = {row[0]: row for row in workbook["Prevalence by year"].iter_rows(values_only=True)}
    assert rows["financial_year"][:3] == ("financial_year", "sets", "recurrent_sets")
    assert rows["2020/21"][:5] == ("2020/21", "c", 0, "c", "c")
    assert rows["2019/20"][:3] == ("2019/20", "c", "c")
    assert rows["all"][:4] == ("all", 28, 6, 21.4)
    notes = " ".join(str(cell) for row in workbook["notes"].iter_rows(values_only=True) for cell in row)
    assert "shown as c" in notes and "Left truncation" in notes


def test_worklist_is_a_trawl_form_the_reader_accepts(run):
    _, outputs = run
    path = outputs / "restricted" / "worklist" / "trawl_worklist.xlsx"
    assert not (outputs / "published" / "worklist").exists()  # case references are not for publication
    workbook = openpyxl.load_workbook(path)
    form = workbook.worksheets[0]
    header = [cell.value for cell in form[1]]
    resolved = load_column_mappings().resolve(CASE_FILE_REVIEW, header, "trawl_worklist.xlsx")
    assert list(resolved.positions) == list(CASE_FILE_REVIEW.columns)
    assert resolved.unmapped_headers == [
        "why_listed", "sets_in_data", "first_issue_date", "last_issue_date", "previous_review_on",
        "legal_refs", "court_case_numbers", "cafcass_case_ids",
    ]
    listed = {row[1]: dict(zip(header, row)) for row in form.iter_rows(min_row=2, values_only=True)}
    # R1 was reviewed after her latest set; the other recurrent mothers are listed.
    assert sorted(listed) == ["R2", "R3", "R4", "R5", "R6"]
    r2 = listed["R2"]
    assert r2["review_id"] == "WL-R2-1" and r2["why_listed"] == "recurrent: 2 sets"
    assert r2["mother_forename"] is None and r2["mother_dob"] is None
    assert r2["legal_refs"] == "LGL-0003; LGL-0004" and r2["cafcass_case_ids"] == "CF-0003; CF-0004"
    choices = {str(v.sqref): v.formula1 for v in form.data_validations.dataValidation}
    letter = {column: openpyxl.utils.get_column_letter(i + 1) for i, column in enumerate(header)}
    assert choices[f"{letter['mental_health']}2:{letter['mental_health']}6"] == '"yes,no,unknown"'
    assert choices[f"{letter['substance_misuse']}2:{letter['substance_misuse']}6"] == '"drugs,alcohol,both,none,unknown"'


def test_a_formula_in_a_reference_is_written_as_text(run, tmp_path):
    """R3's first set carries a legal ref typed as a formula: in the worklist it must be inert text."""
    _, outputs = run
    form = openpyxl.load_workbook(outputs / "restricted" / "worklist" / "trawl_worklist.xlsx").worksheets[0]
    cells = [cell for row in form.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)]
    formula_cells = [cell for cell in cells if "HYPERLINK" in cell.value]
    assert [cell.value for cell in formula_cells] == ["'" + FORMULA_REF + "; LGL-0006"]
    assert all(cell.data_type == "s" for cell in formula_cells)


def _text_of(path: Path) -> str:
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            return " ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return path.read_text(errors="replace")


def test_no_name_or_date_of_birth_anywhere(run):
    result, outputs = run
    files = [path for path in outputs.rglob("*") if path.is_file()]
    assert {path.name for path in files} == {"report.html", "trawl_tables.xlsx", "trawl_worklist.xlsx"}
    events = " ".join(str(event) for event in result.all_events)
    for where, text in [*((path.name, _text_of(path)) for path in files), ("dagster events", events)]:
        for secret in (*NAMES, *DOBS):
            assert secret.lower() not in text.lower(), f"{secret} in {where}"
        if where != "dagster events":
            for serial in EXCEL_DOB_SERIALS:
                assert f">{serial}<" not in text, f"a date of birth as a date cell in {where}"


def test_an_area_with_no_proceedings_yet_still_gets_its_files(landing, warehouse, tmp_path):
    assert materialize_sources(landing, warehouse, ["case_file_review"]).success
    write_core_tables(warehouse, CoreTables(mothers=[]))
    assert materialize_outputs(warehouse, tmp_path / "outputs").success
    html = (tmp_path / "outputs" / "published" / "report.html").read_text()
    assert "no proceedings in the data" in html
