"""A small county for the organisation-life, compliance, recruit and alert tests (built through the services)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.models import MemberStatus, OrgKind, OrgPostKind
from app.services.idcard import make_id
from app.services.register import MemberInput, OrgInput, PostInput, RegisterService, UnitInput

TODAY = dt.date(2026, 11, 25)
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周丽", "吴刚", "徐涛", "孙燕"]


@dataclass
class Branch:
    unit_id: int
    org_id: int
    members: list[int] = field(default_factory=list)
    committee: list[int] = field(default_factory=list)  # 书记, 组织委员, 宣传委员
    leader: int | None = None


def make_branch(reg: RegisterService, unit_name: str = "县财政局", size: int = 8, committee: int = 3,
                seq_base: int = 100, registered: bool = True) -> Branch:
    """A 党支部 of `size` 正式党员; the first `committee` hold posts since 2024; the last is a 党员领导干部."""
    unit = reg.save_unit(UnitInput(unit_name, party_secretary="李明"))
    org = reg.save_org(OrgInput(unit, f"中共示范县{unit_name}机关支部委员会", OrgKind.BRANCH,
                                established_on=dt.date(2010, 3, 1), term_start=dt.date(2024, 6, 1)))
    b = Branch(unit, org)
    for i in range(size):
        born = dt.date(1975 + i, 3, 1 + i)
        mid = reg.save_member(MemberInput(
            org, NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else str(i)), MemberStatus.FULL,
            id_number=make_id("430102", born, seq_base + i), joined_on=dt.date(2005, 7, 1),
            is_leader=(i == size - 1), community_registered=registered,
            community_name="城关社区" if registered else "",
        ))
        b.members.append(mid)
    b.leader = b.members[-1]
    kinds = [OrgPostKind.SECRETARY, OrgPostKind.ORGANISATION, OrgPostKind.PUBLICITY, OrgPostKind.DISCIPLINE,
             OrgPostKind.DEPUTY_SECRETARY]
    for i in range(committee):
        reg.save_post(PostInput(org, kinds[i], b.members[i], dt.date(2024, 6, 1)))
        b.committee.append(b.members[i])
    return b
