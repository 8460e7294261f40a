"""report.html: one self-contained page for practice leads and commissioners.

Built only from the published (disclosure-controlled) tables, so nothing on the page can show a
count that publication control hid. Charts are inline SVG; the page loads nothing from anywhere.
"""

import datetime
import math
from html import escape

import pandas as pd

from publish.charts import observed_expected, return_curve, sets_by_year
from publish.disclosure import SUPPRESSED
from publish.linkage_sensitivity import LinkageRanges, return_row_key
from publish.published_tables import ALL_AUTHORITIES, authorities
from publish.service_settings import ServiceEvaluationSettings, load_service_settings
from publish.settings import OutputSettings

# marts.cost_estimates rows used in the scenario sentence, by item_order (assets/sql/marts_cost_estimates.sql).
(MOTHERS_ITEM, PREVENTED_ITEM, RETURN_ITEM, CARE_YEARS_ITEM, SETS_AVOIDED_ITEM, CHILDREN_ITEM, ONE_OFF_ITEM,
 CARE_COST_ITEM) = 1, 2, 3, 5, 8, 9, 10, 11

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
.subtitle { color: #555; }
.headlines { display: flex; flex-wrap: wrap; gap: 1em; margin: 1.5em 0; }
.headline { border: 1px solid #ccc; border-radius: 6px; padding: 0.8em 1em; min-width: 170px; flex: 1; }
.headline .figure { font-size: 1.8em; font-weight: bold; color: #08519c; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f0f0f0; text-align: left; } tr.characteristic th { background: #e4ecf5; }
.note { color: #555; font-size: 0.9em; }
"""


def _number(value: str | None, *, style: str = "count") -> str:
    """A published cell as a person reads it; `c` (hidden) and blanks (not estimable) as they are."""
    if _is_blank(value):
        return "–"
    if value == SUPPRESSED:
        return SUPPRESSED
    number = float(value)
    if style == "percent":
        return f"{number:.1f}%"
    if style == "probability":
        return f"{number:.1%}"
    if style == "money":
        return f"£{number:,.0f}"
    if style == "decimal":
        return f"{number:,.2f}".rstrip("0").rstrip(".")
    return f"{number:,.0f}"


def _is_blank(value: object) -> bool:
    """Not estimable: None, or NaN where pandas reads a blank text cell as one."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _as_number(value: str | None) -> float | None:
    return None if _is_blank(value) or value == SUPPRESSED else float(value)


def _as_whole_number(value: str | None) -> int | None:
    number = _as_number(value)
    return None if number is None else int(number)


def _table(header: list[str], rows: list[list[str]], text_columns: int = 1) -> str:
    """A table whose first `text_columns` columns are text and the rest numbers (right-aligned)."""
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(
            f"<td>{escape(cell)}</td>" if i < text_columns else f'<td class="n">{escape(cell)}</td>'
            for i, cell in enumerate(row)
        ) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_report(
    published: dict[str, pd.DataFrame],
    by_authority: dict[str, pd.DataFrame],
    window: str,
    settings: OutputSettings,
    today: datetime.date,
    linkage_sensitivity: pd.DataFrame | None = None,
) -> str:
    """The page, from the published tables: overall, and by authority (shown when there are several).
    `window` describes the trawl window (marts.trawl_window); `linkage_sensitivity` is
    marts.published_linkage_sensitivity, shown beside each estimate it has a range for."""
    prevalence = published["prevalence_by_year"]
    returns = published["return_within_years"]
    baseline = published["baseline_characteristics"]
    costs = published["cost_estimates"]
    ranges = LinkageRanges(linkage_sensitivity)
    sections = [
        _headlines(prevalence, returns, settings, ranges),
        _prevalence_section(prevalence, ranges),
        _return_section(returns, settings, ranges),
        _baseline_section(baseline),
        _cost_section(costs, settings, ranges),
    ]
    if "service_outcomes" in published:
        sections.append(_service_section(published["service_outcomes"], load_service_settings(settings.path)))
    if ranges:
        sections.append(_linkage_section(ranges, settings))
    if len(authorities(by_authority["prevalence_by_year"])) > 1:
        sections.append(_authorities_section(by_authority, _headline_return(returns)))
    sections.append(_definitions_section(settings))
    years = [year for year in prevalence["financial_year"] if year != "all"]
    period = f"financial years {years[0]} to {years[-1]}" if years else "no proceedings in the data"
    followed = returns["followed_up_to"].dropna()
    followed_text = f"; mothers followed up to {pd.Timestamp(followed.iloc[0]).date():%d %B %Y}" if len(followed) else ""
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>Recurrent care proceedings: local needs assessment</title>"
        f"<style>{STYLE}</style></head><body>"
        "<h1>Recurrent care proceedings: local needs assessment</h1>"
        f'<p class="subtitle">Section 31 care proceedings, {escape(period)}{escape(followed_text)}. '
        f"Trawl window: <b>{escape(window)}</b>. "
        f"Produced {today:%d %B %Y} by the trawl pipeline. Counts from 1 to "
        f"{settings.smallest_count_shown - 1} are shown as <b>c</b> (see <a href=\"#definitions\">definitions "
        "and caveats</a>).</p>"
        + "".join(sections)
        + "</body></html>"
    )


def _headline_return(returns: pd.DataFrame):
    """The return estimate for all mothers over the longest follow-up that can be shown; None if none."""
    everyone = returns[(returns["grouping"] == "all") & returns["probability"].notna()
                       & (returns["probability"] != SUPPRESSED)]
    return everyone.iloc[-1] if len(everyone) else None


def _with_range(shown: str, linkage_range: str) -> str:
    """'32.2% (linkage range 31.6% to 32.9%)', or the figure alone where it has no range."""
    return f"{shown} ({linkage_range})" if linkage_range else shown


def headline_recurrent_share(prevalence: pd.DataFrame, settings: OutputSettings) -> tuple[str, str] | None:
    """The recurrent % of sets over the complete years with enough earlier data to see a return
    ('counted' years), from their shown cells only, and what it covers; None with no such year
    (or one hidden)."""
    status = prevalence["year_status"] if "year_status" in prevalence.columns else pd.Series(None, index=prevalence.index)
    counted = prevalence[status == "counted"]
    shown = counted[["sets", "recurrent_sets"]].map(lambda v: not _is_blank(v) and v != SUPPRESSED).all(axis=None)
    if len(counted) and shown:
        sets, recurrent = counted["sets"].astype(float).sum(), counted["recurrent_sets"].astype(float).sum()
        if sets > 0:
            years = list(counted["financial_year"])
            return (f"{100 * recurrent / sets:.1f}%",
                    f"of sets in financial years {years[0]} to {years[-1]} (complete years with at least "
                    f"{settings.look_back_years} years of earlier data)")
    return None


def _headlines(prevalence: pd.DataFrame, returns: pd.DataFrame, settings: OutputSettings,
               ranges: LinkageRanges) -> str:
    total = prevalence[prevalence["financial_year"] == "all"].iloc[0]
    latest = _headline_return(returns)
    pct_range = ranges.text("prevalence_by_year", "all", "recurrent_pct", lambda v: _number(v, style="percent"))
    every_year = _with_range(_number(total["recurrent_pct"], style="percent"), pct_range)
    counted = headline_recurrent_share(prevalence, settings)
    if counted is None:
        share = (f"{every_year} of all sets, including the first years in the data, which under-count recurrence: "
                 "the mother was in an earlier set")
    else:
        share = (f"{counted[0]} {counted[1]}: the mother was in an earlier set; over every year in the data "
                 f"{every_year}")
    cards = [
        ("sets of care proceedings", _number(total["sets"]), "section 31 applications, each counted once"),
        ("recurrent sets", _number(total["recurrent_sets"]), share),
        ("mothers", _number(total["mothers"]), f"{_number(total['recurrent_mothers'])} of them in two or more sets"),
    ]
    if latest is not None:
        return_range = ranges.text("return_within_years", return_row_key(latest["group_name"], latest["years"]),
                                   "probability", lambda v: _number(v, style="probability"))
        cards.append((
            f"return within {latest['years']} years", _number(latest["probability"], style="probability"),
            f"{settings.confidence_level:.0%} interval {_number(latest['ci_low'], style='probability')} to "
            f"{_number(latest['ci_high'], style='probability')}" + (f"; {return_range}" if return_range else ""),
        ))
    return '<div class="headlines">' + "".join(
        f'<div class="headline"><div class="figure">{escape(figure)}</div><div><b>{escape(label)}</b></div>'
        f'<div class="note">{escape(note)}</div></div>'
        for label, figure, note in cards
    ) + "</div>"


YEAR_STATUS = {"counted": "", "run-in": "run-in: little earlier data", "partial": "partial year"}


def _year_status(row) -> str:
    return YEAR_STATUS.get(getattr(row, "year_status", None) or "counted", "")


def _prevalence_section(prevalence: pd.DataFrame, ranges: LinkageRanges) -> str:
    years = prevalence[prevalence["financial_year"] != "all"]
    chart = sets_by_year(
        [f"{row.financial_year} (partial)" if _year_status(row) == "partial year" else row.financial_year
         for row in years.itertuples()],
        [_as_whole_number(value) for value in years["sets"]],
        [_as_whole_number(value) for value in years["recurrent_sets"]],
        "Sets of care proceedings by financial year, recurrent sets darker",
    )
    def ranged(row, estimate: str, style: str = "count") -> str:
        def shown(value):
            return _number(value, style=style)
        return _with_range(shown(getattr(row, estimate)),
                           ranges.text("prevalence_by_year", row.financial_year, estimate, shown, single_value=False))

    rows = [
        [row.financial_year, _number(row.sets), ranged(row, "recurrent_sets"), ranged(row, "recurrent_pct", "percent"),
         _number(row.mothers), ranged(row, "recurrent_mothers"),
         _number(row.children), _number(row.babies_under_4_weeks_in_recurrent_sets), _year_status(row)]
        for row in prevalence.itertuples()
    ]
    table = _table(
        ["financial year", "sets", "recurrent sets", "recurrent %", "mothers", "recurrent mothers", "children",
         "babies under 4 weeks in recurrent sets", "note"],
        rows,
    )
    return (
        '<h2 id="prevalence">How many sets of proceedings are recurrent</h2>'
        + chart + table
        + '<p class="note">Mothers: distinct mothers with a set issued in the year; recurrent mothers: those '
        "with a recurrent set in the year. In the 'all' row each mother is counted once, so the years do not "
        "add up to it. The earliest years under-count recurrence, because sets before the data begin are not seen: "
        "they are marked run-in and left out of the headline recurrent %, as is a partial last year. "
        "Only sets in the trawl window are counted, but a set is recurrent if the mother had an earlier set "
        "anywhere in the data, before the window too. The return estimates and the description of the mothers "
        "below use all the data.</p>"
    )


def _return_section(returns: pd.DataFrame, settings: OutputSettings, ranges: LinkageRanges) -> str:
    everyone = returns[returns["grouping"] == "all"]
    points = [
        (int(row.years), _as_number(row.probability), _as_number(row.ci_low), _as_number(row.ci_high))
        for row in everyone.itertuples()
    ]
    chart = return_curve(points, "Probability that a mother returns to proceedings, with its interval")
    horizons = sorted(returns["years"].unique())
    estimates, at_risk = [], []
    for group_name, group in returns.groupby("group_name", sort=False):
        rows = list(group.sort_values("years").itertuples())
        estimates.append([group_name, *(_estimate_with_interval(row, ranges) for row in rows)])
        at_risk.append([group_name, *(_number(row.at_risk) for row in rows)])
    header = ["group", *[f"within {years} years" for years in horizons]]
    table = (
        f"<h3>Probability of a return ({settings.confidence_level:.0%} interval)</h3>" + _table(header, estimates)
        + "<h3>Mothers at risk (followed up that long without a return)</h3>" + _table(header, at_risk)
    )
    return (
        '<h2 id="returns">How likely a mother is to return to proceedings</h2>'
        + chart
        + f'<p class="note">Kaplan–Meier estimate with {settings.confidence_level:.0%} intervals (Greenwood, '
        "log-log transform), from each mother's first set in the data, censored at the extract end date. "
        "'At risk': mothers followed up that long without a return. '–': nobody has been followed up that long.</p>"
        + table
    )


def _estimate_with_interval(row, ranges: LinkageRanges) -> str:
    estimate = _number(row.probability, style="probability")
    if _is_blank(row.probability) or row.probability == SUPPRESSED:
        return estimate
    linkage_range = ranges.text("return_within_years", return_row_key(row.group_name, row.years), "probability",
                                lambda value: _number(value, style="probability"), single_value=False)
    return (f"{estimate} ({_number(row.ci_low, style='probability')} to {_number(row.ci_high, style='probability')}"
            + (f"; {linkage_range})" if linkage_range else ")"))


def _baseline_section(baseline: pd.DataFrame) -> str:
    cohorts = list(dict.fromkeys(baseline["cohort"]))
    by_cohort = {cohort: baseline[baseline["cohort"] == cohort].set_index(["characteristic", "value"]) for cohort in cohorts}
    first = baseline[baseline["cohort"] == cohorts[0]]
    header = "<tr><th>characteristic</th>" + "".join(
        f'<th colspan="2">{escape(cohort)}</th>' for cohort in cohorts) + "</tr>"
    body = []
    for characteristic, rows in first.groupby("characteristic", sort=False):
        source = rows["source"].iloc[0]
        several = "" if rows["one_value_per_mother"].all() else "; a mother can have several"
        body.append(f'<tr class="characteristic"><th colspan="{1 + 2 * len(cohorts)}">{escape(characteristic)} '
                    f'<span class="note">({escape(source)}{several})</span></th></tr>')
        for value in rows["value"]:
            cells = []
            for cohort in cohorts:
                row = by_cohort[cohort].loc[(characteristic, value)]
                cells.append(f'<td class="n">{escape(_number(row["mothers"]))}</td>'
                             f'<td class="n">{escape(_number(row["pct"], style="percent"))}</td>')
            body.append(f"<tr><td>{escape(value)}</td>{''.join(cells)}</tr>")
    return (
        '<h2 id="baseline">Who the mothers are</h2>'
        "<p>Baseline characteristics listed in the Research in Practice resource pack, for all mothers and for "
        "recurrent mothers (two or more sets). Mothers and % of the cohort. Unknown answers are counted; mothers "
        "whose files have not yet been read are 'not reviewed'.</p>"
        f"<table><thead>{header}</thead><tbody>{''.join(body)}</tbody></table>"
    )


def _cost_section(costs: pd.DataFrame, settings: OutputSettings, ranges: LinkageRanges) -> str:
    items = {int(row.item_order): row for row in costs.itertuples()}

    def shown(order: int, style: str) -> str:
        return _number(items[order].value, style=style)

    horizon = items[RETURN_ITEM].return_years
    within = "" if _is_blank(horizon) else f" within {int(horizon)} years"
    sentence = (
        f"Of {shown(MOTHERS_ITEM, 'decimal')} mothers a service takes on in a year, "
        f"{shown(RETURN_ITEM, 'probability')} would be expected to return to proceedings{within}. "
        f"A service that prevented {shown(PREVENTED_ITEM, 'decimal')}% of those returns would avoid about "
        f"{shown(SETS_AVOIDED_ITEM, 'decimal')} sets of proceedings and keep {shown(CHILDREN_ITEM, 'decimal')} "
        f"children out of care for each year's mothers: a one-off saving of {shown(ONE_OFF_ITEM, 'money')}, plus "
        f"{shown(CARE_COST_ITEM, 'money')} in care costs until those children are 18 "
        f"({shown(CARE_YEARS_ITEM, 'decimal')} years of care each, from the ages of the children in recurrent sets)."
    )
    styles = {"probability": "probability", "percent": "decimal"}

    def ranged(row) -> str:
        def shown(value):
            return _number(value, style="money" if row.unit.startswith("GBP") else styles.get(row.unit, "decimal"))
        return _with_range(shown(row.value), ranges.text("cost_estimates", row.item, "value", shown, single_value=False))

    rows = [[row.item, row.unit, row.basis, ranged(row)] for row in costs.itertuples()]
    parts = "".join(
        f"<li>{escape(part.name)}: £{settings.in_price_year(part):,.0f}{escape(settings.price_note(part))}. "
        f"<span class=\"note\">{escape(part.source)}</span></li>"
        for part in settings.one_off_cost_parts
    )
    return (
        '<h2 id="costs">What preventing returns could save</h2>'
        f"<p>{escape(sentence)}</p>"
        + _table(["item", "unit", "basis or source", "value"], rows, text_columns=3)
        + f"<p>The one-off cost of a set of proceedings (£{settings.one_off_cost_per_set:,.0f}) is the sum of:</p>"
        f"<ul>{parts}</ul>"
        '<p class="note">Method: University of Essex evaluations of recurrent care services: sets avoided = N x '
        "P(return) x share prevented, with P the Kaplan–Meier chance of a return for all mothers; the one-off "
        "cost of proceedings avoided, plus the care cost per child per year from the 2017 Department for "
        "Education evaluation of Pause, cumulative until the child is 18. These are estimates from assumptions "
        "set in config/outputs.yaml; they leave out the cost of running the service.</p>"
    )


def _service_section(outcomes: pd.DataFrame, service: ServiceEvaluationSettings) -> str:
    """Is the service working? Observed against expected returns, savings, and what they do not prove."""
    heading = '<h2 id="service">Is the service working?</h2>'
    if outcomes.empty:
        return heading + (
            "<p>No service participant list was in the landing folder (service_participants/), so there is no "
            "evaluation yet. Once a service keeps a list of the parents it works with, this section compares how "
            "often those mothers came back to proceedings with how often mothers like them did.</p>")
    level = f"{service.confidence_level:.0%}"
    shown = outcomes[outcomes["service"] != "all"]
    chart = observed_expected(
        list(shown["service"]),
        [_as_whole_number(v) for v in shown["observed_returns"]],
        [_as_number(v) for v in shown["expected_returns"]],
        [_times(r.ratio_ci_low, r.expected_returns) for r in shown.itertuples()],
        [_times(r.ratio_ci_high, r.expected_returns) for r in shown.itertuples()],
        f"Returns to proceedings after starting with the service: observed and expected, with the {level} interval",
    )
    rows = [
        [row.service, _number(row.participants), _number(row.linked_to_earlier_sets),
         _number(row.follow_up_years, style="decimal"), _number(row.observed_returns),
         _number(row.expected_returns, style="decimal"),
         _with_interval(row.ratio, row.ratio_ci_low, row.ratio_ci_high),
         _with_interval(row.sets_avoided, row.sets_avoided_ci_low, row.sets_avoided_ci_high),
         _number(row.one_off_saving, style="money"), _number(row.annual_saving, style="money")]
        for row in outcomes.itertuples()
    ]
    table = _table(["service", "mothers worked with", "linked to earlier sets", "years followed", "returns seen",
                    "returns expected", f"seen / expected ({level} interval)", "sets avoided (interval)",
                    "one-off saving", "care cost avoided a year"], rows)
    everyone = outcomes[outcomes["service"] == "all"].iloc[0]
    ratio = _as_number(everyone["ratio"])
    if ratio is None:
        sentence = ("There are too few returns, or too few mothers followed up, to compare yet "
                    "(hidden figures are shown as c).")
    else:
        sentence = (
            f"The {_number(everyone['linked_to_earlier_sets'])} mothers linked to earlier sets came back to "
            f"proceedings {_number(everyone['observed_returns'])} times after starting with the service; mothers "
            f"like them would have been expected to come back {_number(everyone['expected_returns'], style='decimal')} "
            f"times. That is {ratio:.2f} times the expected number ({level} interval "
            f"{_number(everyone['ratio_ci_low'], style='decimal')} to {_number(everyone['ratio_ci_high'], style='decimal')}). "
            + ("The interval is wholly below 1: fewer returns than expected, by more than chance would explain. "
               if (_as_number(everyone["ratio_ci_high"]) or 1) < 1 else
               "The interval includes 1, so the data cannot yet tell the service's effect from chance. ")
        )
    parts = "".join(
        f"<li>{escape(part.name)}: £{part.value:,.0f}. <span class=\"note\">{escape(part.source)}</span></li>"
        for part in service.one_off_cost_parts
    )
    cost = service.service_cost_per_participant
    cost_line = (f"<li>Cost of the service per participant: £{cost.value:,.0f}. <span class=\"note\">"
                 f"{escape(cost.source)}</span></li>" if cost.value is not None else
                 f"<li>Cost of the service per participant: not set, so no net saving or saving per £1. "
                 f"<span class=\"note\">{escape(cost.source)}</span></li>")
    children = _number(everyone["children_per_set"], style="decimal")
    years_left = _number(everyone["years_in_care_until_18"], style="decimal")
    savings = (
        "<h3>What it saved (University of Essex method)</h3>"
        f"<p>Sets avoided = returns expected − returns seen. One-off saving = sets avoided × the one-off cost of a set "
        f"(£{service.one_off_cost_per_set:,.0f}). Care cost avoided a year = sets avoided × children per recurrent "
        f"set ({children}, the local mean) × the care cost per child per year "
        f"(£{service.care_cost_per_child_per_year.value:,.0f}); it recurs every year until each child would be "
        f"{service.care_until_age} (on average {years_left} more years for the children of recurrent sets here), "
        f"which is {_number(everyone['saving_until_18'], style='money')} in all for the 'all' row. "
        "Where a service cost is set, net saving = one-off saving + one year's care cost avoided − what the "
        "service cost, and saving per £1 = (one-off saving + one year's care cost avoided) ÷ what it cost.</p>"
        + _table(["service", "net saving", "saving per £1"],
                 [[row.service, _number(row.net_saving, style="money"), _number(row.saving_per_pound, style="decimal")]
                  for row in outcomes.itertuples()])
        + "<p>Every parameter, and where it comes from:</p><ul>"
        f"<li>One-off cost of a set of proceedings, £{service.one_off_cost_per_set:,.0f}, the sum of:<ul>{parts}</ul></li>"
        f"<li>Care cost per child per year: £{service.care_cost_per_child_per_year.value:,.0f}. "
        f"<span class=\"note\">{escape(service.care_cost_per_child_per_year.source)}</span></li>"
        f"<li>Children per recurrent set: {children}. <span class=\"note\">Local: the mean over every recurrent "
        "set in the data.</span></li>"
        f"<li>Years in care until {service.care_until_age}: {years_left}. <span class=\"note\">Local: the mean, over "
        f"children of recurrent sets whose date of birth is known, of {service.care_until_age} minus their age when "
        "the set was issued.</span></li>"
        + cost_line + "</ul>"
    )
    method = (
        f'<p class="note">How the expected number is found: each mother is followed from her first start date '
        "with the service to the extract end date. Her time is split by her age at her first set, whether she is "
        "care experienced, how many sets she had had, and years since her latest set; in each such group the local "
        "rate of a further set is taken from "
        + {"both": "mothers never in a service, and participants before their own start date",
           "non_participants": "mothers never in a service",
           "before_service": "every mother before the first participant started"}[service.reference_period]
        + " (config/outputs.yaml, service_evaluation → reference_period), and applied to her time. The interval "
        "allows for chance in the returns seen (exact Poisson) and in the local rates the expected number rests "
        "on (they come from this area's mothers, not a whole country). Mothers the service worked with who are "
        "not linked to an earlier set are counted but not followed; fathers are not evaluated.</p>"
    )
    caveats = "".join(f"<li><b>{escape(term)}.</b> {escape(text)}</li>" for term, text in SERVICE_CAVEATS)
    return (
        heading + f"<p>{escape(sentence)}</p>" + chart + table + method + savings
        + f"<h3>What these figures do not prove</h3><ul>{caveats}</ul>"
    )


SERVICE_CAVEATS = [
    ("Who is referred is not random", "Mothers are referred to the service, and agree to take part, for reasons "
     "the data do not record: motivation, a new partner, support from family, a worker's judgement. If those who "
     "take part were already less likely to return, fewer returns than expected would appear without the service "
     "doing anything. Only a comparison group chosen in advance, or a trial, removes this."),
    ("Regression to the mean", "Mothers are often referred at a crisis, just after a set of proceedings. Times "
     "of crisis tend to be followed by calmer ones whatever is done, so some fall in returns is expected anyway. "
     "The expected number is measured from the same point (time since her latest set), which allows for part of "
     "this, not all."),
    ("Short follow-up", "A return can come years after a set. With a short follow-up the numbers are small, the "
     "interval is wide, and a service may only be delaying returns rather than preventing them. Look again as "
     "follow-up grows."),
    ("Linkage error", "Participants are joined to their proceedings by name and date of birth unless the list "
     "gives a person_key. A missed link leaves a mother out (counted, not followed) or misses a return she had; "
     "a wrong link gives her someone else's sets. Either can move the ratio; check the linkage quality table."),
    ("Savings are estimates", "They multiply sets avoided, which has the interval shown, by national average "
     "costs; a ratio whose interval includes 1 means the saving could be nothing. They leave out the service's "
     "own cost unless one is set."),
]


def _times(ratio, expected) -> float | None:
    r, e = _as_number(ratio), _as_number(expected)
    return None if r is None or e is None else r * e


def _with_interval(value, low, high) -> str:
    shown = _number(value, style="decimal")
    if _as_number(value) is None:
        return shown
    return f"{shown} ({_number(low, style='decimal')} to {_number(high, style='decimal')})"


def _linkage_section(ranges: LinkageRanges, settings: OutputSettings) -> str:
    """What the linkage ranges mean, in plain words, and how clerical review narrows them."""
    pending = ranges.pairs_in_review
    if pending == 0:
        review = ("No pair of records is waiting for clerical review, so no figure depends on an undecided link: "
                  "each range is a single value.")
    else:
        review = (f"{pending:,} pairs of records are still waiting for clerical review. " if pending is not None else "")
        review += ("Each pair a data officer decides in the review workbook is fixed, as decided, in every version, "
                   "so the ranges narrow as pairs are reviewed and close when none is left.")
    return (
        '<h2 id="linkage">How far the figures rest on uncertain links</h2>'
        "<p>No source says whether two records are the same mother, so records are joined by matching names, "
        "dates of birth and references. Most pairs are clear, but for some the model cannot be sure. The figures "
        "in this report count only the links it is sure of. The <b>linkage range</b> beside a figure shows how "
        "far it moves if the uncertain pairs are decided differently: at one end none of them is the same woman, "
        "at the other every one is. In the tables a figure without one does not depend on any undecided pair. "
        "It is not the sampling interval, which allows for chance in who came to "
        f"court; a cautious reading takes the lower end of the {settings.confidence_level:.0%} interval at the "
        f"lower end of the range and the upper end at the upper. {escape(review)}</p>"
        '<p class="note">The workbook\'s linkage sensitivity sheet gives every range, and the sampling interval '
        "widened over the range. Ranges are hidden wherever the figure, or a count it rests on, is hidden.</p>"
    )


def _authority_name(code: str) -> str:
    return {ALL_AUTHORITIES: "all authorities", "unknown": "authority not recorded"}.get(code, code)


def _authorities_section(by_authority: dict[str, pd.DataFrame], headline_return) -> str:
    """Each authority's headline figures, and its recurrent sets by financial year."""
    prevalence = by_authority["prevalence_by_year"]
    returns = by_authority["return_within_years"]
    costs = by_authority["cost_estimates"]
    codes = [ALL_AUTHORITIES, *authorities(prevalence)]
    horizon = None if headline_return is None else headline_return["years"]
    header = ["authority", "sets", "recurrent sets", "recurrent %", "mothers", "recurrent mothers"]
    if horizon is not None:
        header.append(f"return within {horizon} years")
    header += ["one-off saving, each year's mothers", "care cost avoided to 18, each year's mothers"]
    rows = []
    for code in codes:
        total = prevalence[(prevalence["la_code"] == code) & (prevalence["financial_year"] == "all")].iloc[0]
        row = [_authority_name(code), _number(total["sets"]), _number(total["recurrent_sets"]),
               _number(total["recurrent_pct"], style="percent"), _number(total["mothers"]),
               _number(total["recurrent_mothers"])]
        if horizon is not None:
            everyone = returns[(returns["la_code"] == code) & (returns["grouping"] == "all")]
            estimate = everyone[everyone["years"] == horizon]
            row.append(_number(estimate["probability"].iloc[0], style="probability") if len(estimate) else "–")
        savings = costs[costs["la_code"] == code].set_index("item_order")["value"]
        row += [_number(savings.get(ONE_OFF_ITEM), style="money"), _number(savings.get(CARE_COST_ITEM), style="money")]
        rows.append(row)

    years = [year for year in dict.fromkeys(prevalence["financial_year"]) if year != "all"]
    cells = prevalence.set_index(["la_code", "financial_year"])
    by_year = [
        [year, *(f"{_number(cells.at[(code, year), 'recurrent_sets'])} of {_number(cells.at[(code, year), 'sets'])}"
                 for code in codes)]
        for year in years
    ]
    return (
        '<h2 id="authorities">Each authority</h2>'
        "<p>The headline figures for each authority in the data. A set counts in the authority that brought it, "
        "and is recurrent if the mother had an earlier set in any authority, so women who move are followed "
        "across authorities. A mother's return estimate counts in the authority of her first set; each "
        "authority's cost scenario uses its own recurrent mothers and sets. The workbook has every table by "
        "authority.</p>"
        + _table(header, rows)
        + "<h3>Recurrent sets of all sets, by financial year</h3>"
        + _table(["financial year", *(_authority_name(code) for code in codes)], by_year)
    )


def definitions_and_caveats(settings: OutputSettings) -> list[tuple[str, str]]:
    """Shown in the report and on the workbook's notes sheet."""
    return [
        ("Set of proceedings", "One section 31 care or supervision application. The same set appears in the "
         "legal list, the court list and Cafcass data and is counted once."),
        ("Recurrent set", "A set whose mother was already a respondent in an earlier set (earlier issue date) in the data."),
        ("Recurrent mother", "A mother with two or more sets in the data."),
        ("Financial year", "April to March, written 2019/20."),
        ("Return within N years", "Kaplan–Meier estimate of the probability that a mother appears in a further set "
         "within N years of her first set in the data, censored at the extract end date."),
        ("Left truncation", "A mother's first set in the data may not be her first: sets before the data begin are "
         "not seen. Returns are then under-counted, most in the earliest years, and the return estimates describe "
         "returns after the first set seen, not after a mother's first ever set."),
        ("Linkage is probabilistic", "Records from different sources are joined to the same mother by matching "
         "names, dates of birth and case references, not by a shared identifier. Some links will be missed (which "
         "under-counts recurrence) and a few will be wrong; uncertain links are reviewed by a data officer."),
        ("Linkage range", "How far a figure moves if the pairs of records the model is unsure of (and nobody "
         "has yet decided in clerical review) are all different women, or all the same woman. Clerical decisions "
         "narrow it; with every pair decided it is a single value."),
        ("Suppression", f"To protect the women and children involved, counts from 1 to {settings.smallest_count_shown - 1} "
         "are shown as c. Where a hidden count could be worked out from a total, the next smallest count is hidden "
         "too, and percentages, probabilities and cost figures computed from hidden counts are hidden. The tables "
         "then pass an audit that solves for every hidden count from all the relations between the tables "
         "(totals, cumulative columns, percentages) and hides more until none can be narrowed to 1 to "
         f"{settings.smallest_count_shown - 1}."),
        ("Case-file review", "Characteristics from the case-file trawl cover only the mothers whose files have been "
         "read; the others are shown as 'not reviewed'."),
        ("Care experienced", "Linked to a care-leaver record (which covers only people who left this authority's "
         "care). "
         + ("Case-file forms saying 'in care as a child' count too: the forms were drawn without regard to "
            "whether the mother returned." if settings.care_experience_from_forms else
            "Case-file forms are not used for this group: they are written mostly for mothers who returned, "
            "which would make care-experienced mothers look likelier to return than they are.")),
        ("Financial years", f"Years with fewer than {settings.look_back_years} years of earlier data are marked "
         "run-in (recurrence is under-counted there) and a year the extract ends in is marked partial; the "
         "headline recurrent % leaves both out."),
        ("Service outcomes", "For the mothers a service works with (linked to an earlier set), returns to "
         "proceedings seen after their start date against those expected at the local rate for mothers like them "
         "(same age band, care experience, earlier sets and years since the latest set), with an interval for "
         "chance in both counts (exact Poisson for the returns seen); sets avoided and savings by the University "
         "of Essex method (see the report)."),
        *((f"Service outcomes: {term.lower()}", text) for term, text in SERVICE_CAVEATS),
    ]


def _definitions_section(settings: OutputSettings) -> str:
    rows = "".join(
        f"<tr><th>{escape(term)}</th><td>{escape(text)}</td></tr>" for term, text in definitions_and_caveats(settings)
    )
    return f'<h2 id="definitions">Definitions and caveats</h2><table>{rows}</table>'
