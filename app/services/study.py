"""党组（党委）理论学习中心组: each unit's meetings and plan of the year, with the rules the 工委 checks.

Rules (the numbers are settings, app/settings.py "组织生活"; county defaults in brackets):
- a year needs at least `STUDY_MIN_MEETINGS` meetings (12: one a month; a 专题研讨 counts as a meeting too) and at
  least `STUDY_MIN_SEMINARS` 专题研讨 (4: one a quarter);
- the pace: by the end of month m a unit should have held ⌊minimum × m / 12⌋ of each (rounded down: 12 a year
  wants one by the end of January, 4 a year one by the end of March); the 提醒 and the tab judge the months gone
  by against the meetings held to date (one held this month already makes up for a missed one);
- the year's 学习计划 is due by the end of month `STUDY_PLAN_MONTH` (3), planning at least the minimums.

The 提醒 judge the months gone by (in January: the whole year before); the monthly scoring form is offered, for
the 学习教育 indicators of the default scheme, "study.plan" −1 while the plan is missing after its month, and
"study.monthly" −1 for each meeting (专题研讨) the month newly put the unit behind its pace — a shortfall is
suggested once, in the month it arises, not again every month it lasts."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.errors import FieldProblem, NotFoundError, ValidationError
from app.models import StudyForm, StudyMeeting, StudyPlan, Unit
from app.services import alerts as A
from app.services.register_audit import register_work

SessionFactory = Callable[[], Session]

# The usual topics of a 中心组 meeting (offered in the form; any other text is accepted).
TOPICS = (
    "习近平新时代中国特色社会主义思想",
    "党的二十大精神",
    "党的二十届三中全会精神",
    "党的二十届四中全会精神",
    "习近平总书记重要讲话和重要指示批示精神",
    "主题教育",
    "党纪学习教育",
    "中央八项规定精神学习教育",
    "党章党规党纪",
    "意识形态工作",
    "党风廉政建设",
)
TOPIC_MAX, LECTURER_MAX, NOTE_MAX = 200, 40, 500
MAX_MEMBERS, MAX_SPEECHES, MAX_PLANNED = 60, 200, 100

ALERT_BEHIND, ALERT_PLAN = "study_behind", "study_plan_missing"
TARGET = "study"  # an alert line opens the unit on the 队伍建设 page's 中心组学习 tab
PLAN_CODE, PACE_CODE = "study.plan", "study.monthly"  # the default scheme's 学习教育 indicators


@dataclass(frozen=True)
class Suggestion:
    """A suggested deduction for a unit's monthly sheet (the shape app.services.scoring.SuggestionLike reads)."""

    indicator: str
    occurrences: int
    reason: str
    source: str


@dataclass
class MeetingInput:
    unit_id: int | None
    held_on: dt.date | None
    form: StudyForm | str
    topic: str
    lecturer: str = ""
    speeches: int = 0
    members_present: int = 0
    members_total: int = 0
    note: str = ""


@dataclass(frozen=True)
class MeetingView:
    id: int
    unit_id: int
    unit: str
    held_on: dt.date
    form: StudyForm
    topic: str
    lecturer: str
    speeches: int
    members_present: int
    members_total: int
    note: str

    @property
    def attendance(self) -> str:
        return f"{self.members_present}/{self.members_total}"


@dataclass
class PlanInput:
    planned_meetings: int
    planned_seminars: int
    topics: str  # one topic a line
    made_on: dt.date | None = None
    note: str = ""


@dataclass(frozen=True)
class PlanView:
    id: int
    unit_id: int
    unit: str
    year: int
    planned_meetings: int
    planned_seminars: int
    topics: tuple[str, ...]
    made_on: dt.date | None
    note: str


@dataclass(frozen=True)
class Minimum:
    meetings: int
    seminars: int
    plan_month: int

    @classmethod
    def read(cls, s: Session) -> Minimum:
        read = S.reader(s)
        return cls(int(read(S.STUDY_MIN_MEETINGS)), int(read(S.STUDY_MIN_SEMINARS)), int(read(S.STUDY_PLAN_MONTH)))


@dataclass(frozen=True)
class Progress:
    """One unit's year through `months` months: what it held against the pace and the year's minimum."""

    unit_id: int
    unit: str
    year: int
    months: int
    meetings: int
    seminars: int
    minimum: Minimum
    has_plan: bool

    @property
    def due_meetings(self) -> int:
        return required_by(self.minimum.meetings, self.months)

    @property
    def due_seminars(self) -> int:
        return required_by(self.minimum.seminars, self.months)

    @property
    def behind(self) -> bool:
        return self.meetings < self.due_meetings or self.seminars < self.due_seminars

    def summary(self) -> str:
        return (f"集中学习{self.meetings}次（全年至少{self.minimum.meetings}次），"
                f"专题研讨{self.seminars}次（全年至少{self.minimum.seminars}次）")


def required_by(minimum: int, months: int) -> int:
    """How many of a year's `minimum` are due by the end of month `months` (rounded down)."""
    return minimum * max(0, min(months, 12)) // 12


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def judged_months(today: dt.date) -> tuple[int, int]:
    """The year and the months gone by that the 提醒 judge: this year to last month; in January, last year."""
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def held_counts(s: Session, year: int, through: dt.date, unit_ids: Iterable[int] | None = None
                ) -> dict[int, tuple[int, int]]:
    """unit id → (meetings, 专题研讨) held from 1 January of `year` to `through`."""
    q = (select(StudyMeeting.unit_id, StudyMeeting.form, func.count())
         .where(StudyMeeting.held_on >= dt.date(year, 1, 1), StudyMeeting.held_on <= through)
         .group_by(StudyMeeting.unit_id, StudyMeeting.form))
    if unit_ids is not None:
        q = q.where(StudyMeeting.unit_id.in_(list(unit_ids)))
    out: dict[int, list[int]] = {}
    for unit_id, form, n in s.execute(q):
        found = out.setdefault(unit_id, [0, 0])
        found[0] += n
        if form == StudyForm.SEMINAR:
            found[1] += n
    return {k: (v[0], v[1]) for k, v in out.items()}


def planned_units(s: Session, year: int, by: dt.date | None = None) -> set[int]:
    """Units with a plan of `year` (made by `by`, when given; a plan without its date counts as made)."""
    q = select(StudyPlan.unit_id).where(StudyPlan.year == year)
    if by is not None:
        q = q.where((StudyPlan.made_on.is_(None)) | (StudyPlan.made_on <= by))
    return set(s.scalars(q))


def progress(s: Session, year: int, months: int, unit_ids: Iterable[int] | None = None,
             through: dt.date | None = None) -> list[Progress]:
    """The active units' year: the pace of `months` months (0–12) against the meetings held to `through` (the end
    of those months unless given: a meeting of this month already helps a unit behind), in the register's order."""
    minimum = Minimum.read(s)
    q = select(Unit.id, Unit.name).where(Unit.active.is_(True)).order_by(Unit.sort_order, Unit.id)
    wanted = set(unit_ids) if unit_ids is not None else None
    units = [(uid, name) for uid, name in s.execute(q) if wanted is None or uid in wanted]
    if through is None:
        through = month_end(year, months) if months else dt.date(year, 1, 1) - dt.timedelta(days=1)
    held = held_counts(s, year, through, wanted)
    plans = planned_units(s, year)
    return [Progress(uid, name, year, months, *held.get(uid, (0, 0)), minimum, uid in plans) for uid, name in units]


# ---------------------------------------------------------------------------------------------------------------
# the 提醒 and the suggested deductions


def study_alerts(s: Session, today: dt.date) -> list[A.Alert]:
    """Units behind the pace in the months gone by; units whose year plan is missing in or after its month."""
    year, months = judged_months(today)
    out = []
    for p in progress(s, year, months, through=min(today, dt.date(year, 12, 31))):
        if p.behind:
            span = f"{year}年" if months == 12 else f"{year}年1至{months}月" if months > 1 else f"{year}年1月"
            due = f"按进度应分别达到{p.due_meetings}次、{p.due_seminars}次" if months < 12 else "未达到全年要求"
            out.append(A.Alert(ALERT_BEHIND, p.unit, f"{p.unit}党组（党委）理论学习中心组{span}{p.summary()}，{due}",
                               month_end(year, months), TARGET, p.unit_id, p.unit_id, True))
    minimum = Minimum.read(s)
    if today.month >= minimum.plan_month:
        due_on = month_end(today.year, minimum.plan_month)
        planned = planned_units(s, today.year)
        for uid, name in s.execute(select(Unit.id, Unit.name).where(Unit.active.is_(True))
                                   .order_by(Unit.sort_order, Unit.id)):
            if uid not in planned:
                out.append(A.Alert(ALERT_PLAN, name, f"{name}尚未制定{today.year}年党组（党委）理论学习中心组学习计划"
                                   f"（应于{minimum.plan_month}月底前制定）", due_on, TARGET, uid, uid,
                                   today > due_on))
    return out


def suggestion_source(s: Session, unit_ids: Sequence[int], year: int, month: int
                      ) -> dict[int, list[Suggestion]]:
    """The month's suggested deductions under 学习教育 (see the module's text); a month not yet over is judged
    for the plan only: its meetings may still come."""
    minimum = Minimum.read(s)
    end = month_end(year, month)
    out: dict[int, list[Suggestion]] = {}
    if month >= minimum.plan_month:
        planned = planned_units(s, year, by=end)
        for uid in unit_ids:
            if uid not in planned:
                out.setdefault(uid, []).append(Suggestion(
                    PLAN_CODE, 1, f"未制定{year}年党组（党委）理论学习中心组学习计划（应于{minimum.plan_month}月底前制定）",
                    "study:plan"))
    if end > clock.today():
        return out
    now = held_counts(s, year, end, unit_ids)
    before = held_counts(s, year, end.replace(day=1) - dt.timedelta(days=1), unit_ids) if month > 1 else {}
    for uid in unit_ids:
        for i, (what, least, key) in enumerate((("集中学习", minimum.meetings, "meetings"),
                                                ("专题研讨", minimum.seminars, "seminars"))):
            held, held_before = now.get(uid, (0, 0))[i], before.get(uid, (0, 0))[i]
            short = required_by(least, month) - held
            new = short - max(0, required_by(least, month - 1) - held_before)
            if short > 0 and new > 0:
                out.setdefault(uid, []).append(Suggestion(
                    PACE_CODE, new, f"党组（党委）理论学习中心组截至{month}月{what}{held}次，"
                    f"未达到全年至少{least}次的进度（应{required_by(least, month)}次）", f"study:{key}"))
    return out


def register_hooks() -> None:
    """Plug into the 提醒 (idempotent); the scoring form's suggestions call `suggestion_source` through
    app.services.scoring.study_source."""
    A.register_source(ALERT_BEHIND, study_alerts)


register_hooks()


# ---------------------------------------------------------------------------------------------------------------
# the service


class StudyService:
    def __init__(self, session_factory: SessionFactory, actor: str | None = None,
                 today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._actor = actor
        self._today = today

    # --- meetings -------------------------------------------------------------------------------------------

    def validate_meeting(self, s: Session, data: MeetingInput, row: int | None = None,
                         meeting_id: int | None = None) -> list[FieldProblem]:
        """Every problem with `data`, each tied to its field (`row` for a spreadsheet line); cleans the texts."""
        problems: list[FieldProblem] = []

        def bad(fld: str, msg: str) -> None:
            problems.append(FieldProblem(fld, msg, row))

        data.topic, data.lecturer, data.note = (data.topic or "").strip(), (data.lecturer or "").strip(), \
            (data.note or "").strip()
        if data.unit_id is None or s.get(Unit, data.unit_id) is None:
            bad("unit_id", "请选择单位")
        if not isinstance(data.form, StudyForm):
            try:
                data.form = StudyForm(str(data.form).strip())
            except ValueError:
                bad("form", "学习形式应为集中学习或专题研讨")
        if data.held_on is None:
            bad("held_on", "请填写学习日期")
        elif data.held_on > self._today():
            bad("held_on", "学习日期不能晚于今天")
        elif data.held_on.year < 2000:
            bad("held_on", "学习日期应在2000年以后")
        if not data.topic:
            bad("topic", "请填写学习主题")
        elif len(data.topic) > TOPIC_MAX:
            bad("topic", f"学习主题不能超过{TOPIC_MAX}字")
        if not data.lecturer:
            bad("lecturer", "请填写主讲（领学）人")
        elif len(data.lecturer) > LECTURER_MAX:
            bad("lecturer", f"主讲人不能超过{LECTURER_MAX}字")
        if len(data.note) > NOTE_MAX:
            bad("note", f"备注不能超过{NOTE_MAX}字")
        self._check_counts(data, bad)
        if not problems:
            self._check_duplicate(s, data, meeting_id, bad)
        return problems

    @staticmethod
    def _check_counts(data: MeetingInput, bad: Callable[[str, str], None]) -> None:
        if not 1 <= data.members_total <= MAX_MEMBERS:
            bad("members_total", f"班子成员总数应为1至{MAX_MEMBERS}人")
        elif not 0 <= data.members_present <= data.members_total:
            bad("members_present", f"出席班子成员应为0至{data.members_total}人（不能多于班子成员总数）")
        if not 0 <= data.speeches <= MAX_SPEECHES:
            bad("speeches", f"研讨发言人次应为0至{MAX_SPEECHES}")
        elif data.form == StudyForm.SEMINAR and data.speeches < 1:
            bad("speeches", "专题研讨须登记研讨发言人次（至少1人次）")

    @staticmethod
    def _check_duplicate(s: Session, data: MeetingInput, meeting_id: int | None,
                         bad: Callable[[str, str], None]) -> None:
        q = select(StudyMeeting.id).where(StudyMeeting.unit_id == data.unit_id, StudyMeeting.held_on == data.held_on,
                                          StudyMeeting.topic == data.topic)
        if meeting_id is not None:
            q = q.where(StudyMeeting.id != meeting_id)
        if s.scalar(q) is not None:
            bad("topic", f"该单位{data.held_on:%Y-%m-%d}已登记同一主题的中心组学习")

    def save_meeting(self, data: MeetingInput, meeting_id: int | None = None) -> MeetingView:
        with register_work(self._sf, self._actor, reason="中心组学习记录") as s:
            m = s.get(StudyMeeting, meeting_id) if meeting_id is not None else StudyMeeting()
            if m is None:
                raise NotFoundError(f"中心组学习记录不存在（编号 {meeting_id}）")
            problems = self.validate_meeting(s, data, meeting_id=meeting_id)
            if problems:
                raise ValidationError(problems)
            store_meeting(m, data)
            s.add(m)
            s.flush()
            return _meeting_view(m)

    def delete_meeting(self, meeting_id: int) -> None:
        with register_work(self._sf, self._actor, reason="删除中心组学习记录") as s:
            m = s.get(StudyMeeting, meeting_id)
            if m is None:
                raise NotFoundError(f"中心组学习记录不存在（编号 {meeting_id}）")
            s.delete(m)

    def meeting(self, meeting_id: int) -> MeetingView:
        with self._sf() as s:
            m = s.get(StudyMeeting, meeting_id)
            if m is None:
                raise NotFoundError(f"中心组学习记录不存在（编号 {meeting_id}）")
            return _meeting_view(m)

    def meetings(self, year: int, unit_id: int | None = None) -> list[MeetingView]:
        """The year's meetings (of one unit, or of all), by date."""
        q = (select(StudyMeeting).join(Unit, Unit.id == StudyMeeting.unit_id)
             .where(StudyMeeting.held_on >= dt.date(year, 1, 1), StudyMeeting.held_on <= dt.date(year, 12, 31))
             .order_by(Unit.sort_order, Unit.id, StudyMeeting.held_on, StudyMeeting.id))
        if unit_id is not None:
            q = q.where(StudyMeeting.unit_id == unit_id)
        with self._sf() as s:
            return [_meeting_view(m) for m in s.scalars(q)]

    # --- plans ----------------------------------------------------------------------------------------------

    def plan(self, unit_id: int, year: int) -> PlanView | None:
        with self._sf() as s:
            p = s.scalar(select(StudyPlan).where(StudyPlan.unit_id == unit_id, StudyPlan.year == year))
            return _plan_view(p) if p is not None else None

    def plans(self, year: int) -> list[PlanView]:
        with self._sf() as s:
            q = (select(StudyPlan).join(Unit, Unit.id == StudyPlan.unit_id).where(StudyPlan.year == year)
                 .order_by(Unit.sort_order, Unit.id))
            return [_plan_view(p) for p in s.scalars(q)]

    def validate_plan(self, s: Session, year: int, data: PlanInput, row: int | None = None) -> list[FieldProblem]:
        problems: list[FieldProblem] = []

        def bad(fld: str, msg: str) -> None:
            problems.append(FieldProblem(fld, msg, row))

        minimum = Minimum.read(s)
        data.topics = "\n".join(t.strip() for t in (data.topics or "").splitlines() if t.strip())
        data.note = (data.note or "").strip()
        if not 2000 <= year <= 2100:
            bad("year", "年度应在2000年至2100年之间")
        if not minimum.meetings <= data.planned_meetings <= MAX_PLANNED:
            bad("planned_meetings", f"计划集中学习次数应为{minimum.meetings}至{MAX_PLANNED}次（全县要求每年至少"
                f"{minimum.meetings}次）")
        if not minimum.seminars <= data.planned_seminars <= MAX_PLANNED:
            bad("planned_seminars", f"计划专题研讨次数应不少于{minimum.seminars}次（全县要求）")
        elif data.planned_seminars > data.planned_meetings:
            bad("planned_seminars", "计划专题研讨次数不能多于计划集中学习次数（专题研讨也是一次集中学习）")
        if not data.topics:
            bad("topics", "请填写学习专题（每行一个）")
        elif any(len(t) > TOPIC_MAX for t in data.topics.splitlines()):
            bad("topics", f"每个学习专题不能超过{TOPIC_MAX}字")
        if data.made_on is not None:
            if not dt.date(year - 1, 12, 1) <= data.made_on <= dt.date(year, 12, 31):
                bad("made_on", f"制定日期应在{year}年内（或上年12月）")
            elif data.made_on > self._today():
                bad("made_on", "制定日期不能晚于今天")
        if len(data.note) > NOTE_MAX:
            bad("note", f"备注不能超过{NOTE_MAX}字")
        return problems

    def save_plan(self, unit_id: int, year: int, data: PlanInput) -> PlanView:
        with register_work(self._sf, self._actor, reason=f"{year}年理论学习中心组学习计划") as s:
            unit = s.get(Unit, unit_id)
            if unit is None:
                raise NotFoundError(f"单位不存在（编号 {unit_id}）")
            problems = self.validate_plan(s, year, data)
            if problems:
                raise ValidationError(problems)
            p = store_plan(s, unit_id, year, data)
            return _plan_view(p)

    def progress(self, year: int, unit_ids: Iterable[int] | None = None) -> list[Progress]:
        """The units' year so far: all of it for a year gone by, the months gone by (this one not yet) for this
        year — the pace the 提醒 judge."""
        today = self._today()
        months = 12 if year < today.year else 0 if year > today.year else today.month - 1
        with self._sf() as s:
            return progress(s, year, months, unit_ids, through=min(today, dt.date(year, 12, 31)))

    def unit_choices(self) -> list[tuple[int, str]]:
        with self._sf() as s:
            return [(uid, name) for uid, name in s.execute(
                select(Unit.id, Unit.name).where(Unit.active.is_(True)).order_by(Unit.sort_order, Unit.id))]


def store_meeting(m: StudyMeeting, data: MeetingInput) -> None:
    """Copy a validated input onto a meeting."""
    assert data.unit_id is not None and data.held_on is not None and isinstance(data.form, StudyForm)
    m.unit_id, m.held_on, m.form, m.topic, m.lecturer = data.unit_id, data.held_on, data.form, data.topic, data.lecturer
    m.speeches, m.members_present, m.members_total = data.speeches, data.members_present, data.members_total
    m.note = data.note


def store_plan(s: Session, unit_id: int, year: int, data: PlanInput) -> StudyPlan:
    """Write a validated plan (new or replacing the year's) in the caller's transaction (a `register_work`, which
    records it)."""
    p = s.scalar(select(StudyPlan).where(StudyPlan.unit_id == unit_id, StudyPlan.year == year))
    if p is None:
        p = StudyPlan(unit_id=unit_id, year=year)
        s.add(p)
    p.planned_meetings, p.planned_seminars, p.topics = data.planned_meetings, data.planned_seminars, data.topics
    p.made_on, p.note, p.updated_at = data.made_on, data.note, clock.now()
    s.flush()
    return p


def _meeting_view(m: StudyMeeting) -> MeetingView:
    return MeetingView(m.id, m.unit_id, m.unit.name, m.held_on, m.form, m.topic, m.lecturer, m.speeches,
                       m.members_present, m.members_total, m.note)


def _plan_view(p: StudyPlan) -> PlanView:
    return PlanView(p.id, p.unit_id, p.unit.name, p.year, p.planned_meetings, p.planned_seminars,
                    tuple(t for t in p.topics.splitlines() if t), p.made_on, p.note)
