"""The monthly 考评: indicator schemes, periods, score sheets, items, deductions and bonuses.

Scores are `Score` columns (exact tenths).  A sheet keeps its totals beside its items so that rankings and trends
over years of months are one indexed read; the scoring service is the only writer and recomputes them on every
change, and `dangjian audit verify` checks that they still equal the sum of the items."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Name, Score, UTCDateTime, utcnow
from app.models.enums import LabelEnum
from app.models.register import Unit, label_enum


class IndicatorMethod(LabelEnum):
    """How an indicator scores: deductions from its points, bonus points, or deductions plus a veto flag."""

    DEDUCT = "扣分"
    BONUS = "加分"
    VETO = "一票否决"


class PeriodKind(LabelEnum):
    MONTH = "月"
    QUARTER = "季"
    YEAR = "年"


class PeriodState(LabelEnum):
    DRAFT = "草稿"
    REVIEWED = "已复核"
    LOCKED = "已锁定"


class Tier(LabelEnum):
    """档次 of a unit in one period (computed by the ranking, not stored)."""

    ADVANCED = "先进"
    MIDDLE = "中间"
    BACKWARD = "后进"


class IndicatorScheme(Base):
    """考评指标体系: one version of a year's scheme.  Frozen once a locked period uses it."""

    __tablename__ = "indicator_scheme"
    __table_args__ = (UniqueConstraint("year", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(Name)
    total_points: Mapped[Decimal] = mapped_column(Score, default=Decimal(100))
    bonus_ceiling: Mapped[Decimal] = mapped_column(Score, default=Decimal(5))
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("indicator_scheme.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    categories: Mapped[list[IndicatorCategory]] = relationship(
        back_populates="scheme", order_by="IndicatorCategory.sort_order", cascade="all, delete-orphan"
    )


class IndicatorCategory(Base):
    """A category of the scheme (政治建设与责任落实 …); the bonus category holds the 加分 indicators."""

    __tablename__ = "indicator_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("indicator_scheme.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Name)
    points: Mapped[Decimal] = mapped_column(Score)
    is_bonus: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    scheme: Mapped[IndicatorScheme] = relationship(back_populates="categories")
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="category", order_by="Indicator.sort_order", cascade="all, delete-orphan"
    )


class Indicator(Base):
    """考评指标: `points` is what the indicator is worth (for a bonus indicator: the most it can add)."""

    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("indicator_category.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40), default="")  # stable key within a scheme (templates, rules)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[Decimal] = mapped_column(Score)
    method: Mapped[IndicatorMethod] = mapped_column(label_enum(IndicatorMethod))
    per_occurrence: Mapped[Decimal] = mapped_column(Score)  # default deduction (or bonus) per occurrence
    cap: Mapped[Decimal | None] = mapped_column(Score)  # most the indicator can lose (gain); None: its points
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("indicator.id", ondelete="SET NULL"))

    category: Mapped[IndicatorCategory] = relationship(back_populates="indicators")

    @property
    def limit(self) -> Decimal:
        """The most this indicator can lose (扣分/一票否决) or add (加分)."""
        return self.points if self.cap is None else min(self.cap, self.points)


class Period(Base):
    """考评期: a month (or quarter, year) with its lifecycle 草稿 → 已复核 → 已锁定."""

    __tablename__ = "period"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(10), unique=True)  # 2026-03, 2026-Q1, 2026
    kind: Mapped[PeriodKind] = mapped_column(label_enum(PeriodKind))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int | None] = mapped_column(Integer)
    quarter: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[PeriodState] = mapped_column(label_enum(PeriodState), default=PeriodState.DRAFT)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("indicator_scheme.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    scheme: Mapped[IndicatorScheme] = relationship()
    sheets: Mapped[list[ScoreSheet]] = relationship(back_populates="period")

    @property
    def title(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.year}年{self.month}月"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.year}年第{self.quarter}季度"
        return f"{self.year}年度"


class ScoreSheet(Base):
    """考评表: one unit in one period.  Totals are kept up to date by the scoring service."""

    __tablename__ = "score_sheet"
    __table_args__ = (UniqueConstraint("period_id", "unit_id"), Index("ix_score_sheet_unit", "unit_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str] = mapped_column(String(60), default="")
    review_total: Mapped[Decimal] = mapped_column(Score)  # 复核 total, bonus included (the one that counts)
    bonus_total: Mapped[Decimal] = mapped_column(Score, default=Decimal(0))  # after the scheme's ceiling
    self_total: Mapped[Decimal | None] = mapped_column(Score)  # 自评 total; None until the unit entered any
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    # Optimistic concurrency: every change to the sheet (its items, deductions, bonuses, review flag) adds one, and a
    # form that saves with the version it loaded is refused when another client changed the sheet in between.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    period: Mapped[Period] = relationship(back_populates="sheets")
    unit: Mapped[Unit] = relationship()
    items: Mapped[list[ScoreItem]] = relationship(back_populates="sheet", cascade="all, delete-orphan")


class ScoreItem(Base):
    """One indicator on one sheet: the 复核 score (derived from its deductions or bonuses) beside the 自评."""

    __tablename__ = "score_item"
    __table_args__ = (UniqueConstraint("sheet_id", "indicator_id"), Index("ix_score_item_indicator", "indicator_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheet.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="RESTRICT"))
    review_score: Mapped[Decimal] = mapped_column(Score)
    self_score: Mapped[Decimal | None] = mapped_column(Score)
    self_note: Mapped[str] = mapped_column(Text, default="", server_default="")  # the unit's 说明/佐证 of its 自评
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    veto_reason: Mapped[str] = mapped_column(Text, default="")

    sheet: Mapped[ScoreSheet] = relationship(back_populates="items")
    indicator: Mapped[Indicator] = relationship()
    deductions: Mapped[list[Deduction]] = relationship(
        back_populates="item", order_by="Deduction.id", cascade="all, delete-orphan"
    )
    bonuses: Mapped[list[Bonus]] = relationship(back_populates="item", order_by="Bonus.id", cascade="all, delete-orphan")


class _Occurrences:
    """Columns shared by deductions and bonuses: occurrences × points each, with reason and 佐证."""

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    points_each: Mapped[Decimal] = mapped_column(Score)
    reason: Mapped[str] = mapped_column(Text)
    evidence_note: Mapped[str] = mapped_column(Text, default="")
    evidence_file: Mapped[str] = mapped_column(String(500), default="")  # relative to the attachment folder
    source: Mapped[str] = mapped_column(String(100), default="")  # "" manual; suggested:vacancy:org 12; import:…
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(60), default="")

    @property
    def amount(self) -> Decimal:
        return self.points_each * self.occurrences


class Deduction(_Occurrences, Base):
    __tablename__ = "deduction"

    item_id: Mapped[int] = mapped_column(ForeignKey("score_item.id", ondelete="CASCADE"), index=True)
    item: Mapped[ScoreItem] = relationship(back_populates="deductions")


class Bonus(_Occurrences, Base):
    __tablename__ = "bonus"

    item_id: Mapped[int] = mapped_column(ForeignKey("score_item.id", ondelete="CASCADE"), index=True)
    item: Mapped[ScoreItem] = relationship(back_populates="bonuses")


class SuggestionRejection(Base):
    """A suggested deduction the user rejected for a sheet, so that it is not offered again."""

    __tablename__ = "suggestion_rejection"
    __table_args__ = (UniqueConstraint("sheet_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheet.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    rejected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    rejected_by: Mapped[str] = mapped_column(String(60), default="")
