"""`dangjian lifemeeting list|template|import|export`: 民主生活会 (and 组织生活会) with 批评意见 and 问题清单.

Exit codes: 0 done; 1 the import found problems (nothing imported); 2 bad input or a known error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli import add_data_dir
from app.cli.common import open_db, print_json

EXIT_FINDINGS = 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lifemeeting", help="民主生活会：列出、导入、导出、生成导入模板",
                       description="民主生活会（党组/班子）和组织生活会的参会班子成员、上级督导、会前征求意见、批评意见"
                                   "（自我批评、相互批评）和问题清单（列入整改台账）。")
    add_data_dir(p)
    inner = p.add_subparsers(title="操作", dest="action", required=True, parser_class=type(p))
    q = inner.add_parser("list", help="列出某年的会议和未召开民主生活会的单位")
    q.add_argument("--year", type=int, help="年度（默认今年）")
    q.add_argument("--json", action="store_true", help="以 JSON 输出")
    q.set_defaults(func=run_list)
    q = inner.add_parser("template", help="生成导入模板（民主生活会、批评意见、问题清单三张表）")
    q.add_argument("file", type=Path, metavar="FILE")
    q.set_defaults(func=run_template)
    q = inner.add_parser("import", help="从 .xlsx 导入（有任何错误则不导入）")
    q.add_argument("file", type=Path, metavar="FILE")
    q.add_argument("--dry-run", action="store_true", help="只检查，不导入")
    q.set_defaults(func=run_import)
    q = inner.add_parser("export", help="导出到 .xlsx（格式同导入模板，问题清单附整改状态）")
    q.add_argument("file", type=Path, metavar="FILE")
    q.add_argument("--year", type=int, help="只导出这一年度（默认全部）")
    q.set_defaults(func=run_export)


def run_list(args: argparse.Namespace) -> int:
    from app import clock
    from app.services.leadership import LeadershipService

    year = args.year or clock.today().year
    db = open_db(args)
    try:
        svc = LeadershipService(db.session_factory)
        views = svc.meetings(year=year)
        units = svc.units()
        findings = [f for f in svc.findings() if f.meeting_id in {v.id for v in views} or f.meeting_id is None]
    finally:
        db.close()
    held = {v.unit_id for v in views if v.kind.value == "民主生活会"}
    missing = [name for uid, name in units if uid not in held]
    if args.json:
        print_json({"year": year, "meetings": [
            {"id": v.id, "unit": v.unit, "kind": v.kind.value, "org": v.org, "held_on": v.held_on.isoformat(),
             "topic": v.topic, "attendees": list(v.attendees), "supervisors": list(v.supervisors),
             "opinions_solicited": v.opinions_solicited, "self_criticisms": v.self_count,
             "mutual_criticisms": v.mutual_count, "problems": len(v.problems), "closed": v.closed_count}
            for v in views], "units_without_meeting": missing,
            "findings": [{"kind": f.key, "message": f.message} for f in findings]})
        return 0
    print(f"{year}年度：{len(views)}次会议；{len(held)}个单位已召开民主生活会，{len(missing)}个未召开")
    for v in views:
        where = f"{v.org} " if v.org else ""
        print(f"  {v.unit} {where}{v.held_on:%Y-%m-%d} {v.kind.value}：自我批评{v.self_count}条，相互批评"
              f"{v.mutual_count}条，问题{len(v.problems)}项（已销号{v.closed_count}项），会前征求意见{v.opinions_solicited}条")
    if missing:
        print("未召开民主生活会：" + "、".join(missing))
    for f in findings:
        print(f"[提醒] {f.message}")
    return 0


def run_template(args: argparse.Namespace) -> int:
    from app.services.leadership_io import write_template

    write_template(args.file)
    print(f"已生成导入模板：{args.file}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from app.services.leadership_io import import_meetings

    db = open_db(args)
    try:
        report = import_meetings(db.session_factory, args.file, dry_run=args.dry_run)
    finally:
        db.close()
    if report.problems:
        print(f"发现{len(report.problems)}处问题，未导入任何记录：", file=sys.stderr)
        for p in report.problems:
            print(f"  {p}", file=sys.stderr)
        return EXIT_FINDINGS
    verb = "检查通过，可导入" if args.dry_run else "已导入"
    print(f"{verb}{report.created}次会议；已存在（未改动）{report.unchanged}次")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from app.services.leadership_io import export_meetings

    db = open_db(args)
    try:
        n = export_meetings(db.session_factory, args.file, year=args.year)
    finally:
        db.close()
    print(f"已导出{n}次会议：{args.file}")
    return 0
