"""Live use between trawls, measured at full size (issue 14's "done when" figures).

1. Pre-proceedings history: `trawl synth` extracts (with their pre-proceedings file), a whole
   trawl run, then each pre-proceedings parent's `earlier_sets` in core.pre_proceedings_history
   against the generator's truth (truth/pre_proceedings.csv).
2. Sampled trawl: on synthetic cohorts with known characteristics (every mother's answers
   known), a 20% stratified sample (recurrent or not, age band) and its weighted 95% intervals
   (publish/sampled_trawl.py), checked against the full-cohort value of nine baseline figures, for
   three seeds.

    nice -n 10 .venv/bin/python benchmarks/live_use.py --mothers 6000 --seed 1 --dir /tmp/live6k
"""

import argparse
import os
import time
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd

from pipelines.cli import run_trawl
from publish.sampled_trawl import draw_sample, weighted_estimates
from publish.settings import WorklistSample
from sources.synth import generate

FIGURES = [
    ("in care as a child", "yes", 0.30), ("mental health problems", "yes", 0.60),
    ("domestic abuse", "yes", 0.65), ("learning disability", "yes", 0.20),
    ("drug or alcohol use", "none", 0.35), ("children removed before", "1", 0.45),
    ("age at first pregnancy", "under 18", 0.25), ("reasons children were removed", "neglect", 0.75),
    ("reasons children were removed", "sexual abuse", 0.06),
]


def score_history(landing: Path, warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute("""
            with truth as (select * from read_csv(?, all_varchar = true))
            select t.role,
                count(*) as truth_rows,
                count(h.pre_proceedings_ref) as in_table,
                count(*) filter (where h.earlier_sets = t.true_earlier_sets::int) as earlier_sets_right,
                round(100.0 * count(*) filter (where h.earlier_sets = t.true_earlier_sets::int)
                      / count(h.pre_proceedings_ref), 2) as pct_right,
                count(*) filter (where t.true_earlier_sets::int > 0) as truly_with_earlier_sets,
                count(*) filter (where h.earlier_sets <> t.true_earlier_sets::int and h.link_uncertain)
                    as wrong_but_flagged_uncertain,
                round(100.0 * count(*) filter (where h.earlier_sets = t.true_earlier_sets::int or h.link_uncertain)
                      / count(h.pre_proceedings_ref), 2) as pct_right_or_flagged,
                count(*) filter (where h.earlier_sets <> t.true_earlier_sets::int and not h.link_uncertain
                                 and p.mother_dob is null and t.role = 'mother') as wrong_mother_without_dob,
                count(*) filter (where h.earlier_sets <> t.true_earlier_sets::int and not h.link_uncertain
                                 and p.mother_dob is not null and t.role = 'mother') as wrong_mother_sure_with_dob,
                count(*) filter (where h.link_uncertain) as flagged_uncertain,
                count(*) filter (where h.children_in_earlier_sets = t.true_children_in_earlier_sets::int)
                    as children_right
            from truth t
            left join core.pre_proceedings_history h using (pre_proceedings_ref, role)
            left join staging.pre_proceedings p using (pre_proceedings_ref)
            group by t.role order by t.role desc""", [str(landing / "truth" / "pre_proceedings.csv")]).fetch_df()


def cohort(mothers: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mothers with strata and a known answer to each figure; rates differ by stratum."""
    rng = np.random.default_rng([seed, 14])
    frame = pd.DataFrame({
        "person_key": [f"S{seed}-{n:06d}" for n in range(mothers)],
        "recurrent": np.where(rng.random(mothers) < 0.32, "recurrent", "one set"),
        "age_band": rng.choice(["under 20", "20-24", "25-29", "30+"], mothers, p=[0.17, 0.33, 0.27, 0.23]),
    })
    lift = np.where(frame["recurrent"] == "recurrent", 1.3, 0.9) * np.where(frame["age_band"] == "under 20", 1.2, 1.0)
    answers = [pd.DataFrame({"person_key": frame["person_key"][rng.random(mothers) < np.clip(rate * lift, 0, 0.97)],
                             "characteristic": characteristic, "value": value})
               for characteristic, value, rate in FIGURES]
    return frame, pd.concat(answers, ignore_index=True)


def sampled_coverage(mothers: int, seeds: list[int]) -> pd.DataFrame:
    rows = []
    for seed in seeds:
        frame, answers = cohort(mothers, seed)
        drawn = draw_sample(frame, WorklistSample(share=0.2, number=None, seed=seed, strata=("recurrent", "age_band")))
        back = drawn[drawn["sampled"]]
        estimates = weighted_estimates(
            drawn.assign(la_code="E1", cohort=[["all mothers"]] * len(drawn), returned=drawn["sampled"]),
            answers[answers["person_key"].isin(back["person_key"])],
            pd.DataFrame([f[:2] for f in FIGURES], columns=["characteristic", "value"]), min_files=5)
        estimates = estimates[estimates["la_code"] == "all"].set_index(["characteristic", "value"])
        covered = []
        for characteristic, value, _ in FIGURES:
            truth = 100 * answers[(answers["characteristic"] == characteristic)
                                  & (answers["value"] == value)]["person_key"].nunique() / mothers
            low, high = estimates.loc[(characteristic, value), ["estimated_ci_low", "estimated_ci_high"]]
            covered.append(bool(low <= truth <= high))
        rows.append({"seed": seed, "mothers": mothers, "files_read": len(back), "figures": len(FIGURES),
                     "intervals_holding_full_cohort_value": sum(covered)})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mothers", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/trawl-live-use"))
    parser.add_argument("--cohort-mothers", type=int, default=6000)
    args = parser.parse_args()
    os.environ.setdefault("TRAWL_PSEUDONYM_KEY", "benchmark-only-key")
    landing, warehouse = args.dir / "landing", args.dir / "trawl.duckdb"
    started = time.perf_counter()
    generate(landing, args.mothers, seed=args.seed)
    result = run_trawl(landing, warehouse, instance=dg.DagsterInstance.ephemeral())
    assert result.success, "the trawl run failed"
    print(f"trawl synth --mothers {args.mothers} --seed {args.seed}: run in {time.perf_counter() - started:.0f}s")
    print(score_history(landing, warehouse).T.to_string(header=False))
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        quality = dict(conn.execute("select metric, value from linkage.quality where kind = 'truth'").fetchall())
    print(f"mothers pairwise F1 {quality['mothers_pairwise_f1']:.4f}, recurrent s31 sets found "
          f"{quality['recurrent_s31_sets_found']:.0f} of {quality['recurrent_s31_sets_true']:.0f}")
    print()
    print(sampled_coverage(args.cohort_mothers, [1, 2, 3]).to_string(index=False))


if __name__ == "__main__":
    main()
