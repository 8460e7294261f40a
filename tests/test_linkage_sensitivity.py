"""The linkage ranges, end to end on `trawl synth` data: they hold the published figures, the
report shows them (as a person sees it, in headless Chromium), and deciding every pair in the
review workbook as the truth files say closes them."""

import shutil
import subprocess
from pathlib import Path

import dagster as dg
import openpyxl
import pytest
from conftest import query

from linkage.clerical_review import DECISIONS_FOLDER
from pipelines.cli import main, run_trawl

CHROMIUM = "/usr/bin/chromium"


def _trawl(landing: Path, warehouse: Path) -> None:
    assert run_trawl(landing, warehouse, instance=dg.DagsterInstance.ephemeral()).success


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("sensitivity")
    landing, warehouse = base / "landing", base / "warehouse" / "trawl.duckdb"
    assert main(["synth", "--mothers", "300", "--seed", "7", "--out", str(landing)]) == 0
    _trawl(landing, warehouse)
    return landing, warehouse


def _true_person(warehouse: Path, landing: Path) -> dict[str, str]:
    """Each node's true person (the one most of its records are), from the truth files."""
    truth, pre_proceedings = landing / "truth" / "person_records.csv", landing / "truth" / "pre_proceedings.csv"
    return dict(query(warehouse, f"""
        select c.node_id, mode(t.true_person_id)
        from linkage.person_clusters c
        join (
            select source, source_case_ref, person_ref, true_person_id
            from read_csv('{truth}', all_varchar = true)
            union all
            select 'pre_proceedings', pre_proceedings_ref, role, true_person_id
            from read_csv('{pre_proceedings}', all_varchar = true)
        ) t using (source, source_case_ref, person_ref)
        group by c.node_id"""))


@pytest.fixture(scope="module")
def resolved_run(first_run, tmp_path_factory):
    """The same extracts with every pair of the first run's review workbook decided by the truth."""
    landing, warehouse = first_run
    truth = _true_person(warehouse, landing)
    workbook = openpyxl.load_workbook(warehouse.parent / "restricted" / "review_queue.xlsx")
    sheet = workbook["Pairs to review"]
    header = [cell.value for cell in sheet[1]]
    left, right = header.index("left_id"), header.index("right_id")
    decided = 0
    for row in sheet.iter_rows(min_row=2):
        same = truth[row[left].value] == truth[row[right].value]
        row[0].value = "match" if same else "not a match"
        decided += 1
    base = tmp_path_factory.mktemp("resolved")
    resolved_landing, resolved_warehouse = base / "landing", base / "warehouse" / "trawl.duckdb"
    shutil.copytree(landing, resolved_landing)
    (resolved_landing / DECISIONS_FOLDER).mkdir()
    workbook.save(resolved_landing / DECISIONS_FOLDER / "review_queue.xlsx")
    _trawl(resolved_landing, resolved_warehouse)
    return resolved_warehouse, decided


def test_every_range_holds_its_published_figure_and_uncertain_links_widen_some(first_run):
    _, warehouse = first_run
    rows = query(warehouse, """
        select s.estimate, s.value, s.linkage_low, s.linkage_high, s.pairs_in_review
        from marts.linkage_sensitivity s where s.value is not null""")
    assert {estimate for estimate, *_ in rows} == {"recurrent_sets", "recurrent_pct", "recurrent_mothers",
                                                    "probability", "value"}
    assert all(low <= value <= high for _, value, low, high, _ in rows)
    assert any(high > low for _, _, low, high, _ in rows)
    in_review = query(warehouse, "select count(*) from linkage.review_queue where role = 'mother'")[0][0]
    assert {pairs for *_, pairs in rows} == {in_review} and in_review > 0
    # The upper clustering links more: it can only add recurrent sets overall.
    (low, value, high), = query(warehouse, """
        select linkage_low, value, linkage_high from marts.linkage_sensitivity
        where source_table = 'prevalence_by_year' and row_key = 'all' and estimate = 'recurrent_sets'""")
    assert low == value == query(warehouse, "select recurrent_sets from marts.prevalence_by_year "
                                            "where financial_year = 'all'")[0][0] and high > value


def test_published_ranges_are_hidden_with_their_figures(first_run):
    _, warehouse = first_run
    hidden_years = {year for (year,) in query(warehouse, """
        select financial_year from marts.published_prevalence_by_year where recurrent_sets = 'c'""")}
    assert hidden_years
    shown = query(warehouse, """
        select row_key, linkage_low, linkage_high from marts.published_linkage_sensitivity
        where source_table = 'prevalence_by_year' and estimate = 'recurrent_sets'""")
    assert all(low == high == "c" for year, low, high in shown if year in hidden_years)
    assert all(low == "c" or not 1 <= float(low) <= 4 for _, low, _ in shown)


def test_the_report_shows_the_ranges(first_run, tmp_path):
    _, warehouse = first_run
    report = warehouse.parent / "outputs" / "report.html"
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
         report.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    (value, low, high), = query(warehouse, """
        select value, linkage_low, linkage_high from marts.published_linkage_sensitivity
        where source_table = 'prevalence_by_year' and row_key = 'all' and estimate = 'recurrent_pct'""")
    assert f"{float(value):.1f}% (linkage range {float(low):.1f}% to {float(high):.1f}%)" in dom
    in_review = query(warehouse, "select any_value(pairs_in_review) from marts.linkage_sensitivity")[0][0]
    assert "How far the figures rest on uncertain links" in dom
    assert f"{in_review:,} pairs of records are still waiting for clerical review" in dom
    wide = query(warehouse, """
        select row_key, value, linkage_low, linkage_high from marts.published_linkage_sensitivity
        where source_table = 'prevalence_by_year' and estimate = 'recurrent_sets' and linkage_low <> 'c'
            and linkage_low <> linkage_high""")
    assert wide
    for year, value, low, high in wide:  # in the table too, beside the year's recurrent sets
        assert f"{int(value):,} (linkage range {int(low):,} to {int(high):,})" in dom, year


def test_deciding_every_review_pair_by_the_truth_closes_every_range(first_run, resolved_run):
    resolved_warehouse, decided = resolved_run
    _, warehouse = first_run
    assert decided == query(warehouse, "select count(*) from linkage.review_queue")[0][0]
    assert query(resolved_warehouse, "select count(*) from linkage.review_queue")[0][0] == 0
    widths = query(resolved_warehouse, """
        select count(*), count(*) filter (where linkage_low is distinct from linkage_high), max(pairs_in_review)
        from marts.linkage_sensitivity""")[0]
    assert widths[0] > 100 and widths[1:] == (0, 0)
    report = (resolved_warehouse.parent / "outputs" / "report.html").read_text()
    assert "No pair of records is waiting for clerical review" in report


def test_seeded_draws_lie_between_the_lower_and_upper_clusterings(first_run, tmp_path):
    from dagster_duckdb import DuckDBResource

    from assets.linkage_sensitivity import marts_linkage_sensitivity
    from linkage.pseudonyms import Pseudonymiser
    from linkage.settings import LINKAGE_CONFIG, LinkageConfig

    _, warehouse = first_run
    copy = tmp_path / "trawl.duckdb"
    shutil.copy(warehouse, copy)
    config = tmp_path / "linkage.yaml"
    config.write_text(LINKAGE_CONFIG.read_text().replace("  draws: 0", "  draws: 3"))
    assert "draws: 3" in config.read_text()
    resources = {"duckdb": DuckDBResource(database=str(copy)), "linkage": LinkageConfig(path=str(config)),
                 "pseudonymiser": Pseudonymiser()}
    result = dg.materialize([marts_linkage_sensitivity], resources=resources)
    assert result.success
    assert set(result.asset_materializations_for_node("marts_linkage_sensitivity")[0]
               .metadata["seconds_per_variant"].value) == {"lower", "upper", "draw 1", "draw 2", "draw 3"}
    rows = query(copy, """
        select linkage_low, draws_low, draws_high, linkage_high from marts.linkage_sensitivity
        where estimate = 'recurrent_sets'""")
    # Adding links can only make more sets recurrent, so every draw lies between the two ends.
    assert all(low <= draw_low <= draw_high <= high for low, draw_low, draw_high, high in rows)
    assert any(draw_high > low for low, _, draw_high, _ in rows)
