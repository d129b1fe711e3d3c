"""The main window: the areas on the left (app/ui/pages.py), the current page on the right, menus, status bar.

Pages are built the first time they are shown, so start-up builds only the first one.  At start-up the window
is shown before its context exists (`Opening`: the title, the menus, the areas and where the data is, with
“正在载入…” where the page goes); once that has painted, the context is made (importing the models) and the
first page is built, on the next turns of the event loop (issue 14: the window in under half a second)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPaintEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import APP_TITLE, __version__, clock
from app.dates import cn_date
from app.db import set_write_wait_notice
from app.failures import WRITE_WAIT_TEXT
from app.ui import tasks, unsaved
from app.ui.errors import report_bug
from app.ui.help import show_manual
from app.ui.pages import PAGES, PageDef
from app.ui.remembered import last_page, restore_window, save_window

if TYPE_CHECKING:  # the context imports the models: the window is shown before them
    from app.db import Database
    from app.paths import AppPaths
    from app.ui.context import AppContext

log = logging.getLogger(__name__)

STATUS_TIMEOUT_MS = 8000
LOADING_TEXT = "正在载入…"


@dataclass(frozen=True)
class Opening:
    """What the window shows before its context exists, and how to make the context once the window has painted
    (app/ui/application.py: the county's name read with one plain query; the context imports the models)."""

    paths: AppPaths
    db: Database
    county_name: str | None
    context: Callable[[], AppContext]


def window_title(county: str | None) -> str:
    """The county's name: Qt adds the application's display name (机关党建考评) to every window's title on the
    desktop, so the title bar reads “青山县 — 机关党建考评”; with no name, the display name alone."""
    return county or ""


class MainWindow(QMainWindow):
    # Start-up: the window has painted (title, menus, areas, “正在载入…”), then `opened` once its first page is
    # built.  A window made with its context and without `first_page_later` is opened at once.
    shell_shown = Signal()
    opened = Signal()

    ctx: AppContext  # set by `_connect`: a window made with an `Opening` has none until it has painted

    def __init__(self, ctx: AppContext | Opening, pages: list[PageDef] | None = None, *,
                 first_page_later: bool = False) -> None:
        super().__init__()
        self._opening: Opening | None = None
        self._loading: _Loading | None = None
        self.page_defs = list(pages if pages is not None else PAGES)
        self.pages: dict[str, QWidget] = {}
        self.setObjectName("main_window")
        self.resize(1280, 800)
        self.setMinimumSize(QSize(960, 600))
        restore_window(self)  # size and place as the user left them

        self.nav_model = QStandardItemModel(self)
        for i, p in enumerate(self.page_defs):
            item = QStandardItem(p.title)
            item.setEditable(False)
            item.setData(p.key, Qt.ItemDataRole.UserRole)
            if i < 10:
                item.setToolTip(f"{p.title}（Ctrl+{(i + 1) % 10}）")
            self.nav_model.appendRow(item)
        self.nav = QListView()
        self.nav.setObjectName("navigation")
        self.nav.setModel(self.nav_model)
        self.nav.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.nav.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.nav.setSpacing(2)
        font = self.nav.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.nav.setFont(font)
        self.nav.setFixedWidth(self.nav.fontMetrics().horizontalAdvance("约谈与整改") + 48)

        self.stack = QStackedWidget()
        self.stack.setObjectName("pages")
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(4, 4, 4, 0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.where = QLabel()
        self.where.setObjectName("data_location")
        self.where.setStyleSheet("color: #666;")
        self.statusBar().addPermanentWidget(self.where)
        day = clock.fixed_day()
        if day is not None:
            # Never let a rehearsal pass for today's work: every deadline and alert on screen is as of this day.
            rehearsal = QLabel(f"按指定日期运行：{cn_date(day)}")
            rehearsal.setObjectName("fixed_day")
            rehearsal.setStyleSheet("color: #c00000; font-weight: bold;")
            self.statusBar().addPermanentWidget(rehearsal)
        self._build_menus()
        if isinstance(ctx, Opening):
            self._opening = ctx
            self.setWindowTitle(window_title(ctx.county_name))
            self._show_location_of(ctx.db, ctx.paths)
            for act in self._data_actions:
                act.setEnabled(False)
        else:
            self._connect(ctx)
        if isinstance(ctx, Opening) or first_page_later:
            self._show_loading()
        else:
            self._open_first_page()

    # --- opening --------------------------------------------------------------------------------------------

    def _show_loading(self) -> None:
        """“正在载入…” where the page goes: meanwhile the areas may be chosen and the menus opened (what needs the
        data waits: its actions are off until the context is there); the page chosen last is the one built."""
        self._loading = _Loading(LOADING_TEXT)
        self._loading.painted.connect(self._shell_painted)
        self.stack.addWidget(self._loading)

    def _shell_painted(self) -> None:
        # After this paint has reached the screen (a turn of the event loop), then the context and the first page
        # on the next turn: input that came meanwhile is handled in between.
        QTimer.singleShot(0, self._announce_shell)

    def _announce_shell(self) -> None:
        self.shell_shown.emit()
        QTimer.singleShot(0, self._finish_opening)

    def _finish_opening(self) -> None:
        if self.is_open() or not self.isVisible():  # closed meanwhile: nothing to build
            return
        if self._opening is not None and not hasattr(self, "ctx"):
            try:
                ctx = self._opening.context()
            except Exception as exc:  # the window stays, saying so, and can be closed
                report_bug(type(exc), exc, exc.__traceback__, self)
                if self._loading is not None:
                    self._loading.setText("程序未能载入数据。这是程序缺陷，详细信息已记入日志。请关闭程序后重新打开。")
                return
            self._connect(ctx)
        self._open_first_page()

    def is_open(self) -> bool:
        """True once the window has its context and has shown its first page."""
        return hasattr(self, "watcher")

    def _connect(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._opening = None
        ctx.status.connect(lambda text: self.statusBar().showMessage(text, STATUS_TIMEOUT_MS))
        set_write_wait_notice(_write_wait_notice(ctx))
        ctx.navigate.connect(self.show_page)
        ctx.changed.connect(self._on_changed)
        ctx.reset.connect(self._update_title)
        ctx.reset.connect(self._show_location)
        self._update_title()
        self._show_location()
        for act in self._data_actions:
            act.setEnabled(True)

    def _open_first_page(self) -> None:
        """The page chosen (the first one, unless the user chose another while the window was opening)."""
        from app.ui.refresher import ChangeWatcher  # imports the context, hence the models

        chosen = (self.current_key() or last_page([d.key for d in self.page_defs])
                  or self.page_defs[0].key)
        if self._loading is not None:
            self.stack.removeWidget(self._loading)
            self._loading.setParent(None)
            self._loading.deleteLater()
            self._loading = None
        self.nav.selectionModel().currentChanged.connect(self._nav_changed)
        self.show_page(chosen)
        # Other clients' changes: the page in view reloads on coming back to the app and on a timer.
        self.watcher = ChangeWatcher(self.ctx, self.stack, self)
        self.opened.emit()

    def _go(self, key: str) -> None:
        """Ctrl+1 … Ctrl+9, Ctrl+0 and the 转到 menu: while the window is opening, only the choice is kept."""
        if self.is_open():
            self.show_page(key)
            return
        row = next(i for i, d in enumerate(self.page_defs) if d.key == key)
        self.nav.selectionModel().setCurrentIndex(self.nav_model.index(row, 0),
                                                  QItemSelectionModel.SelectionFlag.ClearAndSelect)

    # --- menus ----------------------------------------------------------------------------------------------

    def _action(self, menu_text: str, slot: object,
                shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None) -> QAction:
        act = QAction(menu_text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(lambda _checked=False: slot())  # type: ignore[operator]
        return act

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("文件(&F)")
        self.act_backup = self._action("立即备份(&B)", self.backup_now)
        self.act_restore = self._action("从备份恢复(&R)…", self.restore)
        self.act_import = self._action("导入 Excel(&I)…", self.import_excel)
        self.act_export = self._action("导出到 Excel(&E)…", self.export_excel)
        self.act_template = self._action("下载导入模板(&T)…", self.download_template)
        self.act_quit = self._action("退出(&X)", self.quit, QKeySequence.StandardKey.Quit)
        self.act_quit.setShortcuts([QKeySequence("Ctrl+Q")])
        for act in (self.act_backup, self.act_restore, None, self.act_import, self.act_export, self.act_template,
                    None, self.act_quit):
            file_menu.addSeparator() if act is None else file_menu.addAction(act)
        self._data_actions = [self.act_backup, self.act_restore, self.act_import, self.act_export, self.act_template]

        go_menu = bar.addMenu("转到(&G)")
        self.page_actions: list[QAction] = []
        for i, p in enumerate(self.page_defs):
            act = self._action(p.title, lambda key=p.key: self._go(key), f"Ctrl+{(i + 1) % 10}" if i < 10 else None)
            go_menu.addAction(act)
            self.page_actions.append(act)
        go_menu.addSeparator()
        self.act_find = self._action("查找(&F)", self.focus_search, QKeySequence.StandardKey.Find)
        go_menu.addAction(self.act_find)

        help_menu = bar.addMenu("帮助(&H)")
        # F1: the 使用手册 at the section of the page in view (app/ui/help.py)
        self.act_manual = self._action("使用手册(&M)", lambda: show_manual(self, self.current_key()), "F1")
        help_menu.addAction(self.act_manual)
        help_menu.addAction(self._action("快捷键(&K)", self.show_shortcuts))
        help_menu.addAction(self._action("关于(&A)", self.show_about))

    # --- pages ----------------------------------------------------------------------------------------------

    def page(self, key: str) -> QWidget:
        """The page for `key`, built on first use."""
        if key not in self.pages:
            p = next(d for d in self.page_defs if d.key == key)
            try:
                widget = p.create(self.ctx)
            except Exception as exc:  # a broken page must not take the window down with it
                report_bug(type(exc), exc, exc.__traceback__, self)
                widget = _BrokenPage(p.title)
            self.pages[key] = widget
            self.stack.addWidget(widget)
        return self.pages[key]

    def current_key(self) -> str:
        return str(self.nav.currentIndex().data(Qt.ItemDataRole.UserRole) or "")

    def show_page(self, key: str, target: object = None) -> QWidget:
        row = next((i for i, d in enumerate(self.page_defs) if d.key == key), None)
        if row is None:  # a page this account's window does not have (a 单位填报员's): stay where we are
            self.statusBar().showMessage("当前账户不能使用该页面", STATUS_TIMEOUT_MS)
            return self._back_to_current()
        if not self._may_leave_for(key):  # 取消: the navigation goes back to the page in view
            return self._back_to_current()
        widget = self.page(key)
        self.stack.setCurrentWidget(widget)
        index = self.nav_model.index(row, 0)
        if self.nav.currentIndex() != index:
            self.nav.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if target is not None and hasattr(widget, "show_target"):
            widget.show_target(target)
        return widget

    def hide_data_actions(self) -> None:
        """The 文件 menu's backup, restore and Excel actions, for an account that may use none of them."""
        for act in self._data_actions:
            act.setVisible(False)
            act.setEnabled(False)
        self._data_actions = []

    def _may_leave_for(self, key: str) -> bool:
        """Edits on the page in view are saved or given up, or the user stays (app/ui/unsaved.py)."""
        here = self.stack.currentWidget()
        if here is None or here is self.pages.get(key):
            return True
        title = next((d.title for d in self.page_defs if self.pages.get(d.key) is here), "")
        return unsaved.may_leave_page(here, title, self)

    def _back_to_current(self) -> QWidget:
        here = self.stack.currentWidget()
        assert here is not None  # only a page in view can have held the user back
        row = next(i for i, d in enumerate(self.page_defs) if self.pages.get(d.key) is here)
        # _nav_changed then finds this page in view already and does nothing
        self.nav.selectionModel().setCurrentIndex(self.nav_model.index(row, 0),
                                                  QItemSelectionModel.SelectionFlag.ClearAndSelect)
        return here

    def _nav_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        key = current.data(Qt.ItemDataRole.UserRole)
        if key and self.stack.currentWidget() is not self.pages.get(key):
            self.show_page(str(key))

    def focus_search(self) -> None:
        widget = self.stack.currentWidget()
        if widget is not None and hasattr(widget, "focus_search"):
            widget.focus_search()

    # --- title and data -------------------------------------------------------------------------------------

    def _update_title(self) -> None:
        self.setWindowTitle(window_title(self.ctx.county_name()))

    def _show_location(self) -> None:
        self._show_location_of(self.ctx.db, self.ctx.paths)

    def _show_location_of(self, db: Database, paths: AppPaths) -> None:
        """Where the data is: the database file, or the server (never its password: `Database.location`)."""
        self.where.setText(f"数据库服务器：{db.location}" if db.is_server else f"数据库文件：{db.location}")
        self.where.setToolTip(f"数据目录（备份、日志、生成的文件）：{paths.data_dir}")

    def _on_changed(self, what: str) -> None:
        if what == "settings":
            self._update_title()

    # --- file menu ------------------------------------------------------------------------------------------

    def backup_now(self) -> None:
        from app.ui.backup_actions import backup_now

        def done(path: Path) -> None:
            QMessageBox.information(self, "备份", f"已备份到：\n{path}")

        backup_now(self.ctx, self, done)

    def restore(self) -> None:
        from app.ui.backup_actions import RestoreDialog

        RestoreDialog(self.ctx, self).exec()

    def import_excel(self) -> None:
        from app.ui.excel_actions import import_register

        import_register(self.ctx, self)

    def export_excel(self) -> None:
        from app.ui.excel_actions import export_register

        export_register(self.ctx, self)

    def download_template(self) -> None:
        from app.ui.excel_actions import download_template

        download_template(self.ctx, self)

    # --- help -----------------------------------------------------------------------------------------------

    def show_shortcuts(self) -> None:
        show_manual(self, "shortcuts")  # the manual's table: one list of shortcuts, checked against the code

    def show_about(self) -> None:
        from PySide6 import __version__ as pyside_version

        opening = self._opening  # 关于 opens while the window is opening too
        db, paths = (opening.db, opening.paths) if opening is not None else (self.ctx.db, self.ctx.paths)
        QMessageBox.about(
            self, f"关于{APP_TITLE}",
            f"<h3>{APP_TITLE} {__version__}</h3>"
            "<p>县直机关党建工作考评：党组织和党员登记，月度考评、通报、约谈整改，季度分级考核和年度述职评议。</p>"
            f"<p>数据库：{escape(db.location)}<br>数据目录：{paths.data_dir}</p>"
            f"<p>界面基于 Qt（PySide6 {pyside_version}）；内置字体“文泉驿微米黑”（Apache License 2.0）。</p>",
        )

    # --- closing --------------------------------------------------------------------------------------------

    # 退出 and the window's close button ask about unsaved edits (app/ui/unsaved.py); a close() by the program
    # (signing out, a test) has decided already.
    def quit(self) -> None:
        if self._may_close():
            self.close()

    def _may_close(self) -> bool:
        here = self.stack.currentWidget()
        built = [(d.title, self.pages[d.key]) for d in self.page_defs if d.key in self.pages]
        built.sort(key=lambda tp: tp[1] is not here)  # the page in view is asked about first
        return unsaved.may_close_pages(built, self.stack.setCurrentWidget, self)

    def closeEvent(self, event: QCloseEvent) -> None:
        if event.spontaneous() and not self._may_close():
            event.ignore()
            return
        # Background work (e.g. the daily backup) finishes or stops before the database is closed.
        tasks.cancel_all()
        tasks.wait_for_all()
        save_window(self, self.current_key())
        super().closeEvent(event)


class _Loading(QLabel):
    """Where the first page goes while the window opens; says once that it has been painted."""

    painted = Signal()

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setObjectName("loading")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("color: #666;")
        self._told = False

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._told:
            self._told = True
            self.painted.emit()


class _BrokenPage(QWidget):
    def __init__(self, title: str) -> None:
        super().__init__()
        label = QLabel(f"“{title}”页面未能打开。这是程序缺陷，详细信息已记入日志。")
        label.setWordWrap(True)
        QVBoxLayout(self).addWidget(label)


def _write_wait_notice(ctx: AppContext) -> Callable[[], None]:
    """The status bar's line while a save waits for another program's write (called on a worker thread: the
    signal is delivered on the GUI thread)."""

    def notice() -> None:
        with contextlib.suppress(RuntimeError):  # the window and its context were closed meanwhile
            ctx.status.emit(WRITE_WAIT_TEXT)

    return notice
