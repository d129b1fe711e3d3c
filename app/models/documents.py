"""Circulars, interviews and rectification: 通报 (with its 发文字号 and snapshot), 约谈, 整改 → 整改事项.

A `Bulletin` is a document as issued: its 文号 (代字〔年份〕序号号, the sequence counted per year), the JSON of the
data it printed, the .docx bytes and their SHA-256, and the audit chain head it anchors.  Reissuing a month is a
new row with a new number that names the one it supersedes; nothing issued is ever changed.

An `Interview` is one unit's 约谈 in one month.  What it finds to fix becomes a `Rectification` with one
`RectificationItem` per problem.  An item stores its workflow status (未整改 → 整改中 → 待审核 → 已销号);
逾期 is never stored: it is computed from the deadline on the day it is asked for."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.models.base import Base, Score, UTCDateTime, utcnow
from app.models.enums import LabelEnum
from app.models.register import Unit, label_enum
from app.models.scoring import Period


class InterviewPost(LabelEnum):
    """Whom a 约谈 summons (DOMAIN.md "Documents")."""

    PARTY_GROUP_SECRETARY = "党组书记"
    ORGAN_COMMITTEE_SECRETARY = "机关党委书记"
    BRANCH_SECRETARY = "支部书记"


class RectificationStatus(LabelEnum):
    NOT_STARTED = "未整改"
    IN_PROGRESS = "整改中"
    PENDING_REVIEW = "待审核"
    CLOSED = "已销号"
    OVERDUE = "逾期"  # computed from the deadline, never stored


class Bulletin(Base):
    """通报 as issued.  `document` is deferred: lists never load the bytes."""

    __tablename__ = "bulletin"
    __table_args__ = (UniqueConstraint("doc_code", "doc_year", "doc_seq", name="uq_bulletin_doc_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="RESTRICT"), index=True)
    doc_code: Mapped[str] = mapped_column(String(20))  # 发文机关代字 when issued
    doc_year: Mapped[int] = mapped_column(Integer)
    doc_seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[dt.date] = mapped_column(Date)  # 成文日期
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(60), default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was reissued ("" for the first issue)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("bulletin.id", ondelete="RESTRICT"))
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)  # chain head printed on the document
    audit_hash: Mapped[str] = mapped_column(String(64), default="")
    snapshot: Mapped[str] = mapped_column(Text)  # JSON of the data printed
    sha256: Mapped[str] = mapped_column(String(64))  # of `document`
    file_name: Mapped[str] = mapped_column(String(200))
    document: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))

    period: Mapped[Period] = relationship()

    @property
    def doc_number(self) -> str:
        return f"{self.doc_code}〔{self.doc_year}〕{self.doc_seq}号"


class Interview(Base):
    """约谈 of one unit's leader for one month.  `scheduled_at` is local wall-clock time, as printed."""

    __tablename__ = "interview"
    __table_args__ = (UniqueConstraint("period_id", "unit_id", name="uq_interview_period_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    interviewee_post: Mapped[InterviewPost] = mapped_column(label_enum(InterviewPost))
    interviewee_name: Mapped[str] = mapped_column(String(40), default="")
    interviewee_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    place: Mapped[str] = mapped_column(String(100), default="")
    interviewers: Mapped[str] = mapped_column(String(200), default="")  # names joined by 、
    recorder: Mapped[str] = mapped_column(String(40), default="")
    # 事由 as it was when the interview was decided: standing in the month, the rules and the problems found.
    rank: Mapped[int | None] = mapped_column(Integer)
    unit_count: Mapped[int | None] = mapped_column(Integer)
    total: Mapped[Decimal | None] = mapped_column(Score)
    tier: Mapped[str] = mapped_column(String(10), default="")
    reasons: Mapped[str] = mapped_column(Text, default="")  # one per line
    problems: Mapped[str] = mapped_column(Text, default="")  # one per line; each becomes a 整改事项
    notice_on: Mapped[dt.date | None] = mapped_column(Date)  # date of the 约谈通知书
    # What was said, once the interview has been held.
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    conversation: Mapped[str] = mapped_column(Text, default="")
    statement: Mapped[str] = mapped_column(Text, default="")  # 被约谈人表态
    requirements: Mapped[str] = mapped_column(Text, default="")  # 整改要求, one per line
    deadline: Mapped[dt.date | None] = mapped_column(Date)  # 整改时限
    deadline_working_days: Mapped[int] = mapped_column(Integer, default=15)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(60), default="")

    period: Mapped[Period] = relationship()
    unit: Mapped[Unit] = relationship()


class Rectification(Base):
    """整改: what one unit has to fix after an interview (or another finding), as a list of items."""

    __tablename__ = "rectification"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("interview.id", ondelete="RESTRICT"), unique=True)
    period_id: Mapped[int | None] = mapped_column(ForeignKey("period.id", ondelete="RESTRICT"))
    source: Mapped[str] = mapped_column(String(100))  # 2026年10月约谈 …
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(60), default="")

    unit: Mapped[Unit] = relationship()
    items: Mapped[list[RectificationItem]] = relationship(
        back_populates="rectification", order_by="RectificationItem.sort_order", cascade="all, delete-orphan"
    )


class RectificationItem(Base):
    """整改事项: one problem with its measure, 责任人, deadline and status (逾期 computed, never stored)."""

    __tablename__ = "rectification_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    rectification_id: Mapped[int] = mapped_column(ForeignKey("rectification.id", ondelete="CASCADE"), index=True)
    problem: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(40), default="")  # 责任人
    deadline: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[RectificationStatus] = mapped_column(label_enum(RectificationStatus),
                                                        default=RectificationStatus.NOT_STARTED)
    progress: Mapped[str] = mapped_column(Text, default="")  # 整改情况 as last reported
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)  # when it was handed in for review
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    close_note: Mapped[str] = mapped_column(Text, default="")  # 销号说明
    closed_by: Mapped[str] = mapped_column(String(60), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    rectification: Mapped[Rectification] = relationship(back_populates="items")
