"""Nothing lost without a word: leaving a page, closing the window or pressing Esc in a form with edits not yet
saved asks 保存 / 不保存 / 取消, always with the same dialog (`ask`).

Pages take part through three optional methods (app/ui/pages.py): `has_unsaved_changes()`, `save_changes()`
(True once saved; False when the service refused, the page then shows why and stays) and `discard_changes()`.
A dialog needs nothing: `EditorSnapshot` remembers what its editors held when it was shown, and the form has
edits when any of them holds something else now (typed back to what it was, it has none)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any

import shiboken6
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)


class Answer(enum.Enum):
    SAVE = "保存"
    DISCARD = "不保存"
    CANCEL = "取消"


def ask(parent: QWidget | None, what: str) -> Answer:
    """The one question: `what` names the page or form, e.g. “设置”页 or “编辑党员”."""
    box = QMessageBox(QMessageBox.Icon.Warning, "未保存的修改", f"{what}有尚未保存的修改。\n\n是否保存这些修改？",
                      QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("unsaved_prompt")
    save = box.addButton("保存(&S)", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("不保存(&N)", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
    save.setObjectName("unsaved_save")
    discard.setObjectName("unsaved_discard")
    cancel.setObjectName("unsaved_cancel")
    box.setDefaultButton(save)
    box.setEscapeButton(cancel)  # Esc in the question keeps the user where they were
    box.exec()
    clicked = box.clickedButton()
    return Answer.SAVE if clicked is save else Answer.DISCARD if clicked is discard else Answer.CANCEL


def page_has_edits(page: QWidget) -> bool:
    unsaved = getattr(page, "has_unsaved_changes", None)
    return bool(callable(unsaved) and unsaved())


def may_leave_page(page: QWidget, title: str, parent: QWidget | None) -> bool:
    """True when the user may leave `page`: it has no edits, or they were saved or given up."""
    if not page_has_edits(page):
        return True
    answer = ask(parent, f"“{title}”页")
    if answer is Answer.CANCEL:
        return False
    if answer is Answer.SAVE:
        return bool(page.save_changes())  # type: ignore[attr-defined]
    page.discard_changes()  # type: ignore[attr-defined]
    return True


def may_close_pages(pages: Iterable[tuple[str, QWidget]], show: Callable[[QWidget], None],
                    parent: QWidget | None) -> bool:
    """Every page with edits in turn, shown before the question so the user sees what it is about."""
    for title, page in pages:
        if page_has_edits(page):
            show(page)
            if not may_leave_page(page, title, parent):
                return False
    return True


def _value(w: QWidget) -> Any:
    if isinstance(w, QLineEdit):
        return w.text()
    if isinstance(w, (QPlainTextEdit, QTextEdit)):
        return w.toPlainText()
    if isinstance(w, QComboBox):
        return (w.currentIndex(), w.currentText())
    if isinstance(w, QAbstractSpinBox):
        return w.text()
    if isinstance(w, QAbstractButton) and w.isCheckable():
        return w.isChecked()
    return None


class EditorSnapshot:
    """What the editors under `root` hold now, to tell later whether the user changed any."""

    def __init__(self, root: QWidget) -> None:
        self._values = [(w, v) for w in root.findChildren(QWidget) if (v := _value(w)) is not None]

    def changed(self) -> bool:
        return any(shiboken6.isValid(w) and _value(w) != v for w, v in self._values)


def form_may_close(dialog: QWidget, title: str, snapshot: EditorSnapshot | None,
                   save: Callable[[], None]) -> bool:
    """Esc or the window's close button on a form: True when it may close without saving.  保存 runs `save`
    (the form's own 保存, which closes it when the service accepts and otherwise shows why), so False then."""
    if snapshot is None or not snapshot.changed():
        return True
    answer = ask(dialog, f"“{title}”" if title else "此表单")
    if answer is Answer.SAVE:
        save()
        return False
    return answer is Answer.DISCARD
