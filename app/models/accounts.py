"""Local accounts: who may log in, with which role, and the lockout state after wrong passwords.

Only the argon2id hash of a password is stored (argon2-cffi's encoded form carries its own salt and
parameters, so the parameters can be raised later and old hashes still verify)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow
from app.models.enums import LabelEnum
from app.models.register import label_enum


class Role(LabelEnum):
    ADMIN = "管理员"  # everything: accounts, reopening locked periods, full 身份证号, settings, restores
    ASSESSOR = "考评员"  # register, records, scoring, documents
    VIEWER = "查阅"  # read only
    UNIT_REPORTER = "单位填报员"  # one unit's own 自评, organisation-life records and 整改 progress (User.unit_id)


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)  # stored lower-case: login is case-blind
    display_name: Mapped[str] = mapped_column(String(40))  # what the audit trail records as "who"
    role: Mapped[Role] = mapped_column(label_enum(Role))
    # The unit a 单位填报员 reports for (required for that role, empty for the others): every query it makes is
    # scoped to this unit (app.services.unit_scope).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
