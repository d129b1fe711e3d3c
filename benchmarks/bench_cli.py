"""Issue 14: the `dangjian` command before it does its work, whole process, against a bare interpreter that
imports SQLAlchemy (what any command of this app needs at the least), measured alternately in the same run.

- `dangjian --help`: the parser and its help, nothing else (target 0.3 s).
- `dangjian ranking --json`: the latest month's ranking of the county as JSON (target 0.8 s)."""

from __future__ import annotations

import subprocess
import sys
import time

from benchmarks.common import ROOT, BenchEnv, Benchmark, child_env


def _wall(argv: list[str]) -> float:
    """Seconds from spawning the process to its end; its output is thrown away."""
    t0 = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, env=child_env(),
                          check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[1:])} failed (exit {proc.returncode}): "
                           f"{proc.stderr.decode('utf-8', 'replace').strip()[-2000:]}")
    return elapsed


def measure_help(_env: BenchEnv) -> float:
    return _wall([sys.executable, "-m", "app", "--help"])


def measure_ranking(env: BenchEnv) -> float:
    return _wall([sys.executable, "-m", "app", "--data-dir", str(env.data_dir), "ranking", "--json"])


def measure_bare_import(_env: BenchEnv) -> float:
    return _wall([sys.executable, "-c", "import sqlalchemy"])


BENCHMARKS = [
    Benchmark("dangjian --help（基线：python -c \"import sqlalchemy\"）", 0.3, "s", measure_help,
              floor=measure_bare_import),
    Benchmark("dangjian ranking --json（基线同上）", 0.8, "s", measure_ranking, floor=measure_bare_import),
]
