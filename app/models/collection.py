"""单位填报: the monthly collection round.  The 工委 sends each unit a signed workbook for a month and reads the
returned ones back; one row per unit and round says what was sent (when, which file, template version, the
workbook's nonce) and what came back (when, which file and its digest, or the reasons it was refused).

The state shown (未下发 / 已下发 / 已收回 / 有误 / 逾期) is never stored: it follows from these columns and the
round's deadline on the day it is asked about (app.services.collection.return_state)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.register import Unit
from app.models.scoring import Period


class CollectionRound(Base):
    """填报轮次: one per month (period); the deadline is fixed when the round is first sent."""

    __tablename__ = "collection_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="RESTRICT"), unique=True)
    deadline: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(60), default="")

    period: Mapped[Period] = relationship()
    returns: Mapped[list[CollectionReturn]] = relationship(back_populates="round", cascade="all, delete-orphan")


class CollectionReturn(Base):
    """One unit in one round: the workbook sent and the last one received (or refused)."""

    __tablename__ = "collection_return"
    __table_args__ = (UniqueConstraint("round_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("collection_round.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_file: Mapped[str] = mapped_column(String(255), default="")
    template_version: Mapped[int] = mapped_column(Integer, default=0)
    nonce: Mapped[str] = mapped_column(String(64), default="")  # the workbook's: a re-sent workbook has a new one
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    received_file: Mapped[str] = mapped_column(String(255), default="")
    received_digest: Mapped[str] = mapped_column(String(64), default="")  # SHA-256 of the file accepted
    refused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    refused_file: Mapped[str] = mapped_column(String(255), default="")
    refused_digest: Mapped[str] = mapped_column(String(64), default="")
    refusal: Mapped[str] = mapped_column(Text, default="")  # the reasons, one a line

    round: Mapped[CollectionRound] = relationship(back_populates="returns")
    unit: Mapped[Unit] = relationship()
