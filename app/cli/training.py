"""`dangjian training template|import|export|list`: 党务干部 training records in Excel, and the year's roster with
each person's 集中培训 学时 against the minimum.

Exit codes: 0 done; 1 the import found problems (nothing imported), or `list --short` found someone short;
2 bad input or a known error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app import clock
from app.cli import add_data_dir
from app.cli.common import open_db, print_json

EXIT_FINDINGS = 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("training", help="党务干部培训：培训记录导入导出、年度学时名册",
                       description="培训记录的导入模板、导入、导出，以及书记、班子成员和党务干部的年度集中培训学时"
                                   "（书记和班子成员不少于56学时，其他不少于32学时，可在设置中修改）。")
    add_data_dir(p)
    inner = p.add_subparsers(title="操作", dest="action", required=True, parser_class=type(p))
    q = inner.add_parser("template", help="生成培训记录导入模板")
    q.add_argument("file", type=Path, metavar="FILE")
    q.set_defaults(func=run_template)
    q = inner.add_parser("import", help="从 .xlsx 导入培训记录（有任何错误则不导入）")
    q.add_argument("file", type=Path, metavar="FILE")
    q.add_argument("--dry-run", action="store_true", help="只检查，不导入")
    q.set_defaults(func=run_import)
    q = inner.add_parser("export", help="导出某年的学时名册和培训记录到 .xlsx")
    q.add_argument("file", type=Path, metavar="FILE")
    q.add_argument("--year", type=int, help="年度（默认今年）")
    q.set_defaults(func=run_export)
    q = inner.add_parser("list", help="列出某年的书记、班子成员和党务干部及其集中培训学时")
    q.add_argument("--year", type=int, help="年度（默认今年）")
    q.add_argument("--short", action="store_true", help="只列出学时不足的（有则退出码为1）")
    q.add_argument("--json", action="store_true", help="以 JSON 输出")
    q.set_defaults(func=run_list)


def run_template(args: argparse.Namespace) -> int:
    from app.services.party_workers_io import write_template

    write_template(args.file)
    print(f"已生成培训记录导入模板：{args.file}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from app.services.party_workers_io import import_trainings

    db = open_db(args)
    try:
        report = import_trainings(db.session_factory, args.file, dry_run=args.dry_run)
    finally:
        db.close()
    if report.problems:
        print(f"发现{len(report.problems)}处问题，未导入任何培训记录：", file=sys.stderr)
        for p in report.problems:
            print(f"  {p}", file=sys.stderr)
        return EXIT_FINDINGS
    verb = "检查通过，可导入" if args.dry_run else "已导入"
    print(f"{verb}{report.created}条培训记录；已登记过（未改动）{report.unchanged}条")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from app.services.party_workers_io import export_year

    year = args.year or clock.today().year
    db = open_db(args)
    try:
        n = export_year(db.session_factory, year, args.file)
    finally:
        db.close()
    print(f"已导出{year}年学时名册和{n}条培训记录：{args.file}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from app.services.party_workers import PartyWorkerService, hours_text

    year = args.year or clock.today().year
    db = open_db(args)
    try:
        rows = PartyWorkerService(db.session_factory).roster(year)
    finally:
        db.close()
    total, short = len(rows), sum(r.short for r in rows)
    if args.short:
        rows = [r for r in rows if r.short]
    if args.json:
        print_json([{"unit": r.unit_name, "name": r.name, "roles": list(r.roles), "in_post": r.in_post,
                     "hours": str(r.hours), "minimum": str(r.minimum), "short": r.short} for r in rows])
    else:
        print(f"{year}年书记、班子成员和党务干部共{total}人，集中培训学时不足{short}人")
        for r in rows:
            flag = "【学时不足】" if r.short else ("（已离任）" if not r.in_post else "")
            print(f"{flag}{r.unit_name}  {r.name}  {r.title}  {hours_text(r.hours)}/{hours_text(r.minimum)}学时")
    return EXIT_FINDINGS if args.short and rows else 0
