"""Do the linkage ranges hold the truth? For each seed, `trawl synth --mothers N`, the whole
trawl, then marts.linkage_sensitivity against the truth files (<out>/truth/):

- recurrent % per financial year: the true share (truth/proceedings.csv: a true s31 set is
  recurrent when its mother had a set with an earlier issue date) against linkage_low..linkage_high
  widened by the sampling interval (combined_low..combined_high: the Wilson interval of the lowest
  and the highest clustering), in the years with at least --min-sets sets;
- the return within 7 years for all mothers: the true Kaplan-Meier figure (truth/summary.json)
  against the Greenwood interval widened over the clusterings.

    .venv/bin/python benchmarks/linkage_sensitivity.py [--mothers 6000] [--seeds 1 2 3] [--out DIR]

Prints a table per seed and the totals, and writes them to benchmarks/linkage_sensitivity.md.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

from linkage.settings import load_settings

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_MD = Path(__file__).resolve().parent / "linkage_sensitivity.md"
BENCHMARK_KEY = "linkage-sensitivity-benchmark-key-not-for-real-data-0123"


def true_recurrent_pct(truth: Path) -> pd.DataFrame:
    """financial_year, true s31 sets and the true recurrent %, from truth/proceedings.csv."""
    with duckdb.connect() as conn:
        return conn.execute(f"""
            with sets as (
                select true_set_id, any_value(true_mother_id) as mother, min(issue_date::date) as issue_date
                from read_csv('{truth / "proceedings.csv"}', all_varchar = true)
                where is_s31 = 'true' group by true_set_id
            ),
            flagged as (
                select *, issue_date > min(issue_date) over (partition by mother) as recurrent,
                    (year(issue_date) - case when month(issue_date) < 4 then 1 else 0 end) as start_year
                from sets
            )
            select start_year::varchar || '/' || lpad(((start_year + 1) % 100)::varchar, 2, '0') as financial_year,
                count(*) as true_sets, 100.0 * count(*) filter (where recurrent) / count(*) as true_pct
            from flagged group by start_year order by start_year""").fetch_df()


def score_seed(mothers: int, seed: int, out: Path) -> dict:
    os.environ.setdefault("TRAWL_PSEUDONYM_KEY", BENCHMARK_KEY)
    sys.path.insert(0, str(REPO_ROOT))
    import dagster as dg

    from pipelines.cli import run_trawl
    from sources.synth import generate

    work = out / f"seed{seed}"
    landing, warehouse = work / "landing", work / "trawl.duckdb"
    if not warehouse.exists():
        generate(landing, mothers=mothers, seed=seed)
        started = time.perf_counter()
        result = run_trawl(landing, warehouse, instance=dg.DagsterInstance.ephemeral())
        if not result.success:
            raise SystemExit(f"seed {seed}: the trawl did not succeed")
        print(f"seed {seed}: trawl {time.perf_counter() - started:.0f}s", flush=True)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        ranges = conn.execute("""
            select row_key as financial_year, value, linkage_low, linkage_high, combined_low, combined_high,
                (select sets from marts.prevalence_by_year p where p.financial_year = s.row_key) as sets,
                pairs_in_review
            from marts.linkage_sensitivity s
            where source_table = 'prevalence_by_year' and estimate = 'recurrent_pct' and row_key <> 'all'""").fetch_df()
        returns = conn.execute("""
            select s.value, s.linkage_low, s.linkage_high, s.combined_low, s.combined_high, r.ci_low, r.ci_high
            from marts.linkage_sensitivity s
            join marts.return_within_years r on r.grouping = 'all' and r.years = 7
            where s.source_table = 'return_within_years' and s.row_key = 'all, within 7 years'""").fetch_df()
    years = ranges.merge(true_recurrent_pct(landing / "truth"), on="financial_year")
    years = years[years["sets"] >= args.min_sets].copy()
    years["in_linkage_range"] = years["true_pct"].between(years["linkage_low"] - 0.05, years["linkage_high"] + 0.05)
    years["in_combined"] = years["true_pct"].between(years["combined_low"] - 0.05, years["combined_high"] + 0.05)
    true_return = json.loads((landing / "truth" / "summary.json").read_text())["return_within_7_years"]["all"]
    ret = returns.iloc[0]
    return {
        "seed": seed, "years": years, "pairs_in_review": int(ranges["pairs_in_review"].iloc[0]),
        "return": {"true": true_return, **{k: float(v) for k, v in ret.items()},
                   "in_combined": bool(ret["combined_low"] <= true_return <= ret["combined_high"]),
                   "in_sampling_only": bool(ret["ci_low"] <= true_return <= ret["ci_high"])},
    }


def main() -> None:
    mothers = load_settings().mothers
    lines = ["# Linkage sensitivity against the truth", "",
             f"Command: `.venv/bin/python benchmarks/linkage_sensitivity.py --mothers {args.mothers} --seeds "
             f"{' '.join(map(str, args.seeds))}` (default config/linkage.yaml: mothers matched at p >= "
             f"{mothers.match_threshold}, review band [{mothers.review_low}, {mothers.review_high}), no draws). "
             f"Financial years with at least {args.min_sets} sets. 'combined' = linkage_low..linkage_high widened "
             "by the 95% sampling interval (Wilson for recurrent %, Greenwood log-log for returns).", ""]
    in_combined = in_range = years_counted = 0
    returns_held = []
    for seed in args.seeds:
        scored = score_seed(args.mothers, seed, args.out.resolve())
        years, ret = scored["years"], scored["return"]
        in_combined += int(years["in_combined"].sum())
        in_range += int(years["in_linkage_range"].sum())
        years_counted += len(years)
        returns_held.append(ret["in_combined"])
        lines += [f"## Seed {seed} ({scored['pairs_in_review']:,} mother pairs in review)", "",
                  "| financial year | sets | true % | published % | linkage range | true in range | combined | "
                  "true in combined |", "|---|---|---|---|---|---|---|---|"]
        lines += [f"| {r.financial_year} | {r.sets:,} | {r.true_pct:.1f} | {r.value:.1f} | {r.linkage_low:.1f} to "
                  f"{r.linkage_high:.1f} | {'yes' if r.in_linkage_range else 'no'} | {r.combined_low:.1f} to "
                  f"{r.combined_high:.1f} | "
                  f"{'yes' if r.in_combined else 'no'} |" for r in years.itertuples()]
        lines += ["", f"Return within 7 years, all mothers: true {ret['true']:.1%}; published {ret['value']:.1%} "
                  f"(95% interval {ret['ci_low']:.1%} to {ret['ci_high']:.1%}; linkage range {ret['linkage_low']:.1%} "
                  f"to {ret['linkage_high']:.1%}); combined {ret['combined_low']:.1%} to {ret['combined_high']:.1%}: "
                  f"true inside {'yes' if ret['in_combined'] else 'no'}.", ""]
        print("\n".join(lines[-len(years) - 6:]), flush=True)
    lines += ["## Totals", "",
              f"Recurrent %: the truth is inside the combined range in {in_combined} of {years_counted} financial "
              f"years with {args.min_sets}+ sets ({in_combined / max(years_counted, 1):.0%}); inside the linkage "
              f"range alone in {in_range} ({in_range / max(years_counted, 1):.0%}). Return within 7 years: "
              f"inside the combined interval on {sum(returns_held)} of {len(returns_held)} seeds."]
    print(lines[-1])
    RESULTS_MD.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS_MD}")


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--mothers", type=int, default=6000)
parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
parser.add_argument("--min-sets", type=int, default=100, help="financial years with at least this many sets")
parser.add_argument("--out", type=Path, default=Path("/tmp/trawl_linkage_sensitivity"),
                    help="work folder (a seed's warehouse there is reused)")
args = parser.parse_args()

if __name__ == "__main__":
    main()
