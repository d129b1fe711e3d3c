"""Issue 15, part 4: a mistaken member removed with the reason (in the register trail, `audit verify` still
完好), a member who left marked 出党/去世/转出, and records without 身份证号/性别/出生日期 flagged."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.cli import main
from app.errors import NotFoundError, ValidationError
from app.models import AuditEntry, Gender, MemberStatus, OrgKind, OrgPostKind, TransferKind
from app.services import alerts as A
from app.services.audit import verify
from app.services.idcard import make_id
from app.services.register import (
    MemberInput,
    OrgInput,
    PostInput,
    RegisterService,
    UnitInput,
    missing_identity,
)

TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def reg(db):
    return RegisterService(db.session_factory, today=lambda: TODAY)


@pytest.fixture
def branch(reg):
    unit = reg.save_unit(UnitInput("县财政局"))
    return reg.save_org(OrgInput(unit, "县财政局机关支部", OrgKind.BRANCH, term_start=dt.date(2024, 6, 1)))


def member(org, name="张三", seq=1, **kw) -> MemberInput:
    return MemberInput(org, name, MemberStatus.FULL, id_number=make_id("430102", dt.date(1980, 5, 1), seq),
                       joined_on=dt.date(2005, 7, 1), **kw)


def trail(db, entity: str, entity_id: int) -> list[AuditEntry]:
    with db.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
                              .order_by(AuditEntry.seq)))


def test_a_mistaken_member_is_removed_with_the_reason_and_verify_stays_whole(db, reg, branch, paths, capsys):
    keep = reg.save_member(member(branch))
    mistake = reg.save_member(member(branch, "张三丰", 2))
    other = reg.save_org(OrgInput(reg.units()[0][0], "县财政局第二支部", OrgKind.BRANCH))
    reg.transfer_member(mistake, dt.date(2025, 3, 1), other)  # its own history goes with it
    for blank in ("", "  "):
        with pytest.raises(ValidationError, match="请填写删除的理由"):
            reg.remove_member(mistake, blank)
    reg.remove_member(mistake, "  重复录入，与张三为同一人  ")
    assert reg.member_ids(include_left=True) == [keep]
    with pytest.raises(NotFoundError):
        reg.member_input(mistake)
    [deleted] = [e for e in trail(db, "member", mistake) if e.action == "删除"]
    assert deleted.reason == "删除误录党员：重复录入，与张三为同一人" and deleted.new is None
    assert '"name": "张三丰"' in deleted.old or "张三丰" in deleted.old
    assert [e.action for e in trail(db, "transfer", 1)] == ["新建", "删除"]
    assert verify(db.session_factory).ok
    db.close()
    assert main(["--data-dir", str(paths.data_dir), "audit", "verify"]) == 0
    assert "完好" in capsys.readouterr().out
    with pytest.raises(NotFoundError):
        RegisterService(db.session_factory).remove_member(9999, "不存在")


def test_a_member_the_records_name_is_not_deleted(db, reg, branch):
    mid = reg.save_member(member(branch))
    reg.save_post(PostInput(branch, OrgPostKind.SECRETARY, mid, dt.date(2024, 6, 1)))
    with pytest.raises(ValidationError, match="已有支委任职记录，不能删除；如该党员已离开，请登记出党、去世或转出"):
        reg.remove_member(mid, "误录")
    assert reg.member_ids() == [mid]


@pytest.mark.parametrize("kind", [TransferKind.DECEASED, TransferKind.EXPELLED])
def test_a_member_who_left_is_marked_and_kept_as_history(db, reg, branch, kind):
    mid = reg.save_member(member(branch))
    reg.save_post(PostInput(branch, OrgPostKind.SECRETARY, mid, dt.date(2024, 6, 1)))
    with pytest.raises(ValidationError, match="不能晚于今天"):
        reg.member_leaves(mid, kind, TODAY + dt.timedelta(days=1), "开除党籍")
    with pytest.raises(ValidationError, match="不能早于"):
        reg.member_leaves(mid, kind, dt.date(2005, 6, 30), "开除党籍")
    if kind == TransferKind.EXPELLED:
        with pytest.raises(ValidationError, match="请填写出党的情形"):
            reg.member_leaves(mid, kind, dt.date(2026, 10, 8), "")
    reg.member_leaves(mid, kind, dt.date(2026, 10, 8), "开除党籍（县纪委〔2026〕3号）" if kind == TransferKind.EXPELLED else "")
    assert reg.member_ids() == [] and reg.member_ids(include_left=True) == [mid]
    assert reg.transfers_of(mid) == [(dt.date(2026, 10, 8), kind.value, "县财政局机关支部", "")]
    assert reg.org_detail(branch).current_posts == []  # the post ended that day
    with pytest.raises(ValidationError, match="已转出或不在册"):
        reg.member_leaves(mid, TransferKind.DECEASED, dt.date(2026, 11, 1))
    with pytest.raises(ValidationError, match="请选择出党、去世或转出"):
        reg.member_leaves(mid, TransferKind.INTERNAL, dt.date(2026, 11, 1))
    changes = [e for e in trail(db, "member", mid) if e.action == "修改"]
    assert [(e.field, e.new) for e in changes] == [("left_on", "2026-10-08")]
    assert changes[0].reason.startswith(kind.value)
    assert verify(db.session_factory).ok


def test_leaving_out_of_the_county_is_a_transfer(db, reg, branch):
    mid = reg.save_member(member(branch))
    with pytest.raises(ValidationError, match="接收党组织"):
        reg.member_leaves(mid, TransferKind.OUT, dt.date(2026, 10, 8))
    reg.member_leaves(mid, TransferKind.OUT, dt.date(2026, 10, 8), "工作调动", external_org="市财政局机关支部")
    assert reg.transfers_of(mid) == [(dt.date(2026, 10, 8), "转出", "县财政局机关支部", "市财政局机关支部")]


def test_a_member_without_id_gender_or_birth_date_is_saved_and_flagged(db, reg, branch):
    bare = MemberInput(branch, "李四", MemberStatus.FULL, joined_on=dt.date(2005, 7, 1))
    assert missing_identity(bare) == ["身份证号", "性别", "出生日期"]
    assert missing_identity(member(branch)) == []  # the number gives the other two
    partial = MemberInput(branch, "王五", MemberStatus.FULL, joined_on=dt.date(2005, 7, 1), gender=Gender.FEMALE,
                          birth_date=dt.date(1980, 1, 1))
    assert missing_identity(partial) == ["身份证号"]
    bare_id = reg.save_member(bare)  # optional: an incomplete roster still goes in
    partial_id = reg.save_member(partial)
    reg.save_member(member(branch))
    gone = reg.save_member(MemberInput(branch, "赵六", MemberStatus.FULL, joined_on=dt.date(2005, 7, 1)))
    reg.member_leaves(gone, TransferKind.DECEASED, dt.date(2026, 1, 5))  # out of the register: not flagged

    with db.session() as s:
        found = A.incomplete_member_alerts(s)
    assert [(a.kind, a.subject, a.target, a.target_id, a.message) for a in found] == [
        ("member_incomplete", "李四", A.MEMBER, bare_id, "县财政局机关支部党员李四的信息不全：缺身份证号、性别、出生日期"),
        ("member_incomplete", "王五", A.MEMBER, partial_id, "县财政局机关支部党员王五的信息不全：缺身份证号"),
    ]
    everything = A.AlertService(db.session_factory, today=lambda: TODAY).alerts()
    assert {a.target_id for a in everything if a.kind == "member_incomplete"} == {bare_id, partial_id}
    assert A.counts(everything)["member_incomplete"] == 2 and A.KIND_LABELS["member_incomplete"] == "党员信息不全"
