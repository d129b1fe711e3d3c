"""Dialogs that take the keyboard: Tab follows what the eye reads, the focus starts in the first field, Enter
submits.

Qt's tab chain is the order the widgets were created in, and the dialogs create their button box before the
fields the subclasses add: the focus then started on 确定 and Tab visited the buttons first, so a user typing
`admin⇥password⏎` in the login put the password into the user-name box.  `follow_layout(dialog)` instead reads
the order from the layouts (rows top to bottom, each row left to right) every time the dialog is shown, so no
dialog lists its fields twice.

F1 in such a dialog opens the 使用手册 at the section of the page the dialog was opened from, as F1 does on the main
window (whose own F1 does not reach into a dialog, a window of its own)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QCalendarWidget,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QTabWidget,
    QTextEdit,
    QToolButton,
    QWidget,
)

# Widgets that take the focus themselves; whatever they hold inside (a spin box's line edit) is theirs.
_LEAVES = (QAbstractButton, QLineEdit, QAbstractSpinBox, QComboBox, QAbstractItemView, QPlainTextEdit, QTextEdit,
           QAbstractSlider, QTabBar, QCalendarWidget)
_FORM_ROLES = (QFormLayout.ItemRole.LabelRole, QFormLayout.ItemRole.FieldRole, QFormLayout.ItemRole.SpanningRole)


def layout_order(root: QWidget) -> list[QWidget]:
    """The widgets under `root` that Tab can reach, in the order its layouts show them (hidden and disabled ones
    too: Qt skips them while they are, and they keep their place for when they come back)."""
    found: list[QWidget] = []
    _visit_widget(root, found, top=True)
    return found


def _takes_tab(w: QWidget) -> bool:
    return bool(w.focusPolicy() & Qt.FocusPolicy.TabFocus)


def _visit_widget(w: QWidget, found: list[QWidget], top: bool = False) -> None:
    if not top and _takes_tab(w):
        found.append(w)
    if isinstance(w, _LEAVES):
        return
    for child in _parts(w):
        _visit_widget(child, found)
    layout = w.layout()
    if layout is not None:
        _visit_layout(layout, found)


def _parts(w: QWidget) -> list[QWidget]:
    """The pages of containers that place their children without a layout."""
    parts: list[QWidget | None] = []
    if isinstance(w, QTabWidget):
        parts = [w.tabBar(), *(w.widget(i) for i in range(w.count()))]
    elif isinstance(w, (QSplitter, QStackedWidget)):
        parts = [w.widget(i) for i in range(w.count())]
    elif isinstance(w, QScrollArea):
        parts = [w.widget()]
    return [p for p in parts if p is not None]


def _visit_layout(layout: QLayout, found: list[QWidget]) -> None:
    items: list[QLayoutItem | None]
    if isinstance(layout, QFormLayout):
        items = [layout.itemAt(row, role) for row in range(layout.rowCount()) for role in _FORM_ROLES]
    elif isinstance(layout, QGridLayout):
        grid = layout

        def cell(i: int) -> tuple[int, int]:
            position: Any = grid.getItemPosition(i)  # (row, column, row span, column span); typed as object
            return int(position[0]), int(position[1])

        cells = sorted(range(grid.count()), key=cell)
        items = [layout.itemAt(i) for i in cells]
    else:  # a box layout: its items in the order it shows them
        items = [layout.itemAt(i) for i in range(layout.count())]
    for item in items:
        if item is None:
            continue
        if (widget := item.widget()) is not None:
            _visit_widget(widget, found)
        elif (inner := item.layout()) is not None:
            _visit_layout(inner, found)


def _is_shown(w: QWidget, dialog: QWidget) -> bool:
    return w.isEnabledTo(dialog) and w.isVisibleTo(dialog)


def _is_field(w: QWidget, dialog: QWidget) -> bool:
    """Something to type into or choose from, shown and usable (not a button, not read-only text)."""
    if isinstance(w, (QPushButton, QToolButton)) or not _is_shown(w, dialog):
        return False
    return not (isinstance(w, (QLineEdit, QPlainTextEdit, QTextEdit)) and w.isReadOnly())


class _LayoutOrder(QObject):
    """Installed on a dialog (its parent): on every show, the tab chain, the first field's focus and the default
    button."""

    def __init__(self, dialog: QDialog, first: QWidget | None) -> None:
        super().__init__(dialog)
        self.first = first  # a dialog may start elsewhere (the login with a known user name)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        # Only Qt's side is asked here: while the dialog is being destroyed, Python's side may be gone already.
        if event.type() == QEvent.Type.Show and isinstance(watched, QDialog) and watched is self.parent():
            self.apply(watched)
        return False

    def apply(self, dialog: QDialog) -> None:
        chain = layout_order(dialog)
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)
        for w in chain:
            if isinstance(w, QAbstractItemView):
                w.setTabKeyNavigation(False)  # Tab leaves a table instead of walking its cells
            elif isinstance(w, (QPlainTextEdit, QTextEdit)):
                w.setTabChangesFocus(True)  # Tab moves on; Enter still makes a new line there
        _default_button(dialog)
        first = getattr(self, "first", None)
        first = first if first is not None and _is_shown(first, dialog) else None
        first = first or next((w for w in chain if _is_field(w, dialog)), None)
        if first is not None:
            first.setFocus(Qt.FocusReason.TabFocusReason)
            if isinstance(first, QLineEdit):
                first.selectAll()  # typing replaces a proposed value (a date, a user name)


def _default_button(dialog: QDialog) -> None:
    """Enter in a line edit submits: the accept button is the default, unless the dialog chose one."""
    if any(b.isDefault() for b in dialog.findChildren(QPushButton)):
        return
    accepting = (QDialogButtonBox.ButtonRole.AcceptRole, QDialogButtonBox.ButtonRole.YesRole)
    for box in dialog.findChildren(QDialogButtonBox):
        accept = next((b for b in box.buttons() if isinstance(b, QPushButton) and box.buttonRole(b) in accepting),
                      None)
        if accept is not None:
            accept.setDefault(True)
            return


def follow_layout(dialog: QDialog, first: QWidget | None = None) -> _LayoutOrder:
    """Give `dialog` the keyboard order of its layouts each time it is shown; `first` is where the focus starts
    instead of the first field (settable later on the returned object)."""
    order = _LayoutOrder(dialog, first)
    dialog.installEventFilter(order)
    QShortcut(QKeySequence(Qt.Key.Key_F1), dialog, lambda: _help_for(dialog))
    return order


# F1 in a dialog opens the 使用手册: app/ui/help.py gives the way when it is imported (it sits above this module,
# whose follow_layout its own window uses too; the main window imports it before any dialog opens).
_open_manual: Callable[[QDialog], None] | None = None


def set_help(open_manual: Callable[[QDialog], None]) -> None:
    global _open_manual
    _open_manual = open_manual


def _help_for(dialog: QDialog) -> None:
    if _open_manual is not None:
        _open_manual(dialog)
