"""使用手册 (app/ui/help.py, resources/help/manual.html): F1 on every page opens the manual at that page's section,
帮助 → 使用手册 opens it too, every area has a section, the shortcuts the manual names are the ones the window
has (both ways), Ctrl+F finds text in it, and the file is the package data the installed app reads."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import QApplication
from ui_fixtures import SAMPLE_DAY, seed_register

from app import paths as app_paths
from app.ui import help as manual
from app.ui.accounts.session import AccountSession
from app.ui.context import AppContext
from app.ui.mainwindow import MainWindow
from app.ui.pages import PAGES

# The offscreen platform can neither propagate size hints nor raise a window: said, not failed.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints",
                                       "This plugin does not support raise")

ROOT = Path(__file__).resolve().parents[1]
# A key as the manual writes it (in <code>) → as Qt names it.  Buttons show "PgDn" and "Ctrl+Enter"; Qt calls the
# main keyboard's Enter key "Return" and the keypad's "Enter", and the scoring form takes both.
MANUAL_KEY_NAMES = {"PgDn": "PgDown", "Ctrl+Enter": "Ctrl+Return"}


@pytest.fixture
def window(qtbot, paths, db):
    ctx = AppContext(paths, db, today=lambda: SAMPLE_DAY)
    seed_register(ctx.register)
    w = MainWindow(ctx)
    w.account_session = AccountSession(ctx, w)  # the 账户 menu the application adds (锁定 Ctrl+L)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _manual_html() -> str:
    return manual.manual_path().read_text(encoding="utf-8")


def _section_heading(key: str) -> str:
    """The text of the <h2> that holds the anchor `key`."""
    found = re.search(rf'<h2><a name="{key}"></a>([^<]+)</h2>', _manual_html())
    assert found, f"no section for {key}"
    return found.group(1)


def _top_line(dialog: manual.ManualDialog) -> str:
    """The text of the line at the top of the manual's visible area."""
    browser = dialog.browser
    return browser.cursorForPosition(QPoint(10, 4)).block().text()


def _open_manual_with_f1(qtbot, window: MainWindow) -> manual.ManualDialog:
    window.activateWindow()
    focus = QApplication.focusWidget() or window
    qtbot.keyClick(focus, Qt.Key.Key_F1)
    dialog = window.findChild(manual.ManualDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_every_page_has_a_section_named_by_its_key():
    html = _manual_html()
    for p in PAGES:
        assert f'<a name="{p.key}"></a>' in html, f"页面“{p.title}”在使用手册中没有说明"
        assert p.title in _section_heading(p.key)
        assert f'<a href="#{p.key}">' in html, f"目录中没有“{p.title}”"


def test_f1_on_each_page_opens_the_manual_at_that_page(qtbot, window):
    for p in PAGES:
        window.show_page(p.key)
        qtbot.waitUntil(lambda key=p.key: window.current_key() == key)
        dialog = _open_manual_with_f1(qtbot, window)
        assert _top_line(dialog) == _section_heading(p.key), p.key
        dialog.close()
    assert len(window.findChildren(manual.ManualDialog)) == 1  # F1 again shows the same window, not another


def test_f1_with_the_manual_open_turns_it_to_the_new_page(qtbot, window):
    window.show_page("members")
    dialog = _open_manual_with_f1(qtbot, window)
    assert _top_line(dialog) == _section_heading("members")
    window.show_page("scoring")
    assert _open_manual_with_f1(qtbot, window) is dialog
    assert _top_line(dialog) == _section_heading("scoring")


def test_help_menu_entry_opens_the_manual(qtbot, window):
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "帮助(&H)")
    entry = next(a for a in help_menu.actions() if a.text() == "使用手册(&M)")
    assert entry.shortcut().toString() == "F1"
    window.show_page("bulletins")
    entry.trigger()
    dialog = window.findChild(manual.ManualDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle().startswith("使用手册")
    assert _top_line(dialog) == _section_heading("bulletins")


def test_table_of_contents_links_to_the_sections(qtbot, window):
    dialog = manual.show_manual(window, "home")
    assert {p.key for p in PAGES} | {"workflow", "shortcuts"} <= dialog.anchors()
    dialog.browser.verticalScrollBar().setValue(0)  # the contents at the top
    link = dialog.browser.document().find("季度与年度")  # its first appearance: the line of the contents
    assert link.charFormat().anchorHref() == "#periodic"
    inside = QTextCursor(link)
    inside.setPosition(link.selectionStart() + 2)
    qtbot.mouseClick(dialog.browser.viewport(), Qt.MouseButton.LeftButton,
                     pos=dialog.browser.cursorRect(inside).center())
    assert _top_line(dialog) == _section_heading("periodic")
    dialog.show_section("no-such-page")  # a page without a section of its own: the workflow
    assert _top_line(dialog) == _section_heading("workflow")


def test_monthly_steps_in_order():
    html = _manual_html()
    workflow = html[html.index('<a name="workflow">'):html.index('<a name="home">')]
    steps = ["每月一考评", "复核排名与锁定", "印发通报", "约谈与整改", "每季度", "年终"]
    positions = [workflow.index(f"{s}") for s in steps]
    assert positions == sorted(positions)


def test_ctrl_f_finds_text_in_the_manual(qtbot, window):
    dialog = manual.show_manual(window, "home")
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.browser.setFocus()
    qtbot.keyClick(dialog.browser, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert dialog.find_box.hasFocus()
    qtbot.keyClicks(dialog.find_box, "PgUp")
    qtbot.keyClick(dialog.find_box, Qt.Key.Key_Return)
    first = dialog.browser.textCursor()
    assert first.selectedText() == "PgUp"
    qtbot.keyClick(dialog.find_box, Qt.Key.Key_Return)
    second = dialog.browser.textCursor()
    assert second.selectedText() == "PgUp" and second.position() > first.position()
    dialog.find_box.selectAll()
    qtbot.keyClicks(dialog.find_box, "zzzz")
    qtbot.keyClick(dialog.find_box, Qt.Key.Key_Return)
    assert dialog.find_state.text() == "没有找到"


def _window_shortcuts(window: MainWindow) -> set[str]:
    """Every key sequence of an action or shortcut in the window with all its pages built."""
    for p in PAGES:
        window.page(p.key)
    found: set[str] = set()
    for act in window.findChildren(QAction):
        found.update(k.toString(QKeySequence.SequenceFormat.PortableText) for k in act.shortcuts())
    for sc in window.findChildren(QShortcut):
        found.add(sc.key().toString(QKeySequence.SequenceFormat.PortableText))
    found.discard("")
    return found


def _manual_shortcuts() -> set[str]:
    names = re.findall(r"<code>([^<]+)</code>", _manual_html())
    return {QKeySequence(MANUAL_KEY_NAMES.get(n, n)).toString(QKeySequence.SequenceFormat.PortableText)
            for n in names}


def test_every_shortcut_in_the_code_is_in_the_manual_and_back(qtbot, window):
    in_code = _window_shortcuts(window)
    in_manual = _manual_shortcuts()
    # Ctrl+Enter (the keypad's Enter) and Ctrl+Return are one row of the manual
    in_code.discard("Ctrl+Enter")
    assert in_code - in_manual == set(), "代码中有、手册中没写的快捷键"
    assert in_manual - in_code == set(), "手册中写了、代码中没有的快捷键"
    assert {"F1", "Ctrl+1", "Ctrl+9", "Ctrl+F", "PgDown", "Ctrl+Return", "Del"} <= in_manual


def test_the_manual_is_package_data_found_where_the_installed_app_looks():
    path = manual.manual_path()
    assert path == app_paths.resource_path("help", "manual.html")
    assert path.is_file()
    # A source checkout reads resources/ itself; a wheel ships it as app.resources with pyproject's globs.
    assert path.resolve() == (ROOT / "resources" / "help" / "manual.html").resolve() or "site-packages" in str(path)
    # (read as text: tomllib is not in Python 3.10, which the project supports)
    declared = re.search(r'^"app\.resources" = \[(.*)\]$', (ROOT / "pyproject.toml").read_text(encoding="utf-8"),
                         re.MULTILINE)
    assert declared, "pyproject.toml declares no package data for app.resources"
    globs = re.findall(r'"([^"]+)"', declared.group(1))
    relative = path.relative_to(app_paths.resource_path()).as_posix()
    assert any(fnmatch.fnmatch(relative, g) for g in globs)
    assert "package_dir" in (ROOT / "setup.py").read_text(encoding="utf-8")


def test_every_name_the_manual_quotes_is_spelled_as_in_the_program():
    """Buttons, tabs, menus, columns and settings the manual puts in “…” are the program's own words (a button
    renamed, or one the manual invents, fails here); “印发通报(I)…” is the label "印发通报(&I)…", and
    “文件 → 导入 Excel(I)…” a menu and its entry."""
    sources = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "app").rglob("*.py"))
    quoted = [part for text in re.findall(r"“([^”“]+)”", _manual_html()) for part in text.split(" → ")]
    assert len(quoted) > 100
    missing = [q for q in quoted if re.sub(r"\(([A-Z])\)", r"(&\1)", q) not in sources]
    assert missing == [], "手册中引用的名称在程序中找不到"
    for label in ("开始本月考评", "复核完成，下一个（Ctrl+Enter）", "锁定本月考评", "印发通报(I)…", "生成考评情况反馈单(F)",
                  "约谈安排(E)…", "登记约谈记录(R)…", "印发季度通报(B)…", "生成考核材料(G)"):
        assert f"“{label}”" in _manual_html(), label
