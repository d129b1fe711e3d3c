"""The Qt user interface (the only package that imports Qt widgets)."""

# SQLAlchemy and the models are imported before anything here imports PySide6: PySide6's import hook reads the
# source of every module imported after it (looking for `from __feature__ import`), which for SQLAlchemy's few
# hundred modules is 0.07 s of start-up.  Every page needs them anyway.
import app.db  # noqa: F401
import app.models  # noqa: F401
