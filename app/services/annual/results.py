"""The year's results: 平时成绩, 综合, 等次 and the 党建工作优秀单位, through 复核 and 锁定; the 述职评议结果通报.

Rules (DOMAIN.md "Annual"; every number a setting, group 季度与年度):

- 平时成绩: the mean of the unit's locked monthly totals of the year, or (`annual.mean_of_quarters`) of its
  reviewed quarter scores.
- 综合 = 平时成绩 × `annual.weight_mean` % + 年终检查 × `annual.weight_check` % + 述职评议 × `annual.weight_vote` %
  (the weights must add up to 100), one decimal place, half up; the 述职评议 score is 好票率 × 100 (`review`).
- 等次 by 综合 with the same cut-offs as the quarter (90 / 80 / 60); 好 also needs 好票率 ≥
  `annual.good_rate_for_good` % (else 较好); 好票率 below `annual.good_rate_floor` % caps the grade at 一般; a
  一票否决 in any month of the year caps it at 较好 (`grade.veto_cap`).
- 党建工作优秀单位: chosen from the 好 units without a 一票否决, highest 综合 first, at most
  `annual.excellent_quota_percent` % of the assessed units (rounded down); units tied at the boundary are treated
  alike (if they do not all fit, none of them is chosen).

The year's results follow the period lifecycle (a `Period` of kind 年, key "2026"): computed live while a draft,
stored at 复核 (`AnnualResult`, one audit entry each), 锁定 and 重新开放 by the scoring service; the 述职评议结果通报
(红头) is issued from the locked year with the next 文号 and stored as a `Bulletin` of the year's period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app import settings as S
from app.errors import OperationCancelled, PeriodLockedError, ValidationError
from app.models import (
    AnnualResult,
    Bulletin,
    DutyReview,
    Grade,
    Period,
    PeriodKind,
    PeriodState,
    ScoreSheet,
    Unit,
)
from app.services import unit_scope
from app.services.annual.common import HUNDRED, ZERO, YearService, _check_year, _year_period, year_key
from app.services.annual.review import CHOICES, VoteTally, _review, _review_view, good_rate
from app.services.audit import AuditFinding, LastValues, compare_results, fmt, read_head, unit_of_work
from app.services.bulletin import choose_number, current_bulletin
from app.services.quarter import (
    GradeRules,
    IssuedBulletin,
    at_most,
    grade_of,
    one_place,
    quota,
    store_bulletin,
    within_quota,
)
from app.services.ranking import competition_ranks
from app.services.scoring import ScoringService

Progress = Callable[[int, int, str], None]
Cancelled = Callable[[], bool]
RESULT_ENTITY = "annual_result"


@dataclass(frozen=True)
class AnnualRules:
    grades: GradeRules = field(default_factory=GradeRules)
    weight_mean: int = 60
    weight_check: int = 30
    weight_vote: int = 10
    good_rate_for_good: int = 85
    good_rate_floor: int = 60
    excellent_quota_percent: int = 20
    mean_of_quarters: bool = False

    def __post_init__(self) -> None:
        total = self.weight_mean + self.weight_check + self.weight_vote
        if total != 100:
            raise ValidationError(f"综合评价的三项权重（平时成绩{self.weight_mean}%、年终检查{self.weight_check}%、"
                                  f"述职评议{self.weight_vote}%）合计{total}%，应为100%，请在“设置”中修改",
                                  field=S.WEIGHT_MEAN.key)

    @classmethod
    def from_settings(cls, read: Callable[[S.SettingDef], Any]) -> AnnualRules:
        return cls(GradeRules.from_settings(read), int(read(S.WEIGHT_MEAN)), int(read(S.WEIGHT_CHECK)),
                   int(read(S.WEIGHT_VOTE)), int(read(S.GOOD_RATE_FOR_GOOD)), int(read(S.GOOD_RATE_FLOOR)),
                   int(read(S.EXCELLENT_QUOTA)), bool(read(S.ANNUAL_OF_QUARTERS)))

    @property
    def basis(self) -> str:
        return "各季度考核得分的平均分" if self.mean_of_quarters else "各月考评得分的平均分"


def composite(mean: Decimal, check: Decimal, vote_score: Decimal, rules: AnnualRules) -> Decimal:
    """综合 = weighted sum of 平时成绩, 年终检查 and the 述职评议 score (weights in per cent)."""
    return one_place((mean * rules.weight_mean + check * rules.weight_check + vote_score * rules.weight_vote)
                     / HUNDRED)


def annual_grade(total: Decimal, rate: Decimal, veto: bool, rules: AnnualRules) -> tuple[Grade, str]:
    """等次 by 综合 and 好票率 (and the veto cap), with a note saying why it is below what 综合 gives."""
    grade = grade_of(total, rules.grades)
    notes = []
    if grade == Grade.GOOD and rate < rules.good_rate_for_good:
        grade = Grade.FAIR
        notes.append(f"好票率{rate}%低于{rules.good_rate_for_good}%，评为较好")
    if rate < rules.good_rate_floor and at_most(grade, Grade.AVERAGE) != grade:
        grade = Grade.AVERAGE
        notes.append(f"好票率{rate}%低于{rules.good_rate_floor}%，最高评为一般")
    if veto and rules.grades.veto_cap and grade == Grade.GOOD:
        grade = Grade.FAIR
        notes.append("存在一票否决事项，等次最高为较好")
    return grade, "；".join(notes)


def choose_excellent(totals: Sequence[Decimal], grades: Sequence[Grade], vetoes: Sequence[bool],
                     rules: AnnualRules) -> list[bool]:
    """党建工作优秀单位: 好 units without a veto, within the quota of all assessed units (ties treated alike)."""
    eligible = [i for i, (g, v) in enumerate(zip(grades, vetoes, strict=True)) if g == Grade.GOOD and not v]
    keep = within_quota([totals[i] for i in eligible], quota(len(totals), rules.excellent_quota_percent))
    out = [False] * len(totals)
    for i, kept in zip(eligible, keep, strict=True):
        out[i] = kept
    return out


@dataclass(frozen=True)
class AnnualRow:
    unit_id: int
    unit: str
    secretary: str
    post: str
    annual_mean: Decimal | None
    scored: int  # how many months (or quarters) the mean is over
    check_score: Decimal | None
    tally: VoteTally
    rate: Decimal | None
    vote_score: Decimal | None
    composite: Decimal | None
    rank: int | None
    grade: Grade | None
    veto: bool
    excellent: bool
    note: str
    mean_months: tuple[int, ...] = ()  # the months 平时成绩 is over (a quarter's three months when of quarters)


@dataclass(frozen=True)
class AnnualResults:
    year: int
    period_id: int | None
    state: PeriodState | None
    rules: AnnualRules
    rows: list[AnnualRow]
    problems: list[str]
    stored: bool
    stale: bool = False
    held_on: dt.date | None = None
    voters: int = 0
    bulletins: int = 0

    @property
    def complete(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def locked(self) -> bool:
        """Final: until the year is locked its results may change, and what is built from them is a 征求意见稿."""
        return self.state == PeriodState.LOCKED

    @property
    def title(self) -> str:
        return f"{self.year}年度"

    def counts(self) -> dict[Grade, int]:
        return {g: sum(1 for r in self.rows if r.grade == g) for g in Grade}

    @property
    def excellent(self) -> list[AnnualRow]:
        return [r for r in self.rows if r.excellent]

    def to_json(self) -> dict[str, Any]:
        def num(v: Decimal | None) -> str | None:
            return None if v is None else str(v)

        return {
            "year": self.year, "state": self.state.value if self.state else None, "stored": self.stored,
            "problems": list(self.problems),
            "rows": [{"unit": r.unit, "secretary": r.secretary, "annual_mean": num(r.annual_mean),
                      "check_score": num(r.check_score),
                      "votes": {c.value: r.tally.of(c) for c in CHOICES}, "good_rate": num(r.rate),
                      "composite": num(r.composite), "rank": r.rank, "grade": r.grade.value if r.grade else None,
                      "veto": r.veto, "excellent": r.excellent, "note": r.note,
                      "mean_months": list(r.mean_months)} for r in self.rows],
        }


@unit_scope.committee_only("办理年度承诺、述职评议和年度考评")
class AnnualResultsService(YearService):
    """The year's results through 复核 and 锁定, and the documents built from them."""

    def results(self, year: int) -> AnnualResults:
        """The year's results: as stored at 复核, else computed now (with what is still missing)."""
        _check_year(year)
        with self._sf() as s:
            return _results(s, year)

    def review_results(self, year: int) -> AnnualResults:
        """复核: store every unit's 综合, 等次 and 优秀单位 flag (the votes and 年终检查 must be complete)."""
        with unit_of_work(self._sf, self._actor) as (s, log):
            period = _year_period(s, year)
            if period.state != PeriodState.DRAFT:
                raise ValidationError(f"{year}年度考核结果已{period.state.value}", field="state")
            live = _results(s, year, live=True)
            if live.problems:
                raise ValidationError(f"{year}年度考核结果还不完整，不能复核：" + "；".join(live.problems[:5])
                                      + ("……" if len(live.problems) > 5 else ""), field="results")
            for r in live.rows:
                assert r.composite is not None and r.grade is not None and r.rank is not None
                assert r.annual_mean is not None and r.check_score is not None and r.vote_score is not None
                row = AnnualResult(period_id=period.id, unit_id=r.unit_id, annual_mean=r.annual_mean,
                                   check_score=r.check_score, good_votes=r.tally.good_votes,
                                   valid_votes=r.tally.valid, vote_score=r.vote_score, composite=r.composite,
                                   rank=r.rank, grade=r.grade, veto=r.veto, excellent=r.excellent, note=r.note)
                s.add(row)
                s.flush()
                log.record("评定", RESULT_ENTITY, row.id, "result", None, _result_text(row), reason=f"{year}年度 {r.unit}")
            log.record("复核", "period", period.id, "state", period.state, PeriodState.REVIEWED,
                       reason=f"{year}年度述职评议考核结果：优秀单位{len(live.excellent)}个")
            period.state = PeriodState.REVIEWED
            s.flush()
        return self.results(year)

    def unreview_results(self, year: int, reason: str = "") -> AnnualResults:
        with unit_of_work(self._sf, self._actor) as (s, log):
            period = _year_period(s, year)
            if period.state == PeriodState.LOCKED:
                raise PeriodLockedError(f"{year}年度考核结果已锁定；如需重新评定，请由管理员先重新开放")
            if period.state != PeriodState.REVIEWED:
                raise ValidationError(f"{year}年度考核结果尚未复核", field="state")
            for row in s.scalars(select(AnnualResult).where(AnnualResult.period_id == period.id)):
                log.record("撤销评定", RESULT_ENTITY, row.id, "result", _result_text(row), None, reason=reason)
            s.execute(delete(AnnualResult).where(AnnualResult.period_id == period.id))
            log.record("取消复核", "period", period.id, "state", period.state, PeriodState.DRAFT, reason=reason)
            period.state = PeriodState.DRAFT
            s.flush()
        return self.results(year)

    def lock_results(self, year: int) -> AnnualResults:
        """已复核 → 已锁定, only when every month of the year is locked (and, with 平时成绩 of quarters, every
        quarter reviewed) and the stored results are still what the data give: locked results are final, and a
        平时成绩 without December must not pass for the whole year's."""
        def complete_and_current(s: Session) -> None:
            rules = AnnualRules.from_settings(S.reader(s))
            waiting = year_open_parts(s, year, rules.mean_of_quarters, lock=True)
            if waiting:
                raise ValidationError(f"{year}年度考核结果不能锁定：{'、'.join(waiting)}尚未锁定"
                                      f"{'或复核' if rules.mean_of_quarters else ''}。平时成绩须包含全年12个月的考评"
                                      "结果，请先完成这些月份的考评并锁定", field="months")
            if _results(s, year).stale:
                raise ValidationError(f"{year}年度考核结果复核后，月度考评或述职评议数据又有变动，保存的结果与现在的"
                                      "计算结果不一致，不能锁定；请先取消复核，再重新复核后锁定", field="state")

        # Checked in the unit of work that locks: a month reopened meanwhile waits for it, or is seen.
        ScoringService(self._sf, self._actor).lock_period(self._year_period_id(year), complete_and_current)
        return self.results(year)

    def reopen_results(self, year: int, reason: str, is_admin: bool) -> AnnualResults:
        ScoringService(self._sf, self._actor).reopen_period(self._year_period_id(year), reason, is_admin)
        return self.results(year)

    # --- the 述职评议结果通报 and the 评议结果汇总表 ----------------------------------------------------------------

    def bulletin_content(self, year: int, *, issued_on: dt.date | None = None, sequence: int | None = None) -> Any:
        from app.reports.annual import ReviewBulletinContent
        from app.reports.content import AuditAnchor

        results = self.results(year)
        if results.state != PeriodState.LOCKED:
            state = results.state.value if results.state else "未开始"
            raise ValidationError(f"{year}年度述职评议考核结果尚未锁定（当前为“{state}”），锁定后才能印发通报",
                                  field="state")
        day = issued_on or self._today()
        with self._sf() as s:
            read = S.reader(s)
            number = choose_number(s, str(read(S.ISSUER_CODE)).strip(), day.year, sequence)
            head = read_head(s)
            review = _review(s, year)
            county = str(read(S.COUNTY_NAME)).strip() or "全县"
            meeting = (review.held_on, review.place, review.participants, review.voters)
        rules = results.rules
        return ReviewBulletinContent(
            year=year, number=number, issued_on=day, rows=review_rows(results), held_on=meeting[0],
            place=meeting[1], participants=meeting[2], voters=meeting[3],
            audit=AuditAnchor(head.seq, head.hash) if head else AuditAnchor(0, "0" * 64),
            weights=(rules.weight_mean, rules.weight_check, rules.weight_vote), basis=rules.basis,
            excellent_quota_percent=rules.excellent_quota_percent, county=county, rule=grading_rule(rules))

    def issue_bulletin(self, year: int, *, issued_on: dt.date | None = None, sequence: int | None = None,
                       reason: str = "", progress: Progress | None = None, cancelled: Cancelled | None = None
                       ) -> IssuedBulletin:
        import dataclasses

        from app.reports.annual import build_review_bulletin, review_bulletin_filename, review_bulletin_title
        from app.reports.content import to_snapshot
        from app.reports.gongwen import DocNumber

        report = progress or (lambda done, total, text: None)
        stop = cancelled or (lambda: False)
        report(0, 3, "正在读取述职评议结果……")
        period_id = self._year_period_id(year)
        with self._sf() as s:
            previous = current_bulletin(s, period_id)
        reason = (reason or "").strip()
        if previous is not None and not reason:
            raise ValidationError(f"{year}年度述职评议结果已通报（{previous.doc_number}），重新印发须说明理由；"
                                  "新通报将使用新的文号，原通报予以保留", field="reason")
        content = self.bulletin_content(year, issued_on=issued_on, sequence=sequence)
        if previous is not None:
            content = dataclasses.replace(content, supersedes=DocNumber(previous.doc_code, previous.doc_year,
                                                                        previous.doc_seq))
        issuer, style, _county = self._document_settings()
        if stop():
            raise OperationCancelled("已取消，未印发通报")
        report(1, 3, "正在排版通报……")
        data = build_review_bulletin(content, issuer, style)
        if stop():
            raise OperationCancelled("已取消，未印发通报")
        report(2, 3, "正在保存……")
        issued = store_bulletin(self._sf, self._actor, period_id, content.number, review_bulletin_title(content),
                                content.issued_on, to_snapshot(content), data, review_bulletin_filename(content),
                                reason, previous.id if previous else None, content.audit.sequence,
                                content.audit.digest)
        report(3, 3, "完成")
        return issued

    def summary_documents(self, year: int) -> list[tuple[str, bytes]]:
        """The county's 评议结果汇总表 as .docx and .xlsx (the same rows), once the results are complete."""
        from app.reports.annual import build_review_summary, build_review_summary_xlsx, summary_filename

        results = self.results(year)
        if not (results.complete or results.stored):
            raise ValidationError(f"{year}年度考核结果还不完整：" + "；".join(results.problems[:3]), field="results")
        issuer, style, county = self._document_settings()
        content = summary_content(results, self._today(), county)
        return [(summary_filename(content, "docx"), build_review_summary(content, issuer, style)),
                (summary_filename(content, "xlsx"), build_review_summary_xlsx(content))]


def review_rows(results: AnnualResults) -> tuple[Any, ...]:
    from app.reports.annual import ReviewRow

    out = []
    for r in sorted(results.rows, key=lambda x: (x.rank or 10**6, x.unit)):
        assert r.composite is not None and r.grade is not None and r.rank is not None
        out.append(ReviewRow(r.unit, r.secretary, r.tally.good, r.tally.fair, r.tally.average, r.tally.poor,
                             r.tally.abstain, r.rate, r.annual_mean, r.check_score, r.composite, r.rank,
                             r.grade.value, r.excellent, r.veto, r.note, r.mean_months))
    return tuple(out)


def grading_rule(rules: AnnualRules) -> Any:
    """The rule the grades were given by, as the documents print it under the results."""
    from app.reports.annual import GradingRule

    g = rules.grades
    return GradingRule(g.good, g.fair, g.average, rules.good_rate_for_good, rules.good_rate_floor, g.veto_cap)


def summary_content(results: AnnualResults, made_on: dt.date, county: str) -> Any:
    """The 评议结果汇总表's content (the county's, and the one in the packets folder)."""
    from app.reports.annual import ReviewSummaryContent

    r = results.rules
    return ReviewSummaryContent(results.year, review_rows(results), results.held_on, results.voters,
                                (r.weight_mean, r.weight_check, r.weight_vote), made_on, county, rule=grading_rule(r),
                                draft=not results.locked)


def annual_means(s: Session, year: int, of_quarters: bool) -> dict[int, tuple[Decimal, int, tuple[int, ...]]]:
    """unit id → (平时成绩, how many months or quarters it is the mean of, the months it covers: the locked months
    with a sheet, or the months of the reviewed quarters).  A partial year must never pass for a whole one, so the months go wherever it is printed."""
    from sqlalchemy import Integer, type_coerce

    if of_quarters:
        from app.services.quarter import quarter_months, stored_quarter_grades

        out = {}
        for unit_id, by_quarter in stored_quarter_grades(s, year).items():
            scores = [r.score for r in by_quarter.values()]
            months = tuple(m for q in sorted(by_quarter) for m in quarter_months(q))
            out[unit_id] = (one_place(sum(scores, ZERO) / len(scores)), len(scores), months)
        return out
    q = (select(ScoreSheet.unit_id, Period.month, type_coerce(ScoreSheet.review_total, Integer))
         .join(Period, Period.id == ScoreSheet.period_id)
         .where(Period.kind == PeriodKind.MONTH, Period.year == year, Period.state == PeriodState.LOCKED))
    tenths: dict[int, dict[int, int]] = {}
    for unit_id, month, total in s.execute(q):
        tenths.setdefault(unit_id, {})[int(month or 0)] = int(total)
    return {unit_id: (one_place(Decimal(sum(by_month.values())) / 10 / len(by_month)), len(by_month),
                      tuple(sorted(by_month))) for unit_id, by_month in tenths.items()}


def year_open_parts(s: Session, year: int, of_quarters: bool, *, lock: bool = False) -> list[str]:
    """The months (and, when 平时成绩 is of quarters, the quarters) of the year not final yet, e.g.
    ["12月（草稿）"]: the year's results may not be locked while any is left, or 平时成绩 would miss them.
    `lock`: read them share-locked (a server; SQLite's writer holds the whole database), so that none is reopened
    before the caller's transaction ends."""
    def states_of(kind: PeriodKind, column: Any) -> dict[Any, PeriodState]:
        q = select(column, Period.state).where(Period.kind == kind, Period.year == year)
        if lock:
            q = q.with_for_update(read=True)
        return {k: state for k, state in s.execute(q)}

    states = states_of(PeriodKind.MONTH, Period.month)
    out = [f"{m}月（{_state_text(states.get(m))}）" for m in range(1, 13) if states.get(m) != PeriodState.LOCKED]
    if of_quarters:
        quarters = states_of(PeriodKind.QUARTER, Period.quarter)
        out += [f"第{q}季度（{_state_text(quarters.get(q))}）" for q in range(1, 5)
                if quarters.get(q) in (None, PeriodState.DRAFT)]
    return out


def _state_text(state: PeriodState | None) -> str:
    return state.value if state is not None else "未开始"


def year_vetoes(s: Session, year: int) -> set[int]:
    """Units with a 一票否决 in a locked month of the year."""
    return set(s.scalars(select(ScoreSheet.unit_id).join(Period, Period.id == ScoreSheet.period_id)
                         .where(Period.kind == PeriodKind.MONTH, Period.year == year,
                                Period.state == PeriodState.LOCKED, ScoreSheet.veto.is_(True))))


def _results(s: Session, year: int, live: bool = False) -> AnnualResults:
    rules = AnnualRules.from_settings(S.reader(s))
    period = s.scalar(select(Period).where(Period.key == year_key(year)))
    review = s.scalar(select(DutyReview).where(DutyReview.year == year))
    computed, problems = _compute(s, year, rules, review)
    bulletins = 0
    if period is not None:
        bulletins = int(s.scalar(select(func.count()).select_from(Bulletin).where(Bulletin.period_id == period.id))
                        or 0)
    held_on, voters = (review.held_on, review.voters) if review is not None else (None, 0)
    state = period.state if period is not None else None
    if live or period is None or period.state == PeriodState.DRAFT:
        return AnnualResults(year, period.id if period else None, state, rules, computed, problems, False,
                             held_on=held_on, voters=voters, bulletins=bulletins)
    stored = _stored(s, period.id, computed)
    stale = bool(problems) or _result_keys(stored) != _result_keys(computed)
    return AnnualResults(year, period.id, state, rules, stored, [], True, stale, held_on, voters, bulletins)


def _compute(s: Session, year: int, rules: AnnualRules, review: DutyReview | None
             ) -> tuple[list[AnnualRow], list[str]]:
    problems: list[str] = []
    if review is None:
        return [], [f"{year}年度述职评议还没有建立"]
    view = _review_view(s, review)
    problems += view.vote_problems()
    means = annual_means(s, year, rules.mean_of_quarters)
    vetoes = year_vetoes(s, year)
    base = []
    for r in view.reports:
        mean = means.get(r.unit_id)
        if mean is None:
            problems.append(f"{r.unit}在{year}年没有{'已复核的季度考核' if rules.mean_of_quarters else '已锁定的月度考评'}结果")
        if r.check_score is None:
            problems.append(f"{r.unit}尚未录入年终检查得分")
        rate = good_rate(r.tally)
        if rate is None and r.tally.total:
            problems.append(f"{r.unit}（{r.secretary}）没有有效票")
        base.append((r, mean, rate))
    totals: list[Decimal] = []
    for r, mean, rate in base:
        if mean is not None and r.check_score is not None and rate is not None:
            totals.append(composite(mean[0], r.check_score, rate, rules))
    if len(totals) != len(base) or problems:
        rows = [AnnualRow(r.unit_id, r.unit, r.secretary, r.post, mean[0] if mean else None,
                          mean[1] if mean else 0, r.check_score, r.tally, rate, rate, None, None, None,
                          r.unit_id in vetoes, False, "", mean[2] if mean else ())
                for r, mean, rate in base]
        return rows, problems
    ranks = competition_ranks(totals)
    graded = [annual_grade(t, rate or ZERO, r.unit_id in vetoes, rules) for (r, _m, rate), t in zip(base, totals,
                                                                                                     strict=True)]
    excellent = choose_excellent(totals, [g for g, _ in graded], [r.unit_id in vetoes for r, _, _ in base], rules)
    rows = []
    for (r, mean, rate), total, rank, (grade, note), best in zip(base, totals, ranks, graded, excellent, strict=True):
        assert mean is not None
        rows.append(AnnualRow(r.unit_id, r.unit, r.secretary, r.post, mean[0], mean[1], r.check_score, r.tally,
                              rate, rate, total, rank, grade, r.unit_id in vetoes, best, note, mean[2]))
    return sorted(rows, key=lambda x: (x.rank or 0, x.unit)), []


def _result_keys(rows: Sequence[AnnualRow]) -> dict[int, tuple[Decimal | None, Decimal | None, Grade | None, bool]]:
    """Each unit's result, by unit: units tied on 综合 may be listed in another order without any change."""
    return {r.unit_id: (r.annual_mean, r.composite, r.grade, r.excellent) for r in rows}


def _stored(s: Session, period_id: int, computed: list[AnnualRow]) -> list[AnnualRow]:
    live = {r.unit_id: r for r in computed}
    q = (select(AnnualResult, Unit.name).join(Unit, Unit.id == AnnualResult.unit_id)
         .where(AnnualResult.period_id == period_id).order_by(AnnualResult.rank, Unit.sort_order, Unit.id))
    out = []
    for a, name in s.execute(q):
        now = live.get(a.unit_id)
        tally = now.tally if now is not None else VoteTally(a.good_votes, 0, a.valid_votes - a.good_votes, 0, 0)
        rate = None if a.valid_votes == 0 else one_place(Decimal(a.good_votes) * HUNDRED / a.valid_votes)
        out.append(AnnualRow(a.unit_id, name, now.secretary if now else "", now.post if now else "", a.annual_mean,
                             now.scored if now else 0, a.check_score, tally, rate, a.vote_score, a.composite, a.rank,
                             a.grade, a.veto, a.excellent, a.note, now.mean_months if now else ()))
    return out


def _result_text(a: AnnualResult) -> str:
    return f"{fmt(a.composite)}分/{a.grade.value}" + ("/优秀单位" if a.excellent else "")


def check_annual_state(s: Session, last: LastValues) -> list[AuditFinding]:
    """Each stored annual result (综合, 等次, 优秀单位) against the last value the trail records for it."""
    q = (select(AnnualResult, Unit.name, Period.key).join(Unit, Unit.id == AnnualResult.unit_id)
         .join(Period, Period.id == AnnualResult.period_id))
    rows = ((a.id, f"{key}年度{unit}", _result_text(a)) for a, unit, key in s.execute(q))
    return compare_results(last, RESULT_ENTITY, "考核结果", rows, gone_what="年度考核结果")


def register_hooks() -> None:
    from app.services import audit as audit_trail

    if check_annual_state not in audit_trail.STATE_CHECKS:
        audit_trail.STATE_CHECKS.append(check_annual_state)


register_hooks()
