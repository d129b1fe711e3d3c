"""Start the GUI: Qt application, Chinese font and translations, the database (with its failure dialogs), the
main window, the daily backup.  Nothing heavy (matplotlib, python-docx, openpyxl) is imported here, nor the
models: `main_window` shows the window before them (app/ui/mainwindow.py `Opening`)."""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlalchemy import URL, text
from sqlalchemy.exc import SQLAlchemyError

from app import APP_NAME, APP_TITLE
from app import settings as S  # light: the models are imported where its values are read through a session
from app.db import (
    SCHEMA_HEAD,
    Database,
    describe_target,
    head_revision,
    integrity_problems,
    quick_check_problems,
    stored_schema,
)
from app.errors import DangjianError, DatabaseTooNewError, IntegrityCheckError, damage_summary
from app.failures import known_failure
from app.paths import AppPaths, app_paths
from app.services.anchors import EXIT as EXIT_ANCHOR
from app.services.anchors import AnchorFile
from app.services.opening import open_database
from app.ui import errors, fonts, qt_zh

if TYPE_CHECKING:
    from app.services.backup import BackupInfo
    from app.ui.context import AppContext
    from app.ui.mainwindow import MainWindow
    from app.ui.tasks import Task

log = logging.getLogger(__name__)

LOG_FILE = "dangjian.log"

# How long a thread holding the GIL runs before one waiting for it gets it (Python's default: 5 ms).  The pages
# compute on worker threads (the 提醒 right as the window shows); with 0.5 ms the GUI thread, waiting for the GIL
# between its events, paints the window and answers the user without queueing behind them (~0.04 s of the first
# paint on the large county), at the cost of a few more switches while both are busy.
GIL_SWITCH_INTERVAL_S = 0.0005


def make_application() -> QApplication:
    """The QApplication with Chinese font, locale and Qt's own translations (确定/取消 in standard dialogs)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    app.setOrganizationName(APP_NAME)  # QSettings (app/ui/remembered.py) keep to this app's own place
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
    qt_zh.install(app)  # the texts of Qt's dialogs that this qm file lacks (after it: asked first)
    return True


_log_handler: logging.Handler | None = None


def setup_logging(paths: AppPaths) -> None:
    """Log to a rotating file in the data directory (no personal data is ever logged)."""
    from app.logfile import (  # 0600: the log holds paths, user names, tracebacks
        fallback_log_folder,
        file_handler,
    )
    from app.paths import private_dir

    path = paths.log_dir / LOG_FILE
    try:
        handler = file_handler(path)
    except OSError:  # a read-only data folder: the log (and why the database will not open) goes elsewhere
        path = private_dir(fallback_log_folder()) / LOG_FILE
        handler = file_handler(path)
    root = logging.getLogger()
    global _log_handler
    if _log_handler is not None:  # run() again on the wizard's practice county: its own folder's log, once
        root.removeHandler(_log_handler)
        _log_handler.close()
    _log_handler = handler
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    errors.set_log_file(path)


def needs_migration(paths: AppPaths) -> bool:
    """True when an existing database file is behind this version's schema (it will be migrated on opening)."""
    if paths.uses_server or not paths.db_path.exists() or paths.db_path.stat().st_size == 0:
        return False
    revision = stored_schema(paths.db_path).revision
    return revision != SCHEMA_HEAD and revision != head_revision()  # at head: no Alembic import (0.3 s)


def open_database_interactively(paths: AppPaths) -> Database | None:
    """Open the county database; on failure explain it in Chinese and, for a damaged file, offer the latest
    good backup.  None when the app cannot go on.

    `PRAGMA integrity_check` takes most of a second on a large county, so it runs synchronously only before a
    migration; otherwise `check_integrity_in_background` runs a check right after the window shows."""
    from app.services import backup

    if paths.uses_server:
        return open_server_interactively(paths)
    for attempt in range(2):
        try:
            migrating = needs_migration(paths)
            return _connected(open_database(paths.db_path, backup_dir=paths.backup_dir, check_integrity=migrating,
                                            keep_backups=backup.configured_keep(paths.db_path)))
        except DatabaseTooNewError as exc:
            QMessageBox.critical(None, "无法打开数据库", exc.message)
            return None
        except IntegrityCheckError as exc:
            if attempt > 0 or not offer_restore(paths, exc.message):
                return None
        except DangjianError as exc:
            QMessageBox.critical(None, "无法打开数据库", exc.message)
            return None
        except Exception as exc:  # a read-only data folder, a full disk, a locked file: in Chinese (app.failures)
            known = known_failure(exc, paths.db_path)
            if known is None:
                raise
            log.warning("database not opened: %s", known.message, exc_info=exc)
            QMessageBox.critical(None, "无法打开数据库", known.message)
            return None
    return None


def _connected(db: Database) -> Database:
    """`db` once its first connection is made: SQLite creates its -wal and -shm files then, so a read-only data
    folder is said here, in a dialog, not as a traceback from the first page that reads."""
    try:
        with db.engine.connect():
            pass
    except BaseException:
        db.close()
        raise
    return db


def open_server_interactively(paths: AppPaths) -> Database | None:
    """Open the county database on a server; a refused login asks for the password (again after a wrong one),
    and cancelling it ends the start-up quietly.  None when the app cannot go on."""
    from app.connection import PasswordCancelled, open_with_password
    from app.ui.connection import StartupPasswordPrompt

    prompt = StartupPasswordPrompt()
    try:
        log.info("opening the database on a server: %s", describe_target(paths.database))
        db = open_with_password(paths, lambda p: open_database(p.database, backup_dir=p.backup_dir), prompt,
                                attempts=5)
    except PasswordCancelled:
        log.info("start-up cancelled at the server's password prompt")
        return None
    except DangjianError as exc:
        log.warning("database not opened: %s", exc.message)
        QMessageBox.critical(None, "无法打开数据库", exc.message)
        return None
    prompt.keep_if_asked(db.target)
    return db


def offer_restore(paths: AppPaths, problem: str) -> bool:
    """A damaged database (not open): offer the newest backup that passes its integrity check.  The damaged
    file is kept beside the backups, never deleted.  True if the backup was restored."""
    from app.services import backup
    from app.ui.backup_actions import keep_damaged_copy

    good, skipped = backup.newest_good_backup(paths.backup_dir)
    if skipped:  # newer backups that are empty, damaged or hold a forged trail: say why they are passed over
        problem += "\n\n以下较新的备份不完好，已跳过：\n" + "\n".join(
            f"{info.path.name}：{why}" for info, why in skipped[:5])
    if not _ask_restore(None, paths, problem, good) or good is None:
        return False
    try:
        kept = keep_damaged_copy(paths)
        backup.restore_backup(good.path, paths.db_path, paths.backup_dir,
                              anchor_file=AnchorFile(paths.anchor_path))
    except Exception as exc:
        errors.show_error(None, exc, "恢复失败")
        return False
    QMessageBox.information(None, "已恢复", f"已用 {good.taken_at:%Y-%m-%d %H:%M} 的备份恢复。\n损坏的文件另存为：\n{kept}")
    return True


def _ask_restore(parent: QWidget | None, paths: AppPaths, problem: str, good: BackupInfo | None) -> bool:
    if good is None:
        QMessageBox.critical(parent, "数据库已损坏",
                             f"{problem}\n\n没有找到可用的备份。请不要再录入数据，并联系系统管理员处理：\n{paths.db_path}")
        return False
    answer = QMessageBox.question(
        parent, "数据库已损坏",
        f"{problem}\n\n最近一份完好的备份是 {good.taken_at:%Y-%m-%d %H:%M}。是否用它恢复？\n"
        "该备份之后录入的数据需要重新录入；损坏的文件会另存一份，不会删除。",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
    return answer == QMessageBox.StandardButton.Yes


def check_integrity_in_background(ctx: AppContext, window: QWidget) -> Task:
    """The start-up integrity check, after the window shows: the full one (recorded, app.integrity) when this
    file has not passed one today, else SQLite's quick_check; then the day's first backup.  A damaged file
    offers the latest good backup (restored with the database closed, the damaged file kept)."""
    from app import integrity
    from app.services import backup
    from app.ui import tasks
    from app.ui.backup_actions import daily_backup, restore

    db_path = ctx.paths.db_path
    full = integrity.full_check_due(db_path, ctx.today)

    def check(_progress: tasks.Progress, _cancelled: tasks.Cancelled) -> list[str]:
        if not full:
            return quick_check_problems(db_path)
        problems = integrity_problems(db_path)
        integrity.save_check(db_path, problems, ctx.today)
        return problems

    def checked(problems: list[str]) -> None:
        if not problems:
            daily_backup(ctx)
            return
        log.error("integrity check failed at start-up: %s", problems[:5])
        # SQLite's own lines (English, page numbers) are in the log; the dialog offers the backup itself
        message = "数据库完整性检查未通过：数据库" + damage_summary(problems, hint=False)
        good = backup.latest_good_backup(ctx.paths.backup_dir)
        if _ask_restore(window, ctx.paths, message, good) and good is not None:
            restore(ctx, window, good, confirm=False, keep_damaged=True)

    return tasks.run_task(check, on_success=checked, parent=window)


def stored_county_name(db: Database) -> str | None:
    """The county's name for the title of a window shown before the models are imported, in one plain query (the
    default while it was never saved).  None when it cannot be read: the title then waits for the context."""
    try:
        with db.engine.connect() as conn:
            stored = conn.execute(text("SELECT value FROM setting WHERE key = :key"),
                                  {"key": S.COUNTY_NAME.key}).scalar()
        return str(S.COUNTY_NAME.default if stored is None else S.COUNTY_NAME.coerce(json.loads(stored)))
    except (SQLAlchemyError, ValueError, DangjianError):
        return None


def make_context(paths: AppPaths, db: Database) -> AppContext:
    """The pages' context on the open database (this imports the models)."""
    from app.ui import import_models

    import_models()
    from app.ui.context import AppContext

    return AppContext(paths, db)


def main_window(paths: AppPaths, db: Database) -> MainWindow:
    """The main window, to be shown at once, before the models are imported: its context and its first page are
    made right after it has painted."""
    from app.ui.mainwindow import MainWindow, Opening

    return MainWindow(Opening(paths, db, stored_county_name(db), lambda: make_context(paths, db)))


def run(data_dir: str | None, database_url: str | None = None) -> int:
    """Open the main window on the county in `data_dir` (default: the user's data directory), or on the server
    at `database_url` (app.paths.app_paths: the option, the environment, the saved connection, the file)."""
    try:
        paths = app_paths(data_dir, database_url).ensure()
    except DangjianError as exc:  # an unreadable connection file: say so rather than open another county
        make_application()
        QMessageBox.critical(None, "无法打开数据库", exc.message)
        return 1
    setup_logging(paths)
    app = make_application()
    errors.install_excepthook()
    from app.ui.instance_lock import hold_data_folder

    # one window per SQLite data folder (a server's clients share it); the CLI works beside the window
    folder_lock = None if paths.uses_server else hold_data_folder(paths.data_dir)
    if folder_lock is None and not paths.uses_server:
        return 1
    db = open_database_interactively(paths)
    if db is None:
        return 1
    log.info("database: %s", db.location)
    if isinstance(db.target, URL):  # the password that worked (typed or from the keyring), for this run only
        paths = paths.with_database_url(db.target.render_as_string(hide_password=False))

    from app.ui import tasks
    from app.ui.backup_actions import daily_backup
    from app.ui.mainwindow import MainWindow

    ctx = make_context(paths, db)  # the login needs the models; the first page is built once the window shows
    from app.ui.accounts.login import log_in_at_start
    from app.ui.accounts.session import AccountSession
    from app.ui.setup_wizard import after_start

    started = log_in_at_start(ctx.session_factory, paths)  # the set-up wizard on an empty database, else the login
    if started is None or started.practice_dir is not None:  # the wizard's 示范县 opens from its own folder
        ctx.close_database()
        if folder_lock is not None:
            folder_lock.release()
        return 0 if started is None or started.practice_dir is None else run(str(started.practice_dir))
    from app.ui.unitentry.pages import is_unit_account, pages_for

    window = MainWindow(ctx, pages_for(started.actor), first_page_later=True)  # a 单位填报员: its areas only
    if is_unit_account(started.actor):
        window.hide_data_actions()
    window.account_session = AccountSession(ctx, window)  # type: ignore[attr-defined]
    window.show()
    after_start(window, ctx, started)  # the practice county says so
    if started.roster is not None:  # the office's roster chosen in the wizard: checked, then confirmed, imported
        from app.ui.excel_actions import import_register

        import_register(ctx, window, started.roster)
    for warning in db.warnings:
        QMessageBox.warning(window, "注意", warning)
    if db.migrated_from is not None:
        daily_backup(ctx)  # checked before its migration (and usually backed up then already)
    elif db.is_server:
        daily_backup(ctx)  # the server checks its own pages; a backup (pg_dump) is all there is to do
    elif not db.created:
        check_integrity_in_background(ctx, window)
    try:
        return app.exec()
    finally:
        tasks.cancel_all()
        tasks.wait_for_all()
        ctx.anchor_head(EXIT_ANCHOR)  # the head as this session leaves it, kept outside the database
        ctx.close_database()
        if folder_lock is not None:
            folder_lock.release()
