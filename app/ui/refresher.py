"""Lists follow what other clients change: the page in view reloads when the database's change stamp moved since
the page last loaded.

The stamp (app.services.changes) is read in the background, one primary-key read, when the user comes back to
the app (the application becomes active), when another page is shown, and on a timer whose interval is the
setting `ui.refresh_seconds` (default 30 s; 0 turns the timer off).  Not polling every second: a user working
in the app sees others' changes within the interval, and at once when switching back to it.  A page is not
reloaded under a dialog or an open cell editor, nor while its `has_unsaved_changes()` (when it has one) says the
user has edits its `reload()` would throw away; it is reloaded at the first check after that instead.  The
page's own `reload()` is what is called, the same one that local changes use (`AppContext.follow`).

The app's own saves move the stamp too; they are not another client's change (`own_writes_only`): the page that
saved shows them already, and reading it again would take the user back to the first row and wipe what the page
says about the save.  When another client did write, the lists keep their current row and scroll position where
the record is still there (`KeptPlace`)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QApplication, QStackedWidget, QWidget

from app import settings as S
from app.services.changes import current_stamp, own_writes_only
from app.ui import tasks
from app.ui.context import AppContext

log = logging.getLogger(__name__)


class ChangeWatcher(QObject):
    def __init__(self, ctx: AppContext, stack: QStackedWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.stack = ctx, stack
        self._seen: dict[str, int] = {}  # page (object name) → the stamp it was loaded at
        self._task: tasks.Task | None = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self._state_changed)
        stack.currentChanged.connect(lambda _index: self.check())
        ctx.reset.connect(self._database_replaced)
        ctx.changed.connect(lambda what: self.configure() if what == "settings" else None)
        self.configure()
        self.check()

    def configure(self) -> None:
        seconds = int(self.ctx.setting(S.REFRESH_SECONDS))
        if seconds > 0:
            self.timer.start(seconds * 1000)
        else:
            self.timer.stop()

    def check(self) -> None:
        """Read the stamp off the GUI thread and compare it with what the page in view was loaded at."""
        if self.ctx.database_closed or (self._task is not None and not self._task.done):
            return
        sf = self.ctx.session_factory
        self._task = tasks.run_task(lambda _p, _c: current_stamp(sf), on_success=self._compare,
                                    on_failure=self._unreadable)

    def _compare(self, stamp: int) -> None:
        page = self.stack.currentWidget()
        if page is None:
            return
        key = page.objectName()
        seen = self._seen.get(key)
        if seen is None or seen == stamp or own_writes_only(self.ctx.db.engine, seen, stamp):
            self._seen[key] = stamp  # first look (the page was just built), or only this window's own saves
            return
        if _busy(page):
            return  # the next check reloads it
        self._seen[key] = stamp
        reload = getattr(page, "reload", None)
        if callable(reload):
            log.info("data changed by another client: reloading %s", key)
            place = KeptPlace(page)
            reload()
            place.restore()

    def _state_changed(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            self.check()

    def _database_replaced(self) -> None:
        self._seen.clear()  # every page reloads itself after a restore
        self.configure()

    @staticmethod
    def _unreadable(exc: BaseException) -> None:
        # The connection itself is watched elsewhere; a check that failed is simply tried again next time.
        log.warning("change stamp not readable: %s", exc)


def _busy(page: QWidget) -> bool:
    """The user is in a dialog, editing a cell or has edits the page has not saved: reloading now would take the
    ground from under them, or reset their editors to what is stored."""
    unsaved = getattr(page, "has_unsaved_changes", None)
    if callable(unsaved) and unsaved():
        return True
    if QApplication.activeModalWidget() is not None or QApplication.activePopupWidget() is not None:
        return True
    return any(v.state() == QAbstractItemView.State.EditingState for v in page.findChildren(QAbstractItemView))


class KeptPlace:
    """Where the user is in each list of a page: the current row (known by the record it shows, else by its
    number) and the scroll position, put back after the page read its data again."""

    def __init__(self, page: QWidget) -> None:
        self._places = [(view, _row_key(view, view.currentIndex()), view.currentIndex().row(),
                         view.currentIndex().column(), view.verticalScrollBar().value(),
                         view.horizontalScrollBar().value())
                        for view in page.findChildren(QAbstractItemView)
                        # a table's rows; a tree (the organisations) keeps its own place by the record
                        if view.model() is not None and view.currentIndex().isValid()
                        and not view.currentIndex().parent().isValid()]

    def restore(self) -> None:
        for view, key, row, column, vscroll, hscroll in self._places:
            model = view.model()
            if model is None or model.rowCount() == 0:
                continue
            found = next((r for r in range(model.rowCount()) if _row_key(view, model.index(r, 0)) == key), None)
            if found is None:
                found = min(row, model.rowCount() - 1)
            index = model.index(found, max(0, min(column, model.columnCount() - 1)))
            if view.currentIndex() != index:
                flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
                if view.selectionBehavior() == QAbstractItemView.SelectionBehavior.SelectRows:
                    flags |= QItemSelectionModel.SelectionFlag.Rows
                view.selectionModel().setCurrentIndex(index, flags)
            view.verticalScrollBar().setValue(vscroll)
            view.horizontalScrollBar().setValue(hscroll)


def _row_key(view: QAbstractItemView, index: QModelIndex) -> object:
    """What names a row's record: the key the model keeps for it (app.ui.itemmodels.KeyRole), else the texts
    of its first columns."""
    from app.ui.itemmodels import KeyRole

    model = view.model()
    if not index.isValid():
        return None
    first = model.index(index.row(), 0, index.parent())
    key = first.data(KeyRole)
    if key is not None:
        return key
    return tuple(model.index(index.row(), c, index.parent()).data() for c in range(min(3, model.columnCount())))
