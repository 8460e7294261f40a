"""Where Splink trains, predicts and clusters people: a private in-memory DuckDB session on this
machine (the default), or Apache Spark when one machine is not enough (config/linkage.yaml,
`engine`). The warehouse itself stays in DuckDB either way; only the pairwise work moves.

Both engines are handed the same profiles and hand back Arrow tables, so the assets around them
do not know which one ran. Spark's error messages, like DuckDB's, can quote the values they
failed on, so a failure inside a session is reported by its kind only.
"""

import functools
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
from splink import DuckDBAPI

ENGINES = ("duckdb", "spark")
BREAK_LINEAGE_METHODS = ("persist", "parquet", "checkpoint")


@dataclass(frozen=True)
class SparkSettings:
    master: str = "local[*]"
    driver_memory: str = "4g"
    shuffle_partitions: int = 8
    # persist keeps Splink's intermediate tables in executor memory (nothing written to disk);
    # parquet and checkpoint write them under checkpoint_dir, which must be access-controlled.
    break_lineage: str = "persist"
    checkpoint_dir: str = ""
    # Any other Spark properties (spark.executor.memory, spark.kubernetes.namespace...).
    conf: dict = field(default_factory=dict)


@dataclass(frozen=True)
class EngineSettings:
    name: str = "duckdb"
    spark: SparkSettings = SparkSettings()


def engine_settings(entry: dict | None) -> EngineSettings:
    """The `engine` section of config/linkage.yaml (absent: DuckDB)."""
    entry = entry or {}
    name = str(entry.get("name", "duckdb")).lower()
    if name not in ENGINES:
        raise ValueError(f"config/linkage.yaml: engine.name must be one of {', '.join(ENGINES)}, not {name!r}")
    spark = SparkSettings(**(entry.get("spark") or {}))
    if spark.break_lineage not in BREAK_LINEAGE_METHODS:
        raise ValueError("config/linkage.yaml: engine.spark.break_lineage must be one of "
                         f"{', '.join(BREAK_LINEAGE_METHODS)}")
    if spark.break_lineage != "persist" and not spark.checkpoint_dir:
        raise ValueError("config/linkage.yaml: engine.spark.checkpoint_dir is needed when break_lineage writes "
                         "intermediate tables (parquet, checkpoint); use an access-controlled folder")
    return EngineSettings(name=name, spark=spark)


class LinkageEngineError(RuntimeError):
    """The linkage engine failed; the message names the kind of failure, never a value."""


@dataclass
class SplinkSession:
    """A Splink database API and the SQL dialect its custom comparison SQL must be written in."""
    db_api: object
    dialect: str  # "duckdb" or "spark"

    def to_arrow(self, table) -> pa.Table:
        """A SplinkDataFrame as an Arrow table, out of the engine."""
        if self.dialect == "duckdb":
            return table.as_duckdbpyrelation().to_arrow_table()
        return table.as_spark_dataframe().toArrow()


@contextmanager
def splink_session(engine: EngineSettings) -> Iterator[SplinkSession]:
    if engine.name == "duckdb":
        with duckdb.connect() as conn:
            yield SplinkSession(DuckDBAPI(connection=conn), "duckdb")
        return
    spark = spark_session(engine.spark)
    from splink.backends.spark import SparkAPI

    try:
        yield SplinkSession(
            SparkAPI(spark_session=spark, break_lineage_method=engine.spark.break_lineage,
                     num_partitions_on_repartition=engine.spark.shuffle_partitions),
            "spark")
    finally:
        spark.catalog.clearCache()


def withholding_messages(function):
    """Run a linkage function; if the engine fails, raise LinkageEngineError naming the kind of
    failure only, with nothing chained to it (Dagster records the whole chain)."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except LinkageEngineError:
            raise
        except Exception as error:  # Py4J, Spark, DuckDB and Splink errors alike
            failed = type(error).__name__
        # Raised outside the except block so the original message is not chained onto it.
        raise LinkageEngineError(
            f"The linkage engine failed in {function.__name__} ({failed}). Its message is withheld because it "
            "can quote personal data; a data officer can rerun the linkage by hand to see it.")
    return wrapper


def spark_session(settings: SparkSettings):
    """A SparkSession with Splink's similarity functions (jaro_winkler, damerau_levenshtein...)
    registered; an existing session in this process is reused, as getOrCreate does."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise LinkageEngineError("engine 'spark' needs Java 17 or later (java on PATH or JAVA_HOME set)")
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError:
        raise LinkageEngineError("engine 'spark' needs pyspark (pip install -r requirements.lock)") from None

    builder = (
        SparkSession.builder.appName("trawl-linkage")
        .master(settings.master)
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", settings.driver_memory)
        .config("spark.sql.shuffle.partitions", str(settings.shuffle_partitions))
        .config("spark.default.parallelism", str(settings.shuffle_partitions))
        # No web UI: its SQL tab would show the records being linked to anyone on the network.
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.local.dir", _private_scratch())
    )
    for name, value in settings.conf.items():
        builder = builder.config(name, str(value))
    spark = builder.getOrCreate()
    # Off, not ERROR: a failed task's log line can quote the value it failed on, and the JVM
    # writes to this process's stderr, which Dagster keeps with the run. Failures still surface
    # as exceptions, withheld by withholding_messages.
    spark.sparkContext.setLogLevel("OFF")
    if settings.checkpoint_dir:
        spark.sparkContext.setCheckpointDir(settings.checkpoint_dir)
    return spark


def _private_scratch() -> str:
    """Spark's shuffle and spill files hold personal data: an owner-only folder for them."""
    path = os.path.join(tempfile.gettempdir(), f"trawl-spark-{os.getuid()}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    return path
