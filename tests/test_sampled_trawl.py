"""A sampled case-file trawl: a reproducible stratified sample on the worklist, and weighted
whole-cohort estimates from the forms that come back."""

import datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import materialize_sources, query, write_source
from outputs_fixtures import CoreTables, Mother, materialize_outputs, use_output_settings, write_core_tables

from publish.sampled_trawl import draw_sample, weighted_estimates
from publish.settings import OutputSettingsError, WorklistSample, load_output_settings

# Nine headline figures of the baseline that only a case file gives.
HEADLINES = [
    ("in care as a child", "yes"), ("mental health problems", "yes"), ("domestic abuse", "yes"),
    ("learning disability", "yes"), ("drug or alcohol use", "none"), ("children removed before", "1"),
    ("age at first pregnancy", "under 18"), ("reasons children were removed", "neglect"),
    ("reasons children were removed", "emotional abuse"),
]
# Rates differ by stratum, as they do between recurrent and other mothers and by age.
RATES = {"recurrent": 1.4, "one set": 0.8}


def synthetic_cohort(mothers: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A cohort with a known answer for every mother: the frame, and everyone's answers."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "person_key": [f"K{seed}-{n:05d}" for n in range(mothers)],
        "recurrent": np.where(rng.random(mothers) < 0.3, "recurrent", "one set"),
        "age_band": rng.choice(["under 20", "20-24", "25-29", "30+"], mothers, p=[0.2, 0.35, 0.25, 0.2]),
    })
    answers = []
    for number, (characteristic, value) in enumerate(HEADLINES):
        base = 0.15 + 0.07 * number
        young = frame["age_band"].isin(["under 20", "20-24"]).to_numpy()
        rate = np.clip(base * frame["recurrent"].map(RATES).to_numpy() * np.where(young, 1.2, 0.85), 0, 0.95)
        has = rng.random(mothers) < rate
        answers.append(pd.DataFrame({"person_key": frame["person_key"][has], "characteristic": characteristic,
                                     "value": value}))
    return frame, pd.concat(answers, ignore_index=True)


def test_same_seed_same_sample_and_a_share_of_each_stratum():
    frame, _ = synthetic_cohort(600, seed=1)
    sample = WorklistSample(share=0.2, number=None, seed=11, strata=("recurrent", "age_band"))
    first, again = draw_sample(frame, sample), draw_sample(frame.sample(frac=1, random_state=3), sample)
    assert first.equals(again)
    for _, stratum in first.groupby("stratum"):
        assert stratum["sampled"].sum() == max(2, round(0.2 * len(stratum)))
        assert (stratum.loc[stratum["sampled"], "sampling_weight"] == len(stratum) / stratum["sampled"].sum()).all()
    assert first["sampling_weight"].sum() == pytest.approx(len(frame))
    other_seed = draw_sample(frame, WorklistSample(share=0.2, number=None, seed=12, strata=("recurrent", "age_band")))
    assert set(other_seed["person_key"][other_seed["sampled"]]) != set(first["person_key"][first["sampled"]])
    # More mothers arrive: most of those already sampled stay sampled, so their forms still count.
    grown, _ = synthetic_cohort(700, seed=1)
    regrown = draw_sample(grown, sample)
    kept = set(first["person_key"][first["sampled"]]) & set(regrown["person_key"][regrown["sampled"]])
    assert len(kept) >= 0.75 * first["sampled"].sum()
    by_number = draw_sample(frame, WorklistSample(share=None, number=90, seed=11, strata=("recurrent",)))
    assert by_number["sampled"].sum() == 90


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_20_percent_sample_covers_the_full_cohort_values(seed):
    """A small version of the issue's check: the 95% intervals from a 20% stratified sample hold the
    full-cohort value for at least 8 of the 9 headline characteristics."""
    frame, answers = synthetic_cohort(1500, seed)
    drawn = draw_sample(frame, WorklistSample(share=0.2, number=None, seed=seed, strata=("recurrent", "age_band")))
    sampled = drawn[drawn["sampled"]]
    estimates = weighted_estimates(
        drawn.assign(la_code="E1", cohort=[["all mothers"]] * len(drawn), returned=drawn["sampled"]),
        answers[answers["person_key"].isin(sampled["person_key"])],
        pd.DataFrame(HEADLINES, columns=["characteristic", "value"]), min_files=5)
    estimates = estimates[estimates["la_code"] == "all"].set_index(["characteristic", "value"])
    assert estimates["estimate_note"].str.contains(f"from a stratified random sample of {len(sampled):,} case files").all()
    covered = 0
    for characteristic, value in HEADLINES:
        truth = 100 * answers[(answers["characteristic"] == characteristic) & (answers["value"] == value)][
            "person_key"].nunique() / len(frame)
        low, high = estimates.loc[(characteristic, value), ["estimated_ci_low", "estimated_ci_high"]]
        covered += low <= truth <= high
    assert covered >= 8


def test_sample_settings_are_checked(tmp_path, monkeypatch):
    use_output_settings(tmp_path, monkeypatch, worklist={"sample": {"share": 0.2, "seed": 4, "strata": ["recurrent"]}})
    assert load_output_settings().worklist_sample == WorklistSample(0.2, None, 4, ("recurrent",))
    use_output_settings(tmp_path, monkeypatch, worklist={"sample": {"share": 0.2, "number": 10, "seed": 4}})
    with pytest.raises(OutputSettingsError, match="either a share"):
        load_output_settings()
    use_output_settings(tmp_path, monkeypatch, worklist={"sample": {"share": 0.2, "seed": 4, "strata": ["colour"]}})
    with pytest.raises(OutputSettingsError, match="strata"):
        load_output_settings()


def _cohort() -> CoreTables:
    mothers = []
    for n in range(60):
        dates = ["2019-05-01", "2022-02-01"] if n % 3 == 0 else ["2020-06-01"]
        mothers.append(Mother(f"K-{n:03d}", dates, age_at_first_set=18 + n % 15))
    return CoreTables(mothers=mothers)


def _worklist(path) -> dict[str, dict]:
    form = openpyxl.load_workbook(path).worksheets[0]
    header = [cell.value for cell in form[1]]
    return {row[1]: dict(zip(header, row)) for row in form.iter_rows(min_row=2, values_only=True)}


def test_sampled_worklist_and_weighted_baseline(landing, warehouse, tmp_path, monkeypatch):
    outputs = tmp_path / "outputs"
    assert materialize_sources(landing, warehouse, ["case_file_review"]).success
    write_core_tables(warehouse, _cohort())
    # Without a sample: every eligible mother listed, the baseline as before.
    assert materialize_outputs(warehouse, outputs, ["marts_baseline_characteristics", "publish_worklist"]).success
    columns = [name for name, in query(warehouse, "select column_name from (describe marts.baseline_characteristics)")]
    assert not [c for c in columns if c.startswith("estimate")]
    everyone = _worklist(outputs / "restricted" / "worklist" / "trawl_worklist.xlsx")
    assert len(everyone) == 20 and "sampling_weight" not in next(iter(everyone.values()))

    use_output_settings(tmp_path, monkeypatch, worklist={"sample": {"share": 0.5, "seed": 7, "strata": ["recurrent"]}})
    assert materialize_outputs(warehouse, outputs, ["publish_worklist"]).success
    listed = _worklist(outputs / "restricted" / "worklist" / "trawl_worklist.xlsx")
    assert len(listed) == 30  # half of the 20 recurrent and half of the 40 with one set
    assert {row["sampling_stratum"] for row in listed.values()} == {"recurrent", "one set"}
    assert {row["sampling_weight"] for row in listed.values()} == {2.0}
    assert all(row["why_listed"].startswith("sampled from: ") for row in listed.values())

    # The sampled files come back (a few stay unread); the answers are weighted to all 60 mothers.
    read = sorted(listed)[:24]
    write_source(landing, "case_file_review", "sampled_forms.csv", [
        dict(review_id=listed[key]["review_id"], person_key=key, reviewed_on="2024-06-01", reviewer="AK",
             in_care_as_child="yes" if n % 2 else "no", mental_health="yes", domestic_abuse="no",
             learning_disability="no", substance_misuse="none", children_removed_before="1")
        for n, key in enumerate(read)])
    assert materialize_sources(landing, warehouse, ["case_file_review"]).success
    assert materialize_outputs(warehouse, outputs, ["marts_baseline_characteristics"]).success
    rows = query(warehouse, """
        select cohort, value, mothers, estimated_pct, estimated_ci_low, estimated_ci_high, estimate_note
        from marts.baseline_characteristics where characteristic = 'mental health problems' order by cohort, value""")
    by_value = {(cohort, value): rest for cohort, value, *rest in rows}
    mothers, pct, low, high, note = by_value[("all mothers", "yes")]
    assert mothers == 24 and pct == 100.0 and low == high == 100.0  # counted 24 of 60; estimated all
    assert "for 60 mothers from a stratified random sample of 24 case files" in note
    assert by_value[("all mothers", "not reviewed")][1] is None
    in_care = dict(query(warehouse, """
        select value, estimated_pct from marts.baseline_characteristics
        where cohort = 'all mothers' and characteristic = 'in care as a child'"""))
    assert 30 < in_care["yes"] < 70 and in_care["yes"] + in_care["no"] == pytest.approx(100, abs=0.2)
    assert query(warehouse, """
        select count(*) from marts.baseline_characteristics
        where characteristic = 'care experienced' and estimated_pct is not null""") == [(0,)]


def test_published_estimates_hidden_with_their_counts(landing, warehouse, tmp_path, monkeypatch):
    outputs = tmp_path / "outputs"
    assert materialize_sources(landing, warehouse, ["case_file_review"]).success
    write_core_tables(warehouse, _cohort())
    use_output_settings(tmp_path, monkeypatch, worklist={"sample": {"share": 0.5, "seed": 7, "strata": ["recurrent"]}})
    assert materialize_outputs(warehouse, outputs, ["publish_worklist"]).success
    listed = _worklist(outputs / "restricted" / "worklist" / "trawl_worklist.xlsx")
    write_source(landing, "case_file_review", "sampled_forms.csv", [
        dict(review_id=row["review_id"], person_key=key, reviewed_on=str(datetime.date(2024, 6, 1)), reviewer="AK",
             learning_disability="yes" if n < 2 else "no")
        for n, (key, row) in enumerate(sorted(listed.items()))])
    assert materialize_sources(landing, warehouse, ["case_file_review"]).success
    assert materialize_outputs(warehouse, outputs, [
        "marts_prevalence_by_year", "marts_published_prevalence_by_year",
        "marts_baseline_characteristics", "marts_published_baseline_characteristics"]).success
    published = dict(query(warehouse, """
        select value, estimated_pct from marts.published_baseline_characteristics
        where cohort = 'all mothers' and characteristic = 'learning disability'"""))
    assert published["yes"] == "c"  # two mothers said yes: the count is hidden, and so is its estimate
