"""The core tables the outputs stage reads (docs/core-tables.md): parents in sets of proceedings
and the mothers, by pseudonymous key only. No names, no dates of birth leave linkage.
"""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from linkage.sql_steps import run_sql_file

SQL_DIR = Path(__file__).parent / "sql"


def _parent_proceedings_asset(role: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"core_{role}_proceedings",
        group_name="core",
        kinds={"duckdb"},
        pool="warehouse",
        deps=["linkage_person_clusters", "core_proceedings"],
        description=f"One row per {role} in an s31 set: person_key, set_number (1 = the first in the data), "
        f"is_recurrent (already in a set with an earlier issue date), {role}_age_at_issue.",
    )
    def parent_proceedings(duckdb: DuckDBResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as conn:
            run_sql_file(conn, SQL_DIR / "core_parent_proceedings.sql", role=role)
            conn.execute(f"""
                create or replace table core.{role}_proceedings as
                select * rename (age_at_issue as {role}_age_at_issue) from parent_proceedings""")
            sets, recurrent, people = conn.execute(f"""
                select count(*), count(*) filter (where is_recurrent), count(distinct person_key)
                from core.{role}_proceedings""").fetchall()[0]
        return dg.MaterializeResult(metadata={
            "sets_with_a_" + role: sets, "recurrent_sets": recurrent, role + "s": people,
        })

    return parent_proceedings


core_mother_proceedings = _parent_proceedings_asset("mother")
core_father_proceedings = _parent_proceedings_asset("father")


@dg.asset(
    group_name="core",
    kinds={"duckdb"},
    pool="warehouse",
    deps=[core_mother_proceedings],
    description="One row per mother with at least one s31 set: first and last issue dates, sets, age band at "
    "her first set, care-experienced (linked to a care-leaver record, or a trawl form says so), LA.",
)
def core_mothers(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        run_sql_file(conn, SQL_DIR / "core_mothers.sql")
        mothers, recurrent, care_experienced = conn.execute("""
            select count(*), count(*) filter (where sets > 1), count(*) filter (where care_experienced)
            from core.mothers""").fetchall()[0]
    return dg.MaterializeResult(metadata={
        "mothers": mothers, "recurrent_mothers": recurrent, "care_experienced_mothers": care_experienced,
    })
