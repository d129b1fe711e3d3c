"""Helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from app.connection import open_with_password
from app.db import Database, open_app_database
from app.paths import AppPaths, app_paths


def paths_of(args: argparse.Namespace) -> AppPaths:
    """The data directory and the database of this command (--data-dir, --database-url; app.paths.app_paths)."""
    return app_paths(getattr(args, "data_dir", None), getattr(args, "database_url", None)).ensure()


def ask_password(location: str, problem: str) -> str | None:
    """The server refused the login: ask on the terminal (never echoed); None when the user gives none."""
    import getpass

    print(problem, file=sys.stderr)
    try:
        return getpass.getpass(f"请输入 {location} 的密码：") or None
    except EOFError:
        return None


def open_db(args: argparse.Namespace) -> Database:
    """Open the county database for a command: migrated (with a backup first) if it is behind, and the day's
    first backup taken (app.db.open_app_database).  A server that refuses the login asks for the password."""
    ask = ask_password if sys.stdin.isatty() else None  # a script without a terminal gets the refusal at once
    db = open_with_password(paths_of(args), open_app_database, ask)
    for w in db.warnings:
        print(f"警告：{w}", file=sys.stderr)
    from app.cli.accounts import log_in  # it builds on this module

    try:
        log_in(args, db)  # who the command acts as: --user, or the operator while there are no accounts
    except BaseException:
        db.close()
        raise
    return db


def print_json(obj: Any) -> None:
    def default(o: Any) -> Any:
        if isinstance(o, (dt.date, dt.datetime)):
            return o.isoformat()
        return str(o)

    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, default=default)
    sys.stdout.write("\n")
