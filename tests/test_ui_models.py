"""Item models: qtmodeltester on each, and the behaviour the pages rely on (lazy fetching, service-side sort,
search, masking)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from ui_fixtures import SAMPLE_DAY, ZHANG_ID, seed_register

from app.services.register import RegisterService
from app.ui.itemmodels import KeyRole, RowsTableModel
from app.ui.member_page import Col, MemberTableModel
from app.ui.org_page import NodeRole, OrgTreeModel


@pytest.fixture
def reg(db):
    return RegisterService(db.session_factory, today=lambda: SAMPLE_DAY)


@pytest.fixture
def sample(reg):
    return seed_register(reg)


def _names(model: MemberTableModel) -> list[str]:
    return [model.data(model.index(r, Col.NAME)) for r in range(model.rowCount())]


def test_org_tree_model(qtmodeltester, reg, sample):
    model = OrgTreeModel()
    findings = {}
    for org_id, _name, f in reg.all_findings():
        findings.setdefault(org_id, []).append(f)
    model.load(reg.tree(), findings)
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert [model.data(model.index(r, 0)) for r in range(2)] == ["县财政局", "县教育局"]
    edu = model.index(1, 0)
    committee = model.index(0, 0, edu)
    branch = model.index(0, 0, committee)
    assert model.data(committee) == "中共县教育局机关委员会"
    assert model.data(branch, NodeRole) == ("org", sample.edu_branch)
    assert model.parent(branch) == committee
    assert model.data(branch.siblingAtColumn(OrgTreeModel.COL_TYPE)) == "党支部"
    # The overdue branch is highlighted, and so is its unit (collapsed, the problem must still show).
    assert model.data(branch, Qt.ItemDataRole.ForegroundRole) is not None
    assert "届满" in model.data(branch, Qt.ItemDataRole.ToolTipRole)
    assert model.data(edu, Qt.ItemDataRole.ForegroundRole) is not None
    # Member counts add up the subtree.
    assert model.data(edu.siblingAtColumn(OrgTreeModel.COL_MEMBERS)) == "2"
    assert model.index_of("org", sample.edu_branch) == branch
    assert model.unit_of(branch) == sample.education
    model.load([])
    qtmodeltester.check(model)
    assert model.rowCount() == 0


def test_member_model_fetches_pages_lazily(qtmodeltester, reg, sample):
    model = MemberTableModel(reg)
    model.PAGE_SIZE = 2
    model.reload()
    assert model.total() == 5
    assert model.rowCount() == 2, "only the first page is loaded"
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 4
    qtmodeltester.check(model)
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 5 and not model.canFetchMore(QModelIndex())
    assert model.row_of(sample.wang) is not None


def test_member_model_sorts_through_the_service(qtmodeltester, reg, sample):
    model = MemberTableModel(reg)
    model.reload()
    assert _names(model) == ["李四", "钱七", "王五", "张三", "赵六"]  # by full pinyin: li qian wang zhang zhao
    model.sort(Col.BIRTH, Qt.SortOrder.DescendingOrder)
    assert _names(model)[0] == "赵六" and _names(model)[-1] == "王五"
    qtmodeltester.check(model)
    # The masked 身份证号 cannot be an order: the order stays as it was.
    model.sort(Col.ID_NUMBER, Qt.SortOrder.AscendingOrder)
    assert _names(model)[0] == "赵六"


@pytest.mark.parametrize(("text", "expected"), [
    ("zs", ["张三"]),
    ("张", ["张三"]),
    ("教育局", ["王五", "赵六"]),
    (ZHANG_ID, ["张三"]),
    (ZHANG_ID[6:14], []),  # a fragment (the birth date) finds nobody: it would unmask the number digit by digit
    ("nobody", []),
])
def test_member_model_search(reg, sample, text, expected):
    model = MemberTableModel(reg)
    model.reload()
    model.search(text)
    assert sorted(_names(model)) == sorted(expected)
    assert model.total() == len(expected)


def test_member_model_masks_personal_data(reg, sample):
    model = MemberTableModel(reg)
    model.search("zs")
    id_cell = model.data(model.index(0, Col.ID_NUMBER))
    phone_cell = model.data(model.index(0, Col.PHONE))
    assert id_cell == ZHANG_ID[:2] + "*" * 15 + ZHANG_ID[-1]
    assert model.data(model.index(0, Col.BIRTH)) == f"{int(ZHANG_ID[6:10])}年{int(ZHANG_ID[10:12])}月"
    assert model.headerData(Col.BIRTH, Qt.Orientation.Horizontal) == "出生年月"
    assert phone_cell != "13912345678" and "*" in phone_cell
    assert model.headerData(Col.ID_NUMBER, Qt.Orientation.Horizontal) == "身份证号"


def test_member_model_scope_to_an_organisation(reg, sample):
    model = MemberTableModel(reg)
    model.set_scope(org_id=sample.edu_branch)
    assert sorted(_names(model)) == ["王五", "赵六"]
    model.set_scope(unit_id=sample.finance)
    assert set(_names(model)) == {"李四", "钱七", "张三"}
    model.set_scope()
    assert model.total() == 5


def test_rows_table_model(qtmodeltester):
    import datetime as dt

    model = RowsTableModel(["日期", "类型", "说明"], [(dt.date(2024, 1, 2), "县内转接", None), (None, True, 3)],
                           keys=["a", "b"])
    qtmodeltester.check(model)
    assert model.data(model.index(0, 0)) == "2024-01-02"
    assert model.data(model.index(1, 1)) == "是"
    assert model.data(model.index(1, 2), KeyRole) == "b"
    model.set_rows([])
    qtmodeltester.check(model)
