"""党建实绩 of the year for every 党组（党委）书记, 机关党委书记 and 支部书记: the results that follow the cadres
("考评结果作为干部工作实绩评价…的重要依据").  Nothing is stored: the record is read from the results the app keeps.

Who is on the list (DOMAIN.md glossary style, one line each):
- 机关党委书记 / 支部书记: each `OrgPost` 书记 holding of a 机关党委 / 党支部, 党总支 or 联合支部 that overlaps the year
  (the post history, so a secretary replaced in June is on the list with the months they held it);
- 党组（党委）书记: the register keeps only a name (`Unit.party_secretary`) and no dates: the year's 述职评议 reporter
  whose post is the 党组/党委's, else the year's 公开承诺 承诺人, else the unit's current 党组（党委）书记; credited
  with the whole year; linked to the member of that name in the unit when there is exactly one;
- a member who held several of these posts in the year has one record with a part per post.

A month counts as held when the person held the post on the 15th of it (one holder per month at a handover);
a quarter when at least two of its months are held; the year's grade and 优秀单位 when at least six months are.
Each part reads the unit's results for those months only: monthly tiers (locked months), quarterly grades
(reviewed or locked quarters), the annual grade (reviewed or locked year); 组织生活 compliance is the share of the
requirements judged in those months that were met, for the whole unit (党组/机关党委书记) or the organisation and
those under it (支部书记).  约谈 and 问责 received in the year and 培训 hours (when the training register is there)
belong to the person."""

from __future__ import annotations

import calendar
import datetime as dt
import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.errors import OperationCancelled, ReportError, ValidationError
from app.failures import os_reason
from app.models import (
    AnnualResult,
    Commitment,
    DutyReview,
    Interview,
    Member,
    OrgKind,
    OrgPost,
    OrgPostKind,
    PartyOrg,
    Period,
    PeriodKind,
    PeriodState,
    ReviewReport,
    ScoreSheet,
    Unit,
)
from app.models.accountability import Accountability, PartyPost
from app.reports.cadre_record import (
    CadreListRow,
    CadrePageContent,
    PostPart,
    build_cadre_list,
    build_cadre_page,
    list_filename,
    page_filename,
)
from app.reports.config import issuer_from_settings, style_from_settings
from app.reports.content import TIERS as TIER_NAMES
from app.reports.output import write_atomic
from app.services import compliance
from app.services.accountability import interview_day
from app.services.quarter import stored_quarter_grades
from app.services.ranking import TierRules, competition_ranks, tiers

SessionFactory = Callable[[], Session]
Progress = Callable[[int, int, str], None]

HELD_DAY = 15  # a month is held by whoever holds the post on this day of it
QUARTER_MONTHS = 2  # of three
YEAR_MONTHS = 6  # of twelve
POST_ORDER = {p: i for i, p in enumerate(PartyPost)}
TRAINING_MODULE = "app.services.party_workers"  # the 党务干部 training register, when it is installed


@dataclass(frozen=True)
class Holding:
    """One post held during the year."""

    post: PartyPost
    unit_id: int
    unit: str
    org_id: int | None
    org: str  # "" for the 党组（党委）
    start: dt.date | None  # None: the register keeps no dates for the post (党组（党委）书记)
    end: dt.date | None  # None: still in office
    months: tuple[int, ...]
    source: str  # where the app knows it from


@dataclass(frozen=True)
class MonthTier:
    month: int
    total: Decimal
    rank: int
    count: int
    tier: str


@dataclass(frozen=True)
class QuarterGrade:
    quarter: int
    score: Decimal
    rank: int
    grade: str


@dataclass(frozen=True)
class PostRecord:
    holding: Holding
    tiers: tuple[MonthTier, ...]
    quarters: tuple[QuarterGrade, ...]
    annual_grade: str  # "" when not counted or not yet graded
    annual_composite: Decimal | None
    excellent: bool
    annual_note: str  # why there is no annual grade, or ""
    required: int  # 组织生活 requirements judged in the months held
    met: int
    gaps: tuple[str, ...]  # the requirements not met

    @property
    def compliance_rate(self) -> Decimal | None:
        return None if not self.required else (Decimal(self.met * 100) / self.required).quantize(Decimal("0.1"))

    def tier_count(self, tier: str) -> int:
        return sum(1 for t in self.tiers if t.tier == tier)


@dataclass(frozen=True)
class InterviewLine:
    title: str  # 2026年10月约谈
    post: str
    day: dt.date | None
    reasons: str


@dataclass(frozen=True)
class AccountabilityLine:
    kind: str
    day: dt.date
    body: str
    doc_number: str
    decision: str


@dataclass(frozen=True)
class PersonRecord:
    key: str  # "m<member id>" or "u<unit id>:<name>"
    name: str
    member_id: int | None
    year: int
    posts: tuple[PostRecord, ...]
    interviews: tuple[InterviewLine, ...]
    accountabilities: tuple[AccountabilityLine, ...]
    training_hours: Decimal | None  # None: no training register, or a person who is not a member

    @property
    def units(self) -> str:
        return "、".join(dict.fromkeys(p.holding.unit for p in self.posts))

    @property
    def post_titles(self) -> str:
        return "、".join(dict.fromkeys(post_title(p.holding) for p in self.posts))


@dataclass(frozen=True)
class CadreYear:
    year: int
    people: tuple[PersonRecord, ...]
    training_available: bool
    notes: tuple[str, ...]


def post_title(h: Holding) -> str:
    """单位 + post as a cadre file writes it: 县财政局党组书记, 县财政局第一党支部书记."""
    if h.post == PartyPost.PARTY_GROUP_SECRETARY:
        return f"{h.unit}党组（党委）书记"
    return f"{h.org}书记"


def tenure(h: Holding, year: int) -> str:
    """The span held within the year as text: 2026年1月—6月, 全年."""
    if h.start is None:
        return "全年（名册未载任职日期）"
    start = max(h.start, dt.date(year, 1, 1))
    end = min(h.end, dt.date(year, 12, 31)) if h.end else None
    if start == dt.date(year, 1, 1) and end is None:
        return "全年"
    to = f"{end.month}月{end.day}日" if end else "年底"
    return f"{start.month}月{start.day}日—{to}"


def held_months(start: dt.date | None, end: dt.date | None, year: int) -> tuple[int, ...]:
    if start is None:
        return tuple(range(1, 13))
    return tuple(m for m in range(1, 13) if start <= dt.date(year, m, HELD_DAY) and (end is None or
                                                                                      end >= dt.date(year, m, HELD_DAY)))


class CadreRecordService:
    def __init__(self, session_factory: SessionFactory, today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._today = today

    def year(self, year: int, progress: Progress | None = None) -> CadreYear:
        if not 2000 <= year <= 2100:
            raise ValidationError(f"年度无效：{year}", field="year")
        report = progress or (lambda done, total, text: None)
        with self._sf() as s:
            report(0, 0, "正在读取任职情况……")
            people = _people(s, year)
            report(0, 0, "正在计算组织生活落实情况……")
            findings = _compliance(s, year, self._today())
            hours, available = _training(s, year, [p.member_id for p in people if p.member_id])
            report(0, 0, "正在汇总考评结果……")
            facts = _Facts(s, year)
            out = tuple(facts.record(p, findings, hours, available) for p in people)
        notes = () if available else ("培训学时：党务干部培训登记尚未启用，本表未列培训学时。",)
        return CadreYear(year, out, available, notes)


# ---------------------------------------------------------------------------------------------------------------
# who held the posts


@dataclass
class _Person:
    key: str
    name: str
    member_id: int | None
    holdings: list[Holding]


def _people(s: Session, year: int) -> list[_Person]:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    units = {u.id: u for u in s.scalars(select(Unit))}
    people: dict[str, _Person] = {}
    q = (select(OrgPost, PartyOrg, Member).join(PartyOrg, PartyOrg.id == OrgPost.org_id)
         .join(Member, Member.id == OrgPost.member_id)
         .where(OrgPost.kind == OrgPostKind.SECRETARY, OrgPost.start_on <= last,
                OrgPost.end_on.is_(None) | (OrgPost.end_on >= first))
         .order_by(OrgPost.start_on))
    for post, org, member in s.execute(q):
        months = held_months(post.start_on, post.end_on, year)
        if not months:
            continue
        kind = PartyPost.ORGAN_COMMITTEE_SECRETARY if org.kind == OrgKind.ORGAN_COMMITTEE else PartyPost.BRANCH_SECRETARY
        p = people.setdefault(f"m{member.id}", _Person(f"m{member.id}", member.name, member.id, []))
        p.holdings.append(Holding(kind, org.unit_id, units[org.unit_id].name, org.id, org.name, post.start_on,
                                  post.end_on, months, "支委职务"))
    for unit_id, (name, source) in _party_secretaries(s, year, units).items():
        member_id = _member_named(s, unit_id, name)
        key = f"m{member_id}" if member_id else f"u{unit_id}:{name}"
        p = people.setdefault(key, _Person(key, name, member_id, []))
        p.holdings.append(Holding(PartyPost.PARTY_GROUP_SECRETARY, unit_id, units[unit_id].name, None, "", None,
                                  None, tuple(range(1, 13)), source))
    order = {u.id: (u.sort_order, u.id) for u in units.values()}
    for p in people.values():
        p.holdings.sort(key=lambda h: (POST_ORDER[h.post], order[h.unit_id], h.start or first))
    return sorted(people.values(), key=lambda p: (order[p.holdings[0].unit_id], POST_ORDER[p.holdings[0].post],
                                                  p.holdings[0].org, p.holdings[0].start or first))


def _is_party_group_post(post: str) -> bool:
    return bool(post) and "机关" not in post and "支部" not in post and "总支" not in post


def _party_secretaries(s: Session, year: int, units: dict[int, Unit]) -> dict[int, tuple[str, str]]:
    """unit id → (党组（党委）书记's name, where it comes from)."""
    out: dict[int, tuple[str, str]] = {}
    for u in units.values():
        if u.active and u.party_secretary.strip():
            out[u.id] = (u.party_secretary.strip(), "单位信息")
    for unit_id, name, post in s.execute(select(Commitment.unit_id, Commitment.secretary, Commitment.post)
                                         .where(Commitment.year == year)):
        if name.strip() and _is_party_group_post(post):
            out[unit_id] = (name.strip(), "公开承诺")
    for unit_id, name, post in s.execute(select(ReviewReport.unit_id, ReviewReport.secretary, ReviewReport.post)
                                         .join(DutyReview, DutyReview.id == ReviewReport.review_id)
                                         .where(DutyReview.year == year)):
        if name.strip() and _is_party_group_post(post):
            out[unit_id] = (name.strip(), "述职评议")
    return out


def _member_named(s: Session, unit_id: int, name: str) -> int | None:
    ids = list(s.scalars(select(Member.id).join(PartyOrg, PartyOrg.id == Member.org_id)
                         .where(PartyOrg.unit_id == unit_id, Member.name == name, Member.left_on.is_(None))))
    return ids[0] if len(ids) == 1 else None


# ---------------------------------------------------------------------------------------------------------------
# what the year produced


def _compliance(s: Session, year: int, today: dt.date) -> dict[int, list[compliance.Finding]]:
    """month → the county's judged requirements of the month (met and missing), for the months already over."""
    out: dict[int, list[compliance.Finding]] = {}
    for m in range(1, 13):
        if dt.date(year, m, calendar.monthrange(year, m)[1]) >= today:
            break
        out[m] = compliance.evaluate(s, year, m, include_ok=True, include_state=False, include_late=False)
    return out


def _training(s: Session, year: int, member_ids: Sequence[int | None]) -> tuple[dict[int, Decimal], bool]:
    try:
        module: Any = importlib.import_module(TRAINING_MODULE)
    except ModuleNotFoundError:
        return {}, False
    fn = getattr(module, "training_hours", None)
    if fn is None:
        return {}, False
    return dict(fn(s, year, [m for m in member_ids if m])), True


class _Facts:
    """The year's unit results, read once for every record."""

    def __init__(self, s: Session, year: int) -> None:
        self.year = year
        self.months = _month_tiers(s, year)
        self.quarters = stored_quarter_grades(s, year)
        self.annual = {r.unit_id: r for r in s.scalars(
            select(AnnualResult).join(Period, Period.id == AnnualResult.period_id)
            .where(Period.kind == PeriodKind.YEAR, Period.year == year, Period.state != PeriodState.DRAFT))}
        self.children: dict[int, list[int]] = {}
        for oid, parent in s.execute(select(PartyOrg.id, PartyOrg.parent_id)):
            if parent is not None:
                self.children.setdefault(parent, []).append(oid)
        self.interviews = list(s.execute(select(Interview, Period).join(Period, Period.id == Interview.period_id)
                                         .where(Period.year == year).order_by(Period.key)))
        self.decisions = list(s.scalars(select(Accountability).where(
            Accountability.decided_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
            .order_by(Accountability.decided_on)))

    def record(self, p: _Person, findings: dict[int, list[compliance.Finding]], hours: dict[int, Decimal],
               available: bool) -> PersonRecord:
        posts = tuple(self.post(h, findings) for h in p.holdings)
        units = {h.unit_id for h in p.holdings}

        def mine(member_id: int | None, unit_id: int, name: str) -> bool:
            return (p.member_id is not None and member_id == p.member_id) or (unit_id in units and name == p.name)

        interviews = tuple(InterviewLine(f"{period.title}约谈", i.interviewee_post.value, interview_day(i, period),
                                         "；".join(x.strip() for x in i.reasons.splitlines() if x.strip()))
                           for i, period in self.interviews
                           if mine(i.interviewee_member_id, i.unit_id, i.interviewee_name))
        decisions = tuple(AccountabilityLine(a.kind.value, a.decided_on, a.deciding_body, a.doc_number, a.decision)
                          for a in self.decisions if mine(a.member_id, a.unit_id, a.person_name))
        trained = hours.get(p.member_id, Decimal(0)) if available and p.member_id is not None else None
        return PersonRecord(p.key, p.name, p.member_id, self.year, posts, interviews, decisions, trained)

    def post(self, h: Holding, findings: dict[int, list[compliance.Finding]]) -> PostRecord:
        own = self.months.get(h.unit_id, {})
        month_tiers = tuple(own[m] for m in h.months if m in own)
        quarters = tuple(QuarterGrade(q, r.score, r.rank, r.grade.value)
                         for q, r in sorted(self.quarters.get(h.unit_id, {}).items())
                         if sum(1 for m in range(3 * q - 2, 3 * q + 1) if m in h.months) >= QUARTER_MONTHS)
        grade, composite, excellent, note = "", None, False, ""
        a = self.annual.get(h.unit_id)
        if len(h.months) < YEAR_MONTHS:
            note = f"本年任职{len(h.months)}个月，不足{YEAR_MONTHS}个月，不计年度等次"
        elif a is None:
            note = "年度考核结果尚未复核"
        else:
            grade, composite, excellent = a.grade.value, a.composite, a.excellent
        scope = self.scope(h)
        judged = [f for m in h.months for f in findings.get(m, []) if scope(f)]
        gaps = tuple(f"{f.subject}：{f.message}" for f in judged if f.status != compliance.OK)
        met = sum(1 for f in judged if f.status == compliance.OK)
        return PostRecord(h, month_tiers, quarters, grade, composite, excellent, note, len(judged), met, gaps)

    def scope(self, h: Holding) -> Callable[[compliance.Finding], bool]:
        if h.post != PartyPost.BRANCH_SECRETARY or h.org_id is None:
            return lambda f: f.unit_id == h.unit_id
        orgs = set(_subtree(self.children, h.org_id))
        return lambda f: f.org_id in orgs


def _subtree(children: dict[int, list[int]], root: int) -> Iterable[int]:
    todo = [root]
    while todo:
        oid = todo.pop()
        yield oid
        todo.extend(children.get(oid, []))


def _month_tiers(s: Session, year: int) -> dict[int, dict[int, MonthTier]]:
    """unit id → month → its standing in each locked month of the year (ranked and tiered as the 通报 did)."""
    rules = TierRules.from_settings(S.reader(s))
    by_month: dict[int, list[tuple[int, Decimal, bool]]] = {}
    q = (select(Period.month, ScoreSheet.unit_id, ScoreSheet.review_total, ScoreSheet.veto)
         .join(Period, Period.id == ScoreSheet.period_id)
         .where(Period.kind == PeriodKind.MONTH, Period.year == year, Period.state == PeriodState.LOCKED))
    for month, unit_id, total, veto in s.execute(q):
        by_month.setdefault(int(month or 0), []).append((unit_id, total, bool(veto)))
    out: dict[int, dict[int, MonthTier]] = {}
    for month, rows in by_month.items():
        totals = [t for _, t, _ in rows]
        ranks = competition_ranks(totals)
        for (unit_id, total, _), rank, tier in zip(rows, ranks, tiers(totals, ranks, [v for *_, v in rows], rules),
                                                   strict=True):
            out.setdefault(unit_id, {})[month] = MonthTier(month, total, rank, len(rows), tier.value)
    return out


# ---------------------------------------------------------------------------------------------------------------
# the outputs: one page per person and the county's list


def _num(v: Decimal | None) -> str:
    return "—" if v is None else f"{v:.1f}"


def tiers_text(p: PostRecord) -> str:
    if not p.tiers:
        return "在任月份尚无已锁定的月度考评结果"
    counts = "、".join(f"{t}{p.tier_count(t)}个月" for t in TIER_NAMES)
    months = " ".join(f"{t.month}月{t.tier}（{_num(t.total)}分，第{t.rank}名）" for t in p.tiers)
    return f"{counts}；{months}"


def quarters_text(p: PostRecord) -> str:
    if not p.quarters:
        return "在任季度尚无已复核的季度分级考核结果"
    return "；".join(f"第{q.quarter}季度{q.grade}（{_num(q.score)}分，第{q.rank}名）" for q in p.quarters)


def annual_text(p: PostRecord) -> str:
    if not p.annual_grade:
        return p.annual_note
    excellent = "，评为党建工作优秀单位" if p.excellent else ""
    return f"{p.annual_grade}（综合{_num(p.annual_composite)}分）{excellent}"


def compliance_text(p: PostRecord, limit: int = 5) -> str:
    if not p.required:
        return "在任月份没有到期应落实的组织生活事项"
    text = f"应落实{p.required}项，已落实{p.met}项，落实率{p.compliance_rate}%"
    if p.gaps:
        more = f"等{len(p.gaps)}项" if len(p.gaps) > limit else ""
        text += "；未落实：" + "；".join(p.gaps[:limit]) + more
    return text


def interview_lines(r: PersonRecord) -> tuple[str, ...]:
    return tuple(
        f"{i.title}（以{i.post}身份，{f'{i.day:%Y-%m-%d}' if i.day else '尚未进行'}）"
        + (f"，事由：{i.reasons}" if i.reasons else "") for i in r.interviews)


def accountability_lines(r: PersonRecord) -> tuple[str, ...]:
    return tuple(f"{a.day:%Y-%m-%d} {a.body}{f'（{a.doc_number}）' if a.doc_number else ''}作出{a.kind}决定：{a.decision}"
                 for a in r.accountabilities)


def training_text(r: PersonRecord, available: bool) -> str:
    if not available:
        return ""
    return "—（未在党员名册中，无培训登记）" if r.training_hours is None else f"{_num(r.training_hours)}学时"


def page_content(r: PersonRecord, available: bool, issuer: str, made_on: dt.date) -> CadrePageContent:
    parts = tuple(PostPart(post_title(p.holding), tenure(p.holding, r.year), len(p.holding.months), tiers_text(p),
                           quarters_text(p), annual_text(p), compliance_text(p)) for p in r.posts)
    return CadrePageContent(r.year, r.name, r.units, parts, interview_lines(r), accountability_lines(r),
                            training_text(r, available), issuer, made_on)


def list_rows(data: CadreYear) -> list[CadreListRow]:
    out: list[CadreListRow] = []
    for r in data.people:
        for i, p in enumerate(r.posts):
            first = i == 0
            out.append(CadreListRow(
                len(out) + 1, r.name, p.holding.unit, post_title(p.holding), tenure(p.holding, r.year),
                len(p.holding.months), p.tier_count("先进"), p.tier_count("中间"), p.tier_count("后进"),
                "；".join(f"第{q.quarter}季度{q.grade}" for q in p.quarters),
                p.annual_grade or p.annual_note, ("是" if p.excellent else "否") if p.annual_grade else "",
                "—" if p.compliance_rate is None else f"{p.compliance_rate}%",
                len(r.interviews) if first else None,
                "；".join(f"{a.day:%Y-%m-%d}{a.kind}" for a in r.accountabilities) if first else "",
                training_text(r, data.training_available) if first else ""))
    return out


@dataclass(frozen=True)
class CadreOutput:
    folder: Path
    pages: tuple[Path, ...]
    workbook: Path
    notes: tuple[str, ...]

    def lines(self) -> list[str]:
        return [f"输出文件夹：{self.folder}", f"党建工作实绩记实{len(self.pages)}份（每人一页）",
                f"一览表：{self.workbook.name}"] + [f"说明：{n}" for n in self.notes]


def write_outputs(session_factory: SessionFactory, year: int, folder: str | Path, *,
                  today: Callable[[], dt.date] = clock.today, progress: Progress | None = None,
                  cancelled: Callable[[], bool] | None = None) -> CadreOutput:
    """The pages (folder/党建工作实绩记实/, one .docx per person) and the county's list (folder/…一览表.xlsx); each
    file is written whole or not at all.  Cancelling stops between files: those written are complete."""
    report = progress or (lambda done, total, text: None)
    stop = cancelled or (lambda: False)
    data = CadreRecordService(session_factory, today).year(year, report)
    if not data.people:
        raise ValidationError(f"{year}年度没有党组织书记的任职记录，未生成文件", field="year")
    with session_factory() as s:
        read = S.reader(s)
        issuer, style = issuer_from_settings(read), style_from_settings(read)
    out = Path(folder)
    pages_dir = out / "党建工作实绩记实"
    try:
        pages_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"无法创建输出文件夹{pages_dir}：{os_reason(exc)}") from exc
    made_on = today()
    written: list[Path] = []
    total = len(data.people) + 1
    for i, r in enumerate(data.people, start=1):
        if stop():
            raise OperationCancelled(f"已取消：已生成{len(written)}份实绩记实，其余未生成")
        content = page_content(r, data.training_available, issuer.name, made_on)
        target = pages_dir / page_filename(content, r.posts[0].holding.unit)
        written.append(write_atomic(target, build_cadre_page(content, style)))
        report(i, total, f"已生成：{r.name}（{i}/{total - 1}）")
    workbook = write_atomic(out / list_filename(year), build_cadre_list(year, list_rows(data), data.notes))
    report(total, total, "完成")
    return CadreOutput(out, tuple(written), workbook, data.notes)
