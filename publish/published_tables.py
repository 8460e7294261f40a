"""Which cells of each mart are counts, which add up to which totals, and so how each is suppressed.

Each mart `marts.<name>` is published as `marts.published_<name>`: the same rows and columns,
with counts and the rates computed from them as text, and `c` where publication control hides
them (publish/disclosure.py has the rule). The report and the workbook read only these copies.

The by-authority table (`marts.<name>_by_authority`, with `la_code`, 'all' for every authority
together) is suppressed as one table, and the published overall copy is its 'all' rows: so no
figure for one authority can be worked out from the overall figures and the other authorities'.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from publish import disclosure_audit
from publish.disclosure import SUPPRESSED, Cell, TotalGroup, suppress

Groups = tuple[list[TotalGroup], list[list[Cell]]]  # totals, and cells hidden together
ALL_AUTHORITIES = "all"
# SQL order of the la_code column: 'all', the authorities by code, then 'unknown'.
AUTHORITY_ORDER = "la_code <> 'all', la_code = 'unknown', la_code"
# (the mart, the published copies it reads) -> its rows that must be hidden because of what those hide.
RowRule = Callable[[pd.DataFrame, Mapping[str, pd.DataFrame]], pd.Series]
# Rounds of "audit, hide more" before giving up (and publishing nothing).
MAX_AUDIT_ROUNDS = 40


class DisclosureError(Exception):
    """Suppression could not make a table pass the disclosure audit: nothing is published."""


@dataclass(frozen=True)
class PublishedTable:
    name: str  # marts.<name> -> marts.published_<name>
    title: str  # the workbook's sheet name (31 characters at most)
    authority_title: str  # the sheet name of the by-authority table
    counts: tuple[str, ...]
    rates: Mapping[str, tuple[str, ...]]  # rate column -> the counts (same row) it comes from
    order_by: str
    keys: tuple[str, ...]  # columns that name a row within one authority
    groups: Callable[[pd.DataFrame], Groups] = field(default=lambda frame: ([], []))
    # Other published tables whose hidden cells this one must respect, and the rule that does so.
    reads_published: tuple[str, ...] = ()
    hide_rows: RowRule | None = None
    # Columns of a short headline table shown first in the web UI; empty = the whole table only.
    headline_columns: tuple[str, ...] = ()
    # Rate columns the mart has only sometimes (the weighted estimates of a sampled trawl).
    optional_rates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Each row -> the row holding the denominator of its rates (a percentage of a hidden cohort
    # would give the cohort away).
    rate_denominators: Callable[[pd.DataFrame], pd.Series] | None = None
    # Cells hidden before the audit looks, where a table's own structure makes it plain they must
    # be (it saves the audit many rounds): (mart, threshold) -> cells.
    hidden_first: Callable[[pd.DataFrame, int], set[Cell]] | None = None

    @property
    def numeric_columns(self) -> tuple[str, ...]:
        return (*self.counts, *self.rates)

    def _groups(self, frame: pd.DataFrame) -> Groups:
        """This table's groups within each authority, and authorities adding up to 'all'."""
        if "la_code" not in frame.columns:
            return self.groups(frame)
        totals, hidden_together = [], []
        for rows in frame.groupby("la_code").groups.values():
            authority_totals, authority_together = self.groups(frame.loc[rows])
            totals += authority_totals
            hidden_together += authority_together
        return totals + _across_authorities(frame, self.keys, self.counts), hidden_together

    def publish(
        self,
        frame: pd.DataFrame,
        smallest_count_shown: int,
        published: Mapping[str, pd.DataFrame] | None = None,
        whole_data: bool = True,
    ) -> pd.DataFrame:
        """The suppressed copy, with counts and rates as text (`c` where hidden), which passes
        the disclosure audit together with the `published` tables it is read with.
        `whole_data`: the run has no trawl window (so the audit may use that prevalence and
        baseline count the same mothers)."""
        published = published or {}
        also_hidden: set[Cell] = set() if self.hidden_first is None else self.hidden_first(frame, smallest_count_shown)
        # Ranges found wide in one round stay wide in the next, except near a cell the next
        # shows again (a new hidden cell can make an earlier secondary cell unneeded).
        known_wide: dict = {}
        hidden_before: set = set()
        groups = self._groups(frame)  # the same every round
        for _ in range(MAX_AUDIT_ROUNDS):
            copy = self._suppressed(frame, smallest_count_shown, published, also_hidden, groups)
            if self.name not in disclosure_audit.RELATIONS:
                return copy
            # A rate is hidden with its counts, so a rate shown again comes with a count shown again.
            hidden = {(self.name, row, column) for column in self.counts for row in copy.index[copy[column] == SUPPRESSED]}
            shown_again, hidden_before = hidden_before - hidden, hidden
            system = disclosure_audit.build_system({**published, self.name: copy}, whole_data)
            # Rounds on this table's cells first (quicker), then everything once it passes.
            findings = disclosure_audit.audit_system(
                system, smallest_count_shown, only_table=self.name, known_wide=known_wide, shown_again=shown_again)
            if not findings:
                findings = disclosure_audit.audit_system(system, smallest_count_shown, known_wide=known_wide)
                if not findings:
                    return copy
            more = _cells_to_hide(findings, system, self.name, frame)
            if not more:
                raise DisclosureError(
                    f"{self.title}: {len(findings)} published cell(s) could still be worked out and no "
                    f"cell of this table is left to hide, e.g. {findings[0].what}")
            also_hidden |= more
        raise DisclosureError(f"{self.title}: still failing the disclosure audit after {MAX_AUDIT_ROUNDS} rounds")

    def _suppressed(
        self, frame: pd.DataFrame, smallest_count_shown: int, published: Mapping[str, pd.DataFrame],
        also_hidden: set[Cell], groups: Groups,
    ) -> pd.DataFrame:
        totals, hidden_together = groups
        rates = {**self.rates, **{c: s for c, s in self.optional_rates.items() if c in frame.columns}}
        copy = suppress(frame, self.counts, smallest_count_shown, totals, hidden_together, rates, also_hidden)
        if self.hide_rows is not None:
            hidden_rows = self.hide_rows(frame, published)
            for column in self.numeric_columns:
                copy.loc[hidden_rows & frame[column].notna(), column] = SUPPRESSED
        if self.rate_denominators is not None:
            denominator = self.rate_denominators(frame)
            hidden_denominator = denominator.map(lambda row: copy.at[row, self.counts[0]] == SUPPRESSED).astype(bool)
            for rate in rates:
                copy.loc[hidden_denominator & frame[rate].notna(), rate] = SUPPRESSED
        for column in (*self.counts, *rates):
            copy[column] = pd.Series([_as_text(value) for value in copy[column]], index=copy.index, dtype=object)
        return copy


def _cells_to_hide(
    findings: list[disclosure_audit.Finding], system: disclosure_audit.LinearSystem, table: str, frame: pd.DataFrame
) -> set[Cell]:
    """For each finding, one more cell of `table` to hide: a shown cell of the finding itself if
    it is a difference of shown cells, else one in the relations that bound it, else the
    smallest shown cell in a relation with its hidden cells, or with the hidden cells those
    relations reach, and so on outwards."""
    relations_of: dict = {}
    for terms, _ in (*system.equalities, *system.inequalities):
        for cell in terms:
            relations_of.setdefault(cell, []).append(terms)
    chosen: set[Cell] = set()

    def shown_in_table(cells):
        return [cell for cell in cells if cell[0] == table and system.values.get(cell) is not None]

    for finding in findings:
        frontier = {cell for cell in finding.cells if system.values.get(cell) is None}
        candidates = shown_in_table(finding.pinned_by if frontier else finding.cells)
        reached = set(frontier)
        while frontier and not candidates:
            near = {cell for start in frontier for terms in relations_of.get(start, []) for cell in terms} - reached
            candidates = shown_in_table(near)
            reached |= near
            frontier = {cell for cell in near if system.values.get(cell) is None}
        candidates = sorted(candidates, key=str)
        if not candidates or any(cell in chosen for cell in candidates):
            continue
        # Hide a detail (one authority's cell) before a total, and a small count before a large one.
        chosen.add(min(candidates, key=lambda cell: (
            _is_all_authorities(frame, cell[1]), system.values[cell] == 0, system.values[cell], str(cell))))
    return {(row, column) for _, row, column in chosen}


def _is_all_authorities(frame: pd.DataFrame, row) -> bool:
    return "la_code" in frame.columns and frame.at[row, "la_code"] == ALL_AUTHORITIES


def _across_authorities(frame: pd.DataFrame, keys: tuple[str, ...], counts: tuple[str, ...]) -> list[TotalGroup]:
    """Each count in 'all' is the sum of the authorities' counts: exactly for sets, children and
    mothers counted in the authority of their first set; nearly for mothers counted in each
    authority they had a set in (few move), which is close enough to give a hidden count away."""
    totals = []
    for _, part in frame.groupby(list(keys), dropna=False, sort=False):
        everyone = part.index[part["la_code"] == ALL_AUTHORITIES]
        each_authority = part.index[part["la_code"] != ALL_AUTHORITIES]
        if len(everyone) and len(each_authority):
            totals += [
                TotalGroup((everyone[0], column), tuple((row, column) for row in each_authority)) for column in counts
            ]
    return totals


def authorities(frame: pd.DataFrame) -> list[str]:
    """The authorities in a by-authority table, in order, without 'all'."""
    return [code for code in dict.fromkeys(frame["la_code"]) if code != ALL_AUTHORITIES]


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _prevalence_groups(frame: pd.DataFrame) -> Groups:
    """The financial years add up to 'all' for sets and children (not for mothers, who can
    have sets in several years). In a year, sets, mothers and children are nearly the same number
    (most sets have one mother and one child), and so are their recurrent counterparts: each
    trio is hidden together, or one would stand in for another."""
    years = [row for row in frame.index if frame.at[row, "financial_year"] != "all"]
    total = [row for row in frame.index if frame.at[row, "financial_year"] == "all"]
    additive = ("sets", "recurrent_sets", "children", "children_in_recurrent_sets",
                "babies_under_4_weeks_in_recurrent_sets")
    totals = [TotalGroup((total[0], column), tuple((row, column) for row in years)) for column in additive] if total else []
    proxies = [("sets", "mothers", "children"), ("recurrent_sets", "recurrent_mothers", "children_in_recurrent_sets")]
    hidden_together = [[(row, column) for column in trio] for row in frame.index for trio in proxies]
    return totals, hidden_together


def _return_groups(frame: pd.DataFrame) -> Groups:
    """In each year, the age bands add up to 'all', and so do care experienced yes and no."""
    totals = []
    for rows in frame.groupby("years").groups.values():
        by_grouping = frame.loc[rows].groupby("grouping").groups
        everyone = list(by_grouping.get("all", []))
        if not everyone:
            continue
        for grouping, members in by_grouping.items():
            if grouping == "all":
                continue
            for column in ("at_risk", "events"):
                totals.append(TotalGroup((everyone[0], column), tuple((row, column) for row in members)))
    return totals, []


def _return_years_too_small(frame: pd.DataFrame, smallest_count_shown: int) -> set[Cell]:
    """In each group (in one authority), the years of follow-up whose returns so far or mothers
    at risk are 1 to the threshold minus one, and enough years between them that every step in
    the returns column between two shown years counts 0 or at least the threshold: cumulative
    columns give each span's returns by subtraction. A small step is merged into the next by
    hiding the earlier year, so the longest follow-up (the headline) stays shown; hiding a year
    only merges steps, so what the audit hides later keeps this true."""
    def small(value):
        return pd.notna(value) and 1 <= value < smallest_count_shown

    hidden: set[Cell] = set()
    for _, rows in frame.groupby([*(["la_code"] if "la_code" in frame.columns else []), "group_name"]).groups.items():
        group = frame.loc[rows].sort_values("years", ascending=False)
        later_shown = None  # returns so far at the next shown year
        for row, at_risk, events in zip(group.index, group["at_risk"], group["events"]):
            step_small = later_shown is not None and pd.notna(events) and small(later_shown - events)
            if small(at_risk) or small(events) or step_small:
                hidden |= {(row, "at_risk"), (row, "events")}
            elif pd.notna(events):
                later_shown = events
    return hidden


def _baseline_groups(frame: pd.DataFrame) -> Groups:
    """Within a cohort, each one-value characteristic adds up to the cohort; the answers on the
    forms (leaving out 'not reviewed') add up to 'case file read: yes'. 'Not reviewed' is the same
    number under every form characteristic, so it is hidden everywhere or nowhere."""
    totals, hidden_together = [], []
    for rows in frame.groupby("cohort").groups.values():
        part = frame.loc[rows]
        cohort_size = part.index[part["characteristic"] == "mothers in cohort"][0]
        files_read = part.index[(part["characteristic"] == "case file read") & (part["value"] == "yes")][0]
        for characteristic, members in part.groupby("characteristic").groups.items():
            rows_here = part.loc[members]
            if characteristic == "mothers in cohort" or not rows_here["one_value_per_mother"].all():
                continue
            from_forms = rows_here["source"].eq("case-file form").all() and characteristic != "case file read"
            if from_forms:
                answered = rows_here.index[rows_here["value"] != "not reviewed"]
                totals.append(TotalGroup((files_read, "mothers"), tuple((row, "mothers") for row in answered)))
            else:
                totals.append(TotalGroup((cohort_size, "mothers"), tuple((row, "mothers") for row in rows_here.index)))
        not_reviewed = part.index[part["value"] == "not reviewed"]
        hidden_together.append([(row, "mothers") for row in not_reviewed])
    # Mothers with 2, 3, 4+ sets are the recurrent mothers: they add up to that cohort, and are
    # the same numbers in both cohorts.
    sets = frame[frame["characteristic"] == "sets of proceedings in the data"]
    repeat_sets = sets[sets["value"] != "1"]
    recurrent_size = frame.index[(frame["cohort"] == "recurrent mothers") & (frame["characteristic"] == "mothers in cohort")]
    all_mothers_repeats = repeat_sets.index[repeat_sets["cohort"] == "all mothers"]
    if len(recurrent_size):
        totals.append(TotalGroup((recurrent_size[0], "mothers"), tuple((row, "mothers") for row in all_mothers_repeats)))
    for rows in repeat_sets.groupby("value").groups.values():
        hidden_together.append([(row, "mothers") for row in rows])
    return totals, hidden_together


def _cohort_size_rows(frame: pd.DataFrame) -> pd.Series:
    """Each baseline row's cohort size row ('mothers in cohort'), the denominator of its pct."""
    codes = _la_codes(frame)
    size_rows = {
        (la, cohort): row
        for row, la, cohort, characteristic in zip(frame.index, codes, frame["cohort"], frame["characteristic"])
        if characteristic == "mothers in cohort"
    }
    return pd.Series([size_rows[(la, cohort)] for la, cohort in zip(codes, frame["cohort"])], index=frame.index)


def _cost_rows_resting_on_hidden_cells(frame: pd.DataFrame, published: Mapping[str, pd.DataFrame]) -> pd.Series:
    """A local figure sums financial years of the prevalence table: with the other years shown,
    it would give away a count hidden there. Hidden if any year it sums has a hidden count in
    that authority's prevalence rows, or if the return estimate it uses is hidden."""
    prevalence = published["prevalence_by_year"]
    used = ["recurrent_mothers", "recurrent_sets", "children_in_recurrent_sets"]
    hidden = prevalence[(prevalence[used] == SUPPRESSED).any(axis=1)]
    hidden_years = set(zip(_la_codes(hidden), hidden["financial_year"]))
    returns = published["return_within_years"]
    everyone = returns[returns["grouping"] == "all"]
    hidden_returns = set(zip(_la_codes(everyone)[everyone["probability"] == SUPPRESSED],
                             everyone.loc[everyone["probability"] == SUPPRESSED, "years"].astype(int)))
    return_years = frame["return_years"] if "return_years" in frame.columns else pd.Series(None, index=frame.index)
    return pd.Series(
        [
            (not pd.api.types.is_scalar(years) and any((la_code, year) in hidden_years for year in years))
            or (pd.notna(horizon) and (la_code, int(horizon)) in hidden_returns)
            for la_code, years, horizon in zip(_la_codes(frame), frame["financial_years"], return_years)
        ],
        index=frame.index,
        dtype=bool,
    )


SERVICE_COUNTS = ("participants", "fathers_not_evaluated", "linked_to_earlier_sets", "observed_returns")


def _service_groups(frame: pd.DataFrame) -> Groups:
    """The services add up to 'all' (nearly: a parent in two services is counted once there). With
    one service, 'all' is the same number, so the two are hidden together."""
    everyone = frame.index[frame["service"] == ALL_AUTHORITIES]
    services = frame.index[frame["service"] != ALL_AUTHORITIES]
    if not len(everyone):
        return [], []
    totals = [TotalGroup((everyone[0], column), tuple((row, column) for row in services)) for column in SERVICE_COUNTS]
    together = [[(everyone[0], column), (services[0], column)] for column in SERVICE_COUNTS] if len(services) == 1 else []
    return totals, together


def _la_codes(frame: pd.DataFrame) -> pd.Series:
    """The frame's la_code column; 'all' for a table without one."""
    return frame["la_code"] if "la_code" in frame.columns else pd.Series(ALL_AUTHORITIES, index=frame.index)


PUBLISHED_TABLES: dict[str, PublishedTable] = {
    table.name: table
    for table in (
        PublishedTable(
            name="prevalence_by_year",
            title="Prevalence by year",
            authority_title="Prevalence by authority",
            counts=("sets", "recurrent_sets", "mothers", "recurrent_mothers", "children",
                    "children_in_recurrent_sets", "babies_under_4_weeks_in_recurrent_sets"),
            rates={"recurrent_pct": ("recurrent_sets", "sets")},
            groups=_prevalence_groups,
            order_by="financial_year = 'all', financial_year",
            keys=("financial_year",),
        ),
        PublishedTable(
            name="return_within_years",
            title="Return within years",
            authority_title="Returns by authority",
            counts=("at_risk", "events"),
            # A probability changes only when someone returns: hidden with the returns or the
            # numbers at risk it rests on.
            rates={column: ("at_risk", "events") for column in ("probability", "ci_low", "ci_high")},
            groups=_return_groups,
            order_by="group_order, years",
            keys=("group_order", "years"),
            # A group's size is its baseline count, and the prevalence table counts the same mothers.
            reads_published=("prevalence_by_year", "baseline_characteristics"),
            hidden_first=_return_years_too_small,
        ),
        PublishedTable(
            name="baseline_characteristics",
            title="Baseline characteristics",
            authority_title="Baseline by authority",
            counts=("mothers",),
            rates={"pct": ("mothers",)},
            groups=_baseline_groups,
            optional_rates={column: ("mothers",) for column in ("estimated_pct", "estimated_ci_low", "estimated_ci_high")},
            order_by="display_order",
            keys=("display_order",),
            reads_published=("prevalence_by_year",),
            rate_denominators=_cohort_size_rows,
        ),
        PublishedTable(
            name="cost_estimates",
            title="Cost estimates",
            authority_title="Costs by authority",
            counts=("base_count",),
            # A local figure is hidden when the count of mothers or sets it rests on is.
            rates={"value": ("base_count",)},
            order_by="item_order",
            keys=("item_order",),
            reads_published=("prevalence_by_year", "return_within_years"),
            hide_rows=_cost_rows_resting_on_hidden_cells,
        ),
        PublishedTable(
            name="service_outcomes",
            title="Service outcomes",
            authority_title="Service by authority",
            counts=SERVICE_COUNTS,
            # What rests on a few women's follow-up or returns is hidden with that count.
            rates={
                **{column: ("linked_to_earlier_sets",)
                   for column in ("follow_up_years", "expected_returns", "expected_returns_se")},
                **{column: ("observed_returns", "linked_to_earlier_sets") for column in (
                    "ratio", "ratio_ci_low", "ratio_ci_high", "sets_avoided", "sets_avoided_ci_low",
                    "sets_avoided_ci_high", "one_off_saving", "children_not_removed", "annual_saving",
                    "saving_until_18")},
                **{column: ("participants", "observed_returns", "linked_to_earlier_sets")
                   for column in ("service_cost", "net_saving", "saving_per_pound")},
            },
            groups=_service_groups,
            order_by="row_order",
            keys=("service",),
            headline_columns=("service", "participants", "linked_to_earlier_sets", "observed_returns",
                              "expected_returns", "ratio", "ratio_ci_low", "ratio_ci_high", "sets_avoided",
                              "one_off_saving", "annual_saving"),
        ),
    )
}
