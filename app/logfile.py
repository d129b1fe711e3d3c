"""The log file: rotating, and readable by its owner only.

Logs carry no personal data by rule, but they do carry file paths, user names and tracebacks; like the database
and the backups beside them they are created 0600 on POSIX (app.paths).  Every part of the app that logs to a
file (the GUI, the CLI) takes its handler from here."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
from io import TextIOWrapper
from pathlib import Path

from app.paths import PRIVATE_FILE_MODE, make_private

MAX_BYTES = 2_000_000
BACKUP_COUNT = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler whose files are created 0600 whatever the umask (the file it starts after each
    rollover too), and an existing 0644 log from an earlier version is tightened."""

    def _open(self) -> TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE)
        make_private(Path(self.baseFilename))
        # Append only: a RotatingFileHandler with maxBytes never truncates (its mode is "a").
        return open(fd, "a", encoding=self.encoding, errors=self.errors)  # noqa: SIM115 (the handler owns it)


def file_handler(path: Path) -> logging.Handler:
    handler = PrivateRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    return handler


class _StrictHandler(PrivateRotatingFileHandler):
    """A write that fails (a full disk) raises instead of printing logging's own traceback to stderr."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        raise  # noqa: PLE0704 (called inside logging's `except`: re-raises the write's error)


class FirstUseFileHandler(logging.Handler):
    """A log file opened only when the first record arrives, in the first of `folders` that can take it.

    The CLI's: a command that logs nothing creates nothing, and a data folder that is read-only or on a full
    disk sends the records (the traceback of that very failure) to the next folder, a private one in the
    temporary folder, instead of losing them."""

    def __init__(self, folders: list[Path], name: str, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self._folders, self._name = list(folders), name
        self._inner: logging.Handler | None = None
        self.path: Path | None = None

    def emit(self, record: logging.LogRecord) -> None:
        while self._inner is not None or self._open_next():
            assert self._inner is not None
            try:
                self._inner.emit(record)
                return
            except OSError:
                self._drop_inner()
        self.path = None

    def _open_next(self) -> bool:
        from app.paths import private_dir

        while self._folders:
            folder = self._folders.pop(0)
            try:
                private_dir(folder)
                handler = _StrictHandler(folder / self._name, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT,
                                         encoding="utf-8")
            except OSError:
                continue
            handler.setFormatter(logging.Formatter(FORMAT))
            self._inner, self.path = handler, folder / self._name
            return True
        return False

    def _drop_inner(self) -> None:
        if self._inner is not None:
            with contextlib.suppress(OSError, ValueError):
                self._inner.close()
        self._inner = None

    def close(self) -> None:
        self._drop_inner()
        super().close()


def fallback_log_folder() -> Path:
    """A folder only this user may enter in the system's temporary folder: where the log goes when the data
    folder cannot take it."""
    import tempfile

    uid = os.getuid() if hasattr(os, "getuid") else os.getpid()
    return Path(tempfile.gettempdir()) / f"dangjian-logs-{uid}"
