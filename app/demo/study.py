"""Demo step: each unit's 党组（党委）理论学习中心组 — last year in full and this year to today, with its plans.

Most units meet once a month and hold a 专题研讨 in the last month of each quarter; a few skip months; one unit (the
second in the register's order) has fallen well behind this year — met every other month, no 专题研讨 — and a
couple have not made this year's plan, so the 提醒, the tab and the scoring suggestions have something true to
show.  Bulk inserts only (the large county's 300 units make some 7,000 meetings); the rows enter the audit trail with
the register's (app.demo.trail, last)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from sqlalchemy import select

from app.demo.county import DemoContext, DemoStep
from app.models import StudyForm, StudyMeeting, StudyPlan, Unit
from app.services.study import TOPICS

SEMINAR_TOPICS = ("深入学习贯彻习近平新时代中国特色社会主义思想", "学习贯彻党的二十届四中全会精神专题研讨",
                  "树立和践行正确政绩观专题研讨", "学习贯彻中央八项规定精神专题研讨", "意识形态工作责任制落实专题研讨")
PLACES_NOTE = ("", "", "", "邀请县委党校教师辅导", "结合业务工作交流", "")


def step_study(ctx: DemoContext) -> None:
    units = ctx.session.execute(select(Unit.id, Unit.party_secretary).where(Unit.active.is_(True))
                                .order_by(Unit.sort_order, Unit.id)).all()
    meetings: list[dict[str, Any]] = []
    plans: list[dict[str, Any]] = []
    today = ctx.today
    for n, (unit_id, secretary) in enumerate(units):
        ctx.check_cancelled()
        behind = n == 1
        sloppy = n % 9 == 4
        total = ctx.rng.randint(7, 11)
        for year in (today.year - 1, today.year):
            last_month = 12 if year < today.year else today.month
            for month in range(1, last_month + 1):
                if year == today.year and behind and month % 2 == 0:
                    continue
                if sloppy and ctx.rng.random() < 0.25:
                    continue
                day = dt.date(year, month, ctx.rng.randint(5, min(26, calendar.monthrange(year, month)[1])))
                if day > today:
                    continue
                seminar = month % 3 == 0 and not (behind and year == today.year)
                meetings.append(_meeting(ctx, unit_id, day, seminar, secretary, total))
            if year < today.year or (today.month >= 2 and n % 37 != 5):
                plans.append(_plan(ctx, unit_id, year, n))
    for row, mid in zip(meetings, ctx.allocate_ids(StudyMeeting, len(meetings)), strict=True):
        row["id"] = mid
    for row, pid in zip(plans, ctx.allocate_ids(StudyPlan, len(plans)), strict=True):
        row["id"] = pid
    ctx.insert_rows(StudyMeeting, meetings)
    ctx.insert_rows(StudyPlan, plans)
    ctx.count("中心组学习", len(meetings))


def _meeting(ctx: DemoContext, unit_id: int, day: dt.date, seminar: bool, secretary: str, total: int
             ) -> dict[str, Any]:
    rng = ctx.rng
    return {
        "unit_id": unit_id, "held_on": day, "form": StudyForm.SEMINAR if seminar else StudyForm.COLLECTIVE,
        "topic": rng.choice(SEMINAR_TOPICS) if seminar else rng.choice(TOPICS),
        "lecturer": secretary or "党组书记", "speeches": rng.randint(4, total) if seminar else rng.randint(0, 2),
        "members_present": total - rng.choice((0, 0, 0, 1, 1, 2)), "members_total": total,
        "note": rng.choice(PLACES_NOTE), "created_at": dt.datetime.combine(day, dt.time(9), dt.timezone.utc),
    }


def _plan(ctx: DemoContext, unit_id: int, year: int, n: int) -> dict[str, Any]:
    topics = ctx.rng.sample(TOPICS, 5)
    return {"unit_id": unit_id, "year": year, "planned_meetings": 12 + (n % 3 == 0), "planned_seminars": 4,
            "topics": "\n".join(topics), "made_on": dt.date(year, 1, ctx.rng.randint(5, 28)), "note": "",
            "updated_at": dt.datetime.combine(dt.date(year, 1, 28), dt.time(9), dt.timezone.utc)}


DEMO_STEPS = [DemoStep("理论学习中心组学习记录", step_study)]
