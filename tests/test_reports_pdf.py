"""PDF export through LibreOffice: a clear message without it; with it, every page kept for duplex printing."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from reports_samples import ISSUER

from app.errors import ReportError
from app.reports import pdf
from app.reports.gongwen import Column, GongwenDocument


def test_without_libreoffice_the_message_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "find_office", lambda: None)
    source = tmp_path / "通报.docx"
    source.write_bytes(b"docx")
    with pytest.raises(ReportError, match="未找到 LibreOffice"):
        pdf.to_pdf(source)
    assert not source.with_suffix(".pdf").exists()


def test_a_failed_conversion_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "find_office", lambda: shutil.which("false") or "/bin/false")
    source = tmp_path / "通报.docx"
    source.write_bytes(b"docx")
    with pytest.raises(ReportError, match="导出 PDF 失败"):
        pdf.to_pdf(source)


@pytest.mark.skipif(pdf.find_office() is None, reason="LibreOffice is not installed")
def test_conversion_keeps_the_blank_page_before_an_even_page_imprint(tmp_path: Path) -> None:
    doc = GongwenDocument(date=dt.date(2026, 11, 25))
    doc.redhead(ISSUER.mark_text, ISSUER.number(2026, 1))
    doc.title("关于测试的通报")
    doc.recipients(ISSUER.recipients)
    doc.para("正文。")
    doc.signature(ISSUER.name, dt.date(2026, 11, 25))
    doc.attachment("附件", "表", landscape=True)
    doc.table([Column("单位", 100)], [["县财政局"]])
    doc.imprint(cc=ISSUER.cc, printer=ISSUER.printer, printed_on=dt.date(2026, 11, 25))
    source = tmp_path / "通报.docx"
    source.write_bytes(doc.to_bytes())
    out = pdf.to_pdf(source)
    assert out == tmp_path / "通报.pdf"
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    # page 1 text, page 2 the landscape attachment, page 3 left blank, page 4 (even, the back) the 版记
    assert len(re.findall(rb"/Type\s*/Page(?!s)", data)) == 4
