"""The dashboard's chart of monthly compliance: a matplotlib `Figure` (never pyplot) to PNG bytes.

No Qt here: it runs on a worker thread.  Fonts are passed to each text call instead of through rcParams, so
nothing global changes while the documents' charts may be drawn at the same time."""

from __future__ import annotations

import io
from collections.abc import Sequence

from app.paths import font_path
from app.services.compliance import MonthRate

WIDTH_IN, HEIGHT_IN, DPI = 7.0, 2.6, 100


def compliance_chart_png(rates: Sequence[MonthRate], title: str = "") -> bytes:
    """Bars: the share of required meetings and activities held, per month (in %)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    font = FontProperties(fname=str(font_path()), size=9)
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    labels = [f"{r.month}月" for r in rates]
    values = [round(r.rate * 100, 1) if r.required else 0.0 for r in rates]
    bars = ax.bar(range(len(rates)), values, color="#4f7fbf", edgecolor="black", linewidth=0.5)
    for bar, r, v in zip(bars, rates, values, strict=True):
        text = f"{v:.0f}%" if r.required else "—"
        ax.text(bar.get_x() + bar.get_width() / 2, v + 1.5, text, ha="center", va="bottom", fontproperties=font)
    ax.set_xticks(range(len(rates)))
    ax.set_xticklabels(labels, fontproperties=font)
    ax.set_ylim(0, 112)
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.set_yticklabels(["0", "25%", "50%", "75%", "100%"], fontproperties=font)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title or "各月应开会议活动完成率", fontproperties=FontProperties(fname=str(font_path()), size=10))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    return buf.getvalue()
