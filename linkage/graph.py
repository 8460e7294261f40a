"""Groups of linked records: connected components, solved by Splink in a private session (an
in-memory DuckDB by default), so Splink's working tables never land in the warehouse.

A clerical 'not a match' must hold even where other links would join the two records through a
third: the few groups holding such a pair are rebuilt from their strongest links down, leaving
out any link that would put the two back together.
"""

import duckdb
import pyarrow as pa
from splink.clustering import cluster_pairwise_predictions_at_threshold

from linkage.engines import EngineSettings, splink_session, withholding_messages


@withholding_messages
def connected_components(
    conn: duckdb.DuckDBPyConnection, nodes_sql: str, edges_sql: str, cannot_link_sql: str | None = None,
    engine: EngineSettings = EngineSettings(),
) -> pa.Table:
    """(node_id, cluster_id) for every node of `nodes_sql` (a `node_id` column), where every edge
    of `edges_sql` (`node_id_l`, `node_id_r`, `strength`) is a link, and no two nodes of a
    `cannot_link_sql` pair (`node_id_l`, `node_id_r`) share a group. cluster_id is the smallest
    node id in its group, so it depends on the groups only, not on the order rows arrive in.
    Splink clusters on `engine` (linkage/engines.py); the few groups a clerical 'not a match'
    breaks are rebuilt here, in memory."""
    nodes = conn.sql(nodes_sql).to_arrow_table()
    edges = conn.sql(edges_sql).to_arrow_table()
    if edges.num_rows == 0:
        # No links (a role with no records, or nobody who repeats): every node is its own group.
        clusters = pa.table({"node_id": nodes["node_id"], "cluster_id": nodes["node_id"]})
    else:
        with splink_session(engine) as session:
            clusters = session.to_arrow(cluster_pairwise_predictions_at_threshold(
                nodes, edges.select(["node_id_l", "node_id_r"]), session.db_api,
                "node_id", "node_id_l", "node_id_r",
            )).select(["node_id", "cluster_id"])
    if cannot_link_sql is not None:
        with duckdb.connect() as session:
            session.register("clusters", clusters)
            session.register("edges", edges)
            session.register("cannot_links", conn.sql(cannot_link_sql).to_arrow_table())
            clusters = _honour_cannot_links(session)
    return clusters.sort_by("node_id")


def _honour_cannot_links(session: duckdb.DuckDBPyConnection) -> pa.Table:
    broken = session.sql("""
        select distinct l.cluster_id from cannot_links c
        join clusters l on l.node_id = c.node_id_l
        join clusters r on r.node_id = c.node_id_r
        where l.cluster_id = r.cluster_id""").fetchall()
    if not broken:
        return session.sql("select * from clusters").to_arrow_table()
    session.register("broken", pa.table({"cluster_id": [cluster for cluster, in broken]}))
    members = session.sql("select node_id from clusters join broken using (cluster_id) order by node_id").fetchall()
    links = session.sql("""
        select e.node_id_l, e.node_id_r from edges e
        join clusters l on l.node_id = e.node_id_l join broken using (cluster_id)
        order by e.strength desc, e.node_id_l, e.node_id_r""").fetchall()
    apart = session.sql("select node_id_l, node_id_r from cannot_links").fetchall()
    regrouped = _greedy_groups([node for node, in members], links, apart)
    session.register("regrouped", pa.table({"node_id": list(regrouped), "new_cluster_id": list(regrouped.values())}))
    return session.sql("""
        select c.node_id, coalesce(g.new_cluster_id, c.cluster_id) as cluster_id
        from clusters c left join regrouped g using (node_id)""").to_arrow_table()


def _greedy_groups(nodes: list[str], links: list[tuple[str, str]], apart: list[tuple[str, str]]) -> dict[str, str]:
    """Union the links strongest first, skipping a link that would join two nodes kept apart."""
    group = {node: node for node in nodes}
    members = {node: {node} for node in nodes}
    kept_apart: dict[str, set[str]] = {node: set() for node in nodes}
    for left, right in apart:
        if left in group and right in group:
            kept_apart[left].add(right)
            kept_apart[right].add(left)
    for left, right in links:
        a, b = group[left], group[right]
        if a == b or any(kept_apart[node] & members[b] for node in members[a]):
            continue
        a, b = sorted((a, b))
        for node in members[b]:
            group[node] = a
        members[a] |= members.pop(b)
    return {node: min(members[group[node]]) for node in nodes}
