"""The 审计日志 as users read it (page and `dangjian audit log`): every entity and field in Chinese, times in the
computer's local time (the trail stores UTC), and a day filter that means the local day."""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import dbkit
import pytest
from sqlalchemy import select

import app.demo.county as demo
from app.cli import main
from app.db import Database
from app.models import AuditEntry
from app.services import accounts
from app.services.accounts import AccountService, AuditFilter, acting_as, audit_lines
from app.services.opening import open_database
from app.services.register_audit import readable_entity, readable_field, shown_time

pytestmark = pytest.mark.skipif(not hasattr(time, "tzset"), reason="the time zone is set through TZ (POSIX)")

LATIN = re.compile(r"[A-Za-z]")
PW = "Dangjian#2026"


@pytest.fixture
def shanghai(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The users' clocks: UTC+8, so a morning entry's UTC date is the day before."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
    assert os.environ.get("TZ") != "Asia/Shanghai"


@pytest.fixture(scope="module")
def tiny_county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = open_database(dbkit.KIT.new(tmp_path_factory.mktemp("tiny"), "demo"))
    demo.build_demo(database, "tiny", seed=5, today=dt.date(2026, 11, 18))
    yield database
    database.close()


def test_every_entity_and_field_of_the_demo_trail_reads_in_chinese(tiny_county: Database) -> None:
    with tiny_county.session() as s:
        pairs = {(e, f) for e, f in s.execute(select(AuditEntry.entity, AuditEntry.field).distinct())}
    assert len(pairs) > 20
    english = sorted((e, f, readable_entity(e), readable_field(e, f)) for e, f in pairs
                     if LATIN.search(readable_entity(e)) or LATIN.search(readable_field(e, f)))
    assert english == []


def test_fields_of_scores_periods_users_and_settings_are_named() -> None:
    assert readable_field("period", "state") == "状态"
    assert readable_field("score_item", "review_score") == "复核得分"
    assert readable_field("app_user", "role") == "角色"
    assert readable_field("setting", "county.name") == "县名"
    assert readable_field("setting", "no.such.key") == "no.such.key"  # a key from a newer version: as stored
    assert readable_field("period", "") == ""


def test_times_are_the_computers_local_time(shanghai: None) -> None:
    assert shown_time("2026-12-02T23:30:05Z") == "2026-12-03 07:30:05"
    assert shown_time("2026-12-03T15:59:59Z") == "2026-12-03 23:59:59"
    assert shown_time("昨天") == "昨天"  # not written by the app: shown as it is


def _admin_with_two_entries(db: Database) -> accounts.User:
    service = AccountService(db.session_factory)
    admin = service.create_first_admin("admin", "王管理", PW)
    with pytest.raises(accounts.LoginFailed):
        service.authenticate("admin", "wrong")
    return admin


def test_the_day_filter_is_the_local_day(shanghai: None, db: Database) -> None:
    admin = _admin_with_two_entries(db)
    # 07:30 on 3 December in Shanghai is 23:30 on 2 December in UTC; 23:59 local is 15:59 UTC the same day.
    dbkit.tamper(db, "UPDATE audit_entry SET at = '2026-12-02T23:30:00Z' WHERE action = '新建'",
                 "UPDATE audit_entry SET at = '2026-12-03T16:30:00Z' WHERE action = '登录失败'")
    day = dt.date(2026, 12, 3)
    with acting_as(admin):
        on_the_day = audit_lines(db.session_factory, AuditFilter(since=day, until=day))
        next_day = audit_lines(db.session_factory, AuditFilter(since=day + dt.timedelta(days=1),
                                                               until=day + dt.timedelta(days=1)))
    assert [e.action for e in on_the_day] == ["新建"]
    assert [e.action for e in next_day] == ["登录失败"]


def test_cli_audit_log_prints_local_times(shanghai: None, db: Database, paths: Path,
                                          capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _admin_with_two_entries(db)
    dbkit.tamper(db, "UPDATE audit_entry SET at = '2026-12-02T23:30:00Z' WHERE action = '新建'")
    db.close()
    monkeypatch.setenv("DANGJIAN_PASSWORD", PW)
    assert main(["audit", "log", "--data-dir", str(paths.data_dir), "--user", "admin", "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert "2026-12-03 07:30:00 " in out and "角色" in out
    assert "T23:30" not in out and "role" not in out


def test_a_settings_change_reads_as_one(db: Database) -> None:
    from app.services.app_settings import SettingsService

    SettingsService(db.session_factory).save({"county.name": "青山县"})
    with db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "setting")).one()
    assert (readable_entity(entry.entity), readable_field(entry.entity, entry.field)) == ("设置", "县名")
