"""Every dialog takes the keyboard (issue 15, part 2): it opens with the focus in its first field, Tab walks the
fields in the order they show and then the buttons, Enter in a line edit presses the accept button, Esc closes.

Each dialog class of app/ui is opened on a small demo county with the arguments its page gives it, and the keys
go through QTest into the widget that has the focus, as a user's would.  `CASES` names every class: a new dialog
without an entry here fails `test_every_dialog_class_has_a_keyboard_case`."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dbkit
import frozen
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QWidget,
)
from sqlalchemy import select
from ui_fixtures import synchronous_tasks as synchronous_tasks  # noqa: F401 (background work at once)

import app.ui
from app.db import Database
from app.demo.county import build_demo
from app.models import AuditEntry, OrgPostKind
from app.paths import AppPaths
from app.services import accounts
from app.services.accounts import AccountService
from app.services.opening import open_database
from app.ui.context import AppContext

PW = "Keyboard-pass-26"

pytestmark = [pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
              pytest.mark.usefixtures("cheap_hashes")]


# --- the county ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory: pytest.TempPathFactory, _template_db: Path) -> Path:
    """The tiny demo county on the run's day, built once for the module (each test opens a copy)."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    db = open_database(dbkit.KIT.place(_template_db, path))
    build_demo(db, "tiny", seed=3, today=frozen.today())
    dbkit.KIT.settle(db)
    db.close()
    return path


@dataclass
class County:
    ctx: AppContext
    db: Database
    tmp: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def sf(self) -> Any:
        return self.db.session_factory

    def today(self) -> dt.date:
        return frozen.today()


@pytest.fixture
def county(demo_source: Path, paths: AppPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[County]:
    dbkit.KIT.replace(paths.database, dbkit.KIT.resolve(demo_source))
    db = open_database(paths.database, backup_dir=paths.backup_dir)
    yield County(AppContext(paths, db), db, tmp_path, monkeypatch)
    db.close()


@pytest.fixture(autouse=True)
def closed_without_asking(qtbot: Any) -> Iterator[None]:
    """A dialog a test leaves open with edits in it goes without its unsaved-changes question at teardown (no one
    would answer it)."""
    yield
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QDialog) and w.isVisible():
            QDialog.done(w, QDialog.DialogCode.Rejected.value)


def _admin(county: County) -> accounts.Actor:
    """The county's administrator, logged in (the admin dialogs and reveals need one)."""
    service = AccountService(county.sf)
    actor = service.create_first_admin("admin", "王管理", PW)
    accounts.set_current(actor)
    return actor


# --- opening each dialog as its page does --------------------------------------------------------------------------


def _annual(c: County) -> Any:
    from app.services.annual.service import AnnualService

    return AnnualService(c.sf, today=c.today)


def _unit_with_commitment(c: County) -> tuple[Any, int, str, int]:
    service = _annual(c)
    for year in (c.today().year, c.today().year - 1):
        for status in service.year_status(year):
            if status.commitment_items:
                return service, status.unit_id, status.unit, year
    status = service.year_status(c.today().year)[0]
    return service, status.unit_id, status.unit, c.today().year


def _review(c: County) -> tuple[Any, Any]:
    service = _annual(c)
    for year in (c.today().year, c.today().year - 1):
        review = service.review(year)
        if review is not None and review.reports:
            return service, review
    raise AssertionError("the demo county has no 述职评议")


def open_commitment(c: County) -> QDialog:
    from app.ui.annual.commitment_tab import CommitmentDialog

    service, unit_id, unit, year = _unit_with_commitment(c)
    return CommitmentDialog(service, unit_id, unit, year, service.commitment(unit_id, year), "周勇")


def open_life_meeting(c: County) -> QDialog:
    """A 民主生活会 of the demo county (with its 批评意见 and 问题清单) opened for a change."""
    from app.services.leadership import LeadershipService
    from app.ui.team.lifemeeting import MeetingDialog

    service = LeadershipService(c.sf, today=c.today)
    return MeetingDialog(service, service.meetings()[0])


def open_duty(c: County) -> QDialog:
    from app.ui.annual.commitment_tab import DutyDialog

    service, unit_id, unit, year = _unit_with_commitment(c)
    return DutyDialog(service, unit_id, unit, year, service.duty_list(unit_id, year))


def _study_unit(c: County) -> tuple[Any, int, str]:
    from app.services.study import StudyService

    service = StudyService(c.ctx.session_factory, today=frozen.today)
    unit_id, unit = service.unit_choices()[0]
    return service, unit_id, unit


def open_study_meeting(c: County) -> QDialog:
    from app.ui.team.study_tab import MeetingDialog

    service, unit_id, unit = _study_unit(c)
    return MeetingDialog(service, unit_id, unit, None, frozen.today())


def open_study_plan(c: County) -> QDialog:
    from app.ui.team.study_tab import PlanDialog

    service, unit_id, unit = _study_unit(c)
    return PlanDialog(service, unit_id, unit, frozen.today().year, None, (12, 4))


def open_assess(c: County) -> QDialog:
    from app.ui.annual.commitment_tab import AssessDialog

    service, unit_id, _unit, year = _unit_with_commitment(c)
    item = service.commitment(unit_id, year).items[0]
    return AssessDialog(service, item.id, item.content)


def open_annual_issue(c: County) -> QDialog:
    from app.ui.annual.widgets import IssueDialog

    return IssueDialog(f"印发{c.today().year}年度述职评议结果通报", None, c.today())


def open_meeting(c: County) -> QDialog:
    from app.ui.annual.review_tab import MeetingDialog

    service, review = _review(c)
    return MeetingDialog(service, review.year, review, c.today())


def open_votes(c: County) -> QDialog:
    from app.ui.annual.review_tab import VotesDialog

    service, review = _review(c)
    return VotesDialog(service, review.reports[0], review.voters, False)


def open_report_text(c: County) -> QDialog:
    from app.ui.annual.review_tab import ReportTextDialog

    service, review = _review(c)
    return ReportTextDialog(service, review.reports[0])


def open_restore(c: County) -> QDialog:
    from app.ui.backup_actions import RestoreDialog

    return RestoreDialog(c.ctx)


def open_server_password(c: County) -> QDialog:
    from app.ui.connection import PasswordDialog

    return PasswordDialog("dangjian@192.168.1.20:5432", "数据库服务器拒绝了登录：密码错误。")


def open_import_report(c: County) -> QDialog:
    from app.services import excel_io
    from app.ui.excel_actions import ImportReportDialog

    path = c.tmp / "名册.xlsx"
    excel_io.export_register(c.sf, path)
    return ImportReportDialog(excel_io.import_register(c.sf, path, dry_run=True), path)


def open_record(c: County) -> QDialog:
    from app.services.orglife import OrgLifeService
    from app.ui.orglife.records import RecordDialog

    org_id = c.ctx.register.orgs()[0][0]
    return RecordDialog(c.ctx, OrgLifeService(c.sf, today=c.today), org_id=org_id)


def open_recruit(c: County) -> QDialog:
    from app.services.recruit import RecruitService
    from app.ui.orglife.recruits import RecruitDialog

    return RecruitDialog(c.ctx, RecruitService(c.sf, today=c.today), c.ctx.register.orgs()[0][0])


def open_step(c: County) -> QDialog:
    from app.models import RecruitStageKind
    from app.services.recruit import RecruitService
    from app.ui.orglife.recruits import StepDialog

    service = RecruitService(c.sf, today=c.today)
    row = service.rows(RecruitStageKind.CANDIDATE)[0]
    return StepDialog(c.ctx, service, row, "admit", "支部大会讨论接收")


def _disposal(c: County) -> Any:
    from app.services.disposal import DisposalService

    return DisposalService(c.sf, today=c.today)


def open_disposal_case(c: County) -> QDialog:
    from app.ui.orglife.disposal import CaseDialog

    service = _disposal(c)
    return CaseDialog(c.ctx, service, service.candidates()[0])


def open_lost_case(c: County) -> QDialog:
    from app.ui.orglife.disposal import CaseDialog

    return CaseDialog(c.ctx, _disposal(c), None)


def open_disposal_step(c: County) -> QDialog:
    from app.models import DisposalStepKind
    from app.ui.orglife.disposal import StepDialog

    service = _disposal(c)  # a member out of contact for months (the demo has one on any day)
    row = next(r for r in service.cases(open_only=True) if DisposalStepKind.SUSPENDED in r.next_steps)
    return StepDialog(c.ctx, service, row, DisposalStepKind.SUSPENDED.value)


def open_disposal_approval(c: County) -> QDialog:
    from app.ui.orglife.disposal import APPROVE, StepDialog

    service = _disposal(c)
    row = next(r for r in service.cases(open_only=True) if r.awaiting_approval)
    return StepDialog(c.ctx, service, row, APPROVE)


def open_unit(c: County) -> QDialog:
    from app.ui.register_dialogs import UnitDialog

    return UnitDialog(c.ctx, c.ctx.register.units()[0][0])


def open_org(c: County) -> QDialog:
    from app.ui.register_dialogs import OrgDialog

    return OrgDialog(c.ctx, unit_id=c.ctx.register.units()[0][0])


def _branch_with_members(c: County) -> int:
    return next(oid for oid, _name in c.ctx.register.orgs() if c.ctx.register.member_ids(org_id=oid))


def open_post(c: County) -> QDialog:
    from app.ui.register_dialogs import PostDialog

    return PostDialog(c.ctx, _branch_with_members(c))


def open_end_post(c: County) -> QDialog:
    from app.ui.register_dialogs import EndPostDialog

    for oid, _name in c.ctx.register.orgs():
        posts = [p for p in c.ctx.register.org_detail(oid).current_posts if p.kind == OrgPostKind.SECRETARY]
        if posts:
            return EndPostDialog(c.ctx, posts[0].id, f"书记：{posts[0].member_name}")
    raise AssertionError("the demo county has no secretary")


def open_member(c: County) -> QDialog:
    from app.ui.register_dialogs import MemberDialog

    _admin(c)
    return MemberDialog(c.ctx, c.ctx.register.member_ids(org_id=_branch_with_members(c))[0])


def open_new_member(c: County) -> QDialog:
    from app.ui.register_dialogs import MemberDialog

    return MemberDialog(c.ctx, org_id=_branch_with_members(c))


def open_transfer(c: County) -> QDialog:
    from app.ui.register_dialogs import TransferDialog

    return TransferDialog(c.ctx, c.ctx.register.member_ids(org_id=_branch_with_members(c))[0])


def open_indicator(c: County) -> QDialog:
    """A plain FormDialog, as the scheme editor builds it for 新增指标."""
    from app.services.scheme import SchemeService
    from app.ui.forms import FormDialog
    from app.ui.scoring.scheme_editor import SchemeEditor

    shown: list[FormDialog] = []
    c.monkeypatch.setattr(FormDialog, "exec", lambda self: shown.append(self) or 0)
    editor = SchemeEditor(SchemeService(c.sf), c.today().year)
    editor.categories.selectRow(0)
    editor.add_indicator()
    c.monkeypatch.undo()
    assert len(shown) == 1 and type(shown[0]) is FormDialog
    return shown[0]


def open_first_admin(c: County) -> QDialog:
    from app.ui.accounts.login import FirstAdminDialog

    return FirstAdminDialog(AccountService(c.sf))


def open_login(c: County) -> QDialog:
    from app.ui.accounts.login import LoginDialog

    _admin(c)
    accounts.set_current(None)
    return LoginDialog(AccountService(c.sf))


def open_relogin(c: County) -> QDialog:
    """The idle lock's login: the user name is known, the focus starts in the password."""
    from app.ui.accounts.login import LoginDialog

    _admin(c)
    return LoginDialog(AccountService(c.sf), None, "admin", "已超过15分钟无操作，程序已锁定。请重新登录。")


def open_change_password(c: County) -> QDialog:
    from app.ui.accounts.login import ChangePasswordDialog

    return ChangePasswordDialog(AccountService(c.sf), _admin(c))


def open_add_user(c: County) -> QDialog:
    from app.ui.accounts.admin import AddUserDialog

    _admin(c)
    return AddUserDialog(AccountService(c.sf))


def open_users(c: County) -> QDialog:
    from app.ui.accounts.admin import UsersDialog

    _admin(c)
    return UsersDialog(c.sf)


def open_audit(c: County) -> QDialog:
    from app.ui.accounts.admin import AuditDialog

    _admin(c)
    return AuditDialog(c.sf)


def open_note(c: County) -> QDialog:
    from app.ui.documents.common import NoteDialog

    return NoteDialog("销号", "请填写销号说明（审核意见和依据），销号将记入审计日志：")


def open_bulletin_issue(c: County) -> QDialog:
    from app.services.bulletin import BulletinService
    from app.ui.documents.bulletin_page import IssueDialog

    service = BulletinService(c.sf, today=c.today)
    month = next(m for m in service.months() if m.bulletins)
    number = service.next_number(c.today().year)
    return IssueDialog(month, number.code, number.sequence, service.current_for(month.year, month.month), c.today())


def _interview(c: County) -> Any:
    from app.services.interview import InterviewService

    service = InterviewService(c.sf, today=c.today)
    return service, next(v for v in service.interviews() if v.scheduled_at is not None)


def open_interview(c: County) -> QDialog:
    from app.ui.documents.interview_page import InterviewDialog

    return InterviewDialog(*_interview(c))


def open_conversation(c: County) -> QDialog:
    from app.ui.documents.interview_page import ConversationDialog

    return ConversationDialog(*_interview(c))


def open_item(c: County) -> QDialog:
    from app.services.rectification import RectificationService
    from app.ui.documents.interview_page import ItemDialog

    service = RectificationService(c.sf, today=c.today)
    return ItemDialog(service, service.items()[0])


def open_rejected(c: County) -> QDialog:
    from app.services.bulletin import BulletinService
    from app.services.scoring import ScoringService
    from app.ui.scoring.rejected import RejectedDialog

    service = ScoringService(c.sf, actor="测试员")
    month = BulletinService(c.sf, today=c.today).months()[0]
    return RejectedDialog(service, service.form(service.sheets(month.period_id)[0].id))


def open_unit_picture(c: County) -> QDialog:
    from app.ui.unit_picture import UnitPictureDialog

    unit_id, name = c.ctx.register.units()[0]
    return UnitPictureDialog(c.ctx, unit_id, name)


def open_names_wizard(c: County) -> QDialog:
    """The set-up wizard reopened from 设置: the county's names alone."""
    from app.ui.setup_wizard import SetupWizard

    return SetupWizard(c.sf)


def open_leave(c: County) -> QDialog:
    from app.ui.register_dialogs import LeaveDialog

    return LeaveDialog(c.ctx, c.ctx.register.member_ids(org_id=_branch_with_members(c))[0])


def open_print_preview(c: County) -> QDialog:
    """The preview of a two-page 通报 (its PDF drawn here: the converter, Word or LibreOffice, is not the point)."""
    from PySide6.QtGui import QPageSize, QPainter, QPdfWriter

    from app.services import office
    from app.ui import printing

    def convert(pairs: list[tuple[Path, Path]]) -> list[Path]:
        for _source, pdf in pairs:
            writer = QPdfWriter(str(pdf))
            writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
            painter = QPainter(writer)
            painter.drawText(200, 200, "考评情况通报")
            writer.newPage()
            painter.drawText(200, 200, "第2页")
            painter.end()
        return [pdf for _source, pdf in pairs]

    source = c.tmp / "考评情况通报.docx"
    source.write_bytes(b"PK")
    batch = printing.prepare([source], office.PdfConverter("测试转换器", convert), "考评情况通报",
                             lambda *_a: None, lambda: False)
    return printing.PrintPreviewDialog(c.ctx, batch)


def open_accountability(c: County) -> QDialog:
    from app.services.accountability import AccountabilityService
    from app.ui.team.cadres import AccountabilityDialog

    return AccountabilityDialog(c.ctx, AccountabilityService(c.sf, today=c.today), None)


def open_manual(c: County) -> QDialog:
    from app.ui.help import ManualDialog

    return ManualDialog()


def _care(c: County) -> tuple[Any, Any]:
    """The care service and a 关怀对象 of the demo county (one made when the county has none)."""
    from app.models import CareCircumstance
    from app.services.care import CareService, SubjectInput

    service = CareService(c.sf, today=c.today)
    rows = service.subject_rows()
    if not rows:
        member = c.ctx.register.member_ids(org_id=_branch_with_members(c))[0]
        service.add_subject(SubjectInput(member, c.today(), [CareCircumstance.VETERAN]))
        rows = service.subject_rows()
    return service, rows[0]


def open_honor(c: County) -> QDialog:
    from app.ui.orglife.care import HonorDialog

    return HonorDialog(_care(c)[0])


def open_care_subject(c: County) -> QDialog:
    from app.ui.orglife.care import SubjectDialog

    return SubjectDialog(_care(c)[0], c.today())


def open_care_circumstances(c: County) -> QDialog:
    from app.models import CareCircumstance
    from app.ui.orglife.care import CircumstancesDialog

    service, row = _care(c)
    return CircumstancesDialog(service, row, (CareCircumstance.VETERAN,), "")


def open_care_end(c: County) -> QDialog:
    from app.ui.orglife.care import EndDialog

    service, row = _care(c)
    return EndDialog(service, row, c.today())


def open_care_visit(c: County) -> QDialog:
    from app.ui.orglife.care import VisitDialog

    service, row = _care(c)
    return VisitDialog(service, row, c.today())


def _workers(c: County) -> Any:
    from app.services.party_workers import PartyWorkerService

    return PartyWorkerService(c.sf, today=c.today)


def open_training(c: County) -> QDialog:
    from app.ui.team.workers import TrainingDialog

    service = _workers(c)
    candidates = service.candidates()
    return TrainingDialog(service, candidates, candidates[0].person)


def open_batch_training(c: County) -> QDialog:
    from app.ui.team.workers import BatchTrainingDialog

    service = _workers(c)
    return BatchTrainingDialog(service, service.unit_choices()[0][1])


def open_worker(c: County) -> QDialog:
    from app.ui.team.workers import WorkerDialog

    return WorkerDialog(_workers(c), c.today())


@dataclass(frozen=True)
class Case:
    """`cls` opened by `open`; `chain` is the Tab walk from the focus the dialog opens with (its first entry)
    round to it again: form fields by their label, other widgets by object name or text (see `describe`)."""

    cls: str  # module.Class
    open: Callable[[County], QDialog]
    chain: tuple[str, ...]
    name: str = ""

    @property
    def id(self) -> str:
        return self.name or self.cls.rsplit(".", 1)[1]


SAVE = ("Save", "Cancel")  # a FormDialog's 保存 and 取消 (standard buttons: named by role, whatever the language)
OK = ("Ok", "Cancel")

CASES: list[Case] = [
    Case("app.ui.team.cadres.AccountabilityDialog", open_accountability,
         ('单位', '职务', '党员', '姓名', '问责方式', '决定日期', '决定机关', '决定文号', '问责决定', '关联约谈', '备注', *SAVE),
         "accountability"),
    Case("app.ui.team.lifemeeting.MeetingDialog", open_life_meeting,
         ('会议类型', '单位', '召开日期', '会议主题', '参会班子成员', '上级督导', '会前征求意见', 'criticism_rows', '添加意见',
          '删除所选意见', 'problem_rows', '添加问题', '删除所选问题', '备注', *SAVE), "life_meeting"),
    Case("app.ui.annual.commitment_tab.CommitmentDialog", open_commitment,
         ('承诺人（书记）', '职务', '承诺日期', '承诺事项', '添加一行', '删除所选行', *SAVE), "commitment"),
    Case("app.ui.annual.commitment_tab.DutyDialog", open_duty,
         ('制定日期', '责任事项', '添加一行', '删除所选行', '按登记信息生成', *SAVE), "duty"),
    Case("app.ui.team.study_tab.MeetingDialog", open_study_meeting,
         ('学习日期', '形式', '学习主题', '主讲（领学）', '研讨发言人次', '出席班子成员', '班子成员总数', '备注', *SAVE),
         "study_meeting"),
    Case("app.ui.team.study_tab.PlanDialog", open_study_plan,
         ('计划集中学习次数', '计划专题研讨次数', '学习专题', '制定日期', '备注', *SAVE), "study_plan"),
    Case("app.ui.annual.commitment_tab.AssessDialog", open_assess,
         ('践诺情况', '说明', *SAVE), "assess"),
    Case("app.ui.annual.widgets.IssueDialog", open_annual_issue,
         ('成文日期', '发文序号', *SAVE), "annual_issue"),
    Case("app.ui.annual.review_tab.MeetingDialog", open_meeting,
         ('召开日期', '投票人数', '地点', '主持人', '参会人员', *SAVE), "meeting"),
    Case("app.ui.annual.review_tab.VotesDialog", open_votes,
         ('年终检查得分', '好（票）', '较好（票）', '一般（票）', '差（票）', '弃权（票）', 'Save', '保存并录入下一位', 'Cancel'), "votes"),
    Case("app.ui.annual.review_tab.ReportTextDialog", open_report_text,
         ('述职报告', *SAVE), "report_text"),
    Case("app.ui.backup_actions.RestoreDialog", open_restore,
         ('backup_view', '立即备份', 'Close'), "restore"),
    Case("app.ui.connection.PasswordDialog", open_server_password,
         ('server_password', *OK), "server_password"),
    Case("app.ui.excel_actions.ImportReportDialog", open_import_report,
         ('导入', '取消'), "import_report"),
    Case("app.ui.orglife.records.RecordDialog", open_record,
         ('类型', '党组织', '召开日期', '主题', '地点', '登记日期', '全部出席', '全部取消', 'attendance_view', '会议内容', 'Save', '保存并登记下一条', 'Cancel'), "record"),
    Case("app.ui.orglife.recruits.RecruitDialog", open_recruit,
         ('党支部', '姓名', '身份证号', '出生日期', '性别', '递交申请书日期', '职务', '联系电话', *SAVE), "recruit"),
    Case("app.ui.orglife.recruits.StepDialog", open_step,
         ('支部大会日期', '赞成票', '反对票', '弃权票', *SAVE), "step"),
    Case("app.ui.orglife.disposal.CaseDialog", open_disposal_case,
         ('处置类别', '党员', '启动处置日期', '情况说明', *SAVE), "disposal_case"),
    Case("app.ui.orglife.disposal.CaseDialog", open_lost_case,
         ('处置类别', '党员', '启动处置日期', '失联起始日期', '查找情况', '情况说明', *SAVE), "lost_case"),
    Case("app.ui.orglife.disposal.StepDialog", open_disposal_step,
         ('支部大会决定日期', '上级党组织批准日期', '说明', *SAVE), "disposal_step"),
    Case("app.ui.orglife.disposal.StepDialog", open_disposal_approval,
         ('批准日期', *SAVE), "disposal_approval"),
    Case("app.ui.register_dialogs.UnitDialog", open_unit,
         ('单位名称', '简称', '单位类别', '党组（党委）书记', '党务联系人', '联系电话', '排列顺序', '备注', *SAVE), "unit"),
    Case("app.ui.register_dialogs.OrgDialog", open_org,
         ('所属单位', '党组织名称', '组织类型', '上级党组织', '成立日期', '本届任期开始', '本届任期届满', '排列顺序', '备注', *SAVE), "org"),
    Case("app.ui.register_dialogs.PostDialog", open_post,
         ('职务', '任职人', '任职（空缺）开始', '离任日期', '备注', *SAVE), "post"),
    Case("app.ui.register_dialogs.EndPostDialog", open_end_post,
         ('离任日期', *SAVE), "end_post"),
    Case("app.ui.register_dialogs.MemberDialog", open_member,
         ('姓名', '性别', '民族', '出生日期', '身份证号', '联系电话', '学历', '职务', '备注', '个人信息', '党员类别', '入党日期', '转正日期', '延长预备期', '领导干部', '社区报到', '报到社区', '报到日期', *SAVE), "member"),
    Case("app.ui.register_dialogs.MemberDialog", open_new_member,
         ('姓名', '性别', '民族', '出生日期', '身份证号', '联系电话', '学历', '职务', '备注', '所在党组织', '党员类别', '入党日期', '转正日期', '延长预备期', '领导干部', '社区报到', '报到社区', '报到日期', *SAVE), "new_member"),
    Case("app.ui.register_dialogs.TransferDialog", open_transfer,
         ('转接日期', '县内转接', '接收党组织', '备注', *SAVE), "transfer"),
    Case("app.ui.forms.FormDialog", open_indicator,
         ('编号', '指标名称', '分值', '计分方式', '每次分值', '封顶', '须提供佐证（说明或附件）', '说明', *SAVE), "indicator"),
    Case("app.ui.accounts.login.FirstAdminDialog", open_first_admin,
         ('用户名', '姓名', '密码', '再次输入密码', *OK), "first_admin"),
    Case("app.ui.accounts.login.LoginDialog", open_login,
         ('用户名', '密码', *OK), "login"),
    Case("app.ui.accounts.login.LoginDialog", open_relogin,
         ('密码', 'Ok', 'Cancel', '用户名'), "relogin"),
    Case("app.ui.accounts.login.ChangePasswordDialog", open_change_password,
         ('原密码', '新密码', '再次输入新密码', *OK), "change_password"),
    Case("app.ui.accounts.admin.AddUserDialog", open_add_user,
         ('用户名', '姓名', '角色', '初始密码', *OK), "add_user"),
    Case("app.ui.accounts.admin.UsersDialog", open_users,
         ('users', '添加', '改角色', '重设密码', '停用/启用', '删除'), "users"),
    Case("app.ui.accounts.admin.AuditDialog", open_audit,
         ('who', 'action', '日期从', 'since', 'until', '查询', 'audit'), "audit"),
    Case("app.ui.documents.common.NoteDialog", open_note,
         ('note_edit', 'Cancel'), "note"),
    Case("app.ui.documents.bulletin_page.IssueDialog", open_bulletin_issue,
         ('发文字号', '成文日期', '重新印发理由', *SAVE), "bulletin_issue"),
    Case("app.ui.documents.interview_page.InterviewDialog", open_interview,
         ('从名册选择', '被约谈人职务', '被约谈人姓名', '约谈时间', '时间待定', '约谈地点', '约谈人', '记录人', '约谈依据', '存在问题', '通知书日期', *SAVE), "interview"),
    Case("app.ui.documents.interview_page.ConversationDialog", open_conversation,
         ('谈话内容', '被约谈人表态', '整改要求', '整改时限', '或指定日期', *SAVE), "conversation"),
    Case("app.ui.scoring.rejected.RejectedDialog", open_rejected,
         ('rejected', 'Close'), "rejected"),
    Case("app.ui.unit_picture.UnitPictureDialog", open_unit_picture,
         ('qt_tabwidget_tabbar', 'picture_months', 'Close'), "unit_picture"),
    Case("app.ui.setup_wizard.SetupWizard", open_names_wizard,
         ('县名', '发文机关全称', '发文机关代字', '印发机关', '经办人姓名', '联系电话', '完成', '取消'), "names_wizard"),
    Case("app.ui.register_dialogs.LeaveDialog", open_leave,
         ('离开方式', '日期', '情形和依据', *SAVE), "leave"),
    # Enter prints: the preview opens on 打印; Tab then goes on along the row and round to the pages and the zoom.
    Case("app.ui.printing.PrintPreviewDialog", open_print_preview,
         ('打印', '另存为 PDF', '关闭', 'preview_pages', 'preview_zoom'), "print_preview"),
    Case("app.ui.help.ManualDialog", open_manual,
         ('manual_find', '关闭', 'manual_browser'), "manual"),
    Case("app.ui.orglife.care.HonorDialog", open_honor,
         ('表彰类别', '党员', '级别', '表彰日期', '授予机关', '文号', '备注', *SAVE), "honor"),
    Case("app.ui.orglife.care.SubjectDialog", open_care_subject,
         ('党员', '列为关怀对象日期', '困难党员', '经常加班加点', '家庭负担重', '生活有困难', '思想压力较大', '老党员', '其他', '情况说明', *SAVE), "care_subject"),
    Case("app.ui.orglife.care.CircumstancesDialog", open_care_circumstances,
         ('困难党员', '经常加班加点', '家庭负担重', '生活有困难', '思想压力较大', '老党员', '其他', '情况说明', *SAVE), "care_circumstances"),
    Case("app.ui.orglife.care.EndDialog", open_care_end,
         ('结束日期', '原因', *SAVE), "care_end"),
    Case("app.ui.orglife.care.VisitDialog", open_care_visit,
         ('走访日期', '走访人', '慰问金', '慰问物资', '谈心谈话', '帮办实事', '慰问金', '慰问物资', '关联谈心谈话', *SAVE),
         "care_visit"),
    Case("app.ui.team.workers.TrainingDialog", open_training,
         ('参训人员', '培训班名称', '主办单位', '开始日期', '结束日期', '学时', '培训形式', '备注', *SAVE), "training"),
    Case("app.ui.team.workers.BatchTrainingDialog", open_batch_training,
         ('培训班名称', '主办单位', '开始日期', '结束日期', '学时', '培训形式', '备注', '范围', '查找',
          '人员（空格键勾选）', '勾选列出的全部', '全部取消勾选', *SAVE), "batch_training"),
    Case("app.ui.team.workers.WorkerDialog", open_worker,
         ('单位', '职务', '党员', '姓名', '任职日期', '离任日期', '备注', *SAVE), "party_worker"),
    Case("app.ui.documents.interview_page.ItemDialog", open_item,
         ('存在问题', '整改措施', '责任人', '整改时限', '调整时限的理由', *SAVE), "item"),
]

# Classes that are only bases of the dialogs above: opened through each of their subclasses.
BASES = {"app.ui.accounts.login._FormDialog"}


# --- how a user sees the focus -------------------------------------------------------------------------------------


def _owner(w: QWidget) -> QWidget:
    """The field a focused inner widget belongs to (an editable combo box's or a spin box's line edit)."""
    parent = w.parentWidget()
    while parent is not None and isinstance(parent, (QComboBox, QAbstractSpinBox)):
        w, parent = parent, parent.parentWidget()
    return w


def _clean(text: str) -> str:
    return re.sub(r"\(&.\)|&|[：:…]+$", "", text).strip()


def describe(w: QWidget, dialog: QDialog) -> str:
    """A form field by its label; a dialog's standard button by its role name (Ok, Save, Cancel, Close); a button by
    its text; anything else by its object name, or the label of the row it sits in."""
    labels = {id(label.buddy()): _clean(label.text()) for label in dialog.findChildren(QLabel) if label.buddy()}
    if labels.get(id(w)):
        return labels[id(w)]
    box = w.parentWidget()
    if isinstance(box, QDialogButtonBox) and isinstance(w, QAbstractButton):
        standard = box.standardButton(w)
        if standard != QDialogButtonBox.StandardButton.NoButton:
            return standard.name
    if isinstance(w, QAbstractButton) and w.text():
        return _clean(w.text())
    if w.objectName():
        return w.objectName()
    row: QWidget | None = w.parentWidget()
    while row is not None and row is not dialog:
        if labels.get(id(row)):
            return labels[id(row)]
        row = row.parentWidget()
    return type(w).__name__


def focused(dialog: QDialog) -> QWidget:
    w = QApplication.focusWidget()
    assert w is not None and w.window() is dialog, f"the focus is not in the dialog but on {w!r}"
    return _owner(w)


def show(qtbot: Any, dialog: QDialog) -> None:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)


def tab_walk(dialog: QDialog) -> list[str]:
    """Press Tab in the focused widget until the focus comes back to where it started.  A widget Tab walks inside
    (a date's year, month and day; a manual's links) is named once."""
    start = focused(dialog)
    seen = [describe(start, dialog)]
    for _ in range(80):
        QTest.keyClick(focused(dialog), Qt.Key.Key_Tab)
        w = focused(dialog)
        if w is start:
            return seen
        if describe(w, dialog) != seen[-1]:
            seen.append(describe(w, dialog))
    raise AssertionError(f"Tab never came back to the first field: {seen}")


# --- the tests -----------------------------------------------------------------------------------------------------


def _dialog_classes() -> set[str]:
    """Every QDialog subclass defined in app/ui (its modules imported)."""
    for info in pkgutil.walk_packages(app.ui.__path__, "app.ui."):
        importlib.import_module(info.name)
    found: set[str] = set()
    todo = list(QDialog.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("app.ui."):
            found.add(f"{cls.__module__}.{cls.__qualname__}")
    return found


def test_every_dialog_class_has_a_keyboard_case() -> None:
    covered = {case.cls for case in CASES} | BASES
    missing = _dialog_classes() - covered
    assert not missing, f"dialogs without an entry in CASES (their focus and Tab order are untested): {missing}"
    assert not covered - _dialog_classes(), "CASES names classes that no longer exist"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_dialog_opens_in_its_first_field_and_tabs_in_visual_order(qtbot: Any, county: County, case: Case) -> None:
    dialog = case.open(county)
    assert f"{type(dialog).__module__}.{type(dialog).__qualname__}" == case.cls
    show(qtbot, dialog)
    assert tab_walk(dialog) == list(case.chain)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_esc_in_the_first_field_closes_the_dialog(qtbot: Any, county: County, case: Case) -> None:
    dialog = case.open(county)
    show(qtbot, dialog)
    QTest.keyClick(focused(dialog), Qt.Key.Key_Escape)
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected


# --- typing as a user types ----------------------------------------------------------------------------------------


def test_login_by_keyboard_alone(qtbot: Any, county: County) -> None:
    """`admin⇥password⏎`: the name goes into the user-name box, the password into the password box, Enter logs in."""
    dialog = open_login(county)
    show(qtbot, dialog)
    QTest.keyClicks(focused(dialog), "admin")
    QTest.keyClick(focused(dialog), Qt.Key.Key_Tab)
    QTest.keyClicks(focused(dialog), PW)
    assert (dialog.username.text(), dialog.password.text()) == ("admin", PW)
    QTest.keyClick(focused(dialog), Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    assert dialog.actor is not None and dialog.actor.username == "admin"


def test_a_password_typed_into_the_user_name_box_is_not_kept(qtbot: Any, county: County,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    """The old trap: the password typed one box too early is refused as an unknown user, and neither the audit
    trail nor the log holds what was typed."""
    dialog = open_login(county)
    show(qtbot, dialog)
    QTest.keyClicks(focused(dialog), PW)
    QTest.keyClick(focused(dialog), Qt.Key.Key_Return)
    assert dialog.isVisible() and "用户名或密码错误" in dialog.problem.text()
    with county.db.session() as s:
        entries = list(s.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    failed = [e for e in entries if e.action == "登录失败"]
    assert [e.who for e in failed] == [accounts.UNKNOWN_USER]
    assert not [e for e in entries if PW in " ".join(str(v) for v in (e.who, e.old, e.new, e.reason, e.field))]
    assert PW not in caplog.text


def test_enter_in_a_line_edit_saves_and_in_a_note_makes_a_new_line(qtbot: Any, county: County) -> None:
    """(QTest types key by key, so the text typed here is ASCII: Chinese comes through an input method.)"""
    from app.ui.register_dialogs import UnitDialog

    unit_id = county.ctx.register.units()[0][0]
    dialog = UnitDialog(county.ctx, unit_id)
    show(qtbot, dialog)
    for _ in range(7):  # 单位名称 … 排列顺序, then the note
        QTest.keyClick(focused(dialog), Qt.Key.Key_Tab)
    assert describe(focused(dialog), dialog) == "备注"
    QTest.keyClick(focused(dialog), Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(focused(dialog), "Tel. ext")
    QTest.keyClick(focused(dialog), Qt.Key.Key_Return)
    QTest.keyClicks(focused(dialog), "OA 2026")
    assert dialog.isVisible() and dialog.form.text("note").endswith("Tel. ext\nOA 2026")
    QTest.keyClick(focused(dialog), Qt.Key.Key_Backtab)
    QTest.keyClick(focused(dialog), Qt.Key.Key_Return)  # in 排列顺序, a spin box: Enter saves too
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    assert county.ctx.register.unit_input(unit_id).note.endswith("Tel. ext\nOA 2026")
    dialog = UnitDialog(county.ctx, unit_id)
    show(qtbot, dialog)
    for _ in range(5):
        QTest.keyClick(focused(dialog), Qt.Key.Key_Tab)
    assert describe(focused(dialog), dialog) == "联系电话"
    QTest.keyClicks(focused(dialog), "13800001234")  # the old number was selected: typing replaces it
    QTest.keyClick(focused(dialog), Qt.Key.Key_Enter)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert county.ctx.register.unit_input(unit_id).contact_phone == "13800001234"


def test_tab_leaves_an_item_table_and_typing_there_edits_a_cell(qtbot: Any, county: County) -> None:
    """Entering the 承诺事项 table by Tab does not open a cell editor (Tab would then walk the cells for ever);
    typing does, and Enter keeps the text without closing the dialog."""
    dialog = open_commitment(county)
    show(qtbot, dialog)
    for _ in range(3):
        QTest.keyClick(focused(dialog), Qt.Key.Key_Tab)
    table = focused(dialog)
    assert describe(table, dialog) == "承诺事项"
    QTest.keyClick(table, Qt.Key.Key_Tab)
    assert describe(focused(dialog), dialog) == "添加一行"
    QTest.keyClick(focused(dialog), Qt.Key.Key_Space)  # 添加一行: a new row, its first cell being edited
    QTest.keyClicks(focused(dialog), "Party lecture each quarter")
    QTest.keyClick(focused(dialog), Qt.Key.Key_Return)
    model = dialog.model
    qtbot.waitUntil(lambda: model.data(model.index(model.rowCount() - 1, 0)) == "Party lecture each quarter")
    assert dialog.isVisible() and describe(focused(dialog), dialog) == "承诺事项"


def test_enter_in_the_manuals_find_box_finds_and_keeps_the_manual_open(qtbot: Any, county: County) -> None:
    dialog = open_manual(county)
    show(qtbot, dialog)
    QTest.keyClicks(focused(dialog), "F1")
    QTest.keyClick(focused(dialog), Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.browser.textCursor().selectedText() == "F1"
