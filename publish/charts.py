"""Inline SVG charts for the report: no scripts, no fonts or libraries from the internet.

A hidden (`c`) value is never drawn: its bar is left out and labelled `c`, and a curve has a gap.
"""

from html import escape

WIDTH, HEIGHT = 720, 340
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 20, 68
LIGHT, DARK, BAND = "#9ecae1", "#08519c", "#c6dbef"


def _y_ticks(top: float, count: int = 5) -> list[float]:
    return [top * i / count for i in range(count + 1)]


def _frame(title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _nice_top(largest: float) -> float:
    """A round number just above the largest value, for the top of the axis."""
    if largest <= 0:
        return 1
    step = 10 ** (len(str(int(largest))) - 1)
    return (int(largest / step) + 1) * step


def sets_by_year(years: list[str], sets: list[int | None], recurrent: list[int | None], title: str) -> str:
    """Bars of sets per year, the recurrent part darker. None = hidden (`c`)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_top(max([value for value in sets if value is not None] or [0]))
    scale = plot_h / top
    slot = plot_w / max(len(years), 1)
    crowded = len(years) > 8
    body = []
    for tick in _y_ticks(top):
        y = TOP + plot_h - tick * scale
        body.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        body.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:,.0f}</text>')
    for i, (year, total, part) in enumerate(zip(years, sets, recurrent)):
        x = LEFT + i * slot + slot * 0.15
        bar_w = slot * 0.7
        centre = x + bar_w / 2
        if crowded:  # slanted, so that many years stay readable
            body.append(f'<text x="{centre:.1f}" y="{HEIGHT - BOTTOM + 12}" text-anchor="end" '
                        f'transform="rotate(-40 {centre:.1f} {HEIGHT - BOTTOM + 12})">{escape(year)}</text>')
        else:
            body.append(f'<text x="{centre:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(year)}</text>')
        if total is None:
            body.append(f'<text x="{centre:.1f}" y="{TOP + plot_h - 4}" text-anchor="middle">c</text>')
            continue
        height = total * scale
        body.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{bar_w:.1f}" height="{height:.1f}" fill="{LIGHT}">'
            f"<title>{escape(year)}: {total:,} sets</title></rect>"
        )
        label = "c" if part is None else f"{part:,}"
        if part is not None:
            part_h = part * scale
            body.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - part_h:.1f}" width="{bar_w:.1f}" height="{part_h:.1f}" fill="{DARK}">'
                f"<title>{escape(year)}: {part:,} recurrent sets</title></rect>"
            )
        body.append(f'<text x="{centre:.1f}" y="{TOP + plot_h - height - 4:.1f}" text-anchor="middle">{label}</text>')
    legend_y = HEIGHT - 14
    body.append(f'<rect x="{LEFT}" y="{legend_y - 9}" width="10" height="10" fill="{LIGHT}"/>')
    body.append(f'<text x="{LEFT + 14}" y="{legend_y}">all sets</text>')
    body.append(f'<rect x="{LEFT + 80}" y="{legend_y - 9}" width="10" height="10" fill="{DARK}"/>')
    body.append(f'<text x="{LEFT + 94}" y="{legend_y}">recurrent sets (number above the bar)</text>')
    return _frame(title, body)


def return_curve(points: list[tuple[int, float | None, float | None, float | None]], title: str) -> str:
    """Probability of a return by years since the first set, with its interval as a band.

    `points`: (years, probability, ci_low, ci_high); None = hidden or not estimable (a gap).
    """
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    last_year = max([years for years, *_ in points] or [1])
    highs = [high for _, _, _, high in points if high is not None]
    top = min(1.0, (int(max(highs or [0.1]) * 10) + 1) / 10)

    def x_of(years: float) -> float:
        return LEFT + years / last_year * plot_w

    def y_of(probability: float) -> float:
        return TOP + plot_h - probability / top * plot_h

    body = []
    for tick in _y_ticks(top):
        y = y_of(tick)
        body.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        body.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:.0%}</text>')
    for years in range(0, last_year + 1):
        body.append(f'<text x="{x_of(years):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{years}</text>')
    body.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 12}" text-anchor="middle">years since her first set in the data</text>'
    )
    # Every mother starts at 0 with no return; then one run of shown points after another.
    runs, run = [], [(0, 0.0, 0.0, 0.0)]
    for point in points:
        if None in point[1:]:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(point)
    if run:
        runs.append(run)
    for run in runs:
        upper = " ".join(f"{x_of(y):.1f},{y_of(high):.1f}" for y, _, _, high in run)
        lower = " ".join(f"{x_of(y):.1f},{y_of(low):.1f}" for y, _, low, _ in reversed(run))
        body.append(f'<polygon points="{upper} {lower}" fill="{BAND}" stroke="none"/>')
        line = " ".join(f"{x_of(y):.1f},{y_of(p):.1f}" for y, p, _, _ in run)
        body.append(f'<polyline points="{line}" fill="none" stroke="{DARK}" stroke-width="2"/>')
        for years, p, low, high in run:
            if years == 0:
                continue
            body.append(
                f'<circle cx="{x_of(years):.1f}" cy="{y_of(p):.1f}" r="3.5" fill="{DARK}">'
                f"<title>within {years} years: {p:.1%} ({low:.1%} to {high:.1%})</title></circle>"
            )
    return _frame(title, body)


def observed_expected(
    names: list[str], observed: list[int | None], expected: list[float | None],
    low: list[float | None], high: list[float | None], title: str,
) -> str:
    """For each service, returns expected at the local rate (light bar) and observed (dark bar),
    with the observed count's interval as a whisker. None = hidden (`c`), labelled and not drawn."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    values = [v for v in [*expected, *high] if v is not None]
    top = _nice_top(max(values or [0]))
    scale = plot_h / top
    slot = plot_w / max(len(names), 1)
    body = []
    for tick in _y_ticks(top):
        y = TOP + plot_h - tick * scale
        body.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        body.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:,.0f}</text>')
    for i, (name, seen, wanted, lo, hi) in enumerate(zip(names, observed, expected, low, high)):
        x = LEFT + i * slot + slot * 0.15
        bar_w = slot * 0.35
        centre = LEFT + i * slot + slot / 2
        body.append(f'<text x="{centre:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(name)}</text>')
        for offset, value, colour, label in ((0, wanted, LIGHT, "expected"), (bar_w, seen, DARK, "observed")):
            left = x + offset
            if value is None:
                body.append(f'<text x="{left + bar_w / 2:.1f}" y="{TOP + plot_h - 4}" text-anchor="middle">c</text>')
                continue
            height = value * scale
            body.append(
                f'<rect x="{left:.1f}" y="{TOP + plot_h - height:.1f}" width="{bar_w:.1f}" height="{height:.1f}" '
                f'fill="{colour}"><title>{escape(name)}: {value:,.1f} {label} returns</title></rect>'
            )
            body.append(f'<text x="{left + bar_w / 2:.1f}" y="{TOP + plot_h - height - 4:.1f}" '
                        f'text-anchor="middle">{value:,.0f}</text>')
        if seen is not None and lo is not None and hi is not None:
            whisker = x + bar_w * 1.5
            y_low, y_high = TOP + plot_h - lo * scale, TOP + plot_h - hi * scale
            body.append(f'<line x1="{whisker:.1f}" x2="{whisker:.1f}" y1="{y_low:.1f}" y2="{y_high:.1f}" '
                        'stroke="#222" stroke-width="1.5"/>')
            for y in (y_low, y_high):
                body.append(f'<line x1="{whisker - 5:.1f}" x2="{whisker + 5:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                            'stroke="#222" stroke-width="1.5"/>')
    legend_y = HEIGHT - 14
    body.append(f'<rect x="{LEFT}" y="{legend_y - 9}" width="10" height="10" fill="{LIGHT}"/>')
    body.append(f'<text x="{LEFT + 14}" y="{legend_y}">expected at the local rate</text>')
    body.append(f'<rect x="{LEFT + 190}" y="{legend_y - 9}" width="10" height="10" fill="{DARK}"/>')
    body.append(f'<text x="{LEFT + 204}" y="{legend_y}">observed, with its interval</text>')
    return _frame(title, body)
