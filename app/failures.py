"""What went wrong outside the program, said in Chinese: one mapping from OS and database errors to messages.

A read-only or full disk, a folder that is not there, a database another program is writing, a damaged database
file: none of these is a defect of the program, and none may reach the user as an English traceback.  The CLI
(`app.cli._run`) and the GUI (`app.ui.errors.show_error`) both ask `known_failure(exc)`; services that wrap an
`OSError` in their own message take its reason from `os_reason(exc)` instead of the OS's English words.
Anything this module does not recognise stays a bug: logged with its traceback, shown as such."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import (
    RESTORE_HINT,
    DangjianError,
    DatabaseBusyError,
    DatabaseError,
    IntegrityCheckError,
    locked_message,
)

if TYPE_CHECKING:  # SQLAlchemy is imported only when a database error is looked at
    from sqlalchemy import URL

# The command that brings back the newest sound backup (`dangjian restore`), for every "damaged" message.

_REASONS = {
    errno.EROFS: "磁盘或文件夹是只读的",
    errno.EACCES: "没有权限（文件或文件夹是只读的，或属于其他用户）",
    errno.EPERM: "没有权限（文件或文件夹是只读的，或属于其他用户）",
    errno.ENOSPC: "磁盘已满",
    errno.EDQUOT: "磁盘已满（超出了磁盘配额）",
    errno.ENOENT: "文件或文件夹不存在",
    errno.ENOTDIR: "路径中有一项不是文件夹",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.EEXIST: "文件已存在",
    errno.EBUSY: "文件正被其他程序使用",
    errno.ETXTBSY: "文件正被其他程序使用",
    errno.EIO: "磁盘读写出错（磁盘可能已损坏或被拔出）",
    errno.ENAMETOOLONG: "文件名或路径太长",
    errno.EMFILE: "同时打开的文件太多",
    errno.ENFILE: "同时打开的文件太多",
    errno.EFBIG: "文件太大，超出了磁盘格式允许的大小",
    errno.EXDEV: "不能跨磁盘移动文件",
    errno.ENOTEMPTY: "文件夹不是空的",
}
# Windows reports a file open in another program as a PermissionError whose winerror says so.
_WINDOWS_REASONS = {32: "文件正被其他程序打开（请先关闭它）", 33: "文件的一部分被其他程序锁定（请先关闭它）",
                    112: "磁盘已满", 5: "没有权限（文件或文件夹是只读的，或属于其他用户）"}


def os_reason(exc: OSError) -> str:
    """The reason an OS call failed, in a few Chinese words (for 'could not write X: <reason>')."""
    winerror = getattr(exc, "winerror", None)
    if winerror in _WINDOWS_REASONS:
        return _WINDOWS_REASONS[winerror]
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    name = errno.errorcode.get(exc.errno or 0)
    return f"操作系统报告错误（{name or exc.errno or type(exc).__name__}）"


def describe_os_error(exc: OSError) -> str:
    """A whole sentence: what could not be done where, why, and what the user can do."""
    where = _where(exc)
    reason = os_reason(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT) or getattr(exc, "winerror", None) == 112:
        return f"{reason}，无法写入{where}。请清理磁盘空间（或换一个有空间的位置）后重试。"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"无法写入{where}：{reason}。请换一个可以写入的位置，或请管理员开放写入权限。"
    if exc.errno == errno.ENOENT:
        return f"找不到{where}：{reason}。请检查路径是否写对、文件夹是否已建立（移动盘是否已插好）。"
    return f"无法读写{where}：{reason}。"


def _where(exc: OSError) -> str:
    name = exc.filename2 if exc.filename2 and exc.errno == errno.EXDEV else exc.filename
    if name is None or name == "":
        return "文件"
    path = Path(os.fsdecode(name))
    # A temporary file of ours (".x.tmp", ".db.creating", ".partial"): the folder is what the user chose.
    if path.name.startswith(".") or path.suffix in (".tmp", ".partial", ".creating"):
        return f"文件夹“{path.parent}”"
    return f"“{path}”"


# --- database errors ----------------------------------------------------------------------------------------------

_LOCKED = ("database is locked", "database table is locked", "database schema is locked")
_DAMAGED = ("file is not a database", "database disk image is malformed", "file is encrypted or is not a database",
            "malformed database schema")


# Said (CLI: stderr, main window: status bar) when a save has waited a second for another program's write.
WRITE_WAIT_TEXT = "数据库正被另一个程序写入，正在等待……"


def database_failure(exc: BaseException, database: str | Path | URL | None = None) -> DatabaseError | None:
    """The Chinese explanation of a SQLite error (raw, or wrapped by SQLAlchemy) or a database server's refusal;
    None when `exc` is no database error this module knows.  `database`: the file (or URL) it was about."""
    from sqlalchemy import exc as sa_exc

    from app.db import connection_problem  # the server's refusals, said once there

    if isinstance(exc, sa_exc.DBAPIError):
        problem = connection_problem(exc, database if _is_url(database) else None)
        if problem is not None:
            return problem
        orig: BaseException | None = exc.orig
    elif type(exc).__module__.startswith("psycopg"):  # a driver error that SQLAlchemy did not wrap
        return connection_problem(sa_exc.OperationalError(None, None, exc), database if _is_url(database) else None)
    else:
        orig = exc
    if not isinstance(orig, sqlite3.Error):
        return None
    return _sqlite_failure(str(orig).lower(), None if database is None or _is_url(database) else Path(str(database)))


def _is_url(database: str | Path | URL | None) -> bool:
    # a database file is a str or Path without "://"; anything else here names a server
    return database is not None and not isinstance(database, Path) and "://" in str(database)


def _sqlite_failure(text: str, database: str | Path | None) -> DatabaseError | None:
    file = f"（{database}）" if database else ""
    if any(k in text for k in _LOCKED):
        return DatabaseBusyError(locked_message())
    if "readonly database" in text or "read-only database" in text:
        return DatabaseError(f"数据库文件是只读的，无法保存修改{file}。请检查数据库文件和数据目录的写入权限，"
                             "或请管理员取消只读。本次操作没有保存任何内容。")
    if "database or disk is full" in text:
        return DatabaseError(f"磁盘已满，无法写入数据库{file}。本次操作没有保存任何内容，此前保存的数据不受影响；"
                             "请清理磁盘空间后重试。")
    if "disk i/o error" in text and _disk_full(database):  # SQLite says I/O error when the -shm cannot grow
        return DatabaseError(f"磁盘已满，无法写入数据库{file}。本次操作没有保存任何内容，此前保存的数据不受影响；"
                             "请清理磁盘空间后重试。")
    if "disk i/o error" in text:
        return DatabaseError(f"读写数据库文件时磁盘出错{file}：磁盘可能已满、已损坏或被拔出，或数据目录被移走。"
                             "本次操作没有保存；请检查磁盘，再用 dangjian check 检查数据库。")
    if "unable to open database file" in text:
        return DatabaseError(_unable_to_open(database))
    if any(k in text for k in _DAMAGED):
        return IntegrityCheckError(f"数据库文件已损坏，或不是本程序的数据库{file}。{RESTORE_HINT}。")
    return None


def _disk_full(database: str | Path | None) -> bool:
    import shutil

    if database is None:
        return False
    try:
        return shutil.disk_usage(Path(database).parent).free < 256 * 1024
    except OSError:
        return False


def _unable_to_open(database: str | Path | None) -> str:
    if database is None:
        return "无法打开数据库文件：文件或其所在文件夹不存在，或没有读写权限。"
    folder = Path(database).parent
    if folder.is_dir() and not os.access(folder, os.W_OK):
        return (f"数据目录“{folder}”是只读的（或没有写入权限），无法打开数据库：SQLite 要在数据库旁边写入 -wal、-shm "
                "两个工作文件。请把数据目录放在可以写入的位置，或请管理员开放写入权限。")
    return f"无法打开数据库文件“{database}”：文件或其所在文件夹不存在，或没有读写权限。"


# --- the one question the boundaries ask --------------------------------------------------------------------------

def known_failure(exc: BaseException, database: str | Path | URL | None = None) -> DangjianError | None:
    """`exc` as a known error with a Chinese message: a `DangjianError` as it is, an OS or database error
    translated; None for anything else (a defect: the caller logs its traceback).  `database`: the file or URL
    the command was working on, named in database messages."""
    if isinstance(exc, DangjianError):
        return exc
    if isinstance(exc, OSError):
        return DangjianError(describe_os_error(exc))
    return database_failure(exc, database)


def keeps_traceback(exc: BaseException, known: DangjianError) -> bool:
    """Whether a boundary writes `exc`'s traceback to the log: an OS or database failure (translated here, or
    wrapped by a service in its own message) names files and databases, not people.  A refused input is not
    logged: its message may quote the cells it refused."""
    from app.errors import BackupError, OutputLockedError, ReportError, ValidationError

    if isinstance(known, ValidationError):
        return False
    # A document written in a worker process arrives with the worker's traceback as its cause.
    return (known is not exc or exc.__cause__ is not None or exc.__context__ is not None
            or isinstance(known, (DatabaseError, BackupError, ReportError, OutputLockedError)))


def explain(exc: BaseException, database: str | Path | URL | None = None) -> str:
    """`exc`'s message in Chinese for a service's own message ('备份失败：…'): translated when this module
    knows it, else its own text."""
    known = known_failure(exc, database)
    return known.message if known is not None else str(exc)


