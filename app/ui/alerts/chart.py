"""The dashboard's chart of monthly compliance, drawn with QPainter on the GUI thread.

Drawing a dozen bars takes a millisecond; what takes time is reading the rates (done on a worker thread by the
page).  Qt draws it so that the first screen needs no matplotlib (a quarter of a second of imports on start-up):
the documents' charts, which must be images inside a .docx, still use matplotlib (app/reports/charts.py)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.services.compliance import MonthRate

BAR_COLOUR = QColor("#4f7fbf")
MAX_WIDTH, HEIGHT = 760, 260  # the chart keeps a readable shape on a wide window
TICKS = (0, 25, 50, 75, 100)
TOP = 112  # the value axis ends a little above 100 %, room for the labels over full bars


class ComplianceChart(QWidget):
    """Bars: the share of required meetings and activities held, per month (in %), with a title; a message in
    place of the bars while the rates are being read."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rates: list[MonthRate] = []
        self.title = ""
        self.message = "合规率图表将在此显示"
        self.setMinimumHeight(HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAutoFillBackground(False)

    def sizeHint(self) -> QSize:
        return QSize(MAX_WIDTH, HEIGHT)

    def show_message(self, text: str) -> None:
        self.rates, self.message = [], text
        self.update()

    def set_rates(self, rates: Sequence[MonthRate], title: str) -> None:
        self.rates, self.title, self.message = list(rates), title, ""
        self.update()

    @staticmethod
    def values(rates: Sequence[MonthRate]) -> list[tuple[str, float, str]]:
        """Per month: the axis label, the bar's height in % and the text above it (— for a month that required
        nothing)."""
        out = []
        for r in rates:
            value = round(r.rate * 100, 1) if r.required else 0.0
            out.append((f"{r.month}月", value, f"{value:.0f}%" if r.required else "—"))
        return out

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: ARG002 (the whole chart is redrawn)
        width = min(self.width(), MAX_WIDTH)
        frame = QRectF((self.width() - width) / 2, 0, width, self.height())
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.fillRect(frame, Qt.GlobalColor.white)
            p.setPen(QColor("#000000"))
            if not self.rates:
                p.drawText(frame, Qt.AlignmentFlag.AlignCenter, self.message)
                return
            self._draw(p, frame)
        finally:
            p.end()

    def _draw(self, p: QPainter, frame: QRectF) -> None:
        font = QFont(self.font())
        metrics = p.fontMetrics()
        line = metrics.height()
        title_font = QFont(font)
        title_font.setPointSizeF(font.pointSizeF() * 1.1)
        p.setFont(title_font)
        p.drawText(QRectF(frame.left(), frame.top() + 4, frame.width(), line + 4),
                   Qt.AlignmentFlag.AlignCenter, self.title)
        p.setFont(font)
        axis_width = metrics.horizontalAdvance("100%") + 10
        plot = QRectF(frame.left() + axis_width + 8, frame.top() + line * 2 + 8,
                      frame.width() - axis_width - 24, frame.height() - line * 3 - 20)

        def y_of(value: float) -> float:
            return plot.bottom() - plot.height() * value / TOP

        for tick in TICKS:  # the value axis: ticks and their labels
            y = y_of(tick)
            p.drawLine(int(plot.left() - 4), int(y), int(plot.left()), int(y))
            label = "0" if tick == 0 else f"{tick}%"
            p.drawText(QRectF(frame.left(), y - line / 2, axis_width + 2, line),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
        p.drawLine(int(plot.left()), int(plot.top()), int(plot.left()), int(plot.bottom()))
        p.drawLine(int(plot.left()), int(plot.bottom()), int(plot.right()), int(plot.bottom()))
        bars = self.values(self.rates)
        slot = plot.width() / len(bars)
        for i, (label, value, text) in enumerate(bars):
            left = plot.left() + slot * i + slot * 0.1
            bar = QRectF(left, y_of(value), slot * 0.8, plot.bottom() - y_of(value))
            p.setPen(QPen(QColor("#000000"), 0.5))
            p.setBrush(BAR_COLOUR)
            if value > 0:
                p.drawRect(bar)
            p.setPen(QColor("#000000"))
            p.drawText(QRectF(left - slot * 0.1, bar.top() - line - 2, slot, line),
                       Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, text)
            p.drawLine(int(bar.center().x()), int(plot.bottom()), int(bar.center().x()), int(plot.bottom() + 4))
            p.drawText(QRectF(left - slot * 0.1, plot.bottom() + 6, slot, line),
                       Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, label)
