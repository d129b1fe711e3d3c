"""The database layer: pragmas, real transactions, refusing newer or foreign files untouched, backup before a
migration, integrity failures, network shares, and a writer killed mid-write."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import frozen
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from app import settings as S
from app.db import (
    BUSY_TIMEOUT_MS,
    NETWORK_WARNING,
    Database,
    head_revision,
    integrity_problems,
    is_network_path,
    make_engine,
    migrate,
    mount_fs_type,
    revisions_base_to_head,
    stored_schema,
)
from app.errors import BackupError, DatabaseError, DatabaseTooNewError, IntegrityCheckError
from app.models import Unit
from app.paths import AppPaths
from app.services import backup
from app.services.opening import open_app_database, open_database


def _fingerprint(directory: Path) -> dict[str, str]:
    """Every file in `directory` with a hash of its bytes."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()}


def _set_version(path: Path, revision: str, *, journal_mode: str = "WAL") -> None:
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute(f"PRAGMA journal_mode={journal_mode}")
        con.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    finally:
        con.close()


# --- pragmas and transactions -----------------------------------------------------------------------------------

@pytest.mark.sqlite_only
def test_every_connection_has_the_pragmas(db: Database) -> None:
    conns = [db.engine.connect() for _ in range(3)]  # three distinct pooled connections at once
    try:
        for conn in conns:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS
    finally:
        for conn in conns:
            conn.close()
    with db.session() as s:
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError, match="(?i)foreign key"), db.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO party_org (unit_id, name, kind, sort_order, active, note) "
                             "VALUES (424242, '孤儿支部', '党支部', 0, true, '')")


def test_a_rolled_back_unit_of_work_leaves_nothing_even_ddl(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session() as s:
        s.add(Unit(name="县财政局"))
        s.flush()
        s.execute(text("CREATE TABLE scratch (id INTEGER)"))
        raise RuntimeError("abort")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM unit").scalar() == 0
        assert not inspect(conn).has_table("scratch")


def test_engine_is_made_on_demand_not_at_import() -> None:
    out = subprocess.run([sys.executable, "-c", "import app.db, sqlalchemy.pool as p; "
                          "import gc; from sqlalchemy import Engine; "
                          "print(sum(isinstance(o, Engine) for o in gc.get_objects()))"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


# --- a new database ---------------------------------------------------------------------------------------------

def test_new_database_is_created_at_head_without_backup(tmp_path: Path) -> None:
    paths = AppPaths(tmp_path / "data").ensure()
    db = open_app_database(paths)
    try:
        assert db.created
        assert db.backups_made == []
        assert stored_schema(paths.db_path).revision == head_revision()
    finally:
        db.close()


# --- a database from a newer app, or not ours -----------------------------------------------------------------

@pytest.mark.sqlite_only
@pytest.mark.parametrize("journal_mode", ["WAL", "DELETE"])
def test_too_new_database_is_refused_and_left_byte_identical(paths: AppPaths, journal_mode: str) -> None:
    _set_version(paths.db_path, "9999_from_the_future", journal_mode=journal_mode)
    before = _fingerprint(paths.data_dir)
    assert set(before) == {paths.db_path.name}  # no -wal or -shm beside it
    with pytest.raises(DatabaseTooNewError, match="更新版本的程序.*未作任何改动"):
        open_database(paths.db_path, backup_dir=paths.backup_dir)
    with pytest.raises(DatabaseTooNewError):
        open_app_database(paths)
    assert _fingerprint(paths.data_dir) == before  # not even a -wal or -shm was created
    assert backup.list_backups(paths.backup_dir) == []


@pytest.mark.sqlite_only
def test_too_new_database_with_a_hot_wal_is_refused_and_its_data_files_unchanged(paths: AppPaths) -> None:
    """A newer app crashed and left commits in the -wal: the database and the -wal stay exactly as they were
    (SQLite may rebuild the -shm index, which holds no data)."""
    _set_version(paths.db_path, "9999_from_the_future")
    code = textwrap.dedent(f"""
        import os, sqlite3
        con = sqlite3.connect({str(paths.db_path)!r}, isolation_level=None)
        con.execute("PRAGMA wal_autocheckpoint=0")
        con.execute("INSERT INTO unit (name, short_name, category, party_secretary, contact_person, contact_phone,"
                    " sort_order, active, note) VALUES ('县未来局', '', '', '', '', '', 0, 1, '')")
        os.kill(os.getpid(), 9)
    """)
    subprocess.run([sys.executable, "-c", code], check=False)
    wal = Path(str(paths.db_path) + "-wal")
    assert wal.stat().st_size > 0
    before = {k: v for k, v in _fingerprint(paths.data_dir).items() if not k.endswith("-shm")}
    with pytest.raises(DatabaseTooNewError):
        open_database(paths.db_path, backup_dir=paths.backup_dir)
    after = {k: v for k, v in _fingerprint(paths.data_dir).items() if not k.endswith("-shm")}
    assert after == before


def test_a_foreign_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE contacts (name TEXT)")
    con.commit()
    con.close()
    before = _fingerprint(tmp_path)
    with pytest.raises(DatabaseError, match="不是本程序的数据库"):
        open_database(path)
    assert _fingerprint(tmp_path) == before


# --- migrating an older database ---------------------------------------------------------------------------------

def _add_unit(db_path: Path, name: str) -> None:
    con = sqlite3.connect(db_path)
    con.execute("INSERT INTO unit (name, short_name, category, party_secretary, contact_person, contact_phone,"
                " sort_order, active, note) VALUES (?, '', '', '', '', '', 0, 1, '')", (name,))
    con.commit()
    con.close()


def test_migration_from_the_first_revision_backs_up_first(tmp_path: Path) -> None:
    revisions = revisions_base_to_head()
    if len(revisions) < 2:
        pytest.skip("only one revision: nothing older to migrate from")
    paths = AppPaths(tmp_path / "data").ensure()
    engine = make_engine(paths.db_path)
    migrate(engine, revisions[0])
    engine.dispose()
    _add_unit(paths.db_path, "县档案馆")

    db = open_app_database(paths)
    try:
        assert db.migrated_from == revisions[0]
        assert stored_schema(paths.db_path).revision == head_revision()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT name FROM unit").scalars().all() == ["县档案馆"]
    finally:
        db.close()
    migrate_backups = [b for b in backup.list_backups(paths.backup_dir) if b.reason == "migrate"]
    assert len(migrate_backups) == 1
    saved = migrate_backups[0].path
    assert db.backups_made[0] == saved
    assert stored_schema(saved).revision == revisions[0]  # taken before the migration
    assert integrity_problems(saved) == []


@pytest.mark.sqlite_only
def test_migration_onto_a_newer_head_backs_up_first(paths: AppPaths, extend_migrations: Any) -> None:
    """The same on top of today's head, so it stays meaningful whatever the real history is."""
    migrations = extend_migrations({"t9001": "op.create_table('scratch', sa.Column('id', sa.Integer(), primary_key=True))"})
    _add_unit(paths.db_path, "县档案馆")
    old_head = head_revision()
    db = open_database(paths.db_path, backup_dir=paths.backup_dir, migrations=migrations)
    db.close()
    assert stored_schema(paths.db_path).revision == "t9001"
    (saved,) = db.backups_made
    assert stored_schema(saved).revision == old_head
    con = sqlite3.connect(saved)
    assert con.execute("SELECT name FROM unit").fetchall() == [("县档案馆",)]
    con.close()


@pytest.mark.sqlite_only
def test_no_backup_no_migration(paths: AppPaths, extend_migrations: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    migrations = extend_migrations({"t9001": "op.create_table('scratch', sa.Column('id', sa.Integer(), primary_key=True))"})

    def disk_full(*_a: object, **_kw: object) -> Path:
        raise BackupError("备份失败：database or disk is full")

    monkeypatch.setattr(backup, "make_backup", disk_full)
    old_head = head_revision()
    with pytest.raises(BackupError, match="升级数据库前必须先备份.*数据库未升级"):
        open_database(paths.db_path, backup_dir=paths.backup_dir, migrations=migrations)
    assert stored_schema(paths.db_path).revision == old_head


@pytest.mark.sqlite_only
def test_migration_without_a_backup_dir_backs_up_beside_the_database(paths: AppPaths,
                                                                      extend_migrations: Any) -> None:
    migrations = extend_migrations({"t9001": "op.create_table('scratch', sa.Column('id', sa.Integer(), primary_key=True))"})
    db = open_database(paths.db_path, migrations=migrations)
    db.close()
    assert [p.parent for p in db.backups_made] == [paths.db_path.parent / "backups"]


# --- integrity -----------------------------------------------------------------------------------------------------

@pytest.mark.sqlite_only
@pytest.mark.parametrize("middle", [False, True], ids=["schema-pages", "table-pages"])
def test_damaged_database_is_detected(paths: AppPaths, damage_database: Callable[..., None], middle: bool) -> None:
    _add_unit(paths.db_path, "县档案馆")
    damage_database(paths.db_path, middle=middle)
    assert integrity_problems(paths.db_path)
    with pytest.raises(IntegrityCheckError, match="完整性检查未通过"):
        open_database(paths.db_path, backup_dir=paths.backup_dir)


def test_a_file_that_is_not_a_database_is_an_integrity_failure(tmp_path: Path) -> None:
    path = tmp_path / "dangjian.sqlite3"
    path.write_bytes(b"PK\x03\x04 this is a zip, not SQLite" * 200)
    with pytest.raises(IntegrityCheckError, match="已损坏或不是数据库文件"):
        open_database(path)


@pytest.mark.sqlite_only
def test_startup_recovery_restores_the_latest_good_backup(paths: AppPaths,
                                                          damage_database: Callable[..., None]) -> None:
    """The flow the main window offers: integrity failure → latest good backup → restore → open."""
    _add_unit(paths.db_path, "县档案馆")
    db = open_app_database(paths)  # today's first start: a daily backup
    db.close()
    _add_unit(paths.db_path, "县统计局")  # after the backup: lost by the restore, as the user is told
    damage_database(paths.db_path)

    with pytest.raises(IntegrityCheckError):
        open_app_database(paths)
    best = backup.latest_good_backup(paths.backup_dir)
    assert best is not None and best.reason == "daily"
    result = backup.restore_backup(best.path, paths.db_path, paths.backup_dir)
    assert result.safety_backup is None  # a damaged database cannot be backed up ...
    assert result.damaged_copy is not None and result.damaged_copy.is_file()  # ... it is kept aside as it was

    db = open_app_database(paths)
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT name FROM unit").scalars().all() == ["县档案馆"]
    finally:
        db.close()
    assert backup.latest_good_backup(paths.backup_dir) is not None
    assert all(b.path != result.damaged_copy for b in backup.list_backups(paths.backup_dir))


# --- network shares ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [r"\\server\share\dangjian\dangjian.sqlite3", "//server/share/dangjian.sqlite3",
                                  r"\\?\UNC\server\share\x.sqlite3", r"\\fs01\党建资料\x.sqlite3"])
def test_unc_paths_are_network_paths(path: str) -> None:
    assert is_network_path(path, mounts="")


def test_a_long_path_prefix_on_a_local_drive_is_not_a_network_path() -> None:
    assert not is_network_path(r"\\?\C:\dangjian\dangjian.sqlite3", mounts="")


MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
proc /proc proc rw 0 0
fileserver:/export/home /mnt/home nfs4 rw,vers=4.2 0 0
/dev/sdb1 /mnt/home/local ext4 rw 0 0
//fs01/党建 /mnt/share\\040docs cifs rw,vers=3.0 0 0
tmpfs /tmp tmpfs rw 0 0
"""


@pytest.mark.skipif(os.name == "nt", reason="Linux mount table")
@pytest.mark.parametrize(("path", "network"), [
    ("/mnt/home/user/dangjian.sqlite3", True),
    ("/mnt/home", True),
    ("/mnt/home/local/dangjian.sqlite3", False),  # a local disk mounted inside the NFS tree
    ("/mnt/homework/dangjian.sqlite3", False),  # a prefix of a mount point is not inside it
    ("/mnt/share docs/dangjian.sqlite3", True),  # mount points with spaces are octal-escaped
    ("/home/user/dangjian.sqlite3", False),
    ("/tmp/x.sqlite3", False),
])
def test_network_mounts_from_the_mount_table(path: str, network: bool) -> None:
    assert is_network_path(path, mounts=MOUNTS) is network


def test_mount_fs_type_takes_the_longest_mount_point() -> None:
    assert mount_fs_type("/mnt/home/local/x", MOUNTS) == "ext4"
    assert mount_fs_type("/mnt/home/x", MOUNTS) == "nfs4"
    assert mount_fs_type("/srv/x", MOUNTS) == "ext4"


def test_open_database_warns_on_a_network_share(paths: AppPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("app.services.opening.is_network_path", lambda _path, **_kw: True)
    db = open_database(paths.db_path)
    db.close()
    assert db.warnings == [NETWORK_WARNING]
    assert "网络共享" in NETWORK_WARNING


def test_local_data_dir_gets_no_warning(db: Database) -> None:
    assert db.warnings == []


# --- daily backup at first start ----------------------------------------------------------------------------------

def test_first_start_of_the_day_backs_up_once(paths: AppPaths) -> None:
    for _ in range(3):
        db = open_app_database(paths)
        db.close()
    assert [b.reason for b in backup.list_backups(paths.backup_dir)] == ["daily"]


@pytest.mark.sqlite_only
def test_daily_backups_respect_the_keep_setting(paths: AppPaths) -> None:
    db = open_app_database(paths)
    with db.session() as s:
        S.set_value(s, S.BACKUP_KEEP, 3)
    db.close()
    import datetime as dt

    for days_ago in range(10, 4, -1):  # older backups from earlier days
        backup.make_backup(paths.db_path, paths.backup_dir, reason="daily", keep=100,
                           now=frozen.now() - dt.timedelta(days=days_ago))
    for b in backup.list_backups(paths.backup_dir):
        if b.taken_at.date() == frozen.today():
            b.path.unlink()
    db = open_app_database(paths)
    db.close()
    kept = backup.list_backups(paths.backup_dir)
    assert len(kept) == 3
    assert kept[0].taken_at.date() == frozen.today()


# --- a writer killed mid-write ----------------------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import sys
    from app.db import make_engine

    engine = make_engine(sys.argv[1])
    rows_per_commit = int(sys.argv[2])
    with engine.connect() as conn:
        n = 0
        while True:
            for i in range(rows_per_commit):
                conn.exec_driver_sql("INSERT INTO setting (key, value) VALUES (?, ?)", (f"t{n}.{i}", "x" * 300))
            conn.commit()
            print(n, flush=True)  # reported only after the commit returned
            n += 1
""")


@pytest.mark.sqlite_only
@pytest.mark.parametrize("kill_after", [1, 40, 250])
def test_a_writer_killed_mid_write_leaves_a_consistent_database(paths: AppPaths, kill_after: int) -> None:
    rows_per_commit = 25
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(paths.db_path), str(rows_per_commit)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    reported: list[int] = []
    for line in proc.stdout:
        reported.append(int(line))
        if len(reported) >= kill_after:
            proc.kill()  # SIGKILL: no cleanup, most likely in the middle of the next transaction
            break
    rest, err = proc.communicate()
    reported += [int(x) for x in rest.splitlines() if x.strip().isdigit()]
    assert proc.returncode != 0, err
    assert len(reported) >= kill_after, err

    assert integrity_problems(paths.db_path) == []
    db = open_database(paths.db_path)
    try:
        with db.engine.connect() as conn:
            keys = conn.exec_driver_sql("SELECT key FROM setting WHERE key LIKE 't%'").scalars().all()
            fk = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    finally:
        db.close()
    assert fk == []
    per_commit: dict[int, int] = {}
    for key in keys:
        n = int(key[1:].split(".")[0])
        per_commit[n] = per_commit.get(n, 0) + 1
    assert set(reported) <= set(per_commit)  # every reported commit survived
    assert set(per_commit.values()) == {rows_per_commit}  # and no commit is there by halves


# --- awkward paths -------------------------------------------------------------------------------------------------

@pytest.mark.sqlite_only
def test_data_dir_with_spaces_percent_hash_and_chinese(paths: AppPaths, tmp_path: Path) -> None:
    """The read-only URI connections quote the path: these characters mean something in a URI."""
    odd = AppPaths(tmp_path / ("党建 数据 #1 100%" + ("" if os.name == "nt" else " ?x"))).ensure()
    shutil.copyfile(paths.db_path, odd.db_path)
    assert stored_schema(odd.db_path).revision == head_revision()
    assert integrity_problems(odd.db_path) == []
    db = open_app_database(odd)
    db.close()
    (daily,) = backup.list_backups(odd.backup_dir)
    backup.restore_backup(daily.path, odd.db_path, odd.backup_dir)
    assert backup.configured_keep(odd.db_path) == backup.DEFAULT_KEEP
    _set_version(odd.db_path, "9999")
    before = _fingerprint(odd.data_dir)
    with pytest.raises(DatabaseTooNewError):
        open_database(odd.db_path)
    assert _fingerprint(odd.data_dir) == before


@pytest.mark.server_only
def test_check_on_a_server_reports_a_disabled_audit_trigger(paths: AppPaths, db: Database,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A server's trail is protected by three triggers; one disabled (ALTER TABLE … DISABLE TRIGGER, no trace
    in the trail) lets entries be deleted: `check` names it."""
    from app.cli import main

    assert main(["check", "--data-dir", str(paths.data_dir)]) in (0, 1)
    assert "audit_entry_no" not in capsys.readouterr().out
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_delete")
    db.close()
    assert main(["check", "--data-dir", str(paths.data_dir)]) == 1
    out = capsys.readouterr().out
    assert "缺少防止删除的触发器 audit_entry_no_delete（或已被停用）" in out
