"""`dangjian county`: a county run from the command line names itself (the names every 通报 prints), each change
audited, bad names refused whole, and only a role that may change settings may change them."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.db import Database
from app.paths import app_paths
from app.services.audit import verify
from app.services.county_names import CountyNamesService
from app.services.opening import open_database

pytestmark = pytest.mark.usefixtures("cheap_hashes")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "data"


def _opened(folder: Path) -> Database:
    return open_database(app_paths(folder).ensure().database)


def test_a_new_county_shows_its_placeholders_and_is_named_from_its_county_name(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(folder)]
    assert main(["county", *data]) == 0
    assert "还是示范用的名称，不能印发通报" in capsys.readouterr().out
    assert main(["county", "set", "--name", "青山县", "--officer", "李明", "--phone", "0731-1234567", *data]) == 0
    out = capsys.readouterr().out
    assert "发文机关全称：中共青山县直属机关工作委员会" in out and "发文机关代字：青直工委" in out
    assert "经办人：李明，0731-1234567" in out and "示范" not in out
    db = _opened(folder)
    try:
        assert CountyNamesService(db.session_factory).placeholders() == []
        report = verify(db.session_factory)
        assert report.findings == [] and report.entries == 6  # one entry per name changed
    finally:
        db.close()
    # one name changed later: the others stay
    assert main(["county", "set", "--issuer-code", "青县直工委", *data]) == 0
    out = capsys.readouterr().out
    assert "发文机关代字：青县直工委" in out and "县名：青山县" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--name", "青山县"], "请填写经办人姓名"),
    (["--name", "示范县", "--officer", "李明"], "是练习用的县名"),
    (["--name", "青山县", "--officer", "李明", "--issuer-code", "青直工委〔2026〕"], "代字只写机关代字"),
    (["--name", "青" * 21, "--officer", "李明"], "县名不能超过20个字"),
])
def test_bad_names_are_refused_whole(folder: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                     message: str) -> None:
    assert main(["county", "set", *args, "--data-dir", str(folder)]) == 2
    assert message in capsys.readouterr().err
    db = _opened(folder)
    try:
        assert CountyNamesService(db.session_factory).current().county == "示范县"  # nothing saved
        assert verify(db.session_factory).entries == 0
    finally:
        db.close()


def test_only_a_role_that_may_change_settings_names_the_county(folder: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(folder)]
    monkeypatch.setenv("DANGJIAN_NEW_PASSWORD", "Boss-pass-2026")
    assert main(["user", "add", "boss", "--role", "管理员", *data]) == 0
    monkeypatch.setenv("DANGJIAN_PASSWORD", "Boss-pass-2026")
    monkeypatch.setenv("DANGJIAN_NEW_PASSWORD", "Zhang-scores-2026")
    assert main(["user", "add", "zhang", "--role", "考评员", "--user", "boss", *data]) == 0
    capsys.readouterr()
    monkeypatch.setenv("DANGJIAN_PASSWORD", "Zhang-scores-2026")
    assert main(["county", "set", "--name", "青山县", "--officer", "张三", "--user", "zhang", *data]) == 2
    assert "无权修改设置" in capsys.readouterr().err
    monkeypatch.setenv("DANGJIAN_PASSWORD", "Boss-pass-2026")
    assert main(["county", "set", "--name", "青山县", "--officer", "王书记", "--user", "boss", *data]) == 0
