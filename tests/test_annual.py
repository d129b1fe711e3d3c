"""The year: 好票率, 综合, 等次 and 优秀单位 (with hypothesis properties), votes checked against the voters (counts and
ballots), 公开承诺 and 责任清单, the results' lifecycle and audit, 一般/差 → 约谈 and 整改, the documents, the CLI."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from annual_support import build_template, open_copy
from hypothesis import given, settings
from hypothesis import strategies as st
from reports_samples import check_gongwen, open_docx, warnings_of
from sqlalchemy import func, select, text

from app import settings as S
from app.cli import main
from app.errors import ImportFileError, PeriodLockedError, ValidationError
from app.models import Fulfilment, Grade, PeriodState, Rectification
from app.services.annual.commitments import CommitmentInput, CommitmentItemInput, DutyItemInput, DutyListInput
from app.services.annual.results import AnnualRules, annual_grade, choose_excellent, composite
from app.services.annual.review import ReviewInput, VoteTally, good_rate, parse_marks
from app.services.annual.service import AnnualService
from app.services.audit import verify
from app.services.bulletin import BulletinService
from app.services.quarter import GradeRules, quota

D = Decimal
RULES = AnnualRules()
TODAY = dt.date(2026, 12, 20)
HELD = dt.date(2026, 12, 18)
VOTES = [(38, 2, 0, 0, 0), (30, 8, 2, 0, 0), (20, 15, 5, 0, 0), (10, 20, 8, 2, 0), (5, 15, 15, 5, 0),
         (2, 8, 20, 10, 0)]
CHECKS = [98, 96, 92, 88, 80, 60]


# ---------------------------------------------------------------------------------------------------------------
# pure rules


def test_good_rate_counts_good_and_fair_over_valid_votes() -> None:
    assert good_rate(VoteTally(38, 2, 0, 0, 0)) == D("100.0")
    assert good_rate(VoteTally(10, 20, 8, 2, 0)) == D("75.0")
    assert good_rate(VoteTally(3, 0, 1, 0, 6)) == D("75.0")  # 弃权 is not a valid vote
    assert good_rate(VoteTally(1, 1, 1, 0, 0)) == D("66.7")
    assert good_rate(VoteTally(0, 0, 0, 0, 5)) is None


def test_composite_weights_the_three_parts() -> None:
    assert composite(D("99.0"), D("96.0"), D("95.0"), RULES) == D("97.7")
    other = AnnualRules(weight_mean=50, weight_check=30, weight_vote=20)
    assert composite(D("80"), D("90"), D("100"), other) == D("87.0")
    with pytest.raises(ValidationError, match="合计110%"):
        AnnualRules(weight_mean=70, weight_check=30, weight_vote=10)


@pytest.mark.parametrize(("total", "rate", "veto", "grade"), [
    ("92", "90", False, Grade.GOOD), ("90.0", "85.0", False, Grade.GOOD), ("92", "84.9", False, Grade.FAIR),
    ("89.9", "100", False, Grade.FAIR), ("85", "59.9", False, Grade.AVERAGE), ("85", "60.0", False, Grade.FAIR),
    ("70", "50", False, Grade.AVERAGE), ("59.9", "100", False, Grade.POOR), ("95", "95", True, Grade.FAIR),
])
def test_annual_grade(total: str, rate: str, veto: bool, grade: Grade) -> None:
    got, note = annual_grade(D(total), D(rate), veto, RULES)
    assert got == grade
    assert bool(note) == (got != annual_grade(D(total), D("100"), False, RULES)[0])


def test_excellent_units_within_the_quota_never_with_a_veto() -> None:
    totals = [D(99), D(98), D(97), D(96)] + [D(85)] * 6
    grades = [Grade.GOOD] * 4 + [Grade.FAIR] * 6
    assert choose_excellent(totals, grades, [True] + [False] * 9, RULES) == [False, True, True] + [False] * 7
    tied = [D(99), D(97), D(97), D(96)] + [D(85)] * 6
    assert choose_excellent(tied, grades, [False] * 10, RULES) == [True] + [False] * 9  # the tie at place 2


votes_st = st.tuples(*[st.integers(0, 30)] * 5).filter(lambda v: sum(v[:4]) > 0)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.decimals(50, 100, places=1), st.decimals(40, 100, places=1), votes_st, st.booleans()),
                min_size=1, max_size=30), st.integers(0, 60))
def test_annual_properties(units: list[tuple[Decimal, Decimal, tuple[int, ...], bool]], percent: int) -> None:
    rules = AnnualRules(excellent_quota_percent=percent)
    totals, grades, vetoes = [], [], []
    for mean, check, votes, veto in units:
        rate = good_rate(VoteTally(*votes))
        assert rate is not None and D(0) <= rate <= D(100)
        total = composite(mean, check, rate, rules)
        assert min(mean, check, rate) - D("0.05") <= total <= max(mean, check, rate) + D("0.05")
        grade, _ = annual_grade(total, rate, veto, rules)
        if grade == Grade.GOOD:
            assert total >= rules.grades.good and rate >= rules.good_rate_for_good and not veto
        if rate < rules.good_rate_floor:
            assert grade in (Grade.AVERAGE, Grade.POOR)
        totals.append(total)
        grades.append(grade)
        vetoes.append(veto)
    best = choose_excellent(totals, grades, vetoes, rules)
    assert sum(best) <= quota(len(units), percent)
    assert all(g == Grade.GOOD and not v for b, g, v in zip(best, grades, vetoes, strict=True) if b)
    chosen = [t for t, b in zip(totals, best, strict=True) if b]
    left = [t for t, b, g, v in zip(totals, best, grades, vetoes, strict=True) if not b and g == Grade.GOOD and not v]
    assert all(c > x for c in chosen for x in left)


def test_parse_marks() -> None:
    assert parse_marks("1 2 3 4 0 1", 6) == "123401"
    assert parse_marks("好较好一般差弃权好", 6) == "123401"
    assert parse_marks("1,2，3、4;0 1", 6) == "123401"
    with pytest.raises(ValidationError, match="录入了5人的评价，述职人共6人"):
        parse_marks("12340", 6)
    with pytest.raises(ValidationError, match="无法识别"):
        parse_marks("12345x", 6)


# ---------------------------------------------------------------------------------------------------------------
# the service on a county with a scored year


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, _template_db: Path):
    path = tmp_path_factory.mktemp("annual") / "county.sqlite3"
    return build_template(path, _template_db), path


@pytest.fixture
def county(built, paths):
    c = open_copy(built[0], built[1], paths)
    yield c
    c.db.close()


def _service(county) -> AnnualService:
    return AnnualService(county.db.session_factory, actor="测试员", today=lambda: TODAY)


def _meeting(county, voters: int = 40):
    return _service(county).create_review(2026, ReviewInput(HELD, voters, place="县委会议室", participants="工委委员"))


def _complete(county) -> AnnualService:
    service = _service(county)
    review = _meeting(county)
    for report, votes, check in zip(review.reports, VOTES, CHECKS, strict=True):
        service.set_votes(report.id, VoteTally(*votes))
        service.set_check_score(report.id, check)
    return service


def _commit(county, unit: str, items: list[CommitmentItemInput] | None = None):
    items = items or [CommitmentItemInput("每季度讲一次党课", "书记", dt.date(2026, 12, 31)),
                      CommitmentItemInput("完成支部换届", "组织委员", dt.date(2026, 6, 30))]
    return _service(county).save_commitment(county.unit(unit), 2026, CommitmentInput("周勇", items, dt.date(2026, 1, 15)))


def test_commitment_saved_assessed_and_resaved(county) -> None:
    service = _service(county)
    view = _commit(county, "县林业局")
    assert [i.content for i in view.items] == ["每季度讲一次党课", "完成支部换届"]
    assert all(i.status == Fulfilment.PENDING for i in view.items)
    with pytest.raises(ValidationError, match="请说明未完成的内容"):
        service.assess(view.items[0].id, "部分践诺")
    with pytest.raises(ValidationError, match="已践诺、部分践诺或未践诺"):
        service.assess(view.items[0].id, "差不多")
    view = service.assess(view.items[0].id, Fulfilment.PARTIAL, "只讲了两次")
    view = service.assess(view.items[1].id, "已践诺")
    assert view.count(Fulfilment.PARTIAL) == 1 and view.count(Fulfilment.DONE) == 1
    items = [CommitmentItemInput(i.content, i.owner, i.due_on, id=i.id) for i in view.items]
    items.append(CommitmentItemInput("新增承诺", "书记", dt.date(2026, 11, 30)))
    view = _commit(county, "县林业局", items)
    assert [i.status for i in view.items] == [Fulfilment.PARTIAL, Fulfilment.DONE, Fulfilment.PENDING]
    status = next(x for x in service.year_status(2026) if x.unit == "县林业局")
    assert (status.commitment_items, status.fulfilled, status.partial, status.pending) == (3, 1, 1, 1)


def test_commitment_refused_with_every_problem(county) -> None:
    service = _service(county)
    bad = CommitmentInput("", [CommitmentItemInput("", "书记", None),
                               CommitmentItemInput("x" * 501, "书记", dt.date(2027, 1, 5))], dt.date(2026, 3, 1))
    with pytest.raises(ValidationError) as err:
        service.save_commitment(county.unit("县财政局"), 2026, bad)
    messages = [str(p) for p in err.value.problems]
    assert "请填写承诺人（书记）姓名" in messages
    assert "第1行：请填写承诺事项" in messages and "第1行：请填写完成时限" in messages
    assert "第2行：承诺事项不能超过500字" in messages and "第2行：完成时限应在2026年内" in messages
    with pytest.raises(ValidationError, match="至少填写一项"):
        service.save_commitment(county.unit("县财政局"), 2026, CommitmentInput("刘明", []))


def test_duty_list_needs_the_first_responsible_person(county) -> None:
    service = _service(county)
    unit = county.unit("县财政局")
    suggested = service.suggested_duties(unit, 2026)
    assert suggested[0].role.value == "党组书记" and suggested[0].person == "刘明"
    view = service.save_duty_list(unit, 2026, DutyListInput(suggested, dt.date(2026, 1, 20)))
    assert len(view.items) == len(suggested)
    with pytest.raises(ValidationError, match="须明确党组书记"):
        service.save_duty_list(unit, 2026, DutyListInput([DutyItemInput("班子成员", "抓好分管领域党建")]))
    with pytest.raises(ValidationError, match="责任主体应为"):
        service.save_duty_list(unit, 2026, DutyListInput([DutyItemInput("局长", "抓党建")]))


def test_review_meeting_and_its_reports(county) -> None:
    with pytest.raises(ValidationError) as err:
        _service(county).create_review(2026, ReviewInput(dt.date(2026, 5, 1), 0))
    assert {p.field for p in err.value.problems} == {"held_on", "voters"}
    review = _meeting(county)
    assert [r.secretary for r in review.reports] == ["刘明", "陈静", "王强", "赵磊", "孙丽", "周勇"]
    with pytest.raises(ValidationError, match="已经建立"):
        _meeting(county)


def test_vote_totals_must_match_the_voters(county) -> None:
    service = _service(county)
    review = _meeting(county)
    with pytest.raises(ValidationError, match="票数合计39张.*与投票人数40人不符"):
        service.set_votes(review.reports[0].id, VoteTally(30, 5, 3, 1, 0))
    with pytest.raises(ValidationError, match="票数合计41张"):
        service.set_votes(review.reports[0].id, VoteTally(30, 5, 3, 1, 2))
    with pytest.raises(ValidationError, match="不小于0"):
        service.set_votes(review.reports[0].id, VoteTally(41, 0, 0, 0, -1))
    view = service.set_votes(review.reports[0].id, VoteTally(30, 5, 3, 1, 1))
    assert view.tally.valid == 39 and view.rate == D("89.7")
    problems = service.review(2026).vote_problems()  # type: ignore[union-attr]
    assert len(problems) == 5 and "县教育局（陈静）的票数合计0张" in problems[0]


def test_ballot_by_ballot(county) -> None:
    service = _service(county)
    review = _meeting(county, voters=3)
    service.set_votes(review.reports[0].id, VoteTally(3, 0, 0, 0, 0))
    with pytest.raises(ValidationError, match="已按票数录入"):
        service.add_ballot(2026, "111111")
    service.clear_votes(2026)
    with pytest.raises(ValidationError, match="述职人共6人"):
        service.add_ballot(2026, "1111")
    service.add_ballot(2026, "112340")
    service.add_ballot(2026, "1 2 2 3 4 4")
    third = service.add_ballot(2026, "好好较好一般差差")
    with pytest.raises(ValidationError, match="已达投票人数3人"):
        service.add_ballot(2026, "111111")
    reports = service.review(2026).reports  # type: ignore[union-attr]
    assert reports[0].tally == VoteTally(3, 0, 0, 0, 0)
    assert reports[3].tally == VoteTally(0, 0, 3, 0, 0)
    assert reports[5].tally == VoteTally(0, 0, 0, 2, 1)
    with pytest.raises(ValidationError, match="由选票统计得出"):
        service.set_votes(reports[0].id, VoteTally(3, 0, 0, 0, 0))
    with pytest.raises(ValidationError, match="不能再增减"):
        service.remove_report(reports[0].id)
    service.remove_ballot(third.id)
    assert service.review(2026).reports[5].tally == VoteTally(0, 0, 0, 1, 1)  # type: ignore[union-attr]
    assert "尚缺1张" in service.review(2026).vote_problems()[0]  # type: ignore[union-attr]


def test_results_say_what_is_missing(county) -> None:
    service = _service(county)
    assert service.results(2026).problems == ["2026年度述职评议还没有建立"]
    review = _meeting(county)
    service.set_votes(review.reports[0].id, VoteTally(*VOTES[0]))
    results = service.results(2026)
    assert not results.complete
    assert "县财政局尚未录入年终检查得分" in results.problems
    assert any("县教育局（陈静）的票数合计0张" in p for p in results.problems)
    with pytest.raises(ValidationError, match="还不完整"):
        service.review_results(2026)


def test_results_grades_and_excellent_unit(county) -> None:
    results = _complete(county).results(2026)
    assert results.complete and not results.stored
    rows = {r.unit: r for r in results.rows}
    edu = rows["县教育局"]
    assert (edu.annual_mean, edu.check_score, edu.rate, edu.composite) == (D("99.0"), D("96.0"), D("95.0"), D("97.7"))
    assert [rows[u].grade for u in ("县财政局", "县教育局", "县民政局", "县审计局", "县水利局", "县林业局")] == [
        Grade.GOOD, Grade.GOOD, Grade.GOOD, Grade.FAIR, Grade.AVERAGE, Grade.POOR]
    assert rows["县审计局"].veto  # May's 一票否决
    assert [r.unit for r in results.excellent] == ["县财政局"]  # 20 % of 6 → 1
    assert [r.rank for r in results.rows] == [1, 2, 3, 4, 5, 6]


def test_quarter_basis_is_a_setting(county) -> None:
    from app.services.quarter import QuarterService

    service = _complete(county)
    with county.db.session() as s:
        S.set_value(s, S.ANNUAL_OF_QUARTERS, True)
        s.commit()
    assert any("已复核的季度考核" in p for p in service.results(2026).problems)
    quarters = QuarterService(county.db.session_factory)
    for q in (1, 2):
        quarters.review(2026, q)
    results = service.results(2026)
    assert results.complete and results.rows[0].scored == 2


def test_review_lock_and_audit(county) -> None:
    service = _complete(county)
    results = service.review_results(2026)
    assert results.stored and results.state == PeriodState.REVIEWED and not results.stale
    report_id = service.review(2026).reports[0].id  # type: ignore[union-attr]
    with pytest.raises(ValidationError, match="已复核，修改前请先取消复核"):
        service.set_check_score(report_id, 90)
    service.lock_results(2026)
    with pytest.raises(PeriodLockedError):
        service.set_check_score(report_id, 90)
    assert verify(county.db.session_factory).ok
    with county.db.engine.begin() as conn:
        conn.execute(text("UPDATE annual_result SET excellent = true WHERE unit_id = :u"), {"u": county.unit("县民政局")})
    findings = verify(county.db.session_factory).findings
    assert any("县民政局的考核结果" in f.message for f in findings)


def test_weak_units_get_an_interview_and_a_rectification_plan(county) -> None:
    from app.services.interview import ConversationInput, InterviewService

    service = _complete(county)
    _commit(county, "县林业局")
    view = _service(county).commitment(county.unit("县林业局"), 2026)
    service.assess(view.items[1].id, "未践诺", "换届未完成")  # type: ignore[union-attr]
    with pytest.raises(ValidationError, match="复核后"):
        service.propose_followups(2026)
    service.review_results(2026)
    made = service.propose_followups(2026)
    assert [(f.unit, f.grade, f.created) for f in made] == [("县水利局", Grade.AVERAGE, True),
                                                           ("县林业局", Grade.POOR, True)]
    assert [f.created for f in service.propose_followups(2026)] == [False, False]
    interviews = InterviewService(county.db.session_factory, actor="测试员", today=lambda: TODAY)
    forestry = interviews.interview(made[1].interview_id)
    assert forestry.interviewee_name == "周勇" and "等次为差" in forestry.reasons[0]
    assert forestry.problems[0] == "公开承诺“完成支部换届”未践诺"
    assert forestry.rectification_id == made[1].rectification_id
    data = forestry.input()
    data.scheduled_at, data.interviewers = dt.datetime(2026, 12, 18, 9, 0), "张敏"  # held before the record (TODAY)
    interviews.update(forestry.id, data)
    interviews.record(forestry.id, ConversationInput("谈话", "接受", "限期整改"))
    with county.db.session() as s:  # recording did not open a second 整改
        assert s.scalar(select(func.count()).select_from(Rectification)
                        .where(Rectification.unit_id == county.unit("县林业局"))) == 1
    assert verify(county.db.session_factory).ok


def test_annual_bulletin(county, tmp_path: Path) -> None:
    service = _complete(county)
    service.review_results(2026)
    with pytest.raises(ValidationError, match="尚未锁定"):
        service.issue_bulletin(2026)
    service.lock_results(2026)
    issued = service.issue_bulletin(2026, issued_on=dt.date(2026, 12, 28))
    data = BulletinService(county.db.session_factory).document(issued.id)
    check_gongwen(data, tmp_path, "--redhead", "--expect-chart", name="review.docx")
    doc = open_docx(data)
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "关于2026年度县直单位党建工作" in body and "6名党组（党委）书记现场述职，40名参会人员" in body
    assert "授予县财政局1个单位2026年度“党建工作优秀单位”称号" in body
    assert "县水利局、县林业局2个单位" in body
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "序号")
    forestry = next(r for r in table.rows if r.cells[1].text == "县林业局")
    assert [c.text for c in forestry.cells[2:]] == ["周勇", "2", "8", "20", "10", "0", "25.0", "55.0", "60.0",
                                                    "53.5", "6", "差", "", ""]


def test_report_imported_from_docx(county, tmp_path: Path) -> None:
    service = _service(county)
    review = _meeting(county)
    source = docx.Document()
    for line in ("述职报告", "", "一是压实责任。", "二是强化学习。"):
        source.add_paragraph(line)
    path = tmp_path / "述职报告.docx"
    source.save(str(path))
    view = service.import_report(review.reports[0].id, path)
    assert view.has_report and view.report_file == "述职报告.docx"
    assert service.report_text(review.reports[0].id) == "述职报告\n一是压实责任。\n二是强化学习。"
    fake = tmp_path / "假的.docx"
    fake.write_text("not a document", encoding="utf-8")
    with pytest.raises(ImportFileError, match="不是有效的Word文档"):
        service.import_report(review.reports[0].id, fake)
    old = tmp_path / "报告.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ImportFileError, match="另存为.docx"):
        service.import_report(review.reports[0].id, old)


def test_printable_documents(county, tmp_path: Path) -> None:
    service = _service(county)
    view = _commit(county, "县林业局")
    service.assess(view.items[0].id, "未践诺", "只讲了两次")
    unit = county.unit("县林业局")
    service.save_duty_list(unit, 2026, DutyListInput(service.suggested_duties(unit, 2026), dt.date(2026, 1, 20)))
    _meeting(county)
    for name, data in (service.commitment_document(unit, 2026), service.commitment_document(unit, 2026,
                                                                                            with_fulfilment=True),
                       service.duty_list_document(unit, 2026), service.blank_ballot_document(2026)):
        results = check_gongwen(data, tmp_path, name=name)
        assert warnings_of(results) == {}, name  # each carries its 署名 and 成文日期 (the ballot: the meeting's)
        doc = open_docx(data)
        cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
        if "践诺情况" in name:
            assert "未践诺" in cells and "只讲了两次" in cells
        elif "承诺书" in name:
            assert "每季度讲一次党课" in cells and "2026.12.31" in cells
        elif "责任清单" in name:
            assert "党组书记（第一责任人）" in cells and "周勇" in cells
        else:
            assert "县林业局" in cells and "周勇" in cells and "较好" in cells


def test_cli_annual(county, paths, capsys: pytest.CaptureFixture[str]) -> None:
    _complete(county)
    county.db.close()
    base = ["--data-dir", str(paths.data_dir)]
    assert main([*base, "annual", "results", "2026", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows"][0]["unit"] == "县财政局" and out["rows"][0]["excellent"] is True
    assert out["rows"][5]["votes"] == {"好": 2, "较好": 8, "一般": 20, "差": 10, "弃权": 0}
    assert main([*base, "annual", "review", "2026"]) == 0
    assert main([*base, "annual", "followups", "2026"]) == 0
    assert "县林业局（差）：已建立约谈" in capsys.readouterr().out
    assert main([*base, "annual", "ballot", "2026", "--out", str(paths.data_dir / "out")]) == 0
    assert list((paths.data_dir / "out").glob("*测评表*.docx"))
    assert main([*base, "annual", "bulletin", "2026", "--out", str(paths.data_dir / "out")]) == 2
    assert "尚未锁定" in capsys.readouterr().err


def test_grade_cut_offs_are_shared_with_the_quarter() -> None:
    rules = AnnualRules(grades=GradeRules(good=D(95)))
    assert annual_grade(D("94.9"), D(100), False, rules)[0] == Grade.FAIR
