"""The 党务干部与培训 tab of 队伍建设 driven with qtbot: the roster from the post history with hours against the
minimum (short ones in red), entry of one training by keyboard, batch entry of one class for several people, a
typed 党务干部, and the 提醒's way into the tab."""

from __future__ import annotations

from decimal import Decimal

import frozen
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit
from ui_fixtures import IGNORE_SIZE_HINTS, Sample, seed_register
from ui_fixtures import synchronous_tasks as synchronous_tasks  # noqa: F401

from app.models import WorkerRole
from app.services import alerts as A
from app.services.party_workers import PartyWorkerService, Person, WorkerInput
from app.ui.alerts.page import destination
from app.ui.context import AppContext
from app.ui.team.page import TeamPage
from app.ui.team.workers import SHORT_COLOUR, BatchTrainingDialog, TrainingDialog, WorkerDialog, WorkersTab

pytestmark = IGNORE_SIZE_HINTS
TODAY = frozen.today()


@pytest.fixture
def ctx(paths, db) -> AppContext:
    return AppContext(paths, db)


@pytest.fixture
def sample(ctx: AppContext) -> Sample:
    return seed_register(ctx.register)  # 张三: 县财政局 支部书记 since 2024-06-01


def service(ctx: AppContext) -> PartyWorkerService:
    return PartyWorkerService(ctx.session_factory, today=ctx.today)


PAGES: list[TeamPage] = []  # the page owns the tab: kept alive while a test drives it


def tab(qtbot, ctx: AppContext) -> WorkersTab:
    page = TeamPage(ctx)
    PAGES[:] = [page]
    qtbot.addWidget(page)
    page.show()
    widget = page.parts["workers"]
    assert page.tabs.tabText(page.tabs.indexOf(widget)) == "党务干部与培训"
    assert isinstance(widget, WorkersTab)
    return widget


def cells(t: WorkersTab) -> list[list[str]]:
    m = t.model
    return [[str(m.data(m.index(r, c))) for c in range(m.columnCount())] for r in range(m.rowCount())]


def type_into(widget, text: str) -> None:
    """Digits and dates as keys; Chinese as an input method hands it over (QTest types ASCII only)."""
    widget.setFocus()
    if text.isascii():
        QTest.keyClicks(widget, text)
    else:
        widget.insert(text)


def test_the_roster_shows_the_secretary_short_of_hours_in_red(qtbot, ctx, sample):
    t = tab(qtbot, ctx)
    [row] = cells(t)
    assert row[:2] == ["县财政局", "张三"] and row[2].startswith("支部书记")
    assert row[3:7] == ["0", "56", "56", "学时不足"]
    assert t.model.data(t.model.index(0, 1), Qt.ItemDataRole.ForegroundRole).name() == SHORT_COLOUR
    assert "学时不足 1 人" in t.summary.text() and "不少于56学时" in t.summary.text()
    assert t.year.currentText() == f"{TODAY.year}年"


def test_one_training_entered_by_keyboard(qtbot, ctx, sample):
    t = tab(qtbot, ctx)
    t.view.setCurrentIndex(t.model.index(0, 0))
    dlg = TrainingDialog(t.service, t.service.candidates(), Person(sample.zhang), parent=t)
    qtbot.addWidget(dlg)
    dlg.show()
    f = dlg.form
    assert dlg.person.value() == Person(sample.zhang)  # the selected person is filled in
    type_into(f.field("course"), "县委党校专题培训班")
    type_into(f.field("organiser"), "县委党校")
    for name in ("start_on", "end_on"):
        type_into(f.field(name), TODAY.isoformat())
    type_into(f.field("hours"), "9")
    QTest.keyClick(f.field("hours"), Qt.Key.Key_Return)
    assert dlg.isVisible() and "最多计8学时" in f.problem_text("hours")  # one day: at most 8
    hours = f.field("hours")
    assert isinstance(hours, QLineEdit)
    hours.clear()
    type_into(hours, "7.5")
    QTest.keyClick(hours, Qt.Key.Key_Return)
    assert not dlg.isVisible()
    t.reload()
    assert cells(t)[0][3:6] == ["7.5", "56", "48.5"]
    t.view.setCurrentIndex(t.model.index(0, 0))
    assert t.training_model.rowCount() == 1 and t.training_model.data(t.training_model.index(0, 0)) == "县委党校专题培训班"


def test_batch_entry_of_one_class_for_several_people(qtbot, ctx, sample):
    service(ctx).save_worker(WorkerInput(sample.finance, WorkerRole.PART_TIME, member_id=sample.li,
                                         start_on=TODAY.replace(month=1, day=1)))
    t = tab(qtbot, ctx)
    dlg = BatchTrainingDialog(t.service, sample.finance, parent=t)
    qtbot.addWidget(dlg)
    dlg.show()
    f = dlg.form
    type_into(f.field("course"), "全县党务干部培训班")
    for name in ("start_on", "end_on"):
        type_into(f.field(name), TODAY.isoformat())
    type_into(f.field("hours"), "8")
    labels = [dlg.list.item(i).text() for i in range(dlg.list.count())]
    assert labels[0].startswith("张三（县财政局，支部书记") and any(x.startswith("钱七") for x in labels)
    # tick 张三 and 李四 with the space bar, as a keyboard user would
    dlg.list.setFocus()
    for name in ("张三", "李四"):
        row = next(i for i, x in enumerate(labels) if x.startswith(name))
        dlg.list.setCurrentRow(row)
        QTest.keyClick(dlg.list, Qt.Key.Key_Space)
    assert dlg.chosen.text() == "已勾选 2 人"
    type_into(dlg.search_box, "钱七")  # the search narrows the list, the ticks stay
    assert [dlg.list.item(i).isHidden() for i in range(dlg.list.count())].count(False) == 1
    dlg.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert not dlg.isVisible()
    t.reload()
    hours = {r[1]: r[3] for r in cells(t)}
    assert hours == {"张三": "8", "李四": "8"}
    assert {v.name for v in service(ctx).trainings(TODAY.year)} == {"张三", "李四"}


def test_batch_entry_with_nobody_ticked_says_so(qtbot, ctx, sample):
    dlg = BatchTrainingDialog(service(ctx), sample.finance)
    qtbot.addWidget(dlg)
    dlg.show()
    type_into(dlg.form.field("course"), "培训班")
    dlg.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert dlg.isVisible()
    assert "请填写培训开始日期" in dlg.form.problem_text("start_on")
    assert "请至少选择一名参训人员" in dlg.general_error.text() + dlg.forms[1].problem_text("people")


def test_a_typed_worker_joins_the_roster(qtbot, ctx, sample):
    t = tab(qtbot, ctx)
    dlg = WorkerDialog(t.service, TODAY, unit_id=sample.finance, parent=t)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.role.set_value(WorkerRole.ORGANISER)
    type_into(dlg.name, "郑组织员")
    dlg.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert not dlg.isVisible()
    t.reload()
    row = next(r for r in cells(t) if r[1] == "郑组织员")
    assert row[2].startswith("组织员") and row[4] == "32"


def test_an_alert_opens_the_person_on_the_tab(qtbot, ctx, sample):
    page = TeamPage(ctx)
    qtbot.addWidget(page)
    page.show()
    t = page.parts["workers"]
    assert isinstance(t, WorkersTab)
    t.short_only.setChecked(True)
    alert = A.Alert("training_short", "县财政局 张三", "…", TODAY, "training_member", sample.zhang, sample.finance)
    page_key, target = destination(alert)
    assert page_key == "team"
    page.show_target(target)
    assert page.tabs.currentWidget() is t
    row = t.current_row()
    assert row is not None and row.member_id == sample.zhang and row.hours == Decimal("0")
