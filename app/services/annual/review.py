"""The year's 述职评议: the meeting, the 述职人 (one 书记 a unit) with their 述职报告 and 年终检查 score, and the votes.

- 好票率 = (好 + 较好) / valid votes (弃权 is not a valid vote); the 述职评议 score is 好票率 × 100.

Votes are entered per secretary as counts (好, 较好, 一般, 差, 弃权; their sum must equal the number of voters) or
ballot by ballot (one mark per secretary in the reports' order, typed as digits 1 好 2 较好 3 一般 4 差 0 弃权); the
counts are then derived from the ballots and no more ballots than voters are accepted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.errors import FieldProblem, ImportFileError, NotFoundError, PeriodLockedError, ValidationError
from app.models import (
    DutyReview,
    PeriodState,
    ReviewBallot,
    ReviewReport,
    ReviewVote,
    Unit,
    VoteChoice,
    VoteMode,
)
from app.services import unit_scope
from app.services.annual.common import HUNDRED, MAX_TEXT, YearService, _check_year, _text, ensure_year_period
from app.services.audit import unit_of_work
from app.services.quarter import one_place
from app.services.score_rules import parse_score

MAX_REPORT = 100_000
CHOICES = (VoteChoice.GOOD, VoteChoice.FAIR, VoteChoice.AVERAGE, VoteChoice.POOR, VoteChoice.ABSTAIN)
MARK_OF = {"1": VoteChoice.GOOD, "2": VoteChoice.FAIR, "3": VoteChoice.AVERAGE, "4": VoteChoice.POOR,
           "0": VoteChoice.ABSTAIN}
DIGIT_OF = {v: k for k, v in MARK_OF.items()}
_TOKENS = re.compile(r"较好|一般|弃权|好|差|[0-4]")
_WORDS = {"好": "1", "较好": "2", "一般": "3", "差": "4", "弃权": "0"}


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


@unit_scope.committee_only("办理年度承诺、述职评议和年度考评")
class DutyReviewService(YearService):
    """The 述职评议: its meeting, 述职人, 述职报告, 年终检查 scores, votes and ballots."""

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
