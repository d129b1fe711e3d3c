"""Helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from app.cli.login import LOGIN_PATHS, log_in, terminal_prompt
from app.connection import login_paths, open_with_password
from app.db import Database
from app.paths import AppPaths, app_paths
from app.services.opening import open_app_database


def paths_of(args: argparse.Namespace) -> AppPaths:
    """The data directory and the database of this command (--data-dir, --database-url; app.paths.app_paths)."""
    found = getattr(args, LOGIN_PATHS, None)
    if isinstance(found, AppPaths):
        return found.ensure()
    return app_paths(getattr(args, "data_dir", None), getattr(args, "database_url", None)).ensure()


def logged_in_paths(args: argparse.Namespace) -> AppPaths:
    """`paths_of(args)` with the server password that logs in, looked up as `open_db` does (the URL, PGPASSWORD
    or ~/.pgpass, the keyring, else asked on the terminal), for commands that hand the database to pg_dump or
    pg_restore.  Pass the result on to `open_db(args, paths)`: the user is asked once per command."""
    return login_paths(paths_of(args), terminal_prompt())


def open_db(args: argparse.Namespace, paths: AppPaths | None = None) -> Database:
    """Open the county database for a command: migrated (with a backup first) if it is behind, and the day's
    first backup taken (app.services.opening.open_app_database).  A server that refuses the login asks for the password.
    `paths`: the command's paths found already (`logged_in_paths`), else `paths_of(args)`."""
    db = open_with_password(paths or paths_of(args), open_app_database, terminal_prompt())
    for w in db.warnings:
        print(f"警告：{w}", file=sys.stderr)
    _attach_anchor_file(db, paths or paths_of(args))
    try:
        log_in(args, db)  # who the command acts as: --user, or the operator while there are no accounts
    except BaseException:
        db.close()
        raise
    return db


def _attach_anchor_file(db: Database, paths: AppPaths) -> None:
    """Locks and issues keep the audit chain's head in the data folder's anchor file too (app.services.anchors);
    a line that cannot be written is a warning on the terminal (the work it anchors stands)."""
    from app.services import anchors

    anchor_file = anchors.AnchorFile(paths.anchor_path, warn=lambda message: print(f"警告：{message}", file=sys.stderr))
    anchors.attach(db.session_factory, anchor_file)
    if db.created:  # a new county where another may have been: earlier heads are not this chain's
        anchor_file.append(0, "0" * 64, anchors.REPLACE)


def print_json(obj: Any) -> None:
    def default(o: Any) -> Any:
        if isinstance(o, (dt.date, dt.datetime)):
            return o.isoformat()
        return str(o)

    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, default=default)
    sys.stdout.write("\n")
