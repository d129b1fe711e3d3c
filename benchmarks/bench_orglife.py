"""Issue 5: the 提醒 dashboard and the compliance rules on the large county (1,200 organisations).

- 提醒: everything `AlertService.alerts()` computes for today (register findings, last windows' gaps, this
  month's pending meetings, 预备党员, 发展党员 limits): what the home page waits for.  Target 200 ms (issue 14;
  it was 500 ms in issue 5).
- 合规检查: one month of the county judged by `compliance.evaluate` — December of last year (every rule, from
  monthly to yearly, is judged in a December) and the last quarter-end month.  Target 1 s.
- 建议扣分: the suggested deductions of one unit's monthly sheet (what the scoring form asks per unit).
- 合规率图表: the twelve monthly rates behind the dashboard's chart (computed off the GUI thread; reported)."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select

from app.models import Unit
from app.services import compliance as C
from app.services.alerts import AlertService
from benchmarks.common import BenchEnv, Benchmark


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def measure_dashboard(env: BenchEnv) -> float:
    service = AlertService(env.database().session_factory)
    t0 = time.perf_counter()
    alerts = service.alerts()
    elapsed = _ms(t0)
    env.cache["alert_count"] = len(alerts)
    return elapsed


def _quarter_end(today: dt.date) -> tuple[int, int]:
    last = today.replace(day=1) - dt.timedelta(days=1)
    while last.month % 3:
        last = last.replace(day=1) - dt.timedelta(days=1)
    return last.year, last.month


def measure_month_december(env: BenchEnv) -> float:
    db = env.database()
    with db.session() as s:
        t0 = time.perf_counter()
        C.evaluate(s, dt.date.today().year - 1, 12)
        return _ms(t0)


def measure_month_quarter_end(env: BenchEnv) -> float:
    year, month = _quarter_end(dt.date.today())
    with env.database().session() as s:
        t0 = time.perf_counter()
        C.evaluate(s, year, month)
        return _ms(t0)


def measure_suggestions(env: BenchEnv) -> float:
    year, month = _quarter_end(dt.date.today())
    with env.database().session() as s:
        unit_id = s.scalars(select(Unit.id).order_by(Unit.id)).first()
        if unit_id is None:
            raise RuntimeError("the county has no unit")
        t0 = time.perf_counter()
        C.suggestions_for(s, unit_id, year, month)
        return _ms(t0)


def measure_chart(env: BenchEnv) -> float:
    today = dt.date.today()
    with env.database().session() as s:
        t0 = time.perf_counter()
        C.monthly_rates(s, today.year, range(1, today.month + 1))
        return _ms(t0)


BENCHMARKS = [
    Benchmark("提醒首页：计算全部提醒", 200, "ms", measure_dashboard),
    Benchmark("组织生活合规检查：去年12月（全部规则，全县）", 1000, "ms", measure_month_december),
    Benchmark("组织生活合规检查：上一季末月（全县）", 1000, "ms", measure_month_quarter_end),
    Benchmark("单位月度建议扣分（组织生活）", 200, "ms", measure_suggestions),
    Benchmark("月度合规率图表数据（今年各月）", None, "ms", measure_chart),
]
