"""Start-up imports only what the first screen needs (issue 14, part 1).

In a fresh process: `import app.ui.application` imports none of python-docx, openpyxl, matplotlib (nor the demo
data); the real `run()` on a small county (the tiny demo) shows the main window with its first page, the 提醒,
whose alerts and compliance chart load in the background after the window shows, and still nothing of them is
imported once all of that has finished (the chart is drawn with Qt).  Without a login (`main_window`, as the
start-up benchmark opens it) the window shows before the models and the first page's modules are imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import frozen
import pytest

from app.cli import main

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("docx", "openpyxl", "matplotlib", "app.demo")

pytestmark = pytest.mark.sqlite_only


def _python(script: str) -> dict[str, object]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          encoding="utf-8", timeout=120, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return dict(json.loads(line[len("RESULT "):]))


def test_importing_the_application_imports_nothing_heavy() -> None:
    result = _python(f"""
        import json, sys
        import app.ui.application
        print("RESULT " + json.dumps({{"heavy": [m for m in {HEAVY!r} if m in sys.modules]}}))
    """)
    assert result["heavy"] == []


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("startup") / "data"
    assert main(["--data-dir", str(data_dir), "--today", frozen.today().isoformat(), "demo", "--size", "tiny"]) == 0
    return data_dir


def test_the_main_window_and_its_first_page_import_nothing_heavy(county: Path) -> None:
    result = _python(f"""
        import datetime as dt, json, sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from app import clock
        import app.ui.accounts.login as L
        L.log_in_at_start = lambda *_: L.Started(None)  # no login dialog nor wizard (tests/test_setup_wizard.py)
        from app.ui import tasks
        from app.ui.application import run

        clock.set_today(dt.date.fromisoformat({frozen.today().isoformat()!r}))
        seen = {{}}

        def look():
            w = [x for x in QApplication.topLevelWidgets() if x.isVisible() and x.objectName() == "main_window"][0]
            seen["heavy_at_show"] = [m for m in {HEAVY!r} if m in sys.modules]
            tasks.wait_for_all()  # the 提醒, its chart, the integrity check, the daily backup
            for _ in range(5):
                QApplication.processEvents()
            tasks.wait_for_all()
            page = w.page("home")
            seen["page"] = type(page).__name__
            seen["alerts"] = page.model.rowCount()
            seen["chart_months"] = len(page.chart.rates)
            seen["heavy"] = [m for m in {HEAVY!r} if m in sys.modules]
            w.close()

        QTimer.singleShot(0, look)
        code = run({str(county)!r})
        print("RESULT " + json.dumps(seen))
        sys.exit(code)
    """)
    assert result["page"] == "AlertsPage"
    assert result["alerts"] > 0 and result["chart_months"] == frozen.today().month
    assert result["heavy_at_show"] == []
    assert result["heavy"] == []


LATER = ("app.models", "app.services.register", "app.services.alerts", "app.ui.context", "app.ui.alerts.page")


def test_the_main_window_shows_before_the_models_and_the_first_page(county: Path) -> None:
    result = _python(f"""
        import datetime as dt, json, sys
        from PySide6.QtWidgets import QApplication
        from app import clock
        from app.paths import app_paths
        from app.ui import application, tasks

        clock.set_today(dt.date.fromisoformat({frozen.today().isoformat()!r}))
        app = application.make_application()
        paths = app_paths({str(county)!r}).ensure()
        db = application.open_database_interactively(paths)
        window = application.main_window(paths, db)
        seen = {{}}
        window.shell_shown.connect(lambda: seen.update(
            title=window.windowTitle(), later_at_show=[m for m in {LATER!r} if m in sys.modules]))
        window.opened.connect(lambda: seen.update(page=type(window.stack.currentWidget()).__name__))
        window.show()
        while "page" not in seen:
            app.processEvents()
        tasks.wait_for_all()
        seen["heavy"] = [m for m in {HEAVY!r} if m in sys.modules]
        seen["final_title"] = window.windowTitle()
        window.close()
        window.ctx.close_database()
        print("RESULT " + json.dumps(seen))
    """)
    assert result["later_at_show"] == []
    assert result["page"] == "AlertsPage" and result["heavy"] == []
    assert result["title"] == result["final_title"]
