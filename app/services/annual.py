"""The year: 公开承诺 and 践诺, 责任清单, the 述职评议 with its votes, 综合, 等次 and the 党建工作优秀单位.

Rules (DOMAIN.md "Annual"; every number a setting, group 季度与年度):

- 平时成绩: the mean of the unit's locked monthly totals of the year, or (`annual.mean_of_quarters`) of its
  reviewed quarter scores.
- 好票率 = (好 + 较好) / valid votes (弃权 is not a valid vote); the 述职评议 score is 好票率 × 100.
- 综合 = 平时成绩 × `annual.weight_mean` % + 年终检查 × `annual.weight_check` % + 述职评议 × `annual.weight_vote` %
  (the weights must add up to 100), one decimal place, half up.
- 等次 by 综合 with the same cut-offs as the quarter (90 / 80 / 60); 好 also needs 好票率 ≥
  `annual.good_rate_for_good` % (else 较好); 好票率 below `annual.good_rate_floor` % caps the grade at 一般; a
  一票否决 in any month of the year caps it at 较好 (`grade.veto_cap`).
- 党建工作优秀单位: chosen from the 好 units without a 一票否决, highest 综合 first, at most
  `annual.excellent_quota_percent` % of the assessed units (rounded down); units tied at the boundary are treated
  alike (if they do not all fit, none of them is chosen).
- 一般 / 差 → a proposed 约谈 (an `Interview` of the year's period) and a 整改方案 (a `Rectification` through the
  rectification service, linked to the interview, so recording the interview does not open a second one).

Votes are entered per secretary as counts (好, 较好, 一般, 差, 弃权; their sum must equal the number of voters) or
ballot by ballot (one mark per secretary in the reports' order, typed as digits 1 好 2 较好 3 一般 4 差 0 弃权); the
counts are then derived from the ballots and no more ballots than voters are accepted.

The year's results follow the period lifecycle (a `Period` of kind 年, key "2026"): computed live while a draft,
stored at 复核 (`AnnualResult`, one audit entry each), 锁定 and 重新开放 by the scoring service; the 述职评议结果通报
(红头) is issued from the locked year with the next 文号 and stored as a `Bulletin` of the year's period.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.errors import (
    FieldProblem,
    ImportFileError,
    NotFoundError,
    OperationCancelled,
    PeriodLockedError,
    ValidationError,
)
from app.models import (
    AnnualResult,
    Bulletin,
    Commitment,
    CommitmentItem,
    Deduction,
    DutyItem,
    DutyList,
    DutyReview,
    DutyRole,
    Fulfilment,
    Grade,
    Indicator,
    IndicatorMethod,
    Interview,
    InterviewPost,
    OrgKind,
    OrgPost,
    OrgPostKind,
    PartyOrg,
    Period,
    PeriodKind,
    PeriodState,
    Rectification,
    ReviewBallot,
    ReviewReport,
    ReviewVote,
    ScoreItem,
    ScoreSheet,
    Unit,
    VoteChoice,
    VoteMode,
)
from app.services.audit import (
    AuditFinding,
    AuditLog,
    LastValues,
    compare_results,
    fmt,
    read_head,
    unit_of_work,
)
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
from app.services.scheme import ensure_scheme
from app.services.score_rules import indicator_score, parse_score
from app.services.scoring import ScoringService

SessionFactory = Callable[[], Session]
Progress = Callable[[int, int, str], None]
Cancelled = Callable[[], bool]

ZERO = Decimal(0)
HUNDRED = Decimal(100)
MAX_TEXT = 500
MAX_ITEMS = 60
MAX_REPORT = 100_000
RESULT_ENTITY = "annual_result"
CHOICES = (VoteChoice.GOOD, VoteChoice.FAIR, VoteChoice.AVERAGE, VoteChoice.POOR, VoteChoice.ABSTAIN)
MARK_OF = {"1": VoteChoice.GOOD, "2": VoteChoice.FAIR, "3": VoteChoice.AVERAGE, "4": VoteChoice.POOR,
           "0": VoteChoice.ABSTAIN}
DIGIT_OF = {v: k for k, v in MARK_OF.items()}
_TOKENS = re.compile(r"较好|一般|弃权|好|差|[0-4]")
_WORDS = {"好": "1", "较好": "2", "一般": "3", "差": "4", "弃权": "0"}


# ---------------------------------------------------------------------------------------------------------------
# pure rules


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


@dataclass(frozen=True)
class VoteTally:
    good: int = 0
    fair: int = 0
    average: int = 0
    poor: int = 0
    abstain: int = 0

    @property
    def valid(self) -> int:
        return self.good + self.fair + self.average + self.poor

    @property
    def total(self) -> int:
        return self.valid + self.abstain

    @property
    def good_votes(self) -> int:
        return self.good + self.fair

    def of(self, choice: VoteChoice) -> int:
        return {VoteChoice.GOOD: self.good, VoteChoice.FAIR: self.fair, VoteChoice.AVERAGE: self.average,
                VoteChoice.POOR: self.poor, VoteChoice.ABSTAIN: self.abstain}[choice]

    @classmethod
    def of_counts(cls, counts: dict[VoteChoice, int]) -> VoteTally:
        return cls(*(int(counts.get(c, 0)) for c in CHOICES))

    def text(self) -> str:
        return "/".join(f"{c.value}{self.of(c)}" for c in CHOICES)


def good_rate(tally: VoteTally) -> Decimal | None:
    """好票率 in per cent, one decimal place: (好 + 较好) / valid votes; None without any valid vote."""
    if tally.valid == 0:
        return None
    return one_place(Decimal(tally.good_votes) * HUNDRED / tally.valid)


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


def parse_marks(text: str, reports: int) -> str:
    """A ballot typed as digits (1 好 2 较好 3 一般 4 差 0 弃权) or words, spaces ignored → the digits."""
    raw = re.sub(r"[\s,，、;；]+", "", text or "")
    digits = "".join(_WORDS.get(t, t) for t in _TOKENS.findall(raw))
    if "".join(_TOKENS.findall(raw)) != raw:
        bad = _TOKENS.sub("", raw)[:5]
        raise ValidationError(f"选票中有无法识别的内容“{bad}”：请用1（好）、2（较好）、3（一般）、4（差）、0（弃权）逐人录入",
                              field="marks")
    if len(digits) != reports:
        raise ValidationError(f"这张选票录入了{len(digits)}人的评价，述职人共{reports}人，请逐人录入，不评价的录0（弃权）",
                              field="marks")
    return digits


# ---------------------------------------------------------------------------------------------------------------
# inputs and views


@dataclass
class CommitmentItemInput:
    content: str
    owner: str = ""
    due_on: dt.date | None = None
    id: int | None = None  # an existing item (keeps its 践诺 status)


@dataclass
class CommitmentInput:
    secretary: str
    items: list[CommitmentItemInput]
    made_on: dt.date | None = None
    post: str = "党组书记"
    note: str = ""


@dataclass(frozen=True)
class CommitmentItemView:
    id: int
    content: str
    owner: str
    due_on: dt.date | None
    status: Fulfilment
    status_note: str


@dataclass(frozen=True)
class CommitmentView:
    id: int
    unit_id: int
    unit: str
    year: int
    secretary: str
    post: str
    made_on: dt.date | None
    assessed_on: dt.date | None
    note: str
    items: list[CommitmentItemView]

    def count(self, status: Fulfilment) -> int:
        return sum(1 for i in self.items if i.status == status)


@dataclass
class DutyItemInput:
    role: DutyRole | str
    content: str
    person: str = ""
    due_on: dt.date | None = None


@dataclass
class DutyListInput:
    items: list[DutyItemInput]
    made_on: dt.date | None = None
    note: str = ""


@dataclass(frozen=True)
class DutyItemView:
    id: int
    role: DutyRole
    person: str
    content: str
    due_on: dt.date | None


@dataclass(frozen=True)
class DutyListView:
    id: int
    unit_id: int
    unit: str
    year: int
    made_on: dt.date | None
    note: str
    items: list[DutyItemView]


@dataclass(frozen=True)
class YearUnitStatus:
    """One unit's year at a glance (the 公开承诺与责任清单 list)."""

    unit_id: int
    unit: str
    secretary: str
    commitment_items: int
    fulfilled: int
    partial: int
    not_done: int
    pending: int
    duty_items: int


@dataclass
class ReviewInput:
    held_on: dt.date
    voters: int
    place: str = ""
    host: str = ""
    participants: str = ""
    note: str = ""


@dataclass(frozen=True)
class ReportView:
    id: int
    unit_id: int
    unit: str
    secretary: str
    post: str
    sort_order: int
    check_score: Decimal | None
    tally: VoteTally
    has_report: bool
    report_file: str

    @property
    def rate(self) -> Decimal | None:
        return good_rate(self.tally)


@dataclass(frozen=True)
class BallotView:
    id: int
    number: int
    marks: str


@dataclass(frozen=True)
class ReviewView:
    id: int
    year: int
    period_id: int
    state: PeriodState
    held_on: dt.date
    place: str
    host: str
    participants: str
    voters: int
    vote_mode: VoteMode
    note: str
    reports: list[ReportView]
    ballots: int

    @property
    def locked(self) -> bool:
        return self.state == PeriodState.LOCKED

    def vote_problems(self) -> list[str]:
        """What stops the tallies from counting: a secretary whose votes do not add up to the voters."""
        out = []
        if self.vote_mode == VoteMode.BALLOTS and self.ballots != self.voters:
            out.append(f"已录入选票{self.ballots}张，投票人数为{self.voters}人，尚缺{self.voters - self.ballots}张")
        for r in self.reports:
            if r.tally.total != self.voters and self.vote_mode == VoteMode.COUNTS:
                out.append(f"{r.unit}（{r.secretary or '书记'}）的票数合计{r.tally.total}张，与投票人数{self.voters}人不符")
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


@dataclass(frozen=True)
class FollowUp:
    unit_id: int
    unit: str
    grade: Grade
    interview_id: int
    rectification_id: int | None
    created: bool


# ---------------------------------------------------------------------------------------------------------------
# the service


class AnnualService:
    def __init__(self, session_factory: SessionFactory, actor: str | None = None,
                 today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._actor = actor
        self._today = today

    # --- 公开承诺 -------------------------------------------------------------------------------------------

    def year_status(self, year: int) -> list[YearUnitStatus]:
        """Every active unit (and any unit with a commitment or list that year), with its year's counts."""
        _check_year(year)
        with self._sf() as s:
            items: dict[int, Counter[Fulfilment]] = {}
            secretaries: dict[int, str] = {}
            for unit_id, secretary, status in s.execute(
                    select(Commitment.unit_id, Commitment.secretary, CommitmentItem.status)
                    .outerjoin(CommitmentItem, CommitmentItem.commitment_id == Commitment.id)
                    .where(Commitment.year == year)):
                secretaries[unit_id] = secretary
                c = items.setdefault(unit_id, Counter())
                if status is not None:
                    c[status] += 1
            duties = dict(s.execute(select(DutyList.unit_id, func.count(DutyItem.id))
                                    .outerjoin(DutyItem, DutyItem.duty_list_id == DutyList.id)
                                    .where(DutyList.year == year).group_by(DutyList.unit_id)).all())
            units = s.execute(select(Unit.id, Unit.name, Unit.party_secretary, Unit.active)
                              .order_by(Unit.sort_order, Unit.id)).all()
            out = []
            for uid, name, party_secretary, active in units:
                if not active and uid not in items and uid not in duties:
                    continue
                c = items.get(uid, Counter())
                out.append(YearUnitStatus(uid, name, secretaries.get(uid) or party_secretary, sum(c.values()),
                                          c[Fulfilment.DONE], c[Fulfilment.PARTIAL], c[Fulfilment.NOT_DONE],
                                          c[Fulfilment.PENDING], int(duties.get(uid, 0))))
            return out

    def commitment(self, unit_id: int, year: int) -> CommitmentView | None:
        with self._sf() as s:
            c = s.scalar(select(Commitment).where(Commitment.unit_id == unit_id, Commitment.year == year))
            return _commitment_view(c) if c is not None else None

    def save_commitment(self, unit_id: int, year: int, data: CommitmentInput) -> CommitmentView:
        """Create or replace the unit's 公开承诺 of the year (items given with their id keep their 践诺 status)."""
        _check_year(year)
        clean = _clean_commitment(data, year)
        with unit_of_work(self._sf, self._actor) as (s, log):
            unit = _unit(s, unit_id)
            c = s.scalar(select(Commitment).where(Commitment.unit_id == unit_id, Commitment.year == year))
            created = c is None
            if c is None:
                c = Commitment(unit_id=unit_id, year=year)
                s.add(c)
            old = {i.id: i for i in c.items}
            unknown = [i.id for i in data.items if i.id is not None and i.id not in old]
            if unknown:
                raise NotFoundError("要修改的承诺事项已不存在，请刷新后重试")
            c.secretary, c.post, c.made_on, c.note = clean["secretary"], clean["post"], clean["made_on"], clean["note"]
            c.updated_at = dt.datetime.now(dt.timezone.utc)
            keep: list[CommitmentItem] = []
            for order, (item_id, content, owner, due_on) in enumerate(clean["items"]):
                row = old.get(item_id) if item_id is not None else None
                if row is None:
                    row = CommitmentItem(content=content, status=Fulfilment.PENDING, status_note="")
                row.content, row.owner, row.due_on, row.sort_order = content, owner, due_on, order
                keep.append(row)
            c.items = keep
            s.flush()
            log.record("新建" if created else "修改", "commitment", c.id, "items", None, len(keep),
                       reason=f"{year}年{unit.name}公开承诺（{c.secretary}）")
            return _commitment_view(c)

    def assess(self, item_id: int, status: Fulfilment | str, note: str = "", on: dt.date | None = None
               ) -> CommitmentView:
        """Year-end 践诺: 已践诺 / 部分践诺 / 未践诺 (the last two need a note saying what was not done)."""
        try:
            st = status if isinstance(status, Fulfilment) else Fulfilment(str(status).strip())
        except ValueError:
            raise ValidationError("践诺情况应为已践诺、部分践诺或未践诺", field="status") from None
        note = (note or "").strip()
        if st in (Fulfilment.PARTIAL, Fulfilment.NOT_DONE) and not note:
            raise ValidationError(f"评定为“{st.value}”时请说明未完成的内容和原因", field="status_note")
        if len(note) > MAX_TEXT:
            raise ValidationError(f"践诺说明不能超过{MAX_TEXT}字", field="status_note")
        with unit_of_work(self._sf, self._actor) as (s, log):
            item = s.get(CommitmentItem, item_id)
            if item is None:
                raise NotFoundError(f"承诺事项不存在（编号 {item_id}）")
            if item.status != st:
                log.record("践诺评定", "commitment_item", item.id, "status", item.status, st,
                           reason=note or item.content[:60])
            item.status, item.status_note = st, note
            item.commitment.assessed_on = on or self._today()
            s.flush()
            return _commitment_view(item.commitment)

    # --- 责任清单 -------------------------------------------------------------------------------------------

    def duty_list(self, unit_id: int, year: int) -> DutyListView | None:
        with self._sf() as s:
            d = s.scalar(select(DutyList).where(DutyList.unit_id == unit_id, DutyList.year == year))
            return _duty_view(d) if d is not None else None

    def suggested_duties(self, unit_id: int, year: int) -> list[DutyItemInput]:
        """A starting 责任清单 from the register: the 党组书记 as 第一责任人, 班子成员 一岗双责, and the current
        书记 of the unit's 机关党委 and branches."""
        with self._sf() as s:
            unit = _unit(s, unit_id)
            secretaries = _org_secretaries(s, [unit_id], dt.date(year, 12, 31)).get(unit_id, [])
        return default_duties(unit.party_secretary, secretaries, year)

    def save_duty_list(self, unit_id: int, year: int, data: DutyListInput) -> DutyListView:
        _check_year(year)
        items = _clean_duties(data, year)
        with unit_of_work(self._sf, self._actor) as (s, log):
            unit = _unit(s, unit_id)
            d = s.scalar(select(DutyList).where(DutyList.unit_id == unit_id, DutyList.year == year))
            created = d is None
            if d is None:
                d = DutyList(unit_id=unit_id, year=year)
                s.add(d)
            d.made_on, d.note = data.made_on, (data.note or "").strip()
            d.updated_at = dt.datetime.now(dt.timezone.utc)
            d.items = [DutyItem(role=role, person=person, content=content, due_on=due, sort_order=i)
                       for i, (role, person, content, due) in enumerate(items)]
            s.flush()
            log.record("新建" if created else "修改", "duty_list", d.id, "items", None, len(items),
                       reason=f"{year}年{unit.name}党建工作责任清单")
            return _duty_view(d)

    # --- printable documents ---------------------------------------------------------------------------------

    def commitment_document(self, unit_id: int, year: int, *, with_fulfilment: bool = False
                            ) -> tuple[str, bytes]:
        """(file name, .docx) of the 公开承诺书, or with the year-end 践诺情况."""
        from app.reports.annual import build_commitment, commitment_filename

        view = self.commitment(unit_id, year)
        if view is None:
            raise NotFoundError(f"该单位{year}年还没有公开承诺")
        issuer, style, county = self._document_settings()
        content = commitment_content(view, county, with_fulfilment)
        return commitment_filename(content), build_commitment(content, issuer, style)

    def duty_list_document(self, unit_id: int, year: int) -> tuple[str, bytes]:
        from app.reports.annual import build_duty_list, duty_list_filename

        view = self.duty_list(unit_id, year)
        if view is None:
            raise NotFoundError(f"该单位{year}年还没有党建工作责任清单")
        issuer, style, county = self._document_settings()
        content = duty_list_content(view, county)
        return duty_list_filename(content), build_duty_list(content, issuer, style)

    def _document_settings(self) -> tuple[Any, Any, str]:
        from app.reports.config import issuer_from_settings, style_from_settings

        with self._sf() as s:
            read = S.reader(s)
            return issuer_from_settings(read), style_from_settings(read), str(read(S.COUNTY_NAME)).strip()

    # --- 述职评议 -------------------------------------------------------------------------------------------

    def review(self, year: int) -> ReviewView | None:
        with self._sf() as s:
            r = s.scalar(select(DutyReview).where(DutyReview.year == year))
            return _review_view(s, r) if r is not None else None

    def create_review(self, year: int, data: ReviewInput, unit_ids: Sequence[int] | None = None) -> ReviewView:
        """The year's 述职评议 meeting with a reporting secretary for each unit (default: every active unit,
        its 党组书记 from the register)."""
        _check_year(year)
        clean = _clean_review(data, year)
        with unit_of_work(self._sf, self._actor) as (s, log):
            if s.scalar(select(DutyReview.id).where(DutyReview.year == year)) is not None:
                raise ValidationError(f"{year}年度述职评议已经建立", field="year")
            period = ensure_year_period(s, log, year)
            if period.state != PeriodState.DRAFT:
                raise PeriodLockedError(f"{year}年度考核结果已{period.state.value}，不能再建立述职评议")
            review = DutyReview(year=year, period_id=period.id, vote_mode=VoteMode.COUNTS, **clean)
            s.add(review)
            s.flush()
            ids = list(unit_ids) if unit_ids is not None else list(s.scalars(
                select(Unit.id).where(Unit.active.is_(True)).order_by(Unit.sort_order, Unit.id)))
            _add_reports(s, review, ids)
            log.record("新建", "duty_review", review.id, "voters", None, review.voters,
                       reason=f"{year}年度述职评议（{len(ids)}名书记述职）")
            return _review_view(s, review)

    def update_review(self, year: int, data: ReviewInput) -> ReviewView:
        clean = _clean_review(data, year)
        with unit_of_work(self._sf, self._actor) as (s, log):
            review = _editable_review(s, year)
            if len(review.ballots) > clean["voters"]:
                raise ValidationError(f"已录入选票{len(review.ballots)}张，投票人数不能少于此数", field="voters")
            if review.voters != clean["voters"]:
                log.record("修改", "duty_review", review.id, "voters", review.voters, clean["voters"])
            for k, v in clean.items():
                setattr(review, k, v)
            s.flush()
            return _review_view(s, review)

    def add_reports(self, year: int, unit_ids: Sequence[int]) -> ReviewView:
        with unit_of_work(self._sf, self._actor) as (s, _log):
            review = _editable_review(s, year)
            _no_ballots(review)
            have = {r.unit_id for r in review.reports}
            _add_reports(s, review, [u for u in unit_ids if u not in have])
            return _review_view(s, review)

    def remove_report(self, report_id: int) -> ReviewView:
        with unit_of_work(self._sf, self._actor) as (s, log):
            report = _report(s, report_id)
            review = _editable_review(s, report.review.year)
            _no_ballots(review)
            log.record("删除", "review_report", report.id, "", f"{report.unit.name} {report.secretary}", None)
            s.delete(report)
            s.flush()
            s.expire(review)
            return _review_view(s, review)

    def update_report(self, report_id: int, secretary: str, post: str = "党组书记") -> ReportView:
        secretary, post = (secretary or "").strip(), (post or "").strip() or "党组书记"
        if not secretary or len(secretary) > 40 or len(post) > 40:
            raise ValidationError("请填写述职人姓名（不超过40字）", field="secretary")
        with unit_of_work(self._sf, self._actor) as (s, _log):
            report = _report(s, report_id)
            _editable_review(s, report.review.year)
            report.secretary, report.post = secretary, post
            s.flush()
            return _report_view(s, report)

    def report_text(self, report_id: int) -> str:
        with self._sf() as s:
            return _report(s, report_id).report_text

    def set_report_text(self, report_id: int, text: str, file_name: str = "") -> ReportView:
        """The 述职报告 as entered text (paragraphs separated by line breaks)."""
        text = "\n".join(line.rstrip() for line in (text or "").replace("\r\n", "\n").split("\n")).strip()
        if len(text) > MAX_REPORT:
            raise ValidationError(f"述职报告不能超过{MAX_REPORT}字", field="report_text")
        with unit_of_work(self._sf, self._actor) as (s, _log):
            report = _report(s, report_id)
            report.report_text, report.report_file = text, file_name[:260]
            s.flush()
            return _report_view(s, report)

    def import_report(self, report_id: int, path: str | Path) -> ReportView:
        """The 述职报告 from the unit's .docx: its paragraphs' text, in order (formatting is not kept)."""
        p = Path(path)
        return self.set_report_text(report_id, "\n".join(read_docx_paragraphs(p)), p.name)

    def set_check_score(self, report_id: int, value: Any) -> ReportView:
        """年终检查 score (0–100, one decimal place); None or "" clears it."""
        score = None
        if value not in (None, ""):
            score = parse_score(value, "check_score", "年终检查得分")
            assert score is not None
            if score > HUNDRED:
                raise ValidationError("年终检查得分不能超过100分", field="check_score")
        with unit_of_work(self._sf, self._actor) as (s, log):
            report = _report(s, report_id)
            _editable_review(s, report.review.year)
            if report.check_score != score:
                log.record("年终检查", "review_report", report.id, "check_score", report.check_score, score,
                           reason=report.unit.name)
                report.check_score = score
            s.flush()
            return _report_view(s, report)

    def set_votes(self, report_id: int, tally: VoteTally) -> ReportView:
        """One secretary's votes as counts; their sum (弃权 included) must equal the number of voters."""
        values = [tally.of(c) for c in CHOICES]
        if any(not isinstance(v, int) or v < 0 for v in values):
            raise ValidationError("票数应为不小于0的整数", field="votes")
        with unit_of_work(self._sf, self._actor) as (s, log):
            report = _report(s, report_id)
            review = _editable_review(s, report.review.year)
            if review.ballots:
                raise ValidationError("本次述职评议已逐张录入选票，票数由选票统计得出；如改为按票数录入，请先清空选票",
                                      field="votes")
            if tally.total != review.voters:
                raise ValidationError(f"{report.unit.name}（{report.secretary or '书记'}）的票数合计{tally.total}张"
                                      f"（好{tally.good}、较好{tally.fair}、一般{tally.average}、差{tally.poor}、"
                                      f"弃权{tally.abstain}），与投票人数{review.voters}人不符", field="votes")
            old = _tally(report)
            if old != tally:
                _write_tally(s, report, tally)
                log.record("评议票数", "review_report", report.id, "votes", old.text(), tally.text(),
                           reason=report.unit.name)
            review.vote_mode = VoteMode.COUNTS
            s.flush()
            return _report_view(s, report)

    def ballots(self, year: int) -> list[BallotView]:
        with self._sf() as s:
            review = _review(s, year)
            return [BallotView(b.id, b.number, b.marks) for b in review.ballots]

    def add_ballot(self, year: int, marks: str) -> BallotView:
        """One voter's ballot; the counts of every secretary are derived again from all ballots."""
        with unit_of_work(self._sf, self._actor) as (s, log):
            review = _editable_review(s, year)
            if not review.reports:
                raise ValidationError("还没有述职人，不能录入选票", field="marks")
            digits = parse_marks(marks, len(review.reports))
            if len(review.ballots) >= review.voters:
                raise ValidationError(f"已录入选票{len(review.ballots)}张，已达投票人数{review.voters}人，不能再录入；"
                                      "如投票人数有误，请先修改", field="marks")
            if review.vote_mode == VoteMode.COUNTS and any(_tally(r).total for r in review.reports):
                raise ValidationError("本次述职评议已按票数录入；如改为逐张录入选票，请先清空票数", field="marks")
            number = max((b.number for b in review.ballots), default=0) + 1
            ballot = ReviewBallot(review_id=review.id, number=number, marks=digits, entered_by=log.who)
            s.add(ballot)
            review.vote_mode = VoteMode.BALLOTS
            s.flush()
            log.record("录入选票", "review_ballot", ballot.id, "marks", None, digits, reason=f"第{number}张")
            _derive_tallies(s, review)
            return BallotView(ballot.id, ballot.number, ballot.marks)

    def remove_ballot(self, ballot_id: int) -> None:
        with unit_of_work(self._sf, self._actor) as (s, log):
            ballot = s.get(ReviewBallot, ballot_id)
            if ballot is None:
                raise NotFoundError(f"选票不存在（编号 {ballot_id}）")
            review = _editable_review(s, ballot.review.year)
            log.record("删除选票", "review_ballot", ballot.id, "marks", ballot.marks, None, reason=f"第{ballot.number}张")
            s.delete(ballot)
            s.flush()
            s.expire(review)
            _derive_tallies(s, review)

    def clear_votes(self, year: int, reason: str = "") -> ReviewView:
        """Every ballot and count removed (to switch between counts and ballots, or to start again)."""
        with unit_of_work(self._sf, self._actor) as (s, log):
            review = _editable_review(s, year)
            for b in review.ballots:
                log.record("删除选票", "review_ballot", b.id, "marks", b.marks, None, reason=reason or "清空")
            s.execute(delete(ReviewBallot).where(ReviewBallot.review_id == review.id))
            for r in review.reports:
                old = _tally(r)
                if old.total:
                    log.record("评议票数", "review_report", r.id, "votes", old.text(), VoteTally().text(),
                               reason=reason or "清空")
                _write_tally(s, r, VoteTally())
            review.vote_mode = VoteMode.COUNTS
            s.flush()
            s.expire_all()
            return _review_view(s, _review(s, year))

    # --- results --------------------------------------------------------------------------------------------

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

    def _year_period_id(self, year: int) -> int:
        with self._sf() as s:
            return _year_period(s, year).id

    # --- 一般 / 差 → 约谈 and 整改方案 -----------------------------------------------------------------------

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

    # --- the 述职评议结果通报 --------------------------------------------------------------------------------

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

    def blank_ballot_document(self, year: int) -> tuple[str, bytes]:
        """The blank 述职评议测评表 for the meeting: every reporting secretary, boxes to tick."""
        from app.reports.annual import BallotFormContent, BallotLine, ballot_filename, build_ballot_form

        review = self.review(year)
        if review is None or not review.reports:
            raise NotFoundError(f"{year}年度述职评议还没有述职人")
        issuer, style, county = self._document_settings()
        content = BallotFormContent(year, tuple(BallotLine(r.unit, r.secretary, r.post) for r in review.reports),
                                    review.held_on, county)
        return ballot_filename(content), build_ballot_form(content, issuer, style)


# ---------------------------------------------------------------------------------------------------------------
# documents' content from views (also used by the packets)


def commitment_content(view: CommitmentView, county: str, with_fulfilment: bool) -> Any:
    from app.reports.annual import CommitmentContent, CommitmentLine

    return CommitmentContent(
        year=view.year, unit=view.unit, secretary=view.secretary, post=view.post, made_on=view.made_on,
        items=tuple(CommitmentLine(i.content, i.owner, i.due_on, i.status.value, i.status_note) for i in view.items),
        with_fulfilment=with_fulfilment, assessed_on=view.assessed_on, county=county)


def duty_list_content(view: DutyListView, county: str) -> Any:
    from app.reports.annual import DutyLine, DutyListContent

    return DutyListContent(year=view.year, unit=view.unit, made_on=view.made_on,
                           items=tuple(DutyLine(i.role.value, i.person, i.content, i.due_on) for i in view.items),
                           county=county)


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


def default_duties(party_secretary: str, secretaries: Sequence[tuple[OrgKind, str, str]], year: int
                   ) -> list[DutyItemInput]:
    """The usual 责任清单 of a unit: what the 党组书记 (第一责任人), the 班子成员 (一岗双责) and each 书记 answer for."""
    items = [
        DutyItemInput(DutyRole.PARTY_GROUP_SECRETARY, "履行机关党建第一责任人职责，每年至少专题研究党建工作2次，"
                      "每半年至少听取一次机关党委（支部）工作汇报", party_secretary),
        DutyItemInput(DutyRole.PARTY_GROUP_SECRETARY, "年初作出公开承诺，年底述职接受评议，带头讲党课", party_secretary,
                      dt.date(year, 12, 31)),
        DutyItemInput(DutyRole.LEADERSHIP_MEMBER, "落实“一岗双责”，抓好分管领域党建工作，每人确定1至2个基层党建工作"
                      "联系点并定期调研指导", "班子成员"),
        DutyItemInput(DutyRole.LEADERSHIP_MEMBER, "以普通党员身份参加所在支部组织生活", "班子成员"),
    ]
    for kind, name, org in secretaries:
        if kind == OrgKind.ORGAN_COMMITTEE:
            items.append(DutyItemInput(DutyRole.ORGAN_COMMITTEE_SECRETARY, f"主持{org}日常工作，制定年度党建工作计划，"
                                       "督促各支部落实“三会一课”等制度，每半年向党组汇报工作", name))
        else:
            items.append(DutyItemInput(DutyRole.BRANCH_SECRETARY, f"抓好{org}“三会一课”、主题党日、组织生活会和"
                                       "民主评议党员，按时完成支委换届和党员发展工作", name))
    return items


def read_docx_paragraphs(path: Path) -> list[str]:
    """The non-empty paragraphs of a .docx, in order; a file that is not one is refused with a message."""
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if not path.is_file():
        raise ImportFileError(f"文件不存在：{path}")
    if path.suffix.lower() == ".doc":
        raise ImportFileError(f"“{path.name}”是旧版Word文档（.doc），请在Word或WPS中另存为.docx后再导入")
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ImportFileError(f"“{path.name}”不是有效的Word文档（.docx），无法读取述职报告") from exc
    lines = [p.text.strip() for p in document.paragraphs if p.text.strip()]
    if not lines:
        raise ImportFileError(f"“{path.name}”中没有文字内容")
    return lines


# ---------------------------------------------------------------------------------------------------------------
# validation


def _check_year(year: int) -> None:
    if not 2000 <= int(year) <= 2100:
        raise ValidationError("年度应在2000年至2100年之间", field="year")


def _text(value: str, fld: str, label: str, limit: int, problems: list[FieldProblem], row: int | None = None,
          required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        problems.append(FieldProblem(fld, f"请填写{label}", row))
    if len(text) > limit:
        problems.append(FieldProblem(fld, f"{label}不能超过{limit}字", row))
    return text


def _within_year(day: dt.date | None, year: int, fld: str, label: str, problems: list[FieldProblem],
                 row: int | None = None, early: int = 0) -> None:
    if day is None:
        return
    first = dt.date(year, 1, 1) - dt.timedelta(days=early)
    if not first <= day <= dt.date(year, 12, 31):
        problems.append(FieldProblem(fld, f"{label}应在{year}年内", row))


def _clean_commitment(data: CommitmentInput, year: int) -> dict[str, Any]:
    problems: list[FieldProblem] = []
    secretary = _text(data.secretary, "secretary", "承诺人（书记）姓名", 40, problems, required=True)
    post = _text(data.post, "post", "承诺人职务", 40, problems) or "党组书记"
    note = _text(data.note, "note", "备注", MAX_TEXT, problems)
    _within_year(data.made_on, year, "made_on", "承诺日期", problems, early=31)
    if not data.items:
        problems.append(FieldProblem("items", "请至少填写一项承诺事项"))
    if len(data.items) > MAX_ITEMS:
        problems.append(FieldProblem("items", f"承诺事项最多{MAX_ITEMS}项"))
    items = []
    for i, it in enumerate(data.items, 1):
        content = _text(it.content, "content", "承诺事项", MAX_TEXT, problems, i, required=True)
        owner = _text(it.owner, "owner", "责任人", 40, problems, i)
        if it.due_on is None:
            problems.append(FieldProblem("due_on", "请填写完成时限", i))
        _within_year(it.due_on, year, "due_on", "完成时限", problems, i)
        items.append((it.id, content, owner, it.due_on))
    if problems:
        raise ValidationError(problems)
    return {"secretary": secretary, "post": post, "made_on": data.made_on, "note": note, "items": items}


def _clean_duties(data: DutyListInput, year: int) -> list[tuple[DutyRole, str, str, dt.date | None]]:
    problems: list[FieldProblem] = []
    _within_year(data.made_on, year, "made_on", "制定日期", problems, early=31)
    if not data.items:
        problems.append(FieldProblem("items", "请至少填写一项责任"))
    if len(data.items) > MAX_ITEMS:
        problems.append(FieldProblem("items", f"责任事项最多{MAX_ITEMS}项"))
    out = []
    for i, it in enumerate(data.items, 1):
        try:
            role = it.role if isinstance(it.role, DutyRole) else DutyRole(str(it.role).strip())
        except ValueError:
            problems.append(FieldProblem("role", "责任主体应为党组书记、班子成员、机关党委书记或支部书记", i))
            continue
        content = _text(it.content, "content", "责任内容", MAX_TEXT, problems, i, required=True)
        person = _text(it.person, "person", "责任人", 40, problems, i)
        _within_year(it.due_on, year, "due_on", "完成时限", problems, i)
        out.append((role, person, content, it.due_on))
    if out and not any(role == DutyRole.PARTY_GROUP_SECRETARY for role, *_ in out):
        problems.append(FieldProblem("role", "责任清单须明确党组书记（第一责任人）的责任"))
    if problems:
        raise ValidationError(problems)
    return out


def _clean_review(data: ReviewInput, year: int) -> dict[str, Any]:
    problems: list[FieldProblem] = []
    if not isinstance(data.held_on, dt.date):
        problems.append(FieldProblem("held_on", "请填写评议会召开日期"))
    elif not dt.date(year, 10, 1) <= data.held_on <= dt.date(year + 1, 3, 31):
        problems.append(FieldProblem("held_on", f"{year}年度述职评议应在{year}年10月至{year + 1}年3月间召开"))
    if not isinstance(data.voters, int) or isinstance(data.voters, bool) or not 1 <= data.voters <= 2000:
        problems.append(FieldProblem("voters", "投票人数应为1至2000的整数"))
    clean = {
        "held_on": data.held_on, "voters": data.voters,
        "place": _text(data.place, "place", "地点", 100, problems),
        "host": _text(data.host, "host", "主持人", 100, problems),
        "participants": _text(data.participants, "participants", "参会人员", 2000, problems),
        "note": _text(data.note, "note", "备注", MAX_TEXT, problems),
    }
    if problems:
        raise ValidationError(problems)
    return clean


# ---------------------------------------------------------------------------------------------------------------
# reading helpers


def _unit(s: Session, unit_id: int) -> Unit:
    u = s.get(Unit, unit_id)
    if u is None:
        raise NotFoundError(f"单位不存在（编号 {unit_id}）")
    return u


def _commitment_view(c: Commitment) -> CommitmentView:
    return CommitmentView(c.id, c.unit_id, c.unit.name, c.year, c.secretary, c.post, c.made_on, c.assessed_on,
                          c.note, [CommitmentItemView(i.id, i.content, i.owner, i.due_on, i.status, i.status_note)
                                   for i in c.items])


def _duty_view(d: DutyList) -> DutyListView:
    return DutyListView(d.id, d.unit_id, d.unit.name, d.year, d.made_on, d.note,
                        [DutyItemView(i.id, i.role, i.person, i.content, i.due_on) for i in d.items])


def _org_secretaries(s: Session, unit_ids: Sequence[int], on: dt.date) -> dict[int, list[tuple[OrgKind, str, str]]]:
    """unit id → (organisation kind, 书记's name, organisation) of its organisations' current 书记."""
    from app.models import Member

    q = (select(PartyOrg.unit_id, PartyOrg.kind, Member.name, PartyOrg.name)
         .join(OrgPost, OrgPost.org_id == PartyOrg.id).join(Member, Member.id == OrgPost.member_id)
         .where(PartyOrg.unit_id.in_(list(unit_ids)), PartyOrg.active.is_(True),
                OrgPost.kind == OrgPostKind.SECRETARY, OrgPost.start_on <= on,
                (OrgPost.end_on.is_(None)) | (OrgPost.end_on >= on))
         .order_by(PartyOrg.sort_order, PartyOrg.id))
    out: dict[int, list[tuple[OrgKind, str, str]]] = {}
    for unit_id, kind, name, org in s.execute(q):
        out.setdefault(unit_id, []).append((kind, name, org))
    return out


def year_key(year: int) -> str:
    return f"{year:04d}"


def ensure_year_period(s: Session, log: AuditLog, year: int) -> Period:
    period = s.scalar(select(Period).where(Period.key == year_key(year)))
    if period is not None:
        return period
    scheme_id = s.scalar(select(Period.scheme_id).where(Period.kind == PeriodKind.MONTH, Period.year == year)
                         .order_by(Period.month.desc()).limit(1))
    if scheme_id is None:
        scheme_id = ensure_scheme(s, log, year).id
    period = Period(key=year_key(year), kind=PeriodKind.YEAR, year=year, state=PeriodState.DRAFT, scheme_id=scheme_id)
    s.add(period)
    s.flush()
    log.record("新建", "period", period.id, "state", None, PeriodState.DRAFT, reason=f"{year}年度述职评议考核")
    return period


def _year_period(s: Session, year: int) -> Period:
    p = s.scalar(select(Period).where(Period.key == year_key(year)))
    if p is None:
        raise NotFoundError(f"{year}年度述职评议考核还没有开始")
    return p


def _review(s: Session, year: int) -> DutyReview:
    r = s.scalar(select(DutyReview).where(DutyReview.year == year))
    if r is None:
        raise NotFoundError(f"{year}年度述职评议还没有建立")
    return r


def _editable_review(s: Session, year: int) -> DutyReview:
    review = _review(s, year)
    if review.period.state == PeriodState.LOCKED:
        raise PeriodLockedError(f"{year}年度考核结果已锁定，述职评议不能修改；如需更正，请由管理员重新开放")
    if review.period.state == PeriodState.REVIEWED:
        raise ValidationError(f"{year}年度考核结果已复核，修改前请先取消复核", field="state")
    return review


def _no_ballots(review: DutyReview) -> None:
    if review.ballots:
        raise ValidationError("已逐张录入选票，述职人名单不能再增减（选票按名单顺序录入）；如需调整，请先清空选票",
                              field="reports")


def _report(s: Session, report_id: int) -> ReviewReport:
    r = s.get(ReviewReport, report_id)
    if r is None:
        raise NotFoundError(f"述职人不存在（编号 {report_id}）")
    return r


def _add_reports(s: Session, review: DutyReview, unit_ids: Sequence[int]) -> None:
    top = max((r.sort_order for r in review.reports), default=-1)
    units = {u.id: u for u in s.scalars(select(Unit).where(Unit.id.in_(list(unit_ids))))}
    missing = [u for u in unit_ids if u not in units]
    if missing:
        raise NotFoundError(f"单位不存在（编号 {missing[0]}）")
    for i, unit_id in enumerate(unit_ids, 1):
        review.reports.append(ReviewReport(unit_id=unit_id, sort_order=top + i,
                                           secretary=units[unit_id].party_secretary, post="党组书记"))
    s.flush()


def _tally(report: ReviewReport) -> VoteTally:
    return VoteTally.of_counts({v.choice: v.votes for v in report.votes})


def _write_tally(s: Session, report: ReviewReport, tally: VoteTally) -> None:
    rows = {v.choice: v for v in report.votes}
    for c in CHOICES:
        row = rows.get(c)
        if row is None:
            report.votes.append(ReviewVote(choice=c, votes=tally.of(c)))
        else:
            row.votes = tally.of(c)
    s.flush()


def _derive_tallies(s: Session, review: DutyReview) -> None:
    """Every secretary's counts from the ballots (mark i of a ballot is for the i-th report)."""
    reports = sorted(review.reports, key=lambda r: (r.sort_order, r.id))
    marks = list(s.scalars(select(ReviewBallot.marks).where(ReviewBallot.review_id == review.id)))
    for i, report in enumerate(reports):
        counts = Counter(MARK_OF[m[i]] for m in marks if i < len(m))
        _write_tally(s, report, VoteTally.of_counts(dict(counts)))


def _report_view(s: Session, r: ReviewReport) -> ReportView:
    return ReportView(r.id, r.unit_id, r.unit.name, r.secretary, r.post, r.sort_order, r.check_score, _tally(r),
                      bool(r.report_text.strip()), r.report_file)


def _review_view(s: Session, r: DutyReview) -> ReviewView:
    tallies: dict[int, dict[VoteChoice, int]] = {}
    for report_id, choice, votes in s.execute(
            select(ReviewVote.report_id, ReviewVote.choice, ReviewVote.votes)
            .join(ReviewReport, ReviewReport.id == ReviewVote.report_id).where(ReviewReport.review_id == r.id)):
        tallies.setdefault(report_id, {})[choice] = votes
    q = (select(ReviewReport.id, ReviewReport.unit_id, Unit.name, ReviewReport.secretary, ReviewReport.post,
                ReviewReport.sort_order, ReviewReport.check_score, func.length(ReviewReport.report_text) > 0,
                ReviewReport.report_file)
         .join(Unit, Unit.id == ReviewReport.unit_id).where(ReviewReport.review_id == r.id)
         .order_by(ReviewReport.sort_order, ReviewReport.id))
    reports = [ReportView(rid, uid, name, sec, post, order, check, VoteTally.of_counts(tallies.get(rid, {})),
                          bool(has), file) for rid, uid, name, sec, post, order, check, has, file in s.execute(q)]
    ballots = int(s.scalar(select(func.count()).select_from(ReviewBallot).where(ReviewBallot.review_id == r.id))
                  or 0)
    return ReviewView(r.id, r.year, r.period_id, r.period.state, r.held_on, r.place, r.host, r.participants,
                      r.voters, r.vote_mode, r.note, reports, ballots)


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


# ---------------------------------------------------------------------------------------------------------------
# audit: the stored results against the trail


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
