"""党内激励、关怀、帮扶: 表彰 records, 关怀对象 with their circumstances, and 慰问/帮扶 visits.

Privacy (the circumstances are personal data as sensitive as a 身份证号):
- Nothing that lists, searches, sorts or exports by default ever reads `CareSubject.circumstances` or
  `.description`: `subject_rows` does not select them, so a list, its tooltips, its copy and its Excel export
  cannot hold them whatever the UI does, and a text search matches names and units only.
- `reveal` returns them for one 关怀对象 to a role with CARE_REVEAL (管理员), and writes one audit entry per call
  (who saw whose circumstances, when, why).  `export_subjects(reveal=True)` needs CARE_EXPORT and is audited
  with the number of people; the default export has no circumstances at all.
- The audit trail itself never holds them: a change is recorded as “个人情况（内容不入日志）”.
- Alerts name the person and the months since the last visit, never why the person is looked after.

Rules (DOMAIN.md style):
- 表彰: 优秀共产党员 and 优秀党务工作者 name a member, 先进基层党组织 an organisation; level, date (not in the future)
  and 授予机关 required; the unit is the member's (organisation's) at saving, kept afterwards; the same 表彰 of the
  same person or organisation on the same day at the same level is refused as a duplicate.
- 关怀对象: one open record per member at a time; at least one circumstance; ended with a date and a reason.
- Visit: dated between the 关怀对象's start (and end) and today; 走访人 and at least one form required; an amount
  (whole 元, 1–100000) only with 慰问金 and then required; a linked 谈心谈话 record must be a 谈心谈话 the member
  attended, and serves one visit only.
- 久未走访 (alert care_visit_overdue): an open 关怀对象 whose last visit (or, never visited, whose start) is more than
  `care.visit_months` (default 6) months ago.
- 节前走访 (alert care_festival_visit): from `care.festival_days` (default 30) days before 七一 and before the first
  day of the 春节 holiday (from the working-day calendar; a year it does not know has no 春节 alert), an open
  关怀对象 not visited since that window began and not already 久未走访."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.dates import cn_date
from app.errors import FieldProblem, NotFoundError, ValidationError
from app.models import Member, PartyOrg, Unit
from app.models.care import (
    ORG_HONORS,
    CareCircumstance,
    CareSubject,
    CareVisit,
    Honor,
    HonorKind,
    VisitForm,
)
from app.models.orglife import OrgLifeAttendance, OrgLifeKind, OrgLifeRecord
from app.services import alerts as A
from app.services import audit as audit_trail
from app.services.actor import Permission, require
from app.services.audit import AuditFinding, AuditLog, LastValues, unit_of_work

SessionFactory = Callable[[], Session]

HONOR, SUBJECT, VISIT = "honor", "care_subject", "care_visit"
CARE_TARGET = "care"  # an alert's target: ("care", 关怀对象 id), shown on the 组织生活 page's 激励关怀 tab
LEVELS = ("国家级", "省级", "市级", "县级", "单位")  # offered; the office may write another
HIDDEN = "（个人情况，不入日志）"
MAX_AMOUNT = 100000
SEP = "、"


# ---------------------------------------------------------------------------------------------------------------
# inputs and rows


@dataclass
class HonorInput:
    kind: HonorKind
    awarded_on: dt.date | None
    level: str
    awarded_by: str
    member_id: int | None = None
    org_id: int | None = None
    doc_number: str = ""
    note: str = ""


@dataclass(frozen=True)
class HonorRow:
    id: int
    kind: HonorKind
    name: str  # the member's or the organisation's
    member_id: int | None
    org_id: int | None
    unit_id: int
    unit: str
    level: str
    awarded_on: dt.date
    awarded_by: str
    doc_number: str
    note: str


@dataclass
class SubjectInput:
    member_id: int
    since: dt.date | None
    circumstances: list[CareCircumstance] = field(default_factory=list)
    description: str = ""


@dataclass(frozen=True)
class SubjectRow:
    """What any role sees of a 关怀对象: never the circumstances."""

    id: int
    member_id: int
    name: str
    unit_id: int
    unit: str
    org: str
    since: dt.date
    ended_on: dt.date | None
    end_reason: str
    visits: int
    last_visit: dt.date | None
    due: dt.date | None  # the next visit is due by then (None once ended)
    overdue: bool


@dataclass(frozen=True)
class Circumstances:
    circumstances: tuple[CareCircumstance, ...]
    description: str

    @property
    def text(self) -> str:
        return SEP.join(c.label for c in self.circumstances)


@dataclass
class VisitInput:
    visited_on: dt.date | None
    visitors: str
    forms: list[VisitForm] = field(default_factory=list)
    amount_yuan: int | None = None
    goods: str = ""
    talk_record_id: int | None = None


@dataclass(frozen=True)
class VisitRow:
    id: int
    subject_id: int
    visited_on: dt.date
    visitors: str
    forms: tuple[VisitForm, ...]
    amount_yuan: int | None
    goods: str
    talk_record_id: int | None
    talk_topic: str

    @property
    def forms_text(self) -> str:
        return SEP.join(f.label for f in self.forms)


@dataclass(frozen=True)
class TalkRow:
    """A 谈心谈话 record (组织生活) the member attended, and the visit it is linked to, if any."""

    id: int
    held_on: dt.date
    org: str
    topic: str
    visit_id: int | None


def join_labels(items: Iterable[Any]) -> str:
    return SEP.join(dict.fromkeys(i.label for i in items))


def split_labels(text: str, enum: Any) -> tuple[Any, ...]:
    return tuple(enum(t) for t in (text or "").split(SEP) if t)


# ---------------------------------------------------------------------------------------------------------------
# the service


class CareService:
    def __init__(self, session_factory: SessionFactory, today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._today = today

    # --- 表彰 ----------------------------------------------------------------------------------------------

    def honor_rows(self, *, year: int | None = None, unit_id: int | None = None, kind: HonorKind | None = None,
                   text: str = "") -> list[HonorRow]:
        """表彰, newest first; `text` matches the person's or organisation's name, the 授予机关 and the 文号."""
        with self._sf() as s:
            return honor_rows(s, year=year, unit_id=unit_id, kind=kind, text=text)

    def honor_input(self, honor_id: int) -> HonorInput:
        with self._sf() as s:
            h = _get(s, Honor, honor_id, "表彰记录")
            return HonorInput(h.kind, h.awarded_on, h.level, h.awarded_by, h.member_id, h.org_id, h.doc_number,
                              h.note)

    def validate_honor(self, s: Session, data: HonorInput, row: int | None = None) -> list[FieldProblem]:
        """Every rule of a 表彰 (form and import alike); cleans the text fields and fills in nothing else."""
        problems: list[FieldProblem] = []

        def bad(fld: str, msg: str) -> None:
            problems.append(FieldProblem(fld, msg, row))

        data.level, data.awarded_by = data.level.strip(), data.awarded_by.strip()
        data.doc_number, data.note = data.doc_number.strip(), data.note.strip()
        if data.kind in ORG_HONORS:
            data.member_id = None
            if data.org_id is None:
                bad("org_id", f"{data.kind.label}须选择党组织")
            elif s.get(PartyOrg, data.org_id) is None:
                bad("org_id", "所选党组织不存在（可能已被删除）")
        else:
            data.org_id = None
            if data.member_id is None:
                bad("member_id", f"{data.kind.label}须选择党员")
            elif s.get(Member, data.member_id) is None:
                bad("member_id", "所选党员不存在（可能已被删除）")
        if not data.level:
            bad("level", "请填写表彰级别（如县级、市级）")
        elif len(data.level) > 20:
            bad("level", "表彰级别不能超过20字")
        if data.awarded_on is None:
            bad("awarded_on", "请填写表彰日期")
        elif data.awarded_on > self._today():
            bad("awarded_on", "表彰日期不能晚于今天")
        if not data.awarded_by:
            bad("awarded_by", "请填写授予机关（如中共示范县委）")
        elif len(data.awarded_by) > 100:
            bad("awarded_by", "授予机关不能超过100字")
        if len(data.doc_number) > 60:
            bad("doc_number", "文号不能超过60字")
        return problems

    def duplicate_honor(self, s: Session, data: HonorInput, honor_id: int | None = None) -> int | None:
        q = select(Honor.id).where(Honor.kind == data.kind, Honor.awarded_on == data.awarded_on,
                                   Honor.level == data.level,
                                   Honor.member_id == data.member_id if data.member_id is not None
                                   else Honor.member_id.is_(None),
                                   Honor.org_id == data.org_id if data.org_id is not None else Honor.org_id.is_(None))
        if honor_id is not None:
            q = q.where(Honor.id != honor_id)
        return s.scalar(q)

    def save_honor(self, data: HonorInput, honor_id: int | None = None) -> int:
        with unit_of_work(self._sf) as (s, log):
            return self.store_honor(s, log, data, honor_id)

    def store_honor(self, s: Session, log: AuditLog, data: HonorInput, honor_id: int | None = None) -> int:
        """Check and write one 表彰 in the caller's transaction (the import stores many in one)."""
        honor = _get(s, Honor, honor_id, "表彰记录") if honor_id is not None else None
        problems = self.validate_honor(s, data)
        if not problems and self.duplicate_honor(s, data, honor_id) is not None:
            problems.append(FieldProblem("kind", "已登记过同一日期、同一级别的该项表彰"))
        if problems:
            raise ValidationError(problems)
        unit_id = _unit_of(s, data.member_id, data.org_id)
        values: dict[str, Any] = {"kind": data.kind, "member_id": data.member_id, "org_id": data.org_id,
                                  "unit_id": unit_id, "level": data.level, "awarded_on": data.awarded_on,
                                  "awarded_by": data.awarded_by, "doc_number": data.doc_number, "note": data.note}
        if honor is None:
            honor = Honor(**values)
            s.add(honor)
            s.flush()
            log.record("新建", HONOR, honor.id, "", None, _honor_summary(s, honor))
            return honor.id
        for name, value in values.items():
            if getattr(honor, name) != value:
                log.record("修改", HONOR, honor.id, name, getattr(honor, name), value)
                setattr(honor, name, value)
        return honor.id

    def delete_honor(self, honor_id: int) -> None:
        with unit_of_work(self._sf) as (s, log):
            honor = _get(s, Honor, honor_id, "表彰记录")
            log.record("删除", HONOR, honor.id, "", _honor_summary(s, honor), None)
            s.delete(honor)

    # --- 关怀对象 -----------------------------------------------------------------------------------------------

    def subject_rows(self, *, unit_id: int | None = None, include_ended: bool = False, text: str = "",
                     subject_id: int | None = None) -> list[SubjectRow]:
        """关怀对象 without their circumstances, overdue first, then by the date the next visit is due.  `text`
        matches the name, the unit and the organisation only (never the hidden circumstances)."""
        with self._sf() as s:
            months = int(S.get(s, S.CARE_VISIT_MONTHS))
            return subject_rows(s, self._today(), months, unit_id=unit_id, include_ended=include_ended, text=text,
                                subject_id=subject_id)

    def subject(self, subject_id: int) -> SubjectRow:
        rows = self.subject_rows(include_ended=True, subject_id=subject_id)
        if not rows:
            raise NotFoundError(f"关怀对象不存在（编号 {subject_id}）")
        return rows[0]

    def add_subject(self, data: SubjectInput) -> int:
        with unit_of_work(self._sf) as (s, log):
            problems = self._check_subject(s, data, None)
            if problems:
                raise ValidationError(problems)
            assert data.since is not None
            subject = CareSubject(member_id=data.member_id, since=data.since,
                                  circumstances=join_labels(data.circumstances), description=data.description)
            s.add(subject)
            s.flush()
            member = s.get(Member, data.member_id)
            assert member is not None
            log.record("新建", SUBJECT, subject.id, "", None, f"党员：{member.name}；列为关怀对象：{data.since:%Y-%m-%d}；"
                                                              f"个人情况：{HIDDEN}")
            return subject.id

    def _check_subject(self, s: Session, data: SubjectInput, subject_id: int | None) -> list[FieldProblem]:
        problems: list[FieldProblem] = []
        data.description = (data.description or "").strip()
        if subject_id is None:
            member = s.get(Member, data.member_id)
            if member is None:
                problems.append(FieldProblem("member_id", "请选择党员"))
            elif member.left_on is not None:
                problems.append(FieldProblem("member_id", f"{member.name}已不在党员名册中"))
            elif s.scalar(select(CareSubject.id).where(CareSubject.member_id == member.id,
                                                       CareSubject.ended_on.is_(None))) is not None:
                problems.append(FieldProblem("member_id", f"{member.name}已是关怀对象"))
            if data.since is None:
                problems.append(FieldProblem("since", "请填写列为关怀对象的日期"))
            elif data.since > self._today():
                problems.append(FieldProblem("since", "列为关怀对象的日期不能晚于今天"))
        if not data.circumstances:
            problems.append(FieldProblem("circumstances", "请至少选择一项关怀原因"))
        if CareCircumstance.OTHER in data.circumstances and not data.description:
            problems.append(FieldProblem("description", "选择“其他”时请在情况说明中写明"))
        if len(data.description) > 1000:
            problems.append(FieldProblem("description", "情况说明不能超过1000字"))
        return problems

    def reveal(self, subject_id: int, purpose: str = "") -> Circumstances:
        """The circumstances of one 关怀对象, for a role allowed to see them; every call is one audit entry."""
        require(Permission.CARE_REVEAL)
        with unit_of_work(self._sf) as (s, log):
            subject = _get(s, CareSubject, subject_id, "关怀对象")
            member = s.get(Member, subject.member_id)
            log.record("查看个人情况", SUBJECT, subject.id, "个人情况",
                       reason=f"{member.name if member else ''}{f'：{purpose.strip()}' if purpose.strip() else ''}")
            return Circumstances(split_labels(subject.circumstances, CareCircumstance), subject.description)

    def update_circumstances(self, subject_id: int, circumstances: Sequence[CareCircumstance],
                             description: str) -> None:
        """Replace the circumstances: only a role that may see them may change them (a form that edits them shows
        them first)."""
        require(Permission.CARE_REVEAL)
        data = SubjectInput(0, None, list(circumstances), description)
        with unit_of_work(self._sf) as (s, log):
            subject = _get(s, CareSubject, subject_id, "关怀对象")
            problems = self._check_subject(s, data, subject_id)
            if problems:
                raise ValidationError(problems)
            joined = join_labels(data.circumstances)
            if (joined, data.description) != (subject.circumstances, subject.description):
                subject.circumstances, subject.description = joined, data.description
                log.record("修改", SUBJECT, subject.id, "个人情况", HIDDEN, HIDDEN)

    def end_subject(self, subject_id: int, ended_on: dt.date | None, reason: str = "") -> None:
        """End the care (ended_on and a reason), or with None take it up again."""
        reason = (reason or "").strip()
        with unit_of_work(self._sf) as (s, log):
            subject = _get(s, CareSubject, subject_id, "关怀对象")
            if ended_on is not None:
                problems = []
                if ended_on < subject.since:
                    problems.append(FieldProblem("ended_on", "结束日期不能早于列为关怀对象的日期"))
                if ended_on > self._today():
                    problems.append(FieldProblem("ended_on", "结束日期不能晚于今天"))
                if not reason:
                    problems.append(FieldProblem("end_reason", "请填写结束关怀的原因（如困难已解决）"))
                if len(reason) > 100:
                    problems.append(FieldProblem("end_reason", "结束原因不能超过100字"))
                if problems:
                    raise ValidationError(problems)
            elif s.scalar(select(CareSubject.id).where(CareSubject.member_id == subject.member_id,
                                                       CareSubject.ended_on.is_(None),
                                                       CareSubject.id != subject.id)) is not None:
                raise ValidationError("该党员另有进行中的关怀记录", field="ended_on")
            if (subject.ended_on, subject.end_reason) != (ended_on, reason if ended_on else ""):
                log.record("修改", SUBJECT, subject.id, "ended_on", subject.ended_on, ended_on, reason=reason)
                subject.ended_on, subject.end_reason = ended_on, reason if ended_on else ""

    def delete_subject(self, subject_id: int) -> None:
        with unit_of_work(self._sf) as (s, log):
            subject = _get(s, CareSubject, subject_id, "关怀对象")
            if subject.visits:
                raise ValidationError(f"该关怀对象已有{len(subject.visits)}次走访记录，不能删除；关怀结束请用“结束关怀”")
            log.record("删除", SUBJECT, subject.id, "", f"党员编号{subject.member_id}", None)
            s.delete(subject)

    # --- visits ---------------------------------------------------------------------------------------------

    def visits(self, subject_id: int) -> list[VisitRow]:
        with self._sf() as s:
            q = (select(CareVisit, OrgLifeRecord.topic).outerjoin(OrgLifeRecord,
                                                                 OrgLifeRecord.id == CareVisit.talk_record_id)
                 .where(CareVisit.subject_id == subject_id)
                 .order_by(CareVisit.visited_on.desc(), CareVisit.id.desc()))
            return [VisitRow(v.id, v.subject_id, v.visited_on, v.visitors, split_labels(v.forms, VisitForm),
                             v.amount_yuan, v.goods, v.talk_record_id, topic or "")
                    for v, topic in s.execute(q)]

    def visit_input(self, visit_id: int) -> VisitInput:
        with self._sf() as s:
            v = _get(s, CareVisit, visit_id, "走访记录")
            return VisitInput(v.visited_on, v.visitors, list(split_labels(v.forms, VisitForm)), v.amount_yuan,
                              v.goods, v.talk_record_id)

    def save_visit(self, subject_id: int, data: VisitInput, visit_id: int | None = None) -> int:
        with unit_of_work(self._sf) as (s, log):
            subject = _get(s, CareSubject, subject_id, "关怀对象")
            visit = _get(s, CareVisit, visit_id, "走访记录") if visit_id is not None else None
            problems = self._check_visit(s, subject, data, visit_id)
            if problems:
                raise ValidationError(problems)
            values: dict[str, Any] = {"visited_on": data.visited_on, "visitors": data.visitors,
                                      "forms": join_labels(data.forms), "amount_yuan": data.amount_yuan,
                                      "goods": data.goods, "talk_record_id": data.talk_record_id}
            if visit is None:
                visit = CareVisit(subject_id=subject.id, **values)
                s.add(visit)
                s.flush()
                log.record("新建", VISIT, visit.id, "", None, _visit_summary(visit))
                return visit.id
            for name, value in values.items():
                if getattr(visit, name) != value:
                    log.record("修改", VISIT, visit.id, name, getattr(visit, name), value)
                    setattr(visit, name, value)
            return visit.id

    def _check_visit(self, s: Session, subject: CareSubject, data: VisitInput,
                     visit_id: int | None) -> list[FieldProblem]:
        problems: list[FieldProblem] = []

        def bad(fld: str, msg: str) -> None:
            problems.append(FieldProblem(fld, msg))

        data.visitors, data.goods = data.visitors.strip(), data.goods.strip()
        data.forms = list(dict.fromkeys(data.forms))
        if data.visited_on is None:
            bad("visited_on", "请填写走访日期")
        elif data.visited_on > self._today():
            bad("visited_on", "走访日期不能晚于今天")
        elif data.visited_on < subject.since:
            bad("visited_on", f"走访日期早于列为关怀对象的日期（{cn_date(subject.since)}）")
        elif subject.ended_on is not None and data.visited_on > subject.ended_on:
            bad("visited_on", f"走访日期晚于关怀结束日期（{cn_date(subject.ended_on)}）")
        if not data.visitors:
            bad("visitors", "请填写走访人")
        elif len(data.visitors) > 100:
            bad("visitors", "走访人不能超过100字")
        if not data.forms:
            bad("forms", "请至少选择一项走访内容（慰问金、慰问物资、谈心谈话、帮办实事）")
        if VisitForm.MONEY in data.forms:
            if data.amount_yuan is None:
                bad("amount_yuan", "送慰问金须填写金额（元）")
            elif not 1 <= data.amount_yuan <= MAX_AMOUNT:
                bad("amount_yuan", f"慰问金金额应在1至{MAX_AMOUNT}元之间")
        elif data.amount_yuan is not None:
            bad("amount_yuan", "只有送慰问金时才填写金额")
        if VisitForm.GOODS in data.forms and not data.goods:
            bad("goods", "送慰问物资请写明物资（如米、油）")
        if len(data.goods) > 100:
            bad("goods", "慰问物资不能超过100字")
        if data.talk_record_id is not None:
            self._check_talk(s, subject, data.talk_record_id, visit_id, bad)
        return problems

    def _check_talk(self, s: Session, subject: CareSubject, record_id: int, visit_id: int | None,
                    bad: Callable[[str, str], None]) -> None:
        rec = s.get(OrgLifeRecord, record_id)
        if rec is None or rec.kind != OrgLifeKind.HEART_TALK:
            bad("talk_record_id", "关联的记录不是谈心谈话记录")
            return
        attended = s.scalar(select(OrgLifeAttendance.id).where(OrgLifeAttendance.record_id == record_id,
                                                               OrgLifeAttendance.member_id == subject.member_id,
                                                               OrgLifeAttendance.present.is_(True)))
        if attended is None:
            bad("talk_record_id", "该党员没有参加所关联的谈心谈话")
        other = s.scalar(select(CareVisit.id).where(CareVisit.talk_record_id == record_id))
        if other is not None and other != visit_id:
            bad("talk_record_id", "该谈心谈话记录已关联到另一次走访")

    def delete_visit(self, visit_id: int) -> None:
        with unit_of_work(self._sf) as (s, log):
            visit = _get(s, CareVisit, visit_id, "走访记录")
            log.record("删除", VISIT, visit.id, "", _visit_summary(visit), None)
            s.delete(visit)

    def talks_of(self, subject_id: int) -> list[TalkRow]:
        """The member's 谈心谈话 records (组织生活, attended), newest first: listed with the 关怀对象, and the
        ones a visit may be linked to."""
        with self._sf() as s:
            subject = _get(s, CareSubject, subject_id, "关怀对象")
            q = (select(OrgLifeRecord.id, OrgLifeRecord.held_on, PartyOrg.name, OrgLifeRecord.topic, CareVisit.id)
                 .join(OrgLifeAttendance, OrgLifeAttendance.record_id == OrgLifeRecord.id)
                 .outerjoin(PartyOrg, PartyOrg.id == OrgLifeRecord.org_id)
                 .outerjoin(CareVisit, CareVisit.talk_record_id == OrgLifeRecord.id)
                 .where(OrgLifeRecord.kind == OrgLifeKind.HEART_TALK,
                        OrgLifeAttendance.member_id == subject.member_id, OrgLifeAttendance.present.is_(True))
                 .order_by(OrgLifeRecord.held_on.desc(), OrgLifeRecord.id.desc()))
            return [TalkRow(rid, held, org or "", topic, vid) for rid, held, org, topic, vid in s.execute(q)]

    def member_choices(self, unit_id: int | None = None) -> list[tuple[str, int]]:
        """Members in the register, as “姓名（单位）”, for the forms' member boxes."""
        with self._sf() as s:
            q = (select(Member.id, Member.name, Unit.name).join(PartyOrg, PartyOrg.id == Member.org_id)
                 .join(Unit, Unit.id == PartyOrg.unit_id).where(Member.left_on.is_(None))
                 .order_by(Unit.sort_order, Unit.id, Member.name_sort, Member.id))
            if unit_id is not None:
                q = q.where(Unit.id == unit_id)
            return [(f"{name}（{unit}）", mid) for mid, name, unit in s.execute(q)]

    def org_choices(self) -> list[tuple[str, int]]:
        with self._sf() as s:
            q = (select(PartyOrg.id, PartyOrg.name).join(Unit, Unit.id == PartyOrg.unit_id)
                 .order_by(Unit.sort_order, Unit.id, PartyOrg.sort_order, PartyOrg.id))
            return [(name, oid) for oid, name in s.execute(q)]


# ---------------------------------------------------------------------------------------------------------------
# queries shared with the exports, the alerts and the year-end packet


def honor_rows(s: Session, *, year: int | None = None, unit_id: int | None = None, kind: HonorKind | None = None,
               text: str = "") -> list[HonorRow]:
    q = (select(Honor, Member.name, PartyOrg.name, Unit.name)
         .outerjoin(Member, Member.id == Honor.member_id)
         .outerjoin(PartyOrg, PartyOrg.id == Honor.org_id)
         .join(Unit, Unit.id == Honor.unit_id))
    if year is not None:
        q = q.where(Honor.awarded_on >= dt.date(year, 1, 1), Honor.awarded_on <= dt.date(year, 12, 31))
    if unit_id is not None:
        q = q.where(Honor.unit_id == unit_id)
    if kind is not None:
        q = q.where(Honor.kind == kind)
    if text.strip():
        like = f"%{text.strip()}%"
        q = q.where(or_(Member.name.like(like), PartyOrg.name.like(like), Honor.awarded_by.like(like),
                        Honor.doc_number.like(like), Unit.name.like(like)))
    q = q.order_by(Honor.awarded_on.desc(), Honor.id.desc())
    return [HonorRow(h.id, h.kind, member or org or "", h.member_id, h.org_id, h.unit_id, unit, h.level, h.awarded_on,
                     h.awarded_by, h.doc_number, h.note)
            for h, member, org, unit in s.execute(q)]


def subject_rows(s: Session, today: dt.date, months: int, *, unit_id: int | None = None,
                 include_ended: bool = False, text: str = "", subject_id: int | None = None) -> list[SubjectRow]:
    """The circumstances are not selected: no caller of this can leak them."""
    visits = (select(CareVisit.subject_id, func.count().label("n"), func.max(CareVisit.visited_on).label("last"))
              .group_by(CareVisit.subject_id).subquery())
    q = (select(CareSubject.id, CareSubject.member_id, Member.name, Unit.id, Unit.name, PartyOrg.name,
                CareSubject.since, CareSubject.ended_on, CareSubject.end_reason, visits.c.n, visits.c.last)
         .join(Member, Member.id == CareSubject.member_id)
         .join(PartyOrg, PartyOrg.id == Member.org_id)
         .join(Unit, Unit.id == PartyOrg.unit_id)
         .outerjoin(visits, visits.c.subject_id == CareSubject.id))
    if unit_id is not None:
        q = q.where(Unit.id == unit_id)
    if not include_ended:
        q = q.where(CareSubject.ended_on.is_(None))
    if subject_id is not None:
        q = q.where(CareSubject.id == subject_id)
    if text.strip():
        like = f"%{text.strip()}%"
        q = q.where(or_(Member.name.like(like), Member.name_initials.like(like.lower()), Unit.name.like(like),
                        PartyOrg.name.like(like)))
    out = []
    for sid, mid, name, uid, unit, org, since, ended, reason, n, last in s.execute(q):
        last_visit = _as_date(last)
        due = None if ended is not None else visit_due(since, last_visit, months)
        out.append(SubjectRow(sid, mid, name, uid, unit, org, since, ended, reason, int(n or 0), last_visit, due,
                              due is not None and due < today))
    out.sort(key=lambda r: (r.ended_on is not None, not r.overdue, r.due or dt.date.max, r.name))
    return out


def _as_date(value: Any) -> dt.date | None:
    """max() of a date column comes back as text on SQLite."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def visit_due(since: dt.date, last_visit: dt.date | None, months: int) -> dt.date:
    """The next visit is due `months` after the last one (never visited: after the start)."""
    return (last_visit or since) + relativedelta(months=months)


def visits_in_year(s: Session, year: int) -> dict[int, int]:
    """慰问/帮扶 visits of the year per unit (the member's unit today): counts only, never circumstances."""
    q = (select(PartyOrg.unit_id, func.count(CareVisit.id))
         .join(CareSubject, CareSubject.id == CareVisit.subject_id)
         .join(Member, Member.id == CareSubject.member_id)
         .join(PartyOrg, PartyOrg.id == Member.org_id)
         .where(CareVisit.visited_on >= dt.date(year, 1, 1), CareVisit.visited_on <= dt.date(year, 12, 31))
         .group_by(PartyOrg.unit_id))
    return {uid: int(n) for uid, n in s.execute(q)}


def _get(s: Session, model: type[Any], id_: int | None, what: str) -> Any:
    obj = s.get(model, id_) if id_ is not None else None
    if obj is None:
        raise NotFoundError(f"{what}不存在（编号 {id_}），可能已被删除")
    return obj


def _unit_of(s: Session, member_id: int | None, org_id: int | None) -> int:
    if member_id is not None:
        member = s.get(Member, member_id)
        assert member is not None
        org_id = member.org_id
    org = s.get(PartyOrg, org_id)
    assert org is not None
    return org.unit_id


def _honor_summary(s: Session, h: Honor) -> str:
    who = s.get(Member, h.member_id) if h.member_id is not None else s.get(PartyOrg, h.org_id)
    return (f"{h.kind.label}：{who.name if who else ''}；{h.level}；{h.awarded_on:%Y-%m-%d}；{h.awarded_by}"
            f"{f'；{h.doc_number}' if h.doc_number else ''}")


def _visit_summary(v: CareVisit) -> str:
    money = f"；{v.amount_yuan}元" if v.amount_yuan is not None else ""
    return f"关怀对象编号{v.subject_id}；{v.visited_on:%Y-%m-%d}；{v.visitors}；{v.forms}{money}"


# ---------------------------------------------------------------------------------------------------------------
# 提醒


def spring_festival(year: int, read: Callable[[S.SettingDef], Any]) -> dt.date | None:
    """The first day of the year's 春节 holiday as the working-day calendar knows it (None: not known)."""
    from app.services.workdays import WorkCalendar

    calendar = WorkCalendar.from_settings(read)
    day = dt.date(year, 1, 10)
    while day <= dt.date(year, 2, 28):
        if (calendar.day_off(day) or "").startswith("春节"):
            return day
        day += dt.timedelta(days=1)
    return None


def festivals_ahead(today: dt.date, days: int, read: Callable[[S.SettingDef], Any]) -> list[tuple[str, dt.date]]:
    """The festivals (春节, 七一) whose pre-festival visiting window holds today: within `days` before them."""
    if days <= 0:
        return []
    out = []
    for year in (today.year, today.year + 1):
        spring = spring_festival(year, read)
        for name, day in (("春节", spring), ("七一", dt.date(year, 7, 1))):
            if day is not None and day - dt.timedelta(days=days) <= today < day:
                out.append((name, day))
    return out


def care_alerts(s: Session, today: dt.date) -> list[A.Alert]:
    """久未走访 (overdue) and 节前走访 (due by the festival) for open 关怀对象; the text names the person and the
    dates only."""
    read = S.reader(s)
    months, days = int(read(S.CARE_VISIT_MONTHS)), int(read(S.CARE_FESTIVAL_DAYS))
    festivals = festivals_ahead(today, days, read)
    out = []
    for r in subject_rows(s, today, months):
        if r.overdue:
            since = f"上次走访{cn_date(r.last_visit)}" if r.last_visit else f"自{cn_date(r.since)}列为关怀对象以来未走访"
            out.append(A.Alert("care_visit_overdue", r.name,
                               f"{r.unit}关怀对象{r.name}：超过{months}个月未走访慰问（{since}）", r.due, CARE_TARGET,
                               r.id, r.unit_id, True))
            continue
        for name, day in festivals:
            start = day - dt.timedelta(days=days)
            if r.since < day and (r.last_visit is None or r.last_visit < start):
                out.append(A.Alert("care_festival_visit", r.name,
                                   f"{r.unit}关怀对象{r.name}：{name}前尚未走访慰问（请于{cn_date(day)}前走访）", day,
                                   CARE_TARGET, r.id, r.unit_id))
    return out


# ---------------------------------------------------------------------------------------------------------------
# audit verification

_CHECKED = ((HONOR, Honor, "表彰记录"), (SUBJECT, CareSubject, "关怀对象"), (VISIT, CareVisit, "走访慰问记录"))


def check_care_state(s: Session, last: LastValues) -> list[AuditFinding]:
    """Every 表彰, 关怀对象 and visit has its 新建 in the trail, and none the trail knows (not 删除) is gone: a row
    added or deleted behind the app's back.  (The trail holds summaries, not the circumstances, so their text
    cannot be compared.)"""
    present = {entity: set(s.scalars(select(model.id))) for entity, model, _what in _CHECKED}
    names = {entity: what for entity, _model, what in _CHECKED}
    findings = []
    for entity, ids in present.items():
        findings += [AuditFinding("state", f"{names[entity]}（编号{rid}）在审计日志中没有新建记录（被绕过程序添加）",
                                  None, entity, rid)
                     for rid in sorted(ids) if last.get((entity, rid, "")) is None]
    for (entity, eid, fld), value in last.items():
        if entity in present and fld == "" and eid is not None and value is not None and eid not in present[entity]:
            findings.append(AuditFinding("state", f"审计日志记录的{names[entity]}（编号{eid}）在数据库中已不存在"
                                                  f"（被绕过程序删除）", None, entity, eid))
    return findings


def register_hooks() -> None:
    """Plug into the 提醒 and the audit verification (idempotent; done when this module is imported)."""
    A.register_source("care_visit_overdue", care_alerts)
    if check_care_state not in audit_trail.STATE_CHECKS:
        audit_trail.STATE_CHECKS.append(check_care_state)


register_hooks()
