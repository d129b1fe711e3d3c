"""One hierarchy of errors the app knows about.

`DangjianError` and its subclasses are *known* errors: the message is Chinese and meant for the user, the UI shows
it in a dialog and the CLI prints it and exits non-zero.  Any other exception is a bug and is logged with its
traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class DangjianError(Exception):
    """A known error whose message is written for the user (in Chinese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one input field (a form field or a spreadsheet cell)."""

    field: str
    message: str
    row: int | None = None  # spreadsheet row (1-based, as Excel shows it)
    column: str | None = None  # spreadsheet column header
    sheet: str | None = None  # worksheet name, when a workbook has several (rows repeat across sheets)

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(f"“{self.sheet}”表")
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"“{self.column}”列")
        prefix = "".join(where)
        return f"{prefix}：{self.message}" if prefix else self.message


class ValidationError(DangjianError):
    """Input refused; carries every problem found, each tied to its field."""

    def __init__(self, problems: list[FieldProblem] | FieldProblem | str, field: str = "") -> None:
        if isinstance(problems, str):
            problems = [FieldProblem(field, problems)]
        elif isinstance(problems, FieldProblem):
            problems = [problems]
        self.problems: list[FieldProblem] = list(problems)
        super().__init__("；".join(str(p) for p in self.problems[:20]) + ("……" if len(self.problems) > 20 else ""))

    def for_field(self, name: str) -> list[str]:
        return [p.message for p in self.problems if p.field == name]


class NotFoundError(DangjianError):
    """A record the user referred to does not exist (any more)."""


class PeriodLockedError(DangjianError):
    """The period is locked; its scores cannot change until an administrator reopens it."""


class ConcurrentChangeError(DangjianError):
    """Another user (client) changed the record since this form loaded it: the save is refused, and the message
    says who changed what and when (`changes`, one line each)."""

    def __init__(self, message: str, changes: list[str] | None = None) -> None:
        super().__init__(message)
        self.changes = list(changes or [])


class PermissionDenied(DangjianError):
    """The current user's role does not allow this operation."""


class DatabaseError(DangjianError):
    """The database cannot be used: too new, damaged, on a network share that was refused, …"""


class DatabaseTooNewError(DatabaseError):
    """The database was written by a newer version of the app; it is left untouched."""


class DatabaseBusyError(DatabaseError):
    """Another client held what this unit of work needed for too long, or the two waited for each other (the
    server broke the tie): this unit of work was rolled back whole and can simply be tried again."""


class DatabaseConnectionError(DatabaseError):
    """The database server cannot be reached, refused the login, or went away mid-session.

    Whatever was committed before stays committed; the unit of work in progress was rolled back by the server."""


class IntegrityCheckError(DatabaseError):
    """`PRAGMA integrity_check` failed."""


class BackupError(DangjianError):
    """A backup or restore could not be made."""


class ImportFileError(DangjianError):
    """A file offered for import cannot be read at all (not Excel, empty, wrong columns)."""


class OperationCancelled(DangjianError):
    """The user cancelled a long operation; nothing was changed or written."""


class OutputLockedError(DangjianError):
    """An output file is open in another program (locked on Windows) and cannot be replaced."""


class ReportError(DangjianError):
    """A document or chart could not be generated or written (the message says which and why)."""


@dataclass
class ImportReport:
    """The result of validating (and maybe applying) an import."""

    problems: list[FieldProblem] = field(default_factory=list)
    # What the import did on its own and the user should know: rows skipped as a table's footer, columns not
    # imported, names and organisations read differently from the file (Chinese, one line each)
    notes: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


# --- messages the data layer and the CLI/GUI boundary (app.failures) both give ---------------------------------

RESTORE_HINT = "请用 dangjian restore --latest（或主窗口的“从备份恢复”）恢复最近一份完好的备份"


def locked_message(waited_s: float | None = None) -> str:
    waited = f"等待了{waited_s:g}秒仍未结束" if waited_s else "尚未结束"
    return (f"另一个程序正在写入数据库，{waited}（可能是主窗口或另一条命令正在导入、备份或保存）。"
            "本次操作没有保存任何内容，请等它完成后再试。")


def damage_summary(problems: list[str], *, hint: bool = True) -> str:
    """What `PRAGMA integrity_check` found, for the user: SQLite's own lines (English, page numbers) go to the
    log for whoever maintains the app; the user reads that the file is damaged and how to get the data back."""
    import logging

    logging.getLogger(__name__).warning("integrity_check: %s", "; ".join(problems[:20]))
    said = f"文件已损坏（完整性检查发现{len(problems)}处问题，详情已记入日志）。"
    return said + RESTORE_HINT if hint else said
