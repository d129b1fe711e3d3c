"""Ranking, tiers, 约谈 candidates, 环比 and distribution; the `dangjian ranking` command."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scoring_support import County, d, make_county

from app import settings as S
from app.cli import main
from app.errors import NotFoundError
from app.models import Tier
from app.services.ranking import RankingService, TierRules, competition_ranks, share, tiers


def test_ties_share_a_rank_and_the_next_rank_skips():
    assert competition_ranks([d("90"), d("95"), d("95"), d("80"), d("95")]) == [4, 1, 1, 5, 1]
    assert competition_ranks([d("88.5"), d("92.0"), d("92.0"), d("70.1")]) == [3, 1, 1, 4]
    assert competition_ranks([]) == []


@given(st.lists(st.integers(min_value=0, max_value=1050).map(lambda n: Decimal(n) / 10), max_size=60))
def test_ranking_is_consistent_with_totals(totals):
    ranks = competition_ranks(totals)
    assert len(ranks) == len(totals)
    for i, t in enumerate(totals):
        assert ranks[i] == 1 + sum(1 for u in totals if u > t)  # competition ranking, exactly
    # sorting by rank is sorting by total: the ranking is a permutation consistent with the totals
    by_rank = [t for _, t in sorted(zip(ranks, totals, strict=True), key=lambda p: p[0])]
    assert by_rank == sorted(totals, reverse=True)


def test_share_rounds_half_up():
    assert [share(n, 20) for n in (1, 2, 3, 5, 7, 8, 10, 300)] == [0, 0, 1, 1, 1, 2, 2, 60]


def test_tiers_top_and_bottom_fifth_and_below_80():
    totals = [d(x) for x in ("99", "97", "95", "93", "91", "90", "89", "88", "86", "85")]
    ranks = competition_ranks(totals)
    ts = tiers(totals, ranks, [False] * 10, TierRules())
    assert ts == [Tier.ADVANCED] * 2 + [Tier.MIDDLE] * 6 + [Tier.BACKWARD] * 2
    low = [d(x) for x in ("99", "97", "79.9", "93", "91", "90", "89", "88", "86", "85")]
    ts = tiers(low, competition_ranks(low), [False] * 10, TierRules())
    assert ts[2] == Tier.BACKWARD  # below 80 whatever the rank
    # a tie straddling a boundary stays 中间, so that no tier exceeds its share
    tied = [d(x) for x in ("99", "97", "97", "93", "91", "90", "89", "86", "86", "85")]
    ts = tiers(tied, competition_ranks(tied), [False] * 10, TierRules())
    assert ts == [Tier.ADVANCED] + [Tier.MIDDLE] * 8 + [Tier.BACKWARD]
    # a veto keeps a unit out of 先进
    ts = tiers(totals, ranks, [True] + [False] * 9, TierRules())
    assert ts[:3] == [Tier.MIDDLE, Tier.ADVANCED, Tier.MIDDLE]


@given(st.lists(st.integers(min_value=500, max_value=1050).map(lambda n: Decimal(n) / 10), min_size=1, max_size=60))
def test_tiers_follow_the_ranking(totals):
    ranks = competition_ranks(totals)
    ts = tiers(totals, ranks, [False] * len(totals), TierRules())
    order = {Tier.ADVANCED: 0, Tier.MIDDLE: 1, Tier.BACKWARD: 2}
    for i in range(len(totals)):
        for j in range(len(totals)):
            if totals[i] == totals[j]:
                assert ts[i] == ts[j]
            elif totals[i] > totals[j]:
                assert order[ts[i]] <= order[ts[j]]


@pytest.fixture
def county(db) -> County:
    return make_county(db, n=10)


# indicators worth whole points lost at −1 per occurrence, with their points: up to 25 points can be lost
ONE_POINT_INDICATORS = (("pol.deployment", 6), ("study.monthly", 5), ("life.theme_day", 4),
                        ("life.committee_meeting", 4), ("study.plan", 3), ("study.hours", 3))


def _score_month(county: County, month: int, losses: list[int]) -> int:
    """Unit i loses losses[i] whole points, spread over indicators that deduct 1 per occurrence."""
    pid = county.month(2026, month)
    for i, loss in enumerate(losses):
        for code, points in ONE_POINT_INDICATORS:
            if loss <= 0:
                break
            take = min(loss, points)
            county.deduct(pid, i, code, take)
            loss -= take
    return pid


def test_month_ranking_tiers_interviews_and_change(county, db):
    _score_month(county, 1, [0, 1, 2, 3, 4, 5, 6, 7, 8, 12])  # 10th: 88 → 后进 and last
    pid = _score_month(county, 2, [0, 0, 2, 3, 4, 5, 6, 7, 12, 18])
    r = RankingService(db.session_factory).month(2026, 2)
    assert (r.key, r.previous_key) == ("2026-02", "2026-01")
    assert [(x.unit, x.total, x.rank) for x in r.rows[:3]] == [
        ("县第1局", d("100.0"), 1), ("县第2局", d("100.0"), 1), ("县第3局", d("98.0"), 3)]
    assert [x.tier for x in r.rows] == [Tier.ADVANCED] * 2 + [Tier.MIDDLE] * 6 + [Tier.BACKWARD] * 2
    last = r.rows[-1]
    assert last.unit == "县第10局" and last.total == d("82.0") and last.interview
    assert last.reasons == ["处于后进档次且排名末位（第10名）", "连续2个月处于后进档次"]
    ninth = r.rows[-2]
    assert ninth.reasons == ["连续2个月处于后进档次"]  # 后进 in January too (rank 9 of 10)
    assert (ninth.previous_total, ninth.change, ninth.previous_rank, ninth.rank_change) == (
        d("92.0"), d("-4.0"), 9, 0)
    assert sum(x.interview for x in r.rows) == 2
    assert r.rows[1].categories["政治建设与责任落实"] == d("20.0")
    assert r.rows[2].categories["政治建设与责任落实"] == d("18.0")
    dist = r.distribution
    assert (dist.count, dist.highest, dist.lowest) == (10, d("100.0"), d("82.0"))
    assert dist.mean == d("94.3") and dist.previous_mean == d("95.2")
    assert dict(dist.bands)["95分及以上"] == 6 and sum(n for _, n in dist.bands) == 10
    assert dist.tiers == {Tier.ADVANCED: 2, Tier.MIDDLE: 6, Tier.BACKWARD: 2}
    assert pid == r.period_id


def test_low_scores_and_vetoes_make_interview_candidates(county, db):
    pid = _score_month(county, 3, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    from scoring_support import item_by_code

    veto_item = item_by_code(county.form(pid, 4), "disc.cases")
    county.scoring.set_veto(veto_item.id, True, "干部受到刑事处罚")
    county.deduct(pid, 7, "pol.deployment", 6)
    county.deduct(pid, 7, "work.criticised", 3)
    county.deduct(pid, 7, "org.dues", 10)
    county.deduct(pid, 7, "life.review_meeting", 2)
    county.deduct(pid, 7, "study.monthly", 5)  # 6 + 6 + 5 + 5 + 5 = 27 lost → 73
    county.deduct(pid, 8, "pol.deployment", 6)
    county.deduct(pid, 8, "work.criticised", 3)
    county.deduct(pid, 8, "org.dues", 10)
    county.deduct(pid, 8, "life.review_meeting", 2)
    county.deduct(pid, 8, "study.monthly", 5)
    county.deduct(pid, 8, "org.recruit", 4)  # 31 lost → 69
    r = RankingService(db.session_factory).month(2026, 3)
    by_unit = {x.unit: x for x in r.rows}
    assert by_unit["县第5局"].reasons == ["存在一票否决事项：违纪违法案件（干部受到刑事处罚）"]
    assert by_unit["县第5局"].tier == Tier.MIDDLE
    assert by_unit["县第9局"].reasons == ["处于后进档次且排名末位（第10名）", "总分69.0分，低于70分"]
    assert by_unit["县第8局"].tier == Tier.BACKWARD and not by_unit["县第8局"].interview
    # thresholds are settings
    with db.session_factory() as s, s.begin():
        S.set_value(s, S.INTERVIEW_BELOW, "75")
        S.set_value(s, S.INTERVIEW_VETO, False)
    r = RankingService(db.session_factory).month(2026, 3)
    by_unit = {x.unit: x for x in r.rows}
    assert by_unit["县第8局"].reasons == ["总分73.0分，低于75分"]
    assert not by_unit["县第5局"].interview


def test_latest_locked_month_and_missing_months(county, db):
    service = RankingService(db.session_factory)
    with pytest.raises(NotFoundError, match="还没有已锁定"):
        service.latest_locked()
    pid = _score_month(county, 1, [0] * 10)
    with pytest.raises(NotFoundError, match="2026年5月还没有考评"):
        service.month(2026, 5)
    county.review_all(pid)
    county.scoring.lock_period(pid)
    _score_month(county, 2, [1] * 10)
    assert service.latest_locked().key == "2026-01"
    trend = service.year_trend(2026, county.unit_ids[0])
    assert [(p.key, p.mean, p.unit_total) for p in trend] == [("2026-01", d("100.0"), d("100.0")),
                                                             ("2026-02", d("99.0"), d("99.0"))]


def test_cli_ranking_json_shape(county, paths, capsys):
    pid = _score_month(county, 1, [0, 1, 2, 3, 4, 5, 6, 7, 8, 25])
    county.review_all(pid)
    county.scoring.lock_period(pid)
    county.db.close()
    assert main(["--data-dir", str(paths.data_dir), "ranking", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"period", "state", "rows"}
    assert (out["period"], out["state"], len(out["rows"])) == ("2026-01", "已锁定", 10)
    row = out["rows"][-1]
    assert set(row) == {"unit", "total", "categories", "rank", "tier", "interview", "reasons"}
    assert row["unit"] == "县第10局" and row["total"] == 75.0 and row["rank"] == 10
    assert row["tier"] == "后进" and row["interview"] is True and row["reasons"] == ["处于后进档次且排名末位（第10名）"]
    assert isinstance(row["categories"]["政治建设与责任落实"], float) and len(row["categories"]) == 7
    assert [r["tier"] for r in out["rows"]].count("先进") == 2
    assert main(["--data-dir", str(paths.data_dir), "ranking", "2026-01"]) == 0
    text = capsys.readouterr().out
    assert "2026年1月考评排名（已锁定）" in text and "县第10局" in text
    assert main(["--data-dir", str(paths.data_dir), "ranking", "2026-13"]) == 2
    assert "格式不对" in capsys.readouterr().err
