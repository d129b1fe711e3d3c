"""单位填报: the state of a unit in a month's round and the `collection_overdue` 提醒 (without openpyxl: the 提醒
page loads this module; the workbooks are app.services.collection's).

State (never stored): 未下发 (no workbook sent), 已下发 (sent, not back, deadline not passed), 已收回 (the last
file read in), 有误 (the last file refused for its contents, the reasons kept), 逾期 (sent, not back, past the
round's deadline)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import CollectionReturn, CollectionRound, Period, PeriodState
from app.services import alerts as A

NOT_SENT, SENT, RECEIVED, FAULTY, OVERDUE = "未下发", "已下发", "已收回", "有误", "逾期"
STATES = (NOT_SENT, SENT, RECEIVED, FAULTY, OVERDUE)
COLLECTION = "collection"  # an alert's target: the 月度考评 page at the month's 填报 board (target id: the period)


def return_state(ret: CollectionReturn | None, deadline: dt.date, today: dt.date) -> str:
    if ret is None or ret.sent_at is None:
        return NOT_SENT
    if ret.refused_at is not None and (ret.received_at is None or ret.refused_at > ret.received_at):
        return FAULTY
    if ret.received_at is not None:
        return RECEIVED
    return OVERDUE if today > deadline else SENT


def overdue_alerts(s: Session, today: dt.date) -> list[A.Alert]:
    """`collection_overdue`: units of a round not yet locked that are not back (or whose file was wrong) after
    the round's deadline."""
    q = (select(CollectionRound, Period).join(Period)
         .where(CollectionRound.deadline < today, Period.state != PeriodState.LOCKED)
         .options(selectinload(CollectionRound.returns).joinedload(CollectionReturn.unit)))  # no query per unit
    out = []
    for rnd, period in s.execute(q):
        for ret in sorted(rnd.returns, key=lambda r: (r.unit.sort_order, r.unit_id)):
            state = return_state(ret, rnd.deadline, today)
            if state not in (OVERDUE, FAULTY):
                continue
            name = ret.unit.name
            what = "填报表有误，尚未重新报送" if state == FAULTY else "填报表尚未报送"
            out.append(A.Alert("collection_overdue", name,
                               f"{name}：{period.title}{what}（截止{rnd.deadline:%Y-%m-%d}，已逾期"
                               f"{(today - rnd.deadline).days}天）", rnd.deadline, COLLECTION, period.id,
                               ret.unit_id, True))
    return out


def register_hooks() -> None:
    A.register_source("collection_overdue", overdue_alerts)


register_hooks()
