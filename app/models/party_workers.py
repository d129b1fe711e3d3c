"""党务干部: the roster of party-work officers that the post history does not hold, and everyone's training records.

机关党委书记/副书记 and the 书记/副书记 of every 党总支 and 党支部 are not typed here: they are the holdings of
`OrgPost` (the register's post history), and the roster the 工委 looks at is those holdings plus the rows of
`party_worker` (组织员, 专职/兼职党务干部), so a secretary is entered once and changes post in one place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Score
from app.models.enums import LabelEnum
from app.models.register import label_enum


class WorkerRole(LabelEnum):
    """A party-work role kept on the roster by hand (the secretaries come from the post history)."""

    ORGANISER = "组织员"
    FULL_TIME = "专职党务干部"
    PART_TIME = "兼职党务干部"


class PartyWorker(Base):
    """One person in one party-work role in a unit over a span of dates; a member of the register when
    `member_id` is set (the name is then the member's), else a name (someone whose membership is kept elsewhere)."""

    __tablename__ = "party_worker"
    __table_args__ = (Index("ix_party_worker_unit", "unit_id", "start_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    role: Mapped[WorkerRole] = mapped_column(label_enum(WorkerRole))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")


class TrainingRecord(Base):
    """One person's attendance of one course: a member of the register, or a roster row of someone who is not.
    The year a record counts in is that of its end date (a class over New Year counts when it is completed)."""

    __tablename__ = "training_record"
    __table_args__ = (
        Index("ix_training_record_member_end", "member_id", "end_on"),
        Index("ix_training_record_worker", "worker_id"),
        Index("ix_training_record_unit_end", "unit_id", "end_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("party_worker.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(40))  # the person's name when the record was made
    course: Mapped[str] = mapped_column(String(200))
    organiser: Mapped[str] = mapped_column(String(100), default="")  # 主办单位
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Score)  # 学时, one decimal place
    # 集中培训 (a class, a 党校 course) counts for the yearly minimum; 自学 and 网络 courses are kept but do not.
    concentrated: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
