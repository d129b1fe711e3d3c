"""单位画像: a unit's last twelve months of 考评 against the county's mean (a line chart drawn with QPainter, so
no matplotlib is imported for it), its rank and tier each month, and its open 整改 items.  Shown beside the
organisation tree when a unit is selected, and as a dialog from the scoring and annual pages.

The picture is read on a worker thread; the view says so while it reads, and only the latest request is shown
(moving quickly through the tree must not show an earlier unit's picture last)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.models import Tier
from app.services.unit_picture import UnitMonth, UnitPicture, unit_picture
from app.ui import tasks
from app.ui.colours import ERROR_COLOUR
from app.ui.context import AppContext
from app.ui.itemmodels import RowsTableModel
from app.ui.keyboard import follow_layout

UNIT_COLOUR = QColor("#c00000")  # the unit: red, as in the documents' trend charts
MEAN_COLOUR = QColor("#555555")  # the county: grey, dashed
HEIGHT = 230
MONTH_HEADERS = ["月份", "得分", "全县平均", "名次", "档次"]
ITEM_HEADERS = ["问题", "整改时限", "状态"]


def score_axis(values: Sequence[Decimal]) -> tuple[int, int]:
    """The value axis: from a multiple of 5 below the lowest value to 100 (or above, with 加分), at least 10
    points tall so that a flat line is not drawn as a cliff."""
    low = min(values, default=Decimal(90))
    high = max(values, default=Decimal(100))
    bottom = math.floor(low / 5) * 5
    top = max(100, math.ceil(high / 5) * 5)
    return min(bottom, top - 10), top


class TrendChart(QWidget):
    """The unit's 复核 total per month (red, with points) and the county mean (grey, dashed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.months: list[UnitMonth] = []
        self.message = ""
        self.setMinimumHeight(HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(560, HEIGHT)

    def set_months(self, months: Sequence[UnitMonth]) -> None:
        self.months, self.message = list(months), "" if months else "还没有月度考评"
        self.update()

    def show_message(self, text: str) -> None:
        self.months, self.message = [], text
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: ARG002 (the whole chart is redrawn)
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            frame = QRectF(self.rect())
            p.fillRect(frame, Qt.GlobalColor.white)
            if not self.months:
                p.drawText(frame, Qt.AlignmentFlag.AlignCenter, self.message)
                return
            self._draw(p, frame)
        finally:
            p.end()

    def _draw(self, p: QPainter, frame: QRectF) -> None:
        metrics = p.fontMetrics()
        line = metrics.height()
        values = [v for m in self.months for v in (m.total, m.mean) if v is not None]
        bottom, top = score_axis(values)
        axis = metrics.horizontalAdvance("100") + 8
        plot = QRectF(frame.left() + axis + 6, frame.top() + line * 2, frame.width() - axis - 20,
                      frame.height() - line * 3.5)
        self._legend(p, frame, line)

        def y_of(value: Decimal) -> float:
            return plot.bottom() - plot.height() * float(value - bottom) / (top - bottom)

        p.setPen(QColor("#000000"))
        for tick in range(bottom, top + 1, 5 if top - bottom <= 30 else 10):
            y = y_of(Decimal(tick))
            p.setPen(QPen(QColor("#dddddd"), 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(QColor("#000000"))
            p.drawText(QRectF(frame.left(), y - line / 2, axis, line),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(tick))
        p.drawLine(QPointF(plot.left(), plot.top()), QPointF(plot.left(), plot.bottom()))
        p.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        slot = plot.width() / len(self.months)
        xs = [plot.left() + slot * (i + 0.5) for i in range(len(self.months))]
        for x, m in zip(xs, self.months, strict=True):
            # Month numbers only: the title says which months (a year's label would not fit a narrow slot).
            p.drawText(QRectF(x - slot / 2, plot.bottom() + 4, slot, line), Qt.AlignmentFlag.AlignHCenter,
                       f"{m.month}月")
        self._series(p, xs, [m.mean for m in self.months], y_of, MEAN_COLOUR, dashed=True)
        self._series(p, xs, [m.total for m in self.months], y_of, UNIT_COLOUR, dashed=False)

    @staticmethod
    def _series(p: QPainter, xs: list[float], values: list[Decimal | None], y_of: Callable[[Decimal], float],
                colour: QColor, *, dashed: bool) -> None:
        """A line through the months that have a value (a gap where the unit had no sheet), points on it."""
        pen = QPen(colour, 2, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
        p.setPen(pen)
        run: list[QPointF] = []
        points = []
        for x, v in zip(xs, values, strict=True):
            if v is None:
                if len(run) > 1:
                    p.drawPolyline(QPolygonF(run))
                run = []
                continue
            point = QPointF(x, y_of(v))
            run.append(point)
            points.append(point)
        if len(run) > 1:
            p.drawPolyline(QPolygonF(run))
        if not dashed:
            p.setBrush(colour)
            for point in points:
                p.drawEllipse(point, 3, 3)

    @staticmethod
    def _legend(p: QPainter, frame: QRectF, line: float) -> None:
        x = frame.left() + 12
        y = frame.top() + line * 0.8
        for text, colour, style in (("本单位", UNIT_COLOUR, Qt.PenStyle.SolidLine),
                                    ("全县平均", MEAN_COLOUR, Qt.PenStyle.DashLine)):
            p.setPen(QPen(colour, 2, style))
            p.drawLine(QPointF(x, y), QPointF(x + 24, y))
            p.setPen(QColor("#000000"))
            width = p.fontMetrics().horizontalAdvance(text)
            p.drawText(QRectF(x + 30, y - line / 2, width + 4, line), Qt.AlignmentFlag.AlignVCenter, text)
            x += 30 + width + 24


def summary(picture: UnitPicture) -> str:
    """One line: the tiers of the locked months shown and the open 整改 items."""
    locked = [m for m in picture.months if m.locked and m.total is not None]
    counts = picture.tier_counts
    tiers = "、".join(f"{t.value}{counts[t]}次" for t in Tier if counts[t])
    overdue = sum(1 for i in picture.open_items if i.overdue)
    items = (f"未销号整改{len(picture.open_items)}项" + (f"（逾期{overdue}项）" if overdue else "")
             if picture.open_items else "没有未销号的整改事项")
    months = f"近{len(locked)}个已锁定月份：{tiers}" if locked else "还没有已锁定的月度考评"
    return f"{months}；{items}。"


def month_rows(months: Sequence[UnitMonth]) -> list[tuple[str, str, str, str, str]]:
    """Newest first, as the table lists them; a month still open says so instead of a final rank."""
    rows = []
    for m in reversed(months):
        total = "—" if m.total is None else f"{m.total:.1f}"
        mean = "—" if m.mean is None else f"{m.mean:.1f}"
        if m.total is None:
            rank, tier = "未参加", ""
        elif m.locked:
            rank, tier = f"{m.rank}/{m.units}", m.tier.value if m.tier else ""
        else:
            rank, tier = "未锁定", ""
        rows.append((m.label, total, mean, rank, tier))
    return rows


def _table(model: RowsTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return view


class UnitPictureView(QWidget):
    """Title, chart, summary, and two tabs: the months and the open 整改 items."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.unit_id: int | None = None
        self.picture: UnitPicture | None = None
        self.title = QLabel()
        self.title.setObjectName("picture_title")
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.chart = TrendChart()
        self.summary = QLabel()
        self.summary.setObjectName("picture_summary")
        self.summary.setWordWrap(True)
        self.months_model = RowsTableModel(MONTH_HEADERS, parent=self)
        self.items_model = RowsTableModel(ITEM_HEADERS, parent=self)
        self.tabs = QTabWidget()
        self.tabs.addTab(_table(self.months_model, "picture_months"), "逐月得分与档次")
        self.tabs.addTab(_table(self.items_model, "picture_items"), "未销号整改")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.title, self.chart, self.summary):
            layout.addWidget(w)
        layout.addWidget(self.tabs, 1)

    def show_unit(self, unit_id: int, name: str = "") -> None:
        """Read the unit's picture off the GUI thread; the latest request wins."""
        self.unit_id = unit_id
        self.title.setText(f"{name}　单位画像" if name else "单位画像")
        self.chart.show_message("正在读取…")
        self.summary.setText("")
        sf = self.ctx.session_factory

        def read(_progress: object, _cancelled: object) -> UnitPicture:
            return unit_picture(sf, unit_id)

        def shown(picture: UnitPicture) -> None:
            if picture.unit_id == self.unit_id:
                self.set_picture(picture)

        def failed(exc: BaseException) -> None:
            if self.unit_id == unit_id:
                self.chart.show_message(f"无法读取单位画像：{exc}")

        tasks.run_task(read, on_success=shown, on_failure=failed, parent=self)

    def set_picture(self, picture: UnitPicture) -> None:
        self.picture = picture
        span = f"{picture.months[0].label}至{picture.months[-1].label}" if picture.months else "还没有月度考评"
        self.title.setText(f"{picture.unit}　{span}")
        self.chart.set_months(picture.months)
        self.summary.setText(summary(picture))
        self.months_model.set_rows(month_rows(picture.months))
        overdue = {i: ERROR_COLOUR for i, item in enumerate(picture.open_items) if item.overdue}
        self.items_model.set_rows([(i.problem, f"{i.deadline:%Y-%m-%d}", i.status_text)
                                   for i in picture.open_items], [i.id for i in picture.open_items], overdue)
        self.tabs.setTabText(1, f"未销号整改（{len(picture.open_items)}）")


def picture_action(view: QAbstractItemView, ctx: AppContext, unit_of_row: Callable[[int], tuple[int, str] | None]
                   ) -> QAction:
    """单位画像… (Ctrl+I) for the unit of the list's current row, in the list's right-click menu (app/ui/tables.py)
    and on the keyboard while the list has the focus."""
    act = QAction("单位画像(&I)…", view)
    act.setShortcut(QKeySequence("Ctrl+I"))
    act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    view.addAction(act)

    def open_picture() -> None:
        row = view.currentIndex().row()
        found = unit_of_row(row) if row >= 0 else None
        if found is None:
            ctx.status.emit("请先在列表中选择一个单位")
            return
        dialog = UnitPictureDialog(ctx, *found, parent=view.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    act.triggered.connect(open_picture)
    return act


class UnitPictureDialog(QDialog):
    def __init__(self, ctx: AppContext, unit_id: int, name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"单位画像：{name}" if name else "单位画像")
        self.resize(760, 640)
        self.view = UnitPictureView(ctx, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        follow_layout(self)
        self.view.show_unit(unit_id, name)
