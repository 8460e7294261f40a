"""The suites as Dagster asset checks: ERROR blocks, WARN reports, metadata and Data Docs name rows
(file and row number) but never show a name or a date of birth; Data Docs open in a browser."""

import html.parser
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import pytest
from conftest import write_source
from dagster_duckdb import DuckDBResource

from assets.ingest import raw_assets
from assets.quality_checks import SUITES, quality_checks
from assets.staging import staging_assets, staging_checks
from publish.output_folder import OutputFolder
from sources.landing import LandingFolder
from sources.layout import SOURCES
from warehouse.schema import ensure_warehouse

# Synthetic people whose names and dates of birth must never leave the warehouse.
ZOE = dict(mother_forename="Zoë", mother_surname="O'Neill", mother_dob="1995-06-01")
PRIYA = dict(mother_forename="Priya", mother_surname="Ramanathan", mother_dob="17/08/2001")
PERSONAL_VALUES = [
    "Zoë", "O'Neill", "O&#x27;Neill", "Priya", "Ramanathan", "Kezia", "Okonkwo",
    "1995-06-01", "01/06/1995", "2001-08-17", "17/08/2001", "1999-01-01", "1998-12-30", "30/12/1998",
]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def materialize_checked(assets: list, folder: Path) -> dg.ExecuteInProcessResult:
    """Materialise `assets` with every check on them, the warehouse and outputs in `folder`."""
    keys = {spec.key for asset in assets for spec in asset.specs}
    checks = [c for c in [*staging_checks, *quality_checks] if next(iter(c.check_keys)).asset_key in keys]
    return dg.materialize(
        [*assets, *checks],
        resources={
            "duckdb": DuckDBResource(database=str(folder / "trawl.duckdb")),
            "landing": LandingFolder(path=str(folder / "landing")),
            "outputs": OutputFolder(path=str(folder / "outputs")),
        },
        raise_on_error=False,
    )


@pytest.fixture(scope="module")
def checked_run(tmp_path_factory):
    """One run with a critical problem in legal, warnings only in court, and clean other sources."""
    folder = tmp_path_factory.mktemp("checked_run")
    landing = folder / "landing"
    write_source(landing, "legal", "legal.csv", [
        dict(legal_ref="LGL-1", court_case_no="LV19C00142", issue_date="2019-03-05", child_dob="2019-02-20", **ZOE),
        dict(legal_ref="LGL-2", issue_date="2090-01-01", child_dob="2019-02-20", **ZOE),             # row 3: future
        dict(legal_ref="LGL-3", issue_date="2020-01-05", child_dob="1999-01-01", **PRIYA),           # row 4: born after child
        dict(legal_ref="LGL-4", court_case_no="LV19C0142", issue_date="2021-01-05", **PRIYA),        # row 5: typo
    ])
    write_source(landing, "court", "court.csv", [
        dict(case_number="LV19C00142", issue_date="5-MAR-2019", application_type="C110A s31 care order",
             child_name="Amy O'Neill", child_dob="2019-02-20", respondent_1_name="Zoë O'Neill",
             respondent_1_dob="1995-06-01", respondent_1_relationship="mother"),
        dict(case_number="LV20X00001", issue_date="2020-01-05", application_type="C110A s31 care order",  # row 3
             child_name="Kezia Okonkwo", child_dob="30/12/1998", respondent_1_name="Priya Ramanathan",
             respondent_1_dob="17/08/2001", respondent_1_relationship="Mother"),
    ])
    write_source(landing, "cafcass", "cafcass.csv", [
        dict(case_id="CF-1", application_date="05/03/2019", application_type="s31 care", role="mother",
             person_id="P1", forename="Zoë", surname="O'Neill", dob="01/06/1995", postcode="LA1 4YW"),
    ])
    write_source(landing, "care_leavers", "leavers.csv", [dict(la_person_id="CL-1", forename="Zoë", dob="1995-06-01")])
    write_source(landing, "case_file_review", "forms.csv", [dict(review_id="CFR-1", **ZOE, in_care_as_child="y")])
    write_source(landing, "service_participants", "participants.csv", [
        dict(participant_id="PC-1", service="Positive Choices", forename="Zoë", surname="O'Neill", dob="1995-06-01",
             referral_date="2020-03-01", start_date="2020-04-01")])
    result = materialize_checked([*raw_assets, *staging_assets], folder)
    return result, folder / "outputs" / "data_docs"


def evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        e.asset_key.to_user_string(): e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "expectations"
    }


def test_critical_failure_is_a_blocking_error_and_names_the_rows(checked_run):
    result, _ = checked_run
    legal = evaluations(result)["staging_legal"]
    assert not legal.passed and legal.severity == dg.AssetCheckSeverity.ERROR
    assert legal.metadata["failed_critical"].value == 1
    assert legal.metadata["failed_warning"].value == 2
    failures = legal.metadata["failures"].value
    assert "| critical | column_values_to_be_between (issue_date) | 1 (25.0%) | legal/legal.csv row 3 |" in failures
    assert "column_pair_values_a_to_be_greater_than_b (child_dob, mother_dob) | 1 (33.3%) | legal/legal.csv row 4" in failures
    assert "column_values_to_match_regex (court_case_no) | 1 (50.0%) | legal/legal.csv row 5" in failures
    # A failed blocking check with ERROR fails the run, so run_trawl keeps the last good warehouse.
    assert not result.success


def test_warnings_only_report_and_let_the_run_go_on(checked_run):
    result, _ = checked_run
    checks = evaluations(result)
    court = checks["staging_court"]
    assert not court.passed and court.severity == dg.AssetCheckSeverity.WARN
    assert court.metadata["failed_critical"].value == 0
    failures = court.metadata["failures"].value
    assert "column_values_to_match_regex (case_number) | 1 (50.0%) | court/court.csv row 3" in failures
    assert "(child_dob, respondent_1_dob) where respondent_1_role == mother | 1 (50.0%) | court/court.csv row 3" in failures
    passed = {name for name, e in checks.items() if e.passed}
    assert passed == {f"{stage}_{source}" for stage in ("raw", "staging")
                      for source in SOURCES} - {
        "staging_legal", "staging_court"}


def test_no_name_or_date_of_birth_in_logs_metadata_or_data_docs(checked_run):
    result, docs = checked_run
    shown = [str(event.message) for event in result.all_events]
    shown += [repr(e.metadata) + str(e.description) for e in result.get_asset_check_evaluations()]
    shown += [path.read_text(encoding="utf-8") for path in docs.rglob("*") if path.suffix in (".html", ".json")]
    leaks = {value for value in PERSONAL_VALUES for text in shown if value in text}
    assert not leaks


def dump_dom(page: Path, tmp_path: Path) -> str:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (make browser installs it)")
    completed = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'chromium'}",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return completed.stdout


class TableRows(html.parser.HTMLParser):
    """The text of each row of the table with id `latest`, and every link on the page."""

    def __init__(self):
        super().__init__()
        self.rows: list[str] = []
        self.links: list[str] = []
        self._in_table = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == "latest":
            self._in_table = True
        elif tag == "tr" and self._in_table:
            self.rows.append("")
        elif tag == "td" and self._in_table:
            self.rows[-1] += " | "
        elif tag == "a":
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False

    def handle_data(self, data):
        if self._in_table and self.rows:
            self.rows[-1] += data


def test_data_docs_index_shows_every_suite_latest_result_in_a_browser(checked_run, tmp_path):
    result, docs = checked_run
    page = TableRows()
    page.feed(dump_dom(docs / "index.html", tmp_path))

    rows = {row.split()[1]: " ".join(row.split()) for row in page.rows[1:]}
    assert list(rows) == [suite.name for suite in SUITES]
    run = f"run {result.run_id}"
    assert "failed: the run stopped" in rows["staging.legal"] and run in rows["staging.legal"]
    assert "legal/legal.csv row 3" in rows["staging.legal"]
    assert "passed with warnings" in rows["staging.court"] and run in rows["staging.court"]
    for name in ("raw.legal", "raw.court", "raw.cafcass", "raw.care_leavers", "raw.case_file_review",
                 "staging.cafcass", "staging.care_leavers", "staging.case_file_review"):
        assert "passed" in rows[name] and run in rows[name], rows[name]
    for name in ("linkage.person_clusters", "core.mother_proceedings", "marts.baseline_characteristics",
                 "marts.prevalence_by_year", "marts.return_within_years"):
        assert "not run yet" in rows[name]
    assert all((docs / link).is_file() for link in page.links)


def test_data_docs_show_each_suite_latest_run_and_keep_the_earlier_ones(checked_run, tmp_path):
    first, docs = checked_run
    folder = Path(shutil.copytree(docs.parents[1], tmp_path / "trawl"))
    legal_only = [a for a in [*raw_assets, *staging_assets] if a.key.path[-1].endswith("_legal")]
    second = materialize_checked(legal_only, folder)

    page = TableRows()
    page.feed(dump_dom(folder / "outputs" / "data_docs" / "index.html", tmp_path))

    rows = {row.split()[1]: " ".join(row.split()) for row in page.rows[1:]}
    assert f"run {second.run_id}" in rows["raw.legal"] and f"run {second.run_id}" in rows["staging.legal"]
    assert f"run {first.run_id}" in rows["staging.court"]
    earlier = (folder / "outputs" / "data_docs" / "index.html").read_text().split('id="earlier"')[1]
    assert "staging.legal: " in earlier and f"run {first.run_id}" in earlier


# --- Suites on tables that later stages build -----------------------------------------------


def stand_in(name: str, select: str) -> dg.AssetsDefinition:
    """An asset writing table schema.table (from its name) the way the real stage would."""
    schema, table = name.split("_", 1)

    @dg.asset(name=name)
    def build(duckdb: DuckDBResource):
        with duckdb.get_connection() as conn:
            ensure_warehouse(conn)
            conn.execute(f"create or replace table {schema}.{table} as {select}")

    return build


WRONG_DOWNSTREAM_TABLES = [
    stand_in("linkage_person_clusters", """select * from (values
        ('legal', 'LGL-1', 'mother', 'mother', 'legal:LGL-1:mother', 'M1'),
        ('legal', 'LGL-1', 'mother', 'mother', 'legal:LGL-1:mother-2', 'M2'),
        ('court', 'LV19C00142', 'mother', 'respondent_1', 'court:LV19C00142:respondent_1', null))
        t(source, source_case_ref, role, person_ref, record_id, person_key)"""),
    stand_in("core_mother_proceedings", """select * from (values
        ('M1', 'S1', date '2019-03-05', '2018/19', 1, false, 23, 'E1'),
        ('M2', 'S1', date '2019-03-05', '2018/19', 1, true, 30, 'E1'),
        ('M1', 'S2', date '2020-06-01', '2020/21', 2, true, 24, 'E1'))
        t(person_key, proceedings_id, issue_date, financial_year, set_number, is_recurrent,
          mother_age_at_issue, la_code)"""),
    stand_in("marts_prevalence_by_year", """select * from (values
        ('2019/20', 10, 3, 30.0, 9, 2), ('2020/21', 4, 5, 125.0, 4, 1))
        t(financial_year, sets, recurrent_sets, recurrent_pct, mothers, recurrent_mothers)"""),
    stand_in("marts_return_within_years", """select * from (values
        ('all', 1, 0.10, 0.05, 0.15, 100), ('all', 2, 0.30, 0.32, 0.40, 80))
        t(group_name, years, probability, ci_low, ci_high, at_risk)"""),
    stand_in("marts_baseline_characteristics", """select * from (values
        ('all mothers', 'care experienced', 'yes', 10, 40.0), ('all mothers', 'care experienced', 'no', 15, 160.0))
        t(cohort, characteristic, value, mothers, pct)"""),
]
RIGHT_DOWNSTREAM_TABLES = [
    stand_in("linkage_person_clusters", """select * from (values
        ('legal', 'LGL-1', 'mother', 'mother', 'legal:LGL-1:mother', 'M1'),
        ('court', 'LV19C00142', 'mother', 'respondent_1', 'court:LV19C00142:respondent_1', 'M1'))
        t(source, source_case_ref, role, person_ref, record_id, person_key)"""),
    stand_in("core_mother_proceedings", """select * from (values
        ('M1', 'S1', date '2019-03-05', '2018/19', 1, false, 23, 'E1'),
        ('M1', 'S2', date '2020-06-01', '2020/21', 2, true, null, 'E1'))
        t(person_key, proceedings_id, issue_date, financial_year, set_number, is_recurrent,
          mother_age_at_issue, la_code)"""),
    stand_in("marts_prevalence_by_year", """select * from (values
        ('2019/20', 10, 3, 30.0, 9, 2), ('all', 10, 3, 30.0, 9, 2), ('2020/21', 0, 0, null, 0, 0))
        t(financial_year, sets, recurrent_sets, recurrent_pct, mothers, recurrent_mothers)"""),
    stand_in("marts_return_within_years", """select * from (values
        ('all', 1, 0.10, 0.05, 0.15, 100), ('20-24', 1, 0.0, null, null, 0))
        t(group_name, years, probability, ci_low, ci_high, at_risk)"""),
    stand_in("marts_baseline_characteristics", """select * from (values
        ('care experienced', 'yes', 10, 40.0), ('care experienced', 'no', 15, 60.0))
        t(characteristic, value, mothers, pct)"""),
]


def test_downstream_suites_stop_wrong_figures(tmp_path):
    checks = evaluations(materialize_checked(WRONG_DOWNSTREAM_TABLES, tmp_path))

    assert len(checks) == 5
    assert all(not e.passed and e.severity == dg.AssetCheckSeverity.ERROR for e in checks.values())
    expected = {
        "linkage_person_clusters": "compound_columns_to_be_unique (source, source_case_ref, role, person_ref) | 2 (66.7%) | record_id legal:LGL-1:mother; record_id legal:LGL-1:mother-2",
        "core_mother_proceedings": "column_values_to_be_unique (proceedings_id) | 2 (66.7%) | proceedings_id S1; proceedings_id S1",
        "marts_prevalence_by_year": "column_values_to_be_between (recurrent_pct) | 1 (50.0%) | financial_year 2020/21",
        "marts_return_within_years": "column_pair_values_a_to_be_greater_than_b (probability, ci_low) | 1 (50.0%) | group_name all, years 2",
        "marts_baseline_characteristics": "column_values_to_be_between (pct) | 1 (50.0%) | cohort all mothers, characteristic care experienced, value no",
    }
    for name, failure in expected.items():
        assert failure in checks[name].metadata["failures"].value, checks[name].metadata["failures"].value
    assert "column_values_to_be_in_set (is_recurrent) where set_number == 1 | 1 (50.0%) | proceedings_id S1" in (
        checks["core_mother_proceedings"].metadata["failures"].value
    )


def test_downstream_suites_pass_right_figures(tmp_path):
    checks = evaluations(materialize_checked(RIGHT_DOWNSTREAM_TABLES, tmp_path))

    assert len(checks) == 5
    assert {name: e.metadata["failures"].value for name, e in checks.items() if not e.passed} == {}


def test_code_location_loads_and_job_runs_before_later_stages_exist(tmp_path):
    """Checks on linkage, core and marts tables stay out of the job until those assets exist."""
    (tmp_path / "landing").mkdir()
    job = dg.define_asset_job("trawl", selection=dg.AssetSelection.all(), executor_def=dg.in_process_executor)
    defs = dg.Definitions(
        assets=[*raw_assets, *staging_assets],
        asset_checks=[*staging_checks, *quality_checks],
        jobs=[job],
        resources={
            "duckdb": DuckDBResource(database=str(tmp_path / "trawl.duckdb")),
            "landing": LandingFolder(path=str(tmp_path / "landing")),
            "outputs": OutputFolder(path=str(tmp_path / "outputs")),
        },
    )
    dg.Definitions.validate_loadable(defs)

    result = defs.resolve_job_def("trawl").execute_in_process(instance=dg.DagsterInstance.ephemeral())

    assert result.success
    checked = {e.asset_key.to_user_string() for e in result.get_asset_check_evaluations() if e.check_name == "expectations"}
    assert checked == {suite.asset for suite in SUITES if suite.name.startswith(("raw.", "staging."))}


def test_check_on_a_table_not_built_yet_says_so(tmp_path):
    """As when someone runs a check from the UI before its asset was ever materialised."""
    table = RIGHT_DOWNSTREAM_TABLES[2]  # marts_prevalence_by_year
    check = next(c for c in quality_checks if next(iter(c.check_keys)).asset_key == table.key)

    result = dg.materialize(
        [table, check],
        selection=dg.AssetSelection.checks(check),
        resources={
            "duckdb": DuckDBResource(database=str(tmp_path / "trawl.duckdb")),
            "outputs": OutputFolder(path=str(tmp_path / "outputs")),
        },
        raise_on_error=False,
    )

    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert evaluation.metadata["problem"].value == (
        "marts.prevalence_by_year does not exist: materialise marts_prevalence_by_year first"
    )
