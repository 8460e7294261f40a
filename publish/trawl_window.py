"""The trawl window: which sets of proceedings a run counts, in the ways the resource pack
suggests a trawl be scoped: all the data, sets issued in the last 12 or 24 months, or a date range.

The window decides which sets count in the prevalence table (and so the cost scenario) and which
mothers go on the worklist. Whether a set is recurrent still looks at all earlier history in the
data: a set in the window whose mother had a set before the window is recurrent.

Set it in run config (`trawl run --window last_24_months`, or in the UI's launchpad under
`resources: trawl_window: config:`). Each run records the window it used in `marts.trawl_window`.
"""

import calendar
import datetime
from dataclasses import dataclass
from typing import Literal

import dagster as dg
from pydantic import Field

WindowKind = Literal["all", "last_12_months", "last_24_months", "range"]
MONTHS_BACK = {"last_12_months": 12, "last_24_months": 24}


@dataclass(frozen=True)
class WindowBounds:
    """The dates a window covers, both inclusive; None = no bound on that side."""

    kind: str
    start: datetime.date | None
    end: datetime.date | None
    description: str


class TrawlWindow(dg.ConfigurableResource):
    """Which sets of proceedings this run counts: all, the last 12 or 24 months, or a date range."""

    kind: WindowKind = Field(
        default="all",
        description="all (default); last_12_months or last_24_months (up to the extract end date); "
        "range (give start and/or end).",
    )
    start: str | None = Field(default=None, description="First issue date counted, YYYY-MM-DD (range only).")
    end: str | None = Field(default=None, description="Last issue date counted, YYYY-MM-DD (range only).")

    def bounds(self, extract_end: datetime.date | None) -> WindowBounds:
        """The window's dates, given the date the data are complete to."""
        start, end = _date(self.start, "start"), _date(self.end, "end")
        if self.kind != "range" and (start or end):
            raise dg.Failure(description=f"Trawl window {self.kind} takes no dates: use kind range with start and end.")
        if self.kind == "all":
            return WindowBounds(self.kind, None, None, "all sets of proceedings in the data")
        if self.kind == "range":
            if start is None and end is None:
                raise dg.Failure(description="Trawl window range needs a start date, an end date or both.")
            if start and end and start > end:
                raise dg.Failure(description=f"Trawl window starts ({start}) after it ends ({end}).")
            return WindowBounds(self.kind, start, end, _range_text(start, end))
        months = MONTHS_BACK[self.kind]
        if extract_end is None:  # no proceedings in the data: nothing to count either way
            return WindowBounds(self.kind, None, None, f"sets issued in the last {months} months (no sets in the data)")
        first = _months_before(extract_end, months) + datetime.timedelta(days=1)
        return WindowBounds(
            self.kind, first, extract_end,
            f"sets issued in the {months} months to {_long(extract_end)} ({_long(first)} to {_long(extract_end)})",
        )

    def run_config(self) -> dict:
        """This window as run config for the `trawl_window` resource."""
        return {"resources": {"trawl_window": {"config": self.model_dump(exclude_none=True)}}}

    def tags(self) -> dict[str, str]:
        """Run tags, so the window shows in the run list (dates are issue dates, not personal data)."""
        tags = {"trawl/window": self.kind}
        if self.start:
            tags["trawl/window_start"] = self.start
        if self.end:
            tags["trawl/window_end"] = self.end
        return tags


ALL_DATA = TrawlWindow()


def _date(text: str | None, which: str) -> datetime.date | None:
    if text is None or not text.strip():
        return None
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise dg.Failure(description=f"Trawl window {which} should be a date written YYYY-MM-DD.") from None


def _months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` earlier (the month's last day if it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _range_text(start: datetime.date | None, end: datetime.date | None) -> str:
    if start and end:
        return f"sets issued from {_long(start)} to {_long(end)}"
    if start:
        return f"sets issued from {_long(start)}"
    return f"sets issued up to {_long(end)}"


def _long(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"
