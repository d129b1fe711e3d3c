"""Demo step: the 单位填报 round of the draft month, in progress.  The workbooks went out a week before the
round's deadline (set two days before the demo's today, so that the board and the 提醒 show 逾期); about three
units in five have sent theirs back, one of them a file with errors (the reasons as `receive` words them), and
the rest are late.  The round's rows only: the workbooks themselves are not written (a county sends its own)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import select

from app.demo.county import DemoContext, DemoStep
from app.models import CollectionReturn, CollectionRound, Period
from app.services.collection import TEMPLATE_VERSION, file_name_for

WHO = "机关工委"
RETURNED_SHARE = 0.6
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


DEMO_STEPS = [DemoStep("单位填报", step_collection)]
