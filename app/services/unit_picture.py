"""A unit's picture (单位画像): its last twelve monthly 考评 against the county's mean, its rank and tier each
month, and its 整改 items still open — what the 工委 looks at before a 约谈 or a 述职评议, in the app rather than
only inside documents.

Ranks and tiers are computed from the stored sheet totals the way the month's ranking does (app.services.ranking:
the same ranks, the same tier rules from the settings), all twelve months from one read of their sheets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.errors import NotFoundError
from app.models import Period, PeriodKind, PeriodState, ScoreSheet, Tier, Unit
from app.services import unit_scope
from app.services.ranking import TENTH, TierRules, competition_ranks, tiers
from app.services.rectification import ItemView, RectificationService

SessionFactory = Callable[[], Session]

MONTHS = 12


@dataclass(frozen=True)
class UnitMonth:
    key: str  # 2026-03
    year: int
    month: int
    state: PeriodState
    units: int  # sheets in the month
    mean: Decimal | None  # the county's mean 复核 total
    total: Decimal | None  # None: the unit had no sheet that month
    rank: int | None
    tier: Tier | None

    @property
    def locked(self) -> bool:
        return self.state == PeriodState.LOCKED

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"


@dataclass(frozen=True)
class UnitPicture:
    unit_id: int
    unit: str
    months: list[UnitMonth]  # oldest first
    open_items: list[ItemView]  # by deadline

    @property
    def tier_counts(self) -> dict[Tier, int]:
        """How often the unit was 先进 / 中间 / 后进 in the locked months shown."""
        counts = dict.fromkeys(Tier, 0)
        for m in self.months:
            if m.locked and m.tier is not None:
                counts[m.tier] += 1
        return counts


def unit_picture(session_factory: SessionFactory, unit_id: int, *, months: int = MONTHS,
                 today: Callable[[], dt.date] = clock.today) -> UnitPicture:
    """The unit's last `months` monthly periods up to today's month (any state: a draft month's scores are what
    has been reviewed so far), with the county's mean, and its open 整改 items."""
    unit_scope.refuse_unit_account("查看单位画像（含全县平均）")
    day = today()
    with session_factory() as s:
        unit = s.get(Unit, unit_id)
        if unit is None:
            raise NotFoundError(f"单位不存在（编号 {unit_id}）")
        rules = TierRules.from_settings(S.reader(s))
        periods = list(s.scalars(select(Period).where(Period.kind == PeriodKind.MONTH,
                                                       Period.key <= f"{day.year:04d}-{day.month:02d}")
                                 .order_by(Period.key.desc()).limit(max(1, months))))
        periods.reverse()
        history = [_month(p, sheets, unit_id, rules) for p, sheets in zip(periods, _sheets_by_period(s, periods),
                                                                         strict=True)]
        name = unit.name
    items = RectificationService(session_factory, today=today).items(unit_id=unit_id, open_only=True)
    return UnitPicture(unit_id, name, history, items)


def _sheets_by_period(s: Session, periods: list[Period]) -> list[list[tuple[int, Decimal, bool]]]:
    """(unit id, 复核 total, 一票否决) of every sheet of each period, in the periods' order: one query."""
    found: dict[int, list[tuple[int, Decimal, bool]]] = defaultdict(list)
    if periods:
        q = (select(ScoreSheet.period_id, ScoreSheet.unit_id, ScoreSheet.review_total, ScoreSheet.veto)
             .where(ScoreSheet.period_id.in_([p.id for p in periods])).order_by(ScoreSheet.id))
        for period_id, uid, total, veto in s.execute(q):
            found[period_id].append((uid, total, bool(veto)))
    return [found[p.id] for p in periods]


def _month(period: Period, sheets: list[tuple[int, Decimal, bool]], unit_id: int, rules: TierRules) -> UnitMonth:
    totals = [total for _uid, total, _veto in sheets]
    ranks = competition_ranks(totals)
    month_tiers = tiers(totals, ranks, [veto for _uid, _total, veto in sheets], rules)
    mean = (sum(totals, Decimal(0)) / len(totals)).quantize(TENTH, ROUND_HALF_UP) if totals else None
    own = next((i for i, (uid, _t, _v) in enumerate(sheets) if uid == unit_id), None)
    return UnitMonth(period.key, period.year, int(period.month or 0), period.state, len(sheets), mean,
                     None if own is None else totals[own], None if own is None else ranks[own],
                     None if own is None else month_tiers[own])
