"""Disclosure audit: what a reader can work out from the published tables alone.

An attacker with only `marts.published_*_by_authority` and the README knows how the cells relate:
years and authorities add up to 'all', age bands and care experienced yes/no add up to 'all
mothers', the 2/3/4+ rows are the same in both cohorts, return columns are cumulative, a group's
size in the return table is its count in the baseline, and a shown percentage pins its numerator
and denominator to within rounding. Written as linear equalities and inequalities over the cells
(shown cells are constants, each `c` an unknown of at least 0), HiGHS
(`scipy.optimize.linprog`) finds the smallest and largest value each unknown can take.

A finding is:
- a hidden cell whose range is narrower than `min_width` (default: the threshold), so it can be
  worked out or nearly so;
- a count of women or sets that is a difference of cells (sets that were not recurrent, returns
  in year t of follow-up, single-set mothers with a characteristic) whose range is that narrow
  and reaches 1..threshold-1, including a difference of two shown cells that is itself 1..4.

Each published table contributes its relations through a function in `RELATIONS`; a new
published table is audited by adding one. The cost table is not modelled: each of its local
counts is a sum of prevalence cells and is hidden whenever one of those is
(publish/published_tables.py), so it tells an attacker nothing the prevalence table does not.
"""

import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import highspy
from scipy.sparse import csc_array

from publish.disclosure import SUPPRESSED

Cell = tuple[str, Hashable, str]  # (table name, row label, column)
Terms = dict[Cell, float]
# Rounding of published percentages (one decimal place), with a little room for floating point.
PCT_HALF_STEP = 0.05 + 1e-6
ALL = "all"
# Hidden cells are at most this (more than any count an authority or region could have), so
# that every solve has a solution; a range reaching it is as good as unbounded.
LARGEST_COUNT = 10_000_000
SPREAD_SOLVES = 8


@dataclass(frozen=True)
class Finding:
    what: str  # which cell or difference, in words
    low: float
    high: float
    cells: tuple[Cell, ...]  # the cells it is made of
    # Shown cells in the relations that bound it (binding at its smallest and largest value):
    # hiding one of them is what can widen its range.
    pinned_by: tuple[Cell, ...] = ()

    def __str__(self) -> str:
        return f"{self.what}: can be worked out to lie in {self.low:g}..{self.high:g}"


@dataclass
class LinearSystem:
    """The published cells, and the relations between them a reader is told."""

    values: dict[Cell, float | None] = field(default_factory=dict)  # None = hidden
    labels: dict[Cell, str] = field(default_factory=dict)
    equalities: list[tuple[Terms, float]] = field(default_factory=list)  # sum(terms) == rhs
    inequalities: list[tuple[Terms, float]] = field(default_factory=list)  # sum(terms) <= rhs
    differences: list[tuple[Terms, str]] = field(default_factory=list)  # counts made of cells

    def add_cell(self, cell: Cell, text: object, label: str) -> None:
        value = _published_number(text)
        if value is _BLANK:
            return
        self.values[cell] = value
        self.labels[cell] = label

    def known(self, *cells: Cell) -> bool:
        return all(cell in self.values for cell in cells)

    def equal(self, total: Cell, parts: Iterable[Cell]) -> None:
        """total = sum of parts."""
        parts = [part for part in parts]
        if self.known(total, *parts) and parts:
            terms = _terms((total, 1.0), *((part, -1.0) for part in parts))
            self.equalities.append((terms, 0.0))

    def at_most(self, smaller: Iterable[Cell], larger: Iterable[Cell], slack: float = 0.0) -> None:
        """sum(smaller) <= sum(larger) + slack."""
        smaller, larger = list(smaller), list(larger)
        if self.known(*smaller, *larger) and smaller:
            terms = _terms(*((cell, 1.0) for cell in smaller), *((cell, -1.0) for cell in larger))
            self.inequalities.append((terms, slack))

    def percentage(self, pct_text: object, numerator: Cell, denominator: Cell) -> None:
        """A shown pct = round(100 * numerator / denominator, 1): linear in both counts."""
        pct = _published_number(pct_text)
        if pct is _BLANK or pct is None or not self.known(numerator, denominator):
            return
        # 100 n <= (p + h) d  and  (p - h) d <= 100 n
        self.inequalities.append((_terms((numerator, 100.0), (denominator, -(pct + PCT_HALF_STEP))), 0.0))
        self.inequalities.append((_terms((denominator, pct - PCT_HALF_STEP), (numerator, -100.0)), 0.0))

    def difference(self, larger: Cell, smaller: Iterable[Cell], what: str) -> None:
        """A count of people or sets that is larger minus the sum of smaller."""
        smaller = list(smaller)
        if self.known(larger, *smaller):
            self.differences.append((_terms((larger, 1.0), *((cell, -1.0) for cell in smaller)), what))


class _Blank:
    """A cell with no number (not estimable), which is not a count at all."""


_BLANK = _Blank()


def _published_number(text: object):
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return _BLANK
    if text == SUPPRESSED:
        return None
    return float(text)


def _terms(*pairs: tuple[Cell, float]) -> Terms:
    terms: Terms = {}
    for cell, coefficient in pairs:
        terms[cell] = terms.get(cell, 0.0) + coefficient
    return terms


# --- The relations of each published table -------------------------------------------------------

PREVALENCE_COUNTS = ("sets", "recurrent_sets", "mothers", "recurrent_mothers", "children",
                     "children_in_recurrent_sets", "babies_under_4_weeks_in_recurrent_sets")
PREVALENCE_ADDITIVE = ("sets", "recurrent_sets", "children", "children_in_recurrent_sets",
                       "babies_under_4_weeks_in_recurrent_sets")


def _prevalence(system: LinearSystem, frame: pd.DataFrame) -> None:
    name = "prevalence_by_year"
    rows = _index(frame, "financial_year")
    for row in frame.itertuples():
        for column in PREVALENCE_COUNTS:
            system.add_cell((name, row.Index, column), getattr(row, column),
                            f"prevalence {row.la_code} {row.financial_year} {column}")

    def cell(la, year, column):
        return (name, rows[(la, year)], column)

    codes = list(dict.fromkeys(frame["la_code"]))
    years = [year for year in dict.fromkeys(frame["financial_year"]) if year not in (ALL, "headline")]
    for la in codes:
        for column in PREVALENCE_ADDITIVE:
            system.equal(cell(la, ALL, column), [cell(la, year, column) for year in years])
        for column in ("mothers", "recurrent_mothers"):  # a mother can have sets in several years
            system.at_most([cell(la, ALL, column)], [cell(la, year, column) for year in years])
            for year in years:
                system.at_most([cell(la, year, column)], [cell(la, ALL, column)])
        for year in [*years, ALL]:
            c = lambda column: cell(la, year, column)  # noqa: E731
            system.at_most([c("recurrent_sets")], [c("sets")])
            system.at_most([c("mothers")], [c("sets")])
            system.at_most([c("recurrent_mothers")], [c("recurrent_sets")])
            system.at_most([c("recurrent_mothers")], [c("mothers")])
            system.at_most([c("children_in_recurrent_sets")], [c("children")])
            system.at_most([c("babies_under_4_weeks_in_recurrent_sets")], [c("children_in_recurrent_sets")])
            system.percentage(frame.at[rows[(la, year)], "recurrent_pct"], c("recurrent_sets"), c("sets"))
            where = f"prevalence {la} {year}"
            system.difference(c("sets"), [c("recurrent_sets")], f"{where}: sets that were not recurrent")
            system.difference(c("mothers"), [c("recurrent_mothers")], f"{where}: mothers with no recurrent set")
            system.difference(c("children"), [c("children_in_recurrent_sets")], f"{where}: children in first sets")
            system.difference(c("sets"), [c("mothers")], f"{where}: sets less mothers")
            system.difference(c("recurrent_sets"), [c("recurrent_mothers")], f"{where}: recurrent sets less recurrent mothers")
    authorities = [la for la in codes if la != ALL]
    if ALL in codes and authorities:
        for year in [*years, ALL]:
            for column in PREVALENCE_ADDITIVE:
                system.equal(cell(ALL, year, column), [cell(la, year, column) for la in authorities])
            for column in ("mothers", "recurrent_mothers"):  # a mother can have sets in several authorities
                system.at_most([cell(ALL, year, column)], [cell(la, year, column) for la in authorities])
                for la in authorities:
                    system.at_most([cell(la, year, column)], [cell(ALL, year, column)])


RETURN_COUNTS = ("at_risk", "events")
# Return-table groups and the baseline rows ('all mothers' cohort) that count the same mothers.
GROUP_IN_BASELINE = {
    "all": ("mothers in cohort", "all"),
    "under 20": ("mother's age at her first set", "under 20"),
    "20-24": ("mother's age at her first set", "20-24"),
    "25-29": ("mother's age at her first set", "25-29"),
    "30+": ("mother's age at her first set", "30+"),
    "age unknown": ("mother's age at her first set", "unknown"),
    "care experienced: yes": ("care experienced", "yes"),
    "care experienced: no": ("care experienced", "no record"),
}


def _returns(system: LinearSystem, frame: pd.DataFrame) -> None:
    name = "return_within_years"
    rows = _index(frame, "group_name", "years")
    for row in frame.itertuples():
        for column in RETURN_COUNTS:
            system.add_cell((name, row.Index, column), getattr(row, column),
                            f"returns {row.la_code} {row.group_name} {row.years}y {column}")
    horizons = sorted({int(years) for years in frame["years"]})
    groupings = frame.drop_duplicates("group_name").set_index("group_name")["grouping"]
    codes = list(dict.fromkeys(frame["la_code"]))

    def cell(la, group, years, column):
        return (name, rows[(la, group, years)], column)

    for la in codes:
        for years in horizons:
            for grouping in dict.fromkeys(kind for kind in groupings if kind != ALL):
                members = [group for group, kind in groupings.items() if kind == grouping]
                for column in RETURN_COUNTS:
                    system.equal(cell(la, ALL, years, column), [cell(la, group, years, column) for group in members])
        for group in groupings.index:
            for earlier, later in zip(horizons, horizons[1:]):
                c = lambda years, column: cell(la, group, years, column)  # noqa: E731
                system.at_most([c(earlier, "events")], [c(later, "events")])
                system.at_most([c(later, "at_risk")], [c(earlier, "at_risk")])
                system.at_most([c(later, "at_risk"), c(later, "events")], [c(earlier, "at_risk"), c(earlier, "events")])
                system.difference(c(later, "events"), [c(earlier, "events")],
                                  f"returns {la} {group}: returns in year {later}")
    authorities = [la for la in codes if la != ALL]
    if ALL in codes and authorities:
        for group in groupings.index:
            for years in horizons:
                for column in RETURN_COUNTS:
                    system.equal(cell(ALL, group, years, column), [cell(la, group, years, column) for la in authorities])


def _baseline(system: LinearSystem, frame: pd.DataFrame) -> None:
    name = "baseline_characteristics"
    rows = _index(frame, "cohort", "characteristic", "value")
    for row in frame.itertuples():
        system.add_cell((name, row.Index, "mothers"), row.mothers,
                        f"baseline {row.la_code} {row.cohort} {row.characteristic}: {row.value}")
    codes = list(dict.fromkeys(frame["la_code"]))
    cohorts = list(dict.fromkeys(frame["cohort"]))
    characteristics = frame.drop_duplicates("characteristic").set_index("characteristic")
    values = {c: list(dict.fromkeys(frame.loc[frame["characteristic"] == c, "value"])) for c in characteristics.index}

    def cell(la, cohort, characteristic, value):
        return (name, rows[(la, cohort, characteristic, value)], "mothers")

    for la in codes:
        for cohort in cohorts:
            size = cell(la, cohort, "mothers in cohort", "all")
            files_read = cell(la, cohort, "case file read", "yes")
            unread = cell(la, cohort, "case file read", "not reviewed")
            for characteristic, info in characteristics.iterrows():
                if characteristic == "mothers in cohort":
                    continue
                members = [cell(la, cohort, characteristic, value) for value in values[characteristic]]
                from_forms = info["source"] == "case-file form" and characteristic != "case file read"
                if info["one_value_per_mother"]:
                    system.equal(size, members)
                    if from_forms:
                        answered = [cell(la, cohort, characteristic, v) for v in values[characteristic] if v != "not reviewed"]
                        system.equal(files_read, answered)
                else:  # several reasons per mother: each mother read has at least one row
                    answered = [cell(la, cohort, characteristic, v) for v in values[characteristic] if v != "not reviewed"]
                    for member in answered:
                        system.at_most([member], [files_read])
                    system.at_most([files_read], answered)
                if from_forms and "not reviewed" in values[characteristic]:
                    system.equal(unread, [cell(la, cohort, characteristic, "not reviewed")])
                for value in values[characteristic]:
                    row = rows[(la, cohort, characteristic, value)]
                    system.percentage(frame.at[row, "pct"], cell(la, cohort, characteristic, value), size)
        if len(cohorts) == 2:
            everyone, recurrent = cohorts
            for characteristic in characteristics.index:
                for value in values[characteristic]:
                    part, whole = cell(la, recurrent, characteristic, value), cell(la, everyone, characteristic, value)
                    system.at_most([part], [whole])
                    system.difference(whole, [part], f"baseline {la} {characteristic}: {value}, single-set mothers")
            repeats = [v for v in values.get("sets of proceedings in the data", []) if v != "1"]
            for value in repeats:
                system.equal(cell(la, everyone, "sets of proceedings in the data", value),
                             [cell(la, recurrent, "sets of proceedings in the data", value)])
            if repeats:
                system.equal(cell(la, recurrent, "mothers in cohort", "all"),
                             [cell(la, everyone, "sets of proceedings in the data", value) for value in repeats])
    authorities = [la for la in codes if la != ALL]
    if ALL in codes and authorities:
        for cohort in cohorts:
            for characteristic in characteristics.index:
                for value in values[characteristic]:
                    system.equal(cell(ALL, cohort, characteristic, value),
                                 [cell(la, cohort, characteristic, value) for la in authorities])


def _across_tables(system: LinearSystem, published: Mapping[str, pd.DataFrame], whole_data: bool) -> None:
    """A return group's mothers are its baseline count; with no trawl window, the prevalence
    table's 'all' row counts the same mothers as the baseline."""
    baseline = published.get("baseline_characteristics")
    returns = published.get("return_within_years")
    prevalence = published.get("prevalence_by_year")
    if baseline is None:
        return
    b_rows = _index(baseline, "cohort", "characteristic", "value")
    cohorts = list(dict.fromkeys(baseline["cohort"]))

    def b(la, cohort, characteristic, value):
        key = (la, cohort, characteristic, value)
        return ("baseline_characteristics", b_rows[key], "mothers") if key in b_rows else None

    if returns is not None:
        r_rows = _index(returns, "group_name", "years")
        horizons = sorted({int(years) for years in returns["years"]})
        for la, group in dict.fromkeys((la, g) for la, g, _ in r_rows):
            if group not in GROUP_IN_BASELINE:
                continue
            size = b(la, cohorts[0], *GROUP_IN_BASELINE[group])
            recurrent = b(la, cohorts[-1], *GROUP_IN_BASELINE[group])
            if size is None:
                continue
            first = r_rows.get((la, group, horizons[0]))
            if first is not None:
                system.at_most([("return_within_years", first, "at_risk"), ("return_within_years", first, "events")], [size])
            last = r_rows.get((la, group, horizons[-1]))
            if last is not None and recurrent is not None:  # a mother seen to return has two or more sets
                system.at_most([("return_within_years", last, "events")], [recurrent])
    if prevalence is not None:
        p_rows = _index(prevalence, "financial_year")
        sets_rows = "sets of proceedings in the data"
        for la in dict.fromkeys(baseline["la_code"]):
            if (la, ALL) not in p_rows:
                continue
            p = lambda column: ("prevalence_by_year", p_rows[(la, ALL)], column)  # noqa: E731
            everyone, recurrent = b(la, cohorts[0], "mothers in cohort", "all"), b(la, cohorts[-1], "mothers in cohort", "all")
            if everyone is None:
                continue
            if la == ALL and whole_data:
                system.equal(p("mothers"), [everyone])
                if recurrent is not None:
                    system.equal(p("recurrent_mothers"), [recurrent])
                # Every set of a mother but her first is recurrent, and there are at least
                # (k - 1) of them for a mother with k sets.
                system.at_most([p("mothers"), p("recurrent_sets")], [p("sets")])
                weights = {"2": 1.0, "3": 2.0, "4 or more": 3.0}
                parts = [(b(la, cohorts[0], sets_rows, value), weight) for value, weight in weights.items()]
                if all(cell is not None and system.known(cell) for cell, _ in parts) and system.known(p("recurrent_sets")):
                    system.inequalities.append((_terms(*parts, (p("recurrent_sets"), -1.0)), 0.0))
            elif whole_data:
                # Baseline counts a mother in her first set's authority; prevalence in every one she had a set in.
                system.at_most([everyone], [p("mothers")])


RELATIONS: dict[str, Callable[[LinearSystem, pd.DataFrame], None]] = {
    "prevalence_by_year": _prevalence,
    "return_within_years": _returns,
    "baseline_characteristics": _baseline,
}


def _index(frame: pd.DataFrame, *keys: str) -> dict[tuple, Hashable]:
    """(la_code, *keys) -> row label."""
    codes = frame["la_code"] if "la_code" in frame.columns else pd.Series(ALL, index=frame.index)
    columns = [codes, *(frame[key] for key in keys)]
    return {tuple(_key(value) for value in values): label for label, values in zip(frame.index, zip(*columns))}


def _key(value):
    return int(value) if isinstance(value, (int, np.integer)) or (isinstance(value, float) and value.is_integer()) else value


def build_system(published: Mapping[str, pd.DataFrame], whole_data: bool = True) -> LinearSystem:
    """The linear system of the published by-authority tables (`name` -> table, as in
    marts.published_<name>_by_authority). `whole_data`: no trawl window, so prevalence and the
    baseline count the same mothers."""
    system = LinearSystem()
    for name, frame in published.items():
        if name in RELATIONS:
            RELATIONS[name](system, frame)
    _across_tables(system, published, whole_data)
    return system


# --- Solving ---------------------------------------------------------------------------------


def audit(
    published: Mapping[str, pd.DataFrame],
    smallest_count_shown: int,
    whole_data: bool = True,
    min_width: int | None = None,
) -> list[Finding]:
    """Everything an attacker can narrow down too far (see the module docstring); [] is a pass."""
    system = build_system(published, whole_data)
    return audit_system(system, smallest_count_shown, min_width)


def audit_system(
    system: LinearSystem, smallest_count_shown: int, min_width: int | None = None, only_table: str | None = None,
    known_wide: dict | None = None, shown_again: set[Cell] = frozenset(),
) -> list[Finding]:
    """The findings on `system`; with `only_table`, only those about that table's cells (a
    quicker pass, for suppression to iterate on; the other tables' hidden cells are still unknowns).

    `known_wide` (updated in place): cells and differences (key -> their cells) already shown
    to range at least `min_width` wide, which are not solved again. Hiding more cells only
    loosens the system, so a range once wide stays wide: suppression passes one through all its
    rounds. A count cell shown again (`shown_again`, hidden when `known_wide` was filled)
    tightens the relations it is in, so what is connected to them is solved again."""
    width_needed = smallest_count_shown if min_width is None else min_width
    known_wide = {} if known_wide is None else known_wide
    solver = _Solver(system)
    if shown_again:
        tightened = {solver.block[next(iter(hidden_terms))] for (hidden_terms, _, _), shown
                     in zip(solver.rows, solver.shown_in_row) if not shown_again.isdisjoint(shown)}
        for key, cells in list(known_wide.items()):
            if any(cell in shown_again or (cell in solver.position and solver.block[solver.position[cell]] in tightened)
                   for cell in cells):
                del known_wide[key]
    findings = []

    def protected(low, high):
        # Known to be 0, or known not to be small, gives no small count away: such cells
        # would be shown anyway.
        return high - low >= width_needed or high < 1 or low > smallest_count_shown - 1

    items = [((cell,), {cell: 1.0}, system.labels[cell]) for cell in solver.hidden]
    items += [(tuple(terms.items()), terms, what) for terms, what in system.differences]
    for key, terms, what in items:
        if key in known_wide or (only_table is not None and all(cell[0] != only_table for cell in terms)):
            continue
        low, high = solver.bounds(terms, width_needed, smallest_count_shown)
        if high - low >= width_needed:
            known_wide[key] = tuple(terms)
        elif not protected(low, high):
            findings.append(Finding(what, low, high, tuple(terms), solver.pinned_by(terms)))
    return findings


class _Solver:
    """The system with shown cells substituted, split into independent blocks of hidden cells."""

    def __init__(self, system: LinearSystem):
        self.system = system
        self.hidden = [cell for cell, value in system.values.items() if value is None]
        self.position = {cell: i for i, cell in enumerate(self.hidden)}
        parent = list(range(len(self.hidden)))

        def find(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        self.rows: list[tuple[dict[int, float], float, bool]] = []  # (hidden terms, rhs, is equality)
        self.shown_in_row: list[tuple[Cell, ...]] = []
        for relations, is_equality in ((system.equalities, True), (system.inequalities, False)):
            for terms, rhs in relations:
                hidden_terms, constant = {}, 0.0
                for cell, coefficient in terms.items():
                    value = system.values[cell]
                    if value is None:
                        hidden_terms[self.position[cell]] = hidden_terms.get(self.position[cell], 0.0) + coefficient
                    else:
                        constant += coefficient * value
                hidden_terms = {i: c for i, c in hidden_terms.items() if c != 0}
                if not hidden_terms:
                    continue
                self.rows.append((hidden_terms, rhs - constant, is_equality))
                self.shown_in_row.append(tuple(cell for cell in terms if system.values[cell] is not None))
                first, *others = hidden_terms
                for other in others:
                    parent[find(other)] = find(first)
        self.block = [find(i) for i in range(len(self.hidden))]
        self.block_rows: dict[int, list[int]] = {}
        for number, (terms, _, _) in enumerate(self.rows):
            self.block_rows.setdefault(self.block[next(iter(terms))], []).append(number)
        self._cache: dict[tuple, tuple[float, float]] = {}
        self._built: dict[tuple, tuple] = {}

    def bounds(self, terms: Terms, wide: float | None = None, large: float | None = None) -> tuple[float, float]:
        """Smallest and largest value of sum(coefficient * cell) over everything consistent
        with the published tables (the LP relaxation, rounded in to whole numbers).

        With `wide`, stops as soon as the feasible points found so far (every solve gives one)
        span at least that much: the true range is then at least as wide, which is all a pass
        needs, and most cells pass that way without a solve. With `large`, stops after the
        minimum if it is at least that (known not to be small). Either way the range returned
        may be narrower than the true one; only those two conclusions may be drawn from it."""
        constant, hidden_terms = self._split(terms)
        if not hidden_terms:
            return constant, constant
        key = (tuple(sorted(hidden_terms.items())), constant)
        if key in self._cache:
            return self._cache[key]
        model, indices, costs = self._objective(hidden_terms)
        seen = model.seen(indices, costs, constant)
        if wide is not None and seen is not None and seen[1] - seen[0] >= wide:
            return seen
        low = constant + _round_in(model.minimise(indices, costs), up=True)
        seen = model.seen(indices, costs, constant)
        if (wide is not None and seen[1] - low >= wide) or (large is not None and low >= large):
            return low, seen[1]
        high = constant + _round_in(-model.minimise(indices, -costs), up=False)
        self._cache[key] = (low, high)
        return low, high

    def pinned_by(self, terms: Terms) -> tuple[Cell, ...]:
        """The shown cells in the relations binding at the smallest and the largest value of
        sum(coefficient * cell) (non-zero duals)."""
        _, hidden_terms = self._split(terms)
        if not hidden_terms:
            return ()
        model, indices, costs = self._objective(hidden_terms)
        cells: dict[Cell, None] = {}
        for sign in (1.0, -1.0):
            model.minimise(indices, sign * costs)
            for number in model.binding_rows():
                cells.update(dict.fromkeys(self.shown_in_row[number]))
        return tuple(cells)

    def _split(self, terms: Terms) -> tuple[float, dict[int, float]]:
        """The shown cells' part of sum(coefficient * cell), and the hidden cells' coefficients."""
        constant, hidden_terms = 0.0, {}
        for cell, coefficient in terms.items():
            value = self.system.values[cell]
            if value is None:
                hidden_terms[self.position[cell]] = coefficient
            else:
                constant += coefficient * value
        return constant, hidden_terms

    def _objective(self, hidden_terms: dict[int, float]):
        """The model of the blocks the hidden cells are in, with their columns and coefficients."""
        model = self._model(tuple(sorted({self.block[i] for i in hidden_terms})), set(hidden_terms))
        indices = np.array([model.column[i] for i in hidden_terms], dtype=np.int32)
        return model, indices, np.array(list(hidden_terms.values()), dtype=float)

    def _model(self, blocks: tuple[int, ...], extra: set[int]):
        """A HiGHS model of some blocks' relations, built once and re-solved for each objective
        (warm-started from the last basis, which is what makes thousands of solves quick)."""
        if blocks in self._built:
            return self._built[blocks]
        rows = [number for block in blocks for number in self.block_rows.get(block, [])]
        variables = sorted({i for number in rows for i in self.rows[number][0]} | extra)
        column = {i: j for j, i in enumerate(variables)}
        data, row_index, col_index = [], [], []
        for r, number in enumerate(rows):
            for i, coefficient in self.rows[number][0].items():
                data.append(coefficient)
                row_index.append(r)
                col_index.append(column[i])
        matrix = csc_array((data, (row_index, col_index)), shape=(len(rows), len(variables)))
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(variables), len(rows)
        lp.col_cost_ = np.zeros(len(variables))
        lp.col_lower_ = np.zeros(len(variables))
        lp.col_upper_ = np.full(len(variables), LARGEST_COUNT)
        rhs = np.array([self.rows[number][1] for number in rows], dtype=float)
        equality = np.array([self.rows[number][2] for number in rows], dtype=bool)
        lp.row_lower_ = np.where(equality, rhs, -highspy.kHighsInf)
        lp.row_upper_ = rhs
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = matrix.indptr
        lp.a_matrix_.index_ = matrix.indices
        lp.a_matrix_.value_ = matrix.data
        self._built[blocks] = _Block(column, lp, rows)
        return self._built[blocks]


class _Block:
    """One HiGHS model, re-solved for each objective from the last basis (which is what makes
    thousands of solves quick), and the feasible points its solves found."""

    def __init__(self, column: dict[int, int], lp, rows: list[int]):
        self.column = column
        self.rows = rows  # the solver's row number of each model row
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.setOptionValue("presolve", "off")  # keeps the basis between solves
        # Only the objective changes between solves, so the last basis stays feasible: primal
        # simplex goes on from it (about 5 times quicker here than the default dual).
        self.highs.setOptionValue("simplex_strategy", 4)
        self.highs.passModel(lp)
        self.points = np.zeros((8, len(column)))  # the first `found` rows are feasible points
        self.found = 0
        self._last = np.zeros(0, dtype=np.int32)
        self.solves = 0
        # A few solves in random directions first: their points show most cells' ranges are wide
        # without a solve of their own.
        directions = np.vstack([
            np.ones((1, len(column))), -np.ones((1, len(column))),  # every cell as low, then as high, as it can be
            np.random.default_rng(0).choice([-1.0, 1.0], size=(SPREAD_SOLVES, len(column))),
        ])
        everything = np.arange(len(column), dtype=np.int32)
        for costs in directions:
            self.minimise(everything, costs)

    def minimise(self, indices: np.ndarray, costs: np.ndarray) -> float:
        """min sum(costs * x[indices])."""
        self.highs.changeColsCost(len(self._last), self._last, np.zeros(len(self._last)))
        self.highs.changeColsCost(len(indices), indices, costs)
        self._last = indices
        self.highs.run()
        self.solves += 1
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise ValueError(
                f"the published tables' relations have no solution ({self.highs.modelStatusToString(status)}): "
                "a relation in publish/disclosure_audit.py does not hold for these tables")
        if self.found == len(self.points):
            self.points = np.vstack([self.points, np.zeros_like(self.points)])
        self.points[self.found] = self.highs.getSolution().col_value
        self.found += 1
        return float(self.highs.getInfo().objective_function_value)

    def binding_rows(self) -> list[int]:
        """The solver's row numbers of the relations binding at the last solve."""
        duals = np.asarray(self.highs.getSolution().row_dual)
        return [self.rows[r] for r in np.flatnonzero(np.abs(duals) > 1e-9)]

    def seen(self, indices: np.ndarray, costs: np.ndarray, constant: float) -> tuple[float, float] | None:
        """The range of the expression over the feasible points found so far."""
        if not self.found:
            return None
        values = self.points[: self.found, indices] @ costs + constant
        return float(values.min()), float(values.max())


def _round_in(value: float, up: bool) -> float:
    """Counts are whole: a bound of 2.0000001 is 2, and 2.3 is 3 (low) or 2 (high)."""
    if math.isinf(value):
        return value
    return float(math.ceil(value - 1e-6) if up else math.floor(value + 1e-6))
