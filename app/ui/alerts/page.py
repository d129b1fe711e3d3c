"""提醒 (the home page): what needs attention today, counted and listed per kind, each line opening the record
to fix; and a chart of monthly compliance.

Everything is computed by `AlertService` on a worker thread (the window shows at once); the chart's rates are
read off the GUI thread too, only when the page is first shown (or shown again after a change), and the chart is
drawn with Qt (app/ui/alerts/chart.py: no matplotlib on the first screen)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services import alerts as A
from app.services import compliance as C
from app.ui import tasks
from app.ui.alerts.chart import ComplianceChart
from app.ui.colours import ERROR_COLOUR
from app.ui.context import AppContext
from app.ui.tables import make_list, sort_key

AnyIndex = QModelIndex | QPersistentModelIndex
KindRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2

# Kinds whose fix is a record of organisation life: their lines open the 组织生活 page.
ORGLIFE_KINDS = {"meeting_missing", "hearing_missing", "dual_life_missing"}


# Targets of the other registers and the page that shows them (a register whose alerts open its own records adds
# its target here; the page's show_target receives (target, id)).
TARGET_PAGES: dict[str, str] = {
    "collection": "scoring",  # 单位填报: the month's 填报 board
    "care": "orglife",  # 关怀对象 (激励关怀 tab)
    "disposal": "orglife",  # 不合格党员处置: a case
    "disposal_member": "orglife",  # 不合格党员处置: a member still to decide on
    "training_member": "team",  # 培训学时不足: a member on the 党务干部 roster (党务干部与培训 tab)
    "training_worker": "team",  # 培训学时不足: a roster row of someone not in the register
    "study": "team",  # 中心组学习 (app.services.study.TARGET): the unit on the 队伍建设 page's tab
    "lifemeeting": "team",  # app.services.leadership TARGET_MEETING
    "lifemeeting_unit": "team",  # TARGET_UNIT
}


def destination(alert: A.Alert) -> tuple[str, tuple[str, int]]:
    """The page and the record to show there, for one alert (what double-clicking its line does)."""
    target = (alert.target, alert.target_id)
    if alert.target in TARGET_PAGES:
        return TARGET_PAGES[alert.target], target
    if alert.target == A.RECRUIT or alert.kind in ORGLIFE_KINDS:
        return "orglife", target
    if alert.target == A.MEMBER:
        return "members", target
    if alert.target == A.RECTIFICATION:
        return "interviews", target
    return "orgs", target


class AlertTableModel(QAbstractTableModel):
    """The alerts as rows: 类别, 对象, 内容, 期限; overdue lines in red."""

    HEADERS = ("类别", "对象", "内容", "期限")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._alerts: list[A.Alert] = []

    def set_alerts(self, alerts: Sequence[A.Alert]) -> None:
        self.beginResetModel()
        self._alerts = list(alerts)
        self.endResetModel()

    def alert(self, row: int) -> A.Alert | None:
        return self._alerts[row] if 0 <= row < len(self._alerts) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._alerts)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._alerts) or index.column() >= len(self.HEADERS):
            return None
        a = self._alerts[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            due = (f"{a.due:%Y-%m-%d}" + ("（已逾期）" if a.overdue else "")) if a.due else ("已逾期" if a.overdue else "")
            return (A.KIND_LABELS[a.kind], a.subject, a.message, due)[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{a.message}\n双击或按回车打开需要处理的记录"
        if role == Qt.ItemDataRole.ForegroundRole and a.overdue:
            return QColor(ERROR_COLOUR)
        if role == KindRole:
            return a.kind
        if role == SortRole:
            return (A.KINDS.index(a.kind), a.subject, a.message, (a.due or dt.date.max).isoformat())[col]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return str(section + 1)


class KindFilter(QSortFilterProxyModel):
    """Shows the alerts of some kinds (a group's, or one) or all, when `kinds` is None."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.kinds: set[str] | None = None
        self.setSortRole(SortRole)

    def set_kinds(self, kinds: set[str] | None) -> None:
        # Qt ≥ 6.9 brackets the change (invalidateFilter is deprecated there); 6.8 only has invalidateFilter.
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            self.kinds = kinds
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.kinds = kinds
            self.invalidateFilter()

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        # Names by full pinyin, dates as dates (app/ui/tables.py), not by code points.
        return sort_key(left.data(SortRole)) < sort_key(right.data(SortRole))

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        if self.kinds is None:
            return True
        return self.sourceModel().index(source_row, 0, source_parent).data(KindRole) in self.kinds


class AlertsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None,
                 today: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._today = today or ctx.today
        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.state = QLabel("正在计算提醒……")
        self.state.setObjectName("alerts_state")
        self._kind_groups: dict[QWidget, QButtonGroup] = {}
        self._group_rows: dict[str, QWidget] = {}
        self.buttons: dict[str | None, QPushButton] = {}  # 全部 (None) and each kind
        self.group_buttons: dict[str, QPushButton] = {}
        self.groups = A.groups()
        groups_row = QHBoxLayout()
        self.kind_rows = QStackedWidget()  # the kinds of the group chosen; hidden while 全部 is
        self.kind_rows.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.buttons[None] = self._filter_button("kind_all", partial(self.filter_kind, None))
        groups_row.addWidget(self.buttons[None])
        for name, kinds in self.groups.items():
            button = self._filter_button(f"group_{name}", partial(self.filter_group, name))
            self.group_buttons[name] = button
            groups_row.addWidget(button)
            self._group_rows[name] = self._kind_row(kinds)
            self.kind_rows.addWidget(self._group_rows[name])
        self.kind_rows.hide()
        self._exclusive([self.buttons[None], *self.group_buttons.values()])
        self.buttons[None].setChecked(True)
        self.model = AlertTableModel(self)
        self.proxy = KindFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView()
        self.view.setObjectName("alerts_view")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 110), (1, 220), (3, 150)):
            self.view.setColumnWidth(col, width)
        self.view.activated.connect(self.open)
        self.view.doubleClicked.connect(self.open)
        self.chart = ComplianceChart()
        self.chart.setObjectName("compliance_chart")
        page = QVBoxLayout(self)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        refresh = QPushButton("刷新(&R)")
        refresh.clicked.connect(self.reload)
        make_list(self.view, [refresh], title="提醒", sort=False)
        head.addWidget(refresh)
        page.addLayout(head)
        page.addLayout(groups_row)
        page.addWidget(self.kind_rows)
        page.addWidget(self.state)
        page.addWidget(self.view, 3)
        page.addWidget(self.chart)
        self._task: tasks.Task | None = None
        self._chart_task: tasks.Task | None = None
        self._chart_stale = True
        self.alerts: list[A.Alert] = []
        self._shown = False  # the first alerts have arrived
        self._filter_name = ""  # the group's or kind's name while one is chosen
        self._show_counts(A.counts([]))
        self._loaded = False  # the first load waits until the page is shown (after the main window is)
        ctx.follow(self, self.reload, "register", "settings", "orglife", "recruit", "scoring", "rectification")

    # --- loading --------------------------------------------------------------------------------------------

    def reload(self) -> None:
        self._loaded = True
        self.title.setText(f"{self.ctx.county_name()}今日提醒")
        if self._task is not None and not self._task.done:
            self._task.cancel()
        self._shown = False
        self.state.setText("正在计算提醒……")
        service = A.AlertService(self.ctx.session_factory, today=self._today)

        def work(_progress: tasks.Progress, cancelled: tasks.Cancelled) -> list[A.Alert]:
            found = service.alerts()
            cancelled()  # superseded by a newer reload: end as cancelled
            return found

        self._task = tasks.run_task(work, on_success=self._show, parent=self)
        self._chart_stale = True
        if self.isVisible():
            self.render_chart()

    def _show(self, alerts: list[A.Alert]) -> None:
        self.alerts = alerts
        self._shown = True
        self.model.set_alerts(alerts)
        c = A.counts(alerts)
        self._show_counts(c)
        self._show_state()

    def _show_state(self) -> None:
        """What the list holds: all the alerts, or those of the group or kind chosen out of all of them."""
        if not self._shown:
            return  # still 正在计算提醒……
        alerts = self.alerts
        if not alerts:
            self.state.setText("今天没有需要处理的事项。")
            self.state.setStyleSheet("")
            return
        kinds = self.proxy.kinds
        shown = alerts if kinds is None else [a for a in alerts if a.kind in kinds]
        overdue = sum(1 for a in shown if a.overdue)
        hint = "（双击一行打开需要处理的记录）"
        if kinds is None:
            text = f"共 {len(alerts)} 条提醒，其中已逾期 {overdue} 条{hint}"
        elif not shown:
            text = f"{self._filter_name}：没有提醒（共 {len(alerts)} 条提醒）"
        else:
            text = f"{self._filter_name}：显示 {len(shown)} 条（共 {len(alerts)} 条提醒），其中已逾期 {overdue} 条{hint}"
        self.state.setText(text)
        self.state.setStyleSheet(f"color: {ERROR_COLOUR};" if overdue else "")

    def _filter_button(self, name: str, slot: Callable[[], None]) -> QPushButton:
        b = QPushButton()
        b.setObjectName(name)
        b.setCheckable(True)
        b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        b.clicked.connect(lambda _c=False: slot())
        return b

    def _exclusive(self, buttons: list[QPushButton]) -> QButtonGroup:
        group = QButtonGroup(self)
        for b in buttons:
            group.addButton(b)
        return group

    def _kind_row(self, kinds: Sequence[str]) -> QWidget:
        row = QWidget()
        grid = QGridLayout(row)
        grid.setContentsMargins(0, 0, 0, 0)
        # At most 7 to a row (they fit 1280 pixels), rows evenly filled: an 8th kind makes two rows of 4, not a
        # second row holding one button.
        per_row = math.ceil(len(kinds) / math.ceil(len(kinds) / 7))
        buttons = []
        for i, kind in enumerate(kinds):
            b = self._filter_button(f"kind_{kind}", partial(self.filter_kind, kind))
            self.buttons[kind] = b
            buttons.append(b)
            grid.addWidget(b, i // per_row, i % per_row)
        self._kind_groups[row] = self._exclusive(buttons)
        return row

    def _show_counts(self, c: dict[str, int]) -> None:
        self.buttons[None].setText(f"全部\n{sum(c.values())}")
        for name, kinds in self.groups.items():
            self.group_buttons[name].setText(f"{name}\n{sum(c[k] for k in kinds)}")
        for kind, n in c.items():
            self.buttons[kind].setText(f"{A.KIND_LABELS[kind]}\n{n}")

    def filter_kind(self, kind: str | None) -> None:
        """One kind's alerts (its group's row of kinds showing), or all of them (None)."""
        if kind is None:
            self.proxy.set_kinds(None)
            self.buttons[None].setChecked(True)
            self.kind_rows.hide()
            self._show_state()
            return
        self._show_group(next(name for name, kinds in self.groups.items() if kind in kinds))
        self.proxy.set_kinds({kind})
        self.buttons[kind].setChecked(True)
        self._filter_name = A.KIND_LABELS[kind]
        self._show_state()

    def filter_group(self, name: str) -> None:
        """All the alerts of a group, and its kinds to narrow down to one."""
        self._show_group(name)
        self.proxy.set_kinds(set(self.groups[name]))
        self._filter_name = name
        self._show_state()

    def _show_group(self, name: str) -> None:
        self.group_buttons[name].setChecked(True)
        row = self._group_rows[name]
        self.kind_rows.setCurrentWidget(row)
        self.kind_rows.setFixedHeight(row.sizeHint().height())
        self.kind_rows.show()
        group = self._kind_groups[row]
        group.setExclusive(False)  # an exclusive group cannot have none checked
        for b in group.buttons():
            b.setChecked(False)
        group.setExclusive(True)

    # --- the chart ------------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.reload()  # the alerts and the chart, on worker threads
        elif self._chart_stale:
            self.render_chart()

    def render_chart(self) -> None:
        if self._chart_task is not None and not self._chart_task.done:
            self._chart_task.cancel()
        self._chart_stale = False
        today = self._today()
        sf = self.ctx.session_factory

        def work(_progress: tasks.Progress, cancelled: tasks.Cancelled) -> list[C.MonthRate]:
            with sf() as s:
                rates = C.monthly_rates(s, today.year, range(1, today.month + 1))
            cancelled()
            return rates

        self.chart.show_message("正在绘制合规率图表……")
        title = f"{today.year}年各月应开会议活动完成率"
        self._chart_task = tasks.run_task(work, on_success=lambda rates: self.chart.set_rates(rates, title),
                                          parent=self)

    # --- opening a line -------------------------------------------------------------------------------------

    def current_alert(self) -> A.Alert | None:
        index = self.view.currentIndex()
        return self.model.alert(self.proxy.mapToSource(index).row()) if index.isValid() else None

    def open(self, index: AnyIndex) -> None:
        alert = self.model.alert(self.proxy.mapToSource(self.proxy.index(index.row(), 0)).row())
        if alert is None:
            return
        page, target = destination(alert)
        self.ctx.navigate.emit(page, target)

    def focus_search(self) -> None:
        self.view.setFocus()
