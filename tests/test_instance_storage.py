"""Run history in PostgreSQL: the demo, end to end, on an instance backed by the server on 127.0.0.1."""

import shutil
import uuid
from pathlib import Path

import dagster as dg
import psycopg2
import pytest

from pipelines.cli import run_trawl
from sources.synth import generate

SERVER = dict(host="127.0.0.1", port=5432, user="postgres", dbname="test")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def postgres_database():
    """A throwaway database on the local server, dropped afterwards."""
    try:
        admin = psycopg2.connect(connect_timeout=3, **SERVER)
    except psycopg2.OperationalError as error:
        pytest.skip(f"no PostgreSQL server answers on 127.0.0.1:5432 ({error.__class__.__name__})")
    admin.autocommit = True
    name = f"trawl_instance_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cursor:
        cursor.execute(f"create database {name}")
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f"drop database {name} with (force)")
    admin.close()


def test_demo_runs_on_postgres_backed_instance(tmp_path, postgres_database, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "config" / "dagster-postgres.yaml", home / "dagster.yaml")
    url = f"postgresql://postgres@127.0.0.1:5432/{postgres_database}"
    monkeypatch.setenv("TRAWL_DAGSTER_POSTGRES_URL", url.replace("postgresql://", "postgresql+psycopg2://"))
    landing = tmp_path / "landing"
    generate(landing, mothers=40, seed=3)

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = run_trawl(landing, tmp_path / "trawl.duckdb", instance=instance)
        assert result.success

    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("select status from runs where run_id = %s", [result.run_id])
        assert cursor.fetchone() == ("SUCCESS",)
        cursor.execute(
            "select count(*) from event_logs where run_id = %s and dagster_event_type = 'ASSET_MATERIALIZATION'",
            [result.run_id],
        )
        materialised = cursor.fetchone()[0]
    assert materialised >= 10
