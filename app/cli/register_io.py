"""`dangjian template | import | export`: the register in Excel (see app.services.excel_io)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from app.cli import add_data_dir
from app.cli.common import open_db
from app.errors import ImportReport


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("template", help="生成党员信息导入模板（.xlsx）",
                       description="生成导入模板：单位、党组织、党员三张表（带下拉选项）和填写说明。")
    p.add_argument("file", metavar="FILE.xlsx", type=Path, help="要生成的模板文件")
    p.set_defaults(func=run_template)

    p = sub.add_parser("import", help="从Excel导入单位、党组织、党员",
                       description="先逐行检查，任何一行有问题都不导入，并列出“第几行、哪一列、什么原因”。"
                                   "再次导入同一文件不会重复登记。有问题时退出码为1。")
    p.add_argument("file", metavar="FILE.xlsx", type=Path, help="要导入的Excel文件（.xlsx）")
    p.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入数据库")
    add_data_dir(p)
    p.set_defaults(func=run_import)

    p = sub.add_parser("export", help="把单位、党组织、党员导出到Excel",
                       description="导出的文件与导入模板格式相同，可修改后再导入。身份证号和电话默认打码。")
    p.add_argument("file", metavar="FILE.xlsx", type=Path, help="要写入的Excel文件（已有则替换）")
    p.add_argument("--reveal", action="store_true", help="导出完整的身份证号和电话（个人信息，请妥善保管）")
    add_data_dir(p)
    p.set_defaults(func=run_export)


def run_template(args: argparse.Namespace) -> int:
    from app.services.excel_io import write_template

    path = _xlsx(args.file)
    write_template(path)
    print(f"已生成导入模板：{path}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from app.services.excel_io import import_register

    db = open_db(args)
    try:
        report = import_register(db.session_factory, args.file, dry_run=args.dry_run, progress=progress_printer())
    finally:
        db.close()
    print_report(report, args.dry_run)
    return 0 if report.ok else 1


def progress_printer(step: float = 0.05, every: float = 1.0) -> Callable[[int, int, str], None]:
    """Progress of a long import on stderr: a line at each new stage and at its end, in between every 5% or every
    second, whichever comes first (“正在读取“党员”表：4000/20000行”), so that 20,000 rows do not look like a hang."""
    last: dict[str, float] = {"share": -1.0, "at": 0.0}
    stage = [""]

    def show(done: int, total: int, text: str) -> None:
        text = text.rstrip("…")
        share = done / total if total > 0 else 0.0
        now = time.monotonic()  # elapsed time for pacing only, not the calendar
        if text != stage[0]:
            stage[0], last["share"] = text, -1.0
        elif share - last["share"] < step and now - last["at"] < every and done != total:
            return
        last["share"], last["at"] = share, now
        print(f"{text}：{done}/{total}行" if total > 1 else f"{text}……", file=sys.stderr, flush=True)

    return show


def print_report(report: ImportReport, dry_run: bool) -> None:
    counts = f"新增{report.created}条，更新{report.updated}条，未变{report.unchanged}条"
    for note in report.notes:
        print(f"说明：{note}")
    if report.problems:
        for p in report.problems:
            print(str(p))
        print(f"发现{len(report.problems)}处问题，未导入任何数据。请改正后重新导入。", file=sys.stderr)
    elif dry_run:
        print(f"检查通过（试运行，未写入数据库）：将{counts}。")
    else:
        print(f"导入完成：{counts}。")


def run_export(args: argparse.Namespace) -> int:
    from app.services.excel_io import export_register

    path = _xlsx(args.file)
    db = open_db(args)
    try:
        rows = export_register(db.session_factory, path, reveal=args.reveal)
    finally:
        db.close()
    masked = "（含完整身份证号和电话，请妥善保管）" if args.reveal else "（身份证号、电话已打码）"
    print(f"已导出{rows}行到 {path}{masked}")
    return 0


def _xlsx(path: Path) -> Path:
    """Excel refuses to open a workbook whose name does not end in .xlsx: add it when missing."""
    return path if path.suffix.lower() == ".xlsx" else path.with_name(path.name + ".xlsx")
