"""`dangjian alerts`, `dangjian compliance` and `dangjian orglife import|template`.

Exit codes: 0 done; 1 the import found problems (nothing imported); 2 bad input or a known error."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

from app import clock
from app.cli import add_data_dir
from app.cli.common import open_db, print_json
from app.dates import cn_date
from app.errors import ValidationError

EXIT_FINDINGS = 1


def register(sub: argparse._SubParsersAction) -> None:
    from app.services.alerts import KIND_LABELS

    p = sub.add_parser("alerts", help="列出今日提醒（支委空缺、换届、会议缺失、预备党员转正等）",
                       description="计算并列出今日的提醒。--json 输出列表，每项为 "
                       '{"kind", "subject", "message", "due"}。')
    add_data_dir(p)
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--kind", choices=list(KIND_LABELS), help="只列出这一类提醒")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="按这一天计算（默认今天）")
    p.set_defaults(func=run_alerts)

    p = sub.add_parser("compliance", help="某月组织生活合规检查（缺开、迟报的会议活动）",
                       description="按规则检查某月应开未开、迟报的会议和活动，即月度考评的建议扣分来源。")
    add_data_dir(p)
    p.add_argument("month", metavar="YYYY-MM", help="月份，如 2026-10")
    p.add_argument("--unit", metavar="单位名称", help="只检查这个单位")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=run_compliance)

    p = sub.add_parser("orglife", help="组织生活记录：从 Excel 导入、生成导入模板")
    add_data_dir(p)
    inner = p.add_subparsers(title="操作", dest="action", required=True, parser_class=type(p))
    q = inner.add_parser("import", help="从 .xlsx 导入组织生活记录（有任何错误则不导入）")
    q.add_argument("file", type=Path, metavar="FILE")
    q.add_argument("--dry-run", action="store_true", help="只检查，不导入")
    q.set_defaults(func=run_import)
    q = inner.add_parser("template", help="生成组织生活记录导入模板")
    q.add_argument("file", type=Path, metavar="FILE")
    q.set_defaults(func=run_template)


def _day(text: str | None) -> dt.date:
    if not text:
        return clock.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"日期格式应为YYYY-MM-DD：{text}", field="date") from None


def run_alerts(args: argparse.Namespace) -> int:
    from app.services.alerts import KIND_LABELS, AlertService, counts

    today = _day(args.date)
    db = open_db(args)
    try:
        alerts = AlertService(db.session_factory, today=lambda: today).alerts()
    finally:
        db.close()
    if args.kind:
        alerts = [a for a in alerts if a.kind == args.kind]
    if args.json:
        print_json([a.as_json() for a in alerts])
        return 0
    print(f"{cn_date(today)}提醒，共{len(alerts)}条")
    for kind, n in counts(alerts).items():
        if n:
            print(f"  {KIND_LABELS[kind]}：{n}")
    for a in alerts:
        due = f"{a.due:%Y-%m-%d}" if a.due else "—"
        flag = "【逾期】" if a.overdue else ""
        print(f"[{KIND_LABELS[a.kind]}] {flag}{a.message}（期限：{due}）")
    return 0


def run_compliance(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from app.models import Unit
    from app.services import compliance as C

    m = re.fullmatch(r"(\d{4})-(\d{1,2})", args.month.strip())
    if m is None or not 1 <= int(m.group(2)) <= 12:
        raise ValidationError(f"月份格式应为YYYY-MM：{args.month}", field="month")
    year, month = int(m.group(1)), int(m.group(2))
    db = open_db(args)
    try:
        with db.session() as s:
            units = None
            if args.unit:
                uid = s.scalar(select(Unit.id).where(Unit.name == args.unit.strip()))
                if uid is None:
                    raise ValidationError(f"没有名为“{args.unit}”的单位", field="unit")
                units = [uid]
            found = C.evaluate(s, year, month, unit_ids=units)
            names = dict(s.execute(select(Unit.id, Unit.name)).all())
    finally:
        db.close()
    if args.json:
        print_json([{"rule": f.rule, "status": f.status, "unit": names.get(f.unit_id, ""), "subject": f.subject,
                     "message": f.message, "source": f.source, "indicator": f.indicator, "points": str(f.points)}
                    for f in found])
        return 0
    print(f"{year}年{month}月组织生活检查：发现{len(found)}项")
    for f in found:
        print(f"{names.get(f.unit_id, '')}  {f.subject}：{f.message}（{'迟报' if f.status == C.LATE else '缺失'}，"
              f"建议扣{f.points}分）")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from app.services.orglife_io import import_orglife

    db = open_db(args)
    try:
        report = import_orglife(db.session_factory, args.file, dry_run=args.dry_run)
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


def run_template(args: argparse.Namespace) -> int:
    from app.services.orglife_io import write_template

    write_template(args.file)
    print(f"已生成导入模板：{args.file}")
    return 0
