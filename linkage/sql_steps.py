"""Run linkage SQL on the warehouse without letting personal data out through errors.

DuckDB's error messages quote the values they failed on ("Could not convert string 'Sarah'"),
and Dagster keeps a failed step's message in its run history, which is not a place for names or
dates of birth. So a failing statement is reported by file and error kind only; the details can
be seen by running the file against the warehouse in a DuckDB shell.
"""

from pathlib import Path

import dagster as dg
import duckdb

MACROS = Path(__file__).with_name("macros.sql")


def run_sql_file(conn: duckdb.DuckDBPyConnection, path: Path, **variables) -> None:
    """Set the SQL variables, load the linkage macros, run every statement in the file."""
    run_sql(conn, path.read_text(), path.name, **variables)


def run_sql(conn: duckdb.DuckDBPyConnection, statements: str, name: str, **variables) -> None:
    """run_sql_file for SQL a query builder wrote; `name` says which in an error."""
    for variable, value in variables.items():
        conn.execute(f"set variable {variable} = ?", [value])
    failed = None
    try:
        conn.execute(MACROS.read_text())
        conn.execute(statements)
    except duckdb.Error as error:
        failed = type(error).__name__
    if failed:
        # Raised outside the except block so the original message is not chained onto it.
        raise dg.Failure(
            description=f"{name} failed ({failed}). The database's message is withheld because it can "
            "quote personal data; run it against the warehouse in a DuckDB shell to see it."
        )


def keep_previous(conn: duckdb.DuckDBPyConnection, table: str, columns: list[str], as_name: str) -> None:
    """The text columns the last run left in `table` (`schema.name`), as temp table `as_name`,
    before this run replaces it; empty on a new warehouse. (A run builds on a copy of the last
    good warehouse, so the last run's tables are there.)"""
    schema, name = table.split(".")
    exists = conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
    ).fetchall()[0][0]
    if exists:
        source = f"select {', '.join(columns)} from {table}"
    else:
        source = "select " + ", ".join(f"cast(null as varchar) as {column}" for column in columns) + " limit 0"
    conn.execute(f"create or replace temp table {as_name} as {source}")
