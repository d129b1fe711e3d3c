"""Issue 4: the documents on the large county (300 units).

- 月度通报（含图表）: issuing the latest locked month's 通报 as the 通报 page does it — read the ranking, the
  deductions and the trend, draw the three charts, lay out the document, number and store it.  Measured inside a
  transaction that is rolled back afterwards, so the county keeps its 文号 sequence.  Target 3 s.
- 考评情况反馈单（全部单位）: one .docx per unit (300) written to a temporary folder.  Target 20 s.
- 整改台账 and 约谈文书 of the month: reported (no target in the issue)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.demo.documents import joined_session_factory
from app.models import Period, PeriodKind, PeriodState
from app.services.bulletin import BulletinService
from app.services.interview import InterviewService
from app.services.rectification import RectificationService
from benchmarks.common import BenchEnv, Benchmark


def _latest_locked(env: BenchEnv) -> tuple[int, int]:
    with env.database().session_factory() as s:
        p = s.scalar(select(Period).where(Period.kind == PeriodKind.MONTH, Period.state == PeriodState.LOCKED)
                     .order_by(Period.key.desc()).limit(1))
        if p is None or p.month is None:
            raise RuntimeError("示范县没有已锁定的月份")
        return p.year, p.month


def measure_bulletin(env: BenchEnv) -> float:
    year, month = _latest_locked(env)
    engine = env.database().engine
    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn)
        try:
            service = BulletinService(joined_session_factory(session), actor="基准测试")
            t0 = time.perf_counter()
            view = service.issue(year, month, reason="基准测试：重新生成")
            elapsed = time.perf_counter() - t0
            env.cache["bulletin_bytes"] = len(service.document(view.id))
        finally:
            session.close()
            outer.rollback()
    return elapsed


def measure_feedback(env: BenchEnv) -> float:
    year, month = _latest_locked(env)
    service = BulletinService(env.database().session_factory)
    with tempfile.TemporaryDirectory(prefix="dangjian-bench-") as tmp:
        t0 = time.perf_counter()
        paths = service.write_feedback(year, month, Path(tmp))
        elapsed = time.perf_counter() - t0
    env.cache["feedback_sheets"] = len(paths)
    return elapsed


def measure_ledger(env: BenchEnv) -> float:
    service = RectificationService(env.database().session_factory)
    with tempfile.TemporaryDirectory(prefix="dangjian-bench-") as tmp:
        t0 = time.perf_counter()
        service.write_ledger(Path(tmp))
        return time.perf_counter() - t0


def measure_interview_documents(env: BenchEnv) -> float:
    year, month = _latest_locked(env)
    service = InterviewService(env.database().session_factory)
    with tempfile.TemporaryDirectory(prefix="dangjian-bench-") as tmp:
        t0 = time.perf_counter()
        service.write_documents(year, month, Path(tmp))
        return time.perf_counter() - t0


BENCHMARKS = [
    Benchmark("月度通报（含图表）", 3, "s", measure_bulletin),
    Benchmark("考评情况反馈单（全部单位）", 20, "s", measure_feedback, runs=1),
    Benchmark("整改台账（全部事项）", None, "s", measure_ledger, runs=1),
    Benchmark("约谈通知书和记录（最近月份）", None, "s", measure_interview_documents, runs=1),
]
