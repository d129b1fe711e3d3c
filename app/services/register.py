"""The register: units, party organisations, committee posts, members and transfers.

Every rule of DOMAIN.md that concerns the register is checked here, whatever the caller (form, import, CLI).
Inputs come in as `*Input` dataclasses; problems come out as one `ValidationError` naming each field."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any, Protocol

from dateutil.relativedelta import relativedelta
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.dates import cn_date
from app.errors import ConcurrentChangeError, FieldProblem, NotFoundError, ValidationError
from app.models import (
    Gender,
    Member,
    MemberStatus,
    OrgKind,
    OrgPost,
    OrgPostKind,
    PartyOrg,
    Transfer,
    TransferKind,
    Unit,
)
from app.models.audit import AuditEntry
from app.models.care import CareSubject, Honor
from app.models.documents import Interview
from app.models.orglife import OrgLifeAttendance, OrgLifeRecord
from app.models.recruit import Recruit
from app.services import unit_scope
from app.services.actor import Permission, allowed
from app.services.idcard import (
    check_id_against,
    mask_id,
    mask_phone,
    normalise_id,
    phone_problem,
    pinyin_sort_key,
)
from app.services.idcard import pinyin_initials as initials_of
from app.services.register_audit import field_label, register_work

SessionFactory = Callable[[], Session]

# Kinds that may contain other organisations (a 党支部 is a leaf).
PARENT_KINDS = {OrgKind.ORGAN_COMMITTEE: {OrgKind.GENERAL_BRANCH, OrgKind.BRANCH, OrgKind.JOINT_BRANCH},
                OrgKind.GENERAL_BRANCH: {OrgKind.BRANCH, OrgKind.JOINT_BRANCH}}


# ---------------------------------------------------------------------------------------------------------------
# inputs


@dataclass
class UnitInput:
    name: str
    short_name: str = ""
    category: str = ""
    party_secretary: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    sort_order: int = 0
    note: str = ""


@dataclass
class OrgInput:
    unit_id: int
    name: str
    kind: OrgKind
    parent_id: int | None = None
    established_on: dt.date | None = None
    term_start: dt.date | None = None
    term_end: dt.date | None = None  # None: term_start + the term length for the kind
    sort_order: int = 0
    note: str = ""


@dataclass
class MemberInput:
    org_id: int
    name: str
    status: MemberStatus
    gender: Gender | None = None
    ethnicity: str = "汉族"
    birth_date: dt.date | None = None
    id_number: str = ""
    phone: str = ""
    education: str = ""
    position: str = ""
    joined_on: dt.date | None = None
    full_member_on: dt.date | None = None
    probation_extension_months: int = 0
    is_leader: bool = False
    community_registered: bool = False
    community_name: str = ""
    community_registered_on: dt.date | None = None
    note: str = ""
    # 出生年月 / 入党时间 / 转正时间 known to the month only (the date is then the first of its month)
    birth_month_only: bool = False
    joined_month_only: bool = False
    full_member_month_only: bool = False


@dataclass
class PostInput:
    org_id: int
    kind: OrgPostKind
    member_id: int | None  # None records a vacancy
    start_on: dt.date
    end_on: dt.date | None = None
    note: str = ""


# ---------------------------------------------------------------------------------------------------------------
# outputs


@dataclass(frozen=True)
class MemberRow:
    """One line of the member list: personal data already masked."""

    id: int
    name: str
    gender: str
    birth_date: dt.date | None
    id_masked: str
    phone_masked: str
    unit_name: str
    org_name: str
    status: str
    joined_on: dt.date | None
    position: str
    is_leader: bool
    community_registered: bool


@dataclass(frozen=True)
class OrgNode:
    id: int
    name: str
    kind: OrgKind
    unit_id: int
    parent_id: int | None
    member_count: int
    children: list[OrgNode] = field(default_factory=list)


@dataclass(frozen=True)
class UnitNode:
    id: int
    name: str
    orgs: list[OrgNode]
    member_count: int


@dataclass(frozen=True)
class PostView:
    id: int
    kind: OrgPostKind
    member_id: int | None
    member_name: str
    start_on: dt.date
    end_on: dt.date | None

    @property
    def vacant(self) -> bool:
        return self.member_id is None


@dataclass(frozen=True)
class OrgFinding:
    """Something about an organisation that breaks a rule of DOMAIN.md (shown in details and as alerts)."""

    kind: str  # vacancy | term_overdue | term_ending | needs_committee | too_few | too_many
    message: str
    due: dt.date | None = None


@dataclass(frozen=True)
class OrgDetail:
    id: int
    name: str
    kind: OrgKind
    unit_id: int
    unit_name: str
    parent_id: int | None
    parent_name: str
    established_on: dt.date | None
    term_start: dt.date | None
    term_end: dt.date | None
    term_status: str  # 任期内 / 即将到期 / 已超期未换届 / 未登记
    full_count: int
    probationary_count: int
    current_posts: list[PostView]
    findings: list[OrgFinding]
    note: str


# ---------------------------------------------------------------------------------------------------------------
# helpers


def _strip(v: Any) -> Any:
    return v.strip() if type(v) is str else v  # not enums: they are str subclasses


def _month_span(d: dt.date | None, month_only: bool) -> tuple[dt.date, dt.date] | None:
    """The first and last day a registered date can be: the day itself, or its whole month."""
    if d is None:
        return None
    if not month_only:
        return d, d
    first = d.replace(day=1)
    return first, first + relativedelta(months=1, days=-1)


def _month_firsts(data: MemberInput) -> None:
    """A month-only date is stored as the first of its month; a missing date has no precision."""
    for name, flag in (("birth_date", "birth_month_only"), ("joined_on", "joined_month_only"),
                       ("full_member_on", "full_member_month_only")):
        d = getattr(data, name)
        if d is None:
            setattr(data, flag, False)
        elif getattr(data, flag):
            setattr(data, name, d.replace(day=1))


def _clean(obj: Any) -> None:
    for f in fields(obj):
        setattr(obj, f.name, _strip(getattr(obj, f.name)))


def _raise_if(problems: list[FieldProblem]) -> None:
    if problems:
        raise ValidationError(problems)


def _get(session: Session, cls: type, id_: int | None, what: str) -> Any:
    obj = session.get(cls, id_) if id_ is not None else None
    if obj is None:
        raise NotFoundError(f"{what}不存在（编号 {id_}）")
    return obj


# The records forms edit with a version: their audit entity and their Chinese name.
_VERSIONED: dict[type, tuple[str, str]] = {Unit: ("unit", "单位"), PartyOrg: ("party_org", "党组织"), Member: ("member", "党员")}


def _for_edit(s: Session, cls: type, id_: int | None, expected: int | None) -> Any:
    """The record to save, read as committed now and locked (on a server) until the save ends; refused when it
    moved past the version the form read (another client saved it in between)."""
    entity, what = _VERSIONED[cls]
    obj = s.get(cls, id_, with_for_update=True, populate_existing=True) if id_ is not None else None
    if obj is None:
        raise NotFoundError(f"{what}不存在（编号 {id_}），可能已被他人删除")
    if expected is not None and obj.version != expected:
        said = _last_change(s, entity, obj.id)
        raise ConcurrentChangeError(
            f"{what}“{obj.name}”在您打开后已被他人修改，您这次的保存未执行：\n{said}\n请重新载入后再修改。", [said])
    return obj


def _last_change(s: Session, entity: str, record_id: int) -> str:
    """Who last changed the record and when, and which fields (from the audit trail): "李四 于 10时32分 修改了
    姓名、职务"."""
    last = s.scalars(select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == record_id)
                     .order_by(AuditEntry.seq.desc()).limit(1)).first()
    if last is None:
        return "（审计日志中没有可列出的记录）"
    same = s.scalars(select(AuditEntry.field).where(
        AuditEntry.entity == entity, AuditEntry.entity_id == record_id, AuditEntry.at == last.at,
        AuditEntry.who == last.who, AuditEntry.action == last.action).order_by(AuditEntry.seq)).all()
    labels = list(dict.fromkeys(field_label(entity, f) for f in same if f))
    what = f"{last.action}了{'、'.join(labels)}" if labels else f"{last.action}了该记录"
    moved = _move_of(s, last, record_id) if entity == "member" else None
    if moved is not None:
        what = f"{_MOVE_WORDS.get(moved, '登记了' + moved)}（{what}）"
    said = f"{last.who} 于 {_entry_time(last.at)} {what}"
    # Why, when the trail says it: the Excel file of an import, a 处置 case's 出党, the note of a 转接.
    told = last.reason and last.reason not in ("组织关系转接", moved)  # not the kind of move said already
    return f"{said}，事由：{last.reason}" if told else said


# A member's change that came with a 转接 record (its kind in the trail) names the move.
_MOVE_WORDS = {"县内转接": "办理了组织关系转接（县内转接）", "转出": "办理了组织关系转出（转出县外）", "出党": "登记了出党",
               "去世": "登记了去世"}


def _move_of(s: Session, last: AuditEntry, member_id: int) -> str | None:
    """The kind of the 转接 record made with the member's last change (same moment, same person), if any."""
    made = s.scalars(select(AuditEntry.new).where(
        AuditEntry.entity == "transfer", AuditEntry.action == "新建", AuditEntry.at == last.at,
        AuditEntry.who == last.who, AuditEntry.new.like(f'%"member_id":"{member_id}"%'))
        .order_by(AuditEntry.seq.desc())).all()
    for text in made:
        snap = json.loads(text or "{}")
        if snap.get("member_id") == str(member_id) and snap.get("kind"):
            return str(snap["kind"])
    return None


def _entry_time(at: str) -> str:
    """An audit entry's time as the user reads it (local time): 10时32分 today, else with the date."""
    try:
        t = dt.datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).astimezone()
    except ValueError:
        return at
    hour = f"{t.hour}时{t.minute}分"
    return hour if t.date() == clock.today() else f"{cn_date(t.date())}{hour}"


def term_years(kind: OrgKind, read: Callable[[S.SettingDef], Any]) -> int:
    return int(read(S.TERM_YEARS_COMMITTEE) if kind == OrgKind.ORGAN_COMMITTEE else read(S.TERM_YEARS_BRANCH))


def probation_end(joined_on: dt.date | None, extension_months: int, months: int = 12) -> dt.date | None:
    """预备期 ends one year (a setting) after the 支部大会 date, plus any extension."""
    if joined_on is None:
        return None
    return joined_on + relativedelta(months=months + (extension_months or 0))


# ---------------------------------------------------------------------------------------------------------------
# the service


class _PersonInput(Protocol):
    id_number: str
    birth_date: dt.date | None
    gender: Gender | None


def duplicate_id_message(owner: str) -> str:
    """A 身份证号 registered to someone else already.  The owner is named only to a role that may see full
    numbers: to any other, the name would confirm a guessed number of a member whose number it sees masked (a
    file of a thousand guesses checked in one import dry run)."""
    if allowed(Permission.REVEAL):
        return f"身份证号与已登记党员“{owner}”重复"
    return "身份证号与另一名已登记党员的重复（当前角色不能查看完整的身份证号，不显示是哪一位）"


def fill_from_id(data: _PersonInput, bad: Callable[[str, str], None]) -> bool:
    """Check a 身份证号 against the birth date and gender entered (GB 11643) and fill both from it; every problem
    goes to `bad`.  True when the number itself is sound (then it may be looked up for duplicates).  A birth date
    known to the month only (`birth_month_only`) is checked against the number's month and then becomes the
    number's full date."""
    month_only = bool(getattr(data, "birth_month_only", False))
    check = check_id_against(data.id_number, data.birth_date, data.gender.label if data.gender else None,
                             month_only=month_only)
    for fld, problem in check.problems:
        bad(fld, problem)
    if month_only and not any(fld in ("id_number", "birth_date") for fld, _ in check.problems):
        data.birth_month_only = False  # type: ignore[attr-defined]  # the number knows the day
    data.birth_date = check.birth_date
    data.gender = Gender(check.gender) if check.gender else None
    return not any(fld == "id_number" for fld, _ in check.problems)


class RegisterService:
    def __init__(self, session_factory: SessionFactory, today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._today = today

    # --- units ----------------------------------------------------------------------------------------------

    def validate_unit(self, s: Session, data: UnitInput, unit_id: int | None = None) -> list[FieldProblem]:
        _clean(data)
        problems = []
        if not data.name:
            problems.append(FieldProblem("name", "单位名称不能为空"))
        elif len(data.name) > 100:
            problems.append(FieldProblem("name", "单位名称不能超过100个字"))
        else:
            other = s.scalar(select(Unit.id).where(Unit.name == data.name, Unit.id != (unit_id or -1)))
            if other is not None:
                problems.append(FieldProblem("name", f"已有同名单位“{data.name}”"))
        if (msg := phone_problem(data.contact_phone)) is not None:
            problems.append(FieldProblem("contact_phone", msg))
        _too_long(Unit, data, problems)
        return problems

    def save_unit(self, data: UnitInput, unit_id: int | None = None, *, expected_version: int | None = None) -> int:
        """`expected_version`: the unit's version when the form read it (`version_of`); None is not checked."""
        _no_register_edits()
        with register_work(self._sf) as s:
            unit = _for_edit(s, Unit, unit_id, expected_version) if unit_id else Unit()
            _raise_if(self.validate_unit(s, data, unit_id))
            for f in fields(data):
                setattr(unit, f.name, getattr(data, f.name))
            s.add(unit)
            s.flush()
            return unit.id

    def delete_unit(self, unit_id: int) -> None:
        _no_register_edits()
        with register_work(self._sf) as s:
            unit = _get(s, Unit, unit_id, "单位")
            if s.scalar(select(func.count()).select_from(PartyOrg).where(PartyOrg.unit_id == unit_id)):
                raise ValidationError("该单位下还有党组织，不能删除；请先删除或移走其党组织", field="name")
            s.delete(unit)

    def version_of(self, entity: str, record_id: int) -> int:
        """The version of a unit ("unit"), 党组织 ("party_org") or member ("member") a form passes back on save."""
        cls = next(c for c, (name, _what) in _VERSIONED.items() if name == entity)
        with self._sf() as s:
            return int(_get(s, cls, record_id, _VERSIONED[cls][1]).version)

    def unit_input(self, unit_id: int) -> UnitInput:
        unit_scope.require_own_unit(unit_id)
        with self._sf() as s:
            u = _get(s, Unit, unit_id, "单位")
            return UnitInput(**{f.name: getattr(u, f.name) for f in fields(UnitInput)})

    def units(self) -> list[tuple[int, str]]:
        with self._sf() as s:
            return [(r.id, r.name) for r in s.execute(select(Unit.id, Unit.name).order_by(Unit.sort_order, Unit.id))]

    # --- organisations --------------------------------------------------------------------------------------

    def validate_org(self, s: Session, data: OrgInput, org_id: int | None = None) -> list[FieldProblem]:
        _clean(data)
        problems = []
        if not data.name:
            problems.append(FieldProblem("name", "党组织名称不能为空"))
        elif s.scalar(select(PartyOrg.id).where(PartyOrg.name == data.name, PartyOrg.id != (org_id or -1))):
            problems.append(FieldProblem("name", f"已有同名党组织“{data.name}”"))
        if s.get(Unit, data.unit_id) is None:
            problems.append(FieldProblem("unit_id", "请选择所属单位"))
        if data.parent_id is not None:
            parent = s.get(PartyOrg, data.parent_id)
            if parent is None:
                problems.append(FieldProblem("parent_id", "上级党组织不存在"))
            elif parent.id == org_id or (org_id is not None and self._is_descendant(s, parent.id, org_id)):
                problems.append(FieldProblem("parent_id", "上级党组织不能是本组织或其下级"))
            elif data.kind not in PARENT_KINDS.get(parent.kind, set()):
                problems.append(FieldProblem("parent_id", f"{parent.kind.label}下不能设{data.kind.label}"))
            elif parent.unit_id != data.unit_id and data.kind != OrgKind.JOINT_BRANCH:
                problems.append(FieldProblem("parent_id", "上级党组织应属于同一单位"))
        has_children = org_id is not None and s.scalar(
            select(func.count()).select_from(PartyOrg).where(PartyOrg.parent_id == org_id)
        )
        if has_children and data.kind in (OrgKind.BRANCH, OrgKind.JOINT_BRANCH):
            problems.append(FieldProblem("kind", "该组织下设有下级党组织，不能改为党支部"))
        today = self._today()
        if data.established_on and data.established_on > today:
            problems.append(FieldProblem("established_on", "成立日期不能晚于今天"))
        if data.term_start and data.term_start > today:
            problems.append(FieldProblem("term_start", "本届任期开始日期不能晚于今天"))
        if data.established_on and data.term_start and data.term_start < data.established_on:
            problems.append(FieldProblem("term_start", "本届任期开始日期不能早于成立日期"))
        if data.term_end and not data.term_start:
            problems.append(FieldProblem("term_start", "填写任期结束日期时须填写任期开始日期"))
        if data.term_start and data.term_end and data.term_end <= data.term_start:
            problems.append(FieldProblem("term_end", "任期结束日期应晚于开始日期"))
        _too_long(PartyOrg, data, problems)
        return problems

    def _is_descendant(self, s: Session, candidate: int, ancestor: int) -> bool:
        node = s.get(PartyOrg, candidate)
        while node is not None and node.parent_id is not None:
            if node.parent_id == ancestor:
                return True
            node = s.get(PartyOrg, node.parent_id)
        return False

    def save_org(self, data: OrgInput, org_id: int | None = None, *, expected_version: int | None = None) -> int:
        _no_register_edits()
        with register_work(self._sf) as s:
            org = _for_edit(s, PartyOrg, org_id, expected_version) if org_id else PartyOrg()
            _raise_if(self.validate_org(s, data, org_id))
            for f in fields(data):
                setattr(org, f.name, getattr(data, f.name))
            if data.term_start and not data.term_end:
                org.term_end = data.term_start + relativedelta(years=term_years(data.kind, S.reader(s)))
            s.add(org)
            s.flush()
            return org.id

    def delete_org(self, org_id: int) -> None:
        _no_register_edits()
        with register_work(self._sf) as s:
            org = _get(s, PartyOrg, org_id, "党组织")
            if s.scalar(select(func.count()).select_from(PartyOrg).where(PartyOrg.parent_id == org_id)):
                raise ValidationError("该党组织下还有下级党组织，不能删除", field="name")
            if s.scalar(select(func.count()).select_from(Member).where(Member.org_id == org_id)):
                raise ValidationError("该党组织还有党员（含历史党员），不能删除；请先转接党员", field="name")
            if s.scalar(select(Honor.id).where(Honor.org_id == org_id).limit(1)) is not None:
                raise ValidationError("该党组织有表彰记录，不能删除", field="name")
            s.delete(org)

    def org_input(self, org_id: int) -> OrgInput:
        with self._sf() as s:
            unit_scope.require_own_org(s, org_id)
            o = _get(s, PartyOrg, org_id, "党组织")
            return OrgInput(**{f.name: getattr(o, f.name) for f in fields(OrgInput)})

    def orgs(self, unit_id: int | None = None) -> list[tuple[int, str]]:
        unit_scope.require_own_unit(unit_id)
        with self._sf() as s:
            q = select(PartyOrg.id, PartyOrg.name).order_by(PartyOrg.unit_id, PartyOrg.sort_order, PartyOrg.id)
            if unit_id is not None:
                q = q.where(PartyOrg.unit_id == unit_id)
            return [(r.id, r.name) for r in s.execute(q)]

    def tree(self) -> list[UnitNode]:
        """Units with their organisation trees and active member counts, in display order."""
        with self._sf() as s:
            counts = dict(
                s.execute(
                    select(Member.org_id, func.count()).where(Member.left_on.is_(None)).group_by(Member.org_id)
                ).all()
            )
            orgs = s.execute(
                select(PartyOrg.id, PartyOrg.name, PartyOrg.kind, PartyOrg.unit_id, PartyOrg.parent_id).order_by(
                    PartyOrg.sort_order, PartyOrg.id
                )
            ).all()
            nodes = {o.id: OrgNode(o.id, o.name, o.kind, o.unit_id, o.parent_id, counts.get(o.id, 0)) for o in orgs}
            roots: dict[int, list[OrgNode]] = {}
            for n in nodes.values():
                if n.parent_id is not None and n.parent_id in nodes:
                    nodes[n.parent_id].children.append(n)
                else:
                    roots.setdefault(n.unit_id, []).append(n)
            result = []
            for u in s.execute(select(Unit.id, Unit.name).order_by(Unit.sort_order, Unit.id)):
                unit_orgs = roots.get(u.id, [])
                result.append(UnitNode(u.id, u.name, unit_orgs, sum(_subtree_count(n) for n in unit_orgs)))
            return result

    def org_detail(self, org_id: int) -> OrgDetail:
        with self._sf() as s:
            unit_scope.require_own_org(s, org_id)
            org = _get(s, PartyOrg, org_id, "党组织")
            read = S.reader(s)
            counts = dict(
                s.execute(
                    select(Member.status, func.count())
                    .where(Member.org_id == org_id, Member.left_on.is_(None))
                    .group_by(Member.status)
                ).all()
            )
            full, prob = counts.get(MemberStatus.FULL, 0), counts.get(MemberStatus.PROBATIONARY, 0)
            posts = [_post_view(p) for p in org.posts if p.end_on is None]
            findings = org_findings(org, full, prob, posts, self._today(), read)
            return OrgDetail(
                org.id, org.name, org.kind, org.unit_id, org.unit.name, org.parent_id,
                org.parent.name if org.parent else "", org.established_on, org.term_start, org.term_end,
                term_status(org.term_end, self._today(), int(read(S.TERM_ENDING_DAYS))),
                full, prob, posts, findings, org.note,
            )

    def all_findings(self) -> list[tuple[int, str, OrgFinding]]:
        """(org id, org name, finding) for every organisation: one pass, a few queries (used by alerts)."""
        with self._sf() as s:
            read = S.reader(s)
            today = self._today()
            counts: dict[int, dict[MemberStatus, int]] = {}
            for org_id, status, n in s.execute(
                select(Member.org_id, Member.status, func.count())
                .where(Member.left_on.is_(None))
                .group_by(Member.org_id, Member.status)
            ):
                counts.setdefault(org_id, {})[status] = n
            posts: dict[int, list[PostView]] = {}
            current = (
                select(OrgPost.id, OrgPost.org_id, OrgPost.kind, OrgPost.member_id, Member.name, OrgPost.start_on)
                .outerjoin(Member, OrgPost.member_id == Member.id)
                .where(OrgPost.end_on.is_(None))
            )
            for p in s.execute(current):
                posts.setdefault(p.org_id, []).append(PostView(p.id, p.kind, p.member_id, p.name or "", p.start_on, None))
            out = []
            # Plain rows, not ORM objects: this runs for every organisation each time the 提醒 page refreshes.
            active = select(PartyOrg.id, PartyOrg.name, PartyOrg.kind, PartyOrg.term_end).where(PartyOrg.active.is_(True))
            for org in s.execute(active.order_by(PartyOrg.id)):
                c = counts.get(org.id, {})
                for f in org_findings(org, c.get(MemberStatus.FULL, 0), c.get(MemberStatus.PROBATIONARY, 0),
                                      posts.get(org.id, []), today, read):
                    out.append((org.id, org.name, f))
            return out

    # --- posts ----------------------------------------------------------------------------------------------

    def validate_post(self, s: Session, data: PostInput, post_id: int | None = None) -> list[FieldProblem]:
        problems = []
        org = s.get(PartyOrg, data.org_id)
        if org is None:
            return [FieldProblem("org_id", "党组织不存在")]
        if data.end_on and data.end_on < data.start_on:
            problems.append(FieldProblem("end_on", "任职结束日期不能早于开始日期"))
        if data.start_on > self._today():
            problems.append(FieldProblem("start_on", "任职开始日期不能晚于今天"))
        if data.member_id is not None:
            m = s.get(Member, data.member_id)
            if m is None or m.org_id != data.org_id or m.left_on is not None:
                problems.append(FieldProblem("member_id", "任职人须是本组织在册党员"))
            elif m.status != MemberStatus.FULL:
                problems.append(FieldProblem("member_id", "预备党员不能担任支部委员"))
        if data.end_on is None:
            clash = s.scalar(
                select(OrgPost.id).where(
                    OrgPost.org_id == data.org_id, OrgPost.kind == data.kind, OrgPost.end_on.is_(None),
                    OrgPost.id != (post_id or -1),
                )
            )
            if clash is not None:
                problems.append(FieldProblem("kind", f"该组织已有现任{data.kind.label}，请先填写其离任日期"))
        return problems

    def save_post(self, data: PostInput, post_id: int | None = None) -> int:
        _no_register_edits()
        with register_work(self._sf) as s:
            _raise_if(self.validate_post(s, data, post_id))
            post = _get(s, OrgPost, post_id, "职务") if post_id else OrgPost()
            for f in fields(data):
                setattr(post, f.name, getattr(data, f.name))
            s.add(post)
            s.flush()
            return post.id

    def end_post(self, post_id: int, end_on: dt.date) -> None:
        _no_register_edits()
        with register_work(self._sf, reason="离任") as s:
            post = _get(s, OrgPost, post_id, "职务")
            if end_on < post.start_on:
                raise ValidationError("离任日期不能早于任职日期", field="end_on")
            post.end_on = end_on

    # --- members --------------------------------------------------------------------------------------------

    def validate_member(self, s: Session, data: MemberInput, member_id: int | None = None, *,
                        read: Callable[[S.SettingDef], Any] | None = None,
                        id_owners: Mapping[str, tuple[int, str]] | None = None) -> list[FieldProblem]:
        """Problems with `data` (normalised in place).  A bulk caller (the Excel import) passes one settings
        `read`er and `id_owners` (身份证号 → (member id, name) of the register) so that rows need no query each."""
        _clean(data)
        _month_firsts(data)
        read = read or S.reader(s)
        today = self._today()
        problems: list[FieldProblem] = []

        def bad(fld: str, msg: str) -> None:
            problems.append(FieldProblem(fld, msg))

        if not data.name:
            bad("name", "姓名不能为空")
        elif len(data.name) > 40:
            bad("name", "姓名过长")
        if s.get(PartyOrg, data.org_id) is None:
            bad("org_id", "请选择所在党组织")
        data.id_number = normalise_id(data.id_number)
        if data.id_number and fill_from_id(data, bad):
            if id_owners is not None:
                owner = id_owners.get(data.id_number)
                dup = owner if owner is not None and owner[0] != member_id else None
            else:
                dup = s.execute(
                    select(Member.id, Member.name).where(Member.id_number == data.id_number, Member.id != (member_id or -1))
                ).first()
            if dup is not None:
                bad("id_number", duplicate_id_message(dup[1]))
        if (msg := phone_problem(data.phone)) is not None:
            bad("phone", msg)
        # A date known to the month only is any day of it: a rule is broken only if every such day breaks it.
        birth = _month_span(data.birth_date, data.birth_month_only)
        joined = _month_span(data.joined_on, data.joined_month_only)
        full = _month_span(data.full_member_on, data.full_member_month_only)
        if birth and birth[0] > today:
            bad("birth_date", "出生日期不能晚于今天")
        if joined is None:
            bad("joined_on", "请填写入党日期")
        else:
            if joined[0] > today:
                bad("joined_on", "入党日期不能晚于今天")
            if birth and joined[1] < birth[0] + relativedelta(years=18):
                bad("joined_on", "入党时应年满18周岁")
        months = int(read(S.PROBATION_MONTHS))
        if data.probation_extension_months and not 6 <= data.probation_extension_months <= 12:
            bad("probation_extension_months", "延长预备期应为6至12个月")
        if data.status == MemberStatus.PROBATIONARY:
            if data.full_member_on is not None:
                bad("full_member_on", "预备党员不应有转正日期")
        elif data.status == MemberStatus.FULL and joined and full:
            if full[1] < probation_end(joined[0], data.probation_extension_months, months):  # type: ignore[operator]
                bad("full_member_on", "转正日期不能早于预备期满（入党日期起一年）")
            if full[0] > today:
                bad("full_member_on", "转正日期不能晚于今天")
        if data.status == MemberStatus.FULL and joined and not data.full_member_on:
            end = probation_end(joined[0], data.probation_extension_months, months)
            if end and end > today:
                bad("status", "入党未满预备期，应登记为预备党员")
        if data.community_registered:
            if not data.community_name:
                bad("community_name", "已到社区报到的，请填写报到社区")
            if data.community_registered_on and data.community_registered_on > today:
                bad("community_registered_on", "报到日期不能晚于今天")
        _too_long(Member, data, problems)
        return problems

    def save_member(self, data: MemberInput, member_id: int | None = None, *,
                    expected_version: int | None = None) -> int:
        _no_register_edits()
        with register_work(self._sf) as s:
            m = _for_edit(s, Member, member_id, expected_version) if member_id else Member()
            _raise_if(self.validate_member(s, data, member_id))
            if member_id and m.org_id != data.org_id:
                raise ValidationError("变更所在党组织请使用“组织关系转接”，以保留转接记录", field="org_id")
            for f in fields(data):
                setattr(m, f.name, getattr(data, f.name))
            m.id_number = data.id_number or None
            m.name_initials = initials_of(data.name)
            m.name_sort = pinyin_sort_key(data.name)
            s.add(m)
            s.flush()
            return m.id

    def member_input(self, member_id: int) -> MemberInput:
        with self._sf() as s:
            unit_scope.require_own_member(s, member_id)
            m = _get(s, Member, member_id, "党员")
            values = {f.name: getattr(m, f.name) for f in fields(MemberInput)}
            values["id_number"] = m.id_number or ""
            if unit_scope.scoped():  # a 单位填报员 edits no member: it reads its own members' numbers masked
                values["id_number"], values["phone"] = mask_id(m.id_number), mask_phone(m.phone)
            return MemberInput(**values)

    def probation_end_of(self, member_id: int) -> dt.date | None:
        with self._sf() as s:
            unit_scope.require_own_member(s, member_id)
            m = _get(s, Member, member_id, "党员")
            if m.status != MemberStatus.PROBATIONARY:
                return None
            return probation_end(m.joined_on, m.probation_extension_months, int(S.get(s, S.PROBATION_MONTHS)))

    def transfer_member(self, member_id: int, moved_on: dt.date, to_org_id: int | None, external_org: str = "",
                        note: str = "") -> int:
        """Move a member to another organisation in the county, or out of the county (`to_org_id` None)."""
        _no_register_edits()
        with register_work(self._sf, reason=note.strip() or "组织关系转接") as s:
            m = _get(s, Member, member_id, "党员")
            _raise_if(self.validate_transfer(s, m, moved_on, to_org_id, external_org))
            return self.apply_transfer(s, m, moved_on, to_org_id, external_org, note).id

    def validate_transfer(self, s: Session, m: Member, moved_on: dt.date, to_org_id: int | None,
                          external_org: str = "") -> list[FieldProblem]:
        """The rules of a move, inside the caller's session (the Excel import moves members in its own unit of work)."""
        problems = self._move_date_problems(m, moved_on, "转接")
        if to_org_id is None and not external_org.strip():
            problems.append(FieldProblem("external_org", "转出县外时请填写接收党组织"))
        if to_org_id is not None:
            if s.get(PartyOrg, to_org_id) is None:
                problems.append(FieldProblem("to_org_id", "接收党组织不存在"))
            elif to_org_id == m.org_id:
                problems.append(FieldProblem("to_org_id", "接收党组织与现所在党组织相同"))
        return problems

    def _move_date_problems(self, m: Member, moved_on: dt.date, what: str) -> list[FieldProblem]:
        """A member still in the register, and a date between the last move (or 入党) and today."""
        problems = []
        if m.left_on is not None:
            problems.append(FieldProblem("member_id", "该党员已转出或不在册"))
        if moved_on > self._today():
            problems.append(FieldProblem("moved_on", f"{what}日期不能晚于今天"))
        last = max((t.moved_on for t in m.transfers), default=m.joined_on)
        if last and moved_on < last:
            problems.append(FieldProblem("moved_on", f"{what}日期不能早于上一次转接或入党日期（{last:%Y-%m-%d}）"))
        return problems

    def member_leaves(self, member_id: int, kind: TransferKind, on: dt.date, note: str = "",
                      external_org: str = "") -> int:
        """A member leaves the register: 转出 (to a party organisation outside the county: a transfer), 出党
        (开除党籍、除名、退党) or 去世.  The record stays as history with the date and the kind (a 转接 record of
        that kind); the member's posts end that day.  Returns the record's id."""
        _no_register_edits()
        if kind == TransferKind.OUT:
            return self.transfer_member(member_id, on, None, external_org, note)
        if kind not in LEAVE_KINDS:
            raise ValidationError("请选择出党、去世或转出", field="kind")
        note = (note or "").strip()
        if kind == TransferKind.EXPELLED and not note:
            raise ValidationError("请填写出党的情形和依据（如：开除党籍，依据……）", field="note")
        with register_work(self._sf, reason=f"{kind.label}：{note}" if note else kind.label) as s:
            m = _get(s, Member, member_id, "党员")
            _raise_if(self._move_date_problems(m, on, kind.label))
            t = Transfer(member_id=m.id, kind=kind, from_org_id=m.org_id, to_org_id=None, external_org="",
                         moved_on=on, note=note)
            s.add(t)
            for p in s.scalars(select(OrgPost).where(OrgPost.member_id == m.id, OrgPost.end_on.is_(None))):
                p.end_on = on
            m.left_on = on
            s.flush()
            return t.id

    def remove_member(self, member_id: int, reason: str) -> None:
        """Delete a record entered by mistake (a duplicate, a person who is not a member), with the reason in the
        register trail.  A member the records name (posts, 组织生活, 发展党员, 约谈) is not deleted: one who has
        left is marked 出党/去世/转出 instead, which keeps the history."""
        _no_register_edits()
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError("请填写删除的理由（记入审计日志）", field="reason")
        with register_work(self._sf, reason=f"删除误录党员：{reason}") as s:
            m = _get(s, Member, member_id, "党员")
            used = member_uses(s, m.id)
            if used:
                raise ValidationError(f"{m.name}已有{'、'.join(used)}，不能删除；如该党员已离开，请登记出党、去世或转出",
                                      field="reason")
            for t in list(m.transfers):
                s.delete(t)
            s.delete(m)

    def apply_transfer(self, s: Session, m: Member, moved_on: dt.date, to_org_id: int | None, external_org: str = "",
                       note: str = "") -> Transfer:
        """Record a move already checked by `validate_transfer`, in the caller's session."""
        kind = TransferKind.INTERNAL if to_org_id is not None else TransferKind.OUT
        t = Transfer(member_id=m.id, kind=kind, from_org_id=m.org_id, to_org_id=to_org_id,
                     external_org=external_org.strip(), moved_on=moved_on, note=note.strip())
        s.add(t)
        # Posts end when their holder leaves the organisation.
        for p in s.scalars(select(OrgPost).where(OrgPost.member_id == m.id, OrgPost.end_on.is_(None))):
            p.end_on = moved_on
        if to_org_id is None:
            m.left_on = moved_on
        else:
            m.org_id = to_org_id
        s.flush()
        return t

    def transfers_of(self, member_id: int) -> list[tuple[dt.date, str, str, str]]:
        """(date, kind, from, to) for a member's moves, oldest first."""
        with self._sf() as s:
            unit_scope.require_own_member(s, member_id)
            m = _get(s, Member, member_id, "党员")
            names = dict(s.execute(select(PartyOrg.id, PartyOrg.name)).all())
            return [
                (t.moved_on, t.kind.label, names.get(t.from_org_id, ""), names.get(t.to_org_id, t.external_org) or t.external_org)
                for t in m.transfers
            ]

    # --- member list and search -----------------------------------------------------------------------------

    def member_ids(self, text: str = "", org_id: int | None = None, unit_id: int | None = None,
                   include_left: bool = False, order: str = "name", descending: bool = False) -> list[int]:
        """Ids of members matching `text` (name, pinyin initials, organisation or unit name, 身份证 fragment)."""
        unit_scope.require_own_unit(unit_id)
        with self._sf() as s:
            unit_scope.require_own_org(s, org_id)
            q = _member_query(text, org_id, unit_id, include_left)
            col = _ORDER_COLUMNS.get(order, Member.name)
            q = q.order_by(col.desc() if descending else col, Member.id)
            return list(s.scalars(q))

    def member_rows(self, ids: Iterable[int]) -> list[MemberRow]:
        """Rows for these ids, in the order given (the table model fetches them in pages)."""
        ids = list(ids)
        if not ids:
            return []
        with self._sf() as s:
            for member_id in ids if unit_scope.scoped() else ():
                unit_scope.require_own_member(s, member_id)
            q = (
                select(Member, PartyOrg.name, Unit.name)
                .join(PartyOrg, Member.org_id == PartyOrg.id)
                .join(Unit, PartyOrg.unit_id == Unit.id)
                .where(Member.id.in_(ids))
            )
            by_id = {m.id: _member_row(m, org, unit) for m, org, unit in s.execute(q)}
            return [by_id[i] for i in ids if i in by_id]

    def member_count(self) -> int:
        with self._sf() as s:
            return int(s.scalar(select(func.count()).select_from(Member).where(Member.left_on.is_(None))) or 0)

    def reveal_member(self, member_id: int) -> tuple[str, str]:
        """The full 身份证号 and phone (callers check the role and record the reveal)."""
        unit_scope.refuse_unit_account("查看完整的身份证号和电话")
        with self._sf() as s:
            m = _get(s, Member, member_id, "党员")
            return m.id_number or "", m.phone


def _no_register_edits() -> None:
    """The register is the 工委's (and the units' 党务干部 through it): a 单位填报员 changes none of it."""
    unit_scope.refuse_unit_account("修改单位、党组织或党员名册：名册由机关工委维护")


LEAVE_KINDS = (TransferKind.EXPELLED, TransferKind.DECEASED, TransferKind.OUT)

# 身份证号, 性别 and 出生日期 may be left empty (rosters are often incomplete) but are asked for.
IDENTITY_FIELDS = (("id_number", "身份证号"), ("gender", "性别"), ("birth_date", "出生日期"))


def missing_identity(data: MemberInput) -> list[str]:
    """The identity fields a member's record lacks, by their Chinese names (empty when complete); a 身份证号
    gives the 性别 and 出生日期 (the save fills them from it)."""
    if (data.id_number or "").strip():
        return []
    return [label for name, label in IDENTITY_FIELDS if getattr(data, name) in (None, "")]


def member_uses(s: Session, member_id: int) -> list[str]:
    """What the records hold of a member, by name (a member so named cannot be deleted)."""
    checks = (
        ("支委任职记录", select(OrgPost.id).where(OrgPost.member_id == member_id)),
        ("组织生活出勤记录", select(OrgLifeAttendance.record_id).where(OrgLifeAttendance.member_id == member_id)),
        ("党课主讲记录", select(OrgLifeRecord.id).where(OrgLifeRecord.lecturer_member_id == member_id)),
        ("发展党员记录", select(Recruit.id).where(or_(Recruit.member_id == member_id, Recruit.sponsor1_id == member_id,
                                                   Recruit.sponsor2_id == member_id))),
        ("约谈记录", select(Interview.id).where(Interview.interviewee_member_id == member_id)),
        ("表彰记录", select(Honor.id).where(Honor.member_id == member_id)),
        ("关怀帮扶记录", select(CareSubject.id).where(CareSubject.member_id == member_id)),
    )
    return [what for what, q in checks if s.scalar(q.limit(1)) is not None]


_ORDER_COLUMNS: dict[str, Any] = {
    # Full pinyin (张 < 赵), not initials.  concat(""): the same order without walking the name_sort index row by
    # row (3× faster on 20,000); ties fall to Member.id.
    "name": Member.name_sort.concat(""),
    "org": PartyOrg.name,
    "unit": Unit.name,
    "status": Member.status,
    "joined_on": Member.joined_on,
    "birth_date": Member.birth_date,
    "position": Member.position,
}


def _member_query(text: str, org_id: int | None, unit_id: int | None, include_left: bool) -> Select[Any]:
    q = select(Member.id).join(PartyOrg, Member.org_id == PartyOrg.id).join(Unit, PartyOrg.unit_id == Unit.id)
    conds: list[ColumnElement[bool]] = []
    if not include_left:
        conds.append(Member.left_on.is_(None))
    if org_id is not None:
        conds.append(Member.org_id == org_id)
    if unit_id is not None:
        conds.append(PartyOrg.unit_id == unit_id)
    for word in text.split():
        # autoescape: a user's % or _ is a character to find, not a wildcard.
        alts = [col.contains(word, autoescape=True) for col in (Member.name, PartyOrg.name, Unit.name, Member.position)]
        if word.isascii() and word.isalpha():
            alts.append(Member.name_initials.startswith(word.lower(), autoescape=True))
        if len(normalise_id(word)) == 18:
            # A whole number only: searching fragments would read a masked number back digit by digit.
            alts.append(Member.id_number == normalise_id(word))
        conds.append(or_(*alts))
    return q.where(and_(*conds)) if conds else q


def _member_row(m: Member, org_name: str, unit_name: str) -> MemberRow:
    return MemberRow(
        m.id, m.name, m.gender.label if m.gender else "", m.birth_date, mask_id(m.id_number), mask_phone(m.phone),
        unit_name, org_name, m.status.label, m.joined_on, m.position, m.is_leader, m.community_registered,
    )


def _post_view(p: OrgPost) -> PostView:
    return PostView(p.id, p.kind, p.member_id, p.member.name if p.member else "", p.start_on, p.end_on)


def _subtree_count(n: OrgNode) -> int:
    return n.member_count + sum(_subtree_count(c) for c in n.children)


def unit_addressees(s: Session, unit_ids: Iterable[int]) -> dict[int, str]:
    """What a document sent to a unit is addressed to (主送), as the register names it: the unit's own top party
    organisation (机关党委, else 党总支, else 党支部); a unit with none of its own (only in a 联合支部 with others, or
    none recorded) by its name.  The register does not record the 党组: its party work is carried out by that
    top organisation."""
    wanted = set(unit_ids)
    if not wanted:
        return {}
    rank = {OrgKind.ORGAN_COMMITTEE: 0, OrgKind.GENERAL_BRANCH: 1, OrgKind.BRANCH: 2}
    best: dict[int, tuple[int, str]] = {}
    rows = s.execute(select(PartyOrg.unit_id, PartyOrg.kind, PartyOrg.name).where(
        PartyOrg.unit_id.in_(wanted), PartyOrg.active.is_(True), PartyOrg.parent_id.is_(None),
        PartyOrg.kind != OrgKind.JOINT_BRANCH).order_by(PartyOrg.sort_order, PartyOrg.id))
    for unit_id, kind, name in rows:
        if unit_id not in best or rank[kind] < best[unit_id][0]:
            best[unit_id] = (rank[kind], name)
    names: dict[int, str] = {u: n for u, n in s.execute(select(Unit.id, Unit.name).where(Unit.id.in_(wanted)))}
    return {u: best[u][1] if u in best else names.get(u, "") for u in wanted}


# What a register text field is called, for "…不能超过N个字" (lengths come from the model's columns).
_FIELD_LABELS = {"name": "名称", "short_name": "简称", "category": "类别", "party_secretary": "党组（党委）书记",
                 "contact_person": "联系人", "contact_phone": "联系电话", "ethnicity": "民族", "education": "学历",
                 "position": "职务", "community_name": "报到社区", "phone": "联系电话"}


def _too_long(model: type, data: object, problems: list[FieldProblem]) -> None:
    """A problem for each text longer than its column holds (a server refuses such a value outright; SQLite
    would keep it): said per field in Chinese, never a database error."""
    said = {p.field for p in problems}
    for column in model.__table__.columns:  # type: ignore[attr-defined]
        length = getattr(column.type, "length", None)
        value = getattr(data, column.key, None)
        if length and isinstance(value, str) and len(value) > length and column.key not in said:
            label = "姓名" if model is Member and column.key == "name" else _FIELD_LABELS.get(column.key, column.key)
            problems.append(FieldProblem(column.key, f"{label}不能超过{length}个字"))


def term_status(term_end: dt.date | None, today: dt.date, ending_days: int) -> str:
    if term_end is None:
        return "未登记任期"
    if term_end < today:
        return "已超期未换届"
    if term_end <= today + dt.timedelta(days=ending_days):
        return "即将到期"
    return "任期内"


@lru_cache(maxsize=64)
def _months_before(day: dt.date, months: int) -> dt.date:
    return day - relativedelta(months=months)


class _OrgFacts(Protocol):
    kind: OrgKind
    term_end: dt.date | None


def org_findings(org: _OrgFacts, full: int, probationary: int, current_posts: list[PostView], today: dt.date,
                 read: Callable[[S.SettingDef], Any]) -> list[OrgFinding]:
    """What breaks the rules for this organisation today (DOMAIN.md: vacancies, terms, size, committee)."""
    out = []
    term = _term_finding(org.term_end, today, read)
    if term is not None:
        out.append(term)
    limit = _months_before(today, int(read(S.VACANCY_MONTHS)))
    for p in current_posts:
        if p.vacant and p.start_on <= limit:
            out.append(_vacancy_finding(p.kind, p.start_on, read))
    if org.kind in (OrgKind.BRANCH, OrgKind.JOINT_BRANCH):
        filled = sum(1 for p in current_posts if not p.vacant)
        if full >= int(read(S.COMMITTEE_MIN_FULL)) and filled < 3 and not any(p.vacant for p in current_posts):
            out.append(OrgFinding("needs_committee", f"正式党员{full}名（≥{read(S.COMMITTEE_MIN_FULL)}），应设支部委员会（3至5人），现任委员{filled}名"))
        if org.kind == OrgKind.BRANCH and full < int(read(S.BRANCH_MIN_FULL)):
            out.append(OrgFinding("too_few", f"正式党员仅{full}名，不足{read(S.BRANCH_MIN_FULL)}名，应与邻近单位成立联合支部"))
        if full + probationary > int(read(S.BRANCH_MAX_MEMBERS)):
            out.append(OrgFinding("too_many", f"党员{full + probationary}名，超过{read(S.BRANCH_MAX_MEMBERS)}名，宜分设支部"))
        if not any(p.kind == OrgPostKind.SECRETARY for p in current_posts):
            out.append(NO_SECRETARY)
    return out


NO_SECRETARY = OrgFinding("vacancy", "未登记支部书记")


def _term_finding(term_end: dt.date | None, today: dt.date, read: Callable[[S.SettingDef], Any]) -> OrgFinding | None:
    if term_end is None:
        return None
    if term_end < today:
        return OrgFinding("term_overdue", f"任期已于{cn_date(term_end)}届满，尚未换届", term_end)
    if term_end <= today + dt.timedelta(days=int(read(S.TERM_ENDING_DAYS))):
        return OrgFinding("term_ending", f"任期将于{cn_date(term_end)}届满，请准备换届", term_end)
    return None


def _vacancy_finding(kind: OrgPostKind, start_on: dt.date, read: Callable[[S.SettingDef], Any]) -> OrgFinding:
    return OrgFinding("vacancy", f"{kind.label}自{cn_date(start_on)}起空缺，超过{read(S.VACANCY_MONTHS)}个月", start_on)


def attention_findings(s: Session, today: dt.date) -> list[tuple[int, str, int, OrgFinding]]:
    """(org id, org name, unit id, finding) of the vacancies and terms only, as `all_findings` gives them and in
    its order (by organisation, then its posts): what the 提醒 show, read narrowly (the terms due, the posts
    vacant long enough, the branches without a secretary) instead of judging every organisation in Python."""
    read = S.reader(s)
    limit = _months_before(today, int(read(S.VACANCY_MONTHS)))
    ending = today + dt.timedelta(days=int(read(S.TERM_ENDING_DAYS)))
    found: dict[int, list[OrgFinding]] = {}
    for org_id, term_end in s.execute(select(PartyOrg.id, PartyOrg.term_end).where(
            PartyOrg.active.is_(True), PartyOrg.term_end <= ending)):
        term = _term_finding(term_end, today, read)
        if term is not None:
            found.setdefault(org_id, []).append(term)
    vacant = (select(OrgPost.org_id, OrgPost.kind, OrgPost.start_on)
              .where(OrgPost.end_on.is_(None), OrgPost.member_id.is_(None), OrgPost.start_on <= limit)
              .order_by(OrgPost.org_id, OrgPost.id))
    for org_id, kind, start_on in s.execute(vacant):
        found.setdefault(org_id, []).append(_vacancy_finding(kind, start_on, read))
    with_secretary = (select(OrgPost.id).where(OrgPost.org_id == PartyOrg.id, OrgPost.end_on.is_(None),
                                               OrgPost.kind == OrgPostKind.SECRETARY).exists())
    for (org_id,) in s.execute(select(PartyOrg.id).where(
            PartyOrg.active.is_(True), PartyOrg.kind.in_((OrgKind.BRANCH, OrgKind.JOINT_BRANCH)), ~with_secretary)):
        found.setdefault(org_id, []).append(NO_SECRETARY)
    orgs = s.execute(select(PartyOrg.id, PartyOrg.name, PartyOrg.unit_id).where(PartyOrg.active.is_(True))
                     .order_by(PartyOrg.id))
    return [(org_id, name, unit_id, f) for org_id, name, unit_id in orgs for f in found.get(org_id, ())]
