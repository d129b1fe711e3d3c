"""The main window driven like a user: navigate, search members, edit with a bad 身份证号 and see the message
under the field, fix and save, browse the organisation tree, settings, backup and restore, import reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMessageBox, QWidget
from ui_fixtures import IGNORE_SIZE_HINTS, SAMPLE_DAY, ZHANG_ID, on_next_dialog, seed_register
from ui_fixtures import synchronous_tasks as synchronous_tasks

from app import clock
from app import settings as S
from app.errors import FieldProblem, ImportReport
from app.services.idcard import make_id
from app.ui.context import AppContext
from app.ui.mainwindow import MainWindow
from app.ui.member_page import Col, MemberPage
from app.ui.org_page import OrgPage
from app.ui.pages import PAGES
from app.ui.register_dialogs import MemberDialog, UnitDialog

pytestmark = IGNORE_SIZE_HINTS


@pytest.fixture
def ctx(paths, db):
    return AppContext(paths, db, today=lambda: SAMPLE_DAY)


@pytest.fixture
def sample(ctx):
    return seed_register(ctx.register)


@pytest.fixture
def window(qtbot, ctx, sample):
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def quiet_boxes(monkeypatch):
    """Message boxes answer Yes and are recorded instead of blocking the test."""
    shown: list[str] = []

    def record(_parent, _title, text, *_a, **_k):
        shown.append(text)
        return QMessageBox.StandardButton.Yes

    for name in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, name, record)

    def answer(box, *_a):  # a box built and run with exec() (the restore's warning with numbers)
        shown.append(box.text())
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "exec", answer)
    return shown


def _names(page: MemberPage) -> list[str]:
    m = page.model
    return [m.data(m.index(r, Col.NAME)) for r in range(m.rowCount())]


def _type(qtbot, widget: QLineEdit, text: str) -> None:
    """Replace the text as a user would: keys for ASCII, an input-method commit for Chinese (QTest cannot
    type characters outside Latin-1)."""
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    if text.isascii():
        qtbot.keyClicks(widget, text)
    else:
        event = QInputMethodEvent()
        event.setCommitString(text)
        QApplication.sendEvent(widget, event)


# -----------------------------------------------------------------------------------------------------------


def test_window_title_navigation_and_every_area(qtbot, window):
    assert window.windowTitle() == "示范县"
    titles = [window.nav_model.index(r, 0).data() for r in range(window.nav_model.rowCount())]
    assert titles == ["提醒", "组织机构", "党员", "月度考评", "通报", "约谈与整改", "季度与年度", "组织生活", "队伍建设", "设置"]
    assert window.current_key() == "home"
    for i, p in enumerate(PAGES):
        key = Qt.Key(Qt.Key.Key_1 + i) if i < 9 else Qt.Key.Key_0  # the tenth area: Ctrl+0
        qtbot.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)
        assert window.current_key() == p.key
        assert window.stack.currentWidget() is window.pages[p.key]
        assert type(window.pages[p.key]).__name__ != "_BrokenPage", p.title


def test_only_the_first_page_is_built_at_start(window):
    assert list(window.pages) == ["home"]


def test_member_search_like_a_user(qtbot, window):
    page = window.show_page("members")
    assert isinstance(page, MemberPage)
    assert page.model.total() == 5
    assert page.count_label.text() == "共 5 名党员"
    _type(qtbot, page.search_box, "zs")
    qtbot.waitUntil(lambda: _names(page) == ["张三"], timeout=2000)
    assert page.count_label.text() == "找到 1 名党员"
    _type(qtbot, page.search_box, "教育局")
    qtbot.waitUntil(lambda: sorted(_names(page)) == sorted(["王五", "赵六"]), timeout=2000)
    _type(qtbot, page.search_box, ZHANG_ID)
    qtbot.waitUntil(lambda: _names(page) == ["张三"], timeout=2000)
    # Masked in the list even when searched by the number itself.
    assert page.model.data(page.model.index(0, Col.ID_NUMBER)) != ZHANG_ID
    page.search_box.clear()
    qtbot.waitUntil(lambda: page.model.total() == 5, timeout=2000)


def test_ctrl_f_focuses_the_search_box_of_the_page(qtbot, window):
    window.activateWindow()
    page = window.show_page("members")
    page.view.setFocus()
    window.act_find.trigger()
    assert QApplication.focusWidget() is page.search_box
    orgs = window.show_page("orgs")
    window.act_find.trigger()
    assert QApplication.focusWidget() is orgs.search_box


def test_edit_member_bad_id_shows_message_under_field_then_fix_and_save(qtbot, window, ctx, sample):
    page = window.show_page("members")
    assert page.select_member(sample.zhang)
    bad = ZHANG_ID[:17] + ("0" if ZHANG_ID[17] != "0" else "1")
    good = make_id("430102", dt.date(1980, 5, 1), 13)  # odd sequence: still 男, as recorded
    failures: list[BaseException] = []
    seen: dict[str, object] = {}

    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, MemberDialog)
        id_box = dialog.basic.field("id_number")
        assert isinstance(id_box, QLineEdit) and id_box.text() != ZHANG_ID and id_box.isReadOnly()  # masked
        dialog.personal.reveal()  # allowed (no accounts: the operator), audited; then the full number is edited
        assert id_box.text() == ZHANG_ID and not id_box.isReadOnly()
        id_box.setFocus()
        id_box.selectAll()
        qtbot.keyClicks(id_box, bad)
        qtbot.keyClick(id_box, Qt.Key.Key_Return)  # Enter saves (保存 is the default button)
        seen["open"] = dialog.isVisible()
        seen["message"] = dialog.basic.problem_text("id_number")
        seen["label_visible"] = dialog.basic.error_label("id_number").isVisible()
        seen["focus"] = dialog.focusWidget() is id_box  # the first field with a problem gets the focus
        id_box.selectAll()
        qtbot.keyClicks(id_box, good)
        assert dialog.basic.problem_text("id_number") == "", "editing the field clears its message"
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
        assert not dialog.isVisible(), dialog.general_error.text()
        seen["closed"] = True

    on_next_dialog(fill, failures)
    window.pages["members"].act_edit.trigger()
    if failures:
        raise failures[0]
    assert seen["open"] is True
    assert "校验位" in str(seen["message"])
    assert seen["label_visible"] is True and seen["focus"] is True
    assert seen["closed"] is True
    assert ctx.register.member_input(sample.zhang).id_number == good
    row = page.model.row_of(sample.zhang)
    assert row is not None
    shown = page.model.data(page.model.index(row, Col.ID_NUMBER))
    assert shown == good[:2] + "*" * 15 + good[-1]


def test_new_member_shows_every_problem_next_to_its_field(qtbot, ctx, sample):
    dialog = MemberDialog(ctx, org_id=sample.finance_branch)
    qtbot.addWidget(dialog)
    dialog.show()
    id_box = dialog.basic.field("id_number")
    assert isinstance(id_box, QLineEdit)
    id_box.setText(ZHANG_ID)  # already registered for 张三
    birth = dialog.basic.field("birth_date")
    assert isinstance(birth, QLineEdit)
    birth.setText("1980-13-01")
    dialog.accept()
    assert dialog.isVisible()
    assert "不是有效日期" in dialog.basic.problem_text("birth_date")
    birth.setText("")
    dialog.accept()
    assert dialog.basic.problem_text("name") == "姓名不能为空"
    assert "重复" in dialog.basic.problem_text("id_number")
    assert dialog.party.problem_text("joined_on") == "请填写入党日期"
    assert dialog.basic.problem_text("phone") == ""
    assert dialog.isVisible()


def test_add_member_through_the_page(qtbot, window, ctx, sample):
    page = window.show_page("members")
    failures: list[BaseException] = []

    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, MemberDialog)
        name = dialog.basic.field("name")
        assert isinstance(name, QLineEdit)
        _type(qtbot, name, "孙八")
        dialog.org_box.set_value(sample.edu_branch)
        joined = dialog.party.field("joined_on")
        assert isinstance(joined, QLineEdit)
        joined.setText("2015-06-30")
        full = dialog.party.field("full_member_on")
        assert isinstance(full, QLineEdit)
        full.setText("2016-07-01")
        dialog.accept()
        assert not dialog.isVisible(), dialog.general_error.text()

    on_next_dialog(fill, failures)
    page.act_new.trigger()
    if failures:
        raise failures[0]
    assert page.model.total() == 6
    assert page.current_member() is not None
    assert page.model.data(page.view.currentIndex().siblingAtColumn(Col.NAME)) == "孙八"


def test_transfer_keeps_history(qtbot, window, ctx, sample):
    page = window.show_page("members")
    page.select_member(sample.zhang)
    failures: list[BaseException] = []

    def move(dialog: QWidget) -> None:
        dialog.org_box.set_value(sample.edu_branch)
        dialog.form.field("moved_on").setText("2025-03-01")
        dialog.accept()
        assert not dialog.isVisible(), dialog.general_error.text()

    on_next_dialog(move, failures)
    page.act_transfer.trigger()
    if failures:
        raise failures[0]
    history = ctx.register.transfers_of(sample.zhang)
    assert [(h[0], h[2], h[3]) for h in history] == [
        (dt.date(2025, 3, 1), "中共县财政局机关支部委员会", "县教育局第一党支部")]
    row = page.model.row_of(sample.zhang)
    assert page.model.data(page.model.index(row, Col.ORG)) == "县教育局第一党支部"


def test_org_tree_selection_shows_details(qtbot, window, sample):
    page = window.show_page("orgs")
    assert isinstance(page, OrgPage)
    assert page.select("org", sample.edu_branch)
    assert page.detail.title.text() == "县教育局第一党支部"
    assert page.detail.findings.isVisible()
    assert "尚未换届" in page.detail.findings.text()
    assert page.act_add_post.isEnabled()
    page.select("org", sample.finance_branch)
    assert page.detail.posts_model.rowCount() == 1
    assert page.detail.posts_model.data(page.detail.posts_model.index(0, 1)) == "张三"
    page.select("unit", sample.finance)
    assert page.detail.title.text() == "县财政局"
    facts = [page.detail.facts.itemAt(i).widget().text() for i in range(page.detail.facts.count())
             if isinstance(page.detail.facts.itemAt(i).widget(), QLabel)]
    assert "刘明" in facts
    assert "13812345678" not in facts, "phone numbers are masked"
    assert not page.act_add_post.isEnabled()
    # Typing in the search box narrows the tree.
    _type(qtbot, page.search_box, "第一党支部")
    assert page.proxy.rowCount() == 1


def test_new_unit_with_a_duplicate_name_is_refused_under_the_field(qtbot, ctx, sample):
    dialog = UnitDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    name = dialog.form.field("name")
    assert isinstance(name, QLineEdit)
    _type(qtbot, name, "县财政局")
    dialog.accept()
    assert dialog.isVisible()
    assert "已有同名单位" in dialog.form.problem_text("name")
    name.setText("县审计局")
    dialog.accept()
    assert not dialog.isVisible()
    assert ("县审计局" in [n for _i, n in ctx.register.units()])


def test_navigation_to_an_organisation_selects_it(qtbot, window, ctx, sample):
    ctx.navigate.emit("orgs", ("org", sample.edu_branch))
    assert window.current_key() == "orgs"
    assert window.pages["orgs"].current_node() == ("org", sample.edu_branch)


def test_org_page_view_members_scopes_the_member_list(qtbot, window, sample):
    orgs = window.show_page("orgs")
    orgs.select("org", sample.edu_branch)
    orgs.act_members.trigger()
    assert window.current_key() == "members"
    page = window.pages["members"]
    assert sorted(_names(page)) == sorted(["王五", "赵六"])
    assert page.scope_label.text() == "仅显示：县教育局第一党支部"
    page.scope_clear.click()
    assert page.model.total() == 5


def test_a_change_reaches_pages_shown_later(qtbot, window, ctx, sample):
    members = window.show_page("members")
    window.show_page("orgs")
    from app.models import MemberStatus
    from app.services.register import MemberInput

    ctx.register.save_member(MemberInput(sample.edu_branch, "周九", MemberStatus.FULL, joined_on=dt.date(2010, 1, 1),
                                         full_member_on=dt.date(2011, 1, 1)))
    ctx.changed.emit("register")
    window.show_page("members")
    assert members.model.total() == 6


def test_settings_page_saves_and_the_title_follows(qtbot, window, ctx):
    page = window.show_page("settings")
    county = page.editors[S.COUNTY_NAME.key]
    assert isinstance(county, QLineEdit)
    _type(qtbot, county, "桃源县")
    page.save_button.click()
    assert ctx.setting(S.COUNTY_NAME) == "桃源县"
    assert window.windowTitle() == "桃源县"
    assert "已保存 1 项" in page.message.text()
    page.save_button.click()
    assert page.message.text() == "没有需要保存的修改。"


def test_backup_then_restore_brings_the_old_data_back(qtbot, window, ctx, quiet_boxes):
    page = window.show_page("settings")
    panel = page.backups
    panel.backup_button.click()
    assert panel.model.rowCount() == 1
    ctx.register.save_unit(__import__("app.services.register", fromlist=["UnitInput"]).UnitInput("县统计局"))
    ctx.changed.emit("register")
    assert "县统计局" in [n for _i, n in ctx.register.units()]
    panel.view.selectRow(0)
    panel.restore_button.click()
    assert "县统计局" not in [n for _i, n in ctx.register.units()]
    assert any("已从备份恢复" in t for t in quiet_boxes)
    # The new unit was an audit entry the backup lacks: the question was the warning with the numbers.
    assert any("审计记录" in t and "比这份备份多" in t for t in quiet_boxes)
    # A safety backup of the data before the restore was taken.
    assert panel.model.rowCount() == 2
    # Pages work on the reopened database.
    orgs = window.show_page("orgs")
    assert orgs.model.counts() == (2, 3)


class FakeExcel:
    """Stands in for app.services.excel_io, recording calls."""

    def __init__(self, dry: ImportReport, real: ImportReport | None = None) -> None:
        self.dry, self.real = dry, real
        self.calls: list[tuple[Path, bool]] = []

    def import_register(self, _sf, path, *, dry_run, progress=None, cancelled=None):
        self.calls.append((path, dry_run))
        progress(1, 1, "检查")
        return self.dry if dry_run else self.real


def test_import_with_problems_shows_the_report_and_imports_nothing(qtbot, window, monkeypatch, tmp_path):
    report = ImportReport(problems=[FieldProblem("id_number", "身份证号校验位错误（应为5）", row=7, column="身份证号"),
                                    FieldProblem("name", "姓名不能为空", row=9, column="姓名")])
    fake = FakeExcel(report)
    monkeypatch.setattr("app.ui.excel_actions._excel_io", lambda: fake)
    failures: list[BaseException] = []
    seen: dict[str, object] = {}

    def look(dialog: QWidget) -> None:
        m = dialog.model
        seen["rows"] = [(m.data(m.index(r, 0)), m.data(m.index(r, 1)), m.data(m.index(r, 2)))
                        for r in range(m.rowCount())]
        seen["summary"] = dialog.summary.text()
        dialog.reject()

    on_next_dialog(look, failures)
    from app.ui.excel_actions import import_register

    import_register(window.ctx, window, tmp_path / "名册.xlsx")
    if failures:
        raise failures[0]
    assert seen["rows"] == [("7", "身份证号", "身份证号校验位错误（应为5）"), ("9", "姓名", "姓名不能为空")]
    assert "没有导入任何数据" in str(seen["summary"])
    assert fake.calls == [(tmp_path / "名册.xlsx", True)]


def test_clean_import_asks_then_imports(qtbot, window, monkeypatch, tmp_path, quiet_boxes):
    fake = FakeExcel(ImportReport(created=3, unchanged=2), ImportReport(created=3, unchanged=2, applied=True))
    monkeypatch.setattr("app.ui.excel_actions._excel_io", lambda: fake)
    changed: list[str] = []
    window.ctx.changed.connect(changed.append)
    failures: list[BaseException] = []
    on_next_dialog(lambda dialog: dialog.accept(), failures)
    from app.ui.excel_actions import import_register

    import_register(window.ctx, window, tmp_path / "名册.xlsx")
    if failures:
        raise failures[0]
    assert fake.calls == [(tmp_path / "名册.xlsx", True), (tmp_path / "名册.xlsx", False)]
    assert changed == ["register"]
    assert any("新增 3 条" in t for t in quiet_boxes)


def test_export_runs_with_progress(qtbot, window, monkeypatch, tmp_path, quiet_boxes):
    written: list[Path] = []

    def export_register(_sf, path, *, progress=None, cancelled=None, reveal=False):
        progress(5, 5, "导出")
        written.append(path)
        return 5

    monkeypatch.setattr("app.ui.excel_actions._excel_io", lambda: SimpleNamespace(export_register=export_register))
    from app.ui.excel_actions import export_register as export_action

    export_action(window.ctx, window, tmp_path / "out.xlsx")
    assert written == [tmp_path / "out.xlsx"]
    assert any("已导出 5 条" in t for t in quiet_boxes)


def test_settings_page_refuses_a_bad_value_and_saves_nothing(qtbot, window, ctx):
    decimals = [d for d in S.SETTINGS.values() if d.type.__name__ == "Decimal"]
    if not decimals:
        pytest.skip("no decimal setting declared")
    d = decimals[0]
    page = window.show_page("settings")
    county = page.editors[S.COUNTY_NAME.key]
    _type(qtbot, county, "桃源县")
    bad = page.editors[d.key]
    assert isinstance(bad, QLineEdit)
    _type(qtbot, bad, "abc")
    page.save_button.click()
    form = page.forms[d.group]
    assert "无效" in form.problem_text(d.key)
    assert page.tabs.tabText(page.tabs.currentIndex()) == d.group, "the page with the problem is shown"
    assert ctx.setting(S.COUNTY_NAME) == "示范县", "nothing is saved while any value is wrong"


def test_a_run_on_a_given_day_says_so_in_the_status_bar(qtbot, ctx, sample, monkeypatch):
    assert window_label(qtbot, ctx, "fixed_day") is None  # the computer's date: nothing to say
    monkeypatch.setattr(clock, "_fixed_today", dt.date(2026, 12, 31))  # `dangjian --today 2026-12-31`
    label = window_label(qtbot, ctx, "fixed_day")
    assert label is not None and label.text() == "按指定日期运行：2026年12月31日"


def window_label(qtbot, ctx, name: str):
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    return w.statusBar().findChild(QLabel, name)
