"""Issue 15, part 4: the month cannot be left half done (services).

A unit added after its month was opened gets its sheet (a locked month is left alone); a month with no units is
not opened; 不采纳 needs a reason and can be undone; the unhandled suggestions are listed for review and lock."""

from __future__ import annotations

import datetime as dt

import pytest
from scoring_support import make_county
from sqlalchemy import select

from app.errors import NotFoundError, PeriodLockedError, ValidationError
from app.models import AuditEntry, OrgKind, OrgPostKind, PeriodState
from app.services.register import OrgInput, PostInput, RegisterService, UnitInput
from app.services.scoring import RegistrySuggestion, ScoringService


def _entries(db, action: str) -> list[AuditEntry]:
    with db.session_factory() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)))


def test_a_month_with_no_units_is_not_opened(db):
    scoring = ScoringService(db.session_factory, actor="测试员")
    with pytest.raises(ValidationError, match="尚未登记任何单位"):
        scoring.open_month(2026, 3)
    assert scoring.periods() == [] and scoring.find_month(2026, 3) is None


def test_a_unit_added_mid_month_is_scored_that_month_and_a_locked_month_is_left_alone(db):
    county = make_county(db, 3)
    locked = county.month(2026, 2)
    county.review_all(locked)
    county.scoring.lock_period(locked)
    reviewed = county.month(2026, 3)
    county.review_all(reviewed)
    assert county.scoring.period(reviewed).state == PeriodState.REVIEWED

    new_unit = RegisterService(db.session_factory).save_unit(UnitInput("县新设局"))
    views = {p.key: p for p in county.scoring.periods()}  # what the scoring page lists
    assert views["2026-03"].sheets == 4 and views["2026-03"].state == PeriodState.DRAFT  # no longer all reviewed
    assert views["2026-02"].sheets == 3 and views["2026-02"].state == PeriodState.LOCKED
    sheet = next(x for x in county.scoring.sheets(reviewed) if x.unit_id == new_unit)
    assert not sheet.reviewed and county.scoring.form(sheet.id).review_total == 100
    made = _entries(db, "新建考评表")
    assert made[-1].entity_id == reviewed and made[-1].new == "1" and "1个单位" in made[-1].reason
    # the new sheet is scored like any other; nothing is added twice
    assert county.scoring.fill_open_months() == []
    county.review_all(reviewed)
    assert county.scoring.lock_period(reviewed).state == PeriodState.LOCKED
    # a unit added to a locked month's register never gets a sheet there
    RegisterService(db.session_factory).save_unit(UnitInput("县又一新设局"))
    assert county.scoring.fill_open_months() == []
    assert county.scoring.period(reviewed).sheets == 4


@pytest.fixture
def suggesting(db, monkeypatch):
    """Three units; the first gets two suggestions each month, the second one."""
    from app.services import scoring as scoring_module

    county = make_county(db, 3)
    first, second = county.unit_ids[:2]
    offered = {first: [RegistrySuggestion("life.committee_meeting", 1, "未召开支委会", "orglife:test:1"),
                       RegistrySuggestion("life.theme_day", 1, "未开展主题党日", "orglife:test:2")],
               second: [RegistrySuggestion("life.committee_meeting", 1, "未召开支委会", "orglife:test:3")]}

    def source(_s, unit_ids, _year, _month):
        return {u: offered[u] for u in unit_ids if u in offered}

    monkeypatch.setattr(scoring_module, "SUGGESTION_SOURCES", [source])
    return county


def test_reject_needs_a_reason_and_a_rejection_can_be_listed_and_restored(db, suggesting):
    county = suggesting
    pid = county.month()
    sheet = county.scoring.sheets(pid)[0]
    for blank in ("", "   ", None):
        with pytest.raises(ValidationError, match="请填写不采纳的理由"):
            county.scoring.reject_suggestion(sheet.id, "orglife:test:1", blank)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="不能超过500个字"):
        county.scoring.reject_suggestion(sheet.id, "orglife:test:1", "理" * 501)
    assert county.scoring.rejected_suggestions(sheet.id) == []

    county.scoring.reject_suggestion(sheet.id, "orglife:test:1", "  支委会已召开，记录迟报  ")
    assert [x.source for x in county.scoring.suggestions(sheet.id)] == ["orglife:test:2"]
    [rejected] = county.scoring.rejected_suggestions(sheet.id)
    assert (rejected.reason, rejected.rejected_by) == ("支委会已召开，记录迟报", "测试员")
    assert "未召开支委会" in rejected.description and "扣1" in rejected.description

    county.scoring.restore_suggestion(sheet.id, "orglife:test:1")
    assert {x.source for x in county.scoring.suggestions(sheet.id)} == {"orglife:test:1", "orglife:test:2"}
    assert county.scoring.rejected_suggestions(sheet.id) == []
    [entry] = _entries(db, "恢复建议")
    assert entry.entity == "suggestion" and "支委会已召开" in entry.reason and entry.new is None
    with pytest.raises(NotFoundError, match="已恢复或不存在"):
        county.scoring.restore_suggestion(sheet.id, "orglife:test:1")


def test_restoring_follows_the_sheets_rules(db, suggesting):
    county = suggesting
    pid = county.month()
    sheet = county.scoring.sheets(pid)[0]
    county.scoring.reject_suggestion(sheet.id, "orglife:test:1", "已整改")
    county.scoring.set_reviewed(sheet.id, True)
    with pytest.raises(ValidationError, match="已复核"):
        county.scoring.restore_suggestion(sheet.id, "orglife:test:1")
    county.review_all(pid)
    county.scoring.lock_period(pid)
    with pytest.raises(PeriodLockedError):
        county.scoring.restore_suggestion(sheet.id, "orglife:test:1")
    assert len(county.scoring.rejected_suggestions(sheet.id)) == 1


def test_unhandled_suggestions_are_listed_by_unit(db, suggesting):
    county = suggesting
    pid = county.month()
    first, second, _third = county.scoring.sheets(pid)
    assert county.scoring.unhandled_suggestions(pid) == [("县第1局", 2), ("县第2局", 1)]
    county.scoring.accept_suggestion(first.id, "orglife:test:1")
    county.scoring.reject_suggestion(second.id, "orglife:test:3", "不属实")
    assert county.scoring.unhandled_suggestions(pid) == [("县第1局", 1)]


def test_register_suggestions_can_be_restored(db):
    """The built-in register source: a vacancy rejected and restored is offered again with its text."""
    reg = RegisterService(db.session_factory)
    unit = reg.save_unit(UnitInput("县水利局"))
    org = reg.save_org(OrgInput(unit, "县水利局机关支部", OrgKind.BRANCH, term_start=dt.date(2024, 1, 1)))
    reg.save_post(PostInput(org, OrgPostKind.ORGANISATION, None, dt.date(2025, 10, 1)))
    scoring = ScoringService(db.session_factory, actor="测试员")
    sheet = scoring.sheets(scoring.open_month(2026, 3).id)[0]
    vacancy = next(x for x in scoring.suggestions(sheet.id) if "vacancy" in x.source)
    scoring.reject_suggestion(sheet.id, vacancy.source, "已于3月补选")
    [rejected] = scoring.rejected_suggestions(sheet.id)
    assert rejected.suggestion == vacancy and "支部委员配备" in rejected.description
    scoring.restore_suggestion(sheet.id, vacancy.source)
    assert vacancy in scoring.suggestions(sheet.id)
