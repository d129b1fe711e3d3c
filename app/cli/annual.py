"""`dangjian quarter`, `dangjian annual` and `dangjian packets`: the quarter and the year from a terminal.

Exit codes: 0 done; 2 bad input or a known error (its Chinese message printed)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from app.cli import add_data_dir
from app.cli.common import open_db, print_json
from app.db import SessionFactory
from app.errors import ValidationError
from app.services.annual.results import AnnualResults
from app.services.annual.service import AnnualService
from app.services.bulletin import BulletinService
from app.services.quarter import QuarterGrading, QuarterService, parse_quarter


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("quarter", help="季度分级量化考核：评定、复核、锁定、重新开放、印发通报",
                       description="grade 显示季度考核结果（未复核时按各月考评即时计算）；review 复核并保存结果（三个月须已"
                       "锁定）；unreview 取消复核；lock 锁定；reopen 重新开放（管理员，须填理由）；bulletin 印发季度通报并"
                       "导出到 --out 文件夹。")
    add_data_dir(p)
    p.add_argument("action", choices=["grade", "review", "unreview", "lock", "reopen", "bulletin"])
    p.add_argument("quarter", metavar="YYYY-Qn", help="季度，例如 2026-Q3")
    _common(p)
    p.set_defaults(func=run_quarter)

    p = sub.add_parser("annual", help="年度述职评议考核：结果、复核、锁定、约谈整改、印发通报、测评表",
                       description="results 显示年度综合得分、等次和优秀单位（未复核时即时计算并列出缺少的数据）；review "
                       "复核并保存；unreview 取消复核；lock 锁定；reopen 重新开放（管理员，须填理由）；followups 为一般、差"
                       "等次单位建立约谈和整改方案；bulletin 印发述职评议结果通报；ballot 导出空白测评表。")
    add_data_dir(p)
    p.add_argument("action", choices=["results", "review", "unreview", "lock", "reopen", "followups", "bulletin",
                                      "ballot"])
    p.add_argument("year", type=int, metavar="YYYY")
    _common(p)
    p.set_defaults(func=run_annual)

    p = sub.add_parser("packets", help="生成年度述职评议考核材料（每单位一份，另有汇总表和压缩包）",
                       description="为每个单位生成年度考核材料（.docx），并生成评议结果汇总表（.docx 和 .xlsx）、空白测评表，"
                       "整个文件夹另打包为同名 .zip。再次运行时只重新生成数据有变化的单位。")
    add_data_dir(p)
    p.add_argument("year", type=int, metavar="YYYY")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="输出文件夹")
    p.add_argument("--unit", action="append", default=[], metavar="单位名称", help="只生成这些单位（可重复）")
    p.add_argument("--force", action="store_true", help="全部重新生成（不论数据是否变化）")
    p.add_argument("--workers", type=int, default=None, metavar="N", help="并行进程数（默认为处理器核数）")
    p.add_argument("--no-zip", action="store_true", help="不生成压缩包")
    p.set_defaults(func=run_packets)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    p.add_argument("--reason", default="", help="理由（重新开放、取消复核、重新印发时填写）")
    p.add_argument("--admin", action="store_true", help="以管理员身份操作（重新开放时必需）")
    p.add_argument("--out", type=Path, metavar="DIR", help="通报或测评表的导出文件夹")
    p.add_argument("--date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD", help="成文日期（默认今天）")


def run_quarter(args: argparse.Namespace) -> int:
    year, quarter = parse_quarter(args.quarter)
    db = open_db(args)
    try:
        service = QuarterService(db.session_factory)
        action = args.action
        if action == "bulletin":
            folder = _need_out(args)
            issued = service.issue_bulletin(year, quarter, issued_on=args.date, reason=args.reason)
            path = BulletinService(db.session_factory).export_to_folder(issued.id, folder)
            print(f"已印发 {issued.doc_number}：{path}")
            return 0
        grading = {
            "grade": lambda: service.grading(year, quarter),
            "review": lambda: service.review(year, quarter),
            "unreview": lambda: service.unreview(year, quarter, args.reason),
            "lock": lambda: service.lock(year, quarter),
            "reopen": lambda: service.reopen(year, quarter, args.reason, args.admin),
        }[action]()
    finally:
        db.close()
    if args.json:
        print_json(grading.to_json())
    else:
        _print_quarter(grading)
    return 0


def _print_quarter(g: QuarterGrading) -> None:
    state = g.state.value if g.state else "未开始"
    source = "已保存的复核结果" if g.stored else "按各月考评即时计算"
    print(f"{g.title}分级量化考核（{state}，{source}）  " + "  ".join(f"{k.value}{n}个" for k, n in g.counts().items()))
    if g.stale:
        print("注意：月度考评在复核后有改动，保存的结果与现在的计算结果不一致")
    months = "  ".join(f"{m.month}月：{m.state.value if m.state else '未开始'}" for m in g.months)
    print(f"各月状态：{months}")
    for r in g.rows:
        scores = " ".join("  —  " if m is None else f"{m:5}" for m in r.months)
        note = f"  {r.note}" if r.note else ""
        print(f"{r.rank:>4}  {r.unit}  {scores}  季度{r.score:>6}  {r.grade.value}{'（一票否决）' if r.veto else ''}{note}")


def run_annual(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        service = AnnualService(db.session_factory)
        year, action = args.year, args.action
        if action == "bulletin":
            issued = service.issue_bulletin(year, issued_on=args.date, reason=args.reason)
            path = BulletinService(db.session_factory).export_to_folder(issued.id, _need_out(args))
            print(f"已印发 {issued.doc_number}：{path}")
            return 0
        if action == "ballot":
            name, data = service.blank_ballot_document(year)
            from app.reports.output import write_atomic

            print(f"已导出：{write_atomic(_need_out(args) / name, data)}")
            return 0
        if action == "followups":
            made = service.propose_followups(year)
            for f in made:
                print(f"{f.unit}（{f.grade.value}）：{'已建立' if f.created else '已有'}约谈，整改方案编号{f.rectification_id}")
            if not made:
                print(f"{year}年度没有一般、差等次的单位")
            return 0
        results = {
            "results": lambda: service.results(year),
            "review": lambda: service.review_results(year),
            "unreview": lambda: service.unreview_results(year, args.reason),
            "lock": lambda: service.lock_results(year),
            "reopen": lambda: service.reopen_results(year, args.reason, args.admin),
        }[action]()
    finally:
        db.close()
    if args.json:
        print_json(results.to_json())
    else:
        _print_annual(results)
    return 0


def _print_annual(r: AnnualResults) -> None:
    from app.dates import coverage_text

    state = r.state.value if r.state else "未开始"
    print(f"{r.year}年度述职评议考核（{state}，{'已保存的复核结果' if r.stored else '即时计算'}）  "
          + "  ".join(f"{g.value}{n}个" for g, n in r.counts().items() if r.complete or r.stored))
    for p in r.problems:
        print(f"  缺少：{p}")
    covers = {row.mean_months for row in r.rows if row.mean_months}
    if len(covers) == 1:
        print(f"平时成绩所含月份：{coverage_text(next(iter(covers)))}")
    for row in r.rows:
        rate = "—" if row.rate is None else f"{row.rate}%"
        total = "—" if row.composite is None else str(row.composite)
        grade = row.grade.value if row.grade else "—"
        flag = "  党建工作优秀单位" if row.excellent else ""
        covered = f"（{coverage_text(row.mean_months)}）" if len(covers) > 1 and row.mean_months else ""
        note = f"  {row.note}" if row.note else ""
        print(f"{row.rank or '—':>4}  {row.unit}（{row.secretary}）  平时{row.annual_mean}{covered}  年终{row.check_score}  "
              f"好票率{rate}  综合{total}  {grade}{flag}{note}")


def run_packets(args: argparse.Namespace) -> int:
    from app.services.packets import PacketService

    db = open_db(args)
    try:
        unit_ids = _unit_ids(db.session_factory, args.unit) if args.unit else None

        def progress(done: int, total: int, text: str) -> None:
            print(f"\r{text}" + " " * 8, end="", file=sys.stderr, flush=True)

        run = PacketService(db.session_factory).generate(args.year, args.out, unit_ids=unit_ids, force=args.force,
                                                         workers=args.workers, make_zip=not args.no_zip,
                                                         progress=progress)
        print(file=sys.stderr)
    finally:
        db.close()
    for line in run.lines():
        print(line)
    return 0


def _unit_ids(session_factory: SessionFactory, names: list[str]) -> list[int]:
    from sqlalchemy import select

    from app.models import Unit

    with session_factory() as s:
        found = dict(s.execute(select(Unit.name, Unit.id).where(Unit.name.in_(names))).all())
    missing = [n for n in names if n not in found]
    if missing:
        raise ValidationError(f"没有这些单位：{'、'.join(missing)}", field="unit")
    return [found[n] for n in names]


def _need_out(args: argparse.Namespace) -> Path:
    if args.out is None:
        raise ValidationError("请用 --out 指定导出文件夹", field="out")
    return Path(args.out)
