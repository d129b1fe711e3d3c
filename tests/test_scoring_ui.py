"""The scoring wizard: its table models (qtmodeltester) and the whole month driven like a user, from the first
unit to the lock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox, QPushButton
from scoring_support import item_by_code, make_county
from ui_fixtures import IGNORE_SIZE_HINTS, show_scoring_page
from ui_fixtures import synchronous_tasks as synchronous_tasks

from app.models import OrgKind, OrgPostKind, PeriodState
from app.models.study import StudyForm
from app.services.audit import verify
from app.services.ranking import RankingService
from app.services.register import OrgInput, PostInput, RegisterService
from app.services.scoring import OccurrenceInput
from app.services.study import MeetingInput, PlanInput, StudyService
from app.ui.context import AppContext
from app.ui.scoring.models import (
    ItemCol,
    ItemTableModel,
    KeyRole,
    OccurrenceTableModel,
    RankingTableModel,
    SheetListModel,
    SuggestionTableModel,
)
from app.ui.scoring.page import REVIEW_TAB, ScoringPage

TODAY = dt.date(2026, 4, 10)

pytestmark = IGNORE_SIZE_HINTS


@pytest.fixture
def county(db):
    c = make_county(db, n=3)
    # 县第1局's branch has had its 宣传委员 vacant since last autumn: a suggested deduction
    reg = RegisterService(db.session_factory, today=lambda: TODAY)
    org = reg.save_org(OrgInput(c.unit_ids[0], "县第1局机关支部", OrgKind.BRANCH, term_start=dt.date(2024, 1, 1)))
    reg.save_post(PostInput(org, OrgPostKind.SECRETARY, None, dt.date(2025, 9, 1)))
    # Every 党组's 理论学习中心组 keeps its plan and pace, so that the vacancy is the month's one suggestion.
    study = StudyService(db.session_factory, today=lambda: TODAY)
    for unit in c.unit_ids:
        study.save_plan(unit, 2026, PlanInput(12, 4, "党的二十届四中全会精神", dt.date(2026, 1, 8)))
        for month, form in ((1, StudyForm.COLLECTIVE), (2, StudyForm.SEMINAR), (3, StudyForm.COLLECTIVE),
                            (4, StudyForm.COLLECTIVE)):
            speeches = 3 if form == StudyForm.SEMINAR else 0
            study.save_meeting(MeetingInput(unit, dt.date(2026, month, 8), form, "党的二十届四中全会精神", "书记",
                                            speeches, 7, 7))
    return c


@pytest.fixture
def page(qtbot, paths, db, county):
    return show_scoring_page(qtbot, AppContext(paths, db), TODAY)


@pytest.fixture
def answers(monkeypatch):
    """Dialogs answer like a user would, and say what they were asked."""
    asked: list[str] = []

    def question(_parent, _title, text, *_a, **_k):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    def get_text(_parent, _title, label, *_a, **_k):
        asked.append(label)
        return "经核实情况属实", True

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QInputDialog, "getText", get_text)
    return asked


# --- models ------------------------------------------------------------------------------------------------------


def test_models_pass_qtmodeltester(qtmodeltester, county, db):
    pid = county.month()
    county.deduct(pid, 0, "life.theme_day", 2)
    item = item_by_code(county.form(pid), "life.theme_day")
    sheets = SheetListModel()
    sheets.set_rows(county.scoring.sheets(pid))
    qtmodeltester.check(sheets)
    assert sheets.data(sheets.index(0, 1)) == "98.0" and sheets.data(sheets.index(0, 2)) == "1"
    saved: list[tuple[int, str]] = []
    items = ItemTableModel(lambda it, text: saved.append((it.id, text)) or True)
    items.load(county.form(pid))
    qtmodeltester.check(items)
    row = items.row_of_item(item.id)
    assert items.data(items.index(row, ItemCol.RECORDED)) == "−2.0（1项）"
    assert items.data(items.index(row, ItemCol.REVIEW)) == "2.0"
    assert items.flags(items.index(row, ItemCol.SELF)) & Qt.ItemFlag.ItemIsEditable
    assert not items.flags(items.index(row, ItemCol.REVIEW)) & Qt.ItemFlag.ItemIsEditable
    assert items.setData(items.index(row, ItemCol.SELF), "3.5") and saved == [(item.id, "3.5")]
    records = OccurrenceTableModel()
    records.set_rows(item.deductions)
    qtmodeltester.check(records)
    assert records.data(records.index(0, 3)) == "检查发现问题" and records.data(records.index(0, 5)) == "手工登记"
    suggestions = SuggestionTableModel()
    suggestions.set_rows(county.scoring.suggestions(county.scoring.sheets(pid)[0].id))
    qtmodeltester.check(suggestions)
    assert suggestions.rowCount() >= 1 and suggestions.data(suggestions.index(0, 0), KeyRole).startswith("suggested:")
    ranking = RankingTableModel()
    ranking.load(RankingService(db.session_factory).month(2026, 3))
    qtmodeltester.check(ranking)
    assert ranking.columnCount() == 2 + 7 + 5
    assert ranking.data(ranking.index(2, ranking.column_of("总分"))) == "98.0"
    assert ranking.data(ranking.index(2, 0)) == "3" and ranking.data(ranking.index(2, 1)) == "县第1局"
    ranking.load(None)
    qtmodeltester.check(ranking)
    assert ranking.rowCount() == 0 and items.rowCount() > 0
    assert ranking.rowCount(QModelIndex()) == 0


# --- the wizard --------------------------------------------------------------------------------------------------


def _select_item(qtbot, page: ScoringPage, code: str) -> None:
    view = page.form.items
    row = next(i for i, it in enumerate(page.form.items_model.rows()) if it.indicator.code == code)
    index = page.form.items_model.index(row, ItemCol.INDICATOR)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    assert page.form._current_item().indicator.code == code


def _type(qtbot, widget, text: str) -> None:
    """Type as a user would: keys for ASCII, an input-method commit for Chinese (QTest types Latin-1 only)."""
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    if text.isascii():
        qtbot.keyClicks(widget, text)
    else:
        event = QInputMethodEvent()
        event.setCommitString(text)
        QApplication.sendEvent(widget, event)


def test_a_month_from_the_first_unit_to_the_lock(qtbot, page, county, db, answers):
    form = page.form
    # 1. pick the month: April is not opened yet
    assert page.month_box.currentText() == "2026年4月（未开始）" and page.open_button.isVisible()
    assert form.unit_title.text() == "（该月尚未开始考评，请点击“开始本月考评”）"
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    assert page.month_box.currentText() == "2026年4月（草稿）" and not page.open_button.isVisible()
    assert form.units_model.rowCount() == 3
    assert form.unit_title.text() == "县第1局　2026年4月"
    assert "复核总分 100.0" in form.totals.text()

    # 2. a deduction typed on the keyboard: occurrences, reason, Enter
    _select_item(qtbot, page, "life.committee_meeting")
    form.occurrences.setValue(2)
    _type(qtbot, form.reason, "3月、4月未召开支委会")
    qtbot.keyClick(form.reason, Qt.Key.Key_Return)
    assert "复核总分 98.0" in form.totals.text()
    assert form.records_model.rowCount() == 1 and form.reason.text() == ""
    assert form.units_model.data(form.units_model.index(0, 1)) == "98.0"

    # a refused input is explained under the entry line, nothing saved
    qtbot.keyClick(form.reason, Qt.Key.Key_Return)
    assert form.entry_error.text() == "请填写扣分原因"
    _type(qtbot, form.points_each, "9")
    _type(qtbot, form.reason, "分值过大")
    qtbot.keyClick(form.reason, Qt.Key.Key_Return)
    assert "超过该指标分值4.0分" in form.entry_error.text()
    assert "复核总分 98.0" in form.totals.text()

    # an indicator that needs 佐证 refuses until the note is there
    _select_item(qtbot, page, "work.criticised")
    _type(qtbot, form.reason, "被县委通报批评")
    qtbot.keyClick(form.reason, Qt.Key.Key_Return)
    assert "须提供佐证" in form.entry_error.text()
    _type(qtbot, form.evidence_note, "县委办通报〔2026〕5号")
    qtbot.keyClick(form.evidence_note, Qt.Key.Key_Return)
    assert "复核总分 96.0" in form.totals.text()

    # removing a deduction asks for the reason that goes into the trail
    form.records.setFocus()
    form.records.selectRow(0)
    qtbot.keyClick(form.records, Qt.Key.Key_Delete)
    assert "删除的理由" in answers[-1] and "复核总分 98.0" in form.totals.text()

    # 自评 typed into its column, beside the 复核 score
    _select_item(qtbot, page, "study.plan")
    index = form.items_model.index(form.items.currentIndex().row(), ItemCol.SELF)
    form.items.setFocus()
    form.items.setCurrentIndex(index)
    qtbot.keyClick(form.items, Qt.Key.Key_2)  # typing on the cell opens its editor
    editor = QApplication.focusWidget()
    assert editor is not form.items
    qtbot.keyClicks(editor, ".5")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "自评 2.5" in form.totals.text())
    assert form.items_model.data(form.items_model.index(index.row(), ItemCol.SELF)) == "2.5"

    # the register's vacancy is suggested with its source; accept it
    assert form.suggestions_model.rowCount() >= 1
    suggestion = form.suggestions_model.row_at(0)
    assert suggestion.source.startswith("suggested:vacancy:org") and "书记" in suggestion.reason
    qtbot.mouseClick(form.accept_button, Qt.MouseButton.LeftButton)
    assert "复核总分 96.0" in form.totals.text()
    assert all(s.source != suggestion.source for s in form.suggestions_model.rows())

    # 3. Ctrl+Enter: this unit is reviewed, on to the next; PageUp/PageDown move between units
    qtbot.keyClick(form.items, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert form.unit_title.text().startswith("县第2局")
    assert form.units_model.data(form.units_model.index(0, 3)) == "已复核"
    qtbot.keyClick(form.items, Qt.Key.Key_PageUp)
    assert form.unit_title.text().startswith("县第1局") and not form.reason.isEnabled()
    qtbot.keyClick(form.items, Qt.Key.Key_PageDown)
    assert form.unit_title.text().startswith("县第2局") and form.reason.isEnabled()
    _select_item(qtbot, page, "work.report_late")
    _type(qtbot, form.reason, "4月报表迟报")
    qtbot.keyClick(form.reason, Qt.Key.Key_Return)
    qtbot.keyClick(form.items, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert form.unit_title.text().startswith("县第3局")
    qtbot.keyClick(form.items, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert page.state.text().startswith("状态：已复核")

    # 4. the review step: ranking, tiers, distribution, 约谈 candidates, lock
    page.steps.setCurrentIndex(REVIEW_TAB)
    review = page.review
    model = review.model
    assert [model.data(model.index(r, 1)) for r in range(3)] == ["县第3局", "县第2局", "县第1局"]
    assert model.data(model.index(2, model.column_of("总分"))) == "96.0"
    assert model.data(model.index(2, model.column_of("档次"))) == "后进"
    assert "平均" in review.distribution.text() and "档次" in review.distribution.text()
    assert review.interview_model.rowCount() == 1
    assert "排名末位" in review.interview_model.data(review.interview_model.index(0, 4))
    assert review.lock_button.isEnabled() and not review.reopen_button.isEnabled()
    qtbot.mouseClick(review.lock_button, Qt.MouseButton.LeftButton)
    # 县第1局 was reviewed with one suggestion left open: the lock names it and asks, then says what it did
    assert "2026年4月尚有1条建议扣分既未采纳也未不采纳：县第1局 1条" in answers[-2]
    assert "已锁定：3个单位" in answers[-1] and "下一步：据此印发本月考评情况通报" in answers[-1]
    assert page.state.text().startswith("状态：已锁定") and page.month_box.currentText() == "2026年4月（已锁定）"
    assert review.reopen_button.isEnabled() and not review.lock_button.isEnabled()
    assert county.scoring.find_month(2026, 4).state == PeriodState.LOCKED

    # a locked month's form cannot be edited (and the service refuses too)
    page.steps.setCurrentIndex(0)
    assert not form.reason.isEnabled() and not form.add_button.isEnabled()
    assert "本月已锁定" in form.totals.text()

    # 5. reopening asks for the reason and logs it
    page.steps.setCurrentIndex(REVIEW_TAB)
    qtbot.mouseClick(review.reopen_button, Qt.MouseButton.LeftButton)
    assert page.state.text().startswith("状态：已复核")
    assert verify(db.session_factory).ok


def test_a_ranking_row_opens_that_units_form(qtbot, page, county):
    pid = county.month(2026, 4)
    county.deduct(pid, 1, "life.theme_day", 3)
    page.reload()
    page.steps.setCurrentIndex(REVIEW_TAB)
    index = page.review.model.index(2, 1)
    assert page.review.model.data(index) == "县第2局"
    page.review.table.activated.emit(index)
    assert page.steps.currentIndex() == 0 and page.form.unit_title.text().startswith("县第2局")
    page.show_target(("period", pid))
    assert page.steps.currentIndex() == REVIEW_TAB


def test_veto_and_bonus_through_the_form(qtbot, page, county):
    pid = county.month(2026, 4)
    page.reload()
    form = page.form
    _select_item(qtbot, page, "disc.cases")
    assert form.veto_row.isVisible()
    form.veto_box.setChecked(True)
    qtbot.mouseClick(form.veto_button, Qt.MouseButton.LeftButton)
    assert form.entry_error.text() == "请填写一票否决（或撤销）的理由"
    _type(qtbot, form.veto_reason, "一名干部受到刑事处罚")
    qtbot.keyClick(form.veto_reason, Qt.Key.Key_Return)
    assert "一票否决" in form.totals.text()
    assert form.units_model.data(form.units_model.index(0, 0)) == "县第1局（一票否决）"
    _select_item(qtbot, page, "bonus.commendation")
    assert form.add_button.text() == "登记加分" and not form.veto_row.isVisible()
    _type(qtbot, form.points_each, "3")
    _type(qtbot, form.evidence_note, "市委表彰决定")
    _type(qtbot, form.reason, "受到市委表彰")
    qtbot.keyClick(form.reason, Qt.Key.Key_Return)
    assert "加分 3.0" in form.totals.text() and "复核总分 103.0" in form.totals.text()
    assert county.scoring.sheets(pid)[0].review_total == Decimal("103.0")
    # the month's data changed under the page (e.g. an import): reload keeps the unit and the indicator
    county.scoring.add_deduction(item_by_code(county.form(pid), "study.plan").id, OccurrenceInput("无学习计划", 1))
    page.reload()
    assert form.unit_title.text().startswith("县第1局") and form._current_item().indicator.code == "bonus.commendation"
    assert "复核总分 102.0" in form.totals.text()


def test_scheme_editor_versions_a_frozen_scheme_and_shows_unbalanced_totals(qtbot, page, county, answers,
                                                                            monkeypatch):
    from ui_fixtures import on_next_dialog

    from app.ui.scoring.page import SCHEME_TAB

    informed: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *_a, **_k: informed.append(text))
    march = county.month(2026, 3)
    county.deduct(march, 0, "work.report_late", 2)
    county.review_all(march)
    county.scoring.lock_period(march)
    before = [s.review_total for s in county.scoring.sheets(march)]
    page.reload()
    page.steps.setCurrentIndex(SCHEME_TAB)
    editor = page.schemes
    editor.reload()
    assert editor.version_box.currentText().endswith("（第1版）　已冻结")
    row = next(r for r in range(editor.categories_model.rowCount())
               if editor.categories_model.data(editor.categories_model.index(r, 0)) == "工作落实")
    editor.categories.selectRow(row)
    assert editor.indicators_model.data(editor.indicators_model.index(0, 0)) == "材料报送及时"
    editor.indicators.selectRow(0)
    failures: list[BaseException] = []

    def change_points(dialog) -> None:
        form = dialog.forms[0]
        form.field("points").setText("5")
        form.field("per_occurrence").setText("1")
        dialog.accept()

    on_next_dialog(change_points, failures)
    qtbot.mouseClick(editor.findChild(QPushButton, "edit_indicator"), Qt.MouseButton.LeftButton)
    assert not failures
    assert informed and "新版本" in informed[0]
    assert editor.version_box.currentText().endswith("（第2版）")
    assert "类别“工作落实”的指标分值合计11.0分，应等于类别分值10.0分" in editor.problems.text()
    assert editor.indicators_model.data(editor.indicators_model.index(0, 1)) == "5.0"
    # a bad input stays in the dialog with its message under the field
    editor.indicators.selectRow(0)

    def bad_then_fix(dialog) -> None:
        form = dialog.forms[0]
        form.field("points").setText("abc")
        dialog.accept()
        assert form.problem_text("points") == "指标分值应为数字"
        form.field("points").setText("4")
        dialog.accept()

    on_next_dialog(bad_then_fix, failures)
    qtbot.mouseClick(editor.findChild(QPushButton, "edit_indicator"), Qt.MouseButton.LeftButton)
    assert not failures and editor.problems.text() == ""
    assert [s.review_total for s in county.scoring.sheets(march)] == before  # the locked month is untouched
