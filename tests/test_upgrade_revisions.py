"""Upgrades that cannot lose a county (issue 17 part 4).

Each database in tests/fixtures/upgrade/ was made once by the app at one earlier schema revision, with that
revision's own code (make.py there says how).  Every one is upgraded to head by the app's start-up path and checked
row by row against the file it was; a database whose earlier upgrade was killed half-way, or half-applied by hand,
is upgraded (or refused and put back) as well; and an upgrade that fails at its last step, or whose result fails
the check after it, puts the backup back byte for byte and says so in Chinese, the old version opening the file."""

from __future__ import annotations

import lzma
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from app.db import SCHEMA_HEAD, audit_trigger_problems, database_target, integrity_problems, stored_schema
from app.errors import DatabaseError
from app.paths import migrations_dir
from app.services import audit, opening
from app.services.opening import open_database
from app.services.register import RegisterService, UnitInput

# The SQLite tests: files of earlier revisions, put back from the backup.  The server's: at the end.
sqlite_only = pytest.mark.sqlite_only  # SQLite files of earlier revisions: not collected on a server run

FIXTURES = Path(__file__).parent / "fixtures" / "upgrade"
REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008_month_dates", "0009_register_trail")
STATE_CHECKED = REVISIONS  # every file's data also agrees with its trail after the upgrade


def _unpack(revision: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "dangjian.sqlite3"
    packed = FIXTURES / f"rev-{revision.split('_')[0]}.sqlite3.xz"
    path.write_bytes(lzma.decompress(packed.read_bytes()))
    return path


def _tables(path: Path) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every table's columns and rows, read-only."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        out = {}
        for name in names:
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{name}")')]
            out[name] = (cols, con.execute(f'SELECT * FROM "{name}"').fetchall())
        return out
    finally:
        con.close()


def _rows(table: tuple[list[str], list[tuple[Any, ...]]], cols: list[str]) -> list[tuple[Any, ...]]:
    names, rows = table
    picks = [names.index(c) for c in cols]
    return [tuple(r[i] for i in picks) for r in rows]


def _assert_same_data(before: dict[str, Any], after: dict[str, Any]) -> None:
    """Every row of every table of the old file is in the upgraded one, unchanged in every column both have;
    the audit trail is the old one with (at most) entries appended (0009's baseline of the register)."""
    for name, table in before.items():
        if name == "alembic_version":
            continue
        assert name in after, f"表 {name} 在升级后不见了"
        cols = [c for c in table[0] if c in after[name][0]]
        assert cols == table[0], f"表 {name} 在升级后少了列：{set(table[0]) - set(cols)}"
        old, new = _rows(table, cols), _rows(after[name], cols)
        if name == "audit_entry":
            new.sort(key=lambda r: r[0])
            old.sort(key=lambda r: r[0])
            assert new[:len(old)] == old
        elif name == "setting":  # 0009 keeps the register trail's digest key among the settings
            assert set(old) <= set(new)
            assert {r[cols.index("key")] for r in set(new) - set(old)} <= {"audit.digest_key"}
        else:
            assert len(new) == len(old), f"表 {name}：升级前{len(old)}行，升级后{len(new)}行"
            assert sorted(new, key=repr) == sorted(old, key=repr), f"表 {name} 的数据在升级后变了"


def _old_migrations(tmp_path: Path, revision: str) -> Path:
    """The migration scripts as the version of the app at `revision` shipped them (the later ones removed)."""
    dest = tmp_path / f"migrations-{revision}"
    shutil.copytree(migrations_dir(), dest, ignore=shutil.ignore_patterns("__pycache__"))
    for script in (dest / "versions").glob("0*.py"):
        if script.name[:4] > revision[:4]:
            script.unlink()
    return dest


@sqlite_only
@pytest.mark.parametrize("revision", REVISIONS)
def test_every_earlier_revision_upgrades_to_head_with_every_row_kept(revision: str, tmp_path: Path) -> None:
    path = _unpack(revision, tmp_path / "data")
    before = _tables(path)
    assert stored_schema(path).revision == revision
    db = open_database(path, backup_dir=tmp_path / "backups")
    try:
        at_head = revision == SCHEMA_HEAD
        assert db.migrated_from == (None if at_head else revision)
        assert len(db.backups_made) == (0 if at_head else 1)
        chain = audit.verify(db.session_factory, check_state=revision in STATE_CHECKED)
        assert chain.findings == []
        kept = len(before["audit_entry"][1]) if "audit_entry" in before else 0
        assert chain.entries >= kept
        assert chain.entries > 0  # at the latest 0009's baseline of the register is chained
    finally:
        db.close()
    assert stored_schema(path).revision == SCHEMA_HEAD
    assert integrity_problems(path) == []
    assert list(path.parent.glob(".*")) == []  # no marker of an unchecked upgrade, no leftover copy
    after = _tables(path)
    _assert_same_data(before, after)
    assert len(before["unit"][1]) >= 3
    assert len(before["member"][1]) >= 15
    if revision >= "0004":  # from here on the demo scored months and chained them
        assert len(after["score_item"][1]) == len(before["score_item"][1]) > 0


KILL_AFTER_0007 = '''

_upgrade = upgrade


def upgrade() -> None:  # the process is killed once this step has run, before anything commits
    _upgrade()
    import os
    os._exit(9)
'''

KILLED_UPGRADE = """
import sys
from pathlib import Path
from app.services.opening import open_database
from app.services.register import RegisterService, UnitInput
open_database(Path(sys.argv[1]), backup_dir=Path(sys.argv[2]), migrations=Path(sys.argv[3]))
"""


@sqlite_only
def test_an_upgrade_killed_half_way_leaves_the_old_file_and_the_next_start_upgrades_it(tmp_path: Path) -> None:
    """The process dies inside the migration (after 0005–0007 ran, before the commit): the file still says 0004
    and holds its data; the next start upgrades it to head with every row kept."""
    path = _unpack("0004", tmp_path / "data")
    before = _tables(path)
    killing = tmp_path / "migrations-killed"
    shutil.copytree(migrations_dir(), killing, ignore=shutil.ignore_patterns("__pycache__"))
    step = killing / "versions" / "0007_concurrency.py"
    step.write_text(step.read_text(encoding="utf-8") + KILL_AFTER_0007, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", KILLED_UPGRADE, str(path), str(tmp_path / "backups"), str(killing)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    assert stored_schema(path).revision == "0004"
    assert integrity_problems(path) == []

    db = open_database(path, backup_dir=tmp_path / "backups")
    try:
        assert db.migrated_from == "0004"
        assert audit.verify(db.session_factory).findings == []
    finally:
        db.close()
    _assert_same_data(before, _tables(path))


KILLED_BEFORE_THE_CHECK = """
import os, sys
from pathlib import Path
from app.services import opening
opening.upgrade_problems = lambda db: os._exit(9)  # the power goes after the commit, during the check
opening.open_database(Path(sys.argv[1]), backup_dir=Path(sys.argv[2]))
"""


def _killed_before_the_check(revision: str, tmp_path: Path) -> Path:
    path = _unpack(revision, tmp_path / "data")
    done = subprocess.run([sys.executable, "-c", KILLED_BEFORE_THE_CHECK, str(path), str(tmp_path / "backups")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    assert stored_schema(path).revision == SCHEMA_HEAD
    assert (tmp_path / "data" / ".dangjian.sqlite3.upgrading").exists()
    return path


@sqlite_only
def test_an_upgrade_whose_check_was_cut_short_is_checked_at_the_next_start(tmp_path: Path) -> None:
    before = _tables(_unpack("0004", tmp_path / "orig"))
    path = _killed_before_the_check("0004", tmp_path)
    db = open_database(path, backup_dir=tmp_path / "backups")
    try:
        assert db.migrated_from == "0004"
    finally:
        db.close()
    assert not (tmp_path / "data" / ".dangjian.sqlite3.upgrading").exists()
    _assert_same_data(before, _tables(path))


@sqlite_only
def test_an_upgrade_whose_cut_short_check_fails_at_the_next_start_is_put_back(tmp_path: Path) -> None:
    before = _tables(_unpack("0004", tmp_path / "orig"))
    path = _killed_before_the_check("0004", tmp_path)
    con = sqlite3.connect(path)  # what the check would have found: the chain broken by the upgrade
    con.execute("DROP TRIGGER audit_entry_no_update")
    con.execute("UPDATE audit_entry SET who = '某人' WHERE seq = 5")
    con.commit()
    con.close()
    with pytest.raises(DatabaseError) as caught:
        open_database(path, backup_dir=tmp_path / "backups")
    saved = next((tmp_path / "backups").glob("*.sqlite3"))
    assert "上次升级在升级后的检查完成前中断，补做的检查未通过：审计日志校验：" in str(caught.value)
    assert f"备份文件：{saved}" in str(caught.value) and "数据库仍是版本 0004" in str(caught.value)
    assert path.read_bytes() == saved.read_bytes()
    assert _tables(path) == before
    assert not (tmp_path / "data" / ".dangjian.sqlite3.upgrading").exists()
    _assert_opens_with_old_version(path, "0004", tmp_path)


@sqlite_only
def test_a_half_applied_step_of_an_older_upgrade_is_refused_and_the_file_put_back(tmp_path: Path) -> None:
    """An older version's upgrade that committed half a step (0003's table made, the version still 0002): the
    upgrade fails on it, the backup is put back and the message says so in Chinese; the old version opens it."""
    path = _unpack("0002", tmp_path / "data")
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE org_life_record (id INTEGER PRIMARY KEY)")
    con.commit()
    con.close()
    with pytest.raises(DatabaseError) as caught:
        open_database(path, backup_dir=tmp_path / "backups")
    message = str(caught.value)
    saved = next((tmp_path / "backups").glob("*.sqlite3"))
    assert "数据库升级失败（从版本 0002 升级到" in message and "升级步骤出错" in message
    assert f"备份文件：{saved}" in message and "旧版本的程序可以照常打开" in message
    assert path.read_bytes() == saved.read_bytes()
    _assert_opens_with_old_version(path, "0002", tmp_path)


def _assert_opens_with_old_version(path: Path, revision: str, tmp_path: Path) -> None:
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()
    assert stored_schema(path).revision == revision
    assert integrity_problems(path) == []
    db = open_database(path, backup_dir=tmp_path / "backups-old", migrations=_old_migrations(tmp_path, revision))
    try:
        assert db.migrated_from is None and db.backups_made == []
    finally:
        db.close()
    assert stored_schema(path).revision == revision


@sqlite_only
def test_a_migration_failing_at_its_last_step_puts_the_backup_back(tmp_path: Path, extend_migrations: Any) -> None:
    migrations = extend_migrations({"t9001": "raise RuntimeError('最后一步出错')"})
    path = _unpack("0005", tmp_path / "data")
    before = _tables(path)
    with pytest.raises(DatabaseError) as caught:
        open_database(path, backup_dir=tmp_path / "backups", migrations=migrations)
    message = str(caught.value)
    saved = next((tmp_path / "backups").glob("*.sqlite3"))
    assert message.startswith("数据库升级失败（从版本 0005 升级到 t9001）：升级步骤出错：最后一步出错。")
    assert f"已用升级前的备份把数据库恢复原状（备份文件：{saved}），数据库仍是版本 0005" in message
    assert path.read_bytes() == saved.read_bytes()
    assert _tables(path) == before
    _assert_opens_with_old_version(path, "0005", tmp_path)


BREAK_THE_CHAIN = """
op.execute("DROP TRIGGER audit_entry_no_update")
op.execute("UPDATE audit_entry SET who = '某人' WHERE seq = 5")
"""


@sqlite_only
def test_an_upgrade_that_breaks_the_audit_chain_is_put_back(tmp_path: Path, extend_migrations: Any) -> None:
    """The migration commits, but the chain walked afterwards is broken: the file is the backup again, with the
    trail's append-only triggers and the entry as they were."""
    migrations = extend_migrations({"t9001": BREAK_THE_CHAIN})
    path = _unpack("0006", tmp_path / "data")
    before = _tables(path)
    with pytest.raises(DatabaseError) as caught:
        open_database(path, backup_dir=tmp_path / "backups", migrations=migrations)
    message = str(caught.value)
    assert "升级后的检查未通过：审计日志校验：" in message and "数据库仍是版本 0006" in message
    assert path.read_bytes() == next((tmp_path / "backups").glob("*.sqlite3")).read_bytes()
    assert _tables(path) == before
    assert audit_trigger_problems(path) == []
    _assert_opens_with_old_version(path, "0006", tmp_path)


@sqlite_only
def test_an_upgrade_failing_the_integrity_check_is_put_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _unpack("0007", tmp_path / "data")
    real = opening.integrity_problems
    calls: list[Path] = []

    def damaged_after_the_upgrade(p: Any) -> list[str]:
        calls.append(Path(p))
        return real(p) if len(calls) == 1 else ["*** in database main ***\nPage 7: btreeInitPage() returns error code 11"]

    monkeypatch.setattr(opening, "integrity_problems", damaged_after_the_upgrade)
    with pytest.raises(DatabaseError) as caught:
        open_database(path, backup_dir=tmp_path / "backups")
    assert "升级后的检查未通过：完整性检查：" in str(caught.value)
    assert "Page 7" not in str(caught.value)  # SQLite's English goes to the log
    assert len(calls) == 2
    assert path.read_bytes() == next((tmp_path / "backups").glob("*.sqlite3")).read_bytes()
    monkeypatch.undo()
    _assert_opens_with_old_version(path, "0007", tmp_path)


@sqlite_only
def test_the_file_is_not_replaced_under_another_program(tmp_path: Path, extend_migrations: Any) -> None:
    """Another program has the file open while the upgrade fails: replacing the file under it would lose what it
    writes, so the file is left (the failed migration changed nothing) and the message names the backup."""
    migrations = extend_migrations({"t9001": "raise RuntimeError('最后一步出错')"})
    path = _unpack("0008_month_dates", tmp_path / "data")
    other = sqlite3.connect(path)
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("SELECT count(*) FROM unit").fetchall()
    try:
        with pytest.raises(DatabaseError) as caught:
            open_database(path, backup_dir=tmp_path / "backups", migrations=migrations)
    finally:
        other.close()
    saved = next((tmp_path / "backups").glob("*.sqlite3"))
    assert "正被其他程序打开，未能用升级前的备份恢复" in str(caught.value) and str(saved) in str(caught.value)
    assert stored_schema(path).revision == "0008_month_dates"


# --- a server: the migration and the check in one transaction the server rolls back -----------------------------

def _server_state(db_url: str) -> tuple[str, list[tuple[Any, ...]], list[tuple[Any, ...]], set[str]]:
    engine = create_engine(database_target(db_url))
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            units = [tuple(r) for r in conn.execute(text("SELECT id, name FROM unit ORDER BY id"))]
            trail = [tuple(r) for r in conn.execute(text("SELECT seq, who, hash FROM audit_entry ORDER BY seq"))]
            columns = {c["name"] for c in inspect(conn).get_columns("unit")}
        return version, units, trail, columns
    finally:
        engine.dispose()


def _county_on_server(db: Any) -> None:
    reg = RegisterService(db.session_factory)
    for name in ("县审计局", "县统计局"):
        reg.save_unit(UnitInput(name=name))
    db.close()


@pytest.mark.server_only
def test_a_server_upgrade_failing_at_its_last_step_leaves_the_old_revision(db: Any, paths: Any,
                                                                           extend_migrations: Any) -> None:
    _county_on_server(db)
    before = _server_state(str(paths.database))
    migrations = extend_migrations({
        "t9001": 'op.add_column("unit", sa.Column("budget_code", sa.String(20)))',
        "t9002": "raise RuntimeError('最后一步出错')",
    })
    with pytest.raises(DatabaseError) as caught:
        open_database(paths.database, migrations=migrations)
    assert str(caught.value).startswith(f"数据库升级失败（从版本 {SCHEMA_HEAD} 升级到 t9002）：升级步骤出错：最后一步出错。")
    assert f"服务器已全部撤销，数据库仍是版本 {SCHEMA_HEAD}，旧版本的程序可以照常连接" in str(caught.value)
    assert _server_state(str(paths.database)) == before
    assert "budget_code" not in before[3]


@pytest.mark.server_only
def test_a_server_upgrade_breaking_the_audit_chain_is_rolled_back(db: Any, paths: Any,
                                                                  extend_migrations: Any) -> None:
    """The steps all succeed, but the chain walked before the commit is broken: nothing of the upgrade stays."""
    _county_on_server(db)
    before = _server_state(str(paths.database))
    assert len(before[2]) >= 2
    migrations = extend_migrations({"t9001": """
op.add_column("unit", sa.Column("budget_code", sa.String(20)))
op.execute("ALTER TABLE audit_entry DISABLE TRIGGER USER")
op.execute("UPDATE audit_entry SET who = '某人' WHERE seq = (SELECT min(seq) FROM audit_entry)")
op.execute("ALTER TABLE audit_entry ENABLE TRIGGER USER")
"""})
    with pytest.raises(DatabaseError) as caught:
        open_database(paths.database, migrations=migrations)
    assert "升级后的检查未通过：审计日志校验：" in str(caught.value)
    assert f"数据库仍是版本 {SCHEMA_HEAD}" in str(caught.value)
    assert _server_state(str(paths.database)) == before
    reopened = open_database(paths.database)
    try:
        assert audit.verify(reopened.session_factory).findings == []
    finally:
        reopened.close()
