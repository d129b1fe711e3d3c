"""支部书记 and 党务干部: the roster of party-work officers and their training hours against the yearly minimum.

Who is on the roster of a year: every holder of a 党组织 committee post (书记, 副书记, 委员 of the 机关党委, 党总支 and
党支部: the register's post history, `OrgPost`, never typed twice) and every row typed here (组织员, 专职/兼职党务干部,
`PartyWorker`), over the part of the year up to today.

Rules (settings in app.settings, group 队伍建设):
- hours count in the year of the course's end date; only 集中培训 counts for the minimum;
- the minimum is TRAINING_MIN_LEADERSHIP (56) for whoever holds a committee post on the day of the check (today, or
  31 December for a past year) — 基层党组织书记和班子成员 — else TRAINING_MIN_MEMBER (32): a secretary who stood down
  in June is then held to a member's 32, a member elected 组织委员 in September to 56;
- whoever is on the roster on that day and short of the minimum is an alert (`training_short`) from
  TRAINING_ALERT_MONTH (October) to the end of the year, when there is still time to send them to a class;
- a concentrated course counts at most TRAINING_MAX_PER_DAY (8) 学时 a day: more is taken for a typing error.
Every change of a roster row or a training record is an audit entry of the register's kind (app.services.register_audit:
`party_worker` and `training_record` are audited entities), so that `audit verify` finds one changed outside the app."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.errors import FieldProblem, NotFoundError, ValidationError
from app.models import Member, OrgKind, OrgPost, OrgPostKind, PartyOrg, Unit
from app.models.party_workers import PartyWorker, TrainingRecord, WorkerRole
from app.services import alerts as A
from app.services.register_audit import register_work

SessionFactory = Callable[[], Session]

WORKER, TRAINING = "party_worker", "training_record"
TARGET_MEMBER, TARGET_WORKER = "training_member", "training_worker"  # 提醒 lines open the person on the 队伍建设 tab
COURSE_MAX, ORGANISER_MAX, NAME_MAX = 200, 100, 40
HOURS_MAX = Decimal("1000")
TENTH = Decimal("0.1")
ZERO = Decimal("0")
_ORG_PREFIX = {OrgKind.ORGAN_COMMITTEE: "机关党委", OrgKind.GENERAL_BRANCH: "党总支", OrgKind.BRANCH: "支部",
               OrgKind.JOINT_BRANCH: "联合支部"}


def post_title(org_kind: OrgKind, post: OrgPostKind) -> str:
    """支部书记, 机关党委副书记, 党总支组织委员 …"""
    return _ORG_PREFIX[org_kind] + post.label


def check_day(year: int, today: dt.date) -> dt.date:
    """The day a year's roster and minimum are taken on: today in the current year, 31 December for a past one,
    1 January for a year still to come."""
    if year < today.year:
        return dt.date(year, 12, 31)
    if year > today.year:
        return dt.date(year, 1, 1)
    return today


# ---------------------------------------------------------------------------------------------------------------
# hours


def training_hours(s: Session, year: int, member_ids: Collection[int] | None = None) -> dict[int, Decimal]:
    """member id → the 集中培训 学时 of courses ending in `year` (members without any are left out)."""
    q = (select(TrainingRecord.member_id, func.sum(TrainingRecord.hours))
         .where(TrainingRecord.member_id.is_not(None), TrainingRecord.concentrated.is_(True),
                TrainingRecord.end_on >= dt.date(year, 1, 1), TrainingRecord.end_on <= dt.date(year, 12, 31))
         .group_by(TrainingRecord.member_id))
    wanted = None if member_ids is None else set(member_ids)
    if wanted is not None and len(wanted) <= 900:
        q = q.where(TrainingRecord.member_id.in_(wanted))
    out: dict[int, Decimal] = {}
    for member_id, total in s.execute(q):
        if member_id is not None and (wanted is None or member_id in wanted):
            out[member_id] = Decimal(total or 0).quantize(TENTH)
    return out


def _worker_hours(s: Session, year: int) -> dict[int, Decimal]:
    """roster row id → 集中培训 学时 of the year, for people who are not members of the register."""
    q = (select(TrainingRecord.worker_id, func.sum(TrainingRecord.hours))
         .where(TrainingRecord.worker_id.is_not(None), TrainingRecord.concentrated.is_(True),
                TrainingRecord.end_on >= dt.date(year, 1, 1), TrainingRecord.end_on <= dt.date(year, 12, 31))
         .group_by(TrainingRecord.worker_id))
    return {wid: Decimal(total or 0).quantize(TENTH) for wid, total in s.execute(q) if wid is not None}


# ---------------------------------------------------------------------------------------------------------------
# the roster


@dataclass(frozen=True)
class RosterRow:
    """One person on a unit's roster for a year, with every role held in it during the year."""

    unit_id: int
    unit_name: str
    member_id: int | None
    worker_id: int | None  # the typed row of someone who is not a member of the register
    name: str
    roles: tuple[str, ...]  # 支部书记（县财政局机关支部，2024.06—）, 组织员（…） …, in the order held
    title: str  # the role held on the check day (or the last one): 县财政局机关支部书记, 组织员
    in_post: bool  # holds one of them on the check day
    leadership: bool  # holds a committee post on the check day: the higher minimum
    hours: Decimal
    minimum: Decimal
    typed_ids: tuple[int, ...] = ()  # the 组织员/党务干部 rows behind this line (editable on the tab)

    @property
    def short(self) -> bool:
        return self.in_post and self.hours < self.minimum

    @property
    def missing(self) -> Decimal:
        return max(ZERO, self.minimum - self.hours)

    @property
    def target(self) -> tuple[str, int]:
        if self.member_id is not None:
            return (TARGET_MEMBER, self.member_id)
        assert self.worker_id is not None
        return (TARGET_WORKER, self.worker_id)

    @property
    def roles_text(self) -> str:
        return "、".join(self.roles)


@dataclass
class _Person:
    unit_id: int
    member_id: int | None
    worker_id: int | None
    name: str
    roles: list[str] = field(default_factory=list)
    title: str = ""
    typed_ids: list[int] = field(default_factory=list)
    in_post: bool = False
    leadership: bool = False
    held: list[tuple[Any, ...]] = field(default_factory=list)  # the posts and typed rows read for the person


def _span(start: dt.date, end: dt.date | None) -> str:
    return f"{start:%Y.%m}—{'' if end is None else f'{end:%Y.%m}'}"


def roster(s: Session, year: int, today: dt.date, unit_id: int | None = None, *,
           short_only: bool = False) -> list[RosterRow]:
    """The year's roster (units in their order, then people by name), each with hours and minimum; `short_only`:
    only the people in post who are short of their minimum (the 提醒: their lines alone are written out)."""
    day = check_day(year, today)
    first = dt.date(year, 1, 1)
    if day < first or (year > today.year):
        return []
    read = S.reader(s)
    high, low = read(S.TRAINING_MIN_LEADERSHIP), read(S.TRAINING_MIN_MEMBER)
    # First who is on the roster and in which post (rows kept as read), then their hours, then the lines: the
    # texts of a line are made only for the people it shows.
    people: dict[tuple[int, str, int], _Person] = {}

    def person(unit: int, member_id: int | None, worker_id: int | None, name: str) -> _Person:
        key = (unit, "m", member_id) if member_id is not None else (unit, "w", worker_id or 0)
        if key not in people:
            people[key] = _Person(unit, member_id, worker_id, name)
        return people[key]

    posts = (select(OrgPost.member_id, OrgPost.kind, OrgPost.start_on, OrgPost.end_on, PartyOrg.unit_id,
                    PartyOrg.kind, PartyOrg.name, Member.name)
             .join(PartyOrg, PartyOrg.id == OrgPost.org_id).join(Member, Member.id == OrgPost.member_id)
             .where(OrgPost.start_on <= day, or_(OrgPost.end_on.is_(None), OrgPost.end_on >= first))
             .order_by(OrgPost.start_on, OrgPost.id))
    if unit_id is not None:
        posts = posts.where(PartyOrg.unit_id == unit_id)
    for row in s.execute(posts):
        member_id, _post, _start, end, unit, _org_kind, _org_name, name = row
        p = person(unit, member_id, None, name)
        p.held.append(("post", *row))
        if end is None or end >= day:
            p.in_post = p.leadership = True
    workers = (select(PartyWorker, Member.name).outerjoin(Member, Member.id == PartyWorker.member_id)
               .where(PartyWorker.start_on <= day, or_(PartyWorker.end_on.is_(None), PartyWorker.end_on >= first))
               .order_by(PartyWorker.start_on, PartyWorker.id))
    if unit_id is not None:
        workers = workers.where(PartyWorker.unit_id == unit_id)
    for w, member_name in s.execute(workers):
        p = person(w.unit_id, w.member_id, None if w.member_id is not None else w.id, member_name or w.name)
        p.held.append(("worker", w))
        if w.end_on is None or w.end_on >= day:
            p.in_post = True
    if not people:
        return []
    hours = training_hours(s, year, {p.member_id for p in people.values() if p.member_id is not None})
    worker_hours = _worker_hours(s, year)

    def hours_of(p: _Person) -> Decimal:
        return hours.get(p.member_id, ZERO) if p.member_id is not None else worker_hours.get(p.worker_id or 0, ZERO)

    shown = [p for p in people.values()
             if not short_only or (p.in_post and hours_of(p) < (high if p.leadership else low))]
    units = {u.id: u for u in s.scalars(select(Unit).where(Unit.id.in_({p.unit_id for p in shown})))}
    rows = []
    for p in shown:
        _describe(p, p.held, day)
        rows.append(RosterRow(p.unit_id, units[p.unit_id].name, p.member_id, p.worker_id, p.name, tuple(p.roles),
                              p.title, p.in_post, p.leadership, hours_of(p), high if p.leadership else low,
                              tuple(p.typed_ids)))
    rows.sort(key=lambda r: (units[r.unit_id].sort_order, r.unit_id, not r.leadership, r.name))
    return rows


def _describe(p: _Person, held: list[tuple[Any, ...]], day: dt.date) -> None:
    """A person's roles (in the order held) and title (the one held on the check day, or the last), from the
    committee posts and typed roster rows read for them."""
    in_post = False
    for entry in held:
        if entry[0] == "post":
            _, _member_id, post, start, end, _unit, org_kind, org_name, _name = entry
            p.roles.append(f"{post_title(org_kind, post)}（{_short_org(org_name)}，{_span(start, end)}）")
            current = end is None or end >= day
            if current or not in_post:
                p.title = _short_org(org_name) + post.label
            in_post = in_post or current
        else:
            w = entry[1]
            p.roles.append(f"{w.role.label}（{_span(w.start_on, w.end_on)}）")
            p.typed_ids.append(w.id)
            current = w.end_on is None or w.end_on >= day
            if not p.leadership and (current or not in_post):
                p.title = w.role.label
            in_post = in_post or current


def _short_org(name: str) -> str:
    """中共示范县县财政局机关支部委员会 → 县财政局机关支部: the name without the county prefix and 委员会."""
    text = name
    if text.startswith("中共") and "县" in text:
        text = text[text.index("县") + 1:]
    for suffix in ("委员会",):
        if text.endswith(suffix) and len(text) > len(suffix) + 2:
            text = text[: -len(suffix)]
    return text


# ---------------------------------------------------------------------------------------------------------------
# alerts


def short_alerts(s: Session, today: dt.date) -> list[A.Alert]:
    """Who on this year's roster is short of the minimum, from the settings' month to the end of the year."""
    if today.month < S.get(s, S.TRAINING_ALERT_MONTH):
        return []
    year_end = dt.date(today.year, 12, 31)
    out = []
    for r in roster(s, today.year, today, short_only=True):
        kind, target_id = r.target
        out.append(A.Alert(
            "training_short", f"{r.unit_name} {r.name}",
            f"{r.title}{r.name}：今年集中培训{_num(r.hours)}学时，低于{_num(r.minimum)}学时的要求，"
            f"还差{_num(r.missing)}学时", year_end, kind, target_id, r.unit_id))
    return out


def _num(value: Decimal) -> str:
    """56 / 7.5: 学时 without a trailing .0."""
    text = f"{value.quantize(TENTH)}"
    return text[:-2] if text.endswith(".0") else text


def hours_text(value: Decimal) -> str:
    return _num(value)


def register_hooks() -> None:
    """Called by app.services.alerts when the 提醒 are computed."""
    A.register_source("training_short", short_alerts)


# ---------------------------------------------------------------------------------------------------------------
# inputs


@dataclass
class WorkerInput:
    unit_id: int | None
    role: WorkerRole | None
    member_id: int | None = None  # a member of the register (the name is then the member's)
    name: str = ""  # someone who is not
    start_on: dt.date | None = None
    end_on: dt.date | None = None
    note: str = ""


@dataclass
class CourseInput:
    """One course as a class gives it: the same for everyone who attended."""

    course: str
    organiser: str = ""
    start_on: dt.date | None = None
    end_on: dt.date | None = None
    hours: Decimal | str | int | None = None
    concentrated: bool = True
    note: str = ""


@dataclass(frozen=True)
class Person:
    """Who attended: a member of the register, or a roster row of someone who is not."""

    member_id: int | None = None
    worker_id: int | None = None


@dataclass(frozen=True)
class TrainingView:
    id: int
    member_id: int | None
    worker_id: int | None
    unit_id: int
    unit_name: str
    name: str
    course: str
    organiser: str
    start_on: dt.date
    end_on: dt.date
    hours: Decimal
    concentrated: bool
    note: str

    def course_input(self) -> CourseInput:
        return CourseInput(self.course, self.organiser, self.start_on, self.end_on, self.hours, self.concentrated,
                           self.note)

    @property
    def person(self) -> Person:
        return Person(self.member_id, self.worker_id)


@dataclass(frozen=True)
class Candidate:
    """Someone a training can be entered for (the entry dialog's list)."""

    person: Person
    name: str
    unit_id: int
    unit_name: str
    detail: str  # their roles, or 党员


def parse_hours(value: Any) -> Decimal | None:
    """A number of 学时 from a form or a cell (None when it is not a number)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip().replace("学时", "").replace("，", ".")) if isinstance(value, str) \
            else Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def check_course(data: CourseInput, today: dt.date, max_per_day: Decimal, row: int | None = None
                 ) -> list[FieldProblem]:
    """Every problem with the course's own fields; cleans them in place (hours become a Decimal)."""
    problems: list[FieldProblem] = []

    def bad(fld: str, msg: str) -> None:
        problems.append(FieldProblem(fld, msg, row))

    data.course, data.organiser, data.note = data.course.strip(), data.organiser.strip(), data.note.strip()
    if not data.course:
        bad("course", "请填写培训班（课程）名称")
    elif len(data.course) > COURSE_MAX:
        bad("course", f"培训班名称不能超过{COURSE_MAX}个字")
    if len(data.organiser) > ORGANISER_MAX:
        bad("organiser", f"主办单位不能超过{ORGANISER_MAX}个字")
    if data.start_on is None:
        bad("start_on", "请填写培训开始日期")
    if data.end_on is None:
        bad("end_on", "请填写培训结束日期")
    if data.start_on is not None and data.end_on is not None:
        if data.end_on < data.start_on:
            bad("end_on", "结束日期不能早于开始日期")
        elif data.end_on > today:
            bad("end_on", "结束日期不能晚于今天：培训结束后再登记学时")
    hours = parse_hours(data.hours)
    if hours is None:
        bad("hours", "学时须为数字（如 24 或 7.5）")
    elif hours <= 0:
        bad("hours", "学时须大于0")
    elif hours > HOURS_MAX:
        bad("hours", f"学时不能超过{HOURS_MAX}")
    elif hours != hours.quantize(TENTH):
        bad("hours", "学时最多保留一位小数")
    else:
        data.hours = hours
        if data.concentrated and data.start_on is not None and data.end_on is not None \
                and data.end_on >= data.start_on:
            days = (data.end_on - data.start_on).days + 1
            if hours > max_per_day * days:
                bad("hours", f"集中培训{days}天最多计{_num(max_per_day * days)}学时（每天{_num(max_per_day)}学时），"
                             f"请核对学时")
    return problems


# ---------------------------------------------------------------------------------------------------------------
# the service


class PartyWorkerService:
    def __init__(self, session_factory: SessionFactory, today: Callable[[], dt.date] = clock.today,
                 actor: str | None = None) -> None:
        self._sf = session_factory
        self._today = today
        self._actor = actor

    # --- reading --------------------------------------------------------------------------------------------

    def roster(self, year: int, unit_id: int | None = None) -> list[RosterRow]:
        with self._sf() as s:
            return roster(s, year, self._today(), unit_id)

    def minimums(self) -> tuple[Decimal, Decimal]:
        """(书记和班子成员, 其他) minimum 学时 as set."""
        with self._sf() as s:
            return S.get(s, S.TRAINING_MIN_LEADERSHIP), S.get(s, S.TRAINING_MIN_MEMBER)

    def trainings(self, year: int | None = None, *, person: Person | None = None, unit_id: int | None = None,
                  ids: Iterable[int] | None = None) -> list[TrainingView]:
        with self._sf() as s:
            return training_views(s, year, person, unit_id, ids)

    def training(self, record_id: int) -> TrainingView:
        found = self.trainings(ids=[record_id])
        if not found:
            raise NotFoundError(f"培训记录不存在（编号 {record_id}）")
        return found[0]

    def worker(self, worker_id: int) -> WorkerInput:
        with self._sf() as s:
            w = s.get(PartyWorker, worker_id)
            if w is None:
                raise NotFoundError(f"党务干部记录不存在（编号 {worker_id}）")
            return WorkerInput(w.unit_id, w.role, w.member_id, w.name, w.start_on, w.end_on, w.note)

    def workers(self, unit_id: int | None = None) -> list[tuple[int, WorkerInput]]:
        """The typed roster rows (组织员, 党务干部), current and past."""
        with self._sf() as s:
            q = select(PartyWorker).order_by(PartyWorker.unit_id, PartyWorker.start_on, PartyWorker.id)
            if unit_id is not None:
                q = q.where(PartyWorker.unit_id == unit_id)
            return [(w.id, WorkerInput(w.unit_id, w.role, w.member_id, w.name, w.start_on, w.end_on, w.note))
                    for w in s.scalars(q)]

    def unit_choices(self) -> list[tuple[str, int]]:
        with self._sf() as s:
            return [(name, uid) for uid, name in s.execute(
                select(Unit.id, Unit.name).where(Unit.active.is_(True)).order_by(Unit.sort_order, Unit.id))]

    def member_choices(self, unit_id: int | None = None) -> list[tuple[str, int]]:
        """Members in the register (姓名（单位）), for choosing who a roster row is."""
        with self._sf() as s:
            q = (select(Member.id, Member.name, Unit.name).join(PartyOrg, PartyOrg.id == Member.org_id)
                 .join(Unit, Unit.id == PartyOrg.unit_id).where(Member.left_on.is_(None))
                 .order_by(Unit.sort_order, Unit.id, Member.name_sort))
            if unit_id is not None:
                q = q.where(PartyOrg.unit_id == unit_id)
            return [(f"{name}（{unit}）", mid) for mid, name, unit in s.execute(q)]

    def candidates(self, unit_id: int | None = None) -> list[Candidate]:
        """People a training can be entered for: this year's roster first, then the unit's other members."""
        today = self._today()
        with self._sf() as s:
            return _candidates(s, today, unit_id)

    # --- roster rows ----------------------------------------------------------------------------------------

    def save_worker(self, data: WorkerInput, worker_id: int | None = None) -> int:
        with register_work(self._sf, self._actor, reason=lambda: f"党务干部{data.name}") as s:
            problems = self._check_worker(s, data)
            if problems:
                raise ValidationError(problems)
            if worker_id is None:
                w = PartyWorker()
                s.add(w)
            else:
                found = s.get(PartyWorker, worker_id)
                if found is None:
                    raise NotFoundError(f"党务干部记录不存在（编号 {worker_id}）")
                w = found
            assert data.unit_id is not None and data.role is not None and data.start_on is not None
            w.unit_id, w.role, w.member_id = data.unit_id, data.role, data.member_id
            w.name, w.start_on, w.end_on, w.note = data.name, data.start_on, data.end_on, data.note
            s.flush()
            return w.id

    def delete_worker(self, worker_id: int) -> None:
        with register_work(self._sf, self._actor, reason="删除党务干部记录") as s:
            w = s.get(PartyWorker, worker_id)
            if w is None:
                raise NotFoundError(f"党务干部记录不存在（编号 {worker_id}）")
            if s.scalar(select(func.count()).where(TrainingRecord.worker_id == worker_id)):
                raise ValidationError("此人已有培训记录，不能删除；不再担任时请填写离任日期")
            s.delete(w)

    def _check_worker(self, s: Session, data: WorkerInput) -> list[FieldProblem]:
        problems: list[FieldProblem] = []
        data.name, data.note = data.name.strip(), data.note.strip()
        if data.unit_id is None or s.get(Unit, data.unit_id) is None:
            problems.append(FieldProblem("unit_id", "请选择单位"))
        if not isinstance(data.role, WorkerRole):
            problems.append(FieldProblem("role", "请选择职务（组织员、专职或兼职党务干部）"))
        if data.member_id is not None:
            m = s.get(Member, data.member_id)
            if m is None:
                problems.append(FieldProblem("member_id", "党员不存在"))
            else:
                data.name = m.name
        if not data.name:
            problems.append(FieldProblem("name", "请选择党员或填写姓名"))
        elif len(data.name) > NAME_MAX:
            problems.append(FieldProblem("name", f"姓名不能超过{NAME_MAX}个字"))
        if data.start_on is None:
            problems.append(FieldProblem("start_on", "请填写任职日期"))
        elif data.start_on > self._today():
            problems.append(FieldProblem("start_on", "任职日期不能晚于今天"))
        if data.start_on is not None and data.end_on is not None and data.end_on < data.start_on:
            problems.append(FieldProblem("end_on", "离任日期不能早于任职日期"))
        return problems

    # --- training records -----------------------------------------------------------------------------------

    def add_training(self, course: CourseInput, people: Sequence[Person]) -> list[int]:
        """One course for everyone who attended it (a county class, entered once): all or nothing."""
        with register_work(self._sf, self._actor, reason=f"培训：{course.course}") as s:
            targets = self.validate_batch(s, course, people)
            return [_store(s, course, *target) for target in targets]

    def validate_batch(self, s: Session, course: CourseInput, people: Sequence[Person], row: int | None = None
                       ) -> list[tuple[int | None, int | None, int, str]]:
        """The people as (member id, worker id, unit id, name), or ValidationError naming every problem."""
        problems = check_course(course, self._today(), S.get(s, S.TRAINING_MAX_PER_DAY), row)
        if not people:
            problems.append(FieldProblem("people", "请至少选择一名参训人员", row))
        targets: list[tuple[int | None, int | None, int, str]] = []
        seen: set[tuple[int | None, int | None]] = set()
        for person in people:
            target = resolve_person(s, person, course, problems, row)
            if target is None:
                continue
            key = (target[0], target[1])
            if key in seen:
                problems.append(FieldProblem("people", f"{target[3]}重复选择", row))
                continue
            seen.add(key)
            if not problems and already_recorded(s, course, target[0], target[1]):
                problems.append(FieldProblem("people", f"{target[3]}已登记过这次培训（{course.course}，"
                                                       f"{course.start_on}—{course.end_on}）", row))
            targets.append(target)
        if problems:
            raise ValidationError(problems)
        return targets

    def save_training(self, record_id: int, course: CourseInput, person: Person) -> None:
        """Correct one person's record (course, dates, hours, or who it is)."""
        with register_work(self._sf, self._actor, reason=f"培训：{course.course}") as s:
            rec = s.get(TrainingRecord, record_id)
            if rec is None:
                raise NotFoundError(f"培训记录不存在（编号 {record_id}）")
            problems = check_course(course, self._today(), S.get(s, S.TRAINING_MAX_PER_DAY))
            target = resolve_person(s, person, course, problems, None)
            if problems or target is None:
                raise ValidationError(problems)
            _fill(rec, course, *target)

    def delete_training(self, record_id: int) -> None:
        with register_work(self._sf, self._actor, reason="删除培训记录") as s:
            rec = s.get(TrainingRecord, record_id)
            if rec is None:
                raise NotFoundError(f"培训记录不存在（编号 {record_id}）")
            s.delete(rec)


# ---------------------------------------------------------------------------------------------------------------
# helpers of the service


def resolve_person(s: Session, person: Person, course: CourseInput, problems: list[FieldProblem], row: int | None
             ) -> tuple[int | None, int | None, int, str] | None:
    """(member id, worker id, unit id, name) of who attended: a roster row of a member is the member."""
    if person.member_id is not None:
        m = s.get(Member, person.member_id)
        if m is None:
            problems.append(FieldProblem("people", f"党员不存在（编号 {person.member_id}）", row))
            return None
        if m.left_on is not None and course.start_on is not None and m.left_on < course.start_on:
            problems.append(FieldProblem("people", f"{m.name}已于{m.left_on}离开党员名册，不能登记此后的培训", row))
            return None
        return (m.id, None, m.org.unit_id, m.name)
    if person.worker_id is not None:
        w = s.get(PartyWorker, person.worker_id)
        if w is None:
            problems.append(FieldProblem("people", f"党务干部记录不存在（编号 {person.worker_id}）", row))
            return None
        if w.member_id is not None:
            return resolve_person(s, Person(member_id=w.member_id), course, problems, row)
        return (None, w.id, w.unit_id, w.name)
    problems.append(FieldProblem("people", "请选择参训人员", row))
    return None


def already_recorded(s: Session, course: CourseInput, member_id: int | None, worker_id: int | None) -> bool:
    q = select(func.count()).where(TrainingRecord.course == course.course, TrainingRecord.start_on == course.start_on,
                                   TrainingRecord.end_on == course.end_on)
    q = q.where(TrainingRecord.member_id == member_id) if member_id is not None \
        else q.where(TrainingRecord.worker_id == worker_id)
    return bool(s.scalar(q))


def _fill(rec: TrainingRecord, course: CourseInput, member_id: int | None, worker_id: int | None, unit_id: int,
          name: str) -> None:
    assert course.start_on is not None and course.end_on is not None and isinstance(course.hours, Decimal)
    rec.member_id, rec.worker_id, rec.unit_id, rec.name = member_id, worker_id, unit_id, name
    rec.course, rec.organiser, rec.start_on, rec.end_on = course.course, course.organiser, course.start_on, course.end_on
    rec.hours, rec.concentrated, rec.note = course.hours, course.concentrated, course.note


def _store(s: Session, course: CourseInput, member_id: int | None, worker_id: int | None,
           unit_id: int, name: str) -> int:
    rec = TrainingRecord()
    _fill(rec, course, member_id, worker_id, unit_id, name)
    s.add(rec)
    s.flush()
    return rec.id


def store_many(s: Session, items: Sequence[tuple[CourseInput, tuple[int | None, int | None, int, str]]]
               ) -> list[int]:
    """Write records validated elsewhere (the import), in the caller's `register_work` (which records them)."""
    return [_store(s, course, *target) for course, target in items]


def training_views(s: Session, year: int | None, person: Person | None, unit_id: int | None,
                    ids: Iterable[int] | None) -> list[TrainingView]:
    q = select(TrainingRecord, Unit.name).join(Unit, Unit.id == TrainingRecord.unit_id)
    if year is not None:
        q = q.where(TrainingRecord.end_on >= dt.date(year, 1, 1), TrainingRecord.end_on <= dt.date(year, 12, 31))
    if person is not None:
        q = q.where(TrainingRecord.member_id == person.member_id) if person.member_id is not None \
            else q.where(TrainingRecord.worker_id == person.worker_id)
    if unit_id is not None:
        q = q.where(TrainingRecord.unit_id == unit_id)
    if ids is not None:
        q = q.where(TrainingRecord.id.in_(list(ids)))
    q = q.order_by(TrainingRecord.end_on.desc(), TrainingRecord.id)
    return [TrainingView(r.id, r.member_id, r.worker_id, r.unit_id, unit_name, r.name, r.course, r.organiser,
                         r.start_on, r.end_on, r.hours, r.concentrated, r.note) for r, unit_name in s.execute(q)]


def _candidates(s: Session, today: dt.date, unit_id: int | None) -> list[Candidate]:
    out: list[Candidate] = []
    seen: set[int] = set()
    for r in roster(s, today.year, today, unit_id):
        if not r.in_post:
            continue
        if r.member_id is not None:
            seen.add(r.member_id)
        out.append(Candidate(Person(r.member_id, r.worker_id), r.name, r.unit_id, r.unit_name, r.roles_text))
    q = (select(Member.id, Member.name, PartyOrg.unit_id, Unit.name)
         .join(PartyOrg, PartyOrg.id == Member.org_id).join(Unit, Unit.id == PartyOrg.unit_id)
         .where(Member.left_on.is_(None)).order_by(Unit.sort_order, Unit.id, Member.name_sort))
    if unit_id is not None:
        q = q.where(PartyOrg.unit_id == unit_id)
    by_unit: dict[int, list[Candidate]] = defaultdict(list)
    for mid, name, uid, uname in s.execute(q):
        if mid not in seen:
            by_unit[uid].append(Candidate(Person(member_id=mid), name, uid, uname, "党员"))
    for extra in by_unit.values():
        out.extend(extra)
    return out
