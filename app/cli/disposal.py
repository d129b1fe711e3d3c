"""`dangjian disposal template|import|export|list`: 不合格党员处置 in Excel and as a list.

Exit codes: 0 done; 1 the import found problems (nothing imported); 2 bad input or a known error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli import add_data_dir
from app.cli.common import open_db, print_json
from app.db import Database
from app.errors import ValidationError

EXIT_FINDINGS = 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("disposal", help="不合格党员处置：导入模板、从 Excel 导入、导出、列出案件",
                       description="不合格党员处置、失联党员、停止党籍案件：每行一个事项（启动处置或一个步骤），按发生先后填写。")
    add_data_dir(p)
    inner = p.add_subparsers(title="操作", dest="action", required=True, parser_class=type(p))
    q = inner.add_parser("template", help="生成党员处置导入模板")
    q.add_argument("file", type=Path, metavar="FILE")
    q.set_defaults(func=run_template)
    q = inner.add_parser("import", help="从 .xlsx 导入党员处置记录（有任何错误则不导入）")
    q.add_argument("file", type=Path, metavar="FILE")
    q.add_argument("--dry-run", action="store_true", help="只检查，不导入")
    q.set_defaults(func=run_import)
    q = inner.add_parser("export", help="把党员处置案件导出到 .xlsx（可再导入）")
    q.add_argument("file", type=Path, metavar="FILE")
    q.add_argument("--unit", metavar="单位名称", help="只导出这个单位")
    q.set_defaults(func=run_export)
    q = inner.add_parser("list", help="列出处置案件和待处置党员")
    q.add_argument("--open", action="store_true", help="只列出未结案的案件")
    q.add_argument("--unit", metavar="单位名称", help="只列出这个单位")
    q.add_argument("--json", action="store_true", help="以 JSON 输出")
    q.set_defaults(func=run_list)


def _unit_id(db: Database, name: str | None) -> int | None:
    if not name:
        return None
    from sqlalchemy import select

    from app.models import Unit

    with db.session() as s:
        uid = s.scalar(select(Unit.id).where(Unit.name == name.strip()))
    if uid is None:
        raise ValidationError(f"没有名为“{name}”的单位", field="unit")
    return int(uid)


def run_template(args: argparse.Namespace) -> int:
    from app.services.disposal_io import write_template

    write_template(args.file)
    print(f"已生成导入模板：{args.file}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from app.services.disposal_io import import_disposal

    db = open_db(args)
    try:
        report = import_disposal(db.session_factory, args.file, dry_run=args.dry_run)
    finally:
        db.close()
    if report.problems:
        print(f"发现{len(report.problems)}处问题，未导入任何记录：", file=sys.stderr)
        for p in report.problems:
            print(f"  {p}", file=sys.stderr)
        return EXIT_FINDINGS
    verb = "检查通过，可导入" if args.dry_run else "已导入"
    print(f"{verb}{report.created}条，补登批准{report.updated}条；已存在（未改动）{report.unchanged}条")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from app.services.disposal_io import export_disposal

    db = open_db(args)
    try:
        n = export_disposal(db.session_factory, args.file, _unit_id(db, args.unit))
    finally:
        db.close()
    print(f"已导出{n}个处置案件：{args.file}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from app.services.disposal import DisposalService

    db = open_db(args)
    try:
        unit = _unit_id(db, args.unit)
        svc = DisposalService(db.session_factory)
        pending = svc.candidates(unit)
        cases = svc.cases(unit, open_only=args.open)
    finally:
        db.close()
    if args.json:
        print_json({
            "pending": [{"name": c.name, "org": c.org_name, "unit": c.unit_name, "appraised_on": c.appraised_on.isoformat()}
                        for c in pending],
            "cases": [{"id": r.id, "name": r.name, "org": r.org_name, "unit": r.unit_name, "kind": r.kind.label,
                       "opened_on": r.opened_on.isoformat(), "stage": r.stage,
                       "deadline": r.deadline.isoformat() if r.deadline else None, "outcome": r.outcome,
                       "closed_on": r.closed_on.isoformat() if r.closed_on else None} for r in cases],
        })
        return 0
    print(f"民主评议为不合格、尚未启动处置：{len(pending)}人")
    for c in pending:
        print(f"  {c.unit_name}  {c.org_name}  {c.name}（{c.appraised_on:%Y-%m-%d}评议）")
    print(f"处置案件：{len(cases)}件")
    for r in cases:
        end = f"，{r.outcome}（{r.closed_on:%Y-%m-%d}）" if r.closed_on else ""
        limit = f"，改正期限{r.deadline:%Y-%m-%d}" if r.deadline else ""
        print(f"  [{r.kind.label}] {r.unit_name}  {r.name}：{r.stage}{limit}{end}")
    return 0
