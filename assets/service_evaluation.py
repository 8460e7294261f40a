"""marts_service_outcomes: is the service working? Observed against expected returns to
proceedings for the mothers a service works with, and what that saved (University of Essex method).

For each participant linked to an earlier s31 set, follow-up runs from her first start date with
the service to the extract end date. Observed returns are the s31 sets issued in that time.
Expected returns are what the same women would have had at the local rate, by indirect
standardisation: the rate of a further set in reference person-time (config/outputs.yaml,
`service_evaluation -> reference_period`), for each stratum of age band at first set, care
experience, number of earlier sets and years since her latest set (the time scale), applied to
the participants' own follow-up time in the same strata. The ratio observed / expected has an
exact Poisson interval (observed counted, expected taken as known).

Savings, by the Essex method: sets avoided (expected - observed) times the one-off cost of a set;
and the children not removed (sets avoided times the local mean children per recurrent set) times
the care cost per child per year, a sum that recurs every year until each child would be 18.
The cost parameters are those of the needs assessment (`costs:` in config/outputs.yaml).
"""

import math

import dagster as dg
import numpy as np
import pandas as pd
from dagster_duckdb import DuckDBResource
from scipy.stats import chi2, norm

from assets.marts import CORE_ASSETS, SQL_DIR, _rebuild_by_authority, authority_order, extract_end_date
from linkage.sql_steps import run_sql_file
from publish.service_settings import ServiceEvaluationSettings, load_service_settings
from publish.settings import load_output_settings
from warehouse.schema import ensure_warehouse

ALL = "all"
DAYS_PER_YEAR = 365.25
STRATA = ["age_band", "care_experienced", "earlier_sets", "band_number"]
# Coarser strata used where the reference has no time in a participant's stratum.
FALLBACK_STRATA = (["earlier_sets", "band_number"], ["band_number"])


def poisson_interval(observed: int, confidence_level: float) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson count."""
    alpha = 1 - confidence_level
    low = 0.0 if observed == 0 else chi2.ppf(alpha / 2, 2 * observed) / 2
    high = chi2.ppf(1 - alpha / 2, 2 * observed + 2) / 2
    return float(low), float(high)


def ratio_interval(observed: int, expected: float, expected_se: float, confidence_level: float
                   ) -> tuple[float | None, float | None, float, float]:
    """Intervals of observed / expected and of expected - observed (MOVER, Zou and Donner 2008):
    the exact Poisson limits of the observed count and the normal limits of log(expected), each
    distance from its estimate added in quadrature. Treating the expected count as known would
    leave out the chance in the reference rates: at 6,000 mothers its standard error is about half
    the observed count's (README, "Is the service working?")."""
    low, high = poisson_interval(observed, confidence_level)
    spread = norm.ppf(1 - (1 - confidence_level) / 2) * expected_se / expected if expected > 0 else 0.0
    expected_low, expected_high = expected * math.exp(-spread), expected * math.exp(spread)
    if expected == 0:  # nobody followed: no ratio
        ratio_low = ratio_high = None
    elif observed == 0:
        ratio_low, ratio_high = 0.0, high / expected_low
    else:
        ratio = observed / expected
        ratio_low = ratio * math.exp(-math.hypot(math.log(observed / low), spread))
        ratio_high = ratio * math.exp(math.hypot(math.log(high / observed), spread))
    avoided = expected - observed
    return (ratio_low, ratio_high, avoided - math.hypot(high - observed, expected - expected_low),
            avoided + math.hypot(observed - low, expected_high - expected))


def _years(start: pd.Series, end: pd.Series) -> pd.Series:
    return ((end - start).dt.days.clip(lower=0)) / DAYS_PER_YEAR


def reference_rates(pieces: pd.DataFrame, participants: pd.DataFrame, period: str) -> dict[tuple, pd.DataFrame]:
    """Returns per person-year in reference time, for each stratum and each fallback, with the
    returns and years the rate rests on (for the expected count's standard error).

    `both`: every mother's time except participants' time from their own (first) start date: a
    participant's time before she started is counted like anyone's, since leaving it out would
    drop the returns that brought her to the service (selecting on her future).
    `non_participants`: mothers never in a service. `before_service`: everyone, before the first
    participant's start date."""
    mothers = participants[participants["role"] == "mother"]
    own_start = pd.to_datetime(pieces["person_key"].map(mothers.groupby("person_key")["start_date"].min().to_dict()))
    in_a_service = own_start.notna()
    first_start = mothers["start_date"].min() if len(mothers) else pd.NaT
    ends = pieces["piece_to"]
    if pd.notna(first_start):
        if period == "both":
            ends = ends.where(~in_a_service | (ends < own_start), own_start)
        elif period == "before_service":
            ends = ends.where(ends < first_start, first_start)
        else:  # non_participants
            ends = ends.where(~in_a_service, pd.NaT)
    reference = pieces.assign(
        years=_years(pieces["piece_from"], ends.fillna(pieces["piece_from"])),
        returns=(pieces["return_date"].notna() & (pieces["return_date"] <= ends)).astype(int),
    )
    reference = reference[reference["years"] > 0]
    rates = {}
    for strata in (STRATA, *FALLBACK_STRATA):
        grouped = reference.groupby(strata, dropna=False)[["years", "returns"]].sum().reset_index()
        rates[tuple(strata)] = grouped.assign(rate=grouped["returns"] / grouped["years"])
    return rates


def follow_up(pieces: pd.DataFrame, participants: pd.DataFrame, rates: dict[tuple, pd.DataFrame]) -> pd.DataFrame:
    """Each participant mother's follow-up pieces after her start date, with the expected rate."""
    mothers = participants[participants["role"] == "mother"][["scope", "person_key", "start_date", "la_code"]]
    joined = mothers.merge(pieces, on="person_key")
    first_set = pieces.groupby("person_key")["piece_from"].min()  # her first set's issue date
    joined = joined[joined["person_key"].map(first_set) < joined["start_date"]]
    joined = joined[joined["piece_to"] > joined["start_date"]]
    begins = joined["piece_from"].where(joined["piece_from"] > joined["start_date"], joined["start_date"])
    joined = joined.assign(
        years=_years(begins, joined["piece_to"]),
        returns=(joined["return_date"].notna() & (joined["return_date"] > joined["start_date"])).astype(int),
    )
    # Each piece takes the rate of the finest stratum with reference time; `stratum` names it, so
    # pieces sharing a rate share its sampling error.
    joined = joined.assign(rate=np.nan, reference_returns=np.nan, reference_years=np.nan, stratum="")
    for level, strata in enumerate((STRATA, *FALLBACK_STRATA)):
        reference = rates[tuple(strata)].rename(columns={"rate": "level_rate", "returns": "level_returns",
                                                         "years": "level_years"})
        reference["level_stratum"] = f"{level}:" + reference[list(strata)].astype(str).agg("|".join, axis=1)
        joined = joined.merge(reference, on=list(strata), how="left")
        use = joined["rate"].isna() & joined["level_rate"].notna()
        for column in ("rate", "reference_returns", "reference_years", "stratum"):
            joined.loc[use, column] = joined.loc[use, f"level_{column.removeprefix('reference_')}"]
        joined = joined.drop(columns=["level_rate", "level_returns", "level_years", "level_stratum"])
    joined["expected"] = joined["years"] * joined["rate"].fillna(0)
    return joined


def expected_standard_error(followed: pd.DataFrame) -> float:
    """Standard error of the expected count from the reference returns (Poisson): for each rate
    d / T applied to the participants' t years, Var(t d / T) = (t / T)^2 d."""
    used = followed[followed["rate"].notna()]
    by_stratum = used.groupby("stratum").agg(years=("years", "sum"), returns=("reference_returns", "first"),
                                             reference_years=("reference_years", "first"))
    return float(math.sqrt(((by_stratum["years"] / by_stratum["reference_years"]) ** 2
                            * by_stratum["returns"]).sum()))


def service_outcomes(
    pieces: pd.DataFrame,
    linked: pd.DataFrame,
    local: dict,
    settings: ServiceEvaluationSettings,
) -> pd.DataFrame:
    """marts.service_outcomes_by_authority: one row per authority ('all' too) and service ('all' too).

    `pieces`: service_person_time; `linked`: service_participants_linked (one row per parent per
    service); `local`: the local figures (marts_service_local_figures.sql).
    """
    if linked.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    # 'all': each parent once, from her first start with any service.
    everyone = (linked.sort_values("start_date").groupby(["person_key", "role"], as_index=False).first()
                .assign(service=ALL))
    participants = pd.concat([everyone, linked], ignore_index=True)
    participants["scope"] = participants["service"]
    rates = reference_rates(pieces, linked, settings.reference_period)
    followed = follow_up(pieces, participants, rates)
    services = [ALL, *sorted(set(linked["service"]))]
    codes = sorted({ALL, *participants["la_code"]}, key=authority_order)
    rows = []
    for code in codes:
        for order, service in enumerate(services, start=1):
            chosen = participants[(participants["scope"] == service)
                                  & ((participants["la_code"] == code) if code != ALL else True)]
            if chosen.empty and not (code == ALL and service == ALL):
                continue
            pieces_here = followed[(followed["scope"] == service)
                                   & ((followed["la_code"] == code) if code != ALL else True)]
            rows.append(_outcome_row(code, service, order, chosen, pieces_here, local, settings))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype({column: "float64" for column, kind in COLUMNS.items() if kind == "float"})


def _outcome_row(code, service, order, chosen, followed, local, settings) -> dict:
    """Figures are computed from the rounded figures the table shows, so anyone can redo them by hand."""
    mothers = chosen[chosen["role"] == "mother"]
    observed = int(followed["returns"].sum())
    expected = round(float(followed["expected"].sum()), 2)
    expected_se = round(expected_standard_error(followed), 2)
    ratio = observed / expected if expected > 0 else None
    ratio_low, ratio_high, avoided_low, avoided_high = ratio_interval(
        observed, expected, expected_se, settings.confidence_level)
    avoided = round(expected - observed, 2)
    children = _round(local["children_per_set"], 2)
    years_in_care = _round(local["years_in_care_until_age"], 2)
    one_off = avoided * settings.one_off_cost_per_set
    annual = None if children is None else round(avoided * children * settings.care_cost_per_child_per_year.value)
    until_age = None if annual is None or years_in_care is None else annual * years_in_care
    cost_each = settings.service_cost_per_participant.value
    service_cost = None if cost_each is None else cost_each * len(mothers)
    saved_in_a_year = None if annual is None else one_off + annual
    return {
        "la_code": code,
        "service": service,
        "participants": len(mothers),
        "fathers_not_evaluated": int((chosen["role"] == "father").sum()),
        "linked_to_earlier_sets": int(followed["person_key"].nunique()),
        "follow_up_years": round(float(followed["years"].sum()), 1),
        "observed_returns": observed,
        "expected_returns": expected,
        "expected_returns_se": expected_se,
        "ratio": _round(ratio, 3),
        "ratio_ci_low": _round(ratio_low, 3),
        "ratio_ci_high": _round(ratio_high, 3),
        "sets_avoided": avoided,
        "sets_avoided_ci_low": round(avoided_low, 2),
        "sets_avoided_ci_high": round(avoided_high, 2),
        "one_off_cost_per_set": settings.one_off_cost_per_set,
        "one_off_saving": round(one_off),
        "children_per_set": children,
        "children_not_removed": _round(None if children is None else avoided * children, 2),
        "care_cost_per_child_per_year": settings.care_cost_per_child_per_year.value,
        "annual_saving": _round(annual, 0),
        "years_in_care_until_18": years_in_care,
        "saving_until_18": _round(until_age, 0),
        "service_cost": _round(service_cost, 0),
        "net_saving": _round(None if service_cost is None or saved_in_a_year is None
                             else saved_in_a_year - service_cost, 0),
        "saving_per_pound": _round(None if not service_cost or saved_in_a_year is None
                                   else saved_in_a_year / service_cost, 2),
        "reference_period": settings.reference_period,
        "row_order": order,
    }


def _round(value, digits: int):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


# Column -> kind, in table order ('float' columns may be blank).
COLUMNS = {
    "la_code": "text", "service": "text", "participants": "int", "fathers_not_evaluated": "int",
    "linked_to_earlier_sets": "int", "follow_up_years": "float", "observed_returns": "int",
    "expected_returns": "float", "expected_returns_se": "float", "ratio": "float", "ratio_ci_low": "float",
    "ratio_ci_high": "float",
    "sets_avoided": "float", "sets_avoided_ci_low": "float", "sets_avoided_ci_high": "float",
    "one_off_cost_per_set": "float", "one_off_saving": "float", "children_per_set": "float",
    "children_not_removed": "float", "care_cost_per_child_per_year": "float", "annual_saving": "float",
    "years_in_care_until_18": "float", "saving_until_18": "float", "service_cost": "float",
    "net_saving": "float", "saving_per_pound": "float", "reference_period": "text", "row_order": "int",
}


def _empty_typed(frame: pd.DataFrame) -> pd.DataFrame:
    """An empty table still has typed columns, so the published copy and the report can read it."""
    kinds = {"text": "object", "int": "int64", "float": "float64"}
    return frame.astype({column: kinds[kind] for column, kind in COLUMNS.items()})


def _outcomes(conn, settings: ServiceEvaluationSettings, end_date) -> pd.DataFrame:
    run_sql_file(conn, SQL_DIR / "marts_service_person_time.sql", extract_end_date=end_date,
                 bands=list(settings.years_since_last_set_bands))
    pieces = conn.execute("select * from service_person_time").fetch_df()
    linked = conn.execute("select * from service_participants_linked").fetch_df()
    # Children's dates of birth are read here: run so that an error never quotes a value.
    run_sql_file(conn, SQL_DIR / "marts_service_local_figures.sql", care_until_age=float(settings.care_until_age))
    local = conn.execute("select * from service_local_figures").fetch_df().iloc[0].to_dict()
    local = {key: None if pd.isna(value) else float(value) for key, value in local.items()}
    pieces["earlier_sets"] = np.minimum(pieces["earlier_sets"], settings.earlier_sets_grouped_from)
    for column in ("piece_from", "piece_to", "return_date"):
        pieces[column] = pd.to_datetime(pieces[column])
    linked["start_date"] = pd.to_datetime(linked["start_date"])
    return service_outcomes(pieces, linked, local, settings)


@dg.asset(
    name="core_service_participants",
    group_name="core",
    kinds={"duckdb"},
    pool="warehouse",
    deps=["linkage_person_clusters", "staging_service_participants", "core_mothers"],
    description=(
        "One row per episode of work with a service: service, participant_id, the parent's person_key (from "
        "the trawl list or linkage), role, referral, start and end dates, LA. No names or dates of birth; "
        "join on person_key to tell who is or was in a service."
    ),
)
def core_service_participants(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        ensure_warehouse(conn)
        run_sql_file(conn, SQL_DIR / "core_service_participants.sql")
        by_service = dict(conn.execute(
            "select service, count(distinct person_key) from core.service_participants group by 1 order by 1"
        ).fetchall())
    return dg.MaterializeResult(metadata={"parents_by_service": dg.MetadataValue.json(by_service)})


@dg.asset(
    name="marts_service_outcomes",
    group_name="marts",
    kinds={"duckdb", "python"},
    pool="warehouse",
    deps=[*CORE_ASSETS, core_service_participants, "linkage_case_records", "linkage_set_members"],
    description=(
        "Is the service working? For each service in the participant lists (and all together), for each "
        "authority and all: participants, those linked to earlier sets, their follow-up, observed returns to "
        "proceedings against those expected at the local rate (indirectly standardised by age band, care "
        "experience, earlier sets and years since the latest set), the ratio with its exact Poisson interval, "
        "sets avoided and the savings by the University of Essex method. Unsuppressed: data officers only."
    ),
)
def marts_service_outcomes(duckdb: DuckDBResource) -> dg.MaterializeResult:
    settings = load_service_settings()
    with duckdb.get_connection() as conn:
        ensure_warehouse(conn)
        end_date = extract_end_date(conn, load_output_settings(settings.path))
        started = conn.execute("select count(*) from core.service_participants where start_date <= ?",
                               [end_date]).fetchall()[0][0]
        if started:
            frame = _outcomes(conn, settings, end_date)
        else:  # no participant list (yet): an empty table, and the report says so
            frame = pd.DataFrame(columns=list(COLUMNS))
        frame = _empty_typed(frame)
        conn.register("service_outcome_rows", frame)
        rows = _rebuild_by_authority(conn, "service_outcomes", "select * from service_outcome_rows")
        conn.unregister("service_outcome_rows")
    overall = frame[frame["la_code"] == ALL]
    return dg.MaterializeResult(metadata={
        **rows,
        "services": len(overall) - 1 if len(overall) else 0,
        "reference_period": settings.reference_period,
        "followed_up_to": str(end_date),
        "settings_file": str(settings.path),
    })
