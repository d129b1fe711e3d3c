"""`dangjian care template|import|export|list`: 表彰 in Excel, and the 关怀对象 list.

The 关怀对象 list and export never show the circumstances, except `export --reveal` for a user whose role may
export them (管理员); that export is recorded in the audit trail.

Exit codes: 0 done; 1 the import found problems (nothing imported); 2 bad input or a known error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli import add_data_dir
from app.cli.common import open_db, print_json

EXIT_FINDINGS = 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("care", help="激励关怀：表彰导入导出、关怀对象名单",
                       description="表彰记录的导入模板、导入、导出，关怀对象名单的列出和导出（个人情况默认不导出）。")
    add_data_dir(p)
    inner = p.add_subparsers(title="操作", dest="action", required=True, parser_class=type(p))
    q = inner.add_parser("template", help="生成表彰导入模板")
    q.add_argument("file", type=Path, metavar="FILE")
    q.set_defaults(func=run_template)
    q = inner.add_parser("import", help="从 .xlsx 导入表彰（有任何错误则不导入）")
    q.add_argument("file", type=Path, metavar="FILE")
    q.add_argument("--dry-run", action="store_true", help="只检查，不导入")
    q.set_defaults(func=run_import)
    q = inner.add_parser("export", help="导出表彰或关怀对象名单到 .xlsx")
    q.add_argument("what", choices=["honors", "subjects"], help="honors：表彰；subjects：关怀对象")
    q.add_argument("file", type=Path, metavar="FILE")
    q.add_argument("--year", type=int, help="只导出这一年的表彰")
    q.add_argument("--all", action="store_true", help="关怀对象：含已结束关怀的")
    q.add_argument("--reveal", action="store_true", help="关怀对象：含个人情况（仅管理员，记入审计日志）")
    q.set_defaults(func=run_export)
    q = inner.add_parser("list", help="列出关怀对象（不含个人情况）或表彰")
    q.add_argument("what", nargs="?", choices=["subjects", "honors"], default="subjects")
    q.add_argument("--year", type=int, help="只列出这一年的表彰")
    q.add_argument("--json", action="store_true", help="以 JSON 输出")
    q.set_defaults(func=run_list)


def run_template(args: argparse.Namespace) -> int:
    from app.services.care_io import write_honor_template

    write_honor_template(args.file)
    print(f"已生成表彰导入模板：{args.file}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from app.services.care_io import import_honors

    db = open_db(args)
    try:
        report = import_honors(db.session_factory, args.file, dry_run=args.dry_run)
    finally:
        db.close()
    if report.problems:
        print(f"发现{len(report.problems)}处问题，未导入任何表彰：", file=sys.stderr)
        for p in report.problems:
            print(f"  {p}", file=sys.stderr)
        return EXIT_FINDINGS
    verb = "检查通过，可导入" if args.dry_run else "已导入"
    print(f"{verb}{report.created}条表彰；已存在（未改动）{report.unchanged}条")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from app.services.care_io import export_honors, export_subjects

    db = open_db(args)
    try:
        if args.what == "honors":
            n = export_honors(db.session_factory, args.file, args.year)
            print(f"已导出{n}条表彰：{args.file}")
        else:
            n = export_subjects(db.session_factory, args.file, reveal=args.reveal, include_ended=args.all)
            what = "（含个人情况，已记入审计日志）" if args.reveal else "（不含个人情况）"
            print(f"已导出{n}名关怀对象{what}：{args.file}")
    finally:
        db.close()
    return 0


def run_list(args: argparse.Namespace) -> int:
    from app.services.care import CareService

    db = open_db(args)
    try:
        svc = CareService(db.session_factory)
        if args.what == "honors":
            honors = svc.honor_rows(year=args.year)
            if args.json:
                print_json([{"kind": h.kind.label, "name": h.name, "unit": h.unit, "level": h.level,
                             "awarded_on": h.awarded_on.isoformat(), "awarded_by": h.awarded_by,
                             "doc_number": h.doc_number} for h in honors])
                return 0
            print(f"表彰共{len(honors)}条")
            for h in honors:
                print(f"{h.awarded_on:%Y-%m-%d}  {h.kind.label}  {h.name}（{h.unit}）  {h.level}  {h.awarded_by}"
                      f"{'  ' + h.doc_number if h.doc_number else ''}")
            return 0
        rows = svc.subject_rows()
    finally:
        db.close()
    if args.json:
        print_json([{"name": r.name, "unit": r.unit, "org": r.org, "since": r.since.isoformat(), "visits": r.visits,
                     "last_visit": r.last_visit.isoformat() if r.last_visit else None,
                     "due": r.due.isoformat() if r.due else None, "overdue": r.overdue} for r in rows])
        return 0
    print(f"关怀对象共{len(rows)}名（个人情况不显示）")
    for r in rows:
        last = f"最近走访{r.last_visit:%Y-%m-%d}" if r.last_visit else "尚未走访"
        flag = "【逾期未走访】" if r.overdue else ""
        print(f"{flag}{r.name}（{r.unit}）  列为关怀对象{r.since:%Y-%m-%d}  走访{r.visits}次，{last}")
    return 0
