"""How does the whole trawl run scale? For each size (mothers given to `trawl synth`):

1. write synthetic extracts (timed as "synth", not part of the pipeline);
2. in a fresh process, run the whole pipeline (`run_trawl`, an ephemeral Dagster instance) and
   sum the wall time of its steps (STEP_START to STEP_SUCCESS/FAILURE) per stage; the result is
   saved at once, with the process's peak memory;
3. in another fresh process, on the same mother records (linkage.person_records), train, predict
   and cluster with the plain Splink model of benchmarks/linkage_baselines.py (names and date of
   birth), for the ratio of trawl's mother linkage (profiles, model, pairs, clusters) to it;
4. likewise with the plain model issue 11 describes (linkage_baselines.issue_plain_splink: names,
   date of birth and postcode, blocked on date of birth, on both names and on postcode with either
   name), unless Splink estimates its blocking rules make more than --issue-max-pairs pairs (the
   estimate is reported either way). At 200,000 mothers they make 603 million, scored in Splink's
   chunks in about 4.5 minutes.

    .venv/bin/python benchmarks/pipeline_scale.py --sizes 2000 20000 200000 [--out DIR] [--no-baseline]
    .venv/bin/python benchmarks/pipeline_scale.py --sizes 2000 --linkage-config my_linkage.yaml

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
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_MD = Path(__file__).resolve().parent / "results.md"
BENCHMARK_KEY = "pipeline-scale-benchmark-key-not-for-real-data-0123456789"

STAGES = ["ingest", "standardise", "proceedings", "linkage_pairs", "clustering", "core", "marts", "sensitivity",
          "checks", "report", "other"]
STAGE_TITLES = {"ingest": "ingest", "standardise": "standardise", "proceedings": "proceedings",
                "linkage_pairs": "linkage train+predict", "clustering": "clustering", "core": "core",
                "marts": "marts", "sensitivity": "linkage sensitivity", "checks": "checks", "report": "report",
                "other": "other"}
CHECK_SUFFIXES = ("expectations", "rows_reconcile", "no_small_counts", "every_mother_counted")
# trawl's counterpart of the plain model: mother profiles, training, pairs (one step) and clusters.
MOTHER_LINKAGE_STEPS = ("linkage_mother_pairs", "linkage_mother_clusters")
PROCEEDINGS_STEPS = {"linkage_case_records", "linkage_set_links", "linkage_set_members", "core_proceedings"}
# What the linkage ranges add: the other clusterings and their marts, and the published copy.
SENSITIVITY_STEPS = {"marts_linkage_sensitivity", "marts_published_linkage_sensitivity"}


def stage_of(step_key: str) -> str:
    if step_key.endswith(CHECK_SUFFIXES):
        return "checks"
    if step_key in PROCEEDINGS_STEPS:
        return "proceedings"
    if step_key in SENSITIVITY_STEPS:
        return "sensitivity"
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


def child(size: int, out: Path, linkage_config: Path | None) -> None:
    """One size's pipeline, in its own process; writes <out>/<size>/result.json."""
    os.environ.setdefault("TRAWL_PSEUDONYM_KEY", BENCHMARK_KEY)
    sys.path.insert(0, str(REPO_ROOT))
    import dagster as dg
    import duckdb

    from pipelines.cli import run_trawl
    from sources.synth import generate

    work = out / str(size)
    landing, warehouse = work / "landing", work / "warehouse.duckdb"
    if landing.exists():
        shutil.rmtree(landing)
    landing.mkdir(parents=True)
    for stale in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        stale.unlink(missing_ok=True)

    started = time.perf_counter()
    generate(landing, mothers=size, seed=1)
    synth_seconds = time.perf_counter() - started

    instance = dg.DagsterInstance.ephemeral()
    started = time.perf_counter()
    result = run_trawl(landing, warehouse, instance=instance, linkage_config=linkage_config)
    total_seconds = time.perf_counter() - started

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
              "total_seconds": total_seconds, "stages": stages, "steps": steps, "peak_gb": _peak_rss_gb(),
              "mother_linkage_seconds": sum(steps.get(key, 0.0) for key in MOTHER_LINKAGE_STEPS)}
    if result.success:
        pairs = result.asset_materializations_for_node("linkage_mother_pairs")[0].metadata
        record["mother_profiles_seconds"] = pairs["seconds"].value["profiles"]
        sensitivity = result.asset_materializations_for_node("marts_linkage_sensitivity")[0].metadata
        record["sensitivity_seconds_per_variant"] = sensitivity["seconds_per_variant"].value
        record["mother_blocked_pairs_at_most"] = pairs["blocked_pairs_at_most"].value
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            raw_tables = [name for (name,) in conn.execute(
                "select table_name from duckdb_tables() where schema_name = 'raw' and table_name <> 'files'").fetchall()]
            record["rows_read"] = sum(conn.execute(f'select count(*) from raw."{name}"').fetchall()[0][0]
                                      for name in raw_tables)
            record["mother_records"] = conn.execute(
                "select count(*) from linkage.person_records where role = 'mother'").fetchall()[0][0]
    (work / "result.json").write_text(json.dumps(record, indent=2))


def _baselines_module():
    """benchmarks/linkage_baselines.py, loaded in a child process (with the repository importable)."""
    sys.path.insert(0, str(REPO_ROOT))
    spec = importlib.util.spec_from_file_location("linkage_baselines", REPO_ROOT / "benchmarks" / "linkage_baselines.py")
    baselines = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(baselines)
    return baselines


def baseline_child(size: int, out: Path) -> None:
    """The plain Splink model on one size's mother records, in its own process; writes
    <out>/<size>/baseline.json."""
    import duckdb

    baselines = _baselines_module()
    from linkage.settings import load_settings

    work = out / str(size)
    with duckdb.connect(str(work / "warehouse.duckdb"), read_only=True) as conn:
        started = time.perf_counter()
        links, clusters = baselines.plain_splink(conn, cluster_threshold=load_settings().mothers.match_threshold)
        seconds = time.perf_counter() - started
    (work / "baseline.json").write_text(json.dumps({
        "plain_splink_seconds": seconds, "plain_splink_peak_gb": _peak_rss_gb(),
        "plain_splink_links": links.num_rows, "plain_splink_clusters": clusters.num_rows}, indent=2))


def issue_baseline_child(size: int, out: Path, max_pairs: float) -> None:
    """The issue's plain model on one size's mother records, in its own process, timed from reading
    the records to its clusters as plain_splink is; writes <out>/<size>/issue_baseline.json, first
    with the pairs its blocking rules make, so they are known even if the model cannot finish."""
    import duckdb

    baselines = _baselines_module()
    from linkage.settings import load_settings

    settings = load_settings()
    work = out / str(size)
    result = work / "issue_baseline.json"
    with duckdb.connect(str(work / "warehouse.duckdb"), read_only=True) as conn:
        started = time.perf_counter()
        records = conn.sql("""
            select record_id, forename_key as forename, surname_key as surname, dob, postcode_district as postcode
            from linkage.person_records where role = 'mother' order by record_id""").to_arrow_table()
        reading = time.perf_counter() - started
    blocked = baselines.issue_blocked_pairs(records, "record_id")  # not part of the model's time
    pairs = sum(blocked)
    record = {"issue_splink_blocked_pairs": pairs, "issue_splink_blocked_pairs_by_rule": blocked}
    result.write_text(json.dumps(record, indent=2))
    if pairs > max_pairs:
        record["issue_splink_not_run"] = f"{pairs:,} pairs blocked, over --issue-max-pairs {max_pairs:,.0f}"
    else:
        started = time.perf_counter()
        links, _ = baselines.issue_plain_splink(
            records, "record_id", recall=settings.deterministic_rules_recall, u_max_pairs=settings.u_max_pairs,
            em_max_pairs=settings.em_max_pairs, seed=settings.seed, cluster_threshold=settings.mothers.match_threshold,
            blocked_pairs=pairs)
        record.update({"issue_splink_seconds": reading + time.perf_counter() - started,
                       "issue_splink_peak_gb": _peak_rss_gb(), "issue_splink_links": links.num_rows})
    result.write_text(json.dumps(record, indent=2))


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
    header = (["mothers", "rows read", "total s", "s per 1k mothers"] + [f"{STAGE_TITLES[s]} s" for s in STAGES]
              + ["peak GB", "rows/s", "synth s", "mother records", "trawl mother linkage s", "plain Splink s",
                 "linkage/plain", "of which profiles s", "without profiles/plain", "plain Splink peak GB",
                 "sensitivity s per clustering", "mother pairs blocked (at most)",
                 "issue's plain Splink s", "linkage/issue's plain", "issue's plain pairs blocked"])
    rows = []
    for r in records:
        stages = r["stages"]
        plain = r.get("plain_splink_seconds")
        issue = r.get("issue_splink_seconds")
        rows.append([f"{r['size']:,}", f"{r.get('rows_read', 0):,}", f"{r['total_seconds']:.1f}",
                     f"{1000 * r['total_seconds'] / r['size']:.2f}"]
                    + [f"{stages[s]:.1f}" for s in STAGES]
                    + [f"{r['peak_gb']:.2f}",
                       f"{r.get('rows_read', 0) / r['total_seconds']:,.0f}",
                       f"{r['synth_seconds']:.1f}",
                       f"{r.get('mother_records', 0):,}",
                       f"{r['mother_linkage_seconds']:.1f}",
                       f"{plain:.1f}" if plain else "-",
                       f"{r['mother_linkage_seconds'] / plain:.2f}x" if plain else "-",
                       f"{r.get('mother_profiles_seconds', 0):.1f}",
                       f"{(r['mother_linkage_seconds'] - r.get('mother_profiles_seconds', 0)) / plain:.2f}x"
                       if plain else "-",
                       f"{r['plain_splink_peak_gb']:.2f}" if plain else "-",
                       ", ".join(f"{name} {seconds:.1f}"
                                 for name, seconds in r.get("sensitivity_seconds_per_variant", {}).items()) or "-",
                       f"{r.get('mother_blocked_pairs_at_most', 0):,}",
                       f"{issue:.1f}" if issue else ("not run" if "issue_splink_not_run" in r else "-"),
                       f"{r['mother_linkage_seconds'] / issue:.2f}x" if issue else "-",
                       f"{r['issue_splink_blocked_pairs']:,}" if "issue_splink_blocked_pairs" in r else "-"])
    return header, rows


def _run_child(args: list[str], log: Path, timeout: float | None) -> str:
    """Run this script as a child process; "ok", "failed (exit N)" or "timed out"."""
    with log.open("a") as sink:
        try:
            code = subprocess.run([sys.executable, __file__, *args], cwd=REPO_ROOT, stdout=sink,
                                  stderr=subprocess.STDOUT, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            return "timed out"
    return "ok" if code == 0 else f"failed (exit {code})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=int, default=[2000, 20000], help="mothers per synth run")
    parser.add_argument("--out", type=Path, default=Path("/tmp/trawl_pipeline_scale"),
                        help="work folder for extracts and warehouses")
    parser.add_argument("--linkage-config", type=Path, help="linkage settings (engine...); default config/linkage.yaml")
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain Splink comparison")
    parser.add_argument("--results", type=Path, default=RESULTS_MD, help="Markdown file the table is written to")
    parser.add_argument("--baseline-timeout", type=float, default=1800, help="seconds before the baseline is stopped")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--issue-max-pairs", type=float, default=1e9,
                        help="run the issue's plain model only if its rules block at most this many pairs")
    parser.add_argument("--baseline-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--issue-baseline-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = args.out.resolve()
    if args.child is not None:
        child(args.child, out, args.linkage_config)
        return
    if args.baseline_child is not None:
        baseline_child(args.baseline_child, out)
        return
    if args.issue_baseline_child is not None:
        issue_baseline_child(args.issue_baseline_child, out, args.issue_max_pairs)
        return

    records = []
    for size in args.sizes:
        print(f"mothers={size:,} ...", flush=True)
        log = out / f"{size}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("")
        work = out / str(size)
        for stale in ("result.json", "baseline.json", "issue_baseline.json"):
            (work / stale).unlink(missing_ok=True)
        config = ["--linkage-config", str(args.linkage_config.resolve())] if args.linkage_config else []
        outcome = _run_child(["--child", str(size), "--out", str(out), *config], log, None)
        result_file = work / "result.json"
        if outcome != "ok" or not result_file.exists():
            print(f"  pipeline {outcome}; see {log}", flush=True)
            continue
        record = json.loads(result_file.read_text())
        if not record["success"]:
            print(f"  the run did not succeed; see {log}", flush=True)
        print(f"  pipeline: {record['total_seconds']:.1f}s, peak {record['peak_gb']:.2f} GB", flush=True)
        if record["success"] and not args.no_baseline:
            outcome = _run_child(["--baseline-child", str(size), "--out", str(out)], log, args.baseline_timeout)
            if outcome == "ok":
                record.update(json.loads((work / "baseline.json").read_text()))
                print(f"  plain Splink: {record['plain_splink_seconds']:.1f}s, "
                      f"peak {record['plain_splink_peak_gb']:.2f} GB", flush=True)
            else:
                print(f"  plain Splink {outcome}; see {log}", flush=True)
            outcome = _run_child(["--issue-baseline-child", str(size), "--out", str(out),
                                  "--issue-max-pairs", str(args.issue_max_pairs)], log, args.baseline_timeout)
            if (work / "issue_baseline.json").exists():
                record.update(json.loads((work / "issue_baseline.json").read_text()))
            if "issue_splink_seconds" in record:
                print(f"  issue's plain Splink: {record['issue_splink_seconds']:.1f}s, "
                      f"peak {record['issue_splink_peak_gb']:.2f} GB", flush=True)
            else:
                print(f"  issue's plain Splink {record.get('issue_splink_not_run', outcome)}; see {log}", flush=True)
        records.append(record)

    header, rows = table(records)
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    for row in rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths)))

    command = " ".join(["--sizes", *map(str, args.sizes)]
                       + (["--linkage-config", str(args.linkage_config)] if args.linkage_config else [])
                       + (["--no-baseline"] if args.no_baseline else []))
    lines = ["# Pipeline scale", "", f"Machine: {machine()}.", "",
             f"Command: `.venv/bin/python benchmarks/pipeline_scale.py {command}` (`trawl synth` seed 1, one "
             "fresh process per size for the pipeline and another for the baseline, ephemeral Dagster instance). "
             "Stage seconds are summed step wall times (STEP_START to STEP_SUCCESS); \"checks\" are separate "
             "asset-check steps. Peak GB is the pipeline process's max RSS. trawl mother linkage = the "
             "`linkage_mother_pairs` step (profiles, training, prediction) + `linkage_mother_clusters`; plain "
             "Splink = `linkage_baselines.plain_splink` (train, predict, cluster) on the same mother records, "
             "in its own process; linkage/plain is their ratio. Of which profiles = building the profiles the "
             "model compares (partners, lists, blocking keys: the step's own metadata), which the plain model, "
             "reading records one by one, does not do; without profiles/plain leaves it out. Linkage sensitivity = "
             "`marts_linkage_sensitivity` (each other clustering of the mother pairs with its person keys, core "
             "tables and marts; seconds per clustering from its metadata) + its published copy: the time the "
             "linkage ranges add. Mother pairs "
             "blocked (at most) is the sum over trawl's blocking rules of the pairs each lets through (the "
             "`blocked_pairs_by_rule` metadata of `linkage_mother_pairs`), a bound on the pairs compared. "
             "Issue's plain Splink = `linkage_baselines.issue_plain_splink`, the model issue 11 describes (names, "
             "date of birth, exact postcode; blocked on date of birth, on both names, and on postcode with either "
             "name), timed the same way in a third process, trained on as many pairs as trawl (u_max_pairs, "
             "em_max_pairs) and scored in Splink's chunks of about 25 million pairs; its pairs blocked are "
             "counted by Splink (`count_comparisons_from_blocking_rules`; above 100,000 records estimated from "
             f"a 5% sample), and it is not run above --issue-max-pairs ({args.issue_max_pairs:,.0f}).", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    args.results.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.results}")


if __name__ == "__main__":
    main()
