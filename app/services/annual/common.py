"""What the parts of the year share: the services' base (sessions, who acts, what day it is), the year's `Period`
(kind 年, key "2026") and the checks of a year and of entered texts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.errors import FieldProblem, NotFoundError, ValidationError
from app.models import Period, PeriodKind, PeriodState
from app.services import unit_scope
from app.services.audit import AuditLog
from app.services.scheme import ensure_scheme

SessionFactory = Callable[[], Session]
ZERO = Decimal(0)
HUNDRED = Decimal(100)
MAX_TEXT = 500


@unit_scope.committee_only("办理年度承诺、述职评议和年度考评")
class YearService:
    """The base of the year's services: one session factory, one actor, one clock."""

    def __init__(self, session_factory: SessionFactory, actor: str | None = None,
                 today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._actor = actor
        self._today = today

    def _document_settings(self) -> tuple[Any, Any, str]:
        from app.reports.config import issuer_from_settings, style_from_settings

        with self._sf() as s:
            read = S.reader(s)
            return issuer_from_settings(read), style_from_settings(read), str(read(S.COUNTY_NAME)).strip()

    def _year_period_id(self, year: int) -> int:
        with self._sf() as s:
            return _year_period(s, year).id


def _check_year(year: int) -> None:
    if not 2000 <= int(year) <= 2100:
        raise ValidationError("年度应在2000年至2100年之间", field="year")


def _text(value: str, fld: str, label: str, limit: int, problems: list[FieldProblem], row: int | None = None,
          required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        problems.append(FieldProblem(fld, f"请填写{label}", row))
    if len(text) > limit:
        problems.append(FieldProblem(fld, f"{label}不能超过{limit}字", row))
    return text


def _within_year(day: dt.date | None, year: int, fld: str, label: str, problems: list[FieldProblem],
                 row: int | None = None, early: int = 0) -> None:
    if day is None:
        return
    first = dt.date(year, 1, 1) - dt.timedelta(days=early)
    if not first <= day <= dt.date(year, 12, 31):
        problems.append(FieldProblem(fld, f"{label}应在{year}年内", row))


def year_key(year: int) -> str:
    return f"{year:04d}"


def ensure_year_period(s: Session, log: AuditLog, year: int) -> Period:
    period = s.scalar(select(Period).where(Period.key == year_key(year)))
    if period is not None:
        return period
    scheme_id = s.scalar(select(Period.scheme_id).where(Period.kind == PeriodKind.MONTH, Period.year == year)
                         .order_by(Period.month.desc()).limit(1))
    if scheme_id is None:
        scheme_id = ensure_scheme(s, log, year).id
    period = Period(key=year_key(year), kind=PeriodKind.YEAR, year=year, state=PeriodState.DRAFT, scheme_id=scheme_id)
    s.add(period)
    s.flush()
    log.record("新建", "period", period.id, "state", None, PeriodState.DRAFT, reason=f"{year}年度述职评议考核")
    return period


def _year_period(s: Session, year: int) -> Period:
    p = s.scalar(select(Period).where(Period.key == year_key(year)))
    if p is None:
        raise NotFoundError(f"{year}年度述职评议考核还没有开始")
    return p
