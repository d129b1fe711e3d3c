"""`dangjian user add|passwd|list|role|disable|enable|delete`, and the `--user` login every command accepts.

While the database has no accounts, commands act as the operator with full rights (as before accounts existed).
Once accounts exist, a command logs in with `--user NAME` (password from the DANGJIAN_PASSWORD environment
variable, or asked for); without `--user` it may only read."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from pathlib import Path

from app.cli.common import open_db
from app.db import Database, open_database
from app.errors import DangjianError, PermissionDenied, ValidationError
from app.models import Role
from app.services import accounts
from app.services.accounts import AccountService, Actor, Permission, require

PASSWORD_ENV = "DANGJIAN_PASSWORD"
NEW_PASSWORD_ENV = "DANGJIAN_NEW_PASSWORD"

USER_HELP = ("以该用户身份登录（密码取自环境变量 DANGJIAN_PASSWORD，未设置时提示输入）。"
             "数据库还没有用户账户时，命令以操作员身份执行，拥有全部权限；"
             "建立账户后，修改数据的命令必须用 --user 登录，否则只能查看")

# Who a command acts as when accounts exist but no --user was given: may read, may change nothing.
ANONYMOUS = Actor(0, "（未登录）", "（未登录）", Role.VIEWER)


def add_user_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", metavar="NAME", default=argparse.SUPPRESS, help=USER_HELP)


def add_user_option_to_commands(sub: argparse._SubParsersAction) -> None:
    for parser in set(sub.choices.values()):
        if not any("--user" in a.option_strings for a in parser._actions):
            add_user_option(parser)


def log_in(args: argparse.Namespace, db: Database) -> Actor | None:
    """Set who this command acts as (app.services.accounts.set_current) and return it; None = operator."""
    service = AccountService(db.session_factory)
    name = getattr(args, "user", None)
    if not service.has_users():
        if name:
            print("提示：数据库还没有用户账户，--user 被忽略，以操作员身份执行", file=sys.stderr)
        accounts.set_current(None)
        return None
    if not name:
        accounts.set_current(ANONYMOUS)
        return ANONYMOUS
    actor = service.authenticate(name, _password(f"用户“{name}”的密码："))
    accounts.set_current(actor)
    return actor


def _password(prompt: str) -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    return from_env if from_env is not None else getpass.getpass(prompt)


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
    p.set_defaults(func=run_user)
    # Last in COMMAND_MODULES: every other command's parser exists now and gets --user too.
    add_user_option_to_commands(sub)


def run_user(args: argparse.Namespace) -> int:
    db = open_db(args)
    try:
        service = AccountService(db.session_factory)
        if args.action == "list":
            _list(service)
            return 0
        if not args.name:
            raise ValidationError("请给出用户名", field="name")
        if args.action == "add" and not service.has_users():
            if args.role != Role.ADMIN.value:
                raise ValidationError("还没有任何账户：第一个账户必须是管理员（--role 管理员）", field="role")
            service.create_first_admin(args.name, args.display_name, _new_password())
            print(f"已创建管理员“{args.name}”；此后修改数据的命令须用 --user 登录")
            return 0
        actor = accounts.current()  # open_db logged in with --user
        if actor is ANONYMOUS:
            raise PermissionDenied("请用 --user 以管理员（或修改自己的密码时以本人）身份登录")
        _act(service, args, actor)
        return 0
    finally:
        accounts.set_current(None)
        db.close()


def _act(service: AccountService, args: argparse.Namespace, actor: Actor | None) -> None:
    name = args.name
    if args.action == "add":
        service.add_user(name, args.display_name, args.role, _new_password())
        print(f"已添加用户“{name}”（{args.role}）")
    elif args.action == "passwd":
        if actor is not None and actor.username == name.strip().lower():
            service.change_password(name, _password("原密码："), _new_password())
        else:
            service.reset_password(name, _new_password())
        print(f"已修改“{name}”的密码")
    elif args.action == "role":
        service.set_role(name, args.role)
        print(f"“{name}”的角色已改为{args.role}")
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
        print(f"{u.username}\t{u.display_name}\t{u.role.value}\t{state}\t最近登录：{last}")


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
