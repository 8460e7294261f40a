"""Regional mode: every mart by authority as well as overall, suppressed as one table, and the
per-authority figures in the report and workbook when there is more than one authority."""

import openpyxl
import pytest
from conftest import materialize_sources, query
from outputs_fixtures import CoreTables, Mother, materialize_outputs, write_core_tables

from publish.disclosure import SUPPRESSED
from publish.published_tables import PUBLISHED_TABLES

NORTH, SOUTH = "E06000008", "E06000009"


def _region() -> CoreTables:
    """North: 10 single-set mothers in 2019/20 and 4 returning mothers (2019 then 2021). South: 8
    single-set mothers in 2021/22. One mother moves: her first set in North, her second in South."""
    return CoreTables(mothers=[
        *(Mother(f"N{i}", ["2019-06-01"], la_codes=[NORTH]) for i in range(10)),
        *(Mother(f"R{i}", ["2019-07-01", "2021-07-01"], la_codes=[NORTH, NORTH]) for i in range(4)),
        *(Mother(f"S{i}", ["2021-09-01"], la_codes=[SOUTH]) for i in range(8)),
        Mother("MOVER", ["2019-08-01", "2021-08-01"], la_codes=[NORTH, SOUTH]),
    ])


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """One outputs run on _region(): (warehouse, outputs folder, result)."""
    base = tmp_path_factory.mktemp("region")
    warehouse = base / "trawl.duckdb"
    assert materialize_sources(base / "landing", warehouse, ["case_file_review"]).success
    write_core_tables(warehouse, _region())
    result = materialize_outputs(warehouse, base / "outputs")
    assert result.success
    return warehouse, base / "outputs", result


def test_prevalence_by_authority_follows_mothers_across_authorities(region):
    warehouse, _, _ = region
    rows = {(la, year): (sets, recurrent, mothers) for la, year, sets, recurrent, mothers in query(warehouse, """
        select la_code, financial_year, sets, recurrent_sets, mothers from marts.prevalence_by_year_by_authority""")}
    # The mover's second set is recurrent in South although her first was in North.
    assert rows[(SOUTH, "2021/22")] == (9, 1, 9)
    assert rows[(NORTH, "2021/22")] == (4, 4, 4)
    assert rows[(NORTH, "2019/20")] == (15, 0, 15)
    assert rows[(SOUTH, "2019/20")] == (0, 0, 0)  # every authority has every year
    assert rows[("all", "all")] == (28, 5, 23)
    # The overall mart is the 'all' rows, as the data contract lays it out.
    overall = query(warehouse, "select * from marts.prevalence_by_year")
    assert overall == query(warehouse, """
        select * exclude (la_code) from marts.prevalence_by_year_by_authority where la_code = 'all'""")


def test_mothers_are_followed_and_described_in_the_authority_of_their_first_set(region):
    warehouse, _, _ = region
    returns = dict(query(warehouse, """
        select la_code, events from marts.return_within_years_by_authority where group_name = 'all' and years = 3"""))
    assert returns == {"all": 5, NORTH: 5, SOUTH: 0}  # the mover returned from North
    cohort = dict(query(warehouse, """
        select la_code, mothers from marts.baseline_characteristics_by_authority
        where cohort = 'recurrent mothers' and characteristic = 'mothers in cohort'"""))
    assert cohort == {"all": 5, NORTH: 5, SOUTH: 0}
    costs = query(warehouse, "select distinct la_code from marts.cost_estimates_by_authority order by 1")
    assert costs == [(NORTH,), (SOUTH,), ("all",)]


@pytest.mark.parametrize("name", list(PUBLISHED_TABLES))
def test_no_authority_figure_can_be_worked_out_from_the_total(region, name):
    """Wherever the authorities add up to 'all', never exactly one cell of the sum is hidden."""
    warehouse, _, result = region
    table = PUBLISHED_TABLES[name]
    with_c = query(warehouse, f"select count(*) from marts.published_{name}_by_authority where "
                   + " or ".join(f"{column} = 'c'" for column in table.counts))[0][0]
    if name == "prevalence_by_year":
        assert with_c > 0  # South's one recurrent set, and what gives it away
    for column in table.counts:
        keys = ", ".join(table.keys)
        groups = query(warehouse, f"""
            select {keys}, count(*) filter (where {column} = 'c')
            from marts.published_{name}_by_authority group by {keys}""")
        assert all(hidden != 1 for *_, hidden in groups), (column, groups)
    assert all(check.passed for check in result.get_asset_check_evaluations())


def test_published_overall_is_the_all_rows_of_the_published_by_authority_table(region):
    warehouse, _, _ = region
    for name in PUBLISHED_TABLES:
        assert query(warehouse, f"select * from marts.published_{name} order by all") == query(warehouse, f"""
            select * exclude (la_code) from marts.published_{name}_by_authority where la_code = 'all' order by all""")
    south = query(warehouse, f"""select recurrent_sets from marts.published_prevalence_by_year_by_authority
        where la_code = '{SOUTH}' and financial_year = '2021/22'""")
    assert south == [(SUPPRESSED,)]


def test_report_and_workbook_show_each_authority(region):
    _, outputs, _ = region
    html = (outputs / "published" / "report.html").read_text()
    assert '<h2 id="authorities">' in html and NORTH in html and SOUTH in html
    workbook = openpyxl.load_workbook(outputs / "published" / "trawl_tables.xlsx")
    assert workbook.sheetnames[-5:] == [
        "Prevalence by authority", "Returns by authority", "Baseline by authority", "Costs by authority",
        "Service by authority"]
    header = next(workbook["Prevalence by authority"].iter_rows(values_only=True))
    assert header[:2] == ("la_code", "financial_year")


def test_one_authority_gets_no_authority_section(landing, warehouse, tmp_path):
    assert materialize_sources(landing, warehouse, ["case_file_review"]).success
    write_core_tables(warehouse, CoreTables(mothers=[Mother(f"M{i}", ["2020-05-01"]) for i in range(6)]))
    assert materialize_outputs(warehouse, tmp_path / "outputs").success
    html = (tmp_path / "outputs" / "published" / "report.html").read_text()
    assert 'id="authorities"' not in html
    workbook = openpyxl.load_workbook(tmp_path / "outputs" / "published" / "trawl_tables.xlsx")
    assert "Costs by authority" not in workbook.sheetnames
