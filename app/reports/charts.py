"""Charts for the 通报 and the year-end packets: matplotlib `Figure`s rendered to PNG bytes.

Printed documents are mostly black-and-white, so series differ by marker, line style and hatching, never by colour
alone.  Figures are 150 mm wide (the 版心 is 156 mm) at 300 dpi, labelled in the bundled CJK font.

matplotlib is imported on first use, never at start-up, and pyplot is never used: it keeps global state and is
not safe off the GUI thread.  rcParams are global too, so drawing and saving are serialised by a lock.  Each chart
has a `*_figure` function returning the `Figure` (tests read its axes, limits and legend) and a `*_chart` function
returning the PNG bytes documents embed.  Legends sit above the plot, outside it, so they never hide data.
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


def _figure(draw: Any, height_mm: float) -> Figure:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _lock, matplotlib.rc_context(_rc()):
        fig = Figure(figsize=(WIDTH_MM / 25.4, height_mm / 25.4), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        draw(fig)
    return fig


def _png(fig: Figure) -> bytes:
    import matplotlib

    buf = io.BytesIO()
    with _lock, matplotlib.rc_context(_rc()):  # fonts and hatching are looked up again when the figure is drawn
        fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    return buf.getvalue()


def _legend_above(fig: Figure, ax: Any, ncols: int) -> None:
    """The legend in a row above the axes, outside them: inside, it would cover bars or points."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside upper center", frameon=False, ncols=min(ncols, len(handles)))


def _floats(values: Sequence[Decimal | None]) -> list[float | None]:
    return [None if v is None else float(v) for v in values]


def trend_chart(county: TrendSeries, month: int, *, unit: TrendSeries | None = None, mark_month: bool = True,
                title: str = "", height_mm: float = 72) -> bytes:
    """The county mean over the months of the year as PNG bytes; see `trend_figure`."""
    return _png(trend_figure(county, month, unit=unit, mark_month=mark_month, title=title, height_mm=height_mm))


def trend_figure(county: TrendSeries, month: int, *, unit: TrendSeries | None = None, mark_month: bool = True,
                 title: str = "", height_mm: float = 72) -> Figure:
    """The county mean over the months of the year; optionally one unit's own line against it (year-end packets).
    `mark_month` rings `month` as 本月 and labels its mean (the monthly 通报); a year's packet has no "this month"
    and passes False."""
    if not 1 <= month <= 12:
        raise ValidationError(f"月份无效：{month}", field="month")
    if mark_month and county.values[month - 1:month] in ((), (None,)):
        raise ValidationError(f"{month}月没有全县平均分，无法绘制走势图", field="month")
    if all(v is None for v in county.values):
        raise ValidationError("没有任何月份的全县平均分，无法绘制走势图", field="values")

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
        if mark_month:
            _mark_month(ax, month, float(county.values[month - 1]))  # type: ignore[arg-type]
        ax.set_xticks(months, [f"{m}月" for m in months])
        ax.set_xlim(0.5, 12.5)
        low, high = min(values_all), max(values_all)
        pad = max(2.0, (high - low) * 0.25)
        ax.set_ylim(max(0.0, low - pad), min(105.0, high + pad))
        ax.set_ylabel("平均分（分）")
        ax.grid(axis="y", color=LIGHT, linewidth=0.6)
        _legend_above(fig, ax, 3)
        if title:
            ax.set_title(title)

    return _figure(draw, height_mm)


def _mark_month(ax: Any, month: int, mean: float) -> None:
    ax.axvline(month, color=GREY, linestyle=":", linewidth=1)
    ax.plot([month], [mean], marker="o", markersize=10, markerfacecolor="none", markeredgecolor="black",
            markeredgewidth=1.2, linestyle="none", label=f"本月（{month}月）")
    ax.annotate(f"{month}月 {mean:.1f}", (month, mean), textcoords="offset points",
                xytext=(-9 if month > 9 else 9, -15), ha="right" if month > 9 else "left", fontsize=8.5,
                bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"})


def distribution_chart(totals: Sequence[Decimal], *, title: str = "", height_mm: float = 68,
                       marks: Sequence[tuple[str, Decimal]] = (),
                       boundaries: Sequence[tuple[str, Decimal]] = ()) -> bytes:
    """How many units scored in each 5-point band as PNG bytes; see `distribution_figure`."""
    return _png(distribution_figure(totals, title=title, height_mm=height_mm, marks=marks, boundaries=boundaries))


def distribution_figure(totals: Sequence[Decimal], *, title: str = "", height_mm: float = 68,
                        marks: Sequence[tuple[str, Decimal]] = (),
                        boundaries: Sequence[tuple[str, Decimal]] = ()) -> Figure:
    """How many units scored in each 5-point band (hatched bars, counts on top).  `marks` draws dashed lines
    labelled "label value" (e.g. the county mean); `boundaries` draws lines labelled exactly as given, for
    boundaries whose label already states the value and its side (e.g. 后进档（≤91.5分）)."""
    if not totals:
        raise ValidationError("没有任何单位的得分，无法绘制分布图", field="totals")
    values = [float(t) for t in totals]
    lines = [(f"{label} {float(value):.1f}", float(value)) for label, value in marks]
    lines += [(label, float(value)) for label, value in boundaries]

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
                ax.annotate(f"{count}", (left + width / 2, count), textcoords="offset points", xytext=(0, 3),
                            ha="center", va="bottom", fontsize=8.5, zorder=3,  # on white, above a boundary line through it
                            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"})
        styles = ["--", "-.", ":"]
        for i, (label, value) in enumerate(lines):
            ax.axvline(value, color="black", linestyle=styles[i % 3], linewidth=1.1, label=label)
        ax.set_xticks(edges, [f"{e:g}" for e in edges])
        ax.set_xlabel("总分（分）")
        ax.set_ylabel("单位数（个）")
        ax.set_ylim(0, max(counts) * 1.18 + 1)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", color=LIGHT, linewidth=0.6)
        _legend_above(fig, ax, 3)
        if title:
            ax.set_title(title)

    return _figure(draw, height_mm)


def category_chart(categories: Sequence[CategoryAverage], *, title: str = "", height_mm: float = 70) -> bytes:
    """Per category, the county mean as a share of its full marks as PNG bytes; see `category_figure`."""
    return _png(category_figure(categories, title=title, height_mm=height_mm))


def category_figure(categories: Sequence[CategoryAverage], *, title: str = "", height_mm: float = 70) -> Figure:
    """Per category, the county mean as a share of the category's full marks (hatched bars; labels show
    mean/full), so categories of 10 and 25 points compare fairly.  A rate stops at 100 %: so does the axis, and
    each label sits inside the top of its bar, on white."""
    usable = [c for c in categories if c.points > 0]
    if not usable:
        raise ValidationError("没有考评类别，无法绘制类别得分图", field="categories")
    beyond = [c.name for c in usable if not 0 <= c.mean <= c.points]
    if beyond:  # a rate outside 0–100 % is a data error, not something to draw off the axis
        raise ValidationError(f"类别平均得分超出0至满分的范围：{'、'.join(beyond)}", field="categories")

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        names = [_wrap(c.name, 5) for c in usable]
        rates = [float(c.mean / c.points * 100) for c in usable]
        xs = list(range(len(usable)))
        ax.bar(xs, [100] * len(xs), width=0.62, color="white", edgecolor=GREY, linewidth=0.8, linestyle="--",
               label="满分")
        ax.bar(xs, rates, width=0.62, color=LIGHT, edgecolor="black", hatch="\\\\\\", linewidth=0.8,
               label="全县平均得分率")
        bottom = max(0.0, min(rates) - 20) // 10 * 10
        for x, c, rate in zip(xs, usable, rates, strict=True):
            inside = rate - bottom >= 0.12 * (100 - bottom)  # too short a bar (a rate near 0): above it
            ax.annotate(f"{float(c.mean):.1f}/{float(c.points):g}", (x, rate), textcoords="offset points",
                        xytext=(0, -3 if inside else 3), ha="center", va="top" if inside else "bottom", fontsize=8,
                        bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"})
        ax.set_xticks(xs, names)
        ax.set_ylim(bottom, 100)
        ax.set_ylabel("得分率（%）")
        ax.grid(axis="y", color=LIGHT, linewidth=0.6)
        _legend_above(fig, ax, 2)
        if title:
            ax.set_title(title)

    return _figure(draw, height_mm)


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
