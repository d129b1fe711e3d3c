"""党建实绩与问责 tab (队伍建设 page): the year's list of secretaries and the selected one's record, 生成 in the
background with its files on disk, and the 问责 register's entry dialog driven with keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox
from test_cadre_records import FORESTRY, TODAY, built, county  # noqa: F401  (the scored county, as fixtures)
from ui_fixtures import synchronous_tasks as synchronous_tasks  # noqa: F401 (background work at once)

from app.models.accountability import AccountabilityKind, PartyPost
from app.services.accountability import AccountabilityService
from app.ui.context import AppContext
from app.ui.itemmodels import KeyRole

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def tab(qtbot, county, paths):  # noqa: F811
    from app.ui.team.cadres import CadresTab

    c, _ids = county
    ctx = AppContext(paths, c.db)
    widget = CadresTab(ctx, today=lambda: TODAY)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    return widget


def _row_of(model, column: int, text: str) -> int:
    return next(r for r in range(model.rowCount()) if model.index(r, column).data() == text)


def test_list_record_and_generate(tab, qtbot) -> None:
    assert tab.year.value() == 2026  # January: last year's record
    assert tab.people_model.rowCount() == 9 and "共9人" in tab.count.text()
    # In the service's order (by unit, then 党组书记 before 支部书记) until a header is clicked, not sorted backwards.
    shown = [tab.people.model().index(r, 1).data() for r in range(tab.people.model().rowCount())]
    assert shown == [tab.people_model.index(r, 1).data() for r in range(9)]
    assert tab.people.horizontalHeader().sortIndicatorSection() == -1
    row = _row_of(tab.people_model, 0, "李华")
    tab.people.selectRow(row)
    text = tab.detail.toPlainText()
    assert "中共县林业局第一支部委员会书记】1月1日—6月10日，计5个月" in text and "后进5个月" in text
    assert "不足6个月" in text
    qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    assert "完成" in tab.status.text()
    pages = list((tab.target() / "党建工作实绩记实").glob("*.docx"))
    assert len(pages) == 9 and (tab.target() / "2026年度党组织书记党建工作实绩一览表.xlsx").is_file()
    assert tab.start_button.isEnabled() and not tab.cancel_button.isEnabled() and tab.open_button.isEnabled()


def test_register_dialog_by_keyboard(tab, qtbot, county) -> None:  # noqa: F811
    from app.ui.team.cadres import AccountabilityDialog

    c, ids = county
    tab.inner.setCurrentIndex(1)
    dialog = AccountabilityDialog(tab.ctx, tab.register, None, tab)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.unit.set_value(FORESTRY)
    dialog.member.set_value(ids["周勇"])
    assert not dialog.name.isEnabled()
    dialog.interview.setCurrentIndex(1)  # the 5月 约谈
    dialog.deciding_body.clear()
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # refused: no date, no body, no decision — each said under its field
    assert dialog.form.problem_text("decided_on") and dialog.form.problem_text("deciding_body")
    assert dialog.form.problem_text("decision")
    dialog.decided_on.setFocus()
    QTest.keyClicks(dialog.decided_on, "2026-06-01")
    dialog.deciding_body.insert("县直机关工委")  # Chinese comes through the input method, not as key presses
    dialog.decision.insertPlainText("连续排名末位，予以约谈问责")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert "早于关联约谈的日期" in dialog.form.problem_text("decided_on")
    dialog.decided_on.clear()
    QTest.keyClicks(dialog.decided_on, "2026-06-20")
    QTest.keyClick(dialog.decided_on, Qt.Key.Key_Return)  # Enter in a line edit saves
    assert not dialog.isVisible()
    tab._changed()
    assert tab.register_model.rowCount() == 1
    assert tab.register_model.index(0, 6).data() == "2026年5月约谈"
    (row,) = AccountabilityService(c.db.session_factory).rows()
    assert (row.person_name, row.post, row.kind) == ("周勇", PartyPost.PARTY_GROUP_SECRETARY,
                                                     AccountabilityKind.ADMONITION_TALK)
    tab.people.selectRow(_row_of(tab.people_model, 0, "周勇"))
    assert "约谈问责决定" in tab.detail.toPlainText()
    # reopened for editing, it shows what was saved
    tab.register_view.selectRow(0)
    edit = AccountabilityDialog(tab.ctx, tab.register, tab.register_view.model().index(0, 0).data(KeyRole), tab)
    qtbot.addWidget(edit)
    assert edit.member.value() == ids["周勇"] and edit.interview.value() == ids["interview"]


def test_import_export_template(tab, tmp_path: Path, monkeypatch) -> None:
    import openpyxl
    from PySide6.QtWidgets import QMessageBox

    from app.ui.excel_actions import ImportReportDialog

    template = tmp_path / "模板.xlsx"
    tab.template_file(template)
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warned.append(text))
    tab.import_file(template)  # only headers: refused with a clear message
    assert warned and "只有表头" in warned[0]
    wb = openpyxl.load_workbook(template)
    wb["问责"].append(["县林业局", "张伟", "支部书记", "", "诫勉", "2026-07-01", "县直机关工委", "", "", "", ""])
    wb.save(template)
    shown: list[list] = []
    monkeypatch.setattr(ImportReportDialog, "exec", lambda self: shown.append(list(self.model._rows)) or 0)
    tab.import_file(template)
    assert shown == [[[2, "问责决定", "请填写问责决定"]]]
    assert tab.register_model.rowCount() == 0
    out = tmp_path / "导出.xlsx"
    tab.export_file(out)
    assert out.is_file()
