"""`dangjian collect send|receive|status|remind`: the monthly 单位填报 round, offline (app.services.collection).

Exit codes: 0 done; 1 some returned files were refused or had problems (the others were taken); 2 bad input or a
known error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli import add_data_dir
from app.cli.common import open_db, print_json

if TYPE_CHECKING:
    from app.services.collection import ReceiveResult

EXIT_FINDINGS = 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("collect", help="单位填报：下发、收回填报表，查看填报情况，导出催报名单",
                       description="每月向各单位下发带防伪签名的填报表（自评、组织生活、整改进展），"
                                   "收回后逐个文件检查导入（每个文件要么全部导入、要么全部不导入）。")
    add_data_dir(p)
    inner = p.add_subparsers(title="操作", dest="action", required=True, parser_class=type(p))
    q = inner.add_parser("send", help="为每个单位生成本月填报表（.xlsx，文件名为单位名称和月份）")
    q.add_argument("month", metavar="YYYY-MM", help="考评月份，如 2026-12")
    q.add_argument("--out", type=Path, required=True, metavar="DIR", help="保存填报表的文件夹")
    q.add_argument("--unit", action="append", metavar="单位名称", help="只给这个单位下发（可重复）")
    q.set_defaults(func=run)
    q = inner.add_parser("receive", help="读取各单位报回的填报表（文件夹或文件）")
    q.add_argument("month", metavar="YYYY-MM", help="考评月份")
    q.add_argument("sources", type=Path, nargs="+", metavar="DIR_OR_FILE", help="报回的文件夹或 .xlsx 文件")
    q.set_defaults(func=run)
    q = inner.add_parser("status", help="各单位本月填报情况（未下发、已下发、已收回、有误、逾期）")
    q.add_argument("month", metavar="YYYY-MM", help="考评月份")
    q.add_argument("--json", action="store_true", help="以 JSON 输出")
    q.set_defaults(func=run)
    q = inner.add_parser("remind", help="导出催报名单（.xlsx：尚未报回或有误的单位及联系人）")
    q.add_argument("month", metavar="YYYY-MM", help="考评月份")
    q.add_argument("--out", type=Path, required=True, metavar="FILE_OR_DIR", help="保存的文件或文件夹")
    q.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from app.services import collection as C
    from app.services.scoring import parse_month

    year, month = parse_month(args.month)
    db = open_db(args)
    try:
        service = C.CollectionService(db.session_factory)
        if args.action == "send":
            units = None
            if args.unit:
                board = {r.unit: r.unit_id for r in service.board(year, month)}
                unknown = [u for u in args.unit if u not in board]
                if unknown:
                    print(f"错误：没有这些单位：{'、'.join(unknown)}", file=sys.stderr)
                    return 2
                units = [board[u] for u in args.unit]
            sent = service.send(year, month, args.out, units)
            print(f"已生成{year}年{month}月填报表{len(sent.files)}份：{args.out}（报送截止{sent.deadline:%Y-%m-%d}）")
            return 0
        if args.action == "receive":
            return _received(service.receive(year, month, args.sources))
        if args.action == "remind":
            path = service.write_reminders(year, month, args.out)
            print(f"已导出催报名单：{path}")
            return 0
        rows = service.board(year, month)
    finally:
        db.close()
    if args.json:
        print_json([{"unit": r.unit, "state": r.state, "deadline": r.deadline.isoformat() if r.deadline else None,
                     "sent": r.sent_on.isoformat() if r.sent_on else None, "received":
                     r.received_on.isoformat() if r.received_on else None, "file": r.received_file or r.sent_file,
                     "reasons": list(r.reasons)} for r in rows])
        return 0
    deadline = rows[0].deadline if rows else None
    print(f"{year}年{month}月单位填报" + (f"（报送截止{deadline:%Y-%m-%d}）" if deadline else "（尚未下发）"))
    counts = {s: sum(1 for r in rows if r.state == s) for s in C.STATES}
    print("  ".join(f"{s}{n}个" for s, n in counts.items() if n))
    for r in rows:
        when = f"{r.received_on:%Y-%m-%d}收回 {r.received_file}" if r.received_on else (
            f"{r.sent_on:%Y-%m-%d}下发" if r.sent_on else "")
        print(f"  {r.unit}  {r.state}  {when}")
        for reason in r.reasons:
            print(f"      {reason}")
    return 0


def _received(result: ReceiveResult) -> int:
    from app.services import collection as coll

    for f in result.files:
        unit = f"（{f.unit}）" if f.unit else ""
        print(f"{f.outcome}  {f.file}{unit}" + (f"：{f.counts}" if f.counts else ""))
        for reason in f.reasons:
            print(f"    {reason}")
    taken, same = result.count(coll.TAKEN), result.count(coll.UNCHANGED)
    bad = result.count(coll.BAD_ROWS) + result.count(coll.REFUSED)
    print(f"共{len(result.files)}个文件：收回{taken}个，未更改{same}个，有误或拒收{bad}个")
    return EXIT_FINDINGS if bad else 0
