"""提醒 (the home page): the size of the register and what needs attention now.

For now the attention list is the organisation findings of RegisterService.all_findings() (vacant posts,
overdue terms, branches too small or too large, missing committees), grouped by kind; each line opens the
organisation in 组织机构.  The counts and findings are computed in the background so the window shows at once."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHBoxLayout, QLabel, QTreeView, QVBoxLayout, QWidget

from app.services.register import OrgFinding
from app.ui import tasks
from app.ui.context import AppContext
from app.ui.forms import ERROR_COLOUR

AnyIndex = QModelIndex | QPersistentModelIndex

OrgRole = Qt.ItemDataRole.UserRole + 1

# The kinds RegisterService reports, in the order they matter, with the heading users read.
FINDING_KINDS = {
    "term_overdue": "换届超期",
    "vacancy": "支委职务空缺",
    "needs_committee": "应设支部委员会",
    "too_few": "正式党员不足，应建联合支部",
    "too_many": "党员人数过多，宜分设支部",
    "term_ending": "即将到期换届",
}


@dataclass(frozen=True)
class Overview:
    units: int
    orgs: int
    members: int
    findings: list[tuple[int, str, OrgFinding]]


def load_overview(ctx: AppContext) -> Overview:
    """Runs on a worker thread: services only, no widgets."""
    reg = ctx.register
    return Overview(len(reg.units()), len(reg.orgs()), reg.member_count(), reg.all_findings())


def findings_model(findings: list[tuple[int, str, OrgFinding]], parent: QWidget | None = None) -> QStandardItemModel:
    """Kind → organisation lines; each organisation line carries its id (OrgRole)."""
    model = QStandardItemModel(parent)
    model.setHorizontalHeaderLabels(["需要注意的事项"])
    groups: dict[str, list[tuple[int, str, OrgFinding]]] = {}
    for item in findings:
        groups.setdefault(item[2].kind, []).append(item)
    order = list(FINDING_KINDS) + sorted(k for k in groups if k not in FINDING_KINDS)
    for kind in order:
        lines = groups.get(kind)
        if not lines:
            continue
        head = QStandardItem(f"{FINDING_KINDS.get(kind, kind)}（{len(lines)}）")
        head.setEditable(False)
        font = head.font()
        font.setBold(True)
        head.setFont(font)
        for org_id, org_name, f in lines:
            line = QStandardItem(f"{org_name}：{f.message}")
            line.setEditable(False)
            line.setData(org_id, OrgRole)
            line.setToolTip("双击或按回车打开该党组织")
            head.appendRow(line)
        model.appendRow(head)
    return model


class HomePage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.cards: dict[str, QLabel] = {}
        cards = QHBoxLayout()
        for key, caption in (("units", "县直单位"), ("orgs", "党组织"), ("members", "在册党员")):
            cards.addWidget(self._card(key, caption))
        cards.addStretch()
        self.state = QLabel("正在统计……")
        self.state.setObjectName("home_state")
        self.view = QTreeView()
        self.view.setObjectName("findings_view")
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setUniformRowHeights(True)
        self.view.activated.connect(self._open)
        self.view.doubleClicked.connect(self._open)
        self.model = findings_model([], self)
        self.view.setModel(self.model)
        later = QLabel("月度考评、通报、约谈整改、组织生活等方面的提醒，将随这些功能一起显示在这里。")
        later.setStyleSheet("color: #666;")
        later.setWordWrap(True)
        col = QVBoxLayout(self)
        col.addWidget(self.title)
        col.addLayout(cards)
        col.addWidget(self.state)
        col.addWidget(self.view, 1)
        col.addWidget(later)
        self._task: tasks.Task | None = None
        ctx.follow(self, self.reload, "register", "settings")
        self.reload()

    def _card(self, key: str, caption: str) -> QFrame:
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setMinimumWidth(150)
        col = QVBoxLayout(frame)
        number = QLabel("—")
        number.setObjectName(f"count_{key}")
        font = number.font()
        font.setPointSizeF(font.pointSizeF() * 2)
        font.setBold(True)
        number.setFont(font)
        col.addWidget(number, 0, Qt.AlignmentFlag.AlignHCenter)
        col.addWidget(QLabel(caption), 0, Qt.AlignmentFlag.AlignHCenter)
        self.cards[key] = number
        return frame

    def reload(self) -> None:
        self.title.setText(f"{self.ctx.county_name()}县直机关党建概况")
        if self._task is not None and not self._task.done:
            self._task.cancel()
        self.state.setText("正在统计……")
        ctx = self.ctx

        def work(_progress: tasks.Progress, cancelled: tasks.Cancelled) -> Overview:
            overview = load_overview(ctx)
            cancelled()  # a newer reload superseded this one: looking makes the task end as cancelled
            return overview

        self._task = tasks.run_task(work, on_success=self._show, parent=self)

    def _show(self, ov: Overview) -> None:
        self.cards["units"].setText(str(ov.units))
        self.cards["orgs"].setText(str(ov.orgs))
        self.cards["members"].setText(str(ov.members))
        old, self.model = self.model, findings_model(ov.findings, self)
        self.view.setModel(self.model)
        old.deleteLater()
        self.view.expandAll()
        n_orgs = len({org_id for org_id, _n, _f in ov.findings})
        if ov.findings:
            self.state.setText(f"有 {n_orgs} 个党组织存在 {len(ov.findings)} 项需要注意的问题（双击打开该党组织）：")
            self.state.setStyleSheet(f"color: {ERROR_COLOUR};")
        else:
            self.state.setText("党组织设置、支委配备和换届情况没有发现问题。")
            self.state.setStyleSheet("")

    def _open(self, index: AnyIndex) -> None:
        org_id = index.data(OrgRole)
        if org_id is not None:
            self.ctx.navigate.emit("orgs", ("org", int(org_id)))
