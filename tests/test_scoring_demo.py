"""The demo county's year of scored months (app/demo/scores.py)."""

from __future__ import annotations

import datetime as dt

import dbkit
import pytest
from sqlalchemy import func, select

from app.demo.county import build_demo
from app.models import AuditEntry, Deduction, IndicatorScheme, PeriodState
from app.services.audit import verify
from app.services.ranking import RankingService
from app.services.scoring import ScoringService

TODAY = dt.date(2026, 10, 20)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    from app.services.opening import open_database

    db = open_database(dbkit.KIT.new(tmp_path_factory.mktemp("demo")))
    build_demo(db, "small", seed=7, today=TODAY)
    yield db
    db.close()


def test_a_year_of_months_the_last_still_a_draft(county):
    periods = ScoringService(county.session_factory).periods()
    assert [p.key for p in periods] == [f"2026-{m:02d}" for m in range(10, 0, -1)] + ["2025-12", "2025-11"]
    assert periods[0].state == PeriodState.DRAFT and periods[0].reviewed == 0
    assert all(p.state == PeriodState.LOCKED and p.reviewed == p.sheets == 40 for p in periods[1:])
    with county.session_factory() as s:
        frozen = {sc.year: sc.frozen for sc in s.scalars(select(IndicatorScheme))}
    assert frozen == {2025: True, 2026: True}


def test_the_trail_verifies_and_every_deduction_has_a_reason(county):
    report = verify(county.session_factory)
    assert report.ok, report.findings[:3]
    with county.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == report.entries > 1000
        reasons = list(s.scalars(select(Deduction.reason)))
    assert len(reasons) > 300 and all(r.strip() for r in reasons)
    assert all("{" not in r for r in reasons)  # every template filled in
    assert any("月未召开支委会" in r for r in reasons)


def test_the_ranking_shows_tiers_and_interview_candidates(county):
    ranking = RankingService(county.session_factory).month(2026, 9)
    totals = [r.total for r in ranking.rows]
    assert 70 < min(totals) < 90 and max(totals) >= 98
    assert ranking.interviews
    assert any("连续2个月处于后进档次" in reason for r in ranking.rows for reason in r.reasons)
    assert all(r.change is not None for r in ranking.rows)
    form = ScoringService(county.session_factory).form(ranking.rows[-1].sheet_id)
    assert any(i.deductions for i in form.items)


def test_months_scored_are_the_last_twelve_and_in_january_the_whole_year_before() -> None:
    from app.demo.scores import demo_months

    keys = lambda today: [f"{m:%Y-%m}" for m in demo_months(today)]  # noqa: E731
    assert keys(dt.date(2026, 10, 20)) == [f"2025-{m:02d}" for m in (11, 12)] + [f"2026-{m:02d}" for m in range(1, 11)]
    assert keys(dt.date(2026, 12, 31)) == [f"2026-{m:02d}" for m in range(1, 13)]
    # January: the 述职评议 season of the year just ended; all of it, then this month's draft
    assert keys(dt.date(2027, 1, 10)) == [f"2026-{m:02d}" for m in range(1, 13)] + ["2027-01"]
    assert keys(dt.date(2028, 2, 29)) == [f"2027-{m:02d}" for m in range(3, 13)] + ["2028-01", "2028-02"]

