"""The marts and their published copies, on small hand-made core tables where every figure is known."""

import pandas as pd
import pytest
from conftest import materialize_sources, query, write_source
from outputs_fixtures import (
    CoreTables, Mother, materialize_outputs, prevalence_tables, use_output_settings, write_core_tables,
)

from publish.disclosure import SUPPRESSED
from publish.published_tables import PUBLISHED_TABLES
from publish.report import headline_recurrent_share
from publish.settings import load_output_settings


@pytest.fixture
def empty_forms(landing, warehouse):
    assert materialize_sources(landing, warehouse, ["case_file_review"]).success


def test_prevalence_by_year_arithmetic(warehouse, tmp_path, empty_forms):
    write_core_tables(warehouse, prevalence_tables())
    materialize_outputs(warehouse, tmp_path, ["marts_prevalence_by_year"])
    rows = query(warehouse, "select * from marts.prevalence_by_year")
    assert rows == [
        # year, sets, recurrent, pct, mothers, recurrent mothers, children, in recurrent sets, babies, status
        # (the data start 2019-06-01: every year has under 3 years of earlier data)
        ("2019/20", 11, 0, 0.0, 10, 0, 11, 0, 0, "run-in"),
        ("2020/21", 3, 0, 0.0, 3, 0, 3, 0, 0, "run-in"),
        ("2021/22", 8, 6, 75.0, 8, 6, 10, 8, 2, "run-in"),
        ("2022/23", 6, 0, 0.0, 6, 0, 6, 0, 0, "run-in"),
        ("all", 28, 6, 21.4, 21, 6, 30, 8, 2, None),
    ]


def test_headline_uses_complete_years_with_look_back(warehouse, tmp_path, monkeypatch, empty_forms):
    """With one year of look-back and the extract ending 2023-01-31: 2019/20 and 2020/21 begin
    before 2020-06-01 (a year after the first set), so they are run-in; 2022/23 ends after the
    extract, so it is partial; the headline is 2021/22 alone: 6 of 8 sets = 75.0%, not the 21.4%
    of all years."""
    use_output_settings(tmp_path, monkeypatch, prevalence={"look_back_years": 1},
                        return_within_years={"extract_end_date": "2023-01-31"})
    write_core_tables(warehouse, prevalence_tables())
    materialize_outputs(warehouse, tmp_path, ["marts_prevalence_by_year", "marts_published_prevalence_by_year"])
    status = query(warehouse, "select financial_year, year_status from marts.prevalence_by_year order by 1")
    assert status == [("2019/20", "run-in"), ("2020/21", "run-in"), ("2021/22", "counted"), ("2022/23", "partial"),
                      ("all", None)]


def test_headline_share_is_over_the_counted_years_shown():
    """Counted years 2021/22 (6 of 8) and 2022/23 (3 of 12): 9 of 20 = 45.0%, not the 'all' row's
    27.5%. With a counted year hidden it cannot be summed: none (the report then shows the 'all' row,
    saying it includes run-in years)."""
    published = pd.DataFrame({
        "financial_year": ["2019/20", "2021/22", "2022/23", "2023/24", "all"],
        "sets": ["11", "8", "12", "9", "40"], "recurrent_sets": ["0", "6", "3", "2", "11"],
        "recurrent_pct": ["0", "75", "25", "22.2", "27.5"],
        "year_status": ["run-in", "counted", "counted", "partial", None],
    })
    settings = load_output_settings()
    share, covering = headline_recurrent_share(published, settings)
    assert share == "45.0%" and "financial years 2021/22 to 2022/23" in covering
    published.loc[2, "recurrent_sets"] = "c"
    assert headline_recurrent_share(published, settings) is None


def test_published_prevalence_is_suppressed(warehouse, tmp_path, empty_forms):
    write_core_tables(warehouse, prevalence_tables())
    result = materialize_outputs(
        warehouse, tmp_path, ["marts_prevalence_by_year", "marts_published_prevalence_by_year"])
    published = query(warehouse, "select * from marts.published_prevalence_by_year")
    c = SUPPRESSED
    assert published == [
        # 11 sets and 10 mothers: sets less mothers is 1 (the set with no mother found), which the
        # disclosure audit will not let through: the year's sets, mothers and children are hidden,
        # and so is the year's recurrent count, which 'all' minus the other years would then give.
        ("2019/20", c, c, c, c, c, c, c, "0", "run-in"),
        # 3 sets: primary. Its mothers and children are the same women and babies: hidden with it.
        ("2020/21", c, "0", c, c, "0", c, "0", "0", "run-in"),
        # 2 babies: primary, here and in 'all' (the only year with any). The 6 recurrent sets are
        # hidden with 2019/20's, or 'all' minus this year would give that year's.
        ("2021/22", "8", c, c, "8", c, "10", c, c, "run-in"),
        ("2022/23", "6", "0", "0", "6", "0", "6", "0", "0", "run-in"),
        ("all", "28", "6", "21.4", "21", "6", "30", "8", c, None),
    ]
    check = result.get_asset_check_evaluations()[0]
    assert check.check_name == "no_small_counts" and check.passed
    # The unsuppressed mart is untouched.
    assert query(warehouse, "select sets from marts.prevalence_by_year where financial_year = '2020/21'") == [(3,)]


def test_return_within_years_by_group(warehouse, tmp_path, monkeypatch, empty_forms):
    """The hand-computed example of test_kaplan_meier.py, as dates: returns at 0.5, 2.0 (a day
    under) and 2.5 years; followed up without a return for 1.5, 3.0 and 4.0 years to the extract
    end 2020-01-01. Same estimates; at two years only 3 are still at risk (the return came first)."""
    use_output_settings(tmp_path, monkeypatch, return_within_years={"extract_end_date": "2020-01-01"})
    write_core_tables(warehouse, CoreTables(mothers=[
        Mother("A", ["2015-01-01", "2015-07-03"], age_at_first_set=18, care_experienced=True),
        Mother("B", ["2018-07-02", "2021-05-01"], age_at_first_set=18),  # returns after the extract end: not seen
        Mother("C", ["2015-01-01", "2016-12-31"], age_at_first_set=22, care_experienced=True),
        Mother("D", ["2015-01-01", "2017-07-02"], age_at_first_set=None),
        Mother("E", ["2016-12-31"], age_at_first_set=31),
        Mother("F", ["2015-12-31"], age_at_first_set=31, care_experienced=True),
    ]))
    materialize_outputs(warehouse, tmp_path, ["marts_return_within_years"])
    everyone = query(warehouse, """
        select years, probability, ci_low, ci_high, at_risk, events
        from marts.return_within_years where group_name = 'all' order by years""")
    assert everyone[:4] == [
        (1, 0.1667, 0.0253, 0.7269, 5, 1),
        (2, 0.3750, 0.1069, 0.8581, 3, 2),
        (3, 0.5833, 0.2335, 0.9440, 2, 3),
        (4, 0.5833, 0.2335, 0.9440, 1, 3),
    ]
    assert everyone[4:] == [(years, None, None, None, 0, 3) for years in (5, 6, 7)]
    groups = query(warehouse, """
        select group_name, at_risk, events from marts.return_within_years where years = 1 order by group_order""")
    assert groups == [
        ("all", 5, 1), ("under 20", 1, 1), ("20-24", 1, 0), ("25-29", 0, 0), ("30+", 2, 0),
        ("age unknown", 1, 0), ("care experienced: yes", 2, 1), ("care experienced: no", 3, 0),
    ]
    assert query(warehouse, "select distinct followed_up_to::varchar from marts.return_within_years") == [("2020-01-01",)]


def _form(review_id, **answers) -> dict:
    return dict(review_id=review_id, reviewed_on="2024-01-15", reviewer="Reviewer A", **answers)


def test_baseline_counts_every_mother(landing, warehouse, tmp_path):
    write_source(landing, "case_file_review", "forms.csv", [
        # From the worklist: joined by its own person_key.
        _form("WL-R1-1", person_key="R1", children_removed_before="2", removal_reasons="neglect; domestic abuse exposure",
              age_at_first_pregnancy="16", in_care_as_child="yes", mental_health="yes", domestic_abuse="yes",
              substance_misuse="both", learning_disability="no"),
        # Filled in by hand: joined through linkage (form_links below); blanks are 'unknown'.
        _form("CFR-9", children_removed_before="0"),
        # A worklist row sent back unfilled (no date, no reviewer): not a review.
        dict(review_id="WL-R2-1", person_key="R2"),
        # A form whose mother is not in the data: counted in metadata only.
        _form("CFR-10", person_key="NOT-A-MOTHER"),
    ])
    assert materialize_sources(landing, warehouse, ["case_file_review"]).success
    write_core_tables(warehouse, CoreTables(
        mothers=[
            Mother("R1", ["2019-06-01", "2021-06-01"], age_at_first_set=19, care_experienced=True, father_ages=[22, 24]),
            Mother("R2", ["2019-06-01", "2020-06-01", "2022-06-01"], age_at_first_set=None),
            Mother("S1", ["2020-01-01"], age_at_first_set=27, father_ages=[None]),
        ],
        form_links={"CFR-9": "S1"},
    ))
    result = materialize_outputs(warehouse, tmp_path, ["marts_baseline_characteristics"])
    assert result.get_asset_check_evaluations()[0].passed
    materialization = next(event.materialization for event in result.get_asset_materialization_events()
                           if event.asset_key.path[-1] == "marts_baseline_characteristics")
    assert materialization.metadata["completed_forms_not_matched_to_a_mother"].value == 1

    def answers(cohort, characteristic):
        return dict(query(warehouse, """
            select value, mothers from marts.baseline_characteristics
            where cohort = ? and characteristic = ? and mothers > 0""", [cohort, characteristic]))

    everyone, recurrent = "all mothers", "recurrent mothers"
    assert answers(everyone, "mothers in cohort") == {"all": 3}
    assert answers(recurrent, "mothers in cohort") == {"all": 2}
    assert answers(everyone, "case file read") == {"yes": 2, "not reviewed": 1}
    assert answers(everyone, "children removed before") == {"2": 1, "0": 1, "not reviewed": 1}
    assert answers(everyone, "reasons children were removed") == {
        "neglect": 1, "domestic abuse exposure": 1, "none recorded": 1, "not reviewed": 1}
    assert answers(everyone, "age at first pregnancy") == {"under 18": 1, "unknown": 1, "not reviewed": 1}
    assert answers(everyone, "mental health problems") == {"yes": 1, "unknown": 1, "not reviewed": 1}
    assert answers(everyone, "drug or alcohol use") == {"both": 1, "unknown": 1, "not reviewed": 1}
    assert answers(everyone, "care experienced") == {"yes": 1, "no record": 2}
    assert answers(everyone, "mother's age at her first set") == {"under 20": 1, "unknown": 1, "25-29": 1}
    assert answers(everyone, "father's age at her first set") == {"20-24": 1, "unknown": 1, "no father recorded": 1}
    assert answers(everyone, "sets of proceedings in the data") == {"1": 1, "2": 1, "3": 1}
    assert answers(recurrent, "case file read") == {"yes": 1, "not reviewed": 1}
    assert query(warehouse, """select pct from marts.baseline_characteristics
        where cohort = 'recurrent mothers' and characteristic = 'learning disability' and value = 'no'""") == [(50.0,)]


def test_published_baseline_hides_a_second_answer_not_the_unread_files(landing, warehouse, tmp_path):
    """10 of 18 files read; mental health yes 3 (hidden), no 7, unknown 0. With 'not reviewed'
    (8) shown, yes + no = 10 would give the 3 away: so 'no' is hidden, and 'not reviewed' stays."""
    mothers = [Mother(f"M{i:02d}", ["2020-01-01"]) for i in range(18)]
    write_source(landing, "case_file_review", "forms.csv", [
        _form(f"WL-M{i:02d}-1", person_key=f"M{i:02d}", mental_health="yes" if i < 3 else "no",
              domestic_abuse="yes" if i < 5 else "no")
        for i in range(10)
    ])
    assert materialize_sources(landing, warehouse, ["case_file_review"]).success
    write_core_tables(warehouse, CoreTables(mothers=mothers))
    materialize_outputs(warehouse, tmp_path, [
        "marts_prevalence_by_year", "marts_published_prevalence_by_year",
        "marts_baseline_characteristics", "marts_published_baseline_characteristics"])
    published = dict(query(warehouse, """
        select characteristic || ': ' || value, mothers from marts.published_baseline_characteristics
        where cohort = 'all mothers' and characteristic in ('mental health problems', 'domestic abuse', 'case file read')"""))
    assert published == {
        "case file read: yes": "10", "case file read: not reviewed": "8",
        "mental health problems: yes": SUPPRESSED, "mental health problems: no": SUPPRESSED,
        "mental health problems: unknown": "0", "mental health problems: not reviewed": "8",
        "domestic abuse: yes": "5", "domestic abuse: no": "5",
        "domestic abuse: unknown": "0", "domestic abuse: not reviewed": "8",
    }


def _cost_settings(tmp_path, monkeypatch, discount_rate_pct=0):
    use_output_settings(
        tmp_path, monkeypatch,
        costs={
            "one_off_cost_per_set": [
                {"part": "court", "value": 1000, "source": "test figure", "price_year": "2024/25"},
                {"part": "legal", "value": 500, "source": "test figure"},
            ],
            "care_cost_per_child_per_year": {"value": 50000, "source": "test figure", "price_year": "2016/17"},
            "price_uplift": {"to_price_year": "2024/25", "source": "test deflator", "factors": {"2016/17": 1.2}},
            "discount_rate_pct": {"value": discount_rate_pct, "source": "test rate"},
        },
        scenario={"returns_prevented_pct": {"value": 50, "source": "test assumption"}, "return_horizon_years": 3},
    )


def test_cost_estimates_by_the_essex_method(warehouse, tmp_path, monkeypatch, empty_forms):
    """By hand, on prevalence_tables(), the extract ending 2023-03-31:
    N: recurrent mothers in the last three complete years 2020/21-2022/23 = 0 + 6 + 0 = 6 -> 2 a year.
    P: the six recurrent mothers return 731 days (2.001 years) after 2019-06-01; then 13 mothers are
       at risk (6 returners, S1-S4 followed 3.58 years, S5-S7 2.58 years), so P(return within 3
       years) = 6/13 = 0.4615 (3 is the longest follow-up estimated: nobody is followed 4 years).
    Sets avoided = N x P x X = 2 x 0.4615 x 50% = 0.4615 (not 2 x 50% x 1 recurrent set a year each).
    Children in the 6 recurrent sets: R1, R2 a baby (0) and a child of 2, R3-R6 a child of 2: 8
    children, 8/6 a set; years in care until 18: (2 x 18 + 6 x 16) / 8 = 16.5.
    Care cost 50,000 in 2016/17 prices x 1.2 = 60,000 in 2024/25 prices.
    One-off saving = 0.4615 x 1,500 = 692; care cost to 18 = 0.4615 x 8/6 x 60,000 x 16.5 = 609,180."""
    _cost_settings(tmp_path, monkeypatch)
    write_core_tables(warehouse, prevalence_tables())
    materialize_outputs(warehouse, tmp_path, ["marts_prevalence_by_year", "marts_return_within_years", "marts_cost_estimates"])
    costs = query(warehouse, "select item_order, value, base_count, return_years from marts.cost_estimates order by item_order")
    assert [(order, value, base) for order, value, base, _ in costs] == [
        (1, 2.0, 6),          # N
        (2, 50.0, None),      # X
        (3, 0.4615, None),    # P(return within 3 years)
        (4, 1.33, 6),         # children per recurrent set: 8 / 6
        (5, 16.5, 6),         # years in care until 18 per child
        (6, 1500.0, None),    # one-off cost of a set: 1000 + 500 (both 2024/25 prices)
        (7, 60000.0, None),   # care cost per child per year, uplifted
        (8, 0.46, 6),         # sets avoided: 2 x 0.4615 x 50%
        (9, 0.62, 6),         # children kept out of care: 0.4615 x 8/6
        (10, 692.0, 6),       # one-off saving: 0.4615 x 1500 = 692.25
        (11, 609180.0, 6),    # 0.4615 x 8/6 x 60000 x 16.5
        (12, 609872.0, 6),    # 692 + 609180
    ]
    assert {years for *_, years in costs if years is not None} == {3}
    source = query(warehouse, "select basis from marts.cost_estimates where item_order = 7")[0][0]
    assert "2016/17 prices x 1.2 to 2024/25" in source


def test_care_costs_are_discounted_when_a_rate_is_set(warehouse, tmp_path, monkeypatch, empty_forms):
    """At 3.5% a year, n years of care starting now are worth (1 - 1.035^-n) / (1 - 1.035^-1):
    13.6513 for 18 years, 12.5174 for 16; the mean over the 8 children (2 x 18, 6 x 16) is 12.8009."""
    _cost_settings(tmp_path, monkeypatch, discount_rate_pct=3.5)
    write_core_tables(warehouse, prevalence_tables())
    materialize_outputs(warehouse, tmp_path, ["marts_prevalence_by_year", "marts_return_within_years", "marts_cost_estimates"])
    care_years, care_cost = (value for (value,) in query(
        warehouse, "select value from marts.cost_estimates where item_order in (5, 11) order by item_order"))
    assert care_years == 12.8
    assert care_cost == round(0.4615 * 8 / 6 * 60000 * 12.80088831922151)  # 472,609


def test_cost_figures_resting_on_a_hidden_year_are_hidden():
    prevalence = pd.DataFrame({
        "financial_year": ["2021/22", "2022/23"], "recurrent_mothers": ["c", "9"],
        "recurrent_sets": ["c", "9"], "children_in_recurrent_sets": ["c", "12"],
    })
    costs = pd.DataFrame({
        "item": ["N", "X"], "value": [6.5, 20.0], "unit": ["mothers", "percent"], "basis": ["local", "config"],
        "base_count": [13, None], "financial_years": [["2021/22", "2022/23"], None], "return_years": [None, None],
        "item_order": [1, 2],
    })
    returns = pd.DataFrame({"grouping": ["all"], "years": [3], "probability": ["0.4"]})
    published = PUBLISHED_TABLES["cost_estimates"].publish(
        costs, 5, {"prevalence_by_year": prevalence, "return_within_years": returns})
    # 13 mothers is not small, but 13 - 9 would give the hidden 2021/22 count away.
    assert published[["value", "base_count"]].values.tolist() == [[SUPPRESSED, SUPPRESSED], ["20", None]]


@pytest.mark.parametrize("forms_count, expected", [
    # Default: only the care-leaver record (A). B (recurrent) and C (single set) have forms saying
    # "in care as a child", but forms are written mostly for recurrent mothers.
    (False, {"yes": (0, 1), "no": (2, 1), "baseline yes": 1}),
    # Forms drawn regardless of recurrence may count: A, B and C.
    (True, {"yes": (1, 2), "no": (1, 0), "baseline yes": 3}),
])
def test_care_experience_does_not_depend_on_the_outcome(landing, warehouse, tmp_path, monkeypatch, forms_count, expected):
    """A (care-leaver record) returns after 1 year, B after 1.4 years, C and D never (followed to
    2023-01-01). At 2 years: (at risk, returns) per group, and the baseline's care-experienced count."""
    use_output_settings(tmp_path, monkeypatch, return_within_years={"extract_end_date": "2023-01-01"},
                        groups={"care_experience_from_forms": forms_count})
    write_source(landing, "case_file_review", "forms.csv", [
        _form("WL-B-1", person_key="B", in_care_as_child="yes"),
        _form("WL-C-1", person_key="C", in_care_as_child="yes"),
    ])
    assert materialize_sources(landing, warehouse, ["case_file_review"]).success
    write_core_tables(warehouse, CoreTables(mothers=[
        Mother("A", ["2018-01-01", "2019-01-01"], care_experienced=True),
        Mother("B", ["2018-01-01", "2019-06-01"]),
        Mother("C", ["2018-01-01"]),
        Mother("D", ["2018-01-01"]),
    ]))
    materialize_outputs(warehouse, tmp_path, ["marts_return_within_years", "marts_baseline_characteristics"])
    groups = dict((name.removeprefix("care experienced: "), (at_risk, events)) for name, at_risk, events in query(
        warehouse, "select group_name, at_risk, events from marts.return_within_years "
        "where grouping = 'care experienced' and years = 2"))
    baseline = query(warehouse, "select mothers, source from marts.baseline_characteristics where cohort = 'all mothers' "
                     "and characteristic = 'care experienced' and value = 'yes'")[0]
    assert groups == {"yes": expected["yes"], "no": expected["no"]}
    assert baseline[0] == expected["baseline yes"]
    assert baseline[1] == ("care-leaver record or case-file form" if forms_count else "care-leaver record")
