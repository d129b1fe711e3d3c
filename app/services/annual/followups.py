"""一般 / 差 → a proposed 约谈 (an `Interview` of the year's period) and a 整改方案 (a `Rectification` through the
rectification service, linked to the interview, so recording the interview does not open a second one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import settings as S
from app.errors import ValidationError
from app.models import (
    Commitment,
    CommitmentItem,
    Deduction,
    Fulfilment,
    Grade,
    Indicator,
    IndicatorMethod,
    Interview,
    InterviewPost,
    Period,
    PeriodKind,
    PeriodState,
    Rectification,
    ScoreItem,
    ScoreSheet,
)
from app.services import unit_scope
from app.services.annual.common import ZERO, _year_period
from app.services.annual.results import AnnualResultsService, AnnualRow
from app.services.audit import AuditLog, unit_of_work
from app.services.score_rules import indicator_score


@dataclass(frozen=True)
class FollowUp:
    unit_id: int
    unit: str
    grade: Grade
    interview_id: int
    rectification_id: int | None
    created: bool


@unit_scope.committee_only("办理年度承诺、述职评议和年度考评")
class FollowUpService(AnnualResultsService):
    """一般 / 差 → 约谈 and 整改方案, once the year's results are stored."""

    def propose_followups(self, year: int) -> list[FollowUp]:
        """For every unit graded 一般 or 差: a proposed 约谈 of its 党组书记 (to be scheduled on the 约谈 page) and
        a 整改方案 with one item per problem found in its year.  Units that already have them are left as they
        are; running this again only completes what is missing."""
        from app.services.interview import WorkCalendar
        from app.services.rectification import ItemInput, RectificationService

        results = self.results(year)
        if not results.stored:
            raise ValidationError(f"{year}年度考核结果复核后才能提出约谈和整改", field="state")
        weak = [r for r in results.rows if r.grade in (Grade.AVERAGE, Grade.POOR)]
        if not weak:
            return []
        today = self._today()
        with unit_of_work(self._sf, self._actor) as (s, log):
            read = S.reader(s)
            period = _year_period(s, year)
            period_id = period.id
            deadline = WorkCalendar.from_settings(read).add(today, int(read(S.RECTIFY_WORKING_DAYS)))
            problems = _year_problems(s, year, [r.unit_id for r in weak])
            made: dict[int, tuple[int, bool]] = {}
            for r in weak:
                made[r.unit_id] = _ensure_interview(s, log, read, period, r, len(results.rows), problems, today)
        out = []
        rectifications = RectificationService(self._sf, self._actor, today=self._today)
        for r in weak:
            assert r.grade is not None
            interview_id, created = made[r.unit_id]
            with self._sf() as s:
                rect_id = s.scalar(select(Rectification.id).where(Rectification.interview_id == interview_id))
            if rect_id is None:
                items = [ItemInput(p, owner=r.secretary, deadline=deadline)
                         for p in problems.get(r.unit_id, [])[:10] or [f"{year}年度述职评议等次为{r.grade.value}"]]
                view = rectifications.create(r.unit_id, f"{year}年度述职评议", items, period_id=period_id)
                with unit_of_work(self._sf, self._actor) as (s, _log):
                    s.get_one(Rectification, view.id).interview_id = interview_id
                rect_id = view.id
            out.append(FollowUp(r.unit_id, r.unit, r.grade, interview_id, rect_id, created))
        return out


def _year_problems(s: Session, year: int, unit_ids: Sequence[int]) -> dict[int, list[str]]:
    """unit id → what its year shows to fix: unfulfilled commitments, then the indicators it lost most on."""
    out: dict[int, list[str]] = {u: [] for u in unit_ids}
    for unit_id, content, status in s.execute(
            select(Commitment.unit_id, CommitmentItem.content, CommitmentItem.status)
            .join(CommitmentItem, CommitmentItem.commitment_id == Commitment.id)
            .where(Commitment.year == year, Commitment.unit_id.in_(list(unit_ids)),
                   CommitmentItem.status.in_([Fulfilment.NOT_DONE, Fulfilment.PARTIAL]))
            .order_by(Commitment.unit_id, CommitmentItem.sort_order)):
        out[unit_id].append(f"公开承诺“{content.rstrip('。')}”{status.value}")
    for unit_id, losses in _year_losses(s, year, unit_ids).items():
        for loss in sorted(losses, key=lambda x: (-x.lost, -x.times, x.indicator))[:6]:
            out[unit_id].append(loss.text())
    return out


@dataclass
class _IndicatorLoss:
    """What one indicator cost a unit over the year's locked months: the deductions as recorded and the points
    actually lost, which is less when a month's deductions ran past what the indicator is worth (the cap)."""

    indicator: str
    times: int = 0
    recorded: Decimal = ZERO
    lost: Decimal = ZERO
    capped_months: list[int] = field(default_factory=list)
    limits: set[Decimal] = field(default_factory=set)

    def add(self, month: int, times: int, recorded: Decimal, lost: Decimal, limit: Decimal) -> None:
        self.times += times
        self.recorded += recorded
        self.lost += lost
        if lost < recorded:
            self.capped_months.append(month)
            self.limits.add(limit)

    def text(self) -> str:
        line = f"{self.indicator}：全年被扣分{self.times}次，累计扣{self.lost:.1f}分"
        if not self.capped_months:
            return line
        months = "、".join(f"{m}月" for m in sorted(self.capped_months))
        limit = f"{next(iter(self.limits)):.1f}分" if len(self.limits) == 1 else "分值"
        return (f"{line}（扣分记录合计{self.recorded:.1f}分，其中{months}的扣分超过该项{limit}的上限，"
                "按上限计）")


def _year_losses(s: Session, year: int, unit_ids: Sequence[int]) -> dict[int, list[_IndicatorLoss]]:
    """unit id → its indicators with deductions in the year's locked months, each month capped as the score
    itself is (`indicator_score`: never more than the indicator's limit, never below 0)."""
    from sqlalchemy import Integer, type_coerce

    # Points are stored as tenths (`Score`): summed as integers in SQL, converted once here.
    q = (select(ScoreSheet.unit_id, Period.month, Indicator.name, Indicator.method, Indicator.points, Indicator.cap,
                func.sum(Deduction.occurrences),
                func.sum(Deduction.occurrences * type_coerce(Deduction.points_each, Integer)))
         .join(ScoreItem, ScoreItem.id == Deduction.item_id).join(ScoreSheet, ScoreSheet.id == ScoreItem.sheet_id)
         .join(Indicator, Indicator.id == ScoreItem.indicator_id).join(Period, Period.id == ScoreSheet.period_id)
         .where(Period.kind == PeriodKind.MONTH, Period.year == year, Period.state == PeriodState.LOCKED,
                ScoreSheet.unit_id.in_(list(unit_ids)), Indicator.method != IndicatorMethod.BONUS)
         .group_by(ScoreSheet.unit_id, Period.month, Indicator.id, Indicator.name, Indicator.method,
                   Indicator.points, Indicator.cap))
    found: dict[int, dict[str, _IndicatorLoss]] = {}
    for unit_id, month, name, method, points, cap, times, tenths in s.execute(q):
        recorded = Decimal(int(tenths or 0)) / 10
        limit = points if cap is None else min(cap, points)
        lost = points - indicator_score(method, points, limit, [recorded])
        loss = found.setdefault(unit_id, {}).setdefault(name, _IndicatorLoss(name))
        loss.add(int(month or 0), int(times or 0), recorded, lost, limit)
    return {unit_id: list(by_name.values()) for unit_id, by_name in found.items()}


def _ensure_interview(s: Session, log: AuditLog, read: Callable[[S.SettingDef], Any], period: Period,
                      r: AnnualRow, count: int, problems: dict[int, list[str]], today: dt.date) -> tuple[int, bool]:
    found = s.scalar(select(Interview.id).where(Interview.period_id == period.id, Interview.unit_id == r.unit_id))
    if found is not None:
        return found, False
    assert r.grade is not None
    reason = (f"{period.year}年度党建述职评议考核综合得分{r.composite}分，排第{r.rank}名（共{count}个单位），"
              f"等次为{r.grade.value}（好票率{r.rate}%）")
    interview = Interview(
        period_id=period.id, unit_id=r.unit_id, interviewee_post=InterviewPost.PARTY_GROUP_SECRETARY,
        interviewee_name=r.secretary, place=str(read(S.INTERVIEW_PLACE)), interviewers=str(read(S.INTERVIEWERS)),
        recorder=str(read(S.INTERVIEW_RECORDER)), rank=r.rank, unit_count=count, total=r.composite,
        tier=r.grade.value, reasons=reason, problems="\n".join(problems.get(r.unit_id, [])[:10]), notice_on=today,
        deadline_working_days=int(read(S.RECTIFY_WORKING_DAYS)), created_by=log.who)
    s.add(interview)
    s.flush()
    log.record("提议约谈", "interview", interview.id, "unit", None, r.unit, reason=reason)
    return interview.id, True
