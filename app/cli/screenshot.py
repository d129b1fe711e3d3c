"""`dangjian screenshot OUTDIR`: render every main page offscreen to PNG and exit."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    from app.cli import add_data_dir

    p = sub.add_parser("screenshot", help="把主窗口的每个页面离屏渲染为 PNG 图片后退出",
                       description="把主窗口的每个页面离屏渲染为 PNG 图片（不需要显示器），用于检查界面。")
    p.add_argument("outdir", metavar="OUTDIR", help="保存图片的目录（不存在则创建）")
    p.add_argument("--size", default="1280x800", metavar="宽x高", help="窗口大小，默认 1280x800")
    add_data_dir(p)
    p.set_defaults(func=run)


def _size(text: str) -> tuple[int, int]:
    from app.errors import ValidationError

    try:
        w, h = (int(v) for v in text.lower().replace("×", "x").split("x"))
    except ValueError:
        raise ValidationError(f"窗口大小应写成“宽x高”，如 1280x800，而不是“{text}”", field="size") from None
    if not (640 <= w <= 4000 and 480 <= h <= 3000):
        raise ValidationError("窗口大小应在 640x480 到 4000x3000 之间", field="size")
    return w, h


def run(args: argparse.Namespace) -> int:
    width, height = _size(args.size)
    # Offscreen before any QApplication exists: no display needed, and nothing flashes on one that exists.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QSize, qInstallMessageHandler

    from app.cli.common import logged_in_paths
    from app.paths import app_paths
    from app.services.opening import open_database
    from app.ui.application import make_application
    from app.ui.context import AppContext
    from app.ui.screenshot import render_pages

    paths = app_paths(getattr(args, "data_dir", None), getattr(args, "database_url", None))
    if not paths.uses_server and not paths.db_path.exists():
        from app.errors import DatabaseError

        raise DatabaseError(f"数据目录中没有数据库：{paths.db_path}")
    paths = logged_in_paths(args)
    make_application()
    db = open_database(paths.database, backup_dir=paths.backup_dir)
    previous = qInstallMessageHandler(_quiet_offscreen)
    try:
        ctx = AppContext(paths, db)
        for path in render_pages(ctx, Path(args.outdir), QSize(width, height)):
            print(path)
    finally:
        qInstallMessageHandler(previous)
        db.close()
    return 0


def _quiet_offscreen(mode: object, context: object, message: str) -> None:
    # The offscreen platform notes once per window that it cannot pass size limits on; that is expected here.
    if "propagateSizeHints" not in message:
        sys.stderr.write(message + "\n")
