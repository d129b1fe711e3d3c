"""Lists that work like lists: every table sorts by its column headers, has a right-click menu with the page's
actions plus 复制 and 导出到 Excel…, and exports what it shows.

Sorting happens inside the model (the `SortableRows` mixin reorders the model's own row lists), not in a proxy:
the pages read the chosen record as `model.row(view.currentIndex().row())`, which a proxy would silently break.
Models that fetch rows a page at a time (the member list) sort in their query instead and keep their own menu.

Keys: numbers as numbers, dates as dates, Chinese by full pinyin (安 < 白 < 陈 < 张), digits in text naturally
(县第2局 before 县第10局).  pypinyin and openpyxl are imported when first needed, never at start-up."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QSettings, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QFileDialog,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableView,
)

# A model may give the plain value of a cell under this role (a date, a Decimal) to sort by instead of its text.
SortRole = Qt.ItemDataRole.UserRole + 7

_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?%?$")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?(?:[ T](\d{1,2}):(\d{2}))?$")
_DIGITS = re.compile(r"(\d+)")
_SYLLABLE = re.compile(r"^[a-zü]+[1-5]?$")
# Short numbers only become numeric cells in Excel; a 身份证号 or a phone number stays text.
_EXCEL_NUMBER = re.compile(r"^[+-]?\d{1,7}(?:\.\d+)?$")


@functools.lru_cache(maxsize=20000)
def pinyin_key(text: str) -> tuple[str, ...]:
    """Full pinyin with tones, syllable by syllable (张三 → zhang1, san1); digit runs padded so they sort as numbers."""
    from pypinyin import Style, lazy_pinyin

    parts: list[str] = []
    for chunk in lazy_pinyin(text, style=Style.TONE3):
        if _SYLLABLE.match(chunk):  # a Chinese character's reading, its tone last (chen2)
            parts.append(chunk)
            continue
        for piece in _DIGITS.split(chunk.lower()):  # anything else (Latin letters, digits) as typed
            if piece.strip():
                parts.append(piece.zfill(12) if piece.isdigit() else piece.strip())
    return tuple(parts)


def sort_key(value: Any) -> tuple[Any, ...]:
    """A key comparable across every kind of cell: empty < numbers < dates < text."""
    if value is None:
        return (0,)
    if isinstance(value, bool):
        return (1, float(value))
    if isinstance(value, (int, float, Decimal)):
        return (1, float(value))
    if isinstance(value, dt.datetime):
        return (2, value.strftime("%Y-%m-%d %H:%M"))
    if isinstance(value, dt.date):
        return (2, value.isoformat() + " 00:00")
    text = str(value).strip()
    if not text:
        return (0,)
    if _NUMBER.match(text):
        return (1, float(text.rstrip("%")))
    m = _DATE.match(text)
    if m:
        y, mo, d, h, mi = (int(g) if g else 0 for g in m.groups())
        return (2, f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}")
    return (3, pinyin_key(text), text)


def cell_key(model: Any, row: int, column: int) -> tuple[Any, ...]:
    index = model.index(row, column)
    value = model.data(index, SortRole)
    return sort_key(value if value is not None else model.data(index, Qt.ItemDataRole.DisplayRole))


class SortableRows:
    """Mixin for a table model (placed before QAbstractTableModel) that keeps its rows in Python lists: sorting
    reorders those lists, so `model.row(r)` stays the record shown in row r; a reload keeps the chosen order."""

    SORTED_LISTS: tuple[str, ...] = ("_rows",)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model: Any = self
        if column < 0:  # the third click on a header: back to the order the page gave
            self._sort_by: tuple[int, Qt.SortOrder] | None = None
            natural = self._natural_order()
            self._apply(sorted(range(len(natural)), key=natural.__getitem__))
            return
        self._sort_by = (column, order)
        perm = self._sort_order()
        if perm is not None and model.rowCount() == len(perm):
            self._apply(perm)

    def _apply(self, perm: list[int]) -> None:
        model: Any = self
        if perm == list(range(len(perm))):
            return
        model.layoutAboutToBeChanged.emit()
        old = model.persistentIndexList()
        self._permute(perm)
        where = {was: now for now, was in enumerate(perm)}
        model.changePersistentIndexList(old, [model.index(where[i.row()], i.column()) if i.row() in where
                                              else QModelIndex() for i in old])
        model.layoutChanged.emit()

    def endResetModel(self) -> None:
        # New rows come in the order last chosen by a header click.
        self._natural = list(range(self._row_total()))
        perm = self._sort_order() if getattr(self, "_sort_by", None) else None
        if perm is not None:
            self._permute(perm)
        super().endResetModel()  # type: ignore[misc]

    def _row_total(self) -> int:
        model: Any = self
        return int(model.rowCount())

    def _natural_order(self) -> list[int]:
        """Where each row stands in the order the page gave (rows added since count as in place)."""
        natural: list[int] | None = getattr(self, "_natural", None)
        if natural is None or len(natural) != self._row_total():
            natural = self._natural = list(range(self._row_total()))
        return natural

    def _sort_order(self) -> list[int] | None:
        model: Any = self
        sort_by = getattr(self, "_sort_by", None)
        if sort_by is None or sort_by[0] >= model.columnCount():
            return None
        column, order = sort_by
        n = model.rowCount()
        keys = [cell_key(model, r, column) for r in range(n)]
        perm = sorted(range(n), key=keys.__getitem__, reverse=order == Qt.SortOrder.DescendingOrder)
        return None if perm == list(range(n)) else perm

    def _permute(self, perm: list[int]) -> None:
        natural = self._natural_order()
        if len(natural) == len(perm):
            self._natural = [natural[i] for i in perm]
        for name in self.SORTED_LISTS:
            rows = getattr(self, name, None)
            if isinstance(rows, list) and len(rows) == len(perm):
                setattr(self, name, [rows[i] for i in perm])


# --- what the view shows ------------------------------------------------------------------------------------------

def shown_table(view: QTableView, only_selected: bool = False) -> tuple[list[str], list[list[str]]]:
    """The headers and cell texts as the view shows them: visible columns in their on-screen order, rows in
    the current (sorted) order, hidden rows left out."""
    model = view.model()
    header = view.horizontalHeader()
    columns = [header.logicalIndex(v) for v in range(header.count())]
    columns = [c for c in columns if not view.isColumnHidden(c)]
    rows = range(model.rowCount())
    if only_selected and view.selectionModel() is not None:
        chosen = {i.row() for i in view.selectionModel().selectedIndexes()}
        if not chosen and view.currentIndex().isValid():
            chosen = {view.currentIndex().row()}
        rows = sorted(chosen)  # type: ignore[assignment]
    headers = [str(model.headerData(c, Qt.Orientation.Horizontal) or "") for c in columns]
    texts = [[_text(model.data(model.index(r, c))) for c in columns] for r in rows if not view.isRowHidden(r)]
    return headers, texts


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def write_xlsx(path: Path, title: str, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """One sheet: a bold header row, then the rows; short numbers become numbers, everything else stays text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = (re.sub(r"[\\/*?:\[\]]", "", title) or "列表")[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(h) * 2 + 2 for h in headers]
    for row in rows:
        sheet.append([_excel_value(t) for t in row])
        widths = [max(w, min(len(t) * 2 + 2, 60)) for w, t in zip(widths, row, strict=False)]
    for i, w in enumerate(widths):
        sheet.column_dimensions[_column_letter(i)].width = w
    sheet.freeze_panes = "A2"
    book.save(path)


def _excel_value(text: str) -> Any:
    if _EXCEL_NUMBER.match(text):
        return float(text) if "." in text else int(text)
    return text


def _column_letter(i: int) -> str:
    letters = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- the menu -------------------------------------------------------------------------------------------------

Action = QAction | QAbstractButton


class ListTools(QObject):
    """The sorting, menu and export of one table view; made by `make_list`."""

    def __init__(self, view: QTableView, actions: Sequence[Action | None], title: str, menu: bool = True) -> None:
        super().__init__(view)
        self.view = view
        self.title = title
        self.page_actions = [self._as_action(a) if a is not None else None for a in actions]
        self.copy_action = QAction("复制", view)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.copy_action.triggered.connect(self.copy)
        view.addAction(self.copy_action)
        self.export_action = QAction("导出到 Excel…", view)
        self.export_action.triggered.connect(self.export)
        if menu:  # else the page builds its own menu and adds copy_action and export_action to it
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(self._menu_requested)
        self.last_menu: QMenu | None = None

    def _as_action(self, item: Action) -> QAction:
        """A page button becomes an action that presses it (same text, same enabled state when the menu opens)."""
        if isinstance(item, QAction):
            return item
        if isinstance(item, QPushButton) and item.menu() is not None:
            # A button with a menu (通知书和记录) becomes the same menu as a submenu.
            item.menu().setTitle(item.text())
            return item.menu().menuAction()
        action = QAction(item.text().replace("&&", "\0").replace("&", "").replace("\0", "&"), self.view)
        action.triggered.connect(item.click)
        action.setData(item)
        return action

    def menu(self) -> QMenu:
        menu = QMenu(self.view)
        for action in self.page_actions:
            if action is None:
                menu.addSeparator()
                continue
            button = action.data()
            if isinstance(button, QAbstractButton):
                action.setEnabled(button.isEnabled())
                action.setVisible(not button.isHidden())
            menu.addAction(action)
        if self.page_actions:
            menu.addSeparator()
        has_rows = self.view.model() is not None and self.view.model().rowCount() > 0
        self.copy_action.setEnabled(has_rows)
        self.export_action.setEnabled(has_rows)
        menu.addAction(self.copy_action)
        menu.addAction(self.export_action)
        return menu

    def _menu_requested(self, pos: Any) -> None:
        index = self.view.indexAt(pos)
        if index.isValid():
            self.view.setCurrentIndex(index)
        menu = self.last_menu = self.menu()
        menu.exec(self.view.viewport().mapToGlobal(pos))
        menu.deleteLater()
        self.last_menu = None

    def copy(self) -> None:
        """The chosen rows (or the current one) as tab-separated text with their headers, to paste into Excel."""
        headers, rows = shown_table(self.view, only_selected=True)
        if rows:
            lines = ["\t".join(headers), *("\t".join(r) for r in rows)]
            QGuiApplication.clipboard().setText("\n".join(lines))

    def export(self) -> Path | None:
        name = f"{self.title or '列表'}.xlsx"
        start = QSettings().value("tables/export_dir", str(Path.home()))
        path_text, _ = QFileDialog.getSaveFileName(self.view, "导出到 Excel", str(Path(str(start)) / name),
                                                   "Excel 工作簿 (*.xlsx)")
        if not path_text:
            return None
        path = Path(path_text)
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        model = self.view.model()
        while model.canFetchMore(QModelIndex()):  # a list loaded a page at a time: export all of it
            model.fetchMore(QModelIndex())
        headers, rows = shown_table(self.view)
        try:
            write_xlsx(path, self.title, headers, rows)
        except OSError as exc:
            QMessageBox.warning(self.view, "导出到 Excel", f"无法保存“{path}”：{exc.strerror or exc}")
            return None
        QSettings().setValue("tables/export_dir", str(path.parent))
        window = self.view.window()
        status = getattr(window, "statusBar", None)
        if callable(status):
            status().showMessage(f"已导出 {len(rows)} 行到 {path}", 8000)
        return path


def make_list(view: QTableView, actions: Sequence[Action | None] = (), *, title: str = "",
              sort: bool = True, menu: bool = True) -> ListTools:
    """Give a table view header sorting (when its model sorts: see SortableRows), the right-click menu with the
    page's `actions` (QActions or the page's buttons; None is a separator) plus 复制 and 导出到 Excel…"""
    if sort:
        header = view.horizontalHeader()
        # No column chosen yet: the rows keep the order the page gave them until a header is clicked.
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        view.setSortingEnabled(True)
        header.setSortIndicatorClearable(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    tools = ListTools(view, actions, title, menu)
    view.setProperty("list_tools", True)
    view._list_tools = tools  # type: ignore[attr-defined]
    return tools


def list_tools(view: QTableView) -> ListTools | None:
    return getattr(view, "_list_tools", None)

