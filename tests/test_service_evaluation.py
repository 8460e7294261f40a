"""Is the service working? The whole trawl on synthetic data with two services of known effect:
one prevents 40% of returns, one prevents none. A small version of benchmarks/service_evaluation.py."""

import math

import dagster as dg
import openpyxl
import pandas as pd
import pytest
from conftest import query

from assets.service_evaluation import poisson_interval, ratio_interval, reference_rates, service_outcomes
from pipelines.cli import main, run_trawl
from publish.service_settings import load_service_settings
from publish.settings import OutputSettingsError

EFFECTIVE, NO_EFFECT = "Positive Choices", "Comma"


@pytest.fixture(scope="module")
def service_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("service")
    landing, warehouse = base / "landing", base / "trawl.duckdb"
    assert main(["synth", "--mothers", "1500", "--seed", "3", "--out", str(landing),
                 "--service", f"{EFFECTIVE}:2018-04-01:0.45:0.4", "--service", f"{NO_EFFECT}:2018-04-01:0.6:0"]) == 0
    result = run_trawl(landing, warehouse, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    return result, landing, warehouse


def outcomes(warehouse, table="marts.service_outcomes") -> pd.DataFrame:
    return pd.DataFrame(query(warehouse, f"select * from {table} order by row_order"),
                        columns=[c for (c,) in query(warehouse, f"select column_name from (describe {table})")])


def test_the_interval_contains_the_known_effect(service_run):
    _, _, warehouse = service_run
    table = outcomes(warehouse).set_index("service")
    assert list(table.index) == ["all", NO_EFFECT, EFFECTIVE]
    effective, none = table.loc[EFFECTIVE], table.loc[NO_EFFECT]
    assert effective.ratio_ci_low <= 0.6 <= effective.ratio_ci_high
    assert none.ratio_ci_low <= 1.0 <= none.ratio_ci_high
    assert effective.ratio_ci_high < 1  # and the effective service is told from chance
    for row in (effective, none):
        assert row.observed_returns >= 20 and row.linked_to_earlier_sets > 0.9 * row.participants


def test_savings_recomputed_by_hand_from_the_published_table(service_run):
    _, _, warehouse = service_run
    published = outcomes(warehouse, "marts.published_service_outcomes")
    settings = load_service_settings()
    one_off = sum(part.value for part in settings.one_off_cost_parts)
    care = settings.care_cost_per_child_per_year.value
    for row in published.itertuples():
        if row.observed_returns == "c":
            assert row.one_off_saving == "c" and row.annual_saving == "c"
            continue
        avoided = float(row.expected_returns) - int(row.observed_returns)
        assert float(row.sets_avoided) == pytest.approx(avoided, abs=0.006)
        assert float(row.one_off_saving) == pytest.approx(avoided * one_off, abs=1)
        assert float(row.annual_saving) == pytest.approx(avoided * row.children_per_set * care, abs=1)
        assert float(row.saving_until_18) == pytest.approx(float(row.annual_saving) * row.years_in_care_until_18, abs=1)
        assert float(row.ratio) == pytest.approx(int(row.observed_returns) / float(row.expected_returns), abs=0.001)
        # The interval: exact Poisson limits of the returns seen, and the expected count's normal
        # limits on the log scale, their distances added in quadrature.
        observed, expected = int(row.observed_returns), float(row.expected_returns)
        low, high = poisson_interval(observed, settings.confidence_level)
        spread = 1.959964 * float(row.expected_returns_se) / expected
        ratio = observed / expected
        assert float(row.ratio_ci_low) == pytest.approx(
            ratio * math.exp(-math.sqrt(math.log(observed / low) ** 2 + spread ** 2)), abs=0.001)
        assert float(row.ratio_ci_high) == pytest.approx(
            ratio * math.exp(math.sqrt(math.log(high / observed) ** 2 + spread ** 2)), abs=0.001)
        assert float(row.sets_avoided_ci_low) == pytest.approx(
            avoided - math.sqrt((high - observed) ** 2 + (expected - expected * math.exp(-spread)) ** 2), abs=0.01)
        assert float(row.sets_avoided_ci_high) == pytest.approx(
            avoided + math.sqrt((observed - low) ** 2 + (expected * math.exp(spread) - expected) ** 2), abs=0.01)
        # No service cost in the config: no net saving, no saving per pound.
        assert row.net_saving is None and row.saving_per_pound is None
    assert 0 < published.loc[0, "children_per_set"] < 5 and 0 < published.loc[0, "years_in_care_until_18"] <= 18


def test_report_workbook_and_web_ui_show_the_evaluation(service_run):
    result, _, warehouse = service_run
    report = (warehouse.parent / "outputs" / "report.html").read_text(encoding="utf-8")
    assert "Is the service working?" in report
    for caveat in ("Who is referred is not random", "Regression to the mean", "Short follow-up", "Linkage error"):
        assert caveat in report
    assert "Department for Education (2017) evaluation of Pause" in report  # every parameter's source
    assert "expected at the local rate" in report  # the chart's legend
    sheet = openpyxl.load_workbook(warehouse.parent / "outputs" / "trawl_tables.xlsx", read_only=True)["Service outcomes"]
    header = next(sheet.iter_rows(values_only=True))
    assert {"service", "observed_returns", "expected_returns", "ratio", "ratio_ci_low", "one_off_saving",
            "annual_saving"} <= set(header)
    published = [event for event in result.get_asset_materialization_events()
                 if event.asset_key == dg.AssetKey("marts_published_service_outcomes")][0]
    shown = published.materialization.metadata["published_table"].value
    assert "| service |" in shown and EFFECTIVE in shown
    headline = published.materialization.metadata["headline"].value
    assert headline.startswith("| service | participants | linked_to_earlier_sets | observed_returns |")


def test_expected_rate_leaves_out_participants_after_the_service_starts():
    day = pd.Timestamp
    pieces = pd.DataFrame({
        "person_key": ["a", "b"], "age_band": ["20-24"] * 2, "care_experienced": [False] * 2,
        "earlier_sets": [1, 1], "band_number": [1, 1],
        "piece_from": [day("2018-01-01"), day("2018-01-01")], "piece_to": [day("2020-01-01"), day("2020-01-01")],
        "return_date": [pd.NaT, day("2019-07-01")],
    })
    participants = pd.DataFrame({"person_key": ["b"], "role": ["mother"], "start_date": [day("2019-01-01")]})
    both = reference_rates(pieces, participants, "both")[("age_band", "care_experienced", "earlier_sets", "band_number")]
    # a: two years, no return; b: only her year before the service started, no return in it.
    assert both["rate"].iloc[0] == 0
    assert reference_rates(pieces, participants, "before_service")[("band_number",)]["rate"].iloc[0] == 0
    assert reference_rates(pieces, participants.iloc[:0], "both")[("band_number",)]["rate"].iloc[0] == pytest.approx(
        1 / (4 * 365 / 365.25), rel=1e-3)


def test_expected_count_carries_the_reference_rates_sampling_error():
    day = pd.Timestamp
    year = (day("2019-01-01") - day("2018-01-01")).days / 365.25
    # Four mothers give a year each of reference time, two of them with a return; the participant's
    # half year before her start date counts too. She is then followed for two years at that rate.
    pieces = pd.DataFrame({
        "person_key": ["a", "b", "c", "d", "p"], "age_band": ["20-24"] * 5, "care_experienced": [False] * 5,
        "earlier_sets": [1] * 5, "band_number": [1] * 5,
        "piece_from": [day("2018-01-01")] * 4 + [day("2018-07-01")],
        "piece_to": [day("2019-01-01")] * 4 + [day("2021-01-01")],
        "return_date": [day("2018-06-01"), day("2018-09-01"), pd.NaT, pd.NaT, pd.NaT],
    })
    linked = pd.DataFrame({"service": ["Rise"], "person_key": ["p"], "role": ["mother"], "la_code": ["E06000009"],
                           "start_date": [day("2019-01-01")]})
    table = service_outcomes(pieces, linked, {"children_per_set": None, "years_in_care_until_age": None},
                             load_service_settings())
    row = table[(table["la_code"] == "all") & (table["service"] == "Rise")].iloc[0]
    reference_years = 4 * year + (day("2019-01-01") - day("2018-07-01")).days / 365.25
    followed = (day("2021-01-01") - day("2019-01-01")).days / 365.25
    assert row.expected_returns == pytest.approx(followed * 2 / reference_years, abs=0.005)
    assert row.expected_returns_se == pytest.approx(followed * math.sqrt(2) / reference_years, abs=0.005)
    # No return seen: the interval starts at 0 and its top allows for a lower expected count.
    high = poisson_interval(0, 0.95)[1] / (row.expected_returns * math.exp(-1.959964 * row.expected_returns_se
                                                                          / row.expected_returns))
    assert (row.ratio_ci_low, row.ratio_ci_high) == (0, pytest.approx(high, abs=0.001))


def test_interval_is_the_exact_poisson_one_when_the_expected_count_is_known():
    low, high = poisson_interval(10, 0.95)
    ratio_low, ratio_high, avoided_low, avoided_high = ratio_interval(10, 8.0, 0.0, 0.95)
    assert (ratio_low, ratio_high) == (pytest.approx(low / 8), pytest.approx(high / 8))
    assert (avoided_low, avoided_high) == (pytest.approx(8 - high), pytest.approx(8 - low))
    wider = ratio_interval(10, 8.0, 1.0, 0.95)
    assert wider[0] < ratio_low and wider[1] > ratio_high


def test_poisson_interval_is_exact():
    assert poisson_interval(0, 0.95) == (0.0, pytest.approx(3.689, abs=1e-3))
    assert poisson_interval(10, 0.95) == (pytest.approx(4.795, abs=1e-3), pytest.approx(18.390, abs=1e-3))


def test_a_wrong_reference_period_names_the_key(tmp_path, monkeypatch):
    from publish.settings import DEFAULT_OUTPUTS_CONFIG

    path = tmp_path / "outputs.yaml"
    path.write_text(DEFAULT_OUTPUTS_CONFIG.read_text().replace("reference_period: both", "reference_period: all"))
    with pytest.raises(OutputSettingsError, match="service_evaluation -> reference_period should be one of"):
        load_service_settings(path)


def test_small_counts_are_hidden_with_everything_that_rests_on_them():
    from assets.service_evaluation import COLUMNS
    from publish.published_tables import PUBLISHED_TABLES

    def row(service, participants, observed, order):
        values = {column: 1.0 for column, kind in COLUMNS.items() if kind == "float"}
        return {**values, "la_code": "all", "service": service, "participants": participants,
                "fathers_not_evaluated": 0, "linked_to_earlier_sets": participants, "observed_returns": observed,
                "reference_period": "both", "row_order": order}

    frame = pd.DataFrame([row("all", 43, 13, 1), row("Comma", 40, 10, 2), row("Rise", 3, 3, 3)])
    published = PUBLISHED_TABLES["service_outcomes"].publish(frame, 5).set_index("service")
    assert published.loc["Rise", ["participants", "observed_returns", "ratio", "one_off_saving"]].tolist() == ["c"] * 4
    # Shown with the total, Rise's 3 could be worked out from Comma's: Comma's are hidden too.
    assert published.loc["Comma", "participants"] == "c" and published.loc["Comma", "observed_returns"] == "c"
    assert published.loc["all", "participants"] == "43" and published.loc["all", "ratio"] == "1"
    one_service = PUBLISHED_TABLES["service_outcomes"].publish(frame.iloc[[0, 2]].reset_index(drop=True), 5)
    assert (one_service["observed_returns"] == "c").all()
