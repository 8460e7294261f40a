"""marts_*: the aggregate tables behind the report, built from the core tables.

Prevalence by financial year, the chance of a return within 1..7 years, baseline
characteristics of the mothers, and cost estimates. These are unsuppressed (data officers
only): the disclosure-controlled copies that get published are built in assets/publish.py.
Definitions are in shared/data-contract.md; the core tables are described in docs/core-tables.md.

Each mart is built once per authority and for all of them together: `marts.<name>_by_authority`
has an `la_code` column ('all' for every authority together), and `marts.<name>` is its 'all'
rows, in the layout of the data contract. One query makes both, so they always agree.
Prevalence (and so the costs) counts only the sets in the run's trawl window (marts.trawl_window).
"""

import datetime
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from assets.kaplan_meier import return_within_years
from assets.sampled_trawl import with_weighted_estimates
from publish.settings import OutputSettings, load_output_settings
from publish.trawl_window import TrawlWindow
from warehouse.schema import ensure_warehouse

SQL_DIR = Path(__file__).parent / "sql"
CORE_ASSETS = ["core_proceedings", "core_mother_proceedings", "core_mothers"]
FORM_ASSETS = ["staging_case_file_review", "linkage_person_clusters"]

# Groups for the return estimates: everyone, age at first set (core.mothers.age_band), care experience.
AGE_BANDS = ("under 20", "20-24", "25-29", "30+", "unknown")
DAYS_PER_YEAR = 365.25


def sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text()


def extract_end_date(conn, settings: OutputSettings) -> datetime.date | None:
    """The date the data are complete to: config, else the latest issue date in the data."""
    if settings.extract_end_date is not None:
        return settings.extract_end_date
    return conn.execute("select max(issue_date) from core.proceedings").fetchall()[0][0]


def define_care_experience(conn, settings: OutputSettings) -> None:
    """The temp views completed_forms and care_experience (the care-experienced group)."""
    conn.execute(sql("completed_forms"))
    conn.execute("set variable care_experience_from_forms = ?::boolean", [settings.care_experience_from_forms])
    conn.execute(sql("care_experience"))


def _rebuild(conn, table: str, query: str) -> int:
    conn.execute("begin")
    conn.execute(f"create or replace table {table} as {query}")
    conn.execute("commit")
    return conn.execute(f"select count(*) from {table}").fetchall()[0][0]


def _rebuild_by_authority(conn, name: str, query: str) -> dict[str, int]:
    """marts.<name>_by_authority from `query` (which has la_code), then marts.<name> as its 'all' rows."""
    by_authority = _rebuild(conn, f"marts.{name}_by_authority", query)
    overall = _rebuild(
        conn, f"marts.{name}", f"select * exclude (la_code) from marts.{name}_by_authority where la_code = 'all'"
    )
    authorities = conn.execute(
        f"select count(distinct la_code) from marts.{name}_by_authority where la_code <> 'all'"
    ).fetchall()[0][0]
    return {"rows": overall, "rows_by_authority": by_authority, "authorities": authorities}


def authority_order(code: str) -> tuple:
    """'all' first, then the authorities by code, then sets whose authority is not known."""
    return (code != "all", code == "unknown", code)


@dg.asset(
    name="marts_trawl_window",
    group_name="marts",
    kinds={"duckdb"},
    pool="warehouse",
    deps=["core_proceedings"],
    description=(
        "Which sets this run counts (the trawl window): all the data, the last 12 or 24 months up to the "
        "extract end date, or a date range, set in run config. Recorded in marts.trawl_window and shown in "
        "the report."
    ),
)
def marts_trawl_window(duckdb: DuckDBResource, trawl_window: TrawlWindow) -> dg.MaterializeResult:
    settings = load_output_settings()
    with duckdb.get_connection() as conn:
        ensure_warehouse(conn)
        end_date = extract_end_date(conn, settings)
        window = trawl_window.bounds(end_date)
        conn.execute("begin")
        conn.execute(
            "create or replace table marts.trawl_window as select ?::varchar as kind, ?::date as window_start, "
            "?::date as window_end, ?::date as extract_end_date, ?::varchar as description",
            [window.kind, window.start, window.end, end_date, window.description],
        )
        conn.execute("commit")
    return dg.MaterializeResult(metadata={
        "kind": window.kind,
        "window": window.description,
        "extract_end_date": str(end_date),
    })


@dg.asset(
    name="marts_prevalence_by_year",
    group_name="marts",
    kinds={"duckdb"},
    pool="warehouse",
    deps=[*CORE_ASSETS, "marts_trawl_window"],
    description=(
        "How many sets of care proceedings there were and how many were recurrent (the mother had an "
        "earlier set): per financial year and overall, for each authority and all together, counting the "
        "sets in the trawl window. Also mothers, recurrent mothers, children, babies under 4 weeks in "
        "recurrent sets. Unsuppressed: data officers only."
    ),
)
def marts_prevalence_by_year(duckdb: DuckDBResource) -> dg.MaterializeResult:
    settings = load_output_settings()
    with duckdb.get_connection() as conn:
        ensure_warehouse(conn)
        conn.execute("set variable extract_end_date = ?::date", [extract_end_date(conn, settings)])
        conn.execute("set variable look_back_years = ?::integer", [settings.look_back_years])
        rows = _rebuild_by_authority(conn, "prevalence_by_year", sql("marts_prevalence_by_year"))
    return dg.MaterializeResult(metadata=rows)


@dg.asset(
    name="marts_return_within_years",
    group_name="marts",
    kinds={"duckdb", "python"},
    pool="warehouse",
    deps=[*CORE_ASSETS, *FORM_ASSETS],
    description=(
        "How likely a mother is to come back to court: the Kaplan–Meier probability that she appears in a "
        "further set within 1..7 years of her first set in the data (censored at the extract end date), "
        "with log-log Greenwood intervals (95% by default), numbers at risk and returns seen: for all "
        "mothers, by age at first set and by care experience, for each authority (of her first set) and "
        "all together. Uses all the data, whatever the trawl window. Unsuppressed: data officers only."
    ),
)
def marts_return_within_years(duckdb: DuckDBResource) -> dg.MaterializeResult:
    settings = load_output_settings()
    with duckdb.get_connection() as conn:
        ensure_warehouse(conn)
        end_date = extract_end_date(conn, settings)
        conn.execute("set variable extract_end_date = ?::date", [end_date])
        define_care_experience(conn, settings)
        followed = conn.execute(sql("marts_return_times")).fetch_df()
        frame = return_estimates(followed, settings, end_date)
        conn.register("return_estimates", frame)
        rows = _rebuild_by_authority(conn, "return_within_years", "select * from return_estimates")
        conn.unregister("return_estimates")
    return dg.MaterializeResult(metadata={**rows, "followed_up_to": str(end_date)})


def return_estimates(followed: pd.DataFrame, settings: OutputSettings, end_date: datetime.date | None) -> pd.DataFrame:
    """One row per authority (of each mother's first set, and 'all'), group and year from each
    mother's follow-up (marts_return_times.sql)."""
    frames = []
    for code in sorted({"all", *followed["la_code"]}, key=authority_order):
        mothers = followed if code == "all" else followed[followed["la_code"] == code]
        frames.append(_group_estimates(mothers, code, settings, end_date))
    return pd.concat(frames, ignore_index=True)


def _group_estimates(
    followed: pd.DataFrame, la_code: str, settings: OutputSettings, end_date: datetime.date | None
) -> pd.DataFrame:
    care = followed["care_experienced"].fillna(False).astype(bool)
    age_band = followed["age_band"].fillna("unknown")
    groups = [("all", "all", pd.Series(True, index=followed.index))]
    groups += [("age at first set", "age unknown" if band == "unknown" else band, age_band == band) for band in AGE_BANDS]
    groups += [("care experienced", "care experienced: yes", care), ("care experienced", "care experienced: no", ~care)]
    rows = []
    for group_order, (grouping, group_name, members) in enumerate(groups, start=1):
        group = followed[members]
        estimates = return_within_years(
            group["days_followed"] / DAYS_PER_YEAR,
            group["returned"],
            range(1, settings.return_years + 1),
            settings.confidence_level,
        )
        for estimate in estimates:
            rows.append({
                "la_code": la_code,
                "grouping": grouping,
                "group_name": group_name,
                "years": estimate.years,
                "probability": _round(estimate.probability),
                "ci_low": _round(estimate.ci_low),
                "ci_high": _round(estimate.ci_high),
                "at_risk": estimate.at_risk,
                "events": estimate.events,
                "followed_up_to": end_date,
                "group_order": group_order,
            })
    return pd.DataFrame(rows).astype({"probability": "float64", "ci_low": "float64", "ci_high": "float64"})


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dg.asset(
    name="marts_baseline_characteristics",
    group_name="marts",
    kinds={"duckdb"},
    pool="warehouse",
    deps=[*CORE_ASSETS, "core_father_proceedings", *FORM_ASSETS, "core_case_file_sample"],
    description=(
        "Who the mothers are: the baseline characteristics the resource pack lists, for all mothers and "
        "for recurrent mothers, from case-file trawl forms, the care-leaver link and the proceedings, for "
        "each authority (of her first set) and all together. Unknown answers and unread files are "
        "counted. Uses all the data, whatever the trawl window. With a sampled trawl, also weighted "
        "estimates for the mothers sampled from, with 95% intervals. Unsuppressed: data officers only."
    ),
)
def marts_baseline_characteristics(duckdb: DuckDBResource) -> dg.MaterializeResult:
    settings = load_output_settings()
    query = sql("marts_baseline_characteristics")
    with duckdb.get_connection() as conn:
        ensure_warehouse(conn)
        define_care_experience(conn, settings)
        if settings.worklist_sample is not None:
            query = with_weighted_estimates(conn, query, min_files=max(settings.smallest_count_shown, 2))
        rows = _rebuild_by_authority(conn, "baseline_characteristics", query)
        unmatched = conn.execute(
            "select count(*) from completed_forms f where not exists "
            "(select 1 from core.mothers m where m.person_key = f.person_key)"
        ).fetchall()[0][0]
    return dg.MaterializeResult(metadata={**rows, "completed_forms_not_matched_to_a_mother": unmatched})


@dg.asset_check(
    asset=marts_baseline_characteristics,
    name="every_mother_counted",
    blocking=True,
    pool="warehouse",
    description="Unknowns are counted, not dropped: each one-value characteristic adds up to its cohort, "
    "in every authority.",
)
def every_mother_counted(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        short = conn.execute("""
            select b.la_code || ', ' || b.cohort || ': ' || b.characteristic
            from marts.baseline_characteristics_by_authority b
            join marts.baseline_characteristics_by_authority total
                on total.la_code = b.la_code and total.cohort = b.cohort and total.characteristic = 'mothers in cohort'
            where b.one_value_per_mother
            group by b.la_code, b.cohort, b.characteristic, total.mothers
            having sum(b.mothers) <> total.mothers
            order by 1""").fetchall()
    return dg.AssetCheckResult(
        passed=not short,
        metadata={"characteristics_not_adding_up": dg.MetadataValue.json([name for (name,) in short])},
    )


@dg.asset(
    name="marts_cost_estimates",
    group_name="marts",
    kinds={"duckdb"},
    pool="warehouse",
    deps=["marts_prevalence_by_year", "marts_return_within_years"],
    description=(
        "What a service preventing X% of returns among the N mothers it takes on in a year would save "
        "(University of Essex method): sets avoided = N x P(return within H years) x X%, their one-off cost, "
        "and the care costs avoided until each child is 18 from the children's ages, for each authority and "
        "all together. Every parameter and its source is in config/outputs.yaml."
    ),
)
def marts_cost_estimates(duckdb: DuckDBResource) -> dg.MaterializeResult:
    settings = load_output_settings()
    parts = "; ".join(
        f"{p.name} {settings.in_price_year(p):,.0f}{settings.price_note(p)} ({p.source})" for p in settings.one_off_cost_parts)
    care_cost = settings.care_cost_per_child_per_year
    numbers = {
        "mothers_per_year": settings.mothers_per_year.value,
        "returns_prevented_pct": settings.returns_prevented_pct.value,
        "one_off_cost_per_set": settings.one_off_cost_per_set,
        "care_cost_per_child_per_year": settings.in_price_year(care_cost),
        "average_over_financial_years": settings.average_over_financial_years,
        "return_horizon_years": settings.return_horizon_years,
        "discount_rate_pct": settings.discount_rate_pct.value,
    }
    sources = {
        "mothers_per_year_source": settings.mothers_per_year.source,
        "returns_prevented_pct_source": settings.returns_prevented_pct.source,
        "one_off_cost_per_set_source": f"sum of: {parts}",
        "care_cost_per_child_per_year_source": f"{care_cost.source}{settings.price_note(care_cost)}",
    }
    with duckdb.get_connection() as conn:
        ensure_warehouse(conn)
        conn.execute("set variable extract_end_date = ?::date", [extract_end_date(conn, settings)])
        for name, value in numbers.items():
            conn.execute(f"set variable {name} = ?::double", [value])
        for name, text in sources.items():
            conn.execute(f"set variable {name} = ?::varchar", [text])
        rows = _rebuild_by_authority(conn, "cost_estimates", sql("marts_cost_estimates"))
    return dg.MaterializeResult(metadata={**rows, "settings_file": str(settings.path)})
