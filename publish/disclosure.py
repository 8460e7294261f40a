"""Disclosure control: what a published table may show about a small number of women.

The rule (threshold in config/outputs.yaml, `disclosure -> smallest_count_shown`, default 5):

1. Primary suppression: a count from 1 to 4 is shown as `c`. Zero is shown.
2. Secondary suppression: where cells add up to a total that is also shown, a single hidden
   cell could be worked out by subtraction. So in every total group (the total and its parts)
   that has exactly one hidden cell, the smallest other part is hidden too (a non-zero one if
   there is one). Cells that show the same number in several places, or numbers so close that one
   would stand in for another, are hidden together.
   This repeats until nothing changes, because each new `c` may expose another group.
3. A rate (percentage, probability, interval) computed from a hidden count is hidden.
4. The disclosure audit (publish/disclosure_audit.py) then solves, from the published tables
   alone, for the range each hidden cell can take given every relation a reader is told; where
   one is too narrow, a shown cell in the relations that pin it is hidden too, and steps 2-4
   repeat until none is (publish/published_tables.py).

The unsuppressed marts stay in the warehouse (`marts.*`, data officers only). Only the
suppressed copies (`marts.published_*`) feed the report and the workbook.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

SUPPRESSED = "c"

Cell = tuple[Hashable, str]  # (row label in the frame's index, column)


@dataclass(frozen=True)
class TotalGroup:
    """Parts that add up to a total, all published: hide one and the total gives it away."""

    total: Cell
    parts: tuple[Cell, ...]


def suppress(
    frame: pd.DataFrame,
    counts: Sequence[str],
    smallest_count_shown: int,
    totals: Iterable[TotalGroup] = (),
    hidden_together: Iterable[Sequence[Cell]] = (),
    rates: Mapping[str, Sequence[str]] | None = None,
    also_hidden: Iterable[Cell] = (),
) -> pd.DataFrame:
    """A copy of `frame` with hidden counts, and rates computed from them, shown as `c`.

    `counts` are the count columns; `rates` maps each rate column to the count columns (in the
    same row) it was computed from. `also_hidden` are cells hidden whatever their value (those
    the disclosure audit asks for), with the secondary cells they in turn need.
    """
    hidden = hidden_cells(frame, counts, smallest_count_shown, list(totals), list(hidden_together), set(also_hidden))
    published = frame.astype(object)
    for row, column in hidden:
        published.at[row, column] = SUPPRESSED
    for rate, sources in (rates or {}).items():
        for row in frame.index:
            if any((row, source) in hidden for source in sources):
                published.at[row, rate] = SUPPRESSED
    return published.where(published.notna(), None)


def hidden_cells(
    frame: pd.DataFrame,
    counts: Sequence[str],
    smallest_count_shown: int,
    totals: list[TotalGroup],
    hidden_together: list[Sequence[Cell]],
    also_hidden: set[Cell] = frozenset(),
) -> set[Cell]:
    """Every count cell that must not be shown: primary, then secondary until stable."""
    hidden = {
        (row, column)
        for column in counts
        for row, value in frame[column].items()
        if pd.notna(value) and 1 <= value < smallest_count_shown
    } | set(also_hidden)
    changed = True
    while changed:
        changed = False
        for cells in hidden_together:
            if any(cell in hidden for cell in cells) and not all(cell in hidden for cell in cells):
                hidden.update(cells)
                changed = True
        for group in totals:
            if sum(cell in hidden for cell in (group.total, *group.parts)) != 1:
                continue
            companion = _next_smallest(frame, [part for part in group.parts if part not in hidden])
            if companion is not None:
                hidden.add(companion)
                changed = True
    return hidden


def _next_smallest(frame: pd.DataFrame, candidates: list[Cell]) -> Cell | None:
    """The smallest non-zero candidate (a zero only when no other is left); the first on ties."""
    known = [cell for cell in candidates if pd.notna(frame.at[cell])]
    if not known:
        return None
    return min(known, key=lambda cell: (frame.at[cell] == 0, frame.at[cell]))
