"""The clerical review workbook: cells Excel would run as formulas stay text, and decisions are
read back however a person writes them."""

from datetime import date

import openpyxl

from conftest import write_csv
from linkage.clerical_review import MATCH, NOT_A_MATCH, read_decisions, write_review_workbook


def test_cells_that_look_like_formulas_are_written_as_text(tmp_path):
    path = tmp_path / "review_queue.xlsx"
    write_review_workbook(
        ["left_id", "left_names", "left_dates_of_birth", "match_probability"],
        [("court:BL19C00001/mother", ["=HYPERLINK(\"http://x\",\"Sarah\")", "-Jones"], [date(1990, 5, 14)], 0.61),
         ("court:BL19C00002/mother", "+44 7700 900000", "@SUM(A1)", 0.7)],
        path,
    )
    sheet = openpyxl.load_workbook(path)["Pairs to review"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][2] == "'=HYPERLINK(\"http://x\",\"Sarah\"); -Jones"
    assert rows[0][3] == "1990-05-14" and rows[0][4] == 0.61
    assert rows[1][2:4] == ("'+44 7700 900000", "'@SUM(A1)")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_decisions_are_read_however_they_are_written_and_blanks_are_skipped(tmp_path):
    write_csv(tmp_path / "linkage_decisions" / "decided.csv", ["Left_ID", "right_id", "Decision", "notes"], [
        ["'court:A/mother", "court:B/mother", " Match ", ""],
        ["court:C/mother", "court:D/mother", "not a match", "different DOB"],
        ["court:E/mother", "court:F/mother", "", ""],
        ["court:G/mother", "court:H/mother", "maybe", ""],
    ])
    decisions = read_decisions(tmp_path)
    assert [(d.left_id, d.right_id, d.decision, d.row_number) for d in decisions] == [
        ("court:A/mother", "court:B/mother", MATCH, 2),
        ("court:C/mother", "court:D/mother", NOT_A_MATCH, 3),
        ("court:G/mother", "court:H/mother", None, 5),
    ]
