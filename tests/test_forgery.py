"""A forger with the database file and a text editor is caught (issue 13, part 7): the chain's head kept outside the
database (the anchor file, the backups' manifests) names a trail cut short or rewritten with every later hash
recomputed, and the digest taken at a lock names a locked month changed consistently with forged entries."""

from __future__ import annotations

import os
import stat
from decimal import Decimal

import dbkit
import pytest
from scoring_support import County, item_by_code, make_county
from sqlalchemy import text

from app.cli import main
from app.paths import AppPaths
from app.services import anchors, backup
from app.services.audit import entry_hash, fmt, occurrence_snapshot, verify
from app.services.bulletin import BulletinService
from app.services.lockdigest import period_digests
from app.services.opening import open_app_database
from app.services.ranking import RankingService

YEAR, MONTH = 2026, 3
KEY = f"{YEAR}-{MONTH:02d}"
TITLE = f"{YEAR}年{MONTH}月"


def open_anchored(paths: AppPaths, warnings: list[str] | None = None):
    """The database as the CLI and the main window open it: the day's backup taken, the anchor file attached."""
    db = open_app_database(paths)
    anchors.attach(db.session_factory, anchors.AnchorFile(paths.anchor_path, warn=(warnings if warnings is not None
                                                                                   else []).append))
    return db


@pytest.fixture
def county(paths: AppPaths):
    """Three units, a scored month, reviewed and locked, on a database opened as the app and the CLI open it."""
    db = open_anchored(paths)
    c = make_county(db, n=3)
    pid = c.month(YEAR, MONTH)
    c.deduct(pid, 0, "life.theme_day", 2)
    c.deduct(pid, 1, "pol.deployment", 3)
    c.deduct(pid, 2, "org.dues", 1)
    c.review_all(pid)
    c.scoring.lock_period(pid)
    yield c
    db.close()


def period_id(c: County) -> int:
    found = c.scoring.find_month(YEAR, MONTH)
    assert found is not None
    return found.id


def check(c: County, paths: AppPaths):
    return verify(c.db.session_factory, anchored=anchors.collect(paths.anchor_path, paths.backup_dir))


def messages(report) -> str:
    return "\n".join(f.message for f in report.findings)


def rows(c: County, sql: str) -> list[tuple]:
    with c.db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def last_seq(c: County) -> int:
    return rows(c, "SELECT MAX(seq) FROM audit_entry")[0][0]


def q(value: object) -> str:
    """A value as a SQL literal, as a forger types it."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def append_forged(c: County, entries: list[tuple]) -> list[str]:
    """INSERTs of entries (action, entity, entity_id, field, old, new, reason) chained onto the head, each with
    the right hash: the trail still links and ends where the forger wants."""
    seq, prev, at = rows(c, "SELECT seq, hash, at FROM audit_entry ORDER BY seq DESC LIMIT 1")[0]
    out = []
    for action, entity, eid, fld, old, new, reason in entries:
        seq += 1
        row = (seq, at, "测试员", action, entity, eid, fld, old, new, reason)
        h = entry_hash(prev, row)
        out.append("INSERT INTO audit_entry (seq, at, who, action, entity, entity_id, field, old, new, reason, "
                   f"prev_hash, hash) VALUES ({', '.join(q(v) for v in row)}, {q(prev)}, {q(h)})")
        prev = h
    return out


# --- an honest run -------------------------------------------------------------------------------------------------

def test_lock_issue_backup_reopen_and_relock_verify_clean(county, paths):
    c = county
    pid = period_id(c)
    BulletinService(c.db.session_factory, actor="测试员").issue(YEAR, MONTH)
    backup.make_backup(c.db.engine, paths.backup_dir, reason="manual", anchor_file=anchors.attached(c.db.session_factory))
    c.scoring.reopen_period(pid, "更正县第1局扣分", is_admin=True)
    c.scoring.set_reviewed(c.scoring.sheets(pid)[0].id, False)
    c.deduct(pid, 0, "pol.deployment", 1)
    c.review_all(pid)
    c.scoring.lock_period(pid)

    report = check(c, paths)
    assert report.ok, messages(report)
    assert report.digests == 1 and report.undigested == 0
    whys = [a.why for a in anchors.AnchorFile(paths.anchor_path).read()]
    assert whys.count("锁定") == 2 and "印发" in whys and "备份" in whys
    # the backup's manifest beside it holds the head it took
    manifests = anchors.read_manifests(paths.backup_dir)
    assert manifests and all(m.why == "备份" for m in manifests)
    assert report.anchors >= len(whys)


def test_the_anchor_file_is_private_and_only_grows(county, paths):
    first = paths.anchor_path.read_bytes()
    if os.name != "nt":
        assert stat.S_IMODE(paths.anchor_path.stat().st_mode) == 0o600
    BulletinService(county.db.session_factory, actor="测试员").issue(YEAR, MONTH)
    second = paths.anchor_path.read_bytes()
    assert len(second) > len(first) and second.startswith(first)
    line = second.decode("utf-8").splitlines()[-1].split("\t")
    assert line[1] == str(last_seq(county)) and line[3] == "印发" and len(line[2]) == 64


# --- the attacks ---------------------------------------------------------------------------------------------------

def test_deleting_the_last_entry_is_named(county, paths):
    n = last_seq(county)
    dbkit.tamper(county.db, f"DELETE FROM audit_entry WHERE seq = {n}")
    report = check(county, paths)
    assert "审计日志末尾被删除：" in messages(report)
    assert f"现审计链只有{n - 1}条（第{n}条缺失）" in messages(report)


def test_deleting_the_last_five_entries_is_named(county, paths):
    n = last_seq(county)
    dbkit.tamper(county.db, f"DELETE FROM audit_entry WHERE seq > {n - 5}")
    assert verify(county.db.session_factory, check_state=False).ok  # the chain alone still links
    report = check(county, paths)
    assert f"第{n - 4}至{n}条缺失" in messages(report)
    assert "锁定时链头为" in messages(report)


def test_a_rewritten_entry_with_every_later_hash_recomputed_is_named(county, paths):
    c = county
    k = 5
    entries = rows(c, "SELECT seq, at, who, action, entity, entity_id, field, old, new, reason, prev_hash, hash "
                      "FROM audit_entry ORDER BY seq")
    statements, prev = [], entries[k - 2][11]
    for e in entries[k - 1:]:
        fields = list(e[:10])
        if e[0] == k:
            fields[2] = "某人"  # who did it: the state checks cannot see this
        h = entry_hash(prev, tuple(fields))
        statements.append(f"UPDATE audit_entry SET who = {q(fields[2])}, prev_hash = {q(prev)}, hash = {q(h)} "
                          f"WHERE seq = {e[0]}")
        prev = h
    dbkit.tamper(c.db, *statements)
    assert verify(c.db.session_factory).ok  # without anchors the forgery passes

    report = check(c, paths)
    assert not report.chain_ok
    anchored = min(a.seq for a in anchors.collect(paths.anchor_path, paths.backup_dir) if a.seq >= k)
    assert f"审计日志在第{anchored}条被改写：" in messages(report)
    assert "锁定时" in messages(report) or "备份时" in messages(report)


def test_a_consistent_forgery_inside_a_locked_month_is_named(county, paths):
    """One occurrence taken off 县第2局's deduction: the deduction, its item's score and the sheet total changed,
    and entries appended for each as the app would write them.  Every state check agrees; the digest does not."""
    c = county
    pid = period_id(c)
    item = item_by_code(c.form(pid, 1), "pol.deployment")
    ded = item.deductions[0]
    sheet_id = c.scoring.sheets(pid)[1].id
    before = [(r.unit, r.rank, r.total) for r in RankingService(c.db.session_factory).month(YEAR, MONTH).rows]
    gain = ded.points_each
    old_snap = occurrence_snapshot(item.id, ded.occurrences, ded.points_each, ded.reason, ded.evidence_note,
                                   ded.evidence_file, ded.source)
    new_snap = occurrence_snapshot(item.id, ded.occurrences - 1, ded.points_each, ded.reason, ded.evidence_note,
                                   ded.evidence_file, ded.source)
    tenths = int(gain * 10)
    dbkit.tamper(
        c.db,
        f"UPDATE deduction SET occurrences = occurrences - 1 WHERE id = {ded.id}",
        f"UPDATE score_item SET review_score = review_score + {tenths} WHERE id = {item.id}",
        f"UPDATE score_sheet SET review_total = review_total + {tenths} WHERE id = {sheet_id}",
        *append_forged(c, [
            ("修改", "deduction", ded.id, "", old_snap, new_snap, ""),
            ("修改", "score_item", item.id, "review_score", fmt(item.review_score), fmt(item.review_score + gain), ""),
        ]),
    )
    after = RankingService(c.db.session_factory).month(YEAR, MONTH)
    assert [(r.unit, r.rank, r.total) for r in after.rows] != before  # 县第2局 gained

    report = check(c, paths)
    assert [f.message for f in report.findings if f.kind == "chain"] == []  # the trail links, anchors agree
    found = [f.message for f in report.findings]
    assert len(found) == 1 and found[0].startswith(f"{TITLE}锁定后数据被改动（锁定时摘要"), found


def test_a_reopened_and_relocked_month_is_checked_against_its_latest_lock(county, paths):
    c = county
    pid = period_id(c)
    c.scoring.reopen_period(pid, "更正", is_admin=True)
    c.scoring.set_reviewed(c.scoring.sheets(pid)[2].id, False)
    c.deduct(pid, 2, "org.dues", 1)
    c.review_all(pid)
    c.scoring.lock_period(pid)
    assert check(c, paths).ok
    dbkit.tamper(c.db, "UPDATE deduction SET reason = '改过的理由' WHERE id = (SELECT MIN(id) FROM deduction)",
                 *append_forged(c, []))
    report = check(c, paths)
    assert f"{TITLE}锁定后数据被改动" in messages(report)


def test_the_digest_reads_the_stored_tenths_whatever_the_database(county):
    """Scores enter the digest as the integer tenths both databases store (never a Decimal's text), flags as 0/1."""
    c = county
    pid = period_id(c)
    with c.db.session_factory() as s:
        digest = period_digests(s, [pid])[pid]
    assert len(digest) == 64
    dbkit.tamper(c.db, f"UPDATE score_sheet SET review_total = review_total WHERE period_id = {pid}")
    with c.db.session_factory() as s:
        assert period_digests(s, [pid])[pid] == digest
        assert period_digests(s, []) == {}
    item = item_by_code(c.form(pid, 0), "life.theme_day")
    assert item.review_score == item.review_score.quantize(Decimal("0.1"))


# --- anchors that cannot be written --------------------------------------------------------------------------------

def test_a_lock_stands_when_the_anchor_file_cannot_be_written(paths):
    paths.anchor_path.mkdir()  # something in the way: no line can be appended (as a read-only folder would)
    warnings: list[str] = []
    db = open_anchored(paths, warnings)
    try:
        c = make_county(db, n=2)
        pid = c.month(YEAR, MONTH)
        c.review_all(pid)
        assert c.scoring.lock_period(pid).state.value == "已锁定"
        assert any("未能写入锚点文件" in w and "锁定已完成" in w for w in warnings), warnings
        assert c.scoring.period(pid).state.value == "已锁定"
    finally:
        db.close()


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="a read-only folder does not stop root")
def test_a_lock_in_a_read_only_data_folder_warns_and_stands(paths):
    db = open_anchored(paths)
    c = make_county(db, n=2)
    pid = c.month(YEAR, MONTH)
    c.review_all(pid)
    unwritable = paths.data_dir / "ro"
    unwritable.mkdir()
    warnings: list[str] = []
    anchors.attach(db.session_factory, anchors.AnchorFile(unwritable / "audit-anchors.log", warn=warnings.append))
    os.chmod(unwritable, 0o500)
    try:
        c.scoring.lock_period(pid)
        assert c.scoring.period(pid).state.value == "已锁定" and warnings
    finally:
        os.chmod(unwritable, 0o700)
        db.close()


def test_cli_lock_warns_in_chinese_when_the_anchor_cannot_be_written(county, paths, capsys):
    c = county
    pid = c.month(YEAR, MONTH + 1)
    c.review_all(pid)
    county.db.close()
    paths.anchor_path.unlink()
    paths.anchor_path.mkdir()
    assert main(["period", "lock", f"{YEAR}-{MONTH + 1:02d}", "--data-dir", str(paths.data_dir)]) == 0
    out = capsys.readouterr()
    assert "已锁定" in out.out
    assert "警告：审计链头" in out.err and "锁定已完成，不受影响" in out.err


# --- the command ---------------------------------------------------------------------------------------------------

def test_cli_verify_names_anchors_digests_and_a_cut_trail(county, paths, capsys):
    county.db.close()
    data = ["--data-dir", str(paths.data_dir)]
    assert main(["audit", "verify", *data]) == 0
    out = capsys.readouterr().out
    assert "审计日志完好" in out and "已对照链头锚点" in out and "已核对1个锁定考评期的锁定时数据摘要" in out

    n = last_seq(county)
    dbkit.tamper(county.db, f"DELETE FROM audit_entry WHERE seq > {n - 2}")
    assert main(["audit", "verify", *data]) == 1
    err = capsys.readouterr().err
    assert "审计日志末尾被删除：" in err and f"第{n - 1}至{n}条缺失" in err


@pytest.mark.sqlite_only  # a SQLite file restored from its backup
def test_a_restore_to_an_older_backup_verifies_clean(county, paths):
    c = county
    older = backup.make_backup(c.db.engine, paths.backup_dir, reason="manual")
    pid = c.month(YEAR, MONTH + 1)
    c.review_all(pid)
    c.scoring.lock_period(pid)  # an anchor beyond the backup's head
    c.db.close()
    backup.restore_backup(older, paths.db_path, paths.backup_dir, anchor_file=anchors.AnchorFile(paths.anchor_path))
    db = open_anchored(paths)
    try:
        report = verify(db.session_factory, anchored=anchors.collect(paths.anchor_path, paths.backup_dir))
        assert report.ok, messages(report)
        assert anchors.AnchorFile(paths.anchor_path).read()[-1].why in ("恢复", "备份")
    finally:
        db.close()


def test_a_digest_taken_on_sqlite_recomputes_the_same_where_the_county_moves(tmp_path, database_kit):
    """The digest is the same on SQLite and PostgreSQL: a month locked in a file and moved with migrate-db (to a
    server on --db=postgresql) verifies there, its digest recomputed from the server's rows."""
    from app.services import dbcopy
    from app.services.opening import open_database

    source = tmp_path / "county.sqlite3"
    db = open_database(source)
    try:
        c = make_county(db, n=3)
        pid = c.month(YEAR, MONTH)
        c.deduct(pid, 0, "life.theme_day", 2)
        c.deduct(pid, 1, "pol.deployment", 1, each="0.5", reason="部署不及时，“引号”与全角１２３")
        c.scoring.set_self_score(item_by_code(c.form(pid, 2), "study.plan").id, "2.5")
        c.review_all(pid)
        c.scoring.lock_period(pid)
        with db.session_factory() as s:
            digest = period_digests(s, [pid])[pid]
    finally:
        db.close()
    dest = database_kit.new(tmp_path / "dest", "dest")
    dbcopy.copy_county(source, dest)
    moved = open_database(dest)
    try:
        with moved.session_factory() as s:
            assert period_digests(s, [pid])[pid] == digest
        report = verify(moved.session_factory)
        assert report.ok and report.digests == 1, messages(report)
    finally:
        moved.close()


def test_the_main_window_context_anchors_locks_and_its_exit(paths, db, qtbot):
    """The GUI's context attaches the data folder's anchor file: a lock made on its sessions is anchored, closing
    anchors the head, and a line that cannot be written is said in the status bar."""
    from app.services.scoring import ScoringService
    from app.ui.context import AppContext

    ctx = AppContext(paths, db)
    said: list[str] = []
    ctx.status.connect(said.append)
    c = make_county(db, n=2)
    scoring = ScoringService(ctx.session_factory, actor="测试员")
    pid = scoring.open_month(YEAR, MONTH).id
    c.review_all(pid)
    scoring.lock_period(pid)
    ctx.anchor_head("退出")
    lines = anchors.AnchorFile(paths.anchor_path).read()
    assert [a.why for a in lines][-2:] == ["锁定", "退出"] and lines[-1].seq == last_seq(c)

    paths.anchor_path.unlink()
    paths.anchor_path.mkdir()
    ctx.anchor_head("退出")
    assert said and "未能写入锚点文件" in said[-1]


def test_a_backup_rotated_out_takes_its_manifest_with_it(county, paths):
    sink = anchors.attached(county.db.session_factory)
    first = backup.make_backup(county.db.engine, paths.backup_dir, reason="manual", keep=1, anchor_file=sink)
    assert anchors.manifest_path(first).is_file()
    second = backup.make_backup(county.db.engine, paths.backup_dir, reason="manual", keep=1, anchor_file=sink)
    assert not first.exists() and not anchors.manifest_path(first).exists()
    assert [p.name for p in paths.backup_dir.glob("*.manifest.json")] == [anchors.manifest_path(second).name]


@pytest.mark.sqlite_only  # the demo replaces the SQLite file of the data folder
def test_a_county_replaced_by_the_demo_and_restored_again_verifies_clean(county, paths, capsys):
    """Replacing the county (demo --force) and going back to the backup it took are not forgeries: the anchors
    and manifests of the history each replaced no longer apply, and verify says 完好 each time."""
    county.db.close()
    data = ["--data-dir", str(paths.data_dir)]
    assert main(["demo", "--size", "tiny", "--force", *data]) == 0
    assert main(["audit", "verify", *data]) == 0
    assert anchors.AnchorFile(paths.anchor_path).read()[-1].why == "替换"
    [before_demo] = [b.path for b in backup.list_backups(paths.backup_dir) if b.reason == "before-demo"]
    assert main(["restore", before_demo.name, "--force", *data]) == 0
    capsys.readouterr()
    assert main(["audit", "verify", *data]) == 0
    assert "审计日志完好" in capsys.readouterr().out
