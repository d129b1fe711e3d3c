"""Demo step: 民主生活会 of last year and this year, with 批评意见 and 问题清单 (整改), and a few branches' 组织生活会.

Last year every unit but a few held its 民主生活会 in December, and most of its 问题清单 is closed; one unit's list
is still open, past the limit.  This year (once the year is far enough on) most units have held theirs; one 党组's
meeting had no 相互批评 (the speech's "辣味不够"), and a few have not held it yet.  The 班子成员 are the unit's
党组书记 and its 党员领导干部 in the register.  Written through the service's own `store` (the 问题清单's
items created and moved on through the 整改 rules, audited), a few hundred meetings on the large county; the
meetings and their 批评意见 enter the trail with the register's rows (app.demo.trail, last)."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.demo.county import DemoContext, DemoStep, DemoUnit
from app.demo.data import FEMALE_NAMES, MALE_NAMES, SURNAMES
from app.models import LeadershipMeeting, RectificationItem, RectificationStatus, Unit
from app.services.audit import AuditLog
from app.services.leadership import CriticismInput, MeetingInput, store
from app.services.rectification import ItemInput, apply_move

WHO = "演示数据"
St = RectificationStatus
TOPICS = ("深入学习贯彻党的二十大精神，以学铸魂、以学增智、以学正风、以学促干",
          "巩固拓展主题教育成果，强化政治担当，推动高质量发展",
          "加强党的政治建设，落实全面从严治党主体责任")
SELF = ("理论学习还不够系统深入，学用结合不够紧密", "调查研究不够深入，到基层一线的次数偏少",
        "落实“一岗双责”还有差距，抓分管领域党建工作用力不均", "工作标准不够高，满足于完成任务")
MUTUAL = ("抓班子带队伍要求不够严，对干部日常管理监督偏软", "分管工作督促检查不够，推进落实存在时松时紧",
          "深入基层少，听取意见建议不够主动", "开展批评时顾虑较多，辣味不足")
PROBLEMS = (("理论学习制度执行不严，学习效果不明显", "修订党组理论学习中心组学习计划，每月开展专题研讨"),
            ("基层党建联系点作用发挥不够", "党组成员每季度到联系点调研指导，建立问题清单"),
            ("干部队伍作风建设还有薄弱环节", "开展作风纪律专项整治，健全考勤和督办制度"),
            ("意识形态工作责任落实不够到位", "每半年专题研究意识形态工作，落实阵地管理"))


def step_leadership(ctx: DemoContext) -> None:
    ctx.session.flush()
    s = ctx.session
    today = ctx.today
    log = AuditLog(s, WHO, now=lambda: dt.datetime.combine(today, dt.time(2, 0), dt.timezone.utc))
    secretaries: dict[int, str] = {uid: name for uid, name in s.execute(select(Unit.id, Unit.party_secretary))}
    leaders: dict[int, list[str]] = {}
    for member in ctx.members:
        if member.is_leader and member.name not in leaders.setdefault(member.unit_id, []):
            leaders[member.unit_id].append(member.name)
    units = list(ctx.units)
    rng = ctx.rng
    last_year, this_year = today.year - 1, today.year
    # This year's meetings once there has been time for them (the yearly meeting is mostly held late in the year).
    this_year_end = min(today - dt.timedelta(days=2), dt.date(this_year, 12, 28))
    can_hold_now = this_year_end >= dt.date(this_year, 3, 1)
    open_list_unit = units[1].id if len(units) > 1 else units[0].id
    flat_unit = units[2].id if len(units) > 2 else units[0].id
    made = flat = 0
    for i, unit in enumerate(units):
        ctx.check_cancelled()
        names = _leadership(secretaries.get(unit.id, ""), leaders.get(unit.id, []), rng)
        if i % 23 != 7:  # a few units did not hold last year's
            held = dt.date(last_year, 12, rng.randint(10, 28))
            m = _meeting(s, log, unit, held, names, mutual=True, rng=rng)
            _progress(log, s, m, today, rng, keep_open=unit.id == open_list_unit)
            made += 1
        if can_hold_now and (i % 6 != 5 or unit.id == flat_unit):  # most units held this year's
            span = (this_year_end - dt.date(this_year, 1, 10)).days
            held = this_year_end - dt.timedelta(days=rng.randint(0, min(span, 40)))
            m = _meeting(s, log, unit, held, names, mutual=unit.id != flat_unit, rng=rng)
            _progress(log, s, m, today, rng, keep_open=False)
            made += 1
            flat += unit.id == flat_unit
    s.flush()
    ctx.count("民主生活会", made)
    ctx.count("其中没有相互批评", flat)


def _leadership(secretary: str, leaders: list[str], rng: random.Random) -> list[str]:
    """The 党组书记 and the unit's 党员领导干部, made up to three or more (班子成员 not in the unit's branches: a
    deputy who sits in another organisation's register)."""
    names = list(dict.fromkeys(n for n in [secretary, *leaders] if n))[:5]
    while len(names) < 3:
        name = rng.choice(SURNAMES)[0] + rng.choice(MALE_NAMES + FEMALE_NAMES)
        if name not in names:
            names.append(name)
    return names


def _meeting(s: Session, log: AuditLog, unit: DemoUnit, held: dt.date, names: list[str], *,
             mutual: bool, rng: random.Random) -> LeadershipMeeting:
    crit = [CriticismInput("自我批评", n, rng.choice(SELF)) for n in names]
    if mutual and len(names) > 1:
        for k, n in enumerate(names):
            crit.append(CriticismInput("相互批评", n, rng.choice(MUTUAL), raised_by=names[(k + 1) % len(names)]))
    problems = [ItemInput(p, measure, names[0], held + dt.timedelta(days=rng.choice((60, 90, 120))))
                for p, measure in rng.sample(PROBLEMS, rng.randint(2, 3))]
    data = MeetingInput(unit.id, held, "民主生活会", topic=f"{held.year}年度{rng.choice(TOPICS)}专题民主生活会",
                        attendees=names, supervisors=["县委督导组成员", "县纪委监委派驻纪检组组长"],
                        opinions_solicited=rng.randint(6, 30), criticisms=crit, problems=problems)
    return store(s, log, data, None, None)


def _progress(log: AuditLog, s: Session, m: LeadershipMeeting, today: dt.date, rng: random.Random, *,
              keep_open: bool) -> None:
    """Move the 问题清单's items on as the months since the meeting allow (never past today)."""
    items = list(s.scalars(select(RectificationItem).where(RectificationItem.rectification_id == m.rectification_id)
                           .order_by(RectificationItem.sort_order)))
    for item in items:
        done_by = item.deadline - dt.timedelta(days=rng.randint(5, 20))
        if keep_open:
            apply_move(log, item, St.IN_PROGRESS, "已召开党组会议研究部署，正在整改", m.held_on + dt.timedelta(days=10))
            continue
        if done_by + dt.timedelta(days=7) > today:
            if m.held_on + dt.timedelta(days=10) <= today and rng.random() < 0.6:
                apply_move(log, item, St.IN_PROGRESS, "已制定整改方案，正在落实", m.held_on + dt.timedelta(days=10))
            continue
        apply_move(log, item, St.PENDING_REVIEW, "已按整改措施完成整改，佐证材料已报送", done_by)
        apply_move(log, item, St.CLOSED, "经查阅资料、现场核实，整改到位，同意销号", done_by + dt.timedelta(days=7))


DEMO_STEPS: list[DemoStep] = [DemoStep("民主生活会", step_leadership)]
