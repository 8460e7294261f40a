"""raw_<source>: every extract row, every value as text, with the file, its hash and row number.

Raw is the faithful copy that everything else can be traced back to: nothing is typed,
fixed or dropped here. A file that cannot be read at all fails this source with a message
naming the file (and row and column where there is one); other sources carry on.
"""

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from sources.extract_files import ExtractError, ExtractFile
from sources.landing import LandingFolder
from sources.layout import SOURCES, SourceLayout
from warehouse.schema import ensure_warehouse

RAW_META_COLUMNS = ("file_name", "file_sha256", "row_number", "row_problem")


def _raw_frame(extract: ExtractFile, layout: SourceLayout) -> pd.DataFrame:
    rows = extract.rows
    frame = pd.DataFrame({
        "file_name": extract.file_name,
        "file_sha256": extract.sha256,
        "row_number": rows["_row_number"].astype("int64"),
        "row_problem": rows["_problem"],
    })
    for column in layout.columns:
        frame[column] = rows[column]
    return frame


def _create_raw_table_sql(layout: SourceLayout) -> str:
    columns = ",\n    ".join(f"{c} varchar" for c in layout.columns)
    return f"""
        create or replace table raw.{layout.name} (
            file_name varchar not null,
            file_sha256 varchar not null,
            row_number bigint not null,
            row_problem varchar,
            {columns}
        )"""


def build_raw_asset(layout: SourceLayout) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"raw_{layout.name}",
        group_name="ingest",
        kinds={"duckdb"},
        pool="warehouse",
        description=(
            f"Every row of the {layout.name} extracts exactly as written (text), with file name, "
            "file SHA-256 and row number. Personal data: data officers only."
        ),
    )
    def raw_asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource, landing: LandingFolder):
        try:
            extracts, skipped = landing.read(layout)
        except ExtractError as error:
            raise dg.Failure(description=f"{layout.name}: {error}") from None
        for extract in extracts:
            context.log.info(f"{extract.file_name}: {len(extract.rows):,} rows read ({extract.encoding})")
            if extract.unmapped_headers:
                context.log.warning(
                    f"{extract.file_name}: columns not in the mapping were ignored: "
                    + ", ".join(extract.unmapped_headers)
                )
        for name in skipped:
            context.log.warning(f"{name}: not a .csv or .xlsx file, skipped")

        with duckdb.get_connection() as conn:
            ensure_warehouse(conn)
            conn.execute("begin")
            conn.execute(_create_raw_table_sql(layout))
            for extract in extracts:
                conn.register("incoming_rows", _raw_frame(extract, layout))
                conn.execute(f"insert into raw.{layout.name} select * from incoming_rows")
                conn.unregister("incoming_rows")
            conn.execute("delete from raw.files where source = ?", [layout.name])
            for e in extracts:
                conn.execute(
                    "insert into raw.files (source, file_name, file_sha256, encoding, rows_read, unmapped_headers)"
                    " values (?, ?, ?, ?, ?, ?)",
                    [layout.name, e.file_name, e.sha256, e.encoding, len(e.rows), e.unmapped_headers],
                )
            conn.execute("commit")

        total = sum(len(e.rows) for e in extracts)
        return dg.MaterializeResult(
            metadata={
                "rows": dg.MetadataValue.int(total),
                "files": dg.MetadataValue.md(
                    "\n".join(f"- `{e.file_name}` {len(e.rows):,} rows, sha256 `{e.sha256[:12]}`" for e in extracts)
                    or "_no files: this source is absent or empty_"
                ),
                "skipped_files": dg.MetadataValue.json(skipped),
            }
        )

    return raw_asset


raw_assets = [build_raw_asset(layout) for layout in SOURCES.values()]
