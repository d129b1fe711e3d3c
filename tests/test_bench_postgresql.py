"""The PostgreSQL benchmark's concurrency part (benchmarks/bench_postgresql.py), run small: spawned clients save
scores on a tiny county's open month, and the benchmark's own checks must find every save in the database and
the trail, and the chain intact; and those checks must notice a save that is missing or was changed behind the
app's back (otherwise the benchmark's "no lost update" would prove nothing)."""

from __future__ import annotations

import sys
from pathlib import Path

import dbkit
import pytest
from scoring_support import make_county

from app.services.opening import open_database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `benchmarks` from the checkout
from benchmarks.bench_postgresql import ClientReport, check_concurrency, run_concurrency  # noqa: E402

pytestmark = pytest.mark.server_only


@pytest.fixture
def county_url(database_kit: dbkit.DatabaseKit, tmp_path: Path) -> str:
    """A new database on the server with three units and an open (draft) month."""
    url = str(database_kit.new(tmp_path))
    db = open_database(url)
    try:
        county = make_county(db, n=3)
        county.month(2026, 3)
    finally:
        db.close()
    return url


def test_two_clients_saving_for_three_seconds_lose_no_update_and_keep_the_chain(county_url: str) -> None:
    result = run_concurrency(county_url, clients=2, seconds=3, sheets=3, seed=1)

    assert result.errors == []
    assert all(sum(r.saves.values()) > 0 for r in result.reports)  # both clients really saved
    assert result.lost == []
    assert result.verify.ok, [str(f) for f in result.verify.findings]
    assert not result.forked
    assert len(result.save_ms) == result.saves + result.conflicts


def test_the_checks_notice_a_save_that_is_missing_or_was_changed(county_url: str) -> None:
    result = run_concurrency(county_url, clients=1, seconds=1, sheets=3, seed=2)
    report = result.reports[0]
    assert report.deductions and result.lost == []
    claimed = ClientReport(report.client, saves=report.saves.copy(), deductions=dict(report.deductions),
                           self_scores=list(report.self_scores))
    claimed.deductions[999_999] = (1, "从未保存的扣分")
    claimed.saves["add"] += 1

    lost = check_concurrency(county_url, 1, 1, 3, [claimed]).lost
    assert any("999999" in line for line in lost)
    assert any("审计日志记录" in line for line in lost)

    changed = next(iter(report.deductions))
    db = open_database(county_url)
    try:
        dbkit.tamper(db, f"UPDATE deduction SET reason = '被改动' WHERE id = {changed}")
    finally:
        db.close()
    again = check_concurrency(county_url, 1, 1, 3, [report])
    assert any(f"扣分{changed}" in line and "被改动" in line for line in again.lost)
    assert not again.verify.ok
