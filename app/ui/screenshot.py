"""Render every main page (and the member form) to PNG files, offscreen: a way to look at what users see
without a display.  Background tasks run synchronously here so every page is complete when grabbed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSize
from PySide6.QtWidgets import QWidget

from app.ui import tasks
from app.ui.context import AppContext


def _settle() -> None:
    for _ in range(3):
        QCoreApplication.processEvents()


def _save(widget: QWidget, path: Path) -> Path:
    _settle()
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"无法写入图片：{path}")
    return path


def render_pages(ctx: AppContext, outdir: Path, size: QSize = QSize(1280, 800)) -> list[Path]:  # noqa: B008
    """One PNG per page of the main window, named `NN-key.png`, plus the member form; returns the files."""
    from app.ui.mainwindow import MainWindow
    from app.ui.register_dialogs import MemberDialog

    outdir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tasks.synchronous():
        window = MainWindow(ctx)
        window.resize(size)
        window.show()
        # 组织机构 with an organisation that has findings selected: the details panel is the point of that page.
        flagged = [org_id for org_id, _name, _f in ctx.register.all_findings()]
        targets: dict[str, object] = {"orgs": ("org", flagged[0])} if flagged else {}
        for i, p in enumerate(window.page_defs, start=1):
            window.show_page(p.key, targets.get(p.key))
            written.append(_save(window, outdir / f"{i:02d}-{p.key}.png"))
        members = ctx.register.member_ids()
        dialog = MemberDialog(ctx, members[0] if members else None, parent=window)
        dialog.show()
        written.append(_save(dialog, outdir / "dialog-member.png"))
        dialog.close()
        window.close()
        window.deleteLater()
    return written
