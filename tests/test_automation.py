"""The landing-folder sensor, driven through add, change, re-save, remove and re-add."""

import os

import dagster as dg
from conftest import write_source

from pipelines.definitions import build_definitions
from sources.landing import LandingFolder


def test_sensor_runs_once_per_new_folder_state(landing, warehouse):
    with dg.instance_for_test() as instance:  # before it asks for a run, the sensor cleans up dead runs in it
        _sensor_runs_once_per_new_folder_state(landing, warehouse, instance)


def _sensor_runs_once_per_new_folder_state(landing, warehouse, instance):
    defs = build_definitions(landing, warehouse)
    sensor = defs.resolve_sensor_def("landing_folder_sensor")
    cursor = None
    run_keys = []

    def tick():
        nonlocal cursor
        context = dg.build_sensor_context(cursor=cursor, instance=instance,
                                          resources={"landing": LandingFolder(path=str(landing))})
        result = sensor.evaluate_tick(context)
        cursor = result.cursor
        run_keys.extend(request.run_key for request in result.run_requests or [])
        return [request.run_key for request in result.run_requests or []]

    assert tick() == []                                   # nothing landed yet
    legal = write_source(landing, "legal", "legal.csv", [dict(legal_ref="L1", issue_date="2020-01-01")])
    court = write_source(landing, "court", "court.csv", [dict(case_number="LV20C00001")])
    assert tick() == []                                   # changed: wait a tick for copies to finish
    assert len(tick()) == 1                               # settled: one run
    assert tick() == [] and tick() == []                  # nothing new: no more runs

    legal.write_bytes(legal.read_bytes() + b"L2,,2020-02-01" + b"," * 13 + b"\r\n")
    assert tick() == [] and len(tick()) == 1              # content changed: one run

    content = legal.read_bytes()
    legal.write_bytes(content)                            # re-saved, same bytes, new mtime
    os.utime(legal, (1, 1))
    assert tick() == [] and tick() == []                  # content, not mtime, decides

    legal.unlink()
    assert tick() == [] and len(tick()) == 1              # a removed extract changes the data: one run
    legal.write_bytes(content)
    assert tick() == [] and len(tick()) == 1              # re-added: runs again, under a new run key
    assert court.exists()
    assert len(run_keys) == 4 and len(set(run_keys)) == 4


def test_monthly_schedule_targets_the_trawl_job(landing, warehouse):
    schedule = build_definitions(landing, warehouse).resolve_schedule_def("monthly_trawl")
    assert schedule.cron_schedule == "0 6 1 * *"
    assert schedule.job_name == "trawl"


def test_a_new_pre_proceedings_file_starts_a_run(landing, warehouse):
    """The history list refreshes when a pre-proceedings extract lands, like any other extract."""
    sensor = build_definitions(landing, warehouse).resolve_sensor_def("landing_folder_sensor")
    cursor = None

    with dg.instance_for_test() as instance:
        def tick():
            nonlocal cursor
            result = sensor.evaluate_tick(dg.build_sensor_context(
                cursor=cursor, instance=instance, resources={"landing": LandingFolder(path=str(landing))}))
            cursor = result.cursor
            return [request.run_key for request in result.run_requests or []]

        write_source(landing, "legal", "legal.csv", [dict(legal_ref="L1", issue_date="2020-01-01")])
        assert tick() == [] and len(tick()) == 1 and tick() == []
        write_source(landing, "pre_proceedings", "plo_cases.csv",
                     [dict(pre_proceedings_ref="PP1", start_date="2025-01-06", stage="PLO")])
        assert tick() == [] and len(tick()) == 1              # landed and settled: one run
        assert tick() == []
