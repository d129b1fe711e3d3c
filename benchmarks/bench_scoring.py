"""The monthly 考评's benchmarks (issue 3): the scoring form, saving an edit, the month's review, audit verify.

Edits and the 500,000-entry trail are made on copies of the county (in a temporary directory), so the county the
other rows measure is left exactly as run.py prepared it."""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from app.db import Database
from app.models import AuditEntry, IndicatorMethod, Period, PeriodKind, ScoreItem
from app.services.audit import chained_rows, locked_head, read_head, verify
from app.services.opening import open_database
from app.services.ranking import RankingService
from app.services.scoring import OccurrenceInput, ScoringService
from benchmarks.common import BenchEnv, Benchmark

TRAIL_ENTRIES = 500_000
SAMPLES = 20  # forms opened / edits saved per run


def _latest_month(db: Database) -> int:
    with db.session_factory() as s:
        period_id = s.scalar(select(Period.id).where(Period.kind == PeriodKind.MONTH).order_by(Period.key.desc()))
    if period_id is None:
        raise RuntimeError("示范县中没有月度考评（demo_scores 步骤未运行？）")
    return int(period_id)


def _copy(env: BenchEnv, name: str) -> Path:
    """A consistent copy of the county database (SQLite's backup API), deleted when the run ends."""
    key = f"scoring-copy-{name}"
    if key not in env.cache:
        tmp = Path(tempfile.mkdtemp(prefix="dangjian-bench-scoring-"))
        atexit.register(shutil.rmtree, tmp, ignore_errors=True)
        target = tmp / "dangjian.sqlite3"
        src = sqlite3.connect(env.paths.db_path)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        env.cache[key] = target
    return Path(env.cache[key])


def _opened(env: BenchEnv, name: str) -> Database:
    key = f"scoring-db-{name}"
    if key not in env.cache:
        db = open_database(_copy(env, name), check_integrity=False)
        atexit.register(db.close)
        env.cache[key] = db
    return env.cache[key]  # type: ignore[no-any-return]


def measure_open_form(env: BenchEnv) -> list[float]:
    """Opening a unit's scoring form in this month's draft: every indicator, deductions, bonuses, totals."""
    db = env.database()
    service = ScoringService(db.session_factory)
    sheets = service.sheets(_latest_month(db))
    step = max(1, len(sheets) // SAMPLES)
    out = []
    for sheet in sheets[::step][:SAMPLES]:
        t0 = time.perf_counter()
        service.form(sheet.id)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def measure_save_edit(env: BenchEnv) -> list[float]:
    """Saving one change as the form does: a deduction added (validated, recomputed, totals, two audit entries,
    committed), then removed again; each save is one sample."""
    db = _opened(env, "edits")
    service = ScoringService(db.session_factory, actor="基准测试")
    sheets = service.sheets(_latest_month(db))
    out = []
    for sheet in sheets[:SAMPLES // 2]:
        form = service.form(sheet.id)
        item = next(i for i in form.items if i.indicator.method == IndicatorMethod.DEDUCT
                    and not i.indicator.evidence_required)
        t0 = time.perf_counter()
        change = service.add_deduction(item.id, OccurrenceInput("基准测试扣分", 1))
        out.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        service.remove_deduction(change.id or 0, "基准测试撤销")
        out.append((time.perf_counter() - t0) * 1000)
    return out


def measure_review(env: BenchEnv) -> float:
    """The review step of this month: ranking with categories, tiers, 约谈 candidates and their rules, 环比 and
    distribution (last month's ranking included), and the sheets' review status."""
    db = env.database()
    period_id = _latest_month(db)
    t0 = time.perf_counter()
    ranking = RankingService(db.session_factory).period(period_id)
    ScoringService(db.session_factory).sheets(period_id)
    elapsed = (time.perf_counter() - t0) * 1000
    if len(ranking.rows) < 1:
        raise RuntimeError("本月没有考评表")
    return elapsed


def _trail_db(env: BenchEnv) -> Database:
    """The county with its trail grown to 500,000 entries: the demo's own entries, then entries like those a
    few years of scoring leave (score changes and review flags of real records), chained in bulk."""
    key = "scoring-trail-ready"
    db = _opened(env, "trail")
    if key in env.cache:
        return db
    with db.session_factory() as s, s.begin():
        head = locked_head(s)
        have = head.seq if head else 0
        items = list(s.scalars(select(ScoreItem.id).where(ScoreItem.self_score.is_(None)).limit(5_000)))
        rows = _history_rows(TRAIL_ENTRIES - have, items)
        for start in range(0, len(rows), 50_000):
            s.execute(insert(AuditEntry), list(chained_rows(head, rows[start:start + 50_000])))
            head = read_head(s)
    env.cache[key] = True
    return db


def _history_rows(n: int, item_ids: list[int]) -> list[tuple[Any, ...]]:
    """n entries that leave the state as it is: 自评 scores set and withdrawn again on items that have none,
    and notes."""
    at = dt.datetime(2021, 1, 4, 1, 0, tzinfo=dt.timezone.utc)
    out: list[tuple[Any, ...]] = []
    for k in range(n):
        stamp = (at + dt.timedelta(seconds=40 * k)).strftime("%Y-%m-%dT%H:%M:%SZ")
        if k % 2 == 0 and item_ids and k < n - 1:
            out.append((stamp, "机关工委", "修改", "score_item", item_ids[k % len(item_ids)], "self_score", None, "1.0",
                        "单位自评"))
        elif k % 2 == 1 and item_ids:
            out.append((stamp, "机关工委", "修改", "score_item", item_ids[(k - 1) % len(item_ids)], "self_score", "1.0",
                        None, "撤回自评"))
        else:
            out.append((stamp, "机关工委", "备注", "note", None, "", None, f"归档说明{k}", ""))
    return out


def measure_verify(env: BenchEnv) -> float:
    db = _trail_db(env)
    t0 = time.perf_counter()
    report = verify(db.session_factory)
    elapsed = time.perf_counter() - t0
    if report.entries < TRAIL_ENTRIES or not report.ok:
        raise RuntimeError(f"审计校验结果不对：{report.entries}条，{[str(f) for f in report.findings[:3]]}")
    return elapsed


def measure_bare_chain(env: BenchEnv) -> float:
    """The floor of verify: the same entries read from the same file with sqlite3 in large batches and chained
    with SHA-256 (each row's fields as Python prints the tuple), nothing compared, remembered or checked."""
    _trail_db(env)
    conn = sqlite3.connect(_copy(env, "trail"))
    try:
        t0 = time.perf_counter()
        cursor = conn.execute("SELECT seq, at, who, action, entity, entity_id, field, old, new, reason, hash "
                              "FROM audit_entry ORDER BY seq")
        prev, sha, n = "0" * 64, hashlib.sha256, 0
        while batch := cursor.fetchmany(20_000):
            for r in batch:
                prev = sha((prev + str(r[:10])).encode("utf-8")).hexdigest()
            n += len(batch)
        elapsed = time.perf_counter() - t0
    finally:
        conn.close()
    if n < TRAIL_ENTRIES:
        raise RuntimeError(f"审计日志只有{n}条")
    return elapsed


BENCHMARKS = [
    Benchmark("打开单位考评表", 100, "ms", measure_open_form),
    Benchmark("保存一次修改（扣分增删）", 20, "ms", measure_save_edit),
    Benchmark("月度排名与复核（300个单位）", 300, "ms", measure_review),
    Benchmark("审计校验（50万条日志）", 3, "s", measure_verify, floor=measure_bare_chain, ratio=1.5),
]
