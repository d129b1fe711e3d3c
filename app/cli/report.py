"""`dangjian report …`: the monthly 通报, 考评情况反馈单, 约谈 documents and the 整改台账 from a terminal.

    dangjian report bulletin 2026-10 --out 通报.docx        the month's 通报 (issued with the next 文号 the first
                                                            time; afterwards the issued one is exported again)
    dangjian report bulletin 2026-10 --out X.docx --reissue "理由"   a new 通报 with a new 文号
    dangjian report feedback 2026-10 --out DIR [--combined]  one 反馈单 per unit
    dangjian report interviews 2026-10 --out DIR             约谈通知书 and 约谈记录 (blank forms for candidates);
                                                            2026-Q4 for a quarter's, 2026 for the year's (述职评议)
    dangjian report rectification --out 台账.docx [--unit 名称] [--year 2026]
    dangjian report list [2026]                             the 通报 issued

Exit codes: 0 done; 2 bad input or a known error (a locked output file, a month not locked …)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from app.cli import add_data_dir
from app.cli.common import open_db
from app.db import Database
from app.errors import NotFoundError, ValidationError
from app.services.bulletin import BulletinService
from app.services.interview import InterviewService, parse_period
from app.services.office import export_pdf
from app.services.rectification import RectificationService
from app.services.register import RegisterService
from app.services.scoring import parse_month


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="生成通报、考评情况反馈单、约谈通知书和记录、整改台账（Word 文档）",
                       description="生成符合党政机关公文格式的文档。文件写入时先写临时文件再替换，"
                                   "目标文件正被 Word/WPS 打开时报错且不改动原文件。")
    add_data_dir(p)
    kinds = p.add_subparsers(title="文档", dest="kind", required=True)

    b = kinds.add_parser("bulletin", help="月度考评情况通报（红头文件）")
    add_data_dir(b)
    b.add_argument("month", metavar="YYYY-MM")
    b.add_argument("--out", required=True, type=Path, metavar="FILE.docx", help="输出文件（或文件夹）")
    b.add_argument("--reissue", metavar="理由", default="", help="本月已印发时重新印发（新文号），须说明理由")
    b.add_argument("--date", metavar="YYYY-MM-DD", help="成文日期（默认今天）")
    b.add_argument("--number", type=int, metavar="N", help="发文序号（默认本年下一个）")
    b.add_argument("--pdf", action="store_true", help="同时导出 PDF（需要 LibreOffice）")
    b.set_defaults(func=run_bulletin)

    f = kinds.add_parser("feedback", help="考评情况反馈单（每个单位一份）")
    add_data_dir(f)
    f.add_argument("month", metavar="YYYY-MM")
    f.add_argument("--out", required=True, type=Path, metavar="DIR", help="输出文件夹")
    f.add_argument("--combined", action="store_true", help="另生成一份包含全部单位的打印本")
    f.add_argument("--date", metavar="YYYY-MM-DD", help="落款日期（默认今天）")
    f.set_defaults(func=run_feedback)

    i = kinds.add_parser("interviews", help="约谈通知书和约谈记录（月度、季度或年度）")
    add_data_dir(i)
    i.add_argument("period", metavar="YYYY-MM|YYYY-Qn|YYYY",
                   help="考评期：月份如2026-11，季度如2026-Q4，年度（述职评议）如2026")
    i.add_argument("--out", required=True, type=Path, metavar="DIR", help="输出文件夹")
    i.set_defaults(func=run_interviews)

    r = kinds.add_parser("rectification", help="整改台账")
    add_data_dir(r)
    r.add_argument("--out", required=True, type=Path, metavar="FILE.docx", help="输出文件（或文件夹）")
    r.add_argument("--unit", metavar="单位名称", help="只列一个单位")
    r.add_argument("--year", type=int, metavar="YYYY", help="只列某年的整改")
    r.add_argument("--as-of", metavar="YYYY-MM-DD", help="统计截止日期（默认今天；逾期按此日判断）")
    r.set_defaults(func=run_rectification)

    ls = kinds.add_parser("list", help="列出已印发的通报")
    add_data_dir(ls)
    ls.add_argument("year", nargs="?", type=int, metavar="YYYY")
    ls.set_defaults(func=run_list)


def output_path(out: Path, default_name: str) -> Path:
    """`--out` names a file when it ends in .docx, else a folder to put the default file name in."""
    return out if out.suffix.lower() == ".docx" and not out.is_dir() else out / default_name


def _date(text: str | None, label: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f"{label}“{text}”格式不对，应为YYYY-MM-DD，例如2026-11-05", field=label) from None


def run_bulletin(args: argparse.Namespace) -> int:
    year, month = parse_month(args.month)
    issued_on = _date(args.date, "成文日期")
    db = open_db(args)
    try:
        service = BulletinService(db.session_factory)
        current = service.current_for(year, month)
        if current is not None and not args.reissue:
            view = current
            print(f"{year}年{month}月已印发通报{view.doc_number}（{view.issued_on:%Y-%m-%d}），导出其存档文件；"
                  f"如需重新印发，请加 --reissue \"理由\"")
        else:
            view = service.issue(year, month, issued_on=issued_on, sequence=args.number, reason=args.reissue)
            print(f"已印发{view.title}，文号{view.doc_number}")
        path = service.export(view.id, output_path(args.out, view.file_name))
    finally:
        db.close()
    print(f"已保存：{path}")
    if args.pdf:
        print(f"已导出 PDF：{export_pdf(path)}")
    return 0


def run_feedback(args: argparse.Namespace) -> int:
    year, month = parse_month(args.month)
    issued_on = _date(args.date, "落款日期")
    db = open_db(args)
    try:
        paths = BulletinService(db.session_factory).write_feedback(year, month, args.out, combined=args.combined,
                                                                   issued_on=issued_on)
    finally:
        db.close()
    print(f"已生成{year}年{month}月考评情况反馈单{len(paths)}份，保存在：{args.out}")
    return 0


def run_interviews(args: argparse.Namespace) -> int:
    key = parse_period(args.period)
    db = open_db(args)
    try:
        service = InterviewService(db.session_factory)
        title = service.period(key).title
        written = service.write_period_documents(key, args.out)
    finally:
        db.close()
    print(f"已生成{title}约谈文书{len(written.paths)}份，保存在：{args.out}")
    if written.blank_units:
        print(f"尚未建立约谈的单位（已生成空白通知书和记录，需手工填写）：{'、'.join(written.blank_units)}")
    for warning in written.warnings:
        print(f"警告：{warning}", file=sys.stderr)
    return 0


def _unit_id(db: Database, name: str | None) -> int | None:
    if not name:
        return None
    for unit_id, unit in RegisterService(db.session_factory).units():
        if unit == name.strip():
            return unit_id
    raise NotFoundError(f"没有名为“{name}”的单位")


def run_rectification(args: argparse.Namespace) -> int:
    as_of = _date(args.as_of, "截止日期")
    db = open_db(args)
    try:
        path = RectificationService(db.session_factory).write_ledger(
            args.out, unit_id=_unit_id(db, args.unit), year=args.year, as_of=as_of)
    finally:
        db.close()
    print(f"已生成整改台账：{path}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        views = BulletinService(db.session_factory).bulletins(year=args.year)
    finally:
        db.close()
    if not views:
        print("还没有印发通报")
        return 0
    for v in views:
        print(f"{v.doc_number}  {v.period_title}  成文{v.issued_on:%Y-%m-%d}  {v.issued_by or '—'}  {v.status}"
              f"  审计链第{v.audit_seq}条 {v.audit_hash[:16]}")
    return 0
