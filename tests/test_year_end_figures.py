"""Year-end figures as printed (issue 12): the 整改 items the year's deductions give (points, not tenths; each
month capped as the score is), 平时成绩's months (the year is not locked before December, and the documents say
which months a 平时成绩 covers), the grading rule and each unit's note under the results, tied units that are no
change, and the quarterly chart that stops at the quarter.

Documents are reopened with python-docx and their figures checked against what the services compute."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from annual_support import UNITS, build_template, open_copy, score_month
from reports_samples import check_gongwen, open_docx, warnings_of

from app import settings as S
from app.cli import main
from app.errors import ValidationError
from app.models import Grade, PeriodState
from app.reports import charts
from app.services.annual.review import ReviewInput, VoteTally
from app.services.annual.service import AnnualService
from app.services.bulletin import BulletinService
from app.services.quarter import QuarterService, county_trend
from app.services.scoring import OccurrenceInput

D = Decimal
YEAR = 2026
TODAY = dt.date(2026, 12, 20)
HELD = dt.date(2026, 12, 18)
# 县财政局 is first on 综合 but its 好票率 (80 %) is under 85 %: 较好 at rank 1 while 县教育局 is 好 at rank 2.
VOTES = [(20, 12, 8, 0, 0), (30, 8, 2, 0, 0), (20, 15, 5, 0, 0), (10, 20, 8, 2, 0), (5, 15, 15, 5, 0),
         (2, 8, 20, 10, 0)]
CHECKS = [100, 96, 92, 88, 80, 60]
LINE = re.compile(r"^(?P<name>.+)：全年被扣分(?P<times>\d+)次，累计扣(?P<lost>\d+\.\d)分"
                  r"(?:（扣分记录合计(?P<recorded>\d+\.\d)分，其中(?P<months>.+)的扣分超过该项(?P<limit>\d+\.\d)分的上限，"
                  r"按上限计）)?$")


@pytest.fixture(scope="module")
def built_year(tmp_path_factory: pytest.TempPathFactory, _template_db: Path):
    path = tmp_path_factory.mktemp("year_end") / "county.sqlite3"
    return build_template(path, _template_db), path


@pytest.fixture(scope="module")
def built_eleven(tmp_path_factory: pytest.TempPathFactory, _template_db: Path):
    path = tmp_path_factory.mktemp("year_end_11") / "county.sqlite3"
    return build_template(path, _template_db, range(1, 12)), path


@pytest.fixture
def county(built_year, paths):
    c = open_copy(built_year[0], built_year[1], paths)
    yield c
    c.db.close()


@pytest.fixture
def eleven(built_eleven, paths):
    """January to November locked; December opened and still 草稿."""
    c = open_copy(built_eleven[0], built_eleven[1], paths)
    c.periods[12] = c.scoring.open_month(YEAR, 12).id
    yield c
    c.db.close()


def _service(county) -> AnnualService:
    return AnnualService(county.db.session_factory, actor="测试员", today=lambda: TODAY)


def _complete(county, votes=VOTES, checks=CHECKS) -> AnnualService:
    service = _service(county)
    review = service.create_review(YEAR, ReviewInput(HELD, 40, place="县委会议室"))
    for report, v, check in zip(review.reports, votes, checks, strict=True):
        service.set_votes(report.id, VoteTally(*v))
        service.set_check_score(report.id, check)
    return service


def _table(doc, header: str):
    return next(t for t in doc.tables if header in [c.text for c in t.rows[0].cells])


def _after(doc, table) -> list[str]:
    """The paragraphs that follow `table` in the body, up to the next table."""
    out, seen = [], False
    for el in doc.element.body.iterchildren():
        if el is table._tbl:
            seen = True
        elif seen and el.tag.endswith("}tbl"):
            break
        elif seen and el.tag.endswith("}p"):
            text = "".join(t.text or "" for t in el.iter() if t.tag.endswith("}t"))
            if text.strip():
                out.append(text)
    return out


# ---------------------------------------------------------------------------------------------------------------
# 整改 items from the year's deductions


def _expected_losses(county, unit: str) -> dict[str, tuple[int, Decimal, Decimal, list[int]]]:
    """indicator → (times, points lost, points recorded, months capped), from the scoring forms month by month."""
    sc = county.scoring
    out: dict[str, tuple[int, Decimal, Decimal, list[int]]] = {}
    for month, period in sorted(county.periods.items()):
        sheet = next(sh for sh in sc.sheets(period) if sh.unit_name == unit)
        for item in sc.form(sheet.id).items:
            if not item.deductions:
                continue
            recorded = sum((d.amount for d in item.deductions), D(0))
            times, lost, rec, capped = out.get(item.indicator.name, (0, D(0), D(0), []))
            out[item.indicator.name] = (times + sum(d.occurrences for d in item.deductions), lost + item.lost,
                                        rec + recorded, capped + ([month] if item.lost < recorded else []))
    return out


def _over_the_cap(county, unit: str, month: int, code: str) -> None:
    """Two more occurrences on an indicator the unit already lost in full that month (the cap takes them)."""
    sc = county.scoring
    sc.reopen_period(county.periods[month], "补充检查发现问题", is_admin=True)
    sheet = next(sh for sh in sc.sheets(county.periods[month]) if sh.unit_name == unit)
    sc.set_reviewed(sheet.id, False)
    item = next(i for i in sc.form(sheet.id).items if i.indicator.code == code)
    assert item.review_score == 0  # already lost in full
    sc.add_deduction(item.id, OccurrenceInput("补充检查再次发现", 2, 1, evidence_note="检查记录"))
    sc.set_reviewed(sheet.id, True)
    sc.lock_period(county.periods[month])


def test_year_end_rectification_items_print_points_lost_with_the_cap(county, tmp_path: Path) -> None:
    from app.services.interview import InterviewService
    from app.services.rectification import RectificationService

    _over_the_cap(county, "县林业局", 3, "pol.deployment")
    service = _complete(county)
    service.review_results(YEAR)
    made = {f.unit: f for f in service.propose_followups(YEAR)}
    assert set(made) == {"县水利局", "县林业局"}
    interviews = InterviewService(county.db.session_factory, actor="测试员", today=lambda: TODAY)
    for unit in ("县水利局", "县林业局"):
        expected = _expected_losses(county, unit)
        problems = interviews.interview(made[unit].interview_id).problems
        assert problems, unit
        for text in problems:
            m = LINE.match(text)
            assert m, text
            times, lost, recorded, capped = expected[m["name"]]
            assert (int(m["times"]), D(m["lost"])) == (times, lost), text
            assert lost >= 10  # a year of a fully lost indicator: the figure the tenths bug printed as 1.2
            assert bool(m["recorded"]) == bool(capped), text
            if capped:
                assert D(m["recorded"]) == recorded and m["months"] == "、".join(f"{x}月" for x in capped)
        # the lines come biggest loss first, six at most
        losses = [D(LINE.match(t)["lost"]) for t in problems]  # type: ignore[index]
        assert losses == sorted(losses, reverse=True) and len(problems) <= 6
    forestry = interviews.interview(made["县林业局"].interview_id).problems
    capped_line = next(t for t in forestry if "上限" in t)
    assert "其中3月的扣分超过该项" in capped_line
    # the 整改台账 prints the same lines
    path = RectificationService(county.db.session_factory, actor="测试员", today=lambda: TODAY).write_ledger(
        tmp_path, unit_id=county.unit("县林业局"))
    cells = {c.text for t in open_docx(path.read_bytes()).tables for r in t.rows for c in r.cells}
    assert any(capped_line in c for c in cells)


# ---------------------------------------------------------------------------------------------------------------
# 平时成绩 covers the whole year, and says which months it covers


def test_year_is_not_locked_before_december_and_documents_say_the_months(eleven, tmp_path: Path) -> None:
    service = _complete(eleven)
    live = service.results(YEAR)
    assert all(r.mean_months == tuple(range(1, 12)) for r in live.rows)
    results = service.review_results(YEAR)
    assert results.state == PeriodState.REVIEWED
    with pytest.raises(ValidationError, match=r"12月（草稿）尚未锁定.*全年12个月"):
        service.lock_results(YEAR)
    assert service.results(YEAR).state == PeriodState.REVIEWED  # the refusal changed nothing

    # the 汇总表 of a partial year says so, under its table and in the workbook
    (docx_name, docx_data), (_x, xlsx_data) = service.summary_documents(YEAR)
    doc = open_docx(docx_data)
    notes = _after(doc, _table(doc, "平时成绩"))
    assert "平时成绩所含月份：各单位均为1—11月（未含12月）。" in notes
    book = openpyxl.load_workbook(io.BytesIO(xlsx_data))
    sheet_text = [str(c.value) for row in book.active.iter_rows() for c in row if c.value]
    assert "平时成绩所含月份：各单位均为1—11月（未含12月）。" in sheet_text

    # December locked (县财政局 lost 6 points in it): the results stored over 11 months no longer hold, so no
    # lock until reviewed again
    _december(eleven, loss=6)
    with pytest.raises(ValidationError, match="取消复核，再重新复核"):
        service.lock_results(YEAR)
    service.unreview_results(YEAR, "12月考评已锁定")
    service.review_results(YEAR)
    locked = service.lock_results(YEAR)
    assert locked.state == PeriodState.LOCKED
    assert all(r.mean_months == tuple(range(1, 13)) for r in locked.rows)
    issued = service.issue_bulletin(YEAR, issued_on=dt.date(2026, 12, 28))
    doc = open_docx(BulletinService(eleven.db.session_factory).document(issued.id))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "平时成绩所含月份：各单位均为1—12月（全年）。" in body


def _december(county, loss: int) -> None:
    score_month(county, 12, lock=False)
    sc = county.scoring
    sheet = next(sh for sh in sc.sheets(county.periods[12]) if sh.unit_name == "县财政局")
    sc.set_reviewed(sheet.id, False)
    item = next(i for i in sc.form(sheet.id).items if i.indicator.code == "pol.deployment")
    sc.add_deduction(item.id, OccurrenceInput("12月检查发现问题", loss, 1, evidence_note="检查记录"))
    sc.set_reviewed(sheet.id, True)
    sc.lock_period(county.periods[12])


def test_quarterly_basis_needs_every_quarter_before_the_lock(county) -> None:
    service = _complete(county)
    with county.db.session() as s:
        S.set_value(s, S.ANNUAL_OF_QUARTERS, True)
        s.commit()
    quarters = QuarterService(county.db.session_factory)
    for q in (1, 2, 3):
        quarters.review(YEAR, q)
    results = service.review_results(YEAR)
    assert all(r.mean_months == tuple(range(1, 10)) for r in results.rows)
    with pytest.raises(ValidationError, match=r"第4季度（未开始）尚未锁定或复核"):
        service.lock_results(YEAR)


def test_units_with_fewer_months_are_named(eleven) -> None:
    """A unit without a sheet in some months (e.g. set up in the year) is named with its months."""
    from sqlalchemy import delete, select

    from app.models import Period, ScoreSheet

    with eleven.db.session() as s:
        jan = s.scalar(select(Period.id).where(Period.key == "2026-01"))
        s.execute(delete(ScoreSheet).where(ScoreSheet.period_id == jan, ScoreSheet.unit_id == eleven.unit("县林业局")))
        s.commit()
    service = _complete(eleven)
    (_name, data), _xlsx = service.summary_documents(YEAR)
    doc = open_docx(data)
    notes = _after(doc, _table(doc, "平时成绩"))
    assert "平时成绩所含月份：县林业局为2—11月（未含1、12月）；其余5个单位为1—11月（未含12月）。" in notes


# ---------------------------------------------------------------------------------------------------------------
# the grading rule and each unit's note under the results


def _rule_text(good_rate: int) -> str:
    return (f"等次评定办法：综合得分90分及以上且好票率不低于{good_rate}%的为好，80分至89.9分为较好，60分至79.9分为一般，"
            f"60分以下为差；综合得分达到90分但好票率低于{good_rate}%的评为较好，好票率低于60%的最高评为一般，"
            "存在一票否决事项的最高评为较好。")


def test_summary_prints_the_grading_rule_and_each_units_note(county, tmp_path: Path) -> None:
    service = _complete(county)
    results = service.results(YEAR)
    rows = {r.unit: r for r in results.rows}
    first = rows["县财政局"]
    assert (first.rank, first.grade, rows["县教育局"].rank, rows["县教育局"].grade) == (1, Grade.FAIR, 2, Grade.GOOD)
    assert first.note == "好票率80.0%低于85%，评为较好"
    (_name, data), (_x, xlsx) = service.summary_documents(YEAR)
    check_gongwen(data, tmp_path, name="summary.docx")
    doc = open_docx(data)
    table = _table(doc, "平时成绩")
    header = [c.text for c in table.rows[0].cells]
    for tr in table.rows[1:]:
        cells = dict(zip(header, [c.text for c in tr.cells], strict=True))
        r = rows[cells["单位"]]
        assert (cells["综合得分"], cells["名次"], cells["等次"], cells["备注"]) == (
            str(r.composite), str(r.rank), r.grade.value, r.note)  # type: ignore[union-attr]
    assert any(n.startswith(_rule_text(85)) for n in _after(doc, table))
    book = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    values = [[c.value for c in row] for row in book.iter_rows()]
    assert next(v for v in values if v[0] == "序号")[-1] == "备注"
    assert next(v for v in values if v[1] == "县财政局")[-1] == first.note
    assert any(str(v[0]).startswith(_rule_text(85)) for v in values if v[0])

    # the rule is the one in the settings the service grades with
    with county.db.session() as s:
        S.set_value(s, S.GOOD_RATE_FOR_GOOD, 90)
        s.commit()
    doc = open_docx(service.summary_documents(YEAR)[0][1])
    assert any(n.startswith(_rule_text(90)) for n in _after(doc, _table(doc, "平时成绩")))


def test_bulletin_prints_the_rule_and_explains_grades_out_of_rank_order(county, tmp_path: Path) -> None:
    service = _complete(county)
    service.review_results(YEAR)
    service.lock_results(YEAR)
    results = service.results(YEAR)
    issued = service.issue_bulletin(YEAR, issued_on=dt.date(2026, 12, 28))
    data = BulletinService(county.db.session_factory).document(issued.id)
    checked = check_gongwen(data, tmp_path, "--redhead", "--expect-chart", name="review.docx")
    assert warnings_of(checked) == {}
    doc = open_docx(data)
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "需要说明的是：县财政局好票率80.0%低于85%，评为较好。" in body
    table = _table(doc, "备注")
    header = [c.text for c in table.rows[0].cells]
    printed = {cells["单位"]: cells for cells in (dict(zip(header, [c.text for c in tr.cells], strict=True))
                                                 for tr in table.rows[1:])}
    for r in results.rows:
        assert (printed[r.unit]["平时成绩"], printed[r.unit]["综合得分"], printed[r.unit]["等次"],
                printed[r.unit]["备注"]) == (str(r.annual_mean), str(r.composite), r.grade.value, r.note)  # type: ignore[union-attr]
    assert any(n.startswith(_rule_text(85)) for n in _after(doc, table))


def test_packet_says_which_months_its_mean_covers(eleven, tmp_path: Path) -> None:
    from app.services.packets import PacketService

    _complete(eleven)
    folder = tmp_path / "out"
    PacketService(eleven.db.session_factory, today=lambda: TODAY).generate(
        YEAR, folder, unit_ids=[eleven.unit("县林业局")], workers=0, make_zip=False)
    doc = open_docx(next(folder.glob("*县林业局*.docx")).read_bytes())
    table = _table(doc, "折合得分")
    mean_row = next([c.text for c in r.cells] for r in table.rows if r.cells[0].text == "平时成绩")
    assert mean_row[1] == "55.0" and mean_row[-1] == "1—11月各月平均，未含12月"


# ---------------------------------------------------------------------------------------------------------------
# tied units listed in another order are no change


def test_annual_results_with_tied_units_are_not_stale(county, paths, capsys: pytest.CaptureFixture[str]) -> None:
    # 县财政局 100×0.6+96×0.3+95×0.1 = 98.3 = 县教育局 99×0.6+98×0.3+95×0.1: tied, and their names sort the other
    # way round from the register (教 before 财)
    assert UNITS[:2] == ["县财政局", "县教育局"] and sorted(UNITS[:2]) == ["县教育局", "县财政局"]
    votes = [(30, 8, 2, 0, 0), (30, 8, 2, 0, 0), *VOTES[2:]]
    service = _complete(county, votes, [96, 98, *CHECKS[2:]])
    results = service.review_results(YEAR)
    tied = [r for r in results.rows if r.rank == 1]
    assert [r.composite for r in tied] == [D("98.3"), D("98.3")]
    assert not service.results(YEAR).stale
    assert service.lock_results(YEAR).state == PeriodState.LOCKED  # a stale result would be refused


def test_quarter_with_tied_units_is_not_stale(county, paths, capsys: pytest.CaptureFixture[str]) -> None:
    # 县财政局 loses 3 points in January: its first quarter is 99.0, as 县教育局's
    sc = county.scoring
    sc.reopen_period(county.periods[1], "补充检查", is_admin=True)
    sheet = next(sh for sh in sc.sheets(county.periods[1]) if sh.unit_name == "县财政局")
    sc.set_reviewed(sheet.id, False)
    item = next(i for i in sc.form(sheet.id).items if i.indicator.code == "pol.deployment")
    sc.add_deduction(item.id, OccurrenceInput("补充检查发现问题", 1, 3, evidence_note="检查记录"))
    sc.set_reviewed(sheet.id, True)
    sc.lock_period(county.periods[1])
    quarters = QuarterService(county.db.session_factory, actor="测试员")
    g = quarters.review(YEAR, 1)
    assert [r.score for r in g.rows if r.unit in ("县财政局", "县教育局")] == [D("99.0"), D("99.0")]
    assert not g.stale
    county.db.close()
    assert main(["--data-dir", str(paths.data_dir), "quarter", "grade", "2026-Q1"]) == 0
    assert "不一致" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------------------------
# the quarterly chart stops at the quarter


def test_quarter_chart_plots_no_month_after_the_quarter(county, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.reports.config import issuer_from_settings, style_from_settings
    from app.reports.quarterly import build_quarter_bulletin

    drawn: list[tuple[Decimal | None, ...]] = []
    marked: list[object] = []
    original = charts.trend_chart

    def recording(county_series: charts.TrendSeries, month: int, **kw: object) -> bytes:
        drawn.append(county_series.values)
        marked.append(kw.get("mark_month", True))
        return original(county_series, month, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(charts, "trend_chart", recording)
    quarters = QuarterService(county.db.session_factory, actor="测试员", today=lambda: TODAY)
    quarters.review(YEAR, 1)
    quarters.lock(YEAR, 1)
    with county.db.session() as s:  # the whole year is locked: the means of April to December exist
        means = county_trend(s, YEAR)
        issuer, style = issuer_from_settings(S.reader(s)), style_from_settings(S.reader(s))
    assert all(m is not None for m in means)
    content = quarters.bulletin_content(YEAR, 1, issued_on=dt.date(2026, 4, 8))
    assert content.trend == means[:3]
    quarters.issue_bulletin(YEAR, 1, issued_on=dt.date(2026, 4, 8))
    assert drawn[-1][:3] == means[:3] and set(drawn[-1][3:]) == {None}
    # the builder holds to it whatever trend its content carries (an older snapshot had all twelve months)
    build_quarter_bulletin(dataclasses.replace(content, trend=means), issuer, style)
    assert drawn[-1][:3] == means[:3] and set(drawn[-1][3:]) == {None}
    assert marked and not any(marked)  # a quarter's 通报 has no 本月 ring on its last month


def test_a_month_reopened_while_the_year_is_being_locked_stops_the_lock(county, monkeypatch) -> None:
    """An administrator reopens December on another computer between the year's checks and its lock: the checks
    run inside the unit of work that locks the year, so the lock sees December open and is refused."""
    service = _complete(county)
    service.review_results(YEAR)
    find_year = AnnualService._year_period_id

    def meanwhile(self, year: int) -> int:  # what happens on the other computer, just before the year is locked
        county.scoring.reopen_period(county.periods[12], "补充材料", is_admin=True)
        return find_year(self, year)

    monkeypatch.setattr(AnnualService, "_year_period_id", meanwhile)
    with pytest.raises(ValidationError, match="12月（已复核）尚未锁定"):
        service.lock_results(YEAR)
    assert service.results(YEAR).state != PeriodState.LOCKED
