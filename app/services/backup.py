"""Backups and restores of the county database.

A backup is made with SQLite's online backup API (never a file copy: committed data of an open WAL database may
still be in its -wal file), written under a temporary name, integrity-checked, then renamed; only then are older
backups rotated out, and never while the newest backup is unsound.  A restore checks the chosen backup, refuses
while the database is in use, saves the current database first (a backup, or a plain copy when it is damaged),
and replaces the file atomically.

A database on a PostgreSQL server is backed up with pg_dump (custom format, `.dump`) and restored with
pg_restore in one transaction, after a pg_dump of the database as it is; the same names, listing and rotation.

The start-up flow when `open_database` raises `IntegrityCheckError`: `latest_good_backup(backup_dir)` to offer,
then `restore_backup(info.path, db_path, backup_dir)` (or `restore_latest_good`), then `open_database` again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from app import clock
from app import settings as S
from app.db import (
    BEFORE_AUDIT_TRAIL,
    audit_trigger_findings,
    database_target,
    empty_database_message,
    integrity_problems,
    is_empty_database_file,
    known_revisions,
    read_only_connection,
    server_engine,
    server_schema,
    sqlite_uri,
    stored_schema,
)
from app.errors import BackupError, DatabaseError, ValidationError, damage_summary
from app.failures import explain
from app.paths import create_private_file, make_private, private_dir
from app.services.anchors import BACKUP as BACKUP_ANCHOR
from app.services.anchors import RESTORE as RESTORE_ANCHOR
from app.services.anchors import AnchorFile, manifest_path, write_manifest

log = logging.getLogger(__name__)

DEFAULT_KEEP: int = S.BACKUP_KEEP.default
PREFIX = "dangjian-"
SUFFIX = ".sqlite3"
SERVER_SUFFIX = ".dump"  # pg_dump's custom format, for a database on a PostgreSQL server
DAMAGED_PREFIX = "damaged-"
_STAMP = "%Y%m%d-%H%M%S-%f"
_NAME = re.compile(r"^dangjian-(\d{8}-\d{6}-\d{6})-([a-z][a-z-]*)\.(?:sqlite3|dump)$")

REASON_LABELS = {
    "manual": "手动备份",
    "daily": "每日自动备份",
    "migrate": "升级数据库前",
    "before-restore": "恢复备份前",
}


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: dt.datetime  # local time, from the file name
    reason: str
    size: int

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason, self.reason)


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    safety_backup: Path | None  # the database as it was, backed up first (None when there was none)
    damaged_copy: Path | None  # a damaged database cannot be backed up: it is copied aside as it was
    # Newer backups `restore_latest_good` passed over, each with why it is not sound.
    skipped: tuple[tuple[BackupInfo, str], ...] = ()


# --- making backups --------------------------------------------------------------------------------------------

def make_backup(source: Engine | str | Path, backup_dir: Path, *, reason: str = "manual",
                keep: int = DEFAULT_KEEP, now: dt.datetime | None = None,
                anchor_file: AnchorFile | None = None) -> Path:
    """Write a consistent copy of the database into `backup_dir`, check it, then rotate old backups.

    `source` is the app's engine (the copy is taken on one of its connections, so it sees every commit) or
    the path of a database file (opened read-only).  The audit chain's head the backup holds is written into
    its manifest beside it and into `anchor_file` (app.services.anchors)."""
    from app.services import unit_scope  # the models: not at start-up, before the window shows

    unit_scope.refuse_unit_account("备份数据库")
    if not re.fullmatch(r"[a-z][a-z-]*", reason):
        raise BackupError(f"备份原因只能由小写字母和连字符组成：{reason}")
    if not isinstance(source, Engine) and is_empty_database_file(Path(source)):
        # A backup of an empty file would be the newest one and push the good ones out of the rotation.
        raise BackupError(f"未备份：{empty_database_message(Path(source))}")
    private_dir(backup_dir)
    if isinstance(source, Engine) and source.dialect.name == "postgresql":
        return _server_backup(source.url, backup_dir, reason, keep, now or dt.datetime.now(), anchor_file)
    target = _free_name(backup_dir, reason, now or dt.datetime.now())
    with _written_then_renamed(target) as partial:
        _copy_database(source, partial)
        head = chain_head_of(partial)
        problems = integrity_problems(partial)
        if problems:
            raise BackupError("备份文件完整性检查未通过，未保存：数据库" + damage_summary(problems))
    log.info("backup written: %s", target.name)
    _anchor_backup(target, head, reason, anchor_file)
    rotate(backup_dir, keep)
    return target


@contextmanager
def _written_then_renamed(target: Path) -> Iterator[Path]:
    """The block writes and checks `target`.partial; only when it ends normally does the file take the name
    `target`.  A failure or a crash never leaves a half-written file under a backup's name.  The file is
    created 0600 before anything writes into it: a backup holds the whole county's personal data."""
    partial = target.with_name(target.name + ".partial")
    try:
        partial.unlink(missing_ok=True)
        create_private_file(partial)
        yield partial
        os.replace(partial, target)
    except (sqlite3.Error, OSError, subprocess.SubprocessError) as exc:
        raise BackupError(f"备份失败：{explain(exc, target)}") from exc
    finally:
        # On a read-only disk even removing a file that is not there fails: that must not replace the reason.
        try:
            partial.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("partial backup not removed: %s (%s)", partial, exc)


def _free_name(backup_dir: Path, reason: str, now: dt.datetime, suffix: str = SUFFIX) -> Path:
    while True:
        target = backup_dir / f"{PREFIX}{now.strftime(_STAMP)}-{reason}{suffix}"
        if not target.exists():
            return target
        now += dt.timedelta(microseconds=1)


def _copy_database(source: Engine | str | Path, dest: Path) -> None:
    dst = sqlite3.connect(str(dest))
    try:
        if isinstance(source, Engine):
            raw = source.raw_connection()
            try:
                driver = raw.driver_connection
                assert isinstance(driver, sqlite3.Connection)
                driver.backup(dst)
            finally:
                raw.close()
        else:
            src_path = Path(source)
            if not src_path.is_file():
                raise BackupError(f"数据库文件不存在：{src_path}")
            src = sqlite3.connect(sqlite_uri(src_path, "mode=ro"), uri=True, timeout=10)
            try:
                src.backup(dst)
            finally:
                src.close()
        # A backup is one self-contained file: no -wal beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()


def chain_head_of(target: Path | URL) -> tuple[int, str] | None:
    """The audit chain's head (seq, hash) in a database file or on a server, None when it has no trail."""
    sql = "SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1"
    try:
        if isinstance(target, URL):
            with server_engine(target) as engine, engine.connect() as conn:
                row = conn.exec_driver_sql(sql).first()
        else:
            with read_only_connection(target) as con:
                row = con.execute(sql).fetchone()
    except (sqlite3.Error, SQLAlchemyError, DatabaseError):
        return None
    return (int(row[0]), str(row[1])) if row is not None else None


def _anchor_backup(target: Path, head: tuple[int, str] | None, reason: str, anchor_file: AnchorFile | None) -> None:
    """The head a backup holds: in its manifest (a failure there does not undo the backup) and the anchor file."""
    if head is None:
        return
    try:
        write_manifest(target, head[0], head[1], reason)
    except OSError as exc:
        log.warning("backup manifest not written for %s: %s", target.name, exc)
    if anchor_file is not None:
        anchor_file.append(head[0], head[1], BACKUP_ANCHOR)


# --- a database on a PostgreSQL server: pg_dump ---------------------------------------------------------------

def server_tool(name: str) -> str | None:
    """A PostgreSQL client program (pg_dump, pg_restore): on PATH, else in the usual install folders."""
    found = shutil.which(name)
    if found:
        return found
    patterns = [f"/usr/lib/postgresql/*/bin/{name}", f"C:/Program Files/PostgreSQL/*/bin/{name}.exe"]
    candidates = [c for pattern in patterns for c in glob.glob(pattern)]
    # The newest installed version: 15 is newer than 9.6 (as text it sorts first), and a newer pg_dump reads
    # older servers while an older one refuses newer servers.
    return max(candidates, key=_install_version) if candidates else None


def _install_version(tool: str) -> tuple[int, ...]:
    folder = Path(tool).parent.parent.name  # .../postgresql/<version>/bin/pg_dump
    return tuple(int(part) for part in re.findall(r"\d+", folder)) or (0,)


def can_dump_server() -> bool:
    return server_tool("pg_dump") is not None


def server_tool_env(url: URL) -> dict[str, str]:
    """The environment for a PostgreSQL client program: the password travels in PGPASSWORD, never on the
    command line (where any user of the machine could read it)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return env


def server_connection_args(url: URL) -> list[str]:
    args = ["--host", url.host or "localhost", "--dbname", url.database or ""]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    return args


def _server_backup(url: URL, backup_dir: Path, reason: str, keep: int, now: dt.datetime,
                   anchor_file: AnchorFile | None = None) -> Path:
    pg_dump = server_tool("pg_dump")
    if pg_dump is None:
        raise BackupError("本机没有安装 PostgreSQL 的 pg_dump 程序，无法备份服务器上的数据库。"
                          "请安装 PostgreSQL 客户端工具，或请服务器管理员在服务器上备份")
    target = _free_name(backup_dir, reason, now, SERVER_SUFFIX)
    head = chain_head_of(url)  # read before the dump: the dump holds at least these entries (the trail only grows)
    with _written_then_renamed(target) as partial:
        done = subprocess.run([pg_dump, "--format=custom", "--no-owner", "--no-password", "--file", str(partial),
                               *server_connection_args(url)],
                              env=server_tool_env(url), capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            raise BackupError(f"pg_dump 备份失败：{done.stderr.strip()[:500]}")
        _check_dump(partial)
    log.info("server backup written with pg_dump: %s", target.name)
    _anchor_backup(target, head, reason, anchor_file)
    rotate(backup_dir, keep)
    return target


def is_server_backup(path: Path) -> bool:
    """A pg_dump backup of a server database (else a SQLite file)."""
    return path.name.endswith(SERVER_SUFFIX)


def _check_dump(path: Path) -> None:
    """A new dump is read back as a restore would read it (without pg_restore installed it cannot be, and
    pg_dump's own success is taken as the answer)."""
    if server_tool("pg_restore") is None:
        return
    problems = _dump_problems(path)
    if problems:
        raise BackupError("pg_dump 写出的备份文件无法读回，未保存：" + "；".join(problems))


# --- listing and rotation ----------------------------------------------------------------------------------------

def list_backups(backup_dir: Path) -> list[BackupInfo]:
    """Backups in `backup_dir`, newest first."""
    if not backup_dir.is_dir():
        return []
    found = []
    for p in backup_dir.iterdir():
        m = _NAME.match(p.name)
        if not m or not p.is_file():
            continue
        try:
            taken = dt.datetime.strptime(m.group(1), _STAMP)
        except ValueError:
            continue
        found.append(BackupInfo(p, taken, m.group(2), p.stat().st_size))
    return sorted(found, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def rotate(backup_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; nothing is deleted while the newest one is not sound."""
    keep = max(1, keep)
    _remove_stale_partials(backup_dir)
    backups = list_backups(backup_dir)
    for b in backups:
        make_private(b.path)  # backups an earlier version made were 0644
    if len(backups) <= keep:
        return []
    if not _readable(backups[0].path):
        log.warning("newest backup %s failed its integrity check; nothing rotated", backups[0].path.name)
        return []
    removed = []
    for b in backups[keep:]:
        b.path.unlink(missing_ok=True)
        manifest_path(b.path).unlink(missing_ok=True)
        removed.append(b.path)
    return removed


def _readable(path: Path) -> bool:
    if is_server_backup(path):
        return _dump_listing(path)[0] is not None
    return not integrity_problems(path)


def _remove_stale_partials(backup_dir: Path, now: dt.datetime | None = None) -> None:
    # A backup interrupted by a crash or power cut leaves its .partial file; one a day old is no longer being
    # written by anyone.
    cutoff = (now or dt.datetime.now()).timestamp() - 24 * 3600
    partials = [*backup_dir.glob(f"{PREFIX}*{SUFFIX}.partial"), *backup_dir.glob(f"{PREFIX}*{SERVER_SUFFIX}.partial")]
    for p in partials:
        try:
            if p.stat().st_mtime < cutoff:
                p.unlink()
        except OSError:
            continue


def needs_daily_backup(backup_dir: Path, today: dt.date | None = None) -> bool:
    """True until a backup has been taken today (the first start of each day takes one)."""
    today = today or clock.today()
    return not any(b.taken_at.date() == today for b in list_backups(backup_dir))


def configured_keep(database: str | Path) -> int:
    """The number of backups to keep (setting `backup.keep`), read without opening the database for writing:
    it is needed before a migration, and a missing or unreadable value means the default."""
    try:
        target = database_target(database)
        if isinstance(target, URL):
            row = _server_setting(target, S.BACKUP_KEEP.key)
        else:
            with read_only_connection(target) as con:
                row = con.execute("SELECT value FROM setting WHERE key = ?", (S.BACKUP_KEEP.key,)).fetchone()
    except (sqlite3.Error, DatabaseError, SQLAlchemyError):
        return DEFAULT_KEEP
    if row is None:
        return DEFAULT_KEEP
    try:
        return int(S.BACKUP_KEEP.coerce(json.loads(row[0])))
    except (ValueError, TypeError, ValidationError):  # a bad stored value must not stop a backup
        return DEFAULT_KEEP


def _server_setting(url: URL, key: str) -> tuple[str] | None:
    with server_engine(url) as engine, engine.connect() as conn:
        row = conn.execute(text("SELECT value FROM setting WHERE key = :k"), {"k": key}).first()
    return (row[0],) if row is not None else None


# --- restoring ---------------------------------------------------------------------------------------------------

def backup_problems(backup_file: Path) -> list[str]:
    """Why `backup_file` cannot be restored (Chinese, empty when it can).  A sound backup (完好) opens, passes
    integrity_check, is this app's at a known version, keeps the audit trail's append-only triggers, and its
    audit chain verifies: a backup of a trail edited in place is no restore point."""
    if not backup_file.is_file():
        return [f"备份文件不存在：{backup_file}"]
    if is_server_backup(backup_file):
        return _dump_problems(backup_file) or _dump_trail_problems(backup_file)
    if backup_file.stat().st_size == 0:
        return ["备份文件是空的（0 字节）"]
    integrity = integrity_problems(backup_file)
    if integrity:
        return ["备份文件已损坏：" + "；".join(integrity[:3])]
    try:
        schema = stored_schema(backup_file)
    except DatabaseError as exc:
        return [str(exc)]
    if not schema.revisions:
        return ["该文件不是本程序的数据库备份（缺少版本信息）"]
    unknown = [r for r in schema.revisions if r not in known_revisions()]
    if unknown:
        return [f"该备份由更新版本的程序创建（版本 {'、'.join(unknown)}），本程序无法使用"]
    if schema.revision in BEFORE_AUDIT_TRAIL:
        return []
    return _trail_problems(backup_file)


def _trail_problems(backup_file: Path) -> list[str]:
    """The audit trail of a backup: its append-only triggers, then its hash chain (app.services.audit.verify)."""
    from app.services import audit  # audit pulls in the models; backup stays light

    try:
        with read_only_connection(backup_file) as con:
            triggers = audit_trigger_findings(con)
    except sqlite3.DatabaseError as exc:
        return [f"备份文件无法读取：{exc}"]
    if triggers:
        return ["备份中的" + t for t in triggers]
    engine = _read_only_engine(backup_file)
    try:
        report = audit.verify(sessionmaker(engine), check_state=False)
    except SQLAlchemyError as exc:
        return [f"无法核验备份中的审计链（备份版本过旧或表结构不完整）：{getattr(exc, 'orig', exc)}"]
    finally:
        engine.dispose()
    return [f"备份中的审计链未通过核验：{f}" for f in report.findings if f.kind == "chain"][:3]


def _read_only_engine(path: Path) -> Engine:
    # A backup is one self-contained file (journal_mode=DELETE, no -wal): opened immutable, nothing is written
    # beside it, not even a -shm.
    uri = sqlite_uri(path, "mode=ro&immutable=1")
    return create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
                         poolclass=NullPool)


def latest_good_backup(backup_dir: Path, *, server: bool = False) -> BackupInfo | None:
    """The newest backup that can be restored (of a SQLite file, or with `server` of a server database), or None."""
    return newest_good_backup(backup_dir, server=server)[0]


def newest_good_backup(backup_dir: Path, *, server: bool = False
                       ) -> tuple[BackupInfo | None, list[tuple[BackupInfo, str]]]:
    """The newest sound backup (or None), and the newer ones passed over with why each is not sound."""
    skipped: list[tuple[BackupInfo, str]] = []
    for b in list_backups(backup_dir):
        if is_server_backup(b.path) != server:
            continue
        problems = backup_problems(b.path)
        if not problems:
            return b, skipped
        skipped.append((b, problems[0]))
    return None, skipped


# --- what a restore would lose -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Holdings:
    """What a database holds that a restore can lose, counted read-only."""

    members: int
    scores: int
    audit_entries: int


HOLDING_LABELS = (("members", "党员", "人"), ("scores", "评分记录", "条"),
                  ("audit_entries", "审计记录（备份、恢复操作的记录除外）", "条"))
# The trail's records of backups and restores themselves (app.services.accounts): every backup is recorded
# after its file is written, so the newest backup always lacks its own record; that is no work lost.
_BOOKKEEPING_ENTITY = "database"


def holdings(db_file: Path) -> Holdings | None:
    """Counts of members, score items and audit entries in a database file; None when it cannot be read (missing,
    empty, damaged, or from before these tables)."""
    if not db_file.is_file() or is_empty_database_file(db_file):
        return None
    try:
        with read_only_connection(db_file) as con:
            members, scores = (con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
                               for table in ("member", "score_item"))
            entries = con.execute("SELECT count(*) FROM audit_entry WHERE entity <> ?",
                                  (_BOOKKEEPING_ENTITY,)).fetchone()[0]
    except sqlite3.DatabaseError:
        return None
    return Holdings(int(members), int(scores), int(entries))


@dataclass(frozen=True)
class RestoreComparison:
    current: Holdings
    backup: Holdings

    @property
    def loses_data(self) -> bool:
        """The current database holds more members, score items or audit entries than the backup."""
        return any(getattr(self.current, f) > getattr(self.backup, f) for f, _, _ in HOLDING_LABELS)

    def lines(self) -> list[str]:
        """One Chinese line per count: current → backup, and how many fewer."""
        out = []
        for f, label, unit in HOLDING_LABELS:
            now, then = getattr(self.current, f), getattr(self.backup, f)
            fewer = f"（少 {now - then} {unit}）" if now > then else ""
            out.append(f"{label}：当前 {now} {unit}，备份 {then} {unit}{fewer}")
        return out


_COUNTED_TABLES = ("member", "score_item", "audit_entry")


def server_holdings(url: URL) -> Holdings | None:
    """The holdings of a server database (None when it has none of these tables yet: a new database)."""
    with server_engine(url) as engine, engine.connect() as conn:
        if set(_COUNTED_TABLES) - set(inspect(conn).get_table_names()):
            return None
        members, scores = (int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())  # noqa: S608
                           for t in _COUNTED_TABLES[:2])
        entries = int(conn.execute(text("SELECT count(*) FROM audit_entry WHERE entity <> :e"),
                                   {"e": _BOOKKEEPING_ENTITY}).scalar_one())
    return Holdings(members, scores, entries)


def dump_holdings(path: Path) -> Holdings | None:
    """The holdings of a pg_dump backup, counted from its data without restoring it (None without pg_restore
    or when the dump cannot be read)."""
    counts = []
    for table in _COUNTED_TABLES:
        rows = _dump_rows(path, table)
        if rows is None:
            return None
        columns, data = rows
        if table == "audit_entry":
            entity = columns.index("entity")
            data = [r for r in data if len(r) > entity and r[entity] != _BOOKKEEPING_ENTITY]
        counts.append(len(data))
    return Holdings(*counts)


def _dump_rows(path: Path, table: str) -> tuple[list[str], list[list[str]]] | None:
    """A table's column names and rows (COPY text format, fields unescaped only as far as tabs) from a dump."""
    dumped = _pg_restore_text(path, "--data-only", f"--table={table}")
    if dumped is None:
        return None
    lines = dumped.split("\n")  # not splitlines: a value may hold U+2028 and the like, unescaped by COPY
    for i, line in enumerate(lines):
        m = re.match(r"COPY \S+ \((.*)\) FROM stdin;$", line)
        if m:
            columns = [c.strip().strip('"') for c in m.group(1).split(",")]
            end = lines.index("\\.", i + 1)
            return columns, [row.split("\t") for row in lines[i + 1:end]]
    return [], []  # a table without rows has no COPY block


def compare_with_server(backup_file: Path, url: URL) -> RestoreComparison | None:
    """`compare_with_current` for a pg_dump backup and the server database it would replace."""
    current = server_holdings(url)
    then = dump_holdings(backup_file) if current is not None else None
    if current is None or then is None:
        return None
    return RestoreComparison(current, then)


def compare_with_current(backup_file: Path, db_path: Path) -> RestoreComparison | None:
    """The current database's holdings against the backup's; None when either cannot be counted (a damaged or
    empty current database has nothing a restore could lose that a count would show)."""
    current, then = holdings(db_path), holdings(backup_file)
    if current is None or then is None:
        return None
    return RestoreComparison(current, then)


def ensure_not_in_use(db_path: Path) -> None:
    """Refuse while any connection (another window, another process, or an engine this process forgot to
    close) has the database open: replacing the file under it would lose its writes or corrupt it."""
    if not db_path.is_file():
        return
    con = sqlite3.connect(str(db_path), timeout=0.5, isolation_level=None)
    try:
        # In WAL mode every open connection holds a shared lock on the -shm; exclusive locking mode needs it
        # alone, so this fails while anyone else has the database open, even idle.
        con.execute("PRAGMA locking_mode=EXCLUSIVE")
        con.execute("BEGIN EXCLUSIVE")
        con.execute("SELECT count(*) FROM sqlite_master").fetchall()
        con.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if _is_busy(exc):
            raise BackupError("数据库正在被使用（可能主窗口或其他程序已打开），请先关闭后再恢复") from exc
    except sqlite3.DatabaseError:
        pass  # a damaged file: nobody can be using it usefully, and it is set aside before it is replaced
    finally:
        con.close()


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)


def restore_backup(backup_file: Path, db_path: Path, backup_dir: Path, *, keep: int = DEFAULT_KEEP,
                   now: dt.datetime | None = None, anchor_file: AnchorFile | None = None) -> RestoreResult:
    """Replace the database at `db_path` with `backup_file`, after saving the current one.

    The caller must have closed its engine on `db_path` (a restore refuses while the database is in use).
    A damaged backup is refused and the current database is left as it was.  `anchor_file` gets the restored
    head (恢复): anchors of the history it replaced no longer apply (app.services.anchors.in_force)."""
    from app.services.accounts import Permission, require  # accounts pulls in the models; backup stays light

    require(Permission.RESTORE)
    if is_server_backup(backup_file):
        raise BackupError("这是服务器数据库的备份（pg_dump 格式），只能恢复到数据库服务器，不能恢复成本机数据库文件")
    problems = backup_problems(backup_file)
    if problems:
        raise BackupError("无法恢复：" + "；".join(problems))
    ensure_not_in_use(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.with_name(db_path.name + ".restoring")
    try:
        # Copy first: saving the current database may rotate old backups, perhaps the one being restored.
        partial.unlink(missing_ok=True)
        create_private_file(partial)  # it becomes the database: 0600 from the start
        _copy_database(backup_file, partial)
        if integrity_problems(partial):
            raise BackupError("恢复失败：复制出的数据库未通过完整性检查，当前数据库未改动")
        safety, damaged = _save_current(db_path, backup_dir, keep, now or dt.datetime.now(), anchor_file)
        for extra in ("-wal", "-shm"):
            Path(str(db_path) + extra).unlink(missing_ok=True)
        os.replace(partial, db_path)
    except (sqlite3.Error, OSError) as exc:
        raise BackupError(f"恢复失败：{explain(exc, db_path)}") from exc
    finally:
        with contextlib.suppress(OSError):  # a read-only disk refuses even this: the reason above is the one
            partial.unlink(missing_ok=True)
    log.info("restored %s (safety backup %s)", backup_file.name, safety.name if safety else "-")
    _anchor_restored(db_path, anchor_file)
    return RestoreResult(backup_file, safety, damaged)


def _anchor_restored(target: Path | URL, anchor_file: AnchorFile | None) -> None:
    """The restored head: earlier anchors beyond it describe the history the restore replaced."""
    if anchor_file is not None:
        anchor_file.append(*(chain_head_of(target) or (0, "0" * 64)), RESTORE_ANCHOR)


def restore_latest_good(db_path: Path, backup_dir: Path, *, keep: int = DEFAULT_KEEP) -> RestoreResult:
    """The start-up recovery: restore the newest sound backup (`BackupError` when there is none).  The result
    names the newer backups passed over as not sound."""
    best, skipped = newest_good_backup(backup_dir)
    if best is None:
        raise BackupError(f"备份目录中没有可用的完好备份：{backup_dir}")
    return replace(restore_backup(best.path, db_path, backup_dir, keep=keep), skipped=tuple(skipped))


def _save_current(db_path: Path, backup_dir: Path, keep: int, now: dt.datetime,
                  anchor_file: AnchorFile | None = None) -> tuple[Path | None, Path | None]:
    if not db_path.is_file() or db_path.stat().st_size == 0:
        return None, None
    if not integrity_problems(db_path):
        return make_backup(db_path, backup_dir, reason="before-restore", keep=keep, now=now,
                           anchor_file=anchor_file), None
    # The backup API may fail on damaged pages: keep the file (and its -wal) exactly as it was.
    private_dir(backup_dir)
    damaged = backup_dir / f"{DAMAGED_PREFIX}{now.strftime(_STAMP)}{SUFFIX}"
    copy_private(db_path, damaged)
    wal = Path(str(db_path) + "-wal")
    if wal.is_file():
        copy_private(wal, Path(str(damaged) + "-wal"))
    return None, damaged


def copy_private(source: Path, dest: Path) -> None:
    """A byte-for-byte copy readable by its owner only (shutil.copy2 would copy the source's mode, 0644 for a
    database made by an earlier version)."""
    dest.unlink(missing_ok=True)
    create_private_file(dest)
    shutil.copyfile(source, dest)
    st = source.stat()
    os.utime(dest, ns=(st.st_atime_ns, st.st_mtime_ns))


# --- a database on a PostgreSQL server: pg_restore -----------------------------------------------------------

_DUMP_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )\S+ (\S+) ", re.MULTILINE)


def _dump_listing(path: Path) -> tuple[str | None, str]:
    """pg_restore's table of contents of a dump, or (None, why not)."""
    pg_restore = server_tool("pg_restore")
    if pg_restore is None:
        return None, "本机没有安装 PostgreSQL 的 pg_restore 程序，无法读取服务器数据库的备份"
    try:
        listed = subprocess.run([pg_restore, "--list", str(path)], capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"无法运行 pg_restore：{exc}"
    if listed.returncode != 0:
        return None, "备份文件已损坏或不是 pg_dump 备份：" + listed.stderr.strip()[:300]
    return listed.stdout, ""


def dump_revision(path: Path) -> str | None:
    """The schema revision a pg_dump backup records (its alembic_version row), read without restoring it."""
    pg_restore = server_tool("pg_restore")
    if pg_restore is None:
        return None
    done = subprocess.run([pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(path)],
                          capture_output=True, text=True, timeout=600)
    lines = done.stdout.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and i + 1 < len(lines):
            value = lines[i + 1].strip()
            return value if value and value != "\\." else None
    return None


def _dump_problems(path: Path) -> list[str]:
    listing, why = _dump_listing(path)
    if listing is None:
        return [why]
    if "audit_entry" not in _DUMP_TABLE.findall(listing):
        return ["该文件不是本程序的数据库备份（没有审计日志表）"]
    revision = dump_revision(path)
    if revision is None:
        return ["该文件不是本程序的数据库备份（缺少版本信息）"]
    if revision not in known_revisions():
        return [f"该备份由更新版本的程序创建（版本 {revision}），本程序无法使用"]
    return []


def _dump_trail_problems(path: Path) -> list[str]:
    """The audit trail of a pg_dump backup, read without restoring it: its three append-only triggers present
    and enabled, and its hash chain recomputed from the dumped rows."""
    from app.db import SERVER_AUDIT_TRIGGERS

    definitions = _pg_restore_text(path, "--section=post-data")
    if definitions is None:
        return ["无法读取备份中的审计日志保护触发器"]
    problems = []
    for name, what in SERVER_AUDIT_TRIGGERS.items():
        if not re.search(rf"CREATE TRIGGER {name} BEFORE \w+ ON \S*audit_entry", definitions):
            problems.append(f"备份中的审计日志缺少防止{what}的触发器 {name}")
        elif re.search(rf"DISABLE TRIGGER {name}\b", definitions):
            problems.append(f"备份中的审计日志触发器 {name} 已被停用，不再阻止{what}")
    return problems or _dump_chain_problems(path)


def _dump_chain_problems(path: Path) -> list[str]:
    from app.services.audit import GENESIS_HASH, entry_hash

    rows = _dump_rows(path, "audit_entry")
    if rows is None:
        return ["无法读取备份中的审计日志"]
    columns, data = rows
    fields = ("seq", "at", "who", "action", "entity", "entity_id", "field", "old", "new", "reason", "hash")
    try:
        index = [columns.index(f) for f in fields]
    except ValueError:
        return ["备份中的审计日志表缺少字段"]
    entries = sorted(([_copy_value(r[i]) for i in index] for r in data), key=lambda e: int(e[0] or 0))
    prev = GENESIS_HASH
    for expected, e in enumerate(entries, 1):
        seq = int(e[0] or 0)
        if seq != expected:
            return [f"备份中的审计链未通过核验：审计链断裂：第{expected}条记录缺失（可能被删除）"]
        row = (seq, *e[1:5], None if e[5] is None else int(e[5]), *e[6:10])
        if entry_hash(prev, row) != e[10]:
            return [f"备份中的审计链未通过核验：第{seq}条记录的内容与哈希不符（记录被修改、删除或调换）"]
        prev = str(e[10])
    return []


_COPY_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))")
_COPY_CHARS = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _copy_value(field: str) -> str | None:
    """One field of COPY's text format as the value it stands for (\\N is NULL)."""
    if field == "\\N":
        return None

    def one(m: re.Match[str]) -> str:
        if m.group(1):
            return chr(int(m.group(1), 8))
        if m.group(2):
            return chr(int(m.group(2), 16))
        return _COPY_CHARS.get(m.group(3), m.group(3))

    return _COPY_ESCAPE.sub(one, field)


def _pg_restore_text(path: Path, *options: str) -> str | None:
    """What pg_restore writes for `options` as SQL text (None without pg_restore or when it fails)."""
    pg_restore = server_tool("pg_restore")
    if pg_restore is None:
        return None
    try:
        done = subprocess.run([pg_restore, *options, "--file=-", str(path)], capture_output=True, text=True,
                              timeout=600)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def restore_server_backup(backup_file: Path, url: URL, backup_dir: Path, *, keep: int = DEFAULT_KEEP,
                          now: dt.datetime | None = None, anchor_file: AnchorFile | None = None) -> RestoreResult:
    """Replace the server database at `url` with a pg_dump backup, after a pg_dump of it as it is now.

    Refused while other clients of this app are connected (what they save after the safety backup would be
    lost).  Tables the backup does not have (added by a newer schema since it was taken) are dropped first: the
    migrations make them again when the app next opens the database.  pg_restore then runs in one transaction
    (--single-transaction); when it fails after such a drop, the safety backup is restored at once, so the
    database ends as it was either way and the message says which."""
    from app.services.accounts import Permission, require  # accounts pulls in the models; backup stays light

    require(Permission.RESTORE)
    if not is_server_backup(backup_file):
        raise BackupError("这是本机数据库文件的备份，不能直接恢复到服务器。可先把它恢复成本机文件，"
                          "再用 dangjian migrate-db 复制到一个空的服务器数据库")
    if server_tool("pg_restore") is None:
        raise BackupError("本机没有安装 PostgreSQL 的 pg_restore 程序，无法恢复服务器上的数据库，数据库未改动。"
                          "请安装 PostgreSQL 客户端工具，或请服务器管理员在服务器上恢复")
    problems = backup_problems(backup_file)
    if problems:
        raise BackupError("无法恢复：" + "；".join(problems))
    ensure_no_other_sessions(url)
    listing, _ = _dump_listing(backup_file)
    backup_dir.mkdir(parents=True, exist_ok=True)
    staged = backup_dir / (backup_file.name + ".restoring")  # the safety backup may rotate the chosen one out
    try:
        shutil.copyfile(backup_file, staged)
        safety = _save_current_on_server(url, backup_dir, keep, now or dt.datetime.now(), anchor_file)
        _restore_or_put_back(url, staged, safety, set(_DUMP_TABLE.findall(listing or "")))
    except OSError as exc:
        raise BackupError(f"恢复失败，数据库未改动：{explain(exc)}") from exc
    finally:
        with contextlib.suppress(OSError):
            staged.unlink(missing_ok=True)
    log.info("restored %s onto the server (safety backup %s)", backup_file.name, safety.name if safety else "-")
    _anchor_restored(url, anchor_file)
    return RestoreResult(backup_file, safety, None)


def restore_any(backup_file: Path, target: Path | URL, backup_dir: Path, keep: int = DEFAULT_KEEP,
                anchor_file: AnchorFile | None = None) -> RestoreResult:
    """A backup onto the database in use: a SQLite backup onto the file, a pg_dump backup onto the server (each
    refuses the other kind, saying how to move a county between them)."""
    if isinstance(target, URL):
        return restore_server_backup(backup_file, target, backup_dir, keep=keep, anchor_file=anchor_file)
    return restore_backup(backup_file, target, backup_dir, keep=keep, anchor_file=anchor_file)


# The application_name every connection of this app gives the server (app.db's server engine).
APP_CONNECTION_NAME = "dangjian"


def other_app_sessions(url: URL) -> int:
    """How many connections of this app, other than the asking one, are open on the server database at `url`:
    other workstations, another window, a command still running."""
    with server_engine(url) as engine, engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = :app AND pid <> pg_backend_pid()"), {"app": APP_CONNECTION_NAME}).scalar_one())


def ensure_no_other_sessions(url: URL, *, wait_s: float = 3.0) -> None:
    """Refuse a restore while anyone else of this app is connected: what they save after the safety backup would
    be overwritten, and they would go on working with rows that no longer exist.  A connection closed just now
    leaves the server's list a moment later, hence the short wait."""
    deadline = time.monotonic() + wait_s
    count = other_app_sessions(url)
    while count and time.monotonic() < deadline:
        time.sleep(0.2)
        count = other_app_sessions(url)
    if count:
        raise BackupError(f"还有 {count} 个本程序的连接正在使用这个服务器数据库（其他工作站、其他窗口或正在运行的命令），"
                          "恢复会覆盖他们随后保存的内容，因此未恢复，数据库未改动。请先让其他工作站退出本程序，再恢复。")


def _save_current_on_server(url: URL, backup_dir: Path, keep: int, now: dt.datetime,
                            anchor_file: AnchorFile | None = None) -> Path | None:
    """A pg_dump of the database as it is; None for a database without any table (a new one: nothing to save)."""
    with server_engine(url) as engine:
        if not server_schema(engine).has_tables:
            return None
    try:
        return _server_backup(url, backup_dir, "before-restore", keep, now, anchor_file)
    except BackupError as exc:
        raise BackupError(f"恢复前必须先备份当前数据库，但备份失败，数据库未改动：{exc}") from exc


def _restore_or_put_back(url: URL, staged: Path, safety: Path | None, backup_tables: set[str]) -> None:
    """pg_restore `staged`; when it fails after tables were dropped, the safety backup goes back in."""
    dropped = _drop_tables_not_in(url, backup_tables)
    try:
        _pg_restore(url, staged)
    except BackupError as failure:
        if not dropped or safety is None:  # the one transaction was rolled back: nothing changed
            raise BackupError(f"{failure}。数据库未改动（恢复在一个事务中进行，已全部撤销）") from failure
        raise _put_back(url, safety, failure) from failure


def _put_back(url: URL, safety: Path, failure: BackupError) -> BackupError:
    try:
        _pg_restore(url, safety)
    except BackupError as again:
        log.error("restore failed and the safety backup %s could not be put back: %s", safety.name, again)
        return BackupError(f"{failure}。自动还原恢复前的数据也失败了：{again}。数据库现在可能不完整，请不要继续使用；"
                           f"恢复前的数据完整保存在 {safety}，请用 dangjian restore {safety.name} 再试，或联系管理员")
    log.warning("restore failed; the database was put back from %s", safety.name)
    return BackupError(f"{failure}。已用恢复前的备份 {safety.name} 自动还原，数据库与恢复前完全相同")


def _pg_restore(url: URL, dump: Path) -> None:
    """pg_restore in one transaction (on an error nothing of it stays), objects dropped first (--clean)."""
    pg_restore = server_tool("pg_restore")
    if pg_restore is None:
        raise BackupError("本机没有安装 PostgreSQL 的 pg_restore 程序")
    try:
        done = subprocess.run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
                               "--no-password", *server_connection_args(url), str(dump)],
                              env=server_tool_env(url), capture_output=True, text=True, timeout=3600)
    except (OSError, subprocess.SubprocessError) as exc:
        raise BackupError(f"pg_restore 恢复失败：{explain(exc)}") from exc
    if done.returncode != 0:
        raise BackupError(f"pg_restore 恢复失败：{done.stderr.strip()[:500]}")


def _drop_tables_not_in(url: URL, keep: set[str]) -> list[str]:
    """Drop (in one transaction) the tables `keep` does not name; the names dropped."""
    try:
        with server_engine(url) as engine, engine.begin() as conn:
            extra = sorted(set(inspect(conn).get_table_names()) - keep)
            quote = conn.dialect.identifier_preparer.quote
            for name in extra:
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(name)} CASCADE")
    except (DatabaseError, SQLAlchemyError) as exc:
        raise BackupError(f"恢复失败，数据库未改动：{explain(exc, url)}") from exc
    if extra:
        log.info("dropped tables the backup does not have: %s", ", ".join(extra))
    return extra
