"""Start the GUI: Qt application, Chinese font and translations, the database (with its failure dialogs), the
main window, the daily backup.  Nothing heavy (matplotlib, python-docx, openpyxl) is imported here."""

from __future__ import annotations

import datetime as dt
import logging
import logging.handlers
import shutil
import sys

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from app import APP_NAME, APP_TITLE
from app.db import Database, open_database
from app.errors import DatabaseError, DatabaseTooNewError, IntegrityCheckError
from app.paths import AppPaths, app_paths
from app.ui import errors, fonts

log = logging.getLogger(__name__)

LOG_FILE = "dangjian.log"


def make_application() -> QApplication:
    """The QApplication with Chinese font, locale and Qt's own translations (确定/取消 in standard dialogs)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_TITLE)
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    fonts.install_ui_font(app)
    install_translations(app)
    return app


def install_translations(app: QApplication) -> bool:
    translator = QTranslator(app)
    where = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load("qtbase_zh_CN", where):
        log.warning("Qt zh_CN translation not found in %s", where)
        return False
    app.installTranslator(translator)
    return True


def setup_logging(paths: AppPaths) -> None:
    """Log to a rotating file in the data directory (no personal data is ever logged)."""
    path = paths.log_dir / LOG_FILE
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    errors.set_log_file(path)


def open_database_interactively(paths: AppPaths) -> Database | None:
    """Open the county database; on failure explain it in Chinese and, for a damaged file, offer the latest
    good backup.  None when the app cannot go on."""
    try:
        return open_database(paths.db_path, backup_dir=paths.backup_dir)
    except DatabaseTooNewError as exc:
        QMessageBox.critical(None, "无法打开数据库", exc.message)
        return None
    except IntegrityCheckError as exc:
        if not offer_restore(paths, exc.message):
            return None
    except DatabaseError as exc:
        QMessageBox.critical(None, "无法打开数据库", exc.message)
        return None
    try:
        return open_database(paths.db_path, backup_dir=paths.backup_dir)
    except DatabaseError as exc:
        QMessageBox.critical(None, "无法打开数据库", exc.message)
        return None


def offer_restore(paths: AppPaths, problem: str) -> bool:
    """A damaged database: offer the newest backup that passes its integrity check.  The damaged file is kept
    beside the backups, never deleted.  True if the backup was restored."""
    from app.services import backup

    good = backup.latest_good_backup(paths.backup_dir)
    if good is None:
        QMessageBox.critical(None, "数据库已损坏",
                             f"{problem}\n\n没有找到可用的备份。请不要再写入该数据目录，并联系系统管理员处理：\n{paths.db_path}")
        return False
    answer = QMessageBox.question(
        None, "数据库已损坏",
        f"{problem}\n\n最近一份完好的备份是 {good.taken_at:%Y-%m-%d %H:%M}。是否用它恢复？\n"
        "该备份之后录入的数据需要重新录入；损坏的文件会另存一份，不会删除。",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
    if answer != QMessageBox.StandardButton.Yes:
        return False
    kept = paths.backup_dir / f"damaged-{dt.datetime.now():%Y%m%d-%H%M%S}-{paths.db_path.name}"
    try:
        shutil.copy2(paths.db_path, kept)  # nothing has the damaged file open: a plain copy is safe here
        backup.restore_backup(good.path, paths.db_path, paths.backup_dir)
    except Exception as exc:
        errors.show_error(None, exc, "恢复失败")
        return False
    QMessageBox.information(None, "已恢复", f"已用 {good.taken_at:%Y-%m-%d %H:%M} 的备份恢复。\n损坏的文件另存为：\n{kept}")
    return True


def run(data_dir: str | None) -> int:
    """Open the main window on the county in `data_dir` (default: the user's data directory)."""
    paths = app_paths(data_dir).ensure()
    setup_logging(paths)
    app = make_application()
    errors.install_excepthook()
    db = open_database_interactively(paths)
    if db is None:
        return 1

    from app.ui import tasks
    from app.ui.backup_actions import daily_backup
    from app.ui.context import AppContext
    from app.ui.mainwindow import MainWindow

    ctx = AppContext(paths, db)
    window = MainWindow(ctx)
    window.show()
    for warning in db.warnings:
        QMessageBox.warning(window, "注意", warning)
    daily_backup(ctx)
    try:
        return app.exec()
    finally:
        tasks.cancel_all()
        tasks.wait_for_all()
        ctx.close_database()
