"""What a benchmark module gives the runner, and what the runner gives each benchmark.

A module `benchmarks/bench_<area>.py` defines ``BENCHMARKS: list[Benchmark]``; `run.py` finds it, calls each
benchmark's `measure` `runs` times on the same county, and prints the median of all samples in one table row."""

from __future__ import annotations

import os
import statistics
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.db import Database
from app.paths import AppPaths, app_paths
from app.services.opening import open_database

ROOT = Path(__file__).resolve().parent.parent


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a timed child process: as an installed app runs, with its modules' bytecode cached
    (a development shell may set PYTHONDONTWRITEBYTECODE, and every start would then compile the app's sources
    again); the cache is kept outside the checkout, in the temporary folder."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "dangjian-bench-pycache")
    env.update(extra)
    return env


@dataclass
class BenchEnv:
    """The county the benchmarks run on (built or reused by run.py) and the run settings."""

    data_dir: Path
    size: str
    seed: int
    runs: int  # how often each benchmark is repeated (unless it says otherwise)
    build_runs: int  # how many times the demo county is built for the build-time row
    build_seconds: list[float] = field(default_factory=list)  # builds already made while preparing
    cache: dict[str, Any] = field(default_factory=dict)  # results several rows share (e.g. start-up probes)
    _db: Database | None = None

    @property
    def paths(self) -> AppPaths:
        return app_paths(self.data_dir)

    def database(self) -> Database:
        """The county database, opened once and shared by the in-process benchmarks."""
        if self._db is None:
            self._db = open_database(self.paths.db_path)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


Measure = Callable[[BenchEnv], "float | Sequence[float]"]


@dataclass(frozen=True)
class Benchmark:
    name: str  # 项目: what is measured, in Chinese
    target: float | None  # the ceiling the issue sets (None: reported only)
    unit: str  # "s", "ms" or "MB"
    measure: Measure  # one run: one value, or several samples (e.g. one per keystroke)
    runs: int | None = None  # calls of `measure` (None: the runner's --runs)
    # The bare floor of the same work (e.g. a bare Qt window), measured in the same run, alternating with
    # `measure` so that both see the same load; `ratio` is the ceiling for median / floor median.
    floor: Measure | None = None
    ratio: float | None = None


@dataclass(frozen=True)
class Result:
    benchmark: Benchmark
    samples: list[float]
    error: str = ""
    floor_samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def floor_median(self) -> float | None:
        return statistics.median(self.floor_samples) if self.floor_samples else None

    @property
    def ratio(self) -> float | None:
        floor = self.floor_median
        return self.median / floor if self.samples and floor else None

    @property
    def over_target(self) -> bool:
        return bool(self.samples) and self.benchmark.target is not None and self.median > self.benchmark.target

    @property
    def over_ratio(self) -> bool:
        return self.ratio is not None and self.benchmark.ratio is not None and self.ratio > self.benchmark.ratio


def fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"
    if unit == "ms":
        return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    return f"{value:.0f} {unit}"
