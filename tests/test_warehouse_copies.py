"""Runs that Dagster launches (web UI, sensor, schedule) keep the last good warehouse too: each
writes its own copy, which a sensor swaps in when the run succeeded and removes when it failed."""

import dagster as dg
import pytest
from conftest import write_source
from test_bad_inputs import GOOD_EXTRACTS, file_digest, warehouse_tables

from pipelines.definitions import build_definitions
from pipelines.warehouse_copies import build_copy_sensors, run_copy


def launched_run(landing, warehouse, instance) -> tuple[dg.Definitions, dg.ExecuteInProcessResult]:
    """The ingest and staging stages (what a bad extract can break), run as Dagster runs them."""
    defs = build_definitions(landing, warehouse)
    job = dg.define_asset_job("trawl", selection=dg.AssetSelection.groups("ingest", "staging"),
                              executor_def=dg.in_process_executor)
    defs = dg.Definitions(assets=defs.assets, asset_checks=defs.asset_checks, resources=defs.resources,
                          sensors=build_copy_sensors(warehouse), jobs=[job])
    return defs, defs.resolve_job_def("trawl").execute_in_process(instance=instance, raise_on_error=False)


def after(defs: dg.Definitions, sensor_name: str, result: dg.ExecuteInProcessResult, instance) -> None:
    """Evaluate a run-status sensor on the run's last event, as the daemon would."""
    run = instance.get_run_by_id(result.run_id)
    event = instance.all_logs(result.run_id)[-1].dagster_event
    context = dg.build_run_status_sensor_context(sensor_name=sensor_name, dagster_event=event,
                                                 dagster_instance=instance, dagster_run=run)
    defs.resolve_sensor_def(sensor_name)(context)


@pytest.fixture
def instance():
    with dg.instance_for_test() as test_instance:
        yield test_instance


def test_a_succeeded_run_replaces_the_warehouse_and_a_failed_one_leaves_it(tmp_path, instance):
    landing, warehouse = tmp_path / "landing", tmp_path / "trawl.duckdb"
    for source, rows in GOOD_EXTRACTS.items():
        write_source(landing, source, f"{source}_2019.csv", rows)

    defs, good = launched_run(landing, warehouse, instance)
    assert good.success
    assert not warehouse.exists() and run_copy(warehouse, good.run_id).exists()  # written aside
    after(defs, "promote_succeeded_run", good, instance)
    assert not run_copy(warehouse, good.run_id).exists()
    last_good, last_good_tables = file_digest(warehouse), warehouse_tables(warehouse)
    assert len(last_good_tables["staging.legal"]) == 1

    (landing / "legal" / "no_ref.csv").write_bytes(b"Issue Date,Child Forename\r\n2019-03-05,Ben\r\n")
    defs, bad = launched_run(landing, warehouse, instance)
    assert not bad.success
    assert run_copy(warehouse, bad.run_id).exists()
    after(defs, "discard_failed_run", bad, instance)
    assert not run_copy(warehouse, bad.run_id).exists()
    assert file_digest(warehouse) == last_good and warehouse_tables(warehouse) == last_good_tables
