"""A killed run must never stop the next one (issue 12).

Real processes: `trawl run` (and `dagster job execute`, the run-copy path Dagster-launched runs
take) start in a subprocess and are killed with SIGKILL when a given line appears in their log.
After each kill the warehouse is byte-identical to the last good one, or is the new complete one;
the next run is not held up by the dead one; the instance shows the killed run failed with the
reason; no copy of the warehouse is left behind.

One good warehouse is shared: each kill point's run is also "the next run" after the previous
kill (it has to get past the pool slot the dead run held, and it prints that it cleaned it up),
and a last run finishes.
"""

import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import write_source
from dagster._core.storage.dagster_run import DagsterRun, RunsFilter
from dagster._daemon.monitoring.run_monitoring import check_run_timeout
from test_bad_inputs import GOOD_EXTRACTS

from pipelines.cli import failure_messages, run_trawl
from pipelines.definitions import build_definitions
from pipelines.run_recovery import ENDED_REASON, SWAP_TAG, process_tags, recover_abandoned_runs
from pipelines.warehouse_copies import PAUSE_AFTER_SWAP_VARIABLE, building_copy
from sources.landing import LandingFolder
from sources.synth import generate

REPO = Path(__file__).resolve().parents[1]
TRAWL = [sys.executable, "-m", "pipelines.cli"]
RUN_ID = re.compile(r" - trawl - ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) - ")
# (kill point, the log line that marks it, extra environment)
KILL_POINTS = [
    ("mid-ingest", "rows read", {}),
    ("mid-linkage", "profiles built", {}),
    ("during publish", 'Started execution of step "publish_report"', {"TRAWL_LOG_LEVEL": "DEBUG"}),
    ("after the swap started", "The new warehouse is in place", {PAUSE_AFTER_SWAP_VARIABLE: "120"}),
]


class Site:
    """A landing folder, a Dagster home (the repo's dagster.yaml) and a good warehouse."""

    def __init__(self, root: Path):
        self.root, self.landing, self.home = root, root / "landing", root / "dagster_home"
        self.warehouse = root / "warehouse" / "trawl.duckdb"
        generate(self.landing, mothers=40, seed=12)
        self.home.mkdir()
        shutil.copyfile(REPO / "dagster.yaml", self.home / "dagster.yaml")

    def env(self, **extra) -> dict[str, str]:
        # A wait for a slot gives up long before the test's own timeout: a hang fails, it does not stall.
        return {**os.environ, "DAGSTER_HOME": str(self.home), "TRAWL_SLOT_WAIT_SECONDS": "120", **extra}

    def trawl_run(self) -> list[str]:
        return [*TRAWL, "run", "--landing", str(self.landing), "--warehouse", str(self.warehouse)]

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(str(self.home))

    def leftovers(self) -> list[str]:
        """Files beside the warehouse other than the warehouse, its lock and the output folders."""
        return sorted(p.name for p in self.warehouse.parent.iterdir()
                      if p.name not in (self.warehouse.name, f"{self.warehouse.name}.lock", "outputs", "restricted"))


def kill_when(command: list[str], env: dict, line_marks: str, cwd: Path = REPO) -> tuple[str, str]:
    """Start `command`, SIGKILL it when a line containing `line_marks` appears: (run id, output)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd)
    output = []
    try:
        for line in process.stdout:
            output.append(line)
            if line_marks in line:
                process.kill()
                break
    finally:
        process.kill()
        process.wait(timeout=60)  # reaped: its pid is gone, as after a power cut
    text = "".join(output)
    assert process.returncode == -9, f"never reached {line_marks!r}:\n{text[-3000:]}"
    return RUN_ID.search(text).group(1), text


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = conn.execute("select schema_name || '.' || table_name from duckdb_tables() order by 1").fetchall()
        return {name: conn.execute(f"select count(*) from {name}").fetchone()[0] for (name,) in tables}


def assert_failed_with_reason(instance: dg.DagsterInstance, run_id: str) -> None:
    assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
    messages = [record.event_log_entry.dagster_event.message
                for record in instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records]
    assert any(ENDED_REASON in message for message in messages), messages


def slot_holders(instance: dg.DagsterInstance) -> set[str]:
    return instance.event_log_storage.get_concurrency_info("warehouse").active_run_ids


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    site = Site(tmp_path_factory.mktemp("crash"))
    good = subprocess.run(site.trawl_run(), env=site.env(), cwd=REPO, capture_output=True, text=True, timeout=600)
    assert good.returncode == 0, good.stderr[-3000:]
    return site


def test_a_second_run_on_the_same_warehouse_refuses_at_once_naming_the_first(site):
    last_good = digest(site.warehouse)
    first = subprocess.Popen(site.trawl_run(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env=site.env(), cwd=REPO)
    try:
        for line in first.stdout:
            if "rows read" in line:  # the first run is building its copy
                first_run = RUN_ID.search(line).group(1)
                break
        second = subprocess.run(site.trawl_run(), env=site.env(), cwd=REPO, capture_output=True, text=True,
                                timeout=120)
        assert first.poll() is None  # still building: the second did not disturb it
    finally:
        first.kill()
        first.wait(timeout=60)
    assert second.returncode == 3
    assert f"is being built by run {first_run}" in second.stderr and "did not start" in second.stderr
    assert digest(site.warehouse) == last_good

    with site.instance() as instance:  # what the next start does with the first run, killed above
        assert [line.split(":")[0] for line in recover_abandoned_runs(instance)] == [f"Cleaned up run {first_run}"]
        assert_failed_with_reason(instance, first_run)
        assert first_run not in slot_holders(instance)
    assert site.leftovers() == [] and digest(site.warehouse) == last_good


def test_a_run_killed_at_any_point_never_costs_the_warehouse_or_stops_the_next_run(site):
    last_good, last_good_counts = digest(site.warehouse), table_counts(site.warehouse)
    killed = None
    for point, line_marks, extra in KILL_POINTS:
        run_id, output = kill_when(site.trawl_run(), site.env(**extra), line_marks)
        if killed:  # this run started after the last kill: it cleaned that run up and got past its slot
            assert f"Cleaned up run {killed}: {ENDED_REASON}" in output, point
            assert "Waiting for a slot" not in output, point
            with site.instance() as instance:
                assert_failed_with_reason(instance, killed)
        if point == "after the swap started":  # the new warehouse, complete
            assert table_counts(site.warehouse) == last_good_counts
        else:
            assert digest(site.warehouse) == last_good, point
        killed = run_id

    # The run killed after the swap had succeeded: the schedule, before it asks for a run, says
    # which warehouse is in place and removes what the kill left.
    defs = build_definitions(site.landing, site.warehouse)
    with site.instance() as instance:
        schedule = defs.resolve_schedule_def("monthly_trawl")
        with dg.build_schedule_context(instance=instance) as context:
            assert len(schedule.evaluate_tick(context).run_requests) == 1
        swapped = instance.get_run_by_id(killed)
        assert swapped.status == dg.DagsterRunStatus.SUCCESS and swapped.tags[SWAP_TAG] == "interrupted"
    assert site.leftovers() == []
    new_good = digest(site.warehouse)

    # A run Dagster launched (the run-copy path), killed mid-ingest, cleaned up by the sensor.
    launched_env = site.env(TRAWL_LANDING=str(site.landing), TRAWL_WAREHOUSE=str(site.warehouse))
    launched, _ = kill_when([sys.executable, "-m", "dagster", "job", "execute", "-m", "pipelines.definitions",
                             "-j", "trawl"], launched_env, "rows read")
    assert site.leftovers() == [f"{site.warehouse.name}.run-{launched}"]
    with site.instance() as instance:
        assert launched in slot_holders(instance)
        sensor, cursor = defs.resolve_sensor_def("landing_folder_sensor"), None
        for _ in range(2):  # a new folder state: one tick to see it, one to ask for a run
            context = dg.build_sensor_context(instance=instance, cursor=cursor,
                                              resources={"landing": LandingFolder(path=str(site.landing))})
            tick = sensor.evaluate_tick(context)
            cursor = tick.cursor
        assert len(tick.run_requests) == 1
        assert_failed_with_reason(instance, launched)
        assert slot_holders(instance) == set()
    assert site.leftovers() == [] and digest(site.warehouse) == new_good

    # The next run finishes, without waiting for any dead run.
    started = time.monotonic()
    final = subprocess.run(site.trawl_run(), env=site.env(), cwd=REPO, capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr[-3000:]
    assert "Waiting for a slot" not in final.stderr and "Cleaned up" not in final.stderr
    assert table_counts(site.warehouse) == last_good_counts and site.leftovers() == []
    print(f"the run after the kills took {time.monotonic() - started:.0f}s")
    with site.instance() as instance:
        running = instance.get_runs(RunsFilter(statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING]))
        assert running == [] and slot_holders(instance) == set()


def test_a_wait_for_a_pool_slot_gives_up_naming_the_run_that_holds_it(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAWL_SLOT_WAIT_SECONDS", "2")
    landing, warehouse = tmp_path / "landing", tmp_path / "trawl.duckdb"
    for source, rows in GOOD_EXTRACTS.items():
        write_source(landing, source, f"{source}_2019.csv", rows)
    with dg.instance_for_test(overrides={"concurrency": {"pools": {"default_limit": 1}}}) as instance:
        # A run of a live process (this one) holds the warehouse slot: not abandoned, so it is waited for.
        holder = DagsterRun(job_name="trawl", run_id=str(uuid.uuid4()), status=dg.DagsterRunStatus.STARTED,
                            tags=process_tags())
        instance.add_run(holder)
        instance.event_log_storage.set_concurrency_slots("warehouse", 1)
        assert instance.event_log_storage.claim_concurrency_slot("warehouse", holder.run_id, "raw_legal").is_claimed

        started = time.monotonic()
        result = run_trawl(landing, warehouse, instance=instance)
        assert time.monotonic() - started < 60
        assert not result.success
        assert instance.get_run_by_id(result.run_id).status == dg.DagsterRunStatus.FAILURE
        [message] = failure_messages(result, instance)
        assert f"for a slot in the 'warehouse' pool, held by run {holder.run_id}" in message
        assert "Deployment > Concurrency > warehouse" in message
        assert holder.run_id in slot_holders(instance) and result.run_id not in slot_holders(instance)
    assert not warehouse.exists() and not building_copy(warehouse).exists()


def test_run_monitoring_in_dagster_yaml_fails_a_run_whose_worker_overran(tmp_path):
    """What the daemon does for runs the UI, sensor or schedule launched (dagster.yaml run_monitoring)."""
    shutil.copyfile(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] > 0
        assert instance.run_monitoring_max_runtime_seconds >= 3600
        run = DagsterRun(job_name="trawl", run_id=str(uuid.uuid4()), status=dg.DagsterRunStatus.STARTING,
                         tags={"dagster/max_runtime": "1"})  # this run's own limit: one second
        instance.add_run(run)
        instance.report_dagster_event(dg.DagsterEvent(dg.DagsterEventType.RUN_START.value, job_name="trawl"),
                                      run_id=run.run_id)
        time.sleep(1.5)
        [record] = instance.get_run_records(RunsFilter(run_ids=[run.run_id]))
        assert record.dagster_run.status == dg.DagsterRunStatus.STARTED
        check_run_timeout(instance, record, logging.getLogger("run_monitoring"),
                          instance.run_monitoring_max_runtime_seconds)
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
