"""Opening a county database on a PostgreSQL server: what the SQLite file tests in test_db.py check, for a server."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from app.db import SCHEMA_HEAD, database_target, describe_target, is_server
from app.errors import DatabaseBusyError, DatabaseError, DatabaseTooNewError
from app.models import AuditEntry, Unit
from app.services import audit
from app.services.opening import open_database

pytestmark = pytest.mark.server_only


def _tables_and_rows(url: str) -> dict[str, int]:
    engine = create_engine(database_target(url))
    try:
        with engine.connect() as conn:
            names = sorted(inspect(conn).get_table_names())
            return {n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names}
    finally:
        engine.dispose()


def test_urls_and_paths_are_told_apart() -> None:
    assert is_server("postgresql://u:pw@db.example:5432/county")
    url = database_target("postgresql://u:secret@db.example/county")
    assert url.drivername == "postgresql+psycopg"  # type: ignore[union-attr]
    assert "secret" not in describe_target("postgresql://u:secret@db.example/county")
    assert database_target("D:/党建/dangjian.sqlite3") == Path("D:/党建/dangjian.sqlite3")
    with pytest.raises(DatabaseError, match="不支持的数据库类型"):
        database_target("mysql://u@h/db")
    with pytest.raises(DatabaseError, match="缺少服务器或数据库名"):
        database_target("postgresql://")


def test_a_new_server_database_gets_the_schema_and_the_rules(database_kit, tmp_path) -> None:
    url = str(database_kit.new(tmp_path))
    db = open_database(url)
    try:
        assert db.created and db.is_server and "@" in db.location
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == SCHEMA_HEAD
        with db.session() as s:
            s.add(Unit(name="县财政局"))
        with pytest.raises(Exception, match="只能追加"), db.engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE audit_entry")
        with db.session() as s:
            assert s.scalars(select(Unit.name)).all() == ["县财政局"]
    finally:
        db.close()


def test_a_server_database_from_a_newer_app_is_refused_and_untouched(db, paths) -> None:
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    db.close()
    before = _tables_and_rows(str(paths.database))
    with pytest.raises(DatabaseTooNewError, match="更新版本的程序.*未作任何改动"):
        open_database(paths.database, backup_dir=paths.backup_dir)
    assert _tables_and_rows(str(paths.database)) == before
    assert not any(paths.backup_dir.iterdir())


def test_a_foreign_server_database_is_refused(database_kit, tmp_path) -> None:
    url = str(database_kit.new(tmp_path))
    db = open_database(url, migrate_to_head=False)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE payroll (id integer primary key)")
    db.close()
    with pytest.raises(DatabaseError, match="不是本程序的数据库"):
        open_database(url)
    assert list(_tables_and_rows(url)) == ["payroll"]


def test_two_clients_starting_at_once_migrate_once(database_kit, tmp_path) -> None:
    """Three workstations start the app on a new server database at the same moment (processes, as in life)."""
    url = str(database_kit.new(tmp_path))
    code = ("import sys; from app.services.opening import open_database; db = open_database(sys.argv[1]); "
            "print('created' if db.created else 'found'); db.close()")
    starts = [subprocess.Popen([sys.executable, "-c", code, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True) for _ in range(3)]
    results = [p.communicate(timeout=120) for p in starts]
    assert [p.returncode for p in starts] == [0, 0, 0], [err for _, err in results]
    assert _tables_and_rows(url)["alembic_version"] == 1
    db = open_database(url)
    try:
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == SCHEMA_HEAD
    finally:
        db.close()


def test_a_failing_migration_on_the_server_leaves_everything_as_it_was(db, paths, extend_migrations) -> None:
    with db.session() as s:
        s.add(Unit(name="县审计局"))
    db.close()
    migrations = extend_migrations({
        "t9001": 'op.add_column("unit", sa.Column("budget_code", sa.String(20)))',
        "t9002": 'op.execute("SELECT 1/0")',
    })
    with pytest.raises(Exception, match="division by zero"):
        open_database(paths.database, migrations=migrations)
    reopened = open_database(paths.database)
    try:
        with reopened.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == SCHEMA_HEAD
            assert "budget_code" not in {c["name"] for c in inspect(conn).get_columns("unit")}
            assert conn.execute(text("SELECT name FROM unit")).scalars().all() == ["县审计局"]
    finally:
        reopened.close()


def test_two_audited_writers_on_one_row_do_not_deadlock(db, monkeypatch) -> None:
    """A has changed a unit and is still working; B changes the same unit and finishes first.  B must wait for A's
    row before it asks for the chain lock (else A, finishing, waits for the lock B holds: a deadlock the server
    would break by failing one of them)."""
    monkeypatch.setattr(audit, "_WRITE_LOCK", contextlib.nullcontext())  # as between two machines
    with db.session() as s:
        s.add(Unit(name="县统计局"))
    with db.session() as s:
        unit_id = s.scalar(select(Unit.id))
    a_flushed, errors = threading.Event(), []

    def officer_a() -> None:
        try:
            with audit.unit_of_work(db.session_factory, "甲") as (s, log):
                s.get_one(Unit, unit_id).note = "甲的备注"
                s.flush()  # the row is A's until A commits
                log.record("修改", "unit", unit_id, "note", "", "甲的备注")
                a_flushed.set()
                time.sleep(1.5)  # B reaches its end meanwhile
        except BaseException as exc:  # noqa: BLE001  (asserted below)
            errors.append(exc)

    def officer_b() -> None:
        a_flushed.wait(10)
        try:
            with audit.unit_of_work(db.session_factory, "乙") as (s, log):
                s.get_one(Unit, unit_id).note = "乙的备注"  # not flushed until the unit of work ends
                log.record("修改", "unit", unit_id, "note", "甲的备注", "乙的备注")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=officer_a), threading.Thread(target=officer_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with db.session() as s:
        assert s.scalar(select(Unit.note).where(Unit.id == unit_id)) == "乙的备注"
        assert [e.who for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))][-2:] == ["甲", "乙"]
    assert audit.verify(db.session_factory, check_state=False).chain_ok


def test_a_lock_held_too_long_by_another_client_is_a_busy_message_not_a_hang(db) -> None:
    with db.session() as s:
        s.add(Unit(name="县统计局"))
    holder = db.engine.connect()
    try:
        holder.exec_driver_sql("BEGIN")
        holder.exec_driver_sql("SELECT * FROM unit FOR UPDATE")
        with pytest.raises(DatabaseBusyError, match="稍后再试"), db.session() as s:
            s.execute(text("SET LOCAL lock_timeout = 300"))
            s.execute(text("UPDATE unit SET note = '改' WHERE name = '县统计局'"))
    finally:
        holder.rollback()
        holder.close()
    with db.session() as s:
        assert s.scalar(select(Unit.note)) == ""
