"""`dangjian cadres YEAR --out DIR` (党建实绩记实 and the county's list) and `dangjian accountability
import|export|template` (the 问责 register in Excel).

Exit codes: 0 done; 1 the import found problems (nothing imported); 2 bad input or a known error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli import add_data_dir
from app.cli.common import open_db

EXIT_FINDINGS = 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("cadres", help="生成党组织书记年度党建工作实绩记实（每人一页 Word）和全县一览表（.xlsx）",
                       description="为本年度任过党组（党委）书记、机关党委书记、支部书记的每个人生成一页党建工作实绩记实"
                       "（月度档次、季度等次、年度等次、组织生活落实、约谈和问责、培训学时），并生成全县一览表。")
    add_data_dir(p)
    p.add_argument("year", type=int, metavar="YEAR", help="年度，如 2026")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="输出文件夹")
    p.set_defaults(func=run_cadres)

    p = sub.add_parser("accountability", help="问责记录：从 Excel 导入、导出、生成导入模板")
    add_data_dir(p)
    inner = p.add_subparsers(title="操作", dest="action", required=True, parser_class=type(p))
    q = inner.add_parser("import", help="从 .xlsx 导入问责记录（有任何错误则不导入）")
    q.add_argument("file", type=Path, metavar="FILE")
    q.add_argument("--dry-run", action="store_true", help="只检查，不导入")
    q.set_defaults(func=run_import)
    q = inner.add_parser("export", help="把问责记录导出到 .xlsx（与导入模板同格式）")
    q.add_argument("file", type=Path, metavar="FILE")
    q.add_argument("--year", type=int, help="只导出这一年度（按决定日期）")
    q.set_defaults(func=run_export)
    q = inner.add_parser("template", help="生成问责记录导入模板")
    q.add_argument("file", type=Path, metavar="FILE")
    q.set_defaults(func=run_template)


def run_cadres(args: argparse.Namespace) -> int:
    from app.services.cadre_records import write_outputs

    db = open_db(args)
    try:
        def progress(done: int, total: int, text: str) -> None:
            print(f"\r{text}" + " " * 8, end="", file=sys.stderr, flush=True)

        result = write_outputs(db.session_factory, args.year, args.out, progress=progress)
        print(file=sys.stderr)
    finally:
        db.close()
    for line in result.lines():
        print(line)
    return 0


def run_import(args: argparse.Namespace) -> int:
    from app.services.accountability import import_accountability

    db = open_db(args)
    try:
        report = import_accountability(db.session_factory, args.file, dry_run=args.dry_run)
    finally:
        db.close()
    if report.problems:
        print(f"发现{len(report.problems)}处问题，未导入任何记录：", file=sys.stderr)
        for p in report.problems:
            print(f"  {p}", file=sys.stderr)
        return EXIT_FINDINGS
    verb = "检查通过，可导入" if args.dry_run else "已导入"
    print(f"{verb}{report.created}条问责记录；已存在（未改动）{report.unchanged}条")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from app.services.accountability import export_accountability

    db = open_db(args)
    try:
        n = export_accountability(db.session_factory, args.file, args.year)
    finally:
        db.close()
    print(f"已导出{n}条问责记录：{args.file}")
    return 0


def run_template(args: argparse.Namespace) -> int:
    from app.services.accountability import write_template

    write_template(args.file)
    print(f"已生成导入模板：{args.file}")
    return 0
