"""Helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from app.db import Database, open_database
from app.paths import AppPaths, app_paths


def paths_of(args: argparse.Namespace) -> AppPaths:
    return app_paths(getattr(args, "data_dir", None)).ensure()


def open_db(args: argparse.Namespace) -> Database:
    """Open the county database for a command (migrating it, with a backup first, if it is behind)."""
    from app import settings as S

    paths = paths_of(args)
    db = open_database(paths.db_path, backup_dir=paths.backup_dir)
    for w in db.warnings:
        print(f"警告：{w}", file=sys.stderr)
    with db.session() as s:
        keep = int(S.get(s, S.BACKUP_KEEP))
    from app.services import backup

    if paths.db_path.exists() and backup.needs_daily_backup(paths.backup_dir):
        backup.make_backup(db.engine, paths.backup_dir, reason="daily", keep=keep)
    return db


def print_json(obj: Any) -> None:
    def default(o: Any) -> Any:
        if isinstance(o, (dt.date, dt.datetime)):
            return o.isoformat()
        return str(o)

    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, default=default)
    sys.stdout.write("\n")
