"""Handing documents to the office software on the machine: print, and PDF through LibreOffice.  No Qt here
(opening a file in Word/WPS is QDesktopServices' job in the UI).  This is the app's one way to make a PDF: the
UI, the CLI and printing all come here.

- PDF: `soffice --headless --convert-to pdf` with a private profile (a LibreOffice window the user has open
  would otherwise swallow the request and convert nothing), written to a temporary folder and moved into place
  atomically: a PDF open in a viewer is reported as OutputLockedError, nothing half-written is left.  Empty pages
  are kept (IsSkipEmptyPages=false): a 公文 is printed on both sides and the blank page LibreOffice puts before
  an even-page 版记 is what lands the 版记 on the back of the last sheet.
- Print: on Windows the file's `print` verb (Word or WPS, whichever opens .docx, prints it to the default
  printer, blank pages included); elsewhere the PDF made as above, handed to `lp`, or LibreOffice's
  `soffice -p` where there is no `lp`.  With none of these a clear message says how to print instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from app.errors import OutputLockedError, ReportError
from app.failures import os_reason
from app.reports.output import temp_beside

CONVERT_TIMEOUT_S = 180
CONVERT_EACH_S = 30  # more per further document converted in the same run
# LibreOffice's PDF export drops the blank pages it inserts to start a section on an even page unless told not to.
PDF_FILTER = 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}'
PRINT_TIMEOUT_S = 180

NO_LIBREOFFICE = ("未找到 LibreOffice，无法导出 PDF。请安装 LibreOffice（免费软件），"
                  "或在 Word/WPS 中打开文档后使用“另存为 PDF”。")
NO_PRINTER_PROGRAM = ("未找到可以直接打印 Word 文档的程序（Windows 上的 Word/WPS，或 LibreOffice）。"
                      "请点“打开”在 Word/WPS 中打开文档后再打印。")

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
    return find_soffice() is not None


def print_available() -> bool:
    return sys.platform == "win32" or find_soffice() is not None


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
    """Convert a .docx to PDF (default: beside it, same name).  ReportError when LibreOffice is missing or
    fails; OutputLockedError when the PDF is open elsewhere."""
    src = Path(document)
    dest = Path(target) if target is not None else src.with_suffix(".pdf")
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


def print_document(document: str | Path, *, soffice: Path | None = None, runner: Runner | None = None,
                   platform: str | None = None) -> str:
    """Send a document to the default printer; returns what was done (a Chinese sentence for the status bar)."""
    src = Path(document)
    if not src.is_file():
        raise ReportError(f"文件不存在：{src}")
    if (platform or sys.platform) == "win32":
        try:
            os.startfile(str(src), "print")  # type: ignore[attr-defined]  # Windows only
        except (OSError, AttributeError) as exc:
            raise ReportError(f"无法打印“{src.name}”：没有与 .docx 关联的 Word/WPS，或其不支持打印（{exc}）。"
                              "请点“打开”后在 Word/WPS 中打印。") from exc
        return f"已将“{src.name}”交给 Word/WPS 打印"
    program = soffice or find_soffice()
    if program is None:
        raise ReportError(NO_PRINTER_PROGRAM)
    lp = shutil.which("lp")
    if lp is None:
        with tempfile.TemporaryDirectory(prefix="dangjian-print-") as tmp:
            proc = _run([str(program), _profile_arg(Path(tmp) / "profile"), "--headless", "--norestore", "-p",
                         str(src)], PRINT_TIMEOUT_S, runner, "打印")
        if proc.returncode != 0:
            raise ReportError(f"LibreOffice 未能打印“{src.name}”，请检查是否设置了默认打印机")
        return f"已将“{src.name}”发送到默认打印机（LibreOffice）"
    with tempfile.TemporaryDirectory(prefix="dangjian-print-") as tmp:
        # The same PDF as 导出 PDF, blank pages kept; lp copies it into the print queue before it returns, so the
        # temporary folder can go afterwards.
        pdf = export_pdf(src, Path(tmp) / "print.pdf", soffice=program, runner=runner)
        done = _run([lp, str(pdf)], PRINT_TIMEOUT_S, runner, "打印")
    if done.returncode != 0:
        raise ReportError(f"打印“{src.name}”失败：" + (done.stderr or b"").decode("utf-8", "replace").strip()[-200:])
    return f"已将“{src.name}”发送到默认打印机"
