"""Does the service evaluation find a known effect? For each effect and seed:

1. `trawl synth --mothers N --seed S --service NAME:START:SHARE:EFFECT` (a service that, from
   START, enrols SHARE of the mothers whose set has just ended and prevents EFFECT of their returns);
2. the whole pipeline (`run_trawl`, an ephemeral Dagster instance) on those extracts;
3. marts.service_outcomes for the service against the truth files: does the ratio's interval
   contain 1 - EFFECT? Also the truth's own ratio (returns seen / (seen + prevented)), the
   participants enrolled, and how many of them linkage joined to their earlier sets.

    nice -n 10 .venv/bin/python benchmarks/service_evaluation.py [--mothers 6000] [--seeds 1 2 3]
        [--effects 0.4 0] [--share 0.3] [--start 2019-04-01] [--out DIR]

With --truth-only the pipeline is skipped and the same estimator (assets/service_evaluation.py)
runs on the truth files instead: true people, true sets, true care experience, no linkage or
quarantine. It separates what the method does from what linkage adds, and is quick enough for
20,000 mothers.

Prints a Markdown table (the README quotes it), then for each effect the mean ratio and how many
intervals contain the truth: with many seeds (`--truth-only --seeds $(seq 1 100)`), its bias and
coverage. Exits 1 if any interval misses its truth.
"""

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
BENCHMARK_KEY = "service-evaluation-benchmark-key-not-for-real-data-0123"
SERVICE = "Positive Choices"


def one_run(out: Path, mothers: int, seed: int, effect: float, share: float, start: str) -> dict:
    import dagster as dg
    import duckdb

    from pipelines.cli import run_trawl
    from sources.synth import ServiceSpec, generate

    landing, warehouse = out / "landing", out / "trawl.duckdb"
    generate(landing, mothers=mothers, seed=seed, services=[ServiceSpec.parse(f"{SERVICE}:{start}:{share}:{effect}")])
    started = time.perf_counter()
    result = run_trawl(landing, warehouse, instance=dg.DagsterInstance.ephemeral())
    seconds = time.perf_counter() - started
    if not result.success:
        raise SystemExit(f"pipeline failed for seed {seed}, effect {effect}")
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        row = conn.execute(
            "select participants, linked_to_earlier_sets, follow_up_years, observed_returns, expected_returns, "
            "expected_returns_se, ratio, ratio_ci_low, ratio_ci_high from marts.service_outcomes where service = ?", [SERVICE]).fetchone()
    with open(landing / "truth" / "service_enrolments.csv", encoding="utf-8") as handle:
        enrolled = list(csv.DictReader(handle))
    with open(landing / "truth" / "proceedings.csv", encoding="utf-8") as handle:
        sets = {(r["true_set_id"], r["true_mother_id"], r["issue_date"]) for r in csv.DictReader(handle)
                if r["is_s31"] == "true"}
    start_of = {r["true_person_id"]: r["start_date"] for r in enrolled}
    seen = sum(1 for _, mother, issued in sets if mother in start_of and issued > start_of[mother])
    prevented = sum(int(r["sets_prevented"]) for r in enrolled)
    keys = ("participants", "linked", "follow_up_years", "observed", "expected", "expected_se", "ratio", "low", "high")
    return {
        "seed": seed, "effect": effect, "enrolled": len(enrolled), **dict(zip(keys, row)),
        "true_ratio": seen / (seen + prevented) if seen + prevented else None, "seconds": seconds,
        "contains": row[7] <= 1 - effect <= row[8],
    }


def truth_only_run(out: Path, mothers: int, seed: int, effect: float, share: float, start: str) -> dict:
    """The estimator on the truth files: pieces of time at risk from the true sets of every mother."""
    import pandas as pd

    from assets.service_evaluation import service_outcomes
    from publish.service_settings import load_service_settings
    from sources.synth import EXTRACT_END, ServiceSpec, generate

    landing = out / "landing"
    generate(landing, mothers=mothers, seed=seed, services=[ServiceSpec.parse(f"{SERVICE}:{start}:{share}:{effect}")])
    truth = landing / "truth"
    sets = pd.read_csv(truth / "proceedings.csv")
    sets = sets[sets["is_s31"]].drop_duplicates("true_set_id")
    sets = sets.assign(issue_date=pd.to_datetime(sets["issue_date"])).sort_values(["true_mother_id", "issue_date"])
    sets["set_number"] = sets.groupby("true_mother_id").cumcount() + 1
    sets["next_issue"] = sets.groupby("true_mother_id")["issue_date"].shift(-1)
    mothers_truth = pd.read_csv(truth / "mothers.csv")
    mothers_truth["age_band"] = pd.cut(mothers_truth["age_at_first_set"], [0, 20, 25, 30, 200], right=False,
                                       labels=["under 20", "20-24", "25-29", "30+"]).astype(str)
    settings = load_service_settings()
    edges = [*settings.years_since_last_set_bands, None]
    end = pd.Timestamp(EXTRACT_END)
    rows = []
    for r in sets.itertuples():
        interval_end = r.next_issue if pd.notna(r.next_issue) else end
        for k, (low, high) in enumerate(zip(edges, edges[1:]), start=1):
            begins = r.issue_date + pd.Timedelta(days=round(low * 365.25))
            ends = interval_end if high is None else min(interval_end, r.issue_date + pd.Timedelta(days=round(high * 365.25)))
            if ends > begins:
                returned = r.next_issue if pd.notna(r.next_issue) and begins < r.next_issue <= ends else pd.NaT
                rows.append((r.true_mother_id, min(r.set_number, settings.earlier_sets_grouped_from), k, begins, ends,
                             returned))
    pieces = pd.DataFrame(rows, columns=["person_key", "earlier_sets", "band_number", "piece_from", "piece_to",
                                         "return_date"])
    pieces = pieces.merge(mothers_truth.rename(columns={"true_person_id": "person_key",
                                                        "in_care_as_child": "care_experienced"})
                          [["person_key", "age_band", "care_experienced"]], on="person_key")
    enrolled = pd.read_csv(truth / "service_enrolments.csv")
    linked = enrolled.rename(columns={"true_person_id": "person_key"})[["service", "person_key", "start_date"]]
    linked = linked.assign(role="mother", la_code="all", start_date=pd.to_datetime(linked["start_date"]))
    table = service_outcomes(pieces, linked, {"children_per_set": None, "years_in_care_until_age": None}, settings)
    row = table[(table["la_code"] == "all") & (table["service"] == SERVICE)].iloc[0]
    seen = int(row["observed_returns"])
    prevented = int(enrolled["sets_prevented"].sum())
    return {
        "seed": seed, "effect": effect, "enrolled": len(enrolled), "participants": int(row["participants"]),
        "linked": int(row["linked_to_earlier_sets"]), "follow_up_years": row["follow_up_years"], "observed": seen,
        "expected": row["expected_returns"], "expected_se": row["expected_returns_se"], "ratio": row["ratio"], "low": row["ratio_ci_low"],
        "high": row["ratio_ci_high"], "true_ratio": seen / (seen + prevented) if seen + prevented else None,
        "seconds": 0.0, "contains": row["ratio_ci_low"] <= 1 - effect <= row["ratio_ci_high"],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mothers", type=int, default=6000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--effects", type=float, nargs="+", default=[0.4, 0.0])
    parser.add_argument("--share", type=float, default=0.3)
    parser.add_argument("--start", default="2019-04-01")
    parser.add_argument("--out", help="keep the runs here (default: a temporary folder)")
    parser.add_argument("--truth-only", action="store_true", help="skip the pipeline: the estimator on the truth files")
    args = parser.parse_args(argv)
    os.environ.setdefault("TRAWL_PSEUDONYM_KEY", BENCHMARK_KEY)
    base = Path(args.out or tempfile.mkdtemp(prefix="service-evaluation-"))
    results = []
    for effect in args.effects:
        for seed in args.seeds:
            run = (truth_only_run if args.truth_only else one_run)(
                base / f"effect{effect}_seed{seed}", args.mothers, seed, effect, args.share, args.start)
            results.append(run)
            print(f"effect {effect} seed {seed}: ratio {run['ratio']} ({run['low']} to {run['high']}), "
                  f"{run['seconds']:.0f}s", flush=True)
    print(f"\n{args.mothers:,} mothers; service from {args.start} enrols {args.share:.0%} of mothers whose set has "
          f"just ended{'; on the truth files (no pipeline, no linkage)' if args.truth_only else ''}\n")
    print("| effect | seed | enrolled (truth) | participants | linked to earlier sets | years followed | observed | "
          "expected (standard error) | ratio (95% interval) | truth: seen / (seen + prevented) | interval contains 1 - effect |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['effect']:.0%} | {r['seed']} | {r['enrolled']:,} | {r['participants']:,} | {r['linked']:,} | "
              f"{r['follow_up_years']:,.0f} | {r['observed']:,} | {r['expected']:,.1f} ({r['expected_se']:.1f}) | "
              f"{r['ratio']:.3f} ({r['low']:.3f} to {r['high']:.3f}) | {r['true_ratio']:.3f} | "
              f"{'yes' if r['contains'] else 'NO'} |")
    for effect in args.effects:  # over many seeds: bias (mean ratio) and coverage
        runs = [r for r in results if r["effect"] == effect]
        print(f"\neffect {effect:.0%}: mean ratio {sum(r['ratio'] for r in runs) / len(runs):.3f} "
              f"(sd {statistics.pstdev(r['ratio'] for r in runs):.3f}); observed / expected summed over seeds "
              f"{sum(r['observed'] for r in runs) / sum(r['expected'] for r in runs):.3f}; intervals containing "
              f"{1 - effect:.1f}: {sum(r['contains'] for r in runs)} of {len(runs)}")
    return 0 if all(r["contains"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
