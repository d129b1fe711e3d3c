"""The 中心组学习 tab of the 队伍建设 page driven with qtbot (a meeting typed in its dialog, the plan refused then
saved, the 提醒's line opening the unit), and the 责任清单's line on the 三大责任制 in 公开承诺与责任清单."""

from __future__ import annotations

import datetime as dt

import pytest
from orglife_fixtures import make_branch
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.services.annual.commitments import CommitmentService, DutyItemInput, DutyListInput
from app.services.register import RegisterService
from app.services.study import MeetingInput, StudyService
from app.ui.annual import commitment_tab
from app.ui.colours import ERROR_COLOUR
from app.ui.context import AppContext
from app.ui.team import study_tab
from app.ui.team.page import TeamPage

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

TODAY = dt.date(2025, 6, 10)  # the tab's day: January to May are judged


@pytest.fixture
def ctx(paths, db):
    reg = RegisterService(db.session_factory, today=lambda: TODAY)
    make_branch(reg, "县财政局")
    make_branch(reg, "县教育局", seq_base=300)
    return AppContext(paths, db)


@pytest.fixture
def tab(qtbot, ctx):
    widget = study_tab.StudyTab(ctx, today=lambda: TODAY)
    qtbot.addWidget(widget)
    return widget


def _typing(keys):
    """An `exec` that shows the dialog, types `keys` (text, or a Qt key) into whatever has the focus, as a user
    would, and returns how it ended."""

    def run(dialog):
        dialog.show()
        QApplication.processEvents()
        for key in keys:
            target = QApplication.focusWidget() or dialog
            if isinstance(key, str):
                QTest.keyClicks(target, key)
            else:
                QTest.keyClick(target, key)
        result = dialog.result()
        dialog.close()
        return result

    return run


def test_units_behind_the_pace_show_in_red_and_a_meeting_typed_in_counts(qtbot, tab, ctx, monkeypatch):
    assert [tab.unit_model.index(r, 0).data() for r in range(2)] == ["县财政局", "县教育局"]
    assert tab.unit_model.index(0, 3).data() == "5次/1次" and tab.unit_model.index(0, 5).data() == "进度滞后"
    assert tab.unit_model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole).name() == ERROR_COLOUR
    assert "每年集中学习至少12次" in tab.rule.text()
    Tab = Qt.Key.Key_Tab
    # 学习日期 is filled with today; 形式 ↓ to 专题研讨; the topic typed; 主讲; 研讨发言 6; Enter saves
    monkeypatch.setattr(study_tab.MeetingDialog, "exec", _typing(
        [Tab, Qt.Key.Key_Down, Tab, "Theory study", Tab, "Li Ming", Tab, Qt.Key.Key_Backspace, "6",
         Qt.Key.Key_Return]))
    tab.add_meeting()
    assert tab.meeting_model.rowCount() == 1
    row = [tab.meeting_model.index(0, c).data() for c in range(6)]
    assert row == ["2025-06-10", "专题研讨", "Theory study", "Li Ming", "6", "9/9"]
    assert tab.unit_model.index(0, 1).data() == "1" and tab.unit_model.index(0, 2).data() == "1"


def test_a_seminar_without_speeches_is_refused_in_the_dialog(qtbot, tab):
    dialog = study_tab.MeetingDialog(tab.service, tab.units[0].unit_id, "县财政局", None, TODAY)
    qtbot.addWidget(dialog)
    dialog.study_form.setCurrentIndex(1)
    dialog.topic.setCurrentText("党的二十大精神")
    dialog.lecturer.setText("李明")
    dialog.present.setValue(10)
    dialog.accept()
    assert dialog.isVisible() or dialog.result() != dialog.DialogCode.Accepted
    assert "专题研讨须登记研讨发言人次" in dialog.form.problem_text("speeches")
    assert "不能多于班子成员总数" in dialog.form.problem_text("members_present")


def test_the_plan_is_refused_below_the_minimum_then_saved(qtbot, tab, monkeypatch):
    shown = []

    def exec_(dialog):
        dialog.meetings.setValue(10)
        dialog.topics.setPlainText("党的二十大精神\n主题教育")
        dialog.accept()
        shown.append(dialog.form.problem_text("planned_meetings"))
        dialog.meetings.setValue(12)
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(study_tab.PlanDialog, "exec", exec_)
    assert tab.plan_label.text() == "尚未制定学习计划"
    tab.edit_plan()
    assert shown == ["计划集中学习次数应为12至100次（全县要求每年至少12次）"]
    assert "计划集中学习12次、专题研讨4次" in tab.plan_label.text() and "党的二十大精神；主题教育" in tab.plan_label.text()
    assert tab.unit_model.index(0, 4).data() == "已制定"


def test_the_alert_line_opens_the_unit_on_the_team_page(qtbot, ctx, tab, monkeypatch):
    second = tab.units[1].unit_id
    StudyService(ctx.session_factory, today=lambda: TODAY).save_meeting(
        MeetingInput(second, dt.date(2025, 2, 3), "集中学习", "主题教育", "王强", 0, 8, 9))
    assert tab.show_target(("study", second)) is True
    assert tab.current_unit().unit == "县教育局" and tab.meeting_model.rowCount() == 1
    assert tab.show_target(("care", 1)) is False
    page = TeamPage(ctx)
    qtbot.addWidget(page)
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert "中心组学习" in titles
    page.show_target(("study", second))
    assert page.tabs.currentWidget() is page.parts["study"]


def test_the_duty_list_says_which_of_the_three_systems_it_misses(qtbot, ctx, monkeypatch):
    year = TODAY.year
    unit = RegisterService(ctx.session_factory).units()[0][0]
    CommitmentService(ctx.session_factory, today=lambda: TODAY).save_duty_list(
        unit, year, DutyListInput([DutyItemInput("党组书记", "抓党建", "李明")]))
    widget = commitment_tab.CommitmentTab(ctx, today=lambda: TODAY)
    qtbot.addWidget(widget)
    widget.year.setValue(year)
    assert widget.duty_model.index(0, 4).data() == "机关党建"
    assert widget.three_systems.text().startswith("责任清单缺少党风廉政建设、意识形态方面的责任")
    monkeypatch.setattr(commitment_tab.DutyDialog, "exec", lambda self: self.suggest() or self.accept() or self.result())
    widget.edit_duties()
    assert widget.three_systems.text() == "已涵盖机关党建、党风廉政建设、意识形态“三大责任制”"
    assert {widget.duty_model.index(r, 4).data() for r in range(widget.duty_model.rowCount())} == {
        "机关党建", "党风廉政建设", "意识形态"}


def click_header(qtbot, view, column: int) -> None:
    header = view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def test_the_lists_sort_by_a_header_click_and_the_chosen_row_stays_its_record(qtbot, ctx, tab, monkeypatch):
    finance = tab.units[0].unit_id
    service = StudyService(ctx.session_factory, today=lambda: TODAY)
    for day, topic in ((dt.date(2025, 2, 3), "First"), (dt.date(2025, 4, 8), "Second")):
        service.save_meeting(MeetingInput(finance, day, "集中学习", topic, "王强", 0, 8, 9))
    tab.reload()
    tab.show()
    qtbot.waitExposed(tab)
    assert not tab.unit_view.verticalHeader().isVisible()
    assert tab.meeting_view.columnWidth(2) >= 150  # 学习主题 readable in the narrow right half
    click_header(qtbot, tab.unit_view, 1)  # 集中学习: 0 before 2
    assert [tab.unit_model.index(r, 0).data() for r in range(2)] == ["县教育局", "县财政局"]
    tab.unit_view.setFocus()
    qtbot.keyClick(tab.unit_view, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    assert tab.current_unit().unit == "县教育局" and tab.meeting_model.rowCount() == 0
    qtbot.keyClick(tab.unit_view, Qt.Key.Key_Down)  # the keys walk the list in the order shown
    assert tab.current_unit().unit == "县财政局" and tab.meeting_model.rowCount() == 2
    click_header(qtbot, tab.meeting_view, 0)
    click_header(qtbot, tab.meeting_view, 0)  # 日期, latest first
    assert [tab.meeting_model.index(r, 2).data() for r in range(2)] == ["Second", "First"]
    tab.meeting_view.selectRow(0)
    tab.activateWindow()
    tab.meeting_view.setFocus()
    qtbot.waitUntil(tab.meeting_view.hasFocus)
    qtbot.keyClick(tab.meeting_view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text().splitlines()[1].startswith("2025-04-08\t集中学习\tSecond")
    monkeypatch.setattr(study_tab.QMessageBox, "question", lambda *_a: study_tab.QMessageBox.StandardButton.Yes)
    tab.delete_meeting()  # the one shown in the chosen row, not the first one stored
    assert [m.topic for m in service.meetings(2025, finance)] == ["First"]
