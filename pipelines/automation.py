"""Unattended trawls: a monthly schedule, and a sensor that runs when extracts land.

The sensor fingerprints the landing folder by file *content* (SHA-256), not modification
time, so re-saving an unchanged file does nothing and a changed file is never missed. A file
still being copied changes between two looks, so the sensor waits until the folder has looked
the same on two consecutive ticks before asking for a run. Its cursor remembers the last
folder state a run was asked for, so the same state is never processed twice.

Before either asks for a run, it cleans up runs whose process was killed (pipelines/run_recovery.py),
so a dead run's pool slot never holds up the run it asks for.
"""

import hashlib
import json
from pathlib import Path

import dagster as dg

from pipelines.run_recovery import recover_abandoned_runs
from sources.extract_files import READABLE_SUFFIXES
from sources.landing import LandingFolder
from sources.layout import SOURCES

SENSOR_INTERVAL_SECONDS = 60
# Source folders, and the clerical-review decisions that change linkage on the next run.
WATCHED_FOLDERS = (*SOURCES, "linkage_decisions")


def landing_fingerprint(landing: Path) -> dict[str, str]:
    """{relative path: sha256} of every extract or decisions file in the watched folders."""
    fingerprint = {}
    for folder in sorted(WATCHED_FOLDERS):
        for path in sorted((landing / folder).glob("*")):
            if path.is_file() and path.suffix.lower() in READABLE_SUFFIXES and not path.name.startswith(("~$", ".")):
                digest = hashlib.sha256()
                with path.open("rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
                fingerprint[f"{folder}/{path.name}"] = digest.hexdigest()
    return fingerprint


def _state_hash(fingerprint: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()


def _recover(context, warehouse: Path) -> None:
    for line in recover_abandoned_runs(context.instance, warehouse):
        context.log.info(line)


def build_automation(job, warehouse: str | Path) -> tuple[list[dg.SensorDefinition], list[dg.ScheduleDefinition]]:
    warehouse = Path(warehouse)

    @dg.sensor(
        job=job,
        minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Starts a trawl when an extract is added, changed or removed in the landing folder.",
    )
    def landing_folder_sensor(context: dg.SensorEvaluationContext, landing: LandingFolder):
        cursor = json.loads(context.cursor) if context.cursor else {"seen": None, "requested": None, "runs": 0}
        fingerprint = landing_fingerprint(Path(landing.path))
        if not fingerprint:
            return dg.SkipReason("The landing folder has no extracts yet.")
        current = _state_hash(fingerprint)
        if current != cursor["seen"]:
            cursor["seen"] = current
            context.update_cursor(json.dumps(cursor))
            return dg.SkipReason("Landing folder changed; waiting one more tick for copies to finish.")
        if current == cursor["requested"]:
            return dg.SkipReason("No new or changed extracts since the last run asked for.")
        cursor["requested"] = current
        cursor["runs"] += 1
        context.update_cursor(json.dumps(cursor))
        _recover(context, warehouse)
        return dg.RunRequest(
            run_key=f"landing-{cursor['runs']}-{current[:16]}",
            tags={"trawl/trigger": "landing_folder", "trawl/landing_state": current},
        )

    @dg.schedule(
        name="monthly_trawl",
        job=job,
        cron_schedule="0 6 1 * *",
        execution_timezone="Europe/London",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description="The trawl on the first of each month at 06:00.",
    )
    def monthly_trawl(context: dg.ScheduleEvaluationContext):
        _recover(context, warehouse)
        return dg.RunRequest(tags={"trawl/trigger": "monthly_trawl"})

    return [landing_folder_sensor], [monthly_trawl]
