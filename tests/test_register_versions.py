"""Two clients editing the same register record: a save made from a form that read the record before the other
client's save is refused, saying who changed what and when; the form reloads and saves again."""

from __future__ import annotations

import datetime as dt

import frozen
import pytest
from openpyxl import load_workbook

from app.errors import ConcurrentChangeError
from app.models import MemberStatus, OrgKind, Role, TransferKind
from app.services import excel_io
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


# ---------------------------------------------------------------------------------------------------------------
# the other paths that change a register row: a 转接, leaving the register, the Excel import


def _stale_form(mine, member):
    """A member's form opened now (its data and the version it read), with an edit of its own."""
    form = mine.member_input(member)
    form.note = "表单里的修改"
    return form, mine.version_of("member", member)


def test_a_transfer_in_between_refuses_the_open_form(two, records) -> None:
    mine, theirs = two
    unit, org, member = records
    other = theirs.save_org(OrgInput(unit, "县财政局第二支部", OrgKind.BRANCH, established_on=dt.date(2010, 3, 1)))
    form, read = _stale_form(mine, member)
    with acting_as(LI):
        theirs.transfer_member(member, frozen.today(), other)
    assert mine.version_of("member", member) == read + 1
    with acting_as(WANG), pytest.raises(ConcurrentChangeError) as refused:
        mine.save_member(form, member, expected_version=read)
    message = str(refused.value)
    assert "党员“张三”在您打开后已被他人修改" in message
    assert "李四（li） 于" in message and "办理了组织关系转接（县内转接）" in message and "所在党组织" in message
    now = mine.member_input(member)
    assert now.note == "" and now.org_id == other  # the refused save wrote nothing, the move stands


def test_leaving_the_register_in_between_refuses_the_open_form(two, records) -> None:
    mine, theirs = two
    _, _, member = records
    form, read = _stale_form(mine, member)
    with acting_as(LI):
        theirs.member_leaves(member, TransferKind.EXPELLED, frozen.today(), "开除党籍，依据县纪委决定")
    with acting_as(WANG), pytest.raises(ConcurrentChangeError) as refused:
        mine.save_member(form, member, expected_version=read)
    message = str(refused.value)
    assert "李四（li） 于" in message and "登记了出党" in message and "离开日期" in message
    assert "事由：出党：开除党籍，依据县纪委决定" in message
    assert mine.member_input(member).note == ""


def test_a_transfer_out_of_the_county_names_itself(two, records) -> None:
    mine, theirs = two
    _, _, member = records
    form, read = _stale_form(mine, member)
    with acting_as(LI):
        theirs.transfer_member(member, frozen.today(), None, "市财政局机关支部", note="工作调动")
    with pytest.raises(ConcurrentChangeError, match=r"办理了组织关系转出（转出县外）.*，事由：工作调动"):
        mine.save_member(form, member, expected_version=read)


def _exported(db, tmp_path, name: str):
    path = tmp_path / name
    excel_io.export_register(db.session_factory, path, reveal=True)
    return path


def _edit_cell(path, sheet: str, header: str, value) -> None:
    wb = load_workbook(path)
    ws = wb[sheet]
    col = [c.value for c in ws[1]].index(header) + 1
    ws.cell(row=2, column=col, value=value)
    wb.save(path)


def test_an_import_in_between_refuses_the_open_forms(db, tmp_path, two, records) -> None:
    mine, _ = two
    unit, org, member = records
    path = _exported(db, tmp_path, "名册.xlsx")
    _edit_cell(path, "单位", "联系人", "赵六")
    _edit_cell(path, "党组织", "备注", "换届")
    _edit_cell(path, "党员", "工作岗位/职务", "副局长")
    form, read = _stale_form(mine, member)
    unit_form, unit_read = mine.unit_input(unit), mine.version_of("unit", unit)
    org_form, org_read = mine.org_input(org), mine.version_of("party_org", org)
    with acting_as(LI):
        report = excel_io.import_register(db.session_factory, path, dry_run=False, today=frozen.today)
    assert report.applied and report.updated == 3, report.problems
    with acting_as(WANG), pytest.raises(ConcurrentChangeError) as refused:
        mine.save_member(form, member, expected_version=read)
    assert "李四（li） 于" in str(refused.value) and "职务" in str(refused.value)
    assert "事由：Excel导入：名册.xlsx" in str(refused.value)
    with pytest.raises(ConcurrentChangeError, match="单位“县财政局”在您打开后已被他人修改.*\n.*联系人"):
        mine.save_unit(unit_form, unit, expected_version=unit_read)
    with pytest.raises(ConcurrentChangeError, match="党组织“县财政局机关支部”.*\n.*备注"):
        mine.save_org(org_form, org, expected_version=org_read)
    assert mine.member_input(member).note == "" and mine.member_input(member).position == "副局长"
    assert mine.unit_input(unit).contact_person == "赵六"


def test_an_import_that_changes_nothing_keeps_the_versions(db, tmp_path, two, records) -> None:
    mine, _ = two
    unit, org, member = records
    path = _exported(db, tmp_path, "名册.xlsx")
    before = [mine.version_of(e, i) for e, i in (("unit", unit), ("party_org", org), ("member", member))]
    form, read = _stale_form(mine, member)
    report = excel_io.import_register(db.session_factory, path, dry_run=False, today=frozen.today)
    assert report.applied and report.updated == 0 and report.created == 0, report.problems
    assert [mine.version_of(e, i) for e, i in (("unit", unit), ("party_org", org), ("member", member))] == before
    mine.save_member(form, member, expected_version=read)  # the open form still saves
    assert mine.member_input(member).note == "表单里的修改"


def test_an_import_that_moves_a_member_names_the_transfer(db, tmp_path, two, records) -> None:
    mine, theirs = two
    unit, _, member = records
    theirs.save_org(OrgInput(unit, "县财政局第二支部", OrgKind.BRANCH, established_on=dt.date(2010, 3, 1)))
    path = _exported(db, tmp_path, "调整.xlsx")
    _edit_cell(path, "党员", "所在党组织", "县财政局第二支部")
    form, read = _stale_form(mine, member)
    with acting_as(LI):
        report = excel_io.import_register(db.session_factory, path, dry_run=False, today=frozen.today)
    assert report.applied, report.problems
    assert mine.version_of("member", member) == read + 1  # the row's change and its move: one step
    with pytest.raises(ConcurrentChangeError, match=r"李四（li） 于 .*办理了组织关系转接（县内转接）"):
        mine.save_member(form, member, expected_version=read)


def test_a_death_registered_in_between_is_named_without_repeating_itself(two, records) -> None:
    mine, theirs = two
    _, _, member = records
    form, read = _stale_form(mine, member)
    with acting_as(LI):
        theirs.member_leaves(member, TransferKind.DECEASED, frozen.today())
    with pytest.raises(ConcurrentChangeError) as refused:
        mine.save_member(form, member, expected_version=read)
    said = str(refused.value).splitlines()[1]
    assert said.startswith("李四（li） 于 ") and said.endswith("登记了去世（修改了离开日期）")  # no 事由：去世
