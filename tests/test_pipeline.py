"""The whole trawl, through Dagster, on a small synthetic landing folder made by `trawl synth`."""

import dagster as dg
import pytest
from conftest import query

from pipelines.cli import main, run_trawl
from pipelines.definitions import build_definitions
from sources.layout import SOURCES


@pytest.fixture(scope="module")
def synthetic_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("trawl")
    landing, warehouse = base / "landing", base / "trawl.duckdb"
    assert main(["synth", "--mothers", "300", "--seed", "7", "--out", str(landing),
                 "--service", "Positive Choices:2019-04-01:0.3:0.4"]) == 0
    result = run_trawl(landing, warehouse, instance=dg.DagsterInstance.ephemeral())
    return result, landing, warehouse


def test_every_asset_materialises(synthetic_run):
    result, landing, warehouse = synthetic_run
    assert result.success
    expected = build_definitions(landing, warehouse).resolve_asset_graph().get_all_asset_keys()
    materialised = {event.asset_key for event in result.get_asset_materialization_events()}
    assert materialised == set(expected)
    assert all(check.passed for check in result.get_asset_check_evaluations() if check.severity == dg.AssetCheckSeverity.ERROR)


@pytest.mark.parametrize("source", list(SOURCES))
def test_rows_reconcile_per_source(synthetic_run, source):
    _, _, warehouse = synthetic_run
    raw, staged, quarantined = query(warehouse, f"""
        select (select count(*) from raw.{source}), (select count(*) from staging.{source}),
               (select count(*) from quarantine.rejected_rows where source = '{source}')""")[0]
    assert raw > 0 and staged > 0
    assert raw == staged + quarantined


def test_unreadable_rows_are_quarantined_with_reasons(synthetic_run):
    _, landing, warehouse = synthetic_run
    expected = (landing / "truth" / "unreadable_rows.csv").read_text().splitlines()[1:]
    unreadable = query(warehouse, """
        select count(*) from quarantine.rejected_rows
        where reason_code in ('unreadable_value', 'missing_required') and reason <> ''""")[0][0]
    assert unreadable >= len(expected) > 0
