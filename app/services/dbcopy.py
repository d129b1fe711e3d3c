"""Moving a county: copy every row of one database into a new, empty one (SQLite file ⇄ PostgreSQL server).

The destination gets its schema from the migrations (never from the source), then every table's rows in foreign
key order, all in ONE destination transaction.  Before that transaction commits, the audit trail is verified on
the destination through the same connection: the chain must be intact, as long as the source's and end on the
same hash (the rows themselves are compared by the tests, table by table).  Anything else (an error, a
cancel, a mismatch) rolls the transaction back; a new SQLite file is deleted.  On a server the migration runs
inside that same transaction (PostgreSQL's DDL is transactional), so a failed copy leaves no table behind and
the same command can simply be run again.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, MetaData, Table, func, inspect, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from app.db import (
    Database,
    alembic_config,
    connection_problem,
    database_target,
    describe_target,
    head_revision,
    server_engine,
    server_schema,
    stored_schema,
)
from app.errors import DatabaseError, OperationCancelled
from app.failures import explain
from app.services import audit
from app.services.opening import open_database

log = logging.getLogger(__name__)

BATCH_ROWS = 2000
# Made by the migrations on the destination: its own rows stay (alembic_version is not even copied).
SKIPPED_TABLES = frozenset({"alembic_version"})
DESTINATION_OWN_TABLES = frozenset({"change_stamp"})  # a per-database change counter, not county data

ProgressFn = Callable[[str, int, int], None]  # table, rows copied so far, rows in that table
CancelledFn = Callable[[], bool]


@dataclass(frozen=True)
class TableCopy:
    name: str
    rows: int


@dataclass
class CopyReport:
    source: str  # where the data came from / went to, as the user may see it (no password)
    destination: str
    tables: list[TableCopy] = field(default_factory=list)
    entries: int = 0  # audit entries, identical on both sides
    head: audit.ChainHead | None = None

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def copy_county(source_target: str | Path | URL, dest_target: str | Path | URL, progress: ProgressFn | None = None,
                cancelled: CancelledFn | None = None, *, backup_dir: Path | None = None,
                authorize: Callable[[Database], None] | None = None) -> CopyReport:
    """Copy the county database at `source_target` into the empty `dest_target` (a SQLite file that does not
    exist yet, or a server database without tables), and prove it with the audit trail.

    The source is opened the usual way (an older one is migrated to this app's head, with a backup into
    `backup_dir` first) and handed to `authorize` (the CLI logs in there: raise to refuse); nothing is written to
    the destination unless the source's chain is intact."""
    src_t, dst_t = database_target(source_target), database_target(dest_target)
    if describe_target(src_t) == describe_target(dst_t):
        raise DatabaseError("源数据库和目标数据库是同一个，无法复制")
    _require_empty(dst_t)
    _require_source_exists(src_t)
    src = _open(src_t, backup_dir)
    report = CopyReport(describe_target(src_t), describe_target(dst_t))
    try:
        if authorize is not None:
            authorize(src)
        with _snapshot(src) as src_conn:
            before = audit.verify(_sessions(src_conn), check_state=False)
            if not before.chain_ok:
                raise DatabaseError("源数据库的审计链校验未通过，不能迁移（请先用 dangjian audit 查明原因）："
                                    + "；".join(str(f) for f in before.findings if f.kind == "chain"))
            source_meta = _reflect(src_conn)
            with _destination(dst_t) as dst_conn:
                _copy_tables(src_conn, source_meta, dst_conn, report, progress, cancelled)
                _reset_sequences(dst_conn)
                _check_copy(before, audit.verify(_sessions(dst_conn), check_state=False))
    finally:
        src.close()
    report.entries, report.head = before.entries, before.head
    log.info("county copied: %d rows in %d tables, %s", report.rows, len(report.tables), report.head)
    return report


# --- the two ends ------------------------------------------------------------------------------------------------

def _require_empty(target: Path | URL) -> None:
    if isinstance(target, Path):
        if target.exists():
            raise DatabaseError(f"目标文件已存在：{target}。迁移只能写入新文件，请换一个文件名（原文件未改动）")
        if not target.parent.is_dir():
            raise DatabaseError(f"目标文件所在的文件夹不存在：{target.parent}")
        return
    names = _server_tables(target)
    if names:
        shown = "、".join(sorted(names)[:8]) + ("等" if len(names) > 8 else "")
        raise DatabaseError(f"目标数据库不是空的（已有{len(names)}张表：{shown}），迁移只能写入空数据库，"
                            f"目标数据库未改动：{describe_target(target)}")


def _server_tables(url: URL) -> list[str]:
    with server_engine(url, "无法读取目标数据库") as engine, engine.connect() as conn:
        return list(inspect(conn).get_table_names())


def _require_source_exists(target: Path | URL) -> None:
    # open_database would create a missing file or migrate an empty server database: a source must have data.
    if isinstance(target, Path):
        if not target.is_file() or target.stat().st_size == 0:
            raise DatabaseError(f"源数据库文件不存在或为空：{target}")
        schema = stored_schema(target)
    else:
        with server_engine(target, "无法读取源数据库") as engine:
            schema = server_schema(engine)
    if not schema.has_tables:
        raise DatabaseError(f"源数据库是空的，没有可迁移的数据：{describe_target(target)}")


def _open(target: Path | URL, backup_dir: Path | None) -> Database:
    db = open_database(target, backup_dir=backup_dir)
    try:
        with db.engine.connect() as conn:
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except BaseException:
        db.close()
        raise
    if revision != head_revision():
        db.close()
        raise DatabaseError(f"源数据库版本 {revision} 与本程序的 {head_revision()} 不一致，无法迁移")
    return db


@contextmanager
def _snapshot(db: Database) -> Iterator[Connection]:
    """One read transaction on the source: the rows and the verified chain are the same moment's, even while
    other clients keep writing to a server."""
    conn = db.engine.connect()
    try:
        if db.is_server:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn
    finally:
        conn.close()


@contextmanager
def _destination(target: Path | URL) -> Iterator[Connection]:
    """A connection to the destination, in a transaction, with the schema at head; committed when the block
    ends normally, else rolled back and the destination left as it was found (a new file: deleted)."""
    if isinstance(target, Path):
        with _new_file(target) as conn:
            yield conn
    else:
        with _empty_server_database(target) as conn:
            yield conn


@contextmanager
def _new_file(path: Path) -> Iterator[Connection]:
    try:
        db = open_database(path)  # creates the file (under a temporary name first) and migrates it to head
    except (OSError, sa_exc.DBAPIError) as exc:  # a read-only folder, a full disk: said in Chinese
        raise DatabaseError(f"无法建立目标数据库文件“{path}”，迁移未进行：{explain(exc, path)}") from exc
    try:
        with db.engine.connect() as conn, conn.begin():
            yield conn
    except BaseException:
        db.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):  # a failing removal must not hide why the copy failed
                Path(str(path) + suffix).unlink(missing_ok=True)
        raise
    db.close()


@contextmanager
def _empty_server_database(url: URL) -> Iterator[Connection]:
    from alembic import command

    with server_engine(url, "目标数据库拒绝了迁移，已全部撤销") as engine, engine.connect() as conn, conn.begin():
        if inspect(conn).get_table_names():  # someone filled it since the first look
            raise DatabaseError(f"目标数据库已不是空的，迁移未进行：{describe_target(url)}")
        cfg = alembic_config()
        cfg.attributes["connection"] = conn  # already in our transaction: Alembic will not commit it
        command.upgrade(cfg, "head")
        yield conn


def _sessions(conn: Connection) -> Callable[[], Session]:
    # Sessions that join the connection's open transaction (without ending it): verify sees the uncommitted copy.
    return lambda: Session(bind=conn)


# --- copying rows ------------------------------------------------------------------------------------------------

def _reflect(conn: Connection) -> MetaData:
    meta = MetaData()
    meta.reflect(bind=conn)
    return meta


def _copy_tables(src: Connection, source_meta: MetaData, dst: Connection, report: CopyReport,
                 progress: ProgressFn | None, cancelled: CancelledFn | None) -> None:
    dest_meta = _reflect(dst)
    missing = sorted(set(source_meta.tables) - set(dest_meta.tables) - SKIPPED_TABLES)
    if missing:
        raise DatabaseError(f"目标数据库缺少这些表，无法迁移：{'、'.join(missing)}")
    for table in source_meta.sorted_tables:
        if table.name in SKIPPED_TABLES or table.name in DESTINATION_OWN_TABLES:
            continue
        dest = dest_meta.tables[table.name]
        _require_same_columns(table, dest)
        copied = _copy_table(src, table, dst, dest, progress, cancelled)
        report.tables.append(TableCopy(table.name, copied))


def _require_same_columns(source: Table, dest: Table) -> None:
    ours, theirs = set(source.columns.keys()), set(dest.columns.keys())
    if ours != theirs:
        raise DatabaseError(f"表 {source.name} 在两个数据库中的列不同（仅源有：{'、'.join(sorted(ours - theirs)) or '无'}；"
                            f"仅目标有：{'、'.join(sorted(theirs - ours)) or '无'}），无法迁移")


def _copy_table(src: Connection, table: Table, dst: Connection, dest: Table, progress: ProgressFn | None,
                cancelled: CancelledFn | None) -> int:
    total = src.execute(select(func.count()).select_from(table)).scalar_one()
    names = list(table.columns.keys())
    done = 0
    if progress:
        progress(table.name, 0, total)
    for batch in _batches(src, table, names):
        if cancelled is not None and cancelled():
            raise OperationCancelled("迁移已取消，目标数据库未保留任何数据")
        try:
            dst.execute(dest.insert(), batch)
        except sa_exc.DBAPIError as exc:
            problem = connection_problem(exc)
            if problem is not None:
                raise problem from exc
            why = explain(exc.orig or exc)  # a full disk, a read-only file: in Chinese, not the driver's words
            raise DatabaseError(f"复制表 {table.name} 时目标数据库拒绝了数据，迁移已全部撤销：{why}") from exc
        done += len(batch)
        if progress:
            progress(table.name, done, total)
    return done


def _batches(src: Connection, table: Table, names: list[str]) -> Iterator[list[dict[str, Any]]]:
    query = select(*table.columns)
    pk = list(table.primary_key.columns)
    if pk:
        query = query.order_by(*pk)
    if _self_references(table):
        rows = [dict(zip(names, r, strict=True)) for r in src.execute(query)]
        ordered = _parents_first(table, rows)
        for i in range(0, len(ordered), BATCH_ROWS):
            yield ordered[i:i + BATCH_ROWS]
        return
    result = src.execution_options(yield_per=BATCH_ROWS).execute(query)
    for part in result.partitions(BATCH_ROWS):
        yield [dict(zip(names, r, strict=True)) for r in part]


def _self_references(table: Table) -> list[tuple[str, str]]:
    """(referring column, referred column) of each foreign key from the table to itself (party_org.parent_id)."""
    return [(fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table]


def _parents_first(table: Table, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows in an order where every row comes after the row it refers to (a tree may be numbered in any
    order: an organisation moved under a newer one has a parent with a higher id)."""
    refs = _self_references(table)
    placed: set[tuple[str, Any]] = set()
    ordered: list[dict[str, Any]] = []
    waiting = list(rows)
    while waiting:
        still = []
        for row in waiting:
            if all(row[col] is None or (ref, row[col]) in placed or row[col] == row[ref] for col, ref in refs):
                ordered.append(row)
                placed.update((ref, row[ref]) for _, ref in refs)
            else:
                still.append(row)
        if len(still) == len(waiting):
            raise DatabaseError(f"表 {table.name} 中的记录相互引用成环（共{len(still)}条），无法按顺序复制")
        waiting = still
    return ordered


def _reset_sequences(dst: Connection) -> None:
    """Serial and identity columns continue after the highest copied id (explicit ids do not move them)."""
    if dst.dialect.name != "postgresql":
        return  # SQLite's next rowid is max(rowid) + 1 by itself
    quote = dst.dialect.identifier_preparer.quote
    for name in inspect(dst).get_table_names():
        for column in inspect(dst).get_pk_constraint(name)["constrained_columns"]:
            seq = dst.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                              {"t": quote(name), "c": column}).scalar()
            if seq is None:
                continue
            dst.execute(text(f"SELECT setval(CAST(:s AS regclass), COALESCE(MAX({quote(column)}), 0) + 1, false) "
                             f"FROM {quote(name)}"), {"s": seq})


def _check_copy(source: audit.AuditReport, copy: audit.AuditReport) -> None:
    """The copy is accepted only when its trail proves it the same county."""
    if not copy.chain_ok:
        raise DatabaseError("复制后的审计链校验未通过，迁移已全部撤销："
                            + "；".join(str(f) for f in copy.findings if f.kind == "chain"))
    if (copy.entries, copy.head) != (source.entries, source.head):
        raise DatabaseError(f"复制后的审计链与源数据库不一致（源：{source.entries}条，{_head(source.head)}；"
                            f"复制：{copy.entries}条，{_head(copy.head)}），迁移已全部撤销")


def _head(head: audit.ChainHead | None) -> str:
    return str(head) if head is not None else "审计链为空"
