"""Clerical review: the pairs the model is unsure of, as a workbook a data officer can work
through, and their decisions read back to override the model on the next run.

The workbook carries names and dates of birth (a person cannot decide without them), so it is
written to the restricted folder only. Decisions come back as .xlsx or .csv files in
<landing>/linkage_decisions/ with at least the columns left_id, right_id and decision.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

DECISIONS_FOLDER = "linkage_decisions"
MATCH, NOT_A_MATCH = "match", "not a match"
# How people write a decision, and what it means.
DECISION_WORDS = {
    "match": MATCH, "same": MATCH, "same person": MATCH, "yes": MATCH, "y": MATCH,
    "not a match": NOT_A_MATCH, "not match": NOT_A_MATCH, "no match": NOT_A_MATCH, "different": NOT_A_MATCH,
    "different people": NOT_A_MATCH, "no": NOT_A_MATCH, "n": NOT_A_MATCH,
}
# A cell starting with one of these is read by Excel as a formula: prefix it so it stays text.
FORMULA_STARTS = ("=", "+", "-", "@")

INSTRUCTIONS = [
    "Each row is two records the linkage model could not decide between: are they the same person?",
    "Compare names, dates of birth, Cafcass ids, postcodes and the other parent, then write 'match' or "
    "'not a match' in the decision column (leave it blank if you cannot tell).",
    "Save the file into the landing folder's linkage_decisions/ folder. The next run reads every file "
    "there: your decisions override the model, and decided pairs leave this list.",
    "This workbook holds personal data: keep it in the restricted folder and delete copies when done.",
]


@dataclass(frozen=True)
class DecisionRow:
    file_name: str
    row_number: int
    left_id: str
    right_id: str
    decision: str | None  # MATCH, NOT_A_MATCH, or None when the word is not understood


def safe_cell(value):
    """Text that Excel would run as a formula is prefixed with an apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_review_workbook(columns: list[str], rows: list[tuple], path: Path) -> None:
    """One row per pair, most uncertain first, with an empty decision column (and a drop-down).
    Any failure is reported without the cell it failed on, which may hold a name."""
    try:
        _write(columns, rows, path)
    except (ValueError, TypeError) as error:
        failed = type(error).__name__
    else:
        return
    raise dg.Failure(description=f"review_queue.xlsx could not be written ({failed}); details withheld "
                     "because they can quote personal data")


def _write(columns: list[str], rows: list[tuple], path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Pairs to review"
    sheet.append(["decision", *columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([None, *(safe_cell(_readable(value)) for value in row)])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    choices = DataValidation(type="list", formula1=f'"{MATCH},{NOT_A_MATCH}"', allow_blank=True)
    sheet.add_data_validation(choices)
    choices.add(f"A2:A{max(sheet.max_row, 2)}")
    for cell in sheet["A"][1:]:
        cell.fill = PatternFill("solid", start_color="FFF2CC")
    sheet.freeze_panes = "B2"
    for column in sheet.columns:
        widest = max((len(str(c.value)) for c in column if c.value is not None), default=0)
        sheet.column_dimensions[column[0].column_letter].width = min(60, max(12, widest))
    help_sheet = workbook.create_sheet("How to decide")
    for line in INSTRUCTIONS:
        help_sheet.append([line])
        help_sheet.cell(help_sheet.max_row, 1).alignment = Alignment(wrap_text=True)
    help_sheet.column_dimensions["A"].width = 110
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def _readable(value):
    """Lists as '; '-separated text, dates as dates, numbers as numbers, anything else as text."""
    if isinstance(value, (list, tuple)):
        return "; ".join(item.isoformat() if isinstance(item, date) else str(item) for item in value)
    if value is None or isinstance(value, (str, int, float, date)):
        return value
    return str(value)


def read_decisions(landing: Path) -> list[DecisionRow]:
    """Every decided row in <landing>/linkage_decisions/*.xlsx|csv; blank decisions are skipped."""
    folder = landing / DECISIONS_FOLDER
    rows: list[DecisionRow] = []
    if not folder.is_dir():
        return rows
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in (".xlsx", ".csv")):
        if path.suffix.lower() == ".xlsx":
            frame = pd.read_excel(path, sheet_name=0, dtype=str)
        else:
            frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
        frame.columns = [str(c).strip().lower() for c in frame.columns]
        missing = {"left_id", "right_id", "decision"} - set(frame.columns)
        if missing:
            raise ValueError(f"{DECISIONS_FOLDER}/{path.name}: missing column(s) {', '.join(sorted(missing))}")
        for number, record in enumerate(frame.to_dict("records"), start=2):
            written = _text(record["decision"])
            if not written:
                continue
            rows.append(DecisionRow(
                file_name=path.name, row_number=number,
                left_id=_text(record["left_id"]), right_id=_text(record["right_id"]),
                decision=DECISION_WORDS.get(written.lower()),
            ))
    return rows


def _text(value) -> str:
    """A cell as text, without the apostrophe the workbook adds against formulas."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip().removeprefix("'").strip()
