"""文件 → 导入/导出 Excel and 下载导入模板, over app.services.excel_io, with the task helper.

An import is checked first (a dry run): the report lists every problem as row, column and reason; only a clean
report offers 导入, and only then is anything written.  excel_io (and openpyxl) is imported when first used, not
at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import ImportReport, ValidationError
from app.ui import tasks
from app.ui.context import AppContext
from app.ui.forms import ERROR_COLOUR
from app.ui.itemmodels import RowsTableModel
from app.ui.keyboard import follow_layout

XLSX_FILTER = "Excel 工作簿 (*.xlsx)"


def _excel_io() -> Any:
    from app.services import excel_io

    return excel_io


def _ask_save(parent: QWidget | None, title: str, name: str) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(parent, title, str(Path.home() / name), XLSX_FILTER)
    if not path:
        return None
    p = Path(path)
    return p if p.suffix.lower() == ".xlsx" else p.with_suffix(".xlsx")


def download_template(ctx: AppContext, parent: QWidget | None, path: Path | None = None) -> tasks.Task | None:
    path = path or _ask_save(parent, "保存导入模板", "党组织和党员信息导入模板.xlsx")
    if path is None:
        return None
    target = path

    def done(_result: object) -> None:
        ctx.status.emit(f"已保存导入模板：{target}")
        QMessageBox.information(parent, "下载导入模板", f"导入模板已保存到：\n{target}\n\n按模板填写后，用“导入 Excel”导入。")

    return tasks.run_with_progress(parent, "正在生成导入模板……",
                                   lambda _p, _c: _excel_io().write_template(target), on_success=done,
                                   cancellable=False)


def export_register(ctx: AppContext, parent: QWidget | None, path: Path | None = None) -> tasks.Task | None:
    path = path or _ask_save(parent, "导出到 Excel", f"{ctx.county_name()}县直机关党组织和党员名册_{ctx.today():%Y%m%d}.xlsx")
    if path is None:
        return None
    from app.ui.accounts.privacy import ask_full_export

    reveal = ask_full_export(parent)  # administrators only, and only when they choose it for this export
    target, sf = path, ctx.session_factory

    def done(count: object) -> None:
        ctx.status.emit(f"已导出 {count} 条记录")
        QMessageBox.information(parent, "导出到 Excel", f"已导出 {count} 条记录到：\n{target}")

    return tasks.run_with_progress(
        parent, "正在导出……",
        lambda p, c: _excel_io().export_register(sf, target, progress=p, cancelled=c, reveal=reveal),
        on_success=done, on_cancel=lambda: ctx.status.emit("已取消导出，没有写入文件"),
    )


class ImportReportDialog(QDialog):
    """The result of checking an import: every problem (row, column, reason), or the counts and 导入."""

    def __init__(self, report: ImportReport, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("导入检查结果")
        col = QVBoxLayout(self)
        col.addWidget(QLabel(f"文件：{path.name}"))
        self.summary = QLabel()
        self.summary.setObjectName("import_summary")
        self.summary.setWordWrap(True)
        col.addWidget(self.summary)
        # Rows skipped as the table's footer, columns not imported, names read otherwise: said before 导入.
        self.notes = QPlainTextEdit("\n".join(report.notes))
        self.notes.setObjectName("import_notes")
        self.notes.setReadOnly(True)
        self.notes.setMaximumHeight(self.notes.fontMetrics().lineSpacing() * 7 + 12)
        self.notes.setVisible(bool(report.notes))
        col.addWidget(self.notes)
        rows = [(p.row if p.row is not None else "", p.column or "", p.message) for p in report.problems]
        self.model = RowsTableModel(["行", "列", "问题"], rows, parent=self)
        self.view = QTableView()
        self.view.setObjectName("import_problems")
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        col.addWidget(self.view, 1)
        self.buttons = QDialogButtonBox()
        if report.ok:
            self.summary.setText(
                f"检查通过，没有发现问题。导入后将新增 {report.created} 条、更新 {report.updated} 条，"
                f"{report.unchanged} 条与现有数据相同不变。\n确认导入吗？")
            self.view.hide()
            self.buttons.addButton("导入(&I)", QDialogButtonBox.ButtonRole.AcceptRole)
            self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
            self.resize(640, 320 if report.notes else 160)
        else:
            self.summary.setText(f"发现 {len(report.problems)} 个问题，没有导入任何数据。请按下表修改文件后重新导入。")
            self.summary.setStyleSheet(f"color: {ERROR_COLOUR};")
            self.buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
            self.resize(720, 480)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        col.addWidget(self.buttons)
        follow_layout(self)


def import_register(ctx: AppContext, parent: QWidget | None, path: Path | None = None) -> tasks.Task | None:
    """Check the file (dry run), show the report, and import only if it is clean and the user confirms."""
    if path is None:
        chosen, _ = QFileDialog.getOpenFileName(parent, "导入 Excel", str(Path.home()), XLSX_FILTER)
        if not chosen:
            return None
        path = Path(chosen)
    source, sf = path, ctx.session_factory

    def apply() -> None:
        tasks.run_with_progress(
            parent, "正在导入……",
            lambda p, c: _excel_io().import_register(sf, source, dry_run=False, progress=p, cancelled=c),
            on_success=imported, on_cancel=lambda: ctx.status.emit("已取消导入，没有导入任何数据"),
        )

    def checked(report: ImportReport) -> None:
        dialog = ImportReportDialog(report, source, parent)
        if dialog.exec() and report.ok:
            apply()

    def imported(report: ImportReport) -> None:
        if not report.ok:
            ImportReportDialog(report, source, parent).exec()
            return
        if not report.applied:
            QMessageBox.warning(parent, "导入 Excel", "没有导入任何数据。")
            return
        ctx.changed.emit("register")
        ctx.status.emit(f"导入完成：新增 {report.created} 条，更新 {report.updated} 条")
        QMessageBox.information(parent, "导入 Excel", f"导入完成：新增 {report.created} 条，更新 {report.updated} 条，"
                                                      f"{report.unchanged} 条不变。")

    def check_failed(exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            checked(ImportReport(problems=exc.problems))
        else:
            from app.ui.errors import show_error

            show_error(parent, exc, "无法导入")

    return tasks.run_with_progress(
        parent, "正在检查导入文件……",
        lambda p, c: _excel_io().import_register(sf, source, dry_run=True, progress=p, cancelled=c),
        on_success=checked, on_failure=check_failed,
    )
