"""How does the whole trawl run scale? For each size (mothers given to `trawl synth`), in a fresh
subprocess so that peak memory is per size:

1. write synthetic extracts (timed as "synth", not part of the pipeline);
2. run the whole pipeline (`run_trawl`, an ephemeral Dagster instance);
3. sum the wall time of the run's steps (STEP_START to STEP_SUCCESS/FAILURE) per stage;
4. on the same mother records (linkage.person_records), time the plain Splink model of
   benchmarks/linkage_baselines.py, for the ratio of trawl's linkage time to it.

    .venv/bin/python benchmarks/pipeline_scale.py --sizes 2000 20000 200000 [--out DIR]

Prints a table and writes it as Markdown to benchmarks/results.md (with the machine it ran on).
Steps run one after another (in-process executor), so stage seconds add up to about the total.
"""

import argparse
import datetime
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_MD = Path(__file__).resolve().parent / "results.md"
BENCHMARK_KEY = "pipeline-scale-benchmark-key-not-for-real-data-0123456789"

STAGES = ["ingest", "standardise", "proceedings", "linkage_pairs", "clustering", "core", "marts", "checks",
          "report", "other"]
STAGE_TITLES = {"ingest": "ingest", "standardise": "standardise", "proceedings": "proceedings",
                "linkage_pairs": "linkage train+predict", "clustering": "clustering", "core": "core",
                "marts": "marts", "checks": "checks", "report": "report", "other": "other"}
CHECK_SUFFIXES = ("expectations", "rows_reconcile", "no_small_counts", "every_mother_counted")
PROCEEDINGS_STEPS = {"linkage_case_records", "linkage_set_links", "linkage_set_members", "core_proceedings"}


def stage_of(step_key: str) -> str:
    if step_key.endswith(CHECK_SUFFIXES):
        return "checks"
    if step_key in PROCEEDINGS_STEPS:
        return "proceedings"
    if step_key.startswith("raw_"):
        return "ingest"
    if step_key.startswith("staging_"):
        return "standardise"
    if step_key.startswith("linkage_") and step_key.endswith("_pairs"):
        return "linkage_pairs"
    if step_key.startswith("linkage_"):
        return "clustering"  # *_clusters, review queue, person records, decisions, quality
    if step_key.startswith("core_"):
        return "core"
    if step_key.startswith(("marts_published_", "publish_")):
        return "report"
    if step_key.startswith("marts_"):
        return "marts"
    return "other"


def _peak_rss_gb() -> float:
    kib = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)  # Linux: KiB
    return kib / 1024 ** 2


def child(size: int, out: Path) -> None:
    """One size, in its own process; writes <out>/<size>/result.json."""
    os.environ.setdefault("TRAWL_PSEUDONYM_KEY", BENCHMARK_KEY)
    sys.path.insert(0, str(REPO_ROOT))
    import dagster as dg
    import duckdb

    from pipelines.cli import run_trawl
    from sources.synth import generate

    work = out / str(size)
    landing, warehouse = work / "landing", work / "warehouse.duckdb"
    landing.mkdir(parents=True, exist_ok=True)
    for stale in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        stale.unlink(missing_ok=True)

    started = time.perf_counter()
    generate(landing, mothers=size, seed=1)
    synth_seconds = time.perf_counter() - started

    instance = dg.DagsterInstance.ephemeral()
    started = time.perf_counter()
    result = run_trawl(landing, warehouse, instance=instance)
    total_seconds = time.perf_counter() - started
    peak_gb = _peak_rss_gb()  # before the baseline, so it is the pipeline's peak

    starts: dict[str, float] = {}
    steps: dict[str, float] = {}
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None or not entry.step_key:
            continue
        kind = event.event_type_value
        if kind == "STEP_START":
            starts[entry.step_key] = entry.timestamp
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and entry.step_key in starts:
            steps[entry.step_key] = entry.timestamp - starts[entry.step_key]
    stages = {stage: 0.0 for stage in STAGES}
    for step_key, seconds in steps.items():
        stages[stage_of(step_key)] += seconds

    record = {"size": size, "success": result.success, "synth_seconds": synth_seconds,
              "total_seconds": total_seconds, "stages": stages, "steps": steps, "peak_gb": peak_gb}
    if result.success:
        spec = importlib.util.spec_from_file_location("linkage_baselines", REPO_ROOT / "benchmarks" / "linkage_baselines.py")
        baselines = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(baselines)
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            raw_tables = [name for (name,) in conn.execute(
                "select table_name from duckdb_tables() where schema_name = 'raw' and table_name <> 'files'").fetchall()]
            record["rows_read"] = sum(conn.execute(f'select count(*) from raw."{name}"').fetchall()[0][0]
                                      for name in raw_tables)
            record["mother_records"] = conn.execute(
                "select count(*) from linkage.person_records where role = 'mother'").fetchall()[0][0]
            started = time.perf_counter()
            baselines.plain_splink_links(conn)
            record["plain_splink_seconds"] = time.perf_counter() - started
        record["peak_gb_with_baseline"] = _peak_rss_gb()
    (work / "result.json").write_text(json.dumps(record, indent=2))


def machine() -> str:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
    return (f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {mem_kib / 1024 ** 2:.1f} GB memory, "
            f"CPU {cpu}, Python {platform.python_version()}, "
            f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}")


def table(records: list[dict]) -> tuple[list[str], list[list[str]]]:
    header = (["mothers", "rows read", "total s"] + [f"{STAGE_TITLES[s]} s" for s in STAGES]
              + ["peak GB", "rows/s", "synth s", "mother records", "plain Splink s",
                 "linkage/plain", "pairs/plain"])
    rows = []
    for r in records:
        stages = r["stages"]
        linkage = stages["linkage_pairs"] + stages["clustering"]
        plain = r.get("plain_splink_seconds")
        rows.append([f"{r['size']:,}", f"{r.get('rows_read', 0):,}", f"{r['total_seconds']:.1f}"]
                    + [f"{stages[s]:.1f}" for s in STAGES]
                    + [f"{r['peak_gb']:.2f}",
                       f"{r.get('rows_read', 0) / r['total_seconds']:,.0f}",
                       f"{r['synth_seconds']:.1f}",
                       f"{r.get('mother_records', 0):,}",
                       f"{plain:.1f}" if plain else "-",
                       f"{linkage / plain:.1f}x" if plain else "-",
                       f"{stages['linkage_pairs'] / plain:.1f}x" if plain else "-"])
    return header, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=int, default=[2000, 20000], help="mothers per synth run")
    parser.add_argument("--out", type=Path, default=Path("/tmp/trawl_pipeline_scale"),
                        help="work folder for extracts and warehouses")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = args.out.resolve()
    if args.child is not None:
        child(args.child, out)
        return

    records = []
    for size in args.sizes:
        print(f"mothers={size:,} ...", flush=True)
        log = out / f"{size}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w") as sink:
            code = subprocess.run([sys.executable, __file__, "--child", str(size), "--out", str(out)],
                                  cwd=REPO_ROOT, stdout=sink, stderr=subprocess.STDOUT).returncode
        result_file = out / str(size) / "result.json"
        if code != 0 or not result_file.exists():
            print(f"  failed (exit {code}); see {log}", flush=True)
            continue
        record = json.loads(result_file.read_text())
        if not record["success"]:
            print(f"  the run did not succeed; see {log}", flush=True)
        records.append(record)
        print(f"  done: {record['total_seconds']:.1f}s, peak {record['peak_gb']:.2f} GB", flush=True)

    header, rows = table(records)
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    for row in rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths)))

    lines = ["# Pipeline scale", "", f"Machine: {machine()}.", "",
             "Command: `.venv/bin/python benchmarks/pipeline_scale.py --sizes "
             + " ".join(str(s) for s in args.sizes) + "` (`trawl synth` seed 1, one fresh process per size, "
             "ephemeral Dagster instance). Stage seconds are summed step wall times (STEP_START to "
             "STEP_SUCCESS); \"checks\" are separate asset-check steps. Peak GB is the child process's "
             "max RSS after the pipeline, before the baseline. Plain Splink is "
             "`linkage_baselines.plain_splink_links` on the same mother records; linkage/plain = "
             "(linkage train+predict + clustering) / plain, pairs/plain = linkage train+predict / plain.", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    RESULTS_MD.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS_MD}")


if __name__ == "__main__":
    main()
