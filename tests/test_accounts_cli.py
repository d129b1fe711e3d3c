"""`dangjian user …` and `--user` on the other commands: operator with full rights until accounts exist, then
nothing without a login, and changes only with a role that allows them."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main

pytestmark = pytest.mark.usefixtures("cheap_hashes")


@pytest.fixture
def data(tmp_path: Path) -> list[str]:
    """A county with one unit (a month cannot be opened without units), no accounts yet."""
    from app.paths import app_paths
    from app.services.opening import open_database
    from app.services.register import RegisterService, UnitInput

    db = open_database(app_paths(tmp_path / "data").ensure().database)
    try:
        RegisterService(db.session_factory).save_unit(UnitInput(name="县委办公室"))
    finally:
        db.close()
    return ["--data-dir", str(tmp_path / "data")]


def test_without_accounts_commands_act_as_operator(data: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*data, "user", "list"]) == 0
    assert "还没有用户账户" in capsys.readouterr().out
    assert main([*data, "period", "open", "2026-03"]) == 0


def test_first_account_must_be_an_administrator(data: list[str], monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DANGJIAN_NEW_PASSWORD", "Boss-pass-2026")
    assert main([*data, "user", "add", "li"]) == 2
    assert "第一个账户必须是管理员" in capsys.readouterr().err
    assert main([*data, "user", "add", "boss", "--role", "管理员", "--display-name", "王书记"]) == 0


def test_changes_need_a_login_with_the_right_role(data: list[str], monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DANGJIAN_NEW_PASSWORD", "Boss-pass-2026")
    assert main([*data, "user", "add", "boss", "--role", "管理员"]) == 0
    assert main([*data, "user", "add", "li", "--role", "查阅"]) == 2  # accounts exist: --user needed
    assert "请用 --user" in capsys.readouterr().err
    monkeypatch.setenv("DANGJIAN_PASSWORD", "Boss-pass-2026")
    monkeypatch.setenv("DANGJIAN_NEW_PASSWORD", "Li-reads-only")
    assert main([*data, "user", "add", "li", "--role", "查阅", "--user", "boss"]) == 0
    monkeypatch.delenv("DANGJIAN_PASSWORD")
    assert main([*data, "period", "open", "2026-03"]) == 2
    assert "请用 --user 用户名 登录" in capsys.readouterr().err
    assert main([*data, "period", "list"]) == 2  # reading needs a login too (tests/test_read_login.py)
    assert "请用 --user 用户名 登录" in capsys.readouterr().err
    monkeypatch.setenv("DANGJIAN_PASSWORD", "Li-reads-only")
    assert main([*data, "period", "list", "--user", "li"]) == 0
    assert main([*data, "period", "open", "2026-03", "--user", "li"]) == 2
    assert "“li”（查阅）无权修改数据" in capsys.readouterr().err
    monkeypatch.setenv("DANGJIAN_PASSWORD", "wrong")
    assert main([*data, "period", "open", "2026-03", "--user", "boss"]) == 2
    assert "用户名或密码错误" in capsys.readouterr().err
    monkeypatch.setenv("DANGJIAN_PASSWORD", "Boss-pass-2026")
    assert main([*data, "period", "open", "2026-03", "--user", "boss"]) == 0
    capsys.readouterr()
    assert main([*data, "user", "list", "--user", "boss"]) == 0
    out = capsys.readouterr().out
    assert "boss" in out and "li\tli\t查阅" in out


def test_password_from_the_prompt_and_own_password_change(data: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["Boss-pass-2026", "Boss-pass-2026"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(answers))
    assert main([*data, "user", "add", "boss", "--role", "管理员"]) == 0
    answers = iter(["Boss-pass-2026", "Boss-pass-2026", "Changed-pass-456", "Changed-pass-456"])  # login, old, new, again
    assert main([*data, "user", "passwd", "boss", "--user", "boss"]) == 0
    answers = iter(["Changed-pass-456"])
    assert main([*data, "period", "open", "2026-03", "--user", "boss"]) == 0
    answers = iter(["Changed-pass-456", "Changed-pass-456", "a-new-pass", "different!"])  # the two new ones differ
    assert main([*data, "user", "passwd", "boss", "--user", "boss"]) == 2


def test_every_command_explains_user_in_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["period", "--help"])
    assert "数据库还没有用户账户时，命令以操作员身份执行，拥有全部权限" in capsys.readouterr().out.replace("\n", "").replace(" ", "")


def test_restore_and_demo_replacement_need_an_administrator_once_accounts_exist(
        data: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DANGJIAN_NEW_PASSWORD", "Boss-pass-2026")
    assert main([*data, "user", "add", "boss", "--role", "管理员"]) == 0
    monkeypatch.setenv("DANGJIAN_PASSWORD", "Boss-pass-2026")
    assert main([*data, "backup", "--user", "boss"]) == 0
    monkeypatch.setenv("DANGJIAN_NEW_PASSWORD", "Li-reads-only")
    assert main([*data, "user", "add", "li", "--role", "考评员", "--user", "boss"]) == 0
    capsys.readouterr()
    assert main([*data, "restore", "1"]) == 2
    assert "请用 --user" in capsys.readouterr().err
    monkeypatch.setenv("DANGJIAN_PASSWORD", "Li-reads-only")
    assert main([*data, "restore", "1", "--user", "li"]) == 2
    assert "无权从备份恢复数据库" in capsys.readouterr().err
    assert main([*data, "demo", "--size", "tiny", "--force", "--user", "li"]) == 2
    assert "无权" in capsys.readouterr().err
    monkeypatch.setenv("DANGJIAN_PASSWORD", "Boss-pass-2026")
    assert main([*data, "restore", "1", "--force", "--user", "boss"]) == 0  # the backup lacks the later users
