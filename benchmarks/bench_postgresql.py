"""Issue 8's benchmarks: the same county on SQLite and on a PostgreSQL server, and eight clients saving at once.

    python benchmarks/bench_postgresql.py --pg-url postgresql://SUPERUSER:PW@HOST:PORT/postgres
    python benchmarks/bench_postgresql.py --pg-url URL --data-dir D --reuse --runs 9 --clients 8 --seconds 60

1. The demo county (large: 300 units) on SQLite in the data directory, and the same county in a database of its
   own on the server (`CREATE DATABASE` through the superuser URL; `build_demo` straight into it, or with
   `--pg-build copy` a copy of the SQLite county by `app.services.dbcopy`).  Both build times are printed.
2. The month's ranking and review (bench_scoring) and the 月度通报 with charts (bench_documents), measured by
   those modules' own functions on both databases, one warm-up each and then alternately, median of `--runs`:
   | 项目 | SQLite | PostgreSQL | ratio | target ≤1.5× |.
3. `--clients` processes (spawned; each its own engine, as separate machines have) save scores for `--seconds`
   on random unreviewed sheets of the open (draft) month through ScoringService, as the scoring form does:
   load the sheet, save one change with the version it loaded, and on ConcurrentChangeError load again and
   retry.  Run on a copy of the server county (`CREATE DATABASE … TEMPLATE`), dropped afterwards.  Then every
   save a client counted is checked in the database and in the trail (no lost update), `audit.verify` must find
   the chain and the state intact, and the p95 of the save calls must be ≤ 50 ms.

With `benchmarks/run.py --database-url URL` (or DANGJIAN_BENCH_PG_URL set) the same measurements are rows of
run.py's table: the time ratios in %, and the concurrency run's p95.  Not part of the test suite
(tests/test_bench_postgresql.py runs the concurrency part small)."""

from __future__ import annotations

import argparse
import atexit
import multiprocessing
import os
import platform
import random
import statistics
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `benchmarks.*` and `app` from the checkout

from sqlalchemy import Engine, create_engine, func, make_url, select, text  # noqa: E402

from app.db import Database  # noqa: E402
from app.demo.county import SIZES, build_demo, database_is_empty  # noqa: E402
from app.errors import ConcurrentChangeError  # noqa: E402
from app.models import AuditEntry, Deduction, IndicatorMethod, Period, PeriodKind, PeriodState, ScoreSheet  # noqa: E402
from app.paths import app_paths  # noqa: E402
from app.services import audit  # noqa: E402
from app.services.opening import open_database
from app.services.scoring import ItemView, OccurrenceInput, ScoringService, SheetForm  # noqa: E402
from benchmarks import bench_documents, bench_scoring  # noqa: E402
from benchmarks.common import BenchEnv, Benchmark, fmt  # noqa: E402

PG_URL_ENV = "DANGJIAN_BENCH_PG_URL"
RATIO_TARGET = 1.5
P95_TARGET_MS = 50.0
ACTOR = "并发客户端{}"  # the trail's "who" of client n: how the checks find each client's entries


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------------------
# databases on the server


class Server:
    """The server as its superuser sees it: databases are made (and the benchmark's own dropped) here."""

    def __init__(self, superuser_url: str) -> None:
        self.url = make_url(superuser_url).set(drivername="postgresql+psycopg")
        self.engine: Engine = create_engine(self.url, isolation_level="AUTOCOMMIT")

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def exists(self, name: str) -> bool:
        with self.engine.connect() as conn:
            return conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is not None

    def create(self, name: str, template: str | None = None) -> str:
        like = f' TEMPLATE "{template}"' if template else ""
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"{like}')
        return self.url_of(name)

    def drop(self, name: str) -> None:
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def version(self) -> str:
        with self.engine.connect() as conn:
            return str(conn.scalar(text("SHOW server_version")))

    def close(self) -> None:
        self.engine.dispose()


# ---------------------------------------------------------------------------------------------------------------
# the two counties


def prepare_sqlite(data_dir: Path, size: str, seed: int, reuse: bool) -> tuple[Path, float | None]:
    """The county file in `data_dir` (built now, and timed, unless it is there and `reuse` is given)."""
    path = app_paths(data_dir).ensure().db_path
    db = open_database(path)
    try:
        if not database_is_empty(db):
            if not reuse:
                raise SystemExit(f"{path} 中已有数据：加 --reuse 使用它，或换一个 --data-dir")
            say(f"使用已有的 SQLite 县：{path}")
            return path, None
        say(f"正在 SQLite 上生成示范县（{size}）：{path}")
        t0 = time.perf_counter()
        build_demo(db, size, seed)
        return path, time.perf_counter() - t0
    finally:
        db.close()


def prepare_server(server: Server, name: str, sqlite_path: Path, size: str, seed: int, reuse: bool,
                   how: str) -> tuple[str, float | None]:
    """The county in database `name` on the server: reused, or built by `build_demo` ("demo") or copied from
    the SQLite county ("copy"); the time it took, or None when reused."""
    if server.exists(name):
        if not reuse:
            raise SystemExit(f"服务器上已有数据库 {name}：加 --reuse 使用它，或换一个 --pg-database")
        url = server.url_of(name)
        db = open_database(url)
        try:
            if not database_is_empty(db):
                say(f"使用服务器上已有的县：{name}")
                return url, None
        finally:
            db.close()
    else:
        url = server.create(name)
    say(f"正在服务器上{'复制' if how == 'copy' else '生成'}示范县（{size}）：{name}")
    t0 = time.perf_counter()
    if how == "copy":
        from app.services.dbcopy import copy_county  # written alongside issue 8; only this option needs it

        copy_county(sqlite_path, url)
    else:
        db = open_database(url)
        try:
            build_demo(db, size, seed)
        finally:
            db.close()
    return url, time.perf_counter() - t0


@dataclass
class ServerEnv(BenchEnv):
    """A BenchEnv whose county is a server database: the other modules' measure functions run on it as is."""

    url: str = ""

    def database(self) -> Database:
        if self._db is None:
            self._db = open_database(self.url)
        return self._db


# ---------------------------------------------------------------------------------------------------------------
# 2. the same measurements on both


@dataclass(frozen=True)
class Timed:
    name: str
    unit: str
    measure: Callable[[BenchEnv], float]


TIMED = [
    Timed("月度排名与复核（300个单位）", "ms", bench_scoring.measure_review),
    Timed("月度通报（含图表）", "s", bench_documents.measure_bulletin),
]


@dataclass
class Comparison:
    name: str
    unit: str
    sqlite: list[float] = field(default_factory=list)
    server: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return statistics.median(self.server) / statistics.median(self.sqlite)


def compare(lite: BenchEnv, server: BenchEnv, runs: int, timed: Sequence[Timed] = TIMED) -> list[Comparison]:
    """Each measurement on both databases: one warm-up each (connections, caches, imports), then alternately."""
    out = []
    for t in timed:
        say(f"正在测量：{t.name}")
        c = Comparison(t.name, t.unit)
        t.measure(lite)
        t.measure(server)
        for _ in range(runs):
            c.sqlite.append(t.measure(lite))
            c.server.append(t.measure(server))
        out.append(c)
    return out


def comparison_table(comparisons: Sequence[Comparison]) -> list[str]:
    lines = [f"| 项目 | SQLite | PostgreSQL | ratio | target ≤{RATIO_TARGET:g}× |", "|---|---|---|---|---|"]
    for c in comparisons:
        verdict = "达标" if c.ratio <= RATIO_TARGET else "超标"
        lines.append(f"| {c.name} | {fmt(statistics.median(c.sqlite), c.unit)} | "
                     f"{fmt(statistics.median(c.server), c.unit)} | {c.ratio:.2f}× | {verdict} |")
    return lines


# ---------------------------------------------------------------------------------------------------------------
# 3. concurrent clients


@dataclass
class ClientReport:
    """What one client did, as it saw it: every save it was told succeeded, and what it saved."""

    client: int
    save_ms: list[float] = field(default_factory=list)  # every save call, refused ones included
    saves: Counter[str] = field(default_factory=Counter)  # successful saves by kind: add, edit, self
    conflicts: int = 0
    deductions: dict[int, tuple[int, str]] = field(default_factory=dict)  # id -> (occurrences, reason) last saved
    self_scores: list[tuple[int, str]] = field(default_factory=list)  # (item id, value) of each self-score save
    error: str = ""


@dataclass
class ConcurrencyResult:
    clients: int
    seconds: float
    sheets: int
    reports: list[ClientReport]
    lost: list[str]  # saves counted as successful that the database or the trail does not show
    verify: audit.AuditReport
    forked: bool  # two entries chained onto the same predecessor
    think_ms: float = 0

    @property
    def save_ms(self) -> list[float]:
        return [ms for r in self.reports for ms in r.save_ms]

    @property
    def saves(self) -> int:
        return sum(sum(r.saves.values()) for r in self.reports)

    @property
    def conflicts(self) -> int:
        return sum(r.conflicts for r in self.reports)

    @property
    def errors(self) -> list[str]:
        return [f"客户端{r.client}：{r.error}" for r in self.reports if r.error]

    def percentile(self, p: float) -> float:
        ms = sorted(self.save_ms)
        return ms[min(len(ms) - 1, int(p * len(ms)))] if ms else float("nan")

    @property
    def ok(self) -> bool:
        return (not self.lost and not self.errors and self.verify.ok and not self.forked and self.saves > 0
                and self.percentile(0.95) <= P95_TARGET_MS)

    def lines(self) -> list[str]:
        ms = self.save_ms
        findings = "；".join(str(f) for f in self.verify.findings[:3])
        return [
            f"并发保存：{self.clients}个客户端进程 × {self.seconds:g} 秒，{self.sheets}张考评表（草稿月份），"
            + (f"打开表后平均停顿 {self.think_ms:g} ms 再保存" if self.think_ms else "不停顿（每个客户端连续保存）"),
            f"- 成功保存 {self.saves} 次（{self.saves / self.seconds:.1f} 次/秒），被拒（他人已修改）后重试 {self.conflicts} 次",
            f"- 保存耗时（含被拒的 {len(ms)} 次调用）：p50 {self.percentile(0.5):.1f} ms，"
            f"p95 {self.percentile(0.95):.1f} ms（目标 ≤ {P95_TARGET_MS:g} ms），最大 {max(ms, default=0):.1f} ms",
            f"- 丢失的修改：{len(self.lost)}" + (f"（{'；'.join(self.lost[:5])}）" if self.lost else ""),
            f"- 审计校验：{'完整' if self.verify.ok else '发现问题：' + findings}，共{self.verify.entries}条"
            + ("；审计链分叉" if self.forked else ""),
            *[f"- 出错：{e}" for e in self.errors],
        ]


def open_month_sheets(url: str, count: int, seed: int) -> list[int]:
    """`count` random unreviewed sheets of the newest draft month (all of them when count is 0)."""
    db = open_database(url)
    try:
        with db.session_factory() as s:
            period_id = s.scalar(select(Period.id).where(Period.kind == PeriodKind.MONTH,
                                                         Period.state == PeriodState.DRAFT)
                                 .order_by(Period.key.desc()).limit(1))
            if period_id is None:
                raise RuntimeError("县中没有未锁定的草稿月份，无法测量并发保存")
            ids = sorted(s.scalars(select(ScoreSheet.id).where(ScoreSheet.period_id == period_id,
                                                               ScoreSheet.reviewed.is_(False))))
    finally:
        db.close()
    if not ids:
        raise RuntimeError("草稿月份中没有未复核的考评表")
    return random.Random(seed).sample(ids, min(count, len(ids))) if count else ids


def run_concurrency(url: str, clients: int = 8, seconds: float = 60, sheets: int = 20, seed: int = 1,
                    think_ms: float = 0) -> ConcurrencyResult:
    """`clients` spawned processes saving scores on the database at `url` for `seconds`, then the checks.
    `think_ms`: the mean pause between loading a sheet and saving (0: every client saves as fast as it can)."""
    sheet_ids = open_month_sheets(url, sheets, seed)
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Barrier(clients + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=client_main, args=(url, n, sheet_ids, seconds, seed, think_ms, ready, results), daemon=True)
             for n in range(clients)]
    for p in procs:
        p.start()
    reports: list[ClientReport] = []
    try:
        ready.wait(timeout=120)  # every client connected and has loaded a form: start together
        say(f"  {clients}个客户端开始保存（{seconds:g} 秒）……")
        for _ in procs:
            reports.append(results.get(timeout=seconds + 300))
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()
    result = check_concurrency(url, clients, seconds, len(sheet_ids), sorted(reports, key=lambda r: r.client))
    result.think_ms = think_ms
    return result


def client_main(url: str, n: int, sheet_ids: list[int], seconds: float, seed: int, think_ms: float, ready: Any,
                results: Any) -> None:
    """One officer's machine: its own engine; loads a sheet, saves one change, and so on until time is up."""
    report = ClientReport(n)
    db: Database | None = None
    try:
        db = open_database(url)
        svc = ScoringService(db.session_factory, actor=ACTOR.format(n))
        svc.form(sheet_ids[0])
        rng = random.Random(seed * 1000 + n)
        ready.wait(timeout=120)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            save_one(svc, rng.choice(sheet_ids), rng, report, think_ms)
    except Exception:  # the report says so, and the run fails
        report.error = traceback.format_exc(limit=6)
    finally:
        if db is not None:
            db.close()
        results.put(report)


def save_one(svc: ScoringService, sheet_id: int, rng: random.Random, report: ClientReport,
             think_ms: float = 0) -> None:
    """One change as an officer makes it in the form: decided, then saved with the version the form loaded;
    refused because someone saved the sheet in between, the form reloads and the officer saves again."""
    kind = rng.choice(("add", "edit", "self"))
    tag = rng.randrange(1_000_000)
    while True:
        form = svc.form(sheet_id)
        save = _plan(svc, form, kind, tag, rng, report)
        if think_ms:
            time.sleep(rng.uniform(0, 2 * think_ms) / 1000)  # the officer enters the change
        t0 = time.perf_counter()
        try:
            save()
        except ConcurrentChangeError:
            report.save_ms.append((time.perf_counter() - t0) * 1000)
            report.conflicts += 1
            continue
        report.save_ms.append((time.perf_counter() - t0) * 1000)
        return


def _plan(svc: ScoringService, form: SheetForm, kind: str, tag: int, rng: random.Random,
          report: ClientReport) -> Callable[[], None]:
    """The save to make on this form: add a deduction, edit one this client added, or change a 自评 score."""
    items = [i for i in form.items if i.indicator.method == IndicatorMethod.DEDUCT and not i.indicator.evidence_required]
    mine = [(d.id, i) for i in items for d in i.deductions if d.id in report.deductions]
    stamp = form.stamp
    if kind == "self":
        item = rng.choice(items)
        value = _new_self_score(item, rng)

        def set_self() -> None:
            svc.set_self_score(item.id, value, expected_version=stamp)
            report.self_scores.append((item.id, audit.fmt(value) or ""))
            report.saves["self"] += 1
        return set_self
    if kind == "edit" and mine:
        deduction_id, _item = rng.choice(mine)
        occurrences = report.deductions[deduction_id][0] % 3 + 1
        reason = f"{ACTOR.format(report.client)}修改{tag}"

        def edit() -> None:
            svc.edit_deduction(deduction_id, OccurrenceInput(reason, occurrences), expected_version=stamp)
            report.deductions[deduction_id] = (occurrences, reason)
            report.saves["edit"] += 1
        return edit
    item = rng.choice(items)
    occurrences, reason = rng.randint(1, 3), f"{ACTOR.format(report.client)}扣分{tag}"

    def add() -> None:
        change = svc.add_deduction(item.id, OccurrenceInput(reason, occurrences), expected_version=stamp)
        assert change.id is not None
        report.deductions[change.id] = (occurrences, reason)
        report.saves["add"] += 1
    return add


def _new_self_score(item: ItemView, rng: random.Random) -> Decimal:
    """A score in half points from 0 to the indicator's points, never the one the item has (a save that
    changes nothing writes no entry)."""
    steps = int(item.indicator.points * 2)
    choices = [Decimal(k) / 2 for k in range(steps + 1) if Decimal(k) / 2 != item.self_score]
    return rng.choice(choices)


def check_concurrency(url: str, clients: int, seconds: float, sheets: int,
                      reports: list[ClientReport]) -> ConcurrencyResult:
    """No lost update: each client's deductions are in the database as it last saved them, and the trail has
    exactly one entry per save it counted (who = the client); then the chain and the state verified."""
    db = open_database(url)
    try:
        lost: list[str] = []
        with db.session_factory() as s:
            for r in reports:
                lost.extend(_lost_deductions(s, r))
                lost.extend(_unaudited(s, r))
            total = s.scalar(select(func.count()).select_from(AuditEntry))
            distinct_prev = s.scalar(select(func.count(func.distinct(AuditEntry.prev_hash))))
        report = audit.verify(db.session_factory)
    finally:
        db.close()
    return ConcurrencyResult(clients, seconds, sheets, reports, lost, report, distinct_prev != total)


def _lost_deductions(s: Any, r: ClientReport) -> list[str]:
    stored = {d.id: (d.occurrences, d.reason) for d in s.scalars(select(Deduction).where(
        Deduction.id.in_(list(r.deductions))))} if r.deductions else {}
    return [f"客户端{r.client}的扣分{i}应为{want}，数据库中为{stored.get(i, '（不存在）')}"
            for i, want in r.deductions.items() if stored.get(i) != want]


def _unaudited(s: Any, r: ClientReport) -> list[str]:
    entries = s.execute(select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id, AuditEntry.field,
                               AuditEntry.new).where(AuditEntry.who == ACTOR.format(r.client))).all()
    seen = Counter("add" if e.action == "新增" and e.entity == "deduction" else
                   "edit" if e.action == "修改" and e.entity == "deduction" else
                   "self" if e.entity == "score_item" and e.field == "self_score" else "other" for e in entries)
    out = [f"客户端{r.client}成功保存{kind}类修改{r.saves[kind]}次，审计日志记录{seen[kind]}条"
           for kind in ("add", "edit", "self") if seen[kind] != r.saves[kind]]
    trail_scores = Counter((e.entity_id, e.new) for e in entries if e.entity == "score_item" and e.field == "self_score")
    if trail_scores != Counter(r.self_scores):
        out.append(f"客户端{r.client}保存的自评分与审计日志不一致")
    added = {e.entity_id for e in entries if e.action == "新增" and e.entity == "deduction"}
    if added != set(r.deductions):
        out.append(f"客户端{r.client}新增的扣分与审计日志不一致")
    return out


# ---------------------------------------------------------------------------------------------------------------
# rows of run.py's table (when a server URL is given)


def _run_py_server(env: BenchEnv) -> tuple[Server, ServerEnv]:
    """run.py's county copied to a new database on the server (dropped when the run ends)."""
    if "pg" not in env.cache:
        server = Server(os.environ[PG_URL_ENV])
        name = f"dangjian_bench_{os.getpid()}"
        atexit.register(server.close)
        atexit.register(server.drop, name)
        url, seconds = prepare_server(server, name, env.paths.db_path, env.size, env.seed, False, "copy")
        say(f"  服务器上的县：{seconds:.1f} 秒（复制）")
        env.cache["pg"] = (server, ServerEnv(env.data_dir, env.size, env.seed, env.runs, 0, url=url))
        atexit.register(env.cache["pg"][1].close)
    return env.cache["pg"]  # type: ignore[no-any-return]


def _ratio(timed: Timed) -> Callable[[BenchEnv], float]:
    def measure(env: BenchEnv) -> float:
        _server, pg = _run_py_server(env)
        return 100 * timed.measure(pg) / timed.measure(env)
    return measure


def measure_concurrency(env: BenchEnv) -> float:
    server, pg = _run_py_server(env)
    pg.close()
    name = f"dangjian_bench_{os.getpid()}_concurrency"
    url = server.create(name, template=make_url(pg.url).database)
    try:
        result = run_concurrency(url)
    finally:
        server.drop(name)
    for line in result.lines():
        say(line)
    if result.lost or result.errors or not result.verify.ok or result.forked:
        raise RuntimeError("并发保存有修改丢失、出错或审计校验未通过（见上）")
    return result.percentile(0.95)


BENCHMARKS: list[Benchmark] = [
    *[Benchmark(f"PostgreSQL/SQLite 耗时比：{t.name}", RATIO_TARGET * 100, "%", _ratio(t)) for t in TIMED],
    Benchmark("PostgreSQL：8个客户端并发保存60秒，p95", P95_TARGET_MS, "ms", measure_concurrency, runs=1),
] if os.environ.get(PG_URL_ENV) else []


# ---------------------------------------------------------------------------------------------------------------
# standalone


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pg-url", default=os.environ.get(PG_URL_ENV),
                    help=f"PostgreSQL 超级用户地址（可建库；默认取环境变量 {PG_URL_ENV}）")
    ap.add_argument("--data-dir", type=Path, default=Path("/tmp/dangjian-bench-pg"), help="SQLite 示范县的数据目录")
    ap.add_argument("--pg-database", help="服务器上示范县的数据库名（默认 dangjian_bench_<规模>_<种子>）")
    ap.add_argument("--reuse", action="store_true", help="已有的县（SQLite 与服务器上）直接使用")
    ap.add_argument("--pg-build", choices=["demo", "copy"], default="demo",
                    help="服务器上的县：demo 直接生成（默认），copy 从 SQLite 县复制（app.services.dbcopy）")
    ap.add_argument("--size", choices=list(SIZES), default="large")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5, help="每项在每个数据库上的重复次数（默认 5）")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--think-ms", type=float, default=0,
                    help="打开考评表后到保存前的平均停顿（毫秒，模拟录入；默认 0：连续保存）")
    ap.add_argument("--sheets", type=int, default=20, help="并发保存所用的考评表数（随机抽取；0 为全部）")
    ap.add_argument("--skip-timings", action="store_true")
    ap.add_argument("--skip-concurrency", action="store_true")
    args = ap.parse_args(argv)
    if not args.pg_url:
        ap.error(f"需要 --pg-url 或环境变量 {PG_URL_ENV}")
    server = Server(args.pg_url)
    try:
        return _standalone(args, server)
    finally:
        server.close()


def _standalone(args: argparse.Namespace, server: Server) -> int:
    name = args.pg_database or f"dangjian_bench_{args.size}_{args.seed}"
    sqlite_path, lite_s = prepare_sqlite(args.data_dir.resolve(), args.size, args.seed, args.reuse)
    url, pg_s = prepare_server(server, name, sqlite_path, args.size, args.seed, args.reuse, args.pg_build)
    lines = [_machine(server, args.size), "",
             f"生成示范县：SQLite {_took(lite_s)}，PostgreSQL {_took(pg_s)}"
             f"（{'从 SQLite 复制' if args.pg_build == 'copy' else 'build_demo 直接写入服务器'}）", ""]
    ok = True
    if not args.skip_timings:
        lite = BenchEnv(args.data_dir.resolve(), args.size, args.seed, args.runs, 0)
        pg = ServerEnv(args.data_dir.resolve(), args.size, args.seed, args.runs, 0, url=url)
        try:
            comparisons = compare(lite, pg, max(1, args.runs))
        finally:
            lite.close()
            pg.close()
        lines += comparison_table(comparisons) + [f"（每项在每个数据库上预热 1 次后各测 {args.runs} 次，取中位数）", ""]
        ok = all(c.ratio <= RATIO_TARGET for c in comparisons)
    if not args.skip_concurrency:
        result = _concurrency_on_copy(server, name, args)
        lines += result.lines()
        ok = ok and result.ok
    print("\n".join(lines))
    return 0 if ok else 1


def _concurrency_on_copy(server: Server, name: str, args: argparse.Namespace) -> ConcurrencyResult:
    copy = f"{name}_concurrency"
    server.drop(copy)
    say(f"正在准备并发测试用的副本：{copy}")
    url = server.create(copy, template=name)
    try:
        return run_concurrency(url, args.clients, args.seconds, args.sheets, args.seed, args.think_ms)
    finally:
        server.drop(copy)


def _took(seconds: float | None) -> str:
    return "已有（--reuse，未计时）" if seconds is None else f"{seconds:.1f} 秒"


def _machine(server: Server, size: str) -> str:
    s = SIZES[size]
    return (f"机器：{os.cpu_count()} 核（nproc），{platform.system()} {platform.machine()}，Python "
            f"{platform.python_version()}，PostgreSQL {server.version()}（{server.url.host}）；"
            f"示范县：{s.label}（{s.units}个单位、约{s.members:,}名党员）")


if __name__ == "__main__":
    raise SystemExit(main())
