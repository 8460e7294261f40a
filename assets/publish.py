"""What leaves the warehouse: disclosure-controlled tables, the report, the workbook, the worklist.

`marts_published_<table>` writes `marts.published_<table>_by_authority` and `marts.published_<table>`,
the suppressed copies of each mart (publish/published_tables.py says how each is suppressed; a
blocking check makes sure no small count got through), and shows the published table in its
metadata for the web UI. `publish_report` and `publish_workbook` read only those copies. The
worklist is a working file for the trawl team, not a publication: it lists pseudonymous keys and
case references, so it goes to the restricted folder (data officers only), never the published one.
"""

import datetime

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from assets.marts import CORE_ASSETS, FORM_ASSETS, extract_end_date, sql
from publish.disclosure import SUPPRESSED
from publish.linkage_sensitivity import SENSITIVITY_TABLE
from publish.output_folder import OutputFolder
from publish.published_tables import AUTHORITY_ORDER, PUBLISHED_TABLES, PublishedTable, authorities
from publish.report import definitions_and_caveats, render_report
from publish.settings import load_output_settings
from publish.workbook import write_tables_workbook
from publish.worklist import write_worklist
from warehouse.schema import ensure_warehouse

PUBLISHED_ASSETS = [f"marts_published_{name}" for name in PUBLISHED_TABLES]
# Columns that only order rows or feed suppression: left out of the tables shown in the web UI.
NOT_SHOWN_IN_UI = ("group_order", "display_order", "item_order", "one_value_per_mother", "financial_years",
                   "row_order", "return_years")


def read_published(conn, table: PublishedTable, by_authority: bool = False) -> pd.DataFrame:
    if by_authority:
        return conn.execute(
            f"select * from marts.published_{table.name}_by_authority order by {AUTHORITY_ORDER}, {table.order_by}"
        ).fetch_df()
    return conn.execute(f"select * from marts.published_{table.name} order by {table.order_by}").fetch_df()


def markdown_table(frame: pd.DataFrame) -> str:
    """A published table as Markdown, for asset metadata in the web UI."""
    columns = [column for column in frame.columns if column not in NOT_SHOWN_IN_UI]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for record in frame[columns].itertuples(index=False):
        cells = ("" if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)) else str(value)
                 for value in record)
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |")
    return "\n".join(lines)


def build_published_asset(table: PublishedTable):
    @dg.asset(
        name=f"marts_published_{table.name}",
        group_name="publish",
        kinds={"duckdb"},
        pool="warehouse",
        deps=[f"marts_{table.name}", "marts_trawl_window",
              *(f"marts_published_{name}" for name in table.reads_published)],
        description=(
            f"{table.title}, as published: small counts, counts that could be worked out from totals, "
            "and rates computed from them are shown as 'c'. Overall and for each authority. The table "
            "shows in this asset's metadata."
        ),
    )
    def published_asset(duckdb: DuckDBResource) -> dg.MaterializeResult:
        settings = load_output_settings()
        with duckdb.get_connection() as conn:
            ensure_warehouse(conn)
            frame = conn.execute(
                f"select * from marts.{table.name}_by_authority order by {AUTHORITY_ORDER}, {table.order_by}"
            ).fetch_df()
            inputs = {
                name: read_published(conn, PUBLISHED_TABLES[name], by_authority=True) for name in table.reads_published
            }
            whole_data = conn.execute("select kind = 'all' from marts.trawl_window").fetchall()[0][0]
            published = table.publish(frame, settings.smallest_count_shown, inputs, whole_data)
            conn.register("published_rows", published)
            as_text = ", ".join(f"{column}::varchar as {column}" for column in table.numeric_columns)
            conn.execute("begin")
            conn.execute(
                f"create or replace table marts.published_{table.name}_by_authority as "
                f"select * replace ({as_text}) from published_rows"
            )
            conn.execute(
                f"create or replace table marts.published_{table.name} as select * exclude (la_code) "
                f"from marts.published_{table.name}_by_authority where la_code = 'all'"
            )
            conn.execute("commit")
            conn.unregister("published_rows")
            overall = read_published(conn, table)
        hidden = int((published[list(table.numeric_columns)] == SUPPRESSED).sum().sum())
        headline = {"headline": dg.MetadataValue.md(markdown_table(overall[list(table.headline_columns)]))
                    } if table.headline_columns else {}
        return dg.MaterializeResult(metadata={
            **headline,
            "rows": len(overall),
            "authorities": len(authorities(published)),
            "cells_shown_as_c": hidden,
            "published_table": dg.MetadataValue.md(markdown_table(overall)),
        })

    @dg.asset_check(
        asset=published_asset,
        name="no_small_counts",
        blocking=True,
        pool="warehouse",
        description="No count from 1 to the threshold minus one is shown: the report and workbook wait on this.",
    )
    def no_small_counts(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        threshold = load_output_settings().smallest_count_shown
        shown_small = " or ".join(
            f"try_cast({column} as double) between 1 and {threshold - 1}" for column in table.counts
        )
        with duckdb.get_connection() as conn:
            found = conn.execute(f"""
                select (select count(*) from marts.published_{table.name} where {shown_small})
                     + (select count(*) from marts.published_{table.name}_by_authority where {shown_small})
            """).fetchall()[0][0]
        return dg.AssetCheckResult(passed=found == 0, metadata={"rows_with_a_small_count_shown": found})

    return published_asset, no_small_counts


_built = [build_published_asset(table) for table in PUBLISHED_TABLES.values()]
published_assets = [asset for asset, _ in _built]
published_checks = [check for _, check in _built]


def _read_all_published(duckdb: DuckDBResource, by_authority: bool = False) -> dict[str, pd.DataFrame]:
    with duckdb.get_connection() as conn:
        return {name: read_published(conn, table, by_authority) for name, table in PUBLISHED_TABLES.items()}


def _read_linkage_sensitivity(duckdb: DuckDBResource, by_authority: bool = False) -> pd.DataFrame | None:
    """marts.published_linkage_sensitivity; None for a warehouse built without linkage."""
    with duckdb.get_connection() as conn:
        found = conn.execute("select count(*) from duckdb_tables() where schema_name = 'marts' "
                             "and table_name = 'published_linkage_sensitivity'").fetchall()[0][0]
        return read_published(conn, SENSITIVITY_TABLE, by_authority) if found else None


def _read_window(duckdb: DuckDBResource) -> str:
    """How the run's trawl window is described (marts.trawl_window)."""
    with duckdb.get_connection() as conn:
        return conn.execute("select description from marts.trawl_window").fetchall()[0][0]


@dg.asset(
    name="publish_report",
    group_name="publish",
    kinds={"html"},
    pool="warehouse",
    deps=[*PUBLISHED_ASSETS, "marts_published_linkage_sensitivity", "marts_trawl_window"],
    description=(
        "report.html in the outputs folder: one self-contained page for practice leads and commissioners, "
        "with charts of prevalence and returns, the baseline table, the cost scenario, each authority's "
        "figures when there are several, definitions and caveats. Published tables only."
    ),
)
def publish_report(duckdb: DuckDBResource, outputs: OutputFolder) -> dg.MaterializeResult:
    settings = load_output_settings()
    page = render_report(
        _read_all_published(duckdb), _read_all_published(duckdb, by_authority=True), _read_window(duckdb),
        settings, datetime.date.today(), _read_linkage_sensitivity(duckdb),
    )
    path = outputs.folder() / "report.html"
    path.write_text(page, encoding="utf-8")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path)), "bytes": len(page.encode())})


@dg.asset(
    name="publish_workbook",
    group_name="publish",
    kinds={"excel"},
    pool="warehouse",
    deps=[*PUBLISHED_ASSETS, "marts_published_linkage_sensitivity", "marts_trawl_window"],
    description=(
        "trawl_tables.xlsx in the outputs folder: the published tables, one sheet each (and one per table "
        "by authority when there are several), with notes."
    ),
)
def publish_workbook(duckdb: DuckDBResource, outputs: OutputFolder) -> dg.MaterializeResult:
    settings = load_output_settings()
    published = _read_all_published(duckdb)
    by_authority = _read_all_published(duckdb, by_authority=True)
    sheets = [(table.title, table, published[name]) for name, table in PUBLISHED_TABLES.items()]
    if len(authorities(by_authority["prevalence_by_year"])) > 1:
        sheets += [(table.authority_title, table, by_authority[name]) for name, table in PUBLISHED_TABLES.items()]
    if _read_linkage_sensitivity(duckdb) is not None:
        sheets.append((SENSITIVITY_TABLE.title, SENSITIVITY_TABLE, _read_linkage_sensitivity(duckdb)))
        if len(authorities(by_authority["prevalence_by_year"])) > 1:
            sheets.append((SENSITIVITY_TABLE.authority_title, SENSITIVITY_TABLE,
                           _read_linkage_sensitivity(duckdb, by_authority=True)))
    path = outputs.folder() / "trawl_tables.xlsx"
    write_tables_workbook(
        path,
        sheets,
        [("Produced", f"{datetime.date.today():%d %B %Y}"), ("Trawl window", _read_window(duckdb)),
         *definitions_and_caveats(settings)],
    )
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path))})


@dg.asset(
    name="publish_worklist",
    group_name="publish",
    kinds={"excel"},
    pool="warehouse",
    deps=[*CORE_ASSETS, "core_father_proceedings", *FORM_ASSETS, "marts_trawl_window", "core_case_file_sample"],
    description=(
        "worklist/trawl_worklist.xlsx in the restricted folder: the case-file trawl form for mothers whose "
        "files should be read by hand (recurrent, or in a current set with earlier history) and who have a "
        "set in the trawl window, with person_key, a new review_id and the case references. No names or "
        "dates of birth. Data officers only."
    ),
)
def publish_worklist(duckdb: DuckDBResource, outputs: OutputFolder) -> dg.MaterializeResult:
    settings = load_output_settings()
    with duckdb.get_connection() as conn:
        ensure_warehouse(conn)
        conn.execute(sql("completed_forms"))
        conn.execute("set variable extract_end_date = ?::date", [extract_end_date(conn, settings)])
        conn.execute("set variable current_set_months = ?::integer", [settings.current_set_months])
        conn.execute("set variable sampled_trawl = ?::boolean", [settings.worklist_sample is not None])
        mothers = conn.execute(sql("publish_worklist")).fetch_df()
    path = outputs.restricted_folder("worklist") / "trawl_worklist.xlsx"
    write_worklist(path, mothers, sampled=settings.worklist_sample is not None)
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(path)), "mothers_listed": len(mothers)}
    )
