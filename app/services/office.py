"""Handing documents to the office software on the machine: PDFs for export, preview and printing.  No Qt here
(opening a file in Word/WPS is QDesktopServices' job in the UI).  This is the app's one way to make a PDF: the
UI, the CLI and printing all come here.

- Which program: `pdf_converter()`, whichever this workstation has.  On Windows Word or WPS through their
  automation interface (Word.Application / KWps.Application via pywin32 or comtypes: most offices have one of
  them and no LibreOffice; the documents are Word documents, so Word's own layout is the truest), a private
  hidden instance opened read-only; then LibreOffice; elsewhere LibreOffice.
- LibreOffice: `soffice --headless --convert-to pdf` with a private profile (a LibreOffice window the user has open
  would otherwise swallow the request and convert nothing), written to a temporary folder and moved into place
  atomically: a PDF open in a viewer is reported as OutputLockedError, nothing half-written is left.  Empty pages
  are kept (IsSkipEmptyPages=false): a 公文 is printed on both sides and the blank page LibreOffice puts before
  an even-page 版记 is what lands the 版记 on the back of the last sheet.
- Print: nothing here sends to a printer.  Printing shows the PDF's pages first and prints them through Qt
  (app/ui/printing.py), so the printer, copies and duplex are chosen by the user, never assumed.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from app.errors import OutputLockedError, ReportError
from app.failures import os_reason
from app.reports.output import temp_beside

CONVERT_TIMEOUT_S = 180
CONVERT_EACH_S = 30  # more per further document converted in the same run
# LibreOffice's PDF export drops the blank pages it inserts to start a section on an even page unless told not to.
PDF_FILTER = 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}'

NO_LIBREOFFICE = ("未找到 LibreOffice，无法导出 PDF。请安装 LibreOffice（免费软件），"
                  "或在 Word/WPS 中打开文档后使用“另存为 PDF”。")
NO_CONVERTER = ("这台电脑上没有能把文档转换为 PDF 以供预览和打印的程序（Word、WPS 或 LibreOffice）。"
                "可以在 Word/WPS 中打开文档后在那里打印。")
# Word's PDF export format (wdExportFormatPDF) and "close without saving" (wdDoNotSaveChanges); WPS takes the same.
WD_EXPORT_PDF = 17
WD_DO_NOT_SAVE = 0
COM_PROGRAMS = (("Microsoft Word", "Word.Application"), ("WPS 文字", "KWps.Application"))

Runner = Callable[..., subprocess.CompletedProcess[bytes]]


def _windows_candidates() -> list[Path]:
    roots = [os.environ.get(v, "") for v in ("ProgramFiles", "ProgramFiles(x86)", "ProgramW6432")]
    return [Path(r) / "LibreOffice" / "program" / "soffice.exe" for r in roots if r]


def find_soffice() -> Path | None:
    """LibreOffice's command-line program, if installed (PATH first, then the usual install folders)."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return Path(found)
    candidates = _windows_candidates() if sys.platform == "win32" else [
        Path("/usr/bin/soffice"), Path("/usr/lib/libreoffice/program/soffice"), Path("/opt/libreoffice/program/soffice"),
        Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")]
    return next((p for p in candidates if p.is_file()), None)


def pdf_available() -> bool:
    return pdf_converter() is not None


def no_pdf_message(platform: str | None = None) -> str:
    """What to say when nothing here makes PDFs: on Windows Word or WPS would have done."""
    return NO_CONVERTER if (platform or sys.platform) == "win32" else NO_LIBREOFFICE


def _profile_arg(folder: Path) -> str:
    return "-env:UserInstallation=" + folder.resolve().as_uri()


def _run(args: Sequence[str], timeout: int, runner: Runner | None, what: str) -> subprocess.CompletedProcess[bytes]:
    run = runner or subprocess.run
    try:
        return run(list(args), capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ReportError(f"{what}超时（{timeout}秒），LibreOffice 没有响应") from exc
    except OSError as exc:
        raise ReportError(f"{what}失败：无法启动 LibreOffice（{os_reason(exc)}）") from exc


def export_pdf(document: str | Path, target: str | Path | None = None, *, soffice: Path | None = None,
               runner: Runner | None = None) -> Path:
    """Convert a .docx to PDF (default: beside it, same name) with the converter this workstation has, or the
    given LibreOffice.  ReportError when there is none or it fails; OutputLockedError when the PDF is open
    elsewhere."""
    src = Path(document)
    dest = Path(target) if target is not None else src.with_suffix(".pdf")
    if soffice is None and runner is None:
        converter = pdf_converter()
        if converter is None:
            raise ReportError(no_pdf_message())
        return converter.convert([(src, dest)])[0]
    return export_pdfs([(src, dest)], soffice=soffice, runner=runner)[0]


def export_pdfs(pairs: Sequence[tuple[Path, Path]], *, soffice: Path | None = None,
                runner: Runner | None = None) -> list[Path]:
    """Convert several .docx files (source, target PDF) in one LibreOffice run: starting LibreOffice is most of
    the time a conversion takes."""
    for src, _ in pairs:
        if not src.is_file():
            raise ReportError(f"文件不存在：{src}")
    program = soffice or find_soffice()
    if program is None:
        raise ReportError(NO_LIBREOFFICE)
    with tempfile.TemporaryDirectory(prefix="dangjian-pdf-") as tmp:
        work = Path(tmp)
        # Plain ASCII copies: LibreOffice on some systems mangles non-ASCII paths passed on its command line.
        staged = [work / (f"in{i}.docx" if len(pairs) > 1 else "in.docx") for i in range(len(pairs))]
        for (src, _), copy in zip(pairs, staged, strict=True):
            shutil.copyfile(src, copy)
        proc = _run([str(program), _profile_arg(work / "profile"), "--headless", "--norestore",
                     "--convert-to", PDF_FILTER, "--outdir", str(work / "out"), *map(str, staged)],
                    CONVERT_TIMEOUT_S + CONVERT_EACH_S * (len(pairs) - 1), runner, "导出 PDF")
        done = []
        for (src, dest), copy in zip(pairs, staged, strict=True):
            produced = work / "out" / f"{copy.stem}.pdf"
            if proc.returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
                detail = (proc.stderr or b"").decode("utf-8", "replace").strip()[-300:]
                raise ReportError(f"LibreOffice 未能把“{src.name}”转换为 PDF" + (f"：{detail}" if detail else ""))
            _move_into_place(produced, dest)
            done.append(dest)
    return done


def _move_into_place(produced: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temp_beside(dest)
    os.close(fd)
    try:
        shutil.copyfile(produced, tmp)
        os.replace(tmp, dest)
    except PermissionError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputLockedError(f"文件“{dest.name}”正被其他程序打开，无法保存 PDF。请关闭该文件后重试。") from exc
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise ReportError(f"保存“{dest.name}”失败：{os_reason(exc)}") from exc


# --- the converter this workstation has ----------------------------------------------------------------------


@dataclass(frozen=True)
class PdfConverter:
    """A program that turns .docx files into PDFs: its name (for messages) and the conversion of (source, target)
    pairs, all in one run of the program."""

    name: str
    convert: Callable[[Sequence[tuple[Path, Path]]], list[Path]]


def pdf_converters(*, platform: str | None = None, soffice: Callable[[], Path | None] | None = None,
                   com_registered: Callable[[str], bool] | None = None) -> list[PdfConverter]:
    """Every converter installed here, best first: on Windows Word, then WPS, then LibreOffice; elsewhere
    LibreOffice.  `soffice` and `com_registered` stand in for the look-ups (tests fake them)."""
    found: list[PdfConverter] = []
    if (platform or sys.platform) == "win32":
        registered = com_registered or _com_registered
        for name, progid in COM_PROGRAMS:
            if registered(progid):
                found.append(PdfConverter(name, functools.partial(_com_export, name, progid)))
    program = (soffice or find_soffice)()
    if program is not None:
        found.append(PdfConverter("LibreOffice", functools.partial(export_pdfs, soffice=program)))
    return found


def pdf_converter(**kwargs: Any) -> PdfConverter | None:
    """The best converter installed here, or None (then the user can only open the document in Word/WPS)."""
    found = pdf_converters(**kwargs)
    return found[0] if found else None


def _com_client() -> tuple[str, ModuleType] | None:
    """pywin32's or comtypes' client module, whichever is installed (imported by name: Windows only)."""
    for name in ("win32com.client", "comtypes.client"):
        try:
            return name, importlib.import_module(name)
        except ImportError:
            continue
    return None


def _com_registered(progid: str) -> bool:
    """Whether the automation server `progid` is registered (Word or WPS installed), without starting it."""
    if sys.platform != "win32" or _com_client() is None:
        return False
    import winreg  # Windows only

    try:
        with winreg.OpenKey(winreg.HKEY_CLASSES_ROOT, progid + "\\CLSID"):  # type: ignore[attr-defined,unused-ignore]
            return True
    except OSError:
        return False


@contextlib.contextmanager
def _com_application(name: str, progid: str) -> Iterator[Any]:
    """A private, hidden instance of Word/WPS (not the window the user has open), quit afterwards.  COM is set
    up on the calling thread: conversions run on a worker thread COM has not met yet."""
    client = _com_client()
    if client is None:
        raise ReportError(f"无法调用{name}：缺少 pywin32 或 comtypes 组件。{NO_CONVERTER}")
    kind, module = client
    com = importlib.import_module("pythoncom" if kind == "win32com.client" else "comtypes")
    com.CoInitialize()
    try:
        try:
            app = module.DispatchEx(progid) if kind == "win32com.client" else module.CreateObject(progid)
        except Exception as exc:  # a COM error of either library: the program is not usable
            raise ReportError(f"无法启动{name}（{exc}）。{NO_CONVERTER}") from exc
        try:
            app.Visible = False
            app.DisplayAlerts = 0
            yield app
        finally:
            with contextlib.suppress(Exception):
                app.Quit()
    finally:
        com.CoUninitialize()


def _com_export(name: str, progid: str, pairs: Sequence[tuple[Path, Path]]) -> list[Path]:
    """Open each document read-only in Word/WPS, export it as PDF into a temporary folder, move it into place."""
    for src, _ in pairs:
        if not src.is_file():
            raise ReportError(f"文件不存在：{src}")
    done = []
    with tempfile.TemporaryDirectory(prefix="dangjian-pdf-") as tmp, _com_application(name, progid) as app:
        for i, (src, dest) in enumerate(pairs):
            produced = Path(tmp) / f"out{i}.pdf"
            try:
                doc = app.Documents.Open(str(src.resolve()), False, True)  # ConfirmConversions, ReadOnly
                try:
                    doc.ExportAsFixedFormat(str(produced), WD_EXPORT_PDF)
                finally:
                    doc.Close(WD_DO_NOT_SAVE)
            except Exception as exc:  # a COM error of either library, with the program's own words
                raise ReportError(f"{name}未能把“{src.name}”转换为 PDF：{exc}") from exc
            if not produced.is_file() or produced.stat().st_size == 0:
                raise ReportError(f"{name}未能把“{src.name}”转换为 PDF")
            _move_into_place(produced, dest)
            done.append(dest)
    return done
