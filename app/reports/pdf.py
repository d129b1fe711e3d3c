"""PDF export through LibreOffice, where it is installed (no Qt here: the UI and the CLI both call this).

LibreOffice runs headless with a throw-away profile: with the user's own profile, a LibreOffice window already
open would take the job over and the conversion would silently produce nothing.  Empty pages are kept, because a
公文 is printed on both sides and its 版记 has to land on the back of the last sheet.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from app.errors import ReportError
from app.reports.output import write_atomic

# Keep the blank page LibreOffice inserts before an even-page 版记 section.
PDF_FILTER = 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}'
NOT_FOUND = "未找到 LibreOffice，无法导出 PDF。请安装 LibreOffice，或在 Word/WPS 中打开文档后另存为 PDF。"


def find_office() -> str | None:
    """The LibreOffice program, or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    if sys.platform == "win32":
        for root in (os.environ.get("PROGRAMFILES", r"C:\Program Files"),
                     os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)")):
            candidate = Path(root) / "LibreOffice" / "program" / "soffice.exe"
            if candidate.exists():
                return str(candidate)
    return None


def to_pdf(document: str | Path, target: str | Path | None = None, *, timeout: float = 180) -> Path:
    """Convert a .docx to PDF beside it (or at `target`) and return the PDF's path.  Raises ReportError when
    LibreOffice is missing or fails, OutputLockedError when the PDF is open elsewhere."""
    source = Path(document)
    pdf = Path(target) if target else source.with_suffix(".pdf")
    office = find_office()
    if office is None:
        raise ReportError(NOT_FOUND)
    with tempfile.TemporaryDirectory(prefix="dangjian-pdf-") as work:
        profile = Path(work, "profile").as_uri()
        out = Path(work, "out")
        cmd = [office, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", PDF_FILTER,
               "--outdir", str(out), str(source)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ReportError(f"LibreOffice 导出 PDF 超时（{timeout:.0f}秒）：{source.name}") from exc
        except OSError as exc:
            raise ReportError(f"无法启动 LibreOffice：{exc}") from exc
        produced = out / f"{source.stem}.pdf"
        if proc.returncode != 0 or not produced.exists():
            detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["没有生成文件"]
            raise ReportError(f"LibreOffice 导出 PDF 失败：{source.name}（{detail[0]}）")
        return write_atomic(pdf, produced.read_bytes())
