"""The Qt user interface (the only package that imports Qt widgets)."""

import gc

# SQLAlchemy and the models are imported before anything here imports PySide6: PySide6's import hook reads the
# source of every module imported after it (looking for `from __feature__ import`), which for SQLAlchemy's few
# hundred modules is 0.07 s of start-up.  Every page needs them anyway.
# The cycle collector is paused meanwhile and what they built is then frozen (gc.freeze: kept out of every later
# collection): their ~100,000 objects live as long as the process, and walking them again and again
# in the full collections the import sets off, and in every one after, cost ~0.05 s of start-up.
_collecting = gc.isenabled()
gc.disable()
try:
    import app.db  # noqa: F401, E402
    import app.models  # noqa: F401, E402
finally:
    gc.freeze()
    if _collecting:
        gc.enable()
