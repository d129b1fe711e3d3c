"""发展党员: a person on the way from 入党申请人 to 正式党员, with the history of each stage."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.enums import Gender, LabelEnum
from app.models.register import label_enum


class RecruitStageKind(LabelEnum):
    APPLICANT = "入党申请人"
    ACTIVIST = "入党积极分子"
    CANDIDATE = "发展对象"
    PROBATIONARY = "预备党员"
    FULL = "正式党员"

    @property
    def order(self) -> int:
        return list(RecruitStageKind).index(self)


class ReviewResult(LabelEnum):
    """政治审查 result."""

    PENDING = "未审查"
    PASSED = "合格"
    FAILED = "不合格"


class Recruit(Base):
    """发展党员: the person and the dates of the pipeline; `member_id` links the 党员 created at 预备."""

    __tablename__ = "recruit"
    __table_args__ = (Index("ix_recruit_org_stage", "org_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("party_org.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(40))
    gender: Mapped[Gender | None] = mapped_column(label_enum(Gender))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    id_number: Mapped[str | None] = mapped_column(String(18))  # personal data
    phone: Mapped[str] = mapped_column(String(20), default="")  # personal data
    education: Mapped[str] = mapped_column(String(20), default="")
    position: Mapped[str] = mapped_column(String(60), default="")
    stage: Mapped[RecruitStageKind] = mapped_column(label_enum(RecruitStageKind))
    applied_on: Mapped[dt.date] = mapped_column(Date)  # 递交入党申请书
    talked_on: Mapped[dt.date | None] = mapped_column(Date)  # 党组织派人谈话
    activist_on: Mapped[dt.date | None] = mapped_column(Date)  # 确定为入党积极分子
    contacts: Mapped[str] = mapped_column(String(100), default="")  # 培养联系人 (names, 、-separated)
    candidate_on: Mapped[dt.date | None] = mapped_column(Date)  # 确定为发展对象
    review_result: Mapped[ReviewResult] = mapped_column(label_enum(ReviewResult), default=ReviewResult.PENDING)
    reviewed_on: Mapped[dt.date | None] = mapped_column(Date)  # 政治审查 concluded
    training_hours: Mapped[int] = mapped_column(Integer, default=0)  # 集中培训学时
    sponsor1_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"))  # 入党介绍人
    sponsor2_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"))
    publicity_from: Mapped[dt.date | None] = mapped_column(Date)  # 发展对象公示
    publicity_to: Mapped[dt.date | None] = mapped_column(Date)
    admitted_on: Mapped[dt.date | None] = mapped_column(Date)  # 支部大会讨论接收为预备党员
    votes_for: Mapped[int] = mapped_column(Integer, default=0)
    votes_against: Mapped[int] = mapped_column(Integer, default=0)
    votes_abstain: Mapped[int] = mapped_column(Integer, default=0)
    approved_on: Mapped[dt.date | None] = mapped_column(Date)  # 上级党委审批
    extension_months: Mapped[int] = mapped_column(Integer, default=0)  # 延长预备期 6–12
    full_on: Mapped[dt.date | None] = mapped_column(Date)  # 转为正式党员
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    stages: Mapped[list[RecruitStage]] = relationship(
        back_populates="recruit", cascade="all, delete-orphan", order_by="RecruitStage.entered_on, RecruitStage.id"
    )


class RecruitStage(Base):
    """The history: the recruit entered `stage` on `entered_on` (kept when the 党员 is created)."""

    __tablename__ = "recruit_stage"

    id: Mapped[int] = mapped_column(primary_key=True)
    recruit_id: Mapped[int] = mapped_column(ForeignKey("recruit.id", ondelete="CASCADE"), index=True)
    stage: Mapped[RecruitStageKind] = mapped_column(label_enum(RecruitStageKind))
    entered_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    recruit: Mapped[Recruit] = relationship(back_populates="stages")
