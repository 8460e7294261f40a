"""A wait for a pool slot has a limit, and says whom it waits for.

Dagster runs a step of the `warehouse` pool only when it gets the pool's one slot (dagster.yaml).
While a step waits, Dagster's in-process executor loops on `InstanceConcurrencyContext` with no
limit and no word about who holds the slot, and it ignores Ctrl+C and SIGTERM meanwhile. So
`trawl run` watches its own run from a second thread: the event log storage's
`get_concurrency_info` lists the steps waiting for each pool and the runs holding its slots. It
says once which run it is waiting for, and when the wait passes the limit it fails the run with a
message naming that run and how to free the slot. Dagster records the run as failed with that
message; the last good warehouse is not touched. Ctrl+C or SIGTERM during the wait fails it the
same way at once.
"""

import ctypes
import datetime
import os
import sys
import threading

import dagster as dg
from dagster._utils.interrupts import check_captured_interrupt

from pipelines.run_recovery import describe_run

WAIT_LIMIT_VARIABLE = "TRAWL_SLOT_WAIT_SECONDS"
DEFAULT_WAIT_LIMIT_SECONDS = 300
SAY_WAITING_AFTER_SECONDS = 5


def wait_limit_seconds() -> float:
    return float(os.environ.get(WAIT_LIMIT_VARIABLE) or DEFAULT_WAIT_LIMIT_SECONDS)


class SlotWaitTimeout(Exception):
    """The run waited longer than the limit for a pool slot another run holds (or was stopped)."""

    message = "waited too long for a pool slot"

    def __init__(self, *args):
        super().__init__(*(args or (self.message,)))


def how_to_free(holder_run_id: str) -> str:
    return (
        f"If run {holder_run_id} is still working, let it finish (or stop it from `trawl ui`) and run again. "
        "If its process has gone, the next `trawl run` marks it failed and frees its slot; to do it by hand, "
        "open `trawl ui`, Deployment > Concurrency > warehouse, and free that run's slot "
        "(`dagster instance concurrency get warehouse` shows the slot)."
    )


class SlotWaitLimit:
    """While active, fail `run_id` (running in this process's main thread) if one of its steps
    waits for a pool slot longer than `limit_seconds`."""

    def __init__(self, instance: dg.DagsterInstance, run_id: str, limit_seconds: float | None = None,
                 poll_seconds: float = 1.0):
        self.instance, self.run_id = instance, run_id
        self.limit = wait_limit_seconds() if limit_seconds is None else limit_seconds
        self.poll = poll_seconds
        self._stop = threading.Event()
        self._main = threading.main_thread().ident
        self._thread = threading.Thread(target=self._watch, name="trawl-slot-wait", daemon=True)
        self.timed_out_message: str | None = None

    def __enter__(self):
        if self.instance.event_log_storage.supports_global_concurrency_limits:
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        if self.timed_out_message:  # fired as the run was ending: drop it if not yet raised
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._main), None)

    def waiting(self) -> tuple[str, str, float] | None:
        """(pool, run holding its slot, seconds waited) for this run's longest wait, if any."""
        storage = self.instance.event_log_storage
        now = datetime.datetime.now(datetime.UTC)
        longest = None
        for pool in storage.get_concurrency_keys():
            info = storage.get_concurrency_info(pool)
            for step in info.pending_steps:
                if step.run_id != self.run_id or step.assigned_timestamp is not None:
                    continue
                enqueued = step.enqueued_timestamp
                if enqueued.tzinfo is None:
                    enqueued = enqueued.replace(tzinfo=datetime.UTC)
                waited = (now - enqueued).total_seconds()
                holders = [slot.run_id for slot in info.claimed_slots if slot.run_id != self.run_id]
                if holders and (longest is None or waited > longest[2]):
                    longest = (pool, holders[0], waited)
        return longest

    def _watch(self) -> None:
        said = set()
        while not self._stop.wait(self.poll):
            try:
                self._look(said)
            except Exception:  # the instance is busy or closing: look again next time
                continue

    def _look(self, said: set[str]) -> None:
        """One look at this run's waits: say whom it waits for, and fail it past the limit."""
        waiting = self.waiting()
        if waiting is None:
            return
        pool, holder, waited = waiting
        if self.timed_out_message:  # raised before, yet the run still waits: a handler swallowed it
            self._fail_main_thread()
        elif check_captured_interrupt():  # Ctrl+C or SIGTERM, which Dagster holds back while a step waits
            self.timed_out_message = (f"Stopped while waiting for a slot in the '{pool}' pool, held by "
                                      f"{describe_run(self.instance, holder)}.")
            self._fail_main_thread()
        elif waited >= self.limit and not self._stop.is_set():
            self.timed_out_message = (
                f"Waited {waited:.0f}s (the limit, {WAIT_LIMIT_VARIABLE}) for a slot in the '{pool}' pool, "
                f"held by {describe_run(self.instance, holder)}. {how_to_free(holder)}"
            )
            self._fail_main_thread()
        elif waited >= SAY_WAITING_AFTER_SECONDS and holder not in said:
            said.add(holder)
            print(f"Waiting for a slot in the '{pool}' pool, held by {describe_run(self.instance, holder)}; "
                  f"giving up after {self.limit:.0f}s", file=sys.stderr, flush=True)

    def _fail_main_thread(self) -> None:
        """Raise SlotWaitTimeout in the main thread, where Dagster's loop waits for the slot: the
        run then ends as Dagster ends any run that raised, failed with this message. The exception
        lands wherever the main thread is, possibly inside a handler that swallows it, so `_watch`
        raises it again at each look while the run still waits (a run once waited for ever so)."""
        error = type("SlotWaitTimeout", (SlotWaitTimeout,), {"message": self.timed_out_message})
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._main), ctypes.py_object(error))
