"""Table models of the scoring wizard: the units of a month, one unit's items, an item's deductions (bonuses),
the suggested deductions, and the month's ranking.  Each holds the dataclasses the services return and is
refreshed by `load(...)`; the 自评 column of the item table is editable and saves through a callback."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from app.models import IndicatorMethod, Tier
from app.services.ranking import Ranking, RankingRow
from app.services.scoring import ItemView, OccurrenceView, SheetForm, SheetSummary, Suggestion
from app.ui.tables import SortableRows

AnyIndex = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
EDIT = Qt.ItemDataRole.EditRole
KeyRole = Qt.ItemDataRole.UserRole + 1  # the id of the record a row stands for
RED = QColor("#b00020")
GREY = QColor("#777777")
SELF_DIFFERS = QColor("#FFF2CC")  # 自评 ≠ 复核: the row's scores on a pale yellow


def score_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.1f}"


def signed(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value:+.1f}" if value else "0.0"


class _Table(SortableRows, QAbstractTableModel):
    """Rows of one dataclass type under fixed headers."""

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rows(self) -> list[Any]:
        return list(self._rows)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if role != DISPLAY:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return str(section + 1)

    def data(self, index: AnyIndex, role: int = DISPLAY) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(self.HEADERS):
            return None
        row = self._rows[index.row()]
        if role == KeyRole:
            return getattr(row, "id", None)
        if role in (DISPLAY, Qt.ItemDataRole.ToolTipRole):
            return self.text(row, index.column(), role == Qt.ItemDataRole.ToolTipRole)
        if role == Qt.ItemDataRole.TextAlignmentRole and self.numeric(index.column()):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.colour(row, index.column())
        return None

    def text(self, row: Any, column: int, tooltip: bool) -> str:
        """A cell's text; each model below spells out its columns."""
        return ""

    def numeric(self, column: int) -> bool:
        return False

    def colour(self, row: Any, column: int) -> QColor | None:
        return None


# ---------------------------------------------------------------------------------------------------------------


class SheetCol(enum.IntEnum):
    UNIT = 0
    TOTAL = 1
    DEDUCTIONS = 2
    REVIEWED = 3


class SheetListModel(_Table):
    """The month's units in register order, with their running total and review state."""

    HEADERS = ("单位", "复核总分", "扣分项", "复核")

    def text(self, row: SheetSummary, column: int, tooltip: bool) -> str:
        if column == SheetCol.UNIT:
            return row.unit_name + ("（一票否决）" if row.veto else "")
        if column == SheetCol.TOTAL:
            return score_text(row.review_total)
        if column == SheetCol.DEDUCTIONS:
            return str(row.deductions) if row.deductions else ""
        return "已复核" if row.reviewed else ""

    def numeric(self, column: int) -> bool:
        return column in (SheetCol.TOTAL, SheetCol.DEDUCTIONS)

    def colour(self, row: SheetSummary, column: int) -> QColor | None:
        return RED if row.veto and column == SheetCol.UNIT else None

    def row_of_sheet(self, sheet_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == sheet_id), -1)


# ---------------------------------------------------------------------------------------------------------------


class ItemCol(enum.IntEnum):
    CATEGORY = 0
    INDICATOR = 1
    POINTS = 2
    METHOD = 3
    RECORDED = 4
    REVIEW = 5
    SELF = 6
    SELF_NOTE = 7


class ItemTableModel(_Table):
    """Every indicator of one unit's sheet: points, what is recorded, the 复核 score and the editable 自评."""

    HEADERS = ("类别", "指标", "分值", "计分", "扣分/加分", "复核得分", "自评得分", "自评说明")

    def __init__(self, save_self: Callable[[ItemView, str], bool] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._categories: dict[int, str] = {}
        self._save_self = save_self
        self.locked = False

    def load(self, form: SheetForm | None) -> None:
        self._categories = {}
        rows: list[ItemView] = []
        if form is not None:
            for c in form.categories:
                for it in c.items:
                    self._categories[it.id] = c.name
                    rows.append(it)
            self.locked = form.locked or form.reviewed
        self.set_rows(rows)

    def text(self, row: ItemView, column: int, tooltip: bool) -> str:
        ind = row.indicator
        if column == ItemCol.CATEGORY:
            return self._categories.get(row.id, "")
        if column == ItemCol.INDICATOR:
            return ind.description if tooltip and ind.description else ind.name + ("　★佐证" if ind.evidence_required and not tooltip else "")
        if column == ItemCol.POINTS:
            return score_text(ind.points)
        if column == ItemCol.METHOD:
            return ind.method.value
        if column == ItemCol.RECORDED:
            records = row.bonuses if ind.method == IndicatorMethod.BONUS else row.deductions
            if not records:
                return "一票否决" if row.veto else ""
            amount = sum((r.amount for r in records), Decimal(0))
            sign = "+" if ind.method == IndicatorMethod.BONUS else "−"
            return f"{sign}{amount:.1f}（{len(records)}项）" + ("　一票否决" if row.veto else "")
        if column == ItemCol.REVIEW:
            return score_text(row.review_score)
        if column == ItemCol.SELF_NOTE:
            return row.self_note
        if tooltip and row.self_differs:
            assert row.self_score is not None
            return (f"自评{score_text(row.self_score)}分，复核{score_text(row.review_score)}分，"
                    f"相差{score_text(abs(row.self_score - row.review_score))}分")
        return score_text(row.self_score)

    def numeric(self, column: int) -> bool:
        return column in (ItemCol.POINTS, ItemCol.REVIEW, ItemCol.SELF)

    def colour(self, row: ItemView, column: int) -> QColor | None:
        if row.veto or (column == ItemCol.REVIEW and row.lost > 0):
            return RED
        return None

    def data(self, index: AnyIndex, role: int = DISPLAY) -> Any:
        if role == EDIT and index.isValid() and index.column() == ItemCol.SELF:
            row = self.row_at(index.row())
            return score_text(row.self_score) if row else None
        if (role == Qt.ItemDataRole.BackgroundRole and index.isValid()
                and index.column() in (ItemCol.REVIEW, ItemCol.SELF, ItemCol.SELF_NOTE)):
            row = self.row_at(index.row())
            return SELF_DIFFERS if row is not None and row.self_differs else None
        if role == Qt.ItemDataRole.FontRole and index.isValid() and index.column() == ItemCol.REVIEW:
            bold = QFont()
            bold.setBold(True)
            return bold
        return super().data(index, role)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == ItemCol.SELF and not self.locked and self._save_self is not None:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: AnyIndex, value: Any, role: int = EDIT) -> bool:
        if role != EDIT or not index.isValid() or index.column() != ItemCol.SELF or self._save_self is None:
            return False
        row = self.row_at(index.row())
        return row is not None and self._save_self(row, str(value or "").strip())

    def row_of_item(self, item_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == item_id), -1)


# ---------------------------------------------------------------------------------------------------------------


class OccurrenceCol(enum.IntEnum):
    OCCURRENCES = 0
    EACH = 1
    AMOUNT = 2
    REASON = 3
    EVIDENCE = 4
    SOURCE = 5


class OccurrenceTableModel(_Table):
    """The deductions (or bonuses) recorded on one item."""

    HEADERS = ("次数", "每次分值", "小计", "原因", "佐证", "来源")

    def text(self, row: OccurrenceView, column: int, tooltip: bool) -> str:
        if column == OccurrenceCol.OCCURRENCES:
            return str(row.occurrences)
        if column == OccurrenceCol.EACH:
            return score_text(row.points_each)
        if column == OccurrenceCol.AMOUNT:
            return score_text(row.amount)
        if column == OccurrenceCol.REASON:
            return row.reason
        if column == OccurrenceCol.EVIDENCE:
            parts = [p for p in (row.evidence_note, f"附件：{row.evidence_file.rsplit('/', 1)[-1]}" if row.evidence_file else "") if p]
            return "；".join(parts)
        return source_text(row.source) + (f"（{row.created_by}）" if tooltip and row.created_by else "")

    def numeric(self, column: int) -> bool:
        return column in (OccurrenceCol.OCCURRENCES, OccurrenceCol.EACH, OccurrenceCol.AMOUNT)

    def colour(self, row: OccurrenceView, column: int) -> QColor | None:
        return GREY if column == OccurrenceCol.SOURCE else None


def source_text(source: str) -> str:
    """Where a deduction came from, in words."""
    if not source:
        return "手工登记"
    if source.startswith("import:"):
        return f"导入（{source.split(':', 1)[1]}）"
    if source.startswith("suggested:vacancy"):
        return "系统建议：支委空缺"
    if source.startswith("suggested:term_overdue"):
        return "系统建议：换届超期"
    if source.startswith("orglife:"):
        return "系统建议：组织生活"
    return f"系统建议（{source}）"


# ---------------------------------------------------------------------------------------------------------------


class SuggestionCol(enum.IntEnum):
    INDICATOR = 0
    AMOUNT = 1
    REASON = 2
    SOURCE = 3


class SuggestionTableModel(_Table):
    """Suggested deductions for one unit, each with the fact it comes from."""

    HEADERS = ("指标", "建议扣分", "依据", "来源")

    def text(self, row: Suggestion, column: int, tooltip: bool) -> str:
        if column == SuggestionCol.INDICATOR:
            return row.indicator_name
        if column == SuggestionCol.AMOUNT:
            return f"−{row.amount:.1f}" + (f"（{row.occurrences}×{row.points_each:.1f}）" if row.occurrences > 1 else "")
        if column == SuggestionCol.REASON:
            return row.reason
        return row.source if tooltip else source_text(row.source)

    def data(self, index: AnyIndex, role: int = DISPLAY) -> Any:
        if role == KeyRole and index.isValid():
            row = self.row_at(index.row())
            return row.source if row else None
        return super().data(index, role)


# ---------------------------------------------------------------------------------------------------------------


class RankingTableModel(_Table):
    """The month's ranking: 名次, 单位, the category scores, 总分, 环比, 档次, 约谈 and the rules behind it."""

    FIXED_LEFT = ("名次", "单位")
    FIXED_RIGHT = ("总分", "环比", "档次", "约谈", "依据")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._categories: list[str] = []
        self.HEADERS = self.FIXED_LEFT + self.FIXED_RIGHT

    def load(self, ranking: Ranking | None) -> None:
        self.beginResetModel()
        self._categories = list(ranking.category_names) if ranking else []
        self.HEADERS = self.FIXED_LEFT + tuple(self._categories) + self.FIXED_RIGHT
        self._rows = list(ranking.rows) if ranking else []
        self.endResetModel()

    def column_of(self, header: str) -> int:
        return self.HEADERS.index(header)

    def text(self, row: RankingRow, column: int, tooltip: bool) -> str:
        header = self.HEADERS[column]
        if column == 0:
            return str(row.rank)
        if column == 1:
            return row.unit
        if header in self._categories and column < len(self.FIXED_LEFT) + len(self._categories):
            return score_text(row.categories.get(header))
        values = {"总分": score_text(row.total), "环比": signed(row.change), "档次": row.tier.value,
                  "约谈": "是" if row.interview else "", "依据": "；".join(row.reasons)}
        return values[header]

    def numeric(self, column: int) -> bool:
        return column == 0 or len(self.FIXED_LEFT) <= column < len(self.HEADERS) - 3

    def colour(self, row: RankingRow, column: int) -> QColor | None:
        header = self.HEADERS[column]
        if header in ("档次", "约谈", "依据") and (row.interview or row.tier == Tier.BACKWARD):
            return RED
        if header == "环比" and row.change is not None and row.change < 0:
            return RED
        return None

    def data(self, index: AnyIndex, role: int = DISPLAY) -> Any:
        if role == KeyRole and index.isValid():
            row = self.row_at(index.row())
            return row.sheet_id if row else None
        return super().data(index, role)
