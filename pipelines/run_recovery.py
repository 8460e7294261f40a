"""A killed run must never stop the next one.

A run killed outright (a power cut, an out-of-memory kill, a closed laptop lid) cannot tell the
Dagster instance it has ended: it stays STARTED, and it keeps the slot it held in the `warehouse`
pool (limit 1), so every later run would wait for that slot for ever. `trawl run`, `trawl demo`,
the landing-folder sensor and the monthly schedule therefore call `recover_abandoned_runs` before
they start or request a run. It finds runs still STARTED or STARTING whose process is gone, marks
each failed with the reason, frees its pool slots (the event log storage's
`free_concurrency_slots_for_run`, what the UI's "free slots" button calls) and removes the copy
of the warehouse it was building. The last good warehouse is never touched: a run only ever
writes its own copy (pipelines/warehouse_copies.py).

Which process runs a run: `trawl run` records its pid and host in the run's tags; a run that
Dagster launched records its host (RunCopyWarehouse) and Dagster's own engine event gives the
pid of its run worker. A run on another host is left alone (its process cannot be seen from
here): for those, Dagster's run monitoring (dagster.yaml, with the daemon) fails runs that
overrun `max_runtime_seconds` and frees the slots of runs that ended.
"""

import datetime
import os
import socket
from pathlib import Path

import dagster as dg
from dagster._core.storage.dagster_run import RunsFilter

from pipelines.warehouse_copies import building_copy, remove_database, run_copy, warehouse_lock_holder

PID_TAG = "trawl/pid"
HOST_TAG = "trawl/host"
WAREHOUSE_TAG = "trawl/warehouse"
# "started" while `trawl run` puts its finished copy in place, "done" once it is there.
SWAP_TAG = "trawl/warehouse_swap"
ENDED_REASON = "the process ended without finishing"


def process_tags() -> dict[str, str]:
    """Tags that say which process runs this run, so a later run can tell when it is gone."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def process_is_running(pid: int) -> bool:
    """True while the process exists and is not a zombie (killed, waiting to be reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def run_process(instance: dg.DagsterInstance, run: dg.DagsterRun) -> tuple[int | None, str | None]:
    """(pid, host) of the process that runs `run`, as far as the instance records it."""
    host = run.tags.get(HOST_TAG)
    if PID_TAG in run.tags:
        return int(run.tags[PID_TAG]), host
    # Dagster's first engine event with a pid is the run worker's ("Started process for run",
    # or the executor's "Executing steps in process").
    for record in instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, limit=10
    ).records:
        metadata = record.event_log_entry.dagster_event.engine_event_data.metadata or {}
        if "pid" in metadata:
            return int(metadata["pid"].value), host
    return None, host


def process_is_gone(instance: dg.DagsterInstance, run: dg.DagsterRun) -> bool:
    pid, host = run_process(instance, run)
    return pid is not None and host == socket.gethostname() and not process_is_running(pid)


def describe_run(instance: dg.DagsterInstance, run_id: str) -> str:
    """'run <id> (trawl, STARTED, pid 123 on host h, started 18:40:01 UTC)', for messages."""
    record = next(iter(instance.get_run_records(RunsFilter(run_ids=[run_id]), limit=1)), None)
    if record is None:
        return f"run {run_id} (no longer in this instance)"
    run = record.dagster_run
    pid, host = run_process(instance, run)
    parts = [run.job_name, run.status.value]
    if pid is not None:
        parts.append(f"pid {pid} on {host or 'an unknown host'}")
    if record.start_time:
        started = datetime.datetime.fromtimestamp(record.start_time, datetime.UTC)
        parts.append(f"started {started:%Y-%m-%d %H:%M:%S} UTC")
    return f"run {run_id} ({', '.join(parts)})"


def _held_slots(instance: dg.DagsterInstance, run_id: str) -> int:
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return 0
    return sum(
        1 for key in storage.get_concurrency_keys()
        for slot in storage.get_concurrency_info(key).claimed_slots if slot.run_id == run_id
    )


def _no_one_else_building(warehouse: Path) -> bool:
    holder = warehouse_lock_holder(warehouse)
    return holder is None or holder.get("pid") == os.getpid()  # no one, or this process (`trawl run`)


def _remove_copies(run: dg.DagsterRun, warehouse: Path | None) -> list[Path]:
    """The run's own copy of the warehouse: never the warehouse, never a copy a live run uses."""
    removed = []
    own = Path(run.tags[WAREHOUSE_TAG]) if WAREHOUSE_TAG in run.tags else None
    candidates = [run_copy(path, run.run_id) for path in {own, warehouse} if path]
    if own and PID_TAG in run.tags and _no_one_else_building(own):  # `trawl run`'s copy
        candidates.append(building_copy(own))
    for copy in candidates:
        if copy.exists() or copy.with_name(copy.name + ".wal").exists():
            remove_database(copy)
            removed.append(copy)
    return removed


def recover_abandoned_runs(instance: dg.DagsterInstance, warehouse: str | Path | None = None) -> list[str]:
    """Fail every run left STARTED or STARTING by a process that is gone; one line per run.

    `warehouse` also has its run copies checked (the sensor and schedule know theirs)."""
    warehouse = Path(warehouse) if warehouse else None
    lines = []
    abandoned = instance.get_runs(RunsFilter(statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING]))
    for run in abandoned:
        if not process_is_gone(instance, run):
            continue
        pid, host = run_process(instance, run)
        instance.report_run_failed(
            run, f"Marked failed by trawl: {ENDED_REASON} (pid {pid} on {host} is gone). "
                 "The last good warehouse was not changed; this run's copy of it was removed.")
        slots = _held_slots(instance, run.run_id)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        removed = _remove_copies(run, warehouse)
        copies = f", removed {', '.join(p.name for p in removed)}" if removed else ""
        lines.append(f"Cleaned up run {run.run_id}: {ENDED_REASON}; marked failed, "
                     f"freed {slots} pool slot(s){copies}")
    lines.extend(_recover_interrupted_swaps(instance))
    return lines


def _recover_interrupted_swaps(instance: dg.DagsterInstance) -> list[str]:
    """A `trawl run` killed while putting its finished copy in place: the run had succeeded, and
    the warehouse is whole either way (the swap is one rename). Say which warehouse it is."""
    lines = []
    for run in instance.get_runs(RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS], tags={SWAP_TAG: "started"})):
        if not process_is_gone(instance, run):
            continue
        warehouse = Path(run.tags[WAREHOUSE_TAG])
        if not _no_one_else_building(warehouse):
            continue  # a live run is building this warehouse now: look again next time
        copy = building_copy(warehouse)
        if copy.exists():
            outcome = f"its copy was not yet in place; {warehouse.name} is still the last good warehouse"
        else:
            outcome = f"its copy was in place; {warehouse.name} is this run's warehouse"
        remove_database(copy)  # the copy, or the empty write-ahead log left beside it
        instance.add_run_tags(run.run_id, {SWAP_TAG: "interrupted"})
        instance.report_engine_event(f"The process ended while putting the warehouse in place: {outcome}.", run)
        lines.append(f"Cleaned up run {run.run_id}: the process ended while putting its warehouse in place; {outcome}")
    return lines
