"""staging_<source>: typed, standardised rows; everything else to quarantine with a reason.

For each source: required values and dates are checked (generic, from the layout), the
source's own SQL in assets/sql/standardise_<source>.sql types and standardises the row,
then rows that are the same record in overlapping extracts are kept once. Every raw row ends
up in exactly one place, so raw = staged + quarantined (checked below).
"""

from pathlib import Path

import dagster as dg
import yaml
from dagster_duckdb import DuckDBResource

from sources.layout import SOURCES, SourceLayout
from warehouse.schema import ensure_warehouse

SQL_DIR = Path(__file__).parent / "sql"
APPLICATION_TYPES = Path(__file__).parents[1] / "config" / "application_types.yaml"


def _patterns() -> tuple[str, str]:
    config = yaml.safe_load(APPLICATION_TYPES.read_text())
    return "|".join(config["care_proceedings"]), "|".join(config["not_care_proceedings"])


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def typed_rows_sql(layout: SourceLayout) -> str:
    """Raw rows plus `problems`: required values missing and dates that cannot be read."""
    checks = [
        f"case when {c} is null then {_quote(c + ' is blank but required')} end" for c in layout.required
    ] + [
        f"case when {c} is not null and extract_date({c}) is null then "
        f"{_quote(c + ' is not a readable date (expected YYYY-MM-DD, DD/MM/YYYY or D-MON-YYYY)')} end"
        for c in layout.date_columns
    ]
    return f"""
        create or replace temp table typed_rows as
        select *, list_filter([{', '.join(checks)}], lambda p: p is not null) as problems
        from raw.{layout.name}"""


def _record_key(layout: SourceLayout) -> str:
    """The same record written in two files: equal key values once dates and spacing are normalised."""
    parts = [
        f"extract_date(r.{c})" if c in layout.date_columns else f"lower(regexp_replace(trim(r.{c}), '\\s+', ' ', 'g'))"
        for c in layout.record_key
    ]
    return ", ".join(parts)


def stage_sql(layout: SourceLayout) -> list[str]:
    """Statements that rebuild staging.<source> and this source's quarantine rows."""
    standardise = (SQL_DIR / f"standardise_{layout.name}.sql").read_text()
    filled = " + ".join(f"(r.{c} is not null)::int" for c in layout.columns)
    return [
        typed_rows_sql(layout),
        f"create or replace temp table standardised as {standardise}",
        # Valid rows, ranked within each record: most complete copy first, then the later file.
        f"""
        create or replace temp table ranked as
        select s.*,
            row_number() over record as copy_number,
            first_value(s.file_name) over record as kept_file_name,
            first_value(s.row_number) over record as kept_row_number
        from standardised s
        join raw.{layout.name} r using (file_name, row_number)
        where s.row_problem is null and len(s.problems) = 0
        window record as (
            partition by {_record_key(layout)}
            order by {filled} desc, s.file_name desc, s.row_number
        )""",
        f"delete from quarantine.rejected_rows where source = '{layout.name}'",
        f"""
        insert into quarantine.rejected_rows (source, file_name, row_number, reason_code, reason, columns)
        select '{layout.name}', file_name, row_number,
            case
                when row_problem is not null then 'malformed_row'
                when list_any_value(list_filter(problems, lambda p: p like '%blank but required')) is not null
                    then 'missing_required'
                when list_any_value(list_filter(problems, lambda p: p like '%cannot be linked')) is not null
                    then 'cannot_be_linked'
                else 'unreadable_value'
            end,
            array_to_string(list_concat(list_filter([row_problem], lambda p: p is not null), problems), '; '),
            list_transform(problems, lambda p: split_part(p, ' ', 1))
        from standardised
        where row_problem is not null or len(problems) > 0""",
        f"""
        insert into quarantine.rejected_rows (source, file_name, row_number, reason_code, reason, columns)
        select '{layout.name}', file_name, row_number, 'duplicate_record',
            'same record as ' || kept_file_name || ' row ' || kept_row_number || ' (extracts overlap); kept that copy',
            []
        from ranked where copy_number > 1""",
        f"""
        create or replace table staging.{layout.name} as
        select * exclude (row_problem, problems, copy_number, kept_file_name, kept_row_number)
        from ranked where copy_number = 1
        order by file_name, row_number""",
    ]


def reconciliation(conn, source: str) -> dict[str, int]:
    raw, staged, quarantined = conn.execute(
        f"""select (select count(*) from raw.{source}),
                   (select count(*) from staging.{source}),
                   (select count(*) from quarantine.rejected_rows where source = ?)""",
        [source],
    ).fetchone()
    return {"raw": raw, "staged": staged, "quarantined": quarantined}


def build_staging_asset(layout: SourceLayout) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"staging_{layout.name}",
        group_name="staging",
        kinds={"duckdb"},
        pool="warehouse",
        deps=[f"raw_{layout.name}"],
        description=(
            f"{layout.name} rows with typed dates, standardised names, roles and s31 flag; one row per "
            "record even where extracts overlap. Rows that cannot be used are in quarantine.rejected_rows."
        ),
    )
    def staging_asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
        care, not_care = _patterns()
        with duckdb.get_connection() as conn:
            ensure_warehouse(conn)
            conn.execute("set variable care_proceedings_pattern = ?", [care])
            conn.execute("set variable not_care_proceedings_pattern = ?", [not_care])
            conn.execute("begin")
            for statement in stage_sql(layout):
                conn.execute(statement)
            conn.execute("commit")
            counts = reconciliation(conn, layout.name)
            by_reason = dict(
                conn.execute(
                    "select reason_code, count(*) from quarantine.rejected_rows where source = ? group by all order by 1",
                    [layout.name],
                ).fetchall()
            )
        context.log.info(
            f"{layout.name}: {counts['raw']:,} raw rows: {counts['staged']:,} staged, "
            f"{counts['quarantined']:,} quarantined {by_reason or ''}"
        )
        return dg.MaterializeResult(
            metadata={
                "raw_rows": counts["raw"],
                "staged_rows": counts["staged"],
                "quarantined_rows": counts["quarantined"],
                "quarantined_by_reason": dg.MetadataValue.json(by_reason),
            }
        )

    @dg.asset_check(
        asset=staging_asset,
        name="rows_reconcile",
        blocking=True,
        pool="warehouse",
        description="Nothing lost: raw rows = staged rows + quarantined rows for this source.",
    )
    def rows_reconcile(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as conn:
            counts = reconciliation(conn, layout.name)
        missing = counts["raw"] - counts["staged"] - counts["quarantined"]
        return dg.AssetCheckResult(
            passed=missing == 0,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={**counts, "unaccounted_rows": missing},
        )

    return staging_asset, rows_reconcile


_built = [build_staging_asset(layout) for layout in SOURCES.values()]
staging_assets = [asset for asset, _ in _built]
staging_checks = [check for _, check in _built]
