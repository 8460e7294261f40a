"""The last good warehouse survives runs that Dagster launches (web UI, sensor, schedule), as it
does `trawl run`: such a run writes a copy of it, `<warehouse>.run-<run id>`, and the copy is
swapped in only when the whole run succeeded, blocking checks included. A failed or cancelled
run's copy is removed.

`trawl run` and `trawl demo` make their own copy, `<warehouse>.building` (pipelines/cli.py), and
use the plain resource. While one builds, it holds `<warehouse>.lock`, so a second `trawl run` on
the same warehouse refuses at once instead of overwriting the first one's copy; the operating
system lets go of the lock when the process ends, however it ends.
"""

import contextlib
import datetime
import fcntl
import json
import os
import shutil
import socket
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr


# Crash tests only (tests/test_crash_recovery.py): seconds to pause just after the finished copy
# has replaced the warehouse, so a test can kill the process there. Unset, it does nothing.
PAUSE_AFTER_SWAP_VARIABLE = "TRAWL_TEST_PAUSE_AFTER_SWAP"


def run_copy(warehouse: str | Path, run_id: str) -> Path:
    return Path(f"{warehouse}.run-{run_id}")


def building_copy(warehouse: str | Path) -> Path:
    return Path(f"{warehouse}.building")


def lock_file(warehouse: str | Path) -> Path:
    return Path(f"{warehouse}.lock")


class WarehouseBusy(RuntimeError):
    """Another live process is building this warehouse."""


@contextlib.contextmanager
def warehouse_lock(warehouse: Path, run_id: str):
    """Hold `<warehouse>.lock` while a run builds `warehouse`; WarehouseBusy if another does."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    handle = lock_file(warehouse).open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = warehouse_lock_holder(warehouse) or {}
            raise WarehouseBusy(
                f"{warehouse} is being built by run {holder.get('run_id', '(unknown)')} (pid {holder.get('pid', '?')} "
                f"on {holder.get('host', '?')}, started {holder.get('started', '?')}). Two runs on one warehouse "
                "would overwrite each other's copy, so this one did not start: run it again when that one has "
                "finished (`trawl ui` shows its progress)."
            ) from None
        handle.truncate(0)
        handle.write(json.dumps({"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(),
                                 "started": f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC"}))
        handle.flush()
        yield
    finally:
        handle.close()  # releases the lock


def warehouse_lock_holder(warehouse: str | Path) -> dict | None:
    """Who is building `warehouse` now (run_id, pid, host, started), or None if no one is."""
    path = lock_file(warehouse)
    if not path.exists():
        return None
    with path.open("r") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                return json.loads(handle.read() or "{}")
            except json.JSONDecodeError:
                return {}
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None


class RunCopyWarehouse(DuckDBResource):
    """DuckDBResource whose connections open the run's copy of `database`."""

    _run_database: str | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        run = context.run
        if run is None:  # outside a run (a sensor reading the path): the warehouse itself
            return
        if context.instance is not None:
            from pipelines.run_recovery import HOST_TAG, WAREHOUSE_TAG

            # So a later start can tell this run's process is gone and remove its copy
            # (pipelines/run_recovery.py); Dagster's own engine event gives the run worker's pid.
            if HOST_TAG not in run.tags:
                context.instance.add_run_tags(run.run_id, {HOST_TAG: socket.gethostname(),
                                                           WAREHOUSE_TAG: str(Path(self.database).resolve())})
        copy = run_copy(self.database, run.run_id)
        if not copy.exists():
            _copy_once(Path(self.database), copy)
        self._run_database = str(copy)

    @property
    def path(self) -> str:
        return self._run_database or self.database

    def get_connection(self):
        return DuckDBResource(database=self.path, connection_config=self.connection_config).get_connection()


def _copy_once(warehouse: Path, copy: Path) -> None:
    """Copy the last good warehouse for this run. Each step of a multiprocess run sets the
    resource up in its own process: the copy is made aside and linked into place, so only the
    first one lands and no step ever reopens a copy another step has written to."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    aside = copy.with_name(f"{copy.name}.{os.getpid()}")
    if warehouse.exists():
        copy_database(warehouse, aside)
    else:
        duckdb.connect(str(aside)).close()  # the first run: an empty warehouse
    os.chmod(aside, 0o600)  # personal data: owner-only, as `trawl run` makes its files
    try:
        os.link(aside, copy)
    except FileExistsError:
        pass
    finally:
        aside.unlink()


def copy_database(source: Path, to: Path) -> None:
    with duckdb.connect(str(source)) as conn:
        conn.execute("checkpoint")  # fold any write-ahead log into the file before copying it
    shutil.copyfile(source, to)


def swap_in(copy: Path, warehouse: Path) -> None:
    """Put a finished copy in the warehouse's place, whole."""
    with duckdb.connect(str(copy)) as conn:
        conn.execute("checkpoint")  # fold the write-ahead log into the file before it moves
    os.replace(copy, warehouse)
    if os.environ.get(PAUSE_AFTER_SWAP_VARIABLE):
        print("The new warehouse is in place; pausing (crash test)", file=sys.stderr, flush=True)
        time.sleep(float(os.environ[PAUSE_AFTER_SWAP_VARIABLE]))
    remove_database(copy)  # a .wal left empty by the checkpoint


def remove_database(path: Path) -> None:
    for file in (path, path.with_name(path.name + ".wal")):
        file.unlink(missing_ok=True)


def promote(warehouse: Path, run_id: str) -> bool:
    """Swap a succeeded run's copy in for the warehouse; False if the run left no copy."""
    copy = run_copy(warehouse, run_id)
    if not copy.exists():
        return False
    swap_in(copy, warehouse)
    return True


def build_copy_sensors(warehouse: str | Path) -> list[dg.SensorDefinition]:
    """Sensors (running by default: without them no launched run would ever be promoted) that
    promote a succeeded run's copy and remove a failed or cancelled one's."""
    warehouse = Path(warehouse)

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.SUCCESS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Swaps a succeeded run's copy of the warehouse in for the last good one.",
    )
    def promote_succeeded_run(context: dg.RunStatusSensorContext):
        if promote(warehouse, context.dagster_run.run_id):
            context.log.info(f"run {context.dagster_run.run_id}: its warehouse is now the last good one")

    @dg.run_failure_sensor(
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Removes a failed run's copy of the warehouse: the last good one stays as it was.",
    )
    def discard_failed_run(context: dg.RunFailureSensorContext):
        remove_database(run_copy(warehouse, context.dagster_run.run_id))

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.CANCELED,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Removes a cancelled run's copy of the warehouse.",
    )
    def discard_cancelled_run(context: dg.RunStatusSensorContext):
        remove_database(run_copy(warehouse, context.dagster_run.run_id))

    return [promote_succeeded_run, discard_failed_run, discard_cancelled_run]
