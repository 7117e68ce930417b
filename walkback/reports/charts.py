"""Chart geometry for the server-rendered SVG charts (templates/reports/charts/*.html).

Plain arithmetic from figures to coordinates, so the templates only place shapes. Colours are
SVG presentation attributes (the CSP forbids style attributes, not these), and each series
also differs by dash pattern or position, so colour is never the only cue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    desc = "; ".join(f"{label}: {value:g}{unit}" for label, value in items) or "No data."
    return BarChart(
        title=title,
        desc=desc,
        height=len(items) * (BAR_H + GAP),
        bars=bars,
        value_x=LABEL_W + span + 6,
        width=width,
    )


def stacked_hbar(title: str, rows: list[tuple[str, list[float]]], series: list[str]) -> BarChart:
    """One bar per row, split into the given series (e.g. done, missed, cancelled, planned)."""
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
        parts.append(
            f"{label}: "
            + ", ".join(f"{v:g} {s.lower()}" for s, v in zip(series, values, strict=True))
        )
    legend_y = len(rows) * (BAR_H + GAP) + 8
    chart.legend = [
        {"x": LABEL_W + k * 110, "y": legend_y, "fill": PALETTE[k], "label": name}
        for k, name in enumerate(series)
    ]
    chart.desc = "; ".join(parts) or "No data."
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
    series = ["Done", "Missed", "Cancelled", "Planned"]
    sessions = stacked_hbar(
        "Coaching sessions by number and status",
        [
            (
                f"Session {row['number']}",
                [row["done"], row["missed"], row["cancelled"], row["planned"]],
            )
            for row in fidelity["by_number"]
        ],
        series,
    )
    modes = hbar(
        "Sessions delivered, by mode",
        [(row["label"], row["count"]) for row in fidelity["by_mode"]],
    )
    distribution = hbar(
        "Patients by number of sessions delivered",
        [(f"{row['sessions']} of 6", row["patients"]) for row in fidelity["distribution"]],
    )
    weeks = adherence["median_by_week"]
    medians = [(row["week"], row["median"]) for row in weeks]
    known = [(w, m) for w, m in medians if m is not None]
    if known:
        desc = (
            f"Median weekly minutes by programme week, weeks 1 to {known[-1][0]}: "
            + ", ".join(f"week {w} {m:g}" for w, m in known)
            + f". Reference line at {adherence['reference_minutes']} minutes."
        )
    else:
        desc = "No programme week has ended yet."
    minutes = line_chart(
        "Median weekly minutes walked, by programme week",
        desc,
        [{"label": "Median minutes", "points": medians}],
        x_max=len(weeks),
        y_max=max((m for _, m in known), default=0),
        x_ticks=[1, 4, 8, 12, 16, 20, 26],
        reference=(adherence["reference_minutes"], "Trial: about 130 min by week 12"),
    )
    logging = hbar(
        "Patients still logging walks",
        [(f"Week {row['week']}", row["percent"] or 0) for row in adherence["still_logging"]],
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
        desc_parts.append(
            f"{curve['label']}: {curve['events']} recurrences, "
            + (f"median {median} days" if median is not None else "median not reached")
            + (
                f", {round(100 * at_year)}% recurrence-free at one year"
                if at_year is not None
                else ""
            )
        )
    survival = line_chart(
        "Recurrence-free (Kaplan-Meier), days since programme start",
        ". ".join(desc_parts) + "." if desc_parts else "No follow-up yet.",
        curves,
        x_max=x_max,
        y_max=1,
        y_fixed=1,
        x_ticks=outcomes["at_risk_days"],
        y_format="{:.0%}",
        step=True,
    )
    events = hbar(
        "Adverse events by body region",
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
