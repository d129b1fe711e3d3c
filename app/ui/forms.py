"""Form building blocks: fields that show their own validation message underneath, an optional-date field that
is typed (not spun), and a combo box of (label, value) choices that can be searched by typing.

The services are the guard (they validate everything); a form only shows what they say, next to the field the
`FieldProblem.field` names.  Problems for fields the form does not show are handed back (a `FormDialog` shows them at the top)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import QDate, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QBoxLayout,
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QStyle,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from app.errors import DangjianError, FieldProblem, ValidationError
from app.ui.colours import ERROR_COLOUR as ERROR_COLOUR  # re-exported: the pages import it from here
from app.ui.keyboard import follow_layout
from app.ui.unsaved import EditorSnapshot, form_may_close

INVALID_STYLE = f'*[invalid="true"] {{ border: 1px solid {ERROR_COLOUR}; }}'

_DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_COMPACT_DATE_RE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


def parse_date(text: str) -> dt.date | None:
    """'' → None; 2024-01-05, 2024/1/5, 2024.1.5, 2024年1月5日 and 20240105 → a date; else ValueError with a
    Chinese message."""
    if not text.strip():
        return None
    m = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if not m:
        raise ValueError("日期格式应为“2024-01-05”")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise ValueError(f"“{text.strip()}”不是有效日期") from None


def format_date(d: dt.date | None) -> str:
    return d.isoformat() if d else ""


class DateEdit(QLineEdit):
    """An optional date typed as text (empty means "not recorded"), with a calendar in the trailing button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("年-月-日，如 2024-01-05")
        self.setMaxLength(20)
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogDetailedView)
        pick = QAction(QIcon(icon), "选择日期", self)
        pick.triggered.connect(self._pick)
        self.addAction(pick, QLineEdit.ActionPosition.TrailingPosition)

    def date(self) -> dt.date | None:
        """The date typed; ValueError (Chinese message) when it is not one."""
        return parse_date(self.text())

    def set_date(self, d: dt.date | None) -> None:
        self.setText(format_date(d))

    def _pick(self) -> None:
        menu = QMenu(self)
        cal = QCalendarWidget(menu)
        try:
            current = self.date()
        except ValueError:
            current = None
        if current:
            cal.setSelectedDate(QDate(current.year, current.month, current.day))
        action = QWidgetAction(menu)
        action.setDefaultWidget(cal)
        menu.addAction(action)

        def chosen(q: QDate) -> None:
            self.set_date(dt.date(q.year(), q.month(), q.day()))
            menu.close()

        cal.clicked.connect(chosen)
        cal.activated.connect(chosen)
        menu.exec(self.mapToGlobal(self.rect().bottomLeft()))
        menu.deleteLater()


def ask_day_off(parent: QWidget, title: str, question: str) -> bool:
    """Asked before a weekend or a holiday is accepted (WorkCalendar.question): True for 仍然安排; Enter and Esc
    answer 另选日期, so a day off is never taken by a key pressed out of habit."""
    box = QMessageBox(QMessageBox.Icon.Question, title, question, parent=parent)
    box.setObjectName("day_question")
    keep = box.addButton("仍然安排(&Y)", QMessageBox.ButtonRole.YesRole)
    other = box.addButton("另选日期(&N)", QMessageBox.ButtonRole.NoRole)
    box.setDefaultButton(other)
    box.setEscapeButton(other)
    box.exec()
    return box.clickedButton() is keep


class ChoiceBox(QComboBox):
    """A combo of (label, value); editable with a contains-completer when long, so typing “财政” finds
    县财政局机关党支部."""

    value_changed = Signal(object)

    def __init__(self, choices: Iterable[tuple[str, Any]] = (), *, searchable: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._searchable = searchable
        self._values: list[Any] = []
        if searchable:
            self.setEditable(True)
            self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            completer = QCompleter(self.model(), self)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            self.setCompleter(completer)
        self.set_choices(choices)
        self.currentIndexChanged.connect(lambda _i: self.value_changed.emit(self.value()))

    def set_choices(self, choices: Iterable[tuple[str, Any]]) -> None:
        current = self.value()
        with QSignalBlocker(self):
            self.clear()
            # Values are kept here, not as item data: Qt would turn a str-based enum into a plain str.
            self._values = []
            for label, value in choices:
                self._values.append(value)
                self.addItem(label)
            self.set_value(current)
        self.value_changed.emit(self.value())

    def values(self) -> list[Any]:
        return list(self._values)

    def value(self) -> Any:
        i = self.currentIndex()
        if i < 0 or i >= len(self._values):
            return None
        # An editable combo whose text no longer names the selected item has no value.
        if self._searchable and self.currentText() != self.itemText(i):
            return None
        return self._values[i]

    def set_value(self, value: Any) -> None:
        for i, v in enumerate(self._values):
            if v == value and type(v) is type(value):
                self.setCurrentIndex(i)
                return
        self.setCurrentIndex(-1)


class Form(QWidget):
    """Labelled fields in a QFormLayout, each with its own (normally hidden) red message underneath."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QFormLayout(self)
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.layout_.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self._fields: dict[str, QWidget] = {}
        self._errors: dict[str, QLabel] = {}
        self.setStyleSheet(INVALID_STYLE)

    # --- building -------------------------------------------------------------------------------------------

    def add(self, name: str, label: str, widget: QWidget, hint: str = "") -> QWidget:
        """Add `widget` for the service field `name`; `label` may carry a mnemonic (&N)."""
        box = QWidget(self)
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        col.addWidget(widget)
        if hint:
            h = QLabel(hint, box)
            h.setObjectName(f"hint_{name}")
            h.setStyleSheet("color: #666;")
            h.setWordWrap(True)
            col.addWidget(h)
        err = QLabel(box)
        err.setObjectName(f"error_{name}")
        err.setStyleSheet(f"color: {ERROR_COLOUR};")
        err.setWordWrap(True)
        err.hide()
        col.addWidget(err)
        caption = QLabel(label, self)
        caption.setBuddy(widget)
        self.layout_.addRow(caption, box)
        self._fields[name] = widget
        self._errors[name] = err
        self._clear_on_edit(name, widget)
        return widget

    def _clear_on_edit(self, name: str, widget: QWidget) -> None:
        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(lambda _t: self.clear_problem(name))
        elif isinstance(widget, QComboBox):
            widget.activated.connect(lambda _i: self.clear_problem(name))
        elif isinstance(widget, QCheckBox):
            widget.toggled.connect(lambda _b: self.clear_problem(name))
        elif isinstance(widget, QAbstractSpinBox):
            widget.editingFinished.connect(lambda: self.clear_problem(name))

    def field(self, name: str) -> QWidget:
        return self._fields[name]

    def error_label(self, name: str) -> QLabel:
        return self._errors[name]

    def names(self) -> list[str]:
        return list(self._fields)

    # --- reading --------------------------------------------------------------------------------------------

    def text(self, name: str) -> str:
        w = self._fields[name]
        if isinstance(w, QPlainTextEdit):
            return w.toPlainText().strip()
        assert isinstance(w, QLineEdit)
        return w.text().strip()

    def date(self, name: str) -> dt.date | None:
        """The parsed date; call `date_problems()` first, which reports the ones that do not parse."""
        w = self._fields[name]
        assert isinstance(w, DateEdit)
        try:
            return w.date()
        except ValueError:
            return None

    def date_problems(self) -> list[FieldProblem]:
        problems = []
        for name, w in self._fields.items():
            # A read-only date shows what the user may not change (a masked birth month), not their input.
            if isinstance(w, DateEdit) and not w.isReadOnly():
                try:
                    w.date()
                except ValueError as exc:
                    problems.append(FieldProblem(name, str(exc)))
        return problems

    # --- showing problems -----------------------------------------------------------------------------------

    def clear_problems(self) -> None:
        for name in self._fields:
            self.clear_problem(name)

    def clear_problem(self, name: str) -> None:
        self._errors[name].hide()
        self._errors[name].clear()
        _set_invalid(self._fields[name], False)

    def show_problems(self, problems: Sequence[FieldProblem]) -> list[FieldProblem]:
        """Each message under its field; returns the problems for fields this form does not have."""
        self.clear_problems()
        by_field: dict[str, list[str]] = {}
        others: list[FieldProblem] = []
        for p in problems:
            if p.field in self._fields:
                by_field.setdefault(p.field, []).append(p.message)
            else:
                others.append(p)
        for name, messages in by_field.items():
            self._errors[name].setText("；".join(messages))
            self._errors[name].show()
            _set_invalid(self._fields[name], True)
        return others

    def first_invalid(self) -> QWidget | None:
        return next((w for n, w in self._fields.items() if not self._errors[n].isHidden()), None)

    def problem_text(self, name: str) -> str:
        return self._errors[name].text() if not self._errors[name].isHidden() else ""


def _set_invalid(widget: QWidget, on: bool) -> None:
    if bool(widget.property("invalid")) == on:
        return
    widget.setProperty("invalid", on)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class FormDialog(QDialog):
    """A dialog of one or more `Form`s with 保存/取消.  保存 runs `save()` (which calls a service); a
    `ValidationError` puts each message under its field and keeps the dialog open."""

    def __init__(self, title: str, save: Callable[[], object], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.keyboard = follow_layout(self)  # Tab in the order the fields show, the first field focused
        self._save = save
        self.result_value: object = None
        self.forms: list[Form] = []
        self.outer = QVBoxLayout(self)
        self.general_error = QLabel(self)
        self.general_error.setObjectName("general_error")
        self.general_error.setWordWrap(True)
        self.general_error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.general_error.hide()
        self.outer.addWidget(self.general_error)
        self.body = QVBoxLayout()
        self.outer.addLayout(self.body)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存(&S)")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.outer.addWidget(self.buttons)
        self._snapshot: EditorSnapshot | None = None  # the editors as shown: Esc asks when they changed

    def new_form(self, title: str = "", layout: QBoxLayout | None = None) -> Form:
        form = Form(self)
        self.forms.append(form)
        target = layout if layout is not None else self.body
        if title:
            box = QGroupBox(title, self)
            QVBoxLayout(box).addWidget(form)
            target.addWidget(box)
        else:
            target.addWidget(form)
        return form

    def show_problems(self, problems: Sequence[FieldProblem]) -> None:
        rest: list[FieldProblem] = list(problems)
        for form in self.forms:
            rest = form.show_problems(rest)
        if rest:
            self.general_error.setText("；".join(str(p) for p in rest))
            self.general_error.show()
        else:
            self.general_error.hide()
        first = next((w for f in self.forms if (w := f.first_invalid()) is not None), None)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_message(self, text: str) -> None:
        self.general_error.setText(text)
        self.general_error.setVisible(bool(text))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._snapshot is None:
            self._snapshot = EditorSnapshot(self)

    # Esc and the window's close button do not throw edits away without asking (app/ui/unsaved.py); 取消 and a
    # close() by the program are answers already.
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and not form_may_close(self, self.windowTitle(), self._snapshot,
                                                                  self.accept):
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if event.spontaneous() and not form_may_close(self, self.windowTitle(), self._snapshot, self.accept):
            event.ignore()
            return
        super().closeEvent(event)

    def accept(self) -> None:
        problems = [p for f in self.forms for p in f.date_problems()]
        if problems:
            self.show_problems(problems)
            return
        try:
            self.result_value = self._save()
        except ValidationError as exc:
            self.show_problems(exc.problems)
            return
        except DangjianError as exc:
            self.show_problems([])
            self.show_message(exc.message)
            return
        super().accept()

