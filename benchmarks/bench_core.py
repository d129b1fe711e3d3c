"""The foundation's benchmarks (issue 2): building the demo county, start-up, member search, memory.

Start-up (issue 14): each start of the app is followed by a start of `bare_window_probe.py` (a bare PySide6
window with a 200-row table, timed the same way), its floor: the row shows both medians and the ratio.  The
window is shown before the models are imported (app/ui/mainwindow.py `Opening`); the next row is the same start
up to its first page built and shown (the 提醒's data then loads in the background)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.demo.county import build_demo
from app.models import OrgKind, PartyOrg, Unit
from app.services.opening import open_database
from app.services.register import RegisterService
from benchmarks.common import ROOT, BenchEnv, Benchmark, child_env

PROBE = ROOT / "benchmarks" / "startup_probe.py"
BARE_PROBE = ROOT / "benchmarks" / "bare_window_probe.py"
PAGE_SIZE = 200  # rows the member table fetches at once (app.ui.member_page.MemberTableModel.PAGE_SIZE)


# --- building the demo county ---------------------------------------------------------------------------------


def build_once(env: BenchEnv) -> float:
    """Build the demo county into a fresh database that is thrown away; seconds, as the user waits for it."""
    with tempfile.TemporaryDirectory(prefix="dangjian-bench-") as tmp:
        db = open_database(Path(tmp) / "demo.sqlite3")
        try:
            t0 = time.perf_counter()
            build_demo(db, env.size, env.seed)
            return time.perf_counter() - t0
        finally:
            db.close()


def measure_build(env: BenchEnv) -> list[float]:
    """The builds made while preparing the county count; more are made up to --build-runs (none with --reuse:
    the row then says 未测)."""
    samples = list(env.build_seconds)
    while len(samples) < env.build_runs:
        samples.append(build_once(env))
    return samples


# --- start-up (a separate process per run) ---------------------------------------------------------------------


def run_probe(data_dir: Path | None, probe: Path = PROBE) -> dict[str, Any]:
    """Start the probe; the wall time from spawning it to its READY line is the start-up a user sees, to its
    FIRST_PAGE line (if it prints one) the start-up with the first page built."""
    t0 = time.perf_counter()
    argv = [sys.executable, str(probe)] + ([str(data_dir)] if data_dir is not None else [])
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            cwd=ROOT, env=child_env())
    assert proc.stdout is not None
    result: dict[str, Any] = {}
    for line in proc.stdout:
        if line.startswith("READY "):
            result["wall_s"] = time.perf_counter() - t0
        elif line.startswith("FIRST_PAGE "):
            result["first_page_wall_s"] = time.perf_counter() - t0
        elif line.startswith("DONE "):
            result.update(json.loads(line[5:]))
    err = proc.stderr.read() if proc.stderr else ""
    if proc.wait(timeout=120) != 0 or "wall_s" not in result:
        raise RuntimeError(f"start-up probe failed (exit {proc.returncode}): {err.strip()[-2000:]}")
    return result


def probes(env: BenchEnv) -> list[dict[str, Any]]:
    """One set of probe runs shared by the start-up, memory and member-page rows; each followed by the bare
    window's start (the start-up row's floor)."""
    if "probes" not in env.cache:
        env.cache["probes"], env.cache["bare_probes"] = [], []
        for _ in range(env.runs):
            env.cache["probes"].append(run_probe(env.data_dir))
            env.cache["bare_probes"].append(run_probe(None, BARE_PROBE))
    return list(env.cache["probes"])


def measure_startup(env: BenchEnv) -> list[float]:
    return [p["wall_s"] for p in probes(env)]


def measure_first_page(env: BenchEnv) -> list[float]:
    return [p["first_page_wall_s"] for p in probes(env)]


def measure_bare_window(env: BenchEnv) -> list[float]:
    probes(env)
    return [p["wall_s"] for p in env.cache["bare_probes"]]


def measure_memory(env: BenchEnv) -> list[float]:
    values = [p["maxrss_mb"] for p in probes(env) if p.get("maxrss_mb") is not None]
    if not values:
        raise RuntimeError("this platform does not report peak memory (resource.getrusage)")
    return values


def measure_member_page(env: BenchEnv) -> list[float]:
    return [p["members_page_ms"] for p in probes(env)]


# --- member search -----------------------------------------------------------------------------------------------


def search_texts(env: BenchEnv) -> list[str]:
    """What users type: pinyin initials, a surname, the start of a 身份证号, and an organisation's name."""
    with env.database().session() as s:
        org = s.scalar(
            select(PartyOrg.name).join(Unit, PartyOrg.unit_id == Unit.id)
            .where(Unit.name == "县财政局", PartyOrg.kind == OrgKind.BRANCH).order_by(PartyOrg.id)
        ) or s.scalar(select(PartyOrg.name).order_by(PartyOrg.id))
    return ["zs", "张", "4301", org or "党支部"]


def measure_search(env: BenchEnv) -> list[float]:
    """Milliseconds per keystroke: each prefix of each text, as the member table runs it (matching ids, then
    the first page of rows)."""
    register = RegisterService(env.database().session_factory)
    samples = []
    for text in search_texts(env):
        for n in range(1, len(text) + 1):
            t0 = time.perf_counter()
            ids = register.member_ids(text[:n])
            register.member_rows(ids[:PAGE_SIZE])
            samples.append((time.perf_counter() - t0) * 1000)
    return samples


BENCHMARKS = [
    Benchmark("生成示范县（含各功能的示例数据）", 60, "s", measure_build, runs=1),
    Benchmark("启动到主窗口（基线：裸Qt窗口+200行表格）", 0.5, "s", measure_startup, runs=1,
              floor=measure_bare_window, ratio=4),
    Benchmark("启动到首页（提醒页）建成", None, "s", measure_first_page, runs=1),
    Benchmark("党员搜索，每次按键（查询+首屏200行）", 50, "ms", measure_search),
    Benchmark("打开党员页首屏", None, "ms", measure_member_page, runs=1),
    Benchmark("内存峰值（启动并打开党员页）", 400, "MB", measure_memory, runs=1),
]
