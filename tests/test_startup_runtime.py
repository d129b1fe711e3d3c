"""Start-up's runtime settings (issue 14): importing the interface freezes what SQLAlchemy built (out of every
later collection), `import_models` (once the main window shows) what the models built, and both leave the
cycle collector on; the application lets the GUI thread take the GIL from a worker within 0.5 ms."""

from __future__ import annotations

import subprocess
import sys

from app.ui import application


def test_importing_the_interface_freezes_sqlalchemy_and_leaves_the_models_for_later() -> None:
    code = ("import gc, sys; import app.ui, sqlalchemy.orm; "
            "print(gc.isenabled(), gc.get_freeze_count() > 50_000, "
            "any(o is sqlalchemy.orm.Session for o in gc.get_objects()), 'app.models' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "True", "False", "False"], "collector on, SQLAlchemy frozen, the models not imported"


def test_importing_the_models_freezes_them_and_leaves_the_collector_on() -> None:
    code = ("import gc; import app.ui; app.ui.import_models(); import app.models.register; "
            "print(gc.isenabled(), any(o is app.models.register.Member for o in gc.get_objects()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False"], "collector on, the models frozen out of later collections"


def test_importing_the_interface_with_the_collector_off_leaves_it_off() -> None:
    code = "import gc; gc.disable(); import app.ui; app.ui.import_models(); print(gc.isenabled())"
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
