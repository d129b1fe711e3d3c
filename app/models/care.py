"""党内激励、关怀、帮扶: 表彰 (honours of members and organisations), 关怀对象 (members the office looks after, with
their circumstances) and the 慰问/帮扶 visits paid to them.

A 关怀对象's circumstances (`circumstances`, `description`) are personal data as sensitive as a 身份证号: only the
care service reads them, lists never carry them, and every read of them is an audit entry (app/services/care.py).
A visit may name the 谈心谈话 record (组织生活) it was held as, instead of the talk being written down twice."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.enums import LabelEnum
from app.models.register import label_enum


class HonorKind(LabelEnum):
    """表彰 the 工委 records: two given to a member, one to a 基层党组织."""

    MEMBER = "优秀共产党员"
    WORKER = "优秀党务工作者"
    ORG = "先进基层党组织"


ORG_HONORS = frozenset({HonorKind.ORG})


class Honor(Base):
    """One 表彰: of a member (优秀共产党员, 优秀党务工作者) or of an organisation (先进基层党组织)."""

    __tablename__ = "honor"
    __table_args__ = (
        Index("ix_honor_awarded_on", "awarded_on"),
        Index("ix_honor_unit", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[HonorKind] = mapped_column(label_enum(HonorKind))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("party_org.id", ondelete="RESTRICT"))
    # The unit the member or organisation belonged to when honoured (kept: the member may move later).
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    level: Mapped[str] = mapped_column(String(20))  # 县级 / 市级 / 省级 / 国家级 … as the office writes it
    awarded_on: Mapped[dt.date] = mapped_column(Date)
    awarded_by: Mapped[str] = mapped_column(String(100))  # 授予机关
    doc_number: Mapped[str] = mapped_column(String(60), default="")  # 文号
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CareCircumstance(LabelEnum):
    """Why a member is a 关怀对象 (several may apply; the speech's words)."""

    HARDSHIP_MEMBER = "困难党员"
    OVERTIME = "经常加班加点"
    FAMILY_BURDEN = "家庭负担重"
    LIVING_DIFFICULTY = "生活有困难"
    MENTAL_PRESSURE = "思想压力较大"
    VETERAN = "老党员"
    OTHER = "其他"


class VisitForm(LabelEnum):
    """What a visit brought (several may apply)."""

    MONEY = "慰问金"
    GOODS = "慰问物资"
    TALK = "谈心谈话"
    HELP = "帮办实事"


class CareSubject(Base):
    """A member the office looks after from `since` until `ended_on` (None: still looked after)."""

    __tablename__ = "care_subject"
    __table_args__ = (Index("ix_care_subject_member", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"))
    since: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    end_reason: Mapped[str] = mapped_column(String(100), default="")
    # Sensitive: CareCircumstance labels joined by "、", and the free text.  Read through the care service only.
    circumstances: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    visits: Mapped[list[CareVisit]] = relationship(
        back_populates="subject", cascade="all, delete-orphan", order_by="CareVisit.visited_on"
    )


class CareVisit(Base):
    """One 慰问/帮扶 visit to a 关怀对象: when, who went, what it brought, how much 慰问金 (whole 元)."""

    __tablename__ = "care_visit"
    __table_args__ = (
        Index("ix_care_visit_subject", "subject_id", "visited_on"),
        UniqueConstraint("talk_record_id", name="uq_care_visit_talk_record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("care_subject.id", ondelete="CASCADE"))
    visited_on: Mapped[dt.date] = mapped_column(Date)
    visitors: Mapped[str] = mapped_column(String(100))  # 走访人: names and posts as written
    forms: Mapped[str] = mapped_column(String(60))  # VisitForm labels joined by "、"
    amount_yuan: Mapped[int | None] = mapped_column(Integer)  # 慰问金 (元), with 慰问金 only
    goods: Mapped[str] = mapped_column(String(100), default="")  # 慰问物资, as written (米、油 …)
    # The 谈心谈话 record (组织生活) the visit was held as: the talk is kept there, not copied here.
    talk_record_id: Mapped[int | None] = mapped_column(ForeignKey("org_life_record.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    subject: Mapped[CareSubject] = relationship(back_populates="visits")
