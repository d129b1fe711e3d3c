"""Who a command acts as: the `--user` login (password from DANGJIAN_PASSWORD, else asked on the terminal) and
the terminal's password prompts.  The base of the CLI's helpers: app.cli.common opens the database with it and
app.cli.accounts builds the login before every command on it."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from app.connection import PasswordPrompt
from app.db import Database
from app.errors import PermissionDenied
from app.services import accounts
from app.services.accounts import AccountService, Actor

PASSWORD_ENV = "DANGJIAN_PASSWORD"

LOGIN_NEEDED = ("数据库已建立用户账户，请用 --user 用户名 登录后再执行此命令"
                "（密码取自环境变量 DANGJIAN_PASSWORD，未设置时提示输入）")

# Where the login before a command keeps the paths it found (a server's password included), so that the
# command does not ask for the password a second time.
LOGIN_PATHS = "_login_paths"


def terminal_prompt() -> PasswordPrompt | None:
    return ask_password if sys.stdin.isatty() else None  # a script without a terminal gets the refusal at once


def ask_password(location: str, problem: str) -> str | None:
    """The server refused the login: ask on the terminal (never echoed); None when the user gives none."""
    print(problem, file=sys.stderr)
    try:
        return getpass.getpass(f"请输入 {location} 的密码：") or None
    except EOFError:
        return None


def log_in(args: argparse.Namespace, db: Database) -> Actor | None:
    """Set who this command acts as (app.services.accounts.set_current) and return it; None = operator (no
    accounts yet).  Once accounts exist, --user is required; a command logs in once per database (the login
    before it runs is reused when it opens the database itself)."""
    service = AccountService(db.session_factory)
    name = getattr(args, "user", None)
    if not service.has_users():
        if name:
            print("提示：数据库还没有用户账户，--user 被忽略，以操作员身份执行", file=sys.stderr)
        accounts.set_current(None)
        return None
    logins: dict[str, Actor] = args.__dict__.setdefault("_logins", {})
    actor = logins.get(db.location)
    if actor is None:
        if not name:
            raise PermissionDenied(LOGIN_NEEDED)
        actor = service.authenticate(name, password(f"用户“{name}”的密码："))
        logins[db.location] = actor
    accounts.set_current(actor)
    return actor


def password(prompt: str) -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    return from_env if from_env is not None else getpass.getpass(prompt)
