"""Organisation-life records: 三会一课, 主题党日, 组织生活会, 民主评议, 谈心谈话, 党组 hearings, 联系点 visits …

Every rule is checked here whatever the caller (form, fast entry, .xlsx import): dates, who may attend, absences
with a reason, 民主评议 grades, and the 支委会 quorum (more than half of the committee in office on that day)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app import clock
from app.errors import FieldProblem, NotFoundError, ValidationError
from app.models import Member, OrgKind, OrgPost, OrgPostKind, PartyOrg, Transfer, Unit
from app.models.orglife import UNIT_KINDS, AppraisalGrade, OrgLifeAttendance, OrgLifeKind, OrgLifeRecord
from app.services import register_audit, unit_scope
from app.services.register_audit import register_work

SessionFactory = Callable[[], Session]

# Kinds whose record must name who was there (at least one member present).
MEETING_KINDS = frozenset({
    OrgLifeKind.BRANCH_ASSEMBLY, OrgLifeKind.COMMITTEE_MEETING, OrgLifeKind.GROUP_MEETING,
    OrgLifeKind.PARTY_LECTURE, OrgLifeKind.THEME_DAY, OrgLifeKind.LIFE_MEETING,
    OrgLifeKind.DEMOCRATIC_APPRAISAL, OrgLifeKind.HEART_TALK,
})
# A 党员领导干部 keeps 双重组织生活 by attending one of these in their own branch.
DUAL_LIFE_KINDS = frozenset({
    OrgLifeKind.BRANCH_ASSEMBLY, OrgLifeKind.GROUP_MEETING, OrgLifeKind.PARTY_LECTURE, OrgLifeKind.THEME_DAY,
    OrgLifeKind.LIFE_MEETING, OrgLifeKind.DEMOCRATIC_APPRAISAL,
})
LEADER_POSTS = frozenset({OrgPostKind.SECRETARY, OrgPostKind.DEPUTY_SECRETARY})
TOPIC_MAX = 200


@dataclass
class AttendanceInput:
    member_id: int
    present: bool = True
    absence_reason: str = ""
    grade: AppraisalGrade | None = None  # 民主评议党员 only


@dataclass
class RecordInput:
    kind: OrgLifeKind
    held_on: dt.date
    org_id: int | None = None  # required except for a unit's 党组 activities (UNIT_KINDS)
    unit_id: int | None = None  # derived from the organisation when it is given
    topic: str = ""
    place: str = ""
    host: str = ""
    lecturer: str = ""
    lecturer_member_id: int | None = None
    recorded_on: dt.date | None = None  # None: today
    content: str = ""
    note: str = ""
    attendance: list[AttendanceInput] = field(default_factory=list)


@dataclass(frozen=True)
class RosterMember:
    """A member who belonged to the organisation on a day (for attendance lists)."""

    id: int
    name: str
    status: str
    post: str  # 书记 / 组织委员 … or ""
    is_leader: bool

    @property
    def on_committee(self) -> bool:
        return bool(self.post)


@dataclass(frozen=True)
class RecordRow:
    id: int
    kind: OrgLifeKind
    held_on: dt.date
    recorded_on: dt.date
    unit_id: int
    unit_name: str
    org_id: int | None
    org_name: str
    topic: str
    present: int
    absent: int
    late: bool


@dataclass(frozen=True)
class RecordFilter:
    org_id: int | None = None
    unit_id: int | None = None
    kind: OrgLifeKind | None = None
    year: int | None = None
    month: int | None = None  # with year
    text: str = ""


# ---------------------------------------------------------------------------------------------------------------
# who belonged where, and who sat on the committee, on a given day


def members_on(s: Session, org_id: int, on: dt.date) -> dict[int, Member]:
    """Members of the organisation on `on`: in it now and not moved in later, or moved out of it after `on`."""
    moved_in_later = select(Transfer.member_id).where(Transfer.to_org_id == org_id, Transfer.moved_on > on)
    moved_out_later = select(Transfer.member_id).where(Transfer.from_org_id == org_id, Transfer.moved_on > on)
    q = select(Member).where(
        or_(
            and_(Member.org_id == org_id, Member.id.not_in(moved_in_later)),
            Member.id.in_(moved_out_later),
        ),
        or_(Member.joined_on.is_(None), Member.joined_on <= on),
        or_(Member.left_on.is_(None), Member.left_on >= on),
    )
    return {m.id: m for m in s.scalars(q)}


def committee_on(s: Session, org_id: int, on: dt.date) -> dict[int, OrgPostKind]:
    """Committee members in office on `on` (member id → post); vacant posts are not members."""
    q = select(OrgPost.member_id, OrgPost.kind).where(
        OrgPost.org_id == org_id, OrgPost.member_id.is_not(None), OrgPost.start_on <= on,
        or_(OrgPost.end_on.is_(None), OrgPost.end_on >= on),
    )
    out: dict[int, OrgPostKind] = {}
    for member_id, kind in s.execute(q):
        if member_id is not None:
            out.setdefault(member_id, kind)
    return out


def has_quorum(present_committee: int, committee_size: int) -> bool:
    """More than half of the committee: exactly half is not a quorum."""
    return committee_size > 0 and present_committee * 2 > committee_size


def is_late(held_on: dt.date, recorded_on: dt.date, late_days: int) -> bool:
    return (recorded_on - held_on).days > late_days


# ---------------------------------------------------------------------------------------------------------------
# the service


class OrgLifeService:
    def __init__(self, session_factory: SessionFactory, today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._today = today

    # --- validation -----------------------------------------------------------------------------------------

    def validate_record(self, s: Session, data: RecordInput, row: int | None = None) -> list[FieldProblem]:
        """Every problem with `data` (each tied to its field; `row` for a spreadsheet line).  Fills in what is
        derived: the unit from the organisation, the lecturer's name, the record date (today)."""
        problems: list[FieldProblem] = []

        def bad(fld: str, msg: str) -> None:
            problems.append(FieldProblem(fld, msg, row))

        today = self._today()
        data.topic, data.place, data.host = data.topic.strip(), data.place.strip(), data.host.strip()
        data.lecturer, data.content, data.note = data.lecturer.strip(), data.content.strip(), data.note.strip()
        if not isinstance(data.kind, OrgLifeKind):
            bad("kind", "请选择组织生活类型")
            return problems
        if data.recorded_on is None:
            data.recorded_on = today
        org = self._check_subject(s, data, bad)
        if data.held_on is None:
            bad("held_on", "请填写召开日期")
            return problems
        if data.held_on > today:
            bad("held_on", "召开日期不能晚于今天")
        if org is not None and org.established_on and data.held_on < org.established_on:
            bad("held_on", f"召开日期早于该党组织成立日期（{org.established_on:%Y-%m-%d}）")
        if data.recorded_on < data.held_on:
            bad("recorded_on", "登记日期不能早于召开日期")
        elif data.recorded_on > today:
            bad("recorded_on", "登记日期不能晚于今天")
        if not data.topic:
            bad("topic", "请填写会议（活动）主题")
        elif len(data.topic) > TOPIC_MAX:
            bad("topic", f"主题不能超过{TOPIC_MAX}个字")
        if problems:
            return problems
        self._check_lecturer(s, data, org, bad)
        self._check_attendance(s, data, org, bad)
        return problems

    def _check_subject(self, s: Session, data: RecordInput, bad: Callable[[str, str], None]) -> PartyOrg | None:
        org = s.get(PartyOrg, data.org_id) if data.org_id is not None else None
        if data.org_id is not None and org is None:
            bad("org_id", "党组织不存在")
        if data.kind in UNIT_KINDS:
            if org is not None and data.unit_id is not None and org.unit_id != data.unit_id:
                bad("org_id", "党组织不属于所选单位")
            if data.unit_id is None and org is not None:
                data.unit_id = org.unit_id
            if data.unit_id is None or s.get(Unit, data.unit_id) is None:
                bad("unit_id", f"{data.kind.label}须选择单位")
        elif org is None:
            if data.org_id is None:
                bad("org_id", f"{data.kind.label}须选择党组织")
        else:
            data.unit_id = org.unit_id
            if data.kind in (OrgLifeKind.GROUP_MEETING, OrgLifeKind.THEME_DAY, OrgLifeKind.DEMOCRATIC_APPRAISAL) \
                    and org.kind not in (OrgKind.BRANCH, OrgKind.JOINT_BRANCH):
                bad("org_id", f"{data.kind.label}应由党支部组织，{org.name}是{org.kind.label}")
        return org

    def _check_lecturer(self, s: Session, data: RecordInput, org: PartyOrg | None,
                        bad: Callable[[str, str], None]) -> None:
        if data.kind != OrgLifeKind.PARTY_LECTURE:
            data.lecturer, data.lecturer_member_id = "", None
            return
        if data.lecturer_member_id is not None:
            m = s.get(Member, data.lecturer_member_id)
            if m is None:
                bad("lecturer", "主讲人不存在")
                return
            data.lecturer = m.name
        if not data.lecturer:
            bad("lecturer", "党课须填写主讲人")

    def _check_attendance(self, s: Session, data: RecordInput, org: PartyOrg | None,
                          bad: Callable[[str, str], None]) -> None:
        assert data.held_on is not None
        eligible = self._eligible(s, data, org)
        seen: set[int] = set()
        for a in data.attendance:
            a.absence_reason = a.absence_reason.strip()
            name = eligible[a.member_id].name if a.member_id in eligible else f"编号{a.member_id}"
            if a.member_id in seen:
                bad("attendance", f"{name}重复出现在出席名单中")
                continue
            seen.add(a.member_id)
            if a.member_id not in eligible:
                bad("attendance", f"{name}在{data.held_on:%Y-%m-%d}不是本组织在册党员")
            if a.present:
                a.absence_reason = ""
            elif not a.absence_reason:
                bad("attendance", f"{name}缺席，请填写缺席原因")
            if a.grade is not None and data.kind != OrgLifeKind.DEMOCRATIC_APPRAISAL:
                bad("attendance", "只有民主评议党员才登记评议等次")
            elif data.kind == OrgLifeKind.DEMOCRATIC_APPRAISAL and a.present and a.grade is None:
                bad("attendance", f"民主评议党员须为{name}评定等次（优秀、合格、基本合格、不合格）")
        present = {a.member_id for a in data.attendance if a.present}
        if data.kind in MEETING_KINDS and not present:
            bad("attendance", f"{data.kind.label}须登记至少一名出席党员")
        if data.kind == OrgLifeKind.COMMITTEE_MEETING and org is not None:
            self._check_quorum(s, org, data.held_on, present, bad)

    def _eligible(self, s: Session, data: RecordInput, org: PartyOrg | None) -> dict[int, Member]:
        assert data.held_on is not None
        if org is not None:
            return members_on(s, org.id, data.held_on)
        # A unit's 党组 activity: any member of the unit's organisations.
        out: dict[int, Member] = {}
        for org_id in s.scalars(select(PartyOrg.id).where(PartyOrg.unit_id == data.unit_id)):
            out.update(members_on(s, org_id, data.held_on))
        return out

    def _check_quorum(self, s: Session, org: PartyOrg, on: dt.date, present: set[int],
                      bad: Callable[[str, str], None]) -> None:
        committee = committee_on(s, org.id, on)
        if not committee:
            bad("attendance", f"{org.name}在{on:%Y-%m-%d}没有在任支部委员，不能登记支委会（请先在组织机构中登记委员）")
            return
        came = len(present & committee.keys())
        if not has_quorum(came, len(committee)):
            bad("attendance", f"出席支委{came}名，未超过在任支委{len(committee)}名的半数，支委会不足法定人数")

    # --- saving ---------------------------------------------------------------------------------------------

    def save_record(self, data: RecordInput, record_id: int | None = None) -> int:
        with register_work(self._sf) as s:
            return self._save(s, data, record_id)

    def save_records(self, items: Sequence[RecordInput]) -> list[int]:
        """Several records in one transaction (fast entry of a month): all or nothing; problems name the line."""
        with register_work(self._sf) as s:
            problems: list[FieldProblem] = []
            for i, data in enumerate(items, start=1):
                _require_own_input(s, data)
                problems += [replace(p, row=i) for p in self.validate_record(s, data)]
            if problems:
                raise ValidationError(problems)
            return [self.store(s, data, None) for data in items]

    def _save(self, s: Session, data: RecordInput, record_id: int | None) -> int:
        if record_id is not None:
            unit_scope.require_own_record(s, record_id)
        _require_own_input(s, data)
        if record_id is not None and s.get(OrgLifeRecord, record_id) is None:
            raise NotFoundError(f"组织生活记录不存在（编号 {record_id}）")
        problems = self.validate_record(s, data)
        if problems:
            raise ValidationError(problems)
        return self.store(s, data, record_id)

    def store(self, s: Session, data: RecordInput, record_id: int | None) -> int:
        """Write a record that `validate_record` accepted (in the caller's transaction)."""
        rec = s.get(OrgLifeRecord, record_id) if record_id is not None else OrgLifeRecord()
        assert rec is not None and data.unit_id is not None and data.recorded_on is not None
        rec.kind, rec.held_on, rec.recorded_on = data.kind, data.held_on, data.recorded_on
        rec.unit_id, rec.org_id = data.unit_id, data.org_id
        rec.topic, rec.place, rec.host, rec.content, rec.note = data.topic, data.place, data.host, data.content, data.note
        rec.lecturer, rec.lecturer_member_id = data.lecturer, data.lecturer_member_id
        rec.lecturer_is_leader = self._lecturer_leader(s, data)
        if rec.attendance:
            register_audit.attendance_changing(s, rec.id)
            rec.attendance.clear()
            s.flush()  # delete the old lines first: (record, member) is unique
        rec.attendance = [
            OrgLifeAttendance(member_id=a.member_id, present=a.present, absence_reason=a.absence_reason, grade=a.grade)
            for a in data.attendance
        ]
        s.add(rec)
        s.flush()
        return rec.id

    def _lecturer_leader(self, s: Session, data: RecordInput) -> bool:
        """Whether the 党课 was given by the branch's 书记/副书记 or a 党员领导干部 (as it was that day)."""
        if data.kind != OrgLifeKind.PARTY_LECTURE or data.lecturer_member_id is None:
            return False
        lecturer = s.get(Member, data.lecturer_member_id)
        if lecturer is not None and lecturer.is_leader:
            return True
        if data.org_id is None:
            return False
        posts = committee_on(s, data.org_id, data.held_on)
        return posts.get(data.lecturer_member_id) in LEADER_POSTS

    def delete_record(self, record_id: int) -> None:
        with register_work(self._sf) as s:
            unit_scope.require_own_record(s, record_id)
            rec = s.get(OrgLifeRecord, record_id)
            if rec is None:
                raise NotFoundError(f"组织生活记录不存在（编号 {record_id}）")
            s.delete(rec)

    # --- reading --------------------------------------------------------------------------------------------

    def record_input(self, record_id: int) -> RecordInput:
        with self._sf() as s:
            unit_scope.require_own_record(s, record_id)
            rec = s.get(OrgLifeRecord, record_id)
            if rec is None:
                raise NotFoundError(f"组织生活记录不存在（编号 {record_id}）")
            return RecordInput(
                rec.kind, rec.held_on, rec.org_id, rec.unit_id, rec.topic, rec.place, rec.host, rec.lecturer,
                rec.lecturer_member_id, rec.recorded_on, rec.content, rec.note,
                [AttendanceInput(a.member_id, a.present, a.absence_reason, a.grade) for a in rec.attendance],
            )

    def roster(self, org_id: int, on: dt.date) -> list[RosterMember]:
        """The organisation's members on `on`, committee first (the fast-entry attendance list)."""
        with self._sf() as s:
            unit_scope.require_own_org(s, org_id)
            if s.get(PartyOrg, org_id) is None:
                raise NotFoundError(f"党组织不存在（编号 {org_id}）")
            posts = committee_on(s, org_id, on)
            order = {k: i for i, k in enumerate(OrgPostKind)}
            rows = [
                RosterMember(m.id, m.name, m.status.label, posts[m.id].label if m.id in posts else "", m.is_leader)
                for m in members_on(s, org_id, on).values()
            ]
            rows.sort(key=lambda r: (order[OrgPostKind(r.post)] if r.post else 99, r.name))
            return rows

    def record_ids(self, flt: RecordFilter | None = None) -> list[int]:
        """Ids of matching records, newest first."""
        flt = flt or RecordFilter()
        unit_scope.require_own_unit(flt.unit_id)
        q = select(OrgLifeRecord.id)
        if flt.org_id is not None:
            q = q.where(OrgLifeRecord.org_id == flt.org_id)
        if flt.unit_id is not None:
            q = q.where(OrgLifeRecord.unit_id == flt.unit_id)
        if flt.kind is not None:
            q = q.where(OrgLifeRecord.kind == flt.kind)
        if flt.year is not None:
            start, end = _span(flt.year, flt.month)
            q = q.where(OrgLifeRecord.held_on >= start, OrgLifeRecord.held_on < end)
        if flt.text.strip():
            q = q.where(OrgLifeRecord.topic.like(f"%{flt.text.strip()}%"))
        q = q.order_by(OrgLifeRecord.held_on.desc(), OrgLifeRecord.id.desc())
        with self._sf() as s:
            unit_scope.require_own_org(s, flt.org_id)
            return list(s.scalars(q))

    def record_rows(self, ids: Iterable[int], late_days: int | None = None) -> list[RecordRow]:
        """Rows for these ids in the order given (the list model fetches them in pages)."""
        from app import settings as S

        ids = list(ids)
        if not ids:
            return []
        with self._sf() as s:
            for record_id in ids if unit_scope.scoped() else ():
                unit_scope.require_own_record(s, record_id)
            late = int(S.get(s, S.LATE_RECORD_DAYS)) if late_days is None else late_days
            counts: dict[int, list[int]] = {}
            for rid, present, n in s.execute(
                select(OrgLifeAttendance.record_id, OrgLifeAttendance.present, func.count())
                .where(OrgLifeAttendance.record_id.in_(ids))
                .group_by(OrgLifeAttendance.record_id, OrgLifeAttendance.present)
            ):
                counts.setdefault(rid, [0, 0])[0 if present else 1] += n
            q = (
                select(OrgLifeRecord, Unit.name, PartyOrg.name)
                .join(Unit, OrgLifeRecord.unit_id == Unit.id)
                .outerjoin(PartyOrg, OrgLifeRecord.org_id == PartyOrg.id)
                .where(OrgLifeRecord.id.in_(ids))
            )
            by_id = {
                r.id: RecordRow(
                    r.id, r.kind, r.held_on, r.recorded_on, r.unit_id, unit, r.org_id, org or "", r.topic,
                    counts.get(r.id, [0, 0])[0], counts.get(r.id, [0, 0])[1], is_late(r.held_on, r.recorded_on, late),
                )
                for r, unit, org in s.execute(q)
            }
            return [by_id[i] for i in ids if i in by_id]

    def grades_of(self, record_id: int) -> dict[str, int]:
        """民主评议 result: count per grade (优秀/合格/基本合格/不合格)."""
        with self._sf() as s:
            unit_scope.require_own_record(s, record_id)
            rows = s.execute(
                select(OrgLifeAttendance.grade, func.count())
                .where(OrgLifeAttendance.record_id == record_id, OrgLifeAttendance.grade.is_not(None))
                .group_by(OrgLifeAttendance.grade)
            ).all()
            found: dict[Any, int] = {g: n for g, n in rows}
            return {g.label: found.get(g, 0) for g in AppraisalGrade}


def _require_own_input(s: Session, data: RecordInput) -> None:
    """A 单位填报员 records for its own unit's organisations (and its own unit's 党组) only."""
    unit_scope.require_own_org(s, data.org_id)
    unit_scope.require_own_unit(data.unit_id, "单位的记录")
    for line in data.attendance if unit_scope.scoped() else ():
        unit_scope.require_own_member(s, line.member_id)


def _span(year: int, month: int | None) -> tuple[dt.date, dt.date]:
    if month is None:
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    end = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return dt.date(year, month, 1), end
