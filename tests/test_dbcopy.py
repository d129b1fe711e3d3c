"""Moving a county between databases (app.services.dbcopy, `dangjian migrate-db`).

The source is always a demo county in a SQLite file with an administrator, a setting and awkward text.  The
destination comes from the database kit: a new SQLite file on the default run, an empty server database on
`--db=postgresql`, so the tests without a marker run both ways; the round trip through a server is server_only."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, inspect, select

from app import settings as S
from app.cli import main
from app.db import describe_target, make_engine
from app.demo.county import build_demo
from app.errors import DangjianError, DatabaseError, OperationCancelled
from app.models import Unit
from app.paths import AppPaths
from app.services import audit, dbcopy
from app.services.accounts import AccountService
from app.services.opening import open_database
from app.services.register import RegisterService, UnitInput

AWKWARD = "引号\"单'双、反斜杠\\、百分号%_、换行\n制表\t、表情🙂、全角１２３"
ADMIN_PASSWORD = "Zz-9876-admin"


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed SQLite county: the tiny demo, an administrator, a setting and a unit with awkward text."""
    path = tmp_path_factory.mktemp("county") / "county.sqlite3"
    db = open_database(path)
    try:
        build_demo(db, "tiny", seed=3, today=dt.date(2026, 3, 15))
        AccountService(db.session_factory).create_first_admin("admin", "管理员", ADMIN_PASSWORD)
        RegisterService(db.session_factory).save_unit(UnitInput("县测试局", note=AWKWARD, sort_order=99))
        with db.session() as s:
            S.set_value(s, S.OPERATOR, "县委组织部 张三")
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    return path


@pytest.fixture
def source(county: Path, tmp_path: Path) -> Path:
    """This test's own copy of the county (nothing may change the shared one)."""
    dest = tmp_path / "source" / "dangjian.sqlite3"
    dest.parent.mkdir()
    shutil.copyfile(county, dest)
    return dest


def dump(target: Any) -> dict[str, list[tuple[tuple[type, Any], ...]]]:
    """Every row of every county table, each value with its Python type (True is not 1, a date not a string)."""
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            meta = MetaData()
            meta.reflect(bind=conn)
            out = {}
            for table in meta.sorted_tables:
                if table.name in ("alembic_version", "change_stamp"):
                    continue
                rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
                out[table.name] = [tuple((type(v), v) for v in row) for row in rows]
            return out
    finally:
        engine.dispose()


def chain(target: Any) -> audit.AuditReport:
    db = open_database(target)
    try:
        return audit.verify(db.session_factory, check_state=False)
    finally:
        db.close()


def is_empty(target: Any) -> bool:
    """What the copy must leave behind on failure: no file, or a server database without tables."""
    if isinstance(target, Path):
        return not target.exists()
    engine = create_engine(str(target))
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        engine.dispose()


def destination(database_kit: Any, tmp_path: Path, stem: str = "dest") -> Any:
    target = database_kit.new(tmp_path / stem, stem)
    return Path(target) if not database_kit.on_server else target


# --- copying -----------------------------------------------------------------------------------------------------

def test_copy_has_every_row_with_its_types_and_the_same_chain(source: Path, tmp_path: Path,
                                                              database_kit: Any) -> None:
    dest = destination(database_kit, tmp_path)
    seen: list[tuple[str, int, int]] = []
    report = dbcopy.copy_county(source, dest, progress=lambda t, done, total: seen.append((t, done, total)))

    before, after = dump(source), dump(dest)
    assert after == before
    assert sum(len(rows) for rows in before.values()) == report.rows > 15_000
    assert {t.name: t.rows for t in report.tables} == {name: len(rows) for name, rows in before.items()}
    src_chain, dest_chain = chain(source), chain(dest)
    assert dest_chain.chain_ok and src_chain.chain_ok
    assert (dest_chain.entries, dest_chain.head) == (src_chain.entries, src_chain.head) == (report.entries, report.head)
    # the awkward text and the typed values arrived as they were
    with_note = [r for r in after["unit"] if (str, AWKWARD) in r]
    assert len(with_note) == 1
    kinds = {k for rows in after.values() for row in rows for k, v in row if v is not None}
    assert {bool, dt.date, dt.datetime, str, int, bytes} <= kinds
    # progress: every table reported, ending at its total
    finals = {t: total for t, done, total in seen if done == total}
    assert finals == {t.name: t.rows for t in report.tables}


@pytest.mark.server_only
def test_round_trip_sqlite_server_sqlite(source: Path, tmp_path: Path, database_kit: Any) -> None:
    server = database_kit.new(tmp_path)
    dbcopy.copy_county(source, server)
    back = tmp_path / "back" / "offline.sqlite3"
    back.parent.mkdir()
    report = dbcopy.copy_county(server, back)

    assert dump(back) == dump(server) == dump(source)
    original, returned = chain(source), chain(back)
    assert returned.chain_ok
    assert (returned.entries, returned.head) == (original.entries, original.head) == (report.entries, report.head)
    assert original.head is not None and original.head.seq > 1000


def test_copy_into_a_database_that_is_not_empty_is_refused_and_changes_nothing(
        source: Path, tmp_path: Path, database_kit: Any) -> None:
    dest = destination(database_kit, tmp_path)
    if isinstance(dest, Path):
        dest.write_bytes(b"someone's file")
    else:
        engine = create_engine(str(dest))
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE notes (id integer primary key, body text)")
            conn.exec_driver_sql("INSERT INTO notes VALUES (1, '别动')")
        engine.dispose()

    with pytest.raises(DatabaseError) as refused:
        dbcopy.copy_county(source, dest)

    if isinstance(dest, Path):
        assert "已存在" in str(refused.value)
        assert dest.read_bytes() == b"someone's file"
    else:
        assert "不是空的" in str(refused.value) and "notes" in str(refused.value)
        engine = create_engine(str(dest))
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == ["notes"]
            assert conn.exec_driver_sql("SELECT body FROM notes").scalar() == "别动"
        engine.dispose()


def test_a_cancel_between_batches_leaves_the_destination_empty(source: Path, tmp_path: Path,
                                                               database_kit: Any) -> None:
    dest = destination(database_kit, tmp_path)
    asked = []

    def cancel_late() -> bool:
        asked.append(1)
        return len(asked) > 12  # well into the copy: the audit trail and several tables are written

    with pytest.raises(OperationCancelled):
        dbcopy.copy_county(source, dest, cancelled=cancel_late)
    assert is_empty(dest)
    dbcopy.copy_county(source, dest)  # the same command can simply be run again
    assert dump(dest) == dump(source)


def test_a_row_the_destination_refuses_undoes_the_whole_copy(source: Path, tmp_path: Path,
                                                             database_kit: Any) -> None:
    # A member refers to a party organisation that is not there (only possible in a file whose checks were off):
    # the destination refuses that row, long after the audit trail and the register were written.
    con = sqlite3.connect(source)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("UPDATE member SET org_id = 99999 WHERE id = (SELECT max(id) FROM member)")
    con.commit()
    con.close()
    dest = destination(database_kit, tmp_path)

    with pytest.raises(DatabaseError, match="member"):
        dbcopy.copy_county(source, dest)
    assert is_empty(dest)


def test_a_copy_whose_chain_differs_is_refused(source: Path, tmp_path: Path, database_kit: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    real_batches = dbcopy._batches

    def lose_the_newest_entry(src: Any, table: Any, names: list[str]) -> Any:
        for batch in real_batches(src, table, names):
            yield [r for r in batch if not (table.name == "audit_entry" and r["seq"] == _newest(source))]

    monkeypatch.setattr(dbcopy, "_batches", lose_the_newest_entry)
    dest = destination(database_kit, tmp_path)
    with pytest.raises(DatabaseError, match="审计链与源数据库不一致"):
        dbcopy.copy_county(source, dest)
    assert is_empty(dest)


def _newest(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute("SELECT max(seq) FROM audit_entry").fetchone()[0])
    finally:
        con.close()


def test_a_source_whose_chain_is_broken_is_not_copied(source: Path, tmp_path: Path, database_kit: Any) -> None:
    con = sqlite3.connect(source)
    con.execute("DROP TRIGGER audit_entry_no_update")
    con.execute("UPDATE audit_entry SET new = '100.0' WHERE seq = 5")
    con.commit()
    con.close()
    dest = destination(database_kit, tmp_path)
    with pytest.raises(DatabaseError, match="源数据库的审计链校验未通过.*第5条"):
        dbcopy.copy_county(source, dest)
    assert is_empty(dest)


def test_bad_sources_are_refused(tmp_path: Path, database_kit: Any) -> None:
    dest = destination(database_kit, tmp_path)
    with pytest.raises(DatabaseError, match="不存在或为空"):
        dbcopy.copy_county(tmp_path / "nothing.sqlite3", dest)
    assert not (tmp_path / "nothing.sqlite3").exists()  # not created by trying
    with pytest.raises(DatabaseError, match="同一个"):
        dbcopy.copy_county(dest, dest)
    assert is_empty(dest)


def test_ids_and_the_chain_continue_after_the_copy(source: Path, tmp_path: Path, database_kit: Any) -> None:
    dest = destination(database_kit, tmp_path)
    report = dbcopy.copy_county(source, dest)
    db = open_database(dest)
    try:
        highest = max(r[0][1] for r in dump(dest)["unit"])
        new_id = RegisterService(db.session_factory).save_unit(UnitInput("迁移后新建的单位"))
        assert new_id == highest + 1
        with audit.unit_of_work(db.session_factory, "测试") as (s, log):
            log.record("备注", "unit", new_id, reason="迁移后第一条")
        head = audit.chain_head(db.session_factory)
        # Two entries: the new unit's 新建 (the register is audited) and the note.
        assert report.head is not None and head is not None and head.seq == report.head.seq + 2
        after = audit.verify(db.session_factory, check_state=False)
        assert after.chain_ok and after.entries == report.entries + 2
        with db.session() as s:
            assert s.scalar(select(Unit.name).where(Unit.id == new_id)) == "迁移后新建的单位"
    finally:
        db.close()


# --- the command -------------------------------------------------------------------------------------------------

def test_cli_copies_the_data_directorys_database_and_says_how_to_use_it(
        source: Path, tmp_path: Path, database_kit: Any, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = source.parent  # the county is this data directory's dangjian.sqlite3
    dest = destination(database_kit, tmp_path)
    monkeypatch.setenv("DANGJIAN_PASSWORD", ADMIN_PASSWORD)

    assert main(["migrate-db", "--data-dir", str(data_dir), "--to", str(dest), "--user", "admin"]) == 0

    out, err = capsys.readouterr()
    head = chain(source).head
    assert head is not None and head.hash in out
    assert "audit_entry" in out and f"{head.seq} 行" in out
    assert describe_target(dest) in out
    if database_kit.on_server:
        password = str(database_kit.admin_url.password)
        assert password not in out + err
        assert "DANGJIAN_DATABASE_URL=" in out and "--database-url" in out and "设置" in out
    else:
        assert "dangjian.sqlite3" in out and "--data-dir" in out
    assert dump(dest) == dump(source)


def test_cli_refuses_without_an_administrator(source: Path, tmp_path: Path, database_kit: Any,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    dest = destination(database_kit, tmp_path)
    assert main(["migrate-db", "--from", str(source), "--to", str(dest)]) == 2
    assert "--user" in capsys.readouterr().err
    assert is_empty(dest)


@pytest.mark.server_only
def test_cli_reverse_takes_a_server_copy_offline_without_printing_the_password(
        source: Path, tmp_path: Path, database_kit: Any, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    server = database_kit.new(tmp_path)
    dbcopy.copy_county(source, server)
    offline = tmp_path / "laptop" / "dangjian.sqlite3"
    offline.parent.mkdir()
    monkeypatch.setenv("DANGJIAN_PASSWORD", ADMIN_PASSWORD)

    assert main(["migrate-db", "--from", server, "--to", str(offline), "--user", "admin"]) == 0

    out, err = capsys.readouterr()
    assert str(database_kit.admin_url.password) not in out + err
    assert "***" in out  # the server is named, its password hidden
    assert "离线副本" in out and str(offline) in out
    assert dump(offline) == dump(server)  # with the administrator's login, which the trail records


def test_cli_names_a_wrong_destination(source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate-db", "--from", str(source), "--to", "mysql://u:secret@host/db"]) == 2
    err = capsys.readouterr().err
    assert "不支持的数据库类型" in err and "secret" not in err


def test_cli_default_source_is_this_data_directorys_database(paths: AppPaths, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    # the conftest data directory: an empty county (on a server run, its URL is in DANGJIAN_DATABASE_URL)
    offline = tmp_path / "copy.sqlite3"
    assert main(["migrate-db", "--data-dir", str(paths.data_dir), "--to", str(offline)]) == 0
    out, err = capsys.readouterr()
    assert "审计链为空" in out
    assert describe_target(paths.database) in err
    if paths.uses_server:
        assert str(paths.database_url).split("@")[0].rsplit(":", 1)[1] not in out + err  # the password


def test_copy_refuses_a_missing_destination_folder(source: Path, tmp_path: Path) -> None:
    with pytest.raises(DangjianError, match="文件夹不存在"):
        dbcopy.copy_county(source, tmp_path / "no" / "such" / "x.sqlite3")


def test_a_failure_after_the_rows_leaves_no_file(source: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "offline.sqlite3"

    def broken(*_a: Any, **_k: Any) -> None:
        raise DatabaseError("模拟的写入失败")

    monkeypatch.setattr(dbcopy, "_reset_sequences", broken)
    with pytest.raises(DatabaseError, match="模拟"):
        dbcopy.copy_county(source, dest)
    assert not dest.exists() and not Path(str(dest) + "-wal").exists()
