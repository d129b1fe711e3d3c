"""The workstation's connection file (`connection.json` in the data directory): which database this
workstation uses, as the settings page saved it.  Reading it is all `app.paths` needs to resolve the database, so
it lives here, below both `app.paths` and `app.connection` (which writes it and opens databases)."""

from __future__ import annotations

import json
from pathlib import Path

from app.errors import DatabaseError

CONNECTION_FILE = "connection.json"

# Where the URL in use came from (AppPaths.database_source), for the settings page and messages.
SOURCE_OPTION = "option"
SOURCE_ENV = "env"
SOURCE_FILE = "file"
SOURCE_LOCAL = ""

SOURCE_LABELS = {
    SOURCE_OPTION: "命令行参数 --database-url",
    SOURCE_ENV: "环境变量 DANGJIAN_DATABASE_URL",
    SOURCE_FILE: "本机连接设置",
    SOURCE_LOCAL: "本机数据库文件",
}


def connection_file(data_dir: Path) -> Path:
    return data_dir / CONNECTION_FILE


def read_connection_url(data_dir: Path) -> str | None:
    """The server URL saved for this workstation, or None for the local SQLite file (also when nothing is saved).

    A file that cannot be read is an error, not the SQLite file: officers would otherwise go on working in a
    second, empty county without noticing."""
    path = connection_file(data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise DatabaseError(f"本机的数据库连接设置无法读取（{path}）：{exc}。请在设置页重新保存数据库连接，"
                            "或删除该文件改用本机数据库文件") from exc
    if not isinstance(data, dict) or data.get("kind") not in ("sqlite", "server"):
        raise DatabaseError(f"本机的数据库连接设置内容不正确（{path}），请在设置页重新保存数据库连接")
    if data["kind"] == "sqlite":
        return None
    url = data.get("url")
    if not isinstance(url, str) or not url:
        raise DatabaseError(f"本机的数据库连接设置中缺少服务器地址（{path}），请在设置页重新保存数据库连接")
    return url
