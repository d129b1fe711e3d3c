"""约谈: from the month's candidates (the ranking service decides who) to the notice, the record and the 整改.

- `candidates(year, month)`: the units the ranking names for a 约谈, with the rules that picked them and the
  month's problems (its deductions, grouped by indicator).
- `create_for_candidates` / `create`: an `Interview` per unit and month, the person summoned chosen from the
  register (Unit.party_secretary is the 党组书记; the 书记 posts of its 机关党委 and branches), time, place,
  约谈人 and 记录人 defaulting to the settings.
- `record`: what was said, the 表态 and the 整改要求 with a deadline (default: 15 working days after the
  interview on the one working-day calendar, app.services.workdays: 法定节假日 skipped, 调休 working days
  counted).  A record cannot be entered before the day of the interview.  Recording creates the
  unit's `Rectification` with one item per problem.
- Documents: the 约谈通知书 and the 约谈记录 (blank to fill by hand until the interview has been recorded).

An interview belongs to a `Period`: a month (the ranking's candidates, above), the year (the units graded 一般 or 差
in the 述职评议; `AnnualService.propose_followups` creates their interviews and 整改方案) or a quarter (分级量化考核;
no rule names quarter candidates, so a quarter lists the interviews it has).  `periods()` lists what the 约谈 page
offers, and every period's interviews get their papers, worded for it.

The notice is addressed (主送) to the unit's party organisation as the register names it, and what it has to leave
blank for want of data (联系人及电话 not set, a 约谈人 without a post) is reported as a warning with the documents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.dates import cn_date
from app.errors import FieldProblem, NotFoundError, OperationCancelled, ValidationError
from app.models import (
    AnnualResult,
    Deduction,
    Grade,
    Indicator,
    IndicatorCategory,
    Interview,
    InterviewPost,
    Member,
    OrgKind,
    OrgPost,
    OrgPostKind,
    PartyOrg,
    Period,
    PeriodKind,
    PeriodState,
    Rectification,
    RectificationItem,
    RectificationStatus,
    ScoreItem,
    ScoreSheet,
    Unit,
)
from app.reports.config import issuer_from_settings, style_from_settings
from app.reports.gongwen import IssuingBody
from app.reports.interview import (
    InterviewNoticeContent,
    InterviewRecordContent,
    build_interview_notice,
    build_interview_record,
    notice_filename,
    period_title,
    record_filename,
    without_post,
)
from app.reports.output import write_atomic
from app.services.audit import AuditLog, unit_of_work
from app.services.quarter import parse_quarter, quarter_key
from app.services.ranking import Ranking, RankingService
from app.services.register import unit_addressees
from app.services.scoring import month_key, parse_month
from app.services.workdays import WorkCalendar as WorkCalendar  # also imported from here by older callers

SessionFactory = Callable[[], Session]
Progress = Callable[[int, int, str], None]
Cancelled = Callable[[], bool]
Reader = Callable[[S.SettingDef], Any]

MAX_TEXT = 5000
MAX_LINES = 30
WEAK_GRADES = (Grade.AVERAGE, Grade.POOR)  # the year's grades that call for a 约谈 (DOMAIN.md)


# ---------------------------------------------------------------------------------------------------------------
# inputs and views


@dataclass(frozen=True)
class IntervieweeOption:
    """A person the unit's 约谈 can summon, from the register."""

    post: InterviewPost
    name: str
    member_id: int | None
    org: str  # the organisation whose 书记 they are ("" for the 党组书记)

    @property
    def label(self) -> str:
        where = f"（{self.org}）" if self.org else ""
        return f"{self.post.value}：{self.name or '未登记姓名'}{where}"


@dataclass(frozen=True)
class Candidate:
    unit_id: int
    unit: str
    rank: int
    unit_count: int
    total: Decimal
    tier: str
    reasons: list[str]  # the rules that picked the unit
    problems: list[str]  # the month's deductions grouped by indicator
    interview_id: int | None  # already created


@dataclass
class InterviewInput:
    """What the 约谈 form edits.  `interviewers` and `reasons`/`problems` are texts (顿号 / one per line)."""

    interviewee_post: InterviewPost | str
    interviewee_name: str = ""
    interviewee_member_id: int | None = None
    scheduled_at: dt.datetime | None = None
    place: str = ""
    interviewers: str = ""
    recorder: str = ""
    reasons: str = ""
    problems: str = ""
    notice_on: dt.date | None = None


@dataclass
class ConversationInput:
    """What was said at the interview.  `deadline` None: the interview day plus the setting's working days."""

    conversation: str
    statement: str
    requirements: str
    deadline: dt.date | None = None
    working_days: int | None = None


@dataclass(frozen=True)
class InterviewView:
    id: int
    period_id: int
    period_key: str
    period_title: str
    year: int
    month: int | None  # None: a quarter's or the year's interview
    unit_id: int
    unit: str
    interviewee_post: InterviewPost
    interviewee_name: str
    interviewee_member_id: int | None
    scheduled_at: dt.datetime | None
    place: str
    interviewers: str
    recorder: str
    rank: int | None
    unit_count: int | None
    total: Decimal | None
    tier: str
    reasons: list[str]
    problems: list[str]
    notice_on: dt.date | None
    held: bool
    conversation: str
    statement: str
    requirements: list[str]
    deadline: dt.date | None
    deadline_working_days: int
    rectification_id: int | None = None
    items: int = 0
    items_closed: int = 0
    kind: PeriodKind = PeriodKind.MONTH
    quarter: int | None = None

    @property
    def status(self) -> str:
        if not self.held:
            return "待约谈" if self.scheduled_at else "待安排"
        if self.items and self.items_closed == self.items:
            return "整改已销号"
        return "已约谈"

    def input(self) -> InterviewInput:
        return InterviewInput(self.interviewee_post, self.interviewee_name, self.interviewee_member_id,
                              self.scheduled_at, self.place, self.interviewers, self.recorder,
                              "\n".join(self.reasons), "\n".join(self.problems), self.notice_on)


@dataclass
class WrittenDocuments:
    paths: list[Path] = field(default_factory=list)
    blank_units: list[str] = field(default_factory=list)  # candidates without an interview: blank forms
    warnings: list[str] = field(default_factory=list)  # what the notices had to leave blank for want of data


@dataclass(frozen=True)
class InterviewPeriod:
    """A period whose 约谈 the page lists: a month, a quarter or the year."""

    key: str  # 2026-11, 2026-Q4, 2026
    kind: PeriodKind
    year: int
    month: int | None
    quarter: int | None
    state: PeriodState

    @property
    def title(self) -> str:
        return period_title(self.year, self.month, self.quarter)

    @property
    def order(self) -> tuple[int, int, int]:
        """Sorted descending: the year first (it ends the year), each quarter before its last month."""
        if self.kind == PeriodKind.YEAR:
            last = 13
        elif self.kind == PeriodKind.QUARTER:
            last = (self.quarter or 0) * 3
        else:
            last = self.month or 0
        return self.year, last, int(self.kind != PeriodKind.MONTH)


def parse_period(text: str) -> str:
    """The key of a month (2026-11, 2026年11月), a quarter (2026-Q4, 2026年第4季度) or a year (2026, 2026年度)."""
    t = (text or "").strip()
    bare = t.removesuffix("年度").removesuffix("年")
    if bare.isdigit() and len(bare) == 4:
        if not 2000 <= int(bare) <= 2100:
            raise ValidationError(f"年份“{text}”超出范围（2000至2100）", field="period")
        return bare
    if "Q" in t.upper() or "季" in t:
        return quarter_key(*parse_quarter(t))
    try:
        return month_key(*parse_month(t))
    except ValidationError:
        raise ValidationError(f"考评期“{text}”格式不对：月份如2026-11，季度如2026-Q4，年度如2026",
                              field="period") from None


def lines(text: str) -> list[str]:
    """Non-empty lines of a text box, stripped."""
    return [x.strip() for x in (text or "").replace("\r", "\n").split("\n") if x.strip()]


def names(text: str) -> list[str]:
    """Names typed as 张三、李四 (or with commas or spaces)."""
    cleaned = (text or "").replace("，", "、").replace(",", "、").replace(" ", "、").replace("　", "、")
    return [x.strip() for x in cleaned.split("、") if x.strip()]


# ---------------------------------------------------------------------------------------------------------------
# the service


class InterviewService:
    def __init__(self, session_factory: SessionFactory, actor: str | None = None,
                 today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._actor = actor
        self._today = today
        self._ranking = RankingService(session_factory)

    def today(self) -> dt.date:
        """The day this service works on (forms default their dates to it)."""
        return self._today()

    # --- candidates -----------------------------------------------------------------------------------------

    def candidates(self, year: int, month: int) -> list[Candidate]:
        ranking = self._ranking.month(year, month)
        with self._sf() as s:
            return _candidates(s, ranking)

    def interviewee_options(self, unit_id: int) -> list[IntervieweeOption]:
        """党组书记 (Unit.party_secretary), then the current 书记 of its 机关党委 and of its branches."""
        with self._sf() as s:
            return _options(s, unit_id, self._today())

    # --- creating and editing -------------------------------------------------------------------------------

    def create_for_candidates(self, year: int, month: int, unit_ids: Sequence[int] | None = None,
                              scheduled_at: dt.datetime | None = None) -> list[InterviewView]:
        """An interview for each candidate (or each of `unit_ids` among them) that has none yet, with the
        person summoned, place, 约谈人 and 记录人 filled from the register and the settings."""
        ranking = self._ranking.month(year, month)
        _need_reviewed(ranking)
        with unit_of_work(self._sf, self._actor) as (s, log):
            read = S.reader(s)
            made = []
            for c in _candidates(s, ranking):
                if c.interview_id is not None or (unit_ids is not None and c.unit_id not in unit_ids):
                    continue
                options = _options(s, c.unit_id, self._today())
                who = options[0] if options else IntervieweeOption(InterviewPost.PARTY_GROUP_SECRETARY, "", None, "")
                data = InterviewInput(who.post, who.name, who.member_id, scheduled_at,
                                      str(read(S.INTERVIEW_PLACE)), str(read(S.INTERVIEWERS)),
                                      str(read(S.INTERVIEW_RECORDER)), "\n".join(c.reasons), "\n".join(c.problems),
                                      self._today())
                made.append(self._insert(s, log, ranking, c.unit_id, data))
            s.flush()
            return [_view(s, i) for i in made]

    def create(self, year: int, month: int, unit_id: int, data: InterviewInput) -> InterviewView:
        """An interview of any unit with a sheet in the month (e.g. one the committee decides to summon)."""
        ranking = self._ranking.month(year, month)
        _need_reviewed(ranking)
        if unit_id not in {r.unit_id for r in ranking.rows}:
            raise ValidationError(f"该单位在{ranking.title}没有考评表，不能据此约谈", field="unit")
        with unit_of_work(self._sf, self._actor) as (s, log):
            if s.scalar(select(Interview.id).where(Interview.period_id == ranking.period_id,
                                                   Interview.unit_id == unit_id)) is not None:
                raise ValidationError(f"该单位{ranking.title}的约谈已经建立", field="unit")
            interview = self._insert(s, log, ranking, unit_id, data)
            s.flush()
            return _view(s, interview)

    def _insert(self, s: Session, log: AuditLog, ranking: Ranking, unit_id: int, data: InterviewInput) -> Interview:
        period = s.get_one(Period, ranking.period_id)
        clean = _validate(data, period)
        row = next((r for r in ranking.rows if r.unit_id == unit_id), None)
        interview = Interview(period_id=period.id, unit_id=unit_id, created_by=log.who,
                              rank=row.rank if row else None, unit_count=len(ranking.rows),
                              total=row.total if row else None, tier=row.tier.value if row else "",
                              deadline_working_days=int(S.get(s, S.RECTIFY_WORKING_DAYS)), **clean)
        s.add(interview)
        return interview

    def update(self, interview_id: int, data: InterviewInput) -> InterviewView:
        with unit_of_work(self._sf, self._actor) as (s, _log):
            interview = _get(s, interview_id)
            clean = _validate(data, interview.period)
            if interview.held and clean["scheduled_at"] is None:
                raise ValidationError("已约谈的记录必须保留约谈时间", field="scheduled_at")
            for k, v in clean.items():
                setattr(interview, k, v)
            s.flush()
            return _view(s, interview)

    def delete(self, interview_id: int) -> None:
        """Only an interview that has not been held (nothing recorded, no 整改) can be deleted."""
        with unit_of_work(self._sf, self._actor) as (s, _log):
            interview = _get(s, interview_id)
            if interview.held or _rectification_of(s, interview.id) is not None:
                raise ValidationError("该约谈已记录谈话或已建立整改，不能删除", field="interview")
            s.delete(interview)

    # --- the conversation -----------------------------------------------------------------------------------

    def record(self, interview_id: int, data: ConversationInput) -> InterviewView:
        """Record what was said; the first time, also open the unit's 整改 with one item per problem."""
        with unit_of_work(self._sf, self._actor) as (s, log):
            interview = _get(s, interview_id)
            calendar = WorkCalendar.from_settings(S.reader(s))
            clean = _validate_conversation(interview, data, calendar, self._today())
            for k, v in clean.items():
                setattr(interview, k, v)
            interview.held = True
            if _rectification_of(s, interview.id) is None:
                _open_rectification(s, log, interview)
            s.flush()
            return _view(s, interview)

    def default_deadline(self, start: dt.date, working_days: int | None = None) -> dt.date:
        with self._sf() as s:
            read = S.reader(s)
            return WorkCalendar.from_settings(read).add(start, working_days or int(read(S.RECTIFY_WORKING_DAYS)))

    def calendar(self) -> WorkCalendar:
        """The working-day calendar as the settings make it (the forms ask with it before accepting a day off)."""
        with self._sf() as s:
            return WorkCalendar.from_settings(S.reader(s))

    def default_time(self) -> dt.datetime:
        """When a 约谈 not yet arranged is proposed: the next working day after today, at 09:00."""
        return self.calendar().next_working_moment(dt.datetime.combine(self._today(), dt.time(0, 0)))

    def day_question(self, when: dt.datetime | dt.date) -> str | None:
        """The question to ask before a 约谈 is arranged on a weekend or a holiday (None on a working day)."""
        day = when.date() if isinstance(when, dt.datetime) else when
        return self.calendar().question(day)

    # --- reading --------------------------------------------------------------------------------------------

    def interviews(self, year: int | None = None, month: int | None = None, *,
                   period_key: str | None = None) -> list[InterviewView]:
        """Interviews of a year (any period in it), a month, or one period by its key (2026-11, 2026-Q4, 2026)."""
        with self._sf() as s:
            q = select(Interview).join(Period, Period.id == Interview.period_id).join(Unit, Unit.id == Interview.unit_id)
            if year is not None:
                q = q.where(Period.year == year)
            if month is not None:
                q = q.where(Period.month == month)
            if period_key is not None:
                q = q.where(Period.key == period_key)
            rows = list(s.scalars(q.order_by(Period.key.desc(), Interview.rank, Unit.sort_order, Unit.id)))
            return [_view(s, i) for i in rows]

    def interview(self, interview_id: int) -> InterviewView:
        with self._sf() as s:
            return _view(s, _get(s, interview_id))

    # --- periods --------------------------------------------------------------------------------------------

    def periods(self) -> list[InterviewPeriod]:
        """What the 约谈 page offers, newest first: every month past its draft, and each quarter or year that has
        interviews or (a year) units graded 一般 or 差 in its reviewed results."""
        with self._sf() as s:
            with_interviews = set(s.scalars(select(Interview.period_id).distinct()))
            weak_years = set(s.scalars(select(AnnualResult.period_id).distinct()
                                       .where(AnnualResult.grade.in_(WEAK_GRADES))))
            rows = s.scalars(select(Period).where(
                ((Period.kind == PeriodKind.MONTH) & (Period.state != PeriodState.DRAFT))
                | Period.id.in_(with_interviews | weak_years)))
            found = [_period_view(p) for p in rows]
        return sorted(found, key=lambda p: p.order, reverse=True)

    def period(self, key: str) -> InterviewPeriod:
        with self._sf() as s:
            return _period_view(_period_by_key(s, key))

    def period_candidates(self, key: str) -> list[Candidate]:
        """A month's candidates (the ranking's); the year's: the units graded 一般 or 差 in its reviewed results;
        a quarter has none."""
        p = self.period(key)
        if p.kind == PeriodKind.MONTH:
            assert p.month is not None
            return self.candidates(p.year, p.month)
        if p.kind == PeriodKind.QUARTER:
            return []
        with self._sf() as s:
            return _year_candidates(s, _period_by_key(s, key))

    # --- documents ------------------------------------------------------------------------------------------

    def notice_content(self, interview_id: int) -> InterviewNoticeContent:
        v = self.interview(interview_id)
        with self._sf() as s:
            addressee = _addressee(s, v.unit_id, v.interviewee_post, v.interviewee_member_id, self._today())
            draft = _unlocked(s, v.period_id)
        return InterviewNoticeContent(
            unit=v.unit, interviewee_post=v.interviewee_post.value, year=v.year, month=v.month,
            issued_on=v.notice_on or self._today(), reasons=tuple(v.reasons + v.problems), rank=v.rank,
            unit_count=v.unit_count, total=v.total, tier=v.tier, interviewee_name=v.interviewee_name or None,
            time=v.scheduled_at, place=v.place or None, interviewers=tuple(names(v.interviewers)),
            addressee=addressee, quarter=v.quarter, draft=draft)

    def record_content(self, interview_id: int, *, blank: bool = False) -> InterviewRecordContent:
        """The 约谈记录: filled from what was recorded, or (before the interview, or `blank`) to fill by hand,
        with only the arrangements printed."""
        v = self.interview(interview_id)
        filled = v.held and not blank
        with self._sf() as s:
            draft = _unlocked(s, v.period_id)
        return InterviewRecordContent(
            unit=v.unit, year=v.year, month=v.month, time=v.scheduled_at, place=v.place or None,
            interviewers=tuple(names(v.interviewers)), interviewee_name=v.interviewee_name or None,
            interviewee_post=v.interviewee_post.value, recorder=v.recorder or None,
            reasons=tuple(v.reasons + v.problems),
            conversation=v.conversation if filled else None, statement=v.statement if filled else None,
            requirements=tuple(v.requirements) if filled else (), deadline=v.deadline if filled else None,
            deadline_working_days=v.deadline_working_days, quarter=v.quarter, draft=draft)

    def documents(self, interview_id: int) -> list[tuple[str, bytes]]:
        """(file name, bytes) of the interview's notice and record."""
        issuer, style = self._issuer()
        notice = self.notice_content(interview_id)
        record = self.record_content(interview_id)
        return [(notice_filename(notice), build_interview_notice(notice, issuer, style)),
                (record_filename(record), build_interview_record(record, issuer, style))]

    def warnings(self, interview_id: int) -> list[str]:
        """What the interview's notice leaves blank for want of data, for the user to fill in or set."""
        issuer, _style = self._issuer()
        return notice_warnings(issuer, [self.notice_content(interview_id)])

    def _issuer(self) -> tuple[IssuingBody, Any]:
        with self._sf() as s:
            read = S.reader(s)
            return issuer_from_settings(read), style_from_settings(read)

    def write_documents(self, year: int, month: int, folder: str | Path, *, progress: Progress | None = None,
                        cancelled: Cancelled | None = None) -> WrittenDocuments:
        """The month's papers (`write_period_documents` of 2026-11)."""
        return self.write_period_documents(month_key(year, month), folder, progress=progress, cancelled=cancelled)

    def write_period_documents(self, key: str, folder: str | Path, *, progress: Progress | None = None,
                               cancelled: Cancelled | None = None) -> WrittenDocuments:
        """Notices and records of a period's interviews into `folder`; candidates without an interview get
        blank forms (their reasons printed, the rest to fill in).  Built first, then written."""
        report = progress or (lambda done, total, text: None)
        stop = cancelled or (lambda: False)
        period = self._final_period(key)
        interviews = self.interviews(period_key=period.key)
        pending = [c for c in self.period_candidates(period.key) if c.interview_id is None]
        issuer, style = self._issuer()
        with self._sf() as s:
            working_days = int(S.get(s, S.RECTIFY_WORKING_DAYS))
            addressees = {c.unit_id: _addressee(s, c.unit_id, InterviewPost.PARTY_GROUP_SECRETARY, None,
                                                self._today()) for c in pending}
        if not interviews and not pending:
            raise ValidationError(f"{period.title}没有约谈对象，也没有建立约谈", field="period")
        total = len(interviews) + len(pending) + 1
        built: list[tuple[str, bytes]] = []
        notices: list[InterviewNoticeContent] = []
        for i, v in enumerate(interviews):
            if stop():
                raise OperationCancelled("已取消，未保存任何文件")
            report(i, total, f"正在生成{v.unit}的约谈通知书和约谈记录……")
            notices.append(self.notice_content(v.id))
            built.extend(self.documents(v.id))
        result = WrittenDocuments()
        for j, c in enumerate(pending):
            if stop():
                raise OperationCancelled("已取消，未保存任何文件")
            report(len(interviews) + j, total, f"正在生成{c.unit}的空白约谈通知书和记录……")
            notice, record = _blank_forms(c, period, self._today(), working_days, addressees[c.unit_id])
            notices.append(notice)
            built.append((notice_filename(notice), build_interview_notice(notice, issuer, style)))
            built.append((record_filename(record), build_interview_record(record, issuer, style)))
            result.blank_units.append(c.unit)
        report(total - 1, total, "正在保存文件……")
        result.paths = [write_atomic(Path(folder) / name, data) for name, data in built]
        result.warnings = notice_warnings(issuer, notices)
        report(total, total, "完成")
        return result

    def _final_period(self, key: str) -> InterviewPeriod:
        """The period, refused while still a draft: its candidates (a month's ranking, a quarter's or the year's
        grades) are not final, so no notice may go out for it."""
        period = self.period(key)
        if period.kind == PeriodKind.MONTH:
            assert period.month is not None
            _need_reviewed(self._ranking.month(period.year, period.month))
        elif period.state == PeriodState.DRAFT:
            what = "年度考核结果" if period.kind == PeriodKind.YEAR else "分级量化考核结果"
            raise ValidationError(f"{period.title}{what}尚未复核，约谈对象还不能确定", field="period")
        return period


def notice_warnings(issuer: IssuingBody, notices: Sequence[InterviewNoticeContent]) -> list[str]:
    """What the notices had to leave blank because the data do not say it (each said once)."""
    out = []
    if notices and not issuer.contact.strip():
        out.append("“联系人及电话”未设置，约谈通知书上留了空行待手工填写；可在“设置 → 公文”中填写后重新生成")
    missing = sorted({name for n in notices for name in without_post(n.interviewers)})
    if missing:
        out.append(f"约谈人{'、'.join(missing)}未注明职务，约谈通知书上留了空白待手工填写；"
                   "可在约谈安排（或设置中的默认约谈人）按“姓名（职务）”填写，如“王强（县直机关工委书记）”")
    return out


# ---------------------------------------------------------------------------------------------------------------
# helpers


def _need_reviewed(ranking: Ranking) -> None:
    if ranking.state == PeriodState.DRAFT:
        raise ValidationError(f"{ranking.title}的考评尚未全部复核，约谈对象还不能确定", field="period")


def _get(s: Session, interview_id: int) -> Interview:
    interview = s.get(Interview, interview_id)
    if interview is None:
        raise NotFoundError(f"约谈记录不存在（编号 {interview_id}）")
    return interview


def _rectification_of(s: Session, interview_id: int) -> Rectification | None:
    return s.scalar(select(Rectification).where(Rectification.interview_id == interview_id))


def _candidates(s: Session, ranking: Ranking) -> list[Candidate]:
    made = dict(s.execute(select(Interview.unit_id, Interview.id).where(Interview.period_id == ranking.period_id)).all())
    problems = unit_problems(s, ranking.period_id)
    return [Candidate(r.unit_id, r.unit, r.rank, len(ranking.rows), r.total, r.tier.value, list(r.reasons),
                      problems.get(r.unit_id, []), made.get(r.unit_id)) for r in ranking.interviews]


def unit_problems(s: Session, period_id: int) -> dict[int, list[str]]:
    """unit id → its deductions of the month grouped by indicator, with the points actually lost there
    (an indicator never loses more than it is worth): "支委会（每月）：原因；原因（扣2.0分）"."""
    q = (select(ScoreSheet.unit_id, ScoreItem.id, Indicator.name, Indicator.points, ScoreItem.review_score,
                Deduction.reason)
         .join(ScoreItem, ScoreItem.id == Deduction.item_id)
         .join(ScoreSheet, ScoreSheet.id == ScoreItem.sheet_id)
         .join(Indicator, Indicator.id == ScoreItem.indicator_id)
         .join(IndicatorCategory, IndicatorCategory.id == Indicator.category_id)
         .where(ScoreSheet.period_id == period_id)
         .order_by(ScoreSheet.unit_id, IndicatorCategory.sort_order, Indicator.sort_order, Deduction.id))
    grouped: dict[int, dict[int, tuple[str, list[str], Decimal]]] = {}
    for unit_id, item_id, indicator, points, score, reason in s.execute(q):
        _name, reasons, lost = grouped.setdefault(unit_id, {}).setdefault(
            item_id, (indicator, [], max(Decimal(0), points - score)))
        text = reason.strip().rstrip("。；;")
        if text and text not in reasons:
            reasons.append(text)
    return {u: [f"{name}：{'；'.join(rs) or '扣分'}（扣{lost:.1f}分）" for name, rs, lost in by.values()]
            for u, by in grouped.items()}


def _options(s: Session, unit_id: int, today: dt.date) -> list[IntervieweeOption]:
    unit = s.get(Unit, unit_id)
    if unit is None:
        raise NotFoundError(f"单位不存在（编号 {unit_id}）")
    out = [IntervieweeOption(InterviewPost.PARTY_GROUP_SECRETARY, unit.party_secretary.strip(), None, "")]
    q = (select(PartyOrg.kind, PartyOrg.name, Member.id, Member.name)
         .join(OrgPost, OrgPost.org_id == PartyOrg.id).join(Member, Member.id == OrgPost.member_id)
         .where(PartyOrg.unit_id == unit_id, PartyOrg.active.is_(True), OrgPost.kind == OrgPostKind.SECRETARY,
                OrgPost.start_on <= today, (OrgPost.end_on.is_(None)) | (OrgPost.end_on >= today))
         .order_by(PartyOrg.sort_order, PartyOrg.id))
    for kind, org, member_id, name in s.execute(q):
        post = (InterviewPost.ORGAN_COMMITTEE_SECRETARY if kind == OrgKind.ORGAN_COMMITTEE
                else InterviewPost.BRANCH_SECRETARY)
        out.append(IntervieweeOption(post, name, member_id, org))
    # Named people first, 党组书记 before 机关党委书记 before 支部书记; an unnamed 党组书记 stays as the last choice.
    order = {InterviewPost.PARTY_GROUP_SECRETARY: 0, InterviewPost.ORGAN_COMMITTEE_SECRETARY: 1,
             InterviewPost.BRANCH_SECRETARY: 2}
    named = sorted((o for o in out if o.name), key=lambda o: order[o.post])
    return named + [o for o in out if not o.name]


def _text(value: str, fld: str, label: str, limit: int, problems: list[FieldProblem]) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        problems.append(FieldProblem(fld, f"{label}不能超过{limit}字"))
    return text


def _validate(data: InterviewInput, period: Period) -> dict[str, Any]:
    problems: list[FieldProblem] = []
    try:
        post = data.interviewee_post if isinstance(data.interviewee_post, InterviewPost) else \
            InterviewPost(str(data.interviewee_post).strip())
    except ValueError:
        post = InterviewPost.PARTY_GROUP_SECRETARY
        problems.append(FieldProblem("interviewee_post", "被约谈人职务应为党组书记、机关党委书记或支部书记"))
    month_start = dt.date(period.year, period.month or ((period.quarter or 1) - 1) * 3 + 1, 1)
    when = data.scheduled_at
    if when is not None:
        if not isinstance(when, dt.datetime):
            problems.append(FieldProblem("scheduled_at", "约谈时间应包括日期和时刻"))
            when = None
        elif when.tzinfo is not None:
            when = when.replace(tzinfo=None)  # stored as the local wall-clock time printed on the notice
        if when is not None and when.date() < month_start:
            problems.append(FieldProblem("scheduled_at", f"约谈时间不能早于{period.title}"))
        if when is not None and when.date() > month_start + dt.timedelta(days=400):
            problems.append(FieldProblem("scheduled_at", f"约谈时间离{period.title}太远，请检查年份"))
    reasons, found = lines(data.reasons), lines(data.problems)
    if len("\n".join(reasons)) > MAX_TEXT:
        problems.append(FieldProblem("reasons", f"约谈事由不能超过{MAX_TEXT}字"))
    if not reasons and not found:
        problems.append(FieldProblem("reasons", "请填写约谈事由（排名、得分或存在的问题）"))
    if len(found) > MAX_LINES:
        problems.append(FieldProblem("problems", f"存在问题最多{MAX_LINES}条"))
    clean: dict[str, Any] = {
        "interviewee_post": post,
        "interviewee_name": _text(data.interviewee_name, "interviewee_name", "被约谈人姓名", 40, problems),
        "interviewee_member_id": data.interviewee_member_id,
        "scheduled_at": when,
        "place": _text(data.place, "place", "约谈地点", 100, problems),
        "interviewers": "、".join(names(_text(data.interviewers, "interviewers", "约谈人", 200, problems))),
        "recorder": _text(data.recorder, "recorder", "记录人", 40, problems),
        "reasons": "\n".join(reasons),
        "problems": "\n".join(found),
        "notice_on": data.notice_on,
    }
    if problems:
        raise ValidationError(problems)
    return clean


def _validate_conversation(interview: Interview, data: ConversationInput, calendar: WorkCalendar,
                           today: dt.date) -> dict[str, Any]:
    problems: list[FieldProblem] = []
    if interview.scheduled_at is None:
        problems.append(FieldProblem("scheduled_at", "请先填写约谈时间，再登记约谈记录"))
    elif interview.scheduled_at.date() > today:
        # The record is dated the day it is entered: a record of a 约谈 still to come would be dated before it.
        problems.append(FieldProblem("scheduled_at", f"约谈安排在{cn_date(interview.scheduled_at.date())}，"
                                     f"尚未进行，不能提前登记约谈记录（如约谈时间有变，请先修改约谈安排）"))
    if not names(interview.interviewers):
        problems.append(FieldProblem("interviewers", "请先填写约谈人，再登记约谈记录"))
    conversation = _text(data.conversation, "conversation", "谈话内容", MAX_TEXT, problems)
    statement = _text(data.statement, "statement", "被约谈人表态", MAX_TEXT, problems)
    requirements = lines(_text(data.requirements, "requirements", "整改要求", MAX_TEXT, problems))
    if not conversation:
        problems.append(FieldProblem("conversation", "请填写谈话内容"))
    if not statement:
        problems.append(FieldProblem("statement", "请填写被约谈人表态"))
    if not requirements:
        problems.append(FieldProblem("requirements", "请填写至少一条整改要求"))
    days = interview.deadline_working_days if data.working_days is None else data.working_days
    if not isinstance(days, int) or not 1 <= days <= 120:
        problems.append(FieldProblem("working_days", "整改时限应为1至120个工作日"))
        days = interview.deadline_working_days
    deadline = data.deadline
    if interview.scheduled_at is not None:
        held_on = interview.scheduled_at.date()
        if deadline is None:
            deadline = calendar.add(held_on, days)
        elif deadline <= held_on:
            problems.append(FieldProblem("deadline", "整改时限应晚于约谈日期"))
        else:
            days = calendar.between(held_on, deadline)
    if problems:
        raise ValidationError(problems)
    return {"conversation": conversation, "statement": statement, "requirements": "\n".join(requirements),
            "deadline": deadline, "deadline_working_days": days}


def _open_rectification(s: Session, log: AuditLog, interview: Interview) -> Rectification:
    """The 整改 an interview opens: one item per problem (or per requirement when no problem was listed),
    the person summoned as 责任人, the interview's deadline."""
    period = interview.period
    rect = Rectification(unit_id=interview.unit_id, interview_id=interview.id, period_id=period.id,
                         source=f"{period.title}约谈", created_by=log.who)
    s.add(rect)
    s.flush()
    assert interview.deadline is not None
    for i, problem in enumerate(lines(interview.problems) or lines(interview.requirements)):
        item = RectificationItem(rectification_id=rect.id, problem=problem, owner=interview.interviewee_name,
                                 deadline=interview.deadline, status=RectificationStatus.NOT_STARTED, sort_order=i)
        s.add(item)
        s.flush()
        log.record("新建", "rectification_item", item.id, "status", None, item.status,
                   reason=f"{rect.source}：{problem[:60]}")
    return rect


def _view(s: Session, i: Interview) -> InterviewView:
    period, unit = i.period, i.unit
    rect = _rectification_of(s, i.id)
    statuses = [it.status for it in rect.items] if rect is not None else []
    return InterviewView(
        i.id, period.id, period.key, period.title, period.year, period.month, unit.id, unit.name,
        i.interviewee_post, i.interviewee_name, i.interviewee_member_id, i.scheduled_at, i.place, i.interviewers,
        i.recorder, i.rank, i.unit_count, i.total, i.tier, lines(i.reasons), lines(i.problems), i.notice_on, i.held,
        i.conversation, i.statement, lines(i.requirements), i.deadline, i.deadline_working_days,
        rect.id if rect is not None else None, len(statuses),
        sum(1 for x in statuses if x == RectificationStatus.CLOSED), period.kind, period.quarter)


def _blank_forms(c: Candidate, period: InterviewPeriod, today: dt.date, working_days: int, addressee: str
                 ) -> tuple[InterviewNoticeContent, InterviewRecordContent]:
    reasons = tuple(c.reasons + c.problems)
    draft = period.state != PeriodState.LOCKED  # reviewed, not locked: its figures may still change
    notice = InterviewNoticeContent(unit=c.unit, interviewee_post=InterviewPost.PARTY_GROUP_SECRETARY.value,
                                    year=period.year, month=period.month, issued_on=today, reasons=reasons,
                                    rank=c.rank, unit_count=c.unit_count, total=c.total, tier=c.tier,
                                    addressee=addressee, quarter=period.quarter, draft=draft)
    record = InterviewRecordContent(unit=c.unit, year=period.year, month=period.month, reasons=reasons,
                                    deadline_working_days=working_days, quarter=period.quarter, draft=draft)
    return notice, record


def _unlocked(s: Session, period_id: int) -> bool:
    """Papers built from a period that is reviewed but not locked are drafts: its figures may still change."""
    return s.get_one(Period, period_id).state != PeriodState.LOCKED


def _period_view(p: Period) -> InterviewPeriod:
    return InterviewPeriod(p.key, p.kind, p.year, p.month, p.quarter, p.state)


def _period_by_key(s: Session, key: str) -> Period:
    period = s.scalar(select(Period).where(Period.key == key))
    if period is None:
        raise NotFoundError(f"没有考评期“{key}”（月份如2026-11，季度如2026-Q4，年度如2026）")
    return period


def _year_candidates(s: Session, period: Period) -> list[Candidate]:
    """The units graded 一般 or 差 in the year's reviewed results, with the reason a proposed 约谈 records."""
    made = dict(s.execute(select(Interview.unit_id, Interview.id).where(Interview.period_id == period.id)).all())
    count = s.scalar(select(func.count()).select_from(AnnualResult).where(AnnualResult.period_id == period.id)) or 0
    q = (select(AnnualResult, Unit.name).join(Unit, Unit.id == AnnualResult.unit_id)
         .where(AnnualResult.period_id == period.id, AnnualResult.grade.in_(WEAK_GRADES))
         .order_by(AnnualResult.rank, Unit.sort_order, Unit.id))
    out = []
    for r, unit in s.execute(q):
        reason = (f"{period.year}年度党建述职评议考核综合得分{r.composite}分，排第{r.rank}名（共{count}个单位），"
                  f"等次为{r.grade.value}")
        out.append(Candidate(r.unit_id, unit, r.rank, count, r.composite, r.grade.value, [reason], [],
                             made.get(r.unit_id)))
    return out


def _addressee(s: Session, unit_id: int, post: InterviewPost, member_id: int | None, today: dt.date) -> str:
    """主送 of a unit's notice, as the register names it: the organisation whose 书记 is summoned (a 机关党委 or a
    branch), else what any document to the unit is addressed to (`unit_addressees`; the 党组书记's notice goes to
    the unit's top organisation, which carries out its party work)."""
    if member_id is not None and post != InterviewPost.PARTY_GROUP_SECRETARY:
        led = s.scalar(
            select(PartyOrg.name).join(OrgPost, OrgPost.org_id == PartyOrg.id)
            .where(PartyOrg.unit_id == unit_id, PartyOrg.active.is_(True), OrgPost.member_id == member_id,
                   OrgPost.kind == OrgPostKind.SECRETARY, OrgPost.start_on <= today,
                   OrgPost.end_on.is_(None) | (OrgPost.end_on >= today))
            .order_by(PartyOrg.sort_order, PartyOrg.id).limit(1))
        if led:
            return str(led)
    return unit_addressees(s, [unit_id])[unit_id]


__all__ = [
    "Candidate",
    "ConversationInput",
    "InterviewInput",
    "InterviewPeriod",
    "InterviewService",
    "InterviewView",
    "IntervieweeOption",
    "WorkCalendar",
    "WrittenDocuments",
    "lines",
    "names",
    "notice_warnings",
    "parse_period",
]
