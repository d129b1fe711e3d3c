"""Demo step: 不合格党员处置 at every step.

A few members of December's 民主评议 are rated 不合格 (the demo's appraisals grade everyone 优秀 or 合格): one is
still to decide on, the others have cases — a 限期改正 running, one whose deadline passed without a decision (on
the 提醒), one restored to 合格, one whose 除名 awaits the 上级党组织's approval — and two members out of contact,
one past six months without 停止党籍 (on the 提醒), one whose 党籍 was stopped.  The pattern repeats once per 40
units.  Dates are fractions of the time since each 民主评议, so every step is in order and none is in the future,
whatever day the demo is built on.  Bulk inserts; the trail step records the cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select, update

from app import settings as S
from app.demo.county import DemoContext, DemoStep
from app.models import OrgLifeAttendance, OrgLifeRecord
from app.models.disposal import DisposalCase, DisposalKind, DisposalStep, DisposalStepKind
from app.models.orglife import AppraisalGrade, OrgLifeKind

Step = DisposalStepKind
MIN_SPAN_DAYS = 30  # a case needs room for its steps between the 民主评议 and today
NOTES = {
    Step.PERSUADED: "限期改正期满，经教育仍无明显转变，支部大会决定劝其退党",
    Step.REMOVED: "劝其退党后本人坚持不退，支部大会决定除名",
    Step.SUSPENDED: "失联超过6个月，经多方查找仍无法取得联系",
}
CASE_NOTES = ("长期不参加组织生活，不完成党组织分配的任务", "理想信念淡薄，参加组织生活敷衍应付",
              "连续多月无正当理由不交纳党费", "工作作风漂浮，群众反映较大")
SEARCHES = ("多次拨打电话、发送短信无回应；走访原住址，房屋已出租", "通过原工作单位、亲属查找，均不知其下落",
            "在县党员微信群发布寻找启事，并函询户籍所在地派出所，未能取得联系")


class _Plan:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.cases: list[dict[str, Any]] = []
        self.steps: list[dict[str, Any]] = []
        self.graded: list[int] = []  # attendance lines to rate 不合格

    def case(self, member_id: int, kind: DisposalKind, opened: dt.date, record_id: int | None = None,
             lost_since: dt.date | None = None) -> dict[str, Any]:
        row: dict[str, Any] = {
            "member_id": member_id, "kind": kind, "appraisal_record_id": record_id, "opened_on": opened,
            "lost_since": lost_since, "search_efforts": self.ctx.rng.choice(SEARCHES) if lost_since else "",
            "closed_on": None, "outcome": "",
            "note": self.ctx.rng.choice(CASE_NOTES) if kind == DisposalKind.UNQUALIFIED else "",
        }
        self.cases.append(row)
        return row

    def step(self, case: dict[str, Any], kind: DisposalStepKind, decided: dt.date, approved: dt.date | None,
             deadline: dt.date | None = None) -> None:
        self.steps.append({"case": case, "kind": kind, "decided_on": decided, "approved_on": approved,
                           "deadline": deadline, "note": NOTES.get(kind, "")})
        if kind == Step.RESTORED and approved is not None:
            case["closed_on"], case["outcome"] = approved, kind.label

    def unqualified(self, line_id: int, member_id: int, record_id: int, held: dt.date, shape: str) -> None:
        """One member rated 不合格 and what the branch has done since (`shape`)."""
        self.graded.append(line_id)
        if shape == "pending":
            return
        span = (self.ctx.today - held).days

        def at(share: float) -> dt.date:
            return held + dt.timedelta(days=max(1, int(span * share)))

        case = self.case(member_id, DisposalKind.UNQUALIFIED, at(0.05), record_id)
        deadline = {"running": self.ctx.today + relativedelta(months=2), "overdue": at(0.6)}.get(shape, at(0.35))
        # A 民主评议 of the last weeks: the 支部大会 has decided, the approval is still to come.
        approved = at(0.15) if span >= MIN_SPAN_DAYS else None
        self.step(case, Step.CORRECTION, at(0.1), approved, deadline)
        if shape == "restored":
            self.step(case, Step.RESTORED, at(0.4), at(0.45))
        elif shape == "removal":
            self.step(case, Step.PERSUADED, at(0.5), at(0.55))
            self.step(case, Step.REMOVED, at(0.85), None)

    def lost(self, member_id: int, months: int, suspended: bool) -> None:
        since = self.ctx.today - relativedelta(months=months)
        case = self.case(member_id, DisposalKind.LOST_CONTACT, since + relativedelta(months=1), lost_since=since)
        if suspended:
            decided = since + relativedelta(months=7)
            self.step(case, Step.SUSPENDED, decided, decided + dt.timedelta(days=15))


def step_disposal(ctx: DemoContext) -> None:
    s = ctx.session
    q = (select(OrgLifeAttendance.id, OrgLifeAttendance.member_id, OrgLifeRecord.id, OrgLifeRecord.held_on)
         .join(OrgLifeRecord, OrgLifeRecord.id == OrgLifeAttendance.record_id)
         .where(OrgLifeRecord.kind == OrgLifeKind.DEMOCRATIC_APPRAISAL, OrgLifeAttendance.grade.is_not(None),
                OrgLifeRecord.held_on <= ctx.today)
         .order_by(OrgLifeRecord.held_on.desc(), OrgLifeAttendance.id))
    lines = s.execute(q).all()
    in_register = set(ctx.member_ids)
    lines = [line for line in lines if line[1] in in_register]
    if not lines:
        return
    plan = _Plan(ctx)
    taken: set[int] = set()
    rounds = max(1, len(ctx.units) // 40)
    roomy = [line for line in lines if (ctx.today - line[3]).days >= MIN_SPAN_DAYS]
    settled = ctx.today - relativedelta(months=16)  # long enough in the branch to have been lost for over a year
    others = [m.id for m in ctx.members if not m.is_leader and m.since <= settled]
    # The one still to decide on: rated in the months the list looks back over (a setting), more than a month ago
    # when there is such a 民主评议 (then it is also on the 提醒).
    since = ctx.today - relativedelta(months=int(S.get(s, S.DISPOSAL_LOOKBACK_MONTHS)))
    listed = [line for line in lines if line[3] >= since]
    for _ in range(rounds):
        pool = [line for line in listed if line[1] not in taken]
        if pool:
            recent = [line for line in pool if (ctx.today - line[3]).days > 45] or pool
            line = ctx.rng.choice(recent[: max(1, len(recent) // 3)])
            plan.unqualified(line[0], line[1], line[2], line[3], "pending")
            taken.add(line[1])
        for shape in ("running", "overdue", "restored", "removal"):
            pool = [line for line in (lines if shape == "running" else roomy)
                    if line[1] not in taken and (ctx.today - line[3]).days >= 2]
            if not pool:
                break
            line = ctx.rng.choice(pool)
            plan.unqualified(line[0], line[1], line[2], line[3], shape)
            taken.add(line[1])
        for months, suspended in ((9, False), (15, True)):
            while others:
                mid = others.pop(ctx.rng.randrange(len(others)))
                if mid not in taken:
                    plan.lost(mid, months, suspended)
                    taken.add(mid)
                    break
    if plan.graded:
        s.execute(update(OrgLifeAttendance).where(OrgLifeAttendance.id.in_(plan.graded))
                  .values(grade=AppraisalGrade.UNQUALIFIED).execution_options(synchronize_session=False))
    case_ids = ctx.allocate_ids(DisposalCase, len(plan.cases))
    for cid, row in zip(case_ids, plan.cases, strict=True):
        row["id"] = cid
    ctx.insert_rows(DisposalCase, plan.cases)
    step_ids = ctx.allocate_ids(DisposalStep, len(plan.steps))
    ctx.insert_rows(DisposalStep, [{**{k: v for k, v in st.items() if k != "case"}, "id": sid,
                                    "case_id": st["case"]["id"]} for sid, st in zip(step_ids, plan.steps, strict=True)])
    ctx.count("不合格党员处置案件", len(plan.cases))


DEMO_STEPS: list[DemoStep] = [DemoStep("不合格党员处置", step_disposal)]
