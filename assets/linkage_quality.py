"""How good the linkage is, as an asset whose numbers every run keeps.

With synthetic data (a `truth/` folder in the landing folder, from `trawl synth`), linkage is
scored against the truth: pairwise precision, recall and F1 for mothers, fathers and sets, and
for the recurrent flag. Real extracts have no truth, so every run also profiles its clusters
(sizes, dates of birth that disagree inside one woman's cluster), in counts only.
"""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from linkage.sql_steps import run_sql_file
from sources.landing import LandingFolder

SQL_DIR = Path(__file__).parent / "sql"
TRUTH_FILES = {"truth_people": "person_records.csv", "truth_sets": "proceedings.csv"}


@dg.asset(
    group_name="linkage",
    kinds={"duckdb"},
    pool="warehouse",
    deps=["core_mothers", "core_father_proceedings"],
    description="linkage.quality: cluster profiles (counts only) and, where <landing>/truth/ exists (synthetic "
    "data), pairwise precision, recall and F1 for mothers, fathers and sets, and for the recurrent flag.",
)
def linkage_quality(context: dg.AssetExecutionContext, duckdb: DuckDBResource, landing: LandingFolder):
    truth = Path(landing.path) / "truth"
    has_truth = all((truth / name).is_file() for name in TRUTH_FILES.values())
    with duckdb.get_connection() as conn:
        run_sql_file(conn, SQL_DIR / "linkage_quality_profile.sql")
        measures = "select 'profile' as kind, * from quality_profile"
        if has_truth:
            for table, name in TRUTH_FILES.items():
                conn.execute(f"create or replace temp table {table} as select * from read_csv(?, all_varchar = true)",
                             [str(truth / name)])
            run_sql_file(conn, SQL_DIR / "linkage_quality_truth.sql")
            measures += " union all select 'truth', * from quality_truth"
        conn.execute(f"create or replace table linkage.quality as {measures} order by kind, metric")
        rows = conn.execute("select kind, metric, value from linkage.quality order by kind, metric").fetchall()
    metadata = {metric: dg.MetadataValue.float(round(value, 4)) if kind == "truth" else dg.MetadataValue.int(int(value))
                for kind, metric, value in rows if value is not None}
    if has_truth:
        context.log.info(
            "Mothers, pairwise: precision {mothers_pairwise_precision:.4f}, recall {mothers_pairwise_recall:.4f}, "
            "F1 {mothers_pairwise_f1:.4f}; recurrent s31 sets {recurrent_s31_sets_found:.0f} found, "
            "{recurrent_s31_sets_true:.0f} true".format(**{metric: value for _, metric, value in rows}))
    return dg.MaterializeResult(metadata={"scored_against_truth": has_truth, **metadata})
