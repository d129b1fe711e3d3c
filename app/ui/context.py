"""What every page gets: the data directory, the open database (which a restore replaces), the services, and
the signals that keep pages in step with each other.

Pages never hold a `Session`; they build services on `ctx.session_factory`, which always opens a session on
the database that is open *now*, so a service made before a restore keeps working after it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Signal
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.db import Database
from app.paths import AppPaths
from app.services import anchors
from app.services.app_settings import SettingsService
from app.services.audit import chain_head as read_head_of
from app.services.opening import open_database
from app.services.register import RegisterService

log = logging.getLogger(__name__)


class AppContext(QObject):
    # What changed: "register" (units, organisations, posts, members), "settings", or later areas' own names.
    changed = Signal(str)
    # The database was replaced (restore): every page reloads everything.
    reset = Signal()
    # Ask the main window to show a page and, if the page has `show_target`, a record in it
    # (e.g. ("orgs", ("org", 12)) from the 提醒 page).
    navigate = Signal(str, object)
    # A short message for the status bar.
    status = Signal(str)

    def __init__(self, paths: AppPaths, db: Database, parent: QObject | None = None,
                 today: Callable[[], dt.date] = clock.today) -> None:
        super().__init__(parent)
        self.paths = paths
        self.db = db
        # What day it is for every page and the services they make (tests give a day; the app asks the clock).
        self.today = today
        self.register = RegisterService(self.session_factory, today=today)
        self.settings = SettingsService(self.session_factory)
        # The audit chain's heads kept in this workstation's data folder (locks, 印发, backups, closing): a line
        # that cannot be written is said in the status bar and the log; the work it anchors stands.
        self.anchor_file = anchors.AnchorFile(paths.anchor_path, warn=self.status.emit)
        anchors.attach(db.session_factory, self.anchor_file)
        if db.created:  # a new county where another may have been: earlier heads are not this chain's
            self.anchor_file.append(0, "0" * 64, anchors.REPLACE)

    def session_factory(self) -> Session:
        return self.db.session_factory()

    def setting(self, d: S.SettingDef) -> Any:
        return self.settings.value(d)

    def county_name(self) -> str:
        return str(self.setting(S.COUNTY_NAME))

    def backup_keep(self) -> int:
        return int(self.setting(S.BACKUP_KEEP))

    def follow(self, page: QObject, reload: Callable[[], None], *kinds: str) -> None:
        """Call `reload` when data of one of `kinds` changes or the database is replaced; while the page is
        hidden, only once it is shown again (a change must not make ten hidden pages reload)."""
        _Follower(self, page, reload, set(kinds))

    # While a restore replaces the data nothing may open a connection (a server restore is refused while any
    # other connection of the app is open): background readers such as the change watcher check this first.
    database_closed = False

    def close_database(self) -> None:
        self.database_closed = True
        self.db.close()

    def reopen_database(self) -> None:
        """Open the database again (after a restore replaced its contents) and tell every page to reload."""
        self.db.close()
        self.db = open_database(self.paths.database, backup_dir=self.paths.backup_dir)
        anchors.attach(self.db.session_factory, self.anchor_file)
        self.database_closed = False
        self.reset.emit()

    def anchor_head(self, why: str) -> None:
        """Write the audit chain's head into the anchor file now (at exit); a database that cannot be read then
        is only logged: closing must not fail."""
        if self.database_closed:
            return
        try:
            head = read_head_of(self.session_factory)
        except Exception:  # noqa: BLE001 (the window closes whatever the database says)
            log.warning("audit head not read for the anchor file", exc_info=True)
            return
        if head is not None:
            self.anchor_file.append(head.seq, head.hash, why)


class _Follower(QObject):
    def __init__(self, ctx: AppContext, page: QObject, reload: Callable[[], None], kinds: set[str]) -> None:
        super().__init__(page)
        self._page, self._reload, self._kinds = page, reload, kinds
        self._stale = False
        ctx.changed.connect(self._changed)
        ctx.reset.connect(self._mark)
        page.installEventFilter(self)

    def _changed(self, what: str) -> None:
        if what in self._kinds:
            self._mark()

    def _mark(self) -> None:
        if getattr(self._page, "isVisible", lambda: False)():
            self._stale = False
            self._reload()
        else:
            self._stale = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._page and event.type() == QEvent.Type.Show and self._stale:
            self._stale = False
            self._reload()
        return False
