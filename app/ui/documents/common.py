"""What the document pages share: the output folder, and what can be done with a written file (open it in
the system's Word/WPS, print it, export it to PDF), plus a small note dialog.

Printing shows the pages first and prints through Qt (app/ui/printing.py); PDF export runs LibreOffice, which takes
seconds: both run as tasks off the GUI thread.  Opening goes through QDesktopServices, which returns at once."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import settings as S
from app.errors import DangjianError
from app.services import office
from app.ui import printing, tasks
from app.ui.context import AppContext
from app.ui.errors import show_error
from app.ui.forms import ERROR_COLOUR
from app.ui.keyboard import follow_layout

OVERDUE_COLOUR = ERROR_COLOUR


def output_folder(ctx: AppContext) -> Path:
    """The folder documents are written to: the setting, else the data directory's output folder."""
    chosen = str(ctx.setting(S.OUTPUT_DIR)).strip()
    return Path(chosen) if chosen else ctx.paths.output_dir


def open_path(path: Path) -> bool:
    """Open a file in the program the system uses for it (Word/WPS for .docx), or a folder in the file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class OutputFolderBar(QWidget):
    """保存到：[folder] [更改…] [打开文件夹] — the choice is kept in the settings."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("保存到："))
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("output_folder")
        self.path_edit.setReadOnly(True)
        row.addWidget(self.path_edit, 1)
        change = QPushButton("更改文件夹…")
        change.clicked.connect(self.choose)
        row.addWidget(change)
        show = QPushButton("打开文件夹")
        show.clicked.connect(lambda: open_path(self.folder()))
        row.addWidget(show)
        self.refresh()

    def folder(self) -> Path:
        return output_folder(self.ctx)

    def refresh(self) -> None:
        self.path_edit.setText(str(self.folder()))

    def choose(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "选择保存文档的文件夹", str(self.folder()))
        if chosen:
            self.set_folder(Path(chosen))

    def set_folder(self, folder: Path) -> None:
        self.ctx.settings.save({S.OUTPUT_DIR.key: str(folder)})
        self.ctx.changed.emit("settings")
        self.refresh()


def print_file(ctx: AppContext, parent: QWidget | None, path: Path) -> tasks.Task | None:
    """Print a written document: its pages in a preview first, then the printer, copies and duplex."""
    return printing.print_files(ctx, parent, [path])


def export_pdf(ctx: AppContext, parent: QWidget | None, path: Path, *, open_after: bool = True) -> tasks.Task | None:
    """Convert a written document to PDF beside it, with progress; says clearly when nothing here can."""
    if not office.pdf_available():
        QMessageBox.information(parent, "导出 PDF", office.no_pdf_message())
        return None

    def done(pdf: object) -> None:
        ctx.status.emit(f"已导出 PDF：{pdf}")
        if open_after and isinstance(pdf, Path):
            open_path(pdf)

    return tasks.run_with_progress(parent, f"正在将“{path.name}”导出为 PDF……", lambda _p, _c: office.export_pdf(path),
                                   on_success=done, cancellable=False)


def open_file(ctx: AppContext, parent: QWidget | None, path: Path) -> None:
    if not path.exists():
        show_error(parent, DangjianError(f"文件不存在：{path}"))
        return
    if not open_path(path):
        QMessageBox.information(parent, "打开文档", f"系统没有能打开该文件的程序（如 Word 或 WPS）。文件位于：\n{path}")
        return
    ctx.status.emit(f"已打开：{path.name}")


class NoteDialog(QDialog):
    """Asks for one text (a reason, a 销号说明 …); 确定 stays disabled while it is required and empty."""

    def __init__(self, title: str, prompt: str, parent: QWidget | None = None, *, required: bool = True,
                 text: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        col = QVBoxLayout(self)
        label = QLabel(prompt)
        label.setWordWrap(True)
        col.addWidget(label)
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("note_edit")
        self.edit.setPlainText(text)
        col.addWidget(self.edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        col.addWidget(self.buttons)
        self._required = required
        self.edit.textChanged.connect(self._update)
        self._update()
        follow_layout(self)
        self.resize(420, 220)

    def _update(self) -> None:
        ok = not self._required or bool(self.text())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def text(self) -> str:
        return self.edit.toPlainText().strip()


def ask_note(parent: QWidget | None, title: str, prompt: str, *, required: bool = True, text: str = "") -> str | None:
    """The text entered, or None when cancelled (tests replace this function)."""
    dialog = NoteDialog(title, prompt, parent, required=required, text=text)
    return dialog.text() if dialog.exec() == QDialog.DialogCode.Accepted else None
