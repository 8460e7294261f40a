"""The restricted pre-proceedings history list: an XLSX for data officers and practitioners.

One row per parent of each open pre-proceedings (PLO) or pre-birth case with earlier history,
most recent case first (assets/sql/publish_pre_proceedings_history.sql). It is personal data (a
case reference with a parent's history of proceedings), so it is written to the restricted folder
only, never to the outputs folder. A row whose link is uncertain says so in `link_check`.
"""

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from publish.cells import neutralise_formula, spreadsheet_cell

COLUMNS = (
    "pre_proceedings_ref", "stage", "start_date", "expected_due_date", "la_code", "role", "person_key",
    "earlier_sets", "children_in_earlier_sets", "last_set_issue_date", "last_final_order", "care_experienced",
    "in_service", "earlier_set_references", "match_probability", "link_check",
)
_UNCERTAIN = PatternFill("solid", fgColor="FCE4D6")

NOTES = [
    "Pre-proceedings history",
    "",
    "Open pre-proceedings (PLO) and pre-birth cases where a parent was in earlier care proceedings (s31 sets "
    "issued before the case started), is care experienced, or may be linked to someone who was.",
    "Most recent case first; every parent of a listed case is shown.",
    "earlier_sets and children_in_earlier_sets count the sets in the data (legal list, court list, Cafcass) "
    "before the start date; last_final_order is the final order of the latest of them.",
    "in_service yes: a service's participants list has an episode of this parent's open on or after the case "
    "started (service_participants/).",
    "match_probability is the weakest link used to join this parent's record to the records counted.",
    "link_check UNCERTAIN: the model was not sure; the pairs are in review_queue.xlsx. Decide them there and "
    "the next run updates this list. Do not act on an uncertain row without checking.",
    "",
    "This file is personal data for data officers and practitioners working with these families. Keep it in "
    "the restricted folder; do not publish, email or print it.",
]


def write_history_workbook(path: Path, rows: pd.DataFrame) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "history"
    sheet.append(list(COLUMNS))
    for record in rows.to_dict("records"):
        sheet.append([spreadsheet_cell(record.get(column)) for column in COLUMNS])
        if record.get("link_uncertain"):
            for cell in sheet[sheet.max_row]:
                cell.fill = _UNCERTAIN
    for position, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = max(12, len(column) + 2)
        sheet.cell(row=1, column=position).font = Font(bold=True)
        if column.endswith("_date"):
            for row in range(2, len(rows) + 2):
                sheet.cell(row=row, column=position).number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "B2"
    notes = workbook.create_sheet("about this list")
    notes.column_dimensions["A"].width = 120
    for line in NOTES:
        notes.append([neutralise_formula(line)])
    notes["A1"].font = Font(bold=True, size=14)
    workbook.save(path)
