"""Read a source with a query against a case-management reporting database.

The result goes through the same column mapping as a landing-folder file and comes back as the
same ExtractFile, so everything downstream treats it like one more extract.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from sources.column_mapping import ColumnMappings
from sources.extract_files import ExtractError, ExtractFile, RawRow, canonical_rows, cell_text
from sources.layout import SourceLayout


def read_sql_extract(
    source: SourceLayout, url: str, query: str, mappings: ColumnMappings
) -> ExtractFile:
    """Run `query` (a SELECT; write a literal colon as '\\:') and map its columns.

    Add an ORDER BY to the query if the same data should give the same sha256 on every run.
    Nothing from the database's error messages about the query is passed on, because they can
    quote data values; run the query in the database's own tool to see them.
    """
    try:
        parsed_url = make_url(url)
    except ArgumentError:
        raise ExtractError(f"sql:{source.name}", "the database URL cannot be read") from None
    # No password, and no query string either: drivers' options there can hold secrets too.
    file_name = f"sql:{source.name} {parsed_url.set(query={}).render_as_string(hide_password=True)}"
    try:
        engine = create_engine(parsed_url)
    except (ArgumentError, ImportError):
        raise ExtractError(file_name, "no installed database driver handles this URL") from None
    try:
        try:
            connection = engine.connect()
        except SQLAlchemyError as error:
            reason = _connection_problem(error, parsed_url.password)
            raise ExtractError(file_name, f"cannot connect to the database: {reason}") from None
        with connection:
            try:
                result = connection.execute(text(query))
                if not result.returns_rows:
                    raise ExtractError(file_name, "the query returns no rows; use a SELECT")
                headers = [str(name) for name in result.keys()]
                table = [[cell_text(value) for value in row] for row in result]
            except SQLAlchemyError as error:
                reason = f"the query failed ({_query_problem(error)})"
                raise ExtractError(file_name, reason) from None
    finally:
        engine.dispose()
    resolved = mappings.resolve(source, headers, file_name)
    rows = [RawRow(number, values) for number, values in enumerate(table, start=1)]
    return ExtractFile(
        source=source.name,
        file_name=file_name,
        sha256=_result_sha256(headers, table),
        encoding="sql",
        rows=canonical_rows(source, resolved, rows),
        unmapped_headers=resolved.unmapped_headers,
    )


def _connection_problem(error: SQLAlchemyError, password: str | None) -> str:
    """The driver's reason (refused, bad login, ...) with the password masked should it appear."""
    reason = " ".join(str(getattr(error, "orig", None) or type(error).__name__).split())
    return reason.replace(password, "***") if password else reason


def _query_problem(error: SQLAlchemyError) -> str:
    """Error class and SQLSTATE only: the database's message can quote the values it choked on."""
    original = getattr(error, "orig", None) or error
    code = getattr(original, "pgcode", None) or getattr(original, "sqlstate", None)
    name = type(original).__name__
    detail = f"{name}, SQLSTATE {code}" if code else name
    return f"{detail}; the database's message is not shown as it can quote data values"


def _result_sha256(headers: list[str], table: list[list[str | None]]) -> str:
    """A fingerprint of the result as read: one JSON array per line, column names first."""
    digest = hashlib.sha256()
    for line in [headers, *table]:
        digest.update(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")
    return digest.hexdigest()
