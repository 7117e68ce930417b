"""One instrument's scores over time as a server-drawn SVG, following ``coaching.charts``:
no JavaScript, no inline styles (the CSP), every text escaped, ``role="img"`` with a title and
a description, and a table of the same points beside it as the text alternative
(``templates/proms/_outcome.html``).

The minimal important change (MIC) is drawn as a dashed line at the baseline moved by one MIC
in the better direction: a point beyond that line is an important improvement.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from coaching.proms.schedule import timepoint_label
from coaching.proms.selectors import Outcome

WIDTH, HEIGHT = 520, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 30, 14, 44


def outcome_chart_svg(outcome: Outcome) -> SafeString:
    instrument = outcome.instrument
    low, high = float(instrument.scoring.min), float(instrument.scoring.max)
    weeks = [p.week for p in outcome.points]
    last_week = max(weeks) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(week: int) -> float:
        return LEFT + plot_w * (week / last_week if len(weeks) > 1 else 0.5)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / (high - low))

    # Translators: the title of a chart of one questionnaire's scores.
    title = _("%(name)s over time") % {"name": instrument.name}
    parts = [
        f'<svg class="outcome-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" '
        f'aria-labelledby="oc-{instrument.key}-t oc-{instrument.key}-d">',
        f'<title id="oc-{instrument.key}-t">{escape(title)}</title>',
        f'<desc id="oc-{instrument.key}-d">{escape(_description(outcome))}</desc>',
    ]
    for fraction in (0, 0.5, 1):
        value = low + (high - low) * fraction
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}" stroke="#ccd" />'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#333">{value:g}</text>'
        )
    if outcome.baseline is not None and instrument.mic is not None:
        step = instrument.mic if instrument.better == "higher" else -instrument.mic
        target = min(high, max(low, float(outcome.baseline.score) + step))
        # Translators: the dashed line of the minimal important change; %(mic)s is a number.
        mic_text = _("Important change (%(mic)s)") % {"mic": f"{instrument.mic:g}"}
        parts.append(
            f'<line class="mic-line" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(target):.1f}" '
            f'y2="{y(target):.1f}" stroke="#1e7b34" stroke-width="2" stroke-dasharray="6 4" />'
            f'<text x="{WIDTH - RIGHT}" y="{y(target) - 5:.1f}" text-anchor="end" '
            f'font-size="12" fill="#1e7b34">{escape(mic_text)}</text>'
        )
    points = " ".join(f"{x(p.week):.1f},{y(float(p.score)):.1f}" for p in outcome.points)
    parts.append(f'<polyline points="{points}" fill="none" stroke="#0b5394" stroke-width="2.5" />')
    for point in outcome.points:
        parts.append(
            f'<circle cx="{x(point.week):.1f}" cy="{y(float(point.score)):.1f}" r="5" '
            f'fill="#0b5394" />'
            f'<text x="{x(point.week):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
            f'font-size="12" fill="#333">{escape(_short_label(point.week))}</text>'
        )
    better = _("Lower is better") if instrument.better == "lower" else _("Higher is better")
    parts.append(
        f'<text x="{LEFT}" y="{HEIGHT - 6}" font-size="12" fill="#333">{escape(better)}</text>'
        "</svg>"
    )
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _short_label(week: int) -> str:
    if week == 0:
        # Translators: a chart's axis label for enrolment; keep it short.
        return _("Start")
    # Translators: a chart's axis label, "week 12", abbreviated; keep it short.
    return _("Wk %(week)s") % {"week": week}


def _description(outcome: Outcome) -> str:
    scores = ", ".join(f"{timepoint_label(p.week)} {_num(p.score)}" for p in outcome.points)
    if outcome.improvement is not None:
        return _("Scores: %(scores)s. Improvement since enrolment: %(change)s.") % {
            "scores": scores,
            "change": _num(outcome.improvement),
        }
    return _("Scores: %(scores)s.") % {"scores": scores}


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.2f}"
