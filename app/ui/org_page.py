"""组织机构: the tree of units and their party organisations, the details of the selected one, and the actions
that change them (all through RegisterService)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QTableView,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.errors import DangjianError
from app.services.idcard import mask_phone
from app.services.register import OrgDetail, OrgFinding, OrgNode, UnitNode
from app.ui.context import AppContext
from app.ui.errors import show_error
from app.ui.forms import ERROR_COLOUR, format_date
from app.ui.itemmodels import KeyRole, RowsTableModel
from app.ui.register_dialogs import EndPostDialog, OrgDialog, PostDialog, UnitDialog
from app.ui.remembered import remember_splitter
from app.ui.unit_picture import UnitPictureView

AnyIndex = QModelIndex | QPersistentModelIndex

# ("unit", id) or ("org", id) for the node an index stands for.
NodeRole = Qt.ItemDataRole.UserRole + 1


@dataclass
class _Item:
    kind: str  # unit | org
    id: int
    name: str
    type_label: str
    member_count: int
    parent: int  # index into OrgTreeModel._items, -1 for a top-level unit
    row: int
    children: list[int] = field(default_factory=list)
    findings: list[OrgFinding] = field(default_factory=list)
    nested_findings: int = 0  # findings of the organisations below this item


class OrgTreeModel(QAbstractItemModel):
    """Units → party organisations (nested).  Items live in a flat list; an index's internalId is the item's
    position in it, so no Python object pointers go through Qt."""

    COL_NAME, COL_TYPE, COL_MEMBERS = range(3)
    HEADERS = ("名称", "类型", "党员数")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[_Item] = []
        self._top: list[int] = []
        self._by_key: dict[tuple[str, int], int] = {}

    def load(self, units: list[UnitNode], findings: dict[int, list[OrgFinding]] | None = None) -> None:
        findings = findings or {}
        self.beginResetModel()
        self._items, self._top, self._by_key = [], [], {}
        for row, u in enumerate(units):
            ui = self._add(_Item("unit", u.id, u.name, "单位", u.member_count, -1, row))
            self._top.append(ui)
            self._add_orgs(u.orgs, ui, findings)
        for item in self._items:
            p = item.parent
            while item.findings and p != -1:
                self._items[p].nested_findings += len(item.findings)
                p = self._items[p].parent
        self.endResetModel()

    def _add(self, item: _Item) -> int:
        self._items.append(item)
        i = len(self._items) - 1
        self._by_key[(item.kind, item.id)] = i
        return i

    def _add_orgs(self, orgs: list[OrgNode], parent: int, findings: dict[int, list[OrgFinding]]) -> None:
        for row, o in enumerate(orgs):
            count = o.member_count + sum(_subtree_members(c) for c in o.children)
            i = self._add(_Item("org", o.id, o.name, o.kind.label, count, parent, row, findings=findings.get(o.id, [])))
            self._items[parent].children.append(i)
            self._add_orgs(o.children, i, findings)

    # --- lookups --------------------------------------------------------------------------------------------

    def node(self, index: AnyIndex) -> tuple[str, int] | None:
        if not index.isValid():
            return None
        item = self._items[index.internalId()]
        return item.kind, item.id

    def index_of(self, kind: str, id_: int) -> QModelIndex:
        i = self._by_key.get((kind, id_))
        if i is None:
            return QModelIndex()
        return self.createIndex(self._items[i].row, 0, i)

    def unit_of(self, index: AnyIndex) -> int | None:
        """The unit an index belongs to (itself for a unit)."""
        if not index.isValid():
            return None
        i = index.internalId()
        while self._items[i].parent != -1:
            i = self._items[i].parent
        return self._items[i].id

    def counts(self) -> tuple[int, int]:
        units = len(self._top)
        return units, len(self._items) - units

    # --- QAbstractItemModel ---------------------------------------------------------------------------------

    def _children(self, parent: AnyIndex) -> list[int]:
        return self._items[parent.internalId()].children if parent.isValid() else self._top

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return QModelIndex()
        kids = self._children(parent)
        if not (0 <= row < len(kids) and 0 <= column < len(self.HEADERS)):
            return QModelIndex()
        return self.createIndex(row, column, kids[row])

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        p = self._items[index.internalId()].parent
        if p == -1:
            return QModelIndex()
        return self.createIndex(self._items[p].row, 0, p)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._children(parent))

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(self.HEADERS)

    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return self.rowCount(parent) > 0

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self._items[index.internalId()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_NAME:
                return item.name
            if col == self.COL_TYPE:
                return item.type_label
            return str(item.member_count)
        if role == NodeRole:
            return (item.kind, item.id)
        if role == Qt.ItemDataRole.ToolTipRole and (item.findings or item.nested_findings):
            lines = [f.message for f in item.findings]
            if item.nested_findings:
                lines.append(f"下级党组织有 {item.nested_findings} 项需要注意的问题")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.ForegroundRole and (item.findings or item.nested_findings):
            return QBrush(QColor(ERROR_COLOUR))
        if role == Qt.ItemDataRole.FontRole and item.kind == "unit":
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and col == self.COL_MEMBERS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return None


def _subtree_members(n: OrgNode) -> int:
    return n.member_count + sum(_subtree_members(c) for c in n.children)


# -----------------------------------------------------------------------------------------------------------


class DetailPanel(QWidget):
    """What is known about the selected unit or organisation; findings in red at the top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        col = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setObjectName("detail_title")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        col.addWidget(self.title)
        self.findings = QLabel()
        self.findings.setObjectName("detail_findings")
        self.findings.setWordWrap(True)
        self.findings.setTextFormat(Qt.TextFormat.RichText)
        col.addWidget(self.findings)
        self.facts = QFormLayout()
        self.facts.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        col.addLayout(self.facts)
        self.posts_label = QLabel("现任支部委员")
        self.posts_label.setStyleSheet("font-weight: bold; margin-top: 8px;")
        col.addWidget(self.posts_label)
        self.posts_model = RowsTableModel(["职务", "任职人", "开始日期"], parent=self)
        self.posts = QTableView()
        self.posts.setObjectName("posts_view")
        self.posts.setModel(self.posts_model)
        self.posts.verticalHeader().hide()
        self.posts.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.posts.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.posts.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.posts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        col.addWidget(self.posts, 1)
        # Takes the free space when there is no post table, so the facts stay at the top.
        self.filler = QWidget()
        self.filler.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        col.addWidget(self.filler, 1)
        self.picture: QWidget | None = None  # a unit's 单位画像, when the page gives one
        self.setMinimumWidth(380)
        self.clear()

    def attach_picture(self, picture: QWidget) -> None:
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.indexOf(self.filler), picture, 1)
        self.picture = picture
        picture.hide()

    def _set_facts(self, facts: list[tuple[str, str]]) -> None:
        while self.facts.rowCount():
            self.facts.removeRow(0)
        for label, value in facts:
            v = QLabel(value or "—")
            v.setWordWrap(True)
            v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.facts.addRow(f"{label}：", v)

    def clear(self) -> None:
        self.title.setText("请在左侧选择单位或党组织")
        self.findings.hide()
        self._set_facts([])
        self._show_posts(False)

    def _show_posts(self, on: bool, *, picture: bool = False) -> None:
        self.posts_label.setVisible(on)
        self.posts.setVisible(on)
        if self.picture is not None:
            self.picture.setVisible(picture)
        self.filler.setVisible(not (on or picture))

    def show_unit(self, name: str, facts: list[tuple[str, str]]) -> None:
        self.title.setText(name)
        self.findings.hide()
        self._set_facts(facts)
        self._show_posts(False, picture=self.picture is not None)

    def show_org(self, d: OrgDetail) -> None:
        self.title.setText(d.name)
        if d.findings:
            items = "".join(f"<li>{f.message}</li>" for f in d.findings)
            self.findings.setText(f'<div style="color:{ERROR_COLOUR}"><b>需要注意：</b><ul>{items}</ul></div>')
            self.findings.show()
        else:
            self.findings.hide()
        self._set_facts([
            ("组织类型", d.kind.label),
            ("所属单位", d.unit_name),
            ("上级党组织", d.parent_name),
            ("成立日期", format_date(d.established_on)),
            ("本届任期", f"{format_date(d.term_start)} 至 {format_date(d.term_end)}" if d.term_start else ""),
            ("任期状态", d.term_status),
            ("党员人数", f"正式党员 {d.full_count} 名，预备党员 {d.probationary_count} 名"),
            ("备注", d.note),
        ])
        rows = [(p.kind.label, "（空缺）" if p.vacant else p.member_name, p.start_on) for p in d.current_posts]
        vacant = {i: ERROR_COLOUR for i, p in enumerate(d.current_posts) if p.vacant}
        self.posts_model.set_rows(rows, [p.id for p in d.current_posts], vacant)
        self._show_posts(True)


class OrgPage(QWidget):
    """The 组织机构 page."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = OrgTreeModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(OrgTreeModel.COL_NAME)

        self.search_box = QLineEdit()
        self.search_box.setObjectName("org_search")
        self.search_box.setPlaceholderText("查找单位或党组织（Ctrl+F）")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(self._filter)

        self.tree = QTreeView()
        self.tree.setObjectName("org_tree")
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(OrgTreeModel.COL_NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(OrgTreeModel.COL_TYPE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(OrgTreeModel.COL_MEMBERS, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.selectionModel().currentChanged.connect(lambda _c, _p: self._show_current())
        self.tree.doubleClicked.connect(lambda _i: self.edit_selected())

        self.detail = DetailPanel()
        self.picture = UnitPictureView(ctx)
        self.detail.attach_picture(self.picture)
        self.detail.posts.selectionModel().selectionChanged.connect(lambda _s, _d: self._update_actions())

        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.act_new_unit = self._action("新建单位", self.new_unit)
        self.act_new_org = self._action("新建党组织", self.new_org, "Ctrl+N")
        self.act_edit = self._action("编辑", self.edit_selected, "F2")
        self.act_delete = self._action("删除", self.delete_selected, QKeySequence.StandardKey.Delete, tree_only=True)
        self.toolbar.addSeparator()
        self.act_add_post = self._action("任职登记", self.add_post)
        self.act_end_post = self._action("结束任职", self.end_post)
        self.toolbar.addSeparator()
        self.act_members = self._action("查看党员", self.show_members)

        left = QWidget()
        lcol = QVBoxLayout(left)
        lcol.setContentsMargins(0, 0, 0, 0)
        lcol.addWidget(self.search_box)
        lcol.addWidget(self.tree)
        self.summary = QLabel()
        lcol.addWidget(self.summary)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        remember_splitter(splitter, "orgs")
        col = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.toolbar)
        col.addLayout(top)
        col.addWidget(splitter)

        ctx.follow(self, self.reload, "register")
        self.reload()

    def _action(self, text: str, slot: Any, shortcut: Any = None, *, tree_only: bool = False) -> QAction:
        """A toolbar action; its shortcut works anywhere on the page, or only in the tree (Delete must not
        fire while typing in the search box)."""
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut if tree_only
                                   else Qt.ShortcutContext.WidgetWithChildrenShortcut)
        act.triggered.connect(lambda _checked=False: slot())
        self.toolbar.addAction(act)
        (self.tree if tree_only else self).addAction(act)
        return act

    # --- loading --------------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Reload the tree, keeping the selection and the expanded nodes."""
        current = self.current_node()
        expanded = self._expanded_nodes()
        findings: dict[int, list[OrgFinding]] = {}
        for org_id, _name, f in self.ctx.register.all_findings():
            findings.setdefault(org_id, []).append(f)
        self.model.load(self.ctx.register.tree(), findings)
        for kind, id_ in expanded:
            self.tree.expand(self.proxy.mapFromSource(self.model.index_of(kind, id_)))
        units, orgs = self.model.counts()
        self.summary.setText(f"共 {units} 个单位、{orgs} 个党组织；红色为有需要注意问题的党组织及其所属单位")
        if current is not None and self.model.index_of(*current).isValid():
            self.select(*current)
        elif self.proxy.rowCount() > 0:
            self.tree.setCurrentIndex(self.proxy.index(0, 0))
        else:
            self._show_current()

    def _expanded_nodes(self) -> list[tuple[str, int]]:
        out = []
        stack = [QModelIndex()]
        while stack:
            parent = stack.pop()
            for r in range(self.proxy.rowCount(parent)):
                idx = self.proxy.index(r, 0, parent)
                if self.tree.isExpanded(idx):
                    node = self.model.node(self.proxy.mapToSource(idx))
                    if node is not None:
                        out.append(node)
                    stack.append(idx)
        return out

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        if text.strip():
            self.tree.expandAll()

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    # --- selection ------------------------------------------------------------------------------------------

    def current_node(self) -> tuple[str, int] | None:
        return self.model.node(self.proxy.mapToSource(self.tree.currentIndex()))

    def select(self, kind: str, id_: int) -> bool:
        src = self.model.index_of(kind, id_)
        if not src.isValid():
            return False
        idx = self.proxy.mapFromSource(src)
        if not idx.isValid():  # hidden by the search filter
            self.search_box.clear()
            idx = self.proxy.mapFromSource(src)
        self.tree.setCurrentIndex(idx)
        self.tree.selectionModel().select(
            idx, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.tree.scrollTo(idx)
        self._show_current()
        return True

    def show_target(self, target: object) -> None:
        """Navigation from other pages: ("org", id) or ("unit", id)."""
        if isinstance(target, tuple) and len(target) == 2:
            self.select(str(target[0]), int(target[1]))
            self.tree.setFocus()

    def _show_current(self) -> None:
        node = self.current_node()
        try:
            if node is None:
                self.detail.clear()
            elif node[0] == "unit":
                self._show_unit(node[1])
            else:
                self.detail.show_org(self.ctx.register.org_detail(node[1]))
        except DangjianError as exc:
            self.detail.clear()
            self.ctx.status.emit(exc.message)
        self._update_actions()

    def _show_unit(self, unit_id: int) -> None:
        u = self.ctx.register.unit_input(unit_id)
        idx = self.model.index_of("unit", unit_id)
        members = self.model.data(idx.siblingAtColumn(OrgTreeModel.COL_MEMBERS))
        self.detail.show_unit(u.name, [
            ("简称", u.short_name),
            ("单位类别", u.category),
            ("党组（党委）书记", u.party_secretary),
            ("党务联系人", u.contact_person),
            ("联系电话", mask_phone(u.contact_phone)),
            ("党组织", f"{self.model.rowCount(idx)} 个（直属）"),
            ("党员人数", f"{members} 名"),
            ("备注", u.note),
        ])
        self.picture.show_unit(unit_id, u.name)

    def _selected_post(self) -> tuple[int, str] | None:
        rows = self.detail.posts.selectionModel().selectedRows()
        if not rows:
            return None
        r = rows[0].row()
        m = self.detail.posts_model
        return m.data(m.index(r, 0), KeyRole), f"{m.data(m.index(r, 0))}：{m.data(m.index(r, 1))}"

    def _update_actions(self) -> None:
        node = self.current_node()
        is_org = node is not None and node[0] == "org"
        self.act_edit.setEnabled(node is not None)
        self.act_delete.setEnabled(node is not None)
        self.act_add_post.setEnabled(is_org)
        self.act_end_post.setEnabled(is_org and self._selected_post() is not None)
        self.act_members.setEnabled(node is not None)

    # --- actions --------------------------------------------------------------------------------------------

    def _after_save(self, kind: str, id_: int | None) -> None:
        self.ctx.changed.emit("register")
        if id_ is not None:
            self.select(kind, id_)

    def new_unit(self) -> None:
        dlg = UnitDialog(self.ctx, parent=self)
        if dlg.exec():
            self._after_save("unit", int(dlg.result_value))  # type: ignore[call-overload]

    def new_org(self) -> None:
        node = self.current_node()
        unit_id = self.model.unit_of(self.proxy.mapToSource(self.tree.currentIndex()))
        parent_id = node[1] if node is not None and node[0] == "org" else None
        if unit_id is None:
            QMessageBox.information(self, "新建党组织", "请先在左侧选择党组织所属的单位。")
            return
        dlg = OrgDialog(self.ctx, unit_id=unit_id, parent_id=parent_id, parent=self)
        if dlg.exec():
            self._after_save("org", int(dlg.result_value))  # type: ignore[call-overload]

    def edit_selected(self) -> None:
        node = self.current_node()
        if node is None:
            return
        dlg = UnitDialog(self.ctx, node[1], parent=self) if node[0] == "unit" else OrgDialog(self.ctx, node[1], parent=self)
        if dlg.exec():
            self._after_save(*node)

    def delete_selected(self) -> None:
        node = self.current_node()
        if node is None:
            return
        idx = self.model.index_of(*node)
        name = self.model.data(idx)
        what = "单位" if node[0] == "unit" else "党组织"
        answer = QMessageBox.question(self, f"删除{what}", f"确定删除{what}“{name}”吗？此操作不能撤销。",
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            if node[0] == "unit":
                self.ctx.register.delete_unit(node[1])
            else:
                self.ctx.register.delete_org(node[1])
        except DangjianError as exc:
            show_error(self, exc, f"不能删除{what}")
            return
        self.ctx.changed.emit("register")
        self.ctx.status.emit(f"已删除{what}“{name}”")

    def add_post(self) -> None:
        node = self.current_node()
        if node is None or node[0] != "org":
            return
        if PostDialog(self.ctx, node[1], parent=self).exec():
            self._after_save(*node)

    def end_post(self) -> None:
        node, post = self.current_node(), self._selected_post()
        if node is None or post is None:
            return
        if EndPostDialog(self.ctx, post[0], post[1], parent=self).exec():
            self._after_save(*node)

    def show_members(self) -> None:
        node = self.current_node()
        if node is not None:
            self.ctx.navigate.emit("members", node)
