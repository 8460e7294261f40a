"""For the outputs tests: hand-made core.* and linkage.person_clusters tables (shaped as
docs/core-tables.md describes), settings files, and a run of the outputs assets.

The linkage stage writes the real core tables; these tests build small known ones instead, so
every expected figure can be worked out by hand.
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
import yaml
from dagster_duckdb import DuckDBResource

from assets import marts, publish, sampled_trawl, service_evaluation
from publish.output_folder import OutputFolder
from publish.settings import DEFAULT_OUTPUTS_CONFIG, OUTPUTS_CONFIG_ENV_VAR
from publish.trawl_window import TrawlWindow
from warehouse.schema import ensure_warehouse

OUTPUT_ASSETS = [
    marts.marts_trawl_window, marts.marts_prevalence_by_year, marts.marts_return_within_years, marts.marts_baseline_characteristics,
    marts.every_mother_counted, marts.marts_cost_estimates, service_evaluation.marts_service_outcomes,
    *publish.published_assets, *publish.published_checks,
    publish.publish_report, publish.publish_workbook, publish.publish_worklist,
    sampled_trawl.core_case_file_sample,
]


def _asset_name(definition) -> str:
    if isinstance(definition, dg.AssetChecksDefinition):
        return next(iter(definition.check_keys)).asset_key.path[-1]
    return definition.key.path[-1]


def materialize_outputs(
    warehouse: Path, outputs: Path, names: list[str] | None = None, window: TrawlWindow | None = None
) -> dg.ExecuteInProcessResult:
    """Run the outputs assets (all, or those `names`d, with their checks, the trawl window and the
    case-file sample) against a real DuckDB file."""
    names = None if names is None else ["marts_trawl_window", "core_case_file_sample", *names]
    selection = [d for d in OUTPUT_ASSETS if names is None or _asset_name(d) in names]
    return dg.materialize(
        selection,
        resources={
            "duckdb": DuckDBResource(database=str(warehouse)),
            "outputs": OutputFolder(path=str(outputs / "published"), restricted_path=str(outputs / "restricted")),
            "trawl_window": window or TrawlWindow(),
        },
    )


def use_output_settings(folder: Path, monkeypatch, **changes: dict) -> Path:
    """A copy of config/outputs.yaml with some sections changed, used through TRAWL_OUTPUTS_CONFIG."""
    settings = yaml.safe_load(DEFAULT_OUTPUTS_CONFIG.read_text())
    for section, values in changes.items():
        settings[section].update(values)
    path = folder / "outputs.yaml"
    path.write_text(yaml.safe_dump(settings))
    monkeypatch.setenv(OUTPUTS_CONFIG_ENV_VAR, str(path))
    return path


@dataclass
class Mother:
    key: str
    set_dates: list[str]  # issue dates of her s31 sets, YYYY-MM-DD
    age_at_first_set: int | None = 25
    care_experienced: bool = False  # linked to a care-leaver record
    children: list[int] | None = None  # per set; default one child each
    babies_under_4_weeks: list[int] | None = None  # per set; default none
    child_ages: list[list[int]] | None = None  # per set, each child's age at issue; default babies 0, others 2
    father_ages: list[int | None] | None = None  # per set; default no father recorded
    father_key: str | None = None
    la_codes: list[str] | None = None  # per set; default LA_CODE


@dataclass
class CoreTables:
    mothers: list[Mother]
    sets_without_mother: list[str] = field(default_factory=list)  # s31 sets with no mother found
    non_s31_dates: list[str] = field(default_factory=list)  # e.g. EPOs, private law
    form_links: dict[str, str] = field(default_factory=dict)  # review_id -> person_key, by linkage


def financial_year(day: datetime.date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def _age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    return "under 20" if age < 20 else "20-24" if age < 25 else "25-29" if age < 30 else "30+"


LA_CODE = "E06000001"


def write_core_tables(warehouse: Path, tables: CoreTables) -> None:
    proceedings, mother_rows, father_rows, mother_summary = [], [], [], []
    number = 0

    def add_set(day: datetime.date, is_s31: bool, children: int, babies: int, la_code: str = LA_CODE,
                ages: list[int] | None = None) -> str:
        nonlocal number
        number += 1
        proceedings.append((
            f"P{number:04d}", day, financial_year(day), la_code, is_s31, children, babies,
            [f"LGL-{number:04d}"], [f"LV{day.year % 100:02d}C{number:05d}"], [f"CF-{number:04d}"],
            ages if ages is not None else [0] * babies + [2] * (children - babies),
        ))
        return f"P{number:04d}"

    for mother in tables.mothers:
        dates = sorted(datetime.date.fromisoformat(d) for d in mother.set_dates)
        children = mother.children or [1] * len(dates)
        babies = mother.babies_under_4_weeks or [0] * len(dates)
        la_codes = mother.la_codes or [LA_CODE] * len(dates)
        first = dates[0]
        for set_number, day in enumerate(dates, start=1):
            la_code = la_codes[set_number - 1]
            ages = None if mother.child_ages is None else mother.child_ages[set_number - 1]
            proceedings_id = add_set(day, True, children[set_number - 1], babies[set_number - 1], la_code, ages)
            age = None if mother.age_at_first_set is None else mother.age_at_first_set + (day - first).days // 365
            mother_rows.append((
                mother.key, proceedings_id, day, financial_year(day), set_number,
                day > first, age, la_code,
            ))
            if mother.father_ages is not None:
                father_rows.append((
                    mother.father_key or f"F-{mother.key}", proceedings_id, day, set_number,
                    set_number > 1, mother.father_ages[set_number - 1],
                ))
        mother_summary.append((
            mother.key, first, dates[-1], len(dates), mother.age_at_first_set,
            _age_band(mother.age_at_first_set), mother.care_experienced, la_codes[0],
        ))
    for day in tables.sets_without_mother:
        add_set(datetime.date.fromisoformat(day), True, 1, 0)
    for day in tables.non_s31_dates:
        add_set(datetime.date.fromisoformat(day), False, 1, 0)

    with duckdb.connect(str(warehouse)) as conn:
        ensure_warehouse(conn)
        conn.execute("""create or replace table core.proceedings (
            proceedings_id varchar, issue_date date, financial_year varchar, la_code varchar,
            is_s31 boolean, children integer, babies_under_4_weeks integer,
            legal_refs varchar[], court_case_numbers varchar[], cafcass_case_ids varchar[],
            child_ages_at_issue integer[])""")
        if proceedings:
            conn.executemany("insert into core.proceedings values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", proceedings)
        conn.execute("""create or replace table core.mother_proceedings (
            person_key varchar, proceedings_id varchar, issue_date date, financial_year varchar,
            set_number integer, is_recurrent boolean, mother_age_at_issue integer, la_code varchar)""")
        if mother_rows:
            conn.executemany("insert into core.mother_proceedings values (?, ?, ?, ?, ?, ?, ?, ?)", mother_rows)
        conn.execute("""create or replace table core.father_proceedings (
            person_key varchar, proceedings_id varchar, issue_date date, set_number integer,
            is_recurrent boolean, father_age_at_issue integer)""")
        if father_rows:
            conn.executemany("insert into core.father_proceedings values (?, ?, ?, ?, ?, ?)", father_rows)
        conn.execute("""create or replace table core.mothers (
            person_key varchar, first_issue_date date, last_issue_date date, sets integer,
            age_at_first_set integer, age_band varchar, care_experienced boolean, la_code varchar)""")
        if mother_summary:
            conn.executemany("insert into core.mothers values (?, ?, ?, ?, ?, ?, ?, ?)", mother_summary)
        conn.execute("""create or replace table linkage.person_clusters (
            source varchar, source_case_ref varchar, role varchar, person_ref varchar,
            record_id varchar, person_key varchar)""")
        # No service participant list: the service evaluation is an empty table.
        conn.execute("""create or replace table core.service_participants (
            service varchar, participant_id varchar, person_key varchar, role varchar, referral_date date,
            start_date date, end_date date, la_code varchar)""")
        for mother in tables.mothers:  # a care-leaver record linked to her
            if mother.care_experienced:
                conn.execute(
                    "insert into linkage.person_clusters values ('care_leavers', ?, 'mother', 'la_person_id', ?, ?)",
                    [f"CL-{mother.key}", f"care_leavers:CL-{mother.key}", mother.key],
                )
        for review_id, person_key in tables.form_links.items():
            conn.execute(
                "insert into linkage.person_clusters values ('case_file_review', ?, 'mother', ?, ?, ?)",
                [review_id, review_id, f"case_file_review:{review_id}", person_key],
            )


def prevalence_tables() -> CoreTables:
    """Four financial years built to need suppression (test_marts.py::test_published_prevalence_is_suppressed):
    2019/20 11 sets, 2020/21 3, 2021/22 8 (6 recurrent, 2 babies), 2022/23 6; 21 mothers, 6 recurrent."""
    recurrent = [
        Mother(f"R{i}", ["2019-06-01", "2021-06-01"], children=[1, 2 if i <= 2 else 1],
               babies_under_4_weeks=[0, 1 if i <= 2 else 0])
        for i in range(1, 7)
    ]
    single = (
        [Mother(f"S{i}", ["2019-09-01"]) for i in range(1, 5)]
        + [Mother(f"S{i}", ["2020-09-01"]) for i in range(5, 8)]
        + [Mother(f"S{i}", ["2021-09-01"]) for i in range(8, 10)]
        + [Mother(f"S{i}", ["2022-09-01"]) for i in range(10, 16)]
    )
    return CoreTables(
        mothers=recurrent + single,
        sets_without_mother=["2019-10-01"],  # a set whose mother was not identified still counts
        non_s31_dates=["2023-03-31"],  # an EPO: not a set of care proceedings, but the extract runs to here
    )
