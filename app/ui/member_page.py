"""党员: the member list (lazy, sortable, searchable) and the actions on a member.

The table model keeps only the ids of the members that match (RegisterService.member_ids, already in the
order asked for) and fetches their rows a page at a time as the view scrolls (canFetchMore/fetchMore), so a
county of 20,000 members opens as fast as one of 20.  Sorting asks the service for a new order of ids."""

from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import DangjianError
from app.services.idcard import month_text
from app.services.register import MemberRow, RegisterService
from app.ui.context import AppContext
from app.ui.errors import show_error
from app.ui.itemmodels import display
from app.ui.register_dialogs import LeaveDialog, MemberDialog, TransferDialog
from app.ui.tables import make_list

AnyIndex = QModelIndex | QPersistentModelIndex

IdRole = Qt.ItemDataRole.UserRole + 1
SEARCH_DELAY_MS = 150  # wait this long after the last keystroke before searching


class Col(enum.IntEnum):
    NAME = 0
    GENDER = 1
    BIRTH = 2
    ID_NUMBER = 3
    PHONE = 4
    UNIT = 5
    ORG = 6
    STATUS = 7
    JOINED = 8
    POSITION = 9
    LEADER = 10
    COMMUNITY = 11


HEADERS = {
    Col.NAME: "姓名", Col.GENDER: "性别", Col.BIRTH: "出生年月", Col.ID_NUMBER: "身份证号", Col.PHONE: "联系电话",
    Col.UNIT: "单位", Col.ORG: "所在党组织", Col.STATUS: "党员类别", Col.JOINED: "入党年月", Col.POSITION: "职务",
    Col.LEADER: "领导干部", Col.COMMUNITY: "社区报到",
}

# Columns the service can order by (RegisterService.member_ids `order`); the others keep the current order.
ORDER_KEYS = {
    Col.NAME: "name", Col.BIRTH: "birth_date", Col.UNIT: "unit", Col.ORG: "org", Col.STATUS: "status",
    Col.JOINED: "joined_on", Col.POSITION: "position",
}


def _cell(row: MemberRow, col: int) -> Any:
    # The list is a masked view (every role sees it): beside the masked 身份证号 and the sex, the birth and
    # joining dates show their month only, which leaves over a thousand valid numbers (idcard.mask_id); the
    # member form has the full dates.
    return {
        Col.NAME: row.name, Col.GENDER: row.gender, Col.BIRTH: month_text(row.birth_date),
        Col.ID_NUMBER: row.id_masked, Col.PHONE: row.phone_masked, Col.UNIT: row.unit_name, Col.ORG: row.org_name,
        Col.STATUS: row.status, Col.JOINED: month_text(row.joined_on), Col.POSITION: row.position,
        Col.LEADER: row.is_leader, Col.COMMUNITY: row.community_registered,
    }[Col(col)]


class MemberTableModel(QAbstractTableModel):
    PAGE_SIZE = 200

    def __init__(self, register: RegisterService, parent: Any = None) -> None:
        super().__init__(parent)
        self._register = register
        self._ids: list[int] = []
        self._rows: list[MemberRow] = []
        self.text = ""
        self.org_id: int | None = None
        self.unit_id: int | None = None
        self.include_left = False
        self.order = "name"
        self.descending = False

    # --- what is shown --------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Ask the service for the ids that match, in order; load the first page."""
        self.beginResetModel()
        self._ids = self._register.member_ids(self.text, self.org_id, self.unit_id, self.include_left,
                                              self.order, self.descending)
        self._rows = []
        self._rows = self._fetch(self.PAGE_SIZE)
        self.endResetModel()

    def search(self, text: str) -> None:
        if text.strip() != self.text:
            self.text = text.strip()
            self.reload()

    def set_scope(self, org_id: int | None = None, unit_id: int | None = None) -> None:
        self.org_id, self.unit_id = org_id, unit_id
        self.reload()

    def set_include_left(self, on: bool) -> None:
        self.include_left = on
        self.reload()

    def total(self) -> int:
        """How many members match (rows not yet fetched included)."""
        return len(self._ids)

    def member_id(self, row: int) -> int | None:
        return self._rows[row].id if 0 <= row < len(self._rows) else None

    def row_at(self, row: int) -> MemberRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, member_id: int) -> int | None:
        """The row of a member, fetching pages until it is loaded; None if it does not match."""
        try:
            pos = self._ids.index(member_id)
        except ValueError:
            return None
        while len(self._rows) <= pos and self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())
        for r in range(min(pos, len(self._rows) - 1), -1, -1):
            if self._rows[r].id == member_id:
                return r
        return None

    # --- lazy fetching --------------------------------------------------------------------------------------

    def _fetch(self, n: int) -> list[MemberRow]:
        """The rows of the next `n` ids not yet loaded.  Ids of members deleted since the search are dropped,
        so ids and rows stay aligned."""
        start = len(self._rows)
        chunk = self._ids[start:start + n]
        fresh = self._register.member_rows(chunk)
        if len(fresh) < len(chunk):
            gone = set(chunk) - {r.id for r in fresh}
            self._ids = self._ids[:start] + [i for i in self._ids[start:] if i not in gone]
        return fresh

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < len(self._ids)

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        fresh = self._fetch(self.PAGE_SIZE)
        if not fresh:
            return
        start = len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
        self._rows.extend(fresh)
        self.endInsertRows()

    # --- QAbstractTableModel --------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Col)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) or not 0 <= index.column() < len(Col):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = _cell(row, index.column())
            return ("是" if value else "") if isinstance(value, bool) else display(value)
        if role == IdRole:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (Col.GENDER, Col.LEADER, Col.COMMUNITY):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return HEADERS[Col(section)] if 0 <= section < len(Col) else None
        return str(section + 1)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = ORDER_KEYS.get(Col(column)) if 0 <= column < len(Col) else None
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self.order, self.descending):
            return
        self.order, self.descending = key, descending
        self.reload()


class MemberPage(QWidget):
    """The 党员 page."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = MemberTableModel(ctx.register, self)

        self.search_box = QLineEdit()
        self.search_box.setObjectName("member_search")
        self.search_box.setPlaceholderText("搜索：姓名、拼音首字母（如 zs）、单位、党组织、完整身份证号（Ctrl+F）")
        self.search_box.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._run_search)
        self.search_box.textChanged.connect(lambda _t: self._search_timer.start())
        self.search_box.returnPressed.connect(self._run_search)

        self.scope_label = QLabel()
        self.scope_label.setObjectName("scope_label")
        self.scope_clear = QPushButton("显示全部")
        self.scope_clear.clicked.connect(lambda: self.set_scope(None))
        self.include_left = QCheckBox("含已转出")
        self.include_left.toggled.connect(self._include_left_changed)

        self.view = QTableView()
        self.view.setObjectName("member_view")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 10)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        widths = {Col.NAME: 80, Col.GENDER: 48, Col.BIRTH: 96, Col.ID_NUMBER: 170, Col.PHONE: 110, Col.UNIT: 170,
                  Col.ORG: 220, Col.STATUS: 80, Col.JOINED: 96, Col.POSITION: 120, Col.LEADER: 70}
        for col, w in widths.items():
            self.view.setColumnWidth(col, w)
        header.setSortIndicator(Col.NAME, Qt.SortOrder.AscendingOrder)
        self._sort_shown = (int(Col.NAME), Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self._sort_indicator_changed)
        self.view.setSortingEnabled(True)
        self.view.doubleClicked.connect(lambda _i: self.edit_current())
        self.view.activated.connect(lambda _i: self.edit_current())
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        # 复制 and 导出到 Excel… (the whole filtered list, in the order shown); the order itself comes from the query.
        self.list_tools = make_list(self.view, title="党员名单", sort=False, menu=False)

        self.act_new = self._button_action("新增党员", self.new_member, "Ctrl+N")
        self.act_edit = self._button_action("编辑", self.edit_current, "F2")
        self.act_transfer = self._button_action("组织关系转接", self.transfer_current, "Ctrl+T")
        self.act_leave = self._button_action("出党/去世/转出…", self.leave_current, "Ctrl+Shift+T")  # Ctrl+L locks
        self.act_remove = self._button_action("删除误录…", self.remove_current, "Ctrl+Del")
        self.count_label = QLabel()
        self.count_label.setObjectName("member_count")

        top = QHBoxLayout()
        top.addWidget(self.search_box, 1)
        top.addWidget(self.include_left)
        scope = QHBoxLayout()
        scope.addWidget(self.scope_label)
        scope.addWidget(self.scope_clear)
        scope.addStretch()
        buttons = QHBoxLayout()
        for act in (self.act_new, self.act_edit, self.act_transfer, self.act_leave, self.act_remove):
            b = QPushButton(act.text())
            act.enabledChanged.connect(b.setEnabled)
            b.setToolTip(act.toolTip())
            b.clicked.connect(act.trigger)
            buttons.addWidget(b)
        buttons.addStretch()
        buttons.addWidget(self.count_label)
        page = QVBoxLayout(self)
        page.addLayout(top)
        page.addLayout(scope)
        page.addWidget(self.view, 1)
        page.addLayout(buttons)

        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(lambda *_: self._update_count())
        self.view.selectionModel().currentChanged.connect(lambda *_: self._update_actions())
        ctx.follow(self, self.reload, "register")
        self._scope_name = ""
        self.reload()

    def _button_action(self, text: str, slot: Any, shortcut: str) -> QAction:
        act = QAction(text, self)
        act.setShortcut(QKeySequence(shortcut))
        act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        act.setToolTip(f"{text}（{shortcut}）")
        act.triggered.connect(lambda _checked=False: slot())
        self.addAction(act)
        return act

    # --- loading and searching ------------------------------------------------------------------------------

    def reload(self) -> None:
        self.model.reload()
        self._update_scope()
        self._update_actions()

    def _run_search(self) -> None:
        self._search_timer.stop()
        self.model.search(self.search_box.text())
        self._update_actions()

    def _include_left_changed(self, on: bool) -> None:
        self.model.set_include_left(on)
        self._update_actions()

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def set_scope(self, node: tuple[str, int] | None) -> None:
        """Show only one organisation's or unit's members (from 组织机构 → 查看党员), or everyone."""
        try:
            if node is None:
                self._scope_name = ""
                self.model.set_scope()
            elif node[0] == "org":
                self._scope_name = self.ctx.register.org_input(node[1]).name
                self.model.set_scope(org_id=node[1])
            else:
                self._scope_name = self.ctx.register.unit_input(node[1]).name
                self.model.set_scope(unit_id=node[1])
        except DangjianError as exc:
            show_error(self, exc)
            return
        self._update_scope()
        self._update_actions()

    def show_target(self, target: object) -> None:
        if isinstance(target, tuple) and len(target) == 2 and target[0] in ("org", "unit"):
            self.set_scope((str(target[0]), int(target[1])))
        elif isinstance(target, tuple) and len(target) == 2 and target[0] == "member":
            self.show_member(int(target[1]))
        elif target is None:
            self.set_scope(None)

    def _update_scope(self) -> None:
        scoped = bool(self._scope_name)
        self.scope_label.setText(f"仅显示：{self._scope_name}" if scoped else "")
        self.scope_label.setVisible(scoped)
        self.scope_clear.setVisible(scoped)

    def _update_count(self) -> None:
        total = self.model.total()
        text = f"共 {total} 名党员" if not self.model.text else f"找到 {total} 名党员"
        self.count_label.setText(text)

    def _sort_indicator_changed(self, column: int, order: Qt.SortOrder) -> None:
        # Columns the service cannot order by (masked personal data, yes/no flags) keep the previous order.
        if column in ORDER_KEYS:
            self._sort_shown = (column, order)
            return
        with QSignalBlocker(self.view.horizontalHeader()):
            self.view.horizontalHeader().setSortIndicator(*self._sort_shown)
        self.ctx.status.emit(f"“{HEADERS[Col(column)]}”列不能排序")

    # --- actions --------------------------------------------------------------------------------------------

    def current_member(self) -> int | None:
        idx = self.view.currentIndex()
        return self.model.member_id(idx.row()) if idx.isValid() else None

    def show_member(self, member_id: int) -> None:
        """Navigation from the 提醒 page: the member's organisation, with the member selected."""
        try:
            org_id = self.ctx.register.member_input(member_id).org_id
        except DangjianError as exc:
            show_error(self, exc)
            return
        self.set_scope(("org", org_id))
        self.select_member(member_id)

    def select_member(self, member_id: int) -> bool:
        row = self.model.row_of(member_id)
        if row is None:
            return False
        idx = self.model.index(row, Col.NAME)
        self.view.setCurrentIndex(idx)
        self.view.scrollTo(idx)
        return True

    def _update_actions(self) -> None:
        has = self.current_member() is not None
        self.act_edit.setEnabled(has)
        self.act_transfer.setEnabled(has)
        self.act_leave.setEnabled(has)
        self.act_remove.setEnabled(has)

    def _context_menu(self, pos: Any) -> None:
        if self.current_member() is None:
            return
        menu = QMenu(self)
        menu.addAction(self.act_edit)
        menu.addAction(self.act_transfer)
        menu.addAction(self.act_leave)
        menu.addSeparator()
        menu.addAction(self.act_remove)
        menu.addSeparator()
        menu.addAction(self.list_tools.copy_action)
        menu.addAction(self.list_tools.export_action)
        menu.exec(self.view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def new_member(self) -> None:
        org_id = self.model.org_id
        dlg = MemberDialog(self.ctx, org_id=org_id, parent=self)
        if dlg.exec():
            member_id = int(dlg.result_value)  # type: ignore[call-overload]
            self.ctx.changed.emit("register")
            self.select_member(member_id)
            self.ctx.status.emit("已新增党员" + _missing_note(dlg.missing))

    def edit_current(self) -> None:
        member_id = self.current_member()
        if member_id is None:
            return
        dlg = MemberDialog(self.ctx, member_id, parent=self)
        if dlg.exec():
            self.ctx.changed.emit("register")  # status or posts may change the organisations' findings
            self.select_member(member_id)
            self.ctx.status.emit("已保存党员信息" + _missing_note(dlg.missing))

    def transfer_current(self) -> None:
        member_id = self.current_member()
        if member_id is None:
            return
        if TransferDialog(self.ctx, member_id, parent=self).exec():
            self.ctx.changed.emit("register")
            self.select_member(member_id)
            self.ctx.status.emit("已办理组织关系转接")

    def leave_current(self) -> None:
        member_id = self.current_member()
        if member_id is None:
            return
        if LeaveDialog(self.ctx, member_id, parent=self).exec():
            self.ctx.changed.emit("register")
            self.ctx.status.emit("已登记党员离开；该党员不再列入在册党员（勾选“含已转出”可查看）")

    def remove_current(self) -> None:
        """Delete a record entered by mistake, with the reason (the register trail keeps what it held)."""
        member_id = self.current_member()
        if member_id is None:
            return
        shown = self.model.row_at(self.view.currentIndex().row())
        name = shown.name if shown is not None else ""
        reason, ok = QInputDialog.getText(
            self, "删除误录的党员",
            f"删除{name}的记录？仅用于误录（重复录入、并非党员等）；已出党、去世或转出的，请用“出党/去世/转出”登记，"
            "以保留记录。\n\n删除的理由（必填，记入审计日志）：")
        if not ok:
            return
        try:
            self.ctx.register.remove_member(member_id, reason)
        except DangjianError as exc:
            show_error(self, exc, "未删除")
            return
        self.ctx.changed.emit("register")
        self.ctx.status.emit(f"已删除误录的党员{name}")


def _missing_note(missing: list[str]) -> str:
    return f"（未填{'、'.join(missing)}，已列入“提醒”待补全）" if missing else ""
