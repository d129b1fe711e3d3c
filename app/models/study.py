"""党组（党委）理论学习中心组: each unit's 中心组 meetings and its plan of the year.

- `StudyMeeting`: one meeting of a unit's 中心组 — a 集中学习 or a 专题研讨 — with its topic, who led it (主讲 /
  领学), how many 研讨发言 were made and how many 班子成员 of how many were there (kept as counts: the 班子 is not a
  register of its own, and the 工委 checks the rate, not the names).
- `StudyPlan`: the unit's 中心组 学习计划 of a year: how many meetings and 专题研讨 it plans and the topics.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.enums import LabelEnum
from app.models.register import Unit, label_enum


class StudyForm(LabelEnum):
    """How a 中心组 meeting was held; a 专题研讨 also counts as one of the year's meetings."""

    COLLECTIVE = "集中学习"
    SEMINAR = "专题研讨"


class StudyMeeting(Base):
    __tablename__ = "study_meeting"
    __table_args__ = (Index("ix_study_meeting_unit_held", "unit_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    held_on: Mapped[dt.date] = mapped_column(Date)
    form: Mapped[StudyForm] = mapped_column(label_enum(StudyForm))
    topic: Mapped[str] = mapped_column(String(200))
    lecturer: Mapped[str] = mapped_column(String(40), default="")  # 主讲 / 领学
    speeches: Mapped[int] = mapped_column(Integer, default=0)  # 研讨发言 (persons who spoke)
    members_present: Mapped[int] = mapped_column(Integer, default=0)  # 班子成员 present
    members_total: Mapped[int] = mapped_column(Integer, default=0)  # 班子成员 in office
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()


class StudyPlan(Base):
    __tablename__ = "study_plan"
    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_study_plan_unit_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    planned_meetings: Mapped[int] = mapped_column(Integer)
    planned_seminars: Mapped[int] = mapped_column(Integer)
    topics: Mapped[str] = mapped_column(Text, default="")  # one topic a line
    made_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
