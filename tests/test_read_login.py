"""Reading needs a login once accounts exist (issue 13, part 2).

Every command of the parser, found by walking `app.cli.build_parser(load_all=True)` (so a command added later
is covered without touching this file), is refused without `--user` on a database that has accounts and runs for a 查阅
user; without accounts it runs as before.  The few that need no login are listed here with the reason, and must
match app.cli.accounts.NO_LOGIN exactly.  Then a few real commands on a demo county: nothing of the county
leaves without a login (no export file, no backup copy), and a 查阅 user may read and dry-run an import but not
import."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import frozen
import openpyxl
import pytest
from argon2 import PasswordHasher

import app.cli as cli
from app.cli import main
from app.cli.accounts import COMMAND_KEY, NO_LOGIN
from app.models import Role
from app.paths import AppPaths
from app.services import accounts
from app.services.accounts import AccountService, acting_as
from app.services.opening import open_database

pytestmark = pytest.mark.usefixtures("cheap_hashes")

ADMIN_PW = "Boss-pass-2026"
VIEWER_PW = "Li-reads-only"

# The commands that run without a login, and why (the same words as app.cli.accounts.NO_LOGIN).
EXPECTED_NO_LOGIN = {
    "": "不带命令时打开主窗口，主窗口启动时自己弹出登录对话框",
    "gui": "打开主窗口，主窗口启动时自己弹出登录对话框",
    "check": "只检查数据库文件的完整性、外键和版本，不显示任何党员或考评数据",
    "template": "只生成空白的名册导入模板，不打开数据库",
    "orglife template": "只生成空白的组织生活导入模板，不打开数据库",
}


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse._SubParsersAction]:
    return [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]


def _leaves(parser: argparse.ArgumentParser, prefix: str = "") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every runnable command: a sub-parser without sub-commands of its own, by its words ("report bulletin")."""
    for sub in _subparsers(parser):
        for name, child in sub.choices.items():
            path = f"{prefix} {name}".strip()
            if _subparsers(child):
                yield from _leaves(child, path)
            else:
                yield path, child


COMMANDS = sorted(path for path, _ in _leaves(cli.build_parser(load_all=True)))
GUARDED = [c for c in COMMANDS if c not in EXPECTED_NO_LOGIN]


def _value_for(action: argparse.Action) -> str:
    """A value the parser accepts for a required argument (the command itself is replaced, so any will do)."""
    if action.choices:
        return str(next(iter(action.choices)))
    for candidate in ("2026-10", "2026", "1", "file.xlsx"):
        try:
            if action.type is None or action.type(candidate) is not None:  # type: ignore[operator]
                return candidate
        except (argparse.ArgumentTypeError, ValueError, TypeError):
            continue
    raise AssertionError(f"no value found for {action.dest}")


def _argv(path: str, parser: argparse.ArgumentParser) -> list[str]:
    args = path.split()
    for action in parser._actions:
        if not action.option_strings and action.nargs not in ("?", "*", argparse.SUPPRESS):
            args.append(_value_for(action))
        elif action.option_strings and action.required:
            args += [action.option_strings[0], _value_for(action)]
    for group in parser._mutually_exclusive_groups:
        if group.required:
            first = group._group_actions[0]
            args += [first.option_strings[0]] + ([] if first.nargs == 0 else [_value_for(first)])
    return args


class Spy:
    """Stands in for a command: records that it ran and who it ran as."""

    def __init__(self) -> None:
        self.calls: list[accounts.Actor | None] = []

    def __call__(self, args: argparse.Namespace) -> int:
        self.calls.append(accounts.current())
        return 0


def _add_accounts(paths: AppPaths) -> None:
    db = open_database(paths.database, backup_dir=paths.backup_dir)
    try:
        service = AccountService(db.session_factory)
        boss = service.create_first_admin("boss", "王书记", ADMIN_PW)
        with acting_as(boss):
            service.add_user("li", "李查阅", Role.VIEWER, VIEWER_PW)
    finally:
        db.close()


@pytest.fixture
def with_accounts(paths: AppPaths) -> AppPaths:
    _add_accounts(paths)
    return paths


def _run_spied(monkeypatch: pytest.MonkeyPatch, path: str, data_dir: Path, *extra: str) -> tuple[int, Spy]:
    """`dangjian --data-dir DIR <path> <required values> <extra>` with the command replaced by a Spy."""
    parser = cli.build_parser(load_all=True)
    leaf = dict(_leaves(parser))[path]
    spy = Spy()
    leaf.set_defaults(func=spy)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    return main(["--data-dir", str(data_dir), *_argv(path, leaf), *extra]), spy


def test_the_commands_without_a_login_are_exactly_the_listed_ones() -> None:
    assert NO_LOGIN == EXPECTED_NO_LOGIN
    assert set(EXPECTED_NO_LOGIN) - {""} <= set(COMMANDS)  # none of them names a command that is gone
    assert len(GUARDED) >= 20 and {"export", "backup", "user", "screenshot", "ranking", "period", "audit",
                                   "report bulletin", "packets", "alerts", "import"} <= set(GUARDED)


@pytest.mark.parametrize("path", COMMANDS)
def test_every_command_knows_its_name_and_takes_user(path: str) -> None:
    leaf = dict(_leaves(cli.build_parser(load_all=True)))[path]
    assert leaf.get_default(COMMAND_KEY) == path
    assert any("--user" in a.option_strings for a in leaf._actions)


@pytest.mark.parametrize("path", GUARDED)
def test_with_accounts_every_command_is_refused_without_user(path: str, with_accounts: AppPaths,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, spy = _run_spied(monkeypatch, path, with_accounts.data_dir)
    assert code == 2 and spy.calls == []
    assert "数据库已建立用户账户，请用 --user 用户名 登录后再执行此命令" in capsys.readouterr().err


@pytest.mark.parametrize("path", GUARDED)
def test_with_accounts_every_command_runs_for_a_viewer(path: str, with_accounts: AppPaths,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DANGJIAN_PASSWORD", VIEWER_PW)
    code, spy = _run_spied(monkeypatch, path, with_accounts.data_dir, "--user", "li")
    assert code == 0 and len(spy.calls) == 1
    actor = spy.calls[0]
    assert actor is not None and (actor.username, actor.role) == ("li", Role.VIEWER)
    assert accounts.current() is None  # nobody stays logged in after the command


@pytest.mark.parametrize("path", GUARDED)
def test_a_wrong_password_is_refused_for_every_command(path: str, with_accounts: AppPaths,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DANGJIAN_PASSWORD", "not-the-password")
    code, spy = _run_spied(monkeypatch, path, with_accounts.data_dir, "--user", "li")
    assert code == 2 and spy.calls == [] and "用户名或密码错误" in capsys.readouterr().err


@pytest.mark.parametrize("path", COMMANDS)
def test_without_accounts_every_command_runs_as_the_operator(path: str, paths: AppPaths,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    code, spy = _run_spied(monkeypatch, path, paths.data_dir)
    assert code == 0 and spy.calls == [None]


def test_a_new_data_folder_has_no_accounts_to_ask_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, spy = _run_spied(monkeypatch, "period", tmp_path / "new")
    assert code == 0 and spy.calls == [None]
    assert not (tmp_path / "new").exists()  # the login looked, and created nothing


@pytest.mark.parametrize("path", [c for c in COMMANDS if c in EXPECTED_NO_LOGIN])
def test_the_listed_commands_run_without_a_login(path: str, with_accounts: AppPaths,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    code, spy = _run_spied(monkeypatch, path, with_accounts.data_dir)
    assert code == 0 and spy.calls == [None]


# --- real commands on a demo county ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A tiny demo county with an administrator and a 查阅 account, shared by the tests below (they only read)."""
    data = tmp_path_factory.mktemp("county") / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts, "hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
        assert main(["--data-dir", str(data), "demo", "--size", "tiny"]) == 0
        _add_accounts(AppPaths(data))
    yield data


@pytest.fixture
def as_viewer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DANGJIAN_PASSWORD", VIEWER_PW)


def test_no_export_leaves_without_a_login(county: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "名册.xlsx"
    assert main(["--data-dir", str(county), "export", str(out)]) == 2
    assert not out.exists() and "请用 --user" in capsys.readouterr().err


def test_no_backup_copy_is_made_without_a_login(county: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = sorted((county / "backups").iterdir())
    assert main(["--data-dir", str(county), "backup"]) == 2
    assert sorted((county / "backups").iterdir()) == before and "请用 --user" in capsys.readouterr().err


def test_a_viewer_exports_the_masked_register_and_reads_the_ranking(county: Path, tmp_path: Path, as_viewer: None,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "名册.xlsx"
    assert main(["--data-dir", str(county), "export", str(out), "--user", "li"]) == 0
    assert out.is_file()
    assert main(["--data-dir", str(county), "export", str(tmp_path / "full.xlsx"), "--reveal", "--user", "li"]) == 2
    assert "无权导出完整的身份证号和电话" in capsys.readouterr().err
    assert main(["--data-dir", str(county), "period", "list", "--user", "li"]) == 0
    assert main(["--data-dir", str(county), "report", "list", "--user", "li"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(county), "user", "list", "--user", "li"]) == 2  # the accounts: administrators
    assert "无权管理用户账户" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["alerts"], ["ranking"], ["audit", "verify"], ["audit", "head"],
                                     ["compliance", "{month}"], ["scores", "template", "{month}", "{out}"],
                                     ["report", "bulletin", "{month}", "--out", "{out}"]])
def test_a_viewer_runs_the_read_commands_on_real_data(county: Path, tmp_path: Path, command: list[str],
                                                      as_viewer: None, capsys: pytest.CaptureFixture[str]) -> None:
    # last month: the demo, built on the run's day, has it scored and locked
    month = f"{frozen.today().replace(day=1) - dt.timedelta(days=1):%Y-%m}"
    argv = [a.replace("{out}", str(tmp_path / "out.docx" if "report" in command else tmp_path / "out.xlsx"))
            .replace("{month}", month) for a in command]
    assert main(["--data-dir", str(county), *argv]) == 2
    assert "请用 --user" in capsys.readouterr().err and not list(tmp_path.iterdir())
    assert main(["--data-dir", str(county), *argv, "--user", "li"]) == 0, capsys.readouterr().err


def test_a_viewer_may_dry_run_an_import_but_not_import(county: Path, tmp_path: Path, as_viewer: None,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    roster = tmp_path / "名册.xlsx"
    assert main(["--data-dir", str(county), "export", str(roster), "--user", "li"]) == 0
    wb = openpyxl.load_workbook(roster)
    wb["党员"].delete_rows(2, wb["党员"].max_row)  # the units only, one of them with a new 联系人
    wb["单位"]["E2"] = "赵新来"
    wb.save(roster)
    capsys.readouterr()
    assert main(["--data-dir", str(county), "import", str(roster), "--dry-run", "--user", "li"]) == 0
    assert "检查通过（试运行，未写入数据库）：将新增0条，更新1条" in capsys.readouterr().out
    assert main(["--data-dir", str(county), "import", str(roster), "--user", "li"]) == 2
    assert "“李查阅（li）”（查阅）无权修改数据" in capsys.readouterr().err


def test_the_login_before_the_command_is_the_only_one(county: Path, tmp_path: Path, as_viewer: None) -> None:
    """The command opening the database itself does not log in a second time (one 登录 entry per command)."""
    from sqlalchemy import func, select

    from app.models import AuditEntry

    def logins() -> int:
        db = open_database(AppPaths(county).database)
        try:
            with db.session_factory() as s:
                return int(s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "登录")))
        finally:
            db.close()

    before = logins()
    assert main(["--data-dir", str(county), "period", "list", "--user", "li"]) == 0
    assert logins() == before + 1


def test_a_damaged_database_can_still_be_restored_without_accounts_to_check(
        county: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The login cannot read accounts from a file that does not open: the command's own opening says why."""
    broken = tmp_path / "data"
    shutil.copytree(county, broken)
    AppPaths(broken).db_path.write_bytes(b"not a database at all" * 100)
    assert main(["--data-dir", str(broken), "period", "list"]) == 2
    assert "请用 --user" not in capsys.readouterr().err
