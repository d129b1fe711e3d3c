"""The Qt user interface (the only package that imports Qt widgets)."""

import gc

# SQLAlchemy is imported before anything here imports PySide6: PySide6's import hook reads the source of every
# module imported after it (looking for `from __feature__ import`), which for SQLAlchemy's few hundred modules is
# 0.07 s of start-up.  The models are not: the main window shows before them (app/ui/mainwindow.py `Opening`),
# and `import_models` imports them right after.
# The cycle collector is paused meanwhile and what they built is then frozen (gc.freeze: kept out of every later
# collection): their ~100,000 objects live as long as the process, and walking them again and again
# in the full collections the import sets off, and in every one after, cost ~0.05 s of start-up.


def import_models() -> None:
    """Import the ORM models (the first page, the login and every service need them) as SQLAlchemy was: with
    the cycle collector paused, then frozen out of later collections."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        import app.models  # noqa: F401
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


_collecting = gc.isenabled()
gc.disable()
try:
    import app.db  # noqa: F401, E402
finally:
    gc.freeze()
    if _collecting:
        gc.enable()
