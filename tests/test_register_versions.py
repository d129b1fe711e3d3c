"""Two clients editing the same register record: a save made from a form that read the record before the other
client's save is refused, saying who changed what and when; the form reloads and saves again."""

from __future__ import annotations

import datetime as dt

import frozen
import pytest

from app.errors import ConcurrentChangeError
from app.models import MemberStatus, OrgKind, Role
from app.services.accounts import Actor, acting_as
from app.services.idcard import make_id
from app.services.register import MemberInput, OrgInput, RegisterService, UnitInput

LI = Actor(2, "li", "李四", Role.ADMIN)
WANG = Actor(3, "wang", "王五", Role.ADMIN)


@pytest.fixture
def two(db, second_db):
    return (RegisterService(db.session_factory, today=frozen.today),
            RegisterService(second_db.session_factory, today=frozen.today))


@pytest.fixture
def records(two):
    reg, _ = two
    unit = reg.save_unit(UnitInput("县财政局"))
    org = reg.save_org(OrgInput(unit, "县财政局机关支部", OrgKind.BRANCH, established_on=dt.date(2010, 3, 1),
                                term_start=dt.date(2024, 6, 1)))
    member = reg.save_member(MemberInput(org, "张三", MemberStatus.FULL,
                                         id_number=make_id("430102", dt.date(1980, 5, 1), 1),
                                         joined_on=dt.date(2005, 7, 1)))
    return unit, org, member


def test_stale_member_save_is_refused_with_who_and_what(two, records) -> None:
    mine, theirs = two
    _, _, member = records
    form = mine.member_input(member)
    read = mine.version_of("member", member)
    other = theirs.member_input(member)
    other.position, other.phone = "科长", "13800138000"
    with acting_as(LI):
        theirs.save_member(other, member, expected_version=theirs.version_of("member", member))
    form.note = "我的修改"
    with acting_as(WANG), pytest.raises(ConcurrentChangeError) as refused:
        mine.save_member(form, member, expected_version=read)
    message = str(refused.value)
    assert "党员“张三”在您打开后已被他人修改" in message and "您这次的保存未执行" in message
    assert "李四（li） 于" in message and "职务" in message and "联系电话" in message
    assert mine.member_input(member).note == ""  # nothing of the refused save was written
    assert mine.member_input(member).position == "科长"
    # Reloaded, the form saves.
    form = mine.member_input(member)
    form.note = "我的修改"
    with acting_as(WANG):
        mine.save_member(form, member, expected_version=mine.version_of("member", member))
    assert theirs.member_input(member).note == "我的修改" and theirs.member_input(member).position == "科长"


def test_stale_unit_and_org_saves_are_refused(two, records) -> None:
    mine, theirs = two
    unit, org, _ = records
    unit_read, org_read = mine.version_of("unit", unit), mine.version_of("party_org", org)
    u = theirs.unit_input(unit)
    u.contact_person = "赵六"
    o = theirs.org_input(org)
    o.note = "换届"
    with acting_as(LI):
        theirs.save_unit(u, unit, expected_version=unit_read)
        theirs.save_org(o, org, expected_version=org_read)
    with pytest.raises(ConcurrentChangeError, match="单位“县财政局”在您打开后已被他人修改"):
        mine.save_unit(mine.unit_input(unit), unit, expected_version=unit_read)
    with pytest.raises(ConcurrentChangeError, match="党组织“县财政局机关支部”.*\n李四（li） 于 .*备注"):
        mine.save_org(mine.org_input(org), org, expected_version=org_read)


def test_a_save_that_changes_nothing_leaves_other_forms_valid(two, records) -> None:
    mine, theirs = two
    _, _, member = records
    read = mine.version_of("member", member)
    theirs.save_member(theirs.member_input(member), member, expected_version=read)
    assert mine.version_of("member", member) == read
    form = mine.member_input(member)
    form.position = "主任"
    mine.save_member(form, member, expected_version=read)
    assert mine.version_of("member", member) == read + 1


def test_callers_without_a_version_are_not_checked(two, records) -> None:
    mine, theirs = two
    _, _, member = records
    form = mine.member_input(member)
    other = theirs.member_input(member)
    other.position = "科长"
    theirs.save_member(other, member)
    form.note = "导入"
    mine.save_member(form, member)  # the CLI and the import: the last save wins, as before
    assert mine.member_input(member).note == "导入"


def test_the_version_is_not_a_change_in_the_audit_trail(db, two, records) -> None:
    from sqlalchemy import select

    from app.models import AuditEntry

    mine, _ = two
    _, _, member = records
    form = mine.member_input(member)
    form.position = "主任"
    mine.save_member(form, member, expected_version=1)
    with db.session() as s:
        fields = s.scalars(select(AuditEntry.field).where(AuditEntry.entity == "member",
                                                          AuditEntry.action == "修改")).all()
    assert fields == ["position"]
