"""The demo county's organisation life and 发展党员: valid by the services' own rules, with realistic gaps."""

import datetime as dt
from collections import Counter

import dbkit
import pytest

from app.demo.county import build_demo
from app.models import RecruitStageKind
from app.services import compliance as C
from app.services.alerts import AlertService, counts
from app.services.opening import open_database
from app.services.orglife import OrgLifeService
from app.services.recruit import RecruitService

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, _template_db):
    """Built once for the module (the tests only read it)."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    db = open_database(dbkit.KIT.place(_template_db, path))
    build_demo(db, "tiny", seed=3, today=TODAY)
    yield db
    db.close()


def test_every_demo_record_passes_the_services_rules(demo):
    svc = OrgLifeService(demo.session_factory, today=lambda: TODAY)
    ids = svc.record_ids()
    assert len(ids) > 300
    kinds = Counter(r.kind for r in svc.record_rows(ids))
    assert {"主题党日", "支委会", "支部党员大会", "党课", "组织生活会", "民主评议党员", "党组听取机关党委汇报"} <= {k.label for k in kinds}
    with demo.session_factory() as s:
        for rid in ids[::5]:  # a fifth of them, of every kind: the file stays fast
            problems = svc.validate_record(s, svc.record_input(rid))
            assert problems == [], (rid, problems)


def test_demo_has_gaps_and_late_records_but_mostly_compliance(demo):
    with demo.session() as s:
        rates = C.monthly_rates(s, 2026, range(1, 11))
        october = C.evaluate(s, 2026, 10)
    assert all(0.5 < r.rate < 1.0 for r in rates)
    assert {f.status for f in october} >= {C.MISSING}
    alerts = AlertService(demo.session_factory, today=lambda: TODAY).alerts()
    c = counts(alerts)
    assert c["meeting_missing"] > 0 and c["community_unregistered"] > 0 and c["recruit_rule"] >= 1


def test_demo_recruits_at_every_stage_with_history(demo):
    svc = RecruitService(demo.session_factory, today=lambda: TODAY)
    per_stage = svc.counts()
    assert all(per_stage[stage] >= 1 for stage in RecruitStageKind)
    probationary = next(r for r in svc.rows(RecruitStageKind.PROBATIONARY))
    detail = svc.detail(probationary.id)
    assert detail.member_id is not None and [h.stage for h in detail.history][-1] == RecruitStageKind.PROBATIONARY
    assert detail.activist_on is not None and detail.candidate_on is not None
    assert detail.candidate_on >= detail.activist_on.replace(year=detail.activist_on.year + 1)
