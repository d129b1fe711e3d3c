"""The quarter and the year: 分级量化考核 results, 公开承诺, 责任清单 and the 述职评议 with its votes.

- `QuarterResult`: one unit's graded result of a quarter, stored when the quarter is reviewed (复核) so that a
  locked quarter keeps exactly what it graded; while the quarter is a draft the grading is computed live.
- `Commitment` → `CommitmentItem`: the secretary's 公开承诺 of a year, each item with who and by when, and at
  year end its 践诺 status (已践诺 / 部分践诺 / 未践诺) with a note.
- `DutyList` → `DutyItem`: the unit's 党建工作责任清单 of a year (党组书记 第一责任人, 班子成员 一岗双责, 机关党委书记,
  支部书记), each item under one of the 三大责任制 (机关党建, 党风廉政建设, 意识形态: `DutyCategory`).
- `DutyReview`: the year's 述职评议 meeting; `ReviewReport`: one secretary who reports (述职报告 text, the
  unit's 年终检查 score); `ReviewVote`: the tally of one choice for one report; `ReviewBallot`: one voter's
  ballot as entered (one mark per report, in the reports' order), from which the tallies are derived.
- `AnnualResult`: one unit's 综合 result of the year, stored when the year's results are reviewed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Score, UTCDateTime, utcnow
from app.models.enums import LabelEnum
from app.models.register import Unit, label_enum
from app.models.scoring import Period


class Grade(LabelEnum):
    """等次 of a quarter's 分级量化考核 and of the year's 述职评议."""

    GOOD = "好"
    FAIR = "较好"
    AVERAGE = "一般"
    POOR = "差"


class VoteChoice(LabelEnum):
    """What a voter marked for one secretary; 弃权 covers blank and spoilt marks (not a valid vote)."""

    GOOD = "好"
    FAIR = "较好"
    AVERAGE = "一般"
    POOR = "差"
    ABSTAIN = "弃权"


class Fulfilment(LabelEnum):
    """践诺 status of a commitment item at year end."""

    PENDING = "未评定"
    DONE = "已践诺"
    PARTIAL = "部分践诺"
    NOT_DONE = "未践诺"


class DutyRole(LabelEnum):
    """Whose responsibility a 责任清单 item is."""

    PARTY_GROUP_SECRETARY = "党组书记"  # 第一责任人
    LEADERSHIP_MEMBER = "班子成员"  # 一岗双责
    ORGAN_COMMITTEE_SECRETARY = "机关党委书记"
    BRANCH_SECRETARY = "支部书记"


class DutyCategory(LabelEnum):
    """Which of the 三大责任制 a 责任清单 item belongs to."""

    PARTY_BUILDING = "机关党建"
    INTEGRITY = "党风廉政建设"
    IDEOLOGY = "意识形态"


class VoteMode(LabelEnum):
    COUNTS = "按票数录入"
    BALLOTS = "逐张录入选票"


class QuarterResult(Base):
    """One unit's 分级量化考核 result of a quarter (period kind 季), as reviewed."""

    __tablename__ = "quarter_result"
    __table_args__ = (UniqueConstraint("period_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    score: Mapped[Decimal] = mapped_column(Score)
    month_scores: Mapped[str] = mapped_column(String(40), default="")  # "95.0,92.5,—" months 1..3 of the quarter
    rank: Mapped[int] = mapped_column(Integer)
    grade: Mapped[Grade] = mapped_column(label_enum(Grade))
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")  # why the grade is below what the score gives

    period: Mapped[Period] = relationship()
    unit: Mapped[Unit] = relationship()


class Commitment(Base):
    """公开承诺 of a unit's secretary for a year."""

    __tablename__ = "commitment"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    secretary: Mapped[str] = mapped_column(String(40), default="")  # 承诺人 (党组织书记)
    post: Mapped[str] = mapped_column(String(40), default="党组书记")
    made_on: Mapped[dt.date | None] = mapped_column(Date)  # 承诺日期 (January)
    assessed_on: Mapped[dt.date | None] = mapped_column(Date)  # 践诺情况 date (December)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    items: Mapped[list[CommitmentItem]] = relationship(
        back_populates="commitment", order_by="CommitmentItem.sort_order", cascade="all, delete-orphan")


class CommitmentItem(Base):
    __tablename__ = "commitment_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id", ondelete="CASCADE"), index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[str] = mapped_column(Text)  # 承诺事项
    owner: Mapped[str] = mapped_column(String(40), default="")  # 责任人
    due_on: Mapped[dt.date | None] = mapped_column(Date)  # 完成时限
    status: Mapped[Fulfilment] = mapped_column(label_enum(Fulfilment), default=Fulfilment.PENDING)
    status_note: Mapped[str] = mapped_column(Text, default="")  # 践诺说明

    commitment: Mapped[Commitment] = relationship(back_populates="items")


class DutyList(Base):
    """党建工作责任清单 of a unit for a year."""

    __tablename__ = "duty_list"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    made_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    items: Mapped[list[DutyItem]] = relationship(
        back_populates="duty_list", order_by="DutyItem.sort_order", cascade="all, delete-orphan")


class DutyItem(Base):
    __tablename__ = "duty_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_list_id: Mapped[int] = mapped_column(ForeignKey("duty_list.id", ondelete="CASCADE"), index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[DutyRole] = mapped_column(label_enum(DutyRole))
    category: Mapped[DutyCategory] = mapped_column(label_enum(DutyCategory), default=DutyCategory.PARTY_BUILDING,
                                                   server_default=DutyCategory.PARTY_BUILDING.value)
    person: Mapped[str] = mapped_column(String(40), default="")  # who holds the role
    content: Mapped[str] = mapped_column(Text)  # 责任内容
    due_on: Mapped[dt.date | None] = mapped_column(Date)  # 完成时限; None: 长期坚持 (all year)

    duty_list: Mapped[DutyList] = relationship(back_populates="items")


class DutyReview(Base):
    """述职评议 meeting of a year (period kind 年 holds its lifecycle and its 通报)."""

    __tablename__ = "duty_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="RESTRICT"), unique=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(100), default="")
    host: Mapped[str] = mapped_column(String(100), default="")  # 主持人
    participants: Mapped[str] = mapped_column(Text, default="")  # 参会人员 (who attended and voted)
    voters: Mapped[int] = mapped_column(Integer)  # 投票人数: ballots handed in
    vote_mode: Mapped[VoteMode] = mapped_column(label_enum(VoteMode), default=VoteMode.COUNTS)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    period: Mapped[Period] = relationship()
    reports: Mapped[list[ReviewReport]] = relationship(
        back_populates="review", order_by="ReviewReport.sort_order", cascade="all, delete-orphan")
    ballots: Mapped[list[ReviewBallot]] = relationship(
        back_populates="review", order_by="ReviewBallot.number", cascade="all, delete-orphan")


class ReviewReport(Base):
    """One secretary who reports at the 述职评议: the 述职报告 and the unit's 年终检查 score."""

    __tablename__ = "review_report"
    __table_args__ = (UniqueConstraint("review_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("duty_review.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    secretary: Mapped[str] = mapped_column(String(40), default="")
    post: Mapped[str] = mapped_column(String(40), default="党组书记")
    report_text: Mapped[str] = mapped_column(Text, default="")  # 述职报告, paragraphs separated by newlines
    report_file: Mapped[str] = mapped_column(String(260), default="")  # name of the .docx it was imported from
    check_score: Mapped[Decimal | None] = mapped_column(Score)  # 年终检查 (0–100)

    review: Mapped[DutyReview] = relationship(back_populates="reports")
    unit: Mapped[Unit] = relationship()
    votes: Mapped[list[ReviewVote]] = relationship(back_populates="report", cascade="all, delete-orphan")


class ReviewVote(Base):
    """How many voters marked one choice for one report (derived from the ballots in ballot mode)."""

    __tablename__ = "review_vote"
    __table_args__ = (UniqueConstraint("report_id", "choice"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("review_report.id", ondelete="CASCADE"))
    choice: Mapped[VoteChoice] = mapped_column(label_enum(VoteChoice))
    votes: Mapped[int] = mapped_column(Integer, default=0)

    report: Mapped[ReviewReport] = relationship(back_populates="votes")


class ReviewBallot(Base):
    """One ballot as entered: `marks` holds one character per report in the reports' order
    (1 好, 2 较好, 3 一般, 4 差, 0 弃权); the reports cannot change once ballots exist."""

    __tablename__ = "review_ballot"
    __table_args__ = (UniqueConstraint("review_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("duty_review.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 选票编号, 1-based in order of entry
    marks: Mapped[str] = mapped_column(Text)
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    entered_by: Mapped[str] = mapped_column(String(60), default="")

    review: Mapped[DutyReview] = relationship(back_populates="ballots")


class AnnualResult(Base):
    """One unit's 综合 result of the year (period kind 年), as reviewed."""

    __tablename__ = "annual_result"
    __table_args__ = (UniqueConstraint("period_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    annual_mean: Mapped[Decimal] = mapped_column(Score)  # mean of the year's monthly (or quarterly) scores
    check_score: Mapped[Decimal] = mapped_column(Score)  # 年终检查
    good_votes: Mapped[int] = mapped_column(Integer)  # 好 + 较好
    valid_votes: Mapped[int] = mapped_column(Integer)
    vote_score: Mapped[Decimal] = mapped_column(Score)  # 好票率 × 100
    composite: Mapped[Decimal] = mapped_column(Score)  # 综合
    rank: Mapped[int] = mapped_column(Integer)
    grade: Mapped[Grade] = mapped_column(label_enum(Grade))
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    excellent: Mapped[bool] = mapped_column(Boolean, default=False)  # 党建工作优秀单位
    note: Mapped[str] = mapped_column(Text, default="")

    period: Mapped[Period] = relationship()
    unit: Mapped[Unit] = relationship()
