"""Office rosters as they are (issue 13, part 9): a finance bureau's 党员花名册 with a merged title, a 填报 line, the
header on row 3, month-only dates in every spelling offices use, formal organisation names, education as 本科/大专,
padded names, and a 合计 / 填表人 / 审核人 / 制表 footer — checked, imported, shown and exported as a new user expects."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import frozen
import pytest
from dateutil.relativedelta import relativedelta
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from app.cli import main
from app.models import Member, MemberStatus, OrgKind, PartyOrg
from app.services import excel_io
from app.services.idcard import id_gender, make_id, month_text
from app.services.register import MemberInput, OrgInput, RegisterService, UnitInput

TODAY = frozen.today()
TITLE = "县财政局党员花名册"
HEADERS = ["序号", "姓名", "性别", "民族", "出生年月", "公民身份号码", "学历", "入党时间", "转正时间", "工作岗位及职务",
           "联系电话", "所在党组织", "党员类别", "籍贯"]
HEADER_ROW = 3
FORMAL = ("中共县财政局机关支部委员会", "县财政局机关党支部", "中共县财政局第二支部委员会")
EDUCATION = ("本科", "大专", "研究生", "大学本科", "中专", "硕士研究生", "大学专科学历", "高中")
EDUCATION_IS = ("大学本科", "大学专科", "研究生", "大学本科", "中专", "研究生", "大学专科", "高中")
NAMES = ["张　三", "李 四", "王五", "赵　六", "钱七", "孙　八", "周九", "吴十", "郑一", "冯二", "陈三", "褚四", "卫五",
         "蒋六", "沈七", "韩八", "杨九", "朱十", "秦一", "尤二", "许三", "何四", "吕五", "施六", "孔七", "曹八", "严九",
         "华十", "金一", "魏二", "陶三", "姜四"]
MONTH_FORMAT = 'yyyy"年"m"月"'


class MonthCellValue:
    """A date typed as 1992-03 that Excel turned into a date cell shown as 1992年3月."""

    def __init__(self, month: dt.date) -> None:
        self.month = month


def written(month: dt.date, style: int) -> Any:
    """A month as offices write it, in one of seven spellings (and Excel's readings of them)."""
    return (f"{month:%Y.%m}", f"{month:%Y-%m}", f"{month.year}年{month.month}月", f"{month:%Y%m}",
            int(f"{month:%Y%m}"), float(f"{month.year}.{month.month:02d}"), MonthCellValue(month))[style % 7]


def people() -> list[dict[str, Any]]:
    """32 members: 30 正式党员 (joined 25 years after their birth month) and two 预备党员 who joined lately."""
    out = []
    recent = (TODAY - relativedelta(months=3)).replace(day=1)
    for i, name in enumerate(NAMES):
        birth = dt.date(1960 + i, i % 12 + 1, i % 27 + 1)
        number = make_id("430102", birth, 100 + i)
        probationary = i >= 30
        joined = recent if probationary else dt.date(birth.year + 25, (i * 5) % 12 + 1, 1)
        out.append({
            "序号": i + 1, "姓名": name, "性别": id_gender(number), "民族": "汉族",
            "出生年月": written(birth.replace(day=1), i) if i % 8 else birth,  # every eighth a full date
            "公民身份号码": number, "学历": EDUCATION[i % len(EDUCATION)],
            "入党时间": written(joined, i + 1), "转正时间": None if probationary else written(joined.replace(year=joined.year + 1), i + 2),
            "工作岗位及职务": "预算股股长" if i % 3 == 0 else "科员", "联系电话": f"139{i:08d}",
            "所在党组织": FORMAL[i % 3], "党员类别": "预备党员" if probationary else "正式党员", "籍贯": "湖南长沙",
        })
    return out


def roster(path: Path, rows: list[dict[str, Any]], *, footer: bool = True) -> Path:
    """The bureau's own workbook: merged title, 填报 line, header on row 3, members, then the footer."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    last = len(HEADERS)
    ws.cell(1, 1, TITLE)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    ws.cell(2, 1, "填报单位：县财政局机关党委（盖章）        填报时间：2026年11月")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last)
    for c, header in enumerate(HEADERS, 1):
        ws.cell(HEADER_ROW, c, header)
    for r, person in enumerate(rows, HEADER_ROW + 1):
        for c, header in enumerate(HEADERS, 1):
            value = person.get(header)
            if isinstance(value, MonthCellValue):
                cell = ws.cell(r, c, dt.datetime(value.month.year, value.month.month, 1))
                cell.number_format = MONTH_FORMAT
            else:
                ws.cell(r, c, value)
    if footer:
        end = HEADER_ROW + len(rows)
        ws.cell(end + 1, 1, f"合计：{len(rows)}人")
        ws.merge_cells(start_row=end + 1, start_column=1, end_row=end + 1, end_column=3)
        ws.cell(end + 2, 1, "填表人：李会计")
        ws.cell(end + 2, 5, "审核人：王主任")
        ws.cell(end + 2, 9, "联系电话：0731-12345678")
        ws.cell(end + 3, 1, "审核人：刘局长")
        ws.cell(end + 4, 1, "制表：县财政局机关党委办公室")
    wb.save(path)
    return path


@pytest.fixture
def register(db):
    """The bureau and its organisations as registered: the short names, not the formal ones of the roster."""
    reg = RegisterService(db.session_factory, today=frozen.today)
    finance = reg.save_unit(UnitInput("县财政局"))
    committee = reg.save_org(OrgInput(finance, "县财政局机关党委", OrgKind.ORGAN_COMMITTEE))
    reg.save_org(OrgInput(finance, "县财政局机关党支部", OrgKind.BRANCH, parent_id=committee))
    reg.save_org(OrgInput(finance, "县财政局第二党支部", OrgKind.BRANCH, parent_id=committee))
    tax = reg.save_unit(UnitInput("县税务局"))
    reg.save_org(OrgInput(tax, "县税务局机关党支部", OrgKind.BRANCH))
    reg.save_org(OrgInput(tax, "中共县税务局机关支部委员会", OrgKind.BRANCH))  # two that a loose name fits
    return reg


def members(db) -> list[Member]:
    with db.session() as s:
        return list(s.scalars(select(Member).order_by(Member.id)))


def test_dry_run_reports_footers_columns_and_no_member_named_after_the_total(db, register, tmp_path):
    path = roster(tmp_path / "花名册.xlsx", people())
    report = excel_io.import_register(db.session_factory, path, dry_run=True)
    assert report.ok, [str(p) for p in report.problems]
    assert report.created == 32 and not report.applied
    end = HEADER_ROW + 32
    notes = "\n".join(report.notes)
    assert f"“Sheet1”表第{end + 1}行“合计：32人”是表尾，已跳过" in report.notes
    assert f"第{end + 2}行“填表人：李会计 审核人：王主任 联系电话：0731-12345678”是表尾" in notes
    assert f"第{end + 3}行“审核人：刘局长”是表尾" in notes and f"第{end + 4}行“制表：" in notes
    assert "“Sheet1”表未导入的列：籍贯（登记簿无此项）" in report.notes  # 序号 numbers rows; 职务 and 出生年月 import
    assert "所在党组织“中共县财政局机关支部委员会”按系统中的“县财政局机关党支部”导入" in report.notes
    assert "所在党组织“中共县财政局第二支部委员会”按系统中的“县财政局第二党支部”导入" in report.notes
    assert re.search(r"个姓名中的空格已去掉（第4行“张　三”", notes)
    assert members(db) == []  # a dry run writes nothing


def test_import_keeps_months_as_months_and_matches_formal_names(db, register, tmp_path):
    rows = people()
    report = excel_io.import_register(db.session_factory, roster(tmp_path / "花名册.xlsx", rows), dry_run=False)
    assert report.ok and report.applied and report.created == 32, [str(p) for p in report.problems]
    found = members(db)
    assert len(found) == 32
    names = [m.name for m in found]
    assert "张三" in names and "李四" in names and "赵六" in names
    assert not any("人" in n or "合计" in n or "填表" in n or " " in n or "\u3000" in n for n in names)
    with db.session() as s:
        orgs = {m.id: m.org.name for m in s.scalars(select(Member))}
    assert set(orgs.values()) == {"县财政局机关党支部", "县财政局第二党支部"}
    for m, person in zip(found, rows, strict=True):
        joined_month = _month_of(person["入党时间"])
        assert (m.joined_on, m.joined_month_only) == (joined_month, True), m.name
        assert m.position == person["工作岗位及职务"] and m.phone == person["联系电话"]
        # the 身份证号 knows the day of birth: 出生年月 was checked against it and the full date is kept
        assert m.birth_date == dt.date(int(m.id_number[6:10]), int(m.id_number[10:12]), int(m.id_number[12:14]))
        assert not m.birth_month_only
    assert [m.education for m in found[:8]] == list(EDUCATION_IS)
    assert sum(m.status == MemberStatus.PROBATIONARY for m in found) == 2
    assert all(m.full_member_month_only for m in found if m.status == MemberStatus.FULL)

    # Importing the same roster again changes nothing.
    again = excel_io.import_register(db.session_factory, tmp_path / "花名册.xlsx", dry_run=False)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 32)


def _month_of(value: Any) -> dt.date:
    if isinstance(value, MonthCellValue):
        return value.month
    digits = re.findall(r"\d+", str(value))
    if len(digits) == 1:  # 199203
        return dt.date(int(digits[0][:4]), int(digits[0][4:]), 1)
    return dt.date(int(digits[0]), int(digits[1]), 1)


def test_month_dates_show_as_months_in_the_export_and_reimport_unchanged(db, register, tmp_path):
    rows = people()[:3]
    rows[0]["公民身份号码"] = ""  # no number: the 出生年月 stays a month
    rows[0]["出生年月"] = "1960.01"
    rows[0]["性别"] = "男"
    excel_io.import_register(db.session_factory, roster(tmp_path / "in.xlsx", rows), dry_run=False)
    zhang = members(db)[0]
    assert (zhang.birth_date, zhang.birth_month_only) == (dt.date(1960, 1, 1), True)
    for reveal in (False, True):
        out = tmp_path / f"out-{reveal}.xlsx"
        excel_io.export_register(db.session_factory, out, reveal=reveal)
        ws = load_workbook(out)["党员"]
        header = [c.value for c in ws[1]]
        line = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "张三")
        assert line[header.index("出生日期")] == "1960年1月"
        assert line[header.index("入党日期")] == month_text(zhang.joined_on)
        assert line[header.index("转正日期")] == month_text(zhang.full_member_on)
    again = excel_io.import_register(db.session_factory, tmp_path / "out-False.xlsx", dry_run=False)
    assert again.ok and again.updated == 0, [str(p) for p in again.problems]


def test_a_birth_month_that_contradicts_the_number_is_a_row_error(db, register, tmp_path):
    rows = people()[:4]
    rows[2]["出生年月"] = "1962.04"  # the number says 1962年3月
    report = excel_io.import_register(db.session_factory, roster(tmp_path / "x.xlsx", rows), dry_run=True)
    [problem] = report.problems
    assert (problem.row, problem.column) == (HEADER_ROW + 3, "出生年月")
    assert problem.message == "出生年月1962年4月与身份证号不符（身份证为1962年3月）"
    assert str(problem).startswith(f"“Sheet1”表第{HEADER_ROW + 3}行“出生年月”列：")


def test_a_loose_organisation_name_naming_two_is_refused_with_both(db, register, tmp_path):
    rows = people()[:2]
    rows[1]["所在党组织"] = "县税务局机关支部"
    report = excel_io.import_register(db.session_factory, roster(tmp_path / "x.xlsx", rows), dry_run=True)
    [problem] = report.problems
    assert (problem.row, problem.column) == (HEADER_ROW + 2, "所在党组织")
    assert "县税务局机关党支部" in problem.message and "中共县税务局机关支部委员会" in problem.message


def test_unknown_education_lists_the_allowed_values(db, register, tmp_path):
    rows = people()[:2]
    rows[0]["学历"] = "扫盲班"
    report = excel_io.import_register(db.session_factory, roster(tmp_path / "x.xlsx", rows), dry_run=True)
    [problem] = report.problems
    assert (problem.row, problem.column) == (HEADER_ROW + 1, "学历")
    assert problem.message == "应为研究生、大学本科、大学专科、中专、高中、初中及以下之一，现为“扫盲班”"


@pytest.mark.parametrize("value", ["1992.13", "1992年0月", "189912"])
def test_a_month_that_does_not_exist_is_refused(value):
    column = excel_io.MEMBER_SHEET.column("joined_on")
    with pytest.raises(excel_io.CellError, match="年月不存在|不是有效的日期"):
        excel_io.convert_cell(column, value)


def test_month_spellings_read_as_months():
    column = excel_io.MEMBER_SHEET.column("birth_date")
    march = excel_io.MonthDate(dt.date(1992, 3, 1))
    for value in ("1992.03", "1992-03", "1992/3", "1992年3月", "1992 年 3 月", "199203", "１９９２．０３", 199203, 1992.03,
                  excel_io.MonthCell(1992, 3, 1)):
        assert excel_io.convert_cell(column, value) == march, value
    assert excel_io.convert_cell(column, 1992.1) == excel_io.MonthDate(dt.date(1992, 10, 1))  # typed 1992.10
    assert excel_io.convert_cell(column, "1992-03-15") == dt.date(1992, 3, 15)
    # where the register keeps days only (an organisation's 成立日期) a month is still refused
    with pytest.raises(excel_io.CellError, match="写到日"):
        excel_io.convert_cell(excel_io.ORG_SHEET.column("established_on"), "1992.03")


def test_cli_import_of_a_large_roster_shows_progress(db, register, paths, tmp_path, capsys):
    base = people()[0]
    rows = []
    for i in range(2500):
        birth = dt.date(1960 + i % 40, i % 12 + 1, 1)
        rows.append({**base, "序号": i + 1, "姓名": f"党员{i:04d}", "公民身份号码": make_id("430102", birth, i % 1000),
                     "性别": id_gender(make_id("430102", birth, i % 1000)), "出生年月": f"{birth:%Y.%m}",
                     "入党时间": f"{birth.year + 25}.{birth.month:02d}", "转正时间": f"{birth.year + 26}.{birth.month:02d}"})
    path = roster(tmp_path / "large.xlsx", rows)
    db.close()
    capsys.readouterr()
    assert main(["--data-dir", str(paths.data_dir), "import", str(path), "--dry-run"]) == 0
    out = capsys.readouterr()
    assert "检查通过" in out.out and "表尾，已跳过" in out.out
    lines = out.err.splitlines()
    reading = [line for line in lines if re.fullmatch(r"正在读取“Sheet1”表：\d+/\d+行", line)]
    checking = [line for line in lines if re.fullmatch(r"正在检查党员：\d+/2500行", line)]
    assert len(reading) >= 3 and len(checking) >= 3, lines
    assert checking[-1] == "正在检查党员：2500/2500行"


def test_the_import_dialog_shows_the_notes_before_importing(qtbot, db, register, tmp_path):
    from app.ui.excel_actions import ImportReportDialog

    path = roster(tmp_path / "花名册.xlsx", people())
    report = excel_io.import_register(db.session_factory, path, dry_run=True)
    dialog = ImportReportDialog(report, path)
    qtbot.addWidget(dialog)
    notes = dialog.notes.toPlainText()
    assert dialog.notes.isVisibleTo(dialog) and "“合计：32人”是表尾，已跳过" in notes and "籍贯（登记簿无此项）" in notes
    assert "检查通过" in dialog.summary.text()


def test_the_member_form_says_a_date_is_a_month_and_keeps_it_so_unless_changed(qtbot, paths, db, register):
    from PySide6.QtWidgets import QLabel

    from app.ui.context import AppContext
    from app.ui.forms import DateEdit
    from app.ui.register_dialogs import MemberDialog

    with db.session() as s:
        branch = s.scalar(select(PartyOrg.id).where(PartyOrg.name == "县财政局机关党支部"))
    member_id = register.save_member(MemberInput(branch, "张三", MemberStatus.FULL, birth_date=dt.date(1970, 5, 1),
                                                 birth_month_only=True, joined_on=dt.date(2000, 7, 9),
                                                 joined_month_only=True, full_member_on=dt.date(2001, 7, 1),
                                                 full_member_month_only=True))
    ctx = AppContext(paths, db)
    dialog = MemberDialog(ctx, member_id)
    qtbot.addWidget(dialog)
    hints = [label.text() for label in dialog.findChildren(QLabel)]
    assert any(h.startswith("登记为2000年7月（只到月）") for h in hints)
    assert any(h.startswith("登记为2001年7月（只到月）") for h in hints)
    dialog.accept()
    kept = register.member_input(member_id)
    assert (kept.joined_on, kept.joined_month_only, kept.full_member_month_only) == (dt.date(2000, 7, 1), True, True)

    dialog = MemberDialog(ctx, member_id)
    qtbot.addWidget(dialog)
    joined = dialog.party.field("joined_on")
    assert isinstance(joined, DateEdit)
    joined.set_date(dt.date(2000, 7, 15))  # the day is now known
    dialog.accept()
    changed = register.member_input(member_id)
    assert (changed.joined_on, changed.joined_month_only) == (dt.date(2000, 7, 15), False)
    assert changed.full_member_month_only


def test_a_probation_that_began_in_a_month_ends_in_a_month(db, register):
    from app.services.alerts import probation_alerts

    with db.session() as s:
        branch = s.scalar(select(PartyOrg.id).where(PartyOrg.name == "县财政局机关党支部"))
    this_month = TODAY.replace(day=1)
    ids = {}
    for name, back in (("甲", 12), ("乙", 14)):
        ids[name] = register.save_member(MemberInput(branch, name, MemberStatus.PROBATIONARY,
                                                     joined_on=this_month - relativedelta(months=back),
                                                     joined_month_only=True))
    with db.session() as s:
        found = {a.target_id: a for a in probation_alerts(s, TODAY)}
    ending, ended = found[ids["甲"]], found[ids["乙"]]
    assert f"预备期将于{TODAY.year}年{TODAY.month}月期满，请及时讨论转正" in ending.message and not ending.overdue
    two_ago = this_month - relativedelta(months=2)
    assert f"预备期已于{two_ago.year}年{two_ago.month}月期满，尚未转正" in ended.message and ended.overdue


def test_numbered_empty_lines_and_a_second_education_column(db, register, tmp_path):
    """A printed form's numbered empty lines are skipped; of 全日制学历 and 在职学历 the first is imported and the
    other named as not imported."""
    wb = Workbook()
    ws = wb.active
    ws.append(["县财政局党员花名册"])
    ws.append(["序号", "姓名", "公民身份号码", "全日制学历", "在职学历", "入党时间", "转正时间", "所在支部", "人员类别"])
    number = make_id("430102", dt.date(1980, 5, 6), 21)
    ws.append([1, "王　芳", number, "大专", "研究生", "2005.07", "2006.07", "中共县财政局第二支部委员会", "正式党员"])
    for n in range(2, 6):
        ws.append([n])
    wb.save(tmp_path / "form.xlsx")
    report = excel_io.import_register(db.session_factory, tmp_path / "form.xlsx", dry_run=False)
    assert report.ok and report.created == 1, [str(p) for p in report.problems]
    assert "“Sheet”表第4–7行只有序号等、没有要导入的内容，已跳过" in report.notes
    assert "“Sheet”表未导入的列：在职学历（与“全日制学历”列同为学历，按“全日制学历”列导入）" in report.notes
    [wang] = members(db)
    assert (wang.name, wang.education, wang.joined_on, wang.joined_month_only) == ("王芳", "大学专科", dt.date(2005, 7, 1), True)
