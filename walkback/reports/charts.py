"""Chart geometry for the server-rendered SVG charts (templates/reports/charts/*.html).

Plain arithmetic from figures to coordinates, so the templates only place shapes. Colours are
SVG presentation attributes (the CSP forbids style attributes, not these), and each series
also differs by dash pattern or position, so colour is never the only cue.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from coaching.models import SessionMode
from patients.models import BodyRegion, PatientStatus

WIDTH = 640
LABEL_W = 150
VALUE_W = 70
BAR_H = 22
GAP = 8
PALETTE = ["#0b5cad", "#b35900", "#2e7d32", "#6a1b9a", "#5f6b7a"]
DASHES = ["", "8 4", "2 3", "12 4 2 4"]


@dataclass
class Bar:
    y: float
    width: float
    label: str
    value_text: str
    x: float = LABEL_W


@dataclass
class BarChart:
    title: str
    desc: str
    height: float
    bars: list[Bar]
    label_w: int = LABEL_W
    value_x: float = 0
    segments: list = field(default_factory=list)
    legend: list = field(default_factory=list)
    width: int = WIDTH


def _scale(value: float, top: float, span: float) -> float:
    return 0.0 if not top else span * value / top


def hbar(
    title: str, items: list[tuple[str, float]], *, unit: str = "", width: int = WIDTH
) -> BarChart:
    """Horizontal bars, one per (label, value)."""
    span = width - LABEL_W - VALUE_W
    top = max((v for _, v in items), default=0)
    bars = []
    for i, (label, value) in enumerate(items):
        length = _scale(value, top, span)
        bars.append(
            Bar(
                y=i * (BAR_H + GAP),
                width=round(length, 1),
                label=label,
                value_text=f"{value:g}{unit}",
            )
        )
    desc = "; ".join(
        _("%(label)s: %(value)s") % {"label": label, "value": f"{value:g}{unit}"}
        for label, value in items
    ) or _("No data.")
    return BarChart(
        title=title,
        desc=desc,
        height=len(items) * (BAR_H + GAP),
        bars=bars,
        value_x=LABEL_W + span + 6,
        width=width,
    )


def stacked_hbar(
    title: str,
    rows: list[tuple[str, list[float]]],
    series: list[str],
    counted: list[str] | None = None,
) -> BarChart:
    """One bar per row, split into the given series (e.g. done, missed, cancelled, planned).
    ``counted`` words each series with its number for the text alternative ("%(count)s
    done"); by default the series name after the number."""
    counted = counted or [f"%(count)s {name.lower()}" for name in series]
    span = WIDTH - LABEL_W - VALUE_W
    top = max((sum(values) for _, values in rows), default=0)
    chart = BarChart(
        title=title,
        desc="",
        height=len(rows) * (BAR_H + GAP) + 28,
        bars=[],
        value_x=LABEL_W + span + 6,
    )
    parts = []
    for i, (label, values) in enumerate(rows):
        y = i * (BAR_H + GAP)
        x: float = LABEL_W
        for j, value in enumerate(values):
            width = round(_scale(value, top, span), 1)
            if width:
                chart.segments.append({"x": x, "y": y, "width": width, "fill": PALETTE[j]})
            x += width
        chart.bars.append(Bar(y=y, width=0, label=label, value_text=f"{sum(values):g}"))
        counts = ", ".join(
            words % {"count": f"{v:g}"} for words, v in zip(counted, values, strict=True)
        )
        parts.append(_("%(label)s: %(value)s") % {"label": label, "value": counts})
    legend_y = len(rows) * (BAR_H + GAP) + 8
    chart.legend = [
        {"x": LABEL_W + k * 110, "y": legend_y, "fill": PALETTE[k], "label": name}
        for k, name in enumerate(series)
    ]
    chart.desc = "; ".join(parts) or _("No data.")
    return chart


@dataclass
class LineChart:
    title: str
    desc: str
    width: int
    height: int
    left: int
    top: int
    plot_w: int
    plot_h: int
    series: list
    x_ticks: list
    y_ticks: list
    reference: dict | None = None


def _nice_top(value: float) -> float:
    """A round top for the y axis whose quarters are round too (0, 40, 80, 120, 160)."""
    for step in (5, 10, 20, 25, 40, 50, 100, 200, 250, 500, 1000, 2500, 5000):
        if value <= 4 * step:
            return 4 * step
    return value


def line_chart(
    title: str,
    desc: str,
    series: list[dict],
    *,
    x_max: int,
    y_max: float,
    x_ticks: list[int],
    y_format: str = "{:g}",
    reference: tuple[float, str] | None = None,
    step: bool = False,
    y_fixed: float | None = None,
) -> LineChart:
    """Lines (or step lines, for survival curves) over a shared x axis. Each series is
    {"label": ..., "points": [(x, y), ...]}; a y of None breaks the line."""
    left, top, plot_w, plot_h = 56, 12, WIDTH - 56 - 16, 220
    y_top = (
        y_fixed
        if y_fixed is not None
        else _nice_top(max(y_max, reference[0] if reference else 0, 1))
    )

    def sx(x):
        return round(left + plot_w * x / max(x_max, 1), 1)

    def sy(y):
        return round(top + plot_h * (1 - y / y_top), 1)

    drawn = []
    for k, line in enumerate(series):
        commands = []
        previous = None
        for x, y in line["points"]:
            if y is None:
                previous = None
                continue
            if previous is None:
                commands.append(f"M{sx(x)} {sy(y)}")
            elif step:
                commands.append(f"H{sx(x)} V{sy(y)}")
            else:
                commands.append(f"L{sx(x)} {sy(y)}")
            previous = (x, y)
        if step and previous is not None and line.get("end") is not None:
            commands.append(f"H{sx(line['end'])}")
        band = ""
        if step and line.get("band"):
            band = _step_band(line["band"], line.get("end"), sx, sy)
        drawn.append(
            {
                "label": line["label"],
                "d": " ".join(commands),
                "band": band,
                "stroke": PALETTE[k % len(PALETTE)],
                "dash": DASHES[k % len(DASHES)],
                # Legends sit bottom left, where falling survival curves never are.
                "legend_y": top + plot_h - 10 - 18 * (len(series) - 1 - k),
            }
        )
    y_ticks = [{"y": sy(y_top * i / 4), "text": y_format.format(y_top * i / 4)} for i in range(5)]
    ref = None
    if reference is not None:
        ref = {"y": sy(reference[0]), "label": reference[1]}
    return LineChart(
        title=title,
        desc=desc,
        width=WIDTH,
        height=top + plot_h + 40,
        left=left,
        top=top,
        plot_w=plot_w,
        plot_h=plot_h,
        series=drawn,
        x_ticks=[{"x": sx(t), "text": str(t)} for t in x_ticks],
        y_ticks=y_ticks,
        reference=ref,
    )


def _step_band(band, end, sx, sy) -> str:
    """A step-shaped area between each step's lower and upper bounds (a 95% interval)."""
    upper = [f"M{sx(band[0][0])} {sy(band[0][2])}"]
    lower = []
    for k, (x, low, high) in enumerate(band):
        if k:
            upper.append(f"H{sx(x)} V{sy(high)}")
        lower.append((x, low))
    if end is not None:
        upper.append(f"H{sx(end)}")
    back = [f"V{sy(lower[-1][1])}"]
    for k in range(len(lower) - 1, 0, -1):
        x, _ = lower[k]
        back.append(f"H{sx(x)} V{sy(lower[k - 1][1])}")
    back.append(f"H{sx(lower[0][0])} Z")
    return " ".join(upper + back)


def dashboard_charts(figures: dict) -> dict:
    """Every chart of the dashboard from the figures dict."""
    fidelity = figures["fidelity"]
    adherence = figures["adherence"]
    outcomes = figures["outcomes"]
    series = [_("Done"), _("Missed"), _("Cancelled"), _("Planned")]
    # Translators: in a chart's text alternative, "Session 2: 5 done, 1 missed, ...".
    counted = [_("%(count)s done"), _("%(count)s missed"), _("%(count)s cancelled")]
    counted.append(_("%(count)s planned"))
    sessions = stacked_hbar(
        _("Coaching sessions by number and status"),
        [
            (
                _("Session %(number)s") % {"number": row["number"]},
                [row["done"], row["missed"], row["cancelled"], row["planned"]],
            )
            for row in fidelity["by_number"]
        ],
        series,
        counted,
    )
    modes = hbar(
        _("Sessions delivered, by mode"),
        [(row["label"], row["count"]) for row in fidelity["by_mode"]],
    )
    distribution = hbar(
        _("Patients by number of sessions delivered"),
        [
            (_("%(sessions)s of 6") % {"sessions": row["sessions"]}, row["patients"])
            for row in fidelity["distribution"]
        ],
    )
    weeks = adherence["median_by_week"]
    medians = [(row["week"], row["median"]) for row in weeks]
    known = [(w, m) for w, m in medians if m is not None]
    if known:
        desc = _(
            "Median weekly minutes by programme week, weeks 1 to %(last)s: %(values)s. "
            "Reference line at %(minutes)s minutes."
        ) % {
            "last": known[-1][0],
            # Translators: "week 3 45": programme week 3, a median of 45 minutes.
            "values": ", ".join(
                _("week %(week)s %(minutes)s") % {"week": w, "minutes": f"{m:g}"} for w, m in known
            ),
            "minutes": adherence["reference_minutes"],
        }
    else:
        desc = _("No programme week has ended yet.")
    minutes = line_chart(
        _("Median weekly minutes walked, by programme week"),
        desc,
        [{"label": _("Median minutes"), "points": medians}],
        x_max=len(weeks),
        y_max=max((m for _, m in known), default=0),
        x_ticks=[1, 4, 8, 12, 16, 20, 26],
        reference=(adherence["reference_minutes"], _("Trial: about 130 min by week 12")),
    )
    logging = hbar(
        _("Patients still logging walks"),
        [
            (_("Week %(week)s") % {"week": row["week"]}, row["percent"] or 0)
            for row in adherence["still_logging"]
        ],
        unit="%",
        width=400,
    )
    x_max = max(outcomes["at_risk_days"][-1] if outcomes["at_risk_days"] else 365, 1)
    curves = []
    desc_parts = []
    for curve in outcomes["curves"]:
        kept = [step for step in curve["steps"] if step[0] <= x_max]
        points = [(0, 1.0)] + [(step[0], step[1]) for step in kept]
        band = [(0, 1.0, 1.0)] + [(step[0], step[2], step[3]) for step in kept]
        curves.append({"label": curve["label"], "points": points, "end": x_max, "band": band})
        median = curve["median_days"]
        at_year = next((r["survival"] for r in curve["at_risk"] if r["day"] == 365), None)
        desc_parts.append(_curve_words(curve["label"], curve["events"], median, at_year))
    survival = line_chart(
        _("Recurrence-free (Kaplan-Meier), days since programme start"),
        " ".join(desc_parts) if desc_parts else _("No follow-up yet."),
        curves,
        x_max=x_max,
        y_max=1,
        y_fixed=1,
        x_ticks=outcomes["at_risk_days"],
        y_format="{:.0%}",
        step=True,
    )
    events = hbar(
        _("Adverse events by body region"),
        [(row["label"], row["total"]) for row in figures["adverse_events"]["rows"]],
    )
    return {
        "sessions": sessions,
        "modes": modes,
        "distribution": distribution,
        "minutes": minutes,
        "logging": logging,
        "survival": survival,
        "events": events,
    }


def _curve_words(label: str, events: int, median: int | None, at_year: float | None) -> str:
    """One recurrence curve in words, for the chart's text alternative: a whole sentence."""
    values = {"label": label, "events": events, "median": median}
    if at_year is not None:
        values["share"] = round(100 * at_year)
    if median is not None and at_year is not None:
        text = ngettext(
            "%(label)s: %(events)s recurrence, median %(median)s days, "
            "%(share)s%% recurrence-free at one year.",
            "%(label)s: %(events)s recurrences, median %(median)s days, "
            "%(share)s%% recurrence-free at one year.",
            events,
        )
    elif median is not None:
        text = ngettext(
            "%(label)s: %(events)s recurrence, median %(median)s days.",
            "%(label)s: %(events)s recurrences, median %(median)s days.",
            events,
        )
    elif at_year is not None:
        text = ngettext(
            "%(label)s: %(events)s recurrence, median not reached, "
            "%(share)s%% recurrence-free at one year.",
            "%(label)s: %(events)s recurrences, median not reached, "
            "%(share)s%% recurrence-free at one year.",
            events,
        )
    else:
        text = ngettext(
            "%(label)s: %(events)s recurrence, median not reached.",
            "%(label)s: %(events)s recurrences, median not reached.",
            events,
        )
    return text % values


# The recurrence curves' names (``patients.outcomes.KINDS``), as the dashboard shows them.
CURVE_LABELS = {
    "any": gettext_lazy("Any back pain"),
    "activity_limiting": gettext_lazy("Activity-limiting back pain"),
    "care_seeking": gettext_lazy("Back pain needing care"),
}


def _relabel(rows: list[dict], key: str, labels: dict, order: list) -> None:
    """Put each row's label in the reader's language: by its stored code, or (a snapshot made
    before the code was stored) by its place, the rows being in the order of the choices."""
    for index, row in enumerate(rows):
        code = row.get(key, order[index] if index < len(order) else None)
        if code in labels:
            row["label"] = str(labels[code])


def figures_in_words(figures: dict) -> dict:
    """A snapshot's figures with their labels in the reader's language. The snapshot is
    computed in the background and stored; its labels were written in whatever language the
    worker had, so the page names each row afresh from its code."""
    figures = copy.deepcopy(figures)
    stages = dict(PatientStatus.choices)
    _relabel(figures.get("stages", []), "value", stages, list(stages))
    modes = dict(SessionMode.choices)
    _relabel(figures.get("fidelity", {}).get("by_mode", []), "value", modes, list(modes))
    _relabel(figures.get("outcomes", {}).get("curves", []), "kind", CURVE_LABELS, [])
    regions = dict(BodyRegion.choices)
    _relabel(figures.get("adverse_events", {}).get("rows", []), "region", regions, [])
    return figures
