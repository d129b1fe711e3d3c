"""Charts for the 通报 and the year-end packets: matplotlib `Figure`s rendered to PNG bytes.

Printed documents are mostly black-and-white, so series differ by marker, line style and hatching, never by colour
alone.  Figures are 150 mm wide (the 版心 is 156 mm) at 300 dpi, labelled in the bundled CJK font.

matplotlib is imported on first use, never at start-up, and pyplot is never used: it keeps global state and is
not safe off the GUI thread.  rcParams are global too, so rendering is serialised by a lock.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from app.errors import ValidationError
from app.paths import font_path

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH_MM = 150
DPI = 300
_lock = threading.Lock()
_family: str | None = None
GREY = "0.55"
LIGHT = "0.85"


@dataclass(frozen=True)
class TrendSeries:
    """A line over the months of a year: values[i] is month i + 1 (None where there is no score yet)."""

    label: str
    values: tuple[Decimal | None, ...]

    def __post_init__(self) -> None:
        if len(self.values) > 12:
            raise ValidationError(f"“{self.label}”的月度数据超过12个月", field="values")


@dataclass(frozen=True)
class CategoryAverage:
    name: str
    points: Decimal  # full marks of the category
    mean: Decimal  # county mean of the category score


def cjk_family() -> str:
    """Register the bundled font with matplotlib (once) and return its family name."""
    global _family
    if _family is None:
        from matplotlib import font_manager

        path = str(font_path())
        font_manager.fontManager.addfont(path)
        _family = font_manager.FontProperties(fname=path).get_name()
    return _family


def _rc() -> Any:  # a dict of rcParams (matplotlib types its keys as a Literal)
    family = cjk_family()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,  # the CJK font's hyphen, not U+2212
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        "legend.fontsize": 8.5,
        "xtick.labelsize": 8.5,
        "ytick.labelsize": 8.5,
        "axes.edgecolor": "black",
        "axes.linewidth": 0.8,
        "hatch.linewidth": 0.8,
        "hatch.color": "black",
        "savefig.dpi": DPI,
    }


def _render(draw: Any, height_mm: float) -> bytes:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _lock, matplotlib.rc_context(_rc()):
        fig = Figure(figsize=(WIDTH_MM / 25.4, height_mm / 25.4), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        draw(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    return buf.getvalue()


def _floats(values: Sequence[Decimal | None]) -> list[float | None]:
    return [None if v is None else float(v) for v in values]


def trend_chart(county: TrendSeries, month: int, *, unit: TrendSeries | None = None, title: str = "",
                height_mm: float = 72) -> bytes:
    """The county mean over the months of the year, this `month` marked and labelled; optionally one unit's own
    line against it (year-end packets)."""
    if not 1 <= month <= 12:
        raise ValidationError(f"月份无效：{month}", field="month")
    if county.values[month - 1:month] in ((), (None,)):
        raise ValidationError(f"{month}月没有全县平均分，无法绘制走势图", field="month")

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        months = list(range(1, 13))
        series = [(county, "-", "o", "black", "white")]
        if unit is not None:
            series.append((unit, "--", "s", "black", "black"))
        values_all: list[float] = []
        for s, style, marker, color, face in series:
            ys = _floats(s.values) + [None] * (12 - len(s.values))
            xs = [m for m, y in zip(months, ys, strict=True) if y is not None]
            pts = [y for y in ys if y is not None]
            values_all += pts
            ax.plot(xs, pts, linestyle=style, marker=marker, color=color, markerfacecolor=face, markersize=4.5,
                    linewidth=1.2, label=s.label)
        now = float(county.values[month - 1])  # type: ignore[arg-type]
        ax.axvline(month, color=GREY, linestyle=":", linewidth=1)
        ax.plot([month], [now], marker="o", markersize=10, markerfacecolor="none", markeredgecolor="black",
                markeredgewidth=1.2, linestyle="none", label=f"本月（{month}月）")
        ax.annotate(f"{month}月 {now:.1f}", (month, now), textcoords="offset points",
                    xytext=(-9 if month > 9 else 9, -15), ha="right" if month > 9 else "left", fontsize=8.5,
                    bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"})
        ax.set_xticks(months, [f"{m}月" for m in months])
        ax.set_xlim(0.5, 12.5)
        low, high = min(values_all), max(values_all)
        pad = max(2.0, (high - low) * 0.25)
        ax.set_ylim(max(0.0, low - pad), min(105.0, high + pad))
        ax.set_ylabel("平均分（分）")
        ax.grid(axis="y", color=LIGHT, linewidth=0.6)
        ax.legend(loc="lower left", frameon=False, ncols=3)
        if title:
            ax.set_title(title)

    return _render(draw, height_mm)


def distribution_chart(totals: Sequence[Decimal], *, title: str = "", height_mm: float = 68,
                       marks: Sequence[tuple[str, Decimal]] = ()) -> bytes:
    """How many units scored in each 5-point band this month (hatched bars, counts on top); `marks` draws
    labelled dashed lines (e.g. the county mean, the 后进 threshold)."""
    if not totals:
        raise ValidationError("没有任何单位的得分，无法绘制分布图", field="totals")
    values = [float(t) for t in totals]

    def draw(fig: Figure) -> None:
        from matplotlib.ticker import MaxNLocator

        ax = fig.add_subplot()
        low = min(60.0, 5 * int(min(values) // 5))
        high = 100.0 if max(values) <= 100 else 5 * (int(max(values) // 5) + 1)
        edges = [low + 5 * i for i in range(int((high - low) // 5) + 1)]
        if edges[-1] < high:
            edges.append(high)
        counts = _bin_counts(values, edges)
        widths = [b - a for a, b in zip(edges, edges[1:], strict=False)]
        ax.bar(edges[:-1], counts, width=widths, align="edge", color="white", edgecolor="black", hatch="///",
               linewidth=0.8)
        for left, width, count in zip(edges, widths, counts, strict=False):
            if count:
                ax.annotate(f"{count}", (left + width / 2, count), textcoords="offset points", xytext=(0, 2),
                            ha="center", fontsize=8.5)
        styles = ["--", "-.", ":"]
        for i, (label, value) in enumerate(marks):
            ax.axvline(float(value), color="black", linestyle=styles[i % 3], linewidth=1.1,
                       label=f"{label} {float(value):.1f}")
        ax.set_xticks(edges, [f"{e:g}" for e in edges])
        ax.set_xlabel("总分（分）")
        ax.set_ylabel("单位数（个）")
        ax.set_ylim(0, max(counts) * 1.18 + 1)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", color=LIGHT, linewidth=0.6)
        if marks:
            ax.legend(loc="upper left", frameon=False)
        if title:
            ax.set_title(title)

    return _render(draw, height_mm)


def category_chart(categories: Sequence[CategoryAverage], *, title: str = "", height_mm: float = 70) -> bytes:
    """Per category, the county mean as a share of the category's full marks (hatched bars; labels show
    mean/full), so categories of 10 and 25 points compare fairly."""
    usable = [c for c in categories if c.points > 0]
    if not usable:
        raise ValidationError("没有考评类别，无法绘制类别得分图", field="categories")

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        names = [_wrap(c.name, 5) for c in usable]
        rates = [float(c.mean / c.points * 100) for c in usable]
        xs = list(range(len(usable)))
        ax.bar(xs, [100] * len(xs), width=0.62, color="white", edgecolor=GREY, linewidth=0.8, linestyle="--",
               label="满分")
        ax.bar(xs, rates, width=0.62, color=LIGHT, edgecolor="black", hatch="\\\\\\", linewidth=0.8,
               label="全县平均得分率")
        for x, c, rate in zip(xs, usable, rates, strict=True):
            ax.annotate(f"{float(c.mean):.1f}/{float(c.points):g}", (x, rate), textcoords="offset points",
                        xytext=(0, 3), ha="center", fontsize=8)
        ax.set_xticks(xs, names)
        ax.set_ylim(max(0.0, min(rates) - 20) // 10 * 10, 112)
        ax.set_ylabel("得分率（%）")
        ax.grid(axis="y", color=LIGHT, linewidth=0.6)
        ax.legend(loc="upper right", frameon=False, ncols=2)
        if title:
            ax.set_title(title)

    return _render(draw, height_mm)


def _bin_counts(values: Sequence[float], edges: Sequence[float]) -> list[int]:
    """How many values fall in each [edge, next edge) band; the last band includes its upper edge."""
    counts = [0] * (len(edges) - 1)
    for v in values:
        for i in range(len(counts)):
            if edges[i] <= v < edges[i + 1] or (i == len(counts) - 1 and v == edges[-1]):
                counts[i] += 1
                break
    return counts


def _wrap(text: str, width: int) -> str:
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))
