"""Shared helpers: write small real extracts into a temp landing folder and materialise them."""

import csv
import io
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest
from dagster_duckdb import DuckDBResource

from assets.ingest import raw_assets
from assets.staging import staging_assets, staging_checks
from sources.landing import LandingFolder
from sources.layout import SOURCES


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def xlsx_bytes(rows: list[list]) -> bytes:
    """A one-sheet .xlsx workbook holding `rows`, as bytes."""
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def canonical_row(source: str, **values: str) -> list[str]:
    """A row in canonical column order, blank where not given."""
    return [values.get(column, "") for column in SOURCES[source].columns]


def write_source(landing: Path, source: str, name: str, rows: list[dict], encoding: str = "utf-8") -> Path:
    return write_csv(
        landing / source / name,
        list(SOURCES[source].columns),
        [canonical_row(source, **row) for row in rows],
        encoding,
    )


def materialize_sources(landing: Path, warehouse: Path, sources=None) -> dg.ExecuteInProcessResult:
    """Materialise raw + staging (and their checks) for some sources into a real DuckDB file."""
    sources = set(sources or SOURCES)
    selected = [
        a for a in [*raw_assets, *staging_assets]
        if a.key.path[-1].split("_", 1)[1] in sources
    ]
    checks = [c for c in staging_checks if next(iter(c.check_keys)).asset_key.path[-1].split("_", 1)[1] in sources]
    return dg.materialize(
        [*selected, *checks],
        resources={"duckdb": DuckDBResource(database=str(warehouse)), "landing": LandingFolder(path=str(landing))},
        raise_on_error=False,
    )


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


# The end-to-end files that take longest. `make test` runs the files on two workers, a file to a
# worker; starting these first keeps the run from ending on one of them while the other worker idles.
SLOWEST_FIRST = ["test_crash_recovery.py", "test_spark_engine.py", "test_privacy.py", "test_linkage.py",
                 "test_linkage_sensitivity.py", "test_small_data.py", "test_service_evaluation.py"]


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(scope="session", autouse=True)
def pseudonym_key():
    """Linkage keys people with a secret (TRAWL_PSEUDONYM_KEY); tests run with a test-only one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRAWL_PSEUDONYM_KEY", "trawl-test-only-key")
        yield


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    return path


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    (tmp_path / "warehouse").mkdir()
    return tmp_path / "warehouse" / "trawl.duckdb"
