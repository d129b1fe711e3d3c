"""`dangjian study template|import|export|list`: 党组（党委）理论学习中心组 records in Excel and at a glance.

Exit codes: 0 done; 1 the import found problems (nothing imported); 2 bad input or a known error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app import clock
from app.cli import add_data_dir
from app.cli.common import open_db, print_json

EXIT_FINDINGS = 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("study", help="理论学习中心组：导入模板、从 Excel 导入、导出、列出各单位完成情况")
    add_data_dir(p)
    inner = p.add_subparsers(title="操作", dest="action", required=True, parser_class=type(p))
    q = inner.add_parser("template", help="生成中心组学习记录导入模板（.xlsx）")
    q.add_argument("file", type=Path, metavar="FILE")
    q.set_defaults(func=run_template)
    q = inner.add_parser("import", help="从 .xlsx 导入中心组学习记录（有任何错误则不导入）")
    q.add_argument("file", type=Path, metavar="FILE")
    q.add_argument("--dry-run", action="store_true", help="只检查，不导入")
    q.set_defaults(func=run_import)
    q = inner.add_parser("export", help="把某年的中心组学习记录、学习计划和完成情况导出到 .xlsx")
    q.add_argument("year", type=int, metavar="YEAR")
    q.add_argument("file", type=Path, metavar="FILE")
    q.set_defaults(func=run_export)
    q = inner.add_parser("list", help="列出某年各单位中心组学习次数、专题研讨次数与进度要求")
    q.add_argument("year", type=int, nargs="?", metavar="YEAR", help="年度（默认今年）")
    q.add_argument("--behind", action="store_true", help="只列出进度滞后的单位")
    q.add_argument("--json", action="store_true", help="以 JSON 输出")
    q.set_defaults(func=run_list)


def run_template(args: argparse.Namespace) -> int:
    from app.services.study_io import write_template

    write_template(args.file)
    print(f"已生成导入模板：{args.file}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from app.services.study_io import import_study

    db = open_db(args)
    try:
        report = import_study(db.session_factory, args.file, dry_run=args.dry_run)
    finally:
        db.close()
    if report.problems:
        print(f"发现{len(report.problems)}处问题，未导入任何记录：", file=sys.stderr)
        for p in report.problems:
            print(f"  {p}", file=sys.stderr)
        return EXIT_FINDINGS
    verb = "检查通过，可导入" if args.dry_run else "已导入"
    print(f"{verb}{report.created}条记录；已存在（未改动）{report.unchanged}条")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from app.services.study_io import export_year

    db = open_db(args)
    try:
        n = export_year(db.session_factory, args.year, args.file)
    finally:
        db.close()
    print(f"已导出{args.year}年中心组学习记录{n}条：{args.file}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from app.services.study import StudyService

    year = args.year or clock.today().year
    db = open_db(args)
    try:
        rows = StudyService(db.session_factory).progress(year)
    finally:
        db.close()
    if args.behind:
        rows = [p for p in rows if p.behind]
    if args.json:
        print_json([{"unit": p.unit, "meetings": p.meetings, "seminars": p.seminars, "due_meetings": p.due_meetings,
                     "due_seminars": p.due_seminars, "has_plan": p.has_plan, "behind": p.behind} for p in rows])
        return 0
    print(f"{year}年党组（党委）理论学习中心组：{len(rows)}个单位")
    for p in rows:
        flag = "【进度滞后】" if p.behind else ""
        plan = "已制定计划" if p.has_plan else "未制定计划"
        print(f"{flag}{p.unit}：{p.summary()}；进度要求{p.due_meetings}次/{p.due_seminars}次；{plan}")
    return 0
