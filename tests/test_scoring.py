"""The monthly 考评: the default scheme, scoring arithmetic, bad inputs, the lifecycle and suggestions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scoring_support import County, d, item_by_code, make_county
from sqlalchemy import func, select

from app.errors import NotFoundError, PeriodLockedError, PermissionDenied, ValidationError
from app.models import AuditEntry, IndicatorMethod, OrgKind, OrgPostKind, PeriodState
from app.services.register import OrgInput, PostInput, RegisterService, UnitInput
from app.services.scheme import SchemeService
from app.services.score_rules import indicator_score, parse_score, sheet_totals
from app.services.scoring import OccurrenceInput, ScoringService


@pytest.fixture
def county(db) -> County:
    return make_county(db)


def entries(db, entity: str | None = None) -> list[AuditEntry]:
    with db.session_factory() as s:
        q = select(AuditEntry).order_by(AuditEntry.seq)
        if entity:
            q = q.where(AuditEntry.entity == entity)
        return list(s.scalars(q))


# --- the default scheme ------------------------------------------------------------------------------------------


def test_default_scheme_is_the_domain_table(db):
    schemes = SchemeService(db.session_factory)
    view = schemes.view(schemes.load_default(2026))
    assert view.problems == []
    assert view.total_points == 100 and view.bonus_ceiling == 5
    points = {c.name: c.points for c in view.categories}
    assert points == {"政治建设与责任落实": 20, "学习教育": 15, "组织生活": 25, "组织建设与党员管理": 20, "作风纪律": 10,
                      "工作落实": 10, "加分": 5}
    assert len(view.indicators) == 28
    assert {i.code for i in view.indicators} >= {"org.vacancy", "org.term_overdue", "life.committee_meeting"}
    vetoes = [i for i in view.indicators if i.method == IndicatorMethod.VETO]
    assert [v.name for v in vetoes] == ["违纪违法案件"]
    with pytest.raises(ValidationError, match="已有考评指标体系"):
        schemes.load_default(2026)


def test_open_month_gives_every_active_unit_a_full_sheet(db, county):
    RegisterService(db.session_factory).save_unit(UnitInput("已撤销单位"))
    with db.session_factory() as s, s.begin():
        from app.models import Unit

        s.scalar(select(Unit).where(Unit.name == "已撤销单位")).active = False
    period = county.scoring.open_month(2026, 3)
    assert (period.key, period.state, period.sheets) == ("2026-03", PeriodState.DRAFT, 5)
    form = county.form(period.id)
    assert form.review_total == 100 and form.bonus_total == 0 and form.self_total is None
    assert len(form.items) == 28
    assert all(c.score == (0 if c.is_bonus else c.points) for c in form.categories)
    # opening again is idempotent; a unit added later gets its sheet while the month is a draft
    RegisterService(db.session_factory).save_unit(UnitInput("新设单位"))
    assert county.scoring.open_month(2026, 3).sheets == 6


def test_open_month_refuses_bad_months(county):
    for y, m in ((2026, 13), (2026, 0), (1999, 5)):
        with pytest.raises(ValidationError, match="月份"):
            county.scoring.open_month(y, m)


# --- arithmetic --------------------------------------------------------------------------------------------------


def test_deductions_per_occurrence_never_below_zero(county):
    pid = county.month()
    form = county.form(pid)
    item = item_by_code(form, "life.committee_meeting")  # 4 points, −1 each
    ch = county.scoring.add_deduction(item.id, OccurrenceInput("3月未召开支委会", 1))
    assert (ch.item_score, ch.review_total) == (d("3.0"), d("99.0"))
    ch = county.scoring.add_deduction(item.id, OccurrenceInput("记录缺失", 3, "1.5"))
    assert (ch.item_score, ch.review_total) == (d("0.0"), d("96.0"))  # 1 + 4.5 lost, capped at the 4 points
    assert county.form(pid).review_total == d("96.0")


def test_cap_below_points_limits_the_loss(db, county):
    pid = county.month()
    schemes = SchemeService(db.session_factory)
    ind = item_by_code(county.form(pid), "org.dues").indicator  # 5 points, −0.5 per person-month
    schemes.edit_indicator(ind.id, _input(ind, cap="2"))
    item = item_by_code(county.form(pid), "org.dues")
    ch = county.scoring.add_deduction(item.id, OccurrenceInput("党费未缴", 9))
    assert ch.item_score == d("3.0")  # 4.5 lost, capped at 2


def test_bonus_is_capped_per_indicator_and_by_the_ceiling(county):
    pid = county.month()
    form = county.form(pid)
    a, b = item_by_code(form, "bonus.commendation"), item_by_code(form, "bonus.experience")
    ch = county.scoring.add_bonus(a.id, OccurrenceInput("市级表彰", 2, "2", evidence_note="表彰文件"))
    assert (ch.item_score, ch.bonus_total, ch.review_total) == (d("3.0"), d("3.0"), d("103.0"))
    ch = county.scoring.add_bonus(b.id, OccurrenceInput("经验推广", 1, "3", evidence_note="简报"))
    assert (ch.bonus_total, ch.review_total) == (d("5.0"), d("105.0"))  # 6 earned, ceiling 5
    bonus = next(c for c in county.form(pid).categories if c.is_bonus)
    assert bonus.score == d("5.0")


def test_veto_flag_needs_a_veto_indicator_and_a_reason(county):
    pid = county.month()
    form = county.form(pid)
    veto_item = item_by_code(form, "disc.cases")
    with pytest.raises(ValidationError, match="理由"):
        county.scoring.set_veto(veto_item.id, True, "  ")
    with pytest.raises(ValidationError, match="不是一票否决指标"):
        county.scoring.set_veto(item_by_code(form, "org.dues").id, True, "x")
    ch = county.scoring.set_veto(veto_item.id, True, "干部受到司法处理")
    assert ch.veto is True and ch.review_total == 100  # a veto caps the grade, it is not a deduction
    assert county.scoring.sheets(pid)[0].veto
    ch = county.scoring.set_veto(veto_item.id, False, "经复查撤销")
    assert ch.veto is False
    assert [e.action for e in entries(county.db, "score_item")] == ["一票否决", "撤销一票否决"]


def test_self_scores_sit_beside_review_scores(county):
    pid = county.month()
    form = county.form(pid)
    a, b = item_by_code(form, "pol.party_group_study"), item_by_code(form, "study.plan")
    county.scoring.set_self_score(a.id, "6")
    ch = county.scoring.set_self_score(b.id, "2.5")
    assert ch.self_total == d("8.5") and ch.review_total == 100
    with pytest.raises(ValidationError, match="不能超过该指标分值3.0分"):
        county.scoring.set_self_score(b.id, "3.5")
    with pytest.raises(ValidationError, match="一位小数"):
        county.scoring.set_self_score(b.id, "2.25")
    with pytest.raises(ValidationError, match="负数"):
        county.scoring.set_self_score(b.id, "-1")
    assert county.scoring.set_self_score(b.id, None).self_total == d("6.0")


def test_tenths_add_up_exactly(county):
    """0.1 and 0.2 as binary floats drift; the scores are Decimals stored as integer tenths."""
    pid = county.month()
    item = item_by_code(county.form(pid), "org.community")  # −0.2 per member not registered
    for _ in range(7):
        ch = county.scoring.add_deduction(item.id, OccurrenceInput("未到社区报到", 1, "0.1"))
    assert ch.item_score == d("3.3") and ch.review_total == d("99.3")
    assert str(county.form(pid).review_total) == "99.3"


def test_edit_and_remove_deduction_recompute_and_log(county):
    pid = county.month()
    item = item_by_code(county.form(pid), "work.report_late")
    ch = county.scoring.add_deduction(item.id, OccurrenceInput("月报迟报", 2))
    assert ch.item_score == d("3.0")
    ch = county.scoring.edit_deduction(ch.id, OccurrenceInput("月报、季报迟报", 3))
    assert ch.item_score == d("2.5")
    ch = county.scoring.remove_deduction(ch.id, "经核实按时报送")
    assert ch.item_score == d("4.0") and ch.review_total == 100
    log = entries(county.db, "deduction")
    assert [e.action for e in log] == ["新增", "修改", "删除"]
    assert log[-1].reason == "经核实按时报送" and log[-1].new is None
    with pytest.raises(NotFoundError):
        county.scoring.remove_deduction(ch.item_id + 10_000)


# --- bad inputs --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "message"), [
    (OccurrenceInput("", 1), "请填写扣分原因"),
    (OccurrenceInput("原因", 0), "次数应为1至999的整数"),
    (OccurrenceInput("原因", -2), "次数应为1至999的整数"),
    (OccurrenceInput("原因", "1.5"), "次数应为1至999的整数"),
    (OccurrenceInput("原因", "两次"), "次数应为1至999的整数"),
    (OccurrenceInput("原因", 1000), "次数应为1至999的整数"),
    (OccurrenceInput("原因", 1, "4.5"), "超过该指标分值4.0分"),
    (OccurrenceInput("原因", 1, "0.25"), "最多保留一位小数"),
    (OccurrenceInput("原因", 1, "0"), "每次分值应大于0"),
    (OccurrenceInput("原因", 1, "abc"), "每次分值应为数字"),
    (OccurrenceInput("很长" * 300, 1), "不能超过500个字"),
])
def test_bad_deductions_are_refused_with_their_message(county, data, message):
    pid = county.month()
    item = item_by_code(county.form(pid), "life.committee_meeting")
    with pytest.raises(ValidationError, match=message):
        county.scoring.add_deduction(item.id, data)
    assert county.form(pid).review_total == 100
    assert entries(county.db, "deduction") == []


def test_evidence_rules(county, tmp_path):
    pid = county.month()
    item = item_by_code(county.form(pid), "work.criticised")  # evidence required
    with pytest.raises(ValidationError, match="须提供佐证"):
        county.scoring.add_deduction(item.id, OccurrenceInput("被县委通报批评", 1))
    with pytest.raises(ValidationError, match="未设置附件目录"):
        county.scoring.add_deduction(item.id, OccurrenceInput("被通报批评", 1, evidence_file=str(tmp_path / "a.pdf")))
    county.scoring.add_deduction(item.id, OccurrenceInput("被通报批评", 1, evidence_note="县委办通报〔2026〕3号"))


def test_evidence_file_is_copied_into_the_attachment_folder(db, paths, tmp_path):
    county = make_county(db, attachment_dir=paths.attachment_dir)
    pid = county.month()
    item = item_by_code(county.form(pid), "work.criticised")
    with pytest.raises(ValidationError, match="佐证文件不存在"):
        county.scoring.add_deduction(item.id, OccurrenceInput("被通报批评", 1, evidence_file=str(tmp_path / "无.pdf")))
    scan = tmp_path / "通报.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    ch = county.scoring.add_deduction(item.id, OccurrenceInput("被通报批评", 1, evidence_file=str(scan)))
    stored = county.form(pid).items[-1]
    stored = item_by_code(county.form(pid), "work.criticised").deductions[0]
    assert stored.evidence_file.startswith("scores/2026-03/") and stored.evidence_file.endswith("通报.pdf")
    assert (paths.attachment_dir / stored.evidence_file).read_bytes() == b"%PDF-1.4 scan"
    scan.unlink()  # the original may go; saving the deduction again keeps the attached copy
    county.scoring.edit_deduction(ch.id, OccurrenceInput("被通报批评两次", 2, evidence_file=stored.evidence_file))
    assert item_by_code(county.form(pid), "work.criticised").deductions[0].evidence_file == stored.evidence_file


def test_deductions_and_bonuses_go_to_their_own_indicators(county):
    pid = county.month()
    form = county.form(pid)
    with pytest.raises(ValidationError, match="是加分指标"):
        county.scoring.add_deduction(item_by_code(form, "bonus.commendation").id, OccurrenceInput("x", 1))
    with pytest.raises(ValidationError, match="是扣分指标"):
        county.scoring.add_bonus(item_by_code(form, "study.plan").id, OccurrenceInput("x", 1))


def test_unknown_records_are_not_found(county):
    with pytest.raises(NotFoundError):
        county.scoring.form(999)
    with pytest.raises(NotFoundError):
        county.scoring.add_deduction(999_999, OccurrenceInput("x", 1))
    with pytest.raises(NotFoundError):
        county.scoring.lock_period(999)


# --- lifecycle ---------------------------------------------------------------------------------------------------


def test_review_lock_and_the_locked_month_refuses_every_edit(county):
    pid = county.month()
    item = item_by_code(county.form(pid), "life.theme_day")
    ded = county.scoring.add_deduction(item.id, OccurrenceInput("未开展主题党日", 1))
    sheets = county.scoring.sheets(pid)
    with pytest.raises(ValidationError, match="尚有5个单位未复核"):
        county.scoring.lock_period(pid)
    for sh in sheets[:-1]:
        assert county.scoring.set_reviewed(sh.id).state == PeriodState.DRAFT
    assert county.scoring.set_reviewed(sheets[-1].id).state == PeriodState.REVIEWED
    # a reviewed sheet is not edited until its review is undone
    with pytest.raises(ValidationError, match="已复核，如需修改请先取消复核"):
        county.scoring.add_deduction(item.id, OccurrenceInput("再次", 1))
    assert county.scoring.lock_period(pid).state == PeriodState.LOCKED
    veto = item_by_code(county.form(pid), "disc.cases")
    bonus = item_by_code(county.form(pid), "bonus.commendation")
    edits = [
        lambda: county.scoring.add_deduction(item.id, OccurrenceInput("x", 1)),
        lambda: county.scoring.edit_deduction(ded.id, OccurrenceInput("y", 1)),
        lambda: county.scoring.remove_deduction(ded.id, "z"),
        lambda: county.scoring.add_bonus(bonus.id, OccurrenceInput("x", 1, evidence_note="e")),
        lambda: county.scoring.set_self_score(item.id, "1"),
        lambda: county.scoring.set_veto(veto.id, True, "x"),
        lambda: county.scoring.set_reviewed(sheets[0].id, False),
        lambda: county.scoring.reject_suggestion(sheets[0].id, "suggested:vacancy:org 1"),
        lambda: county.scoring.lock_period(pid),
    ]
    for edit in edits:
        with pytest.raises(PeriodLockedError, match="已锁定"):
            edit()
    assert county.form(pid).review_total == d("99.0")


def test_reopening_needs_an_administrator_and_a_reason_and_is_logged(county):
    pid = county.month()
    county.review_all(pid)
    county.scoring.lock_period(pid)
    with pytest.raises(PermissionDenied, match="管理员"):
        county.scoring.reopen_period(pid, "更正扣分", is_admin=False)
    with pytest.raises(ValidationError, match="理由"):
        county.scoring.reopen_period(pid, " ", is_admin=True)
    view = county.scoring.reopen_period(pid, "县直工委会议决定更正第3局扣分", is_admin=True)
    assert view.state == PeriodState.REVIEWED
    last = entries(county.db, "period")[-1]
    assert (last.action, last.old, last.new, last.who) == ("重新开放", "已锁定", "已复核", "测试员")
    assert last.reason == "县直工委会议决定更正第3局扣分"
    # undo one sheet's review to correct it: the month returns to 草稿
    sheet = county.scoring.sheets(pid)[2]
    assert county.scoring.set_reviewed(sheet.id, False).state == PeriodState.DRAFT
    county.deduct(pid, 2, "life.theme_day")
    with pytest.raises(ValidationError, match="未锁定"):
        county.scoring.reopen_period(pid, "再次", is_admin=True)


def test_scheme_edit_after_lock_makes_a_new_version_and_keeps_the_locked_totals(db, county):
    jan = county.month(2026, 1)
    county.deduct(jan, 0, "life.committee_meeting", 2)
    county.review_all(jan)
    county.scoring.lock_period(jan)
    feb = county.month(2026, 2)
    county.deduct(feb, 0, "life.committee_meeting", 2)
    jan_before = [(s.unit_name, s.review_total) for s in county.scoring.sheets(jan)]
    schemes = SchemeService(db.session_factory)
    v1 = schemes.view(county.scoring.period(jan).scheme_id)
    assert v1.frozen
    meeting = next(i for i in v1.indicators if i.code == "life.committee_meeting")
    theme = next(i for i in v1.indicators if i.code == "life.theme_day")
    # −1 → −2 per missed meeting; the category stays balanced by moving a point between indicators
    schemes.edit_indicator(meeting.id, _input(meeting, points="5", per_occurrence="2"))
    result = schemes.edit_indicator(_code_id(db, county.scoring.period(feb).scheme_id, "life.theme_day"),
                                    _input(theme, points="3"))
    v2 = schemes.view(result.scheme_id)
    assert (v2.version, v2.based_on_id, v2.frozen, v2.problems) == (2, v1.id, False, [])
    assert county.scoring.period(jan).scheme_id == v1.id
    assert county.scoring.period(feb).scheme_id == v2.id
    assert [(s.unit_name, s.review_total) for s in county.scoring.sheets(jan)] == jan_before
    assert schemes.view(v1.id).indicators == v1.indicators  # the locked month's version is unchanged
    feb_form = county.form(feb)
    # the recorded deduction keeps its own points (2 × 1); new ones default to 2 each
    assert item_by_code(feb_form, "life.committee_meeting").review_score == d("3.0")
    assert feb_form.review_total == d("98.0")
    county.deduct(feb, 0, "life.committee_meeting")
    assert item_by_code(county.form(feb), "life.committee_meeting").review_score == d("1.0")
    from app.services.audit import verify

    assert verify(db.session_factory).ok


def test_scheme_editor_checks_totals_and_carries_changes_into_open_months(db, county):
    pid = county.month()
    schemes = SchemeService(db.session_factory)
    scheme_id = county.scoring.period(pid).scheme_id
    view = schemes.view(scheme_id)
    work = next(c for c in view.categories if c.name == "工作落实")
    from app.services.scheme import CategoryInput, IndicatorInput

    added = schemes.add_indicator(work.id, IndicatorInput("信息报送", "2", "扣分", "0.5", description="每迟报一次扣0.5分"))
    problems = schemes.view(scheme_id).problems
    assert problems == ["类别“工作落实”的指标分值合计12.0分，应等于类别分值10.0分"]
    form = county.form(pid)
    assert form.review_total == 102  # the new indicator is on every open sheet at once
    with pytest.raises(ValidationError, match="分值不平衡"):
        county.scoring.open_month(2026, 4)
    schemes.edit_category(work.id, CategoryInput("工作落实", "12"))
    schemes.edit_scheme(scheme_id, view.name, "102", "5")
    assert schemes.view(scheme_id).problems == []
    county.scoring.open_month(2026, 4)
    # an indicator with a deduction on it cannot be removed; an unused one can
    county.deduct(pid, 0, "work.report_late")
    late = next(i for i in schemes.view(scheme_id).indicators if i.code == "work.report_late")
    with pytest.raises(ValidationError, match="已有扣分"):
        schemes.remove_indicator(late.id)
    schemes.remove_indicator(added.target_id)
    assert len(county.form(pid).items) == 28
    schemes.move_indicator(late.id, +1)
    names = [i.name for c in schemes.view(scheme_id).categories if c.name == "工作落实" for i in c.indicators]
    assert names == ["被通报批评", "材料报送及时"]
    with pytest.raises(ValidationError) as exc:
        schemes.add_indicator(work.id, IndicatorInput("", "-1", "加分", "5", cap="9"))
    fields = {p.field for p in exc.value.problems}
    assert fields == {"name", "points", "method"}
    with pytest.raises(ValidationError, match="每次分值不能超过指标分值"):
        schemes.add_indicator(work.id, IndicatorInput("x", "1", "扣分", "2"))
    with pytest.raises(ValidationError, match="已有同名类别"):
        schemes.add_category(scheme_id, CategoryInput("工作落实", "1"))


# --- suggestions -------------------------------------------------------------------------------------------------


def _register_facts(db) -> tuple[int, int]:
    """A unit whose branch has had its 组织委员 vacant since January and whose term ended in 2025."""
    reg = RegisterService(db.session_factory, today=lambda: dt.date(2026, 3, 31))
    unit = reg.save_unit(UnitInput("县水利局"))
    org = reg.save_org(OrgInput(unit, "县水利局机关支部", OrgKind.BRANCH, term_start=dt.date(2022, 1, 1)))
    reg.save_post(PostInput(org, OrgPostKind.ORGANISATION, None, dt.date(2025, 10, 1)))
    return unit, org


def test_registry_facts_become_suggestions_to_accept_or_reject(db):
    unit, org = _register_facts(db)
    scoring = ScoringService(db.session_factory, actor="测试员")
    pid = scoring.open_month(2026, 3).id
    sheet = scoring.sheets(pid)[0]
    found = {s.source: s for s in scoring.suggestions(sheet.id)}
    vacancy, overdue = found[f"suggested:vacancy:org {org}"], found[f"suggested:term_overdue:org {org}"]
    assert vacancy.indicator_name == "支部委员配备" and vacancy.points_each == 2
    # two vacancies in the branch: the 组织委员 post, and no 书记 registered at all
    assert vacancy.occurrences == 2 and vacancy.reason.startswith("县水利局机关支部：")
    assert "组织委员" in vacancy.reason and "未登记支部书记" in vacancy.reason
    assert overdue.indicator_name == "党组织按期换届" and "尚未换届" in overdue.reason
    ch = scoring.accept_suggestion(sheet.id, vacancy.source)
    assert ch.review_total == d("96.0")
    accepted = item_by_code(scoring.form(sheet.id), "org.vacancy").deductions[0]
    assert accepted.source == vacancy.source and accepted.suggested
    scoring.reject_suggestion(sheet.id, overdue.source, "已于3月完成换届选举，待补录")
    remaining = {s.source for s in scoring.suggestions(sheet.id)}
    assert vacancy.source not in remaining and overdue.source not in remaining
    assert scoring.period_suggestions(pid).get(sheet.id, []) == scoring.suggestions(sheet.id)
    with pytest.raises(NotFoundError):
        scoring.accept_suggestion(sheet.id, overdue.source)
    for stale in (vacancy, overdue):  # the form's copy of a suggestion already taken or rejected
        with pytest.raises(NotFoundError, match="已处理"):
            scoring.accept_suggestion(sheet.id, stale.source, stale)
    assert entries(db, "suggestion")[0].reason == "已于3月完成换届选举，待补录"


def test_suggestion_sources_are_an_extension_point(db, county, monkeypatch):
    from app.services import scoring as scoring_module
    from app.services.scoring import RegistrySuggestion

    def missed_meetings(s, unit_ids, year, month):
        return {unit_ids[0]: [RegistrySuggestion("life.committee_meeting", 2, "3月未召开支委会", "orglife:test:1")]}

    monkeypatch.setattr(scoring_module, "SUGGESTION_SOURCES", [missed_meetings])
    pid = county.month()
    sheet = county.scoring.sheets(pid)[0]
    [s] = county.scoring.suggestions(sheet.id)
    assert (s.occurrences, s.amount, s.source) == (2, d("2.0"), "orglife:test:1")
    assert county.scoring.accept_suggestion(sheet.id, s.source).review_total == d("98.0")


# --- properties --------------------------------------------------------------------------------------------------


tenths = st.integers(min_value=1, max_value=80).map(lambda n: Decimal(n) / 10)


@given(points=st.integers(min_value=1, max_value=100).map(lambda n: Decimal(n) / 10 * 2),
       cap=st.one_of(st.none(), tenths), amounts=st.lists(tenths, max_size=12))
def test_indicator_score_stays_between_zero_and_its_points(points, cap, amounts):
    limit = points if cap is None else min(cap, points)
    score = indicator_score(IndicatorMethod.DEDUCT, points, limit, amounts)
    assert 0 <= score <= points
    assert score == max(points - min(sum(amounts, Decimal(0)), limit), 0)
    assert score == score.quantize(Decimal("0.1"))
    bonus = indicator_score(IndicatorMethod.BONUS, points, limit, amounts)
    assert 0 <= bonus <= limit


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_sheet_total_never_exceeds_max_plus_ceiling_nor_drops_below_zero(db, data):
    """Random deductions and bonuses through the service: the total stays in [0, 105] and equals the sum of
    the category scores, the bonus capped at the ceiling."""
    scoring = ScoringService(db.session_factory, actor="测试员")
    if not RegisterService(db.session_factory).units():
        RegisterService(db.session_factory).save_unit(UnitInput("县审计局"))
    pid = scoring.open_month(2026, 5).id
    sheet_id = scoring.sheets(pid)[0].id
    form = scoring.form(sheet_id)
    for item in form.items:  # start each example from a clean sheet
        for x in item.deductions:
            scoring.remove_deduction(x.id)
        for x in item.bonuses:
            scoring.remove_bonus(x.id)
    for _ in range(data.draw(st.integers(min_value=0, max_value=10))):
        item = data.draw(st.sampled_from(form.items))
        n = data.draw(st.integers(min_value=1, max_value=5))
        each = data.draw(st.integers(min_value=1, max_value=int(item.indicator.points * 10))) / Decimal(10)
        entry = OccurrenceInput("检查发现", n, str(each), evidence_note="记录")
        if item.indicator.method == IndicatorMethod.BONUS:
            scoring.add_bonus(item.id, entry)
        else:
            scoring.add_deduction(item.id, entry)
    form = scoring.form(sheet_id)
    assert 0 <= form.review_total <= form.total_points + form.bonus_ceiling
    regular = sum(c.score for c in form.categories if not c.is_bonus)
    assert form.review_total == regular + min(sum(c.score for c in form.categories if c.is_bonus), form.bonus_ceiling)
    expected = sheet_totals([(i.indicator.method, i.review_score, None, False) for i in form.items], form.bonus_ceiling)
    assert expected.review_total == form.review_total


@given(st.one_of(st.text(max_size=6), st.floats(allow_nan=True), st.integers(-5, 5)))
def test_parse_score_accepts_only_non_negative_tenths(value):
    try:
        parsed = parse_score(value, "x", "分值")
    except ValidationError as exc:
        assert exc.problems[0].message  # every refusal says why, in Chinese
        return
    assert parsed is not None and parsed >= 0 and parsed == parsed.quantize(Decimal("0.1"))


def test_every_change_is_an_audit_entry(county):
    pid = county.month()
    before = len(entries(county.db))
    county.deduct(pid, 0, "life.theme_day")
    log = entries(county.db)[before:]
    assert [(e.entity, e.action) for e in log] == [("deduction", "新增"), ("score_item", "计分")]
    assert (log[1].old, log[1].new, log[1].who) == ("4.0", "3.0", "测试员")
    with county.db.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == len(entries(county.db))


# --- helpers -----------------------------------------------------------------------------------------------------


def _input(ind, **changes):
    from app.services.scheme import IndicatorInput

    values = {"name": ind.name, "points": ind.points, "method": ind.method, "per_occurrence": ind.per_occurrence,
              "cap": ind.cap, "description": ind.description, "evidence_required": ind.evidence_required,
              "code": ind.code}
    values.update(changes)
    return IndicatorInput(**values)


def _code_id(db, scheme_id: int, code: str) -> int:
    view = SchemeService(db.session_factory).view(scheme_id)
    return next(i.id for i in view.indicators if i.code == code)
