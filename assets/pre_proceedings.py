"""Live use between trawls: parents of current pre-proceedings (PLO) and pre-birth cases checked
against earlier care proceedings.

Their records are linked with everyone else's by the same person model (linkage_person_records);
here each case and parent gets the earlier sets the data hold (core.pre_proceedings_history), and
the open cases with any earlier history go to a restricted workbook for data officers and
practitioners, so support can be offered before a new set is issued.
"""

from pathlib import Path

import dagster as dg
import pyarrow as pa
from dagster_duckdb import DuckDBResource

from linkage.settings import LinkageConfig
from linkage.sql_steps import run_sql_file
from linkage.weakest_links import weakest_links_used
from publish.output_folder import OutputFolder
from publish.pre_proceedings_history import write_history_workbook
from warehouse.schema import ensure_warehouse

SQL_DIR = Path(__file__).parent / "sql"
HISTORY_WORKBOOK = "pre_proceedings_history.xlsx"


def _used_records_sql(role: str) -> str:
    """(pre-proceedings node, node it used): her earlier s31 sets and, for mothers, the care-leaver
    records and trawl forms that make her care experienced."""
    care = "or o.source = 'care_leavers' or (o.source = 'case_file_review' and o.in_care_as_child = 'yes')"
    # Each record's set is looked up first (materialized): left to itself, DuckDB may join every
    # case to every earlier set on the dates before it joins on the person, tens of millions of rows.
    return f"""
        with records as materialized (
            select o.node_id, o.person_key, o.role, o.source, r.in_care_as_child, s.is_s31, s.issue_date
            from linkage.person_clusters o
            join linkage.person_records r on r.record_id = o.record_id
            left join core.proceedings s on s.proceedings_id = o.proceedings_id
        )
        select distinct p.node_id as start, o.node_id as used
        from linkage.person_clusters p
        join staging.pre_proceedings c on c.pre_proceedings_ref = p.source_case_ref
        join records o on o.person_key = p.person_key and o.node_id <> p.node_id
        where p.source = 'pre_proceedings' and p.role = '{role}'
            and ((o.role = '{role}' and o.is_s31 and o.issue_date < c.start_date) {care if role == 'mother' else ''})"""


def _links_sql(role: str, threshold: float) -> str:
    """The links clustering used inside clusters that hold a pre-proceedings record; a clerical
    'match' counts as certain."""
    return f"""
        with wanted as (
            select distinct cluster_id from linkage.{role}_clusters where node_id like 'pre\\_proceedings:%' escape '\\'
        ),
        members as (select node_id, cluster_id from linkage.{role}_clusters semi join wanted using (cluster_id))
        select l.node_id_l, l.node_id_r, max(l.strength) as strength
        from (
            select p.node_id_l, p.node_id_r, p.match_probability as strength from linkage.{role}_pairs p
            anti join (select * from linkage.clerical_decisions where decision = 'not a match') d
                using (node_id_l, node_id_r)
            where p.match_probability >= {threshold}
            union all
            select node_id_l, node_id_r, 1.0 from linkage.clerical_decisions
            where role = '{role}' and decision = 'match'
        ) l
        join members a on a.node_id = l.node_id_l
        join members b on b.node_id = l.node_id_r
        where a.cluster_id = b.cluster_id
        group by l.node_id_l, l.node_id_r"""


@dg.asset(
    name="core_pre_proceedings_history",
    group_name="core",
    kinds={"duckdb", "python"},
    pool="warehouse",
    deps=["staging_pre_proceedings", "linkage_person_clusters", "linkage_review_queue",
          "core_mother_proceedings", "core_father_proceedings", "core_mothers", "core_service_participants"],
    description="One row per pre-proceedings (PLO) or pre-birth case and parent: earlier s31 sets (issued "
    "before the case started), children in them, the last set's issue date and final order, care "
    "experience, whether a service is working with the parent, the match probability of the weakest link used and whether a link is uncertain (then the "
    "pairs are in the clerical review queue). Pseudonymous keys only.",
)
def core_pre_proceedings_history(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, linkage: LinkageConfig
) -> dg.MaterializeResult:
    settings = linkage.settings()
    with duckdb.get_connection() as conn:
        ensure_warehouse(conn)
        weakest: dict[str, float] = {}
        for role in ("mother", "father"):
            used = conn.execute(_used_records_sql(role)).fetchall()
            links = conn.execute(_links_sql(role, settings.role(role).match_threshold)).fetchall() if used else []
            weakest.update(weakest_links_used(used, links))
        conn.register("weakest_link_rows", pa.table({
            "node_id": pa.array(list(weakest), pa.string()),
            "match_probability": pa.array(list(weakest.values()), pa.float64()),
        }))
        conn.execute("create or replace temp table weakest_links as select * from weakest_link_rows")
        conn.unregister("weakest_link_rows")
        run_sql_file(conn, SQL_DIR / "core_pre_proceedings_history.sql",
                     review_high_mother=settings.mothers.review_high, review_high_father=settings.fathers.review_high)
        counts = dict(zip(
            ("cases", "parents", "parents_with_earlier_sets", "uncertain_links"),
            conn.execute("""
                select count(distinct pre_proceedings_ref), count(*), count(*) filter (where earlier_sets > 0),
                    count(*) filter (where link_uncertain)
                from core.pre_proceedings_history""").fetchall()[0],
        ))
        # Without a date of birth the model has the name (and the other parent) to go on: a rare
        # name may be found, a common one is never certain.
        counts["parents_without_a_date_of_birth"] = conn.execute("""
            select count(*) from linkage.person_records
            where source = 'pre_proceedings' and dob is null""").fetchall()[0][0]
    if counts["parents_without_a_date_of_birth"]:
        context.log.warning(
            f"{counts['parents_without_a_date_of_birth']} pre-proceedings parent(s) have no date of birth in the "
            "extract: their earlier sets are found only through their full name or the other parent, so an uncommon "
            "name may be found (often for clerical review) and a common one not at all. Add the dates of birth to "
            "the case records if you can.")
    return dg.MaterializeResult(metadata=counts)


@dg.asset(
    name="publish_pre_proceedings_history",
    group_name="publish",
    kinds={"excel"},
    pool="warehouse",
    deps=[core_pre_proceedings_history],
    description=f"{HISTORY_WORKBOOK} in the restricted folder: open pre-proceedings and pre-birth cases whose "
    "parents have earlier history (earlier sets, care experience, or an uncertain link in clerical review), "
    "most recent first, with the references of the earlier sets. Personal data for data officers and "
    "practitioners; never in the outputs folder.",
)
def publish_pre_proceedings_history(duckdb: DuckDBResource, outputs: OutputFolder) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        ensure_warehouse(conn)
        rows = conn.execute((SQL_DIR / "publish_pre_proceedings_history.sql").read_text()).fetch_df()
    path = outputs.restricted_folder() / HISTORY_WORKBOOK
    write_history_workbook(path, rows)
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(path)),
        "cases_listed": int(rows["pre_proceedings_ref"].nunique()) if len(rows) else 0,
        "rows_needing_clerical_review": int(rows["link_uncertain"].sum()) if len(rows) else 0,
    })
