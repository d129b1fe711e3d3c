"""Organisation life: 三会一课, 主题党日, 组织生活会, 民主评议, 谈心谈话, 党组 hearings, 联系点 visits … with attendance."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.enums import LabelEnum
from app.models.register import label_enum


class OrgLifeKind(LabelEnum):
    BRANCH_ASSEMBLY = "支部党员大会"
    COMMITTEE_MEETING = "支委会"
    GROUP_MEETING = "党小组会"
    PARTY_LECTURE = "党课"
    THEME_DAY = "主题党日"
    LIFE_MEETING = "组织生活会"
    DEMOCRATIC_APPRAISAL = "民主评议党员"
    HEART_TALK = "谈心谈话"
    LEADERSHIP_HEARING = "党组听取机关党委汇报"
    CONTACT_POINT_VISIT = "联系点调研"
    THREE_STRONG = "三亮三强活动"
    COMMUNITY_SERVICE = "在职党员社区报到活动"


# Kinds held by a unit's 党组 (the unit is the subject; the organisation is optional).
UNIT_KINDS = frozenset({OrgLifeKind.LEADERSHIP_HEARING, OrgLifeKind.CONTACT_POINT_VISIT, OrgLifeKind.THREE_STRONG})


class AppraisalGrade(LabelEnum):
    """民主评议党员 grade."""

    EXCELLENT = "优秀"
    QUALIFIED = "合格"
    BASIC = "基本合格"
    UNQUALIFIED = "不合格"


class OrgLifeRecord(Base):
    """组织生活记录: one meeting or activity of one organisation (or of a unit's 党组)."""

    __tablename__ = "org_life_record"
    __table_args__ = (
        Index("ix_org_life_record_org_held", "org_id", "held_on"),
        Index("ix_org_life_record_unit_held", "unit_id", "held_on"),
        Index("ix_org_life_record_held_on", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgLifeKind] = mapped_column(label_enum(OrgLifeKind))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("party_org.id", ondelete="RESTRICT"))
    held_on: Mapped[dt.date] = mapped_column(Date)
    recorded_on: Mapped[dt.date] = mapped_column(Date)  # when it was entered: "late record" if long after held_on
    topic: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(100), default="")
    host: Mapped[str] = mapped_column(String(40), default="")  # 主持人 / 党组成员 for 联系点调研
    lecturer: Mapped[str] = mapped_column(String(40), default="")  # 党课 主讲人
    lecturer_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    # True when the 党课 lecturer was the branch's 书记/副书记 or a 党员领导干部 on that day (kept as it was then).
    lecturer_is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    attendance: Mapped[list[OrgLifeAttendance]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="OrgLifeAttendance.id"
    )


class OrgLifeAttendance(Base):
    """One member at one record: present, or absent with a reason; the 民主评议 grade when there is one."""

    __tablename__ = "org_life_attendance"
    __table_args__ = (
        UniqueConstraint("record_id", "member_id", name="uq_org_life_attendance_record_member"),
        Index("ix_org_life_attendance_member", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("org_life_record.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"))
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    absence_reason: Mapped[str] = mapped_column(String(100), default="")
    grade: Mapped[AppraisalGrade | None] = mapped_column(label_enum(AppraisalGrade))

    record: Mapped[OrgLifeRecord] = relationship(back_populates="attendance")
