"""The 单位填报员 in the GUI: logged in, the window has only its areas (提醒, its 自评, its 整改 progress, its
organisation life) and no backup, restore or Excel actions; the 自评 is typed into its sheet, the 复核 column
waits for the 通报; 整改 progress is handed in; the users dialog binds the role to a unit."""

from __future__ import annotations

import datetime as dt

import pytest
from documents_support import built as built
from documents_support import open_copy
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit
from ui_fixtures import IGNORE_SIZE_HINTS
from ui_fixtures import synchronous_tasks as synchronous_tasks

from app.models import OrgLifeKind, RectificationStatus, Role
from app.services import accounts
from app.services.accounts import AccountService
from app.services.orglife import AttendanceInput, OrgLifeService, RecordInput
from app.services.rectification import ItemInput, RectificationService
from app.services.register import RegisterService
from app.services.scoring import ScoringService
from app.ui.accounts import login as login_module
from app.ui.accounts.admin import AddUserDialog
from app.ui.accounts.login import IdleLock, LoginDialog
from app.ui.alerts.page import AlertsPage
from app.ui.context import AppContext
from app.ui.mainwindow import MainWindow
from app.ui.orglife.page import OrgLifePage
from app.ui.unitentry import rectification as rect_page
from app.ui.unitentry.pages import is_unit_account, pages_for
from app.ui.unitentry.rectification import UnitRectificationPage
from app.ui.unitentry.scoring import HIDDEN_TEXT, REVIEW_COLUMN, SELF_COLUMN, UnitScoringPage

pytestmark = [IGNORE_SIZE_HINTS, pytest.mark.usefixtures("cheap_hashes")]

PW = "Dangjian#2026check"
DAY = dt.date(2026, 11, 12)


@pytest.fixture
def county(built, paths):
    c = open_copy(*built, paths)
    yield c
    c.db.close()


@pytest.fixture
def setup(county):
    sf = county.db.session_factory
    unit = county.unit("县教育局")
    service = AccountService(sf)
    service.create_first_admin("admin", "王管理", PW)
    with accounts.acting_as(service.authenticate("admin", PW)):
        service.add_user("jyj", "教育局党办", Role.UNIT_REPORTER, PW, unit="县教育局")
    RectificationService(sf, actor="张敏", today=lambda: DAY).create(
        unit, "2026年第四季度专项督查", [ItemInput("三会一课记录不全", "补齐记录", "办公室", dt.date(2026, 12, 15))])
    county.scoring.open_month(2026, 11)
    life = OrgLifeService(sf, today=lambda: DAY)
    reg = RegisterService(sf)
    for name in ("县教育局", "县民政局"):
        org = reg.orgs(county.unit(name))[0][0]
        held = dt.date(2026, 11, 3)
        life.save_record(RecordInput(OrgLifeKind.THEME_DAY, held, org, topic=f"{name}主题党日", recorded_on=DAY,
                                     attendance=[AttendanceInput(m.id) for m in life.roster(org, held)]))
    return county, service, unit


def log_in(qtbot, service: AccountService, name: str) -> accounts.Actor:
    dialog = LoginDialog(service)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.username.clear()
    qtbot.keyClicks(dialog.username, name)
    qtbot.keyClicks(dialog.password, PW)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.actor is not None, dialog.problem.text()
    accounts.set_current(dialog.actor)
    return dialog.actor


def open_window(qtbot, county, actor: accounts.Actor) -> MainWindow:
    ctx = AppContext(_PATHS[0], county.db, today=lambda: DAY)
    window = MainWindow(ctx, pages_for(actor))
    if is_unit_account(actor):
        window.hide_data_actions()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


_PATHS: list = []  # this test's data folder, for the window's context


@pytest.fixture(autouse=True)
def _keep_paths(paths):
    _PATHS[:] = [paths]
    yield
    _PATHS.clear()


def test_login_as_unit_account_shows_the_limited_window(qtbot, setup) -> None:
    county, service, unit = setup
    actor = log_in(qtbot, service, "jyj")
    assert (actor.role, actor.unit_id) == (Role.UNIT_REPORTER, unit)
    window = open_window(qtbot, county, actor)
    titles = [window.nav_model.item(i).text() for i in range(window.nav_model.rowCount())]
    assert titles == ["提醒", "月度考评", "约谈与整改", "组织生活"]
    assert not any(a.isVisible() for a in (window.act_backup, window.act_restore, window.act_import,
                                           window.act_export, window.act_template))
    home = window.page("home")
    assert isinstance(home, AlertsPage)
    shown = {home.model.alert(r).subject for r in range(home.model.rowCount()) if home.model.alert(r) is not None}
    assert not any("县民政局" in text or "县财政局" in text for text in shown)  # its own unit's 提醒 only
    life = window.show_page("orglife")
    assert isinstance(life, OrgLifePage)
    assert life.records.model.total() == 1  # its own organisation's record, not the other unit's
    assert [life.tabs.tabText(i) for i in range(life.tabs.count()) if life.tabs.isTabVisible(i)] == ["组织生活记录"]
    window.show_page("home")
    window.show_page("orgs")  # a link to a page it does not have (a 提醒 line) leaves it where it is
    assert window.current_key() == "home"

    # 月度考评: its own sheet, the 自评 typed in, the 复核 column empty until the 通报
    window.page_actions[1].trigger()  # 转到 → 月度考评 (Ctrl+2)
    page = window.stack.currentWidget()
    assert isinstance(page, UnitScoringPage)
    page.month.setCurrentIndex(page.month.findText("2026年11月"))
    assert page.form is not None and page.form.unit_name == "县教育局" and page.form.results_hidden
    assert page.table.item(0, REVIEW_COLUMN).text() == HIDDEN_TEXT
    page.table.setFocus()
    page.table.setCurrentCell(0, SELF_COLUMN)
    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    editor = page.table.viewport().findChild(QLineEdit)
    assert isinstance(editor, QLineEdit) and editor.isVisible()
    qtbot.keyClicks(editor, "1.5")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The cell shows the typed text at once; the save runs once the editor has let go of the cell, and then moves
    # on to the next indicator.
    qtbot.waitUntil(lambda: page.table.currentRow() == 1)
    item_id = page.form.items[0].id
    with accounts.acting_as(None):
        admin_view = ScoringService(county.db.session_factory).form(page.form.sheet_id)
    assert next(i for i in admin_view.items if i.id == item_id).self_score is not None
    assert page.table.item(0, SELF_COLUMN).text() == next(
        f"{i.self_score:.1f}" for i in admin_view.items if i.id == item_id)
    page.month.setCurrentIndex(page.month.findText("2026年9月"))  # its 通报 is not issued in this county
    assert page.table.item(0, REVIEW_COLUMN).text() == HIDDEN_TEXT
    assert not page.table.item(0, SELF_COLUMN).flags() & Qt.ItemFlag.ItemIsEditable  # locked month

    # 约谈与整改: its item started, then its progress handed in
    window.page_actions[2].trigger()  # 转到 → 约谈与整改 (Ctrl+3)
    rect = window.stack.currentWidget()
    assert isinstance(rect, UnitRectificationPage) and rect.table.rowCount() == 1
    assert not rect.start_button.isEnabled()
    rect.table.selectRow(0)
    assert rect.start_button.isEnabled() and not rect.submit_button.isEnabled()


def test_progress_is_handed_in_from_the_page(qtbot, setup, monkeypatch) -> None:
    county, service, _unit = setup
    window = open_window(qtbot, county, log_in(qtbot, service, "jyj"))
    page = window.show_page("interviews")
    assert isinstance(page, UnitRectificationPage)
    monkeypatch.setattr(rect_page.QInputDialog, "getText", lambda *a, **k: ("已制定方案", True))
    monkeypatch.setattr(rect_page.QInputDialog, "getMultiLineText", lambda *a, **k: ("已补齐记录", True))
    page.table.selectRow(0)
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert page.items[0].stored_status == RectificationStatus.IN_PROGRESS
    page.table.selectRow(0)
    qtbot.mouseClick(page.submit_button, Qt.MouseButton.LeftButton)
    assert (page.items[0].stored_status, page.items[0].progress) == (RectificationStatus.PENDING_REVIEW, "已补齐记录")
    assert page.table.item(0, 6).text() == "已补齐记录"


def test_an_administrator_has_the_full_window(qtbot, setup) -> None:
    county, service, _unit = setup
    window = open_window(qtbot, county, log_in(qtbot, service, "admin"))
    assert window.nav_model.rowCount() > 4 and window.act_import.isVisible()


def test_relogin_as_another_kind_of_account_closes_the_window(qtbot, setup, monkeypatch) -> None:
    county, service, _unit = setup
    window = open_window(qtbot, county, log_in(qtbot, service, "jyj"))

    def admin_logs_in(dialog: LoginDialog) -> int:
        dialog.username.setText("admin")
        dialog.password.setText(PW)
        dialog.buttons.accepted.emit()
        return dialog.result()

    lock = IdleLock(service, window, 15, relogin=admin_logs_in)
    lock.timer.stop()
    shown: list[str] = []
    monkeypatch.setattr(login_module.QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    lock.lock()
    assert not window.isVisible() and accounts.current() is None and "重新启动" in shown[0]


def test_the_users_dialog_binds_a_unit_account_to_its_unit(qtbot, setup) -> None:
    county, service, unit = setup
    with accounts.acting_as(service.authenticate("admin", PW)):
        dialog = AddUserDialog(service)
        qtbot.addWidget(dialog)
        assert not dialog.unit.isEnabled()
        dialog.username.setText("mzj")
        dialog.role.setCurrentText(Role.UNIT_REPORTER.value)
        assert dialog.unit.isEnabled()
        dialog.password.setText(PW)
        dialog.buttons.accepted.emit()
        assert "必须指定所属单位" in dialog.problem.text()
        dialog.unit.setCurrentText("县民政局")
        dialog.buttons.accepted.emit()
        assert dialog.result() == QDialog.DialogCode.Accepted
        [made] = [u for u in service.users() if u.username == "mzj"]
        assert (made.role_text, made.unit_id) == ("单位填报员（县民政局）", county.unit("县民政局"))
    assert unit != made.unit_id
