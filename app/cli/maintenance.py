"""`dangjian backup`, `dangjian restore` and `dangjian check`: looking after the county database.

Exit codes: 0 done / nothing found; 1 `check` found problems; 2 bad input or a known error (printed in Chinese).
The database modules are imported when a command runs, not when the parser is built (every `dangjian` call
builds all sub-parsers)."""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.cli import add_data_dir
from app.errors import BackupError
from app.paths import AppPaths, app_paths

EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="立即备份数据库", description="立即备份数据库：本机数据库文件用 SQLite 在线备份接口，"
                       "数据库服务器上的数据库用 pg_dump（须安装 PostgreSQL 客户端工具）。检查备份完整后按"
                       "“保留最近备份份数”设置清理旧备份，并打印备份文件路径。")
    add_data_dir(p)
    p.set_defaults(func=run_backup)

    p = sub.add_parser("restore", help="列出备份或从备份恢复数据库",
                       description="从备份恢复数据库。恢复前先备份当前数据库（已损坏的则原样另存），"
                       "损坏的备份会被拒绝，当前数据库保持不变。恢复时须关闭主窗口。"
                       "数据库在服务器上时，用 pg_restore 在一个事务中恢复 .dump 备份（先用 pg_dump 备份当前数据库）。")
    add_data_dir(p)
    p.add_argument("file", nargs="?", metavar="FILE",
                   help="要恢复的备份：文件路径、备份目录中的文件名，或 --list 显示的序号")
    p.add_argument("--latest", action="store_true", help="恢复最近一份完好的备份")
    p.add_argument("--list", action="store_true", help="列出备份（时间、大小、原因），不做恢复")
    p.add_argument("--verify", action="store_true", help="与 --list 一起使用：逐个检查备份是否完好"
                   "（能打开、通过完整性检查、审计日志保护触发器齐全、审计链核验通过）")
    p.add_argument("--force", action="store_true",
                   help="备份中的党员、评分记录或审计记录比当前数据库少时也直接恢复，不再询问")
    p.set_defaults(func=run_restore)

    p = sub.add_parser("check", help="检查数据库（完整性、外键、版本、审计日志保护）",
                       description="只读检查数据库：PRAGMA integrity_check、foreign_key_check，数据库版本"
                       "是否与本程序一致，以及审计日志防止修改、删除的触发器是否齐全。空的（0 字节）数据库文件"
                       "视为已损坏。发现任何问题时以非零状态退出。")
    add_data_dir(p)
    p.set_defaults(func=run_check)


def _paths(args: argparse.Namespace) -> AppPaths:
    """The command's data directory and database; for a server, with the password that logs in (the keyring's,
    or asked on the terminal): pg_dump and pg_restore need it as much as the app's own connections do."""
    paths = app_paths(getattr(args, "data_dir", None), getattr(args, "database_url", None))
    if not paths.uses_server:
        return paths
    from app.cli.common import logged_in_paths

    return logged_in_paths(args)


def _require_database(paths: AppPaths) -> bool:
    from app.db import empty_database_message, is_empty_database_file

    if paths.uses_server:
        return True  # a server is reached when the command runs; a wrong address gets its own message
    if is_empty_database_file(paths.db_path):
        print(f"错误：{empty_database_message(paths.db_path)}", file=sys.stderr)
        return False
    if paths.db_path.is_file():
        return True
    print(f"错误：数据目录中没有数据库：{paths.db_path}", file=sys.stderr)
    return False


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, width: int, *, right: bool = False) -> str:
    """Pad to a terminal width, counting Chinese characters as two columns."""
    fill = " " * max(0, width - _width(s))
    return fill + s if right else s + fill


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{max(1, round(n / 1024))} KB"


# --- backup ----------------------------------------------------------------------------------------------------

def run_backup(args: argparse.Namespace) -> int:
    from app.services import backup

    paths = _paths(args)
    if not _require_database(paths):
        return EXIT_BAD_INPUT
    if paths.uses_server:
        return _backup_server(args, paths)
    keep = backup.configured_keep(paths.db_path)
    target = backup.make_backup(paths.db_path, paths.backup_dir, reason="manual", keep=keep,
                                anchor_file=_anchor_file(paths))
    _record(args, paths, lambda sf: _accounts().record_backup(sf, target.name, "manual"))
    print(f"已备份：{target}（{_size(target.stat().st_size)}，保留最近 {keep} 份）")
    return 0


def _backup_server(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.db import describe_target, server_engine
    from app.services import backup

    keep = backup.configured_keep(paths.database)
    with server_engine(paths.database) as engine:
        target = backup.make_backup(engine, paths.ensure().backup_dir, reason="manual", keep=keep,
                                    anchor_file=_anchor_file(paths))
    _record(args, paths, lambda sf: _accounts().record_backup(sf, target.name, "manual"))
    print(f"已用 pg_dump 备份服务器数据库 {describe_target(paths.database)} 到 {target}"
          f"（{_size(target.stat().st_size)}，保留最近 {keep} 份；恢复：dangjian restore {target.name}）")
    return 0


def _anchor_file(paths: AppPaths) -> Any:
    """The data folder's anchor file (app.services.anchors); a line it cannot write is a warning here."""
    from app.services.anchors import AnchorFile

    return AnchorFile(paths.anchor_path, warn=lambda message: print(f"警告：{message}", file=sys.stderr))


def _accounts() -> Any:
    from app.services import accounts

    return accounts


def _record(args: argparse.Namespace, paths: AppPaths, write: Callable[[Any], None]) -> None:
    """Put a backup or restore in the audit trail, as the user the command runs as."""
    from app.cli.common import open_db

    db = open_db(args, paths)
    try:
        write(db.session_factory)
    finally:
        db.close()


# --- restore ---------------------------------------------------------------------------------------------------

def run_restore(args: argparse.Namespace) -> int:
    from app.services import backup

    if args.list:
        return _run_list(args)
    if args.verify:
        print("错误：--verify 只能与 --list 一起使用", file=sys.stderr)
        return EXIT_BAD_INPUT
    if bool(args.file) == bool(args.latest):
        print("错误：请指定一个备份文件（或 --list 中的序号），或使用 --latest；用 --list 查看备份",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    paths = _paths(args)
    if paths.uses_server:
        return _restore_server(args, paths)
    from app.cli.accounts import require_for_file
    from app.services.accounts import Permission

    require_for_file(args, paths.db_path, Permission.RESTORE)  # once accounts exist: administrators only
    keep = backup.configured_keep(paths.db_path) if paths.db_path.is_file() else backup.DEFAULT_KEEP
    if args.latest:
        best, skipped = backup.newest_good_backup(paths.backup_dir)
        _print_skipped(skipped)
        if best is None:
            raise BackupError(f"备份目录中没有可用的完好备份：{paths.backup_dir}")
        chosen = best.path
    else:
        chosen = _resolve_backup(args.file, paths.backup_dir)
        _refuse_unsound(chosen)  # before any question about what it would lose
    if not _confirm_loss(args, chosen, backup.compare_with_current(chosen, paths.db_path)):
        return EXIT_BAD_INPUT
    result = backup.restore_backup(chosen, paths.db_path, paths.backup_dir, keep=keep,
                                   anchor_file=_anchor_file(paths))
    _record(args, paths, lambda sf: _accounts().record_restore(sf, Path(result.restored_from).name))
    print(f"已从备份恢复：{result.restored_from}")
    if result.safety_backup:
        print(f"恢复前的数据库已备份为：{result.safety_backup}")
    if result.damaged_copy:
        print(f"原数据库已损坏，已原样另存为：{result.damaged_copy}")
    return 0


def _print_skipped(skipped: list[tuple[Any, str]]) -> None:
    if not skipped:
        return
    print(f"已跳过 {len(skipped)} 份不完好的较新备份：")
    for info, why in skipped:
        print(f"  {info.path.name}（{info.taken_at:%Y-%m-%d %H:%M:%S}，{info.reason_label}）：{why}")


def _refuse_unsound(chosen: Path) -> None:
    from app.services import backup

    problems = backup.backup_problems(chosen)
    if problems:
        raise BackupError("无法恢复：" + "；".join(problems) + "。当前数据库未改动")


def _confirm_loss(args: argparse.Namespace, chosen: Path, comparison: Any) -> bool:
    """When the current database holds more members, score items or audit entries than the backup
    (`comparison`, app.services.backup.RestoreComparison), show the numbers and go on only with --force or a
    typed confirmation (never silently on a terminal-less run)."""
    if comparison is None or not comparison.loses_data:
        return True
    print(f"注意：当前数据库中的数据比备份 {chosen.name} 多，恢复后多出的部分将被替换掉"
          "（恢复前会先备份当前数据库）：")
    for line in comparison.lines():
        print(f"  {line}")
    if args.force:
        return True
    if not sys.stdin.isatty():
        print("错误：未恢复。确认要用这份备份替换当前数据库时，请加 --force 再运行。", file=sys.stderr)
        return False
    answer = input("确定用这份备份替换当前数据库吗？输入“是”确认，其他任意内容取消：").strip()
    if answer in ("是", "y", "Y", "yes"):
        return True
    print("已取消，数据库未改动。")
    return False


def _run_list(args: argparse.Namespace) -> int:
    if args.file or args.latest:
        print("错误：--list 不能与 FILE 或 --latest 同时使用", file=sys.stderr)
        return EXIT_BAD_INPUT
    # Only the backup folder is read: no database, no password.
    paths = app_paths(getattr(args, "data_dir", None), getattr(args, "database_url", None))
    return _print_list(paths.backup_dir, verify=args.verify)


def _restore_server(args: argparse.Namespace, paths: AppPaths) -> int:
    """A pg_dump backup back onto the configured server database (pg_restore, one transaction)."""
    from app.db import database_target, describe_target
    from app.services import backup

    url = database_target(paths.database)
    assert not isinstance(url, Path)
    if args.latest:
        best, skipped = backup.newest_good_backup(paths.backup_dir, server=True)
        _print_skipped(skipped)
        if best is None:
            raise BackupError(f"备份目录中没有可用的服务器数据库备份（.dump）：{paths.backup_dir}")
        chosen = best.path
    else:
        chosen = _resolve_backup(args.file, paths.backup_dir)
        _refuse_unsound(chosen)
    _require_restore_on_server(args, url)
    if not _confirm_loss(args, chosen, backup.compare_with_server(chosen, url)):
        return EXIT_BAD_INPUT
    keep = backup.configured_keep(paths.database)
    result = backup.restore_server_backup(chosen, url, paths.ensure().backup_dir, keep=keep,
                                          anchor_file=_anchor_file(paths))
    _record(args, paths, lambda sf: _accounts().record_restore(sf, Path(result.restored_from).name))
    print(f"已用 pg_restore 把备份 {result.restored_from} 恢复到服务器数据库 {describe_target(url)}")
    if result.safety_backup:
        print(f"恢复前的数据库已用 pg_dump 备份为：{result.safety_backup}")
    print("其他工作站上打开的程序请重新启动，以读取恢复后的数据。")
    return 0


def _require_restore_on_server(args: argparse.Namespace, url: Any) -> None:
    """Once the server database has accounts, only an administrator restores it (as for a file).  Only a
    database without any table has no accounts to ask about; one that cannot be opened (from a newer version,
    not this app's) is refused with its reason and left as it is."""
    from app.cli.login import log_in
    from app.db import server_engine, server_schema
    from app.services import accounts
    from app.services.opening import open_database

    with server_engine(url) as engine:
        if not server_schema(engine).has_tables:
            return  # a new, empty database: the restore fills it
    db = open_database(url, migrate_to_head=False)
    try:
        if log_in(args, db) is not None:
            accounts.require(accounts.Permission.RESTORE)
    finally:
        accounts.set_current(None)
        db.close()


def _resolve_backup(given: str, backup_dir: Path) -> Path:
    from app.services import backup

    as_path = Path(given).expanduser()
    if as_path.is_file():
        return as_path
    in_dir = backup_dir / given
    if in_dir.is_file():
        return in_dir
    if given.isdigit():
        backups = backup.list_backups(backup_dir)
        index = int(given)
        if 1 <= index <= len(backups):
            return backups[index - 1].path
        raise BackupError(f"没有序号为 {given} 的备份（共 {len(backups)} 份，用 --list 查看）")
    raise BackupError(f"找不到备份文件：{given}")


def _print_list(backup_dir: Path, *, verify: bool) -> int:
    from app.services import backup

    backups = backup.list_backups(backup_dir)
    if not backups:
        print(f"备份目录中还没有备份：{backup_dir}")
        return 0
    print(f"备份目录：{backup_dir}（共 {len(backups)} 份，最新的在前）")
    columns = [("序号", 4, True), ("时间", 19, False), ("大小", 9, True), ("原因", 12, False)]
    if verify:
        columns.append(("状态", 4, False))
    print("  ".join(_pad(name, w, right=r) for name, w, r in columns) + "  文件")
    for i, b in enumerate(backups, 1):
        cells = [str(i), f"{b.taken_at:%Y-%m-%d %H:%M:%S}", _size(b.size), b.reason_label]
        if verify:
            problems = backup.backup_problems(b.path)
            cells.append("完好" if not problems else "不可用")
        line = "  ".join(_pad(c, w, right=r) for c, (_, w, r) in zip(cells, columns, strict=True))
        print(f"{line}  {b.path.name}")
        if verify and problems:
            print(f"      {problems[0]}")
    return 0


# --- check -----------------------------------------------------------------------------------------------------

def run_check(args: argparse.Namespace) -> int:
    from app.db import check_database, empty_database_message, is_empty_database_file
    from app.services import backup

    paths = _paths(args)
    if not paths.uses_server and is_empty_database_file(paths.db_path):
        # Not "no database": an empty file where the county's data should be is damage, and says so.
        print(f"数据库：{paths.db_path}")
        print("结论：发现 1 项问题：")
        print(f"  1. {empty_database_message(paths.db_path)}")
        return EXIT_FINDINGS
    if not _require_database(paths):
        return EXIT_BAD_INPUT
    if paths.uses_server:
        return _check_server(paths)
    report = check_database(paths.db_path)
    print(f"数据库：{report.path}")
    print(f"完整性检查（integrity_check）：{'通过' if not report.integrity else f'{len(report.integrity)}处问题'}")
    print(f"外键检查（foreign_key_check）：{'通过' if not report.foreign_keys else f'{len(report.foreign_keys)}处引用错误'}")
    print(f"数据库版本：{report.revision or '无'}；本程序版本：{report.head}")
    triggers = [f for f in report.findings if "触发器" in f or "审计日志表" in f]
    print(f"审计日志保护（防改、防删触发器）：{'齐全' if not triggers else f'{len(triggers)}处问题'}")
    backups = backup.list_backups(paths.backup_dir)
    if backups:
        newest = backups[0]
        print(f"备份：共 {len(backups)} 份，最近一份 {newest.taken_at:%Y-%m-%d %H:%M:%S}（{newest.reason_label}）")
    else:
        print("备份：还没有备份")
    if report.ok:
        print("结论：未发现问题。")
        return 0
    print(f"结论：发现 {len(report.findings)} 项问题：")
    for i, finding in enumerate(report.findings, 1):
        print(f"  {i}. {finding}")
    if report.integrity or report.foreign_keys or triggers:
        print("建议：用 `dangjian restore --list --verify` 查看备份，用 `dangjian restore --latest` 恢复最近的完好备份。")
    return EXIT_FINDINGS


def _check_server(paths: AppPaths) -> int:
    """`check` for a server database: the connection, the schema version and the tools backups need (the server
    checks its own pages and references; SQLite's pragmas do not apply)."""
    from app.db import (
        BEFORE_AUDIT_TRAIL,
        describe_target,
        head_revision,
        known_revisions,
        server_audit_trigger_problems,
        server_engine,
        server_schema,
        version_findings,
    )
    from app.services import backup

    print(f"数据库：{describe_target(paths.database)}（数据库服务器）")
    with server_engine(paths.database) as engine:
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
        schema = server_schema(engine)
        triggers = server_audit_trigger_problems(engine) if schema.revision not in (None, *BEFORE_AUDIT_TRAIL) else []
    print(f"连接：正常（PostgreSQL {version}）")
    head = head_revision()
    findings = version_findings(schema, head, known_revisions()) + triggers
    print(f"数据库版本：{schema.revision or '无'}；本程序版本：{head}")
    if not backup.can_dump_server():
        findings.append("本机没有安装 PostgreSQL 的 pg_dump 程序：dangjian backup 无法备份服务器数据库")
    backups = [b for b in backup.list_backups(paths.backup_dir) if backup.is_server_backup(b.path)]
    if backups:
        print(f"备份：共 {len(backups)} 份 pg_dump 备份，最近一份 {backups[0].taken_at:%Y-%m-%d %H:%M:%S}"
              f"（{backups[0].reason_label}）")
    else:
        print("备份：本工作站还没有这个服务器数据库的备份")
    if not findings:
        print("结论：未发现问题。")
        return 0
    print(f"结论：发现 {len(findings)} 项问题：")
    for i, finding in enumerate(findings, 1):
        print(f"  {i}. {finding}")
    return EXIT_FINDINGS

