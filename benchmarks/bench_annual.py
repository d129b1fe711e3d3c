"""Issue 6: the quarter and the year on the demo county (300 units for the large one).

- 年终考核材料（全部）: every unit's packet, the 汇总表 and the zip, written from scratch into an empty folder by
  `PacketService.generate` in a fresh process (as `dangjian packets` runs it), one worker per core.  Target 60 s.
- 峰值内存: the largest resident memory of that process and its worker processes together, sampled every 20 ms
  from /proc while it runs (Linux; the workers' memory is not in the parent's VmHWM).  Target 600 MB.
- 再次生成（数据未变）: the same call again on the folder just written: the data is read and hashed, nothing is
  rebuilt.  Target 5 s.
- 季度分级量化考核: `QuarterService.grading` of the latest quarter with its three months locked (computed from the
  months, as the 季度考核 tab shows it).  Target 300 ms.
- 年度述职评议结果: `AnnualService.results` of the demo year (综合, 等次, 优秀单位; reported).

Run alone as a probe: ``python benchmarks/bench_annual.py probe DATA_DIR OUT_DIR`` prints one JSON line."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script (the probe): make `app` and `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, BenchEnv, Benchmark  # noqa: E402


def _demo_year(env: BenchEnv) -> int:
    from sqlalchemy import select

    from app.models import DutyReview

    with env.database().session() as s:
        year = s.scalar(select(DutyReview.year).order_by(DutyReview.year.desc()).limit(1))
    return int(year) if year is not None else dt.date.today().year


# --- the packets, in a fresh process -----------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:
        return out
    return out + [g for c in out for g in _children(c)]


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class _TreeSampler(threading.Thread):
    """The process tree's total resident memory, sampled until stopped; keeps the largest."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0.0
        self._halt = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self._halt.wait(0.02):
            self.peak = max(self.peak, sum(_rss_mb(p) for p in [me, *_children(me)]))

    def stop(self) -> float:
        self._halt.set()
        self.join()
        return self.peak


def probe(data_dir: str, out_dir: str) -> dict[str, Any]:
    from app.paths import app_paths
    from app.services.opening import open_database
    from app.services.packets import PacketService

    db = open_database(app_paths(data_dir).db_path)
    try:
        from sqlalchemy import select

        from app.models import DutyReview

        with db.session() as s:
            year = s.scalar(select(DutyReview.year).order_by(DutyReview.year.desc()).limit(1)) or dt.date.today().year
        sampler = _TreeSampler()
        sampler.start()
        t0 = time.perf_counter()
        run = PacketService(db.session_factory).generate(int(year), out_dir, force=True)
        seconds = time.perf_counter() - t0
        peak = sampler.stop()
    finally:
        db.close()
    return {"seconds": seconds, "peak_mb": peak, "files": len(run.built), "packets": run.packets,
            "workers": os.cpu_count()}


def packets_probe(env: BenchEnv) -> dict[str, Any]:
    """One from-scratch run, shared by the time and memory rows; the folder is kept for the second-run row."""
    if "packets" not in env.cache:
        if not sys.platform.startswith("linux"):
            raise RuntimeError("the memory of the worker processes is sampled from /proc (Linux only)")
        out = env.data_dir / "bench_packets" / "考核材料"  # inside the county's folder: removed with it
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "probe", str(env.data_dir), str(out)],
                              capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=900)
        if proc.returncode != 0:
            raise RuntimeError(f"packet probe failed: {proc.stderr.strip()[-2000:]}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result["out"] = str(out)
        print(f"  年终考核材料：{result['packets']}个单位、{result['files']}个文件，{result['workers']}个进程",
              file=sys.stderr)
        env.cache["packets"] = result
    return dict(env.cache["packets"])


def measure_packets(env: BenchEnv) -> float:
    return float(packets_probe(env)["seconds"])


def measure_packets_memory(env: BenchEnv) -> float:
    return float(packets_probe(env)["peak_mb"])


def measure_packets_again(env: BenchEnv) -> float:
    from app.services.packets import PacketService

    out = Path(packets_probe(env)["out"])
    t0 = time.perf_counter()
    run = PacketService(env.database().session_factory).generate(_demo_year(env), out)
    elapsed = time.perf_counter() - t0
    if run.built:
        raise RuntimeError(f"unchanged data rebuilt {len(run.built)} files")
    return elapsed


# --- grading ------------------------------------------------------------------------------------------------------


def _full_quarter(env: BenchEnv) -> tuple[int, int]:
    from app.services.quarter import QuarterService

    choices = [c for c in QuarterService(env.database().session_factory).quarters() if c.months_locked == 3]
    if not choices:
        raise RuntimeError("the county has no quarter with three locked months")
    return choices[0].year, choices[0].quarter


def measure_quarter(env: BenchEnv) -> float:
    from app.services.quarter import QuarterService

    year, quarter = _full_quarter(env)
    service = QuarterService(env.database().session_factory)
    t0 = time.perf_counter()
    grading = service.grading(year, quarter)
    elapsed = (time.perf_counter() - t0) * 1000
    if not grading.rows:
        raise RuntimeError("the quarter graded no unit")
    return elapsed


def measure_annual(env: BenchEnv) -> float:
    from app.services.annual.service import AnnualService

    service = AnnualService(env.database().session_factory)
    t0 = time.perf_counter()
    service.results(_demo_year(env))
    return (time.perf_counter() - t0) * 1000


BENCHMARKS = [
    Benchmark("季度分级量化考核：评定一个季度（全县）", 300, "ms", measure_quarter),
    Benchmark("年度述职评议：综合得分、等次和优秀单位（全县）", None, "ms", measure_annual),
    Benchmark("年终考核材料：全部单位从头生成（多进程）", 60, "s", measure_packets, runs=1),
    Benchmark("年终考核材料：生成时峰值内存（主进程和工作进程合计）", 600, "MB", measure_packets_memory, runs=1),
    Benchmark("年终考核材料：数据未变时再次生成", 5, "s", measure_packets_again),
]


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "probe":
        print(json.dumps(probe(sys.argv[2], sys.argv[3]), ensure_ascii=False))
    else:
        sys.exit("usage: bench_annual.py probe DATA_DIR OUT_DIR")
