"""The one background-task helper: run a function off the GUI thread, report progress, allow cancel, and hand
the result or the error back on the GUI thread.

A worker function takes two arguments and never touches a widget::

    def work(progress: Progress, cancelled: Cancelled) -> int:
        for i, row in enumerate(rows):
            if cancelled():
                raise TaskCancelled()        # or return early; see "cancel" below
            ...
            progress(i + 1, len(rows), "正在导入……")
        return len(rows)

`progress(done, total, text)` may be called as often as the worker likes (it is throttled before it reaches the
GUI); `total` 0 means "unknown".  Service functions that take ``progress=`` and ``cancelled=`` keywords plug in
directly: ``run_task(lambda p, c: export_register(sf, path, progress=p, cancelled=c), ...)``.

Two ways to start one, both returning a `Task` (a QObject with signals ``progressed(done, total, text)``,
``succeeded(result)``, ``failed(exc)``, ``was_cancelled()`` and ``finished()``, the last always emitted once):

* ``run_task(fn, on_success=..., on_failure=..., on_progress=...)``: in the background, no dialog.
* ``run_with_progress(parent, "正在导出……", fn, on_success=...)``: the same behind a window-modal
  QProgressDialog with a 取消 button.

Without ``on_failure`` a failure is shown to the user: a known `DangjianError` as its Chinese message, anything
else as a bug (logged with its traceback).

Cancel: ``task.cancel()`` (or the dialog's 取消) makes ``cancelled()`` return True.  A worker that noticed it (it
called ``cancelled()`` and got True) ends as cancelled whether it returned or raised; a worker that never looked
finished its work, and its result is delivered as a success.  So a service that is past its point of no return
(e.g. after COMMIT) simply stops looking.

Tests: ``with synchronous(): ...`` (or ``set_synchronous(True)``) runs every task at once on the calling thread,
with the same signals, so no waiting is needed; asynchronous tasks can be awaited with
``qtbot.waitSignal(task.finished)`` or ``wait_for_all()``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
Cancelled = Callable[[], bool]


class Worker(Protocol):
    def __call__(self, progress: Progress, cancelled: Cancelled, /) -> Any: ...


class TaskCancelled(Exception):
    """A worker may raise this to stop after `cancelled()` returned True (any exception does as well)."""


PROGRESS_INTERVAL_S = 0.05  # at most ~20 progress updates a second reach the GUI thread

_synchronous = False
_active: set[Task] = set()  # running tasks are kept alive here until they finish


def set_synchronous(on: bool) -> None:
    """Run every task immediately on the calling thread (tests, the offscreen screenshot command)."""
    global _synchronous
    _synchronous = on


def is_synchronous() -> bool:
    return _synchronous


@contextmanager
def synchronous() -> Iterator[None]:
    previous = _synchronous
    set_synchronous(True)
    try:
        yield
    finally:
        set_synchronous(previous)


def thread_pool() -> QThreadPool:
    return QThreadPool.globalInstance()


def wait_for_all(timeout_ms: int = 30_000) -> bool:
    """Block until every background task has finished and delivered its outcome (used before closing the
    database and in tests); True if all finished in time."""
    deadline = time.monotonic() + timeout_ms / 1000
    thread_pool().waitForDone(timeout_ms)
    if _active:
        # The outcomes are queued to the GUI thread: run a local event loop until they are delivered.
        loop = QEventLoop()
        timer = QTimer()
        timer.timeout.connect(lambda: loop.quit() if not _active or time.monotonic() > deadline else None)
        timer.start(5)
        loop.exec()
        timer.stop()
    return not _active


def cancel_all() -> None:
    for task in list(_active):
        task.cancel()


class Task(QObject):
    """One run of a worker function.  Signals are always emitted on the GUI thread."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    was_cancelled = Signal()
    finished = Signal()

    # Private: emitted from the worker thread, delivered queued to this object's (the GUI) thread.
    _progress_from_worker = Signal(int, int, str)
    _outcome_from_worker = Signal(str, object)

    def __init__(self, fn: Worker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self._cancel_requested = threading.Event()
        self._cancel_seen = False
        self._last_progress = 0.0
        self.result: Any = None
        self.error: BaseException | None = None
        self.state = "pending"  # pending | running | succeeded | failed | cancelled
        self._progress_from_worker.connect(self._relay_progress, Qt.ConnectionType.QueuedConnection)
        self._outcome_from_worker.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    # --- control --------------------------------------------------------------------------------------------

    def cancel(self) -> None:
        self._cancel_requested.set()

    @property
    def done(self) -> bool:
        return self.state in ("succeeded", "failed", "cancelled")

    def start(self) -> Task:
        self.state = "running"
        _active.add(self)
        if _synchronous:
            kind, value = self._execute(self._report_now)
            self._deliver(kind, value)
        else:
            thread_pool().start(_Runnable(self))
        return self

    # --- what the worker sees -------------------------------------------------------------------------------

    def _cancelled(self) -> bool:
        if self._cancel_requested.is_set():
            self._cancel_seen = True
            return True
        return False

    def _report_now(self, done: int, total: int, text: str) -> None:
        self.progressed.emit(int(done), int(total), str(text))

    def _report_throttled(self, done: int, total: int, text: str) -> None:
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_INTERVAL_S or (total and done >= total):
            self._last_progress = now
            self._progress_from_worker.emit(int(done), int(total), str(text))

    def _execute(self, progress: Progress) -> tuple[str, object]:
        try:
            result = self._fn(progress, self._cancelled)
        except BaseException as exc:  # delivered to the GUI thread, never lost in the pool
            if self._cancel_seen or isinstance(exc, TaskCancelled):
                return "cancelled", None
            return "failed", exc
        return ("cancelled", None) if self._cancel_seen else ("succeeded", result)

    def _run_in_worker(self) -> None:
        kind, value = self._execute(self._report_throttled)
        self._outcome_from_worker.emit(kind, value)

    # --- GUI thread -----------------------------------------------------------------------------------------

    @Slot(int, int, str)
    def _relay_progress(self, done: int, total: int, text: str) -> None:
        if not self.done:
            self.progressed.emit(done, total, text)

    @Slot(str, object)
    def _deliver(self, kind: str, value: object) -> None:
        self.state = kind
        # No longer running, even while its callbacks run (one of them may wait for the others).
        _active.discard(self)
        try:
            if kind == "succeeded":
                self.result = value
                self.succeeded.emit(value)
            elif kind == "failed":
                assert isinstance(value, BaseException)
                self.error = value
                self.failed.emit(value)
            else:
                self.was_cancelled.emit()
        finally:
            self.finished.emit()


class _Runnable(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self._task = task

    def run(self) -> None:
        self._task._run_in_worker()


def _default_failure(parent: QWidget | None) -> Callable[[BaseException], None]:
    def show(exc: BaseException) -> None:
        from app.ui.errors import show_error

        show_error(parent, exc)

    return show


def run_task(
    fn: Worker,
    *,
    on_success: Callable[[Any], None] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
    on_progress: Progress | None = None,
    on_cancel: Callable[[], None] | None = None,
    parent: QWidget | None = None,
) -> Task:
    """Start `fn(progress, cancelled)` in the background; callbacks run on the GUI thread."""
    task = Task(fn)
    if on_success is not None:
        task.succeeded.connect(on_success)
    task.failed.connect(on_failure or _default_failure(parent))
    if on_progress is not None:
        task.progressed.connect(on_progress)
    if on_cancel is not None:
        task.was_cancelled.connect(on_cancel)
    return task.start()


def run_with_progress(
    parent: QWidget | None,
    label: str,
    fn: Worker,
    *,
    on_success: Callable[[Any], None] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
    on_cancel: Callable[[], None] | None = None,
    cancellable: bool = True,
) -> Task:
    """Like `run_task`, behind a window-modal progress dialog (shown after 300 ms) with a 取消 button."""
    dialog = QProgressDialog(label, "取消", 0, 0, parent)
    dialog.setWindowTitle("请稍候")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    if not cancellable:
        dialog.setCancelButton(None)
    task = Task(fn)
    dialog.canceled.connect(task.cancel)
    dialog.canceled.connect(lambda: dialog.setLabelText("正在取消……"))

    def on_progress(done: int, total: int, text: str) -> None:
        if dialog.wasCanceled():
            return
        dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total) if total else 0)
        if text:
            dialog.setLabelText(text)

    def close_dialog(*_: object) -> None:
        dialog.reset()
        dialog.hide()
        dialog.deleteLater()

    task.progressed.connect(on_progress)
    # Slots run in the order they were connected: the dialog goes first, so a message box opened by a
    # callback is not left behind a modal progress dialog.
    for signal in (task.succeeded, task.failed, task.was_cancelled):
        signal.connect(close_dialog)
    if on_success is not None:
        task.succeeded.connect(on_success)
    task.failed.connect(on_failure or _default_failure(parent))
    if on_cancel is not None:
        task.was_cancelled.connect(on_cancel)
    task.dialog = dialog  # type: ignore[attr-defined]  # for tests and callers that want to press 取消
    return task.start()
