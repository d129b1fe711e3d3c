"""审计日志: an append-only, hash-chained record of every change to scores, deductions, periods and schemes.

Every column that goes into the hash is stored as text exactly as hashed (`at` included), so that verifying
the chain needs no conversions that could differ between versions.  UPDATE and DELETE on this table are
refused by triggers created in the migration."""

from __future__ import annotations

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_entity", "entity", "entity_id"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # 1, 2, 3 … no gaps
    at: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC, seconds: 2026-03-31T08:15:02Z
    who: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(20))  # 新建 / 修改 / 删除 / 复核 / 锁定 / 重新开放 …
    entity: Mapped[str] = mapped_column(String(40))  # period / score_item / deduction / bonus / indicator …
    entity_id: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(60), default="")  # "" when old/new are whole-record snapshots
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
