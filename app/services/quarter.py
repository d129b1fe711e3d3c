"""季度分级量化考核: a quarter's results rolled up from its months, graded 好 / 较好 / 一般 / 差 (DOMAIN.md).

Rules (every number a setting, group 季度与年度):

- Quarter score: the mean of the unit's monthly 复核 totals in the quarter, or (`quarter.deduct_from_full`) the
  scheme's full points minus the sum of the quarter's deductions, never below 0, plus the quarter's bonuses capped
  at the scheme's bonus ceiling.  Months the unit has no sheet in are left out.  One decimal place, half up.
- Grade by cut-offs: ≥ `grade.good` 好, ≥ `grade.fair` 较好, ≥ `grade.average` 一般, else 差.
- A unit with a 一票否决 in any month of the quarter is at most 较好 (`grade.veto_cap`).
- At most `quarter.good_quota_percent` % of the graded units (rounded down) are 好; the others that reached 好
  become 较好, highest scores kept first.  Ties at the quota boundary are treated alike: when keeping every unit
  of the boundary score would exceed the quota, all of them become 较好 (no unit is preferred over another with
  the same score).
- Ranks: by score, ties share a rank (1, 2, 2, 4).

Lifecycle, like a month's (草稿 → 已复核 → 已锁定): the quarter is a `Period` of kind 季 (key 2026-Q3).  While it
is a draft the grading is computed from the months each time it is asked for; 复核 needs the three months locked
and stores each unit's result (`QuarterResult`, one audit entry each); 锁定 and 重新开放 are the scoring service's
own (an administrator with a reason); 取消复核 drops the stored results so that a corrected month is graded again.
The quarterly 通报 (红头, same engine as the month's) is issued from a locked quarter with the next 文号 of the
year and stored as a `Bulletin` of the quarter's period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.errors import NotFoundError, OperationCancelled, PeriodLockedError, ValidationError
from app.models import (
    Bulletin,
    Grade,
    IndicatorScheme,
    Period,
    PeriodKind,
    PeriodState,
    QuarterResult,
    ScoreSheet,
    Unit,
)
from app.services import anchors, unit_scope
from app.services.audit import (
    AuditFinding,
    AuditLog,
    LastValues,
    compare_results,
    fmt,
    read_head,
    unit_of_work,
)
from app.services.bulletin import choose_number, current_bulletin, number_taken
from app.services.county_names import require_real_names
from app.services.ranking import competition_ranks
from app.services.scheme import ensure_scheme
from app.services.scoring import ScoringService

SessionFactory = Callable[[], Session]
Progress = Callable[[int, int, str], None]
Cancelled = Callable[[], bool]

TENTH = Decimal("0.1")
ZERO = Decimal(0)
GRADES = (Grade.GOOD, Grade.FAIR, Grade.AVERAGE, Grade.POOR)
_RANK = {g: i for i, g in enumerate(GRADES)}
RESULT_ENTITY = "quarter_result"


# ---------------------------------------------------------------------------------------------------------------
# pure rules (shared with the annual 述职评议)


@dataclass(frozen=True)
class GradeRules:
    good: Decimal = Decimal(90)
    fair: Decimal = Decimal(80)
    average: Decimal = Decimal(60)
    veto_cap: bool = True
    good_quota_percent: int = 30
    deduct_from_full: bool = False

    @classmethod
    def from_settings(cls, read: Callable[[S.SettingDef], Any]) -> GradeRules:
        rules = cls(Decimal(read(S.GRADE_GOOD)), Decimal(read(S.GRADE_FAIR)), Decimal(read(S.GRADE_AVERAGE)),
                    bool(read(S.VETO_CAPS_GRADE)), int(read(S.QUARTER_GOOD_QUOTA)), bool(read(S.QUARTER_DEDUCT)))
        if not rules.good >= rules.fair >= rules.average:
            raise ValidationError(f"等次分数线设置有误：“好”{rules.good}分、“较好”{rules.fair}分、“一般”{rules.average}分"
                                  "应从高到低排列，请在“设置”中修改", field=S.GRADE_GOOD.key)
        return rules

    @property
    def method(self) -> str:
        return "满分减去季度内各月扣分之和（加分另计，不超过加分上限）" if self.deduct_from_full else "季度内各月复核得分的平均分"


def one_place(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def grade_of(score: Decimal, rules: GradeRules) -> Grade:
    """好 / 较好 / 一般 / 差 by the cut-offs (a score exactly on a cut-off reaches it)."""
    if score >= rules.good:
        return Grade.GOOD
    if score >= rules.fair:
        return Grade.FAIR
    if score >= rules.average:
        return Grade.AVERAGE
    return Grade.POOR


def at_most(grade: Grade, limit: Grade) -> Grade:
    """`grade`, but no better than `limit`."""
    return grade if _RANK[grade] >= _RANK[limit] else limit


def quota(n: int, percent: int) -> int:
    """How many of n units a quota of `percent` % allows, rounded down: the quota is a ceiling (≤ 30 %)."""
    return int((Decimal(n) * Decimal(percent) / 100).to_integral_value(rounding=ROUND_DOWN))


def within_quota(scores: Sequence[Decimal], limit: int) -> list[bool]:
    """Which of the candidates (by score) keep their place when at most `limit` may: the highest first; when the
    units tied at the boundary would not all fit, none of them does."""
    order = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)
    keep = [False] * len(scores)
    if len(scores) <= limit:
        return [True] * len(scores)
    if limit <= 0:
        return keep
    boundary = scores[order[limit - 1]]
    crowded = scores[order[limit]] == boundary
    for i in order[:limit]:
        keep[i] = not (crowded and scores[i] == boundary)
    return keep


@dataclass(frozen=True)
class MonthScore:
    """One unit's locked (or reviewed) month as the quarter sees it."""

    total: Decimal  # 复核 total, bonus included
    bonus: Decimal
    full: Decimal  # the scheme's full points (100)
    ceiling: Decimal  # the scheme's bonus ceiling
    veto: bool = False


def quarter_score(months: Sequence[MonthScore], deduct_from_full: bool) -> Decimal:
    """The quarter's score from its months (at least one): their mean, or full points minus every deduction of
    the quarter (never below 0) plus the quarter's bonuses up to the bonus ceiling."""
    if not months:
        raise ValueError("a quarter score needs at least one month")
    if not deduct_from_full:
        return one_place(sum((m.total for m in months), ZERO) / len(months))
    full = max(m.full for m in months)
    lost = sum((m.full - (m.total - m.bonus) for m in months), ZERO)
    bonus = min(sum((m.bonus for m in months), ZERO), max(m.ceiling for m in months))
    return one_place(max(full - lost, ZERO) + bonus)


@dataclass(frozen=True)
class Graded:
    score: Decimal
    rank: int
    grade: Grade
    note: str  # why the grade is below what the score alone gives ("" when it is not)


def grade_units(scores: Sequence[Decimal], vetoes: Sequence[bool], rules: GradeRules,
                quota_percent: int | None = None, quota_label: str = "“好”等次名额") -> list[Graded]:
    """Rank and grade units: cut-offs, the veto cap, then the quota on 好 (of all graded units)."""
    percent = rules.good_quota_percent if quota_percent is None else quota_percent
    ranks = competition_ranks(list(scores))
    grades, notes = [], []
    for score, veto in zip(scores, vetoes, strict=True):
        g = grade_of(score, rules)
        if veto and rules.veto_cap and g == Grade.GOOD:
            grades.append(Grade.FAIR)
            notes.append("存在一票否决事项，等次最高为较好")
        else:
            grades.append(g)
            notes.append("")
    if percent:
        good = [i for i, g in enumerate(grades) if g == Grade.GOOD]
        keep = within_quota([scores[i] for i in good], quota(len(scores), percent))
        for i, kept in zip(good, keep, strict=True):
            if not kept:
                grades[i] = Grade.FAIR
                notes[i] = f"超出{quota_label}（不超过{percent}%），评为较好"
    return [Graded(s, r, g, n) for s, r, g, n in zip(scores, ranks, grades, notes, strict=True)]


# ---------------------------------------------------------------------------------------------------------------
# views


def quarter_key(year: int, quarter: int) -> str:
    return f"{year:04d}-Q{quarter}"


def quarter_months(quarter: int) -> list[int]:
    return [3 * quarter - 2, 3 * quarter - 1, 3 * quarter]


def parse_quarter(text: str) -> tuple[int, int]:
    """`2026-Q3` (or 2026Q3, 2026-3, 2026年第3季度) → (2026, 3)."""
    t = (text or "").strip().upper().replace("年第", "-").replace("季度", "").replace("年", "-").replace("Q", "-")
    parts = [p for p in t.replace("--", "-").split("-") if p]
    try:
        year, quarter = int(parts[0]), int(parts[1])
        if len(parts) != 2 or not 1 <= quarter <= 4 or not 2000 <= year <= 2100:
            raise ValueError
    except (ValueError, IndexError):
        raise ValidationError(f"季度“{text}”格式不对，应为YYYY-Qn，例如2026-Q3", field="quarter") from None
    return year, quarter


@dataclass(frozen=True)
class QuarterRow:
    unit_id: int
    unit: str
    months: tuple[Decimal | None, ...]  # the three months' totals (None: no sheet that month)
    score: Decimal
    rank: int
    grade: Grade
    veto: bool
    note: str


@dataclass(frozen=True)
class MonthState:
    key: str
    month: int
    state: PeriodState | None  # None: not opened


@dataclass(frozen=True)
class QuarterGrading:
    year: int
    quarter: int
    period_id: int | None
    state: PeriodState | None  # None: the quarter has not been opened
    months: list[MonthState]
    rows: list[QuarterRow]
    rules: GradeRules
    stored: bool  # the rows are the results stored at 复核 (else computed now from the months)
    stale: bool = False  # stored results differ from what the months give now (a month was corrected)
    bulletins: int = 0

    @property
    def key(self) -> str:
        return quarter_key(self.year, self.quarter)

    @property
    def title(self) -> str:
        return f"{self.year}年第{self.quarter}季度"

    @property
    def months_locked(self) -> bool:
        return all(m.state == PeriodState.LOCKED for m in self.months)

    @property
    def locked(self) -> bool:
        return self.state == PeriodState.LOCKED

    def counts(self) -> dict[Grade, int]:
        return {g: sum(1 for r in self.rows if r.grade == g) for g in GRADES}

    @property
    def mean(self) -> Decimal | None:
        if not self.rows:
            return None
        return one_place(sum((r.score for r in self.rows), ZERO) / len(self.rows))

    def to_json(self) -> dict[str, Any]:
        return {
            "quarter": self.key, "state": self.state.value if self.state else None, "stored": self.stored,
            "months": {m.key: (m.state.value if m.state else None) for m in self.months},
            "counts": {g.value: n for g, n in self.counts().items()},
            "rows": [{"unit": r.unit, "months": [None if x is None else str(x) for x in r.months],
                      "score": str(r.score), "rank": r.rank, "grade": r.grade.value, "veto": r.veto, "note": r.note}
                     for r in self.rows],
        }


@dataclass(frozen=True)
class QuarterChoice:
    year: int
    quarter: int
    period_id: int | None
    state: PeriodState | None
    months_locked: int

    @property
    def key(self) -> str:
        return quarter_key(self.year, self.quarter)

    @property
    def title(self) -> str:
        return f"{self.year}年第{self.quarter}季度"


@dataclass(frozen=True)
class IssuedBulletin:
    id: int
    doc_number: str
    title: str
    issued_on: dt.date
    file_name: str


# ---------------------------------------------------------------------------------------------------------------
# the service


@unit_scope.committee_only("办理季度考核")
class QuarterService:
    def __init__(self, session_factory: SessionFactory, actor: str | None = None,
                 today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._actor = actor
        self._today = today

    # --- reading --------------------------------------------------------------------------------------------

    def quarters(self) -> list[QuarterChoice]:
        """Every quarter that has a scored month or a period of its own, newest first."""
        with self._sf() as s:
            months: dict[tuple[int, int], int] = {}
            for year, month, state in s.execute(select(Period.year, Period.month, Period.state)
                                                .where(Period.kind == PeriodKind.MONTH)):
                q = (int(month or 1) - 1) // 3 + 1
                months[(year, q)] = months.get((year, q), 0) + (state == PeriodState.LOCKED)
            own = {(p.year, int(p.quarter or 0)): p
                   for p in s.scalars(select(Period).where(Period.kind == PeriodKind.QUARTER))}
            keys = sorted(set(months) | set(own), reverse=True)
            return [QuarterChoice(y, q, own[(y, q)].id if (y, q) in own else None,
                                  own[(y, q)].state if (y, q) in own else None, months.get((y, q), 0))
                    for y, q in keys]

    def grading(self, year: int, quarter: int) -> QuarterGrading:
        """The quarter's results: as stored at 复核 (reviewed or locked), else computed from the months now."""
        _check_quarter(year, quarter)
        with self._sf() as s:
            return _grading(s, year, quarter)

    # --- lifecycle ------------------------------------------------------------------------------------------

    def open_quarter(self, year: int, quarter: int) -> QuarterGrading:
        """The quarter's period (草稿), created if it does not exist yet."""
        _check_quarter(year, quarter)
        with unit_of_work(self._sf, self._actor) as (s, log):
            _ensure_period(s, log, year, quarter)
        return self.grading(year, quarter)

    def review(self, year: int, quarter: int) -> QuarterGrading:
        """复核: the three months must be locked; each unit's result is stored and the quarter becomes 已复核."""
        _check_quarter(year, quarter)
        with unit_of_work(self._sf, self._actor) as (s, log):
            period = _ensure_period(s, log, year, quarter)
            if period.state == PeriodState.LOCKED:
                raise PeriodLockedError(f"{period.title}已锁定；如需重新评定，请由管理员重新开放")
            if period.state == PeriodState.REVIEWED:
                raise ValidationError(f"{period.title}已复核", field="state")
            live = _grading(s, year, quarter, live=True)
            waiting = [f"{m.month}月（{m.state.value if m.state else '未开始'}）" for m in live.months
                       if m.state != PeriodState.LOCKED]
            if waiting:
                raise ValidationError(f"{period.title}的{'、'.join(waiting)}考评尚未锁定，季度考核须在三个月的考评"
                                      "全部锁定后复核", field="months")
            if not live.rows:
                raise ValidationError(f"{period.title}没有任何单位的月度考评结果", field="months")
            for r in live.rows:
                row = QuarterResult(period_id=period.id, unit_id=r.unit_id, score=r.score, rank=r.rank,
                                    grade=r.grade, veto=r.veto, note=r.note, month_scores=_months_text(r.months))
                s.add(row)
                s.flush()
                log.record("评定", RESULT_ENTITY, row.id, "result", None, _result_text(r.score, r.grade),
                           reason=f"{period.title} {r.unit}")
            log.record("复核", "period", period.id, "state", period.state, PeriodState.REVIEWED,
                       reason=f"{period.title}分级量化考核结果：{_counts_text(live.counts())}")
            period.state = PeriodState.REVIEWED
            s.flush()
        return self.grading(year, quarter)

    def unreview(self, year: int, quarter: int, reason: str = "") -> QuarterGrading:
        """取消复核: back to 草稿, the stored results dropped (graded again from the months at the next 复核)."""
        with unit_of_work(self._sf, self._actor) as (s, log):
            period = _period(s, year, quarter)
            if period.state == PeriodState.LOCKED:
                raise PeriodLockedError(f"{period.title}已锁定；如需重新评定，请由管理员先重新开放")
            if period.state != PeriodState.REVIEWED:
                raise ValidationError(f"{period.title}尚未复核", field="state")
            for row in s.scalars(select(QuarterResult).where(QuarterResult.period_id == period.id)):
                log.record("撤销评定", RESULT_ENTITY, row.id, "result", _result_text(row.score, row.grade), None,
                           reason=(reason or "").strip())
            s.execute(delete(QuarterResult).where(QuarterResult.period_id == period.id))
            log.record("取消复核", "period", period.id, "state", period.state, PeriodState.DRAFT,
                       reason=(reason or "").strip())
            period.state = PeriodState.DRAFT
            s.flush()
        return self.grading(year, quarter)

    def lock(self, year: int, quarter: int) -> QuarterGrading:
        """已复核 → 已锁定 (the scoring service's lifecycle, logged as for a month)."""
        ScoringService(self._sf, self._actor).lock_period(self._period_id(year, quarter))
        return self.grading(year, quarter)

    def reopen(self, year: int, quarter: int, reason: str, is_admin: bool) -> QuarterGrading:
        """已锁定 → 已复核, by an administrator with a reason; issued 通报 keep their own snapshot and 文号."""
        ScoringService(self._sf, self._actor).reopen_period(self._period_id(year, quarter), reason, is_admin)
        return self.grading(year, quarter)

    def _period_id(self, year: int, quarter: int) -> int:
        _check_quarter(year, quarter)
        with self._sf() as s:
            return _period(s, year, quarter).id

    # --- the quarterly 通报 ---------------------------------------------------------------------------------

    def bulletin_content(self, year: int, quarter: int, *, issued_on: dt.date | None = None,
                         sequence: int | None = None) -> Any:
        """What the quarter's 通报 prints (numbered with the next free 文号 of the year of issue, or `sequence`)."""
        from app.reports.content import AuditAnchor
        from app.reports.quarterly import QuarterBulletinContent
        from app.reports.quarterly import QuarterRow as ReportRow

        grading = self.grading(year, quarter)
        if grading.state != PeriodState.LOCKED:
            state = grading.state.value if grading.state else "未开始"
            raise ValidationError(f"{grading.title}的分级量化考核尚未锁定（当前为“{state}”），锁定后才能印发通报",
                                  field="state")
        day = issued_on or self._today()
        with self._sf() as s:
            read = S.reader(s)
            code = str(read(S.ISSUER_CODE)).strip()
            number = choose_number(s, code, day.year, sequence)
            head = read_head(s)
            # The quarter's months and the year's before them: a month after the quarter was not known then.
            trend = county_trend(s, year)[:3 * quarter]
            previous = _previous_grades(s, year, quarter)
            county = str(read(S.COUNTY_NAME)).strip() or "全县"
        rows = tuple(ReportRow(r.unit, r.months, r.score, r.rank, r.grade.value, r.veto, r.note,
                               previous.get(r.unit_id)) for r in grading.rows)
        return QuarterBulletinContent(
            year=year, quarter=quarter, number=number, issued_on=day, rows=rows,
            audit=AuditAnchor(head.seq, head.hash) if head else AuditAnchor(0, "0" * 64),
            trend=trend, method=grading.rules.method, good=grading.rules.good, fair=grading.rules.fair,
            average=grading.rules.average, good_quota_percent=grading.rules.good_quota_percent,
            veto_cap=grading.rules.veto_cap, county=county)

    def issue_bulletin(self, year: int, quarter: int, *, issued_on: dt.date | None = None,
                       sequence: int | None = None, reason: str = "", progress: Progress | None = None,
                       cancelled: Cancelled | None = None) -> IssuedBulletin:
        """Number, build and store the quarter's 通报.  A quarter that has one needs `reason` (the new one names
        the one it replaces)."""
        from app.reports.config import issuer_from_settings, style_from_settings
        from app.reports.content import to_snapshot
        from app.reports.quarterly import (
            build_quarter_bulletin,
            quarter_bulletin_filename,
            quarter_bulletin_title,
        )

        report = progress or (lambda done, total, text: None)
        stop = cancelled or (lambda: False)
        period_id = self._period_id(year, quarter)
        report(0, 3, "正在读取季度考核结果……")
        with self._sf() as s:
            previous = current_bulletin(s, period_id)
            read = S.reader(s)
            issuer, style = issuer_from_settings(read), style_from_settings(read)
        reason = (reason or "").strip()
        if previous is not None and not reason:
            raise ValidationError(f"{year}年第{quarter}季度已印发通报（{previous.doc_number}），重新印发须说明理由；"
                                  "新通报将使用新的文号，原通报予以保留", field="reason")
        content = self.bulletin_content(year, quarter, issued_on=issued_on, sequence=sequence)
        if previous is not None:
            from app.reports.gongwen import DocNumber

            content = _replace(content, supersedes=DocNumber(previous.doc_code, previous.doc_year, previous.doc_seq))
        if stop():
            raise OperationCancelled("已取消，未印发通报")
        report(1, 3, "正在绘制图表、排版通报……")
        data = build_quarter_bulletin(content, issuer, style)
        if stop():
            raise OperationCancelled("已取消，未印发通报")
        report(2, 3, "正在保存……")
        stored = store_bulletin(self._sf, self._actor, period_id, content.number, quarter_bulletin_title(content),
                                content.issued_on, to_snapshot(content), data, quarter_bulletin_filename(content),
                                reason, previous.id if previous else None, content.audit.sequence,
                                content.audit.digest)
        report(3, 3, "完成")
        return stored


# ---------------------------------------------------------------------------------------------------------------
# helpers shared with the annual service


def store_bulletin(sf: SessionFactory, actor: str | None, period_id: int, number: Any, title: str,
                   issued_on: dt.date, snapshot: str, data: bytes, file_name: str, reason: str,
                   supersedes_id: int | None, audit_seq: int, audit_hash: str) -> IssuedBulletin:
    """Store an issued 通报 of a quarter or year period: checks (in the writing transaction) that the period is
    still locked, that nobody issued one meanwhile and that the number is free."""
    import hashlib

    try:
        with unit_of_work(sf, actor) as (s, log):
            require_real_names(s)  # a 通报 never goes out under 示范县's placeholder names
            period = s.get_one(Period, period_id)
            if period.state != PeriodState.LOCKED:
                raise ValidationError(f"{period.title}在生成通报期间被重新开放，请重新生成", field="state")
            now = current_bulletin(s, period_id)
            if (now.id if now else None) != supersedes_id:
                raise ValidationError(f"{period.title}的通报在生成期间已由他人印发，请刷新后重试", field="period")
            if number_taken(s, number.code, number.year, number.sequence):
                raise ValidationError(f"文号{number}在生成期间已被使用，请重新生成", field="sequence")
            b = Bulletin(period_id=period_id, doc_code=number.code, doc_year=number.year, doc_seq=number.sequence,
                         title=title, issued_on=issued_on, issued_by=log.who, reason=reason,
                         supersedes_id=supersedes_id, audit_seq=audit_seq, audit_hash=audit_hash, snapshot=snapshot,
                         sha256=hashlib.sha256(data).hexdigest(), file_name=file_name, document=data)
            s.add(b)
            s.flush()
            old = None
            if supersedes_id is not None:
                old = s.get_one(Bulletin, supersedes_id).doc_number
            log.record("印发", "bulletin", b.id, "doc_number", old, str(number), reason=reason or title)
            log.anchor(anchors.ISSUE)  # the head it printed, kept outside the database too
            return IssuedBulletin(b.id, b.doc_number, b.title, b.issued_on, b.file_name)
    except IntegrityError as exc:
        raise ValidationError(f"文号{number}已被使用，请重新生成", field="sequence") from exc


def county_trend(s: Session, year: int) -> tuple[Decimal | None, ...]:
    """The county mean of each locked month of the year (None for months not locked)."""
    from sqlalchemy import Integer, type_coerce

    means: dict[int, Decimal] = {}
    q = (select(Period.month, func.avg(type_coerce(ScoreSheet.review_total, Integer)))
         .join(ScoreSheet, ScoreSheet.period_id == Period.id)
         .where(Period.kind == PeriodKind.MONTH, Period.year == year, Period.state == PeriodState.LOCKED)
         .group_by(Period.id))
    for month, avg in s.execute(q):
        if avg is not None:
            means[int(month or 0)] = one_place(Decimal(str(avg)) / 10)
    return tuple(means.get(m) for m in range(1, 13))


def _replace(content: Any, **changes: Any) -> Any:
    import dataclasses

    return dataclasses.replace(content, **changes)


def _check_quarter(year: int, quarter: int) -> None:
    if not (2000 <= int(year) <= 2100 and 1 <= int(quarter) <= 4):
        raise ValidationError("季度应为2000年至2100年的第1至4季度", field="quarter")


def _period(s: Session, year: int, quarter: int) -> Period:
    p = s.scalar(select(Period).where(Period.key == quarter_key(year, quarter)))
    if p is None:
        raise NotFoundError(f"{year}年第{quarter}季度的分级量化考核还没有开始")
    return p


def _ensure_period(s: Session, log: AuditLog, year: int, quarter: int) -> Period:
    period = s.scalar(select(Period).where(Period.key == quarter_key(year, quarter)))
    if period is not None:
        return period
    # The quarter uses the scheme of its last scored month (a period must name one; grading does not use it).
    scheme_id = s.scalar(select(Period.scheme_id).where(Period.kind == PeriodKind.MONTH, Period.year == year,
                                                        Period.month.in_(quarter_months(quarter)))
                         .order_by(Period.month.desc()).limit(1))
    if scheme_id is None:
        scheme_id = ensure_scheme(s, log, year).id
    period = Period(key=quarter_key(year, quarter), kind=PeriodKind.QUARTER, year=year, quarter=quarter,
                    state=PeriodState.DRAFT, scheme_id=scheme_id)
    s.add(period)
    s.flush()
    log.record("新建", "period", period.id, "state", None, PeriodState.DRAFT, reason=f"{period.title}分级量化考核")
    return period


def _month_states(s: Session, year: int, quarter: int) -> list[MonthState]:
    found = {int(m or 0): st for m, st in s.execute(select(Period.month, Period.state).where(
        Period.kind == PeriodKind.MONTH, Period.year == year, Period.month.in_(quarter_months(quarter))))}
    return [MonthState(f"{year:04d}-{m:02d}", m, found.get(m)) for m in quarter_months(quarter)]


def compute_quarter(s: Session, year: int, quarter: int, rules: GradeRules) -> list[QuarterRow]:
    """Grade the quarter from its months' stored sheet totals (one query), in rank order."""
    months = quarter_months(quarter)
    q = (select(ScoreSheet.unit_id, Unit.name, Unit.sort_order, Period.month, ScoreSheet.review_total,
                ScoreSheet.bonus_total, ScoreSheet.veto, IndicatorScheme.total_points, IndicatorScheme.bonus_ceiling)
         .join(Period, Period.id == ScoreSheet.period_id).join(Unit, Unit.id == ScoreSheet.unit_id)
         .join(IndicatorScheme, IndicatorScheme.id == Period.scheme_id)
         .where(Period.kind == PeriodKind.MONTH, Period.year == year, Period.month.in_(months)))
    units: dict[int, tuple[str, int, dict[int, MonthScore]]] = {}
    for unit_id, name, order, month, total, bonus, veto, full, ceiling in s.execute(q):
        units.setdefault(unit_id, (name, order, {}))[2][int(month or 0)] = MonthScore(total, bonus, full, ceiling, veto)
    ids = sorted(units, key=lambda u: (units[u][1], u))
    scores = [quarter_score([units[u][2][m] for m in sorted(units[u][2])], rules.deduct_from_full) for u in ids]
    vetoes = [any(ms.veto for ms in units[u][2].values()) for u in ids]
    graded = grade_units(scores, vetoes, rules)
    rows = [QuarterRow(u, units[u][0], tuple(units[u][2][m].total if m in units[u][2] else None for m in months),
                       g.score, g.rank, g.grade, veto, g.note)
            for u, g, veto in zip(ids, graded, vetoes, strict=True)]
    return sorted(rows, key=lambda r: (r.rank, r.unit))


def _grading(s: Session, year: int, quarter: int, live: bool = False) -> QuarterGrading:
    rules = GradeRules.from_settings(S.reader(s))
    period = s.scalar(select(Period).where(Period.key == quarter_key(year, quarter)))
    months = _month_states(s, year, quarter)
    computed = compute_quarter(s, year, quarter, rules)
    bulletins = 0
    if period is not None:
        bulletins = int(s.scalar(select(func.count()).select_from(Bulletin).where(Bulletin.period_id == period.id))
                        or 0)
    if live or period is None or period.state == PeriodState.DRAFT:
        return QuarterGrading(year, quarter, period.id if period else None, period.state if period else None,
                              months, computed, rules, False, bulletins=bulletins)
    stored = _stored_rows(s, period.id)
    stale = _result_keys(stored) != _result_keys(computed)
    return QuarterGrading(year, quarter, period.id, period.state, months, stored, rules, True, stale, bulletins)


def _result_keys(rows: Sequence[QuarterRow]) -> dict[int, tuple[Decimal, Grade]]:
    """Each unit's result, by unit: units tied on score may be listed in another order without any change."""
    return {r.unit_id: (r.score, r.grade) for r in rows}


def _stored_rows(s: Session, period_id: int) -> list[QuarterRow]:
    q = (select(QuarterResult, Unit.name).join(Unit, Unit.id == QuarterResult.unit_id)
         .where(QuarterResult.period_id == period_id).order_by(QuarterResult.rank, Unit.sort_order, Unit.id))
    return [QuarterRow(r.unit_id, name, _months_of(r.month_scores), r.score, r.rank, r.grade, r.veto, r.note)
            for r, name in s.execute(q)]


def stored_quarter_grades(s: Session, year: int, unit_ids: Sequence[int] | None = None
                          ) -> dict[int, dict[int, QuarterResult]]:
    """unit id → quarter → its stored (reviewed or locked) result, for the year's packets and annual means."""
    q = (select(QuarterResult, Period.quarter).join(Period, Period.id == QuarterResult.period_id)
         .where(Period.kind == PeriodKind.QUARTER, Period.year == year, Period.state != PeriodState.DRAFT))
    if unit_ids is not None:
        q = q.where(QuarterResult.unit_id.in_(list(unit_ids)))
    out: dict[int, dict[int, QuarterResult]] = {}
    for r, quarter in s.execute(q):
        out.setdefault(r.unit_id, {})[int(quarter or 0)] = r
    return out


def _previous_grades(s: Session, year: int, quarter: int) -> dict[int, str]:
    """unit id → its grade in the previous quarter, when that quarter has stored results."""
    y, q = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    period = s.scalar(select(Period).where(Period.key == quarter_key(y, q)))
    if period is None or period.state == PeriodState.DRAFT:
        return {}
    return {u: g.value for u, g in s.execute(select(QuarterResult.unit_id, QuarterResult.grade)
                                             .where(QuarterResult.period_id == period.id))}


def _months_text(months: Sequence[Decimal | None]) -> str:
    return ",".join("" if m is None else str(m) for m in months)


def _months_of(text: str) -> tuple[Decimal | None, ...]:
    return tuple(Decimal(x) if x else None for x in text.split(","))


def _result_text(score: Decimal, grade: Grade) -> str:
    return f"{fmt(score)}分/{grade.value}"


def _counts_text(counts: dict[Grade, int]) -> str:
    return "，".join(f"{g.value}{n}个" for g, n in counts.items())


# ---------------------------------------------------------------------------------------------------------------
# audit: the stored results against the trail


def check_quarter_state(s: Session, last: LastValues) -> list[AuditFinding]:
    """Each stored quarter result (score and grade) against the last value the trail records for it."""
    q = (select(QuarterResult.id, QuarterResult.score, QuarterResult.grade, Unit.name, Period.key)
         .join(Unit, Unit.id == QuarterResult.unit_id).join(Period, Period.id == QuarterResult.period_id))
    rows = ((rid, f"{key} {unit}", _result_text(score, grade)) for rid, score, grade, unit, key in s.execute(q))
    return compare_results(last, RESULT_ENTITY, "季度考核结果", rows)


def register_hooks() -> None:
    from app.services import audit as audit_trail

    if check_quarter_state not in audit_trail.STATE_CHECKS:
        audit_trail.STATE_CHECKS.append(check_quarter_state)


register_hooks()

__all__ = [
    "GradeRules",
    "Graded",
    "MonthScore",
    "QuarterChoice",
    "QuarterGrading",
    "QuarterRow",
    "QuarterService",
    "at_most",
    "grade_of",
    "grade_units",
    "quarter_score",
    "quota",
    "within_quota",
]
