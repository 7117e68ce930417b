"""Server-rendered SVG charts, readable without JavaScript.

``progress_chart_svg`` draws weekly walking minutes as bars, the target as a stepped line and
average pain (0-10, right-hand axis) as a line with dots. The same style serves the
physiotherapist's patient page and the patient portal's history (issue 4): pass it rows with
``label``, ``minutes``, ``target_minutes`` (or None) and ``average_pain`` (or None), e.g.
``coaching.progression.week_rows``. Pair it with ``templates/coaching/partials/
progress_chart.html``, which adds the text alternative (a table of the same figures).

Everything is drawn with SVG attributes and classes, never inline styles (the CSP forbids
them), and every piece of text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 44, 16, 58
BAR = "#0b5cad"
TARGET = "#b35900"
PAIN = "#a3195b"
GRID = "#d6dce4"
TEXT = "#333"


class ChartRow(Protocol):
    label: str
    minutes: int
    target_minutes: int | None
    average_pain: float | None


def _nice_max(value: float) -> int:
    """A round axis top at or above ``value`` (60, 90, 120, 150, 200, 300...)."""
    for top in (60, 90, 120, 150, 180, 200, 240, 300, 400, 500, 600, 800, 1000):
        if value <= top:
            return top
    return int(math.ceil(value / 500.0) * 500)


def _fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def describe(rows: Sequence[ChartRow]) -> str:
    """One-sentence summary for screen readers and the SVG's <desc>."""
    if not rows:
        return "No weeks to show yet."
    last = rows[-1]
    walked = [row.minutes for row in rows]
    met = sum(
        1 for row in rows if row.target_minutes and row.minutes * 100 >= 80 * row.target_minutes
    )
    with_target = sum(1 for row in rows if row.target_minutes)
    parts = [
        f"{len(rows)} weeks shown, from {rows[0].label} to {last.label}.",
        f"Most recent week: {last.minutes} minutes"
        + (f" against a target of {last.target_minutes}." if last.target_minutes else "."),
        f"Highest week: {max(walked)} minutes.",
    ]
    if with_target:
        parts.append(f"{met} of {with_target} weeks with a target reached at least 80% of it.")
    return " ".join(parts)


def progress_chart_svg(
    rows: Sequence[ChartRow], *, title: str = "Weekly walking", chart_id: str = "progress-chart"
) -> SafeString:
    chart_id = escape(chart_id)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    top = _nice_max(
        max([60] + [row.minutes for row in rows] + [row.target_minutes or 0 for row in rows])
    )
    count = max(len(rows), 1)
    slot = plot_w / count
    bar_w = max(2.0, min(28.0, slot * 0.6))

    def y_min(value: float) -> float:
        return TOP + plot_h - (value / top) * plot_h

    def y_pain(value: float) -> float:
        return TOP + plot_h - (value / 10) * plot_h

    def x_mid(index: int) -> float:
        return LEFT + slot * index + slot / 2

    out: list[str] = [
        f'<svg class="progress-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" '
        f'font-size="12" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(describe(rows))}</desc>',
    ]
    # Grid and left axis (minutes).
    for step in range(5):
        value = top * step / 4
        y = y_min(value)
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">'
            f"{int(value)}</text>"
        )
        pain_value = 10 * step / 4
        out.append(
            f'<text x="{WIDTH - RIGHT + 6}" y="{y + 4:.1f}" fill="{PAIN}">{_fmt(pain_value)}</text>'
        )
    out.append(
        f'<text x="12" y="{TOP + plot_h / 2:.1f}" fill="{TEXT}" text-anchor="middle" '
        f'transform="rotate(-90 12 {TOP + plot_h / 2:.1f})">Minutes</text>'
    )
    out.append(
        f'<text x="{WIDTH - 8}" y="{TOP + plot_h / 2:.1f}" fill="{PAIN}" text-anchor="middle" '
        f'transform="rotate(90 {WIDTH - 8} {TOP + plot_h / 2:.1f})">Pain 0-10</text>'
    )
    # Bars: minutes walked.
    label_every = max(1, math.ceil(count / 14))
    for index, row in enumerate(rows):
        x = x_mid(index)
        y = y_min(row.minutes)
        height = TOP + plot_h - y
        out.append(
            f'<rect x="{x - bar_w / 2:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
            f'height="{height:.1f}" fill="{BAR}" rx="2">'
            f"<title>{escape(row.label)}: {row.minutes} min</title></rect>"
        )
        if index % label_every == 0 or index == count - 1:
            out.append(
                f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" '
                f'fill="{TEXT}">{escape(row.label.replace("Week ", "W"))}</text>'
            )
    # Target: a stepped line across each week's slot.
    segments = []
    for index, row in enumerate(rows):
        if row.target_minutes:
            y = y_min(row.target_minutes)
            x0 = LEFT + slot * index
            segments.append(f"M{x0:.1f} {y:.1f}H{x0 + slot:.1f}")
    if segments:
        out.append(
            f'<path d="{" ".join(segments)}" fill="none" stroke="{TARGET}" stroke-width="3" '
            f'stroke-dasharray="8 4"/>'
        )
    # Pain: a line joining weeks with pain recorded, with a dot per week.
    points = [
        (x_mid(index), y_pain(row.average_pain), row)
        for index, row in enumerate(rows)
        if row.average_pain is not None
    ]
    if len(points) > 1:
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x:.1f} {y:.1f}" for i, (x, y, _) in enumerate(points)
        )
        out.append(f'<path d="{path}" fill="none" stroke="{PAIN}" stroke-width="2"/>')
    for x, y, row in points:
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#fff" stroke="{PAIN}" '
            f'stroke-width="2"><title>{escape(row.label)}: pain {_fmt(row.average_pain)}'
            f"</title></circle>"
        )
    # Legend.
    ly = HEIGHT - 14
    out.append(f'<rect x="{LEFT}" y="{ly - 10}" width="14" height="12" fill="{BAR}" rx="2"/>')
    out.append(f'<text x="{LEFT + 20}" y="{ly}" fill="{TEXT}">Minutes walked</text>')
    out.append(
        f'<line x1="{LEFT + 140}" x2="{LEFT + 168}" y1="{ly - 4}" y2="{ly - 4}" '
        f'stroke="{TARGET}" stroke-width="3" stroke-dasharray="8 4"/>'
    )
    out.append(f'<text x="{LEFT + 174}" y="{ly}" fill="{TEXT}">Target</text>')
    out.append(
        f'<circle cx="{LEFT + 240}" cy="{ly - 4}" r="4" fill="#fff" stroke="{PAIN}" '
        f'stroke-width="2"/>'
    )
    out.append(f'<text x="{LEFT + 250}" y="{ly}" fill="{TEXT}">Average pain (right axis)</text>')
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text piece above is escaped
