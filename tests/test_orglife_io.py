"""Importing organisation-life records from .xlsx: row/column/reason for every problem, all or nothing."""

import datetime as dt

import pytest
from openpyxl import Workbook, load_workbook
from orglife_fixtures import TODAY, make_branch

from app.cli import main
from app.errors import ImportFileError
from app.services.orglife import OrgLifeService, RecordFilter
from app.services.orglife_io import SHEET, import_orglife, write_template
from app.services.register import RegisterService

ORG = "中共示范县县财政局机关支部委员会"
HEADERS = ["类型", "召开日期", "党组织", "单位", "主题", "出席", "缺席", "评议等次", "主讲人", "登记日期"]


@pytest.fixture
def branch(db):
    return make_branch(RegisterService(db.session_factory, today=lambda: TODAY))


def book(tmp_path, rows, headers=HEADERS, title="组织生活", name="records.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(["2026年组织生活记录"])  # offices put a title row above the header
    ws.append(headers)
    for r in rows:
        ws.append(r)
    path = tmp_path / name
    wb.save(path)
    return path


GOOD = [
    ["主题党日活动", "2026/10/15", ORG, None, "重温入党誓词", "全体", "王芳（出差）", None, None, "2026-10-16"],
    ["民主评议", dt.date(2026, 1, 20), ORG, None, "2025年度民主评议党员", "全体", None, "张伟:优秀、其余:合格", None, "2026-01-21"],
    ["党课", "2026年3月5日", ORG, None, "学习二十届三中全会精神", "张伟、李娜、刘洋", None, None, "张伟", "2026-03-05"],
    ["党组听取机关党委汇报", "2026-06-20", None, "县财政局", "听取上半年工作汇报", None, None, None, None, "2026-06-21"],
]


def run(db, path, dry_run=False):
    return import_orglife(db.session_factory, path, dry_run=dry_run, today=lambda: TODAY)


def test_good_file_imported_then_reimport_changes_nothing(db, branch, tmp_path):
    path = book(tmp_path, GOOD)
    report = run(db, path)
    assert report.ok and report.applied and report.created == 4
    svc = OrgLifeService(db.session_factory, today=lambda: TODAY)
    ids = svc.record_ids(RecordFilter(year=2026, month=10))
    theme = svc.record_input(ids[0])
    assert len(theme.attendance) == 8 and [a.absence_reason for a in theme.attendance if not a.present] == ["出差"]
    appraisal = svc.record_ids(RecordFilter(year=2026, month=1))[0]
    assert svc.grades_of(appraisal) == {"优秀": 1, "合格": 7, "基本合格": 0, "不合格": 0}
    lecture = svc.record_input(svc.record_ids(RecordFilter(year=2026, month=3))[0])
    assert lecture.lecturer_member_id == branch.members[0]
    again = run(db, path)
    assert (again.created, again.unchanged) == (0, 4)
    assert len(svc.record_ids()) == 4


def test_dry_run_writes_nothing(db, branch, tmp_path):
    report = run(db, book(tmp_path, GOOD), dry_run=True)
    assert report.ok and not report.applied and report.created == 4
    assert OrgLifeService(db.session_factory).record_ids() == []


def test_every_problem_with_row_column_and_reason(db, branch, tmp_path):
    rows = GOOD + [
        ["主题党日", "2026-10-32", ORG, None, "x", "全体", None, None, None, None],
        ["主题党日", "2026-10-12", "不存在的支部", None, "x", "全体", None, None, None, None],
        ["主题党日", "2026-10-12", ORG, None, "y", "全体", "李娜", None, None, None],
        ["支委会", "2026-10-12", ORG, None, "z", "张伟、查无此人", None, None, None, None],
        ["民主评议党员", "2026-01-25", ORG, None, "w", "全体", None, "张伟:很好", None, None],
        ["开会", "2026-10-12", ORG, None, "v", "全体", None, None, None, None],
        ["主题党日", "2026/10/15", ORG, None, "重温入党誓词", "全体", None, None, None, None],
    ]
    report = run(db, book(tmp_path, rows))
    got = {(p.row, p.column, p.message) for p in report.problems}
    assert (7, "召开日期", "日期不存在：“2026-10-32”") in got
    assert (8, "党组织", "党组织“不存在的支部”不在名册中") in got
    assert (9, "出席", "李娜缺席，请填写缺席原因") in got
    assert (10, "出席", "“查无此人”不是该组织2026-10-12的在册党员") in got
    assert (11, "评议等次", "“张伟:很好”应写作“姓名:等次”，等次为优秀、合格、基本合格、不合格") in got
    assert any(p.row == 12 and p.column == "类型" and "应为" in p.message for p in report.problems)
    assert (13, "主题", "与第3行重复（同一组织、同一天、同一主题）") in got
    assert all(p.sheet == "组织生活" for p in report.problems)
    assert not report.applied and OrgLifeService(db.session_factory).record_ids() == []


def test_files_that_cannot_be_read(db, branch, tmp_path):
    bad = tmp_path / "a.xlsx"
    bad.write_text("不是Excel")
    with pytest.raises(ImportFileError, match="不是Excel工作簿"):
        run(db, bad)
    with pytest.raises(ImportFileError, match="没有找到组织生活记录表"):
        run(db, book(tmp_path, [["x"]], headers=["姓名", "电话"], name="b.xlsx"))
    with pytest.raises(ImportFileError, match="缺少必需的列：主题"):
        run(db, book(tmp_path, [["主题党日", "2026-10-01"]], headers=["类型", "召开日期"], name="c.xlsx"))


def test_template_has_every_header_and_imports_as_empty(db, tmp_path):
    path = tmp_path / "模板.xlsx"
    write_template(path)
    wb = load_workbook(path)
    assert [c.value for c in wb["组织生活"][1]] == [c.header for c in SHEET.columns]
    assert "说明" in wb.sheetnames
    with pytest.raises(ImportFileError, match="没有可导入的数据行"):
        run(db, path)


def test_cli_import_exit_codes(paths, branch, tmp_path, capsys):
    bad = book(tmp_path, [["主题党日", "2026-10-12", "不存在的支部", None, "x", "全体"]], name="bad.xlsx")
    assert main(["--data-dir", str(paths.data_dir), "orglife", "import", str(bad)]) == 1
    assert "第3行" in capsys.readouterr().err
    good = book(tmp_path, GOOD[:1], name="good.xlsx")
    assert main(["--data-dir", str(paths.data_dir), "orglife", "import", str(good), "--dry-run"]) == 0
    assert "检查通过，可导入1条记录" in capsys.readouterr().out
    assert main(["--data-dir", str(paths.data_dir), "compliance", "2026-10", "--unit", "县财政局"]) == 0
    assert "2026年10月组织生活检查" in capsys.readouterr().out
    assert main(["--data-dir", str(paths.data_dir), "compliance", "2026-13"]) == 2
