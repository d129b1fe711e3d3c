"""Qt's own dialogs speak Chinese: the file dialog Qt draws itself (Linux without a desktop theme, or any
non-native dialog) and the standard buttons, with the translations the app installs at start."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QLabel,
    QMessageBox,
)

from app.ui import application, qt_zh

ENGLISH = re.compile(r"[A-Za-z]{3,}")
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")  # offscreen
TYPE_COLUMN = 2  # 名称, 大小, 类型, 修改日期


@pytest.fixture
def app(qapp: QApplication) -> QApplication:
    return application.make_application()  # the running one, with the app's locale and translations


def _visible_texts(dialog: QFileDialog) -> list[str]:
    """Labels, buttons and their tips, the list's headers and its 类型 column.  Sizes and dates are left out: Qt
    writes them in the system's locale (Chinese on the users' machines, whatever this test machine has), and so
    are the places in the sidebar (the user's own folder names)."""
    texts = [w.text() for w in dialog.findChildren(QLabel) if w.isVisible() and w.text()]
    texts += [b.text() for b in dialog.findChildren(QAbstractButton) if b.isVisible() and b.text()]
    texts += [b.toolTip() for b in dialog.findChildren(QAbstractButton) if b.isVisible() and b.toolTip()]
    view = dialog.findChild(QAbstractItemView, "treeView")
    assert view is not None and view.isVisible()
    model = view.model()
    texts += [str(model.headerData(column, Qt.Orientation.Horizontal)) for column in range(model.columnCount())]
    texts += [str(model.data(model.index(row, TYPE_COLUMN, view.rootIndex())))
              for row in range(model.rowCount(view.rootIndex()))]
    return [t for t in texts if t]


@pytest.mark.parametrize("mode", ["open", "save", "folder"])
def test_qt_file_dialog_has_no_english_labels(app: QApplication, qtbot: object, tmp_path: Path, mode: str) -> None:
    (tmp_path / "通报").mkdir()
    (tmp_path / "党员名册.xlsx").write_bytes(b"")
    dialog = QFileDialog(None, "选择文件", str(tmp_path), "Excel 文件 (*.xlsx)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setViewMode(QFileDialog.ViewMode.Detail)  # the type column
    if mode == "save":
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    elif mode == "folder":
        dialog.setFileMode(QFileDialog.FileMode.Directory)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.show()
    view = dialog.findChild(QAbstractItemView, "treeView")
    qtbot.waitUntil(lambda: view.model().rowCount(view.rootIndex()) >= 1)  # type: ignore[attr-defined]  # read async
    texts = _visible_texts(dialog)
    english = [t for t in texts if ENGLISH.search(t.replace("Excel", "").replace("xlsx", ""))]
    assert english == []
    assert "查找范围(&L)：" in texts and "文件夹" in texts


def test_the_supplement_answers_only_for_its_texts(app: QApplication) -> None:
    assert QCoreApplication.translate("QFileDialog", "Files of &type:") == "文件类型(&T)："
    # Qt's own translation is still the one used for what it has ("&Open"), and unknown texts stay as they are.
    assert QCoreApplication.translate("QFileDialog", "&Open") == "打开(&O)"
    assert QCoreApplication.translate("QFileDialog", "no such text") == "no such text"
    assert qt_zh.SupplementTranslator().translate("QFileDialog", "&Open") is None


def test_standard_buttons_are_chinese(app: QApplication, qtbot: object) -> None:
    box = QMessageBox(QMessageBox.Icon.Question, "保存", "要保存修改吗？",
                      QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                      | QMessageBox.StandardButton.Cancel)
    qtbot.addWidget(box)  # type: ignore[attr-defined]
    texts = [b.text() for b in box.buttons()]
    assert sorted(texts) == sorted(["保存", "丢弃", "取消"])
