"""The return estimate on a hand-computed example, and against scipy's Kaplan–Meier."""

import numpy as np
import pytest
from scipy import stats

from assets.kaplan_meier import return_within_years

# Six mothers, years from first set to a return (event) or to the extract end (censored):
#   0.5 return, 1.5 censored, 2.0 return, 2.5 return, 3.0 censored, 4.0 censored.
# S(1) = 5/6;  S(2) = 5/6 * 3/4 = 0.625;  S(3) = S(4) = 0.625 * 2/3 = 0.416667.
# Greenwood sums: 1/(6*5) = 0.033333;  + 1/(4*3) = 0.116667;  + 1/(3*2) = 0.283333.
# log-log interval for S: S ** exp(±1.959964 * sqrt(G) / |ln S|); for a return, 1 - S turns it round.
#   t=1: sigma = 0.182574/0.182322 = 1.001384 -> S in [0.273123, 0.974712] -> return [0.025288, 0.726877]
#   t=2: sigma = 0.341565/0.470004 = 0.726728 -> S in [0.141853, 0.893051] -> return [0.106949, 0.858147]
#   t=3: sigma = 0.532291/0.875469 = 0.608012 -> S in [0.055992, 0.766522] -> return [0.233478, 0.944008]
TIMES = [0.5, 1.5, 2.0, 2.5, 3.0, 4.0]
RETURNED = [True, False, True, True, False, False]


def test_hand_computed_example_to_four_decimal_places():
    estimates = return_within_years(TIMES, RETURNED, range(1, 6))
    got = [(e.years, e.probability, e.ci_low, e.ci_high, e.at_risk, e.events) for e in estimates]
    expected = [
        (1, 0.1667, 0.0253, 0.7269, 5, 1),
        (2, 0.3750, 0.1069, 0.8581, 4, 2),
        (3, 0.5833, 0.2335, 0.9440, 2, 3),
        (4, 0.5833, 0.2335, 0.9440, 1, 3),
    ]
    for (years, p, low, high, at_risk, events), want in zip(got, expected):
        assert (years, round(p, 4), round(low, 4), round(high, 4), at_risk, events) == want
    # Nobody followed up five years: no estimate, but the returns seen are still counted.
    assert got[4] == (5, None, None, None, 0, 3)


def test_no_return_yet_and_everyone_returned():
    # 0 returns among 2 followed a year: the exact upper bound 1 - 0.025 ** (1/2) = 0.8419, not 0.
    nobody = return_within_years([2.0, 3.0], [False, False], [1])[0]
    assert (nobody.probability, nobody.ci_low, round(nobody.ci_high, 4), nobody.at_risk) == (0.0, 0.0, 0.8419, 2)
    everyone = return_within_years([0.5, 0.7, 3.0], [True, True, True], [1])[0]
    assert round(everyone.probability, 4) == 0.6667 and everyone.at_risk == 1
    all_returned = return_within_years([0.5, 0.7], [True, True], [1])
    assert all_returned[0].at_risk == 0 and all_returned[0].probability is None


@pytest.mark.filterwarnings("ignore:The confidence interval is undefined")
@pytest.mark.parametrize("seed", [1, 2])
def test_agrees_with_scipy_on_larger_samples_with_ties(seed):
    rng = np.random.default_rng(seed)
    times = np.round(rng.exponential(4, size=300), 1)  # rounded: many ties
    returned = rng.random(300) < 0.6
    horizons = [1, 2, 3, 5, 7]
    ours = return_within_years(times, returned, horizons)
    fit = stats.ecdf(stats.CensoredData(uncensored=times[returned], right=times[~returned]))
    interval = fit.sf.confidence_interval(0.95, method="log-log")
    for estimate, horizon in zip(ours, horizons):
        if estimate.probability is None:
            continue
        assert estimate.probability == pytest.approx(1 - fit.sf.evaluate(horizon), abs=1e-9)
        assert estimate.ci_low == pytest.approx(1 - interval.high.evaluate(horizon), abs=1e-9)
        assert estimate.ci_high == pytest.approx(1 - interval.low.evaluate(horizon), abs=1e-9)


def test_an_estimate_of_zero_gets_the_exact_upper_bound():
    """0 returns among 23 mothers followed two years: Clopper-Pearson upper bound 1 - 0.025 ** (1/23)
    = 1 - exp(ln(0.025) / 23) = 1 - exp(-0.160388) = 0.14819 (a 0-0 interval would claim certainty)."""
    estimate = return_within_years([2.5] * 23, [False] * 23, [2])[0]
    assert estimate.probability == 0.0 and estimate.ci_low == 0.0
    assert round(estimate.ci_high, 5) == 0.14819
    # At 90%: 1 - 0.05 ** (1/23) = 1 - exp(-0.130249) = 0.12212.
    assert round(return_within_years([2.5] * 23, [False] * 23, [2], 0.90)[0].ci_high, 5) == 0.12212


def test_an_estimate_of_one_gets_the_exact_lower_bound():
    """Four mothers all return exactly one year after their first set: at one year all four are
    counted at risk and returned, so the estimate is 1; exact lower bound 0.025 ** (1/4) = 0.39764."""
    estimate = return_within_years([1.0, 1.0, 1.0, 1.0], [True] * 4, [1])[0]
    assert estimate.probability == 1.0 and estimate.ci_high == 1.0
    assert round(estimate.ci_low, 5) == 0.39764
