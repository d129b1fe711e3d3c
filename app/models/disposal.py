"""稳妥处置不合格党员: a 处置 case per member (不合格党员处置, 失联党员, 停止党籍) and the dated steps it went through."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.enums import LabelEnum
from app.models.register import label_enum


class DisposalKind(LabelEnum):
    UNQUALIFIED = "不合格党员处置"
    LOST_CONTACT = "失联党员"
    SUSPENDED = "停止党籍"


class DisposalStepKind(LabelEnum):
    CORRECTION = "限期改正"
    RESTORED = "恢复合格"
    PERSUADED = "劝其退党"
    WITHDRAWN = "本人退党"
    REMOVED = "除名"
    SUSPENDED = "停止党籍"
    REINSTATED = "恢复党籍"
    CONTACT_REGAINED = "恢复联系"


class DisposalCase(Base):
    """处置 case: one member, one kind, opened on a day (for 不合格: after the 民主评议 that rated them so)."""

    __tablename__ = "disposal_case"
    __table_args__ = (Index("ix_disposal_case_member", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"))
    kind: Mapped[DisposalKind] = mapped_column(label_enum(DisposalKind))
    # The 民主评议党员 record that rated the member 不合格 (kept when the record is deleted: the case stands).
    appraisal_record_id: Mapped[int | None] = mapped_column(ForeignKey("org_life_record.id", ondelete="SET NULL"))
    opened_on: Mapped[dt.date] = mapped_column(Date)
    lost_since: Mapped[dt.date | None] = mapped_column(Date)  # 失联党员: out of contact since
    search_efforts: Mapped[str] = mapped_column(Text, default="")  # 失联党员: how the branch tried to find them
    closed_on: Mapped[dt.date | None] = mapped_column(Date)  # the approval of the step that ended the case
    outcome: Mapped[str] = mapped_column(String(20), default="")  # that step's label (恢复合格, 除名 …)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    steps: Mapped[list[DisposalStep]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="DisposalStep.decided_on, DisposalStep.id")


class DisposalStep(Base):
    """One step of a case: the 支部大会 decision, the 上级党组织 approval (empty until it comes) and, for 限期改正,
    the deadline."""

    __tablename__ = "disposal_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("disposal_case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DisposalStepKind] = mapped_column(label_enum(DisposalStepKind))
    decided_on: Mapped[dt.date] = mapped_column(Date)  # 支部大会 (恢复联系: the day contact was regained)
    approved_on: Mapped[dt.date | None] = mapped_column(Date)  # 上级党组织批准
    deadline: Mapped[dt.date | None] = mapped_column(Date)  # 限期改正 only
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[DisposalCase] = relationship(back_populates="steps")
