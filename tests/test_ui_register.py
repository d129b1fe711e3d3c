"""组织机构 actions (posts, vacancies, deleting) and the Excel menu actions over the real excel_io."""

from __future__ import annotations

import datetime as dt

import frozen
import pytest
from PySide6.QtWidgets import QLineEdit, QMessageBox, QWidget
from ui_fixtures import IGNORE_SIZE_HINTS, on_next_dialog, seed_register
from ui_fixtures import synchronous_tasks as synchronous_tasks

from app.models import OrgKind, OrgPostKind
from app.ui.context import AppContext
from app.ui.excel_actions import download_template, export_register, import_register
from app.ui.org_page import OrgPage
from app.ui.register_dialogs import EndPostDialog, OrgDialog, PostDialog

pytestmark = IGNORE_SIZE_HINTS


@pytest.fixture
def ctx(paths, db):
    return AppContext(paths, db)


@pytest.fixture
def sample(ctx):
    return seed_register(ctx.register)


@pytest.fixture
def boxes(monkeypatch):
    shown: list[tuple[str, str]] = []

    def recorder(kind):
        def record(_parent, _title, text, *_a, **_k):
            shown.append((kind, text))
            return QMessageBox.StandardButton.Yes

        return record

    for kind in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, kind, recorder(kind))
    return shown


@pytest.fixture
def page(qtbot, ctx, sample):
    p = OrgPage(ctx)
    qtbot.addWidget(p)
    p.show()
    return p


def test_record_a_vacancy_and_see_it_in_red(qtbot, ctx, sample, page):
    dialog = PostDialog(ctx, sample.edu_branch)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.kind_box.set_value(OrgPostKind.SECRETARY)
    dialog.member_box.set_value(None)  # （空缺）
    dialog.form.field("start_on").setText("2024-01-01")
    dialog.accept()
    assert not dialog.isVisible(), dialog.general_error.text()
    page.reload()
    page.select("org", sample.edu_branch)
    m = page.detail.posts_model
    assert (m.data(m.index(0, 0)), m.data(m.index(0, 1))) == ("书记", "（空缺）")
    assert "空缺" in page.detail.findings.text()


def test_a_second_secretary_is_refused_under_the_post_field(qtbot, ctx, sample):
    dialog = PostDialog(ctx, sample.finance_branch)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.kind_box.set_value(OrgPostKind.SECRETARY)
    dialog.member_box.set_value(sample.li)
    dialog.accept()
    assert dialog.isVisible()
    assert "已有现任书记" in dialog.form.problem_text("kind")


def test_end_a_post_from_the_detail_panel(qtbot, ctx, sample, page):
    page.select("org", sample.finance_branch)
    page.detail.posts.selectRow(0)
    assert page.act_end_post.isEnabled()
    post_id = page.detail.posts_model.key(0)
    dialog = EndPostDialog(ctx, post_id, "书记：张三")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.form.field("end_on").setText("2020-01-01")  # before the post began
    dialog.accept()
    assert "不能早于任职日期" in dialog.form.problem_text("end_on")
    dialog.form.field("end_on").setText(frozen.today().isoformat())
    dialog.accept()
    assert not dialog.isVisible()
    assert ctx.register.org_detail(sample.finance_branch).current_posts == []


def test_org_dialog_offers_only_possible_parents_and_checks_dates(qtbot, ctx, sample):
    dialog = OrgDialog(ctx, unit_id=sample.education)
    qtbot.addWidget(dialog)
    dialog.show()
    parents = dialog.parent_box.values()
    assert parents == [None, sample.edu_committee], "only the unit's 机关党委/党总支 can be a parent"
    dialog.unit_box.set_value(sample.finance)
    assert dialog.parent_box.values() == [None]
    dialog.unit_box.set_value(sample.education)
    dialog.kind_box.set_value(OrgKind.BRANCH)
    name = dialog.form.field("name")
    assert isinstance(name, QLineEdit)
    name.setText("县教育局第二党支部")
    dialog.form.field("established_on").setText("2020-05-01")
    dialog.form.field("term_start").setText("2019-05-01")
    dialog.accept()
    assert "不能早于成立日期" in dialog.form.problem_text("term_start")
    dialog.form.field("term_start").setText("2024-05-01")
    dialog.parent_box.set_value(sample.edu_committee)
    dialog.accept()
    assert not dialog.isVisible()
    new_id = dialog.result_value
    assert ctx.register.org_input(new_id).term_end == dt.date(2027, 5, 1), "the term length is filled in"


def test_deleting_an_organisation_with_members_is_refused_with_the_reason(qtbot, ctx, sample, page, boxes):
    page.select("org", sample.edu_branch)
    page.act_delete.trigger()
    assert boxes[0][0] == "question"
    assert boxes[1][0] == "warning" and "还有党员" in boxes[1][1]
    assert page.model.index_of("org", sample.edu_branch).isValid()


def test_new_org_needs_a_unit_selected_first(qtbot, ctx, page, boxes):
    page.tree.setCurrentIndex(page.proxy.index(-1, -1))
    page.new_org()
    assert boxes and "请先在左侧选择" in boxes[0][1]


# --- Excel, with the real excel_io ------------------------------------------------------------------------


def test_template_export_and_reimport_without_duplicates(qtbot, ctx, sample, tmp_path, boxes):
    parent = QWidget()
    qtbot.addWidget(parent)
    template = tmp_path / "模板.xlsx"
    download_template(ctx, parent, template)
    assert template.stat().st_size > 0
    exported = tmp_path / "名册.xlsx"
    task = export_register(ctx, parent, exported)
    assert task is not None and task.state == "succeeded", task.error
    assert exported.stat().st_size > 0
    before = ctx.register.member_count()
    failures: list[BaseException] = []
    seen: dict[str, str] = {}

    def confirm(dialog: QWidget) -> None:
        seen["summary"] = dialog.summary.text()
        dialog.accept()

    on_next_dialog(confirm, failures)
    import_register(ctx, parent, exported)
    if failures:
        raise failures[0]
    assert "检查通过" in seen["summary"]
    assert ctx.register.member_count() == before, "re-importing the same file duplicates no one"
    assert any("导入完成" in text for _k, text in boxes)


def test_a_file_that_is_not_excel_is_refused_with_a_message(qtbot, ctx, sample, tmp_path, boxes):
    bad = tmp_path / "不是表格.xlsx"
    bad.write_text("这不是 Excel 文件", encoding="utf-8")
    parent = QWidget()
    qtbot.addWidget(parent)
    import_register(ctx, parent, bad)
    assert boxes and boxes[-1][0] == "warning"
    assert ctx.register.member_count() == 5
