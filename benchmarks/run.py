"""Run the benchmarks on a demo county and print a Markdown table: | 项目 | target | median | floor | ratio | runs |.

    python benchmarks/run.py                         # build the large county in a temporary directory
    python benchmarks/run.py --data-dir D            # build it in D (kept), or with --reuse use the county in D
    python benchmarks/run.py --data-dir D --reuse --only 搜索 --runs 9

Every `benchmarks/bench_*.py` that defines ``BENCHMARKS`` (see benchmarks/common.py) adds its rows, in file-name
order.  Each benchmark runs `--runs` times (unless it says otherwise); the median of all its samples is shown,
marked when it is over the target.  A benchmark with a floor (the bare work: a bare Qt window, a bare interpreter
importing SQLAlchemy …) measures it alternately with its own runs, and the row shows the floor's median and the
ratio, marked when it is over the issue's ratio.  Not part of the test suite."""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `benchmarks.*` and `app` from the checkout

from app.demo.county import SIZES, build_demo, database_is_empty  # noqa: E402
from app.paths import app_paths  # noqa: E402
from app.services.opening import open_database  # noqa: E402
from benchmarks.common import BenchEnv, Benchmark, Result, fmt  # noqa: E402

HERE = Path(__file__).resolve().parent


def discover() -> list[Benchmark]:
    found: list[Benchmark] = []
    for path in sorted(HERE.glob("bench_*.py")):
        module = importlib.import_module(f"benchmarks.{path.stem}")
        benchmarks = getattr(module, "BENCHMARKS", None)
        if benchmarks is None:
            print(f"说明：{path.name} 未定义 BENCHMARKS（独立脚本），不在此表中；请单独运行。", file=sys.stderr)
            continue
        found.extend(benchmarks)
    return found


def prepare(env: BenchEnv, reuse: bool) -> None:
    """The county to measure: reuse the one in the data directory, or build it (that build is timed too)."""
    paths = app_paths(env.data_dir).ensure()
    db = open_database(paths.db_path)
    try:
        if not database_is_empty(db):
            if reuse:
                print(f"使用已有的县：{paths.db_path}", file=sys.stderr)
                return
            raise SystemExit(f"{paths.db_path} 中已有数据：加 --reuse 使用它，或换一个 --data-dir")
        print(f"正在生成示范县（{env.size}）：{paths.db_path}", file=sys.stderr)
        t0 = time.perf_counter()
        build_demo(db, env.size, env.seed,
                   progress=lambda done, total, text: print(f"  [{done}/{total}] {text}", file=sys.stderr))
        env.build_seconds.append(time.perf_counter() - t0)
    finally:
        db.close()


def run_one(env: BenchEnv, bench: Benchmark) -> Result:
    samples: list[float] = []
    floor: list[float] = []
    try:
        for _ in range(bench.runs or env.runs):
            _extend(samples, bench.measure(env))
            if bench.floor is not None:  # right after: the same load on the shared machine
                _extend(floor, bench.floor(env))
    except Exception as exc:  # one broken benchmark must not hide the others' rows
        traceback.print_exc()
        return Result(bench, samples, f"{type(exc).__name__}: {exc}", floor)
    return Result(bench, samples, floor_samples=floor)


def _extend(samples: list[float], value: float | Sequence[float]) -> None:
    samples.extend([value] if isinstance(value, (int, float)) else value)


def row(result: Result) -> str:
    b = result.benchmark
    target = f"≤ {b.target:g} {b.unit}" if b.target is not None else "—"
    if b.ratio is not None:
        target += f"，≤ {b.ratio:g}× 基线"
    floor = fmt(result.floor_median, b.unit) if result.floor_median is not None else "—"
    if result.error or not result.samples:
        what = f"失败：{result.error}" if result.error else "未测"
        return f"| {b.name} | {target} | {what} | {floor} | — | {len(result.samples)} |"
    median = fmt(result.median, b.unit) + ("（超标）" if result.over_target else "")
    ratio = "—" if result.ratio is None else f"{result.ratio:.2f}×" + ("（超标）" if result.over_ratio else "")
    return f"| {b.name} | {target} | {median} | {floor} | {ratio} | {len(result.samples)} |"


def machine(size_name: str, load_before: str) -> str:
    size = SIZES[size_name]
    return (f"机器：{os.cpu_count()} 核（nproc），{platform.system()} {platform.machine()}，Python "
            f"{platform.python_version()}；示范县：{size.label}（{size.units}个单位、约{size.members:,}名党员）；"
            f"负载（1/5/15分钟平均）：开始时 {load_before}，结束时 {load_average()}")


def load_average() -> str:
    """The machine is shared: how busy it was says how far the seconds can be trusted (the ratios more)."""
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):  # Windows
        return "不可用"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, help="示范县的数据目录（默认：临时目录，结束后删除）")
    ap.add_argument("--reuse", action="store_true", help="数据目录中已有县时直接使用（不计生成时间）")
    ap.add_argument("--size", choices=list(SIZES), default="large", help="示范县规模（默认 large）")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5, help="每项重复次数（默认 5）")
    ap.add_argument("--build-runs", type=int, default=3, help="生成示范县的次数（默认 3；--reuse 时为 0）")
    ap.add_argument("--only", action="append", default=[], metavar="TEXT", help="只运行名称包含 TEXT 的项目（可多次）")
    ap.add_argument("--database-url", metavar="URL",
                    help="PostgreSQL 超级用户地址：加测服务器上的项目（bench_postgresql.py；也可设 DANGJIAN_BENCH_PG_URL）")
    args = ap.parse_args(argv)
    if args.database_url:
        os.environ["DANGJIAN_BENCH_PG_URL"] = args.database_url  # read by bench_postgresql when discovered

    temp = None if args.data_dir else Path(tempfile.mkdtemp(prefix="dangjian-bench-county-"))
    data_dir = args.data_dir or temp
    assert data_dir is not None
    env = BenchEnv(data_dir.resolve(), args.size, args.seed, max(1, args.runs),
                   0 if args.reuse else max(1, args.build_runs))
    load_before = load_average()
    try:
        prepare(env, args.reuse)
        benchmarks = [b for b in discover() if not args.only or any(t in b.name for t in args.only)]
        results = []
        for bench in benchmarks:
            print(f"正在测量：{bench.name}", file=sys.stderr)
            results.append(run_one(env, bench))
    finally:
        env.close()
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    print(machine(args.size, load_before))
    print()
    print("| 项目 | target | median | floor | ratio | runs |")
    print("|---|---|---|---|---|---|")
    for result in results:
        print(row(result))
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
