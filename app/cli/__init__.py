"""The `dangjian` command.  With no sub-command it opens the main window.

Each sub-command lives in its own module with a `register(subparsers)` function that adds its parser and sets
`func` (taking the parsed args, returning an exit code).  Known errors print their Chinese message and exit 2."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from app import APP_TITLE, __version__, clock
from app.errors import DangjianError

log = logging.getLogger(__name__)

# Modules that add sub-commands; each has register(subparsers).
COMMAND_MODULES = [
    "app.cli.gui",
    "app.cli.maintenance",
    "app.cli.screenshot",
    "app.cli.demo",
    "app.cli.register_io",
    "app.cli.orglife",
    "app.cli.scoring",
    "app.cli.report",
    "app.cli.annual",
    "app.cli.dbcopy",
    "app.cli.accounts",
]


# argparse's own words (it has no Chinese catalogue of its own).
_ARGPARSE_WORDS = {
    "usage: ": "用法：",
    "options:": "选项：",
    "positional arguments:": "位置参数：",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示程序版本并退出",
    "unrecognized arguments:": "无法识别的参数：",
    "the following arguments are required:": "缺少必需的参数：",
    "invalid choice:": "无效的选项：",
    "choose from": "可选",
    "expected one argument": "需要一个值",
    "invalid int value:": "不是有效的整数：",
    "argument ": "参数 ",
}


def _chinese(text: str) -> str:
    for en, zh in _ARGPARSE_WORDS.items():
        text = text.replace(en, zh)
    return text


class ChineseArgumentParser(argparse.ArgumentParser):
    def format_usage(self) -> str:
        return _chinese(super().format_usage())

    def format_help(self) -> str:
        return _chinese(super().format_help())

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：参数错误：{_chinese(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(prog="dangjian", description=f"{APP_TITLE}（县直机关党建工作考评）")
    parser.add_argument("--version", action="version", version=f"dangjian {__version__}")
    add_data_dir(parser)
    parser.add_argument("--today", metavar="YYYY-MM-DD", type=_day,
                        help="按指定日期运行（演练月底、补看某日的提醒和期限；审计日志仍记真实时间）")
    sub = parser.add_subparsers(title="命令", dest="command", parser_class=ChineseArgumentParser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为YYYY-MM-DD，如2026-12-31：{text}") from None


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    """--data-dir and --database-url, accepted before the command and after it."""
    parser.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS,
                        help="数据目录（默认为本用户的应用数据目录）")
    parser.add_argument("--database-url", metavar="URL", default=argparse.SUPPRESS,
                        help="使用数据库服务器，如 postgresql://用户名@服务器:5432/数据库名（优先于环境变量 "
                        "DANGJIAN_DATABASE_URL 和设置页保存的连接；地址中的密码只用于本次运行，不会保存）")


def warn_password_in_url(value: str | None, option: str) -> None:
    """A password written into an address on the command line can be read by every user of the machine (the
    process list) and stays in the shell's history: say so on one line, and go on with it."""
    try:
        has_password = bool(value and "://" in value and urlsplit(value).password)
    except ValueError:
        return  # not an address at all: its own error comes when it is used
    if has_password:
        print(f"警告：{option} 的地址中含有密码，本机其他用户可从进程列表和命令历史中看到它；建议改用环境变量 "
              "PGPASSWORD 或 ~/.pgpass 文件，或在地址中不写密码、连接时按提示输入。", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "data_dir", None):
        args.data_dir = None
    if not getattr(args, "database_url", None):
        args.database_url = None
    warn_password_in_url(args.database_url, "--database-url")
    func = getattr(args, "func", None)
    if func is None:
        from app.cli.gui import run_gui

        func = run_gui
    if args.today is None:
        return _run(func, args)
    clock.set_today(args.today)
    try:
        return _run(func, args)
    finally:
        clock.set_today(None)


def _run(func: Callable[[argparse.Namespace], int | None], args: argparse.Namespace) -> int:
    from app.cli.accounts import logged_in_for

    try:
        # Every command logs in here once the database has accounts (app.cli.accounts.NO_LOGIN lists the few
        # that need not), so a command added later cannot forget to.
        with logged_in_for(args):
            return int(func(args) or 0)
    except DangjianError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # before Exception, which it is a kind of
        # Output piped into `head` and closed early: not an error of ours.  Point stdout at devnull so the
        # interpreter's final flush does not raise again.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        known = _connection_problem(exc)
        if known is None:
            raise
        print(f"错误：{known}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return 130


def _connection_problem(exc: BaseException) -> DangjianError | None:
    """A database server that could not be reached or went away is the user's message, not a traceback."""
    from app.db import connection_problem

    return connection_problem(exc)


def gui_main() -> int:
    return main(sys.argv[1:])
