"""The 单位填报员: an account bound to one unit sees and changes only its own unit's 自评, organisation-life records
and 整改 progress, sees its results once the month's 通报 is issued, and never another unit's data.  Every
service it can reach is called with another unit's ids and must refuse (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from documents_support import built as built
from documents_support import open_copy
from sqlalchemy import func, select, update

from app import settings as S
from app.errors import DangjianError, NotFoundError, PermissionDenied, ValidationError
from app.models import (
    AuditEntry,
    Deduction,
    Member,
    MemberStatus,
    OrgKind,
    OrgLifeKind,
    OrgPost,
    PartyOrg,
    RectificationStatus,
    Role,
    ScoreItem,
    ScoreSheet,
    TransferKind,
)
from app.services import accounts
from app.services.accounts import AccountService, Actor, acting_as
from app.services.app_settings import SettingsService
from app.services.bulletin import BulletinService
from app.services.idcard import make_id
from app.services.interview import InterviewService
from app.services.orglife import AttendanceInput, OrgLifeService, RecordFilter, RecordInput
from app.services.ranking import RankingService
from app.services.rectification import ItemInput, RectificationService
from app.services.register import MemberInput, OrgInput, PostInput, RegisterService, UnitInput
from app.services.scoring import OccurrenceInput, ScoringService
from app.services.unit_scope import OutsideUnit

DAY = dt.date(2026, 11, 12)
HELD = dt.date(2026, 11, 3)
DEADLINE = dt.date(2026, 12, 15)
ISSUED = dt.date(2026, 10, 9)


@dataclass
class World:
    sf: Any
    fin: int  # 县教育局: the account's own unit (it lost points in September and October)
    edu: int  # 县民政局: another unit
    org_fin: int
    org_edu: int
    member_fin: int
    member_edu: int
    post_edu: int
    record_fin: int
    record_edu: int
    item_fin: int  # an open 整改 item of each unit
    item_edu: int
    rect_edu: int
    draft: int  # 2026-11, a draft month: 自评 entered there
    issued: int  # 2026-09: its 通报 issued
    pending: int  # 2026-10: locked, 通报 not issued yet
    sheet_fin: int  # the draft month's sheets
    sheet_edu: int
    deduction_edu: int
    me: Actor

    def services(self) -> dict[str, Any]:
        return {
            "scoring": ScoringService(self.sf, today=lambda: DAY),
            "orglife": OrgLifeService(self.sf, today=lambda: DAY),
            "rectification": RectificationService(self.sf, today=lambda: DAY),
            "register": RegisterService(self.sf),
        }


@pytest.fixture
def county(built, paths):
    c = open_copy(*built, paths)
    yield c
    c.db.close()


def _record(life: OrgLifeService, org: int, topic: str = "学习党章") -> RecordInput:
    return RecordInput(OrgLifeKind.THEME_DAY, HELD, org, topic=topic, recorded_on=DAY,
                       attendance=[AttendanceInput(m.id) for m in life.roster(org, HELD)])


@pytest.fixture
def world(county) -> World:
    """Two units with records, 整改 items, a draft month, a month with its 通报 and a month without."""
    sf = county.db.session_factory
    reg = RegisterService(sf)
    life = OrgLifeService(sf, today=lambda: DAY)
    fin, edu = county.unit("县教育局"), county.unit("县民政局")
    org_fin, org_edu = reg.orgs(fin)[0][0], reg.orgs(edu)[0][0]
    rect = RectificationService(sf, actor="张敏", today=lambda: DAY)
    items = {}
    for unit in (fin, edu):
        view = rect.create(unit, "2026年第四季度专项督查", [ItemInput("三会一课记录不全", "补齐记录", "办公室", DEADLINE)])
        items[unit] = (view.id, view.items[0].id)
    BulletinService(sf, actor="张敏", today=lambda: ISSUED).issue(2026, 9)
    draft = county.scoring.open_month(2026, 11).id
    sheets = {sh.unit_id: sh.id for sh in county.scoring.sheets(draft)}
    with sf() as s:
        post_edu = s.scalar(select(OrgPost.id).where(OrgPost.org_id == org_edu))
        deduction_edu = s.scalar(select(Deduction.id).join(ScoreItem).join(ScoreSheet)
                                 .where(ScoreSheet.unit_id == edu, ScoreSheet.period_id == county.periods["2026-10"]))
    return World(
        sf, fin, edu, org_fin, org_edu, reg.member_ids(unit_id=fin)[0], reg.member_ids(unit_id=edu)[0], post_edu,
        life.save_record(_record(life, org_fin)), life.save_record(_record(life, org_edu)),
        items[fin][1], items[edu][1], items[edu][0], draft, county.periods["2026-09"], county.periods["2026-10"],
        sheets[fin], sheets[edu], deduction_edu,
        Actor(90, "jyj", "教育局填报员", Role.UNIT_REPORTER, fin),
    )


def audit_count(sf) -> int:
    with sf() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def item_of(sc: ScoringService, sheet_id: int, code: str = "life.theme_day") -> int:
    return next(i.id for i in sc.form(sheet_id).items if i.indicator.code == code)


# --- every service call with another unit's ids -------------------------------------------------------------------

# Public methods that take no record id (or a Session of the caller's transaction): checked below for showing
# only the account's own unit, not for a refusal.
NO_IDS = {
    "scoring": {"periods", "period", "find_month", "latest_locked_month", "fill_open_months", "scheme_of", "sheets"},
    "orglife": {"validate_record", "store"},
    "rectification": set(),
    "register": {"units", "tree", "all_findings", "member_count", "validate_unit", "validate_org", "validate_post",
                 "validate_member", "validate_transfer", "apply_transfer"},
}


def other_unit_calls(w: World, sv: dict[str, Any], other_items: dict[str, int], tmp: Path
                     ) -> dict[str, dict[str, Callable[[], Any]]]:
    """For each service, each public method called with the other unit's ids (the ids of the other unit's
    sheet, items, organisation, records, members, 整改)."""
    sc, life, rect, reg = sv["scoring"], sv["orglife"], sv["rectification"], sv["register"]
    occurrence = OccurrenceInput("未开展主题党日", 1, evidence_note="检查记录")
    foreign_record = replace(_record_input_as_admin(w, w.record_edu), topic="改写")
    own_record_for_other_member = RecordInput(OrgLifeKind.THEME_DAY, HELD, w.org_fin, topic="x", recorded_on=DAY,
                                              attendance=[AttendanceInput(w.member_edu)])
    return {
        "scoring": {
            "open_month": lambda: sc.open_month(2026, 12),
            "lock_period": lambda: sc.lock_period(w.draft),
            "reopen_period": lambda: sc.reopen_period(w.issued, "更正", is_admin=True),
            "form": lambda: sc.form(w.sheet_edu),
            "form_for": lambda: sc.form_for(w.draft, w.edu),
            "add_deduction": lambda: sc.add_deduction(other_items["theme_day"], occurrence),
            "add_bonus": lambda: sc.add_bonus(other_items["bonus"], OccurrenceInput("表彰", 1, Decimal("1"))),
            "edit_deduction": lambda: sc.edit_deduction(w.deduction_edu, occurrence),
            "edit_bonus": lambda: sc.edit_bonus(w.deduction_edu, occurrence),
            "remove_deduction": lambda: sc.remove_deduction(w.deduction_edu, "误录"),
            "remove_bonus": lambda: sc.remove_bonus(w.deduction_edu, "误录"),
            "set_self_score": lambda: sc.set_self_score(other_items["theme_day"], "1"),
            "set_self_note": lambda: sc.set_self_note(other_items["theme_day"], "已开展"),
            "set_veto": lambda: sc.set_veto(other_items["theme_day"], True, "违纪"),
            "set_reviewed": lambda: sc.set_reviewed(w.sheet_edu, True),
            "suggestions": lambda: sc.suggestions(w.sheet_edu),
            "period_suggestions": lambda: sc.period_suggestions(w.draft),
            "accept_suggestion": lambda: sc.accept_suggestion(w.sheet_edu, "orglife:x"),
            "reject_suggestion": lambda: sc.reject_suggestion(w.sheet_edu, "orglife:x", "不采纳"),
            "rejected_suggestions": lambda: sc.rejected_suggestions(w.sheet_edu),
            "restore_suggestion": lambda: sc.restore_suggestion(w.sheet_edu, "orglife:x"),
            "unhandled_suggestions": lambda: sc.unhandled_suggestions(w.draft),
        },
        "orglife": {
            "save_record": lambda: life.save_record(foreign_record, w.record_edu),
            "save_records": lambda: life.save_records([foreign_record]),
            "delete_record": lambda: life.delete_record(w.record_edu),
            "record_input": lambda: life.record_input(w.record_edu),
            "roster": lambda: life.roster(w.org_edu, HELD),
            "record_ids": lambda: life.record_ids(RecordFilter(org_id=w.org_edu)),
            "record_rows": lambda: life.record_rows([w.record_edu]),
            "grades_of": lambda: life.grades_of(w.record_edu),
            # not a foreign id as such: the own organisation's record listing another unit's member
            "save_record (attendance)": lambda: life.save_record(own_record_for_other_member),
            "record_ids (unit)": lambda: life.record_ids(RecordFilter(unit_id=w.edu)),
        },
        "rectification": {
            "items": lambda: rect.items(unit_id=w.edu),
            "items (rectification)": lambda: rect.items(rectification_id=w.rect_edu),
            "item": lambda: rect.item(w.item_edu),
            "rectifications": lambda: rect.rectifications(w.edu),
            "counts": lambda: rect.counts(w.edu),
            "create": lambda: rect.create(w.edu, "督查", [ItemInput("问题", deadline=DEADLINE)]),
            "add_item": lambda: rect.add_item(w.rect_edu, ItemInput("问题", deadline=DEADLINE)),
            "edit_item": lambda: rect.edit_item(w.item_edu, ItemInput("改写", deadline=DEADLINE)),
            "delete_item": lambda: rect.delete_item(w.item_edu, "误录"),
            "move": lambda: rect.move(w.item_edu, RectificationStatus.IN_PROGRESS, "已开始"),
            "start": lambda: rect.start(w.item_edu, "已开始"),
            "submit": lambda: rect.submit(w.item_edu, "已整改"),
            "send_back": lambda: rect.send_back(w.item_edu, "不到位"),
            "close": lambda: rect.close(w.item_edu, "已销号"),
            "reopen": lambda: rect.reopen(w.item_edu, "重开"),
            "ledger_content": lambda: rect.ledger_content(unit_id=w.edu),
            "write_ledger": lambda: rect.write_ledger(tmp, unit_id=w.edu),
        },
        "register": {
            "save_unit": lambda: reg.save_unit(UnitInput("县民政局（改）"), w.edu),
            "delete_unit": lambda: reg.delete_unit(w.edu),
            "version_of": lambda: reg.version_of("party_org", w.org_edu),
            "unit_input": lambda: reg.unit_input(w.edu),
            "save_org": lambda: reg.save_org(OrgInput(w.edu, "改名支部", OrgKind.BRANCH), w.org_edu),
            "delete_org": lambda: reg.delete_org(w.org_edu),
            "org_input": lambda: reg.org_input(w.org_edu),
            "orgs": lambda: reg.orgs(w.edu),
            "org_detail": lambda: reg.org_detail(w.org_edu),
            "save_post": lambda: reg.save_post(PostInput(w.org_edu, _post_kind(), w.member_edu, HELD), w.post_edu),
            "end_post": lambda: reg.end_post(w.post_edu, HELD),
            "save_member": lambda: reg.save_member(MemberInput(w.org_edu, "改名", MemberStatus.FULL), w.member_edu),
            "member_input": lambda: reg.member_input(w.member_edu),
            "probation_end_of": lambda: reg.probation_end_of(w.member_edu),
            "transfer_member": lambda: reg.transfer_member(w.member_edu, HELD, w.org_fin),
            "member_leaves": lambda: reg.member_leaves(w.member_edu, TransferKind.OUT, HELD),
            "remove_member": lambda: reg.remove_member(w.member_edu, "误录"),
            "transfers_of": lambda: reg.transfers_of(w.member_edu),
            "member_ids": lambda: reg.member_ids(unit_id=w.edu),
            "member_ids (org)": lambda: reg.member_ids(org_id=w.org_edu),
            "member_rows": lambda: reg.member_rows([w.member_edu]),
            "reveal_member": lambda: reg.reveal_member(w.member_edu),
        },
    }


def _post_kind() -> Any:
    from app.models import OrgPostKind

    return OrgPostKind.ORGANISATION


def _record_input_as_admin(w: World, record_id: int) -> RecordInput:
    return OrgLifeService(w.sf, today=lambda: DAY).record_input(record_id)


def public_methods(service: object) -> set[str]:
    return {name for name, fn in inspect.getmembers(type(service), inspect.isfunction) if not name.startswith("_")}


def test_every_service_call_with_another_units_ids_is_refused(world: World, tmp_path: Path) -> None:
    w = world
    sv = w.services()
    admin_form = sv["scoring"].form(w.sheet_edu)
    other_items = {"theme_day": item_of(sv["scoring"], w.sheet_edu),
                   "bonus": next(i.id for i in admin_form.items if i.indicator.method.value == "加分")}
    calls = other_unit_calls(w, sv, other_items, tmp_path)
    for name, service in sv.items():  # every public method is either called here or takes no ids
        called = {key.split(" ")[0] for key in calls[name]}
        assert public_methods(service) == called | NO_IDS[name], name
    before = audit_count(w.sf)
    refusals: dict[str, str] = {}
    with acting_as(w.me):
        for name, table in calls.items():
            for key, call in table.items():
                with pytest.raises((PermissionDenied, NotFoundError)) as e:
                    result = call()
                    pytest.fail(f"{name}.{key} was not refused: {result!r}")
                refusals[f"{name}.{key}"] = str(e.value)
    assert audit_count(w.sf) == before  # nothing was written, not even in part
    # The services a unit account works with say why, in Chinese, instead of "not found".
    for key, message in refusals.items():
        if key.split(".")[0] in ("scoring", "orglife", "rectification"):
            assert "单位填报员" in message or "不属于本单位" in message, (key, message)
    assert refusals["orglife.record_input"] == "该组织生活记录不属于本单位，单位填报员只能查看和填报本单位的数据"
    assert refusals["register.reveal_member"] == "单位填报员不能查看完整的身份证号和电话"
    # The other unit's rows are as they were.
    assert sv["orglife"].record_input(w.record_edu).topic == "学习党章"
    assert sv["rectification"].item(w.item_edu).status == RectificationStatus.NOT_STARTED
    assert sv["scoring"].form(w.sheet_edu).self_total is None


def test_lists_without_ids_show_only_the_own_unit(world: World) -> None:
    w = world
    sv = w.services()
    with acting_as(w.me):
        reg = sv["register"]
        assert [name for _, name in reg.units()] == ["县教育局"]
        assert [u.name for u in reg.tree()] == ["县教育局"]
        assert {u for u, *_ in reg.all_findings()} <= {w.fin}
        assert reg.member_count() == len(reg.member_ids()) >= 1
        assert {r.unit_name for r in reg.member_rows(reg.member_ids())} == {"县教育局"}
        assert [sh.unit_id for sh in sv["scoring"].sheets(w.draft)] == [w.fin]
        assert sv["orglife"].record_ids() == [w.record_fin]
        assert {i.unit_id for i in sv["rectification"].items()} == {w.fin}
        assert len(sv["scoring"].periods()) == 3  # months belong to no unit: all are listed
        assert InterviewService(w.sf, today=lambda: DAY).interviews() == []  # the 约谈 were of other units


# --- what the role does -------------------------------------------------------------------------------------------


def test_own_self_assessment_is_entered_and_review_is_refused(world: World) -> None:
    w = world
    sc = ScoringService(w.sf, today=lambda: DAY)
    item = item_of(sc, w.sheet_fin)
    with acting_as(w.me):
        form = sc.form(w.sheet_fin)
        change = sc.set_self_score(item, "2.5", expected_version=form.stamp)
        assert change.self_total is not None
        assert next(i for i in sc.form(w.sheet_fin).items if i.id == item).self_score == Decimal("2.5")
        with pytest.raises(ValidationError, match="自评得分不能超过"):
            sc.set_self_score(item, "99")
        sc.set_self_note(item, "11月3日开展主题党日，见会议记录")
        assert next(i for i in sc.form(w.sheet_fin).items if i.id == item).self_note == "11月3日开展主题党日，见会议记录"
        with pytest.raises(ValidationError, match="自评说明不能超过"):
            sc.set_self_note(item, "长" * 2001)
        with pytest.raises(OutsideUnit, match="复核由机关工委办理|单位只填报自评"):
            sc.add_deduction(item, OccurrenceInput("未开展", 1, evidence_note="检查"))
        with pytest.raises(OutsideUnit, match="单位只填报自评"):
            sc.set_reviewed(w.sheet_fin, True)
        with pytest.raises(OutsideUnit):
            sc.suggestions(w.sheet_fin)
    trail = _last_audit(w.sf)
    assert (trail.field, trail.new, trail.who) == ("self_note", "11月3日开展主题党日，见会议记录", "教育局填报员（jyj）")
    # The 工委's 复核 of the same item is untouched, and still theirs to change.
    reviewed = next(i for i in sc.form(w.sheet_fin).items if i.id == item)
    assert reviewed.review_score == reviewed.indicator.points
    sc.add_deduction(item, OccurrenceInput("未开展主题党日", 1, evidence_note="检查记录"))
    assert next(i for i in sc.form(w.sheet_fin).items if i.id == item).self_score == Decimal("2.5")


def test_a_reviewed_sheet_or_a_locked_month_takes_no_self_assessment(world: World) -> None:
    w = world
    sc = ScoringService(w.sf, today=lambda: DAY)
    locked_sheet = next(sh.id for sh in sc.sheets(w.pending) if sh.unit_id == w.fin)
    locked_item = item_of(sc, locked_sheet)
    sc.set_reviewed(w.sheet_fin, True)
    with acting_as(w.me):
        with pytest.raises(ValidationError, match="已复核"):
            sc.set_self_score(item_of(sc, w.sheet_fin), "1")
        with pytest.raises(DangjianError, match="已锁定"):
            sc.set_self_score(locked_item, "1")


def test_the_write_guard_holds_whatever_a_service_does(world: World) -> None:
    # Past the services: a session that changes a 复核 score, another unit's 自评 or a member is refused at flush.
    w = world
    with acting_as(w.me):
        for change in (
            lambda s: setattr(s.scalars(select(ScoreItem).where(ScoreItem.sheet_id == w.sheet_fin)).first(),
                              "review_score", Decimal("0")),
            lambda s: setattr(s.get(Member, w.member_fin), "phone", "13800000000"),
            lambda s: s.add(PartyOrg(unit_id=w.fin, name="新支部", kind=OrgKind.BRANCH)),
        ):
            with w.sf() as s, pytest.raises(OutsideUnit, match="只能填报本单位的自评"):
                change(s)
                s.commit()
        with w.sf() as s:  # a bulk statement is scoped as a read is: another unit's sheet is not matched
            moved = s.execute(update(ScoreSheet).where(ScoreSheet.id == w.sheet_edu)
                              .values(version=ScoreSheet.version + 1))
            assert moved.rowcount == 0  # type: ignore[attr-defined]
            s.commit()
        with w.sf() as s:  # another unit's item is not even there to change
            assert s.get(ScoreSheet, w.sheet_edu) is None
            assert s.scalar(select(func.count()).select_from(ScoreItem)
                            .where(ScoreItem.sheet_id == w.sheet_edu)) == 0


def test_own_organisation_life_records_are_kept(world: World) -> None:
    w = world
    life = OrgLifeService(w.sf, today=lambda: DAY)
    with acting_as(w.me):
        data = life.record_input(w.record_fin)
        data.topic = "学习二十届四中全会精神"
        assert life.save_record(data, w.record_fin) == w.record_fin
        new = life.save_record(replace(_record(life, w.org_fin, "支部主题党日"), held_on=dt.date(2026, 11, 10)))
        assert set(life.record_ids()) == {w.record_fin, new}
        assert [r.topic for r in life.record_rows([w.record_fin])] == ["学习二十届四中全会精神"]
        life.delete_record(new)
        assert life.record_ids() == [w.record_fin]
        with pytest.raises(OutsideUnit):
            life.save_record(_record_for(w, w.org_edu))


def _record_for(w: World, org: int) -> RecordInput:
    return RecordInput(OrgLifeKind.THEME_DAY, HELD, org, topic="x", recorded_on=DAY)


def test_own_rectification_progress_is_reported_and_the_committee_closes(world: World) -> None:
    w = world
    rect = RectificationService(w.sf, actor="张敏", today=lambda: DAY)
    with acting_as(w.me):
        mine = RectificationService(w.sf, today=lambda: DAY)
        assert mine.start(w.item_fin, "已制定整改方案").status == RectificationStatus.IN_PROGRESS
        done = mine.submit(w.item_fin, "已补齐10月、11月三会一课记录")
        assert (done.status, done.progress) == (RectificationStatus.PENDING_REVIEW, "已补齐10月、11月三会一课记录")
        with pytest.raises(OutsideUnit, match="销号"):
            mine.close(w.item_fin, "同意销号")
        with pytest.raises(OutsideUnit, match="整改事项由机关工委确定"):
            mine.edit_item(w.item_fin, ItemInput("改写问题", deadline=DEADLINE + dt.timedelta(days=30)), "延期")
        with pytest.raises(OutsideUnit):
            mine.create(w.fin, "自查", [ItemInput("问题", deadline=DEADLINE)])
    assert rect.close(w.item_fin, "经核查已整改到位").status == RectificationStatus.CLOSED


def _last_audit(sf) -> AuditEntry:
    with sf() as s:
        entry = s.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        assert entry is not None
        return entry


# --- results only after the 通报 -----------------------------------------------------------------------------------


def test_results_are_hidden_until_the_months_bulletin_is_issued(world: World) -> None:
    w = world
    sc = ScoringService(w.sf, today=lambda: DAY)
    own = {p: next(sh.id for sh in sc.sheets(p) if sh.unit_id == w.fin) for p in (w.issued, w.pending)}
    full = {p: sc.form(sheet) for p, sheet in own.items()}
    assert full[w.pending].review_total < Decimal("100")  # 县教育局 lost points in October
    with acting_as(w.me):
        hidden = sc.form(own[w.pending])
        assert hidden.results_hidden
        assert hidden.review_total == 0 and not any(i.deductions or i.bonuses or i.review_score for i in hidden.items)
        assert [i.indicator.code for i in hidden.items] == [i.indicator.code for i in full[w.pending].items]
        [row] = sc.sheets(w.pending)
        assert row.results_hidden and row.review_total == 0 and row.deductions == 0
        shown = sc.form(own[w.issued])  # September's 通报 is out
        assert not shown.results_hidden and shown.review_total == full[w.issued].review_total
        assert sc.sheets(w.issued)[0].review_total == full[w.issued].review_total
        with pytest.raises(PermissionDenied):
            RankingService(w.sf).month(2026, 9)  # the county's ranking is published in the 通报, not here
        with pytest.raises(PermissionDenied):
            BulletinService(w.sf, today=lambda: DAY).content(2026, 9)
    BulletinService(w.sf, actor="张敏", today=lambda: dt.date(2026, 11, 6)).issue(2026, 10)
    with acting_as(w.me):
        now = sc.form(own[w.pending])
        assert not now.results_hidden and now.review_total == full[w.pending].review_total
        assert [len(i.deductions) for i in now.items] == [len(i.deductions) for i in full[w.pending].items]


# --- personal numbers ---------------------------------------------------------------------------------------------


def test_personal_numbers_are_masked_and_other_units_members_are_not_there(world: World) -> None:
    w = world
    reg = RegisterService(w.sf)
    own_id, other_id = make_id("110101", dt.date(1980, 1, 1), 1), make_id("110101", dt.date(1982, 3, 3), 1)
    for member, number, phone in ((w.member_fin, own_id, "13912345678"), (w.member_edu, other_id, "13812345678")):
        data = reg.member_input(member)
        reg.save_member(replace(data, id_number=number, phone=phone, birth_date=None, gender=None), member)
    with acting_as(w.me):
        [row] = [r for r in reg.member_rows(reg.member_ids()) if r.id == w.member_fin]
        assert own_id not in row.id_masked and "*" in row.id_masked
        assert "13912345678" not in row.phone_masked
        own = reg.member_input(w.member_fin)
        assert own.id_number != own_id and own.phone != "13912345678"
        assert reg.member_ids(text=other_id) == []  # another unit's member is not found by number
        with pytest.raises(PermissionDenied):
            accounts.reveal_member(w.sf, w.member_fin, "核对")
        with pytest.raises(PermissionDenied):
            reg.reveal_member(w.member_fin)


# --- everything else is refused -----------------------------------------------------------------------------------


def test_register_scheme_settings_and_documents_are_refused(world: World, county) -> None:
    w = world
    reg = RegisterService(w.sf)
    with acting_as(w.me):
        with pytest.raises(OutsideUnit, match="名册由机关工委维护"):
            reg.save_unit(replace(reg.unit_input(w.fin), contact_person="张三"), w.fin)
        with pytest.raises(OutsideUnit):
            reg.save_member(MemberInput(w.org_fin, "新党员", MemberStatus.FULL))
        with pytest.raises(PermissionDenied):
            SettingsService(w.sf).save({S.COUNTY_NAME.key: "新县"})
        with pytest.raises(OutsideUnit, match="锁定"):
            ScoringService(w.sf).lock_period(w.draft)
        with pytest.raises(OutsideUnit, match="通报"):
            BulletinService(w.sf, today=lambda: DAY).issue(2026, 10)
        with pytest.raises(PermissionDenied):
            InterviewService(w.sf, today=lambda: DAY).candidates(2026, 10)
    assert SettingsService(w.sf).value(S.COUNTY_NAME) != "新县"


# --- the accounts -------------------------------------------------------------------------------------------------


PASSWORD = "Dangjian#2026check"


def test_a_unit_account_needs_its_unit(world: World) -> None:
    w = world
    service = AccountService(w.sf)
    with pytest.raises(ValidationError, match="必须指定所属单位"):
        service.add_user("czj", "财政局", Role.UNIT_REPORTER, PASSWORD)
    with pytest.raises(ValidationError, match="没有单位“县不存在局”"):
        service.add_user("czj", "财政局", Role.UNIT_REPORTER, PASSWORD, unit="县不存在局")
    with pytest.raises(ValidationError, match="不能指定单位"):
        service.add_user("li", "李考评", Role.ASSESSOR, PASSWORD, unit="县财政局")
    view = service.add_user("czj", "财政局", "单位填报员", PASSWORD, unit="县教育局")
    assert (view.unit_id, view.role_text) == (w.fin, "单位填报员（县教育局）")
    actor = service.authenticate("czj", PASSWORD)
    assert (actor.role, actor.unit_id) == (Role.UNIT_REPORTER, w.fin)
    moved = service.set_role("czj", Role.UNIT_REPORTER, unit=w.edu)  # another unit: the account follows it
    assert moved.unit_id == w.edu
    assert service.set_role("czj", Role.UNIT_REPORTER).unit_id == w.edu  # the role kept: the unit kept
    assert service.set_role("czj", Role.VIEWER).unit_id is None  # other roles are bound to no unit
    with pytest.raises(ValidationError, match="必须指定所属单位"):
        service.set_role("czj", Role.UNIT_REPORTER)
    assert [(u.username, u.role_text) for u in service.users()] == [("czj", "查阅")]



def test_the_command_line_binds_the_role_and_the_account_is_refused_elsewhere(
        world: World, paths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from argon2 import PasswordHasher

    from app.cli import main

    monkeypatch.setattr(accounts, "hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    AccountService(world.sf).create_first_admin("boss", "王书记", PASSWORD)
    data = ["--data-dir", str(paths.data_dir)]
    monkeypatch.setenv("DANGJIAN_PASSWORD", PASSWORD)
    monkeypatch.setenv("DANGJIAN_NEW_PASSWORD", PASSWORD)
    try:
        assert main([*data, "user", "add", "jyj", "--role", "单位填报员", "--user", "boss"]) == 2
        assert "必须指定所属单位" in capsys.readouterr().err
        assert main([*data, "user", "add", "jyj", "--role", "单位填报员", "--unit", "县教育局", "--user", "boss"]) == 0
        assert "单位填报员（县教育局）" in capsys.readouterr().out
        assert main([*data, "user", "list", "--user", "boss"]) == 0
        assert "jyj\tjyj\t单位填报员（县教育局）" in capsys.readouterr().out
        assert main([*data, "period", "open", "2026-12", "--user", "jyj"]) == 2
        assert "单位填报员不能新建考评月份" in capsys.readouterr().err
    finally:
        accounts.set_current(None)


# Tables that belong to no unit: read by a unit account as they are.  A new table outside this list is tied to a
# unit through its references (a unit, an organisation, a member, a sheet …) or the test says it is not: then
# either it gets such a reference, or it is added here after deciding that every unit may read all of it.
UNIT_FREE = {"app_user", "audit_entry", "change_stamp", "collection_round", "duty_review", "indicator",
             "indicator_category", "indicator_scheme", "period", "setting"}


def test_every_table_is_tied_to_a_unit_or_known_to_belong_to_none() -> None:
    from app.services.unit_scope import unit_free_tables

    free = unit_free_tables()
    assert free == UNIT_FREE, (f"not tied to a unit, not in UNIT_FREE: {sorted(free - UNIT_FREE)}; "
                               f"in UNIT_FREE, no longer free: {sorted(UNIT_FREE - free)}")
