"""Demo step: a year of monthly 考评 — eleven locked months and this month still a 草稿 — with the audit trail.

Each unit has a steady character: most keep the rules and lose a point or two a month, some are middling, and a
few are weak every month (so that 后进, 约谈 and "后进 two months running" appear).  Deductions are drawn from the
scheme's indicators with reasons and 佐证 notes an inspector would write; a few units earn bonuses, one or two
have a 一票否决.  Part of the units enter 自评 scores.  Everything is written with bulk inserts, the scores
computed with the scoring service's own arithmetic, and the audit entries chained in bulk, so `dangjian audit
verify` finds the demo county sound.  The large county (300 units × 12 months × 28 items) takes a few seconds."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.demo.county import DemoContext, DemoStep, DemoUnit
from app.models import (
    AuditEntry,
    Bonus,
    Deduction,
    IndicatorMethod,
    IndicatorScheme,
    Period,
    PeriodKind,
    PeriodState,
    ScoreItem,
    ScoreSheet,
)
from app.services.audit import AuditLog, chained_rows, locked_head, occurrence_snapshot, timestamp
from app.services.lockdigest import DIGEST_FIELD, period_digests
from app.services.scheme import IndicatorView, ensure_scheme, scheme_view
from app.services.score_rules import base_score, indicator_score, sheet_totals

WHO = "机关工委"
TENTH = Decimal("0.1")

# code → (weight of being picked for a deduction, reason templates); {m} month, {b} a branch of the unit, {n} count
REASONS: dict[str, tuple[float, tuple[str, ...]]] = {
    "pol.party_group_study": (0.4, ("党组上半年未专题研究党建工作", "党组未按要求听取机关党委工作汇报")),
    "pol.commitment": (0.2, ("党组织书记年初公开承诺未按时完成", "党建工作责任清单未制定")),
    "pol.contact_point": (0.2, ("党组成员未确定基层党建工作联系点",)),
    "pol.contact_visit": (1.0, ("{n}名党组成员{m}月未按计划到联系点走访",)),
    "pol.deployment": (1.2, ("县直机关工委部署的“{t}”工作未按时落实", "“{t}”工作推进迟缓，未按要求报送进展")),
    "study.plan": (0.3, ("年度学习计划未报备", "党组理论学习中心组学习计划不完整")),
    "study.monthly": (1.4, ("{b}{m}月未组织集中学习",)),
    "study.hours": (0.8, ("{n}名党员学习学时未达到要求",)),
    "study.lecture": (0.4, ("书记本季度未讲党课",)),
    "life.committee_meeting": (1.2, ("{b}{m}月未召开支委会", "{b}{m}月支委会到会委员未过半数")),
    "life.group_meeting": (1.2, ("{b}{m}月部分党小组未开展党小组会",)),
    "life.theme_day": (1.2, ("{b}{m}月未开展主题党日活动",)),
    "life.general_meeting": (0.5, ("{b}本季度未召开支部党员大会",)),
    "life.record_late": (2.0, ("{b}{m}月会议记录未及时录入", "{b}组织生活记录不规范、要素不全")),
    "life.heart_talk": (0.4, ("支委与党员谈心谈话未开展",)),
    "life.dual_life": (0.6, ("{n}名党员领导干部未参加所在支部组织生活",)),
    "life.review_meeting": (0.2, ("{b}未按期召开组织生活会",)),
    "org.vacancy": (0.4, ("{b}支部委员职务空缺未及时补选",)),
    "org.term_overdue": (0.2, ("{b}任期届满未按期换届",)),
    "org.recruit": (0.3, ("发展党员材料不齐全，程序不规范", "发展对象政治审查材料缺失")),
    "org.dues": (1.2, ("{n}名党员{m}月党费未按时缴纳",)),
    "org.community": (1.0, ("{n}名在职党员未到社区报到",)),
    "disc.three_activity": (0.3, ("未开展“三亮三强”活动",)),
    "disc.cases": (0.15, ("一名党员干部受到诫勉谈话",)),
    "work.report_late": (1.6, ("{m}月党建工作报表迟报", "党建信息未按时报送")),
    "work.criticised": (0.15, ("因党建工作落实不力被县委通报批评",)),
}
BONUSES = (("bonus.commendation", "党建工作受到市委组织部表彰", Decimal(2)),
           ("bonus.commendation", "党建工作受到县委表彰", Decimal(1)),
           ("bonus.experience", "党建经验做法被市级简报刊发推广", Decimal(2)),
           ("bonus.experience", "“三亮三强”经验在全县交流", Decimal(1)))
TOPICS = ("党建引领基层治理", "模范机关创建", "党员志愿服务", "清廉机关建设", "党建工作述职评议准备", "主题教育整改")
EVIDENCE = ("县直机关工委督查记录", "月度检查台账", "会议记录抽查情况", "系统记录核查", "督查通报", "现场检查记录")
COUNTED = {"pol.contact_visit", "study.hours", "life.dual_life", "org.dues", "org.community"}  # {n} is occurrences


@dataclass
class _Unit:
    id: int
    name: str
    branch: str
    rate: float  # expected deduction events a month
    heavy: float  # chance an event counts several occurrences
    self_assesses: bool


@dataclass
class _Batch:
    """Rows to insert and audit tuples to chain, in the order things happened."""

    periods: list[dict[str, Any]] = field(default_factory=list)
    sheets: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    deductions: list[dict[str, Any]] = field(default_factory=list)
    bonuses: list[dict[str, Any]] = field(default_factory=list)
    audit: list[tuple[Any, ...]] = field(default_factory=list)


class _Clock:
    """Audit timestamps: scoring of a month happens in the first days of the next (never after today)."""

    def __init__(self, start: dt.datetime, limit: dt.datetime) -> None:
        self.t = min(start, limit)

    def tick(self, seconds: int = 7) -> str:
        self.t += dt.timedelta(seconds=seconds)
        return timestamp(self.t)


def demo_months(today: dt.date) -> list[dt.date]:
    """The first days of the months the demo scores: the twelve up to this one (the last still a draft); in
    January, from the January before, so that the year just ended, the one the 述职评议 and the year's 通报 are
    about, is whole (its results may not be locked without all twelve months)."""
    this = dt.date(today.year, today.month, 1)
    first = this - relativedelta(months=11)
    if today.month == 1:
        first = dt.date(today.year - 1, 1, 1)
    count = (this.year - first.year) * 12 + this.month - first.month + 1
    return [first + relativedelta(months=i) for i in range(count)]


def step_scores(ctx: DemoContext) -> None:
    s = ctx.session
    log = AuditLog(s, WHO, now=lambda: dt.datetime.combine(ctx.today, dt.time(1, 0), dt.timezone.utc))
    months = demo_months(ctx.today)
    schemes = {y: ensure_scheme(s, log, y) for y in sorted({m.year for m in months})}
    s.flush()
    units = _characters(ctx)
    batch = _Batch()
    period_ids = ctx.allocate_ids(Period, len(months))
    frozen: set[int] = set()
    for period_id, month in zip(period_ids, months, strict=True):
        ctx.check_cancelled()
        scheme = schemes[month.year]
        locked = month != months[-1]
        _month(ctx, batch, period_id, month, scheme, units, locked, scheme.id not in frozen)
        if locked:
            frozen.add(scheme.id)
    for model, rows in ((Period, batch.periods), (ScoreSheet, batch.sheets), (ScoreItem, batch.items),
                        (Deduction, batch.deductions), (Bonus, batch.bonuses)):
        ctx.insert_rows(model, rows)
    if frozen:
        s.execute(update(IndicatorScheme).where(IndicatorScheme.id.in_(frozen)).values(frozen=True))
    s.flush()
    entries = list(chained_rows(locked_head(s), _with_digests(s, batch.audit)))
    ctx.insert_rows(AuditEntry, entries)
    ctx.count("考评月份", len(months))
    ctx.count("考评表", len(batch.sheets))
    ctx.count("扣分记录", len(batch.deductions))
    ctx.count("加分记录", len(batch.bonuses))
    ctx.count("审计日志", len(entries))


def _with_digests(s: Session, audit: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The trail with, after each month's 锁定, the digest of what the month holds, as the scoring service's lock
    records it (app.services.lockdigest): `audit verify` then checks every locked month.  The months' data are
    all written by now, so each digest is the one its lock would have taken."""
    locked = [row[4] for row in audit if row[3] == "period" and row[2] == "锁定" and row[5] == "state"]
    digests = period_digests(s, locked)
    titles = {p.id: p.title for p in s.scalars(select(Period).where(Period.id.in_(locked)))} if locked else {}
    for row in audit:
        yield row
        at, _who, action, entity, period_id, fld = row[:6]
        if entity == "period" and action == "锁定" and fld == "state":
            yield (at, WHO, "锁定", "period", period_id, DIGEST_FIELD, None, digests[period_id],
                   f"{titles[period_id]}锁定时的数据摘要")


def _characters(ctx: DemoContext) -> list[_Unit]:
    """Each unit's steady character: 5 % weak, 25 % middling, the rest good."""
    branches: dict[int, str] = {}
    for o in ctx.orgs:
        if o.is_branch:
            branches.setdefault(o.unit_id, o.name)
    out = []
    for u in ctx.units:
        roll = ctx.rng.random()
        rate, heavy = (11.0, 0.5) if roll < 0.05 else (5.0, 0.3) if roll < 0.30 else (2.5, 0.15)
        out.append(_Unit(u.id, u.name, branches.get(u.id, _default_branch(u)), rate, heavy, ctx.rng.random() < 0.4))
    return out


def _default_branch(u: DemoUnit) -> str:
    return f"{u.short_name or u.name}党支部"


def _month(ctx: DemoContext, batch: _Batch, period_id: int, month: dt.date, scheme: IndicatorScheme,
           units: list[_Unit], locked: bool, freeze: bool) -> None:
    view = scheme_view(ctx.session, scheme)
    inds = view.indicators
    key = f"{month:%Y-%m}"
    next_month = month + relativedelta(months=1)
    now = dt.datetime.combine(ctx.today, dt.time(1, 0), dt.timezone.utc)
    clock = _Clock(dt.datetime.combine(next_month, dt.time(1, 0), dt.timezone.utc), now)
    batch.periods.append({"id": period_id, "key": key, "kind": PeriodKind.MONTH, "year": month.year,
                          "month": month.month, "quarter": None,
                          "state": PeriodState.LOCKED if locked else PeriodState.DRAFT, "scheme_id": scheme.id,
                          "created_at": clock.t, "locked_at": clock.t + dt.timedelta(days=4) if locked else None})
    batch.audit.append((clock.tick(), WHO, "新建", "period", period_id, "state", None, PeriodState.DRAFT, ""))
    batch.audit.append((clock.tick(), WHO, "新建考评表", "period", period_id, "sheets", None, len(units),
                        f"为{len(units)}个单位建立考评表"))
    sheet_ids = ctx.allocate_ids(ScoreSheet, len(units))
    item_ids = iter(ctx.allocate_ids(ScoreItem, len(units) * len(inds)))
    scored_share = 1.0 if locked else 0.7  # this month's scoring is under way
    for unit, sheet_id in zip(units, sheet_ids, strict=True):
        scored = ctx.rng.random() < scored_share
        _sheet(ctx, batch, clock, month, view.bonus_ceiling, inds, unit, period_id, sheet_id, item_ids, scored,
               locked)
    if locked:
        batch.audit.append((clock.tick(), WHO, "状态变更", "period", period_id, "state", PeriodState.DRAFT,
                            PeriodState.REVIEWED, "全部单位已复核"))
        batch.audit.append((clock.tick(), WHO, "锁定", "period", period_id, "state", PeriodState.REVIEWED,
                            PeriodState.LOCKED, ""))
        if freeze:
            batch.audit.append((clock.tick(), WHO, "冻结", "indicator_scheme", scheme.id, "frozen", False, True,
                                f"{month.year}年{month.month}月已锁定，本版指标体系不再修改，修改时另存新版本"))


@dataclass
class _Item:
    id: int
    ind: IndicatorView
    score: Decimal
    amounts: list[Decimal] = field(default_factory=list)
    veto: bool = False
    veto_reason: str = ""
    self_score: Decimal | None = None


def _sheet(ctx: DemoContext, batch: _Batch, clock: _Clock, month: dt.date, ceiling: Decimal,
           inds: list[IndicatorView], unit: _Unit, period_id: int, sheet_id: int, item_ids: Iterator[int],
           scored: bool, locked: bool) -> None:
    items = {ind.code: _Item(next(item_ids), ind, base_score(ind.method, ind.points)) for ind in inds}
    if scored:
        for code, n, each, reason in _events(ctx.rng, unit, month, items):
            _record(ctx, batch, clock, items[code], Deduction, n, each, reason)
        for code, reason, points in _bonus_events(ctx.rng, unit):
            if code in items:
                _record(ctx, batch, clock, items[code], Bonus, 1, points, reason)
        _maybe_veto(ctx, batch, clock, items, unit)
        if unit.self_assesses:
            _self_scores(ctx.rng, batch, clock, items)
    for it in items.values():
        batch.items.append({"id": it.id, "sheet_id": sheet_id, "indicator_id": it.ind.id, "review_score": it.score,
                            "self_score": it.self_score, "veto": it.veto, "veto_reason": it.veto_reason})
    totals = sheet_totals(((it.ind.method, it.score, it.self_score, it.veto) for it in items.values()), ceiling)
    batch.sheets.append({"id": sheet_id, "period_id": period_id, "unit_id": unit.id, "reviewed": locked,
                         "reviewed_at": clock.t if locked else None, "reviewed_by": WHO if locked else "",
                         "review_total": totals.review_total, "bonus_total": totals.bonus_total,
                         "self_total": totals.self_total, "veto": totals.veto, "note": ""})
    if locked:
        batch.audit.append((clock.tick(), WHO, "复核", "score_sheet", sheet_id, "reviewed", False, True,
                            f"{month:%Y-%m} {unit.name}"))


def _events(rng: random.Random, unit: _Unit, month: dt.date, items: dict[str, _Item]
            ) -> Iterator[tuple[str, int, Decimal, str]]:
    codes = [c for c in REASONS if c in items]
    weights = [REASONS[c][0] for c in codes]
    for _ in range(_poisson(rng, unit.rate)):
        code = rng.choices(codes, weights)[0]
        ind = items[code].ind
        n = 1
        if rng.random() < unit.heavy:
            n = rng.randint(2, 4) if code not in COUNTED else rng.randint(2, 8)
        each = ind.per_occurrence
        if code == "disc.cases" and rng.random() < 0.3:
            each, template = Decimal(3), "一名党员干部受到党内警告处分"
        else:
            template = rng.choice(REASONS[code][1])
        reason = template.format(m=month.month, b=unit.branch, n=n, t=rng.choice(TOPICS))
        yield code, n, each, reason


def _bonus_events(rng: random.Random, unit: _Unit) -> list[tuple[str, str, Decimal]]:
    if unit.rate > 6 or rng.random() > 0.04:
        return []
    return [rng.choice(BONUSES)]


def _maybe_veto(ctx: DemoContext, batch: _Batch, clock: _Clock, items: dict[str, _Item], unit: _Unit) -> None:
    """About one unit-month in 1,500 (at least the large county sees it): a judicial case, −8 and a veto."""
    it = items.get("disc.cases")
    if it is None or it.ind.method != IndicatorMethod.VETO or ctx.rng.random() > 1 / 1500 * (3 if unit.rate > 6 else 1):
        return
    reason = "一名党员干部因职务犯罪被依法判处刑罚"
    _record(ctx, batch, clock, it, Deduction, 1, min(Decimal(8), it.ind.points), reason)
    batch.audit.append((clock.tick(), WHO, "一票否决", "score_item", it.id, "veto", False, True, reason))
    it.veto, it.veto_reason = True, reason


def _record(ctx: DemoContext, batch: _Batch, clock: _Clock, it: _Item, cls: type[Deduction] | type[Bonus], n: int,
            each: Decimal, reason: str) -> None:
    """One deduction (bonus) row, its audit entry, and the item's new score with its entry — as the service does."""
    row_id = ctx.allocate_ids(cls, 1)[0]
    note = ctx.rng.choice(EVIDENCE) if cls is Deduction else "表彰（推广）文件"
    at = clock.tick()
    row = {"id": row_id, "item_id": it.id, "occurrences": n, "points_each": each, "reason": reason,
           "evidence_note": note, "evidence_file": "", "source": "", "created_at": clock.t, "created_by": WHO}
    (batch.deductions if cls is Deduction else batch.bonuses).append(row)
    entity = "deduction" if cls is Deduction else "bonus"
    batch.audit.append((at, WHO, "新增", entity, row_id, "", None,
                        occurrence_snapshot(it.id, n, each, reason, note, "", ""), ""))
    it.amounts.append(each * n)
    score = indicator_score(it.ind.method, it.ind.points, it.ind.limit, it.amounts)
    if score != it.score:
        what = "扣分" if cls is Deduction else "加分"
        batch.audit.append((clock.tick(2), WHO, "计分", "score_item", it.id, "review_score", it.score, score,
                            f"{what}：{reason}"))
        it.score = score


def _self_scores(rng: random.Random, batch: _Batch, clock: _Clock, items: dict[str, _Item]) -> None:
    """Units rate themselves a little more kindly than the inspectors: half of each loss admitted."""
    for it in items.values():
        lost = it.ind.points - it.score if it.ind.method != IndicatorMethod.BONUS else Decimal(0)
        own = it.score + (lost / 2).quantize(TENTH) if rng.random() < 0.7 else it.score
        own = min(own, it.ind.points)
        batch.audit.append((clock.tick(1), WHO, "修改", "score_item", it.id, "self_score", None, own, "单位自评"))
        it.self_score = own


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


DEMO_STEPS: list[DemoStep] = [DemoStep("月度考评", step_scores)]
