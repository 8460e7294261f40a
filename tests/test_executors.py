"""The job's executor is chosen by TRAWL_EXECUTOR. On Dagster's multiprocess executor each step
runs in its own process, and the "warehouse" pool still lets only one of them write the DuckDB
file at a time."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import build_definitions, trawl_executor
from pipelines.warehouse_copies import promote
from sources.synth import generate

from conftest import query

REPO_ROOT = Path(__file__).resolve().parents[1]
WAREHOUSE_STEPS = ["raw_legal", "raw_court"]


def test_multiprocess_steps_write_the_warehouse_one_at_a_time(tmp_path: Path):
    """Through Dagster's own CLI on the code location, as a run from the web UI would go."""
    landing, warehouse, home = tmp_path / "landing", tmp_path / "warehouse" / "trawl.duckdb", tmp_path / "home"
    generate(landing, mothers=60, seed=5)
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")  # the instance that holds the pool limit
    env = {**os.environ, "DAGSTER_HOME": str(home), "TRAWL_LANDING": str(landing), "TRAWL_WAREHOUSE": str(warehouse),
           "TRAWL_EXECUTOR": "multiprocess"}
    finished = subprocess.run(
        [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "pipelines.definitions",
         "--select", ",".join(WAREHOUSE_STEPS)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(home))
        instance = dg.DagsterInstance.get()
    with instance:
        (run,) = instance.get_runs()
        spans, processes = {}, set()
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            if event is None or entry.step_key not in WAREHOUSE_STEPS:
                continue
            if event.event_type == dg.DagsterEventType.STEP_START:
                spans[entry.step_key] = [entry.timestamp, None]
                processes.add(event.pid)
            elif event.event_type == dg.DagsterEventType.STEP_SUCCESS:
                spans[entry.step_key][1] = entry.timestamp

    assert sorted(spans) == sorted(WAREHOUSE_STEPS)
    assert len(processes) == len(WAREHOUSE_STEPS)  # a process per step
    ordered = sorted(spans.values())
    assert all(earlier[1] <= later[0] for earlier, later in zip(ordered, ordered[1:]))  # never two at once
    # Both steps wrote one copy of the warehouse, which the run-status sensor (not running here:
    # no daemon) would swap in.
    assert promote(warehouse, run.run_id)
    assert query(warehouse, "select count(*) from raw.legal")[0][0] > 0
    assert query(warehouse, "select count(*) from raw.court")[0][0] > 0


def test_executor_is_chosen_by_name(tmp_path: Path, monkeypatch):
    assert trawl_executor().name == "in_process"
    monkeypatch.setenv("TRAWL_WAREHOUSE", str(tmp_path / "trawl.duckdb"))
    monkeypatch.setenv("TRAWL_EXECUTOR", "k8s")  # a pod per step; loading needs no cluster
    definitions = build_definitions()
    dg.Definitions.validate_loadable(definitions)
    assert definitions.resolve_job_def("trawl").executor_def.name == "k8s"
    with pytest.raises(RuntimeError, match="TRAWL_EXECUTOR must be one of in_process, multiprocess, k8s"):
        trawl_executor("threads")
