"""The trawl code location: assets, checks, resources and the job, defined once.

`dagster dev -m pipelines.definitions` (or `trawl ui`) loads `defs`; the CLI builds the same
definitions for the landing folder and warehouse it was given.
"""

import os
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

import assets
from linkage.pseudonyms import Pseudonymiser
from linkage.settings import LinkageConfig
from pipelines.automation import build_automation
from pipelines.warehouse_copies import RunCopyWarehouse, build_copy_sensors
from publish.output_folder import OutputFolder
from publish.trawl_window import TrawlWindow
from sources.landing import LandingFolder

DEFAULT_LANDING = "data/landing"
DEFAULT_WAREHOUSE = "data/trawl.duckdb"

# How the job's steps run, chosen by TRAWL_EXECUTOR (Dagster's own executors):
#   in_process    one process for the whole run (the default; the CLI always runs this way)
#   multiprocess  each step in its own process, so a step that crashes cannot take the run
#                 with it; warehouse steps still run one at a time (the "warehouse" pool)
#   k8s           each step in its own Kubernetes pod (dagster-k8s; see docs/scale.md)
EXECUTORS = ("in_process", "multiprocess", "k8s")


def trawl_executor(name: str | None = None) -> dg.ExecutorDefinition:
    name = (name or os.environ.get("TRAWL_EXECUTOR") or "in_process").lower()
    if name == "in_process":
        return dg.in_process_executor
    if name == "multiprocess":
        return dg.multiprocess_executor
    if name == "k8s":
        try:
            from dagster_k8s import k8s_job_executor
        except ImportError:
            raise RuntimeError("TRAWL_EXECUTOR=k8s needs dagster-k8s (pip install -r requirements.lock)") from None
        return k8s_job_executor
    raise RuntimeError(f"TRAWL_EXECUTOR must be one of {', '.join(EXECUTORS)}, not {name!r}")


def trawl_job(executor: dg.ExecutorDefinition):
    return dg.define_asset_job(
        "trawl",
        selection=dg.AssetSelection.all(),
        executor_def=executor,
        description="Read every extract, validate, stage and quarantine, then build the warehouse tables.",
    )


def build_definitions(
    landing: str | Path | None = None,
    warehouse: str | Path | None = None,
    column_mappings: str | Path | None = None,
    sql_sources: str | Path | None = None,
    outputs: str | Path | None = None,
    linkage_config: str | Path | None = None,
    run_copies: bool = True,
) -> dg.Definitions:
    """With run_copies, each run writes a copy of the warehouse that replaces it only if the run
    succeeds (pipelines/warehouse_copies.py); `trawl run` makes its own copy and turns this off."""
    landing = landing or os.environ.get("TRAWL_LANDING", DEFAULT_LANDING)
    warehouse = warehouse or os.environ.get("TRAWL_WAREHOUSE", DEFAULT_WAREHOUSE)
    column_mappings = column_mappings or os.environ.get("TRAWL_COLUMN_MAPPINGS")
    sql_sources = sql_sources or os.environ.get("TRAWL_SQL_SOURCES")
    linkage_config = linkage_config or os.environ.get("TRAWL_LINKAGE_CONFIG")
    outputs = outputs or os.environ.get("TRAWL_OUTPUTS") or Path(warehouse).parent / "outputs"
    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    executor = trawl_executor()
    job = trawl_job(executor)
    sensors, schedules = build_automation(job, warehouse)
    if run_copies:
        sensors += build_copy_sensors(warehouse)
    return dg.Definitions(
        # Every asset and check defined in a module of the assets/ package, by stage.
        assets=dg.load_assets_from_package_module(assets),
        asset_checks=dg.load_asset_checks_from_package_module(assets),
        jobs=[job],
        # Also for runs of a few assets launched from the web UI ("Materialize").
        executor=executor,
        sensors=sensors,
        schedules=schedules,
        resources={
            "duckdb": (RunCopyWarehouse if run_copies else DuckDBResource)(database=str(warehouse)),
            "landing": LandingFolder(
                path=str(landing),
                column_mappings=str(column_mappings) if column_mappings else None,
                sql_sources=str(sql_sources) if sql_sources else None,
            ),
            "outputs": OutputFolder(path=str(outputs), restricted_path=str(Path(warehouse).parent / "restricted")),
            # Keys person_key and proceedings_id; the secret comes from the environment, never run config.
            "pseudonymiser": Pseudonymiser(),
            # Which sets this run counts; all of them unless run config says otherwise.
            "trawl_window": TrawlWindow(),
            # Linkage thresholds, training and engine (DuckDB or Spark): config/linkage.yaml by default.
            "linkage": LinkageConfig(path=str(linkage_config) if linkage_config else None),
        },
    )


defs = build_definitions()
