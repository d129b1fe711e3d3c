"""民主生活会 (a unit's 党组/班子) and the substance of a branch's 组织生活会: who sat, 批评意见, 问题清单.

`LeadershipMeeting` is one meeting: the unit (and, for a 组织生活会, the branch), the date and topic, the 班子成员
who attended (names, as they were that day: the unit's leadership is not a list in the member register, and a
roster kept apart would go stale while the record must say who sat then), the 上级督导 who sat in, and the number
of opinions gathered beforehand (会前征求意见).  Each `LeadershipCriticism` is one 批评意见 raised to a named member,
as 自我批评 or 相互批评.  The 问题清单 is not a list of its own: it is a `Rectification` (整改) whose items are tracked
and 销号 like those of a 约谈, linked from the meeting by `rectification_id`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.enums import LabelEnum
from app.models.register import label_enum


class LeadershipMeetingKind(LabelEnum):
    DEMOCRATIC_LIFE = "民主生活会"  # the 党组/班子's, yearly
    LIFE_MEETING = "组织生活会"  # a branch's, its substance recorded here (its holding stays an OrgLifeRecord)


class CriticismKind(LabelEnum):
    SELF = "自我批评"
    MUTUAL = "相互批评"


class LeadershipMeeting(Base):
    """民主生活会 or 组织生活会 with its substance; the 问题清单 is the linked 整改."""

    __tablename__ = "leadership_meeting"
    __table_args__ = (Index("ix_leadership_meeting_unit_held", "unit_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LeadershipMeetingKind] = mapped_column(label_enum(LeadershipMeetingKind))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("party_org.id", ondelete="RESTRICT"))  # 组织生活会's branch
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    topic: Mapped[str] = mapped_column(String(200), default="")
    attendees: Mapped[str] = mapped_column(Text, default="")  # 班子成员 present, names joined by 、
    supervisors: Mapped[str] = mapped_column(String(200), default="")  # 上级督导 who sat in, joined by 、
    opinions_solicited: Mapped[int] = mapped_column(Integer, default=0)  # 会前征求意见 (条)
    rectification_id: Mapped[int | None] = mapped_column(
        ForeignKey("rectification.id", ondelete="RESTRICT"), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(60), default="")

    criticisms: Mapped[list[LeadershipCriticism]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="LeadershipCriticism.sort_order")


class LeadershipCriticism(Base):
    """批评意见: one item raised to one 班子成员 (`target`), by someone (`raised_by`; the member himself for 自我批评)."""

    __tablename__ = "leadership_criticism"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("leadership_meeting.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CriticismKind] = mapped_column(label_enum(CriticismKind))
    target: Mapped[str] = mapped_column(String(40))
    raised_by: Mapped[str] = mapped_column(String(40), default="")
    content: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    meeting: Mapped[LeadershipMeeting] = relationship(back_populates="criticisms")
