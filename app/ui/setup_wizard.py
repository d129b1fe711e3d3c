"""The first-run wizard: on an empty database it asks for the county's names (its own, the issuing body's with
its 代字, the 印发机关 line), the officer who runs the app and the administrator account, then how to begin: empty,
with the office's Excel roster, or in a practice county (示范县) kept in a folder of its own.

Reopened from 设置 it shows the names page alone (the administrator account is changed under 账户).

Keyboard: each page puts the focus in its first field, Tab follows the fields as shown, Enter goes to the next
page; a refused value is said in red under its field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)
from sqlalchemy.orm import Session

from app import settings as S
from app.errors import DangjianError, FieldProblem
from app.paths import AppPaths
from app.services import accounts
from app.services.accounts import AccountService, Actor
from app.services.app_settings import SettingsService
from app.services.county_names import CountyNames, CountyNamesService, problems, suggested
from app.ui.colours import ERROR_COLOUR

if TYPE_CHECKING:
    from app.ui.context import AppContext

# The practice county's folder lies beside the real one and carries this file: the window says it is practice.
PRACTICE_MARK = "练习用示范县.txt"
PRACTICE_SUFFIX = "-练习用示范县"
PRACTICE_TITLE = "【练习用示范县，不是本县的正式数据】"
PRACTICE_SIZE = "small"

SessionFactory = Callable[[], Session]

EMPTY, IMPORT, PRACTICE = "empty", "import", "practice"


@dataclass(frozen=True)
class Started:
    """How the app goes on after the login or the wizard."""

    actor: Actor | None
    practice_dir: Path | None = None  # the wizard's 示范县: the app opens this folder instead
    roster: Path | None = None  # the wizard's 导入名册: imported (checked first) once the window shows


def practice_folder(paths: AppPaths) -> Path:
    return paths.data_dir.with_name(paths.data_dir.name + PRACTICE_SUFFIX)


def is_practice(paths: AppPaths) -> bool:
    return (paths.data_dir / PRACTICE_MARK).is_file()


class _Page(QWizardPage):
    """Fields in a form, each with a red line under it for what is wrong with it."""

    def __init__(self, title: str, intro: str) -> None:
        super().__init__()
        self.setTitle(title)
        self.col = QVBoxLayout(self)
        if intro:
            text = QLabel(intro)
            text.setWordWrap(True)
            self.col.addWidget(text)
        self.form = QFormLayout()
        self.col.addLayout(self.form)
        self.edits: dict[str, QLineEdit] = {}
        self.problems: dict[str, QLabel] = {}

    def field_row(self, name: str, label: str, text: str = "", secret: bool = False,
                  form: QFormLayout | None = None) -> QLineEdit:
        edit = QLineEdit(text)
        edit.setObjectName(name)
        if secret:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        problem = QLabel("")
        problem.setObjectName(f"{name}_problem")
        problem.setStyleSheet(f"color: {ERROR_COLOUR};")
        problem.setWordWrap(True)
        problem.hide()
        target = form or self.form
        target.addRow(label, edit)
        target.addRow("", problem)
        self.edits[name], self.problems[name] = edit, problem
        return edit

    def first_field(self) -> QWidget | None:
        return next(iter(self.edits.values()), None)

    def show_problems(self, found: list[FieldProblem]) -> bool:
        """Each problem under its field; the focus to the first field with one.  True when there is none."""
        for label in self.problems.values():
            label.clear()
            label.hide()
        first: QLineEdit | None = None
        for p in found:
            shown = self.problems.get(p.field)
            if shown is None:
                continue
            shown.setText("；".join(filter(None, (shown.text(), p.message))))
            shown.show()
            first = first or self.edits[p.field]
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
            first.selectAll()
        return not found


class NamesPage(_Page):
    """县名, 发文机关全称 and 代字, 印发机关, 经办人: the issuing body's names follow the county's name as it is
    typed, until the user edits them."""

    def __init__(self, current: CountyNames, practice: bool = False) -> None:
        super().__init__("本县名称与发文机关",
                         "这些名称印在通报、约谈通知书、反馈单等文件上。填写县名后，发文机关全称、代字和印发机关按通常写法"
                         "自动填好，与本县实际不同时请直接修改。")
        self.practice = practice
        county = "" if current.county == S.PLACEHOLDER_COUNTY and not practice else current.county
        self.county = self.field_row("county", "县名(&C)：", county)
        self.county.setPlaceholderText("如：青山县")
        self.issuer_name = self.field_row("issuer_name", "发文机关全称(&N)：", current.issuer_name if county else "")
        self.issuer_name.setPlaceholderText("如：中共青山县直属机关工作委员会")
        self.issuer_code = self.field_row("issuer_code", "发文机关代字(&D)：", current.issuer_code if county else "")
        self.issuer_code.setPlaceholderText("如：青直工委（发文字号为 青直工委〔2026〕1号）")
        self.printer = self.field_row("printer", "印发机关(&P)：", current.printer if county else "")
        self.printer.setPlaceholderText("如：中共青山县直属机关工作委员会办公室")
        self.officer = self.field_row("officer", "经办人姓名(&O)：", current.officer)
        self.officer.setPlaceholderText("使用本程序的党务干部")
        self.phone = self.field_row("phone", "联系电话(&T)：", current.phone)
        self.phone.setPlaceholderText("可不填；填写后与姓名一起印在约谈通知书和反馈单上")
        # A name the user typed is theirs: only the untouched ones follow the county's name.
        self.touched: set[str] = {n for n in ("issuer_name", "issuer_code", "printer") if county and
                                  getattr(current, n) != getattr(suggested(county), n)}
        for name in ("issuer_name", "issuer_code", "printer"):
            self.edits[name].textEdited.connect(lambda _text, n=name: self.touched.add(n))
        self.county.textChanged.connect(self._follow_county)
        self.issuer_name.textChanged.connect(self._follow_issuer)

    def _follow_county(self, county: str) -> None:
        names = suggested(county)
        if "issuer_name" not in self.touched:
            self.issuer_name.setText(names.issuer_name)
        if "issuer_code" not in self.touched:
            self.issuer_code.setText(names.issuer_code)

    def _follow_issuer(self, name: str) -> None:
        if "printer" not in self.touched:
            self.printer.setText(S.printer_for(name))

    def names(self) -> CountyNames:
        return CountyNames(self.county.text().strip(), self.issuer_name.text().strip(),
                           self.issuer_code.text().strip(), self.printer.text().strip(),
                           self.officer.text().strip(), self.phone.text().strip())

    def validatePage(self) -> bool:  # noqa: N802 (Qt's name)
        return self.show_problems(problems(self.names(), practice=self.practice))


class AccountPage(_Page):
    """The administrator account; the password rules stand above the fields, read before anything is typed."""

    def __init__(self, service: AccountService, minimum: int) -> None:
        super().__init__("管理员账户",
                         "管理员可以管理其他用户、重新开放已锁定的考评期、查看完整的身份证号。请牢记密码，"
                         "忘记后只能由其他管理员重设。")
        self.minimum = minimum
        self.rules = QLabel(accounts.password_rules(minimum) + "。")
        self.rules.setObjectName("rules")
        self.rules.setWordWrap(True)
        self.rules.setStyleSheet("color: #555555;")
        self.col.insertWidget(self.col.indexOf(self.form), self.rules)
        self.username = self.field_row("username", "用户名(&U)：", "admin")
        self.password = self.field_row("password", "密码(&P)：", secret=True)
        self.again = self.field_row("again", "再次输入密码(&A)：", secret=True)

    def initializePage(self) -> None:  # noqa: N802 (Qt's name)
        self.username.selectAll()

    def validatePage(self) -> bool:  # noqa: N802 (Qt's name)
        found: list[FieldProblem] = []
        name = self.username.text().strip().lower()
        if not name:
            found.append(FieldProblem("username", "请填写用户名"))
        elif len(name) > 40 or any(c.isspace() for c in name):
            found.append(FieldProblem("username", "用户名不能超过40个字符，也不能含空格"))
        weak = accounts.password_problem(self.password.text(), name, self.minimum)
        if weak is not None:
            found.append(FieldProblem("password", weak))
        elif self.password.text() != self.again.text():
            found.append(FieldProblem("again", "两次输入的密码不一致"))
        if found:
            self.again.clear()
        return self.show_problems(found)


class StartPage(_Page):
    """How to begin: empty, the office's Excel roster (the import checks it first), or the practice county."""

    def __init__(self, practice_dir: Path) -> None:
        super().__init__("开始使用", "请选择如何开始。以后随时可以在“党组织和党员”页导入名册。")
        self.choices = QButtonGroup(self)
        self.empty = QRadioButton("从空白开始：以后逐个录入或导入单位、党组织和党员(&E)")
        self.roster_choice = QRadioButton("现在导入本单位的 Excel 名册（先检查，确认后才导入）(&I)")
        self.practice = QRadioButton("先打开示范县练习（示范数据放在另一个文件夹，不会进入本县的数据）(&S)")
        for i, (button, key) in enumerate(((self.empty, EMPTY), (self.roster_choice, IMPORT),
                                           (self.practice, PRACTICE))):
            button.setObjectName(f"start_{key}")
            self.choices.addButton(button, i)
            self.col.insertWidget(self.col.indexOf(self.form), button)
        self.empty.setChecked(True)
        self.roster = self.field_row("roster", "名册文件(&F)：")
        self.roster.setPlaceholderText("选择或粘贴 .xlsx 文件的位置")
        self.browse = QPushButton("选择文件(&B)…")
        self.browse.setObjectName("browse")
        self.browse.clicked.connect(self._browse)
        self.form.addRow("", self.browse)
        self.where = QLabel(f"示范县的数据目录：{practice_dir}\n练习结束后关闭程序，再次启动即回到本县的数据。")
        self.where.setWordWrap(True)
        self.where.setStyleSheet("color: #555555;")
        self.col.addWidget(self.where)
        self.col.addStretch(1)
        self.done_problem = QLabel("")
        self.done_problem.setObjectName("finish_problem")
        self.done_problem.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.done_problem.setWordWrap(True)
        self.col.addWidget(self.done_problem)
        self.choices.idToggled.connect(lambda _i, _on: self._show_choice())
        self._show_choice()

    def first_field(self) -> QWidget | None:
        return self.choices.checkedButton()

    def choice(self) -> str:
        return (EMPTY, IMPORT, PRACTICE)[max(0, self.choices.checkedId())]

    def _show_choice(self) -> None:
        importing = self.choice() == IMPORT
        for w in (self.roster, self.browse):
            w.setEnabled(importing)
        self.where.setVisible(self.choice() == PRACTICE)

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "选择 Excel 名册", str(Path.home()), "Excel 文件 (*.xlsx)")
        if chosen:
            self.roster.setText(chosen)

    def roster_path(self) -> Path | None:
        return Path(self.roster.text().strip().strip('"')) if self.choice() == IMPORT else None

    def validatePage(self) -> bool:  # noqa: N802 (Qt's name)
        path = self.roster_path()
        if path is None:
            return self.show_problems([])
        if not self.roster.text().strip():
            return self.show_problems([FieldProblem("roster", "请选择要导入的 Excel 名册文件")])
        if path.suffix.lower() != ".xlsx" or not path.is_file():
            return self.show_problems([FieldProblem("roster", f"找不到 Excel 名册文件（.xlsx）：{path}")])
        return self.show_problems([])


class SetupWizard(QWizard):
    """First run (`paths` given, an empty database): names, account, how to begin; the work is done on 完成.
    Names only (reopened from 设置): the names page alone, saved on 完成."""

    def __init__(self, session_factory: SessionFactory, paths: AppPaths | None = None, parent: QWidget | None = None,
                 *, practice_size: str = PRACTICE_SIZE) -> None:
        super().__init__(parent)
        self.setObjectName("setup_wizard")
        self.names_service = CountyNamesService(session_factory)
        self.accounts_service = AccountService(session_factory)
        self.paths, self.practice_size = paths, practice_size
        self.first_run = paths is not None
        self.setWindowTitle("设置向导" if self.first_run else "本县名称与发文机关")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        for which, text in ((QWizard.WizardButton.BackButton, "< 上一步(&B)"),
                            (QWizard.WizardButton.NextButton, "下一步(&N) >"),
                            (QWizard.WizardButton.CommitButton, "确定(&O)"),
                            (QWizard.WizardButton.FinishButton, "完成(&F)"),
                            (QWizard.WizardButton.CancelButton, "取消"),
                            (QWizard.WizardButton.HelpButton, "帮助(&H)")):
            self.setButtonText(which, text)
        current = self.names_service.current()
        self.names_page = NamesPage(current, practice=is_practice(paths) if paths else False)
        self.addPage(self.names_page)
        self.account_page: AccountPage | None = None
        self.start_page: StartPage | None = None
        if paths is not None:
            minimum = int(SettingsService(session_factory).value(S.PASSWORD_MIN_LENGTH))
            self.account_page = AccountPage(self.accounts_service, minimum)
            self.start_page = StartPage(practice_folder(paths))
            self.addPage(self.account_page)
            self.addPage(self.start_page)
        self.started: Started | None = None
        self.setMinimumSize(640, 480)
        self.currentIdChanged.connect(lambda _id: QTimer.singleShot(0, self._focus_first))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        QTimer.singleShot(0, self._focus_first)

    def _focus_first(self) -> None:
        page = self.currentPage()
        first = page.first_field() if isinstance(page, _Page) else None
        if first is not None and first.isEnabled():
            first.setFocus(Qt.FocusReason.TabFocusReason)

    def validateCurrentPage(self) -> bool:  # noqa: N802 (Qt's name)
        if not super().validateCurrentPage():
            return False
        if self.nextId() != -1:
            return True
        try:
            self._finish()
        except DangjianError as exc:
            self._say_refusal(exc)
            return False
        return True

    def _say_refusal(self, exc: DangjianError) -> None:
        page = self.currentPage()
        found = getattr(exc, "problems", None) or [FieldProblem("", exc.message)]
        if isinstance(page, _Page) and any(p.field in page.problems for p in found):
            page.show_problems(found)
        elif self.start_page is not None and page is self.start_page:
            self.start_page.done_problem.setText(exc.message)
        else:
            QMessageBox.warning(self, self.windowTitle(), exc.message)

    def _finish(self) -> None:
        """The names saved; on first run the administrator created (and logged in) and the chosen start made."""
        names = self.names_service.save(self.names_page.names(), practice=self.names_page.practice)
        if not self.first_run:
            self.started = Started(accounts.current())
            return
        assert self.account_page is not None and self.start_page is not None
        actor = self.accounts_service.create_first_admin(self.account_page.username.text(), names.officer,
                                                         self.account_page.password.text())
        accounts.set_current(actor)
        choice = self.start_page.choice()
        practice = self._build_practice() if choice == PRACTICE else None
        self.started = Started(actor, practice, self.start_page.roster_path())

    def _build_practice(self) -> Path:
        assert self.paths is not None
        folder = practice_folder(self.paths)
        build_practice_county(AppPaths(folder).ensure(), self.practice_size, self._progress())
        return folder

    def _progress(self) -> Callable[[int, int, str], None]:
        dialog = QProgressDialog("正在生成示范县……", "", 0, 1, self)
        dialog.setWindowTitle("示范县")
        dialog.setCancelButton(None)  # type: ignore[arg-type]
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)

        def report(done: int, total: int, text: str) -> None:
            dialog.setMaximum(max(total, 1))
            dialog.setValue(min(done, max(total, 1)))
            dialog.setLabelText(text)
            QCoreApplication.processEvents()
            if done >= total:
                dialog.close()

        return report


def build_practice_county(paths: AppPaths, size: str, progress: Callable[[int, int, str], None] | None = None) -> None:
    """The demo county in its own folder (kept when it is there already), marked as practice."""
    from app.demo.county import build_demo, database_is_empty
    from app.services.opening import open_database

    db = open_database(paths.db_path, backup_dir=paths.backup_dir)
    try:
        if database_is_empty(db):
            build_demo(db, size, progress=progress)
    finally:
        db.close()
    (paths.data_dir / PRACTICE_MARK).write_text(
        "这个数据目录是设置向导生成的练习用示范县，其中的单位、党组织和党员都是虚构的，只供练习使用。\n"
        "本县的正式数据在另一个数据目录中，不受这里的任何操作影响。\n", encoding="utf-8")


def run_first_start(session_factory: SessionFactory, paths: AppPaths, parent: QWidget | None = None
                    ) -> Started | None:
    wizard = SetupWizard(session_factory, paths, parent)
    if wizard.exec() != QWizard.DialogCode.Accepted.value or wizard.started is None:
        return None
    return wizard.started


def edit_names(session_factory: SessionFactory, parent: QWidget | None = None) -> bool:
    """The wizard's names page, reopened from 设置; True when the names were saved."""
    wizard = SetupWizard(session_factory, parent=parent)
    return bool(wizard.exec() == QWizard.DialogCode.Accepted.value and wizard.started is not None)


def after_start(window: QMainWindow, ctx: AppContext, started: Started) -> None:
    """Once the window shows: the practice county says so (title and status bar, in red).  (The roster chosen in
    the wizard is handed to the import by app/ui/application.py: the import's dialogs sit above this module.)"""
    if is_practice(ctx.paths):
        mark = QLabel(PRACTICE_TITLE)
        mark.setObjectName("practice_county")
        mark.setStyleSheet(f"color: {ERROR_COLOUR}; font-weight: bold;")
        window.statusBar().addPermanentWidget(mark)

        def keep_mark(title: str) -> None:
            if not title.endswith(PRACTICE_TITLE):
                window.setWindowTitle(title + PRACTICE_TITLE)

        window.windowTitleChanged.connect(keep_mark)
        keep_mark(window.windowTitle())
        ctx.status.emit("这是练习用的示范县：数据都是虚构的，关闭程序后再次启动即回到本县的正式数据")
