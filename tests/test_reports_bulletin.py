"""The monthly 通报: GB/T 9704 layout, and every figure in it traced back to the data it was built from."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import reports_samples as samples
from reports_samples import ISSUER, check_gongwen, open_docx, texts, warnings_of

from app.errors import ValidationError
from app.reports.bulletin import (
    BulletinContent,
    DeductionRecord,
    RankingRow,
    build_bulletin,
    bulletin_filename,
    group_problems,
)
from app.reports.content import AuditAnchor, from_snapshot, to_snapshot
from app.reports.gongwen import score, signed

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def content() -> BulletinContent:
    return samples.bulletin(40)


@pytest.fixture(scope="module")
def data(content: BulletinContent) -> bytes:
    return build_bulletin(content, ISSUER)


def paragraph_starting(data: bytes, prefix: str) -> str:
    return next(t for t in texts(open_docx(data)) if t.startswith(prefix))


def test_the_bulletin_passes_the_red_head_checker_with_its_charts(data: bytes, tmp_path: Path) -> None:
    results = check_gongwen(data, tmp_path, "--redhead", "--expect-chart")
    assert results["chart-present"]["detail"] == "3 picture/chart object(s)"
    assert results["picture-fit"]["status"] == "PASS"
    assert warnings_of(results) == {}


def test_head_title_recipients_and_number(data: bytes) -> None:
    paras = texts(open_docx(data))
    assert paras[0] == "中共示范县直属机关工作委员会文件"
    assert "示直工委〔2026〕12号" in paras
    assert "关于2026年10月全县机关党建工作\n考评情况的通报" in paras
    assert "各县直单位党组（党委）：" in paras
    for heading in ("一、基本情况", "二、考评结果", "三、存在问题", "四、工作要求"):
        assert heading in paras
    assert paras.index("一、基本情况") < paras.index("二、考评结果") < paras.index("三、存在问题") < paras.index("四、工作要求")


def test_overview_prints_the_mean_extremes_and_counts(data: bytes, content: BulletinContent) -> None:
    text = paragraph_starting(data, "全县平均得分")
    totals = [r.total for r in content.rows]
    mean = sum(totals, Decimal(0)) / len(totals)
    assert f"全县平均得分{score(mean)}分" in text
    assert f"最高分{score(max(totals))}分" in text and f"最低分{score(min(totals))}分" in text
    assert f"较上月上升{score(Decimal(score(mean)) - Decimal('93.1'))}分" in text
    assert f"90分以上的单位{sum(1 for t in totals if t >= 90)}个" in text
    assert f"共考评单位{len(content.rows)}个" in paragraph_starting(data, "本次考评")


def test_tiers_name_the_advanced_and_backward_units_in_rank_order(data: bytes, content: BulletinContent) -> None:
    for i, tier in ((1, "先进"), (3, "后进")):
        rows = content.tier_rows(tier)
        text = paragraph_starting(data, f"（{'一二三'[i - 1]}）{tier}档次")
        assert f"{tier}档次（{len(rows)}个）" in text
        assert "、".join(r.unit for r in rows) in text
    middle = content.tier_rows("中间")
    assert f"中间档次（{len(middle)}个）" in paragraph_starting(data, "（二）中间档次")
    vetoed = [r.unit for r in content.rows if r.veto]
    assert f"其中，{'、'.join(vetoed)}存在一票否决事项" in paragraph_starting(data, "其中，")
    assert "、".join(content.interviewees) in paragraph_starting(data, "根据考评办法")


def test_tier_table_counts_add_up(data: bytes, content: BulletinContent) -> None:
    table = open_docx(data).tables[0]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["档次", "单位数", "占比", "分数区间", "平均分"]
    assert [r[0] for r in rows[1:]] == ["先进", "中间", "后进"]
    assert [int(r[1]) for r in rows[1:]] == [len(content.tier_rows(t)) for t in ("先进", "中间", "后进")]
    assert sum(int(r[1]) for r in rows[1:]) == len(content.rows)


def test_problems_are_grouped_and_counted_most_frequent_first(data: bytes, content: BulletinContent) -> None:
    groups = group_problems(content.deductions)
    paras = texts(open_docx(data))
    start = paras.index("三、存在问题")
    intro = paras[start + 1]
    assert f"累计扣分{len(content.deductions)}次" in intro
    first = paras[start + 2]
    g = groups[0]
    assert first.startswith(f"（一）{g.indicator}（{g.category}）。")
    assert f"{len(g.units)}个单位扣分{g.occurrences}次，累计扣{score(g.points)}分" in first
    printed = [p for p in paras[start + 2:paras.index("四、工作要求")] if p.startswith("（")]
    assert [p.split("）", 1)[1].split("（")[0] for p in printed] == [x.indicator for x in groups[:8]]
    counts = [int(p.split("扣分")[1].split("次")[0]) for p in printed]
    assert counts == sorted(counts, reverse=True)


def test_ranking_attachment_lists_every_unit_with_repeated_header(data: bytes, content: BulletinContent) -> None:
    doc = open_docx(data)
    table = doc.tables[1]
    header, *rows = table.rows
    assert header._tr.trPr.find(f"{W}tblHeader") is not None
    heads = [c.text for c in header.cells]
    assert heads[:2] == ["序号", "单位"] and heads[-4:] == ["总分", "名次", "环比", "档次"]
    assert heads[2] == "政治建设与责任落实\n（20分）"
    assert len(rows) == len(content.rows)
    ranked = sorted(content.rows, key=lambda r: (r.rank, r.unit))
    for i, (row, r) in enumerate(zip(rows, ranked, strict=True), 1):
        cells = [c.text for c in row.cells]
        assert cells[0] == str(i)
        assert cells[1] == r.unit + ("★" if r.veto else "")
        assert cells[2:-4] == [score(s) for s in r.category_scores]
        assert cells[-4:-1] == [score(r.total), str(r.rank), signed(r.change)]
        assert cells[-1] == r.tier
    assert doc.sections[1].page_width > doc.sections[1].page_height  # 横排 attachment
    assert paragraph_starting(data, "附件：") == "附件：2026年10月全县机关党建工作考评得分排名表"


def test_signature_date_imprint_and_audit_anchor(data: bytes, content: BulletinContent) -> None:
    doc = open_docx(data)
    paras = texts(doc)
    i = paras.index("2026年11月5日")
    assert paras[i - 1] == ISSUER.name
    imprint = [r.cells[0].text for r in doc.tables[-1].rows]
    assert imprint == ["考评数据存证：审计日志第1234条，校验码3f2a9c1d8e7b0a11", "抄送：县委办公室，县委组织部。",
                       "中共示范县直属机关工作委员会办公室\t2026年11月5日印发"]


def test_charts_are_embedded_at_150_mm(data: bytes) -> None:
    doc = open_docx(data)
    shapes = doc.inline_shapes
    assert len(shapes) == 3
    assert all(round(s.width.mm) == 150 for s in shapes)
    captions = [t for t in texts(doc) if t.startswith("图")]
    assert captions == ["图1　2026年全县月度平均分走势", "图2　2026年10月各单位总分分布",
                        "图3　2026年10月各考评类别平均得分率"]


def test_a_reissue_has_a_new_number_and_names_the_one_it_replaces(content: BulletinContent, tmp_path: Path) -> None:
    again = dataclasses.replace(content, number=ISSUER.number(2026, 13), supersedes=content.number)
    data = build_bulletin(again, ISSUER)
    check_gongwen(data, tmp_path, "--redhead", "--expect-chart")
    paras = texts(open_docx(data))
    assert "示直工委〔2026〕13号" in paras and "示直工委〔2026〕12号" not in paras
    assert "本通报印发后，示直工委〔2026〕12号通报同时废止。" in paras
    assert bulletin_filename(again) != bulletin_filename(content)
    assert bulletin_filename(again) == "2026年10月机关党建工作考评情况通报（示直工委〔2026〕13号）.docx"


def test_a_month_without_deductions_and_without_last_month(tmp_path: Path) -> None:
    rows = (RankingRow("县财政局", (Decimal(20),), Decimal(100), 1, "先进"),
            RankingRow("县教育局", (Decimal(20),), Decimal(100), 1, "中间"))
    c = BulletinContent(2026, 1, ISSUER.number(2026, 1), dt.date(2026, 2, 3), samples.CATEGORIES[:1], rows, (),
                        AuditAnchor(0, "00"))
    data = build_bulletin(c, ISSUER)
    check_gongwen(data, tmp_path, "--redhead", "--expect-chart")
    paras = texts(open_docx(data))
    assert "本月复核中各单位均未出现扣分情形。" in paras
    assert "上月无可比数据" in paragraph_starting(data, "全县平均得分")
    assert "（三）后进档次（0个）。本月无。" in paras


def test_group_problems_orders_by_count_then_points_then_name() -> None:
    d = [DeductionRecord("甲", "组织生活", "支委会未按月召开", "第一支部9月未开", Decimal(1)),
         DeductionRecord("乙", "组织生活", "支委会未按月召开", "第一支部9月未开", Decimal(1)),
         DeductionRecord("甲", "组织生活", "支委会未按月召开", "机关支部未开", Decimal(1)),
         DeductionRecord("丙", "学习教育", "书记未讲党课", "", Decimal(2)),
         DeductionRecord("丁", "学习教育", "未按月集中学习", "", Decimal(1)),
         DeductionRecord("丁", "工作落实", "被通报批评", "", Decimal(2))]
    groups = group_problems(d)
    assert [g.indicator for g in groups] == ["支委会未按月召开", "书记未讲党课", "被通报批评", "未按月集中学习"]
    first = groups[0]
    assert (first.occurrences, first.units, first.points) == (3, ("甲", "乙"), Decimal(3))
    assert first.reasons == ("第一支部9月未开", "机关支部未开")


@pytest.mark.parametrize(("change", "message"), [
    ({"rows": ()}, "没有任何单位"),
    ({"month": 13}, "月份无效"),
    ({"rows": (RankingRow("县财政局", (Decimal(1),), Decimal(1), 1, "先进"),)}, "类别得分有1项"),
    ({"rows": (RankingRow("县财政局", (Decimal(1),) * 7, Decimal(7), 1, "优秀"),)}, "档次无效"),
    ({"rows": (RankingRow("县财政局", (Decimal(1),) * 7, Decimal(7), 0, "先进"),)}, "名次无效"),
    ({"interviewees": ("不存在的单位",)}, "约谈单位不在考评结果中"),
])
def test_bad_content_is_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        samples.bulletin(5, **change)


def test_duplicate_units_are_refused() -> None:
    row = RankingRow("县财政局", (Decimal(1),) * 7, Decimal(7), 1, "先进")
    with pytest.raises(ValidationError, match="单位重复：县财政局"):
        samples.bulletin(5, rows=(row, row), interviewees=())


def test_the_snapshot_reprints_the_same_bulletin(content: BulletinContent, data: bytes) -> None:
    text = to_snapshot(content)
    restored = from_snapshot(BulletinContent, text)
    assert restored == content
    reprint = open_docx(build_bulletin(restored, ISSUER))
    original = open_docx(data)
    assert texts(reprint) == texts(original)
    assert [[c.text for c in r.cells] for r in reprint.tables[1].rows] == \
        [[c.text for c in r.cells] for r in original.tables[1].rows]


def test_a_damaged_snapshot_is_refused() -> None:
    with pytest.raises(ValidationError, match="文档快照无法读取"):
        from_snapshot(BulletinContent, '{"year": 2026}')
    with pytest.raises(ValidationError, match="文档快照无法读取"):
        from_snapshot(BulletinContent, "not json")


# -- the distribution chart's tier lines (issue 12) ----------------------------------------------------------------


def drawn_distribution(content: BulletinContent, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Build the 通报 and return what its distribution chart was asked to draw."""
    from app.reports import charts

    calls: list[dict[str, object]] = []
    original = charts.distribution_chart

    def recording(totals: object, **kw: object) -> bytes:
        calls.append({"totals": totals, **kw})
        return original(totals, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(charts, "distribution_chart", recording)
    build_bulletin(content, ISSUER)
    assert len(calls) == 1
    return calls[0]


def with_boundaries(content: BulletinContent) -> BulletinContent:
    """The content as the service hands it over: the highest 后进 and the lowest 先进 total filled in."""
    return dataclasses.replace(content, backward_highest=max(r.total for r in content.tier_rows("后进")),
                               advanced_lowest=min(r.total for r in content.tier_rows("先进")))


def test_the_distribution_chart_draws_where_the_tiers_fell_not_the_80_point_rule(
        content: BulletinContent, monkeypatch: pytest.MonkeyPatch) -> None:
    c = with_boundaries(content)
    assert c.backward_highest is not None and c.advanced_lowest is not None
    assert c.backward_highest > c.backward_below  # 后进 by rank, well above 80: the old line lied
    drawn = drawn_distribution(c, monkeypatch)
    assert drawn["boundaries"] == [(f"后进档（≤{score(c.backward_highest)}分）", c.backward_highest),
                                   (f"先进档（≥{score(c.advanced_lowest)}分）", c.advanced_lowest)]
    assert drawn["marks"] == [("全县平均分", c.mean)]
    assert not any("80" in label or "分数线" in label
                   for label, _ in [*drawn["marks"], *drawn["boundaries"]])  # type: ignore[misc]
    # every unit on the 后进 side of the line is 后进, every one on the 先进 side is 先进
    assert all(r.tier == "后进" for r in c.rows if r.total <= c.backward_highest)
    assert all(r.tier == "先进" for r in c.rows if r.total >= c.advanced_lowest)


def test_a_vetoed_unit_above_the_advanced_line_is_named_in_the_label(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = tuple(RankingRow(f"县直单位{i}", (Decimal(8),) * 6 + (Decimal(0),), total, rank, tier, veto=veto)
                 for i, (total, rank, tier, veto) in enumerate([
                     (Decimal("99.0"), 1, "中间", True), (Decimal("98.5"), 2, "先进", False),
                     (Decimal("95.0"), 3, "中间", False), (Decimal("91.5"), 4, "中间", False),
                     (Decimal("90.0"), 5, "后进", False)]))
    c = samples.bulletin(5, rows=rows, interviewees=(), backward_highest=Decimal("90.0"),
                         advanced_lowest=Decimal("98.5"))
    drawn = drawn_distribution(c, monkeypatch)
    assert drawn["boundaries"] == [("后进档（≤90.0分）", Decimal("90.0")),
                                   ("先进档（≥98.5分，一票否决单位除外）", Decimal("98.5"))]


def test_no_line_for_an_empty_tier_or_a_content_without_boundaries(content: BulletinContent,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert drawn_distribution(content, monkeypatch)["boundaries"] == []  # an older snapshot: nothing guessed
    rows = (RankingRow("县财政局", (Decimal(8),) * 6 + (Decimal(0),), Decimal(100), 1, "先进"),
            RankingRow("县教育局", (Decimal(8),) * 6 + (Decimal(0),), Decimal(95), 2, "中间"))
    c = samples.bulletin(2, rows=rows, interviewees=(), advanced_lowest=Decimal(100))
    assert drawn_distribution(c, monkeypatch)["boundaries"] == [("先进档（≥100.0分）", Decimal(100))]


@pytest.mark.parametrize("change", [{"backward_highest": Decimal("80.0")}, {"advanced_lowest": Decimal("99.9")},
                                    {"backward_highest": Decimal("90.0"), "rows": (
                                        RankingRow("县财政局", (Decimal(1),) * 7, Decimal(7), 1, "先进"),)}])
def test_a_boundary_that_contradicts_the_tiers_is_refused(content: BulletinContent, change: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match="分数界限.*与考评结果不符"):
        dataclasses.replace(with_boundaries(content), interviewees=(), **change)


def test_the_boundaries_survive_the_snapshot(content: BulletinContent) -> None:
    c = with_boundaries(content)
    assert from_snapshot(BulletinContent, to_snapshot(c)) == c
