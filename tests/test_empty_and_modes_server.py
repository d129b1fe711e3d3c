"""Issue 13, point 6 on a PostgreSQL server: a restore of a pg_dump backup that holds fewer audit entries than
the server database shows the numbers and needs --force; --latest says which damaged dumps it skipped.
(The SQLite side: tests/test_empty_and_modes.py.)"""

from __future__ import annotations

import sys

import pytest

from app.cli import main
from app.db import database_target
from app.paths import AppPaths
from app.services import audit, backup
from app.services.opening import open_database

pytestmark = pytest.mark.server_only


def _record(paths: AppPaths, *actions: str) -> None:
    db = open_database(paths.database)
    try:
        with audit.unit_of_work(db.session_factory, "测试员") as (_s, log):
            for a in actions:
                log.record(a, "unit", 1, "name", None, a)
    finally:
        db.close()


def test_server_restore_shows_what_would_be_lost_and_needs_force(paths: AppPaths, capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _record(paths, "新增")
    assert main(["backup", "--data-dir", str(paths.data_dir)]) == 0
    (taken,) = backup.list_backups(paths.backup_dir)
    _record(paths, "修改", "删除")
    url = database_target(paths.database)
    comparison = backup.compare_with_server(taken.path, url)  # type: ignore[arg-type]
    assert comparison is not None and comparison.loses_data
    assert comparison.current.audit_entries == comparison.backup.audit_entries + 2
    capsys.readouterr()

    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    assert main(["restore", taken.path.name, "--data-dir", str(paths.data_dir)]) == 2
    out, err = capsys.readouterr()
    assert "（少 2 条）" in out and "--force" in err
    assert backup.server_holdings(url) == comparison.current  # type: ignore[arg-type]

    empty = paths.backup_dir / "dangjian-20991231-000000-000000-manual.dump"
    empty.write_bytes(b"")
    assert main(["restore", "--latest", "--force", "--data-dir", str(paths.data_dir)]) == 0
    out = capsys.readouterr().out
    assert "已跳过 1 份不完好的较新备份" in out and empty.name in out and "少 2 条" in out
    assert backup.server_holdings(url) == comparison.backup  # type: ignore[arg-type]


@pytest.mark.parametrize(("forgery", "said"), [
    (["ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_update",
      "UPDATE audit_entry SET new = E'改过\\t了' WHERE seq = 1",
      "ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_no_update"], "第1条记录的内容与哈希不符"),
    (["ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_delete",
      "DELETE FROM audit_entry WHERE seq = 2",
      "ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_no_delete"], "第2条记录缺失"),
    (["ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_truncate"], "audit_entry_no_truncate 已被停用"),
    (["DROP TRIGGER audit_entry_no_delete ON audit_entry"], "缺少防止删除的触发器"),
])
def test_a_dump_of_a_forged_trail_is_not_sound(paths: AppPaths, forgery: list[str], said: str) -> None:
    _record(paths, "新增", "修改\t含制表符\n和换行\\", "删除")
    assert main(["backup", "--data-dir", str(paths.data_dir)]) == 0
    (sound,) = backup.list_backups(paths.backup_dir)
    assert backup.backup_problems(sound.path) == []
    db = open_database(paths.database)
    try:
        with db.engine.begin() as conn:
            for statement in forgery:
                conn.exec_driver_sql(statement)
    finally:
        db.close()
    assert main(["backup", "--data-dir", str(paths.data_dir)]) == 0  # a backup of a forged trail is still made
    forged = next(b for b in backup.list_backups(paths.backup_dir) if b.path != sound.path)
    problems = backup.backup_problems(forged.path)
    assert problems and said in problems[0]
    best, skipped = backup.newest_good_backup(paths.backup_dir, server=True)
    assert best is not None and best.path == sound.path and skipped[0][0].path == forged.path
