"""设置: every declared setting (app.settings.SETTINGS), grouped, with its own editor by type; this workstation's
database connection (app/ui/connection.py) and the last full integrity check of the database file; and the
backups.

Settings declared later by other features appear here without any change to this page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import integrity
from app import settings as S
from app.db import integrity_problems
from app.errors import ValidationError
from app.services import workdays
from app.ui import tasks
from app.ui.backup_actions import BackupPanel
from app.ui.connection import ConnectionPanel
from app.ui.context import AppContext
from app.ui.forms import ERROR_COLOUR, Form

INT_LIMIT = 1_000_000_000


def editor_for(d: S.SettingDef) -> QWidget:
    """A widget fitting the setting's type and limits."""
    w = _editor(d)
    w.setMaximumWidth(140 if isinstance(w, (QSpinBox, QDoubleSpinBox)) else 420)
    return w


def _editor(d: S.SettingDef) -> QWidget:
    if d.type is bool:
        return QCheckBox()
    if d.type is int:
        w = QSpinBox()
        w.setRange(int(d.minimum) if d.minimum is not None else -INT_LIMIT,
                   int(d.maximum) if d.maximum is not None else INT_LIMIT)
        return w
    if d.type is float:
        f = QDoubleSpinBox()
        f.setDecimals(2)
        f.setRange(d.minimum if d.minimum is not None else -1e9, d.maximum if d.maximum is not None else 1e9)
        return f
    line = QLineEdit()
    if d.type is list:
        line.setPlaceholderText("多项用逗号分隔")
    return line


def set_editor(w: QWidget, d: S.SettingDef, value: Any) -> None:
    if isinstance(w, QCheckBox):
        w.setChecked(bool(value))
    elif isinstance(w, QSpinBox):
        w.setValue(int(value))
    elif isinstance(w, QDoubleSpinBox):
        w.setValue(float(value))
    elif isinstance(w, QLineEdit):
        w.setText("，".join(str(v) for v in value) if d.type is list else str(value))


def editor_value(w: QWidget) -> Any:
    if isinstance(w, QCheckBox):
        return w.isChecked()
    if isinstance(w, QSpinBox):
        return w.value()
    if isinstance(w, QDoubleSpinBox):
        return w.value()
    assert isinstance(w, QLineEdit)
    return w.text().strip()


def _same(d: S.SettingDef, a: Any, b: Any) -> bool:
    if d.type is Decimal:
        try:
            return Decimal(str(a)) == Decimal(str(b))
        except ArithmeticError:
            return False
    if d.type is list and isinstance(b, str):
        return list(a) == [s.strip() for s in b.replace("，", ",").split(",") if s.strip()]
    return bool(a == b)


class SettingsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.forms: dict[str, Form] = {}
        self.editors: dict[str, QWidget] = {}
        title = QLabel("设置")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        # One tab per group (general first, the rest as declared), then the backups.
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settings_tabs")
        groups: dict[str, list[S.SettingDef]] = {}
        for d in S.SETTINGS.values():
            groups.setdefault(d.group, []).append(d)
        for group, defs in groups.items():
            form = Form()
            for d in defs:
                self.editors[d.key] = form.add(d.key, d.label, editor_for(d), _limits(d))
            self.forms[group] = form
            self.tabs.addTab(_scrolled(form), group)
        self.connection = ConnectionPanel(ctx)
        self.integrity = IntegrityPanel(ctx)
        database_tab = QWidget()
        database_col = QVBoxLayout(database_tab)
        database_col.setContentsMargins(0, 0, 0, 0)
        database_col.addWidget(self.connection)
        database_col.addWidget(self.integrity)
        self.tabs.addTab(_scrolled(database_tab), "数据库连接")
        self.backups = BackupPanel(ctx)
        backup_tab = QWidget()
        QVBoxLayout(backup_tab).addWidget(self.backups)
        self.tabs.addTab(backup_tab, "数据备份")
        self.message = QLabel()
        self.message.setObjectName("settings_message")
        self.message.setWordWrap(True)
        self.save_button = QPushButton("保存设置(&S)")
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("放弃修改")
        self.revert_button.clicked.connect(lambda: self.reload())
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.revert_button)
        row.addWidget(self.message, 1)
        self.names_button = QPushButton("本县名称与发文机关(&M)…")
        self.names_button.setObjectName("edit_names")
        self.names_button.setToolTip("重新打开设置向导中填写县名、发文机关全称和代字、印发机关、经办人的一页")
        self.names_button.clicked.connect(self.edit_names)
        heading = QHBoxLayout()
        heading.addWidget(title)
        heading.addStretch(1)
        heading.addWidget(self.names_button)
        col = QVBoxLayout(self)
        col.addLayout(heading)
        col.addWidget(QLabel("这些设置保存在本县数据库中，随数据一起备份和恢复；“保存设置”保存所有分页上的修改。"))
        self.calendar_note = QLabel()  # the working-day calendar counts weekends only for a year it does not know
        self.calendar_note.setObjectName("calendar_note")
        self.calendar_note.setWordWrap(True)
        self.calendar_note.setStyleSheet(f"color: {ERROR_COLOUR};")
        col.addWidget(self.calendar_note)
        col.addWidget(self.tabs, 1)
        col.addLayout(row)
        ctx.follow(self, self.reload, "settings")
        self.reload()

    def reload(self) -> None:
        self._values = self.ctx.settings.values()
        for key, w in self.editors.items():
            set_editor(w, S.SETTINGS[key], self._values[key])
        for form in self.forms.values():
            form.clear_problems()
        self._say("")
        self._show_calendar_note()
        self.backups.refresh()
        self.integrity.refresh()

    def _show_calendar_note(self) -> None:
        try:
            note = workdays.coverage_note(workdays.WorkCalendar.from_settings(lambda d: self._values[d.key]),
                                          self.ctx.today())
        except ValidationError as exc:  # an override list stored before it was checked
            note = exc.message
        self.calendar_note.setText(note)
        self.calendar_note.setVisible(bool(note))

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {ERROR_COLOUR};" if error else "color: #2e7d32;")

    def changes(self) -> dict[str, Any]:
        out = {}
        for key, w in self.editors.items():
            value = editor_value(w)
            if not _same(S.SETTINGS[key], self._values[key], value):
                out[key] = value
        return out

    def has_unsaved_changes(self) -> bool:
        """An editor differs from the value it was loaded with: another client's change does not reload the page
        (app/ui/refresher.py) until these are saved or given up."""
        return bool(self.changes())

    def save_changes(self) -> bool:
        """保存 in the unsaved-changes question: True once saved (False: the red messages say why)."""
        self.save()
        return not self.has_unsaved_changes()

    def discard_changes(self) -> None:
        self.reload()

    def save(self) -> None:
        changes = self.changes()
        for form in self.forms.values():
            form.clear_problems()
        if not changes:
            self._say("没有需要保存的修改。")
            return
        try:
            self.ctx.settings.save(changes)
        except ValidationError as exc:
            first: int | None = None
            for i, form in enumerate(self.forms.values()):
                form.show_problems(exc.problems)
                if first is None and form.first_invalid() is not None:
                    first = i
            if first is not None:
                self.tabs.setCurrentIndex(first)  # show the first page with a problem
            self._say("有设置的值不正确，请按红字提示修改；所有修改均未保存。", error=True)
            return
        self._values = self.ctx.settings.values()
        self._show_calendar_note()
        self.ctx.changed.emit("settings")
        self._say(f"已保存 {len(changes)} 项设置。")
        self.ctx.status.emit("设置已保存")

    def edit_names(self) -> None:
        """The set-up wizard's names page: saved there as a whole, then shown here and wherever names appear."""
        from app.ui.setup_wizard import edit_names

        if edit_names(self.ctx.session_factory, self):
            pending = self.changes()  # edits not yet saved on the other tabs stay as typed
            self._values = self.ctx.settings.values()
            for key, w in self.editors.items():
                if key not in pending:
                    set_editor(w, S.SETTINGS[key], self._values[key])
            self.ctx.changed.emit("settings")
            self._say("已保存本县名称与发文机关。")

    def focus_search(self) -> None:
        first = next(iter(self.editors.values()), None)
        if first is not None:
            first.setFocus(Qt.FocusReason.ShortcutFocusReason)


class IntegrityPanel(QGroupBox):
    """When the database file was last checked in full (app.integrity) and what was found, in red with what to do
    when it failed; a button runs the full check now, in the background."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("数据库完整性检查", parent)
        self.ctx = ctx
        self.state = QLabel()
        self.state.setObjectName("integrity_state")
        self.state.setWordWrap(True)
        self.check_button = QPushButton("立即完整检查")
        self.check_button.clicked.connect(self.check_now)
        note = QLabel("每天第一次启动后，程序在后台完整检查一次数据库文件（上次检查发现问题时，每次启动都检查）；"
                      "平时打开时只做快速检查。备份、升级和恢复前总是完整检查。")
        note.setWordWrap(True)
        note.setStyleSheet("color: #666;")
        row = QHBoxLayout()
        row.addWidget(self.state, 1)
        row.addWidget(self.check_button)
        col = QVBoxLayout(self)
        col.addLayout(row)
        col.addWidget(note)
        self._task: tasks.Task | None = None
        self.refresh()

    def refresh(self) -> None:
        if self.ctx.paths.uses_server:
            self._show("数据库服务器自行检查数据页，本程序不对服务器数据库做文件完整性检查。")
            self.check_button.setVisible(False)
            return
        self.check_button.setVisible(True)
        record = integrity.last_check(self.ctx.paths.db_path)
        if record is None:
            self._show("当前数据库文件尚未做过完整检查。")
        elif record.ok:
            self._show(record.summary())
        else:
            self._show(record.summary() + "。请不要再录入数据，用“文件 → 从备份恢复”恢复最近一份完好的备份，"
                       "并联系系统管理员。", error=True)

    def _show(self, text: str, error: bool = False) -> None:
        self.state.setText(text)
        self.state.setStyleSheet(f"color: {ERROR_COLOUR};" if error else "")

    def check_now(self) -> None:
        if self._task is not None and not self._task.done:
            return
        db_path, today = self.ctx.paths.db_path, self.ctx.today
        self.check_button.setEnabled(False)
        self._show("正在完整检查数据库文件……")

        def work(_progress: tasks.Progress, _cancelled: tasks.Cancelled) -> integrity.CheckRecord:
            return integrity.save_check(db_path, integrity_problems(db_path), today)

        self._task = tasks.run_task(work, on_success=self._checked, on_failure=self._failed, parent=self)

    def _checked(self, record: integrity.CheckRecord) -> None:
        self.check_button.setEnabled(True)
        self.refresh()
        if not record.ok:
            QMessageBox.warning(self, "数据库完整性检查未通过", record.summary() + "\n\n请不要再录入数据，用“文件 → "
                                "从备份恢复”恢复最近一份完好的备份，并联系系统管理员。")

    def _failed(self, exc: BaseException) -> None:
        from app.ui.errors import show_error

        self.check_button.setEnabled(True)
        self.refresh()
        show_error(self, exc, "完整性检查失败")


def _limits(d: S.SettingDef) -> str:
    if d.minimum is not None and d.maximum is not None:
        return f"{_num(d.minimum)}～{_num(d.maximum)}"
    return ""


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _scrolled(widget: QWidget) -> QScrollArea:
    holder = QWidget()
    col = QVBoxLayout(holder)
    col.addWidget(widget)
    col.addStretch()
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(holder)
    return scroll
