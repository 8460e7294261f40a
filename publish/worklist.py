"""The case-file trawl worklist: an XLSX form for the mothers whose files should be read by hand.

Its first sheet has the case_file_review columns (sources/layout.py) in order, with person_key
and a new review_id filled in, then the references a reviewer needs to pull the files. Nothing
else identifies the mother: no name, no date of birth (the reviewer may write them in). Saved
into <landing>/case_file_review/, a completed form is read on the next run like any other, and
joined to the mother by person_key; the reference columns are not trawl columns, so the reader
ignores them.
"""

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from publish.cells import neutralise_formula, spreadsheet_cell
from sources.layout import CASE_FILE_REVIEW

PREFILLED_COLUMNS = ("review_id", "person_key")
REFERENCE_COLUMNS = (
    "why_listed", "sets_in_data", "first_issue_date", "last_issue_date", "previous_review_on",
    "legal_refs", "court_case_numbers", "cafcass_case_ids",
)
# A sampled trawl adds the stratum and the sampling weight (mothers each listed mother stands for).
SAMPLE_COLUMNS = ("sampling_stratum", "sampling_weight")
YES_NO_UNKNOWN = ("yes", "no", "unknown")
SUBSTANCE_MISUSE = ("drugs", "alcohol", "both", "none", "unknown")
# The reasons the staging step recognises (assets/sql/standardise_case_file_review.sql).
REMOVAL_REASONS = (
    "neglect", "emotional abuse", "physical abuse", "sexual abuse", "domestic abuse exposure",
    "parental substance misuse", "parental mental health", "other",
)
_DO_NOT_EDIT = PatternFill("solid", fgColor="E7E6E6")

INSTRUCTIONS = [
    "Case-file trawl form",
    "",
    "One row per mother whose files should be read by hand. Grey columns are filled in by the "
    "pipeline: do not change review_id or person_key, they join your answers to the right mother.",
    "Use the references on the right (legal refs, court case numbers, Cafcass case ids) to pull the files.",
    "Fill in reviewed_on (the date you read the files) and reviewer: a row without either is "
    "treated as not yet reviewed, and the mother stays on the next worklist.",
    "children_removed_before and age_at_first_pregnancy: whole numbers; leave blank if not known.",
    "in_care_as_child, mental_health, domestic_abuse, learning_disability: yes, no or unknown.",
    "substance_misuse: drugs, alcohol, both, none or unknown.",
    "removal_reasons: any of " + ", ".join(REMOVAL_REASONS) + "; separate several with ';'.",
    "mother_forename, mother_surname, mother_dob: optional, for your own reference.",
    "",
    "When done, save the workbook (keep this sheet first) into the landing folder's "
    "case_file_review/ folder. The next trawl run reads it.",
    "This file holds case references: store and share it as personal data.",
]


SAMPLE_INSTRUCTIONS = [
    "",
    "This is a sampled trawl: the mothers listed are a stratified random sample, not everyone eligible. "
    "Please read every listed file: a file left unread cannot be replaced by another without biasing the "
    "estimates. sampling_weight is how many mothers each listed mother stands for.",
]


def write_worklist(path: Path, mothers: pd.DataFrame, sampled: bool = False) -> None:
    """Write the form for `mothers` (rows of assets/sql/publish_worklist.sql) to `path`; `sampled`:
    they are a sampled trawl's sample."""
    workbook = Workbook()
    form = workbook.active
    form.title = "trawl form"
    reference_columns = (*REFERENCE_COLUMNS, *SAMPLE_COLUMNS) if sampled else REFERENCE_COLUMNS
    header = [*CASE_FILE_REVIEW.columns, *reference_columns]
    form.append(header)
    for record in mothers.to_dict("records"):
        form.append([spreadsheet_cell(record.get(column)) for column in header])
    last_row = max(len(mothers) + 1, 2)

    for position, column in enumerate(header, start=1):
        letter = get_column_letter(position)
        form.column_dimensions[letter].width = max(14, len(column) + 2)
        form.cell(row=1, column=position).font = Font(bold=True)
        if column in (*PREFILLED_COLUMNS, *reference_columns):
            for row in range(1, last_row + 1):
                form.cell(row=row, column=position).fill = _DO_NOT_EDIT
        if column.endswith(("_date", "_on")):
            for row in range(2, last_row + 1):
                form.cell(row=row, column=position).number_format = "yyyy-mm-dd"
    form.freeze_panes = "C2"

    def validate(validation: DataValidation, column: str) -> None:
        letter = get_column_letter(header.index(column) + 1)
        validation.add(f"{letter}2:{letter}{last_row}")
        form.add_data_validation(validation)

    for column in ("in_care_as_child", "mental_health", "domestic_abuse", "learning_disability"):
        validate(_choice(YES_NO_UNKNOWN), column)
    validate(_choice(SUBSTANCE_MISUSE), "substance_misuse")
    validate(_whole_number(0, 30), "children_removed_before")
    validate(_whole_number(10, 60), "age_at_first_pregnancy")
    form.cell(row=1, column=header.index("removal_reasons") + 1).comment = Comment(
        "Any of: " + "; ".join(REMOVAL_REASONS) + ". Separate several with ';'.", "trawl"
    )

    notes = workbook.create_sheet("how to fill in")
    notes.column_dimensions["A"].width = 120
    for line in INSTRUCTIONS + (SAMPLE_INSTRUCTIONS if sampled else []):
        notes.append([neutralise_formula(line)])
    notes["A1"].font = Font(bold=True, size=14)
    workbook.save(path)


def _choice(options: tuple[str, ...]) -> DataValidation:
    validation = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
    validation.error = "Choose " + ", ".join(options)
    validation.errorTitle = "Not one of the choices"
    validation.showErrorMessage = True
    return validation


def _whole_number(low: int, high: int) -> DataValidation:
    validation = DataValidation(type="whole", operator="between", formula1=str(low), formula2=str(high), allow_blank=True)
    validation.error = f"A whole number from {low} to {high}, or blank if not known"
    validation.showErrorMessage = True
    return validation

