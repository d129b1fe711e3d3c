"""The register's rules (DOMAIN.md), enforced by the service whatever the caller."""

import datetime as dt

import pytest

from app.errors import NotFoundError, ValidationError
from app.models import Gender, MemberStatus, OrgKind, OrgPostKind
from app.services.idcard import make_id
from app.services.register import MemberInput, OrgInput, PostInput, RegisterService, UnitInput

TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def reg(db):
    return RegisterService(db.session_factory, today=lambda: TODAY)


@pytest.fixture
def branch(reg):
    unit = reg.save_unit(UnitInput("县财政局", party_secretary="李明"))
    return reg.save_org(OrgInput(unit, "中共示范县财政局机关支部委员会", OrgKind.BRANCH,
                                 established_on=dt.date(2010, 3, 1), term_start=dt.date(2024, 6, 1)))


def member(org, name="张三", seq=1, status=MemberStatus.FULL, joined=dt.date(2005, 7, 1), **kw):
    born = kw.pop("birth", dt.date(1980, 5, 1))
    return MemberInput(org, name, status, id_number=make_id("430102", born, seq), joined_on=joined, **kw)


def problems(exc):
    return {p.field: p.message for p in exc.value.problems}


def test_member_saved_with_birth_date_and_gender_from_id(reg, branch):
    mid = reg.save_member(member(branch))
    saved = reg.member_input(mid)
    assert saved.birth_date == dt.date(1980, 5, 1)
    assert saved.gender == Gender.MALE  # sequence 001: the 17th digit 1 is odd
    assert reg.member_rows([mid])[0].id_masked == "43***************" + reg.member_input(mid).id_number[-1:]


def test_wrong_check_digit_refused_on_its_field(reg, branch):
    data = member(branch)
    data.id_number = data.id_number[:17] + ("0" if data.id_number[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        reg.save_member(data)
    assert "校验位" in problems(exc)["id_number"]


def test_duplicate_id_number_refused(reg, branch):
    reg.save_member(member(branch, "张三", seq=5))
    with pytest.raises(ValidationError) as exc:
        reg.save_member(member(branch, "李四", seq=5))
    assert "重复" in problems(exc)["id_number"]


def test_birth_date_must_match_id(reg, branch):
    data = member(branch)
    data.birth_date = dt.date(1981, 5, 1)
    with pytest.raises(ValidationError) as exc:
        reg.save_member(data)
    assert "与身份证号不符" in problems(exc)["birth_date"]


def test_dates_out_of_order_refused(reg, branch):
    with pytest.raises(ValidationError) as exc:
        reg.save_member(member(branch, joined=dt.date(1995, 1, 1)))  # 14 years old
    assert "年满18周岁" in problems(exc)["joined_on"]
    with pytest.raises(ValidationError) as exc:
        reg.save_member(member(branch, joined=dt.date(2005, 7, 1), full_member_on=dt.date(2006, 1, 1)))
    assert "预备期满" in problems(exc)["full_member_on"]
    with pytest.raises(ValidationError) as exc:
        reg.save_member(member(branch, joined=TODAY + dt.timedelta(days=1)))
    assert "晚于今天" in problems(exc)["joined_on"]


def test_probationary_member_has_probation_end_and_no_full_date(reg, branch):
    mid = reg.save_member(member(branch, status=MemberStatus.PROBATIONARY, joined=dt.date(2026, 3, 10)))
    assert reg.probation_end_of(mid) == dt.date(2027, 3, 10)
    with pytest.raises(ValidationError) as exc:
        reg.save_member(member(branch, seq=2, status=MemberStatus.PROBATIONARY, joined=dt.date(2026, 3, 10),
                               full_member_on=dt.date(2026, 10, 1)))
    assert "转正日期" in problems(exc)["full_member_on"]
    with pytest.raises(ValidationError) as exc:
        reg.save_member(member(branch, seq=3, status=MemberStatus.FULL, joined=dt.date(2026, 3, 10)))
    assert "预备党员" in problems(exc)["status"]


def test_extension_must_be_six_to_twelve_months(reg, branch):
    data = member(branch, status=MemberStatus.PROBATIONARY, joined=dt.date(2026, 3, 10))
    data.probation_extension_months = 3
    with pytest.raises(ValidationError) as exc:
        reg.save_member(data)
    assert "6至12个月" in problems(exc)["probation_extension_months"]
    data.probation_extension_months = 6
    mid = reg.save_member(data)
    assert reg.probation_end_of(mid) == dt.date(2027, 9, 10)


def test_community_registration_needs_a_community(reg, branch):
    with pytest.raises(ValidationError) as exc:
        reg.save_member(member(branch, community_registered=True))
    assert "社区" in problems(exc)["community_name"]


def test_every_problem_reported_at_once(reg, branch):
    data = MemberInput(branch, "", MemberStatus.FULL, id_number="123", phone="12", joined_on=None)
    with pytest.raises(ValidationError) as exc:
        reg.save_member(data)
    assert set(problems(exc)) >= {"name", "id_number", "phone", "joined_on"}


def test_org_tree_rules(reg, branch):
    unit = reg.save_unit(UnitInput("县教育局"))
    committee = reg.save_org(OrgInput(unit, "县教育局机关党委", OrgKind.ORGAN_COMMITTEE, term_start=dt.date(2022, 1, 1)))
    assert reg.org_input(committee).term_end == dt.date(2027, 1, 1)  # 基层党委 5 years
    sub = reg.save_org(OrgInput(unit, "县教育局第一支部", OrgKind.BRANCH, parent_id=committee))
    with pytest.raises(ValidationError) as exc:
        reg.save_org(OrgInput(unit, "支部下的支部", OrgKind.BRANCH, parent_id=sub))
    assert "党支部下不能设党支部" in problems(exc)["parent_id"]
    with pytest.raises(ValidationError) as exc:
        reg.save_org(OrgInput(unit, "县教育局机关党委", OrgKind.BRANCH))
    assert "同名" in problems(exc)["name"]
    with pytest.raises(ValidationError) as exc:
        reg.save_org(OrgInput(unit, "新支部", OrgKind.BRANCH, term_start=dt.date(2024, 1, 1), term_end=dt.date(2023, 1, 1)))
    assert "晚于开始" in problems(exc)["term_end"]
    with pytest.raises(ValidationError) as exc:
        reg.save_org(OrgInput(unit, "县教育局机关党委", OrgKind.BRANCH, parent_id=sub), org_id=committee)
    assert "本组织或其下级" in problems(exc)["parent_id"]
    with pytest.raises(ValidationError):
        reg.delete_org(committee)  # has a child
    tree = {u.name: u for u in reg.tree()}
    assert [o.name for o in tree["县教育局"].orgs] == ["县教育局机关党委"]
    assert [c.name for c in tree["县教育局"].orgs[0].children] == ["县教育局第一支部"]


def test_posts_and_findings(reg, branch):
    ids = [reg.save_member(member(branch, f"党员{i}", seq=i)) for i in range(1, 8)]
    detail = reg.org_detail(branch)
    kinds = {f.kind for f in detail.findings}
    assert "needs_committee" in kinds  # 7 正式党员 and no committee
    reg.save_post(PostInput(branch, OrgPostKind.SECRETARY, ids[0], dt.date(2023, 6, 1)))
    reg.save_post(PostInput(branch, OrgPostKind.ORGANISATION, ids[1], dt.date(2023, 6, 1)))
    reg.save_post(PostInput(branch, OrgPostKind.PUBLICITY, None, dt.date(2026, 5, 1)))  # vacant since May
    detail = reg.org_detail(branch)
    assert [f.kind for f in detail.findings] == ["vacancy"]
    assert "宣传委员" in detail.findings[0].message
    with pytest.raises(ValidationError) as exc:
        reg.save_post(PostInput(branch, OrgPostKind.SECRETARY, ids[2], dt.date(2024, 1, 1)))
    assert "已有现任书记" in problems(exc)["kind"]


def test_probationary_member_cannot_hold_a_post(reg, branch):
    mid = reg.save_member(member(branch, status=MemberStatus.PROBATIONARY, joined=dt.date(2026, 3, 10)))
    with pytest.raises(ValidationError) as exc:
        reg.save_post(PostInput(branch, OrgPostKind.SECRETARY, mid, dt.date(2026, 4, 1)))
    assert "预备党员" in problems(exc)["member_id"]


def test_term_overdue_and_ending(reg):
    unit = reg.save_unit(UnitInput("县水利局"))
    old = reg.save_org(OrgInput(unit, "县水利局支部", OrgKind.BRANCH, term_start=dt.date(2022, 11, 1)))
    assert reg.org_detail(old).term_status == "已超期未换届"
    soon = reg.save_org(OrgInput(unit, "县水利局第二支部", OrgKind.BRANCH, term_start=dt.date(2023, 12, 20)))
    assert reg.org_detail(soon).term_status == "即将到期"
    kinds = {(name, f.kind) for _, name, f in reg.all_findings()}
    assert ("县水利局支部", "term_overdue") in kinds
    assert ("县水利局第二支部", "term_ending") in kinds


def test_transfer_keeps_history_and_ends_posts(reg, branch):
    mid = reg.save_member(member(branch))
    unit = reg.save_unit(UnitInput("县审计局"))
    other = reg.save_org(OrgInput(unit, "县审计局支部", OrgKind.BRANCH))
    post = reg.save_post(PostInput(branch, OrgPostKind.SECRETARY, mid, dt.date(2020, 1, 1)))
    reg.transfer_member(mid, dt.date(2025, 3, 1), other)
    assert reg.member_input(mid).org_id == other
    assert reg.transfers_of(mid) == [(dt.date(2025, 3, 1), "县内转接", "中共示范县财政局机关支部委员会", "县审计局支部")]
    assert reg.org_detail(branch).current_posts == []
    with pytest.raises(ValidationError) as exc:
        reg.transfer_member(mid, dt.date(2024, 1, 1), branch)
    assert "不能早于" in problems(exc)["moved_on"]
    reg.transfer_member(mid, dt.date(2025, 6, 1), None, external_org="外省某党支部")
    assert reg.member_ids() == []
    assert reg.member_ids(include_left=True) == [mid]
    assert post


def test_moving_by_editing_is_refused(reg, branch):
    mid = reg.save_member(member(branch))
    unit = reg.save_unit(UnitInput("县审计局"))
    other = reg.save_org(OrgInput(unit, "县审计局支部", OrgKind.BRANCH))
    data = reg.member_input(mid)
    data.org_id = other
    with pytest.raises(ValidationError) as exc:
        reg.save_member(data, mid)
    assert "组织关系转接" in problems(exc)["org_id"]


def test_search_by_name_initials_org_and_whole_id(reg, branch):
    a = reg.save_member(member(branch, "张三", seq=1))
    b = reg.save_member(member(branch, "李四", seq=2, birth=dt.date(1975, 2, 3)))
    assert reg.member_ids("zs") == [a]
    assert reg.member_ids("张") == [a]
    assert set(reg.member_ids("财政局")) == {a, b}
    b_id = reg.member_input(b).id_number
    assert reg.member_ids(b_id) == [b]
    assert reg.member_ids(b_id.lower()) == [b]
    # Fragments find nobody: searching digit by digit would read back the number the list masks.
    assert reg.member_ids("19750203") == reg.member_ids(b_id[:17]) == reg.member_ids(b_id[-4:]) == []
    assert reg.member_ids("zs 财政") == [a]
    assert reg.member_ids("不存在的人") == []
    assert reg.member_ids("%") == []  # a literal percent sign, not a wildcard
    assert reg.member_ids("_") == []


def test_unknown_ids_raise_not_found(reg):
    with pytest.raises(NotFoundError):
        reg.member_input(999)
    with pytest.raises(NotFoundError):
        reg.org_detail(999)


def test_unit_rules(reg):
    reg.save_unit(UnitInput("县统计局"))
    with pytest.raises(ValidationError) as exc:
        reg.save_unit(UnitInput(" 县统计局 "))
    assert "同名" in problems(exc)["name"]
    with pytest.raises(ValidationError) as exc:
        reg.save_unit(UnitInput("县信访局", contact_phone="abc"))
    assert "电话" in problems(exc)["contact_phone"]


def test_full_width_id_is_stored_in_ascii_and_found_as_a_duplicate(reg, branch):
    data = member(branch)
    ascii_id = data.id_number
    data.id_number = "".join(chr(ord(c) + 0xFEE0) for c in ascii_id)  # as a Chinese input method types it
    mid = reg.save_member(data)
    assert reg.member_input(mid).id_number == ascii_id
    with pytest.raises(ValidationError) as exc:
        reg.save_member(member(branch, "李四"))
    assert "重复" in problems(exc)["id_number"]


def test_texts_longer_than_the_register_holds_are_refused_in_chinese(db) -> None:
    # SQLite would keep them; a server refuses the whole save with a database error: say which field, in Chinese.
    reg = RegisterService(db.session_factory)
    with pytest.raises(ValidationError) as unit_refused:
        reg.save_unit(UnitInput("县财政局", short_name="财" * 41, contact_person="张" * 41))
    said = {p.field: p.message for p in unit_refused.value.problems}
    assert said == {"short_name": "简称不能超过40个字", "contact_person": "联系人不能超过40个字"}
    unit = reg.save_unit(UnitInput("县财政局", short_name="财" * 40))
    org = reg.save_org(OrgInput(unit, "中共县财政局机关支部委员会", OrgKind.BRANCH))
    with pytest.raises(ValidationError) as member_refused:
        reg.save_member(MemberInput(org, "张三", MemberStatus.FULL, ethnicity="族" * 21, position="职" * 61,
                                    joined_on=dt.date(2010, 7, 1), full_member_on=dt.date(2011, 7, 1)))
    said = {p.field: p.message for p in member_refused.value.problems}
    assert said == {"ethnicity": "民族不能超过20个字", "position": "职务不能超过60个字"}
