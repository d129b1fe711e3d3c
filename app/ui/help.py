"""使用手册: the manual shipped in resources/help/manual.html, shown in a window of its own at the section of the
page in view (帮助 → 使用手册, or F1 on any page).

The manual is HTML, not Markdown: QTextBrowser keeps `<a name>` anchors from HTML, so F1 can scroll to a page's
section and the table of contents can link to it.  Each area of app/ui/pages.py has a section named by its key
(tests/test_help.py fails for an area without one).  Ctrl+F in the window finds text in the manual."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.paths import resource_path
from app.ui.keyboard import follow_layout, set_help

TITLE = "使用手册"
# The section shown when the page in view has none of its own (or while the window is still opening).
WORKFLOW_ANCHOR = "workflow"


def manual_path() -> Path:
    """Where the manual is, in a source checkout and in an installed wheel alike (package data of app.resources)."""
    return resource_path("help", "manual.html")


class ManualDialog(QDialog):
    """The manual, its table of contents at the top, and a find box (Ctrl+F, Enter finds the next match)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("manual_dialog")
        self.setWindowTitle(f"{TITLE} — 机关党建考评")
        self.resize(860, 680)
        self.browser = QTextBrowser()
        self.browser.setObjectName("manual_browser")
        self.browser.setOpenExternalLinks(False)
        self.browser.setHtml(manual_path().read_text(encoding="utf-8"))
        self.find_box = QLineEdit()
        self.find_box.setObjectName("manual_find")
        self.find_box.setPlaceholderText("在手册中查找（Ctrl+F，回车查找下一处）")
        self.find_box.returnPressed.connect(self.find_next)
        self.find_state = QLabel()
        self.find_state.setObjectName("manual_find_state")
        close = QPushButton("关闭")
        close.setAutoDefault(False)  # Enter in the find box finds the next match, it does not close the manual
        close.clicked.connect(self.close)
        row = QHBoxLayout()
        row.addWidget(self.find_box, 1)
        row.addWidget(self.find_state)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.browser, 1)
        follow_layout(self)  # the find box first, Tab in the order shown
        QShortcut(QKeySequence.StandardKey.Find, self, self._focus_find)

    def show_section(self, anchor: str) -> None:
        """Scroll so that the section `anchor` starts at the top (the workflow when there is no such section)."""
        if anchor not in self.anchors():
            anchor = WORKFLOW_ANCHOR
        # Laid out first: scrolling before the document has its width lands at the wrong height.
        self.browser.document().setTextWidth(self.browser.viewport().width())
        self.browser.scrollToAnchor(anchor)

    def anchors(self) -> set[str]:
        names: set[str] = set()
        block = self.browser.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                names.update(it.fragment().charFormat().anchorNames())
                it += 1
            block = block.next()
        return names

    def find_next(self) -> bool:
        """The next match after the cursor, wrapping round to the top once; the count of misses is shown."""
        text = self.find_box.text().strip()
        if not text:
            self.find_state.clear()
            return False
        found = self.browser.find(text)
        if not found:  # from the top again
            cursor = self.browser.textCursor()
            cursor.movePosition(cursor.MoveOperation.Start)
            self.browser.setTextCursor(cursor)
            found = self.browser.find(text, QTextDocument.FindFlag(0))
        self.find_state.setText("" if found else "没有找到")
        return found

    def _focus_find(self) -> None:
        self.find_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.find_box.selectAll()


def show_manual(parent: QWidget, section: str) -> ManualDialog:
    """The window's one manual (made the first time), shown and raised at `section` (a page key)."""
    dialog = parent.findChild(QDialog, "manual_dialog")
    if not isinstance(dialog, ManualDialog):
        dialog = ManualDialog(parent)
    if dialog.isVisible():
        dialog.raise_()  # open behind the main window: to the front
    dialog.show()
    dialog.activateWindow()
    dialog.show_section(section)
    return dialog


def open_manual_from(dialog: QDialog) -> None:
    """The 使用手册 at the section of the page in view in the main window found up the dialog's parents (the
    workflow for a dialog outside it, such as the login).  A modal dialog gets a manual of its own: the main
    window's would be shown but take no scrolling or clicks until the dialog closes."""
    window: QWidget | None = dialog
    while window is not None and not callable(getattr(window, "current_key", None)):
        window = window.parentWidget()
    section = str(window.current_key()) if window is not None else WORKFLOW_ANCHOR  # type: ignore[attr-defined]
    owner = window if window is not None and not dialog.isModal() else dialog
    show_manual(owner, section)


set_help(open_manual_from)  # F1 in every dialog (app/ui/keyboard.py)
