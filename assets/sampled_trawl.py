"""A sampled case-file trawl (config/outputs.yaml, worklist -> sample): the sample drawn from the
mothers with a set in the trawl window, for the worklist; and the weighted estimates the baseline
table gives once sampled forms come back (publish/sampled_trawl.py has the method).
"""

from pathlib import Path

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from publish.sampled_trawl import draw_sample, weighted_estimates
from publish.settings import load_output_settings
from warehouse.schema import ensure_warehouse

SQL_DIR = Path(__file__).parent / "sql"
SAMPLE_COLUMNS = {
    "person_key": "varchar", "stratum": "varchar", "stratum_mothers": "bigint", "stratum_sampled": "bigint",
    "sampled": "boolean", "sampling_weight": "double", "random_number": "double",
}
# The baseline characteristics that only a case file gives: estimated from a sample.
FORM_SOURCE = "case-file form"
NOT_ESTIMATED = ("case file read",)


@dg.asset(
    name="core_case_file_sample",
    group_name="core",
    kinds={"duckdb", "python"},
    pool="warehouse",
    deps=["core_mothers", "marts_trawl_window"],
    description="The sampled case-file trawl, when config/outputs.yaml sets worklist -> sample: every mother "
    "with a set in the trawl window, her stratum, its size and sample size, whether she is sampled and her "
    "sampling weight. Empty without a sample. Pseudonymous keys only.",
)
def core_case_file_sample(duckdb: DuckDBResource) -> dg.MaterializeResult:
    sample = load_output_settings().worklist_sample
    with duckdb.get_connection() as conn:
        ensure_warehouse(conn)
        columns = ", ".join(f"{name} {kind}" for name, kind in SAMPLE_COLUMNS.items())
        conn.execute("begin")
        conn.execute(f"create or replace table core.case_file_sample ({columns})")
        if sample is not None:
            frame = conn.execute((SQL_DIR / "core_case_file_sample_frame.sql").read_text()).fetch_df()
            drawn = draw_sample(frame, sample)[list(SAMPLE_COLUMNS)]
            conn.register("drawn_sample", drawn)
            conn.execute("insert into core.case_file_sample select * from drawn_sample")
            conn.unregister("drawn_sample")
        conn.execute("commit")
        strata = conn.execute("""
            select stratum, any_value(stratum_mothers), any_value(stratum_sampled)
            from core.case_file_sample group by stratum order by stratum""").fetchall()
    if sample is None:
        return dg.MaterializeResult(metadata={"sampled_trawl": False})
    return dg.MaterializeResult(metadata={
        "sampled_trawl": True,
        "seed": sample.seed,
        "strata": dg.MetadataValue.json({name: {"mothers": size, "sampled": taken} for name, size, taken in strata}),
        "mothers_sampled": sum(taken for _, _, taken in strata),
    })


def with_weighted_estimates(conn, baseline_query: str, min_files: int) -> str:
    """The baseline query with weighted whole-cohort estimates from the sampled forms that came back
    (estimated_pct, estimated_ci_low, estimated_ci_high, estimate_note). Needs completed_forms."""
    conn.execute(f"create or replace temp table baseline_rows as {baseline_query}")
    answers = conn.execute((SQL_DIR / "marts_baseline_sample_answers.sql").read_text()).fetch_df()
    frame = conn.execute("""
        select s.person_key, s.stratum, m.la_code,
            case when m.sets >= 2 then ['all mothers', 'recurrent mothers'] else ['all mothers'] end as cohort
        from core.case_file_sample s
        join (select person_key, sets, coalesce(la_code, 'unknown') as la_code from core.mothers) m using (person_key)
        """).fetch_df()
    frame["returned"] = frame["person_key"].isin(set(answers["person_key"]))
    values = conn.execute(
        "select distinct characteristic, value from baseline_rows where source = ? and value <> 'not reviewed' "
        f"and characteristic not in ({', '.join('?' for _ in NOT_ESTIMATED)}) order by all",
        [FORM_SOURCE, *NOT_ESTIMATED]).fetch_df()
    estimates = weighted_estimates(frame, answers, values, min_files) if len(frame) else pd.DataFrame(
        columns=["la_code", "cohort", "characteristic", "value", "estimated_pct", "estimated_ci_low",
                 "estimated_ci_high", "estimate_note"])
    conn.register("estimate_rows", estimates)
    conn.execute("create or replace temp table baseline_estimates as select * from estimate_rows")
    conn.unregister("estimate_rows")
    return """
        select b.*, e.estimated_pct::double as estimated_pct, e.estimated_ci_low::double as estimated_ci_low,
            e.estimated_ci_high::double as estimated_ci_high, e.estimate_note::varchar as estimate_note
        from baseline_rows b
        left join baseline_estimates e using (la_code, cohort, characteristic, value)
        order by b.la_code <> 'all', b.la_code = 'unknown', b.la_code, b.display_order"""
