"""The scorecard as a picture: both parties side by side, drawn with matplotlib (Agg: no display) to PNG bytes.

The chart is uploaded where both organisations read it, so it is drawn only from a view already limited to
that audience (`ScorecardView.seen_by`).
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # a server has no display

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bot.core.pulse.results import PulseSummary
from bot.core.scorecard.results import ScorecardView

COLOURS = ["#2E6FD8", "#E8893B", "#3BA776", "#9B59B6"]
MEASURES = ("Metric progress", "On-time delivery", "Check-in responses")


def scorecard_png(card: ScorecardView) -> bytes:
    """Two panels: the three headline measures per party, and each metric's progress toward its target."""
    # A Figure of its own rather than pyplot's global state: listeners draw from several threads at once.
    figure = Figure(figsize=(10, 4.8), dpi=100)
    summary, metrics = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
    _summary(summary, card)
    _metrics(metrics, card)
    figure.suptitle(f"Scorecard: {card.alliance}", fontsize=13, fontweight="bold")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _summary(ax: Axes, card: ScorecardView) -> None:
    width = 0.8 / max(len(card.sides), 1)
    for i, side in enumerate(card.sides):
        values = [side.progress, side.delivery.on_time_rate, side.responses.rate]
        shown = [100 * v if v is not None else 0.0 for v in values]
        xs = [x + i * width - 0.4 + width / 2 for x in range(len(MEASURES))]
        bars = ax.bar(xs, shown, width=width, label=side.party.name, color=COLOURS[i % len(COLOURS)])
        for bar, value in zip(bars, values, strict=True):
            label = "n/a" if value is None else f"{round(100 * value)}%"
            ax.annotate(label, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom")
    ax.set_xticks(range(len(MEASURES)), MEASURES, fontsize=9)
    ax.set_ylim(0, 115)
    ax.set_ylabel("%")
    ax.set_title("Both parties", fontsize=11)
    if card.sides:
        ax.legend(loc="upper right", fontsize=9)


def _metrics(ax: Axes, card: ScorecardView) -> None:
    rows = [(i, m) for i, side in enumerate(card.sides) for m in side.metrics]
    if not rows:
        ax.text(0.5, 0.5, "No metrics yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    labels = [f"{m.name} ({m.party.name})"[:40] for _, m in rows]
    values = [100 * max(min(m.progress, 1.5), 0.0) for _, m in rows]
    ys = list(range(len(rows)))
    ax.barh(ys, values, color=[COLOURS[i % len(COLOURS)] for i, _ in rows])
    ax.axvline(100, color="#555555", linestyle="--", linewidth=1)
    ax.set_yticks(ys, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 150)
    ax.set_xlabel("% of the way from baseline to target")
    ax.set_title(f"Metrics (imbalance warning at a {card.balance.threshold}-point gap)", fontsize=11)


def pulse_png(summary: PulseSummary) -> bytes:
    """Both organisations' profiles on one picture: each statement's average per party (or the combined one when
    a party had too few answers to be shown apart), with the lines at 3.0 and 4.0 where the groups begin."""
    figure = Figure(figsize=(10, 0.55 * len(summary.figures) + 1.6), dpi=100)
    ax = figure.subplots()
    ys = list(range(len(summary.figures)))
    if summary.split:
        profiles = [(side.name, [f.by_party[i] for f in summary.figures]) for i, side in enumerate(summary.sides)]
    else:
        profiles = [("Both together", [f.combined for f in summary.figures])]
    for i, (name, values) in enumerate(profiles):
        points = [(v, y) for v, y in zip(values, ys, strict=True) if v is not None]
        ax.plot(
            [v for v, _ in points],
            [y for _, y in points],
            marker="o",
            linewidth=2,
            label=name,
            color=COLOURS[i % len(COLOURS)],
        )
    for edge in (3.0, 4.0):
        ax.axvline(edge, color="#999999", linestyle="--", linewidth=1)
    ax.set_yticks(ys, [f"{f.number}. {f.statement}"[:60] for f in summary.figures], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(1, 5)
    ax.set_xlabel("1 = strongly disagree … 5 = strongly agree")
    ax.set_title(f"Pulse {summary.seq}: how each organisation sees the alliance", fontsize=12, fontweight="bold")
    ax.legend(loc="lower left", fontsize=9)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
