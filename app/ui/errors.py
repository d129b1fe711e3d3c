"""Turning exceptions into what the user sees.

A `DangjianError` is a known error: its Chinese message is shown as is.  Anything else is a bug: it is logged
with its traceback and the dialog says so (with the log file to send to whoever maintains the app)."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.errors import DangjianError

log = logging.getLogger("app.bug")

_log_file: Path | None = None
_showing_bug = False  # one bug dialog at a time: a failing paint event must not stack hundreds of them


def set_log_file(path: Path | None) -> None:
    global _log_file
    _log_file = path


def _parent_or_active(parent: QWidget | None) -> QWidget | None:
    if parent is not None:
        return parent
    app = QApplication.instance()
    return QApplication.activeWindow() if isinstance(app, QApplication) else None


def show_error(parent: QWidget | None, exc: BaseException, title: str = "操作未完成") -> None:
    """A known error as a warning with its message; anything else as a bug.  What went wrong outside the
    program (a read-only or full disk, a database another program is writing or that is damaged, a server that
    cannot be reached) is known too: said in Chinese (app.failures), never shown as a traceback."""
    known = _known(exc)
    if known is not None:
        QMessageBox.warning(_parent_or_active(parent), title, known.message)
    else:
        report_bug(type(exc), exc, exc.__traceback__, parent)


def _known(exc: BaseException) -> DangjianError | None:
    from app.failures import keeps_traceback, known_failure

    known = known_failure(exc)
    if known is not None and keeps_traceback(exc, known):
        log.warning("操作未完成：%s", known.message, exc_info=exc)
    return known


def report_bug(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None,
               parent: QWidget | None = None) -> None:
    """Log the traceback and tell the user this is a defect of the program, not something they did wrong."""
    global _showing_bug
    log.error("未处理的异常（程序缺陷）\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
    if _showing_bug or not isinstance(QCoreApplication.instance(), QApplication):
        return
    _showing_bug = True
    try:
        where = f"\n\n详细信息已记入日志文件：\n{_log_file}" if _log_file else ""
        box = QMessageBox(QMessageBox.Icon.Critical, "程序错误",
                          "程序出现了一个错误。这是程序本身的缺陷，不是您的操作有误。\n"
                          f"您刚才的操作可能没有完成，请检查后重试。{where}",
                          QMessageBox.StandardButton.Ok, _parent_or_active(parent))
        box.setDetailedText(f"{exc_type.__name__}: {exc}")
        box.exec()
    finally:
        _showing_bug = False


def install_excepthook() -> None:
    """Route exceptions escaping Qt slots and event handlers to `report_bug` (PySide6 sends them to
    sys.excepthook and carries on)."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        if isinstance(exc, Exception):
            show_error(None, exc)  # known errors as their message, anything else as a bug
            return
        report_bug(exc_type, exc, tb)

    sys.excepthook = hook
