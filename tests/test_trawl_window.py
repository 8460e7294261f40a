"""Trawl windows: which sets a run counts, set in run config and recorded with the run."""

import datetime

import dagster as dg
import openpyxl
import pytest
from conftest import materialize_sources, query
from outputs_fixtures import CoreTables, Mother, materialize_outputs, write_core_tables

from pipelines.cli import build_parser, trawl_window_from_args
from publish.trawl_window import TrawlWindow

END = datetime.date(2025, 3, 31)


@pytest.mark.parametrize(("window", "start", "end"), [
    (TrawlWindow(), None, None),
    (TrawlWindow(kind="last_12_months"), datetime.date(2024, 4, 1), END),
    (TrawlWindow(kind="last_24_months"), datetime.date(2023, 4, 1), END),
    (TrawlWindow(kind="range", start="2020-04-01", end="2021-03-31"),
     datetime.date(2020, 4, 1), datetime.date(2021, 3, 31)),
    (TrawlWindow(kind="range", start="2020-04-01"), datetime.date(2020, 4, 1), None),
])
def test_window_bounds(window, start, end):
    bounds = window.bounds(END)
    assert (bounds.start, bounds.end) == (start, end)


def test_last_months_from_a_month_end():
    assert TrawlWindow(kind="last_12_months").bounds(datetime.date(2024, 2, 29)).start == datetime.date(2023, 3, 1)


@pytest.mark.parametrize("window", [
    TrawlWindow(kind="range"),
    TrawlWindow(kind="range", start="2021-01-01", end="2020-01-01"),
    TrawlWindow(kind="range", start="31/03/2021"),
    TrawlWindow(kind="last_12_months", start="2021-01-01"),
])
def test_a_window_that_makes_no_sense_stops_the_run(window):
    with pytest.raises(dg.Failure):
        window.bounds(END)


@pytest.mark.parametrize(("argv", "expected"), [
    ([], TrawlWindow()),
    (["--window", "last_24_months"], TrawlWindow(kind="last_24_months")),
    (["--window-start", "2020-04-01", "--window-end", "2022-03-31"],
     TrawlWindow(kind="range", start="2020-04-01", end="2022-03-31")),
])
def test_cli_options_make_the_window(argv, expected):
    args = build_parser().parse_args(["run", "--landing", "l", "--warehouse", "w.duckdb", *argv])
    window = trawl_window_from_args(args)
    assert window == expected
    assert window.run_config() == {"resources": {"trawl_window": {"config": expected.model_dump(exclude_none=True)}}}


def test_cli_refuses_dates_with_a_rolling_window():
    args = build_parser().parse_args(["run", "--landing", "l", "--warehouse", "w.duckdb",
                                      "--window", "last_12_months", "--window-start", "2020-01-01"])
    with pytest.raises(SystemExit):
        trawl_window_from_args(args)


def _mothers() -> CoreTables:
    """Extract end 2025-03-31 (the EPO). In the last 12 months: A's second set (recurrent, her
    first was in 2019) and B's only set. C's sets are both before the window."""
    return CoreTables(
        mothers=[
            Mother("A", ["2019-05-01", "2024-06-01"]),
            Mother("B", ["2024-09-01"], care_experienced=True),
            Mother("C", ["2018-05-01", "2020-05-01"]),
        ],
        non_s31_dates=["2025-03-31"],
    )


def test_window_scopes_prevalence_and_worklist_but_recurrence_looks_back(landing, warehouse, tmp_path):
    assert materialize_sources(landing, warehouse, ["case_file_review"]).success
    write_core_tables(warehouse, _mothers())
    outputs = tmp_path / "outputs"
    result = materialize_outputs(warehouse, outputs, window=TrawlWindow(kind="last_12_months"))
    assert result.success

    assert query(warehouse, "select financial_year, sets, recurrent_sets, mothers from marts.prevalence_by_year") == [
        ("2024/25", 2, 1, 2), ("all", 2, 1, 2)]
    assert query(warehouse, "select kind, window_start, window_end, description from marts.trawl_window") == [(
        "last_12_months", datetime.date(2024, 4, 1), END,
        "sets issued in the 12 months to 31 March 2025 (1 April 2024 to 31 March 2025)")]
    form = openpyxl.load_workbook(outputs / "restricted" / "worklist" / "trawl_worklist.xlsx").worksheets[0]
    assert sorted(row[1] for row in form.iter_rows(min_row=2, values_only=True)) == ["A", "B"]  # not C
    assert "sets issued in the 12 months to 31 March 2025" in (outputs / "published" / "report.html").read_text()
    notes = dict(openpyxl.load_workbook(outputs / "published" / "trawl_tables.xlsx")["notes"].iter_rows(
        min_row=2, values_only=True))
    assert notes["Trawl window"].startswith("sets issued in the 12 months")
    # Return estimates use all the data: C's return in 2020 counts whatever the window.
    assert query(warehouse, """select events from marts.return_within_years
        where group_name = 'all' and years = 3""") == [(1,)]


def test_all_data_by_default(landing, warehouse, tmp_path):
    assert materialize_sources(landing, warehouse, ["case_file_review"]).success
    write_core_tables(warehouse, _mothers())
    assert materialize_outputs(warehouse, tmp_path / "outputs", ["marts_prevalence_by_year"]).success
    totals = query(warehouse, "select sets, recurrent_sets from marts.prevalence_by_year where financial_year = 'all'")
    assert totals == [(5, 2)]
    assert query(warehouse, "select kind, window_start, window_end from marts.trawl_window") == [("all", None, None)]
