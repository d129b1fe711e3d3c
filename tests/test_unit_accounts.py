"""The 单位填报员: an account bound to one unit."""

from __future__ import annotations

import datetime as dt

import pytest
from documents_support import built as built
from documents_support import open_copy

from app.errors import DangjianError, NotFoundError, PermissionDenied
from app.models import OrgLifeKind, Role
from app.services.accounts import Actor, acting_as
from app.services.orglife import AttendanceInput, OrgLifeService, RecordFilter, RecordInput
from app.services.rectification import ItemInput, RectificationService
from app.services.register import RegisterService

DAY = dt.date(2026, 11, 12)


@pytest.fixture
def county(built, paths):
    c = open_copy(*built, paths)
    yield c
    c.db.close()


def test_smoke(county):
    sf = county.db.session_factory
    reg = RegisterService(sf)
    fin, edu = county.unit("县财政局"), county.unit("县教育局")
    life = OrgLifeService(sf, today=lambda: DAY)
    org_fin = reg.orgs(fin)[0][0]
    org_edu = reg.orgs(edu)[0][0]
    def rec(org):
        return RecordInput(OrgLifeKind.THEME_DAY, dt.date(2026, 11, 3), org, topic="学习",
                           attendance=[AttendanceInput(m.id) for m in life.roster(org, dt.date(2026, 11, 3))])
    r1 = life.save_record(rec(org_fin))
    r2 = life.save_record(rec(org_edu))
    me = Actor(90, "czj", "财政局填报", Role.UNIT_REPORTER, fin)
    with acting_as(me):
        print(reg.units(), reg.orgs(), life.record_ids())
        print(len(reg.member_ids()))
        with pytest.raises(DangjianError) as e:
            life.record_input(r2)
        print(e.value)
        sc = county.scoring
        print([ (s.unit_name, s.review_total) for s in sc.sheets(county.periods["2026-10"])])
