"""The `dangjian` command.  With no sub-command it opens the main window.

Each sub-command lives in its own module with a `register(subparsers)` function that adds its parser and sets
`func` (taking the parsed args, returning an exit code).  Known errors print their Chinese message and exit 2."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from app import APP_TITLE, __version__, clock

if TYPE_CHECKING:
    from app.logfile import FirstUseFileHandler

log = logging.getLogger(__name__)

# The commands in the order `dangjian --help` lists them: name, help, and the module whose register(subparsers)
# adds the command's parser.  Only the chosen command's module is imported (with what it needs: documents, Excel,
# the demo data …), so `dangjian --help` and every command start without the others; tests/test_cli_lazy.py checks
# this table against the modules' own parsers.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("gui", "打开主窗口（不带命令时的默认操作）", "app.cli.gui"),
    ("backup", "立即备份数据库", "app.cli.maintenance"),
    ("restore", "列出备份或从备份恢复数据库", "app.cli.maintenance"),
    ("check", "检查数据库（完整性、外键、版本、审计日志保护）", "app.cli.maintenance"),
    ("screenshot", "把主窗口的每个页面离屏渲染为 PNG 图片后退出", "app.cli.screenshot"),
    ("demo", "生成示范县（演示数据）", "app.cli.demo"),
    ("county", "本县名称与发文机关：显示或设置县名、发文机关全称和代字、印发机关、经办人", "app.cli.county"),
    ("template", "生成党员信息导入模板（.xlsx）", "app.cli.register_io"),
    ("import", "从Excel导入单位、党组织、党员", "app.cli.register_io"),
    ("export", "把单位、党组织、党员导出到Excel", "app.cli.register_io"),
    ("alerts", "列出今日提醒（支委空缺、换届、会议缺失、预备党员转正等）", "app.cli.orglife"),
    ("compliance", "某月组织生活合规检查（缺开、迟报的会议活动）", "app.cli.orglife"),
    ("orglife", "组织生活记录：从 Excel 导入、生成导入模板", "app.cli.orglife"),
    ("care", "激励关怀：表彰导入导出、关怀对象名单", "app.cli.care"),
    ("training", "党务干部培训：培训记录导入导出、年度学时名册", "app.cli.training"),
    ("disposal", "不合格党员处置：导入模板、从 Excel 导入、导出、列出案件", "app.cli.disposal"),
    ("study", "理论学习中心组：导入模板、从 Excel 导入、导出、列出各单位完成情况", "app.cli.study"),
    ("ranking", "显示某月考评排名（默认最近一个已锁定的月份）", "app.cli.scoring"),
    ("scores", "生成某月评分模板或导入评分（.xlsx）", "app.cli.scoring"),
    ("collect", "单位填报：下发、收回填报表，查看填报情况，导出催报名单", "app.cli.collect"),
    ("period", "考评期：列出、开始、锁定、重新开放", "app.cli.scoring"),
    ("audit", "审计日志：校验哈希链和当前数据，显示链头", "app.cli.scoring"),
    ("report", "生成通报、考评情况反馈单、约谈通知书和记录、整改台账（Word 文档）", "app.cli.report"),
    ("quarter", "季度分级量化考核：评定、复核、锁定、重新开放、印发通报", "app.cli.annual"),
    ("annual", "年度述职评议考核：结果、复核、锁定、约谈整改、印发通报、测评表", "app.cli.annual"),
    ("packets", "生成年度述职评议考核材料（每单位一份，另有汇总表和压缩包）", "app.cli.annual"),
    ("cadres", "生成党组织书记年度党建工作实绩记实（每人一页 Word）和全县一览表（.xlsx）", "app.cli.cadres"),
    ("accountability", "问责记录：从 Excel 导入、导出、生成导入模板", "app.cli.cadres"),
    ("migrate-db", "把县里的全部数据复制到另一个空数据库（本机文件 ⇄ 数据库服务器）", "app.cli.dbcopy"),
    ("lifemeeting", "民主生活会：列出、导入、导出、生成导入模板", "app.cli.lifemeeting"),
    ("user", "用户账户：添加、修改密码、列出、改角色、停用、启用、删除", "app.cli.accounts"),
)

# Modules that add sub-commands, in the order of COMMANDS (app.cli.accounts last: its register gives every
# command parser there is --user and its name).
COMMAND_MODULES = list(dict.fromkeys(module for _name, _help, module in COMMANDS))


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


def build_parser(load_all: bool = False) -> argparse.ArgumentParser:
    """The `dangjian` parser.  Its commands are placeholders (name and help, enough for `dangjian --help`) until
    one is chosen on the command line: then that command's module adds its real parser (`_LazyCommands`).
    `load_all`: every command's real parser at once (what tests walk to enumerate the commands)."""
    parser = ChineseArgumentParser(prog="dangjian", description=f"{APP_TITLE}（县直机关党建工作考评）")
    parser.add_argument("--version", action="version", version=f"dangjian {__version__}")
    add_data_dir(parser)
    parser.add_argument("--today", metavar="YYYY-MM-DD", type=_day,
                        help="按指定日期运行（演练月底、补看某日的提醒和期限；审计日志仍记真实时间）")
    sub = parser.add_subparsers(title="命令", dest="command", parser_class=ChineseArgumentParser,
                                action=_LazyCommands)
    assert isinstance(sub, _LazyCommands)
    for name, help_text, module in COMMANDS:
        sub.add_placeholder(name, help_text, module)
    if load_all:
        for module in COMMAND_MODULES:
            sub.load(module)
    return parser


class _LazyCommands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """Sub-commands whose parsers are built when chosen: a placeholder per command lists its name and help; when
    the command line names it, its module registers the real parser (with --user and the command's name, as
    app.cli.accounts.prepare_commands gives every command) in the placeholder's place."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.pending: dict[str, str] = {}  # command name → module still to load

    def add_placeholder(self, name: str, help_text: str, module: str) -> None:
        self.add_parser(name, help=help_text)
        self.pending[name] = module

    def load(self, module: str) -> None:
        """Replace the module's placeholders by its real parsers, keeping the order of COMMANDS."""
        names = [n for n, m in self.pending.items() if m == module]
        if not names:
            return
        order = list(self._name_parser_map)
        for name in names:
            del self._name_parser_map[name]
            del self.pending[name]
        self._choices_actions = [a for a in self._choices_actions if a.dest not in names]
        importlib.import_module(module).register(self)
        from app.cli.accounts import prepare_commands

        prepare_commands(self)
        rank = {name: i for i, name in enumerate(order)}
        ordered = sorted(self._name_parser_map.items(), key=lambda item: rank.get(item[0], len(rank)))
        self._name_parser_map.clear()
        self._name_parser_map.update(ordered)
        self._choices_actions.sort(key=lambda a: rank.get(a.dest, len(rank)))

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[object] | None, option_string: str | None = None) -> None:
        name = values[0] if isinstance(values, list) and values else None
        if name in self.pending:
            self.load(self.pending[name])
        super().__call__(parser, namespace, values, option_string)


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
    with _log_file(args) as log_file:
        if args.today is None:
            return _run(func, args, log_file)
        clock.set_today(args.today)
        try:
            return _run(func, args, log_file)
        finally:
            clock.set_today(None)


CLI_LOG_FILE = "dangjian-cli.log"


@contextmanager
def _log_file(args: argparse.Namespace) -> Iterator[FirstUseFileHandler]:
    """The command's log: the data folder's logs/dangjian-cli.log (a private folder in the temporary folder
    when that cannot be written), opened at the first record.  What the services log is for whoever maintains
    the app: it goes to the file, never to the terminal in English."""
    from app.logfile import FirstUseFileHandler, fallback_log_folder
    from app.paths import default_data_dir

    data_dir = Path(args.data_dir).expanduser() if args.data_dir else default_data_dir()
    handler = FirstUseFileHandler([data_dir / "logs", fallback_log_folder()], CLI_LOG_FILE, logging.INFO)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


def _run(func: Callable[[argparse.Namespace], int | None], args: argparse.Namespace,
         log_file: FirstUseFileHandler | None = None) -> int:
    from app.cli.accounts import logged_in_for
    from app.db import set_write_wait_notice

    previous_notice = set_write_wait_notice(_say_waiting)
    try:
        # Every command logs in here once the database has accounts (app.cli.accounts.NO_LOGIN lists the few
        # that need not), so a command added later cannot forget to.
        with logged_in_for(args):
            return int(func(args) or 0)
    except BrokenPipeError:  # before Exception, which it is a kind of
        # Output piped into `head` and closed early: not an error of ours.  Point stdout at devnull so the
        # interpreter's final flush does not raise again.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return 130
    except Exception as exc:
        return _failed(exc, args, log_file)
    finally:
        set_write_wait_notice(previous_notice)


def _say_waiting() -> None:
    from app.failures import WRITE_WAIT_TEXT

    print(WRITE_WAIT_TEXT, file=sys.stderr, flush=True)


def _failed(exc: Exception, args: argparse.Namespace, log_file: FirstUseFileHandler | None) -> int:
    """Say what went wrong in Chinese and return the exit code: 2 for what the user or the machine can put
    right (a known error, a read-only or full disk, a locked or damaged database), 1 for a defect of the
    program: its traceback goes to the log file, and only the file's name to the terminal."""
    from app.failures import keeps_traceback, known_failure

    known = known_failure(exc, _database_of(args))
    if known is None:
        log.error("未处理的异常（程序缺陷）：dangjian %s", getattr(args, "command", None) or "", exc_info=exc)
        where = (f"详细信息已记入日志文件：{log_file.path}" if log_file is not None and log_file.path
                 else "日志文件也无法写入")
        print("错误：程序出现了一个意外错误。这是程序本身的缺陷，不是您的操作有误；本次操作可能没有完成，"
              f"请检查后重试。{where}", file=sys.stderr)
        return 1
    if keeps_traceback(exc, known):
        log.warning("命令未完成：%s", known.message, exc_info=exc)
    print(f"错误：{known}", file=sys.stderr)
    return 2


def _database_of(args: argparse.Namespace) -> str | Path | None:
    """The database the command works on, named in database messages (a URL without its password)."""
    try:
        from app.db import describe_target
        from app.paths import app_paths

        paths = app_paths(args.data_dir, args.database_url)
        return describe_target(paths.database) if paths.uses_server else paths.db_path
    except Exception:  # noqa: BLE001 (only a name for a message: an unreadable setting must not hide the error)
        return None


def gui_main() -> int:
    return main(sys.argv[1:])
