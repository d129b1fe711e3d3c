"""Render every main page (and the member form, the set-up wizard) to PNG files, offscreen: a way to look at what
users see without a display.  Background tasks run synchronously here so every page is complete when grabbed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QSize
from PySide6.QtWidgets import QWidget

from app.errors import ReportError
from app.failures import os_reason
from app.reports.output import write_atomic
from app.ui import tasks
from app.ui.context import AppContext


def _settle() -> None:
    for _ in range(3):
        QCoreApplication.processEvents()


def _save(widget: QWidget, path: Path) -> Path:
    """The widget as a PNG, encoded in memory and written whole or not at all (a full disk leaves no
    truncated image behind; the error says why in Chinese)."""
    _settle()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not widget.grab().save(buffer, "PNG"):
        raise ReportError(f"无法生成图片：{path.name}")
    return write_atomic(path, bytes(data.data()))


def _make_folder(outdir: Path) -> None:
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"无法建立保存图片的文件夹“{outdir}”：{os_reason(exc)}") from exc


def render_pages(ctx: AppContext, outdir: Path, size: QSize = QSize(1280, 800)) -> list[Path]:  # noqa: B008
    """One PNG per page of the main window, named `NN-key.png`, plus the member form; returns the files."""
    from app.ui.mainwindow import MainWindow
    from app.ui.register_dialogs import MemberDialog
    from app.ui.setup_wizard import SetupWizard
    from app.ui.unit_picture import UnitPictureDialog

    _make_folder(outdir)
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
        # The first-run wizard's first page, as a new office sees it (nothing is saved unless it is finished).
        wizard = SetupWizard(ctx.session_factory, ctx.paths, parent=window)
        wizard.show()
        written.append(_save(wizard, outdir / "dialog-setup-wizard.png"))
        wizard.close()
        # 单位画像 of the first unit (its chart and months: the trend is otherwise only inside documents).
        units = ctx.register.units()
        if units:
            picture = UnitPictureDialog(ctx, *units[0], parent=window)
            picture.show()
            written.append(_save(picture, outdir / "dialog-unit-picture.png"))
            picture.close()
        window.close()
        window.deleteLater()
    return written
