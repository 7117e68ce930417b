"""The weekly walking chart: server-rendered SVG, readable without JavaScript.

One chart for every page that draws a patient's weeks: the physiotherapist's patient page and
session room, and the patient's own history on their phone. It draws
``coaching.progress.WeekRow`` rows, the same rows those pages list in their tables, so the
chart, the tables and every other page agree on each week's target and on whether it was on
target (docs/programme-rules.md):

- bars are the minutes walked; a bar is dark when the week was on target and light otherwise
  (colour is never the only sign: the target line shows it too);
- the target is a dashed stepped line across each week's slot, at the target as shown (rounded
  up, so a bar that reaches the line is on target);
- the desktop variant adds average pain (0-10, right-hand axis) as a line with dots; the phone
  variant (``phone=True``) leaves pain to the table below it, and is drawn larger for its size,
  with dates rather than programme weeks under the bars.

Pair it with a table of the same rows (``templates/coaching/partials/progress_chart.html`` on
the staff pages, the week table on the portal's history), which is the text alternative.
Everything is drawn with SVG attributes and classes (``static/walkback/site.css``), never inline
styles (the CSP forbids them), and every piece of text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from coaching.progress import WeekRow

PAIN = "#a3195b"
TEXT = "#333"


@dataclass(frozen=True)
class Frame:
    """The size and furniture of one variant of the chart."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    font_size: int
    most_labels: int
    pain: bool
    css: str


DESKTOP = Frame(760, 280, 48, 44, 16, 58, 12, 14, True, "progress-chart")
PHONE = Frame(360, 230, 40, 10, 14, 50, 14, 6, False, "progress-chart progress-chart-phone")


# Room around the left axis, in font sizes: a digit is at most this wide in a system sans-serif;
# the rotated label's letters reach this far below their baseline (towards the numbers).
DIGIT_WIDTH = 0.62
DESCENT = 0.3
TICK_GAP = 6  # between a number and the plot, in chart units


def _left_axis(frame: Frame, top: int) -> tuple[int, int]:
    """Where the rotated "Minutes" label's baseline goes, and the plot's left edge: far enough
    right that the widest number on the axis clears the label with a gap. On the phone the
    numbers are larger for the chart's width and used to run into the label (issue 11)."""
    label_x = frame.font_size + 2  # its letters rise about one font size to its left
    widest = len(str(top)) * DIGIT_WIDTH * frame.font_size
    needed = label_x + DESCENT * frame.font_size + 4 + widest + TICK_GAP
    return label_x, max(frame.left, math.ceil(needed))


def _nice_max(value: float) -> int:
    """A round axis top at or above ``value`` whose quarters (the grid lines) are whole, round
    numbers too (60, 80, 100, 120, 160, 200...)."""
    for top in (60, 80, 100, 120, 160, 200, 240, 300, 400, 500, 600, 800, 1000):
        if value <= top:
            return top
    return int(math.ceil(value / 500.0) * 500)


def _fmt(number: float) -> str:
    text = f"{number:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))


def _short_label(row: WeekRow, phone: bool) -> str:
    if phone or row.programme_week is None:
        # Translators: a day and month under a bar of the chart, as in "3/9" (3 September).
        return formats.date_format(row.monday, gettext("j/n"))
    # Translators: programme week 5 under a bar of the chart: keep it very short.
    return gettext("W%(number)s") % {"number": row.programme_week}


def _bar_title(row: WeekRow) -> str:
    values = {"week": row.label, "minutes": row.minutes, "target": row.target_minutes}
    if row.target is None:
        return gettext("%(week)s: %(minutes)s min, no target") % values
    if row.on_target:
        return gettext("%(week)s: %(minutes)s of %(target)s min, on target") % values
    return gettext("%(week)s: %(minutes)s of %(target)s min, not on target") % values


def describe(rows: Sequence[WeekRow]) -> str:
    """One-sentence summary for screen readers and the SVG's <desc>."""
    if not rows:
        return gettext("No weeks to show yet.")
    last = rows[-1]
    judged = [row for row in rows if row.target is not None]
    highest = max(row.minutes for row in rows)
    parts = [
        ngettext(
            "%(count)s week shown, from %(first)s to %(last)s.",
            "%(count)s weeks shown, from %(first)s to %(last)s.",
            len(rows),
        )
        % {"count": len(rows), "first": rows[0].label, "last": last.label},
        (
            ngettext(
                "Most recent week: %(minutes)s minute against a target of %(target)s.",
                "Most recent week: %(minutes)s minutes against a target of %(target)s.",
                last.minutes,
            )
            if last.target
            else ngettext(
                "Most recent week: %(minutes)s minute.",
                "Most recent week: %(minutes)s minutes.",
                last.minutes,
            )
        )
        % {"minutes": last.minutes, "target": last.target_minutes},
        ngettext("Highest week: %(minutes)s minute.", "Highest week: %(minutes)s minutes.", highest)
        % {"minutes": highest},
    ]
    if judged:
        reached = sum(1 for row in judged if row.on_target)
        parts.append(
            ngettext(
                "%(reached)s of %(count)s week with a target was on target.",
                "%(reached)s of %(count)s weeks with a target were on target.",
                len(judged),
            )
            % {"reached": reached, "count": len(judged)}
        )
    return " ".join(parts)


def progress_chart_svg(
    rows: Sequence[WeekRow],
    *,
    title: str | None = None,
    chart_id: str = "progress-chart",
    phone: bool = False,
) -> SafeString:
    if title is None:
        title = gettext("Weekly walking")
    # The axes' labels: the minutes walked (left), average pain from 0 to 10 (right).
    minutes_label, pain_label = gettext("Minutes"), gettext("Pain 0-10")
    frame = PHONE if phone else DESKTOP
    chart_id = escape(chart_id)
    top = _nice_max(
        max([60] + [row.minutes for row in rows] + [row.target_minutes or 0 for row in rows])
    )
    label_x, left = _left_axis(frame, top)
    width, height, top_margin = frame.width, frame.height, frame.top
    plot_w = width - left - frame.right
    plot_h = height - top_margin - frame.bottom
    base = top_margin + plot_h
    count = max(len(rows), 1)
    slot = plot_w / count
    bar_w = max(2.0, min(28.0, slot * 0.6))

    def y_min(value: float) -> float:
        return base - (value / top) * plot_h

    def y_pain(value: float) -> float:
        return base - (value / 10) * plot_h

    def x_mid(index: int) -> float:
        return left + slot * index + slot / 2

    out: list[str] = [
        f'<svg class="{frame.css}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" '
        f'font-size="{frame.font_size}" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(describe(rows))}</desc>',
    ]
    # Grid and left axis (minutes); the right axis (pain) on the desktop only.
    for step in range(5):
        value = top * step / 4
        y = y_min(value)
        out.append(
            f'<line class="chart-grid" x1="{left}" x2="{width - frame.right}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        out.append(
            f'<text x="{left - TICK_GAP}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">'
            f"{int(value)}</text>"
        )
        if frame.pain:
            out.append(
                f'<text x="{width - frame.right + 6}" y="{y + 4:.1f}" fill="{PAIN}">'
                f"{_fmt(10 * step / 4)}</text>"
            )
    out.append(
        f'<text x="{label_x}" y="{top_margin + plot_h / 2:.1f}" fill="{TEXT}" '
        f'text-anchor="middle" '
        f'transform="rotate(-90 {label_x} {top_margin + plot_h / 2:.1f})">'
        f"{escape(minutes_label)}</text>"
    )
    if frame.pain:
        out.append(
            f'<text x="{width - 8}" y="{top_margin + plot_h / 2:.1f}" fill="{PAIN}" '
            f'text-anchor="middle" transform="rotate(90 {width - 8} '
            f'{top_margin + plot_h / 2:.1f})">{escape(pain_label)}</text>'
        )
    # Bars: minutes walked, dark when the week was on target.
    # Counted back from the latest week, so it is always labelled and no two labels crowd.
    label_every = max(1, math.ceil(count / frame.most_labels))
    for index, row in enumerate(rows):
        x = x_mid(index)
        y = y_min(row.minutes)
        css = "chart-bar chart-bar-met" if row.on_target else "chart-bar"
        out.append(
            f'<rect class="{css}" x="{x - bar_w / 2:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
            f'height="{base - y:.1f}" rx="2"><title>{escape(_bar_title(row))}</title></rect>'
        )
        if (count - 1 - index) % label_every == 0:
            out.append(
                f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" fill="{TEXT}">'
                f"{escape(_short_label(row, phone))}</text>"
            )
    # Target: a stepped line across each week's slot.
    segments = [
        f"M{left + slot * index:.1f} {y_min(row.target_minutes):.1f}h{slot:.1f}"
        for index, row in enumerate(rows)
        if row.target_minutes is not None  # None exactly when row.target is
    ]
    if segments:
        out.append(f'<path class="chart-target" d="{" ".join(segments)}"/>')
    if frame.pain:
        out.extend(_pain_line(rows, x_mid, y_pain))
    out.extend(_legend(frame))
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text piece above is escaped


def _pain_line(rows: Sequence[WeekRow], x_mid, y_pain) -> list[str]:
    """Average pain: a line joining the weeks with pain recorded, with a dot per week."""
    points = [
        (x_mid(index), y_pain(pain), row.label, pain)
        for index, row in enumerate(rows)
        if (pain := row.average_pain) is not None
    ]
    # Translators: the title of a dot of the chart, as in "Week 5: pain 3.5".
    dot_title = gettext("%(week)s: pain %(pain)s")
    out = []
    if len(points) > 1:
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x:.1f} {y:.1f}" for i, (x, y, _, _) in enumerate(points)
        )
        out.append(f'<path d="{path}" fill="none" stroke="{PAIN}" stroke-width="2"/>')
    for x, y, label, pain in points:
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#fff" stroke="{PAIN}" '
            f'stroke-width="2"><title>{escape(dot_title % {"week": label, "pain": _fmt(pain)})}'
            f"</title></circle>"
        )
    return out


def _legend(frame: Frame) -> list[str]:
    """What the marks mean, along the bottom edge."""
    ly = frame.height - 12
    x = frame.left
    items = [
        # Translators: the chart's legend: a bar is the minutes walked in a week.
        ("chart-bar", gettext("Walked")),
        ("chart-bar chart-bar-met", gettext("On target")),
    ]
    out = []
    for css, text in items:
        out.append(f'<rect class="{css}" x="{x}" y="{ly - 10}" width="14" height="12" rx="2"/>')
        out.append(f'<text x="{x + 19}" y="{ly}" fill="{TEXT}">{escape(text)}</text>')
        x += 24 + 8 * len(text)
    out.append(f'<path class="chart-target" d="M{x} {ly - 4}h26"/>')
    target = gettext("Target")
    out.append(f'<text x="{x + 31}" y="{ly}" fill="{TEXT}">{escape(target)}</text>')
    if frame.pain:
        x += 90
        out.append(
            f'<circle cx="{x}" cy="{ly - 4}" r="4" fill="#fff" stroke="{PAIN}" stroke-width="2"/>'
        )
        average = gettext("Average pain (right axis)")
        out.append(f'<text x="{x + 10}" y="{ly}" fill="{TEXT}">{escape(average)}</text>')
    return out
