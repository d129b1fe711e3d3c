"""Demo step: the quarter and the year for the demo county (runs after the 考评, 通报 and 约谈 steps).

- 季度: every quarter whose three months are locked is graded, reviewed and locked through the quarter service.
- The demo year is the latest year whose 述职评议 season (from October) has begun: each unit has a 公开承诺 made
  in January (items with who and by when; those due by today assessed 已践诺, some 部分践诺 or 未践诺 with a
  note, weaker units more often) and a 责任清单 built from its register (党组书记, 班子成员, each 书记).
- 述职评议: a meeting a few days before today (or in late December), every unit's secretary reporting, with a
  述职报告 written from the unit's year, a 年终检查 score and votes whose 好票率 follows the unit's scores.  The
  year's results are left as a draft (computed live), for the user to review, lock and circulate.

Commitments, lists and votes are bulk inserts with their audit entries chained in bulk; the quarters and the
review meeting go through the services, on sessions that join the demo's one transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, func, select, type_coerce, update

from app.demo.county import DemoContext, DemoStep
from app.demo.documents import joined_session_factory
from app.models import (
    AuditEntry,
    Commitment,
    CommitmentItem,
    DutyCategory,
    DutyItem,
    DutyList,
    DutyRole,
    Fulfilment,
    Period,
    PeriodKind,
    PeriodState,
    ReviewReport,
    ReviewVote,
    ScoreSheet,
    Unit,
    VoteChoice,
)
from app.services.annual.commitments import _org_secretaries, default_duties
from app.services.annual.review import CHOICES, ReviewInput, VoteTally
from app.services.annual.service import AnnualService
from app.services.audit import chained_rows, locked_head, timestamp
from app.services.quarter import QuarterService

WHO = "机关工委"

PROMISES = (
    ("每季度至少为党员讲一次党课，全年不少于4次", "书记", 12),
    ("带头落实“三会一课”制度，以普通党员身份参加所在支部组织生活", "书记", 12),
    ("每半年至少主持召开一次党组会议专题研究机关党建工作", "书记", 6),
    ("完成{org}按期换届，配齐配强支部委员", "组织委员", 6),
    ("建立健全党员领导干部基层党建工作联系点制度，每季度至少走访一次", "班子成员", 12),
    ("组织全体在职党员到社区报到，开展志愿服务不少于2次", "支部书记", 9),
    ("开展“三亮三强”活动，打造一个党建特色品牌", "宣传委员", 10),
    ("党费按月足额收缴，做到台账清楚、公开透明", "组织委员", 12),
    ("严把发展党员入口关，全年发展党员材料规范率达到100%", "组织委员", 11),
    ("整改月度考评中发现的问题，做到问题清零", "书记", 12),
)
PARTIAL_NOTES = ("全年完成3次，第四季度因集中攻坚任务未能开展", "已启动，尚有部分环节未完成", "完成进度约七成，已列入下年度计划")
NOT_DONE_NOTES = ("因人员调整未能按期完成", "工作推进不力，未按承诺时限完成")
REPORT = (
    "{year}年，{unit}党组（党委）在县委和县直机关工委的坚强领导下，坚持以习近平新时代中国特色社会主义思想为指导，"
    "认真落实全面从严治党主体责任，推动机关党建与业务工作深度融合。现将本人履行抓机关党建工作第一责任人职责情况报告如下。",
    "一是压实责任抓统筹。年初召开党组会议研究制定党建工作要点和责任清单，作出公开承诺{promises}项，"
    "全年专题研究党建工作{meetings}次，班子成员落实“一岗双责”，分别联系基层党支部。",
    "二是强化学习抓思想。坚持党组理论学习中心组学习制度，全年集中学习{studies}次，本人为党员干部讲党课{lectures}次。",
    "三是规范制度抓基础。督促各支部落实“三会一课”、主题党日、谈心谈话等制度，全年月度考评平均得分{mean}分。",
    "四是正视问题抓整改。对月度考评、季度考核中指出的问题建立台账，逐项整改销号。",
    "存在的不足：{weak}。",
    "下一步，本人将切实履行第一责任人职责，以更高标准、更实举措抓好机关党建工作，推动党建工作全面进步、全面过硬。",
)


def step_annual(ctx: DemoContext) -> None:
    ctx.session.flush()
    factory = joined_session_factory(ctx.session)
    _quarters(ctx, factory)
    year = _demo_year(ctx)
    if year is None:
        return
    means = _means(ctx, year)
    audit: list[tuple[Any, ...]] = []
    clock = _Clock(dt.datetime.combine(dt.date(year, 1, 10), dt.time(1, 0), dt.timezone.utc),
                   dt.datetime.combine(ctx.today, dt.time(0, 30), dt.timezone.utc))
    _commitments(ctx, year, means, audit, clock)
    _duty_lists(ctx, year, audit, clock)
    ctx.insert_rows(AuditEntry, list(chained_rows(locked_head(ctx.session), audit)))
    ctx.session.flush()
    _review(ctx, factory, year, means)


class _Clock:
    def __init__(self, start: dt.datetime, limit: dt.datetime) -> None:
        self.t, self.limit = min(start, limit), limit

    def tick(self, seconds: int = 11) -> str:
        self.t = min(self.t + dt.timedelta(seconds=seconds), self.limit)
        return timestamp(self.t)


def _quarters(ctx: DemoContext, factory: Any) -> None:
    locked: dict[tuple[int, int], int] = {}
    for year, month in ctx.session.execute(select(Period.year, Period.month).where(
            Period.kind == PeriodKind.MONTH, Period.state == PeriodState.LOCKED)):
        key = (year, (int(month or 1) - 1) // 3 + 1)
        locked[key] = locked.get(key, 0) + 1
    service = QuarterService(factory, actor=WHO)
    done = 0
    for year, quarter in sorted(k for k, n in locked.items() if n == 3):
        ctx.check_cancelled()
        service.review(year, quarter)
        service.lock(year, quarter)
        done += 1
    ctx.count("季度分级量化考核", done)


def _demo_year(ctx: DemoContext) -> int | None:
    """The latest year whose 述职评议 season has begun (October) and that has locked months."""
    years = set(ctx.session.scalars(select(Period.year).where(Period.kind == PeriodKind.MONTH,
                                                              Period.state == PeriodState.LOCKED)))
    usable = [y for y in years if dt.date(y, 10, 1) < ctx.today]
    return max(usable) if usable else None


def _means(ctx: DemoContext, year: int) -> dict[int, float]:
    """unit id → its strength, 0 (the weakest) … 1 (the strongest), by its rank on the year's mean score: the
    county's scores are close together, and the votes should still tell its units apart."""
    q = (select(ScoreSheet.unit_id, func.avg(type_coerce(ScoreSheet.review_total, Integer)))
         .join(Period, Period.id == ScoreSheet.period_id)
         .where(Period.kind == PeriodKind.MONTH, Period.year == year, Period.state == PeriodState.LOCKED)
         .group_by(ScoreSheet.unit_id))
    ordered = [u for u, _ in sorted(ctx.session.execute(q), key=lambda r: (float(r[1]), r[0]))]
    n = max(1, len(ordered) - 1)
    return {u: i / n for i, u in enumerate(ordered)}


def _mean_score(ctx: DemoContext, year: int, unit_id: int) -> Decimal | None:
    total = ctx.session.scalar(select(func.avg(type_coerce(ScoreSheet.review_total, Integer)))
                               .join(Period, Period.id == ScoreSheet.period_id)
                               .where(Period.kind == PeriodKind.MONTH, Period.year == year,
                                      Period.state == PeriodState.LOCKED, ScoreSheet.unit_id == unit_id))
    return None if total is None else (Decimal(str(total)) / 10).quantize(Decimal("0.1"))


def _commitments(ctx: DemoContext, year: int, means: dict[int, float], audit: list[tuple[Any, ...]],
                 clock: _Clock) -> None:
    units = ctx.session.execute(select(Unit.id, Unit.name, Unit.party_secretary).where(Unit.active.is_(True))
                                .order_by(Unit.sort_order, Unit.id)).all()
    branches = {o.unit_id: o.name for o in ctx.orgs if o.is_branch}
    ids = iter(ctx.allocate_ids(Commitment, len(units)))
    heads: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for unit_id, name, secretary in units:
        rng = ctx.rng
        cid = next(ids)
        made = dt.date(year, 1, rng.randint(10, 28))
        strength = means.get(unit_id, 0.5)
        picked = rng.sample(PROMISES, rng.randint(4, 6))
        heads.append({"id": cid, "unit_id": unit_id, "year": year, "secretary": secretary, "post": "党组书记",
                      "made_on": made, "assessed_on": min(ctx.today, dt.date(year, 12, 31)), "note": "",
                      "updated_at": clock.t})
        audit.append((clock.tick(), WHO, "新建", "commitment", cid, "items", None, len(picked),
                      f"{year}年{name}公开承诺（{secretary}）"))
        for order, (text, owner, month) in enumerate(picked):
            due = dt.date(year, month, 28 if month != 12 else 31)
            status, note = Fulfilment.PENDING, ""
            if due <= ctx.today:
                roll = rng.random()
                if roll < 0.25 * (1 - strength) + 0.03:
                    status, note = Fulfilment.NOT_DONE, rng.choice(NOT_DONE_NOTES)
                elif roll < 0.55 * (1 - strength) + 0.10:
                    status, note = Fulfilment.PARTIAL, rng.choice(PARTIAL_NOTES)
                else:
                    status = Fulfilment.DONE
            rows.append({"commitment_id": cid, "sort_order": order,
                         "content": text.format(org=branches.get(unit_id, "机关党支部")),
                         "owner": secretary if owner == "书记" else owner, "due_on": due, "status": status,
                         "status_note": note})
    item_ids = ctx.allocate_ids(CommitmentItem, len(rows))
    for row, iid in zip(rows, item_ids, strict=True):
        row["id"] = iid
        if row["status"] != Fulfilment.PENDING:
            audit.append((clock.tick(), WHO, "践诺评定", "commitment_item", iid, "status", Fulfilment.PENDING,
                          row["status"], row["status_note"] or row["content"][:60]))
    ctx.insert_rows(Commitment, heads)
    ctx.insert_rows(CommitmentItem, rows)
    ctx.count("公开承诺", len(heads))
    ctx.count("承诺事项", len(rows))


def _duty_lists(ctx: DemoContext, year: int, audit: list[tuple[Any, ...]], clock: _Clock) -> None:
    units = ctx.session.execute(select(Unit.id, Unit.name, Unit.party_secretary).where(Unit.active.is_(True))
                                .order_by(Unit.sort_order, Unit.id)).all()
    secretaries = _org_secretaries(ctx.session, [u for u, _, _ in units], dt.date(year, 1, 31))
    ids = iter(ctx.allocate_ids(DutyList, len(units)))
    heads, rows = [], []
    for unit_id, name, party_secretary in units:
        lid = next(ids)
        heads.append({"id": lid, "unit_id": unit_id, "year": year, "made_on": dt.date(year, 1, ctx.rng.randint(15, 31)),
                      "note": "", "updated_at": clock.t})
        items = default_duties(party_secretary, secretaries.get(unit_id, [])[:4], year)
        if len(heads) % 25 == 3:  # a few 清单 leave out the 意识形态 part (the 三大责任制 提醒 in January)
            items = [it for it in items if it.category != DutyCategory.IDEOLOGY]
        for order, it in enumerate(items):
            rows.append({"duty_list_id": lid, "sort_order": order, "role": DutyRole(it.role), "person": it.person,
                         "content": it.content, "due_on": it.due_on, "category": DutyCategory(it.category)})
        audit.append((clock.tick(), WHO, "新建", "duty_list", lid, "items", None, len(items),
                      f"{year}年{name}党建工作责任清单"))
    for row, iid in zip(rows, ctx.allocate_ids(DutyItem, len(rows)), strict=True):
        row["id"] = iid
    ctx.insert_rows(DutyList, heads)
    ctx.insert_rows(DutyItem, rows)
    ctx.count("责任清单", len(heads))


def _review(ctx: DemoContext, factory: Any, year: int, means: dict[int, float]) -> None:
    ctx.check_cancelled()
    held = max(dt.date(year, 10, 1), min(ctx.today - dt.timedelta(days=2), dt.date(year, 12, 26)))
    voters = 40 if len(ctx.units) <= 60 else 120
    service = AnnualService(factory, actor=WHO, today=lambda: held)
    participants = "县直机关工委委员，各县直单位党组（党委）书记、机关党委（党支部）书记，部分党员代表"
    view = service.create_review(year, ReviewInput(held, voters, "县委党校报告厅", "县委常委、组织部部长",
                                                   participants, "按照考核办法组织现场述职、民主测评"))
    ctx.session.flush()
    rng = ctx.rng
    votes: list[dict[str, Any]] = []
    audit: list[tuple[Any, ...]] = []
    clock = _Clock(dt.datetime.combine(held, dt.time(8, 0), dt.timezone.utc),
                   dt.datetime.combine(ctx.today, dt.time(0, 40), dt.timezone.utc))
    weak_texts = ("支部组织生活质量有待提高", "党建与业务融合不够紧密", "个别支部“三会一课”记录不规范",
                  "党员教育管理存在薄弱环节")
    for r in view.reports:
        mean = _mean_score(ctx, year, r.unit_id)
        strength = means.get(r.unit_id, 0.5)
        tally = _tally(rng, voters, strength)
        for choice in CHOICES:
            votes.append({"report_id": r.id, "choice": choice, "votes": tally.of(choice)})
        # 年终检查 finds more in weaker units than the monthly scores showed.
        check = Decimal(str(round(min(100.0, max(55.0, 99 - 28 * (1 - strength) ** 2 + rng.uniform(-3, 1))), 1)))
        text = "\n".join(p.format(year=year, unit=r.unit, promises=rng.randint(4, 6), meetings=rng.randint(2, 6),
                                  studies=rng.randint(8, 14), lectures=rng.randint(1, 4), mean=mean or "—",
                                  weak="；".join(rng.sample(weak_texts, 2))) for p in REPORT)
        ctx.session.execute(update(ReviewReport).where(ReviewReport.id == r.id)
                            .values(check_score=check, report_text=text))
        audit.append((clock.tick(), WHO, "年终检查", "review_report", r.id, "check_score", None, check, r.unit))
        audit.append((clock.tick(), WHO, "评议票数", "review_report", r.id, "votes", VoteTally().text(), tally.text(),
                      r.unit))
    ctx.insert_rows(ReviewVote, votes)
    ctx.insert_rows(AuditEntry, list(chained_rows(locked_head(ctx.session), audit)))
    ctx.session.flush()
    ctx.count("述职评议述职人", len(view.reports))


def _tally(rng: Any, voters: int, strength: float) -> VoteTally:
    """Votes that follow the unit's strength: strong units mostly 好, weak ones spread towards 一般 and 差."""
    weights = {VoteChoice.GOOD: 0.15 + 0.75 * strength, VoteChoice.FAIR: 0.45 - 0.15 * strength,
               VoteChoice.AVERAGE: 0.30 * (1 - strength) + 0.02, VoteChoice.POOR: 0.12 * (1 - strength) ** 2,
               VoteChoice.ABSTAIN: 0.02}
    picks = rng.choices(list(weights), weights=list(weights.values()), k=voters)
    return VoteTally.of_counts({c: picks.count(c) for c in CHOICES})


DEMO_STEPS = [DemoStep("季度考核与年度述职评议", step_annual)]
