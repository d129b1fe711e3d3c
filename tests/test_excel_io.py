"""The register in Excel: template, import (every bad input), re-import, export and the CLI."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import dbkit
import frozen
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.cli import main
from app.errors import DangjianError, FieldProblem, ImportFileError, OperationCancelled
from app.models import AuditEntry, Gender, Member, MemberStatus, OrgKind, PartyOrg, Role, Transfer, Unit
from app.services import audit, excel_io
from app.services.accounts import Actor, acting_as
from app.services.idcard import make_id
from app.services.register import MemberInput, OrgInput, RegisterService, UnitInput

TODAY = frozen.today()


def id_for(birth: dt.date, seq: int = 11, *, ending: str | None = None) -> str:
    """A valid 身份证号; `ending` picks a sequence whose check character is that one (e.g. "X")."""
    for n in range(seq, seq + 1000):
        number = make_id("430102", birth, n)
        if ending is None or number.endswith(ending):
            return number
    raise AssertionError("no such number")


ZHANG = id_for(dt.date(1980, 5, 1), ending="X")  # male (odd 17th digit or not: derived below)
LI = id_for(dt.date(1990, 6, 2), 22)
ZHAO = id_for(dt.date(1975, 1, 9), 33)

UNITS = [
    {"单位名称": "县财政局", "简称": "财政局", "单位类别": "党政机关", "联系电话": "0731-12345678", "排序号": 1},
    {"单位名称": "县教育局", "排序号": 2},
]
ORGS = [
    {"党组织名称": "中共县财政局机关委员会", "所属单位": "县财政局", "组织类别": "机关党委",
     "成立日期": dt.date(2001, 7, 1), "本届任期开始日期": dt.date(2022, 3, 1)},
    {"党组织名称": "县财政局第一支部", "所属单位": "县财政局", "组织类别": "党支部",
     "上级党组织": "中共县财政局机关委员会", "本届任期开始日期": "2023/3/1"},
    {"党组织名称": "县教育局机关支部", "所属单位": "县教育局", "组织类别": "党支部", "本届任期开始日期": "2023年3月1日"},
]


def member(**over: Any) -> dict[str, Any]:
    row = {"姓名": "张三", "民族": "汉族", "公民身份号码": ZHANG.lower(), "联系电话": "13800138000", "学历": "大学本科",
           "所在单位": "县财政局", "所在党组织": "县财政局第一支部", "人员类别": "正式党员", "入党日期": "2005.07.01",
           "转正日期": dt.date(2006, 7, 1), "工作岗位/职务": "科长", "是否党员领导干部": "是", "是否到社区报到": "否"}
    row.update(over)
    return row


MEMBERS = [
    member(),
    member(姓名="李四", 公民身份号码=LI, 联系电话="", 所在单位="", 人员类别="预备党员",
           入党日期=TODAY - dt.timedelta(days=100), 转正日期=None, 是否党员领导干部="否", 是否到社区报到="是",
           报到社区="城东社区", 报到日期="2024-01-01"),
    member(姓名="王五", 公民身份号码="", 性别="女", 出生日期=dt.date(1970, 3, 3), 联系电话="", 所在单位="县教育局",
           所在党组织="县教育局机关支部", 入党日期="1995年7月1日", 转正日期="1996-07-01"),
]


def fill(path: Path, units: list[dict] = UNITS, orgs: list[dict] = ORGS, members: list[dict] = MEMBERS) -> Path:
    """The import template, filled in with openpyxl the way an office fills it in Excel."""
    excel_io.write_template(path)
    wb = load_workbook(path)
    for title, rows in (("单位", units), ("党组织", orgs), ("党员", members)):
        ws = wb[title]
        headers = [c.value for c in ws[1]]
        for row in rows:
            assert set(row) <= set(headers), set(row) - set(headers)
            ws.append([row.get(h) for h in headers])
    wb.save(path)
    return path


def plain_book(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def counts(db) -> tuple[int, int, int]:
    with db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Unit, PartyOrg, Member))  # type: ignore[return-value]


def only(report, column: str) -> FieldProblem:
    found = [p for p in report.problems if p.column == column]
    assert len(found) == 1, report.problems
    return found[0]


@pytest.fixture
def imported(db, tmp_path):
    path = fill(tmp_path / "register.xlsx")
    report = excel_io.import_register(db.session_factory, path, dry_run=False)
    assert report.ok and report.applied, report.problems
    return path


# ---------------------------------------------------------------------------------------------------------------
# the template


def test_template_has_the_three_sheets_with_headers_dropdowns_and_text_id_column(tmp_path):
    path = tmp_path / "模板.xlsx"
    excel_io.write_template(path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["单位", "党组织", "党员", "说明"]
    ws = wb["党员"]
    headers = [c.value for c in ws[1]]
    assert headers[:5] == ["姓名", "性别", "民族", "出生日期", "公民身份号码"]
    for h in ("所在单位", "所在党组织", "人员类别", "入党日期", "转正日期", "工作岗位/职务", "是否党员领导干部",
              "是否到社区报到", "报到社区", "报到日期", "备注"):
        assert h in headers
    id_col = ws.cell(1, headers.index("公民身份号码") + 1).column_letter
    assert ws.column_dimensions[id_col].number_format == "@"  # typed numbers stay text, not 4.30102E+17
    date_col = ws.cell(1, headers.index("入党日期") + 1).column_letter
    assert ws.column_dimensions[date_col].number_format == "yyyy-mm-dd"
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert '"男,女"' in lists and '"正式党员,预备党员"' in lists and '"是,否"' in lists
    kinds = {dv.formula1 for dv in wb["党组织"].data_validations.dataValidation}
    assert '"机关党委,党总支,党支部,联合支部"' in kinds
    assert ws.cell(1, headers.index("公民身份号码") + 1).comment is not None
    notes = [r[0] for r in wb["说明"].iter_rows(values_only=True) if r and r[0]]
    assert any("身份证" in str(n) for n in notes)
    assert ws.max_row == 1  # no example rows that could be imported by mistake


def test_template_round_trip_fills_the_register(db, imported):
    reg = RegisterService(db.session_factory)
    assert counts(db) == (2, 3, 3)
    with db.session() as s:
        zhang = s.scalar(select(Member).where(Member.name == "张三"))
        assert zhang.id_number == ZHANG  # lower-case x normalised
        assert zhang.birth_date == dt.date(1980, 5, 1)  # from the 身份证号
        assert zhang.gender is not None and zhang.joined_on == dt.date(2005, 7, 1)
        assert zhang.is_leader and not zhang.community_registered and zhang.name_initials == "zs"
        li = s.scalar(select(Member).where(Member.name == "李四"))
        assert li.status == MemberStatus.PROBATIONARY and li.community_name == "城东社区"
        assert li.community_registered_on == dt.date(2024, 1, 1)
        wang = s.scalar(select(Member).where(Member.name == "王五"))
        assert wang.id_number is None and wang.gender == Gender.FEMALE and wang.joined_on == dt.date(1995, 7, 1)
        branch = s.scalar(select(PartyOrg).where(PartyOrg.name == "县财政局第一支部"))
        assert branch.parent.name == "中共县财政局机关委员会" and branch.kind == OrgKind.BRANCH
        assert branch.term_end == dt.date(2026, 3, 1)  # 3-year term computed like the form does
        top = branch.parent
        assert top.term_end == dt.date(2027, 3, 1) and top.established_on == dt.date(2001, 7, 1)
    assert reg.member_ids("zs")


# ---------------------------------------------------------------------------------------------------------------
# re-import


def test_reimport_of_the_same_file_duplicates_nobody(db, imported):
    report = excel_io.import_register(db.session_factory, imported, dry_run=False)
    assert report.ok and report.applied
    assert (report.created, report.updated, report.unchanged) == (0, 0, 8)
    assert counts(db) == (2, 3, 3)


def test_reimport_updates_changed_fields_only(db, tmp_path, imported):
    changed = [member(联系电话="13900000000"), *MEMBERS[1:]]
    report = excel_io.import_register(db.session_factory, fill(tmp_path / "b.xlsx", members=changed), dry_run=False)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 7)
    with db.session() as s:
        assert s.scalar(select(Member.phone).where(Member.name == "张三")) == "13900000000"
    assert counts(db) == (2, 3, 3)


def test_member_without_id_is_matched_by_name_and_org_and_may_get_an_id(db, tmp_path, imported):
    zhao_id = id_for(dt.date(1970, 3, 3), 44, ending=None)
    while int(zhao_id[16]) % 2:  # 王五 is 女: an even 17th digit
        zhao_id = id_for(dt.date(1970, 3, 3), int(zhao_id[14:17]) + 1)
    rows = [*MEMBERS[:2], {**MEMBERS[2], "公民身份号码": zhao_id}]
    report = excel_io.import_register(db.session_factory, fill(tmp_path / "c.xlsx", members=rows), dry_run=False)
    assert report.ok and report.updated == 1 and report.created == 0
    with db.session() as s:
        assert s.scalar(select(Member.id_number).where(Member.name == "王五")) == zhao_id
    assert counts(db) == (2, 3, 3)


def test_a_member_in_another_org_is_moved_with_a_transfer(db, tmp_path, imported):
    rows = [member(所在单位="县教育局", 所在党组织="县教育局机关支部"), *MEMBERS[1:]]
    report = excel_io.import_register(db.session_factory, fill(tmp_path / "d.xlsx", members=rows), dry_run=False)
    assert report.ok and report.updated == 1, report.problems
    with db.session() as s:
        zhang = s.scalar(select(Member).where(Member.name == "张三"))
        assert zhang.org.name == "县教育局机关支部"
        t = s.scalar(select(Transfer).where(Transfer.member_id == zhang.id))
        assert t.moved_on == TODAY and t.from_org_id != t.to_org_id
    assert counts(db) == (2, 3, 3)


def test_a_file_may_hold_only_members_of_orgs_already_registered(db, tmp_path, imported):
    path = plain_book(tmp_path / "members.xlsx", {"Sheet1": [
        ["县财政局党员花名册"],
        ["序号", " 姓 名 ", "身份证号", "所在支部", "党员类别", "入党时间", "转正时间"],
        [1, "赵六", ZHAO, "县财政局第一支部", "正式", "2000-07-01", "2001-07-01"],
    ]})
    report = excel_io.import_register(db.session_factory, path, dry_run=False)
    assert report.ok and report.created == 1, report.problems
    with db.session() as s:
        zhao = s.scalar(select(Member).where(Member.name == "赵六"))
        assert zhao.org.name == "县财政局第一支部" and zhao.full_member_on == dt.date(2001, 7, 1)


def test_headers_in_any_order_with_spaces_brackets_and_synonyms(db, tmp_path, imported):
    headers = ["入党 时间", "人员类别(正式党员/预备党员)", "延长预备期(月)", "所属党组织", "身份证号", "姓　名"]
    path = plain_book(tmp_path / "h.xlsx", {"党员信息": [
        headers,
        ["2000-07-01", "正式党员", None, "县财政局第一支部", ZHAO[:17] + "0", "赵六"],
        ["2001-07-01", "正式党员", "", "县财政局第一支部", ZHAO, "赵六"],
    ]})
    report = excel_io.import_register(db.session_factory, path, dry_run=True)
    p = only(report, "身份证号")  # the header as the file writes it
    assert (p.sheet, p.row) == ("党员信息", 2)
    assert [p.row for p in report.problems] == [2]


def test_a_joint_branch_may_gather_members_of_other_units(db, tmp_path):
    orgs = [*ORGS, {"党组织名称": "县财政局教育局联合支部", "所属单位": "县财政局", "组织类别": "联合支部"}]
    rows = [member(所在单位="县教育局", 所在党组织="县财政局教育局联合支部")]
    report = excel_io.import_register(db.session_factory, fill(tmp_path / "j.xlsx", orgs=orgs, members=rows),
                                      dry_run=False)
    assert report.ok, report.problems


# ---------------------------------------------------------------------------------------------------------------
# bad rows: reported with row, column and reason; nothing imported


def import_rows(db, tmp_path, **sheets: list[dict]) -> Any:
    path = fill(tmp_path / "bad.xlsx", **sheets)
    report = excel_io.import_register(db.session_factory, path, dry_run=False)
    assert not report.ok and not report.applied
    return report


def test_wrong_check_digit_is_reported_at_its_cell(db, tmp_path):
    wrong = ZHANG[:17] + ("1" if ZHANG[17] != "1" else "2")
    report = import_rows(db, tmp_path, members=[member(公民身份号码=wrong), *MEMBERS[1:]])
    p = only(report, "公民身份号码")
    assert (p.sheet, p.row) == ("党员", 2) and "校验位" in p.message
    assert str(p).startswith("“党员”表第2行“公民身份号码”列：")
    assert counts(db) == (0, 0, 0)  # the good rows are not imported either


def test_duplicate_id_within_the_file(db, tmp_path):
    report = import_rows(db, tmp_path, members=[*MEMBERS, member(姓名="张三丰")])
    p = only(report, "公民身份号码")
    assert p.row == 5 and "与第2行重复" in p.message
    assert counts(db) == (0, 0, 0)


def test_duplicate_id_against_the_register(db, tmp_path, imported):
    report = import_rows(db, tmp_path, members=[member(姓名="张小三")])
    p = only(report, "公民身份号码")
    assert "已登记党员“张三”" in p.message
    assert counts(db) == (2, 3, 3)


def checks_recorded(db) -> list[AuditEntry]:
    with db.session_factory() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "检查导入文件")))


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.VIEWER])
def test_a_role_that_sees_masked_numbers_cannot_confirm_a_guess_by_importing(db, tmp_path, imported, role):
    """A file of guessed numbers checked in a dry run answers, row by row, whose number each one is: a role that
    sees numbers masked is told only that a number is taken, and every such check is in the audit trail."""
    guesses = [member(姓名=f"王{i}", 公民身份号码=number) for i, number in
               enumerate([id_for(dt.date(1980, 5, 1), 13), ZHANG, LI])]
    path = fill(tmp_path / "guesses.xlsx", members=guesses)
    with acting_as(Actor(7, "li", "李某", role)):
        report = excel_io.import_register(db.session_factory, path, dry_run=True)
    taken = [p for p in report.problems if p.column == "公民身份号码"]
    assert [p.row for p in taken] == [3, 4]
    assert all("另一名已登记党员" in p.message and "张三" not in p.message and "李四" not in p.message for p in taken)
    [entry] = checks_recorded(db)
    assert (entry.who, entry.reason) == ("李某（li）", "试运行")
    assert entry.new == "guesses.xlsx：3行身份证号与登记簿比对"
    assert counts(db) == (2, 3, 3)  # the dry run itself changed nothing


def test_an_administrator_is_told_whose_number_it_is_and_not_recorded(db, tmp_path, imported):
    path = fill(tmp_path / "again.xlsx", members=[member(姓名="张小三")])
    with acting_as(Actor(1, "admin", "王管理", Role.ADMIN)):
        report = excel_io.import_register(db.session_factory, path, dry_run=True)
    assert "已登记党员“张三”" in only(report, "公民身份号码").message
    assert checks_recorded(db) == []


def test_dates_out_of_order(db, tmp_path):
    report = import_rows(db, tmp_path, members=[member(入党日期="2010-07-01", 转正日期="2009-07-01")])
    p = only(report, "转正日期")
    assert p.row == 2 and "转正日期" in p.message


def test_unknown_org_and_unit(db, tmp_path):
    report = import_rows(db, tmp_path, units=[], orgs=[
        {"党组织名称": "某支部", "所属单位": "县不存在局", "组织类别": "党支部"},
    ], members=[member(所在党组织="县无此支部", 所在单位="")])
    assert "不存在" in only(report, "所属单位").message
    p = only(report, "所在党组织")
    assert p.sheet == "党员" and "县无此支部" in p.message


def test_a_member_of_an_org_row_with_errors_points_at_that_row(db, tmp_path):
    orgs = [ORGS[0], {**ORGS[1], "组织类别": "小组"}, ORGS[2]]
    report = import_rows(db, tmp_path, orgs=orgs, members=[member()])
    assert "应为机关党委、党总支、党支部、联合支部之一" in only(report, "组织类别").message
    assert "有错误" in only(report, "所在党组织").message


def test_unit_does_not_match_the_org(db, tmp_path):
    report = import_rows(db, tmp_path, members=[member(所在单位="县教育局")])
    assert "属于“县财政局”" in only(report, "所在单位").message


def test_bad_cells_each_get_their_own_reason(db, tmp_path):
    report = import_rows(db, tmp_path, members=[
        member(入党日期="2020.13", 性别="男女", 是否党员领导干部="也许"),
        member(姓名="李四", 公民身份号码=LI, 转正日期="2021-02-30", 人员类别="积极分子"),
        member(姓名="", 公民身份号码=ZHAO),
    ])
    messages = {(p.row, p.column): p.message for p in report.problems}
    assert "年月不存在" in messages[(2, "入党日期")]  # a month alone is accepted (tests/test_office_roster.py)
    assert "男、女" in messages[(2, "性别")]
    assert "是" in messages[(2, "是否党员领导干部")]
    assert "不存在" in messages[(3, "转正日期")]
    assert "正式党员、预备党员" in messages[(3, "人员类别")]
    assert messages[(4, "姓名")] == "姓名不能为空"


def test_id_stored_as_a_number_is_refused_with_the_fix(db, tmp_path):
    report = import_rows(db, tmp_path, members=[member(公民身份号码=4.30102198005011e17)])
    assert "文本" in only(report, "公民身份号码").message


def test_org_cycle_and_duplicate_org_names(db, tmp_path):
    orgs = [*ORGS, {"党组织名称": "甲支部", "所属单位": "县教育局", "组织类别": "党支部", "上级党组织": "甲支部"},
            {**ORGS[2]}]
    report = import_rows(db, tmp_path, orgs=orgs, members=[])
    rows = {p.row: p.message for p in report.problems}
    assert "循环" in rows[5] and "与第4行重复" in rows[6]


def test_problems_come_sorted_by_sheet_and_row(db, tmp_path):
    report = import_rows(db, tmp_path, units=[*UNITS, {"单位名称": "县财政局"}],
                         members=[member(所在党组织="无"), member(姓名="李四", 公民身份号码="123")])
    keys = [(p.sheet, p.row) for p in report.problems]
    assert keys == [("单位", 4), ("党员", 2), ("党员", 3)]


# ---------------------------------------------------------------------------------------------------------------
# files that cannot be imported at all


def test_wrong_columns(db, tmp_path):
    path = plain_book(tmp_path / "wrong.xlsx", {"党员": [["编号", "名字", "部门"], [1, "张三", "财政"]]})
    with pytest.raises(ImportFileError, match="缺少必需的列：姓名、所在党组织、人员类别、入党日期"):
        excel_io.import_register(db.session_factory, path, dry_run=True)
    path = plain_book(tmp_path / "other.xlsx", {"Sheet1": [["编号", "名字"], [1, "张三"]]})
    with pytest.raises(ImportFileError, match="没有找到"):
        excel_io.import_register(db.session_factory, path, dry_run=True)


def test_same_column_twice_is_refused(db, tmp_path):
    path = plain_book(tmp_path / "twice.xlsx", {"党员": [["姓名", "所在党组织", "人员类别", "入党日期", "姓名"]]})
    with pytest.raises(ImportFileError, match="第A列和第E列"):
        excel_io.import_register(db.session_factory, path, dry_run=True)


def test_text_file_renamed_xlsx(db, tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_text("姓名,身份证号\n张三,430102198005010011\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="不是Excel"):
        excel_io.import_register(db.session_factory, path, dry_run=True)


def test_empty_file_and_missing_file(db, tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    with pytest.raises(ImportFileError, match="空的"):
        excel_io.import_register(db.session_factory, path, dry_run=True)
    with pytest.raises(ImportFileError, match="找不到文件"):
        excel_io.import_register(db.session_factory, tmp_path / "nope.xlsx", dry_run=True)


def test_headers_only(db, tmp_path):
    path = tmp_path / "t.xlsx"
    excel_io.write_template(path)
    with pytest.raises(ImportFileError, match="只有表头"):
        excel_io.import_register(db.session_factory, path, dry_run=True)
    empty = plain_book(tmp_path / "blank.xlsx", {"Sheet1": []})
    with pytest.raises(ImportFileError):
        excel_io.import_register(db.session_factory, empty, dry_run=True)


def test_corrupt_and_foreign_zip_files(db, tmp_path):
    good = fill(tmp_path / "good.xlsx")
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ImportFileError, match="损坏"):
        excel_io.import_register(db.session_factory, cut, dry_run=True)
    other = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    with pytest.raises(ImportFileError, match="不是有效的Excel"):
        excel_io.import_register(db.session_factory, other, dry_run=True)


def test_password_protected_and_old_xls(db, tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(ole + "EncryptionInfo".encode("utf-16-le") + b"\0" * 512)
    with pytest.raises(ImportFileError, match="密码"):
        excel_io.import_register(db.session_factory, locked, dry_run=True)
    old = tmp_path / "old.xlsx"
    old.write_bytes(ole + b"Workbook".ljust(512, b"\0"))
    with pytest.raises(ImportFileError, match=r"\.xls"):
        excel_io.import_register(db.session_factory, old, dry_run=True)


# ---------------------------------------------------------------------------------------------------------------
# dry run, progress, cancel


def test_dry_run_reports_and_changes_nothing(db, tmp_path):
    report = excel_io.import_register(db.session_factory, fill(tmp_path / "a.xlsx"), dry_run=True)
    assert report.ok and not report.applied
    assert (report.created, report.updated, report.unchanged) == (8, 0, 0)
    assert counts(db) == (0, 0, 0)


def test_progress_is_reported_and_cancel_leaves_the_database_untouched(db, tmp_path):
    path = fill(tmp_path / "a.xlsx")
    seen: list[tuple[int, int, str]] = []
    excel_io.import_register(db.session_factory, path, dry_run=False, progress=lambda *a: seen.append(a))
    assert seen and all(done <= total for done, total, _ in seen)
    path2 = fill(tmp_path / "b.xlsx", members=[member(姓名="新人", 公民身份号码=ZHAO, 所在党组织="县教育局机关支部",
                                                      所在单位="")])
    before = counts(db)
    with pytest.raises(OperationCancelled):
        excel_io.import_register(db.session_factory, path2, dry_run=False, cancelled=lambda: True)
    assert counts(db) == before


# ---------------------------------------------------------------------------------------------------------------
# export


def test_export_masks_personal_data_and_reimports_as_unchanged(db, tmp_path, imported):
    out = tmp_path / "导出.xlsx"
    rows = excel_io.export_register(db.session_factory, out)
    assert rows == 8
    wb = load_workbook(out)
    ws = wb["党员"]
    headers = [c.value for c in ws[1]]
    zhang = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "张三")
    id_cell = zhang[headers.index("公民身份号码")]
    assert id_cell.value == ZHANG[:2] + "*" * 15 + ZHANG[-1:] and id_cell.number_format == "@"
    assert zhang[headers.index("联系电话")].value == "138****8000"
    # The dates that bound the birth date show their month only; the day would narrow the 身份证号 down.
    assert zhang[headers.index("入党日期")].value == "2005-07-**"
    assert zhang[headers.index("出生日期")].value == f"{ZHANG[6:10]}-{ZHANG[10:12]}-**"
    assert ZHANG not in out.read_bytes().decode("latin-1")
    report = excel_io.import_register(db.session_factory, out, dry_run=False)
    assert report.ok and (report.created, report.updated, report.unchanged) == (0, 0, 8), report.problems
    with db.session() as s:
        assert s.scalar(select(Member.id_number).where(Member.name == "张三")) == ZHANG  # kept, not the mask
        assert s.scalar(select(Member.phone).where(Member.name == "张三")) == "13800138000"


def test_each_export_is_recorded_in_the_audit_trail(db, tmp_path, imported):
    excel_io.export_register(db.session_factory, tmp_path / "a.xlsx")
    excel_io.export_register(db.session_factory, tmp_path / "b.xlsx", reveal=True)
    with db.session() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "导出").order_by(AuditEntry.seq)).all()
        assert [(e.new, e.reason) for e in entries] == [
            ("3名党员（身份证号和电话已打码）", "导出到Excel文件“a.xlsx”"),
            ("3名党员（完整身份证号和电话）", "导出到Excel文件“b.xlsx”"),
        ]
    assert audit.verify(db.session_factory).findings == []



def exports_in_trail(db) -> list[tuple[str, str, str]]:
    with db.session() as s:
        return [(e.action, e.new, e.reason) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.action.like("导出%")).order_by(AuditEntry.seq))]


def test_the_export_is_recorded_before_its_file_exists(db, tmp_path, imported, monkeypatch):
    out = tmp_path / "full.xlsx"
    seen: list[tuple[bool, list[str]]] = []
    record = excel_io._record_export

    def spy(*args: Any, **kwargs: Any) -> None:
        seen.append((out.exists(), sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp"))))
        record(*args, **kwargs)

    monkeypatch.setattr(excel_io, "_record_export", spy)
    excel_io.export_register(db.session_factory, out, reveal=True)
    assert seen and seen[0][0] is False and len(seen[0][1]) == 1  # the workbook waits beside, not in place
    assert out.exists() and not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert exports_in_trail(db) == [("导出", "3名党员（完整身份证号和电话）", "导出到Excel文件“full.xlsx”")]


def _commit_fails(monkeypatch) -> None:
    """The audit entry's transaction cannot commit (a read-only database, a full disk)."""
    import sqlite3
    from contextlib import contextmanager

    from sqlalchemy.exc import OperationalError

    real = audit.unit_of_work

    @contextmanager
    def failing(session_factory, who=None):
        with real(session_factory, who) as (s, log):
            yield s, log
            raise OperationalError("COMMIT", {}, sqlite3.OperationalError("attempt to write a readonly database"))

    monkeypatch.setattr(excel_io.audit, "unit_of_work", failing)


@pytest.mark.parametrize("reveal", [True, False], ids=["revealed", "masked"])
def test_an_export_that_cannot_be_recorded_leaves_no_file(db, tmp_path, imported, monkeypatch, reveal):
    folder = tmp_path / "导出"
    folder.mkdir()
    _commit_fails(monkeypatch)
    with pytest.raises(DangjianError, match="无法在审计记录中登记本次导出（数据库文件只读），没有生成文件“full.xlsx”"):
        excel_io.export_register(db.session_factory, folder / "full.xlsx", reveal=reveal)
    assert list(folder.iterdir()) == []  # neither the file nor a temporary one
    assert exports_in_trail(db) == []


def test_cli_export_that_cannot_be_recorded_says_so_and_leaves_no_file(db, paths, tmp_path, imported, monkeypatch,
                                                                      capsys):
    out = tmp_path / "full.xlsx"
    _commit_fails(monkeypatch)
    assert main(["--data-dir", str(paths.data_dir), "export", str(out), "--reveal"]) != 0
    assert "没有生成文件“full.xlsx”" in capsys.readouterr().err
    assert not out.exists()


def _replace_fails(monkeypatch, error: OSError) -> None:
    real = excel_io.os.replace

    def replace(src: Any, dst: Any) -> None:
        if str(dst).endswith(".xlsx"):
            raise error
        real(src, dst)

    monkeypatch.setattr(excel_io.os, "replace", replace)


@pytest.mark.parametrize(("error", "kind", "why"), [
    (PermissionError(13, "Permission denied"), "OutputLockedError", "正被其他程序"),
    (OSError(28, "No space left on device"), "ReportError", "磁盘已满"),  # the OS's words said in Chinese
], ids=["locked", "full"])
def test_a_file_that_cannot_be_moved_into_place_is_named_in_the_trail(db, tmp_path, imported, monkeypatch, error,
                                                                       kind, why):
    out = tmp_path / "full.xlsx"
    out.write_bytes(b"the previous export")
    _replace_fails(monkeypatch, error)
    with pytest.raises(DangjianError, match="无法保存文件“full.xlsx”.*未生成文件") as caught:
        excel_io.export_register(db.session_factory, out, reveal=True)
    assert type(caught.value).__name__ == kind
    assert out.read_bytes() == b"the previous export"  # the old file as it was, no partial file beside it
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    trail = exports_in_trail(db)
    assert [a for a, _n, _r in trail] == ["导出", "导出未完成"]
    assert trail[1][1] == "未生成文件" and trail[1][2].startswith("文件“full.xlsx”未能保存：") and why in trail[1][2]
    assert audit.verify(db.session_factory).findings == []


def test_an_unwritable_folder_stops_the_export_before_anything_is_recorded(db, tmp_path, imported, monkeypatch):
    import os

    folder = tmp_path / "只读"
    folder.mkdir()
    folder.chmod(0o500)
    if os.geteuid() == 0:  # root writes into a read-only folder anyway: refuse as the file system would

        def refused(_target: Path) -> Any:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(excel_io, "temp_beside", refused)
    try:
        with pytest.raises(DangjianError, match="没有写入权限"):
            excel_io.export_register(db.session_factory, folder / "full.xlsx", reveal=True)
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)
    assert exports_in_trail(db) == []


def test_gui_export_whose_file_cannot_be_saved_tells_the_user_and_leaves_no_file(qtbot, db, paths, tmp_path,
                                                                                  imported, monkeypatch):
    from PySide6.QtWidgets import QMessageBox, QWidget

    from app.ui import excel_actions
    from app.ui.context import AppContext

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *_a, **_k: shown.append(text))
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *_a, **_k: shown.append(text))
    _replace_fails(monkeypatch, PermissionError(13, "Permission denied"))
    parent = QWidget()
    qtbot.addWidget(parent)
    out = tmp_path / "名册.xlsx"
    task = excel_actions.export_register(AppContext(paths, db), parent, out)
    assert task is not None
    qtbot.waitUntil(lambda: task.state != "running", timeout=10_000)
    assert task.state == "failed"
    assert len(shown) == 1 and "无法保存文件“名册.xlsx”" in shown[0] and "未生成文件" in shown[0]
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]

def test_full_export_reimports_as_unchanged_into_an_empty_register_too(db, tmp_path, imported, paths):
    out = tmp_path / "full.xlsx"
    excel_io.export_register(db.session_factory, out, reveal=True)
    ws = load_workbook(out)["党员"]
    assert ZHANG in [c.value for c in next(ws.iter_cols(min_col=5, max_col=5))]
    report = excel_io.import_register(db.session_factory, out, dry_run=False)
    assert report.ok and report.unchanged == 8
    # …and the same file builds the same register from nothing.
    from app.services.opening import open_database

    fresh = open_database(dbkit.KIT.new(tmp_path, "fresh"))
    try:
        report = excel_io.import_register(fresh.session_factory, out, dry_run=False)
        assert report.ok and report.created == 8, report.problems
        assert counts(fresh) == (2, 3, 3)
    finally:
        fresh.close()


def test_masked_export_cannot_create_members(db, tmp_path, imported, paths):
    out = tmp_path / "masked.xlsx"
    excel_io.export_register(db.session_factory, out)
    from app.services.opening import open_database

    fresh = open_database(dbkit.KIT.new(tmp_path, "fresh"))
    try:
        report = excel_io.import_register(fresh.session_factory, out, dry_run=True)
        assert not report.ok
        assert all(p.column in ("公民身份号码", "联系电话", "出生日期", "入党日期", "转正日期") for p in report.problems)
        assert all("打码" in p.message for p in report.problems)
        assert any(p.column == "出生日期" for p in report.problems)  # 王五 has no 身份证号: her dates are refused
    finally:
        fresh.close()


def test_export_replaces_atomically_and_leaves_no_temporary_file(db, tmp_path, imported):
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"old")
    excel_io.export_register(db.session_factory, out)
    assert load_workbook(out).sheetnames[:3] == ["单位", "党组织", "党员"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    with pytest.raises(OperationCancelled, match="没有写入文件"):
        excel_io.export_register(db.session_factory, tmp_path / "never.xlsx", cancelled=lambda: True)
    assert not (tmp_path / "never.xlsx").exists()
    assert [p.name for p in tmp_path.iterdir() if ".part" in p.name] == []


def test_export_to_a_missing_folder_is_a_clear_error(db, tmp_path):
    with pytest.raises(DangjianError, match="文件夹不存在"):
        excel_io.export_register(db.session_factory, tmp_path / "nope" / "x.xlsx")


def test_export_after_register_edits_shows_them(db, tmp_path):
    reg = RegisterService(db.session_factory)
    u = reg.save_unit(UnitInput("县审计局"))
    o = reg.save_org(OrgInput(u, "县审计局支部", OrgKind.BRANCH))
    reg.save_member(MemberInput(o, "钱七", MemberStatus.FULL, id_number=ZHAO, joined_on=dt.date(2000, 1, 1),
                                full_member_on=dt.date(2001, 1, 1)))
    out = tmp_path / "e.xlsx"
    assert excel_io.export_register(db.session_factory, out) == 3
    ws = load_workbook(out)["党员"]
    assert [c.value for c in ws[2]][:1] == ["钱七"]


# ---------------------------------------------------------------------------------------------------------------
# the command line


def test_cli_template_import_export(paths, tmp_path, capsys):
    data = ["--data-dir", str(paths.data_dir)]
    template = tmp_path / "模板"
    assert main(["template", str(template)]) == 0
    assert (tmp_path / "模板.xlsx").exists()

    bad = fill(tmp_path / "bad.xlsx", members=[member(公民身份号码=ZHANG[:17] + "0")])
    capsys.readouterr()
    assert main([*data, "import", str(bad)]) == 1
    out = capsys.readouterr()
    assert "“党员”表第2行“公民身份号码”列：身份证号校验位错误" in out.out
    assert "未导入任何数据" in out.err

    good = fill(tmp_path / "good.xlsx")
    assert main(["import", str(good), "--dry-run", *data]) == 0
    assert "检查通过" in capsys.readouterr().out
    assert main(["import", str(good), *data]) == 0
    assert "新增8条" in capsys.readouterr().out
    assert main([*data, "export", str(tmp_path / "out.xlsx")]) == 0
    assert "已导出8行" in capsys.readouterr().out

    text = tmp_path / "x.xlsx"
    text.write_text("hello", encoding="utf-8")
    assert main([*data, "import", str(text)]) == 2
    assert "错误：" in capsys.readouterr().err


def test_cli_help(capsys):
    for cmd in ("template", "import", "export"):
        with pytest.raises(SystemExit) as exc:
            main([cmd, "--help"])
        assert exc.value.code == 0
    assert "--dry-run" in capsys.readouterr().out
