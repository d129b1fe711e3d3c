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
                                  marks=[("全县平均分", D("88.6")), ("后进分数线", D("80"))], title="总分分布"),
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
