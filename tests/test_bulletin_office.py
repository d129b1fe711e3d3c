"""Handing documents to the office software: PDF through LibreOffice (real when installed) and the messages when
nothing can do it.  Printing and the choice of converter: tests/test_printing.py."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from app.errors import OutputLockedError, ReportError
from app.reports.gongwen import GongwenDocument
from app.services import office


@pytest.fixture
def document(tmp_path) -> Path:
    doc = GongwenDocument(title="测试")
    doc.title("关于测试的通知")
    doc.para("这是一份用于测试打印和导出的文档。")
    path = tmp_path / "测试 文档.docx"
    path.write_bytes(doc.to_bytes())
    return path


class FakeRunner:
    """Records command lines; `outcomes` are (return code, file to create from the --outdir) per call."""

    def __init__(self, *outcomes: int) -> None:
        self.calls: list[list[str]] = []
        self.outcomes = list(outcomes)

    def __call__(self, args, **_kwargs):
        self.calls.append(list(args))
        code = self.outcomes.pop(0) if self.outcomes else 0
        if code == 0 and "--convert-to" in args:
            out = Path(args[args.index("--outdir") + 1])
            out.mkdir(parents=True, exist_ok=True)
            (out / "in.pdf").write_bytes(b"%PDF-1.4 fake")
        return subprocess.CompletedProcess(args, code, b"", b"soffice: error" if code else b"")


@pytest.mark.skipif(office.find_soffice() is None, reason="LibreOffice is not installed")
def test_real_pdf_export(document):
    pdf = office.export_pdf(document)
    assert pdf == document.with_suffix(".pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in document.parent.iterdir()) == ["测试 文档.docx", "测试 文档.pdf"]


def test_pdf_through_a_private_profile_and_an_ascii_copy(document, tmp_path):
    runner = FakeRunner(0)
    target = tmp_path / "输出" / "通报.pdf"
    assert office.export_pdf(document, target, soffice=Path("/opt/lo/soffice"), runner=runner) == target
    [args] = runner.calls
    assert args[0] == "/opt/lo/soffice" and args[1].startswith("-env:UserInstallation=file://")
    assert "--headless" in args and args[-1].endswith("in.docx")
    assert target.read_bytes() == b"%PDF-1.4 fake"


def test_pdf_without_libreoffice_says_what_to_do(document, monkeypatch):
    monkeypatch.setattr(office, "find_soffice", lambda: None)
    assert not office.pdf_available()
    with pytest.raises(ReportError, match="未找到 LibreOffice"):
        office.export_pdf(document)


def test_pdf_failures_are_reported(document, tmp_path, monkeypatch):
    with pytest.raises(ReportError, match="未能把“测试 文档.docx”转换为 PDF：soffice: error"):
        office.export_pdf(document, soffice=Path("soffice"), runner=FakeRunner(1))
    with pytest.raises(ReportError, match="文件不存在"):
        office.export_pdf(tmp_path / "没有.docx", soffice=Path("soffice"), runner=FakeRunner(0))

    def timeout(args, **_kwargs):
        raise subprocess.TimeoutExpired(args, 1)

    with pytest.raises(ReportError, match="超时"):
        office.export_pdf(document, soffice=Path("soffice"), runner=timeout)
    target = document.with_suffix(".pdf")
    target.write_bytes(b"open in a viewer")

    def locked(_src, _dst):
        raise PermissionError(13, "denied")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(OutputLockedError, match="正被其他程序打开"):
        office.export_pdf(document, soffice=Path("soffice"), runner=FakeRunner(0))
    assert target.read_bytes() == b"open in a viewer"
    assert sorted(p.name for p in document.parent.iterdir()) == ["测试 文档.docx", "测试 文档.pdf"]
