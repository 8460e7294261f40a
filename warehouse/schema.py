"""Create the warehouse's schemas, audit tables and SQL macros (idempotent)."""

from pathlib import Path

import duckdb

_HERE = Path(__file__).parent


def ensure_warehouse(conn: duckdb.DuckDBPyConnection) -> None:
    """Every asset calls this first, so any single asset can run against a new, empty file."""
    conn.execute((_HERE / "schema.sql").read_text())
    conn.execute((_HERE / "macros.sql").read_text())
