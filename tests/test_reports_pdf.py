"""The one PDF path (app.services.office): every caller keeps the blank pages a 公文 needs for duplex printing."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from reports_samples import ISSUER

from app.errors import ReportError
from app.reports.gongwen import Column, GongwenDocument
from app.services import office


def _fake_office(calls: list[list[str]]):
    def run(args, **_kwargs):
        calls.append(list(args))
        out = Path(args[args.index("--outdir") + 1])
        out.mkdir(parents=True, exist_ok=True)
        for staged in args[args.index("--outdir") + 2:]:
            (out / f"{Path(staged).stem}.pdf").write_bytes(b"%PDF-1.4 " + Path(staged).name.encode())
        return subprocess.CompletedProcess(args, 0, b"", b"")
    return run


def _circular() -> bytes:
    doc = GongwenDocument(date=dt.date(2026, 11, 25))
    doc.redhead(ISSUER.mark_text, ISSUER.number(2026, 1))
    doc.title("关于测试的通报")
    doc.recipients(ISSUER.recipients)
    doc.para("正文。")
    doc.signature(ISSUER.name, dt.date(2026, 11, 25))
    doc.attachment("附件", "表", landscape=True)
    doc.table([Column("单位", 100)], [["县财政局"]])
    doc.imprint(cc=ISSUER.cc, printer=ISSUER.printer, printed_on=dt.date(2026, 11, 25))
    return doc.to_bytes()


def test_every_conversion_keeps_empty_pages(tmp_path: Path) -> None:
    # LibreOffice's default drops the blank page before an even-page 版记, which puts the 版记 on a front page.
    source = tmp_path / "通报.docx"
    source.write_bytes(b"docx")
    calls: list[list[str]] = []
    assert office.export_pdf(source, soffice=Path("soffice"), runner=_fake_office(calls)) == source.with_suffix(".pdf")
    [args] = calls
    assert args[args.index("--convert-to") + 1] == office.PDF_FILTER
    assert '"IsSkipEmptyPages":{"type":"boolean","value":"false"}' in office.PDF_FILTER


def test_several_documents_in_one_libreoffice_run(tmp_path: Path) -> None:
    sources = [tmp_path / f"文件{i}.docx" for i in range(3)]
    for s in sources:
        s.write_bytes(b"docx")
    calls: list[list[str]] = []
    pairs = [(s, tmp_path / "pdf" / f"{s.stem}.pdf") for s in sources]
    assert office.export_pdfs(pairs, soffice=Path("soffice"), runner=_fake_office(calls)) == [t for _, t in pairs]
    assert len(calls) == 1
    # each PDF is the conversion of its own document, not of a neighbour
    assert [t.read_bytes() for _, t in pairs] == [f"%PDF-1.4 in{i}.docx".encode() for i in range(3)]


def test_a_missing_source_or_libreoffice_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ReportError, match="文件不存在"):
        office.export_pdfs([(tmp_path / "无.docx", tmp_path / "无.pdf")], soffice=Path("soffice"))
    source = tmp_path / "通报.docx"
    source.write_bytes(b"docx")
    monkeypatch.setattr(office, "find_soffice", lambda: None)
    with pytest.raises(ReportError, match="未找到 LibreOffice"):
        office.export_pdf(source)
    assert not source.with_suffix(".pdf").exists()


def test_the_old_second_pdf_path_is_gone() -> None:
    # One PDF path for the UI, the CLI and printing: the reports package makes no PDFs of its own.
    assert not (Path(office.__file__).parents[1] / "reports" / "pdf.py").exists()


@pytest.mark.skipif(office.find_soffice() is None, reason="LibreOffice 未安装，无法实际导出 PDF")
def test_conversion_keeps_the_blank_page_before_an_even_page_imprint(tmp_path: Path) -> None:
    source = tmp_path / "通报.docx"
    source.write_bytes(_circular())
    out = office.export_pdf(source)
    assert out == tmp_path / "通报.pdf"
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    # page 1 text, page 2 the landscape attachment, page 3 left blank, page 4 (even, the back) the 版记
    assert len(re.findall(rb"/Type\s*/Page(?!s)", data)) == 4
