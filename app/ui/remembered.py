"""What the app remembers between sessions on this computer (QSettings, per Windows/Linux user): the main window's
size and place, the page last in view, the last user name typed at the login, splitter positions and the
folder an Excel list was last exported to.  Nothing here is county data; a missing or damaged value is ignored."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

GEOMETRY = "window/geometry"
LAST_PAGE = "window/last_page"
LAST_USER = "login/last_user"


def restore_window(window: QMainWindow) -> None:
    value = QSettings().value(GEOMETRY)
    if isinstance(value, QByteArray) and not value.isEmpty():
        window.restoreGeometry(value)


def save_window(window: QMainWindow, page_key: str) -> None:
    settings = QSettings()
    settings.setValue(GEOMETRY, window.saveGeometry())
    if page_key:
        settings.setValue(LAST_PAGE, page_key)


def last_page(page_keys: Sequence[str]) -> str | None:
    """The page last in view, if the window still has it."""
    key = QSettings().value(LAST_PAGE)
    return key if isinstance(key, str) and key in page_keys else None


def last_user() -> str:
    value: Any = QSettings().value(LAST_USER, "")
    return value if isinstance(value, str) else ""


def remember_user(username: str) -> None:
    QSettings().setValue(LAST_USER, username)


def remember_splitter(splitter: QSplitter, key: str) -> None:
    """Restore the splitter's sizes saved under `key` and save them whenever the user moves it."""
    settings_key = f"splitters/{key}"
    state = QSettings().value(settings_key)
    if isinstance(state, QByteArray) and not state.isEmpty():
        splitter.restoreState(state)

    def save(_pos: int, _index: int) -> None:
        QSettings().setValue(settings_key, splitter.saveState())

    splitter.splitterMoved.connect(save)
