"""Start-up's runtime settings (issue 14): importing the interface freezes what SQLAlchemy and the models built
(out of every later collection) and leaves the cycle collector on; the application lets the GUI thread take the
GIL from a worker within 0.5 ms."""

from __future__ import annotations

import subprocess
import sys

from app.ui import application


def test_importing_the_interface_freezes_its_imports_and_leaves_the_collector_on() -> None:
    code = ("import gc; import app.ui; import sqlalchemy.orm, app.models.register; "
            "print(gc.isenabled(), gc.get_freeze_count() > 50_000, "
            "any(o is app.models.register.Member for o in gc.get_objects()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "True", "False"], "collector on, ~100,000 objects frozen, the models among them"


def test_importing_the_interface_with_the_collector_off_leaves_it_off() -> None:
    code = "import gc; gc.disable(); import app.ui; print(gc.isenabled())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_the_gui_thread_waits_at_most_half_a_millisecond_for_the_gil(qapp) -> None:
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        application.make_application()
        assert sys.getswitchinterval() == application.GIL_SWITCH_INTERVAL_S == 0.0005
    finally:
        sys.setswitchinterval(before)
