"""季度分级量化考核: the roll-up, the grades at each cut-off, the veto cap, the quota with ties, the lifecycle,
the audit of stored results, the quarterly 通报 and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from annual_support import build_template, open_copy
from hypothesis import given, settings
from hypothesis import strategies as st
from reports_samples import check_gongwen, open_docx, warnings_of
from sqlalchemy import text

from app import settings as S
from app.cli import main
from app.errors import NotFoundError, PeriodLockedError, PermissionDenied, ValidationError
from app.models import Grade, PeriodState
from app.services.audit import verify
from app.services.bulletin import BulletinService
from app.services.quarter import (
    GradeRules,
    MonthScore,
    QuarterService,
    grade_of,
    grade_units,
    parse_quarter,
    quarter_score,
    quota,
    within_quota,
)
from app.services.scoring import OccurrenceInput

D = Decimal
RULES = GradeRules(good_quota_percent=0)
TODAY = dt.date(2026, 7, 10)


# ---------------------------------------------------------------------------------------------------------------
# pure rules


@pytest.mark.parametrize(("score", "grade"), [
    ("100", Grade.GOOD), ("90.0", Grade.GOOD), ("89.9", Grade.FAIR), ("80.0", Grade.FAIR), ("79.9", Grade.AVERAGE),
    ("60.0", Grade.AVERAGE), ("59.9", Grade.POOR), ("0", Grade.POOR),
])
def test_grade_at_each_cut_off_edge(score: str, grade: Grade) -> None:
    assert grade_of(D(score), RULES) == grade


def test_cut_offs_come_from_the_settings_and_must_be_in_order() -> None:
    values = {S.GRADE_GOOD.key: D(95), S.GRADE_FAIR.key: D(85), S.GRADE_AVERAGE.key: D(70)}
    rules = GradeRules.from_settings(lambda d: values.get(d.key, d.default))
    assert [grade_of(D(x), rules) for x in ("95", "94.9", "85", "70", "69.9")] == [
        Grade.GOOD, Grade.FAIR, Grade.FAIR, Grade.AVERAGE, Grade.POOR]
    values[S.GRADE_FAIR.key] = D(96)
    with pytest.raises(ValidationError, match="从高到低"):
        GradeRules.from_settings(lambda d: values.get(d.key, d.default))


def test_veto_caps_the_grade_at_fair() -> None:
    graded = grade_units([D(95), D(85), D(50)], [True, True, True], RULES)
    assert [g.grade for g in graded] == [Grade.FAIR, Grade.FAIR, Grade.POOR]
    assert "一票否决" in graded[0].note and graded[1].note == ""
    no_cap = GradeRules(veto_cap=False, good_quota_percent=0)
    assert grade_units([D(95)], [True], no_cap)[0].grade == Grade.GOOD


def test_quota_is_rounded_down() -> None:
    assert [quota(n, 30) for n in (1, 3, 4, 10, 11, 300)] == [0, 0, 1, 3, 3, 90]


def test_quota_keeps_the_highest_scores() -> None:
    scores = [D(91 + i) for i in range(10)]
    graded = grade_units(scores, [False] * 10, GradeRules(good_quota_percent=30))
    good = [g.score for g in graded if g.grade == Grade.GOOD]
    assert sorted(good) == [D(98), D(99), D(100)]
    assert all("名额" in g.note for g in graded if g.grade == Grade.FAIR)


def test_units_tied_at_the_quota_boundary_are_treated_alike() -> None:
    # 10 units, 30 % → 3 places; the 3rd and 4th tie: neither gets 好, so only 2 do.
    scores = [D(99), D(98), D(95), D(95)] + [D(85)] * 6
    grades = [g.grade for g in grade_units(scores, [False] * 10, GradeRules(good_quota_percent=30))]
    assert grades[:4] == [Grade.GOOD, Grade.GOOD, Grade.FAIR, Grade.FAIR]
    # a tie inside the quota is kept whole
    assert within_quota([D(99), D(99), D(95)], 2) == [True, True, False]
    assert within_quota([D(99), D(99), D(99)], 2) == [False, False, False]


def test_quarter_score_mean_and_deductions_from_full() -> None:
    months = [MonthScore(D("95.0"), D(0), D(100), D(5)), MonthScore(D("90.5"), D(0), D(100), D(5)),
              MonthScore(D("88.0"), D(0), D(100), D(5))]
    assert quarter_score(months, False) == D("91.2")  # 273.5 / 3 = 91.166… → 91.2
    assert quarter_score(months, True) == D("73.5")  # 100 − (5 + 9.5 + 12)
    with_bonus = [MonthScore(D("99.0"), D("2.0"), D(100), D(5)), MonthScore(D("100.0"), D("4.0"), D(100), D(5))]
    assert quarter_score(with_bonus, True) == D("98.0")  # 100 − (3 + 4) + min(6, 5)
    assert quarter_score([MonthScore(D("10"), D(0), D(100), D(5))] * 3, True) == D("0.0")  # never below 0


scores_st = st.decimals(min_value=0, max_value=105, places=1, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(scores_st, st.booleans()), min_size=1, max_size=40), st.integers(0, 100))
def test_grading_properties(units: list[tuple[Decimal, bool]], percent: int) -> None:
    scores, vetoes = [s for s, _ in units], [v for _, v in units]
    rules = GradeRules(good_quota_percent=percent)
    graded = grade_units(scores, vetoes, rules)
    good = [g for g in graded if g.grade == Grade.GOOD]
    if percent:
        assert len(good) <= quota(len(units), percent)
    for g, veto in zip(graded, vetoes, strict=True):
        assert not (veto and g.grade == Grade.GOOD)
        order = [Grade.GOOD, Grade.FAIR, Grade.AVERAGE, Grade.POOR]
        assert order.index(g.grade) >= order.index(grade_of(g.score, rules))  # never better than the cut-offs
    for a, va in zip(graded, vetoes, strict=True):  # same score and veto, same grade
        for b, vb in zip(graded, vetoes, strict=True):
            if a.score == b.score and va == vb:
                assert a.grade == b.grade and a.rank == b.rank
    demoted = [g for g in graded if "名额" in g.note]
    assert all(x.score > y.score for x in good for y in demoted)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.decimals(min_value=40, max_value=100, places=1), min_size=1, max_size=3))
def test_quarter_roll_up_properties(totals: list[Decimal]) -> None:
    months = [MonthScore(t, D(0), D(100), D(5)) for t in totals]
    mean = quarter_score(months, False)
    assert min(totals) <= mean <= max(totals)
    assert abs(mean - sum(totals) / len(totals)) <= D("0.05")
    assert quarter_score(months, True) <= mean  # every month's deductions count in full
    if len(totals) == 1:
        assert quarter_score(months, True) == mean


def test_parse_quarter() -> None:
    assert parse_quarter("2026-Q3") == (2026, 3)
    assert parse_quarter("2026q1") == (2026, 1)
    assert parse_quarter("2026年第4季度") == (2026, 4)
    for bad in ("2026-Q5", "Q3", "2026", "abc"):
        with pytest.raises(ValidationError, match="YYYY-Qn"):
            parse_quarter(bad)


# ---------------------------------------------------------------------------------------------------------------
# the service on a county with six scored months


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, _template_db: Path):
    path = tmp_path_factory.mktemp("quarter") / "county.sqlite3"
    return build_template(path, _template_db, range(1, 7)), path


@pytest.fixture
def county(built, paths):
    c = open_copy(built[0], built[1], paths)
    yield c
    c.db.close()


def _set(county, d: S.SettingDef, value: object) -> None:
    with county.db.session() as s:
        S.set_value(s, d, value)
        s.commit()


def _service(county) -> QuarterService:
    return QuarterService(county.db.session_factory, actor="测试员", today=lambda: TODAY)


def test_grading_rolls_up_the_months(county) -> None:
    _set(county, S.QUARTER_GOOD_QUOTA, 0)
    g = _service(county).grading(2026, 2)
    assert g.state is None and not g.stored and g.months_locked
    rows = {r.unit: r for r in g.rows}
    assert rows["县教育局"].months == (D("99.0"), D("99.0"), D("99.0")) and rows["县教育局"].score == D("99.0")
    assert [rows[u].grade for u in ("县财政局", "县教育局", "县民政局", "县审计局", "县水利局", "县林业局")] == [
        Grade.GOOD, Grade.GOOD, Grade.GOOD, Grade.FAIR, Grade.AVERAGE, Grade.POOR]
    assert rows["县审计局"].veto and not rows["县财政局"].veto  # the May veto
    assert [r.rank for r in g.rows] == [1, 2, 3, 4, 5, 6]


def test_default_quota_leaves_one_good_of_six(county) -> None:
    g = _service(county).grading(2026, 1)
    assert [r.unit for r in g.rows if r.grade == Grade.GOOD] == ["县财政局"]
    assert "名额" in next(r for r in g.rows if r.unit == "县教育局").note


def test_deductions_from_full_is_a_setting(county) -> None:
    _set(county, S.QUARTER_DEDUCT, True)
    rows = {r.unit: r for r in _service(county).grading(2026, 1).rows}
    assert rows["县教育局"].score == D("97.0")  # 100 − 3 × 1
    assert rows["县林业局"].score == D("0.0")  # 100 − 3 × 45, never below 0


def test_review_needs_the_three_months_locked(county) -> None:
    county.scoring.reopen_period(county.periods[3], "更正扣分", is_admin=True)
    service = _service(county)
    with pytest.raises(ValidationError, match="3月（已复核）"):
        service.review(2026, 1)
    assert service.grading(2026, 1).state is None  # the refusal changed nothing


def test_lifecycle_review_lock_reopen_unreview(county) -> None:
    service = _service(county)
    g = service.review(2026, 1)
    assert g.state == PeriodState.REVIEWED and g.stored and len(g.rows) == 6
    with pytest.raises(ValidationError, match="已复核"):
        service.review(2026, 1)
    assert service.lock(2026, 1).state == PeriodState.LOCKED
    with pytest.raises(PeriodLockedError):
        service.unreview(2026, 1)
    with pytest.raises(PermissionDenied):
        service.reopen(2026, 1, "更正", is_admin=False)
    with pytest.raises(ValidationError, match="理由"):
        service.reopen(2026, 1, "", is_admin=True)
    assert service.reopen(2026, 1, "月度考评更正", is_admin=True).state == PeriodState.REVIEWED
    g = service.unreview(2026, 1, "重新评定")
    assert g.state == PeriodState.DRAFT and not g.stored
    report = verify(county.db.session_factory)
    assert report.ok, report.findings


def test_stored_results_do_not_move_when_a_month_is_corrected(county) -> None:
    service = _service(county)
    service.review(2026, 1)
    sc = county.scoring
    sc.reopen_period(county.periods[1], "更正", is_admin=True)
    sheet = next(sh for sh in sc.sheets(county.periods[1]) if sh.unit_name == "县财政局")
    sc.set_reviewed(sheet.id, False)
    item = next(i for i in sc.form(sheet.id).items if i.indicator.code == "pol.deployment")
    sc.add_deduction(item.id, OccurrenceInput("补充检查发现问题", 1, 6, evidence_note="检查记录"))
    sc.set_reviewed(sheet.id, True)
    sc.lock_period(county.periods[1])
    g = service.grading(2026, 1)
    assert g.stale
    assert next(r for r in g.rows if r.unit == "县财政局").score == D("100.0")  # as reviewed
    assert next(r for r in service.unreview(2026, 1).rows if r.unit == "县财政局").score == D("98.0")


def test_changed_result_is_found_by_the_audit(county) -> None:
    _service(county).review(2026, 1)
    with county.db.engine.begin() as conn:
        conn.execute(text("UPDATE quarter_result SET grade = '好' WHERE unit_id = :u"), {"u": county.unit("县林业局")})
    report = verify(county.db.session_factory)
    assert any("县林业局的季度考核结果" in f.message for f in report.findings)


def test_unknown_quarter_and_bad_input(county) -> None:
    service = _service(county)
    with pytest.raises(NotFoundError):
        service.lock(2026, 3)
    with pytest.raises(ValidationError):
        service.grading(2026, 5)
    with pytest.raises(ValidationError, match="10月（未开始）"):
        service.review(2026, 4)


def test_quarterly_bulletin(county, tmp_path: Path) -> None:
    service = _service(county)
    with pytest.raises(NotFoundError, match="还没有开始"):
        service.issue_bulletin(2026, 2)
    service.open_quarter(2026, 2)
    with pytest.raises(ValidationError, match="尚未锁定（当前为“草稿”）"):
        service.issue_bulletin(2026, 2)
    service.review(2026, 1)
    service.lock(2026, 1)
    service.review(2026, 2)
    service.lock(2026, 2)
    issued = service.issue_bulletin(2026, 2, issued_on=dt.date(2026, 7, 8))
    assert issued.doc_number == "示直工委〔2026〕1号"
    data = BulletinService(county.db.session_factory).document(issued.id)
    results = check_gongwen(data, tmp_path, "--redhead", "--expect-chart", name="quarter.docx")
    assert warnings_of(results) == {}  # the 附件说明 on one line, indented two characters
    doc = open_docx(data)
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "关于2026年第二季度全县机关党建工作" in body and "分级量化考核情况的通报" in body
    assert "好等次1个，较好等次3个，一般等次1个，差等次1个" in body
    assert "县水利局、县林业局2个考核等次为一般、差的单位" in body
    note = next(p for p in body.splitlines() if p.startswith("需要说明的是"))
    assert note.count("超出“好”等次名额") == 1  # units sharing the reason are named together, once
    table = next(t for t in doc.tables if "季度得分" in [c.text for c in t.rows[0].cells])
    forestry = next(r for r in table.rows if r.cells[1].text == "县林业局")
    assert [c.text for c in forestry.cells[2:8]] == ["55.0", "55.0", "55.0", "55.0", "6", "差"]
    assert forestry.cells[8].text == "差"  # last quarter's grade
    with pytest.raises(ValidationError, match="重新印发须说明理由"):
        service.issue_bulletin(2026, 2)
    again = service.issue_bulletin(2026, 2, reason="更正", issued_on=dt.date(2026, 7, 9))
    assert again.doc_number == "示直工委〔2026〕2号"
    body = "\n".join(p.text for p in open_docx(BulletinService(county.db.session_factory).document(again.id)).paragraphs)
    assert "示直工委〔2026〕1号通报同时废止" in body
    with pytest.raises(ValidationError, match="已被使用"):
        service.issue_bulletin(2026, 2, reason="再次", sequence=1)


def test_cli_quarter(county, paths, capsys: pytest.CaptureFixture[str]) -> None:
    county.db.close()
    base = ["--data-dir", str(paths.data_dir)]
    assert main([*base, "quarter", "grade", "2026-Q2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["quarter"] == "2026-Q2" and out["rows"][0]["unit"] == "县财政局" and out["counts"]["差"] == 1
    assert main([*base, "quarter", "review", "2026-Q2"]) == 0
    assert "已复核" in capsys.readouterr().out
    assert main([*base, "quarter", "lock", "2026-Q2"]) == 0
    assert main([*base, "quarter", "bulletin", "2026-Q2", "--out", str(paths.data_dir / "out")]) == 0
    assert list((paths.data_dir / "out").glob("*第2季度*通报*.docx"))
    assert main([*base, "quarter", "reopen", "2026-Q2", "--reason", "更正"]) == 2
    assert "管理员" in capsys.readouterr().err
    assert main([*base, "quarter", "grade", "2026-Q9"]) == 2
