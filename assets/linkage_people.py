"""People across sets: which records are the same woman (and the same man), and her stable
pseudonymous person_key.

Following Splink's production guidance: records are cleaned and standardised (staging), what is
certainly one person is pre-clustered (a set has one mother), a versioned model is trained and
saved with the run, pairs are predicted with that saved model, clerical decisions override it,
records are clustered once per role, and only then are keys published.
"""

import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa
from dagster_duckdb import DuckDBResource

from linkage.clerical_review import DECISIONS_FOLDER, read_decisions, write_review_workbook
from linkage.graph import connected_components
from linkage.person_model import BLOCKING_KEY_COLUMNS, blocking_counts_sql, exact_links_only, train_and_predict
from linkage.phonetics import write_name_phonetics
from linkage.pseudonyms import Pseudonymiser
from linkage.settings import LinkageConfig, load_name_variants
from linkage.sql_steps import keep_previous, run_sql, run_sql_file
from publish.output_folder import OutputFolder
from sources.landing import LandingFolder

SQL_DIR = Path(__file__).parent / "sql"
MODEL_FILES = {"mother": "mothers.json", "father": "fathers.json"}


@dg.asset(
    group_name="linkage",
    kinds={"duckdb"},
    pool="warehouse",
    deps=["linkage_set_members", "staging_care_leavers", "staging_case_file_review",
          "staging_service_participants", "staging_pre_proceedings"],
    description="Every parent mention in a source case, every care leaver, trawl form, service participant and "
    "parent of a pre-proceedings case, with name keys, dates of birth, Cafcass ids and postcode districts; "
    "records of one set's mother share a node. "
    "Also linkage.name_phonetics: the phonetic key (Metaphone) of every name key. "
    "Personal data: data officers only.",
)
def linkage_person_records(duckdb: DuckDBResource) -> dg.MaterializeResult:
    variants = load_name_variants()
    with duckdb.get_connection() as conn:
        conn.register("nicknames", pa.table({"name": [n for n, _ in variants], "group_number": [g for _, g in variants]}))
        conn.execute("""
            create or replace table linkage.name_variants as
            select distinct name_key(name) as name_key, group_number from nicknames order by all""")
        conn.unregister("nicknames")
        run_sql_file(conn, SQL_DIR / "linkage_person_records.sql")
        phonetic_names = write_name_phonetics(conn)
        counts = conn.execute(
            "select source || ' ' || role, count(*) from linkage.person_records group by all order by 1").fetchall()
    return dg.MaterializeResult(metadata={
        "records": dg.MetadataValue.json(dict(counts)),
        "nickname_groups": len({g for _, g in variants}),
        "names_phonetically_coded": phonetic_names,
    })


@dg.asset(
    group_name="linkage",
    kinds={"duckdb"},
    pool="warehouse",
    deps=[linkage_person_records],
    description=f"Clerical decisions (match / not a match) read from <landing>/{DECISIONS_FOLDER}/, resolved to "
    "today's records. They override the model.",
)
def linkage_clerical_decisions(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource, landing: LandingFolder
) -> dg.MaterializeResult:
    try:
        rows = read_decisions(Path(landing.path))
    except ValueError as problem:
        raise dg.Failure(description=str(problem)) from None
    not_understood = [r for r in rows if r.decision is None]
    for row in not_understood:
        context.log.warning(
            f"{DECISIONS_FOLDER}/{row.file_name} row {row.row_number}: decision not understood "
            "(write 'match' or 'not a match'); ignored")
    frame = pd.DataFrame(
        [vars(r) for r in rows], columns=["file_name", "row_number", "left_id", "right_id", "decision"]
    ).astype({"file_name": str, "row_number": "int64", "left_id": str, "right_id": str, "decision": object})
    with duckdb.get_connection() as conn:
        conn.register("decision_rows", frame)
        run_sql_file(conn, SQL_DIR / "linkage_clerical_decisions.sql")
        conn.unregister("decision_rows")
        applied = dict(conn.execute(
            "select decision, count(*) from linkage.clerical_decisions group by 1 order by 1").fetchall())
    understood = len(rows) - len(not_understood)
    if understood > sum(applied.values()):
        context.log.warning(
            f"{understood - sum(applied.values())} decision(s) name records that are no longer in the extracts, "
            "or two records of one node; ignored")
    return dg.MaterializeResult(metadata={
        "decisions_read": len(rows),
        "decisions_applied": dg.MetadataValue.json(applied),
        "decisions_not_understood": len(not_understood),
    })


def build_role_assets(role: str, upstream: list) -> tuple[dg.AssetsDefinition, dg.AssetsDefinition]:
    """`linkage_<role>_pairs` (train, save the model, predict) and `linkage_<role>_clusters`."""

    @dg.asset(
        name=f"linkage_{role}_pairs",
        group_name="linkage",
        kinds={"duckdb", "splink"},
        pool="warehouse",
        deps=upstream,
        description=f"Profiles of every {role} node (linkage.{role}_profiles, the values the model compares), a "
        "Splink model trained on them and "
        f"saved with the run (restricted folder, models/<run_id>/{MODEL_FILES[role]}), and the pairs it scored "
        f"(linkage.{role}_pairs) with each comparison's match weight.",
    )
    def pairs_asset(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource, outputs: OutputFolder, linkage: LinkageConfig
    ) -> dg.MaterializeResult:
        settings = linkage.settings()
        started = time.perf_counter()
        with duckdb.get_connection() as conn:
            run_sql_file(conn, SQL_DIR / f"linkage_{role}_partners.sql")
            run_sql_file(conn, SQL_DIR / "linkage_person_profiles.sql", role=role,
                         crowded_key_nodes=settings.crowded_key_nodes)
            # Kept: what the model compares. The blocking keys are many and the SQL rebuilds them.
            conn.execute(f"create or replace table linkage.{role}_profiles as "
                         f"select * exclude ({', '.join(BLOCKING_KEY_COLUMNS)}) from person_profiles")
            profiles = conn.sql("select * from person_profiles order by node_id").to_arrow_table()
            run_sql_file(conn, SQL_DIR / "linkage_exact_pairs.sql")
            exact_pairs = conn.sql("select * from exact_pairs").to_arrow_table()
            training_pairs = conn.execute("select pairs from training_pairs").fetchall()[0][0]
            run_sql(conn, f"create or replace temp table blocking_counts as {blocking_counts_sql('person_profiles')}",
                    "blocking counts (linkage/person_model.py, blocking_counts_sql)")
            blocked = dict(conn.execute("select rule, pairs from blocking_counts").fetchall())
        profiled = time.perf_counter() - started
        if training_pairs < settings.min_training_pairs:
            reason = (f"{profiles.num_rows:,} {role} node(s) and {training_pairs:,} pair(s) agreeing exactly on name "
                      f"and date of birth, fewer than min_training_pairs ({settings.min_training_pairs})")
            context.log.warning(f"{role}s: model not trained ({reason}); exact name + date of birth matches are "
                                f"the only links ({exact_pairs.num_rows:,} pairs), every other {role} is a person "
                                "of their own")
            model = exact_links_only(exact_pairs, role, profiles.num_rows, reason)
        else:
            context.log.info(f"{role}s: {profiles.num_rows:,} profiles built in {profiled:.1f}s; training and "
                             f"scoring pairs on {settings.engine.name}")
            model = train_and_predict(profiles, role, settings)
        for block in model.blocks_not_trained:
            context.log.warning(f"{role}s: too few pairs with the {block} to learn from; the model keeps the "
                                "other training block's estimates for what that block would have estimated")
        model_path = outputs.restricted_folder("models", context.run.run_id) / MODEL_FILES[role]
        model_path.write_text(model.model_json, encoding="utf-8")
        with duckdb.get_connection() as conn:
            conn.register("scored_pairs", model.predictions)
            conn.execute(f"create or replace table linkage.{role}_pairs as select * from scored_pairs")
            conn.unregister("scored_pairs")
        return dg.MaterializeResult(metadata={
            "model_path": dg.MetadataValue.path(str(model_path)),
            "model_sha256": model.sha256,
            "nodes": profiles.num_rows,
            "pairs_scored": model.predictions.num_rows,
            "model_trained": model.not_trained_because is None,
            "not_trained_because": model.not_trained_because or "",
            "exact_pairs": exact_pairs.num_rows,
            # Pairs each blocking rule lets through; their sum bounds the pairs the model compares.
            "blocked_pairs_by_rule": dg.MetadataValue.json(blocked),
            "blocked_pairs_at_most": sum(blocked.values()),
            "probability_two_random_records_match": (
                dg.MetadataValue.null() if model.probability_two_random_records_match is None
                else model.probability_two_random_records_match),
            "training_blocks_not_trained": dg.MetadataValue.json(model.blocks_not_trained),
            "seconds": dg.MetadataValue.json({"profiles": round(profiled, 2),
                                              "training": round(model.training_seconds, 2),
                                              "prediction": round(model.prediction_seconds, 2)}),
            "settings": dg.MetadataValue.json(settings.as_metadata()),
        })

    @dg.asset(
        name=f"linkage_{role}_clusters",
        group_name="linkage",
        kinds={"duckdb"},
        pool="warehouse",
        deps=[pairs_asset, linkage_clerical_decisions],
        description=f"Which {role} nodes are one person: pairs at or above the match threshold, with clerical "
        "decisions overriding the model ('not a match' holds even against links through others), clustered once.",
    )
    def clusters_asset(duckdb: DuckDBResource, linkage: LinkageConfig) -> dg.MaterializeResult:
        settings = linkage.settings()
        threshold = settings.role(role).match_threshold
        with duckdb.get_connection() as conn:
            clusters = connected_components(
                conn,
                f"select node_id from linkage.{role}_profiles",
                # A clerical 'match' outranks any model link.
                f"""
                select p.node_id_l, p.node_id_r, p.match_probability as strength from linkage.{role}_pairs p
                anti join (select * from linkage.clerical_decisions where decision = 'not a match') d
                    using (node_id_l, node_id_r)
                where p.match_probability >= {threshold}
                union all
                select node_id_l, node_id_r, 2 from linkage.clerical_decisions
                where role = '{role}' and decision = 'match'""",
                cannot_link_sql=f"""
                select node_id_l, node_id_r from linkage.clerical_decisions
                where role = '{role}' and decision = 'not a match'""",
                engine=settings.engine,
            )
            conn.register("clusters", clusters)
            conn.execute(f"create or replace table linkage.{role}_clusters as select * from clusters")
            conn.unregister("clusters")
            nodes, people, decided = conn.execute(f"""
                select count(*), count(distinct cluster_id),
                    (select count(*) from linkage.clerical_decisions where role = '{role}')
                from linkage.{role}_clusters""").fetchall()[0]
        return dg.MaterializeResult(metadata={
            "nodes": nodes, "people": people, "match_threshold": threshold, "clerical_decisions_applied": decided,
        })

    return pairs_asset, clusters_asset


linkage_mother_pairs, linkage_mother_clusters = build_role_assets("mother", [linkage_person_records])
# Fathers are linked after mothers: the woman who is mother in his sets is evidence.
linkage_father_pairs, linkage_father_clusters = build_role_assets(
    "father", [linkage_person_records, linkage_mother_clusters])


@dg.asset(
    group_name="linkage",
    kinds={"duckdb", "xlsx"},
    pool="warehouse",
    deps=[linkage_mother_pairs, linkage_father_pairs, linkage_clerical_decisions],
    description="Pairs the model is unsure of (inside the review band) and nobody has decided, most uncertain "
    "first: linkage.review_queue, and review_queue.xlsx in the restricted folder for data officers.",
)
def linkage_review_queue(duckdb: DuckDBResource, outputs: OutputFolder, linkage: LinkageConfig) -> dg.MaterializeResult:
    settings = linkage.settings()
    bands = {f"{role}_review_{end}": getattr(settings.role(role), f"review_{end}")
             for role in ("mother", "father") for end in ("low", "high")}
    with duckdb.get_connection() as conn:
        run_sql_file(conn, SQL_DIR / "linkage_review_queue.sql", review_max_pairs=settings.review_max_pairs, **bands)
        queue = conn.execute("select * from linkage.review_queue")
        columns = [column[0] for column in queue.description]
        rows = queue.fetchall()
        by_role = dict(conn.execute(
            "select role, count(*) from linkage.review_queue group by role order by role").fetchall())
    path = outputs.restricted_folder() / "review_queue.xlsx"
    write_review_workbook(columns, rows, path)
    return dg.MaterializeResult(metadata={
        "pairs_to_review": dg.MetadataValue.json(by_role),
        "workbook": dg.MetadataValue.path(str(path)),
        "review_bands": dg.MetadataValue.json(bands),
    })


@dg.asset(
    group_name="linkage",
    kinds={"duckdb"},
    pool="warehouse",
    deps=[linkage_mother_clusters, linkage_father_clusters],
    description="Every person record with its stable pseudonymous person_key (keyed hash of the cluster's "
    "anchor record: its earliest, kept from run to run).",
)
def linkage_person_clusters(duckdb: DuckDBResource, pseudonymiser: Pseudonymiser) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        pseudonymiser.register(conn)
        keep_previous(conn, "linkage.person_clusters", ["record_id", "anchor_record_id"], "previous_anchors")
        run_sql_file(conn, SQL_DIR / "linkage_person_clusters.sql")
        by_role = dict(conn.execute(
            "select role, count(distinct person_key) from linkage.person_clusters group by role order by role").fetchall())
        keyed_by_form = conn.execute(
            "select count(*) from linkage.person_clusters where keyed_by_form").fetchall()[0][0]
    return dg.MaterializeResult(metadata={
        "people_by_role": dg.MetadataValue.json(by_role),
        "forms_keyed_by_their_person_key": keyed_by_form,
    })
