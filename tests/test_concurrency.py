"""Several clients on one database (issue 8, concurrent use): a stale score sheet is refused with who changed
what, a period locked elsewhere is locked for every client at once, the change stamp moves on writes only, and
the audit chain stays one linear chain under eight concurrent writers.

Every test runs on whatever database the `db`/`paths` fixtures give (SQLite file or PostgreSQL); a second client
is a second `open_database` of the same target."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook
from scoring_support import County, item_by_code, make_county
from sqlalchemy import func, insert, select

from app.db import Database
from app.errors import ConcurrentChangeError, PeriodLockedError, ValidationError
from app.models import AuditEntry, Deduction, ScoreItem, ScoreSheet, Setting
from app.services import audit, score_io
from app.services import scheme as scheme_mod
from app.services.audit import unit_of_work, verify
from app.services.changes import current_stamp
from app.services.opening import open_database
from app.services.scheme import SchemeService
from app.services.scoring import OccurrenceInput, ScoringService, SheetStamp

CODE = "life.committee_meeting"  # 支委会: 4 points, −1 each


@pytest.fixture
def county(db: Database) -> County:
    return make_county(db, n=3)


@pytest.fixture
def period(county: County) -> int:
    return county.month(2026, 3)


def _two_clients(db: Database, second_db: Database) -> tuple[ScoringService, ScoringService]:
    return ScoringService(db.session_factory, actor="张三"), ScoringService(second_db.session_factory, actor="李四")


def _sheet_id(svc: ScoringService, period_id: int, index: int = 0) -> int:
    return svc.sheets(period_id)[index].id


def _deductions(svc: ScoringService, sheet_id: int) -> list[str]:
    return [d.reason for item in svc.form(sheet_id).items for d in item.deductions]


# --- optimistic concurrency on the score sheet --------------------------------------------------------------------

def test_the_second_save_on_a_stale_sheet_is_refused_naming_who_changed_what(db, second_db, period) -> None:
    zhang, li = _two_clients(db, second_db)
    sheet = _sheet_id(zhang, period)
    form_zhang, form_li = zhang.form(sheet), li.form(sheet)
    item = item_by_code(form_zhang, CODE)
    zhang.add_deduction(item.id, OccurrenceInput("三月未召开支委会"), expected_version=form_zhang.stamp)

    with pytest.raises(ConcurrentChangeError) as refused:
        li.add_deduction(item.id, OccurrenceInput("支委会记录不全"), expected_version=form_li.stamp)
    message = str(refused.value)
    assert "张三" in message and "新增" in message and item.indicator.name in message and "三月未召开支委会" in message
    assert "时" in message and "分" in message  # when
    assert refused.value.changes and all("李四" not in line for line in refused.value.changes)
    assert _deductions(li, sheet) == ["三月未召开支委会"]  # nothing of the refused save was written

    fresh = li.form(sheet)  # what the form does next: read the sheet again, then the save goes through
    assert fresh.version > form_li.version
    li.add_deduction(item.id, OccurrenceInput("支委会记录不全"), expected_version=fresh.stamp)
    assert _deductions(zhang, sheet) == ["三月未召开支委会", "支委会记录不全"]
    assert item_by_code(zhang.form(sheet), CODE).review_score == 2


@pytest.mark.parametrize("change", ["self_score", "veto", "review", "remove", "edit"])
def test_every_kind_of_change_makes_an_open_form_stale(db, second_db, period, change) -> None:
    zhang, li = _two_clients(db, second_db)
    sheet = _sheet_id(zhang, period)
    item = item_by_code(zhang.form(sheet), CODE)
    zhang.add_deduction(item.id, OccurrenceInput("未召开支委会"))
    record = item_by_code(zhang.form(sheet), CODE).deductions[0]
    veto_item = item_by_code(zhang.form(sheet), "disc.cases")
    stale = li.form(sheet)
    changes: dict[str, Callable[[], object]] = {
        "self_score": lambda: zhang.set_self_score(item.id, "3.5"),
        "veto": lambda: zhang.set_veto(veto_item.id, True, "发生违纪案件"),
        "review": lambda: zhang.set_reviewed(sheet, True),
        "remove": lambda: zhang.remove_deduction(record.id, "重复登记"),
        "edit": lambda: zhang.edit_deduction(record.id, OccurrenceInput("未召开支委会", 2)),
    }
    changes[change]()
    with pytest.raises(ConcurrentChangeError) as refused:
        li.set_self_score(item.id, "2", expected_version=stale.stamp)
    expected_words = {"self_score": "自评得分", "veto": "一票否决", "review": "复核了本表", "remove": "删除",
                      "edit": "修改"}
    assert "张三" in str(refused.value) and expected_words[change] in str(refused.value)
    assert item_by_code(li.form(sheet), CODE).self_score != 2


def test_a_save_that_changes_nothing_leaves_other_forms_valid(db, second_db, period) -> None:
    zhang, li = _two_clients(db, second_db)
    sheet = _sheet_id(zhang, period)
    item = item_by_code(zhang.form(sheet), CODE)
    stale = li.form(sheet)
    zhang.set_self_score(item.id, None)  # already empty
    li.set_self_score(item.id, "3", expected_version=stale.stamp)
    assert item_by_code(zhang.form(sheet), CODE).self_score == 3


def test_other_sheets_and_callers_without_a_version_are_not_refused(db, second_db, period) -> None:
    zhang, li = _two_clients(db, second_db)
    first, second = _sheet_id(zhang, period, 0), _sheet_id(zhang, period, 1)
    other_form = li.form(second)
    zhang.add_deduction(item_by_code(zhang.form(first), CODE).id, OccurrenceInput("未召开支委会"))
    # a form on another unit's sheet is still current
    li.add_deduction(item_by_code(other_form, CODE).id, OccurrenceInput("未召开支委会"),
                     expected_version=other_form.stamp)
    # the CLI, the import and the demo know no version: not checked (a bare version number works too)
    li.add_deduction(item_by_code(other_form, CODE).id, OccurrenceInput("记录不全"))
    with pytest.raises(ConcurrentChangeError):
        li.add_deduction(item_by_code(other_form, CODE).id, OccurrenceInput("又一次"),
                         expected_version=other_form.version)
    assert len(_deductions(zhang, second)) == 2


def test_without_the_forms_chain_head_the_latest_changes_are_named(db, second_db, period) -> None:
    zhang, li = _two_clients(db, second_db)
    sheet = _sheet_id(zhang, period)
    form = li.form(sheet)
    item = item_by_code(form, CODE)
    for reason in ("第一次", "第二次", "第三次", "第四次"):
        zhang.add_deduction(item.id, OccurrenceInput(reason))
    with pytest.raises(ConcurrentChangeError) as refused:
        li.set_self_score(item.id, "1", expected_version=SheetStamp(form.version))
    assert [line.split("（")[-1] for line in refused.value.changes] == ["第二次）", "第三次）", "第四次）"]


# --- a period locked on one machine is locked for all -------------------------------------------------------------

def test_a_save_after_another_client_locked_the_period_is_refused(db, second_db, period) -> None:
    zhang, li = _two_clients(db, second_db)
    sheet = _sheet_id(li, period)
    open_form = li.form(sheet)
    assert not open_form.locked
    for s in zhang.sheets(period):
        zhang.set_reviewed(s.id, True)
    zhang.lock_period(period)
    item = item_by_code(open_form, CODE)
    with pytest.raises(PeriodLockedError):
        li.set_self_score(item.id, "3")
    with pytest.raises(PeriodLockedError):
        li.set_reviewed(sheet, False, expected_version=open_form.stamp)
    assert li.period(period).locked
    assert item_by_code(li.form(sheet), CODE).self_score is None


def test_a_save_racing_the_lock_lands_before_it_or_is_refused(db, second_db, period) -> None:
    """One client withdraws and gives a sheet's 复核 over and over while another locks the month as soon as it
    can: every change either landed before the lock (its entry in the trail before the lock's) or was refused as
    locked, never one after a refusal; the sheet ends as the trail's last entry says, and the month locked with
    every sheet reviewed."""
    zhang, li = _two_clients(db, second_db)
    sheets = zhang.sheets(period)
    for s in sheets:
        zhang.set_reviewed(s.id, True)
    with db.session_factory() as s:
        setup_done = s.scalar(select(func.max(AuditEntry.seq)))
    outcomes: list[tuple[str, str]] = []
    done = threading.Event()

    def toggler() -> None:
        try:
            for n in range(60):
                try:
                    li.set_reviewed(sheets[0].id, n % 2 == 1)
                    outcomes.append(("saved", ""))
                except PeriodLockedError as exc:
                    outcomes.append(("refused", str(exc)))
        finally:
            done.set()

    thread = threading.Thread(target=toggler)
    thread.start()
    locked = False
    while not locked and not done.is_set():
        try:
            zhang.lock_period(period)
            locked = True
        except ValidationError:  # a sheet was not reviewed at that moment
            continue
    thread.join(60)
    assert not thread.is_alive() and len(outcomes) == 60
    if not locked:  # the toggler finished first (its last change reviewed the sheet): the lock goes through now
        zhang.lock_period(period)
    saved = [o for o in outcomes if o[0] == "saved"]
    assert outcomes == saved + [o for o in outcomes if o[0] == "refused"]  # nothing saved after a refusal
    assert all("已锁定" in message for kind, message in outcomes if kind == "refused")
    with db.session_factory() as s:
        lock_seq = s.scalar(select(AuditEntry.seq).where(AuditEntry.entity == "period", AuditEntry.action == "锁定"))
        trail = s.execute(select(AuditEntry.seq, AuditEntry.new).where(
            AuditEntry.entity == "score_sheet", AuditEntry.entity_id == sheets[0].id, AuditEntry.field == "reviewed",
            AuditEntry.seq > setup_done).order_by(AuditEntry.seq)).all()
    assert len(trail) == len(saved)  # every saved change (each one toggles) has its entry, and only those
    assert all(seq < lock_seq for seq, _ in trail)
    assert [new for _, new in trail] == ["否", "是"] * (len(saved) // 2) + ["否"] * (len(saved) % 2)
    # the month locks only with the sheet reviewed: the trail (or the setup, when the lock came first) ends there
    assert len(saved) % 2 == 0 and (trail[-1][1] if trail else "是") == "是"
    assert all(s.reviewed for s in li.sheets(period)) and li.period(period).locked
    assert verify(db.session_factory).ok


# --- the import takes the same locks as a form ------------------------------------------------------------------

def _import_file(folder: Path, name: str, rows: list[tuple[str, str]]) -> Path:
    """A filled-in 扣分加分 sheet only: (unit, reason) rows on 党费 (no 自评得分 sheet: nothing is removed)."""
    wb = Workbook()
    ws = wb.active
    ws.title = score_io.ROWS_SHEET
    ws.append(list(score_io.ROW_COLUMNS))
    for unit, reason in rows:
        ws.append([unit, "org.dues", 1, None, reason, "", ""])
    path = folder / f"{name}.xlsx"
    wb.save(path)
    return path


def _import(db: Database, path: Path, actor: str = "王五") -> score_io.ImportReport:
    return score_io.import_scores(db.session_factory, 2026, 3, path, actor=actor)


def _entries(db: Database) -> int:
    with db.session_factory() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_an_import_after_another_client_locked_the_period_is_refused_and_writes_nothing(
        db, second_db, period, tmp_path, monkeypatch) -> None:
    zhang, li = _two_clients(db, second_db)
    path = _import_file(tmp_path, "三月", [("县第1局", "三月未交党费")])
    read = score_io.read_scores

    def read_then_locked_elsewhere(*args):  # the file is checked while the month is open; then 李四 locks it
        found = read(*args)
        for sheet in li.sheets(period):
            li.set_reviewed(sheet.id, True)
        li.lock_period(period)
        before.append(_entries(db))
        return found

    before: list[int] = []
    monkeypatch.setattr(score_io, "read_scores", read_then_locked_elsewhere)
    with pytest.raises(PeriodLockedError, match="已锁定，不能导入"):
        _import(db, path)
    assert before and _entries(db) == before[0]
    assert [d for s in zhang.sheets(period) for d in _deductions(zhang, s.id)] == []
    assert verify(db.session_factory).ok


def test_an_import_between_a_forms_load_and_save_makes_the_save_stale(db, second_db, period, tmp_path) -> None:
    zhang, li = _two_clients(db, second_db)
    sheet = _sheet_id(li, period)
    form = li.form(sheet)
    report = _import(db, _import_file(tmp_path, "三月", [("县第1局", "三月未交党费")]))
    assert report.applied and report.created == 1
    with pytest.raises(ConcurrentChangeError) as refused:
        li.add_deduction(item_by_code(form, CODE).id, OccurrenceInput("支委会记录不全"), expected_version=form.stamp)
    assert "王五" in str(refused.value) and "三月未交党费" in str(refused.value)
    assert _deductions(li, sheet) == ["三月未交党费"]
    assert li.form(sheet).version > form.version


@pytest.mark.server_only  # on SQLite the edit holds the database from its first statement: no one locks in between
def test_a_scheme_edit_after_another_client_locked_the_month_leaves_that_month_alone(
        db, second_db, period, monkeypatch) -> None:
    zhang, li = _two_clients(db, second_db)
    used = zhang.period(period).scheme_id
    load = scheme_mod._scheme

    def loaded_then_locked_elsewhere(s, scheme_id):  # the edit has read the scheme (not frozen yet); 李四 locks
        found = load(s, scheme_id)
        if not li.period(period).locked:
            for sheet in li.sheets(period):
                li.set_reviewed(sheet.id, True)
            li.lock_period(period)
        return found

    monkeypatch.setattr(scheme_mod, "_scheme", loaded_then_locked_elsewhere)
    result = SchemeService(db.session_factory, "张三").edit_scheme(used, "改名后的指标体系", "100", "5")
    assert result.new_version and result.scheme_id != used  # a new version, as for any frozen scheme
    assert zhang.period(period).scheme_id == used  # the locked month keeps the version it was scored with
    assert SchemeService(db.session_factory).view(used).name != "改名后的指标体系"


# --- the change stamp ----------------------------------------------------------------------------------------------

def test_the_change_stamp_moves_on_a_write_and_not_on_a_read(db, second_db, period) -> None:
    zhang, li = _two_clients(db, second_db)
    before = current_stamp(second_db.session_factory)
    sheet = _sheet_id(zhang, period)
    zhang.form(sheet), zhang.sheets(period), zhang.periods(), zhang.period_suggestions(period)
    verify(db.session_factory)
    assert current_stamp(second_db.session_factory) == before
    item = item_by_code(zhang.form(sheet), CODE)
    zhang.set_self_score(item.id, "3")
    after = current_stamp(second_db.session_factory)
    assert after > before
    with pytest.raises(ValidationError):
        zhang.set_self_score(item.id, "99")  # refused: rolled back, nothing written
    zhang.set_self_score(item.id, "3")  # the same value: nothing changes
    assert current_stamp(second_db.session_factory) == after


def test_bulk_core_inserts_move_the_change_stamp(db, second_db) -> None:
    before = current_stamp(second_db.session_factory)
    with db.session() as s:
        s.execute(insert(Setting), [{"key": "test.bulk.a", "value": '"1"'}, {"key": "test.bulk.b", "value": '"2"'}])
    assert current_stamp(second_db.session_factory) > before


# --- the audit chain under concurrent writers ------------------------------------------------------------------

@pytest.fixture
def no_process_lock(monkeypatch):
    """Without the in-process queue the threads meet only at the database's lock, as separate machines do."""
    monkeypatch.setattr(audit, "_WRITE_LOCK", contextlib.nullcontext())


def _clients(db: Database, n: int) -> list[Database]:
    return [open_database(db.target) for _ in range(n)]


def _run_all(workers: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(workers))

    def run(work: Callable[[], None]) -> None:
        try:
            start.wait()
            work()
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    return errors


def test_eight_concurrent_writers_keep_one_linear_chain(db, no_process_lock) -> None:
    clients = _clients(db, 8)
    per_client = 25
    before = verify(db.session_factory).entries

    def writer(client: Database, n: int) -> Callable[[], None]:
        def work() -> None:
            for i in range(per_client):
                with unit_of_work(client.session_factory, f"用户{n}") as (_s, log):
                    log.record("备注", "note", None, "", None, f"{n}-{i}")
        return work

    try:
        errors = _run_all([writer(c, n) for n, c in enumerate(clients)])
    finally:
        for c in clients:
            c.close()
    assert errors == []
    report = verify(db.session_factory)
    assert report.chain_ok, [str(f) for f in report.findings]
    assert report.entries == before + 8 * per_client
    with db.session_factory() as s:
        notes = sorted(s.scalars(select(AuditEntry.new).where(AuditEntry.entity == "note")))
        prevs = s.scalar(select(func.count(func.distinct(AuditEntry.prev_hash))))
        total = s.scalar(select(func.count()).select_from(AuditEntry))
    assert notes == sorted(f"{n}-{i}" for n in range(8) for i in range(per_client))  # no lost write
    assert prevs == total  # no fork: no two entries chained onto the same head


def test_imports_and_form_saves_at_once_give_every_content_its_own_version(
        db, second_db, period, tmp_path, no_process_lock) -> None:
    """One client imports files while another saves from the form on the same sheet: every change that landed
    moved the version by one (none wrote a version computed from a stale read), and nothing was lost."""
    zhang, li = _two_clients(db, second_db)
    sheet = _sheet_id(zhang, period)
    start = zhang.form(sheet).version
    rounds = 8
    files = [_import_file(tmp_path, f"第{i}份", [("县第1局", f"导入{i}")]) for i in range(rounds)]
    importer = open_database(db.target)

    def imports() -> None:
        for path in files:
            assert _import(importer, path).applied

    def saves() -> None:
        for i in range(rounds):
            while True:  # the form's way: on a conflict read the sheet again and save again
                form = li.form(sheet)
                try:
                    li.set_self_score(item_by_code(form, CODE).id, f"{i % 4}.5", expected_version=form.stamp)
                    break
                except ConcurrentChangeError:
                    continue

    try:
        errors = _run_all([imports, saves])
    finally:
        importer.close()
    assert errors == []
    with db.session_factory() as s:
        version = s.scalar(select(ScoreSheet.version).where(ScoreSheet.id == sheet))
    assert version == start + 2 * rounds  # one step per import and per save
    assert sorted(_deductions(zhang, sheet)) == sorted(f"导入{i}" for i in range(rounds))
    assert item_by_code(zhang.form(sheet), CODE).self_score == 3.5
    assert verify(db.session_factory).ok


def test_eight_clients_scoring_at_once_lose_no_update(db, county, period, no_process_lock) -> None:
    clients = _clients(db, 8)
    sheets = county.scoring.sheets(period)
    per_client = 6

    def scorer(client: Database, n: int) -> Callable[[], None]:
        svc = ScoringService(client.session_factory, actor=f"考评员{n}")
        sheet = sheets[n % len(sheets)].id

        def work() -> None:
            for i in range(per_client):
                while True:  # a form's way: on a conflict read the sheet again and save again
                    form = svc.form(sheet)
                    try:
                        svc.add_deduction(item_by_code(form, "org.dues").id, OccurrenceInput(f"{n}-{i}"),
                                          expected_version=form.stamp)
                        break
                    except ConcurrentChangeError:
                        continue
        return work

    try:
        errors = _run_all([scorer(c, n) for n, c in enumerate(clients)])
    finally:
        for c in clients:
            c.close()
    assert errors == []
    with db.session_factory() as s:
        reasons = sorted(s.scalars(select(Deduction.reason).join(ScoreItem, ScoreItem.id == Deduction.item_id)))
    assert reasons == sorted(f"{n}-{i}" for n in range(8) for i in range(per_client))
    report = verify(db.session_factory)
    assert report.ok, [str(f) for f in report.findings]
