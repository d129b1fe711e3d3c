"""Time the Excel import of a large register: 300 units, 1,200 organisations, 20,000 members from one .xlsx.

    python benchmarks/bench_import.py [--members 20000] [--runs 3]

Builds the workbook once (not timed), then imports it into a fresh database per run and prints the median as a
Markdown table row.  Also reports a dry run and a re-import of the same file (all unchanged) on stderr.

For `benchmarks/run.py` it also defines a row: the demo county's own full export (made once) imported into a
fresh database."""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

from app.services.excel_io import MEMBER_SHEET, ORG_SHEET, UNIT_SHEET, export_register, import_register
from app.services.idcard import make_id
from app.services.opening import open_database

try:
    from benchmarks.common import BenchEnv, Benchmark
except ModuleNotFoundError:  # run as a script: the repository root is not on the path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.common import BenchEnv, Benchmark

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文辉玲红梅鹏飞斌宇浩凯健俊帆"


def build_workbook(path: Path, n_members: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    wb = Workbook(write_only=True)
    units = [f"县第{i:03d}局" for i in range(1, 301)]
    ws = wb.create_sheet(UNIT_SHEET.title)
    ws.append([c.header for c in UNIT_SHEET.columns])
    for i, name in enumerate(units, 1):
        ws.append([name, "", "党政机关", "", "", "", i, ""])
    ws = wb.create_sheet(ORG_SHEET.title)
    ws.append([c.header for c in ORG_SHEET.columns])
    branches = []
    for unit in units:
        top = f"中共{unit}机关委员会"
        ws.append([top, unit, "机关党委", "", dt.date(2001, 7, 1), dt.date(2023, 3, 1), None, 0, ""])
        for b in range(1, 4):
            name = f"中共{unit}第{b}支部委员会"
            ws.append([name, unit, "党支部", top, dt.date(2001, 7, 1), dt.date(2024, 3, 1), None, b, ""])
            branches.append((unit, name))
    ws = wb.create_sheet(MEMBER_SHEET.title)
    ws.append([c.header for c in MEMBER_SHEET.columns])
    for i in range(n_members):
        unit, org = branches[i % len(branches)]
        birth = dt.date(1965, 1, 1) + dt.timedelta(days=i % 12000)
        id_number = make_id("430102", birth, i // 12000 * 2 + rnd.randint(0, 1) * 0)
        joined = min(birth + dt.timedelta(days=365 * 23 + rnd.randint(0, 2000)), dt.date(2023, 6, 30))
        full = joined + dt.timedelta(days=400)
        name = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + (rnd.choice(GIVEN) if rnd.random() < 0.6 else "")
        phone = f"139{rnd.randint(0, 99999999):08d}"
        ws.append([name, None, "汉族", birth, id_number, phone, "大学本科", unit, org, "正式党员", joined, full,
                   None, "科员", "否", "是" if i % 3 else "否", "城东社区" if i % 3 else "", None, ""])
    wb.save(path)


def one_import(xlsx: Path, workdir: Path, run: int) -> tuple[float, float, float]:
    db = open_database(workdir / f"run{run}.sqlite3")
    try:
        t0 = time.perf_counter()
        dry = import_register(db.session_factory, xlsx, dry_run=True)
        t1 = time.perf_counter()
        report = import_register(db.session_factory, xlsx, dry_run=False)
        t2 = time.perf_counter()
        again = import_register(db.session_factory, xlsx, dry_run=False)
        t3 = time.perf_counter()
    finally:
        db.close()
    if dry.problems or report.problems or not report.applied:
        raise SystemExit(f"import refused: {report.problems[:5]}")
    if again.created or again.updated:
        raise SystemExit(f"re-import changed things: {again}")
    return t1 - t0, t2 - t1, t3 - t2


def measure_county_import(env: BenchEnv) -> float:
    """Seconds to import the county's full export into an empty database (the export is made once)."""
    xlsx = env.cache.get("bench_import.xlsx")
    if xlsx is None:
        xlsx = env.data_dir / "bench_import_county.xlsx"
        export_register(env.database().session_factory, xlsx, reveal=True)
        env.cache["bench_import.xlsx"] = xlsx
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "fresh.sqlite3")
        try:
            t0 = time.perf_counter()
            report = import_register(db.session_factory, xlsx, dry_run=False)
            elapsed = time.perf_counter() - t0
        finally:
            db.close()
    if not report.applied:
        raise RuntimeError(f"import refused: {report.problems[:3]}")
    return elapsed


BENCHMARKS = [Benchmark("从Excel导入全县单位、党组织、党员（.xlsx）", 15, "s", measure_county_import)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--members", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        xlsx = workdir / "register.xlsx"
        build_workbook(xlsx, args.members)
        runs = [one_import(xlsx, workdir, i) for i in range(args.runs)]
    dry, real, again = (statistics.median(r[k] for r in runs) for k in range(3))
    print(f"dry run {dry:.1f} s, import {real:.1f} s, re-import (all unchanged) {again:.1f} s", file=sys.stderr)
    print(f"| import {args.members:,} members from .xlsx | {real:.1f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
