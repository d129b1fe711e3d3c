"""Small read-only models shared by several pages (post lists, transfer history, import reports, backups).

Big tables have their own lazily fetching models (see member_page.py); these hold a few hundred rows at most."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.ui.tables import SortableRows, SortRole

AnyIndex = QModelIndex | QPersistentModelIndex

# The record a row stands for (an id, a path …), for the view's caller; not shown.
KeyRole = Qt.ItemDataRole.UserRole + 1


def display(value: Any) -> str:
    """How a plain value reads in a table cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.1f}"
    return str(value)


class RowsTableModel(SortableRows, QAbstractTableModel):
    """Rows of plain values under fixed headers; each row may carry a key (KeyRole on every cell).  Sorts by the
    plain values (a header click), keys and colours moving with their rows."""

    SORTED_LISTS: tuple[str, ...] = ("_rows", "_keys")

    def __init__(self, headers: Sequence[str], rows: Sequence[Sequence[Any]] = (),
                 keys: Sequence[Any] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._rows: list[list[Any]] = []
        self._keys: list[Any] = []
        self._foreground: dict[int, str] = {}
        self.set_rows(rows, keys)

    def set_rows(self, rows: Sequence[Sequence[Any]], keys: Sequence[Any] | None = None,
                 foreground: dict[int, str] | None = None) -> None:
        """Replace the rows; `foreground` maps a row number to a text colour (e.g. a vacancy in red)."""
        self.beginResetModel()
        self._rows = [list(r) for r in rows]
        self._keys = list(keys) if keys is not None else [None] * len(self._rows)
        self._foreground = dict(foreground or {})
        self.endResetModel()

    def _permute(self, perm: list[int]) -> None:
        super()._permute(perm)
        where = {was: now for now, was in enumerate(perm)}
        self._foreground = {where[r]: c for r, c in self._foreground.items() if r in where}

    def key(self, row: int) -> Any:
        return self._keys[row] if 0 <= row < len(self._keys) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(self._headers):
            return None
        value = self._rows[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return display(value)
        if role == KeyRole:
            return self._keys[index.row()]
        if role == SortRole:
            return value
        if role == Qt.ItemDataRole.ForegroundRole and index.row() in self._foreground:
            from PySide6.QtGui import QColor

            return QColor(self._foreground[index.row()])
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return str(section + 1)
