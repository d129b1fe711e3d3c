"""Demo step: the 单位填报 round of the draft month, in progress.  The workbooks went out a week before the
round's deadline (set two days before the demo's today, so that the board and the 提醒 show 逾期); about three
units in five have sent theirs back, one of them a file with errors (the reasons as `receive` words them), and
the rest are late.  The units whose file was taken have their 自评 and 说明 on their sheets, as `receive` stores
them (and in the audit trail): most claim what the 复核 gives, some the full points of an indicator the 复核
deducted, so the scoring form and the 反馈单 show differences.  The round's rows only: the workbooks themselves
are not written (a county sends its own)."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update

from app.demo.county import DemoContext, DemoStep
from app.models import (
    AuditEntry,
    CollectionReturn,
    CollectionRound,
    Indicator,
    IndicatorMethod,
    IndicatorScheme,
    Period,
    ScoreItem,
    ScoreSheet,
)
from app.services.audit import chained_rows, fmt, locked_head, timestamp
from app.services.collection import TEMPLATE_VERSION, file_name_for
from app.services.score_rules import sheet_totals

WHO = "机关工委"
RETURNED_SHARE = 0.6
CLAIM_SHARE = 0.5  # of the indicators the 复核 deducted, the share a returning unit claims full points for
CLAIM_NOTE = "已按要求落实，相关记录已存档，请予复核"
FAULTY_REASONS = (
    "“自评”表第4行“自评得分”列：自评得分12.0分，超过该指标分值10.0分",
    "“组织生活”表第3行“召开日期”列：请填写召开日期",
)


def step_collection(ctx: DemoContext) -> None:
    s = ctx.session
    key = f"{ctx.today.year}-{ctx.today.month:02d}"
    period_id = s.scalar(select(Period.id).where(Period.key == key))
    if period_id is None or not ctx.units:
        return
    deadline = ctx.today - dt.timedelta(days=2)
    sent_at = dt.datetime.combine(deadline - dt.timedelta(days=7), dt.time(1, 30), dt.timezone.utc)
    [round_id] = ctx.allocate_ids(CollectionRound, 1)
    ctx.insert_rows(CollectionRound, [{"id": round_id, "period_id": period_id, "deadline": deadline,
                                       "created_at": sent_at, "created_by": WHO}])
    rng = ctx.rng
    units = list(ctx.units)
    returned = set(rng.sample(range(len(units)), round(len(units) * RETURNED_SHARE)))
    faulty = min(returned) if returned else None
    rows: list[dict[str, Any]] = []
    ids = ctx.allocate_ids(CollectionReturn, len(units))
    for i, (rid, unit) in enumerate(zip(ids, units, strict=True)):
        nonce = f"{rng.getrandbits(128):032x}"
        name = file_name_for(unit.name, ctx.today.year, ctx.today.month)
        row: dict[str, Any] = {
            "id": rid, "round_id": round_id, "unit_id": unit.id, "sent_at": sent_at, "sent_file": name,
            "template_version": TEMPLATE_VERSION, "nonce": nonce, "received_at": None, "received_file": "",
            "received_digest": "", "refused_at": None, "refused_file": "", "refused_digest": "", "refusal": ""}
        if i in returned:
            back = sent_at + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8))
            digest = hashlib.sha256(f"{nonce}:{unit.id}".encode()).hexdigest()
            if i == faulty:
                row.update(refused_at=back, refused_file=name, refused_digest=digest, refusal="\n".join(FAULTY_REASONS))
            else:
                row.update(received_at=back, received_file=name, received_digest=digest)
        rows.append(row)
    ctx.insert_rows(CollectionReturn, rows)
    ctx.count("单位填报表", len(rows))
    taken = {r["unit_id"]: r["received_file"] for r in rows if r["received_at"] is not None}
    ctx.count("单位自评（填报表收回）", _self_assessments(ctx, period_id, taken))


def _self_assessments(ctx: DemoContext, period_id: int, taken: dict[int, str]) -> int:
    """The 自评 the taken files brought: scores and 说明 on the items, the sheets' self totals, the trail."""
    s = ctx.session
    if not taken:
        return 0
    q = (select(ScoreItem.id, ScoreItem.sheet_id, ScoreSheet.unit_id, Indicator.method, Indicator.points,
                ScoreItem.review_score, ScoreItem.self_score, ScoreItem.veto)
         .join(ScoreSheet, ScoreSheet.id == ScoreItem.sheet_id).join(Indicator, Indicator.id == ScoreItem.indicator_id)
         .where(ScoreSheet.period_id == period_id, ScoreSheet.unit_id.in_(list(taken)))
         .order_by(ScoreItem.sheet_id, ScoreItem.id))
    at = timestamp(dt.datetime.combine(ctx.today, dt.time(2, 0), dt.timezone.utc))
    items: list[dict[str, Any]] = []
    audit: list[tuple[Any, ...]] = []
    sheets: dict[int, list[tuple[Any, ...]]] = {}
    for item_id, sheet_id, unit_id, method, points, review, old, veto in s.execute(q):
        claims = method != IndicatorMethod.BONUS and review < points and ctx.rng.random() < CLAIM_SHARE
        own: Decimal = points if claims else review
        note = CLAIM_NOTE if claims else ""
        items.append({"b_id": item_id, "self_score": own, "self_note": note})
        sheets.setdefault(sheet_id, []).append((method, review, own, veto))
        why = f"单位填报：{taken[unit_id]}"
        if own != old:
            audit.append((at, WHO, "修改", "score_item", item_id, "self_score", fmt(old), fmt(own), why))
        if note:
            audit.append((at, WHO, "修改", "score_item", item_id, "self_note", fmt(""), fmt(note), why))
    item_table, sheet_table = cast(Table, ScoreItem.__table__), cast(Table, ScoreSheet.__table__)  # Core: executemany
    s.execute(update(item_table).where(item_table.c.id == bindparam("b_id"))
              .values(self_score=bindparam("self_score"), self_note=bindparam("self_note")), items)
    ceiling = s.scalar(select(IndicatorScheme.bonus_ceiling).join(Period, Period.scheme_id == IndicatorScheme.id)
                       .where(Period.id == period_id)) or Decimal(0)
    totals = [{"b_id": sid, "self_total": sheet_totals(lines, ceiling).self_total} for sid, lines in sheets.items()]
    s.execute(update(sheet_table).where(sheet_table.c.id == bindparam("b_id"))
              .values(self_total=bindparam("self_total")), totals)
    ctx.insert_rows(AuditEntry, list(chained_rows(locked_head(s), audit)))
    return len(sheets)


DEMO_STEPS = [DemoStep("单位填报", step_collection)]
