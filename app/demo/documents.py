"""Demo step: 通报, 约谈 and 整改 for the demo county's locked months (runs after the monthly 考评 step).

- 通报: the three latest locked months are issued with consecutive 文号, each a few working days after its month
  (one is reissued the next day with a reason, so the page shows a superseded 通报).  Every 通报 renders three
  300-dpi charts (0.5–1.5 s each); the older months are left for the user to issue from the 通报 page.
- 约谈: every locked month's candidates get an interview about a week after the month, with the person summoned
  from the register; those already held have their conversation, 表态 and 整改要求 recorded.
- 整改: each held interview's items move on with age: old months are mostly 已销号, recent ones 未整改 or 整改中;
  items whose deadline has passed while still open are 逾期, so every status (and the 提醒) shows.

Everything goes through the services' own rules (numbering, validation, the status moves and their audit
entries), in the demo's one transaction: the services get sessions that join it through savepoints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.demo.county import DemoContext, DemoStep
from app.models import Period, PeriodKind, PeriodState, Rectification, RectificationItem, RectificationStatus
from app.services.audit import AuditLog
from app.services.bulletin import BulletinService
from app.services.interview import ConversationInput, InterviewService, WorkCalendar
from app.services.rectification import apply_move, effective_status

WHO = "机关工委"
BULLETIN_MONTHS = 3
INTERVIEWERS = "周建华（县直机关工委书记）、李红梅（县直机关工委副书记）"  # 姓名（职务）: notices print the posts
RECORDER = "刘洋"
St = RectificationStatus

# keyword in the problem → the measure a unit would write
MEASURES = (
    ("支委会", "制定支委会年度计划，每月固定日期召开，会后3个工作日内录入会议记录"),
    ("主题党日", "每月制定主题党日活动方案，做到主题、内容、记录“三落实”"),
    ("党小组", "调整党小组设置，明确组长职责，按月开展党小组会"),
    ("集中学习", "落实每月集中学习制度，由支部书记带头领学"),
    ("党费", "逐人核对党费基数，补缴欠缴党费，建立按月收缴台账"),
    ("社区报到", "督促在职党员一个月内到居住地社区报到并参加活动"),
    ("党课", "书记和班子成员按计划讲党课，讲稿存档备查"),
    ("换届", "向机关党委报告换届准备情况，限期完成换届选举"),
    ("空缺", "按程序补选支部委员，补齐配强支部班子"),
    ("报送", "明确专人负责党建材料报送，建立报送台账"),
)
DEFAULT_MEASURE = "制定整改方案，明确责任人和完成时限，逐项整改到位"


def _measure(problem: str) -> str:
    return next((m for key, m in MEASURES if key in problem), DEFAULT_MEASURE)


def joined_session_factory(session: Session) -> Callable[[], Session]:
    """Sessions on the demo's connection: their transactions are savepoints inside the demo's one transaction,
    so the services can be used as they are and a cancelled build still leaves nothing behind."""
    def make() -> Session:
        return Session(bind=session.connection(), join_transaction_mode="create_savepoint",
                       expire_on_commit=False)

    return make


def step_documents(ctx: DemoContext) -> None:
    ctx.session.flush()
    factory = joined_session_factory(ctx.session)
    months = list(ctx.session.scalars(select(Period).where(Period.kind == PeriodKind.MONTH,
                                                           Period.state == PeriodState.LOCKED)
                                      .order_by(Period.key)))
    if not months:
        return
    calendar = WorkCalendar()
    _bulletins(ctx, factory, months[-BULLETIN_MONTHS:], calendar)
    held = _interviews(ctx, factory, months, calendar)
    _progress(ctx, held)


def _fixed(day: dt.date) -> Callable[[], dt.date]:
    return lambda: day


def _month_end(p: Period) -> dt.date:
    first_next = dt.date(p.year + (p.month or 12) // 12, (p.month or 12) % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def _bulletins(ctx: DemoContext, factory: Callable[[], Session], months: list[Period], calendar: WorkCalendar) -> None:
    issued = 0
    for i, p in enumerate(months):
        ctx.check_cancelled()
        day = min(calendar.add(_month_end(p), 5), ctx.today)
        service = BulletinService(factory, actor=WHO, today=_fixed(day))
        service.issue(p.year, p.month or 1)
        issued += 1
        if i == len(months) - 2:  # the middle one is corrected and reissued the next working day
            again = min(calendar.add(day, 1), ctx.today)
            BulletinService(factory, actor=WHO, today=_fixed(again)).issue(
                p.year, p.month or 1, reason="个别单位扣分记录经复核更正，重新印发")
            issued += 1
    ctx.count("已印发通报", issued)


def _interviews(ctx: DemoContext, factory: Callable[[], Session], months: list[Period],
                calendar: WorkCalendar) -> list[tuple[int, int]]:
    """Interviews for every locked month; returns (interview id, months before today's month) of those held."""
    held: list[tuple[int, int]] = []
    total = 0
    for p in months:
        ctx.check_cancelled()
        day = calendar.add(_month_end(p), 6)
        when = dt.datetime.combine(day, dt.time(9, 0) if ctx.rng.random() < 0.6 else dt.time(15, 0))
        service = InterviewService(factory, actor=WHO, today=_fixed(min(day, ctx.today)))
        made = service.create_for_candidates(p.year, p.month or 1, scheduled_at=when)
        total += len(made)
        age = (ctx.today.year - p.year) * 12 + ctx.today.month - (p.month or 1)
        for v in made:
            data = v.input()
            data.interviewers, data.recorder = INTERVIEWERS, RECORDER
            service.update(v.id, data)
            if day >= ctx.today:
                continue  # arranged, not held yet
            service.record(v.id, _conversation(v.unit, v.period_title, v.interviewee_name, v.problems))
            held.append((v.id, age))
    ctx.count("约谈", total)
    ctx.count("其中已约谈", len(held))
    return held


def _conversation(unit: str, month: str, person: str, problems: list[str]) -> ConversationInput:
    named = "；".join(p.split("：")[0] for p in problems[:3]) or "党建工作落实不到位"
    talk = (f"县直机关工委通报了{unit}{month}党建工作考评情况，指出存在{named}等问题，分析了问题产生的原因，"
            f"要求{unit}党组（党委）切实履行主体责任，书记履行第一责任人职责，对照问题清单逐项整改。")
    statement = (f"{person or '被约谈人'}表示：完全接受约谈意见，将召开党组（党委）会议专题研究，"
                 f"制定整改方案，明确责任人和时限，按期整改到位并书面报告。")
    requirements = "\n".join(["对照存在问题制定整改方案，逐项明确整改措施、责任人和完成时限",
                              "整改完成后形成书面报告，连同佐证材料报县直机关工委审核销号",
                              "举一反三，健全党建工作长效机制"])
    return ConversationInput(talk, statement, requirements)


def _plan(age: int, roll: float) -> list[St]:
    """The moves an item has made by today, by how many months ago its interview month was."""
    closed = [St.PENDING_REVIEW, St.CLOSED]
    if age >= 5:
        return closed if roll < 0.9 else [St.IN_PROGRESS]
    if age >= 3:
        return closed if roll < 0.6 else [St.PENDING_REVIEW] if roll < 0.8 else [St.IN_PROGRESS]
    if age == 2:
        return closed if roll < 0.3 else [St.PENDING_REVIEW] if roll < 0.6 else [St.IN_PROGRESS] if roll < 0.9 else []
    return [St.IN_PROGRESS] if roll < 0.4 else [St.PENDING_REVIEW] if roll < 0.5 else []


def _progress(ctx: DemoContext, held: list[tuple[int, int]]) -> None:
    """Move each held interview's items on, through the rectification rules, with audit entries."""
    s = ctx.session
    log = AuditLog(s, WHO, now=lambda: dt.datetime.combine(ctx.today, dt.time(2, 0), dt.timezone.utc))
    ages = dict(held)
    rows = s.execute(select(RectificationItem, Rectification.interview_id)
                     .join(Rectification, Rectification.id == RectificationItem.rectification_id)
                     .where(Rectification.interview_id.in_(list(ages)))
                     .order_by(RectificationItem.id)).all()
    counts = dict.fromkeys(St, 0)
    for item, interview_id in rows:
        ctx.check_cancelled()
        item.measure = _measure(item.problem)
        plan = _plan(ages[interview_id or 0], ctx.rng.random())
        start = item.deadline - dt.timedelta(days=14)
        for step, target in enumerate(plan):
            # Handed in before the deadline (mostly); closed a few days later, never after today.
            day = min(start + dt.timedelta(days=5 * (step + 1) + ctx.rng.randint(0, 6)), ctx.today)
            apply_move(log, item, target, _note(target, item.problem), day)
        counts[effective_status(item.status, item.deadline, item.submitted_on, ctx.today)] += 1
    s.flush()
    ctx.count("整改事项", len(rows))
    for status in (St.CLOSED, St.OVERDUE):
        ctx.count(f"其中{status.value}", counts[status])


def _note(target: St, problem: str) -> str:
    if target == St.PENDING_REVIEW:
        return f"已按整改措施完成整改，相关记录和佐证材料已整理报送（{problem.split('：')[0]}）"
    if target == St.CLOSED:
        return "经查阅资料、现场核实，整改措施落实到位，同意销号"
    return "已召开党组（党委）会议研究部署，正在整改"


DEMO_STEPS: list[DemoStep] = [DemoStep("通报、约谈和整改", step_documents)]
