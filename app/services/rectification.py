"""整改: items with measure, 责任人, deadline and status, tracked until 销号; the printable 整改台账; 逾期 alerts.

Statuses and the moves between them (anything else is refused, here and not only in the UI):

    未整改 ──开始整改──▶ 整改中 ──提交审核──▶ 待审核 ──销号──▶ 已销号
       └───────────提交审核────────────▶   ◀──退回──┘        │
                         ▲─────────────────撤销销号──────────┘

- 提交审核 needs the 整改情况; 退回 and 撤销销号 need a reason; 销号 needs a note (销号说明).
- 逾期 is never stored: an item not yet 已销号 whose deadline has passed is 逾期 on the day it is asked about,
  unless it was handed in for review by its deadline (the unit did its part; the review is the committee's).
- Every status change and every change of a deadline is an audit entry (who, when, old, new, why), so 销号 is
  traceable and `dangjian audit verify` finds a status changed behind the app's back.
- Overdue items feed the 提醒 page through app.services.alerts' `rectification_overdue` source.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.errors import FieldProblem, NotFoundError, ValidationError
from app.models import Rectification, RectificationItem, RectificationStatus, Unit, utcnow
from app.services import alerts as A
from app.services import audit as audit_trail
from app.services import unit_scope
from app.services.audit import AuditFinding, AuditLog, LastValues, unit_of_work

if TYPE_CHECKING:
    from app.reports.rectification import LedgerContent

SessionFactory = Callable[[], Session]

Status = RectificationStatus
ENTITY = "rectification_item"
MAX_TEXT = 2000
MAX_OWNER = 40

# (from, to) → (action written to the audit trail, what the note means, is the note required)
TRANSITIONS: dict[tuple[Status, Status], tuple[str, str, bool]] = {
    (Status.NOT_STARTED, Status.IN_PROGRESS): ("开始整改", "进展说明", False),
    (Status.NOT_STARTED, Status.PENDING_REVIEW): ("提交审核", "整改情况", True),
    (Status.IN_PROGRESS, Status.PENDING_REVIEW): ("提交审核", "整改情况", True),
    (Status.PENDING_REVIEW, Status.IN_PROGRESS): ("退回", "退回理由", True),
    (Status.PENDING_REVIEW, Status.CLOSED): ("销号", "销号说明", True),
    (Status.CLOSED, Status.IN_PROGRESS): ("撤销销号", "撤销理由", True),
}


def allowed_moves(stored: Status) -> list[Status]:
    """The statuses an item in `stored` may move to (逾期 is never one: it is computed)."""
    return [to for (frm, to) in TRANSITIONS if frm == stored]


def action_label(frm: Status, to: Status) -> str:
    return TRANSITIONS[(frm, to)][0]


def effective_status(stored: Status, deadline: dt.date, submitted_on: dt.date | None, today: dt.date) -> Status:
    """What the item is today: 逾期 when open past its deadline (and not handed in by then)."""
    if stored == Status.CLOSED or today <= deadline:
        return stored
    if stored == Status.PENDING_REVIEW and submitted_on is not None and submitted_on <= deadline:
        return stored
    return Status.OVERDUE


# ---------------------------------------------------------------------------------------------------------------
# inputs and views


@dataclass
class ItemInput:
    problem: str
    measure: str = ""
    owner: str = ""
    deadline: dt.date | None = None


@dataclass(frozen=True)
class ItemView:
    id: int
    rectification_id: int
    unit_id: int
    unit: str
    source: str
    interview_id: int | None
    problem: str
    measure: str
    owner: str
    deadline: dt.date
    stored_status: Status
    status: Status  # today's: 逾期 computed
    progress: str
    submitted_on: dt.date | None
    closed_on: dt.date | None
    close_note: str
    closed_by: str
    days_overdue: int

    @property
    def overdue(self) -> bool:
        return self.status == Status.OVERDUE

    @property
    def moves(self) -> list[Status]:
        return allowed_moves(self.stored_status)

    @property
    def status_text(self) -> str:
        if self.overdue:
            return f"逾期（{self.days_overdue}天，{self.stored_status.value}）"
        return self.status.value


@dataclass(frozen=True)
class RectificationView:
    id: int
    unit_id: int
    unit: str
    source: str
    interview_id: int | None
    items: list[ItemView]


# ---------------------------------------------------------------------------------------------------------------
# the service


class RectificationService:
    def __init__(self, session_factory: SessionFactory, actor: str | None = None,
                 today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._actor = actor
        self._today = today

    # --- reading --------------------------------------------------------------------------------------------

    def items(self, *, unit_id: int | None = None, period_id: int | None = None, status: Status | None = None,
              open_only: bool = False, rectification_id: int | None = None) -> list[ItemView]:
        """Items, by unit and deadline; `status` filters on today's status (逾期 included)."""
        today = self._today()
        unit_scope.require_own_unit(unit_id)
        with self._sf() as s:
            if rectification_id is not None:
                unit_scope.require_own_rectification(s, rectification_id)
            views = _item_views(s, today, unit_id=unit_id, period_id=period_id, rectification_id=rectification_id)
        if open_only:
            views = [v for v in views if v.status != Status.CLOSED]
        if status is not None:
            views = [v for v in views if v.status == status]
        return views

    def item(self, item_id: int) -> ItemView:
        with self._sf() as s:
            unit_scope.require_own_rectification_item(s, item_id)
            _item(s, item_id)
            return _item_views(s, self._today(), item_id=item_id)[0]

    def rectifications(self, unit_id: int | None = None) -> list[RectificationView]:
        unit_scope.require_own_unit(unit_id)
        today = self._today()
        with self._sf() as s:
            q = select(Rectification).join(Unit, Unit.id == Rectification.unit_id)
            if unit_id is not None:
                q = q.where(Rectification.unit_id == unit_id)
            rects = list(s.scalars(q.order_by(Rectification.created_at.desc(), Rectification.id.desc())))
            items = _item_views(s, today, rectification_ids=[r.id for r in rects])
            by: dict[int, list[ItemView]] = {}
            for it in items:
                by.setdefault(it.rectification_id, []).append(it)
            return [RectificationView(r.id, r.unit_id, r.unit.name, r.source, r.interview_id, by.get(r.id, []))
                    for r in rects]

    def counts(self, unit_id: int | None = None) -> dict[Status, int]:
        """Items per today's status (every status present)."""
        c = Counter(v.status for v in self.items(unit_id=unit_id))
        return {st: c.get(st, 0) for st in Status}

    # --- creating and editing -------------------------------------------------------------------------------

    def create(self, unit_id: int, source: str, items: Sequence[ItemInput], *, period_id: int | None = None
               ) -> RectificationView:
        """A 整改 not opened by an interview (a finding of a check, a 述职评议 result …)."""
        unit_scope.require_own_unit(unit_id)
        unit_scope.refuse_unit_account(_UNIT_REFUSAL)
        source = (source or "").strip()
        problems: list[FieldProblem] = []
        if not source:
            problems.append(FieldProblem("source", "请填写整改来源（如“2026年第三季度督查”）"))
        if len(source) > 100:
            problems.append(FieldProblem("source", "整改来源不能超过100字"))
        if not items:
            problems.append(FieldProblem("items", "请至少填写一个整改事项"))
        cleaned = [_clean_item(it, problems, self._today(), row=i + 1) for i, it in enumerate(items)]
        if problems:
            raise ValidationError(problems)
        with unit_of_work(self._sf, self._actor) as (s, log):
            if s.get(Unit, unit_id) is None:
                raise NotFoundError(f"单位不存在（编号 {unit_id}）")
            rect = Rectification(unit_id=unit_id, source=source, period_id=period_id, created_by=log.who)
            s.add(rect)
            s.flush()
            for i, clean in enumerate(cleaned):
                _add_item(s, log, rect, clean, i)
        return next(r for r in self.rectifications(unit_id) if r.id == rect.id)

    def add_item(self, rectification_id: int, data: ItemInput) -> ItemView:
        self._require_committee(rectification_id=rectification_id)
        problems: list[FieldProblem] = []
        clean = _clean_item(data, problems, self._today())
        if problems:
            raise ValidationError(problems)
        with unit_of_work(self._sf, self._actor) as (s, log):
            rect = s.get(Rectification, rectification_id)
            if rect is None:
                raise NotFoundError(f"整改不存在（编号 {rectification_id}）")
            item = _add_item(s, log, rect, clean, len(rect.items))
            item_id = item.id
        return self.item(item_id)

    def edit_item(self, item_id: int, data: ItemInput, reason: str = "") -> ItemView:
        """Change problem, measure, 责任人 or deadline of an item not yet 已销号.  Moving a deadline is audited
        and needs a reason (a later deadline can hide an overdue item)."""
        self._require_committee(item_id=item_id)
        problems: list[FieldProblem] = []
        clean = _clean_item(data, problems, None)
        reason = (reason or "").strip()
        with unit_of_work(self._sf, self._actor) as (s, log):
            item = _item(s, item_id)
            if item.status == Status.CLOSED:
                raise ValidationError("已销号的整改事项不能修改；确需修改请先撤销销号", field="status")
            moved = clean["deadline"] is not None and clean["deadline"] != item.deadline
            if moved and not reason:
                problems.append(FieldProblem("reason", "修改整改时限须说明理由"))
            if problems:
                raise ValidationError(problems)
            if moved:
                log.record("调整时限", ENTITY, item.id, "deadline", item.deadline.isoformat(),
                           clean["deadline"].isoformat(), reason=reason)
            for k, v in clean.items():
                setattr(item, k, v)
            item.updated_at = utcnow()
        return self.item(item_id)

    def delete_item(self, item_id: int, reason: str) -> None:
        """Remove an item entered by mistake (only while 未整改), with a reason (audited)."""
        self._require_committee(item_id=item_id)
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError("删除整改事项须说明理由", field="reason")
        with unit_of_work(self._sf, self._actor) as (s, log):
            item = _item(s, item_id)
            if item.status != Status.NOT_STARTED:
                raise ValidationError(f"只有“未整改”的事项可以删除，该事项为“{item.status.value}”", field="status")
            log.record("删除", ENTITY, item.id, "status", item.status, None, reason=f"{reason}（{item.problem[:60]}）")
            s.delete(item)

    def _require_committee(self, *, item_id: int | None = None, rectification_id: int | None = None) -> None:
        """Creating and editing 整改 items is the 工委's; a unit account is told so (after whose item it is)."""
        if not unit_scope.scoped():
            return
        with self._sf() as s:
            if item_id is not None:
                unit_scope.require_own_rectification_item(s, item_id)
            if rectification_id is not None:
                unit_scope.require_own_rectification(s, rectification_id)
        unit_scope.refuse_unit_account(_UNIT_REFUSAL)

    # --- the workflow ---------------------------------------------------------------------------------------

    def move(self, item_id: int, to: Status | str, note: str = "", on: dt.date | None = None) -> ItemView:
        """Move an item to `to` if the rules allow it; `note` is the progress, reason or 销号说明."""
        target = _status(to)
        note = (note or "").strip()
        day = on or self._today()
        with unit_of_work(self._sf, self._actor) as (s, log):
            unit_scope.require_own_rectification_item(s, item_id)
            item = _item(s, item_id)
            unit_scope.require_unit_move(item.status, target)
            apply_move(log, item, target, note, day)
        return self.item(item_id)

    def start(self, item_id: int, note: str = "") -> ItemView:
        return self.move(item_id, Status.IN_PROGRESS, note)

    def submit(self, item_id: int, progress: str) -> ItemView:
        return self.move(item_id, Status.PENDING_REVIEW, progress)

    def send_back(self, item_id: int, reason: str) -> ItemView:
        return self.move(item_id, Status.IN_PROGRESS, reason)

    def close(self, item_id: int, note: str, on: dt.date | None = None) -> ItemView:
        """销号: only from 待审核, with a 销号说明; audited."""
        return self.move(item_id, Status.CLOSED, note, on)

    def reopen(self, item_id: int, reason: str) -> ItemView:
        return self.move(item_id, Status.IN_PROGRESS, reason)

    # --- the 台账 ---------------------------------------------------------------------------------------------

    def ledger_content(self, *, scope: str = "", unit_id: int | None = None, period_id: int | None = None,
                       year: int | None = None, as_of: dt.date | None = None) -> LedgerContent:
        day = as_of or self._today()
        unit_scope.require_own_unit(unit_id)
        with self._sf() as s:
            views = _item_views(s, day, unit_id=unit_id, period_id=period_id)
            unit_name = s.scalar(select(Unit.name).where(Unit.id == unit_id)) if unit_id is not None else None
        if year is not None:
            views = [v for v in views if v.deadline.year == year or _source_year(v.source) == year]
        title = scope.strip() or _scope_title(unit_name, year)
        from app.reports.rectification import LedgerContent, LedgerItem  # python-docx: not for the 提醒

        items = tuple(LedgerItem(v.unit, v.problem, v.measure, v.owner, v.deadline, v.status.value, v.closed_on,
                                 close_note=v.close_note if v.stored_status == Status.CLOSED else "",
                                 progress=v.progress, source=v.source)
                      for v in views)
        return LedgerContent(title, day, items)

    def write_ledger(self, target: str | Path, **scope: Any) -> Path:
        """The 整改台账 as .docx at `target` (a folder, or a path not ending in .docx: the default name inside)."""
        from app.reports.config import issuer_from_settings, style_from_settings
        from app.reports.output import write_atomic
        from app.reports.rectification import build_ledger, ledger_filename

        content = self.ledger_content(**scope)
        with self._sf() as s:
            read = S.reader(s)
            issuer, style = issuer_from_settings(read), style_from_settings(read)
        data = build_ledger(content, issuer, style)
        path = Path(target)
        if path.is_dir() or path.suffix.lower() != ".docx":
            path = path / ledger_filename(content)
        return write_atomic(path, data)


# ---------------------------------------------------------------------------------------------------------------
# rules


_UNIT_REFUSAL = "新建、修改或删除整改事项：整改事项由机关工委确定，单位填报整改进展"


def _status(value: Status | str) -> Status:
    if isinstance(value, Status):
        return value
    try:
        return Status(str(value).strip())
    except ValueError:
        raise ValidationError(f"整改状态无效：{value}", field="status") from None


def apply_move(log: AuditLog, item: RectificationItem, target: Status, note: str, day: dt.date) -> None:
    """Move `item` to `target` on `day` if the rules allow it (in the caller's transaction, audited through `log`)."""
    frm = item.status
    if target == Status.OVERDUE:
        raise ValidationError("“逾期”由整改时限自动判断，不能手工设置", field="status")
    rule = TRANSITIONS.get((frm, target))
    if rule is None:
        raise ValidationError(_refusal(frm, target), field="status")
    action, what, required = rule
    if required and not note:
        raise ValidationError(f"{action}须填写{what}", field="note")
    if len(note) > MAX_TEXT:
        raise ValidationError(f"{what}不能超过{MAX_TEXT}字", field="note")
    if target == Status.PENDING_REVIEW:
        item.progress, item.submitted_on = note, day
    elif target == Status.CLOSED:
        item.closed_on, item.close_note, item.closed_by = day, note, log.who
    elif frm == Status.CLOSED:  # 撤销销号: the 销号 is kept in the trail, not on the item
        item.closed_on, item.close_note, item.closed_by, item.submitted_on = None, "", "", None
    elif target == Status.IN_PROGRESS and note and frm == Status.NOT_STARTED:
        item.progress = note
    log.record(action, ENTITY, item.id, "status", frm, target, reason=note)
    item.status = target
    item.updated_at = utcnow()


def _refusal(frm: Status, to: Status) -> str:
    if frm == to:
        return f"该事项已经是“{frm.value}”"
    if to == Status.CLOSED:
        return f"“{frm.value}”的事项不能直接销号：须先提交审核，经审核后销号"
    allowed = "、".join(f"“{s.value}”" for s in allowed_moves(frm)) or "无"
    return f"“{frm.value}”的事项不能改为“{to.value}”（可改为：{allowed}）"


def _clean_item(data: ItemInput, problems: list[FieldProblem], today: dt.date | None,
                row: int | None = None) -> dict[str, Any]:
    problem = (data.problem or "").strip()
    measure = (data.measure or "").strip()
    owner = (data.owner or "").strip()
    if not problem:
        problems.append(FieldProblem("problem", "请填写存在的问题", row))
    for fld, label, value, limit in (("problem", "存在问题", problem, MAX_TEXT), ("measure", "整改措施", measure, MAX_TEXT),
                                     ("owner", "责任人", owner, MAX_OWNER)):
        if len(value) > limit:
            problems.append(FieldProblem(fld, f"{label}不能超过{limit}字", row))
    if data.deadline is None:
        problems.append(FieldProblem("deadline", "请填写整改时限", row))
    elif today is not None and data.deadline < today:
        problems.append(FieldProblem("deadline", "新建事项的整改时限不能早于今天", row))
    return {"problem": problem, "measure": measure, "owner": owner, "deadline": data.deadline}


def check_items(items: Sequence[ItemInput], today: dt.date | None, row: int | None = None) -> list[FieldProblem]:
    """What is wrong with new items (another register's form or import: a 民主生活会's 问题清单); `today` None
    accepts past deadlines (a record of a meeting held before)."""
    problems: list[FieldProblem] = []
    for data in items:
        _clean_item(data, problems, today, row)
    return problems


def add_items(s: Session, log: AuditLog, rect: Rectification, items: Sequence[ItemInput],
              today: dt.date | None) -> list[RectificationItem]:
    """Append items to `rect` in the caller's transaction, each audited as created 未整改 (as `create` does)."""
    problems: list[FieldProblem] = []
    cleaned = [_clean_item(data, problems, today) for data in items]
    if problems:
        raise ValidationError(problems)
    start = max((it.sort_order for it in rect.items), default=-1) + 1
    return [_add_item(s, log, rect, clean, start + i) for i, clean in enumerate(cleaned)]


def _add_item(s: Session, log: AuditLog, rect: Rectification, clean: dict[str, Any], order: int) -> RectificationItem:
    item = RectificationItem(rectification_id=rect.id, status=Status.NOT_STARTED, sort_order=order, **clean)
    s.add(item)
    s.flush()
    log.record("新建", ENTITY, item.id, "status", None, item.status, reason=f"{rect.source}：{item.problem[:60]}")
    return item


def _item(s: Session, item_id: int) -> RectificationItem:
    item = s.get(RectificationItem, item_id)
    if item is None:
        raise NotFoundError(f"整改事项不存在（编号 {item_id}）")
    return item


def _item_views(s: Session, today: dt.date, *, unit_id: int | None = None, period_id: int | None = None,
                rectification_id: int | None = None, rectification_ids: Sequence[int] | None = None,
                item_id: int | None = None) -> list[ItemView]:
    q = (select(RectificationItem, Rectification.unit_id, Unit.name, Rectification.source, Rectification.interview_id)
         .join(Rectification, Rectification.id == RectificationItem.rectification_id)
         .join(Unit, Unit.id == Rectification.unit_id))
    if unit_id is not None:
        q = q.where(Rectification.unit_id == unit_id)
    if period_id is not None:
        q = q.where(Rectification.period_id == period_id)
    if rectification_id is not None:
        q = q.where(Rectification.id == rectification_id)
    if rectification_ids is not None:
        q = q.where(Rectification.id.in_(rectification_ids))
    if item_id is not None:
        q = q.where(RectificationItem.id == item_id)
    q = q.order_by(Unit.sort_order, Unit.id, RectificationItem.deadline, Rectification.id, RectificationItem.sort_order,
                   RectificationItem.id)
    out = []
    for it, uid, unit, source, interview_id in s.execute(q):
        status = effective_status(it.status, it.deadline, it.submitted_on, today)
        late = (today - it.deadline).days if status == Status.OVERDUE else 0
        out.append(ItemView(it.id, it.rectification_id, uid, unit, source, interview_id, it.problem, it.measure,
                            it.owner, it.deadline, it.status, status, it.progress, it.submitted_on, it.closed_on,
                            it.close_note, it.closed_by, late))
    return out


def _source_year(source: str) -> int | None:
    head = source[:4]
    return int(head) if head.isdigit() else None


def _scope_title(unit: str | None, year: int | None) -> str:
    parts = [f"{year}年度" if year else "", unit or "全县机关"]
    return "".join(parts)


# ---------------------------------------------------------------------------------------------------------------
# 提醒 and audit hooks


def overdue_alerts(s: Session, today: dt.date) -> list[A.Alert]:
    """The `rectification_overdue` alert source: one alert per item past its deadline (`effective_status`), in
    the order of `_item_views`.  One query of the open items past their deadline and only the columns the alert
    says: the 提醒 page reads it on every load."""
    q = (select(RectificationItem.id, RectificationItem.problem, RectificationItem.deadline,
                RectificationItem.status, RectificationItem.submitted_on, Rectification.unit_id, Unit.name)
         .join(Rectification, Rectification.id == RectificationItem.rectification_id)
         .join(Unit, Unit.id == Rectification.unit_id)
         .where(RectificationItem.status != Status.CLOSED, RectificationItem.deadline < today)
         .order_by(Unit.sort_order, Unit.id, RectificationItem.deadline, Rectification.id,
                   RectificationItem.sort_order, RectificationItem.id))
    out = []
    for item_id, problem, deadline, stored, submitted_on, unit_id, unit in s.execute(q):
        if effective_status(stored, deadline, submitted_on, today) != Status.OVERDUE:
            continue  # handed in for review by its deadline
        short = problem if len(problem) <= 30 else problem[:30] + "…"
        out.append(A.Alert("rectification_overdue", unit,
                           f"{unit}：整改事项“{short}”已超过时限{(today - deadline).days}天（时限{deadline:%Y-%m-%d}，"
                           f"{stored.value}）", deadline, A.RECTIFICATION, item_id, unit_id, True))
    return out


def check_rectification_state(s: Session, last: LastValues) -> list[AuditFinding]:
    """Each item's stored status against the last status the audit trail records for it."""
    findings = []
    present = set()
    for item_id, status, problem in s.execute(select(RectificationItem.id, RectificationItem.status,
                                                     RectificationItem.problem)):
        present.add(item_id)
        recorded = last.get((ENTITY, item_id, "status"))
        if recorded != status.value:
            findings.append(AuditFinding(
                "state", f"整改事项“{problem[:30]}”的状态为“{status.value}”，审计日志记录为“{recorded or '无记录'}”"
                         f"（数据库被绕过程序修改）", None, ENTITY, item_id))
    for (entity, eid, fld), value in last.items():
        if entity == ENTITY and fld == "status" and value is not None and eid not in present:
            findings.append(AuditFinding("state", f"审计日志记录的整改事项（编号{eid}）在数据库中已不存在（被绕过程序删除）",
                                         None, ENTITY, eid))
    return findings


def register_hooks() -> None:
    """Plug into the 提醒 and the audit verification (idempotent; done when this module is imported)."""
    A.register_source("rectification_overdue", overdue_alerts)
    if check_rectification_state not in audit_trail.STATE_CHECKS:
        audit_trail.STATE_CHECKS.append(check_rectification_state)


register_hooks()
