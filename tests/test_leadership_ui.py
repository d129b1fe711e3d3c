"""The 民主生活会 tab of 队伍建设, driven with qtbot: the year's list with the units that have not held theirs, the
dialog with its 批评意见 rows added and removed by keyboard, its 问题清单, a refusal shown under its field, and a
提醒 line leading to its meeting."""

from __future__ import annotations

import datetime as dt

import frozen
import pytest
from leadership_support import meeting
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QDialogButtonBox
from scoring_support import make_county
from ui_fixtures import IGNORE_SIZE_HINTS

from app.services.alerts import Alert
from app.services.leadership import LeadershipService
from app.ui.alerts.page import destination
from app.ui.context import AppContext
from app.ui.tables import list_tools
from app.ui.team.lifemeeting import LifeMeetingTab, MeetingDialog
from app.ui.team.page import TeamPage

pytestmark = IGNORE_SIZE_HINTS
TODAY = frozen.today()
HELD = TODAY - dt.timedelta(days=1) if TODAY.day > 1 else TODAY


@pytest.fixture
def county(db):
    return make_county(db, 3)


@pytest.fixture
def ctx(paths, db):
    return AppContext(paths, db, today=lambda: TODAY)


@pytest.fixture
def svc(ctx):
    return LeadershipService(ctx.session_factory, actor="测试员", today=lambda: TODAY)


def rows(model) -> list[list[str]]:
    return [[str(model.index(r, c).data() or "") for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_the_list_shows_meetings_and_units_without_one(qtbot, ctx, svc, county):
    flat = svc.save(meeting(county.unit_ids[0], HELD, mutual=False))
    tab = LifeMeetingTab(ctx)
    qtbot.addWidget(tab)
    got = rows(tab.model)
    assert [r[0] for r in got] == ["县第1局", "县第2局", "县第3局"]
    assert got[0][3] == f"{HELD:%Y-%m-%d}" and got[0][8:12] == ["3", "0", "2", "0"]
    assert "缺少相互批评" in got[0][12]
    assert got[1][3] == "未召开"
    assert "1个单位已召开民主生活会，2个未召开；1次会议没有相互批评" in tab.summary.text()
    tab.view.selectRow(0)
    assert rows(tab.criticism_model)[0][:2] == ["自我批评", "王建国"]
    assert [r[4] for r in rows(tab.problem_model)] == ["未整改", "未整改"]
    assert flat.id == tab.current().id


def type_row(qtbot, editor, values: list[str]) -> None:
    """Insert a row in the focused table and type its cells, Tab from one to the next, as a user would."""
    qtbot.keyClick(editor.view, Qt.Key.Key_Insert)
    for i, text in enumerate(values):
        field = QApplication.focusWidget()
        assert field is not None, (i, text)
        if isinstance(field, QComboBox):  # 类型: 自我批评 first, 相互批评 one down
            if text == "相互批评":
                qtbot.keyClick(field, Qt.Key.Key_Down)
        else:
            field.insert(text)  # typed (QTest sends only ASCII keys)
        qtbot.keyClick(field, Qt.Key.Key_Tab if i < len(values) - 1 else Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.model.rows()[-1][1][-1] == values[-1])  # the cell is committed


def test_recording_a_meeting_by_keyboard(qtbot, ctx, svc, county):
    dlg = MeetingDialog(svc, None, unit_id=county.unit_ids[1])
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dlg)
    dlg.held_on.setText(f"{HELD:%Y-%m-%d}")
    dlg.topic.insert("年度民主生活会")
    dlg.attendees.insert("王建国、李红")
    dlg.supervisors.insert("县委督导组赵刚")
    dlg.opinions.setValue(8)
    dlg.criticisms.view.setFocus()
    type_row(qtbot, dlg.criticisms, ["自我批评", "王建国", "", "理论学习不够"])
    type_row(qtbot, dlg.criticisms, ["相互批评", "王建国", "李红", "抓班子带队伍不严"])
    type_row(qtbot, dlg.criticisms, ["相互批评", "李红", "王建国", "多余的一行"])
    assert dlg.criticism_model.rowCount() == 3
    dlg.criticisms.view.selectRow(2)
    qtbot.keyClick(dlg.criticisms.view, Qt.Key.Key_Delete)
    assert [r[1] for _k, r in dlg.criticism_model.rows()] == ["王建国", "王建国"]
    dlg.problems.view.setFocus()
    due = TODAY + dt.timedelta(days=90)
    type_row(qtbot, dlg.problems, ["学习不够系统", "制定学习计划", "王建国", f"{due:%Y-%m-%d}"])
    dlg.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    v = dlg.result_value
    assert v is not None, [(n, dlg.form.problem_text(n)) for n in dlg.form.names() if dlg.form.problem_text(n)]
    assert (v.self_count, v.mutual_count, v.opinions_solicited, len(v.problems)) == (1, 1, 8, 1)
    assert v.criticisms[1].raised_by == "李红" and v.problems[0].deadline == due


def test_a_refusal_is_shown_under_the_criticisms(qtbot, ctx, svc, county):
    dlg = MeetingDialog(svc, None, unit_id=county.unit_ids[0])
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.held_on.setText(f"{HELD:%Y-%m-%d}")
    dlg.topic.insert("民主生活会")
    dlg.attendees.insert("王建国")
    dlg.criticism_model.add_row(["相互批评", "赵六", "王建国", "不在班子里"])
    dlg.problem_model.add_row(["问题", "措施", "王建国", "明年"])
    dlg.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert dlg.result_value is None
    assert "“赵六”不在参会班子成员中" in dlg.form.problem_text("criticisms")
    assert "整改时限“明年”不是有效日期" in dlg.form.problem_text("problems")


def test_an_alert_line_opens_its_meeting_on_the_team_page(qtbot, ctx, svc, county):
    svc.save(meeting(county.unit_ids[0], HELD))
    flat = svc.save(meeting(county.unit_ids[2], HELD, mutual=False))
    alert = Alert("lifemeeting_no_mutual", "县第3局", "…", HELD, "lifemeeting", flat.id, county.unit_ids[2], True)
    page_name, target = destination(alert)
    assert page_name == "team"
    page = TeamPage(ctx)
    qtbot.addWidget(page)
    page.show_target(target)
    tab = page.parts["lifemeeting"]
    assert page.tabs.currentWidget() is tab and tab.current().id == flat.id
    page.show_target(("lifemeeting_unit", county.unit_ids[1]))
    assert tab.current_key() == ("u", county.unit_ids[1])
    assert page.tabs.tabText(page.tabs.indexOf(tab)) == "民主生活会"


def test_the_list_sorts_by_a_header_click_and_has_the_list_menu(qtbot, ctx, svc, county):
    held = svc.save(meeting(county.unit_ids[1], HELD))
    tab = LifeMeetingTab(ctx)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    assert not tab.view.verticalHeader().isVisible()
    assert tab.view.columnWidth(4) >= 150  # 主题 readable, not squeezed by the twelve other columns
    assert list_tools(tab.view) is not None and list_tools(tab.criticism_view) is not None
    header = tab.view.horizontalHeader()
    x = header.sectionViewportPosition(3) + header.sectionSize(3) // 2
    for _ in range(2):  # 召开日期, twice: descending — the text 未召开 after the dates
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    got = rows(tab.model)
    assert [r[3] for r in got] == ["未召开", "未召开", f"{HELD:%Y-%m-%d}"]
    tab.view.selectRow(2)  # the chosen row is still its own meeting
    assert tab.current().id == held.id
    assert rows(tab.criticism_model)
