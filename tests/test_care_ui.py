"""The 激励关怀 tab of 组织生活 driven with qtbot: what the 关怀对象 list gives away (nothing of the circumstances, for
any role, whatever is sorted, searched, hovered, copied or exported), the audited 查看个人情况, the dialogs, and
the 提醒's way into the tab."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import frozen
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton
from sqlalchemy import select
from ui_fixtures import IGNORE_SIZE_HINTS, Sample, seed_register
from ui_fixtures import synchronous_tasks as synchronous_tasks  # noqa: F401

from app.models import AuditEntry, CareCircumstance, HonorKind, Role, VisitForm
from app.services import accounts
from app.services.accounts import Actor, acting_as
from app.services.care import CareService, SubjectInput, VisitInput
from app.ui.context import AppContext
from app.ui.itemmodels import KeyRole
from app.ui.orglife.care import HIDDEN_TEXT, CarePanel, HonorDialog, SubjectDialog, VisitDialog
from app.ui.orglife.page import OrgLifePage
from app.ui.tables import SortRole, list_tools, shown_table, write_xlsx

pytestmark = IGNORE_SIZE_HINTS
ADMIN = Actor(1, "admin", "王管理", Role.ADMIN)
ASSESSOR = Actor(2, "li", "李考评", Role.ASSESSOR)
VIEWER = Actor(3, "zhao", "赵查阅", Role.VIEWER)
SECRET = "妻子重病住院，独自抚养两个孩子"
TODAY = frozen.today()


@pytest.fixture(autouse=True)
def nobody_logged_in() -> Iterator[None]:
    accounts.set_current(None)
    yield
    accounts.set_current(None)


@pytest.fixture
def ctx(paths, db) -> AppContext:
    return AppContext(paths, db)


@pytest.fixture
def sample(ctx: AppContext) -> Sample:
    return seed_register(ctx.register)


@pytest.fixture
def subjects(ctx: AppContext, sample: Sample) -> list[int]:
    svc = CareService(ctx.session_factory, today=ctx.today)
    long_ago = TODAY - dt.timedelta(days=400)
    first = svc.add_subject(SubjectInput(sample.zhang, long_ago, [CareCircumstance.MENTAL_PRESSURE], SECRET))
    second = svc.add_subject(SubjectInput(sample.wang, TODAY - dt.timedelta(days=30), [CareCircumstance.VETERAN]))
    svc.save_visit(second, VisitInput(TODAY - dt.timedelta(days=10), "刘明", [VisitForm.GOODS], goods="米、油"))
    return [first, second]


def panel(qtbot, ctx: AppContext) -> CarePanel:
    p = CarePanel(ctx)
    qtbot.addWidget(p)
    p.show()
    return p


def every_cell(model) -> str:
    roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.StatusTipRole,
             Qt.ItemDataRole.WhatsThisRole, SortRole, KeyRole)
    return repr([model.data(model.index(r, c), role) for r in range(model.rowCount())
                 for c in range(model.columnCount()) for role in roles])


def audit_views(ctx: AppContext) -> list[AuditEntry]:
    with ctx.session_factory() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "查看个人情况")))


@pytest.mark.parametrize("who", [ADMIN, ASSESSOR, VIEWER])
def test_the_list_gives_nothing_away(qtbot, ctx: AppContext, subjects: list[int], who: Actor,
                                     tmp_path: Path) -> None:
    with acting_as(who):
        p = panel(qtbot, ctx)
        s = p.subjects
        assert s.model.rowCount() == 2
        for column in range(s.model.columnCount()):  # sorting by any column, both ways
            for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
                s.view.sortByColumn(column, order)
                text = every_cell(s.model)
                assert SECRET not in text and "思想压力" not in text and "老党员" not in text
        assert s.select(subjects[0])
        tools = list_tools(s.view)
        assert tools is not None
        tools.copy()
        copied = QGuiApplication.clipboard().text()
        assert "张三" in copied and SECRET not in copied and "思想压力" not in copied
        headers, rows = shown_table(s.view)  # what 导出到 Excel writes
        write_xlsx(tmp_path / "list.xlsx", "关怀对象", headers, rows)
        assert SECRET not in repr(rows) and "关怀原因" not in headers
        s.text.setText("住院")  # a search for the hidden words finds nobody
        QTest.keyClick(s.text, Qt.Key.Key_Return)
        assert s.model.rowCount() == 0
        s.text.setText("张三")
        QTest.keyClick(s.text, Qt.Key.Key_Return)
        assert s.model.rowCount() == 1
        assert s.circumstances.text() == HIDDEN_TEXT
        assert s.reveal_button.isEnabled() == (who is ADMIN)
    assert audit_views(ctx) == []


def test_each_reveal_is_audited_and_lasts_one_selection(qtbot, ctx: AppContext, subjects: list[int]) -> None:
    with acting_as(ADMIN):
        p = panel(qtbot, ctx)
        s = p.subjects
        assert s.select(subjects[0])
        qtbot.mouseClick(s.reveal_button, Qt.MouseButton.LeftButton)
        assert "思想压力较大" in s.circumstances.text() and SECRET in s.circumstances.text()
        assert s.circumstances.toolTip() == ""
        qtbot.mouseClick(s.reveal_button, Qt.MouseButton.LeftButton)
        assert len(audit_views(ctx)) == 2
        assert s.select(subjects[1])
        assert s.circumstances.text() == HIDDEN_TEXT
        entry = audit_views(ctx)[0]
        assert (entry.who, entry.entity_id) == (ADMIN.who, subjects[0]) and entry.reason.startswith("张三")


def test_overdue_first_and_visits_and_talks_of_the_selected(qtbot, ctx: AppContext, subjects: list[int]) -> None:
    p = panel(qtbot, ctx)
    s = p.subjects
    assert s.model.key(0) == subjects[0]
    assert s.model.data(s.model.index(0, 7)) == "逾期未走访"
    assert s.model.data(s.model.index(0, 0), Qt.ItemDataRole.ForegroundRole) is not None
    s.select(subjects[1])
    assert s.visit_model.rowCount() == 1 and s.visit_model.data(s.visit_model.index(0, 4)) == "米、油"


def test_new_subject_and_a_visit_through_the_dialogs(qtbot, ctx: AppContext, sample: Sample) -> None:
    p = panel(qtbot, ctx)
    svc = p.service
    dlg = SubjectDialog(svc, TODAY)
    qtbot.addWidget(dlg)
    dlg.member.set_value(sample.li)
    dlg.accept()
    assert "至少选择一项" in dlg.form.problem_text("circumstances")
    dlg.kinds[CareCircumstance.OVERTIME].setChecked(True)
    dlg.accept()
    sid = int(str(dlg.result_value))
    p.subjects.reload()
    assert p.subjects.select(sid)
    row = p.subjects.current_row()
    assert row is not None
    visit = VisitDialog(svc, row, TODAY)
    qtbot.addWidget(visit)
    visit.form.field("visitors").setText("周建国（党组书记）")  # type: ignore[attr-defined]
    visit.forms_[VisitForm.TALK].setChecked(True)
    visit.amount.setValue(500)
    visit.accept()
    assert "只有送慰问金时" in visit.form.problem_text("amount_yuan")
    visit.forms_[VisitForm.MONEY].setChecked(True)
    visit.accept()
    assert visit.result() == visit.DialogCode.Accepted
    p.subjects.reload()
    assert p.subjects.visit_model.rowCount() == 1
    assert p.subjects.visit_model.data(p.subjects.visit_model.index(0, 3)) == "500"


def test_honour_dialog_switches_between_member_and_organisation(qtbot, ctx: AppContext, sample: Sample) -> None:
    p = panel(qtbot, ctx)
    dlg = HonorDialog(p.service)
    qtbot.addWidget(dlg)
    assert dlg.member.isEnabled() and not dlg.org.isEnabled()
    dlg.kind.set_value(HonorKind.ORG)
    assert dlg.org.isEnabled() and not dlg.member.isEnabled()
    dlg.org.set_value(sample.finance_branch)
    dlg.awarded_on.set_date(TODAY)
    dlg.form.field("awarded_by").setText("中共示范县委")  # type: ignore[attr-defined]
    dlg.accept()
    assert dlg.result() == dlg.DialogCode.Accepted
    p.honors.reload()
    assert p.honors.model.data(p.honors.model.index(0, 1)) == "中共县财政局机关支部委员会"


def test_alert_opens_the_tab_on_the_person(qtbot, ctx: AppContext, subjects: list[int]) -> None:
    page = OrgLifePage(ctx)
    qtbot.addWidget(page)
    page.show()
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert "激励关怀" in titles
    page.show_target(("care", subjects[1]))
    assert page.tabs.currentWidget() is page.care
    assert page.care.subjects.current() == subjects[1]
    page.show_target(("record", 1))  # other targets still go to the records
    assert page.tabs.currentWidget() is page.records


def test_buttons_of_the_tab_are_reachable(qtbot, ctx: AppContext, subjects: list[int]) -> None:
    p = panel(qtbot, ctx)
    names = {b.objectName() for b in p.findChildren(QPushButton)}
    assert {"new_subject", "new_visit", "reveal_care", "new_honor"} <= names


def test_the_alert_line_leads_to_the_organisation_life_page(ctx: AppContext, subjects: list[int]) -> None:
    from app.services import alerts as A
    from app.ui.alerts.page import destination

    found = [a for a in A.AlertService(ctx.session_factory, today=ctx.today).alerts() if a.kind == "care_visit_overdue"]
    assert [a.target_id for a in found] == [subjects[0]]  # never visited in more than six months
    assert destination(found[0]) == ("orglife", ("care", subjects[0]))
    assert SECRET not in found[0].message and "思想压力" not in found[0].message
