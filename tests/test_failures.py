"""Every failure in Chinese, never a traceback (issue 13, part 8).

A read-only data folder, a read-only database file, a full disk, a database another program is writing, an
output folder that cannot be written, a damaged database file: each command ends with exit code 2, one
`错误：` line in Chinese on stderr (no traceback, no English words of the OS or of SQLite), the traceback in the
command's log file, and no half-written file left behind.  A long write waits for another program's write
lock, saying so after a second, instead of failing at once.

Read-only and full disks are real: a bind mount remounted read-only and a tiny tmpfs (the machine must allow
mounting, as root in CI does; without root, chmod makes a folder read-only).  Tests skip, with the reason, only
where neither works."""

from __future__ import annotations

import errno
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest

from app import failures
from app.cli import CLI_LOG_FILE, main
from app.errors import DatabaseBusyError, DatabaseError, IntegrityCheckError

POSIX = os.name == "posix"
ROOT = POSIX and os.geteuid() == 0

# What the OS and SQLite say in English; none of it may reach the user.
ENGLISH = ("Traceback", "Errno", "Error:", "Read-only file system", "No space left", "Permission denied",
           "database is locked", "readonly database", "unable to open", "disk is full", "not a database",
           "malformed", "OperationalError", "sqlalchemy", "sqlite3.", "Background on this error", "File \"")


def assert_said_in_chinese(err: str, *paths: Path) -> None:
    """One `错误：` line, no traceback, no English sentence (paths and command names aside)."""
    assert "错误：" in err, err
    for word in ENGLISH:
        assert word not in err, f"{word!r} in: {err}"
    plain = err
    for p in sorted((str(p) for p in paths), key=len, reverse=True):
        plain = plain.replace(p, "")
    plain = re.sub(r"/\S*|dangjian \w+|--[\w-]+|SQLite|PostgreSQL", "", plain)
    assert not re.search(r"[A-Za-z]{3,}(?: [A-Za-z]{2,}){2,}", plain), err


def logged_traceback(*folders: Path) -> str:
    text = "".join((f / CLI_LOG_FILE).read_text(encoding="utf-8") for f in folders if (f / CLI_LOG_FILE).exists())
    assert "Traceback" in text, f"no traceback in the log files of {folders}"
    return text


def leftovers(folder: Path) -> list[str]:
    """Temporary or partial files (a half-written output) in `folder`, recursively."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.name.startswith(".") or p.suffix in (".tmp", ".partial", ".creating"))


# --- making a disk read-only or full ------------------------------------------------------------------------------

def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True, check=False).returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """`path` (a folder or a file) read-only for this process: chmod for a normal user; as root, whom chmod
    does not stop, a bind mount of it remounted read-only."""
    if not POSIX:
        pytest.skip("只读文件夹的测试需要 POSIX（Windows 的只读属性不阻止在文件夹中建文件）")
    if not ROOT:
        mode = path.stat().st_mode & 0o777
        path.chmod(0o500 if path.is_dir() else 0o400)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    if not (_mount("--bind", str(path), str(path)) and _mount("-o", "remount,ro,bind", str(path))):
        _umount(path)
        pytest.skip("以 root 运行且不能挂载（mount --bind 被拒绝）：无法让文件夹对 root 只读")
    try:
        yield
    finally:
        _umount(path)


@contextmanager
def small_disk(folder: Path, size_kb: int) -> Iterator[Path]:
    """A tmpfs of `size_kb` mounted on `folder` (created), unmounted afterwards."""
    if not ROOT:
        pytest.skip("模拟磁盘已满需要以 root 挂载一个很小的 tmpfs，本机不是 root")
    folder.mkdir(parents=True, exist_ok=True)
    if not _mount("-t", "tmpfs", "-o", f"size={size_kb}k,mode=0700", "tmpfs", str(folder)):
        pytest.skip("本机不允许挂载 tmpfs，无法模拟磁盘已满")
    try:
        yield folder
    finally:
        _umount(folder)


@contextmanager
def writable(folder: Path) -> Iterator[None]:
    """`folder`, inside a read-only one, writable: as it is for a normal user (chmod reaches only the parent);
    as root under a read-only bind mount, a tmpfs of its own."""
    if not ROOT:
        yield
        return
    with small_disk(folder, 16384):
        yield


def fill(folder: Path) -> None:
    """Use up every free byte of `folder`'s disk."""
    fd = os.open(folder / "filler.bin", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for chunk in (65536, 1):
            try:
                while os.write(fd, b"\0" * chunk):
                    pass
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


# --- a tiny demo county, copied for each test ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("failures") / "county"
    assert main(["--data-dir", str(data), "demo", "--size", "tiny"]) == 0
    return data


@pytest.fixture
def data(county: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's copy of the county; the fallback log folder inside tmp_path."""
    copy = tmp_path / "data"
    shutil.copytree(county, copy)
    (copy / "logs" / CLI_LOG_FILE).unlink(missing_ok=True)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    return copy


def fallback_logs(tmp_path: Path) -> Path:
    from app.logfile import fallback_log_folder

    folder = fallback_log_folder()
    assert str(folder).startswith(str(tmp_path))
    return folder


@pytest.fixture
def workbook(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The county's register, exported, with a new 备注 for every unit: an import that changes something."""
    path = tmp_path / "register.xlsx"
    assert main(["--data-dir", str(data), "export", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    ws = wb["单位"]
    note = [c.value for c in ws[1]].index("备注") + 1
    for row in range(2, ws.max_row + 1):
        ws.cell(row, note).value = "导入后的备注"
    wb.save(path)
    capsys.readouterr()
    return path


def unit_notes(data: Path) -> set[str | None]:
    con = sqlite3.connect(data / "dangjian.sqlite3")
    try:
        return {r[0] for r in con.execute("SELECT note FROM unit")}
    finally:
        con.close()


def last_month() -> str:
    import datetime as dt

    import frozen

    return f"{frozen.today().replace(day=1) - dt.timedelta(days=1):%Y-%m}"


def run(data: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["--data-dir", str(data), *argv])
    return code, capsys.readouterr().err


# --- the mapping ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "words"), [
    (errno.EROFS, "只读"), (errno.EACCES, "没有权限"), (errno.ENOSPC, "磁盘已满"), (errno.EDQUOT, "磁盘已满"),
    (errno.ENOENT, "不存在"),
])
def test_os_errors_are_said_in_chinese_naming_the_path(code: int, words: str) -> None:
    exc = OSError(code, os.strerror(code), "/srv/报表/x.docx")
    said = failures.known_failure(exc)
    assert said is not None and words in said.message and "/srv/报表/x.docx" in said.message
    assert os.strerror(code) not in said.message
    # a temporary file of ours is named by its folder, the one the user chose
    tmp = failures.describe_os_error(OSError(code, os.strerror(code), "/srv/报表/.x.abc.tmp"))
    assert "文件夹“/srv/报表”" in tmp and ".tmp" not in tmp


@pytest.mark.parametrize(("text", "kind", "words"), [
    ("database is locked", DatabaseBusyError, "另一个程序正在写入数据库"),
    ("attempt to write a readonly database", DatabaseError, "只读"),
    ("unable to open database file", DatabaseError, "无法打开数据库"),
    ("disk I/O error", DatabaseError, "磁盘出错"),
    ("database or disk is full", DatabaseError, "磁盘已满"),
    ("file is not a database", IntegrityCheckError, "dangjian restore"),
    ("database disk image is malformed", IntegrityCheckError, "已损坏"),
])
def test_sqlite_errors_raw_or_wrapped_are_said_in_chinese(text: str, kind: type, words: str) -> None:
    from sqlalchemy import exc as sa_exc

    raw = sqlite3.OperationalError(text)
    for exc in (raw, sa_exc.OperationalError("UPDATE unit SET note=?", ("秘密",), raw)):
        said = failures.known_failure(exc, Path("/data/dangjian.sqlite3"))
        assert isinstance(said, kind) and words in said.message
        assert text not in said.message and "秘密" not in said.message and "UPDATE" not in said.message


def test_a_server_that_refuses_is_said_in_chinese() -> None:
    from sqlalchemy import exc as sa_exc

    class FakeDriverError(Exception):
        pass

    refused = sa_exc.OperationalError(None, None, FakeDriverError(
        'connection failed: connection to server at "10.0.0.9", port 5432 failed: Connection refused'))
    said = failures.known_failure(refused, "postgresql+psycopg://u@10.0.0.9/county")
    assert said is not None and "没有在这个端口上接受连接" in said.message
    auth = sa_exc.OperationalError(None, None, FakeDriverError('password authentication failed for user "u"'))
    assert "拒绝登录" in failures.explain(auth)


def test_anything_else_stays_a_bug() -> None:
    assert failures.known_failure(KeyError("x")) is None
    assert failures.known_failure(sqlite3.OperationalError("no such column: foo")) is None


# --- a defect of the program --------------------------------------------------------------------------------------

def test_an_unexpected_error_prints_one_chinese_line_and_the_log_file(data: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    import app.cli.register_io as register_io

    def broken(_args: object) -> int:
        raise KeyError("a bug")

    monkeypatch.setattr(register_io, "run_export", broken)
    code, err = run(data, capsys, "export", str(tmp_path / "x.xlsx"))
    assert code == 1
    assert "程序本身的缺陷" in err and str(data / "logs" / CLI_LOG_FILE) in err
    assert "Traceback" not in err and "KeyError" not in err
    assert "KeyError: 'a bug'" in logged_traceback(data / "logs")


# --- read-only data folder ----------------------------------------------------------------------------------------

READ_COMMANDS = [["ranking"], ["export", "{out}/x.xlsx"], ["backup"], ["import", "{workbook}"],
                 ["period", "list"]]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: c[0])
def test_read_only_data_folder(command: list[str], data: Path, workbook: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    argv = [a.replace("{out}", str(out)).replace("{workbook}", str(workbook)) for a in command]
    for extra in ("-wal", "-shm"):  # a closed database: SQLite must make these to open it
        Path(f"{data / 'dangjian.sqlite3'}{extra}").unlink(missing_ok=True)
    with read_only(data):
        code, err = run(data, capsys, *argv)
    assert code == 2
    assert_said_in_chinese(err, data, out, workbook)
    assert "只读" in err and str(data) in err
    assert list(out.iterdir()) == []
    logged_traceback(data / "logs", fallback_logs(tmp_path))


# --- read-only database file --------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["import", "{workbook}"], ["backup"], ["export", "{out}/x.xlsx"]],
                         ids=lambda c: c[0])
def test_read_only_database_file(command: list[str], data: Path, workbook: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    argv = [a.replace("{out}", str(out)).replace("{workbook}", str(workbook)) for a in command]
    before = unit_notes(data)
    with read_only(data / "dangjian.sqlite3"):
        code, err = run(data, capsys, *argv)
    assert code == 2
    assert_said_in_chinese(err, data, out, workbook)
    assert "只读" in err
    assert unit_notes(data) == before
    assert list(out.iterdir()) == []
    assert leftovers(data) == []
    logged_traceback(data / "logs", fallback_logs(tmp_path))


# --- full disk ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["import", "{workbook}"], ["backup"]], ids=lambda c: c[0])
def test_full_disk_under_the_data_folder(command: list[str], data: Path, workbook: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    size_kb = sum(p.stat().st_size for p in data.rglob("*") if p.is_file()) // 1024 + 2048
    with small_disk(tmp_path / "disk", size_kb) as disk:
        full = disk / "data"
        shutil.copytree(data, full)
        argv = [a.replace("{workbook}", str(workbook)) for a in command]
        before = unit_notes(full)
        fill(disk)
        code, err = run(full, capsys, *argv)
        assert code == 2
        assert_said_in_chinese(err, full, workbook)
        assert "磁盘已满" in err
        (disk / "filler.bin").unlink()  # room again: what the command left is looked at as the user would
        assert unit_notes(full) == before
        assert leftovers(full) == [], "a half-written backup or journal was left"
        logged_traceback(full / "logs", fallback_logs(tmp_path))


def _out_commands() -> list[list[str]]:
    month = last_month()
    return [["export", "{out}/名册.xlsx"], ["report", "bulletin", month, "--out", "{out}/通报.docx"],
            ["packets", month[:4], "--out", "{out}/材料"], ["screenshot", "{out}/图片"],
            ["migrate-db", "--to", "{out}/副本.sqlite3"]]


@pytest.mark.parametrize("command", _out_commands(), ids=lambda c: c[0])
def test_full_disk_under_the_output_folder(command: list[str], data: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    with small_disk(tmp_path / "disk", 512) as out:
        fill(out)
        argv = [a.replace("{out}", str(out)) for a in command]
        code, err = run(data, capsys, *argv)
        assert code == 2
        assert_said_in_chinese(err, data, out)
        assert "磁盘已满" in err
        assert [p.name for p in out.iterdir() if p.is_file()] == ["filler.bin"], "a half-written file was left"
        assert leftovers(out) == []
    logged_traceback(data / "logs")


# --- an output folder that cannot be written ----------------------------------------------------------------------

@pytest.mark.parametrize("command", _out_commands(), ids=lambda c: c[0])
def test_unwritable_output_folder(command: list[str], data: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    argv = [a.replace("{out}", str(out)) for a in command]
    with read_only(out):
        code, err = run(data, capsys, *argv)
    assert code == 2
    assert_said_in_chinese(err, data, out)
    assert "只读" in err or "没有写入权限" in err or "没有权限" in err
    assert list(out.iterdir()) == []
    logged_traceback(data / "logs")


def test_unwritable_backup_folder(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backups = data / "backups"
    before = sorted(p.name for p in backups.iterdir())
    with read_only(backups):
        code, err = run(data, capsys, "backup")
    assert code == 2
    assert_said_in_chinese(err, data)
    assert "备份失败" in err and ("只读" in err or "没有权限" in err)
    assert sorted(p.name for p in backups.iterdir()) == before
    logged_traceback(data / "logs")


def test_packets_zip_beside_an_unwritable_folder_leaves_no_half_zip(data: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The documents go into a folder that can be written; the zip beside it cannot be: said, and no zip."""
    parent = tmp_path / "parent"
    folder = parent / "材料"
    folder.mkdir(parents=True)
    with read_only(parent), writable(folder):
        code, err = run(data, capsys, "packets", last_month()[:4], "--out", str(folder))
        assert any(p.suffix == ".docx" for p in folder.iterdir()) and leftovers(folder) == []
    assert code == 2
    assert_said_in_chinese(err, data, parent)
    assert "压缩包" in err and "文件夹中的文件都是完整的" in err
    assert sorted(p.name for p in parent.iterdir()) == ["材料"]


def test_output_folder_that_does_not_exist(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(data, capsys, "migrate-db", "--to", str(tmp_path / "没有" / "副本.sqlite3"))
    assert code == 2
    assert_said_in_chinese(err, data, tmp_path)
    assert "不存在" in err
    logged_traceback(data / "logs")


# --- a damaged database file --------------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["garbage", "pages"])
@pytest.mark.parametrize("command", [["ranking"], ["export", "{out}/x.xlsx"], ["backup"], ["import", "{workbook}"]],
                         ids=lambda c: c[0])
def test_damaged_database(command: list[str], how: str, data: Path, workbook: Path, tmp_path: Path,
                          damage_database, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    db_file = data / "dangjian.sqlite3"
    if how == "garbage":
        db_file.write_bytes(b"this is no database, only text " * 2000)
    else:
        damage_database(db_file)
    out = tmp_path / "out"
    out.mkdir()
    argv = [a.replace("{out}", str(out)).replace("{workbook}", str(workbook)) for a in command]
    code, err = run(data, capsys, *argv)
    assert code == 2
    assert_said_in_chinese(err, data, out, workbook)
    assert "损坏" in err and "dangjian restore" in err
    assert list(out.iterdir()) == []
    logged_traceback(data / "logs")


# --- another program writing --------------------------------------------------------------------------------------

class Holder:
    """Another program's connection that holds SQLite's write lock (BEGIN IMMEDIATE) until released."""

    def __init__(self, db_file: Path) -> None:
        self.db_file = db_file
        self.held, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        con = sqlite3.connect(self.db_file, isolation_level=None, check_same_thread=False)
        try:
            con.execute("BEGIN IMMEDIATE")
            self.held.set()
            self.release.wait(60)
            con.execute("COMMIT")
        finally:
            con.close()

    def __enter__(self) -> Holder:
        self.thread.start()
        assert self.held.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(10)


def test_an_import_waits_for_another_writer_and_says_so(data: Path, workbook: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    import app.cli as cli

    said = cli._say_waiting
    with Holder(data / "dangjian.sqlite3") as holder:
        def waiting() -> None:
            said()
            holder.release.set()  # the other program finishes once the import has waited (more than a second)

        monkeypatch.setattr(cli, "_say_waiting", waiting)
        code, err = run(data, capsys, "import", str(workbook))
    assert code == 0, err
    assert failures.WRITE_WAIT_TEXT in err
    assert unit_notes(data) == {"导入后的备注"}


def test_an_import_gives_up_after_the_setting_and_writes_nothing(data: Path, workbook: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    con = sqlite3.connect(data / "dangjian.sqlite3")
    con.execute("INSERT INTO setting (key, value) VALUES ('db.write_wait_seconds', '1')")
    con.commit()
    con.close()
    before = unit_notes(data)
    with Holder(data / "dangjian.sqlite3"):
        code, err = run(data, capsys, "import", str(workbook))
    assert code == 2
    assert_said_in_chinese(err, data, workbook)
    assert "另一个程序正在写入数据库，等待了1秒仍未结束" in err and "没有保存任何内容" in err
    assert unit_notes(data) == before
    logged_traceback(data / "logs")


def test_a_short_write_waits_with_the_notice_too(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every unit of work of the audit trail takes the lock first (app.services.audit.unit_of_work): it waits
    the same way, and the listener (the main window's status bar) hears of it."""
    from app.db import set_write_wait_notice
    from app.services.opening import open_database
    from app.services.register import RegisterService, UnitInput

    db = open_database(data / "dangjian.sqlite3")
    heard: list[str] = []
    try:
        with Holder(data / "dangjian.sqlite3") as holder:
            def notice() -> None:
                heard.append("waiting")
                holder.release.set()

            previous = set_write_wait_notice(notice)
            try:
                RegisterService(db.session_factory).save_unit(UnitInput("县新设局"))
            finally:
                set_write_wait_notice(previous)
    finally:
        db.close()
    assert heard == ["waiting"]


# --- the backup's own clean-up ------------------------------------------------------------------------------------

def test_a_backup_reports_its_own_failure_not_the_failed_cleanup(data: Path, tmp_path: Path) -> None:
    from app.errors import BackupError
    from app.services.backup import make_backup

    target = tmp_path / "backups"
    target.mkdir()
    with read_only(target), pytest.raises(BackupError) as caught:
        make_backup(data / "dangjian.sqlite3", target)
    assert "备份失败" in caught.value.message
    assert "只读" in caught.value.message or "没有权限" in caught.value.message
    assert_said_in_chinese(f"错误：{caught.value.message}", target)


# --- the main window ----------------------------------------------------------------------------------------------

def test_the_main_window_says_os_and_database_errors_in_chinese(qtbot, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                              caplog: pytest.LogCaptureFixture) -> None:
    from PySide6.QtWidgets import QMessageBox

    from app.ui import errors

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    monkeypatch.setattr(errors, "report_bug", lambda *a, **k: shown.append("BUG"))
    for exc in (OSError(errno.ENOSPC, "No space left on device", "/data/x.docx"),
                sqlite3.OperationalError("database is locked"), KeyError("a bug")):
        try:
            raise exc
        except Exception as raised:  # noqa: BLE001 (as a task's failure arrives: raised, with its traceback)
            errors.show_error(None, raised)
    assert shown[0].startswith("磁盘已满") and "/data/x.docx" in shown[0]
    assert "另一个程序正在写入数据库" in shown[1]
    assert shown[2] == "BUG"
    assert "Traceback" in caplog.text and "No space left on device" in caplog.text


@pytest.mark.sqlite_only  # SQLite's write lock: a server locks rows and has nothing of the kind to wait for
def test_the_main_window_shows_the_wait_in_its_status_bar(qtbot, paths, db) -> None:  # type: ignore[no-untyped-def]
    """A save on a worker thread waits for another program's write: the status bar says so."""
    from app.db import set_write_wait_notice
    from app.services.register import RegisterService, UnitInput
    from app.ui.context import AppContext
    from app.ui.mainwindow import MainWindow

    previous = set_write_wait_notice(None)
    window = MainWindow(AppContext(paths, db))
    qtbot.addWidget(window)
    done = threading.Event()
    try:
        with Holder(paths.db_path):
            worker = threading.Thread(target=lambda: (RegisterService(db.session_factory).save_unit(
                UnitInput("县新设局")), done.set()), daemon=True)
            worker.start()
            qtbot.waitUntil(lambda: window.statusBar().currentMessage() == failures.WRITE_WAIT_TEXT, timeout=10_000)
            assert not done.is_set()  # still waiting while the other program holds the lock
        worker.join(10)
        assert done.is_set()
    finally:
        set_write_wait_notice(previous)


def test_the_main_window_does_not_start_on_a_read_only_data_folder_with_a_traceback(
        qtbot, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    from app.paths import app_paths
    from app.ui import application

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: shown.append(text))
    for extra in ("-wal", "-shm"):
        Path(f"{data / 'dangjian.sqlite3'}{extra}").unlink(missing_ok=True)
    paths = app_paths(data)
    with read_only(data):
        application.setup_logging(paths)  # the log goes to the fallback folder
        assert application.open_database_interactively(paths) is None
    assert len(shown) == 1 and "只读" in shown[0] and str(data) in shown[0]
    assert_said_in_chinese(f"错误：{shown[0]}", data)
