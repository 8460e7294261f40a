"""The other clusterings the model supports, from the same scored pairs, for the sensitivity
analysis (assets/linkage_sensitivity.py).

Each published figure rests on one clustering: pairs at or above the match threshold. The pairs
inside the review band are the ones the model is unsure of, so the figures are recomputed with
  lower  only the pairs at or above the top of the review band,
  upper  every pair at or above its bottom,
  draws  the pairs above the band plus each band pair accepted with its match probability
         (seeded, so a run can be repeated).
Clerical decisions hold in every variant. Only mothers' links vary: every key figure is about
mothers, and the fathers' clusters are read as published. A variant is rebuilt by the pipeline's own assets
(clusters, person keys, core tables, marts) run on a scratch catalog: an in-memory DuckDB
database attached to the warehouse connection, whose tables are views onto the warehouse except
those the variant rebuilds. So a variant costs one clustering and the tail of the pipeline, and
never touches the warehouse's own tables.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import yaml
from dagster_duckdb import DuckDBResource

from linkage.pseudonyms import Pseudonymiser
from linkage.settings import LINKAGE_CONFIG, LinkageConfig, LinkageSettings

SCRATCH_CATALOG = "linkage_variant"
# Schemas whose tables a variant can read; the tables it rebuilds start empty instead.
READ_SCHEMAS = ("staging", "linkage", "core", "marts")
# Largest value of DuckDB's 64-bit hash, to turn a hash into a number in [0, 1].
HASH_MAX = 2.0 ** 64 - 1


@dataclass(frozen=True)
class SensitivitySettings:
    draws: int = 0
    seed: int = 1


def load_sensitivity_settings(path: str | None) -> SensitivitySettings:
    """The `sensitivity` section of the linkage settings file (absent: no draws)."""
    entry = (yaml.safe_load(Path(path or LINKAGE_CONFIG).read_text()) or {}).get("sensitivity") or {}
    settings = SensitivitySettings(draws=int(entry.get("draws", 0)), seed=int(entry.get("seed", 1)))
    if settings.draws < 0:
        raise ValueError("config/linkage.yaml: sensitivity.draws must be 0 or more")
    return settings


@dataclass(frozen=True)
class ClusteringVariant:
    name: str  # 'lower', 'upper', 'draw 1', ...
    match_threshold: float  # mother pairs at or above this are links
    draw_seed: int | None = None  # band pairs are kept with their probability, seeded by this

    def mother_pairs_sql(self, warehouse: str, review_low: float, review_high: float) -> str:
        """The variant's linkage.mother_pairs: the scored pairs, less band pairs a draw rejected."""
        pairs = f"select * from {warehouse}.linkage.mother_pairs"
        if self.draw_seed is None:
            return pairs
        drawn = f"hash(node_id_l || '|' || node_id_r || '|' || {self.draw_seed}) / {HASH_MAX}"
        return (f"{pairs} where not (match_probability >= {review_low} and match_probability < {review_high} "
                f"and {drawn} >= match_probability)")


def clustering_variants(settings: LinkageSettings, sensitivity: SensitivitySettings) -> list[ClusteringVariant]:
    mothers = settings.mothers
    variants = [ClusteringVariant("lower", mothers.review_high), ClusteringVariant("upper", mothers.review_low)]
    variants += [ClusteringVariant(f"draw {n}", mothers.review_low, draw_seed=sensitivity.seed * 100_003 + n)
                 for n in range(1, sensitivity.draws + 1)]
    return variants


class VariantLinkageConfig(LinkageConfig):
    """The run's linkage settings with the variant's match threshold for mothers."""

    mother_match_threshold: float

    def settings(self) -> LinkageSettings:
        settings = super().settings()
        return replace(settings, mothers=replace(settings.mothers, match_threshold=self.mother_match_threshold))


class VariantPseudonymiser(Pseudonymiser):
    """For the variants' connections, where `pseudonym` is already registered: by the connection
    that runs every variant, which outlives theirs. (A Python function belongs to the database
    instance, which the variants share, but must not outlive the connection that registered it.)"""

    def register(self, conn: duckdb.DuckDBPyConnection) -> None:
        pass


class ScratchWarehouse(DuckDBResource):
    """Connections to the warehouse that read and write the scratch catalog first. The catalog is
    attached to the database instance, so every connection the assets open sees it."""

    catalog: str
    warehouse_catalog: str

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with super().get_connection() as conn:
            conn.execute(f"use {self.catalog}")
            # Macros and functions the warehouse defines are found there.
            conn.execute(f"set search_path = '{self.catalog}.main,{self.warehouse_catalog}.main'")
            yield conn


@contextmanager
def scratch_catalog(
    conn: duckdb.DuckDBPyConnection, warehouse_resource: DuckDBResource, database: str, rebuilt: list[str],
    variant: ClusteringVariant, review_low: float, review_high: float,
) -> Iterator[ScratchWarehouse]:
    """An in-memory catalog on `conn`'s database (file `database`, opened as `warehouse_resource`
    opens it) where the `rebuilt` tables
    ('schema.table') start empty and every other table of READ_SCHEMAS is a view onto the
    warehouse; dropped on leaving."""
    connection_config = warehouse_resource.connection_config
    catalog = conn.execute("select current_database()").fetchall()[0][0]
    warehouse = f'"{catalog}"'
    tables = conn.execute(
        f"select schema_name, table_name from duckdb_tables() where database_name = ? "
        f"and schema_name in ({', '.join('?' * len(READ_SCHEMAS))}) order by all",
        [catalog, *READ_SCHEMAS],
    ).fetchall()
    conn.execute(f"attach ':memory:' as {SCRATCH_CATALOG}")
    try:
        for schema in READ_SCHEMAS:
            conn.execute(f"create schema {SCRATCH_CATALOG}.{schema}")
        for schema, table in tables:
            name = f"{schema}.{table}"
            target = f"{SCRATCH_CATALOG}.{name}"
            if name in rebuilt:
                conn.execute(f"create table {target} as select * from {warehouse}.{name} limit 0")
            elif name == "linkage.mother_pairs":
                conn.execute(f"create view {target} as {variant.mother_pairs_sql(warehouse, review_low, review_high)}")
            else:
                conn.execute(f"create view {target} as select * from {warehouse}.{name}")
        yield ScratchWarehouse(database=database, connection_config=connection_config, catalog=SCRATCH_CATALOG,
                               warehouse_catalog=warehouse)
    finally:
        conn.execute(f"use {warehouse}")
        conn.execute(f"detach {SCRATCH_CATALOG}")
