"""Make values safe to put in spreadsheet cells: Excel must never run one as a formula.

A value such as `=HYPERLINK(...)` or `+cmd|...` typed into a source system would otherwise run
when someone opens a CSV or XLSX the project wrote (CSV/formula injection). Every writer passes
each cell through `neutralise_formula` (or `spreadsheet_cell`, which also converts the value).
Numbers and dates are left alone: they cannot be formulas, and a negative number must stay a number.
"""

import datetime

import pandas as pd

# Characters that make Excel, LibreOffice or Google Sheets read a cell as a formula (or that
# hide one after them: a leading tab or carriage return).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """Text that a spreadsheet would read as a formula gets a leading `'`; anything else is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def spreadsheet_cell(value: object) -> object:
    """A warehouse value as a safe cell: blanks empty, dates as dates, lists joined with '; '."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.date()
    elif hasattr(value, "item") and pd.api.types.is_scalar(value):
        value = value.item()  # numpy number -> Python number
    elif not isinstance(value, str) and hasattr(value, "__iter__"):
        value = "; ".join(str(item) for item in value)
    if not isinstance(value, datetime.date | str | bool | int | float):
        value = str(value)
    return neutralise_formula(value)
