"""Printing as an office prints: the pages first, then the printer, the copies and duplex, then one print job.

1. No printer installed → say so before anything else and offer 另存为 PDF (to print elsewhere) or 打开 in Word/WPS.
2. The documents become PDFs through the converter this workstation has (office.pdf_converter: Word/WPS on
   Windows, LibreOffice); with none, say so and offer 打开.
3. The PDFs' pages are rendered with pdfium (pypdfium2) off the GUI thread, with progress, into a preview dialog.
4. 打印… opens Qt's print dialog (printer, copies, duplex, page range); the pages are rendered again at the
   printer's resolution and painted on the QPrinter, off the GUI thread too (Qt allows painting on a QPrinter
   from another thread).  Every document of a batch goes into the same job: 40 反馈单 are one job, not 40.

pdfium is not thread-safe: all use of it goes through one lock."""

from __future__ import annotations

import io
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from PySide6.QtCore import QRect, QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QIcon, QImage, QPageLayout, QPainter, QPixmap
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import DangjianError
from app.reports.output import write_atomic
from app.services import office
from app.ui import tasks
from app.ui.context import AppContext
from app.ui.keyboard import follow_layout

PREVIEW_DPI = 60  # enough to see each page's layout; 80 pages stay under 100 MB
PRINT_DPI = 300  # the most a page is rendered at for the printer (a laser printer's usual resolution)
ZOOMS = (("小", 0.5), ("中", 0.75), ("大", 1.0))  # 大 is the rendered size: an icon is never blown up

NO_PRINTER = "这台电脑上没有安装打印机，无法打印{what}。"
NO_PRINTER_HINT = "可以另存为 PDF，拿到有打印机的电脑上打印；或者在 Word/WPS 中打开文档。"
SAVE_PDF, OPEN_DOCUMENT = "另存为 PDF…", "在 Word/WPS 中打开"

_pdfium_lock = threading.Lock()


@dataclass
class PrintDocument:
    """One document of a print job: its name, the PDF made from it and its number of pages."""

    name: str
    pdf: Path
    pages: int
    landscape: bool = False  # its first page is wider than tall (the 整改台账)


@dataclass
class PrintBatch:
    """What the preview shows and the job prints: the documents in order, their pages rendered small, and the
    temporary folder holding the PDFs (removed when the preview closes)."""

    title: str
    documents: list[PrintDocument]
    previews: list[QImage] = field(default_factory=list)
    folder: Path | None = None

    @property
    def pages(self) -> int:
        return sum(d.pages for d in self.documents)

    def cleanup(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def printers_available() -> bool:
    """Whether the system knows any printer (a default one, or any installed)."""
    return bool(QPrinterInfo.availablePrinterNames()) or not QPrinterInfo.defaultPrinter().isNull()


def _what(paths: Sequence[Path]) -> str:
    return f"“{paths[0].name}”" if len(paths) == 1 else f"这{len(paths)}份文档"


# --- rendering (worker threads) -----------------------------------------------------------------------------


@contextmanager
def _opened(pdf: Path) -> Iterator[Any]:
    document = pdfium.PdfDocument(str(pdf))
    try:
        yield document
    finally:
        document.close()


def render_page(page: Any, dpi: float) -> QImage:
    """One PDF page as an RGB image at `dpi` (a copy that owns its pixels: pdfium's bitmap is freed after)."""
    bitmap = page.render(scale=dpi / 72, rev_byteorder=True, force_bitmap_format=pdfium.raw.FPDFBitmap_BGR)
    try:
        data = bytes(bitmap.buffer)
        return QImage(data, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGB888).copy()
    finally:
        bitmap.close()


def prepare(paths: Sequence[Path], converter: office.PdfConverter, title: str, progress: tasks.Progress,
            cancelled: tasks.Cancelled) -> PrintBatch:
    """Convert the documents to PDF in one run of the converter and render every page for the preview."""
    for path in paths:
        if not path.is_file():
            raise DangjianError(f"文件不存在：{path}")
    folder = Path(tempfile.mkdtemp(prefix="dangjian-print-"))
    batch = PrintBatch(title, [], folder=folder)
    try:
        progress(0, 0, f"正在用 {converter.name} 把{_what(paths)}转换为 PDF……")
        pdfs = converter.convert([(p, folder / f"{i:03d}.pdf") for i, p in enumerate(paths)])
        with _pdfium_lock:
            for path, pdf in zip(paths, pdfs, strict=True):
                with _opened(pdf) as document:
                    width, height = document[0].get_size() if len(document) else (0, 0)
                    batch.documents.append(PrintDocument(path.name, pdf, len(document), width > height))
            total = batch.pages
            for doc in batch.documents:
                with _opened(doc.pdf) as document:
                    for index in range(len(document)):
                        if cancelled():
                            raise tasks.TaskCancelled()
                        progress(len(batch.previews), total, f"正在生成预览：第 {len(batch.previews) + 1}/{total} 页")
                        page = document[index]
                        try:
                            batch.previews.append(render_page(page, PREVIEW_DPI))
                        finally:
                            page.close()
        return batch
    except BaseException:
        batch.cleanup()
        raise


def page_sequence(pages: Sequence[int], *, duplex: bool, copies: int, collate: bool = True,
                  first: int = 0, last: int = 0) -> list[tuple[int, int] | None]:
    """The sheets' sides in print order, as (document, page) with None for a blank side.  Pages are numbered
    over the whole job from 1 as the preview shows them; `first`..`last` (0 = all) picks a range.  Printing
    double-sided, each document starts on a fresh sheet (a blank back after an odd page count), so one unit's
    反馈单 never lands on the back of another's.  `copies` are the copies the app makes itself (the driver
    could not); double-sided they are always collated (a sheet's back must follow its front)."""
    one: list[tuple[int, int] | None] = []
    number = 0
    for d, count in enumerate(pages):
        for p in range(count):
            number += 1
            if (not first or number >= first) and (not last or number <= last):
                one.append((d, p))
        whole = not first and not last
        if duplex and whole and count % 2 and (d + 1 < len(pages) or copies > 1):
            one.append(None)
    if collate or duplex:
        return one * max(copies, 1)
    return [side for side in one for _ in range(max(copies, 1))]


def print_batch(printer: QPrinter, batch: PrintBatch, progress: tasks.Progress, cancelled: tasks.Cancelled) -> int:
    """Paint the batch on the printer as one job; returns the number of sides sent."""
    own_copies = 1 if printer.supportsMultipleCopies() else printer.copyCount()
    duplex = printer.duplex() != QPrinter.DuplexMode.DuplexNone
    ranged = printer.printRange() == QAbstractPrintDialog.PrintRange.PageRange
    sides = page_sequence([d.pages for d in batch.documents], duplex=duplex, copies=own_copies,
                          collate=printer.collateCopies(), first=printer.fromPage() if ranged else 0,
                          last=printer.toPage() if ranged else 0)
    dpi = min(printer.resolution(), PRINT_DPI)
    painter = QPainter()
    if not painter.begin(printer):
        raise DangjianError(f"无法开始打印：打印机“{printer.printerName()}”不可用，请检查打印机是否开启、是否联网。")
    try:
        with _pdfium_lock:
            opened = [pdfium.PdfDocument(str(d.pdf)) for d in batch.documents]
            try:
                for i, side in enumerate(sides):
                    if cancelled():
                        printer.abort()
                        raise tasks.TaskCancelled()
                    progress(i, len(sides), f"正在发送到打印机：第 {i + 1}/{len(sides)} 面")
                    if i:
                        printer.newPage()
                    if side is not None:
                        page = opened[side[0]][side[1]]
                        try:
                            image = render_page(page, dpi)
                        finally:
                            page.close()  # one page's pixels at a time, however long the job
                        painter.drawImage(_fit(image.size(), QRect(0, 0, printer.width(), printer.height())), image)
            finally:
                for document in opened:
                    document.close()
    finally:
        painter.end()
    return len(sides)


def _fit(size: QSize, area: QRect) -> QRect:
    """`size` scaled to fit `area`, centred (a page on paper of another shape keeps its proportions)."""
    scaled = size.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
    x = area.x() + (area.width() - scaled.width()) // 2
    y = area.y() + (area.height() - scaled.height()) // 2
    return QRect(x, y, scaled.width(), scaled.height())


def save_pdf(batch_or_paths: PrintBatch | tuple[Sequence[Path], office.PdfConverter], target: Path,
             progress: tasks.Progress, cancelled: tasks.Cancelled) -> Path:
    """All the documents as one PDF at `target` (written whole, then moved into place)."""
    if isinstance(batch_or_paths, PrintBatch):
        pdfs = [d.pdf for d in batch_or_paths.documents]
        return _combine(pdfs, target)
    paths, converter = batch_or_paths
    with tempfile.TemporaryDirectory(prefix="dangjian-pdf-") as tmp:
        progress(0, 0, f"正在用 {converter.name} 把{_what(paths)}转换为 PDF……")
        made = converter.convert([(p, Path(tmp) / f"{i:03d}.pdf") for i, p in enumerate(paths)])
        return _combine(made, target)


def _combine(pdfs: Sequence[Path], target: Path) -> Path:
    with _pdfium_lock:
        combined = pdfium.PdfDocument.new()
        try:
            for pdf in pdfs:
                with _opened(pdf) as document:
                    combined.import_pages(document)
            buffer = io.BytesIO()
            combined.save(buffer)
        finally:
            combined.close()
    return write_atomic(target, buffer.getvalue())


# --- the dialogs (GUI thread) -------------------------------------------------------------------------------


def choose_printer(parent: QWidget | None, batch: PrintBatch) -> QPrinter | None:
    """Qt's print dialog: the printer, copies, duplex and a page range; None when the user cancels."""
    info = QPrinterInfo.defaultPrinter()
    if info.isNull():  # printers installed but none is the default: start on the first
        info = next(iter(QPrinterInfo.availablePrinters()), info)
    printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
    printer.setDocName(batch.title)
    printer.setFullPage(True)  # the PDF pages carry their own margins
    if batch.documents and batch.documents[0].landscape:
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(f"打印：{batch.title}")
    dialog.setMinMax(1, batch.pages)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintCollateCopies, True)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
    return printer if dialog.exec() == QDialog.DialogCode.Accepted else None


def _job_summary(printer: QPrinter, batch: PrintBatch) -> str:
    copies = f"，{printer.copyCount()}份" if printer.copyCount() > 1 else ""
    duplex = "，双面" if printer.duplex() != QPrinter.DuplexMode.DuplexNone else ""
    docs = f"{len(batch.documents)}份文档" if len(batch.documents) > 1 else f"“{batch.documents[0].name}”"
    where = printer.outputFileName() or printer.printerName()
    return f"已将{docs}（共{batch.pages}页{copies}{duplex}）作为一个打印任务发送到“{where}”"


class PrintPreviewDialog(QDialog):
    """The pages as they will print; 打印… chooses printer, copies and duplex; 另存为 PDF… keeps them as one PDF."""

    def __init__(self, ctx: AppContext, batch: PrintBatch, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.batch = ctx, batch
        self.setObjectName("print_preview")
        self.setWindowTitle(f"打印预览：{batch.title}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        docs = f"，{len(batch.documents)}份文档，打印为一个任务" if len(batch.documents) > 1 else ""
        self.summary = QLabel(f"共 {batch.pages} 页{docs}。看过页面后点“打印…”选择打印机、份数和双面打印。")
        self.summary.setWordWrap(True)
        self.pages = QListWidget()
        self.pages.setObjectName("preview_pages")
        self.pages.setViewMode(QListView.ViewMode.IconMode)
        self.pages.setResizeMode(QListView.ResizeMode.Adjust)
        self.pages.setMovement(QListView.Movement.Static)
        self.pages.setSpacing(8)
        # White pages on grey, as a print preview looks everywhere: a page's edge is where the paper ends.
        self.pages.setStyleSheet("QListWidget#preview_pages { background: #9a9a9a; }")
        self._fill_pages()
        self.zoom = QComboBox()
        self.zoom.setObjectName("preview_zoom")
        for label, factor in ZOOMS:
            self.zoom.addItem(label, factor)
        self.zoom.setCurrentIndex(1)
        self.zoom.currentIndexChanged.connect(lambda _i: self._apply_zoom())
        self._apply_zoom()
        self.print_button = QPushButton("打印(&P)…")
        self.print_button.setObjectName("preview_print")
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.print_pages)
        self.pdf_button = QPushButton("另存为 PDF(&S)…")
        self.pdf_button.setObjectName("preview_pdf")
        self.pdf_button.clicked.connect(self.save_as_pdf)
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("缩放："))
        buttons.addWidget(self.zoom)
        buttons.addStretch()
        for b in (self.print_button, self.pdf_button, close):
            buttons.addWidget(b)
        col = QVBoxLayout(self)
        col.addWidget(self.summary)
        col.addWidget(self.pages, 1)
        col.addLayout(buttons)
        self.finished.connect(lambda _r: batch.cleanup())
        self.resize(1000, 720)
        follow_layout(self, first=self.print_button)  # Tab in the order shown; Enter prints

    def _fill_pages(self) -> None:
        number = 0
        images = iter(self.batch.previews)
        for doc in self.batch.documents:
            for p in range(doc.pages):
                number += 1
                item = QListWidgetItem(QIcon(QPixmap.fromImage(next(images))), f"第 {number} 页")
                item.setToolTip(f"{doc.name}：第 {p + 1}/{doc.pages} 页")
                item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
                self.pages.addItem(item)
        self.batch.previews.clear()  # the icons hold the pictures now

    def _apply_zoom(self) -> None:
        factor = float(self.zoom.currentData())
        # A4 at the preview resolution, scaled: 372×526 at 中, two pages side by side.
        self.pages.setIconSize(QSize(int(8.27 * PREVIEW_DPI * factor), int(11.69 * PREVIEW_DPI * factor)))

    def page_count(self) -> int:
        return self.pages.count()

    def print_pages(self) -> tasks.Task | None:
        printer = choose_printer(self, self.batch)
        if printer is None:
            return None
        batch = self.batch

        def done(_sides: object) -> None:
            self.ctx.status.emit(_job_summary(printer, batch))
            self.accept()

        return tasks.run_with_progress(self, "正在发送到打印机……", lambda p, c: print_batch(printer, batch, p, c),
                                       on_success=done,
                                       on_cancel=lambda: self.ctx.status.emit("已取消打印"))

    def save_as_pdf(self) -> tasks.Task | None:
        return ask_save_pdf(self.ctx, self, self.batch.title, self.batch)


def ask_save_pdf(ctx: AppContext, parent: QWidget | None, title: str,
                 source: PrintBatch | tuple[Sequence[Path], office.PdfConverter]) -> tasks.Task | None:
    """Ask where, then write all the documents as one PDF there (off the GUI thread)."""
    start = _default_pdf(source)
    chosen, _ = QFileDialog.getSaveFileName(parent, "另存为 PDF", str(start), "PDF 文件 (*.pdf)")
    if not chosen:
        return None
    target = Path(chosen) if chosen.lower().endswith(".pdf") else Path(chosen + ".pdf")
    return tasks.run_with_progress(parent, "正在保存 PDF……", lambda p, c: save_pdf(source, target, p, c),
                                   on_success=lambda path: ctx.status.emit(f"已另存为 PDF：{path}"),
                                   cancellable=False)


def _default_pdf(source: PrintBatch | tuple[Sequence[Path], office.PdfConverter]) -> Path:
    if isinstance(source, PrintBatch):
        return Path.home() / f"{source.title}.pdf"
    paths = source[0]
    return paths[0].with_suffix(".pdf") if len(paths) == 1 else paths[0].parent / f"{paths[0].parent.name}.pdf"


def ask(parent: QWidget | None, title: str, text: str, choices: Sequence[str]) -> str | None:
    """A question box with the given buttons (and 取消); the chosen button's text, or None."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName("print_question")
    box.button(QMessageBox.StandardButton.Cancel).setText("取消")
    buttons = {box.addButton(c, QMessageBox.ButtonRole.AcceptRole): c for c in choices}
    box.exec()
    return buttons.get(box.clickedButton())  # type: ignore[call-overload]


def open_documents(ctx: AppContext, parent: QWidget | None, paths: Sequence[Path]) -> None:
    """One document opens in Word/WPS; several open their folder (forty Word windows help nobody)."""
    target = paths[0] if len(paths) == 1 else paths[0].parent
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(target))):
        ctx.status.emit(f"已打开：{target.name}")
    else:
        QMessageBox.information(parent, "打开文档", f"系统没有能打开该文件的程序（如 Word 或 WPS）。文件位于：\n{target}")


def print_files(ctx: AppContext, parent: QWidget | None, paths: Sequence[Path], *, title: str = "",
                converter: Callable[[], office.PdfConverter | None] | None = None) -> tasks.Task | None:
    """Show the documents' pages, then print them as one job.  Without a printer or a converter, says so and
    offers what can be done instead; never says it printed when it did not."""
    paths = list(paths)
    if not paths:
        return None
    title = title or paths[0].stem
    found = (converter or office.pdf_converter)()
    if not printers_available():
        choices = ([SAVE_PDF] if found is not None else []) + [OPEN_DOCUMENT]
        picked = ask(parent, "没有打印机", NO_PRINTER.format(what=_what(paths)) + "\n\n" + NO_PRINTER_HINT, choices)
        ctx.status.emit("未打印：这台电脑上没有安装打印机")
        if picked == SAVE_PDF and found is not None:
            return ask_save_pdf(ctx, parent, title, (paths, found))
        if picked == OPEN_DOCUMENT:
            open_documents(ctx, parent, paths)
        return None
    if found is None:
        if ask(parent, "无法预览打印", office.NO_CONVERTER, [OPEN_DOCUMENT]) == OPEN_DOCUMENT:
            open_documents(ctx, parent, paths)
        return None

    def show(batch: PrintBatch) -> None:
        PrintPreviewDialog(ctx, batch, parent).open()

    return tasks.run_with_progress(parent, f"正在准备打印预览（{_what(paths)}）……",
                                   lambda p, c: prepare(paths, found, title, p, c), on_success=show)
