"""问责 register: the accountability decisions taken about the party-work leaders (the speech's "对考核不合格的，
进行约谈问责"), each with its deciding body and decision text; a decision that followed a 约谈 names it.

The person is a member of the register (`member_id`) when there is one; a unit's 党组（党委）书记 is kept by name
only (`Unit.party_secretary` is text), so the name is always stored as it was when the decision was taken."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.documents import Interview
from app.models.enums import LabelEnum
from app.models.register import Member, Unit, label_enum


class AccountabilityKind(LabelEnum):
    """问责方式 (《中国共产党问责条例》 第八条, for a person; the order is the order of severity)."""

    ADMONITION_TALK = "约谈问责"  # 提醒谈话/批评教育 given by the 工委 as a 约谈
    CRITICISM = "批评教育"
    SELF_EXAMINATION = "责令检查"
    CIRCULATED = "通报批评"
    ADMONISHMENT = "诫勉"
    ORGANISATIONAL = "组织处理"  # 停职检查、调整职务、责令辞职、降职、免职
    DISCIPLINARY = "纪律处分"  # decided by the 纪检监察机关; recorded here when it reaches the 工委


class PartyPost(LabelEnum):
    """The party-work post a 党建实绩 record or a 问责 is about."""

    PARTY_GROUP_SECRETARY = "党组（党委）书记"
    ORGAN_COMMITTEE_SECRETARY = "机关党委书记"
    BRANCH_SECRETARY = "支部书记"


class Accountability(Base):
    """问责: one decision about one person."""

    __tablename__ = "accountability"
    __table_args__ = (Index("ix_accountability_unit_decided", "unit_id", "decided_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"), index=True)
    person_name: Mapped[str] = mapped_column(String(40))  # as it was when decided
    post: Mapped[PartyPost] = mapped_column(label_enum(PartyPost))
    kind: Mapped[AccountabilityKind] = mapped_column(label_enum(AccountabilityKind))
    decided_on: Mapped[dt.date] = mapped_column(Date)
    deciding_body: Mapped[str] = mapped_column(String(100))  # 作出决定的机关
    doc_number: Mapped[str] = mapped_column(String(60), default="")  # 决定文号, when there is one
    decision: Mapped[str] = mapped_column(Text)  # 问责决定 (事由 and what was decided)
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("interview.id", ondelete="RESTRICT"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(60), default="")

    unit: Mapped[Unit] = relationship()
    member: Mapped[Member | None] = relationship()
    interview: Mapped[Interview | None] = relationship()
