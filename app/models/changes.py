"""The change stamp: one row (id 1) whose counter `n` every committed write moves (app.services.changes), so
that a client can tell with one cheap read whether anybody changed anything since it last looked."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ChangeStamp(Base):
    __tablename__ = "change_stamp"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    n: Mapped[int] = mapped_column(BigInteger)
