"""The linkage ranges as published: marts.published_linkage_sensitivity, and how the report
reads them.

Suppressed by the same rule as every published table (publish/disclosure.py): a range is a count
(recurrent sets or mothers under another clustering) or a rate resting on counts, so a range
whose count is 1 to 4 is hidden, and so is every rate resting on a hidden count. The years'
ranges of recurrent sets add up to the 'all' range, as the sets do; the three prevalence
estimates of one year are hidden together. A range is also hidden wherever its estimate is
hidden in its own published table, so the range can never stand in for a hidden figure.
"""

from collections.abc import Callable, Mapping

import pandas as pd

from publish.disclosure import SUPPRESSED, TotalGroup
from publish.published_tables import ALL_AUTHORITIES, Groups, PublishedTable, _la_codes

COUNTS = ("low_count", "high_count")
RANGE_COLUMNS = ("value", "linkage_low", "linkage_high", "draws_low", "draws_high", "combined_low", "combined_high")
PREVALENCE_ESTIMATES = ("recurrent_sets", "recurrent_pct", "recurrent_mothers")


def return_row_key(group_name: str, years: int) -> str:
    """The row_key of a return estimate (as assets/sql/marts_linkage_estimates.sql writes it)."""
    return f"{group_name}, within {years} years"


def _groups(frame: pd.DataFrame) -> Groups:
    prevalence = frame[frame["source_table"] == "prevalence_by_year"]
    sets = prevalence[prevalence["estimate"] == "recurrent_sets"]
    years = sets.index[sets["row_key"] != "all"]
    total = sets.index[sets["row_key"] == "all"]
    totals = [TotalGroup((total[0], column), tuple((row, column) for row in years)) for column in COUNTS] if len(total) else []
    together = [[(row, column) for row in rows] for rows in prevalence.groupby("row_key").groups.values()
                for column in COUNTS]
    return totals, together


def _hidden_in_their_tables(frame: pd.DataFrame, published: Mapping[str, pd.DataFrame]) -> pd.Series:
    """Rows whose estimate is shown as c in its own published table (by authority)."""
    hidden = set()
    prevalence = published["prevalence_by_year"]
    for la_code, year, *values in zip(_la_codes(prevalence), prevalence["financial_year"],
                                      *(prevalence[estimate] for estimate in PREVALENCE_ESTIMATES)):
        hidden |= {(la_code, "prevalence_by_year", year, estimate)
                   for estimate, value in zip(PREVALENCE_ESTIMATES, values) if value == SUPPRESSED}
    returns = published["return_within_years"]
    hidden |= {(la_code, "return_within_years", return_row_key(group, years), "probability")
               for la_code, group, years, value in zip(_la_codes(returns), returns["group_name"], returns["years"],
                                                       returns["probability"]) if value == SUPPRESSED}
    costs = published["cost_estimates"]
    hidden |= {(la_code, "cost_estimates", item, "value")
               for la_code, item, value in zip(_la_codes(costs), costs["item"], costs["value"]) if value == SUPPRESSED}
    return pd.Series([key in hidden for key in zip(_la_codes(frame), frame["source_table"], frame["row_key"],
                                                   frame["estimate"])], index=frame.index, dtype=bool)


SENSITIVITY_TABLE = PublishedTable(
    name="linkage_sensitivity",
    title="Linkage sensitivity",
    authority_title="Linkage by authority",
    counts=COUNTS,
    rates={column: COUNTS for column in RANGE_COLUMNS},
    groups=_groups,
    order_by="case source_table when 'prevalence_by_year' then 1 when 'return_within_years' then 2 else 3 end, "
             "display_order, estimate",
    keys=("source_table", "row_key", "estimate"),
    reads_published=("prevalence_by_year", "return_within_years", "cost_estimates"),
    hide_rows=_hidden_in_their_tables,
)


class LinkageRanges:
    """The published ranges, looked up by the report beside each estimate. Without a table (a
    warehouse built without linkage) every lookup is empty."""

    def __init__(self, published: pd.DataFrame | None, la_code: str = ALL_AUTHORITIES):
        self.frame = published
        self._rows = {}
        if published is not None:
            for record in published.to_dict("records"):
                if record.get("la_code", la_code) == la_code:
                    self._rows[(record["source_table"], record["row_key"], record["estimate"])] = record

    def __bool__(self) -> bool:
        return bool(self._rows)

    @property
    def pairs_in_review(self) -> int | None:
        counts = {int(record["pairs_in_review"]) for record in self._rows.values()}
        return counts.pop() if len(counts) == 1 else None

    def text(self, source_table: str, row_key: str, estimate: str, shown: Callable[[str], str],
             single_value: bool = True) -> str:
        """'linkage range 31.6% to 32.9%' (each end as `shown` writes a published cell); '' when
        there is no range, it is hidden, or (unless `single_value`) both ends are the same."""
        record = self._rows.get((source_table, row_key, estimate))
        if record is None or any(record[end] in (None, SUPPRESSED) or pd.isna(record[end])
                                 for end in ("linkage_low", "linkage_high")):
            return ""
        low, high = shown(record["linkage_low"]), shown(record["linkage_high"])
        return f"linkage range {low} to {high}" if single_value or low != high else ""
