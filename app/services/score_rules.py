"""How scores follow from the scheme (DOMAIN.md: per occurrence, never below 0 within an indicator, a cap, a
bonus ceiling): an indicator's 复核 score from its deductions or bonuses, a sheet's totals from its items, and what
a typed score may be.  Pure functions, used by the scheme editor, the scoring service, the imports and the
annual results alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from app.errors import FieldProblem, ValidationError
from app.models import IndicatorMethod

ZERO = Decimal(0)
TENTH = Decimal("0.1")
MAX_SCORE = Decimal(1000)  # no scheme comes near; bigger numbers are typing errors





def parse_score(value: Any, fld: str, label: str, *, allow_zero: bool = True,
                problems: list[FieldProblem] | None = None) -> Decimal | None:
    """A score typed by a user or read from a file: a number ≥ 0 with at most one decimal place.

    Returns None and records the problem (or raises, without a list) when the value is not acceptable."""
    text = str(value).strip() if value is not None else ""
    msg = None
    number: Decimal | None = None
    try:
        number = Decimal(text) if not isinstance(value, Decimal) else value
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        msg = f"{label}应为数字" if text else f"请填写{label}"
        number = None
    if number is not None:
        if number < 0 or (number == 0 and not allow_zero):
            msg = f"{label}应大于0" if not allow_zero else f"{label}不能为负数"
        elif number > MAX_SCORE:
            msg = f"{label}不能超过{MAX_SCORE}分"
        elif number != number.quantize(TENTH, rounding=ROUND_HALF_UP):
            msg = f"{label}最多保留一位小数"
    if msg is not None:
        problem = FieldProblem(fld, msg)
        if problems is None:
            raise ValidationError(problem)
        problems.append(problem)
        return None
    assert number is not None
    return number.quantize(TENTH)


def indicator_score(method: IndicatorMethod, points: Decimal, limit: Decimal, amounts: Iterable[Decimal]) -> Decimal:
    """The 复核 score of one indicator from its deductions (or bonuses).

    扣分/一票否决: points − Σ deductions, the loss capped at `limit` and never below 0.
    加分: Σ bonuses, capped at `limit` (the scheme's ceiling applies to the sheet as a whole)."""
    total = sum(amounts, ZERO)
    if method == IndicatorMethod.BONUS:
        return min(total, limit).quantize(TENTH)
    return max(points - min(total, limit), ZERO).quantize(TENTH)


def base_score(method: IndicatorMethod, points: Decimal) -> Decimal:
    """The score of an indicator with nothing recorded against it."""
    return ZERO.quantize(TENTH) if method == IndicatorMethod.BONUS else points.quantize(TENTH)


@dataclass(frozen=True)
class SheetTotals:
    review_total: Decimal
    bonus_total: Decimal
    self_total: Decimal | None
    veto: bool


def sheet_totals(items: Iterable[tuple[IndicatorMethod, Decimal, Decimal | None, bool]],
                 bonus_ceiling: Decimal) -> SheetTotals:
    """Totals of a sheet from (method, 复核 score, 自评 score, veto flag) per item: bonus capped at the ceiling."""
    base = bonus = ZERO
    self_base = self_bonus = ZERO
    any_self = veto = False
    for method, score, self_score, item_veto in items:
        is_bonus = method == IndicatorMethod.BONUS
        if is_bonus:
            bonus += score
        else:
            base += score
        if self_score is not None:
            any_self = True
            if is_bonus:
                self_bonus += self_score
            else:
                self_base += self_score
        veto = veto or (item_veto and method == IndicatorMethod.VETO)
    bonus = min(bonus, bonus_ceiling)
    self_total = (self_base + min(self_bonus, bonus_ceiling)).quantize(TENTH) if any_self else None
    return SheetTotals((base + bonus).quantize(TENTH), bonus.quantize(TENTH), self_total, veto)
