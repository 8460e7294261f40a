"""Reading a source with a query, on SQLite and on the PostgreSQL server of the test machine."""

import datetime
import uuid
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from sources.column_mapping import MAPPINGS_ENV_VAR, load_column_mappings
from sources.extract_files import ExtractError
from sources.layout import COURT
from sources.sql_source import read_sql_extract

POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"

COURT_QUERY = """
    SELECT case_no AS "Case No", issued AS "Date Issued", application AS "Application",
           child AS "Child Name", child_dob AS "Child DOB", outcome AS "Outcome", note AS "Notes"
    FROM {table} ORDER BY case_no
"""


@pytest.fixture
def mappings(monkeypatch):
    monkeypatch.delenv(MAPPINGS_ENV_VAR, raising=False)
    return load_column_mappings()


def displayed_chain(error: BaseException) -> str:
    """Every message a traceback of `error` would show, chained exceptions included."""
    messages = []
    while error is not None:
        messages.append(str(error))
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return "\n".join(messages)


# --- SQLite ----------------------------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'reporting.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE court_list (case_no TEXT, issued TEXT, application TEXT, child TEXT,"
                " child_dob TEXT, outcome REAL, note TEXT)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO court_list VALUES"
                " ('LV19C00001', '2019-03-05', 's31 care', 'Zoë Smith', '02/01/2015', 2.0, 'x'),"
                " ('LV19C00002', '5-MAR-2019', 's31 care', '  ', NULL, 3.5, NULL)"
            )
        )
    engine.dispose()
    return url


def test_sqlite_query_is_mapped_like_a_file(sqlite_url, mappings):
    extract = read_sql_extract(COURT, sqlite_url, COURT_QUERY.format(table="court_list"), mappings)

    assert extract.source == "court"
    assert extract.encoding == "sql"
    assert extract.file_name.startswith("sql:court sqlite:///")
    assert extract.unmapped_headers == ["Notes"]
    rows = extract.rows
    assert list(rows.columns) == [*COURT.columns, "_row_number", "_problem"]
    assert rows["_row_number"].tolist() == [1, 2]
    assert rows["case_number"].tolist() == ["LV19C00001", "LV19C00002"]
    assert rows["issue_date"].tolist() == ["2019-03-05", "5-MAR-2019"]
    assert rows["child_name"].tolist() == ["Zoë Smith", pd.NA]
    assert rows["outcome"].tolist() == ["2", "3.5"]
    assert rows["_problem"].isna().all()


def test_sha256_follows_the_result(sqlite_url, mappings):
    query = COURT_QUERY.format(table="court_list")
    first = read_sql_extract(COURT, sqlite_url, query, mappings).sha256
    assert read_sql_extract(COURT, sqlite_url, query, mappings).sha256 == first
    engine = create_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE court_list SET child = 'Zoe Smith' WHERE outcome = 2"))
    engine.dispose()
    assert read_sql_extract(COURT, sqlite_url, query, mappings).sha256 != first


def test_query_without_a_required_column_is_an_error(sqlite_url, mappings):
    with pytest.raises(ExtractError, match="required column"):
        read_sql_extract(COURT, sqlite_url, 'SELECT case_no AS "Case No" FROM court_list', mappings)


def test_statement_that_returns_no_rows_is_an_error(sqlite_url, mappings):
    with pytest.raises(ExtractError, match="use a SELECT"):
        read_sql_extract(COURT, sqlite_url, "CREATE TABLE other (a INTEGER)", mappings)


def test_unreadable_url_is_an_error(mappings):
    with pytest.raises(ExtractError, match="URL cannot be read"):
        read_sql_extract(COURT, "not a url with s3cret", "SELECT 1", mappings)


# --- PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture
def postgres_table():
    """A uniquely named court table on the local PostgreSQL server, dropped afterwards."""
    engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        engine.connect().close()
    except OperationalError:
        engine.dispose()
        pytest.skip(f"no PostgreSQL server answers at {POSTGRES_URL}")
    table = f"trawl_test_{uuid.uuid4().hex[:12]}"
    with engine.begin() as connection:
        connection.execute(
            text(
                f"CREATE TABLE {table} (case_no text, issued date, application text, child text,"
                " child_dob timestamp, outcome numeric(6, 2), note integer)"
            )
        )
        connection.execute(
            text(
                f"INSERT INTO {table}"
                " VALUES (:case_no, :issued, :app, :child, :dob, :outcome, :note)"
            ),
            [
                {"case_no": "LV19C00001", "issued": datetime.date(2019, 3, 5), "app": "s31",
                 "child": "Siân Evans", "dob": datetime.datetime(2015, 1, 2, 8, 30),
                 "outcome": Decimal("2.00"), "note": 7},
                {"case_no": "LV19C00002", "issued": datetime.date(2019, 4, 1), "app": "s31",
                 "child": "Zoë Smith", "dob": None, "outcome": Decimal("3.50"), "note": None},
            ],
        )
    try:
        yield table
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()


def test_postgres_dates_and_numbers_become_text(postgres_table, mappings):
    query = COURT_QUERY.format(table=postgres_table)
    extract = read_sql_extract(COURT, POSTGRES_URL, query, mappings)
    rows = extract.rows
    assert extract.file_name == f"sql:court {POSTGRES_URL}"
    assert extract.encoding == "sql"
    assert len(extract.sha256) == 64
    assert rows["_row_number"].tolist() == [1, 2]
    assert rows["issue_date"].tolist() == ["2019-03-05", "2019-04-01"]
    assert rows["child_dob"].tolist() == ["2015-01-02", pd.NA]
    assert rows["child_name"].tolist() == ["Siân Evans", "Zoë Smith"]
    assert rows["outcome"].tolist() == ["2", "3.50"]


def test_postgres_query_error_does_not_quote_the_data(postgres_table, mappings):
    query = (
        f'SELECT case_no AS "Case No", CAST(child AS date) AS "Date Issued", application'
        f" FROM {postgres_table}"
    )
    with pytest.raises(ExtractError) as caught:
        read_sql_extract(COURT, POSTGRES_URL, query, mappings)
    logged = displayed_chain(caught.value)
    assert "the query failed (InvalidDatetimeFormat, SQLSTATE 22007" in logged
    for value in ["Siân", "Evans", "Zoë", "Smith", "LV19C"]:
        assert value not in logged


def test_connection_failure_masks_the_password(mappings):
    url = "postgresql+psycopg2://trawl_reader:s3cret-Pa55@127.0.0.1:1/reporting?sslmode=disable"
    with pytest.raises(ExtractError) as caught:
        read_sql_extract(COURT, url, "SELECT 1", mappings)
    error = caught.value
    masked = "postgresql+psycopg2://trawl_reader:***@127.0.0.1:1/reporting"
    assert error.file_name == f"sql:court {masked}"
    assert "cannot connect to the database" in str(error)
    assert "s3cret-Pa55" not in displayed_chain(error)
