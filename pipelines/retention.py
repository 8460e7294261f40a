"""`trawl purge`: remove personal data past its retention period, keep the aggregates.

Personal data lives in the landing folder (the extracts), in the warehouse schemas raw,
staging, quarantine and linkage, in the restricted folder (review queue, models), and in any
copy of the warehouse a run left beside it.
Pseudonymous `core` tables and `marts` aggregates are kept, so published figures can
still be reproduced and explained after the personal data has gone.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

PERSONAL_SCHEMAS = ("raw", "staging", "quarantine", "linkage")


@dataclass
class PurgeReport:
    files_removed: list[str] = field(default_factory=list)
    tables_dropped: list[str] = field(default_factory=list)


def _old_files(folder: Path, cutoff: float) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.stat().st_mtime < cutoff)


def purge(
    warehouse: Path, older_than_days: int, landing: Path | None = None,
    restricted: Path | None = None, dry_run: bool = False,
) -> PurgeReport:
    """Delete extract and restricted files older than the period; drop personal tables when the
    warehouse's last load is older than the period (a warehouse refreshed since keeps them)."""
    cutoff = time.time() - older_than_days * 86400
    report = PurgeReport()
    # Beside the warehouse: copies that Dagster-launched runs left unpromoted (pipelines/warehouse_copies.py).
    run_copies = [p for p in warehouse.parent.glob(f"{warehouse.name}.run-*") if p.stat().st_mtime < cutoff]
    old_files = [path for folder in (landing, restricted) if folder is not None for path in _old_files(folder, cutoff)]
    for path in [*old_files, *sorted(run_copies)]:
        report.files_removed.append(str(path))
        if not dry_run:
            path.unlink()

    if warehouse.exists():
        with duckdb.connect(str(warehouse)) as conn:
            loaded = conn.execute(
                "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = 'files'"
            ).fetchone()[0]
            last_load = conn.execute("select epoch(max(loaded_at)) from raw.files").fetchone()[0] if loaded else None
            if last_load is None or last_load < cutoff:
                tables = conn.execute(
                    "select table_schema || '.' || table_name from information_schema.tables"
                    f" where table_schema in {PERSONAL_SCHEMAS} order by 1"
                ).fetchall()
                for (table,) in tables:
                    report.tables_dropped.append(table)
                    if not dry_run:
                        conn.execute(f"drop table if exists {table} cascade")
                if not dry_run:
                    conn.execute("checkpoint")
    return report
