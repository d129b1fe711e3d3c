"""Writing a generated document to its place without ever leaving half a file behind."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from app.errors import OutputLockedError, ReportError
from app.failures import os_reason

_umask_lock = threading.Lock()
_umask: int | None = None


def _user_umask() -> int:
    """The process's umask (read once: reading it means setting it, so under a lock and put straight back)."""
    global _umask
    with _umask_lock:
        if _umask is None:
            _umask = os.umask(0o022)
            os.umask(_umask)
        return _umask


def temp_beside(target: Path) -> tuple[int, Path]:
    """An open temporary file in `target`'s folder, with the permissions a file the user saves would get.

    mkstemp makes files only their owner can read (0600); a document renamed into place would keep that, and
    colleagues could not open it from the office's shared folder. Give it 0666 less the user's umask instead."""
    fd, name = tempfile.mkstemp(prefix=f".{target.stem[:40]}.", suffix=".tmp", dir=target.parent)
    # A file system without permissions (some network shares) keeps whatever it gives.
    with contextlib.suppress(OSError):
        os.chmod(name, 0o666 & ~_user_umask())
    return fd, Path(name)


def write_atomic(target: str | Path, data: bytes) -> Path:
    """Write `data` to `target` through a temporary file in the same folder and an atomic rename.

    A target open in Word or WPS is locked on Windows: the rename then fails with PermissionError, which is
    reported as OutputLockedError; the existing file is left as it was and the temporary file is removed.
    """
    path = Path(target)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = temp_beside(path)
    except PermissionError as exc:
        raise OutputLockedError(f"无法在文件夹“{folder}”中写入文件：没有写入权限。请换一个输出文件夹。") from exc
    except OSError as exc:
        raise ReportError(f"无法在文件夹“{folder}”中写入文件：{os_reason(exc)}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except PermissionError as exc:
        _discard(tmp)
        raise OutputLockedError(f"文件“{path.name}”正被其他程序（如 Word 或 WPS）打开，或没有写入权限，无法保存。"
                                f"请关闭该文件后重试，或另存为其他文件名。") from exc
    except OSError as exc:
        _discard(tmp)
        raise ReportError(f"保存文件“{path.name}”失败：{os_reason(exc)}") from exc
    except BaseException:
        _discard(tmp)
        raise
    return path


def _discard(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        tmp.unlink()


def save_workbook(workbook: Any, target: str | Path) -> Path:
    """An openpyxl workbook saved the same way as documents: whole or not at all (see `write_atomic`)."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return write_atomic(target, buffer.getvalue())
