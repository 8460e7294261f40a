"""The disclosure audit: an attacker with only the published tables and the README's relations.

Unit cases where the attack is known by hand, then three small multi-authority runs (400
mothers, 3 authorities, seeds 1-3, simulated by `trawl synth`) whose published tables must give
nothing away."""

import shutil

import duckdb
import pandas as pd
import pytest
from conftest import materialize_sources
from outputs_fixtures import materialize_outputs, write_core_tables
from synth_core import core_tables_from_synth

from publish.disclosure import SUPPRESSED
from publish.disclosure_audit import LinearSystem, audit, audit_system
from publish.published_tables import AUTHORITY_ORDER, PUBLISHED_TABLES, _cells_to_hide

SEEDS = (1, 2, 3)


def test_a_shown_percentage_gives_its_hidden_denominator_away():
    """16 mothers shown as 53.3% of a hidden cohort: 16 / 0.5335 = 29.99 to 16 / 0.5325 = 30.05,
    so the cohort is 30, and a hidden 3 beside 27 in it is then 3."""
    system = LinearSystem()
    cohort, part, small, other = (("t", i, "n") for i in range(4))
    for cell, value in ((cohort, SUPPRESSED), (part, "16"), (small, SUPPRESSED), (other, "27")):
        system.add_cell(cell, value, f"cell {cell[1]}")
    system.percentage("53.3", part, cohort)
    system.equal(cohort, [small, other])
    findings = {finding.what: (finding.low, finding.high) for finding in audit_system(system, 5)}
    assert findings == {"cell 2": (3, 3)}  # the cohort (30) is pinned but not small; the 3 is
    # Without the percentage, nothing pins either: the cohort is anything from 27 up.
    system.inequalities.clear()
    assert audit_system(system, 5) == []


def test_two_hidden_cells_in_a_total_are_not_enough_when_another_relation_pins_one():
    """Years add to 'all' (10 = 3 + 2 + 5, with 3 and 2 hidden), and recurrent sets <= sets with a
    shown recurrent count of 3 in the first year: then 3 <= first year <= 5 - 0, and the cumulative
    difference 'sets that were not recurrent' in that year is 0..2: small, so it is a finding."""
    frame = pd.DataFrame({
        "la_code": ["all"] * 4, "financial_year": ["2019/20", "2020/21", "2021/22", "all"],
        "sets": [SUPPRESSED, SUPPRESSED, "5", "10"], "recurrent_sets": ["3", "0", "0", "3"],
        "recurrent_pct": [None, None, "0", "30"],
        **{column: ["0"] * 4 for column in ("mothers", "recurrent_mothers", "children",
                                             "children_in_recurrent_sets", "babies_under_4_weeks_in_recurrent_sets")},
    })
    frame[["mothers", "children"]] = frame[["sets", "sets"]].to_numpy()
    findings = audit({"prevalence_by_year": frame}, 5)
    assert any(f.what == "prevalence all 2019/20: sets that were not recurrent" and (f.low, f.high) == (0, 2)
               for f in findings)


def test_the_cell_hidden_next_is_one_that_pins_the_finding():
    """x0 = x1 = x2 (all hidden), 4 <= x2 <= 6: so x0 is 4..6. The shown cells that pin it (4 and
    6) are two relations away from x0; the 100 next to it (x0 <= 100) pins nothing. Suppression
    hides the 4, and then x0 is anything from 0 to 6."""
    system = LinearSystem()
    x0, x1, x2, low, high, far = (("t", i, "n") for i in range(6))
    for cell, value in ((x0, SUPPRESSED), (x1, SUPPRESSED), (x2, SUPPRESSED), (low, "4"), (high, "6"), (far, "100")):
        system.add_cell(cell, value, f"cell {cell[1]}")
    system.equal(x0, [x1])
    system.equal(x1, [x2])
    system.at_most([low], [x2])
    system.at_most([x2], [high])
    system.at_most([x0], [far])
    findings = audit_system(system, 5)
    assert [(f.what, f.low, f.high) for f in findings] == [("cell 0", 4, 6), ("cell 1", 4, 6), ("cell 2", 4, 6)]
    assert set(findings[0].pinned_by) == {low, high}
    assert _cells_to_hide(findings, system, "t", pd.DataFrame(index=range(6))) == {(3, "n")}
    system.values[low] = None
    assert audit_system(system, 5) == []


def test_a_small_last_step_hides_the_year_before_not_the_headline():
    """All mothers of the 2,000-mother demo: 447 returns within 6 years and 448 within 7, so year 7
    less year 6 is one woman. Hiding year 6 leaves 448 - 443 = 5 returns between the shown years 5
    and 7, and the 7-year estimate (the headline) stays shown; so does a step of 0."""
    events = [79, 319, 398, 429, 443, 447, 448]
    frame = pd.DataFrame({
        "la_code": "all", "grouping": "all", "group_name": "all", "group_order": 0, "years": range(1, 8),
        "at_risk": [1849, 1532, 1379, 1268, 1191, 1117, 1029], "events": events,
        "probability": [0.0408, 0.1676, 0.2112, 0.2295, 0.2382, 0.2408, 0.2416],
        "ci_low": [0.0329, 0.1515, 0.1935, 0.2111, 0.2194, 0.2219, 0.2226],
        "ci_high": [0.0506, 0.1851, 0.2304, 0.2493, 0.2583, 0.2611, 0.2618],
    })
    published = PUBLISHED_TABLES["return_within_years"].publish(frame, smallest_count_shown=5)
    assert list(published["events"]) == ["79", "319", "398", "429", "443", SUPPRESSED, "448"]
    assert list(published["probability"])[-1] == "0.2416"
    assert audit({"return_within_years": published}, 5) == []

    frame["events"] = [79, 319, 398, 429, 443, 448, 448]  # no return in year 7: nothing to hide
    published = PUBLISHED_TABLES["return_within_years"].publish(frame, smallest_count_shown=5)
    assert SUPPRESSED not in list(published["events"])


@pytest.fixture(scope="module")
def demos(tmp_path_factory):
    """Three outputs runs on simulated multi-authority core tables: seed -> published by-authority tables."""
    base = tmp_path_factory.mktemp("audit")
    empty = base / "empty.duckdb"
    assert materialize_sources(base / "landing", empty, ["case_file_review"]).success
    published = {}
    for seed in SEEDS:
        warehouse = base / f"seed{seed}.duckdb"
        shutil.copy(empty, warehouse)
        write_core_tables(warehouse, core_tables_from_synth(400, seed, authorities=3))
        result = materialize_outputs(warehouse, base / f"outputs{seed}")
        assert result.success
        assert all(check.passed for check in result.get_asset_check_evaluations())
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            published[seed] = {
                name: conn.execute(f"select * from marts.published_{name}_by_authority "
                                   f"order by {AUTHORITY_ORDER}, {table.order_by}").fetch_df()
                for name, table in PUBLISHED_TABLES.items()
            }
    return published


@pytest.mark.parametrize("seed", SEEDS)
def test_published_tables_pass_the_audit(demos, seed):
    tables = demos[seed]
    assert len(set(tables["prevalence_by_year"]["la_code"])) == 5  # 'all', 3 authorities, the neighbour
    assert audit(tables, smallest_count_shown=5) == []
    # And the overall figures a commissioner needs first are still there.
    everyone = tables["prevalence_by_year"].query("la_code == 'all' and financial_year == 'all'").iloc[0]
    assert everyone["sets"] != SUPPRESSED and everyone["recurrent_sets"] != SUPPRESSED
    returns = tables["return_within_years"].query("la_code == 'all' and group_name == 'all'")
    assert returns["probability"].iloc[-1] != SUPPRESSED  # the longest follow-up, the report's headline
