"""The background-task helper: results, errors, progress and cancel, synchronously and on the thread pool."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from app.errors import ValidationError
from app.ui import tasks


@pytest.fixture(autouse=True)
def _no_leftover_tasks():
    yield
    tasks.cancel_all()
    assert tasks.wait_for_all(10_000)


def test_synchronous_mode_delivers_result_and_progress_at_once(qtbot):
    seen: list[tuple[int, int, str]] = []
    results: list[int] = []

    def work(progress, cancelled):
        for i in range(3):
            progress(i + 1, 3, f"第{i + 1}步")
        return 42

    with tasks.synchronous():
        task = tasks.run_task(work, on_success=results.append, on_progress=lambda *a: seen.append(a))
    assert task.state == "succeeded" and task.result == 42
    assert results == [42]
    assert seen == [(1, 3, "第1步"), (2, 3, "第2步"), (3, 3, "第3步")]


def test_synchronous_failure_goes_to_on_failure(qtbot):
    errors: list[BaseException] = []

    def work(progress, cancelled):
        raise ValidationError("名称不能为空", field="name")

    with tasks.synchronous():
        task = tasks.run_task(work, on_failure=errors.append)
    assert task.state == "failed"
    assert isinstance(errors[0], ValidationError) and errors[0].message == "名称不能为空"


def test_background_result_arrives_on_gui_thread(qtbot):
    gui = threading.get_ident()
    ran_on: list[int] = []
    delivered_on: list[int] = []

    def work(progress, cancelled):
        ran_on.append(threading.get_ident())
        progress(1, 1, "完成")
        return "好"

    task = tasks.Task(work)
    task.succeeded.connect(lambda _r: delivered_on.append(threading.get_ident()))
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.start()
    assert task.result == "好"
    assert ran_on[0] != gui, "the worker must not run on the GUI thread"
    assert delivered_on == [gui]


def test_background_failure_is_delivered_not_lost(qtbot):
    def work(progress, cancelled):
        raise RuntimeError("程序缺陷")

    got: list[BaseException] = []
    task = tasks.Task(work)
    task.failed.connect(got.append)
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.start()
    assert task.state == "failed" and isinstance(got[0], RuntimeError)


def test_cancel_stops_a_worker_that_checks(qtbot):
    started = threading.Event()
    pause = threading.Event()

    def work(progress, cancelled):
        started.set()
        n = 0
        while not cancelled():
            n += 1
            progress(n, 0, "进行中")
            pause.wait(0.001)  # yield the GIL; never set
        return n

    task = tasks.Task(work)
    results: list[object] = []
    task.succeeded.connect(results.append)
    task.start()
    assert started.wait(5)
    with qtbot.waitSignal(task.was_cancelled, timeout=5000):
        task.cancel()
    assert task.state == "cancelled"
    assert results == [], "a cancelled task delivers no result"


def test_a_worker_past_its_point_of_no_return_still_succeeds(qtbot):
    """Cancel that the worker never looked at: the work was done and its result is reported."""
    with tasks.synchronous():
        task = tasks.Task(lambda progress, cancelled: "已提交")
        task.cancel()
        task.start()
    assert task.state == "succeeded" and task.result == "已提交"


def test_progress_from_a_busy_worker_is_throttled(qtbot):
    count = 20_000
    seen: list[int] = []
    task = tasks.Task(lambda progress, cancelled: [progress(i + 1, count, "") for i in range(count)] and count)
    task.progressed.connect(lambda done, total, text: seen.append(done))
    with qtbot.waitSignal(task.finished, timeout=10_000):
        task.start()
    assert task.result == count
    assert 1 <= len(seen) < 1000, "20,000 reports must not flood the GUI thread"
    assert seen[-1] == count


def test_run_with_progress_shows_known_errors_as_a_message(qtbot, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))
    parent = QWidget()
    qtbot.addWidget(parent)
    with tasks.synchronous():
        task = tasks.run_with_progress(parent, "正在检查……",
                                       lambda p, c: (_ for _ in ()).throw(ValidationError("文件是空的")))
    assert task.state == "failed"
    assert shown == ["文件是空的"]
    assert not task.dialog.isVisible()


def test_run_with_progress_cancel_button_cancels(qtbot):
    started = threading.Event()
    pause = threading.Event()

    def work(progress, cancelled):
        started.set()
        while not cancelled():
            pause.wait(0.001)

    parent = QWidget()
    qtbot.addWidget(parent)
    cancelled: list[bool] = []
    task = tasks.run_with_progress(parent, "正在导出……", work, on_cancel=lambda: cancelled.append(True))
    assert started.wait(5)
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.dialog.findChild(QPushButton).click()  # the dialog's 取消
    assert task.state == "cancelled" and cancelled == [True]
