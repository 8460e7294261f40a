"""How much better is trawl's linkage than the obvious alternatives? Scores, on the same mother
records and the same truth, three ways of saying which records are one woman:

- exact: records with the same forename key, surname key and date of birth;
- plain Splink: a textbook Splink model on forename, surname and date of birth only, record by
  record (no sets, no Cafcass ids, nicknames, former surnames, swaps, postcodes or fathers), at
  trawl's match threshold and at 0.5 (benchmarks/pipeline_scale.py times the same model);
- trawl: the pipeline's own clusters (linkage.person_clusters).

Run it on a warehouse a full run has built from `trawl synth` extracts:

    .venv/bin/python benchmarks/linkage_baselines.py --warehouse /tmp/l6k.duckdb --truth /tmp/l6k/truth

Pairwise precision and recall count pairs of mother records (legal, court, Cafcass, trawl forms).
Recurrent s31 sets are counted for every method the same way trawl counts them, with each
method's links added to trawl's sets of proceedings (a set has one mother).
"""

import argparse
import logging
import math
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_analysis import count_comparisons_from_blocking_rules
from splink.blocking_rule_library import CustomRule

from linkage.graph import connected_components
from linkage.settings import load_settings

MOTHER_RECORDS = """
    select record_id, node_id, proceedings_id, is_s31, forename_key, surname_key, dob
    from linkage.person_records where role = 'mother' order by record_id"""


def exact_links(conn: duckdb.DuckDBPyConnection) -> pa.Table:
    return conn.sql(f"""
        with records as ({MOTHER_RECORDS})
        select l.record_id as node_id_l, r.record_id as node_id_r, 1 as strength
        from records l join records r
          on l.forename_key = r.forename_key and l.surname_key = r.surname_key and l.dob = r.dob
         and l.record_id < r.record_id""").to_arrow_table()


# Prediction blocks a Splink user would choose at scale: a date of birth alone pairs every
# woman born on one day (at 200,000 mothers, more pairs than memory holds).
PLAIN_BLOCKS = [
    block_on("dob", "forename_key"),
    block_on("dob", "surname_key"),
    CustomRule("l.forename_key = r.forename_key and l.surname_key = r.surname_key "
               "and date_trunc('month', l.dob) = date_trunc('month', r.dob)"),
]


def plain_splink(conn: duckdb.DuckDBPyConnection, cluster_threshold: float | None = None) -> tuple[pa.Table, pa.Table | None]:
    """The textbook model: train, predict every blocked pair at 0.5 or more, and (given a
    threshold) cluster. Returns the links (strength = probability) and the clusters."""
    settings = load_settings()
    records = conn.sql(f"select record_id, forename_key, surname_key, dob from ({MOTHER_RECORDS})").to_arrow_table()
    with duckdb.connect() as session:
        model = SettingsCreator(
            link_type="dedupe_only",
            unique_id_column_name="record_id",
            comparisons=[
                cl.NameComparison("forename_key"),
                cl.NameComparison("surname_key"),
                cl.DateOfBirthComparison("dob", input_is_string=False),
            ],
            blocking_rules_to_generate_predictions=PLAIN_BLOCKS,
        )
        linker = Linker(DuckDBAPI(connection=session).register(records, table_name="records"), model,
                        log_level=logging.WARNING)
        linker.training.estimate_probability_two_random_records_match(
            [block_on("forename_key", "surname_key", "dob")], recall=settings.deterministic_rules_recall)
        linker.training.estimate_u_using_random_sampling(max_pairs=settings.u_max_pairs, seed=settings.seed)
        for block in (block_on("dob"), block_on("forename_key", "surname_key")):
            linker.training.estimate_parameters_using_expectation_maximisation(block, max_pairs=settings.em_max_pairs)
        return _links_and_clusters(linker, "record_id", cluster_threshold)


def _links_and_clusters(linker: Linker, unique_id: str, cluster_threshold: float | None,
                        chunks_a_side: int = 1) -> tuple[pa.Table, pa.Table | None]:
    """Every pair the trained `linker` scores at 0.5 or more (node_id_l, node_id_r, strength =
    probability) and, given a threshold, its clusters. Scored in chunks_a_side squared chunks."""
    predictions = linker.inference.predict(threshold_match_probability=0.5, num_chunks_left=chunks_a_side,
                                           num_chunks_right=chunks_a_side)
    links = (predictions.as_duckdbpyrelation()
             .select(f"{unique_id}_l as node_id_l, {unique_id}_r as node_id_r, match_probability as strength")
             .to_arrow_table())
    clusters = None
    if cluster_threshold is not None:
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=cluster_threshold).as_duckdbpyrelation().to_arrow_table()
    return links, clusters


# The plain model issue 11 describes (benchmarks/linkage_public.py scores it on FEBRL, and
# benchmarks/pipeline_scale.py times it): blocked on date of birth, on both names, and on the
# postcode with either name.
ISSUE_BLOCKS = [
    block_on("dob"),
    block_on("forename", "surname"),
    block_on("postcode", "forename"),
    block_on("postcode", "surname"),
]


def _issue_settings(unique_id: str) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=unique_id,
        comparisons=[
            cl.NameComparison("forename"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=False),
            cl.ExactMatch("postcode"),
        ],
        blocking_rules_to_generate_predictions=ISSUE_BLOCKS,
    )


def issue_blocked_pairs(records: pa.Table, unique_id: str) -> list[int]:
    """How many pairs each of ISSUE_BLOCKS adds to those before it: counted up to 100,000
    records, and above that estimated by Splink from a 5% sample of them (making every pair
    would take as long as the model)."""
    with duckdb.connect() as session:
        table = DuckDBAPI(connection=session).register(records, table_name="records")
        return [rule["marginal_comparison_count"] for rule in count_comparisons_from_blocking_rules(
            table, blocking_rules=ISSUE_BLOCKS, link_type="dedupe_only", unique_id_column_name=unique_id,
            record_sample_proportion=1.0 if records.num_rows <= 100_000 else 0.05)]


# Pairs scored in one go at most; more are scored in chunks (Splink's num_chunks_left/right), as
# Splink advises for big jobs, so the plain model's blocked pairs need not fit in memory at once.
PAIRS_PER_CHUNK = 25_000_000


def issue_plain_splink(records: pa.Table, unique_id: str, *, recall: float, u_max_pairs: float, em_max_pairs: float,
                       seed: int, cluster_threshold: float | None = None,
                       blocked_pairs: int = 0) -> tuple[pa.Table, pa.Table | None]:
    """The plain model an analyst writes in an afternoon, trained as Splink's tutorials do, on
    `records` (`unique_id`, forename, surname, dob as a date, postcode): every blocked pair at 0.5
    or more (node_id_l, node_id_r, strength = probability) and, given a threshold, the clusters.
    Training samples at most as many pairs as trawl's does (u_max_pairs, em_max_pairs): on every
    pair of a big block (240 million with the same names at 200,000 mothers) EM alone runs for
    over a quarter of an hour. Given how many pairs its rules block (issue_blocked_pairs), they are
    scored in chunks of about PAIRS_PER_CHUNK."""
    with duckdb.connect() as session:
        linker = Linker(DuckDBAPI(connection=session).register(records, table_name="records"),
                        _issue_settings(unique_id), log_level=logging.WARNING)
        linker.training.estimate_probability_two_random_records_match(
            [block_on("forename", "surname", "dob")], recall=recall)
        linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed)
        for block in (block_on("dob"), block_on("forename", "surname")):
            linker.training.estimate_parameters_using_expectation_maximisation(block, max_pairs=em_max_pairs)
        return _links_and_clusters(linker, unique_id, cluster_threshold,
                                   chunks_a_side=max(1, math.ceil(math.sqrt(blocked_pairs / PAIRS_PER_CHUNK))))


def score(conn: duckdb.DuckDBPyConnection, links: pa.Table) -> dict:
    """Pairwise precision/recall/F1 of mother records, and recurrent s31 sets with trawl's sets."""
    conn.register("method_links", links)
    record_clusters = connected_components(conn, f"select record_id as node_id from ({MOTHER_RECORDS})",
                                           "select * from method_links")
    # One set, one mother: a method's people, joined through the sets they are mothers in.
    set_clusters = connected_components(
        conn, f"select record_id as node_id from ({MOTHER_RECORDS})",
        f"""select * from method_links
            union all select l.record_id, r.record_id, 1 from ({MOTHER_RECORDS}) l join ({MOTHER_RECORDS}) r
            on l.node_id = r.node_id and l.record_id < r.record_id""")
    conn.register("record_clusters", record_clusters)
    conn.register("set_clusters", set_clusters)
    together, predicted, truly = conn.execute("""
        with scored as (
            select c.cluster_id, t.true_person_id
            from record_clusters c
            join linkage.person_records r on r.record_id = c.node_id
            join truth_people t using (source, source_case_ref, person_ref)
        )
        select (select sum(n * (n - 1) / 2) from (select count(*) n from scored group by cluster_id, true_person_id)),
               (select sum(n * (n - 1) / 2) from (select count(*) n from scored group by cluster_id)),
               (select sum(n * (n - 1) / 2) from (select count(*) n from scored group by true_person_id))""").fetchall()[0]
    recurrent = conn.execute("""
        with mother_sets as (
            select distinct c.cluster_id, m.proceedings_id, m.issue_date
            from set_clusters c
            join linkage.person_records r on r.record_id = c.node_id
            join linkage.set_members m using (proceedings_id)
            where m.is_s31
        )
        select count(*) filter (where issue_date > first_date)
        from (select *, min(issue_date) over (partition by cluster_id) as first_date from mother_sets)""").fetchall()[0][0]
    precision, recall = together / predicted, together / truly
    return {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall),
            "recurrent_s31_sets": recurrent}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", required=True, type=Path)
    parser.add_argument("--truth", required=True, type=Path, help="the truth/ folder trawl synth wrote")
    args = parser.parse_args()
    threshold = load_settings().mothers.match_threshold
    with duckdb.connect(str(args.warehouse), read_only=True) as conn:
        conn.execute("create temp table truth_people as select * from read_csv(?, all_varchar = true)",
                     [str(args.truth / "person_records.csv")])
        trawl_links = conn.sql("""
            select record_id as node_id_l, first_record as node_id_r, 1 as strength
            from (select record_id, min(record_id) over (partition by person_key) as first_record
                  from linkage.person_clusters where role = 'mother')
            where record_id <> first_record""").to_arrow_table()
        plain, _ = plain_splink(conn)
        results = {
            "exact name + date of birth": score(conn, exact_links(conn)),
            **{f"plain Splink, names + date of birth, p >= {cut}":
               score(conn, plain.filter(pc.greater_equal(plain["strength"], cut))) for cut in (threshold, 0.5)},
            f"trawl (p >= {threshold})": score(conn, trawl_links),
        }
        true_recurrent = conn.execute("""
            with sets as (select true_set_id, any_value(true_mother_id) mother, min(issue_date::date) issued
                          from read_csv(?, all_varchar = true) where is_s31 = 'true' group by true_set_id)
            select count(*) filter (where issued > first) from (
                select *, min(issued) over (partition by mother) as first from sets)""",
            [str(args.truth / "proceedings.csv")]).fetchall()[0][0]
    print(f"{'method':<52}{'precision':>10}{'recall':>9}{'F1':>8}{'recurrent s31 sets':>20}")
    for method, figures in results.items():
        print(f"{method:<52}{figures['precision']:>10.4f}{figures['recall']:>9.4f}{figures['f1']:>8.4f}"
              f"{figures['recurrent_s31_sets']:>12,} ({100 * (figures['recurrent_s31_sets'] / true_recurrent - 1):+.1f}%)")
    print(f"{'truth':<52}{'':>27}{true_recurrent:>12,}")


if __name__ == "__main__":
    main()
