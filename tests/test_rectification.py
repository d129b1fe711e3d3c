"""整改: the status rules (moves allowed and refused), 逾期 computed from the deadline, 销号 with a note and an
audit entry, deadline changes, the 提醒 source, the audit state check and the printed 台账."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from documents_support import built as built
from documents_support import open_copy
from reports_samples import check_gongwen
from sqlalchemy import select, text

from app.errors import NotFoundError, ValidationError
from app.models import AuditEntry, RectificationStatus
from app.services import alerts as A
from app.services.audit import verify
from app.services.interview import ConversationInput, InterviewService
from app.services.rectification import (
    ItemInput,
    RectificationService,
    allowed_moves,
    effective_status,
    register_hooks,
)

St = RectificationStatus
MEETING = dt.datetime(2026, 11, 10, 9, 30)
DEADLINE = dt.date(2026, 12, 1)  # 15 working days after the meeting


class Clock:
    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __call__(self) -> dt.date:
        return self.day


@pytest.fixture
def county(built, paths):
    c = open_copy(*built, paths)
    yield c
    c.db.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.date(2026, 11, 12))


@pytest.fixture
def service(county, clock) -> RectificationService:
    interviews = InterviewService(county.db.session_factory, actor="张敏", today=clock)
    [view] = interviews.create_for_candidates(2026, 10, scheduled_at=MEETING)
    data = view.input()
    data.interviewers = "李书记"
    interviews.update(view.id, data)
    interviews.record(view.id, ConversationInput("谈话", "表态", "按期整改"))
    return RectificationService(county.db.session_factory, actor="张敏", today=clock)


def audit(county, action: str) -> list[AuditEntry]:
    with county.db.session_factory() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.entity == "rectification_item",
                                                       AuditEntry.action == action).order_by(AuditEntry.seq)))


# --- the rules ---------------------------------------------------------------------------------------------------


def test_allowed_moves_table():
    assert allowed_moves(St.NOT_STARTED) == [St.IN_PROGRESS, St.PENDING_REVIEW]
    assert allowed_moves(St.IN_PROGRESS) == [St.PENDING_REVIEW]
    assert allowed_moves(St.PENDING_REVIEW) == [St.IN_PROGRESS, St.CLOSED]
    assert allowed_moves(St.CLOSED) == [St.IN_PROGRESS]


def test_overdue_is_computed_from_the_deadline():
    deadline = dt.date(2026, 12, 1)
    assert effective_status(St.IN_PROGRESS, deadline, None, deadline) == St.IN_PROGRESS
    assert effective_status(St.IN_PROGRESS, deadline, None, deadline + dt.timedelta(days=1)) == St.OVERDUE
    assert effective_status(St.NOT_STARTED, deadline, None, dt.date(2027, 1, 1)) == St.OVERDUE
    assert effective_status(St.CLOSED, deadline, None, dt.date(2027, 1, 1)) == St.CLOSED
    # Handed in by the deadline: waiting for review is not the unit's delay.
    assert effective_status(St.PENDING_REVIEW, deadline, deadline, dt.date(2027, 1, 1)) == St.PENDING_REVIEW
    assert effective_status(St.PENDING_REVIEW, deadline, dt.date(2026, 12, 2), dt.date(2027, 1, 1)) == St.OVERDUE


def test_the_whole_way_to_closed_is_audited(county, service, clock):
    item = service.items()[0]
    assert (item.status, item.moves) == (St.NOT_STARTED, [St.IN_PROGRESS, St.PENDING_REVIEW])
    item = service.start(item.id, "已制定整改方案")
    assert (item.status, item.progress) == (St.IN_PROGRESS, "已制定整改方案")
    clock.day = dt.date(2026, 11, 20)
    item = service.submit(item.id, "11月补开支委会2次，记录已补齐")
    assert (item.status, item.submitted_on) == (St.PENDING_REVIEW, dt.date(2026, 11, 20))
    item = service.send_back(item.id, "缺少会议记录复印件")
    assert item.status == St.IN_PROGRESS
    item = service.submit(item.id, "已补交会议记录复印件")
    item = service.close(item.id, "经现场检查，整改到位，同意销号")
    assert (item.status, item.closed_on, item.close_note, item.closed_by) == (
        St.CLOSED, dt.date(2026, 11, 20), "经现场检查，整改到位，同意销号", "张敏")
    [closing] = audit(county, "销号")
    assert (closing.entity_id, closing.old, closing.new, closing.reason, closing.who) == (
        item.id, "待审核", "已销号", "经现场检查，整改到位，同意销号", "张敏")
    assert [e.action for e in audit(county, "退回")] == ["退回"]
    assert verify(county.db.session_factory).ok
    # 撤销销号 clears the 销号 from the item (the trail keeps it) and needs a reason.
    with pytest.raises(ValidationError, match="撤销销号须填写撤销理由"):
        service.reopen(item.id, "")
    item = service.reopen(item.id, "复查发现仍未按月召开")
    assert (item.status, item.closed_on, item.close_note) == (St.IN_PROGRESS, None, "")


@pytest.mark.parametrize(("path", "target", "note", "message"), [
    ([], St.CLOSED, "同意", "不能直接销号：须先提交审核"),
    (["start"], St.CLOSED, "同意", "不能直接销号"),
    (["start"], St.NOT_STARTED, "", "不能改为“未整改”"),
    ([], St.NOT_STARTED, "", "已经是“未整改”"),
    ([], St.OVERDUE, "", "由整改时限自动判断"),
    ([], St.PENDING_REVIEW, " ", "提交审核须填写整改情况"),
    (["submit"], St.CLOSED, "", "销号须填写销号说明"),
    (["submit"], St.IN_PROGRESS, "", "退回须填写退回理由"),
    (["submit"], St.CLOSED, "长" * 2001, "不能超过2000字"),
    ([], "已完成", "", "整改状态无效"),
])
def test_refused_moves(county, service, path, target, note, message):
    item = service.items()[0]
    for step in path:
        item = service.start(item.id) if step == "start" else service.submit(item.id, "已整改")
    before = len(audit(county, "销号"))
    with pytest.raises(ValidationError, match=message):
        service.move(item.id, target, note)
    assert service.item(item.id).stored_status == item.stored_status
    assert len(audit(county, "销号")) == before


def test_overdue_items_and_counts(service, clock):
    items = service.items()
    service.submit(items[0].id, "已整改")  # handed in before the deadline
    service.start(items[1].id)
    clock.day = DEADLINE + dt.timedelta(days=3)
    overdue = service.items(status=St.OVERDUE)
    assert len(overdue) == 5 and all(v.days_overdue == 3 for v in overdue)
    assert overdue[0].status_text.startswith("逾期（3天，")
    counts = service.counts()
    assert (counts[St.OVERDUE], counts[St.PENDING_REVIEW], counts[St.CLOSED]) == (5, 1, 0)
    assert len(service.items(open_only=True)) == 6


def test_overdue_items_are_alerts(county, service, clock):
    register_hooks()  # idempotent (another test module may have cleared the alert sources)
    alerts = A.AlertService(county.db.session_factory, today=lambda: DEADLINE)
    assert [a for a in alerts.alerts() if a.kind == "rectification_overdue"] == []
    late = A.AlertService(county.db.session_factory, today=lambda: DEADLINE + dt.timedelta(days=2))
    found = [a for a in late.alerts() if a.kind == "rectification_overdue"]
    assert len(found) == 6 and all(a.overdue and a.target == A.RECTIFICATION for a in found)
    assert found[0].subject == "县林业局" and "已超过时限2天" in found[0].message
    assert A.counts(late.alerts())["rectification_overdue"] == 6


def test_deadline_changes_need_a_reason_and_are_audited(county, service):
    item = service.items()[0]
    later = ItemInput(item.problem, "补开支委会", "林书记", DEADLINE + dt.timedelta(days=10))
    with pytest.raises(ValidationError, match="修改整改时限须说明理由"):
        service.edit_item(item.id, later)
    edited = service.edit_item(item.id, later, reason="年底集中补开")
    assert (edited.measure, edited.owner, edited.deadline) == ("补开支委会", "林书记", DEADLINE + dt.timedelta(days=10))
    [entry] = [e for e in audit(county, "调整时限")]
    assert (entry.old, entry.new, entry.reason) == ("2026-12-01", "2026-12-11", "年底集中补开")
    same = service.edit_item(item.id, ItemInput(item.problem, "补开支委会并报送记录", "林书记", edited.deadline))
    assert same.measure == "补开支委会并报送记录" and len(audit(county, "调整时限")) == 1
    service.submit(item.id, "已整改")
    service.close(item.id, "同意销号")
    with pytest.raises(ValidationError, match="已销号的整改事项不能修改"):
        service.edit_item(item.id, later, reason="x")


def test_manual_rectification_and_item_rules(county, service, clock):
    with pytest.raises(ValidationError) as err:
        service.create(county.unit("县财政局"), "", [ItemInput("", deadline=None)])
    assert {p.field for p in err.value.problems} == {"source", "problem", "deadline"}
    with pytest.raises(ValidationError, match="不能早于今天"):
        service.create(county.unit("县财政局"), "专项督查", [ItemInput("台账不全", deadline=dt.date(2026, 11, 1))])
    rect = service.create(county.unit("县财政局"), "2026年第四季度专项督查",
                          [ItemInput("党费台账不全", "补齐台账", "刘明", dt.date(2026, 12, 15))])
    assert [(i.problem, i.status) for i in rect.items] == [("党费台账不全", St.NOT_STARTED)]
    extra = service.add_item(rect.id, ItemInput("会议记录不规范", deadline=dt.date(2026, 12, 15)))
    assert len(service.items(rectification_id=rect.id)) == 2
    with pytest.raises(ValidationError, match="须说明理由"):
        service.delete_item(extra.id, "")
    service.delete_item(extra.id, "与第一项重复")
    service.start(rect.items[0].id)
    with pytest.raises(ValidationError, match="只有“未整改”的事项可以删除"):
        service.delete_item(rect.items[0].id, "误录")
    with pytest.raises(NotFoundError):
        service.item(extra.id)
    with pytest.raises(NotFoundError):
        service.create(999, "督查", [ItemInput("x", deadline=dt.date(2026, 12, 1))])
    assert verify(county.db.session_factory).ok


def test_a_status_changed_behind_the_app_is_found(county, service):
    register_hooks()
    item = service.items()[0]
    with county.db.session() as s:
        s.execute(text("UPDATE rectification_item SET status = '已销号' WHERE id = :i"), {"i": item.id})
    report = verify(county.db.session_factory)
    assert not report.ok
    assert any("状态为“已销号”，审计日志记录为“未整改”" in f.message for f in report.findings)


# --- the 台账 ----------------------------------------------------------------------------------------------------


def test_ledger_lists_every_item_with_its_status(county, service, clock, tmp_path):
    items = service.items()
    service.submit(items[0].id, "已整改")
    service.close(items[0].id, "同意销号")
    clock.day = DEADLINE + dt.timedelta(days=1)
    path = service.write_ledger(tmp_path)
    assert path.name == "全县机关整改台账（截至2026年12月2日）.docx"
    data = path.read_bytes()
    check_gongwen(data, tmp_path, name="ledger.docx")
    doc = docx.Document(io.BytesIO(data))
    text_all = "\n".join(p.text for p in doc.paragraphs)
    assert "共有整改事项6项，涉及1个单位" in text_all and "已销号1项" in text_all and "逾期5项" in text_all
    detail = next(t for t in doc.tables if t.rows[0].cells[1].text == "存在问题")
    rows = [[tc.xpath("string(.)") for tc in r._tr.tc_lst] for r in detail.rows[1:]]
    rows = [r for r in rows if len(r) > 1]  # not the row naming the unit above its items
    assert len(rows) == 6
    assert sorted(r[5] for r in rows) == ["已销号"] + ["逾期"] * 5
    closed = next(r for r in rows if r[5] == "已销号")
    assert "2026.11.12销号" in closed[6] and "同意销号" in closed[6]
    one_unit = service.ledger_content(unit_id=county.unit("县财政局"))
    assert one_unit.items == () and one_unit.scope == "县财政局"
    assert service.ledger_content(year=2026).scope == "2026年度全县机关"
    named = service.write_ledger(tmp_path / "台账.docx", scope="2026年10月约谈")
    assert named.name == "台账.docx"
