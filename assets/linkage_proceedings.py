"""Sets of proceedings: the same application in the legal list, the court list and Cafcass is
one set, counted once.

No source shares a reference with every other, so sets are found from evidence (court numbers,
the children, the mother, dates) by explicit rules a data officer can read in
sql/linkage_set_links.sql; every link keeps the rule that made it.
"""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from linkage.graph import connected_components
from linkage.pseudonyms import Pseudonymiser
from linkage.settings import LinkageConfig
from linkage.sql_steps import keep_previous, run_sql_file
from warehouse.schema import ensure_warehouse

SQL_DIR = Path(__file__).parent / "sql"


@dg.asset(
    group_name="linkage",
    kinds={"duckdb"},
    pool="warehouse",
    deps=["staging_legal", "staging_court", "staging_cafcass"],
    description="One row per case as each source records it (legal ref, court case, Cafcass case) with the "
    "evidence for matching it across sources. Personal data: data officers only.",
)
def linkage_case_records(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        ensure_warehouse(conn)
        run_sql_file(conn, SQL_DIR / "linkage_case_records.sql")
        by_source = dict(conn.execute(
            "select source, count(*) from linkage.case_records group by source order by source").fetchall())
    return dg.MaterializeResult(metadata={"cases_by_source": dg.MetadataValue.json(by_source)})


@dg.asset(
    group_name="linkage",
    kinds={"duckdb"},
    pool="warehouse",
    deps=[linkage_case_records],
    description="Pairs of records in different sources that are the same application, with the rule and "
    "evidence that linked them (court number, children, mother, days apart).",
)
def linkage_set_links(duckdb: DuckDBResource, linkage: LinkageConfig) -> dg.MaterializeResult:
    settings = linkage.settings()
    with duckdb.get_connection() as conn:
        run_sql_file(
            conn, SQL_DIR / "linkage_set_links.sql",
            window_days=settings.issue_date_window_days,
            mother_only_window_days=settings.mother_only_window_days,
        )
        by_rule = dict(conn.execute("select rule, count(*) from linkage.set_links group by rule order by rule").fetchall())
    return dg.MaterializeResult(metadata={
        "links_by_rule": dg.MetadataValue.json(by_rule),
        "issue_date_window_days": settings.issue_date_window_days,
    })


@dg.asset(
    group_name="linkage",
    kinds={"duckdb"},
    pool="warehouse",
    deps=[linkage_set_links],
    description="Which set of proceedings each source case belongs to, with the set's stable pseudonymous "
    "proceedings_id (keyed hash of its anchor reference, which a set keeps from run to run).",
)
def linkage_set_members(duckdb: DuckDBResource, pseudonymiser: Pseudonymiser) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        pseudonymiser.register(conn)
        components = connected_components(
            conn,
            "select source || ':' || source_case_ref as node_id from linkage.case_records",
            "select source_l || ':' || ref_l as node_id_l, source_r || ':' || ref_r as node_id_r, 1 as strength "
            "from linkage.set_links",
        )
        conn.register("set_components", components)
        keep_previous(conn, "linkage.set_members", ["source", "source_case_ref", "set_anchor"], "previous_set_anchors")
        run_sql_file(conn, SQL_DIR / "linkage_set_members.sql")
        conn.unregister("set_components")
        held_in = dict(conn.execute("""
            select sources, count(*) from (
                select proceedings_id, string_agg(distinct source, ' + ' order by source) as sources
                from linkage.set_members where is_s31 group by proceedings_id
            ) group by sources order by sources""").fetchall())
    return dg.MaterializeResult(metadata={"s31_sets_by_sources": dg.MetadataValue.json(held_in)})


@dg.asset(
    group_name="core",
    kinds={"duckdb"},
    pool="warehouse",
    deps=[linkage_set_members],
    description="One row per set of proceedings (s31 and not): pseudonymous id, issue date, financial year, "
    "LA, children, and the references it was found under. No names, no dates of birth.",
)
def core_proceedings(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        run_sql_file(conn, SQL_DIR / "core_proceedings.sql")
        sets, s31 = conn.execute("select count(*), count(*) filter (where is_s31) from core.proceedings").fetchall()[0]
    return dg.MaterializeResult(metadata={"sets": sets, "s31_sets": s31})

