"""`trawl`: the command line a data officer uses. Every command that builds tables runs
through Dagster, so runs, logs and lineage land in the Dagster instance (DAGSTER_HOME)."""

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import get_args

import dagster as dg
import duckdb

from pipelines.run_recovery import SWAP_TAG, WAREHOUSE_TAG, process_tags, recover_abandoned_runs
from pipelines.slot_wait import SlotWaitLimit, SlotWaitTimeout
from pipelines.warehouse_copies import (WarehouseBusy, building_copy, copy_database, remove_database, swap_in,
                                        warehouse_lock)
from publish.trawl_window import ALL_DATA, TrawlWindow, WindowKind
from sources.layout import SOURCES
from sources.synth import DEFAULT_NOISE, NOISE_MODELS

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = Path("data")
# The demo's service, so a new user sees "Is the service working?": a third of the mothers whose
# set ends from April 2019 are enrolled, and it prevents 40% of their returns.
DEMO_SERVICE = "Positive Choices:2019-04-01:0.3:0.4"


def _use_instance_home() -> Path:
    """DAGSTER_HOME if set; otherwise data/dagster_home, seeded with the repo's dagster.yaml."""
    home = Path(os.environ.get("DAGSTER_HOME") or (DEFAULT_DATA_DIR / "dagster_home")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")  # not its mode: owner-only, like the rest
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def run_trawl(
    landing: Path,
    warehouse: Path,
    column_mappings: Path | None = None,
    sql_sources: Path | None = None,
    instance: dg.DagsterInstance | None = None,
    window: TrawlWindow = ALL_DATA,
    linkage_config: Path | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialise every asset for one landing folder into one warehouse file.

    The run builds into a copy (`<warehouse>.building`, started from the last good warehouse) and
    the copy replaces the warehouse only if the whole run succeeded, blocking checks included.
    A bad extract or a failed check therefore never leaves a half-built or wrong warehouse behind:
    the last good one stays exactly as it was. Nor does a crash: the run first cleans up runs
    whose process was killed (pipelines/run_recovery.py), holds `<warehouse>.lock` so no second
    run builds the same copy, and gives up on a pool slot another run holds after a limit
    (pipelines/slot_wait.py).
    """
    from pipelines.definitions import build_definitions

    instance = instance or dg.DagsterInstance.get()
    run_id = str(uuid.uuid4())
    with warehouse_lock(warehouse, run_id):  # WarehouseBusy if another run is building this warehouse
        for line in recover_abandoned_runs(instance, warehouse):  # runs killed before they finished
            print(line, file=sys.stderr)
        building = building_copy(warehouse)
        remove_database(building)  # left by a run that was killed
        if warehouse.exists():
            copy_database(warehouse, building)
        succeeded = False
        try:
            defs = build_definitions(landing, building, column_mappings, sql_sources, linkage_config=linkage_config,
                                     run_copies=False)  # this function makes the copy itself
            with SlotWaitLimit(instance, run_id):
                result = defs.resolve_job_def("trawl").execute_in_process(
                    instance=instance,
                    run_id=run_id,
                    raise_on_error=False,
                    run_config={"loggers": {"console": {"config": {"log_level": log_level()}}}, **window.run_config()},
                    tags={"trawl/landing": str(landing.resolve()), WAREHOUSE_TAG: str(warehouse.resolve()),
                          **process_tags(), **window.tags()},
                )
            succeeded = result.success
        finally:
            if succeeded:
                instance.add_run_tags(run_id, {SWAP_TAG: "started"})
                swap_in(building, warehouse)
                instance.add_run_tags(run_id, {SWAP_TAG: "done"})
            else:
                remove_database(building)
    return result


def log_level() -> str:
    """TRAWL_LOG_LEVEL=DEBUG also shows each step's start and end."""
    return os.environ.get("TRAWL_LOG_LEVEL", "INFO").upper()


def failure_messages(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance | None = None) -> list[str]:
    """One line per failed step: the innermost error, which is the one that says what went wrong;
    with the instance, also the run's own error if it failed outside any step (a wait for a pool
    slot ran out)."""
    messages = []
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            while error is not None and error.cause is not None:
                error = error.cause
            detail = error.message.strip().splitlines()[0] if error else "failed"
            messages.append(f"{event.step_key}: {detail}")
    if instance is not None and not messages:
        for record in instance.get_records_for_run(result.run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records:
            error = record.event_log_entry.dagster_event.job_failure_data.error
            if error is not None and error.cls_name == SlotWaitTimeout.__name__:
                messages.append(error.message.strip().split(": ", 1)[-1])
    return messages


def print_summary(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        print(f"\n{'source':<18}{'raw rows':>10}{'staged':>10}{'quarantined':>13}   of which duplicates")
        for source in SOURCES:
            try:
                raw, staged, quarantined, duplicates = conn.execute(
                    f"""select (select count(*) from raw.{source}), (select count(*) from staging.{source}),
                        (select count(*) from quarantine.rejected_rows where source = $1),
                        (select count(*) from quarantine.rejected_rows where source = $1
                            and reason_code = 'duplicate_record')""",
                    [source],
                ).fetchone()
            except duckdb.CatalogException:
                print(f"{source:<18}{'(not built)':>10}")
                continue
            print(f"{source:<18}{raw:>10,}{staged:>10,}{quarantined:>13,}   {duplicates:,}")
        try:
            window = conn.execute("select description from marts.trawl_window").fetchall()
            headline = conn.execute(
                # The longest follow-up the settings ask for (return_within_years -> years).
                """select p.sets, p.recurrent_sets, p.recurrent_pct, p.mothers, p.recurrent_mothers, r.years, r.probability
                   from marts.published_prevalence_by_year p, marts.published_return_within_years r
                   where p.financial_year = 'all' and r.group_name = 'all'
                   order by r.years desc limit 1"""
            ).fetchall()
        except duckdb.CatalogException:
            window, headline = [], []
        try:
            services = conn.execute(
                """select service, observed_returns, expected_returns, ratio, ratio_ci_low, ratio_ci_high
                   from marts.published_service_outcomes where service <> 'all' order by row_order""").fetchall()
        except duckdb.CatalogException:
            services = []
    if window:
        print(f"\nTrawl window: {window[0][0]}")
    if headline:
        sets, recurrent, pct, mothers, recurrent_mothers, years, probability = headline[0]
        returned = f"{float(probability):.1%}" if probability not in (None, "c") else "c"
        print(
            f"Published figures (counts 1-4 shown as c): {sets} sets of care proceedings, {recurrent} recurrent "
            f"({pct}%); {mothers} mothers, {recurrent_mothers} in two or more sets; "
            f"return within {years} years {returned}"
        )
    for service, observed, expected, ratio, low, high in services:
        print(f"Is the service working? {service}: {observed} returns after starting, {expected} expected; "
              f"ratio {ratio} (95% interval {low} to {high})")
    outputs, restricted = warehouse.parent / "outputs", warehouse.parent / "restricted"
    print(f"\nWarehouse:  {warehouse}")
    for label, path in (("Report:", outputs / "report.html"), ("Workbook:", outputs / "trawl_tables.xlsx"),
                        ("Data Docs:", outputs / "data_docs" / "index.html")):
        if path.exists():
            print(f"{label:<11} {path}")
    if restricted.exists():
        print(f"Restricted: {restricted}/ (worklist, review queue, models: personal data, data officers only)")


def _run_and_report(landing: Path, warehouse: Path, **options) -> int:
    home = _use_instance_home()
    started = time.monotonic()
    try:
        result = run_trawl(landing, warehouse, **options)
    except WarehouseBusy as busy:
        print(f"trawl run: {busy}", file=sys.stderr)
        return 3
    elapsed = time.monotonic() - started
    if not result.success:
        print(f"\ntrawl run failed after {elapsed:.0f}s (run {result.run_id}):", file=sys.stderr)
        for message in failure_messages(result, dg.DagsterInstance.get()):
            print(f"  - {message}", file=sys.stderr)
        if warehouse.exists():
            print(f"The warehouse {warehouse} is unchanged: it still holds the last good run.", file=sys.stderr)
        else:
            print(f"No warehouse was written to {warehouse}.", file=sys.stderr)
        print(f"Run history and logs: DAGSTER_HOME={home} (see `trawl ui`).", file=sys.stderr)
        return 1
    print(f"\ntrawl run {result.run_id} finished in {elapsed:.0f}s")
    print_summary(warehouse)
    return 0


def trawl_window_from_args(args) -> TrawlWindow:
    """--window, or a date range from --window-start / --window-end."""
    dated = bool(args.window_start or args.window_end)
    if args.window not in (None, "range") and dated:
        sys.exit(f"trawl: --window {args.window} takes no dates; give --window-start/--window-end alone for a range")
    if args.window == "range" and not dated:
        sys.exit("trawl: --window range needs --window-start, --window-end or both")
    kind = args.window or ("range" if dated else "all")
    return TrawlWindow(kind=kind, start=args.window_start, end=args.window_end)


def _add_window_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--window", choices=get_args(WindowKind),
                        help="which sets to count: all (default), the last 12 or 24 months to the extract end date, "
                        "or a range (--window-start/--window-end)")
    parser.add_argument("--window-start", type=_iso_date, metavar="YYYY-MM-DD", help="first issue date counted")
    parser.add_argument("--window-end", type=_iso_date, metavar="YYYY-MM-DD", help="last issue date counted")


def _add_linkage_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--linkage-config", metavar="YAML",
                        help="linkage settings, including the engine (duckdb or spark); default config/linkage.yaml")


def _iso_date(text: str) -> str:
    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None


def _service(text: str):
    from sources.synth import ServiceSpec

    try:
        return ServiceSpec.parse(text)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None


def cmd_synth(args) -> int:
    from sources.synth import generate

    summary = generate(Path(args.out), mothers=args.mothers, seed=args.seed, authorities=args.authorities,
                       progress=print, services=args.service, noise=args.noise)
    print(f"Synthetic extracts for {args.mothers:,} mothers written to {args.out} (truth in {args.out}/truth)")
    return 0 if summary else 1


def cmd_run(args) -> int:
    landing = Path(args.landing)
    if not landing.is_dir() and not args.sql_sources:
        print(f"trawl run: landing folder {landing} does not exist", file=sys.stderr)
        return 2
    return _run_and_report(
        landing,
        Path(args.warehouse),
        column_mappings=Path(args.column_mappings) if args.column_mappings else None,
        sql_sources=Path(args.sql_sources) if args.sql_sources else None,
        window=trawl_window_from_args(args),
        linkage_config=Path(args.linkage_config) if args.linkage_config else None,
    )


def cmd_demo(args) -> int:
    from linkage.pseudonyms import KEY_FILE_VARIABLE, KEY_VARIABLE
    from sources.synth import generate

    if not (os.environ.get(KEY_VARIABLE) or os.environ.get(KEY_FILE_VARIABLE)):
        # Synthetic data only: real runs must bring their own secret key (see `trawl run`).
        os.environ[KEY_VARIABLE] = "trawl-demo-only-key-never-use-for-real-data"
    demo_dir = Path(args.dir)
    landing, warehouse = demo_dir / "landing", demo_dir / "trawl.duckdb"
    if landing.exists():
        shutil.rmtree(landing)
    print(f"Writing synthetic extracts for {args.mothers:,} mothers to {landing} ...")
    generate(landing, mothers=args.mothers, seed=args.seed, authorities=args.authorities,
             progress=lambda m: print(f"  {m}"), services=args.service or [_service(DEMO_SERVICE)])
    return _run_and_report(landing, warehouse, window=trawl_window_from_args(args),
                           linkage_config=Path(args.linkage_config) if args.linkage_config else None)


def cmd_ui(args) -> int:
    _use_instance_home()
    env = {**os.environ, "TRAWL_LANDING": str(Path(args.landing).resolve()),
           "TRAWL_WAREHOUSE": str(Path(args.warehouse).resolve())}
    command = [sys.executable, "-m", "dagster", "dev", "-m", "pipelines.definitions",
               "--host", args.host, "--port", str(args.port)]
    print(f"Dagster UI on http://{args.host}:{args.port} (Ctrl+C to stop)")
    return subprocess.call(command, env=env, cwd=REPO_ROOT)


def cmd_purge(args) -> int:
    from pipelines.retention import purge

    warehouse = Path(args.warehouse)
    report = purge(
        warehouse, args.older_than,
        landing=Path(args.landing) if args.landing else None,
        restricted=warehouse.parent / "restricted",
        dry_run=args.dry_run,
    )
    verb = "Would remove" if args.dry_run else "Removed"
    print(f"{verb} {len(report.files_removed)} file(s) older than {args.older_than} days")
    for name in report.files_removed:
        print(f"  {name}")
    print(f"{verb} {len(report.tables_dropped)} personal table(s): {', '.join(report.tables_dropped) or 'none'}")
    print("Pseudonymous core tables and marts aggregates are kept.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trawl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="synthetic extracts, a full run, and a summary")
    demo.add_argument("--mothers", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--dir", default=str(DEFAULT_DATA_DIR / "demo"), help="where the demo writes (default data/demo)")
    demo.add_argument("--authorities", type=int, default=1, help="neighbouring authorities in one run (default 1)")
    demo.add_argument("--service", type=_service, action="append", metavar="NAME:START:SHARE:EFFECT",
                      help=f"a recurrent-care service with a known effect (default '{DEMO_SERVICE}'); may be repeated")
    _add_window_options(demo)
    _add_linkage_option(demo)
    demo.set_defaults(func=cmd_demo)

    run = commands.add_parser("run", help="run the trawl on a landing folder")
    run.add_argument("--landing", required=True, help="landing folder (legal/, court/, cafcass/, ...)")
    run.add_argument("--warehouse", required=True, help="DuckDB warehouse file to build")
    run.add_argument("--column-mappings", help="column-mapping YAML (default config/column_mappings.yaml)")
    run.add_argument("--sql-sources", help="YAML of sources to read by SQL query instead of files")
    _add_window_options(run)
    _add_linkage_option(run)
    run.set_defaults(func=cmd_run)

    synth = commands.add_parser("synth", help="write synthetic extracts and truth files")
    synth.add_argument("--mothers", type=int, required=True)
    synth.add_argument("--seed", type=int, default=1)
    synth.add_argument("--out", required=True, help="landing folder to write")
    synth.add_argument("--authorities", type=int, default=1,
                       help="neighbouring authorities whose extracts are written together (default 1)")
    synth.add_argument("--service", type=_service, action="append", default=[], metavar="NAME:START:SHARE:EFFECT",
                       help="a recurrent-care service: from START it enrols SHARE of the mothers whose set has just "
                            "ended and prevents EFFECT of their returns (e.g. 'Positive Choices:2019-04-01:0.3:0.4'); "
                            "may be repeated; writes service_participants/ and truth of who was enrolled")
    synth.add_argument("--noise", choices=NOISE_MODELS, default=DEFAULT_NOISE,
                       help="how details are mistyped: clerical (default: nicknames, spelling slips, day/month "
                            "swaps) or ocr (read back from paper: errors anywhere, misread digits, swapped names)")
    synth.set_defaults(func=cmd_synth)

    purge = commands.add_parser("purge", help="remove personal data past its retention period")
    purge.add_argument("--warehouse", required=True)
    purge.add_argument("--older-than", type=int, required=True, metavar="DAYS")
    purge.add_argument("--landing", help="also delete extracts in this landing folder older than DAYS")
    purge.add_argument("--dry-run", action="store_true", help="say what would go, remove nothing")
    purge.set_defaults(func=cmd_purge)

    ui = commands.add_parser("ui", help="start the Dagster web UI on this code location")
    ui.add_argument("--landing", default=str(DEFAULT_DATA_DIR / "demo" / "landing"))
    ui.add_argument("--warehouse", default=str(DEFAULT_DATA_DIR / "demo" / "trawl.duckdb"))
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Everything trawl writes (warehouse, outputs, run history) is readable by its owner only.
    os.umask(0o077)
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
