"""Ranking, tiers, 约谈 candidates, distribution and 环比 of a month (DOMAIN.md "Ranking, tiers, grades").

- Rank by 复核 total; ties share a rank (1, 2, 2, 4).
- Tiers: the top `ranking.advanced_percent` % are 先进, the bottom `ranking.backward_percent` % or any unit below
  `ranking.backward_below` points are 后进, the rest 中间.  The counts are n × percent rounded half up; tied units
  share a tier, and a tie that straddles a boundary stays 中间, so that no tier exceeds its share.  With
  `ranking.veto_blocks_advanced` a unit with a 一票否决 is not 先进.
- 约谈 candidates, each with the rule that picked it: 后进 and last in rank; below `interview.below`; any 一票否决;
  后进 `interview.backward_months` months running.

Everything is computed from the stored sheet totals in a few queries: a month of 300 units in milliseconds."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Integer, func, select, type_coerce
from sqlalchemy.orm import Session

from app import settings as S
from app.errors import NotFoundError
from app.models import (
    Indicator,
    IndicatorCategory,
    IndicatorScheme,
    Period,
    PeriodKind,
    PeriodState,
    ScoreItem,
    ScoreSheet,
    Tier,
    Unit,
)
from app.services import unit_scope

SessionFactory = Callable[[], Session]

TENTH = Decimal("0.1")
# Lower bounds of the distribution's bands, highest first (the last band is "below the last bound").
BANDS = (Decimal(95), Decimal(90), Decimal(85), Decimal(80), Decimal(70))


# ---------------------------------------------------------------------------------------------------------------
# pure rules


def competition_ranks(totals: Sequence[Decimal]) -> list[int]:
    """Ranks for `totals` (in the given order): highest first, ties share a rank, the next rank skips (1, 2, 2, 4)."""
    order = sorted(range(len(totals)), key=lambda i: totals[i], reverse=True)
    ranks = [0] * len(totals)
    for pos, i in enumerate(order):
        if pos > 0 and totals[i] == totals[order[pos - 1]]:
            ranks[i] = ranks[order[pos - 1]]
        else:
            ranks[i] = pos + 1
    return ranks


def share(n: int, percent: int) -> int:
    """How many of n units a percentage means (rounded half up: 20 % of 7 is 1, of 8 is 2)."""
    return int((Decimal(n) * Decimal(percent) / 100).to_integral_value(rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class TierRules:
    advanced_percent: int = 20
    backward_percent: int = 20
    backward_below: Decimal = Decimal(80)
    veto_blocks_advanced: bool = True
    interview_below: Decimal = Decimal(70)
    interview_last_backward: bool = True
    interview_veto: bool = True
    interview_backward_months: int = 2

    @classmethod
    def from_settings(cls, read: Callable[[S.SettingDef], Any]) -> TierRules:
        return cls(int(read(S.ADVANCED_PERCENT)), int(read(S.BACKWARD_PERCENT)), Decimal(read(S.BACKWARD_BELOW)),
                   bool(read(S.VETO_BLOCKS_ADVANCED)), Decimal(read(S.INTERVIEW_BELOW)),
                   bool(read(S.INTERVIEW_LAST_BACKWARD)), bool(read(S.INTERVIEW_VETO)),
                   int(read(S.INTERVIEW_BACKWARD_MONTHS)))


def tiers(totals: Sequence[Decimal], ranks: Sequence[int], vetoes: Sequence[bool], rules: TierRules) -> list[Tier]:
    """先进 / 中间 / 后进 for each unit.  Tied units share a tier and a tier never takes more than its share: a
    tie that straddles a boundary stays 中间 (a unit below the 后进 threshold is 后进 whatever its rank)."""
    n = len(totals)
    top, bottom = share(n, rules.advanced_percent), share(n, rules.backward_percent)
    tied = Counter(totals)
    out = []
    for total, rank, veto in zip(totals, ranks, vetoes, strict=True):
        last_position = rank + tied[total] - 1
        if (bottom and rank > n - bottom) or total < rules.backward_below:
            out.append(Tier.BACKWARD)
        elif top and last_position <= top and not (veto and rules.veto_blocks_advanced):
            out.append(Tier.ADVANCED)
        else:
            out.append(Tier.MIDDLE)
    return out


# ---------------------------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class RankingRow:
    sheet_id: int
    unit_id: int
    unit: str
    total: Decimal
    self_total: Decimal | None
    categories: dict[str, Decimal]
    rank: int
    tier: Tier
    veto: bool
    veto_reasons: list[str]
    interview: bool
    reasons: list[str]  # the rules that made the unit a 约谈 candidate
    reviewed: bool
    previous_total: Decimal | None = None
    previous_rank: int | None = None
    previous_tier: Tier | None = None

    @property
    def change(self) -> Decimal | None:
        """环比: this month's total minus last month's."""
        return None if self.previous_total is None else self.total - self.previous_total

    @property
    def rank_change(self) -> int | None:
        """Places gained since last month (positive: moved up)."""
        return None if self.previous_rank is None else self.previous_rank - self.rank


@dataclass(frozen=True)
class Distribution:
    count: int
    mean: Decimal | None
    median: Decimal | None
    highest: Decimal | None
    lowest: Decimal | None
    stdev: Decimal | None
    bands: list[tuple[str, int]]
    tiers: dict[Tier, int]
    previous_mean: Decimal | None = None


@dataclass(frozen=True)
class Ranking:
    period_id: int
    key: str
    title: str
    state: PeriodState
    previous_key: str | None
    category_names: list[str]
    rows: list[RankingRow]
    distribution: Distribution
    rules: TierRules = field(default_factory=TierRules)

    @property
    def interviews(self) -> list[RankingRow]:
        return [r for r in self.rows if r.interview]

    def to_json(self) -> dict[str, Any]:
        """The `dangjian ranking --json` object (issue 3)."""
        return {
            "period": self.key,
            "state": self.state.value,
            "rows": [{"unit": r.unit, "total": float(r.total),
                      "categories": {k: float(v) for k, v in r.categories.items()}, "rank": r.rank,
                      "tier": r.tier.value, "interview": r.interview, "reasons": list(r.reasons)} for r in self.rows],
        }


@dataclass(frozen=True)
class MonthPoint:
    key: str
    month: int
    state: PeriodState
    count: int
    mean: Decimal | None
    unit_total: Decimal | None = None  # when asked for one unit


# ---------------------------------------------------------------------------------------------------------------
# the service


@dataclass(frozen=True)
class _Sheet:
    id: int
    unit_id: int
    unit: str
    total: Decimal
    self_total: Decimal | None
    veto: bool
    reviewed: bool


@unit_scope.committee_only("查看全县排名：排名随通报印发")
class RankingService:
    def __init__(self, session_factory: SessionFactory) -> None:
        self._sf = session_factory

    def month(self, year: int, month: int) -> Ranking:
        with self._sf() as s:
            period = s.scalar(select(Period).where(Period.kind == PeriodKind.MONTH, Period.year == year,
                                                   Period.month == month))
            if period is None:
                raise NotFoundError(f"{year}年{month}月还没有考评")
            return _ranking(s, period)

    def period(self, period_id: int) -> Ranking:
        with self._sf() as s:
            period = s.get(Period, period_id)
            if period is None:
                raise NotFoundError(f"考评期不存在（编号 {period_id}）")
            return _ranking(s, period)

    def latest_locked(self) -> Ranking:
        with self._sf() as s:
            period = s.scalar(select(Period).where(Period.kind == PeriodKind.MONTH, Period.state == PeriodState.LOCKED)
                              .order_by(Period.key.desc()).limit(1))
            if period is None:
                raise NotFoundError("还没有已锁定的月度考评")
            return _ranking(s, period)

    def year_trend(self, year: int, unit_id: int | None = None) -> list[MonthPoint]:
        """Per month of the year: the county mean (and one unit's total), for trend charts."""
        with self._sf() as s:
            q = (select(Period.key, Period.month, Period.state, func.count(ScoreSheet.id),
                        func.avg(type_coerce(ScoreSheet.review_total, Integer)))
                 .join(ScoreSheet, ScoreSheet.period_id == Period.id)
                 .where(Period.kind == PeriodKind.MONTH, Period.year == year)
                 .group_by(Period.id).order_by(Period.month))
            own: dict[str, Decimal] = {}
            if unit_id is not None:
                own = {k: t for k, t in s.execute(
                    select(Period.key, ScoreSheet.review_total).join(ScoreSheet, ScoreSheet.period_id == Period.id)
                    .where(Period.year == year, ScoreSheet.unit_id == unit_id))}
            out = []
            for key, month, state, count, avg_tenths in s.execute(q):
                mean = None if avg_tenths is None else (Decimal(str(avg_tenths)) / 10).quantize(TENTH, ROUND_HALF_UP)
                out.append(MonthPoint(key, int(month), state, int(count), mean, own.get(key)))
            return out


def _sheets(s: Session, period_id: int) -> list[_Sheet]:
    q = (select(ScoreSheet.id, ScoreSheet.unit_id, Unit.name, ScoreSheet.review_total, ScoreSheet.self_total,
                ScoreSheet.veto, ScoreSheet.reviewed)
         .join(Unit, Unit.id == ScoreSheet.unit_id).where(ScoreSheet.period_id == period_id)
         .order_by(Unit.sort_order, Unit.id))
    return [_Sheet(*r) for r in s.execute(q)]


def _previous_month(s: Session, period: Period, back: int = 1) -> Period | None:
    if period.month is None:
        return None
    y, m = period.year, period.month - back
    while m < 1:
        y, m = y - 1, m + 12
    return s.scalar(select(Period).where(Period.key == f"{y:04d}-{m:02d}"))


def _tiers_of(s: Session, period: Period, rules: TierRules) -> dict[int, tuple[Decimal, int, Tier]]:
    """unit id → (total, rank, tier) for a period."""
    sheets = _sheets(s, period.id)
    totals = [x.total for x in sheets]
    ranks = competition_ranks(totals)
    ts = tiers(totals, ranks, [x.veto for x in sheets], rules)
    return {x.unit_id: (x.total, r, t) for x, r, t in zip(sheets, ranks, ts, strict=True)}


def _category_scores(s: Session, period: Period) -> tuple[list[str], dict[int, dict[str, Decimal]]]:
    cats = list(s.execute(select(IndicatorCategory.id, IndicatorCategory.name, IndicatorCategory.is_bonus)
                          .where(IndicatorCategory.scheme_id == period.scheme_id)
                          .order_by(IndicatorCategory.sort_order)))
    ceiling = s.scalar(select(IndicatorScheme.bonus_ceiling).where(IndicatorScheme.id == period.scheme_id))
    bonus_ids = {cid for cid, _, is_bonus in cats if is_bonus}
    names = {cid: name for cid, name, _ in cats}
    out: dict[int, dict[str, Decimal]] = {}
    q = (select(ScoreItem.sheet_id, Indicator.category_id, func.sum(ScoreItem.review_score))
         .join(Indicator, Indicator.id == ScoreItem.indicator_id)
         .join(ScoreSheet, ScoreSheet.id == ScoreItem.sheet_id)
         .where(ScoreSheet.period_id == period.id)
         .group_by(ScoreItem.sheet_id, Indicator.category_id))
    for sheet_id, cat_id, total in s.execute(q):
        score = Decimal(total or 0).quantize(TENTH)
        if cat_id in bonus_ids and ceiling is not None:
            score = min(score, ceiling)
        out.setdefault(sheet_id, {})[names[cat_id]] = score
    ordered = [name for _, name, _ in cats]
    return ordered, {sid: {n: d.get(n, Decimal("0.0")) for n in ordered} for sid, d in out.items()}


def _veto_reasons(s: Session, period: Period) -> dict[int, list[str]]:
    q = (select(ScoreItem.sheet_id, Indicator.name, ScoreItem.veto_reason)
         .join(Indicator, Indicator.id == ScoreItem.indicator_id)
         .join(ScoreSheet, ScoreSheet.id == ScoreItem.sheet_id)
         .where(ScoreSheet.period_id == period.id, ScoreItem.veto.is_(True)))
    out: dict[int, list[str]] = {}
    for sheet_id, name, why in s.execute(q):
        out.setdefault(sheet_id, []).append(f"{name}（{why}）" if why else name)
    return out


def _ranking(s: Session, period: Period) -> Ranking:
    rules = TierRules.from_settings(S.reader(s))
    sheets = _sheets(s, period.id)
    totals = [x.total for x in sheets]
    ranks = competition_ranks(totals)
    tier_list = tiers(totals, ranks, [x.veto for x in sheets], rules)
    names, categories = _category_scores(s, period)
    vetoes = _veto_reasons(s, period)
    prev = _previous_month(s, period)
    prev_tiers = _tiers_of(s, prev, rules) if prev is not None else {}
    backward_runs = _backward_runs(s, period, rules)
    last_rank = max(ranks, default=0)
    rows = []
    for x, rank, tier in zip(sheets, ranks, tier_list, strict=True):
        reasons = _interview_reasons(x, rank, tier, last_rank, vetoes.get(x.id, []), backward_runs.get(x.unit_id, 0),
                                     rules)
        before = prev_tiers.get(x.unit_id)
        rows.append(RankingRow(
            x.id, x.unit_id, x.unit, x.total, x.self_total, categories.get(x.id, {}), rank, tier, x.veto,
            vetoes.get(x.id, []), bool(reasons), reasons, x.reviewed,
            before[0] if before else None, before[1] if before else None, before[2] if before else None))
    rows.sort(key=lambda r: (r.rank, r.unit))
    prev_mean = _mean([t for t, _, _ in prev_tiers.values()]) if prev_tiers else None
    return Ranking(period.id, period.key, period.title, period.state, prev.key if prev else None, names, rows,
                   _distribution(totals, tier_list, prev_mean), rules)


def _backward_runs(s: Session, period: Period, rules: TierRules) -> dict[int, int]:
    """unit id → how many months before this one the unit was 后进 in a row (up to the rule's need)."""
    need = rules.interview_backward_months - 1
    runs: dict[int, int] = {}
    alive: set[int] | None = None
    for back in range(1, need + 1):
        prev = _previous_month(s, period, back)
        if prev is None:
            break
        backward = {u for u, (_, _, t) in _tiers_of(s, prev, rules).items() if t == Tier.BACKWARD}
        alive = backward if alive is None else alive & backward
        for u in alive:
            runs[u] = back
    return runs


def _interview_reasons(x: _Sheet, rank: int, tier: Tier, last_rank: int, vetoes: list[str], run: int,
                       rules: TierRules) -> list[str]:
    reasons = []
    if rules.interview_last_backward and tier == Tier.BACKWARD and rank == last_rank:
        reasons.append(f"处于后进档次且排名末位（第{rank}名）")
    if x.total < rules.interview_below:
        reasons.append(f"总分{x.total}分，低于{rules.interview_below}分")
    if rules.interview_veto and x.veto:
        reasons.append("存在一票否决事项" + (f"：{'；'.join(vetoes)}" if vetoes else ""))
    months = rules.interview_backward_months
    if months >= 2 and tier == Tier.BACKWARD and run >= months - 1:
        reasons.append(f"连续{months}个月处于后进档次")
    return reasons


def _mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(TENTH, ROUND_HALF_UP)


def _distribution(totals: list[Decimal], tier_list: list[Tier], prev_mean: Decimal | None) -> Distribution:
    bands = []
    upper: Decimal | None = None
    for low in BANDS:
        label = f"{low}分及以上" if upper is None else f"{low}～{upper - TENTH}分"
        bands.append((label, sum(1 for t in totals if t >= low and (upper is None or t < upper))))
        upper = low
    bands.append((f"{BANDS[-1]}分以下", sum(1 for t in totals if t < BANDS[-1])))
    counts = {t: tier_list.count(t) for t in Tier}
    if not totals:
        return Distribution(0, None, None, None, None, None, bands, counts, prev_mean)
    median = Decimal(str(statistics.median(totals))).quantize(TENTH, ROUND_HALF_UP)
    stdev = Decimal(str(statistics.pstdev(totals))).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return Distribution(len(totals), _mean(totals), median, max(totals), min(totals), stdev, bands, counts, prev_mean)
