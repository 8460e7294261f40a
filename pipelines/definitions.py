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
from publish.output_folder import OutputFolder
from publish.trawl_window import TrawlWindow
from sources.landing import LandingFolder

DEFAULT_LANDING = "data/landing"
DEFAULT_WAREHOUSE = "data/trawl.duckdb"

# One process for the whole run: a DuckDB file takes one writer process at a time.
trawl_job = dg.define_asset_job(
    "trawl",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Read every extract, validate, stage and quarantine, then build the warehouse tables.",
)


def build_definitions(
    landing: str | Path | None = None,
    warehouse: str | Path | None = None,
    column_mappings: str | Path | None = None,
    sql_sources: str | Path | None = None,
    outputs: str | Path | None = None,
    linkage_config: str | Path | None = None,
) -> dg.Definitions:
    landing = landing or os.environ.get("TRAWL_LANDING", DEFAULT_LANDING)
    warehouse = warehouse or os.environ.get("TRAWL_WAREHOUSE", DEFAULT_WAREHOUSE)
    column_mappings = column_mappings or os.environ.get("TRAWL_COLUMN_MAPPINGS")
    sql_sources = sql_sources or os.environ.get("TRAWL_SQL_SOURCES")
    linkage_config = linkage_config or os.environ.get("TRAWL_LINKAGE_CONFIG")
    outputs = outputs or os.environ.get("TRAWL_OUTPUTS") or Path(warehouse).parent / "outputs"
    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    sensors, schedules = build_automation(trawl_job)
    return dg.Definitions(
        # Every asset and check defined in a module of the assets/ package, by stage.
        assets=dg.load_assets_from_package_module(assets),
        asset_checks=dg.load_asset_checks_from_package_module(assets),
        jobs=[trawl_job],
        sensors=sensors,
        schedules=schedules,
        resources={
            "duckdb": DuckDBResource(database=str(warehouse)),
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
