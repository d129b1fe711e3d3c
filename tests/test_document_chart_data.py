"""What the documents hand their charts (issue 12): the 通报's tier lines are where the ranking service drew the
tiers, the year-end packet's trend has no 本月 marker."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import reports_samples as samples
from documents_support import DocCounty, open_copy, score_month
from documents_support import built as built
from pages_support import PT_PER_MM, Page, Word, missing_tools, render
from PIL import Image
from reports_samples import ISSUER

from app.models import Tier
from app.reports import charts
from app.reports.bulletin import build_bulletin
from app.reports.packet import MonthLine, PacketContent, build_packet
from app.services.bulletin import BulletinService, content_from_json, content_to_json
from app.services.ranking import RankingService

ISSUED = dt.date(2026, 12, 3)
# November with distinct totals 100, 99, … 93, 91: 先进 by rank down to 99, 后进 by rank from 93 (well above 80).
NOVEMBER = [
    (1, "study.monthly", 1, "未按月集中学习"),
    (2, "life.committee_meeting", 2, "两个月未召开支委会"),
    (3, "life.committee_meeting", 3, "三个支部未召开支委会"),
    (4, "life.committee_meeting", 4, "四个支部未召开支委会"),
    (5, "life.committee_meeting", 4, "四个支部未召开支委会"), (5, "life.theme_day", 1, "未开展主题党日"),
    (6, "life.committee_meeting", 4, "四个支部未召开支委会"), (6, "life.theme_day", 3, "三个支部未开展主题党日"),
    (7, "life.committee_meeting", 4, "四个支部未召开支委会"), (7, "life.theme_day", 4, "四个支部未开展主题党日"),
    (7, "study.monthly", 1, "未按月集中学习"),
]


@pytest.fixture
def county(built, paths):
    c = open_copy(*built, paths)
    score_month(c, 2026, 11, NOVEMBER)
    yield c
    c.db.close()


def test_the_bulletin_content_carries_the_tier_boundaries_the_ranking_drew(county: DocCounty) -> None:
    ranking = RankingService(county.db.session_factory).month(2026, 11)
    backward = [r.total for r in ranking.rows if r.tier == Tier.BACKWARD]
    advanced = [r.total for r in ranking.rows if r.tier == Tier.ADVANCED]
    assert backward and advanced
    content = BulletinService(county.db.session_factory, today=lambda: ISSUED).content(2026, 11)
    assert content.backward_highest == max(backward) == Decimal("93.0")
    assert content.advanced_lowest == min(advanced) == Decimal("99.0")
    # the county's 后进 tier reaches far above the 80-point rule: that rule is not where the tier ended
    assert content.backward_highest > ranking.rules.backward_below == content.backward_below
    assert content.backward_highest < content.advanced_lowest


def test_the_issued_snapshot_keeps_the_boundaries_and_an_older_one_has_none(county: DocCounty) -> None:
    service = BulletinService(county.db.session_factory, actor="张敏", today=lambda: ISSUED)
    before = service.content(2026, 11)
    snap = service.snapshot(service.issue(2026, 11).id)
    assert (snap.backward_highest, snap.advanced_lowest) == (before.backward_highest, before.advanced_lowest) \
        == (Decimal("93.0"), Decimal("99.0"))
    # a 通报 issued before these fields existed printed no such line: its snapshot reads back without one
    older = json.loads(content_to_json(snap))
    del older["backward_highest"], older["advanced_lowest"]
    restored = content_from_json(json.dumps(older, ensure_ascii=False))
    assert (restored.backward_highest, restored.advanced_lowest) == (None, None)
    assert dataclasses.replace(restored, backward_highest=snap.backward_highest,
                               advanced_lowest=snap.advanced_lowest) == snap


def packet(months: int) -> PacketContent:
    county = [Decimal("95.5"), Decimal("95.4"), Decimal("96.1"), Decimal("96.0"), Decimal("96.4"), Decimal("96.9"),
              Decimal("95.3"), Decimal("95.5"), Decimal("95.6"), Decimal("95.5"), Decimal("95.1"), Decimal("95.8")]
    own = [Decimal("99.0"), Decimal("91.5"), Decimal("96.5"), Decimal("91.0"), Decimal("100.0"), Decimal("96.0"),
           Decimal("99.3"), Decimal("99.5"), Decimal("100.0"), Decimal("90.8"), Decimal("91.5"), Decimal("93.0")]
    lines = tuple(MonthLine(m, own[m - 1] if m <= months else None, county[m - 1] if m <= months else None,
                            rank=5 if m <= months else None, count=40 if m <= months else None,
                            tier="中间" if m <= months else "") for m in range(1, 13))
    return PacketContent(year=2026, unit="县财政局", secretary="刘明", post="党组书记", made_on=dt.date(2026, 12, 20),
                         county="示范县", months=lines)


@pytest.mark.parametrize("months", [11, 12])
def test_the_packet_trend_chart_has_no_this_month_marker(months: int, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[charts.TrendSeries, int, dict[str, object]]] = []
    original = charts.trend_chart

    def recording(county_series: charts.TrendSeries, month: int, **kw: object) -> bytes:
        calls.append((county_series, month, kw))
        return original(county_series, month, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(charts, "trend_chart", recording)
    build_packet(packet(months), ISSUER)
    assert len(calls) == 1
    series, month, kw = calls[0]
    assert kw["mark_month"] is False
    unit = kw["unit"]
    assert isinstance(unit, charts.TrendSeries) and unit.label == "县财政局"
    # drawn as the packet asks: the two lines of the year, nothing marking a month
    fig = charts.trend_figure(series, month, unit=unit, mark_month=False)
    ax = fig.axes[0]
    assert [t.get_text() for legend in fig.legends for t in legend.get_texts()] == ["示范县平均分", "县财政局"]
    assert len(ax.lines) == 2 and len(ax.texts) == 0
    assert [len(line.get_xdata()) for line in ax.lines] == [months, months]


# -- on the printed page: nothing printed where a chart is ------------------------------------------------------------

CHART_MM = {"bulletin": (72, 68, 70), "packet": (72,)}  # each figure's height, in the order of its captions


@pytest.mark.skipif(missing_tools() is not None, reason=missing_tools() or "")
def test_no_text_or_table_rule_is_printed_over_a_chart(tmp_path: Path) -> None:
    """Rendered in LibreOffice: between each caption and the text above it there is room for the whole picture,
    and a table just above a chart keeps its bottom rule (a chart straight after the packet's table of the 12
    months used to be drawn over that rule)."""
    docs = {"bulletin": tmp_path / "bulletin.docx", "packet": tmp_path / "packet.docx"}
    docs["bulletin"].write_bytes(build_bulletin(samples.bulletin(40), ISSUER))
    docs["packet"].write_bytes(build_packet(packet(12), ISSUER))
    rendered = render(docs, tmp_path)
    for name, pages in rendered.items():
        captions = [(page, y0) for page in pages for y0, text in lines_of(page) if re.match(r"图\d+", text)]
        assert len(captions) == len(CHART_MM[name]), name
        for (page, y0), height in zip(captions, CHART_MM[name], strict=True):
            top = max((w.y1 for w in page.words if w.y1 <= y0 + 0.5), default=0.0)  # text above, or the page top
            assert y0 - top >= height * PT_PER_MM - 1, f"{name}, page {page.number}: the picture above {y0} overlaps"
    page, y0 = next((p, y) for p in rendered["packet"] for y, text in lines_of(p) if text.startswith("图1"))
    last_row = max(w.y1 for w in page.words if w.y1 <= y0)  # the 12月 row, straight above the chart
    assert longest_rule_below(tmp_path / "packet.pdf", page.number, last_row, 6) >= 140, \
        "the table's bottom rule under the 12月 row is hidden by the chart"


def lines_of(page: Page) -> list[tuple[float, str]]:
    """The page's printed lines as (top, text): pdftotext splits a line into words wherever the font changes."""
    rows: dict[float, list[Word]] = {}
    for w in page.words:
        rows.setdefault(round(w.y0), []).append(w)
    return [(min(w.y0 for w in ws), "".join(w.text for w in sorted(ws, key=lambda w: w.x0)))
            for _, ws in sorted(rows.items())]


def longest_rule_below(pdf: Path, number: int, y_pt: float, within_mm: float) -> float:
    """The longest dark horizontal line (in mm) printed within `within_mm` below `y_pt` on page `number`."""
    dpi = 100
    subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), "-f", str(number), "-l", str(number), "-singlefile",
                    "-png", str(pdf), str(pdf.with_suffix(""))], check=True, timeout=60)
    with Image.open(pdf.with_suffix(".png")) as img:
        grey = img.convert("L")
        start = round(y_pt / 72 * dpi)
        best = 0
        for y in range(start, min(grey.height, start + round(within_mm / 25.4 * dpi))):
            run = 0
            for x in range(grey.width):
                run = run + 1 if grey.getpixel((x, y)) < 128 else 0
                best = max(best, run)
    return best / dpi * 25.4
