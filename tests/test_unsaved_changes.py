"""Nothing lost without a word (issue 15, point 3): leaving a page with unsaved edits, closing the window and
pressing Esc in a form with edits ask 保存 / 不保存 / 取消, and each answer does what it says."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QInputMethodEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QPushButton, QWidget
from ui_fixtures import IGNORE_SIZE_HINTS, on_next_dialog
from ui_fixtures import synchronous_tasks as synchronous_tasks

from app import settings as S
from app.errors import ValidationError
from app.services.register import UnitInput
from app.ui import unsaved
from app.ui.context import AppContext
from app.ui.mainwindow import MainWindow
from app.ui.register_dialogs import UnitDialog

pytestmark = IGNORE_SIZE_HINTS

BUTTONS = {"保存": "unsaved_save", "不保存": "unsaved_discard", "取消": "unsaved_cancel"}


@pytest.fixture
def ctx(paths, db):
    return AppContext(paths, db)


@pytest.fixture
def window(qtbot, ctx):
    w = MainWindow(ctx)  # not qtbot.addWidget: pytest-qt would close it before the edits are given up below
    w.show()
    qtbot.waitExposed(w)
    yield w
    for page in w.pages.values():  # closing after a test never asks
        if unsaved.page_has_edits(page):
            page.discard_changes()
    w.close()  # the program's close(): no question


class Prompt:
    """Answers the next unsaved-changes question by clicking one of its buttons; keeps what it said."""

    def __init__(self, qtbot) -> None:
        self.qtbot, self.failures, self.texts = qtbot, [], []

    def answer(self, choice: str) -> None:
        def click(box: QWidget) -> None:
            assert isinstance(box, QMessageBox) and box.objectName() == "unsaved_prompt"
            self.texts.append(box.text())
            assert sorted(b.text() for b in box.buttons()) == sorted(["保存(&S)", "不保存(&N)", "取消"])
            self.qtbot.mouseClick(box.findChild(QPushButton, BUTTONS[choice]), Qt.MouseButton.LeftButton)

        on_next_dialog(click, self.failures)

    def check(self) -> None:
        if self.failures:
            raise self.failures[0]


@pytest.fixture
def prompt(qtbot) -> Prompt:
    return Prompt(qtbot)


def _click_nav(qtbot, window: MainWindow, key: str) -> None:
    row = next(i for i, d in enumerate(window.page_defs) if d.key == key)
    rect = window.nav.visualRect(window.nav_model.index(row, 0))
    qtbot.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _type(qtbot, widget: QWidget, text: str) -> None:
    """Chinese as an input method commits it (QTest types Latin-1 only)."""
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def _edit_county(qtbot, window: MainWindow, text: str) -> QLineEdit:
    window.show_page("settings")
    editor = window.pages["settings"].editors[S.COUNTY_NAME.key]
    assert isinstance(editor, QLineEdit)
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    _type(qtbot, editor, text)
    return editor


# --- leaving a page ---------------------------------------------------------------------------------------------

def test_cancel_on_leaving_a_page_stays_there_with_the_edit(qtbot, window, ctx, prompt) -> None:
    editor = _edit_county(qtbot, window, "青山县")
    prompt.answer("取消")
    _click_nav(qtbot, window, "orgs")
    prompt.check()
    assert "“设置”页有尚未保存的修改" in prompt.texts[0]
    assert window.stack.currentWidget() is window.pages["settings"]
    assert window.current_key() == "settings"  # the navigation went back to the page in view
    assert editor.text() == "青山县" and ctx.setting(S.COUNTY_NAME) == S.COUNTY_NAME.default


def test_discard_on_leaving_a_page_goes_on_and_throws_the_edit_away(qtbot, window, ctx, prompt) -> None:
    editor = _edit_county(qtbot, window, "青山县")
    prompt.answer("不保存")
    _click_nav(qtbot, window, "orgs")
    prompt.check()
    assert window.current_key() == "orgs" and window.stack.currentWidget() is window.pages["orgs"]
    assert ctx.setting(S.COUNTY_NAME) == S.COUNTY_NAME.default
    assert editor.text() == S.COUNTY_NAME.default and not window.pages["settings"].has_unsaved_changes()


def test_save_on_leaving_a_page_saves_and_goes_on(qtbot, window, ctx, prompt) -> None:
    _edit_county(qtbot, window, "青山县")
    prompt.answer("保存")
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # Ctrl+2: 组织机构
    prompt.check()
    assert len(prompt.texts) == 1
    assert window.current_key() == "orgs"
    assert ctx.setting(S.COUNTY_NAME) == "青山县"


def test_a_save_the_service_refuses_keeps_the_user_on_the_page(qtbot, window, ctx, prompt, monkeypatch) -> None:
    def refuse(_changes):
        raise ValidationError("“县名”的值无效", field=S.COUNTY_NAME.key)

    monkeypatch.setattr(ctx.settings, "save", refuse)
    editor = _edit_county(qtbot, window, "青山县")
    prompt.answer("保存")
    _click_nav(qtbot, window, "orgs")
    prompt.check()
    page = window.pages["settings"]
    assert window.current_key() == "settings" and window.stack.currentWidget() is page
    assert "所有修改均未保存" in page.message.text() and editor.text() == "青山县"


def test_a_page_without_edits_is_left_without_a_question(qtbot, window) -> None:
    window.show_page("settings")
    _click_nav(qtbot, window, "orgs")  # a question here would block the test: on_next_dialog is not armed
    assert window.current_key() == "orgs"


# --- closing the window -----------------------------------------------------------------------------------------

def test_cancel_on_closing_keeps_the_window_open(qtbot, window, ctx, prompt) -> None:
    _edit_county(qtbot, window, "青山县")
    prompt.answer("取消")
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)  # 退出
    prompt.check()
    assert window.isVisible() and len(prompt.texts) == 1
    assert window.pages["settings"].has_unsaved_changes()


def test_discard_on_closing_closes_without_saving(qtbot, window, ctx, prompt) -> None:
    _edit_county(qtbot, window, "青山县")
    prompt.answer("不保存")
    assert _close_button(window)  # the window's ✕: it closes…
    prompt.check()
    assert len(prompt.texts) == 1 and ctx.setting(S.COUNTY_NAME) == S.COUNTY_NAME.default  # …unsaved


def test_save_on_closing_saves_then_closes(qtbot, window, ctx, prompt) -> None:
    _edit_county(qtbot, window, "青山县")
    prompt.answer("保存")
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)  # 退出
    prompt.check()
    assert not window.isVisible() and ctx.setting(S.COUNTY_NAME) == "青山县"


# --- Esc in a form ----------------------------------------------------------------------------------------------

@pytest.fixture
def unit_dialog(qtbot, ctx):
    dialog = UnitDialog(ctx)
    qtbot.addWidget(dialog)  # closed by the program at the end: no question then
    dialog.show()
    qtbot.waitExposed(dialog)
    name = dialog.form.field("name")
    _type(qtbot, name, "县审计局")
    return dialog


class _WindowManagerClose(QCloseEvent):
    """What the title bar's ✕ sends: a close event from the window system (spontaneous), not a program's
    close() (the offscreen platform has no window manager to send one)."""

    def spontaneous(self) -> bool:
        return True


def _close_button(widget: QWidget) -> bool:
    """True when the widget lets itself be closed."""
    event = _WindowManagerClose()
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def _units(ctx: AppContext) -> list[str]:
    return [n for _i, n in ctx.register.units()]


def test_esc_in_a_form_with_edits_then_cancel_keeps_the_form(qtbot, ctx, unit_dialog, prompt) -> None:
    prompt.answer("取消")
    qtbot.keyClick(unit_dialog.focusWidget(), Qt.Key.Key_Escape)
    prompt.check()
    assert "“新建单位”有尚未保存的修改" in prompt.texts[0]
    assert unit_dialog.isVisible() and unit_dialog.form.field("name").text() == "县审计局"
    assert _units(ctx) == []


def test_esc_in_a_form_with_edits_then_discard_closes_it(qtbot, ctx, unit_dialog, prompt) -> None:
    prompt.answer("不保存")
    qtbot.keyClick(unit_dialog.focusWidget(), Qt.Key.Key_Escape)
    prompt.check()
    assert not unit_dialog.isVisible() and _units(ctx) == []


def test_esc_in_a_form_with_edits_then_save_saves_it(qtbot, ctx, unit_dialog, prompt) -> None:
    prompt.answer("保存")
    qtbot.keyClick(unit_dialog.focusWidget(), Qt.Key.Key_Escape)
    prompt.check()
    assert not unit_dialog.isVisible() and _units(ctx) == ["县审计局"]


def test_save_in_the_question_on_a_wrong_form_shows_why_and_keeps_it(qtbot, ctx, unit_dialog, prompt) -> None:
    ctx.register.save_unit(UnitInput("县审计局"))  # another officer was quicker
    prompt.answer("保存")
    _close_button(unit_dialog)
    prompt.check()
    assert unit_dialog.isVisible() and "已有同名单位" in unit_dialog.form.problem_text("name")


def test_a_form_without_edits_closes_on_esc_without_a_question(qtbot, ctx) -> None:
    dialog = UnitDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    name = dialog.form.field("name")
    _type(qtbot, name, "县审计局")
    for _ in "县审计局":
        qtbot.keyClick(name, Qt.Key.Key_Backspace)  # typed back to what it was: no edit
    qtbot.keyClick(name, Qt.Key.Key_Escape)  # a question here would block the test: on_next_dialog is not armed
    assert not dialog.isVisible()


def test_the_cancel_button_is_itself_the_answer(qtbot, ctx, unit_dialog) -> None:
    qtbot.mouseClick(unit_dialog.buttons.button(unit_dialog.buttons.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert not unit_dialog.isVisible() and _units(ctx) == []


def test_the_window_close_button_on_a_form_with_edits_asks_and_cancel_keeps_it(qtbot, ctx, unit_dialog, prompt):
    prompt.answer("取消")
    _close_button(unit_dialog)
    prompt.check()
    assert len(prompt.texts) == 1 and unit_dialog.isVisible()


def test_a_form_closed_by_the_program_asks_nothing(qtbot, ctx, unit_dialog) -> None:
    unit_dialog.close()  # e.g. the app closing its own dialogs: not the user's close button
    assert not unit_dialog.isVisible() and _units(ctx) == []
