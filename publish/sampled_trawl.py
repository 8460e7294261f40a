"""A sampled case-file trawl: which mothers' files to read, and what the files that came back
say about every mother.

The sample is stratified (config/outputs.yaml, worklist -> sample) and drawn with permanent
random numbers: each mother gets a number from a keyed hash of the seed and her person_key, and a
stratum's sample is its mothers with the smallest numbers. The same seed and data draw the same
sample, and as extracts grow most sampled mothers stay sampled, so forms already read still count.

The estimate for each answer is the standard stratified estimator: the share among the files that
came back in each stratum, weighted by the stratum's size, with a finite-population correction
and a Student t interval. Strata are taken within each cohort and authority (their sizes are
known for every mother), so a cohort's estimate is a stratified estimate in its own right.
"""

import hashlib
import math
from collections.abc import Mapping

import pandas as pd
from scipy import stats

from publish.settings import WorklistSample

CONFIDENCE = 0.95
MIN_PER_STRATUM = 2  # fewer leaves a stratum's variance unknown


def permanent_random_number(seed: int, person_key: str) -> float:
    """A number in [0, 1) that stays the same for this mother and seed from run to run."""
    digest = hashlib.sha256(f"{seed}:{person_key}".encode()).digest()
    return int.from_bytes(digest[:7], "big") / float(1 << 56)


def allocate(sizes: Mapping[str, int], sample: WorklistSample) -> dict[str, int]:
    """Mothers to sample in each stratum: a share of each, or a number split in proportion to the
    strata's sizes (largest remainders); at least MIN_PER_STRATUM where the stratum has them."""
    if sample.share is not None:
        wanted = {h: sample.share * n for h, n in sizes.items()}
    else:
        total = sum(sizes.values())
        wanted = {h: sample.number * n / total if total else 0 for h, n in sizes.items()}
    taken = {h: math.floor(w) for h, w in wanted.items()}
    if sample.number is not None:
        left = min(sample.number, sum(sizes.values())) - sum(taken.values())
        for h in sorted(wanted, key=lambda h: (taken[h] - wanted[h], h))[:max(left, 0)]:
            taken[h] += 1
    else:
        taken = {h: round(w) for h, w in wanted.items()}
    return {h: min(sizes[h], max(taken[h], MIN_PER_STRATUM)) for h in sizes}


def draw_sample(frame: pd.DataFrame, sample: WorklistSample) -> pd.DataFrame:
    """`frame` (one row per mother: person_key and the strata columns) with stratum, its size and
    sample size, sampled, sampling_weight (mothers each sampled mother stands for) and random_number."""
    drawn = frame.copy()
    drawn["stratum"] = (drawn[list(sample.strata)].astype(str).agg(", ".join, axis=1)
                        if sample.strata else "all")
    drawn["random_number"] = [permanent_random_number(sample.seed, key) for key in drawn["person_key"]]
    sizes = drawn.groupby("stratum").size().to_dict()
    sampled_sizes = allocate(sizes, sample)
    drawn = drawn.sort_values(["stratum", "random_number", "person_key"])
    rank = drawn.groupby("stratum").cumcount() + 1
    drawn["stratum_mothers"] = drawn["stratum"].map(sizes).astype("int64")
    drawn["stratum_sampled"] = drawn["stratum"].map(sampled_sizes).astype("int64")
    drawn["sampled"] = rank <= drawn["stratum_sampled"]
    drawn["sampling_weight"] = (drawn["stratum_mothers"] / drawn["stratum_sampled"]).where(drawn["sampled"])
    return drawn.sort_values("person_key").reset_index(drop=True)


def stratified_estimate(cells: pd.DataFrame) -> tuple[float, float, float]:
    """(estimate, low, high) of a share from `cells`: one row per stratum with N (mothers), n
    (files back) and p (share of those files with the answer); every N > 0 has n > 0."""
    N = cells["N"].astype(float)
    n = cells["n"].astype(float)
    p = cells["p"].astype(float)
    share = N / N.sum()
    estimate = float((share * p).sum())
    # s² of a 0/1 answer within a stratum; a stratum with one file back and more mothers has an
    # unknown spread, taken at its largest (p = 1/2) rather than as none.
    spread = pd.Series(
        [p_h * (1 - p_h) * n_h / (n_h - 1) if n_h > 1 else (0.25 if N_h > 1 else 0.0)
         for p_h, n_h, N_h in zip(p, n, N)], index=cells.index)
    variance = float((share ** 2 * (1 - n / N) * spread / n).sum())
    degrees = max(int(n.sum()) - len(cells), 1)
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, degrees) * math.sqrt(max(variance, 0.0))
    return estimate, max(0.0, estimate - half), min(1.0, estimate + half)


def weighted_estimates(frame: pd.DataFrame, answers: pd.DataFrame, values: pd.DataFrame, min_files: int) -> pd.DataFrame:
    """Weighted whole-cohort estimates for every answer the forms give.

    `frame`: one row per mother in the sampling frame with la_code, cohort (a list: 'all mothers',
    and 'recurrent mothers' for her), stratum and returned (her sampled file came back).
    `answers`: (person_key, characteristic, value) for the mothers whose sampled file came back.
    `values`: the (characteristic, value) pairs to estimate.
    Returns la_code, cohort, characteristic, value, estimated_pct, estimated_ci_low,
    estimated_ci_high, estimate_note; no estimate where fewer than `min_files` files came back or
    a stratum has none.
    """
    columns = ["la_code", "cohort", "characteristic", "value", "estimated_pct", "estimated_ci_low",
               "estimated_ci_high", "estimate_note"]
    members = frame.explode("cohort")
    members = pd.concat([members, members.assign(la_code="all")]).drop_duplicates(["la_code", "cohort", "person_key"])
    rows = []
    for (la_code, cohort), domain in members.groupby(["la_code", "cohort"]):
        cells = domain.groupby("stratum").agg(N=("person_key", "size"), n=("returned", "sum"))
        files = int(cells["n"].sum())
        missing = cells.index[cells["n"] == 0].tolist()
        note = (f"weighted estimate for {len(domain):,} mothers from a stratified random sample of "
                f"{files:,} case files ({CONFIDENCE:.0%} interval)")
        if files < min_files:
            note = f"not estimated: fewer than {min_files} sampled case files came back"
        elif missing:
            note = "not estimated: no sampled case file came back from stratum " + "; ".join(missing)
        returned = domain[domain["returned"]]
        mine = answers[answers["person_key"].isin(returned["person_key"])].merge(
            returned[["person_key", "stratum"]], on="person_key")
        for characteristic, value in values[["characteristic", "value"]].itertuples(index=False):
            estimate = (None, None, None)
            if note.startswith("weighted"):
                yes = mine[(mine["characteristic"] == characteristic) & (mine["value"] == value)]
                with_answer = yes.groupby("stratum")["person_key"].nunique()
                cells["p"] = (with_answer.reindex(cells.index).fillna(0) / cells["n"]).fillna(0)
                estimate = tuple(round(100 * x, 1) for x in stratified_estimate(cells))
            rows.append([la_code, cohort, characteristic, value, *estimate, note])
    return pd.DataFrame(rows, columns=columns).astype(
        {"estimated_pct": "float64", "estimated_ci_low": "float64", "estimated_ci_high": "float64"})
