"""Score sheets written after their inputs changed: each item's 复核 score recomputed from its deductions or
bonuses (an audit entry when it moves), the sheet's totals stored, its version moved, and the row locks that bulk
writers take in one order.  Shared by the scoring service, the score import and the scheme editor (whose edits
are carried into the open months)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import (
    Bonus,
    Deduction,
    Indicator,
    IndicatorMethod,
    IndicatorScheme,
    Period,
    ScoreItem,
    ScoreSheet,
)
from app.services.audit import AuditLog
from app.services.score_rules import indicator_score, sheet_totals


def recompute_item(s: Session, log: AuditLog, item: ScoreItem, why: str) -> bool:
    """Set the item's 复核 score from its deductions (bonuses); log it when it changed."""
    ind = item.indicator
    cls = Bonus if ind.method == IndicatorMethod.BONUS else Deduction
    amounts = [Decimal(n) * each for n, each in s.execute(
        select(cls.occurrences, cls.points_each).where(cls.item_id == item.id))]
    score = indicator_score(ind.method, ind.points, ind.limit, amounts)
    if score == item.review_score:
        return False
    log.record("计分", "score_item", item.id, "review_score", item.review_score, score, reason=why)
    item.review_score = score
    s.flush()
    return True


def update_totals(s: Session, sheet: ScoreSheet, touch: bool = True) -> Any:
    """Store the sheet's totals from its items; `touch` moves its version (forms showing it are stale).  The
    caller holds the sheet's row lock (`lock_sheets`, `_sheet_change`)."""
    if touch:
        bump_version(s, sheet)
    rows = s.execute(select(Indicator.method, ScoreItem.review_score, ScoreItem.self_score, ScoreItem.veto)
                     .join(Indicator, Indicator.id == ScoreItem.indicator_id).where(ScoreItem.sheet_id == sheet.id))
    ceiling = s.scalar(select(IndicatorScheme.bonus_ceiling).join(Period, Period.scheme_id == IndicatorScheme.id)
                       .where(Period.id == sheet.period_id))
    totals = sheet_totals(rows, ceiling if ceiling is not None else Decimal(0))
    sheet.review_total, sheet.bonus_total = totals.review_total, totals.bonus_total
    sheet.self_total, sheet.veto = totals.self_total, totals.veto
    s.flush()
    return totals


def bump_version(s: Session, sheet: ScoreSheet) -> None:
    """version = version + 1 in the database: a value computed in Python from an earlier read would give two
    writers the same version for different contents."""
    s.flush()
    s.execute(update(ScoreSheet).where(ScoreSheet.id == sheet.id).values(version=ScoreSheet.version + 1)
              .execution_options(synchronize_session=False))
    s.expire(sheet, ["version"])


def lock_sheets(s: Session, sheet_ids: Iterable[int]) -> list[ScoreSheet]:
    """The sheets read with their row locks, as committed now, in id order (every bulk writer locks in the same
    order, so two of them never wait for each other in a circle).  Read their items only after this."""
    ids = sorted(set(sheet_ids))
    out: list[ScoreSheet] = []
    for start in range(0, len(ids), 500):
        q = (select(ScoreSheet).where(ScoreSheet.id.in_(ids[start:start + 500])).order_by(ScoreSheet.id)
             .with_for_update().execution_options(populate_existing=True))
        out.extend(s.scalars(q))
    return out


def recompute_sheets(s: Session, log: AuditLog, sheet_ids: Iterable[int], reason: str) -> None:
    """Recompute every item and total of these sheets (after the scheme changed under them); the caller holds
    their periods' locks."""
    ids = sorted(set(sheet_ids))
    for start in range(0, len(ids), 500):
        sheets = lock_sheets(s, ids[start:start + 500])
        items = s.scalars(select(ScoreItem).where(ScoreItem.sheet_id.in_([sh.id for sh in sheets]))
                          .execution_options(populate_existing=True))
        for item in items:
            recompute_item(s, log, item, reason)
        for sheet in sheets:
            update_totals(s, sheet)
