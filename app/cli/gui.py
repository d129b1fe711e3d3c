"""`dangjian` (no sub-command) and `dangjian gui`: open the main window."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="打开主窗口（不带命令时的默认操作）")
    p.set_defaults(func=run_gui)


def run_gui(args: argparse.Namespace) -> int:
    from app.ui.application import run

    return run(getattr(args, "data_dir", None), getattr(args, "database_url", None))
