"""Kaplan–Meier estimate of the chance of a return to proceedings within 1, 2, ... years.

Behind marts.return_within_years. Each mother is followed from her first set in the data until
her next set (a return: an event) or until the extract end date (censored). The estimate is the
standard product-limit one; events at a time are counted before censorings at the same time.

Intervals: Greenwood's variance with the log-log transform (as lifelines and
`scipy.stats.ecdf(...).sf.confidence_interval(method="log-log")` do), which keeps the interval
inside 0..1. Greenwood's variance is 0 where the estimate is exactly 0 (no return yet) or 1
(everyone at risk returned), which would give a 0-0 or 100-100 interval: there the interval is the
exact (Clopper-Pearson) one for 0 of n or n of n, with n the mothers followed that long (for 0)
or at risk at the last return (for 1): 0 to 1 - (alpha/2)^(1/n), or (alpha/2)^(1/n) to 1.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np


@dataclass(frozen=True)
class ReturnEstimate:
    years: int
    probability: float | None  # None when nobody has been followed up this long
    ci_low: float | None
    ci_high: float | None
    at_risk: int  # followed up at least this long without a return
    events: int  # returns seen within this many years


def return_within_years(
    years_followed: Sequence[float],
    returned: Sequence[bool],
    horizons: Iterable[int],
    confidence_level: float = 0.95,
) -> list[ReturnEstimate]:
    """P(return within t years) = 1 - S(t), with its interval, at each horizon t."""
    times = np.asarray(years_followed, dtype=float)
    events = np.asarray(returned, dtype=bool)
    z = NormalDist().inv_cdf(0.5 + confidence_level / 2)

    event_times = np.unique(times[events])
    at_risk_then = np.array([(times >= t).sum() for t in event_times])
    returns_then = np.array([(events & (times == t)).sum() for t in event_times])
    survival = np.cumprod(1 - returns_then / at_risk_then)
    with np.errstate(divide="ignore"):
        # Greenwood's sum; infinite once everyone at risk has returned (survival 0).
        greenwood = np.cumsum(returns_then / (at_risk_then * (at_risk_then - returns_then)))

    estimates = []
    for horizon in horizons:
        at_risk = int((times >= horizon).sum())
        seen = int((events & (times <= horizon)).sum())
        if at_risk == 0:
            estimates.append(ReturnEstimate(horizon, None, None, None, at_risk, seen))
            continue
        steps = int(np.searchsorted(event_times, horizon, side="right"))
        alpha = 1 - confidence_level
        if steps == 0:
            estimates.append(ReturnEstimate(horizon, 0.0, 0.0, 1 - (alpha / 2) ** (1 / at_risk), at_risk, seen))
            continue
        s, variance_sum = float(survival[steps - 1]), float(greenwood[steps - 1])
        if s == 0.0:
            n = int(at_risk_then[steps - 1])
            estimates.append(ReturnEstimate(horizon, 1.0, (alpha / 2) ** (1 / n), 1.0, at_risk, seen))
            continue
        low, high = _log_log_interval(s, variance_sum, z)
        # Intervals for S turn round for the probability of a return, 1 - S.
        estimates.append(ReturnEstimate(horizon, 1 - s, 1 - high, 1 - low, at_risk, seen))
    return estimates


def _log_log_interval(s: float, greenwood_sum: float, z: float) -> tuple[float, float]:
    """Interval for S (0 < S < 1): S ** exp(±z·σ), σ² = Greenwood sum / (log S)²."""
    sigma = math.sqrt(greenwood_sum) / abs(math.log(s))
    return s ** math.exp(z * sigma), s ** math.exp(-z * sigma)
