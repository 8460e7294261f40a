"""The linkage engine is a config switch: the whole trawl run with Splink on Apache Spark (local
mode) gives the same people as with Splink on DuckDB, down to the published tables."""

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from linkage.engines import EngineSettings, LinkageEngineError, engine_settings
from linkage.graph import connected_components
from linkage.settings import LINKAGE_CONFIG
from pipelines.cli import run_trawl
from sources.synth import generate

COMPARED_TABLES = [
    "linkage.mother_pairs", "linkage.mother_clusters", "linkage.father_clusters", "linkage.person_clusters", "core.mothers",
    "marts.published_prevalence_by_year", "marts.published_return_within_years",
]


def _linkage_config(tmp_path: Path, engine: str) -> Path:
    config = yaml.safe_load(LINKAGE_CONFIG.read_text())
    # Two cores, one partition, no code generation or adaptive planning: on a few hundred
    # profiles, Spark's overheads (tasks, planning and compiling each query) are most of the time.
    config["engine"] = {"name": engine, "spark": {"master": "local[2]", "shuffle_partitions": 1,
                                                  "driver_memory": "1g",
                                                  "conf": {"spark.sql.codegen.wholeStage": "false",
                                                           "spark.sql.adaptive.enabled": "false"}}}
    path = tmp_path / f"linkage_{engine}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.skipif(shutil.which("java") is None, reason="the Spark engine needs Java 17 or later; no java on PATH")
def test_spark_engine_finds_the_same_people_as_duckdb(tmp_path: Path):
    landing = tmp_path / "landing"
    generate(landing, mothers=150, seed=11)
    warehouses = {}
    for engine in ("duckdb", "spark"):
        warehouses[engine] = tmp_path / engine / "trawl.duckdb"
        result = run_trawl(landing, warehouses[engine], instance=dg.DagsterInstance.ephemeral(),
                           linkage_config=_linkage_config(tmp_path, engine))
        assert result.success, engine
        pairs = result.asset_materializations_for_node("linkage_mother_pairs")[0].metadata
        assert pairs["settings"].value["engine"]["name"] == engine

    with duckdb.connect() as conn:
        conn.execute(f"attach '{warehouses['duckdb']}' as on_duckdb (read_only)")
        conn.execute(f"attach '{warehouses['spark']}' as on_spark (read_only)")
        mothers, people = conn.execute("""
            select count(distinct cluster_id), (select count(distinct person_key) from on_spark.linkage.person_clusters)
            from on_spark.linkage.mother_clusters""").fetchall()[0]
        assert mothers > 100 and people > mothers  # a real linkage, not two empty tables
        for table in COMPARED_TABLES:
            columns = "node_id_l, node_id_r" if table.endswith("_pairs") else "*"
            differ = conn.execute(f"""
                select count(*) from (
                    (select {columns} from on_duckdb.{table} except all select {columns} from on_spark.{table})
                    union all
                    (select {columns} from on_spark.{table} except all select {columns} from on_duckdb.{table}))
                """).fetchall()[0][0]
            assert differ == 0, table
        # Scores agree closely too: the engines' Jaro-Winkler and sums differ only in the last digits.
        largest_gap = conn.execute("""
            select max(abs(d.match_probability - s.match_probability))
            from on_duckdb.linkage.mother_pairs d join on_spark.linkage.mother_pairs s using (node_id_l, node_id_r)
            """).fetchall()[0][0]
        assert largest_gap < 0.01


def test_engine_config_is_checked():
    assert engine_settings(None) == EngineSettings()
    with pytest.raises(ValueError, match="engine.name must be one of duckdb, spark"):
        engine_settings({"name": "sparky"})
    with pytest.raises(ValueError, match="checkpoint_dir is needed"):
        engine_settings({"name": "spark", "spark": {"break_lineage": "parquet"}})


def test_engine_errors_do_not_quote_the_data():
    """A failure inside linkage is reported by kind: the engine's own message may hold the values."""
    with duckdb.connect() as conn:
        conn.execute("create table people as select 'Featherstonehaugh' as surname")
        with pytest.raises(LinkageEngineError) as failure:
            connected_components(conn, "select cast(surname as integer) as node_id from people",
                                 "select 1 as node_id_l, 1 as node_id_r, 1 as strength")
    assert "Featherstonehaugh" not in str(failure.value)
    assert "ConversionException" in str(failure.value) and "connected_components" in str(failure.value)
    assert failure.value.__cause__ is None and failure.value.__context__ is None
