"""The demo county's 通报, 约谈 and 整改: numbered and superseded 通报, interviews held with their record, 整改
items in every status (some overdue, raising 提醒), and an audit trail that still verifies."""

from __future__ import annotations

import datetime as dt

import dbkit
import pytest

from app.demo.county import build_demo
from app.models import RectificationStatus
from app.services import alerts as A
from app.services.audit import verify
from app.services.bulletin import BulletinService
from app.services.interview import InterviewService
from app.services.opening import open_database
from app.services.rectification import RectificationService, register_hooks

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, _template_db):
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    db = open_database(dbkit.KIT.place(_template_db, path))
    summary = build_demo(db, "tiny", seed=3, today=TODAY)
    yield db, summary
    db.close()


def test_bulletins_of_the_latest_months(demo):
    db, summary = demo
    views = BulletinService(db.session_factory).bulletins()
    assert summary.counts["已印发通报"] == len(views) == 4
    assert sorted(v.doc_number for v in views) == [f"示直工委〔2026〕{n}号" for n in range(1, 5)]
    assert [v.period_key for v in views if v.current] == ["2026-10", "2026-09", "2026-08"]
    superseded = [v for v in views if not v.current]
    assert len(superseded) == 1 and superseded[0].superseded_by is not None
    assert all(v.issued_on <= TODAY for v in views)


def test_interviews_and_rectification_in_every_status(demo):
    db, summary = demo
    interviews = InterviewService(db.session_factory).interviews()
    assert len(interviews) == summary.counts["约谈"] > 0
    held = [v for v in interviews if v.held]
    assert held and all(v.conversation and v.statement and v.deadline for v in held)
    # the interviews' 整改 (the 民主生活会's 问题清单 are 整改 too: app/demo/leadership.py)
    items = [v for v in RectificationService(db.session_factory, today=lambda: TODAY).items()
             if v.interview_id is not None]
    assert len(items) == summary.counts["整改事项"]
    statuses = {v.status for v in items}
    assert statuses == set(RectificationStatus)
    assert all(v.measure for v in items)
    closed = [v for v in items if v.status == RectificationStatus.CLOSED]
    assert all(v.close_note and v.closed_on and v.closed_on <= TODAY for v in closed)


def test_overdue_items_raise_alerts_and_the_trail_verifies(demo):
    db, _summary = demo
    register_hooks()
    alerts = [a for a in A.AlertService(db.session_factory, today=lambda: TODAY).alerts()
              if a.kind == "rectification_overdue"]
    overdue = RectificationService(db.session_factory, today=lambda: TODAY).items(status=RectificationStatus.OVERDUE)
    assert len(alerts) == len(overdue) > 0
    report = verify(db.session_factory)
    assert report.ok, report.findings[:3]
