"""trawl_tables.xlsx: the published (disclosure-controlled) tables, one sheet each, and a notes sheet.

Written only from the `marts.published_*` copies. Counts and rates are numbers where shown and
the text `c` where hidden; every text cell goes through neutralise_formula.
"""

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from publish.cells import neutralise_formula, spreadsheet_cell
from publish.disclosure import SUPPRESSED
from publish.published_tables import PublishedTable


def write_tables_workbook(
    path: Path,
    sheets: list[tuple[str, PublishedTable, pd.DataFrame]],
    notes: list[tuple[str, str]],
) -> None:
    """`sheets`: (sheet name, the table it is a copy of, its published rows).
    `notes`: (heading, text) pairs for the first sheet: definitions, suppression rule, caveats."""
    workbook = Workbook()
    about = workbook.active
    about.title = "notes"
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 120
    about.append(["Recurrent care proceedings: published tables"])
    about["A1"].font = Font(bold=True, size=14)
    for heading, text in notes:
        about.append([neutralise_formula(heading), neutralise_formula(text)])
        about.cell(row=about.max_row, column=1).font = Font(bold=True)

    for title, table, frame in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(list(frame.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for record in frame.itertuples(index=False):
            sheet.append([
                _shown_number(value) if column in table.numeric_columns else spreadsheet_cell(value)
                for column, value in zip(frame.columns, record)
            ])
        for position, column in enumerate(frame.columns, start=1):
            sheet.column_dimensions[get_column_letter(position)].width = max(12, min(60, len(column) + 2))
        sheet.freeze_panes = "A2"
    workbook.save(path)



def _shown_number(value: str | None) -> object:
    """A published count or rate: a number where shown, the text `c` where hidden."""
    if value is None or value == SUPPRESSED:
        return value
    number = float(value)
    return int(number) if number.is_integer() else number
