"""Printing like an office prints (issue 15 part 6): the pages in a preview first, the printer, copies and duplex
chosen in Qt's print dialog, a batch as one job; no printer or no converter said plainly; the converter this
workstation has (Word/WPS on Windows, LibreOffice)."""

from __future__ import annotations

import shutil
import sys
import types
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QDesktopServices, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

from app.errors import ReportError
from app.reports.gongwen import GongwenDocument
from app.services import office
from app.ui import printing, tasks

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")  # offscreen dialogs

class FakeContext(QObject):
    """What printing uses of the AppContext: the status bar."""

    status = Signal(str)


@pytest.fixture
def ctx():
    c = FakeContext()
    c.seen = []
    c.status.connect(c.seen.append)
    return c


@pytest.fixture
def parent(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    w.show()
    return w


@pytest.fixture
def synchronous_tasks():
    with tasks.synchronous():
        yield


@pytest.fixture
def opened(monkeypatch) -> list[Path]:
    seen: list[Path] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: seen.append(Path(url.toLocalFile())) or True)
    return seen


def make_pdf(target: Path, pages: int, label: str = "", *, landscape: bool = False) -> Path:
    """A small A4 PDF with `pages` pages, each saying which page it is."""
    writer = QPdfWriter(str(target))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    if landscape:
        writer.setPageOrientation(QPageLayout.Orientation.Landscape)
    painter = QPainter(writer)
    for i in range(pages):
        if i:
            writer.newPage()
        painter.drawText(200, 200, f"{label} 第{i + 1}页")
    painter.end()
    return target


def pdf_pages(path: Path) -> int:
    document = pdfium.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def documents(folder: Path, pages: list[int]) -> tuple[list[Path], dict[str, int]]:
    """Word documents (their content does not matter: the fake converter knows their page counts)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths, counts = [], {}
    for i, n in enumerate(pages):
        path = folder / f"反馈单{i + 1:02d}.docx"
        path.write_bytes(b"PK fake")
        paths.append(path)
        counts[path.name] = n
    return paths, counts


def fake_converter(counts: dict[str, int], calls: list | None = None) -> office.PdfConverter:
    def convert(pairs):
        if calls is not None:
            calls.append([src.name for src, _ in pairs])
        return [make_pdf(dest, counts[src.name], src.stem) for src, dest in pairs]

    return office.PdfConverter("测试转换器", convert)


def answer_box(qtbot, button_text: str, seen: list[str]) -> None:
    """When the next message box shows, note its text and press the button with `button_text`."""

    def press():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, press)
            return
        seen.append(box.text())
        for b in box.buttons():
            if b.text() == button_text:
                qtbot.mouseClick(b, Qt.MouseButton.LeftButton)
                return
        box.reject()

    QTimer.singleShot(0, press)


def preview_of(parent) -> printing.PrintPreviewDialog:
    dialogs = [d for d in parent.findChildren(printing.PrintPreviewDialog) if d.isVisible()]
    assert len(dialogs) == 1
    return dialogs[0]


# --- no printer -------------------------------------------------------------------------------------------


def test_offscreen_has_no_printer_and_says_so_before_anything(qtbot, ctx, parent, tmp_path, opened, monkeypatch):
    assert not printing.printers_available()  # the offscreen platform knows no printer
    paths, counts = documents(tmp_path / "docs", [2])
    calls: list = []
    seen: list[str] = []
    answer_box(qtbot, "取消", seen)
    task = printing.print_files(ctx, parent, paths, converter=lambda: fake_converter(counts, calls))
    assert task is None and calls == [] and opened == []
    assert seen and "这台电脑上没有安装打印机，无法打印“反馈单01.docx”" in seen[0]
    assert "另存为 PDF" in seen[0] and "Word/WPS" in seen[0]
    assert ctx.seen == ["未打印：这台电脑上没有安装打印机"]
    assert not any("已将" in s or "发送到" in s for s in ctx.seen)
    assert not parent.findChildren(printing.PrintPreviewDialog)


def test_without_a_printer_the_documents_can_be_saved_as_one_pdf(qtbot, ctx, parent, tmp_path, synchronous_tasks,
                                                                 monkeypatch):
    paths, counts = documents(tmp_path / "docs", [2, 1, 3])
    target = tmp_path / "out" / "全部反馈单"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PDF 文件 (*.pdf)"))
    seen: list[str] = []
    answer_box(qtbot, printing.SAVE_PDF, seen)
    printing.print_files(ctx, parent, paths, converter=lambda: fake_converter(counts))
    assert "这3份文档" in seen[0]
    saved = target.with_suffix(".pdf")
    assert pdf_pages(saved) == 6
    assert ctx.seen[-1] == f"已另存为 PDF：{saved}"


def test_without_a_printer_or_a_converter_the_document_can_be_opened(qtbot, ctx, parent, tmp_path, opened):
    paths, _ = documents(tmp_path / "docs", [1])
    seen: list[str] = []
    answer_box(qtbot, printing.OPEN_DOCUMENT, seen)
    printing.print_files(ctx, parent, paths, converter=lambda: None)
    assert printing.SAVE_PDF not in seen[0]  # nothing could make the PDF
    assert opened == paths
    # several documents open their folder, not a Word window each
    many, _ = documents(tmp_path / "many", [1, 1, 1])
    answer_box(qtbot, printing.OPEN_DOCUMENT, seen)
    printing.print_files(ctx, parent, many, converter=lambda: None)
    assert opened[-1] == tmp_path / "many"


def test_a_printer_but_no_converter_says_so_and_offers_to_open(qtbot, ctx, parent, tmp_path, opened, monkeypatch):
    monkeypatch.setattr(printing, "printers_available", lambda: True)
    paths, _ = documents(tmp_path / "docs", [1])
    seen: list[str] = []
    answer_box(qtbot, printing.OPEN_DOCUMENT, seen)
    assert printing.print_files(ctx, parent, paths, converter=lambda: None) is None
    assert seen == [office.NO_CONVERTER] and opened == paths


# --- the preview and the job --------------------------------------------------------------------------------


class PaperlessPrinter(QPrinter):
    """A QPrinter writing a PDF file, with the duplex the print dialog would have set (Qt's PDF output itself
    keeps no duplex setting)."""

    def __init__(self, duplex: QPrinter.DuplexMode) -> None:
        super().__init__(QPrinter.PrinterMode.HighResolution)
        self._duplex = duplex

    def duplex(self) -> QPrinter.DuplexMode:
        return self._duplex


@pytest.fixture
def a_printer(monkeypatch, tmp_path):
    """A printer is installed; the print dialog 'chooses' a QPrinter writing to a PDF file instead of paper."""
    monkeypatch.setattr(printing, "printers_available", lambda: True)
    monkeypatch.setattr(printing, "PRINT_DPI", 40)  # keeps the test fast; the page count is what is checked
    chosen: list[QPrinter] = []

    def choose(_parent, batch):
        printer = PaperlessPrinter(chosen_settings["duplex"])
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / "printed.pdf"))
        printer.setDocName(batch.title)
        printer.setFullPage(True)
        printer.setCopyCount(chosen_settings["copies"])
        chosen.append(printer)
        return printer

    chosen_settings = {"copies": 1, "duplex": QPrinter.DuplexMode.DuplexNone}
    monkeypatch.setattr(printing, "choose_printer", choose)
    return types.SimpleNamespace(output=tmp_path / "printed.pdf", chosen=chosen, settings=chosen_settings)


def test_the_preview_shows_every_page_before_printing(qtbot, ctx, parent, tmp_path, synchronous_tasks, a_printer):
    paths, counts = documents(tmp_path / "docs", [2, 3])
    calls: list = []
    printing.print_files(ctx, parent, paths, title="十月反馈单", converter=lambda: fake_converter(counts, calls))
    assert calls == [["反馈单01.docx", "反馈单02.docx"]]  # one run of the converter for the batch
    dialog = preview_of(parent)
    assert dialog.page_count() == 5
    assert dialog.pages.item(2).toolTip() == "反馈单02.docx：第 1/3 页"
    assert "共 5 页，2份文档，打印为一个任务" in dialog.summary.text()
    assert dialog.pages.item(0).icon().availableSizes()  # a picture of the page, not a blank slot
    assert not a_printer.output.exists()  # nothing printed yet
    assert dialog.print_button.isDefault()
    folder = dialog.batch.folder
    assert folder is not None and folder.is_dir()
    dialog.reject()
    assert not folder.exists()  # the PDFs behind the preview go with it
    assert ctx.seen == []


def test_forty_feedback_sheets_are_one_print_job(qtbot, ctx, parent, tmp_path, synchronous_tasks, a_printer):
    pages = [1 + i % 2 for i in range(40)]
    paths, counts = documents(tmp_path / "docs", pages)
    printing.print_files(ctx, parent, paths, title="2026年10月考评情况反馈单", converter=lambda: fake_converter(counts))
    dialog = preview_of(parent)
    assert dialog.page_count() == sum(pages) == 60
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert len(a_printer.chosen) == 1  # one print dialog, one QPrinter: one job
    assert pdf_pages(a_printer.output) == 60
    assert ctx.seen[-1] == f"已将40份文档（共60页）作为一个打印任务发送到“{a_printer.output}”"
    assert not dialog.isVisible()


def test_double_sided_each_document_starts_on_a_fresh_sheet(qtbot, ctx, parent, tmp_path, synchronous_tasks,
                                                           a_printer):
    a_printer.settings["duplex"] = QPrinter.DuplexMode.DuplexLongSide
    paths, counts = documents(tmp_path / "docs", [1, 2, 3])
    printing.print_files(ctx, parent, paths, converter=lambda: fake_converter(counts))
    qtbot.mouseClick(preview_of(parent).print_button, Qt.MouseButton.LeftButton)
    # 1 + blank back, 2, 3 (the last needs no blank back)
    assert pdf_pages(a_printer.output) == 7
    assert "双面" in ctx.seen[-1]


def test_copies_the_driver_cannot_make_are_printed_by_the_app(qtbot, ctx, parent, tmp_path, synchronous_tasks,
                                                             a_printer):
    a_printer.settings["copies"] = 3
    paths, counts = documents(tmp_path / "docs", [2])
    printing.print_files(ctx, parent, paths, converter=lambda: fake_converter(counts))
    qtbot.mouseClick(preview_of(parent).print_button, Qt.MouseButton.LeftButton)
    assert not a_printer.chosen[0].supportsMultipleCopies()  # PDF output: the copies are ours to make
    assert pdf_pages(a_printer.output) == 6
    assert "3份" in ctx.seen[-1]


def test_cancelling_the_print_dialog_prints_nothing(qtbot, ctx, parent, tmp_path, synchronous_tasks, a_printer,
                                                   monkeypatch):
    monkeypatch.setattr(printing, "choose_printer", lambda *_a: None)
    paths, counts = documents(tmp_path / "docs", [2])
    printing.print_files(ctx, parent, paths, converter=lambda: fake_converter(counts))
    dialog = preview_of(parent)
    assert dialog.print_pages() is None
    assert dialog.isVisible() and not a_printer.output.exists() and ctx.seen == []


def test_the_preview_can_save_the_pages_as_one_pdf(qtbot, ctx, parent, tmp_path, synchronous_tasks, a_printer,
                                                   monkeypatch):
    paths, counts = documents(tmp_path / "docs", [2, 2])
    target = tmp_path / "saved.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    printing.print_files(ctx, parent, paths, converter=lambda: fake_converter(counts))
    qtbot.mouseClick(preview_of(parent).pdf_button, Qt.MouseButton.LeftButton)
    assert pdf_pages(target) == 4 and ctx.seen[-1] == f"已另存为 PDF：{target}"


def test_a_failed_conversion_is_shown_and_no_preview_opens(qtbot, ctx, parent, tmp_path, synchronous_tasks,
                                                           a_printer, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *a, **k: shown.append(text))
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: shown.append(text))

    def broken(pairs):
        raise ReportError("LibreOffice 未能把“反馈单01.docx”转换为 PDF")

    paths, _ = documents(tmp_path / "docs", [1])
    printing.print_files(ctx, parent, paths, converter=lambda: office.PdfConverter("LibreOffice", broken))
    assert any("未能把" in s for s in shown)
    assert not parent.findChildren(printing.PrintPreviewDialog)


def test_page_sequence_pads_duplex_and_picks_ranges():
    assert printing.page_sequence([1, 2], duplex=False, copies=1) == [(0, 0), (1, 0), (1, 1)]
    assert printing.page_sequence([1, 2], duplex=True, copies=1) == [(0, 0), None, (1, 0), (1, 1)]
    assert printing.page_sequence([1], duplex=True, copies=2) == [(0, 0), None, (0, 0), None]
    assert printing.page_sequence([2], duplex=False, copies=2, collate=False) == [(0, 0), (0, 0), (0, 1), (0, 1)]
    assert printing.page_sequence([2], duplex=True, copies=2, collate=False) == [(0, 0), (0, 1)] * 2
    assert printing.page_sequence([2, 3], duplex=True, copies=1, first=2, last=4) == [(0, 1), (1, 0), (1, 1)]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_real_document_through_libreoffice(qtbot, ctx, parent, tmp_path, synchronous_tasks, a_printer):
    doc = GongwenDocument(title="反馈单")
    doc.title("关于2026年10月考评情况的反馈单")
    for i in range(60):
        doc.para(f"第{i + 1}项：这是一段用于测试打印预览的文字，足够长以便占满页面的一行。")
    path = tmp_path / "考评情况反馈单.docx"
    path.write_bytes(doc.to_bytes())
    converter = office.pdf_converter(platform="linux")
    assert converter is not None and converter.name == "LibreOffice"
    printing.print_files(ctx, parent, [path], converter=lambda: converter)
    dialog = preview_of(parent)
    made = pdf_pages(dialog.batch.documents[0].pdf)
    assert made >= 2 and dialog.page_count() == made
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert pdf_pages(a_printer.output) == made


# --- which converter this workstation has -------------------------------------------------------------------


def test_the_converter_choice_on_each_platform():
    def names(**kw):
        return [c.name for c in office.pdf_converters(**kw)]

    lo = lambda: Path("/usr/bin/soffice")  # noqa: E731
    none = lambda: None  # noqa: E731
    assert names(platform="win32", soffice=lo, com_registered=lambda p: True) == [
        "Microsoft Word", "WPS 文字", "LibreOffice"]
    assert names(platform="win32", soffice=none, com_registered=lambda p: p == "KWps.Application") == ["WPS 文字"]
    assert names(platform="win32", soffice=lo, com_registered=lambda p: False) == ["LibreOffice"]
    assert names(platform="win32", soffice=none, com_registered=lambda p: False) == []
    # elsewhere there is no Word automation: only LibreOffice, and COM is never asked
    asked: list[str] = []
    assert names(platform="linux", soffice=lo, com_registered=asked.append) == ["LibreOffice"]
    assert names(platform="darwin", soffice=none, com_registered=asked.append) == [] and asked == []
    assert office.pdf_converter(platform="linux", soffice=none) is None
    # here (not Windows) Word is never found, whatever is installed
    assert office._com_registered("Word.Application") is False


class FakeWord:
    """Word/WPS's automation object as far as the converter uses it."""

    def __init__(self, progid: str, log: list) -> None:
        self.progid, self.log = progid, log
        self.Documents = self

    def Open(self, path, confirm, read_only):  # noqa: N802 - Word's names
        self.log.append(("open", Path(path).name, read_only))
        word = self

        class Doc:
            def ExportAsFixedFormat(self, target, fmt):  # noqa: N802
                word.log.append(("export", fmt))
                make_pdf(Path(target), 2)

            def Close(self, save):  # noqa: N802
                word.log.append(("close", save))

        return Doc()

    def Quit(self):  # noqa: N802
        self.log.append(("quit",))


def test_the_word_converter_drives_a_private_hidden_instance(tmp_path, monkeypatch):
    log: list = []
    client = types.ModuleType("comtypes.client")
    client.CreateObject = lambda progid: log.append(("start", progid)) or FakeWord(progid, log)
    com = types.ModuleType("comtypes")
    com.CoInitialize = lambda: log.append(("init",))
    com.CoUninitialize = lambda: log.append(("uninit",))
    com.client = client
    monkeypatch.setitem(sys.modules, "comtypes", com)
    monkeypatch.setitem(sys.modules, "comtypes.client", client)
    monkeypatch.setitem(sys.modules, "win32com", None)  # pywin32 absent: comtypes is used
    (converter,) = office.pdf_converters(platform="win32", soffice=lambda: None,
                                         com_registered=lambda p: p == "KWps.Application")
    assert converter.name == "WPS 文字"
    src = tmp_path / "反馈单.docx"
    src.write_bytes(b"PK")
    (pdf,) = converter.convert([(src, tmp_path / "out" / "反馈单.pdf")])
    assert pdf_pages(pdf) == 2
    assert log == [("init",), ("start", "KWps.Application"), ("open", "反馈单.docx", True),
                   ("export", office.WD_EXPORT_PDF), ("close", office.WD_DO_NOT_SAVE), ("quit",), ("uninit",)]


def test_without_pywin32_or_comtypes_the_word_converter_says_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "win32com", None)
    monkeypatch.setitem(sys.modules, "comtypes", None)
    (converter,) = office.pdf_converters(platform="win32", soffice=lambda: None, com_registered=lambda p: True)[:1]
    src = tmp_path / "a.docx"
    src.write_bytes(b"PK")
    with pytest.raises(ReportError, match="缺少 pywin32 或 comtypes"):
        converter.convert([(src, tmp_path / "a.pdf")])


def test_the_print_dialog_offers_the_batch_pages(qtbot, parent, tmp_path):
    batch = printing.PrintBatch("十月反馈单", [printing.PrintDocument("a.docx", tmp_path / "a.pdf", 3),
                                              printing.PrintDocument("b.docx", tmp_path / "b.pdf", 2)])
    shown = []

    def answer(accept: bool):
        def act():
            dialog = QApplication.activeModalWidget()
            if dialog is None:
                QTimer.singleShot(20, act)
                return
            shown.append((dialog.windowTitle(), dialog.minPage(), dialog.maxPage()))
            dialog.accept() if accept else dialog.reject()

        QTimer.singleShot(0, act)

    answer(False)
    assert printing.choose_printer(parent, batch) is None
    answer(True)
    printer = printing.choose_printer(parent, batch)
    assert printer is not None and printer.docName() == "十月反馈单" and printer.fullPage()
    assert shown == [("打印：十月反馈单", 1, 5)] * 2


def test_export_pdf_uses_the_converter_this_workstation_has(tmp_path, monkeypatch):
    paths, counts = documents(tmp_path / "docs", [3])
    monkeypatch.setattr(office, "pdf_converter", lambda: fake_converter(counts))
    assert office.pdf_available()
    pdf = office.export_pdf(paths[0])
    assert pdf == paths[0].with_suffix(".pdf") and pdf_pages(pdf) == 3
    monkeypatch.setattr(office, "pdf_converter", lambda: None)
    assert not office.pdf_available()
    with pytest.raises(ReportError, match="未找到 LibreOffice"):
        office.export_pdf(paths[0])
    assert "Word、WPS 或 LibreOffice" in office.no_pdf_message("win32")


def test_a_landscape_ledger_prints_on_landscape_paper(qtbot, ctx, parent, tmp_path, synchronous_tasks, monkeypatch):
    monkeypatch.setattr(printing, "printers_available", lambda: True)
    ledger = tmp_path / "全县机关整改台账.docx"
    ledger.write_bytes(b"PK")
    converter = office.PdfConverter("测试转换器", lambda pairs: [make_pdf(d, 2, landscape=True) for _, d in pairs])
    printing.print_files(ctx, parent, [ledger], converter=lambda: converter)
    dialog = preview_of(parent)
    assert dialog.batch.documents[0].landscape and dialog.page_count() == 2
    def accept():
        shown = QApplication.activeModalWidget()
        if shown is None or shown is dialog:
            QTimer.singleShot(20, accept)
            return
        shown.accept()

    QTimer.singleShot(0, accept)
    printer = printing.choose_printer(dialog, dialog.batch)
    assert printer.pageLayout().orientation() == QPageLayout.Orientation.Landscape
