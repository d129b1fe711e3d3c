"""The log file: rotating, and readable by its owner only.

Logs carry no personal data by rule, but they do carry file paths, user names and tracebacks; like the database
and the backups beside them they are created 0600 on POSIX (app.paths).  Every part of the app that logs to a
file (the GUI, the CLI) takes its handler from here."""

from __future__ import annotations

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
