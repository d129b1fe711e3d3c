"""Charts: Chinese labels drawn with real glyphs, 150 mm at 300 dpi, bad input refused."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from app.errors import ValidationError
from app.paths import font_path
from app.reports import charts

D = Decimal
COUNTY = charts.TrendSeries("全县平均分", tuple(D(x) for x in ("86.2", "87.1", "85.9", "88.0", "88.4", "87.7",
                                                           "89.1", "88.8", "89.5", "90.2")))
UNIT = charts.TrendSeries("县财政局", tuple(D(x) for x in ("80", "82.5", "84", "83", "86", "88", "87.5", "90",
                                                        "91", "92.5")))
CATEGORIES = [charts.CategoryAverage(n, D(p), D(m)) for n, p, m in (
    ("政治建设与责任落实", 20, "17.8"), ("学习教育", 15, "13.1"), ("组织生活", 25, "21.0"),
    ("组织建设与党员管理", 20, "18.2"), ("作风纪律", 10, "9.6"), ("工作落实", 10, "8.7"))]


def render_all() -> list[bytes]:
    return [
        charts.trend_chart(COUNTY, 10, unit=UNIT, title="2026年月度平均分走势（含负数−刻度）"),
        charts.distribution_chart([D("72.5"), D("81"), D("86.5"), D("88"), D("91.5"), D("99"), D("102")],
                                  marks=[("全县平均分", D("88.6"))], boundaries=[("后进档（≤81.0分）", D("81"))],
                                  title="总分分布"),
        charts.category_chart(CATEGORIES, title="各类别平均得分率"),
    ]


@pytest.fixture(scope="module")
def rendered() -> tuple[list[bytes], list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pngs = render_all()
    return pngs, [str(w.message) for w in caught]


def test_chinese_labels_render_without_missing_glyph_warnings(rendered: tuple[list[bytes], list[str]]) -> None:
    _, messages = rendered
    assert not [m for m in messages if "missing from" in m or "Glyph" in m], messages


def test_the_bundled_font_is_registered_once_and_used() -> None:
    from matplotlib import font_manager

    family = charts.cjk_family()
    assert family == "WenQuanYi Micro Hei"
    bundled = [f for f in font_manager.fontManager.ttflist if Path(f.fname) == font_path()]
    assert bundled and bundled[0].name == family
    assert charts.cjk_family() == family and len(
        [f for f in font_manager.fontManager.ttflist if Path(f.fname) == font_path() and f.name == family]) == 1


def test_pngs_are_150_mm_wide_at_300_dpi(rendered: tuple[list[bytes], list[str]]) -> None:
    for png in rendered[0]:
        with Image.open(io.BytesIO(png)) as img:
            assert img.format == "PNG"
            dpi = img.info["dpi"]
            assert round(dpi[0]) == 300 and round(dpi[1]) == 300
            width_mm = img.width / dpi[0] * 25.4
            height_mm = img.height / dpi[1] * 25.4
            assert 149 <= width_mm <= 150.5
            assert 50 <= height_mm <= 90


def test_charts_are_legible_in_black_and_white(rendered: tuple[list[bytes], list[str]]) -> None:
    """Printed on a monochrome printer the series must still differ: the charts use grey levels only (so what
    distinguishes series is markers, line styles and hatching), and there is real ink on the page."""
    for png in rendered[0]:
        with Image.open(io.BytesIO(png)) as img:
            rgb = img.convert("RGB")
            colours = rgb.getcolors(maxcolors=1 << 20) or []
            saturated = sum(n for n, (r, g, b) in colours if max(r, g, b) - min(r, g, b) > 40)
            assert saturated == 0
            dark = sum(n for n, (r, g, b) in colours if r < 100)
            assert dark > 0.005 * img.width * img.height


def test_matplotlib_is_not_imported_until_a_chart_is_drawn() -> None:
    code = "import sys, app.reports.charts, app.reports.bulletin; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "False", out.stderr


def test_bad_input_is_refused_with_a_chinese_message() -> None:
    with pytest.raises(ValidationError, match="月份无效"):
        charts.trend_chart(COUNTY, 13)
    with pytest.raises(ValidationError, match="11月没有全县平均分"):
        charts.trend_chart(COUNTY, 11)
    with pytest.raises(ValidationError, match="超过12个月"):
        charts.TrendSeries("全县", tuple(D(80) for _ in range(13)))
    with pytest.raises(ValidationError, match="没有任何单位"):
        charts.distribution_chart([])
    with pytest.raises(ValidationError, match="没有考评类别"):
        charts.category_chart([])


def test_a_trend_with_gaps_and_a_single_unit_distribution_still_draw() -> None:
    gaps = charts.TrendSeries("全县平均分", (None, D("88"), None, D("90")))
    assert charts.trend_chart(gaps, 4).startswith(b"\x89PNG")
    assert charts.distribution_chart([D("100")]).startswith(b"\x89PNG")


# -- what each chart draws, read from its Figure (issue 12) ---------------------------------------------------------


def legend_labels(fig: object) -> list[str]:
    legends = fig.legends  # type: ignore[attr-defined]
    return [t.get_text() for legend in legends for t in legend.get_texts()]


def drawn_extents(fig: object) -> object:
    """Draw the figure as a document would (fonts and layout), and return its renderer."""
    charts._png(fig)  # type: ignore[arg-type]
    return fig.canvas.get_renderer()  # type: ignore[attr-defined]


def test_the_category_rate_axis_stops_at_100_percent_with_every_label_inside() -> None:
    cats = CATEGORIES + [charts.CategoryAverage("纪律作风（满分）", D(10), D(10)),
                         charts.CategoryAverage("几乎全扣", D(10), D("0.3"))]
    fig = charts.category_figure(cats)
    ax = fig.axes[0]
    assert ax.get_ylim()[1] == 100
    assert ax.get_legend() is None and legend_labels(fig) == ["满分", "全县平均得分率"]  # above, not over the bars
    labels = {a.get_text(): a for a in ax.texts}
    assert list(labels) == [f"{float(c.mean):.1f}/{float(c.points):g}" for c in cats]
    renderer = drawn_extents(fig)
    box = ax.get_window_extent(renderer)
    for text, a in labels.items():
        ext = a.get_window_extent(renderer)
        assert box.x0 <= ext.x0 and ext.x1 <= box.x1 and box.y0 <= ext.y0 and ext.y1 <= box.y1, text
    bar_tops = {round(p.get_x() + p.get_width() / 2): p.get_height() for p in ax.patches[len(cats):]}
    full = labels["10.0/10"].get_window_extent(renderer)
    assert full.y1 <= ax.transData.transform((0, bar_tops[6]))[1]  # inside the top of its full bar
    low = labels["0.3/10"].get_window_extent(renderer)
    assert low.y0 >= ax.transData.transform((0, bar_tops[7]))[1]  # a bar too short to hold it: just above


def test_a_category_mean_outside_its_full_marks_is_refused() -> None:
    with pytest.raises(ValidationError, match="超出0至满分的范围：作风纪律"):
        charts.category_chart([charts.CategoryAverage("作风纪律", D(10), D("10.5"))])
    with pytest.raises(ValidationError, match="超出0至满分的范围：学习教育"):
        charts.category_chart([charts.CategoryAverage("学习教育", D(15), D("-1"))])


def test_a_year_trend_has_no_this_month_marker() -> None:
    fig = charts.trend_figure(COUNTY, 10, unit=UNIT, mark_month=False)
    ax = fig.axes[0]
    assert legend_labels(fig) == ["全县平均分", "县财政局"]
    assert len(ax.texts) == 0 and len(ax.lines) == 2  # no ring, no dotted line, no "10月 90.2" label
    assert not any("本月" in label for label in legend_labels(fig))
    # a year's last scored month need not be marked, so it need not have a county mean either
    partial = charts.TrendSeries("全县平均分", COUNTY.values[:9])
    assert len(charts.trend_figure(partial, 10, mark_month=False).axes[0].lines) == 1
    with pytest.raises(ValidationError, match="没有任何月份"):
        charts.trend_chart(charts.TrendSeries("全县平均分", (None, None)), 2, mark_month=False)


def test_the_monthly_trend_still_marks_its_month() -> None:
    fig = charts.trend_figure(COUNTY, 10)
    ax = fig.axes[0]
    assert legend_labels(fig) == ["全县平均分", "本月（10月）"]
    assert [t.get_text() for t in ax.texts] == ["10月 90.2"]


def test_distribution_boundaries_are_labelled_as_given_and_drawn_where_given() -> None:
    totals = [D("72.5"), D("81"), D("86.5"), D("88"), D("91.5"), D("99"), D("102")]
    fig = charts.distribution_figure(totals, marks=[("全县平均分", D("88.64"))],
                                     boundaries=[("后进档（≤91.5分）", D("91.5")), ("先进档（≥99.0分）", D("99"))])
    ax = fig.axes[0]
    assert legend_labels(fig) == ["全县平均分 88.6", "后进档（≤91.5分）", "先进档（≥99.0分）"]
    assert [line.get_xdata()[0] for line in ax.lines] == [88.64, 91.5, 99.0]
    assert len({line.get_linestyle() for line in ax.lines}) == 3  # told apart in black and white
