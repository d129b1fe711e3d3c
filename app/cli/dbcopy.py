"""`dangjian migrate-db`: move the county's data into another, empty database (SQLite file ⇄ PostgreSQL server).

The source defaults to this data directory's database; the destination is a new SQLite file or an empty database
on a server.  Addresses are printed without their password (app.db.describe_target)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.cli import add_data_dir

EXIT_BAD_INPUT = 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "migrate-db", help="把县里的全部数据复制到另一个空数据库（本机文件 ⇄ 数据库服务器）",
        description="把全部数据复制到一个空的 PostgreSQL 数据库，或复制成一个新的 SQLite 文件（离线副本）。"
        "目标的表结构由本程序建立，全部数据在一个事务中写入，写完后校验审计链：与源数据库条数和链头一致才保存，"
        "否则目标数据库恢复为空（新文件被删除）。源数据库不会被修改。")
    add_data_dir(p)
    p.add_argument("--to", required=True, metavar="URL_OR_FILE", dest="dest",
                   help="目标：postgresql://用户名@服务器:端口/数据库名（须为空数据库），或一个尚不存在的 .sqlite3 文件")
    p.add_argument("--from", metavar="URL_OR_FILE", dest="source",
                   help="源数据库（默认为本数据目录正在使用的数据库）")
    p.set_defaults(func=run_migrate_db)


def run_migrate_db(args: argparse.Namespace) -> int:
    from app.cli import warn_password_in_url
    from app.cli.common import logged_in_paths, paths_of
    from app.connection import with_keyring_password
    from app.db import database_target, describe_target
    from app.services.dbcopy import copy_county

    warn_password_in_url(args.source, "--from")
    warn_password_in_url(args.dest, "--to")
    if args.source:
        paths = paths_of(args)
        source = database_target(with_keyring_password(args.source))
    else:  # this data directory's database, with its password found as every command finds it
        paths = logged_in_paths(args)
        source = database_target(paths.database)
    dest = database_target(with_keyring_password(args.dest))
    print(f"正在复制：{describe_target(source)} → {describe_target(dest)}", file=sys.stderr)
    report = copy_county(source, dest, progress=_progress, backup_dir=paths.ensure().backup_dir,
                         authorize=lambda db: _require_administrator(args, db))
    print(f"已复制 {len(report.tables)} 张表，共 {report.rows} 行：")
    width = max((len(t.name) for t in report.tables), default=0)
    for t in report.tables:
        print(f"  {t.name.ljust(width)}  {t.rows:>8} 行")
    chain = f"{report.head}（{report.head.hash}）" if report.head else "审计链为空"
    print(f"审计链校验通过，与源数据库一致：共 {report.entries} 条，{chain}")
    print(f"数据现在位于：{report.destination}（源数据库未改动：{report.source}）")
    for line in _how_to_use(dest):
        print(line)
    return 0


def _progress(table: str, done: int, total: int) -> None:
    if done == total:
        print(f"  {table}：{total} 行", file=sys.stderr)


def _require_administrator(args: argparse.Namespace, db: Any) -> None:
    """Copying out the whole county (accounts included) is an administrator's act, like a restore."""
    from app.cli.login import log_in
    from app.services import accounts

    try:
        if log_in(args, db) is not None:
            accounts.require(accounts.Permission.RESTORE)
    finally:
        accounts.set_current(None)


def _how_to_use(dest: Any) -> list[str]:
    from sqlalchemy import URL

    from app.connection import with_password

    if isinstance(dest, URL):
        plain = with_password(dest, None)  # an address to copy into a setting: no password, not even "***"
        return [
            "要让本程序使用新数据库，任选其一：",
            f"  · 设置环境变量 DANGJIAN_DATABASE_URL={plain}",
            f"  · 启动时加参数 --database-url {plain}",
            "  · 在程序的“设置”页填写数据库服务器地址",
            "  密码不要写进脚本或设置文件：连接时程序会提示输入（也可用 PGPASSWORD 或 ~/.pgpass 提供）。",
            "  其他工作站也照此设置，即可共用这个数据库。",
        ]
    return [
        "这是一个独立的 SQLite 数据库文件（离线副本），与服务器上的数据不再同步。",
        f"  要在本机使用它：把它放进一个数据目录并命名为 dangjian.sqlite3，再用 dangjian --data-dir 该目录 启动"
        f"（不要设置 DANGJIAN_DATABASE_URL）。当前文件：{dest}",
    ]
