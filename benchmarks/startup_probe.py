"""Start the app on a county the way `dangjian --data-dir DIR` does, offscreen, and report how long it took.

    python benchmarks/startup_probe.py DATA_DIR

Prints ``READY {...}`` as soon as the main window has painted (the caller measures the wall time from process
start to this line: interpreter, imports, database, window: what the user sees first), ``FIRST_PAGE {...}``
once its context is made (the models imported) and its first page built and shown (`MainWindow.opened`; the
提醒's data then loads in the background), then opens the 党员 page and prints ``DONE {...}`` with the
in-process timings and the peak resident memory, and exits.
The database is opened as `run()` opens it (`open_database_interactively`); the integrity check and the daily
backup that `run()` starts in the background after the window shows are left out: they are not on the way to
the window."""

from __future__ import annotations

import json
import os
import sys
import time

STARTED = time.perf_counter()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def peak_rss_mb() -> float | None:
    """Peak resident memory of this process image.  Linux: VmHWM, because getrusage's ru_maxrss survives
    execve, so a probe forked from a big parent (the benchmark runner after building the county) would report
    the parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    try:
        import resource
    except ImportError:  # Windows: no getrusage
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB elsewhere


def settle(app: object, rounds: int = 5) -> None:
    for _ in range(rounds):
        app.processEvents()  # type: ignore[attr-defined]


def main(data_dir: str) -> int:
    from app.paths import app_paths
    from app.ui import application

    app = application.make_application()
    paths = app_paths(data_dir).ensure()
    db = application.open_database_interactively(paths)  # as `run()` opens it (its checks, its dialogs)
    if db is None:
        raise SystemExit("the database could not be opened")
    times: dict[str, float] = {}
    window = application.main_window(paths, db)

    def shown() -> None:  # the window has painted: what the user sees first
        times["window_s"] = time.perf_counter() - STARTED
        print("READY " + json.dumps({"window_s": times["window_s"]}), flush=True)

    def opened() -> None:  # its context made and its first page built and shown (its data may still be loading)
        times["first_page_s"] = time.perf_counter() - STARTED
        print("FIRST_PAGE " + json.dumps({"first_page_s": times["first_page_s"]}), flush=True)

    window.shell_shown.connect(shown)
    window.opened.connect(opened)
    window.show()
    while "first_page_s" not in times:
        app.processEvents()
    settle(app)

    from app.ui import tasks

    tasks.wait_for_all()  # the first page's background work (e.g. 提醒) finishing
    settle(app)
    settled = time.perf_counter() - STARTED
    t0 = time.perf_counter()
    page = window.show_page("members")
    settle(app)
    members_ms = (time.perf_counter() - t0) * 1000
    rows = page.model.rowCount() if hasattr(page, "model") else None
    print("DONE " + json.dumps({**times, "settled_s": settled, "members_page_ms": members_ms,
                                "member_rows_loaded": rows, "maxrss_mb": peak_rss_mb()}), flush=True)
    tasks.cancel_all()
    tasks.wait_for_all()
    window.close()
    window.ctx.close_database()
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(main(sys.argv[1]))
