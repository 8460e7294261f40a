"""What leaves the warehouse: disclosure-controlled tables, the report, the workbook, the worklist.

`marts_published_<table>` writes `marts.published_<table>`, the suppressed copy of each mart
(publish/published_tables.py says how each is suppressed; a blocking check makes sure no small
count got through). `publish_report` and `publish_workbook` read only those copies. The
worklist is a working file for the trawl team, not a publication: it lists pseudonymous keys and
case references, so it goes to the restricted folder (data officers only), never the published one.
"""

import datetime

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from assets.marts import CORE_ASSETS, FORM_ASSETS, extract_end_date, sql
from publish.disclosure import SUPPRESSED
from publish.output_folder import OutputFolder
from publish.published_tables import PUBLISHED_TABLES, PublishedTable
from publish.report import definitions_and_caveats, render_report
from publish.settings import load_output_settings
from publish.workbook import write_tables_workbook
from publish.worklist import write_worklist
from warehouse.schema import ensure_warehouse

PUBLISHED_ASSETS = [f"marts_published_{name}" for name in PUBLISHED_TABLES]


def read_published(conn, table: PublishedTable) -> pd.DataFrame:
    return conn.execute(f"select * from marts.published_{table.name} order by {table.order_by}").fetch_df()


def build_published_asset(table: PublishedTable):
    @dg.asset(
        name=f"marts_published_{table.name}",
        group_name="publish",
        kinds={"duckdb"},
        pool="warehouse",
        deps=[f"marts_{table.name}", *(f"marts_published_{name}" for name in table.reads_published)],
        description=(
            f"{table.title}, disclosure-controlled for publication: small counts, counts that could be "
            "worked out from totals, and rates computed from them are shown as 'c'."
        ),
    )
    def published_asset(duckdb: DuckDBResource) -> dg.MaterializeResult:
        settings = load_output_settings()
        with duckdb.get_connection() as conn:
            ensure_warehouse(conn)
            frame = conn.execute(f"select * from marts.{table.name} order by {table.order_by}").fetch_df()
            inputs = {name: read_published(conn, PUBLISHED_TABLES[name]) for name in table.reads_published}
            published = table.publish(frame, settings.smallest_count_shown, inputs)
            conn.register("published_rows", published)
            as_text = ", ".join(f"{column}::varchar as {column}" for column in table.numeric_columns)
            conn.execute("begin")
            conn.execute(
                f"create or replace table marts.published_{table.name} as "
                f"select * replace ({as_text}) from published_rows"
            )
            conn.execute("commit")
            conn.unregister("published_rows")
        hidden = int((published[list(table.numeric_columns)] == SUPPRESSED).sum().sum())
        return dg.MaterializeResult(metadata={"rows": len(published), "cells_shown_as_c": hidden})

    @dg.asset_check(
        asset=published_asset,
        name="no_small_counts",
        blocking=True,
        description="No count from 1 to the threshold minus one is shown: the report and workbook wait on this.",
    )
    def no_small_counts(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        threshold = load_output_settings().smallest_count_shown
        shown_small = " or ".join(
            f"try_cast({column} as double) between 1 and {threshold - 1}" for column in table.counts
        )
        with duckdb.get_connection() as conn:
            found = conn.execute(
                f"select count(*) from marts.published_{table.name} where {shown_small}"
            ).fetchall()[0][0]
        return dg.AssetCheckResult(passed=found == 0, metadata={"rows_with_a_small_count_shown": found})

    return published_asset, no_small_counts


_built = [build_published_asset(table) for table in PUBLISHED_TABLES.values()]
published_assets = [asset for asset, _ in _built]
published_checks = [check for _, check in _built]


def _read_all_published(duckdb: DuckDBResource) -> dict[str, pd.DataFrame]:
    with duckdb.get_connection() as conn:
        return {name: read_published(conn, table) for name, table in PUBLISHED_TABLES.items()}


@dg.asset(
    name="publish_report",
    group_name="publish",
    kinds={"html"},
    pool="warehouse",
    deps=PUBLISHED_ASSETS,
    description=(
        "report.html in the outputs folder: one self-contained page with charts of prevalence and "
        "returns, the baseline table, the cost scenario, definitions and caveats. Published tables only."
    ),
)
def publish_report(duckdb: DuckDBResource, outputs: OutputFolder) -> dg.MaterializeResult:
    settings = load_output_settings()
    page = render_report(_read_all_published(duckdb), settings, datetime.date.today())
    path = outputs.folder() / "report.html"
    path.write_text(page, encoding="utf-8")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path)), "bytes": len(page.encode())})


@dg.asset(
    name="publish_workbook",
    group_name="publish",
    kinds={"excel"},
    pool="warehouse",
    deps=PUBLISHED_ASSETS,
    description="trawl_tables.xlsx in the outputs folder: the published tables, one sheet each, with notes.",
)
def publish_workbook(duckdb: DuckDBResource, outputs: OutputFolder) -> dg.MaterializeResult:
    settings = load_output_settings()
    published = _read_all_published(duckdb)
    path = outputs.folder() / "trawl_tables.xlsx"
    write_tables_workbook(
        path,
        [(PUBLISHED_TABLES[name], frame) for name, frame in published.items()],
        [("Produced", f"{datetime.date.today():%d %B %Y}"), *definitions_and_caveats(settings)],
    )
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path))})


@dg.asset(
    name="publish_worklist",
    group_name="publish",
    kinds={"excel"},
    pool="warehouse",
    deps=[*CORE_ASSETS, "core_father_proceedings", *FORM_ASSETS],
    description=(
        "worklist/trawl_worklist.xlsx in the restricted folder: the case-file trawl form for mothers whose "
        "files should be read by hand (recurrent, or in a current set with earlier history), with person_key, "
        "a new review_id and the case references. No names or dates of birth. Data officers only."
    ),
)
def publish_worklist(duckdb: DuckDBResource, outputs: OutputFolder) -> dg.MaterializeResult:
    settings = load_output_settings()
    with duckdb.get_connection() as conn:
        ensure_warehouse(conn)
        conn.execute(sql("completed_forms"))
        conn.execute("set variable extract_end_date = ?::date", [extract_end_date(conn, settings)])
        conn.execute("set variable current_set_months = ?::integer", [settings.current_set_months])
        mothers = conn.execute(sql("publish_worklist")).fetch_df()
    path = outputs.restricted_folder("worklist") / "trawl_worklist.xlsx"
    write_worklist(path, mothers)
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(path)), "mothers_listed": len(mothers)}
    )
