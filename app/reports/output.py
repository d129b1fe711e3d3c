"""Writing a generated document to its place without ever leaving half a file behind."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path
from typing import Any

from app.errors import OutputLockedError, ReportError


def write_atomic(target: str | Path, data: bytes) -> Path:
    """Write `data` to `target` through a temporary file in the same folder and an atomic rename.

    A target open in Word or WPS is locked on Windows: the rename then fails with PermissionError, which is
    reported as OutputLockedError; the existing file is left as it was and the temporary file is removed.
    """
    path = Path(target)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem[:40]}.", suffix=".tmp", dir=folder)
    except PermissionError as exc:
        raise OutputLockedError(f"无法在文件夹“{folder}”中写入文件：没有写入权限。请换一个输出文件夹。") from exc
    except OSError as exc:
        raise ReportError(f"无法在文件夹“{folder}”中写入文件：{exc.strerror or exc}") from exc
    tmp = Path(tmp_name)
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
        raise ReportError(f"保存文件“{path.name}”失败：{exc.strerror or exc}") from exc
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
