"""Suppression rule on small tables built to need it: primary, secondary, linked cells, rates."""

import pandas as pd

from publish.disclosure import SUPPRESSED, TotalGroup, suppress


def _row_groups(frame, columns, total_row):
    parts = [row for row in frame.index if row != total_row]
    return [TotalGroup((total_row, column), tuple((row, column) for row in parts)) for column in columns]


def test_primary_hides_one_to_four_and_shows_zero():
    frame = pd.DataFrame({"n": [0, 1, 4, 5, None]})
    published = suppress(frame, ["n"], smallest_count_shown=5)
    assert list(published["n"]) == [0, SUPPRESSED, SUPPRESSED, 5, None]


def test_threshold_comes_from_the_caller():
    frame = pd.DataFrame({"n": [2, 3, 10]})
    assert list(suppress(frame, ["n"], smallest_count_shown=3)["n"]) == [SUPPRESSED, 3, 10]


def test_secondary_hides_the_next_smallest_non_zero_part():
    # Years add up to the total: 3 alone hidden would be 30 - 10 - 0 - 9 - 8.
    frame = pd.DataFrame({"n": [10, 3, 0, 9, 8, 30]}, index=["a", "b", "z", "c", "d", "total"])
    published = suppress(frame, ["n"], 5, totals=_row_groups(frame, ["n"], "total"))
    assert dict(published["n"]) == {"a": 10, "b": SUPPRESSED, "z": 0, "c": 9, "d": SUPPRESSED, "total": 30}


def test_no_secondary_when_two_are_already_hidden():
    frame = pd.DataFrame({"n": [10, 3, 2, 15]}, index=["a", "b", "c", "total"])
    published = suppress(frame, ["n"], 5, totals=_row_groups(frame, ["n"], "total"))
    assert list(published["n"]) == [10, SUPPRESSED, SUPPRESSED, 15]


def test_a_hidden_total_is_protected_too():
    frame = pd.DataFrame({"n": [0, 0, 3, 3]}, index=["a", "b", "c", "total"])
    published = suppress(frame, ["n"], 5, totals=_row_groups(frame, ["n"], "total"))
    assert list(published["n"]) == [0, 0, SUPPRESSED, SUPPRESSED]


def test_secondary_cascades_across_rows_and_columns():
    # A 2x2 table with row and column totals: hiding (r1, x) forces one more in row r1 and in
    # column x, which in turn forces a fourth cell so that no row or column has a single c.
    frame = pd.DataFrame(
        {"x": [2, 20, 22], "y": [30, 40, 70], "row_total": [32, 60, 92]}, index=["r1", "r2", "total"]
    )
    totals = [
        TotalGroup(("total", "x"), (("r1", "x"), ("r2", "x"))),
        TotalGroup(("total", "y"), (("r1", "y"), ("r2", "y"))),
        TotalGroup(("r1", "row_total"), (("r1", "x"), ("r1", "y"))),
        TotalGroup(("r2", "row_total"), (("r2", "x"), ("r2", "y"))),
    ]
    published = suppress(frame, ["x", "y", "row_total"], 5, totals=totals)
    hidden = {(r, c) for r in frame.index for c in frame.columns if published.at[r, c] == SUPPRESSED}
    assert hidden == {("r1", "x"), ("r1", "y"), ("r2", "x"), ("r2", "y")}


def test_cells_hidden_together_and_rates_from_hidden_counts():
    frame = pd.DataFrame({"sets": [3, 40], "mothers": [9, 38], "pct": [33.3, 12.5]})
    published = suppress(
        frame, ["sets", "mothers"], 5, hidden_together=[[(0, "sets"), (0, "mothers")]], rates={"pct": ("sets",)}
    )
    assert published.loc[0].tolist() == [SUPPRESSED, SUPPRESSED, SUPPRESSED]
    assert published.loc[1].tolist() == [40, 38, 12.5]
