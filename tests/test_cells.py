"""Formula neutralisation: no text the project writes to a spreadsheet can run as a formula."""

import datetime

import numpy as np
import pandas as pd
import pytest

from publish.cells import neutralise_formula, spreadsheet_cell


@pytest.mark.parametrize("text", [
    "=HYPERLINK(\"http://x\",\"click\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1",
])
def test_text_that_starts_a_formula_gets_an_apostrophe(text):
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("value", ["LV19C00142", "2019/20", "c", "", "a=b", -3, 2.5, datetime.date(2020, 1, 1), None])
def test_other_values_are_left_alone(value):
    assert neutralise_formula(value) == value


def test_spreadsheet_cell_converts_then_neutralises():
    assert spreadsheet_cell(pd.Timestamp("2021-03-04")) == datetime.date(2021, 3, 4)
    assert spreadsheet_cell(np.int64(7)) == 7 and isinstance(spreadsheet_cell(np.int64(7)), int)
    assert spreadsheet_cell(np.array(["=A1", "LGL-1"])) == "'=A1; LGL-1"
    assert spreadsheet_cell(["LGL-1", "LGL-2"]) == "LGL-1; LGL-2"
    assert spreadsheet_cell(pd.NA) is None and spreadsheet_cell(float("nan")) is None
    assert spreadsheet_cell("-1 DROP") == "'-1 DROP"
    assert spreadsheet_cell(-1) == -1
