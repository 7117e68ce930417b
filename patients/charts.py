"""A small server-rendered SVG chart of weekly minutes against the target (no JavaScript).

Kept as one function, ``weekly_minutes_svg``, so it can be swapped for the shared chart module
of the physiotherapist's pages (``coaching/charts.py``) when the two are merged. The chart is
decorative for assistive technology (``aria-hidden``): every page that shows it also shows the
same numbers as a table, which is the text alternative.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from patients.weeks import WeekRow

WIDTH, HEIGHT = 360, 200
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 12, 28


def _nice_ceiling(value: int) -> int:
    for step in (30, 60, 100, 150, 200, 300, 400, 600, 900, 1200, 1800, 2400, 3600, 4200):
        if value <= step:
            return step
    return value


def weekly_minutes_svg(rows: list[WeekRow]) -> SafeString:
    """Bars of minutes walked per week, with the week's target as a dark line across each bar.
    Bars that reached the target are drawn in the darker colour, so colour is never the only
    sign: the line shows it too."""
    if not rows:
        return mark_safe("")  # noqa: S308 - a constant empty string
    peak = max(max(r.minutes, r.target.minutes if r.target else 0) for r in rows)
    top = _nice_ceiling(max(peak, 1))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(rows)
    bar_w = max(slot * 0.7, 1)

    def y(minutes: int) -> float:
        return TOP + plot_h - plot_h * min(minutes, top) / top

    bars, targets, labels = [], [], []
    label_every = max(1, round(len(rows) / 6))
    for index, row in enumerate(rows):
        x = LEFT + index * slot + (slot - bar_w) / 2
        css = "chart-bar chart-bar-met" if row.met else "chart-bar"
        if row.minutes:
            bars.append((css, f"{x:.1f}", f"{y(row.minutes):.1f}", f"{bar_w:.1f}",
                         f"{TOP + plot_h - y(row.minutes):.1f}"))  # fmt: skip
        if row.target:
            ty = f"{y(row.target.minutes):.1f}"
            targets.append((f"{x - 1:.1f}", ty, f"{x + bar_w + 1:.1f}", ty))
        if index % label_every == 0 or index == len(rows) - 1:
            labels.append((f"{x + bar_w / 2:.1f}", HEIGHT - 8, f"{row.week.day}/{row.week.month}"))
    return format_html(
        '<svg class="week-chart" viewBox="0 0 {w} {h}" aria-hidden="true" focusable="false" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<line class="chart-axis" x1="{left}" y1="{base}" x2="{right}" y2="{base}" />'
        '<text class="chart-label" x="{lx}" y="{topy}" text-anchor="end">{top}</text>'
        '<text class="chart-label" x="{lx}" y="{base}" text-anchor="end">0</text>'
        "{bars}{targets}{labels}</svg>",
        w=WIDTH,
        h=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        base=TOP + plot_h,
        lx=LEFT - 4,
        topy=TOP + 10,
        top=top,
        bars=format_html_join(
            "",
            '<rect class="{}" x="{}" y="{}" width="{}" height="{}" rx="2" />',
            bars,
        ),
        targets=format_html_join(
            "",
            '<line class="chart-target" x1="{}" y1="{}" x2="{}" y2="{}" />',
            targets,
        ),
        labels=format_html_join(
            "",
            '<text class="chart-label" x="{}" y="{}" text-anchor="middle">{}</text>',
            labels,
        ),
    )
