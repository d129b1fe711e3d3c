"""`dangjian user add|passwd|list|role|disable|enable|delete`, and the `--user` login every command accepts.

While the database has no accounts, commands act as the operator with full rights (as before accounts existed).
Once accounts exist, every command that reads the county's data logs in with `--user NAME` (password from the
DANGJIAN_PASSWORD environment variable, or asked for) before it runs: the CLI's dispatch calls
`logged_in_for(args)` around every command, so a command added later is covered without doing anything; only
the commands in NO_LOGIN (each with its reason) run without.  What the role may then do is checked by the
services (app.services.accounts.require and the write guard on every session)."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from sqlalchemy import inspect

from app.cli.common import open_db
from app.cli.login import LOGIN_PATHS, log_in, password, terminal_prompt
from app.connection import login_paths
from app.db import Database
from app.errors import DangjianError, ValidationError
from app.models import Role, User
from app.paths import app_paths
from app.services import accounts
from app.services.accounts import AccountService, Actor, Permission, require
from app.services.opening import open_database

NEW_PASSWORD_ENV = "DANGJIAN_NEW_PASSWORD"

USER_HELP = ("以该用户身份登录（密码取自环境变量 DANGJIAN_PASSWORD，未设置时提示输入）。"
             "数据库还没有用户账户时，命令以操作员身份执行，拥有全部权限；"
             "建立账户后，除 check、模板和主窗口外的每个命令都必须用 --user 登录（查阅角色可以查看和试运行导入）")

# The parsed arguments carry the command's words ("report bulletin") under this name (set on every sub-parser
# by `prepare_commands`), so the dispatch knows which command runs whatever module registered it.
COMMAND_KEY = "login_command"

# Commands that run without a login even once accounts exist, and why.  Every other command, including any
# added later, logs in first (`logged_in_for`).
NO_LOGIN: dict[str, str] = {
    "": "不带命令时打开主窗口，主窗口启动时自己弹出登录对话框",
    "gui": "打开主窗口，主窗口启动时自己弹出登录对话框",
    "check": "只检查数据库文件的完整性、外键和版本，不显示任何党员或考评数据",
    "template": "只生成空白的名册导入模板，不打开数据库",
    "orglife template": "只生成空白的组织生活导入模板，不打开数据库",
}

def add_user_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", metavar="NAME", default=argparse.SUPPRESS, help=USER_HELP)


def prepare_commands(sub: argparse._SubParsersAction, prefix: str = "") -> None:
    """Give every command and sub-command `--user` and the words that name it (COMMAND_KEY)."""
    for name, parser in sub.choices.items():
        path = f"{prefix} {name}".strip()
        if not any("--user" in a.option_strings for a in parser._actions):
            add_user_option(parser)
        parser.set_defaults(**{COMMAND_KEY: path})
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                prepare_commands(action, path)


@contextmanager
def logged_in_for(args: argparse.Namespace) -> Iterator[Actor | None]:
    """Around a whole command: once the database has accounts, log in with --user (refused without it) and act
    as that user until the command ends; the commands in NO_LOGIN and databases without accounts run as before."""
    before = accounts.current()
    actor = None if getattr(args, COMMAND_KEY, "") in NO_LOGIN else _log_in_before_running(args)
    accounts.set_current(actor)
    try:
        # --dry-run checks an import and rolls it back: reading is enough for that (a 查阅 user may check a file)
        with accounts.rehearsal() if getattr(args, "dry_run", False) else nullcontext():
            yield actor
    finally:
        accounts.set_current(before)


def _log_in_before_running(args: argparse.Namespace) -> Actor | None:
    db = _open_for_login(args)
    if db is None:
        return None
    try:
        actor = log_in(args, db)
        if actor is not None:
            require(Permission.READ)
        return actor
    finally:
        db.close()


def _open_for_login(args: argparse.Namespace) -> Database | None:
    """The command's database opened only to read its accounts (not migrated, no backup taken, not created);
    None when there is none yet, or it has no accounts table (made before accounts existed), or it cannot be
    opened at all: damaged, foreign or newer.  The command's own opening then says why, and `restore` exists
    for exactly that case; a database nobody can open holds no accounts anyone could check."""
    paths = app_paths(getattr(args, "data_dir", None), getattr(args, "database_url", None))
    if paths.uses_server:
        paths = login_paths(paths, terminal_prompt())  # the password is asked for once, kept for the command
        setattr(args, LOGIN_PATHS, paths)
    elif not _has_content(paths.db_path):
        return None
    try:
        db = open_database(paths.database, migrate_to_head=False, check_integrity=False)
    except DangjianError:
        return None
    if not inspect(db.engine).has_table(User.__tablename__):
        db.close()
        return None
    return db


def _has_content(db_path: Path) -> bool:
    wal = Path(f"{db_path}-wal")
    return any(p.is_file() and p.stat().st_size > 0 for p in (db_path, wal))


def _new_password() -> str:
    from_env = os.environ.get(NEW_PASSWORD_ENV)
    if from_env is not None:
        return from_env
    first = getpass.getpass("新密码：")
    if getpass.getpass("再次输入新密码：") != first:
        raise ValidationError("两次输入的新密码不一致", field="password")
    return first


def register(sub: argparse._SubParsersAction) -> None:
    from app.cli import add_data_dir

    p = sub.add_parser("user", help="用户账户：添加、修改密码、列出、改角色、停用、启用、删除",
                       description="数据库还没有账户时，add 创建首个管理员（角色必须是管理员）；之后须用 --user "
                       "以管理员登录才能管理账户。新密码取自环境变量 DANGJIAN_NEW_PASSWORD，未设置时提示输入两次。"
                       "passwd 修改自己的密码（以该用户登录），管理员也可为他人重设密码。")
    add_data_dir(p)
    add_user_option(p)
    p.add_argument("action", choices=["add", "passwd", "list", "role", "disable", "enable", "delete"])
    p.add_argument("name", nargs="?", metavar="用户名")
    p.add_argument("--display-name", default="", help="姓名（审计日志中显示；默认同用户名）")
    p.add_argument("--role", default=Role.ASSESSOR.value, choices=[r.value for r in Role],
                   help="角色（默认考评员）")
    p.add_argument("--unit", default="", metavar="单位",
                   help="单位填报员所属的单位（单位名称或编号；该角色必填，其他角色不填）：只能查看和填报本单位的"
                        "自评、组织生活记录和整改进展")
    p.set_defaults(func=run_user)
    # Last in COMMAND_MODULES: every other command's parser exists now and gets --user and its name too.
    prepare_commands(sub)


def run_user(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        service = AccountService(db.session_factory)
        if args.action == "list":
            require(Permission.ACCOUNTS)  # who may log in, and as what, is for administrators (as in the GUI)
            _list(service)
            return 0
        if not args.name:
            raise ValidationError("请给出用户名", field="name")
        if args.action == "add" and not service.has_users():
            if args.role != Role.ADMIN.value:
                raise ValidationError("还没有任何账户：第一个账户必须是管理员（--role 管理员）", field="role")
            service.create_first_admin(args.name, args.display_name, _new_password())
            print(f"已创建管理员“{args.name}”；此后除 check 外的每个命令都须用 --user 登录（主窗口启动时登录）")
            return 0
        _act(service, args, accounts.current())  # open_db logged in with --user
        return 0
    finally:
        accounts.set_current(None)
        db.close()


def _act(service: AccountService, args: argparse.Namespace, actor: Actor | None) -> None:
    name = args.name
    if args.action == "add":
        view = service.add_user(name, args.display_name, args.role, _new_password(), unit=args.unit or None)
        print(f"已添加用户“{name}”（{view.role_text}）")
    elif args.action == "passwd":
        if actor is not None and actor.username == name.strip().lower():
            service.change_password(name, password("原密码："), _new_password())
        else:
            service.reset_password(name, _new_password())
        print(f"已修改“{name}”的密码")
    elif args.action == "role":
        view = service.set_role(name, args.role, unit=args.unit or None)
        print(f"“{name}”的角色已改为{view.role_text}")
    elif args.action in ("disable", "enable"):
        service.set_active(name, args.action == "enable")
        print(f"已{'启用' if args.action == 'enable' else '停用'}“{name}”")
    else:
        service.delete_user(name)
        print(f"已删除用户“{name}”")


def _list(service: AccountService) -> None:
    users = service.users()
    if not users:
        print("还没有用户账户（命令以操作员身份执行，拥有全部权限）")
        return
    now = dt.datetime.now(dt.timezone.utc)
    for u in users:
        locked = u.locked_until is not None and u.locked_until > now
        state = "停用" if not u.active else ("锁定中" if locked else "正常")
        last = f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "从未登录"
        print(f"{u.username}\t{u.display_name}\t{u.role_text}\t{state}\t最近登录：{last}")


def require_for_file(args: argparse.Namespace, db_path: Path, permission: Permission) -> None:
    """For commands that replace the database file (restore, demo --force): once the database has accounts,
    `--user` must log in with a role allowed `permission`.  A database that cannot be opened (damaged, the
    case restore exists for) holds no accounts anyone could check, so it is not guarded."""
    if not db_path.is_file():
        return
    try:
        db = open_database(db_path)
    except DangjianError:
        return
    try:
        actor = log_in(args, db)
        if actor is not None:
            require(permission)
    finally:
        accounts.set_current(None)
        db.close()
