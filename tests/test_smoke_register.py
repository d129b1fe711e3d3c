import datetime as dt

from app.models import MemberStatus, OrgKind
from app.services.idcard import make_id
from app.services.register import MemberInput, OrgInput, RegisterService, UnitInput


def test_register_round_trip(db):
    reg = RegisterService(db.session_factory)
    u = reg.save_unit(UnitInput("县财政局"))
    o = reg.save_org(OrgInput(u, "县财政局机关党支部", OrgKind.BRANCH, term_start=dt.date(2024, 1, 1)))
    m = reg.save_member(MemberInput(o, "张三", MemberStatus.FULL, id_number=make_id("430102", dt.date(1980, 5, 1), 11),
                                    joined_on=dt.date(2005, 7, 1)))
    assert reg.member_ids("zs") == [m]
    assert reg.org_input(o).term_end == dt.date(2027, 1, 1)
