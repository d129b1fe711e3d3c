"""`dangjian demo`: build the demo county in a data directory.

Exit codes: 0 built; 2 bad input or a known error (e.g. the database already holds data and --force was not
given: nothing is touched then)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app.cli import add_data_dir
from app.cli.common import logged_in_paths
from app.connection import with_password
from app.db import Database
from app.demo.county import SIZES, DemoSummary, build_demo, database_is_empty
from app.errors import DangjianError
from app.paths import AppPaths
from app.services import backup
from app.services.opening import open_database


def register(sub: argparse._SubParsersAction) -> None:
    sizes = "；".join(f"{s.name}：{s.label}，{s.units}个单位、约{s.members:,}名党员" for s in SIZES.values())
    p = sub.add_parser(
        "demo", help="生成示范县（演示数据）",
        description="在数据目录中生成一个示范县：单位、党组织（含任期、支委职务、空缺）、党员（身份证号为虚构"
                    "但有效的号码）和组织关系转接记录，之后的功能也在其中生成示例数据。同一种子生成的数据相同。"
                    f"规模：{sizes}（tiny 供测试使用）。数据库中已有数据时不生成，除非加 --force：先备份原数据库，"
                    "再重建。")
    add_data_dir(p)
    p.add_argument("--size", choices=list(SIZES), default="small", help="规模（默认 small）")
    p.add_argument("--seed", type=_seed, default=1, metavar="N", help="随机种子，非负整数（默认 1）")
    p.add_argument("--force", action="store_true", help="数据库中已有数据时，先备份再删除，重新生成示范县")
    p.set_defaults(func=run_demo)


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"种子应为非负整数，不能是“{text}”") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"种子应为非负整数，不能是“{text}”")
    return value


def run_demo(args: argparse.Namespace) -> int:
    paths = logged_in_paths(args)  # --database-url, the environment or the saved connection; else the file
    db = open_database(paths.database, backup_dir=paths.backup_dir)
    _require_admin(args, db)
    if database_is_empty(db):
        summary = _build(db, args)  # a failed build rolls back and leaves the database empty
    else:
        if not args.force or db.is_server:
            db.close()
            if db.is_server:  # no file to swap in: a county on a server is never replaced wholesale from here
                raise DangjianError(f"服务器数据库中已有数据（{db.location}），未生成示范县。"
                                    "示范县只能生成到空数据库中：请在服务器上新建一个数据库后再试。")
            raise DangjianError(f"数据库中已有数据（{paths.db_path}），未生成示范县。如确要用示范县替换现有数据，"
                                "请加 --force（会先备份现有数据库）。")
        summary = _replace(db, paths, args)
    for line in summary.lines():
        print(line)
    print(f"数据目录：{paths.data_dir}")
    # A server's address without any password (not even masked): it is asked for, or found, at start-up.
    server = f" --database-url \"{with_password(str(paths.database), None)}\"" if db.is_server else ""
    print(f"打开主窗口：dangjian --data-dir \"{paths.data_dir}\"{server}")
    return 0


def _require_admin(args: argparse.Namespace, db: Database) -> None:
    """Filling or replacing a database that has accounts needs an administrator's --user (app.cli.accounts)."""
    from app.cli.login import log_in
    from app.services import accounts

    try:
        if log_in(args, db) is not None:
            accounts.require(accounts.Permission.RESTORE)
    except BaseException:
        db.close()
        raise
    finally:
        accounts.set_current(None)


def _build(db: Database, args: argparse.Namespace) -> DemoSummary:
    try:
        return build_demo(db, args.size, args.seed, progress=_print_progress)
    finally:
        db.close()


def _replace(db: Database, paths: AppPaths, args: argparse.Namespace) -> DemoSummary:
    """--force: back the current database up, build the demo in a new file beside it, and only when that
    succeeded put the new file in its place (a failed or interrupted build leaves the old data as it was)."""
    try:
        saved = backup.make_backup(db.engine, paths.backup_dir, reason="before-demo",
                                   keep=backup.configured_keep(paths.db_path))
    finally:
        db.close()
    print(f"已备份现有数据库：{saved}（可用 dangjian restore 恢复）")
    new_path = paths.db_path.with_name(paths.db_path.name + ".demo-new")
    _remove_database_files(new_path)
    try:
        new_db = open_database(new_path)
        try:
            summary = build_demo(new_db, args.size, args.seed, progress=_print_progress)
            with new_db.engine.connect() as conn:  # everything into the main file: the WAL stays behind
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            new_db.close()
        _remove_database_files(paths.db_path)
        os.replace(new_path, paths.db_path)
    except BaseException:
        _remove_database_files(new_path)
        raise
    _remove_database_files(new_path, main=False)
    _anchor_replaced(paths)
    return summary


def _anchor_replaced(paths: AppPaths) -> None:
    """The county was replaced: the anchor file says so (earlier heads, and the backups' manifests taken before,
    belong to the county it replaced) and keeps the new county's head."""
    from app.services import anchors

    head = backup.chain_head_of(paths.db_path) or (0, "0" * 64)
    anchors.AnchorFile(paths.anchor_path, warn=lambda message: print(f"警告：{message}", file=sys.stderr)).append(
        *head, anchors.REPLACE)


def _remove_database_files(db_path: Path, *, main: bool = True) -> None:
    # the WAL and shared-memory files belong to their database: a new file must not pick up an old one's
    for suffix in ("", "-wal", "-shm") if main else ("-wal", "-shm"):
        try:
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        except OSError as exc:
            from app.failures import os_reason

            raise DangjianError(f"无法删除数据库文件 {db_path}{suffix}：{os_reason(exc)}（是否有程序正在使用它？）") from exc


def _print_progress(done: int, total: int, message: str) -> None:
    prefix = f"[{done + 1}/{total}] " if done < total else ""
    print(f"{prefix}{message}", file=sys.stdout, flush=True)
