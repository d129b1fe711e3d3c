"""The app opens no network connection at all (PLATFORM.md "Security and privacy"): building the demo county
and generating the month's documents with every socket refused and recorded."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.cli import main
from app.models import Period, PeriodKind, PeriodState
from app.services.opening import open_database


@pytest.fixture
def sockets_refused(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    attempts: list[str] = []

    def refuse(what: str) -> Any:
        def blocked(*args: Any, **kwargs: Any) -> Any:
            attempts.append(f"{what}{args[1:] if what.startswith('socket.') else args}")
            raise OSError(f"network use refused in tests: {what}")

        return blocked

    monkeypatch.setattr(socket.socket, "__init__", refuse("socket.socket()"))
    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    yield attempts
    assert attempts == [], f"the app tried to use the network: {attempts}"


def test_demo_build_and_documents_open_no_socket(tmp_path: Path, sockets_refused: list[str]) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    assert main([*data, "demo", "--size", "tiny", "--seed", "3"]) == 0
    db = open_database(tmp_path / "data" / "dangjian.sqlite3")
    try:
        with db.session_factory() as s:
            locked = s.scalars(select(Period).where(Period.kind == PeriodKind.MONTH,
                                                    Period.state == PeriodState.LOCKED)
                               .order_by(Period.year.desc(), Period.month.desc())).first()
    finally:
        db.close()
    assert locked is not None
    month = f"{locked.year}-{locked.month:02d}"
    out = tmp_path / "out"
    assert main([*data, "report", "bulletin", month, "--out", str(out / "通报.docx")]) == 0
    assert main([*data, "report", "feedback", month, "--out", str(out / "反馈单")]) == 0
    assert main([*data, "report", "rectification", "--out", str(out / "台账.docx")]) == 0
    assert main([*data, "export", str(out / "名册.xlsx")]) == 0
    assert (out / "通报.docx").stat().st_size > 0 and (out / "台账.docx").exists() and any(out.rglob("反馈单/*.docx"))
    assert sockets_refused == []
