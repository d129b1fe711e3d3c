"""The demo county's 单位填报 round for its draft month (app/demo/collection.py): some units back with their
自评, one file with errors, the rest late, in the board and the 提醒; the trail still verifies."""

from __future__ import annotations

import datetime as dt

import dbkit
import pytest
from sqlalchemy import select

from app.demo.county import build_demo
from app.models import ScoreItem, ScoreSheet
from app.services import alerts as A
from app.services import collection as C
from app.services.audit import verify

TODAY = dt.date(2026, 10, 20)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    from app.services.opening import open_database

    db = open_database(dbkit.KIT.new(tmp_path_factory.mktemp("demo")))
    build_demo(db, "tiny", seed=3, today=TODAY)
    yield db
    db.close()


def test_a_round_in_progress(county):
    service = C.CollectionService(county.session_factory, today=lambda: TODAY)
    board = service.board(2026, 10)
    states = [r.state for r in board]
    assert states.count(C.FAULTY) == 1
    assert states.count(C.RECEIVED) >= 2 and states.count(C.OVERDUE) >= 2
    assert set(states) == {C.RECEIVED, C.FAULTY, C.OVERDUE}
    assert board[0].deadline < TODAY
    faulty = next(r for r in board if r.state == C.FAULTY)
    assert any("超过该指标分值" in reason for reason in faulty.reasons)
    late = {a.subject for a in A.AlertService(county.session_factory, today=lambda: TODAY).alerts()
            if a.kind == "collection_overdue"}
    assert late == {r.unit for r in board if r.state in (C.OVERDUE, C.FAULTY)}


def test_the_returned_units_have_their_self_assessment(county):
    service = C.CollectionService(county.session_factory, today=lambda: TODAY)
    back = {r.unit_id for r in service.board(2026, 10) if r.state == C.RECEIVED}
    with county.session_factory() as s:
        rows = s.execute(select(ScoreSheet.unit_id, ScoreSheet.self_total, ScoreItem.self_score,
                                ScoreItem.review_score, ScoreItem.self_note)
                         .join(ScoreItem, ScoreItem.sheet_id == ScoreSheet.id)
                         .where(ScoreSheet.unit_id.in_(back), ScoreSheet.period.has(key="2026-10"))).all()
    assert all(r.self_score is not None and r.self_total is not None for r in rows)
    assert any(r.self_score != r.review_score and r.self_note for r in rows)
    report = verify(county.session_factory)
    assert report.ok, report.findings[:3]
