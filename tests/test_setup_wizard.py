"""The first-run wizard (app/ui/setup_wizard.py), driven from the keyboard as a new office would: the county's
names, the administrator, how to begin; a 通报 issued afterwards under the names typed; bad inputs said under their
fields; the practice county in a folder of its own; issuing refused while the names are 示范县's placeholders."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from documents_support import build_county
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMainWindow, QRadioButton, QWidget
from sqlalchemy import text

from app import settings as S
from app.errors import ValidationError
from app.paths import AppPaths
from app.services.accounts import AccountService
from app.services.app_settings import SettingsService
from app.services.bulletin import BulletinService
from app.services.county_names import CountyNamesService, register_is_empty
from app.services.opening import open_database
from app.ui.accounts.login import log_in_at_start
from app.ui.context import AppContext
from app.ui.setup_wizard import PRACTICE_MARK, PRACTICE_TITLE, SetupWizard, after_start, practice_folder

PW = "Qingshan#2026-dj"
ISSUED = dt.date(2026, 11, 5)

pytestmark = [pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
              pytest.mark.usefixtures("cheap_hashes")]


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def type_in(qtbot, name: str, value: str) -> None:
    """Type into the focused field, which must be `name` (the user never clicks into a field here): keys for
    ASCII, an input method's commit for Chinese (QTest types Latin-1 only)."""
    widget = focused()
    assert widget.objectName() == name
    assert isinstance(widget, QLineEdit)
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    if value.isascii():
        qtbot.keyClicks(widget, value)
    else:
        event = QInputMethodEvent()
        event.setCommitString(value)
        QApplication.sendEvent(widget, event)


def tab(qtbot) -> None:
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)


def enter(qtbot) -> None:
    qtbot.keyClick(focused(), Qt.Key.Key_Return)


def open_wizard(qtbot, db, paths: AppPaths, **kw) -> SetupWizard:
    wizard = SetupWizard(db.session_factory, paths, **kw)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and focused().objectName() == "county")
    return wizard


def fill_names(qtbot, county: str = "青山县") -> None:
    type_in(qtbot, "county", county)
    tab(qtbot)
    assert focused().objectName() == "issuer_name"
    tab(qtbot)
    assert focused().objectName() == "issuer_code"
    tab(qtbot)
    assert focused().objectName() == "printer"
    tab(qtbot)
    type_in(qtbot, "officer", "张敏")
    tab(qtbot)
    type_in(qtbot, "phone", "0791-1234567")


def fill_account(qtbot, password: str = PW, again: str = PW) -> None:
    assert focused().objectName() == "username"
    tab(qtbot)
    type_in(qtbot, "password", password)
    tab(qtbot)
    type_in(qtbot, "again", again)


def problem(wizard: SetupWizard, name: str) -> str:
    label = wizard.findChild(QLabel, f"{name}_problem")
    assert label is not None
    return label.text() if label.isVisible() else ""


def doc_text(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for section in d.sections:
        parts += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
    parts += [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_the_wizard_on_an_empty_folder_ends_in_a_bulletin_under_the_typed_names(qtbot, paths, db) -> None:
    wizard = open_wizard(qtbot, db, paths)
    assert wizard.button(wizard.WizardButton.NextButton).text() == "下一步(&N) >"
    assert wizard.button(wizard.WizardButton.CancelButton).text() == "取消"
    fill_names(qtbot)
    # the issuing body's names followed the county's name as it was typed
    assert wizard.names_page.issuer_name.text() == "中共青山县直属机关工作委员会"
    assert wizard.names_page.issuer_code.text() == "青直工委"
    assert wizard.names_page.printer.text() == "中共青山县直属机关工作委员会办公室"
    enter(qtbot)
    assert wizard.currentPage() is wizard.account_page
    qtbot.waitUntil(lambda: focused().objectName() == "username")
    rules = wizard.account_page.rules
    assert rules.isVisible() and "至少8个字符" in rules.text()  # said before anything is typed
    fill_account(qtbot)
    enter(qtbot)
    assert wizard.currentPage() is wizard.start_page
    qtbot.waitUntil(lambda: focused().objectName() == "start_empty")
    enter(qtbot)
    assert wizard.result() == wizard.DialogCode.Accepted.value
    assert wizard.started is not None and wizard.started.practice_dir is None and wizard.started.roster is None
    assert wizard.started.actor is not None and wizard.started.actor.username == "admin"
    assert AccountService(db.session_factory).authenticate("admin", PW).role == "管理员"

    names = CountyNamesService(db.session_factory).current()
    assert (names.county, names.officer, names.contact) == ("青山县", "张敏", "张敏，0791-1234567")
    county = build_county(db)  # the register and two locked months, scored as an office would
    issued = BulletinService(db.session_factory, actor="张敏", today=lambda: ISSUED).issue(2026, 10)
    assert issued.doc_number == "青直工委〔2026〕1号"
    printed = doc_text(BulletinService(db.session_factory).document(issued.id))
    assert "中共青山县直属机关工作委员会" in printed
    assert "青直工委〔2026〕1号" in printed
    assert "中共青山县直属机关工作委员会办公室" in printed
    assert "示范县" not in printed and "示直工委" not in printed
    assert county.unit_ids


def test_bad_names_are_said_under_their_fields(qtbot, paths, db) -> None:
    wizard = open_wizard(qtbot, db, paths)
    enter(qtbot)  # nothing typed
    assert wizard.currentPage() is wizard.names_page
    assert problem(wizard, "county") == "请填写县名"
    assert problem(wizard, "officer") == "请填写经办人姓名"
    assert focused().objectName() == "county"  # back in the first field with a problem
    type_in(qtbot, "county", "示范县")
    enter(qtbot)
    assert "练习用的县名" in problem(wizard, "county")
    assert wizard.currentPage() is wizard.names_page
    assert CountyNamesService(db.session_factory).placeholders()  # nothing saved


def test_weak_and_mismatched_passwords_are_refused(qtbot, paths, db) -> None:
    wizard = open_wizard(qtbot, db, paths)
    fill_names(qtbot)
    enter(qtbot)
    qtbot.waitUntil(lambda: focused().objectName() == "username")
    fill_account(qtbot, "12345678", "12345678")
    enter(qtbot)
    assert wizard.currentPage() is wizard.account_page
    assert "常见密码" in problem(wizard, "password")
    assert focused().objectName() == "password"
    type_in(qtbot, "password", "short")
    enter(qtbot)
    assert "至少需要8个字符" in problem(wizard, "password")
    type_in(qtbot, "password", PW)
    tab(qtbot)
    type_in(qtbot, "again", PW + "x")
    enter(qtbot)
    assert problem(wizard, "again") == "两次输入的密码不一致" and problem(wizard, "password") == ""
    assert wizard.currentPage() is wizard.account_page
    assert not AccountService(db.session_factory).has_users()  # nothing created before 完成


def test_the_practice_county_lands_in_a_folder_of_its_own(qtbot, paths, db) -> None:
    wizard = open_wizard(qtbot, db, paths, practice_size="tiny")
    fill_names(qtbot)
    enter(qtbot)
    qtbot.waitUntil(lambda: focused().objectName() == "username")
    fill_account(qtbot)
    enter(qtbot)
    qtbot.waitUntil(lambda: focused().objectName() == "start_empty")
    qtbot.keyClick(focused(), Qt.Key.Key_Down)
    qtbot.keyClick(focused(), Qt.Key.Key_Down)
    practice_button = wizard.findChild(QRadioButton, "start_practice")
    assert practice_button is not None and practice_button.isChecked()
    enter(qtbot)
    assert wizard.result() == wizard.DialogCode.Accepted.value
    assert wizard.started is not None
    folder = wizard.started.practice_dir
    assert folder == practice_folder(paths) and folder != paths.data_dir
    assert (folder / PRACTICE_MARK).is_file()
    assert register_is_empty(db.session_factory)  # nothing of the demo in the real county
    assert CountyNamesService(db.session_factory).current().county == "青山县"

    practice = AppPaths(folder).ensure()
    pdb = open_database(practice.db_path, backup_dir=practice.backup_dir)
    try:
        assert not register_is_empty(pdb.session_factory)
        assert CountyNamesService(pdb.session_factory).placeholders() == []  # the demo county may issue
        started = log_in_at_start(pdb.session_factory, practice)  # no account there: no login, no wizard
        assert started is not None and started.actor is None
        ctx = AppContext(practice, pdb)
        window = QMainWindow()
        qtbot.addWidget(window)
        window.setWindowTitle("示范县")
        after_start(window, ctx, started)
        assert window.windowTitle().endswith(PRACTICE_TITLE)
        window.setWindowTitle("示范县")  # the window sets its title again (settings saved)
        assert window.windowTitle().endswith(PRACTICE_TITLE)
        assert window.findChild(QLabel, "practice_county").text() == PRACTICE_TITLE
    finally:
        pdb.close()


def test_reopened_from_settings_it_changes_the_names_only(qtbot, paths, db) -> None:
    names = CountyNamesService(db.session_factory)
    names.save(names.current().__class__("青山县", "中共青山县直属机关工作委员会", "青直工委",
                                         "中共青山县直属机关工作委员会办公室", "张敏"))
    wizard = SetupWizard(db.session_factory)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and focused().objectName() == "county")
    assert wizard.pageIds() == [wizard.currentId()]  # no account, no start page
    assert wizard.names_page.issuer_code.text() == "青直工委"
    type_in(qtbot, "county", "绿水县")
    enter(qtbot)
    assert wizard.result() == wizard.DialogCode.Accepted.value
    saved = names.current()
    assert (saved.county, saved.issuer_name, saved.issuer_code) == ("绿水县", "中共绿水县直属机关工作委员会", "绿直工委")
    assert saved.officer == "张敏"
    assert not AccountService(db.session_factory).has_users()


def test_issuing_is_refused_under_the_placeholder_names(db) -> None:
    build_county(db)
    with db.engine.begin() as conn:  # a county whose names nobody gave (the shipped 示范县 placeholders)
        conn.execute(text("DELETE FROM setting WHERE key = :k"), {"k": S.COUNTY_NAME.key})
    service = BulletinService(db.session_factory, actor="张敏", today=lambda: ISSUED)
    with pytest.raises(ValidationError) as refused:
        service.issue(2026, 10)
    assert "示范用的名称" in refused.value.message and "设置" in refused.value.message
    names = CountyNamesService(db.session_factory)
    assert names.placeholders() == ["发文机关全称", "发文机关代字", "印发机关"]
    # the county's name given (设置 → 县名): the issuing body's names follow it and are real
    SettingsService(db.session_factory).save({S.COUNTY_NAME.key: "青山县"})
    assert names.placeholders() == []
    assert service.issue(2026, 10).doc_number == "青直工委〔2026〕1号"


def test_the_settings_page_reopens_the_names_page(qtbot, paths, db) -> None:
    from PySide6.QtCore import QTimer

    from app.ui.settings_page import SettingsPage, editor_value

    page = SettingsPage(AppContext(paths, db))
    qtbot.addWidget(page)
    page.show()
    seen: list[str] = []

    def drive() -> None:
        wizard = QApplication.activeModalWidget()
        assert isinstance(wizard, SetupWizard)
        try:
            qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and focused().objectName() == "county")
            seen.append(wizard.windowTitle())
            seen.extend(str(i) for i in wizard.pageIds())
            fill_names(qtbot, "绿水县")
            enter(qtbot)
        finally:
            if wizard.isVisible():
                wizard.reject()

    QTimer.singleShot(0, drive)
    qtbot.mouseClick(page.names_button, Qt.MouseButton.LeftButton)
    assert seen[:2] == ["本县名称与发文机关", "0"] and len(seen) == 2  # the names page alone
    assert editor_value(page.editors[S.COUNTY_NAME.key]) == "绿水县"
    assert editor_value(page.editors[S.ISSUER_CODE.key]) == "绿直工委"
    assert not page.has_unsaved_changes()
    assert CountyNamesService(db.session_factory).placeholders() == []


def test_the_roster_choice_needs_an_excel_file_and_hands_it_to_the_import(qtbot, paths, db, tmp_path) -> None:
    wizard = open_wizard(qtbot, db, paths)
    fill_names(qtbot)
    enter(qtbot)
    qtbot.waitUntil(lambda: focused().objectName() == "username")
    fill_account(qtbot)
    enter(qtbot)
    qtbot.waitUntil(lambda: focused().objectName() == "start_empty")
    qtbot.keyClick(focused(), Qt.Key.Key_Down)
    assert focused().objectName() == "start_import"
    tab(qtbot)
    missing = tmp_path / "没有这个名册.xlsx"
    type_in(qtbot, "roster", str(missing))
    enter(qtbot)
    assert "找不到 Excel 名册文件" in problem(wizard, "roster")
    assert wizard.currentPage() is wizard.start_page and not AccountService(db.session_factory).has_users()
    roster = tmp_path / "党员名册.xlsx"
    roster.write_bytes(b"PK")  # checked by the import itself once the window shows, not here
    type_in(qtbot, "roster", str(roster))
    enter(qtbot)
    assert wizard.started is not None and wizard.started.roster == roster and wizard.started.practice_dir is None
    assert register_is_empty(db.session_factory)  # nothing imported before the user sees the import's check
