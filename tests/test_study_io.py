"""中心组学习 in Excel: the template, the import (row-level errors, all or nothing, twice is once, audited), the
export reopened, and `dangjian study template|import|export|list`."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from openpyxl import Workbook
from orglife_fixtures import make_branch
from sqlalchemy import func, select

from app.cli import main
from app.errors import ImportFileError
from app.models import AuditEntry, StudyMeeting
from app.services.register import RegisterService
from app.services.study import PlanInput, StudyService
from app.services.study_io import SHEET, export_year, import_study, write_template

HEADERS = ["单位", "学习日期", "形式", "学习主题", "主讲", "研讨发言人次", "出席班子成员", "班子成员总数", "备注"]
GOOD = [
    ["县财政局", "2025-01-09", "集中学习", "党的二十大精神", "李明", None, 8, 9, ""],
    ["县财政局", "2025.3.12", "专题研讨", "主题教育", "李明", 6, 9, 9, "交流研讨"],
    ["县教育局", dt.date(2025, 2, 20), "研讨", "党纪学习教育", "王强", 5, 7, 8, None],
]


@pytest.fixture
def units(db):
    reg = RegisterService(db.session_factory, today=lambda: dt.date(2025, 12, 31))
    return make_branch(reg, "县财政局").unit_id, make_branch(reg, "县教育局", seq_base=300).unit_id


def book(tmp_path, rows, name="中心组.xlsx", headers=HEADERS):
    wb = Workbook()
    ws = wb.active
    ws.title = "中心组学习"
    ws.append(headers)
    for r in rows:
        ws.append(r)
    path = tmp_path / name
    wb.save(path)
    return path


def count(db):
    with db.session_factory() as s:
        return s.scalar(select(func.count()).select_from(StudyMeeting))


def test_the_template_has_the_columns_and_notes(tmp_path):
    path = tmp_path / "模板.xlsx"
    write_template(path)
    wb = openpyxl.load_workbook(path)
    assert [c.value for c in wb["中心组学习"][1]] == HEADERS
    assert wb["中心组学习"]["A1"].font.color.rgb.endswith("C00000")  # required: red
    notes = [r[0] for r in wb["说明"].iter_rows(values_only=True)]
    assert "形式（必填）" in notes and len(SHEET.columns) == len(HEADERS)


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_imported(db, units, tmp_path):
    rows = GOOD + [
        ["县水利局", "2025-04-02", "集中学习", "主题教育", "李明", 0, 5, 9, ""],
        ["县财政局", "2025-13-40", "集中学习", "主题教育", "李明", 0, 5, 9, ""],
        ["县财政局", "2025-05-06", "专题研讨", "意识形态工作", "李明", 0, 10, 9, ""],
        ["县财政局", "2025-06-06", "座谈", "意识形态工作", "", 0, 5, 9, ""],
        ["县财政局", "2025.3.12", "专题研讨", "主题教育", "李明", 6, 9, 9, "同上"],
    ]
    report = import_study(db.session_factory, book(tmp_path, rows), dry_run=False)
    got = [(p.row, p.column) for p in report.problems]
    assert got[:2] == [(5, "单位"), (6, "学习日期")]
    assert (7, "研讨发言人次") in got and (7, "出席班子成员") in got
    assert (8, "形式") in got and (9, "学习主题") in got
    messages = {str(p) for p in report.problems}
    assert any("第5行" in m and "单位“县水利局”不在名册中" in m for m in messages)
    assert any("第7行" in m and "专题研讨须登记研讨发言人次" in m for m in messages)
    assert any("第9行" in m and "与第3行重复" in m for m in messages)
    assert not report.applied and report.created == 0 and count(db) == 0


def test_good_rows_are_imported_once_with_their_audit_entries(db, units, tmp_path):
    path = book(tmp_path, GOOD)
    dry = import_study(db.session_factory, path, dry_run=True)
    assert (dry.ok, dry.created, dry.applied, count(db)) == (True, 3, False, 0)
    report = import_study(db.session_factory, path, dry_run=False)
    assert (report.created, report.applied) == (3, True)
    meetings = StudyService(db.session_factory, today=lambda: dt.date(2025, 12, 31)).meetings(2025)
    assert [(m.unit, m.held_on, m.form.value, m.speeches, m.attendance) for m in meetings] == [
        ("县财政局", dt.date(2025, 1, 9), "集中学习", 0, "8/9"),
        ("县财政局", dt.date(2025, 3, 12), "专题研讨", 6, "9/9"),
        ("县教育局", dt.date(2025, 2, 20), "专题研讨", 5, "7/8")]
    again = import_study(db.session_factory, path, dry_run=False)
    assert (again.created, again.unchanged, count(db)) == (0, 3, 3)
    with db.session_factory() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity == "study_meeting")).all()
    assert len(entries) == 3 and {e.reason for e in entries} == {"Excel导入：中心组.xlsx"}


def test_a_file_without_the_sheet_is_refused(db, units, tmp_path):
    with pytest.raises(ImportFileError, match="没有找到中心组学习记录表"):
        import_study(db.session_factory, book(tmp_path, [["x"]], headers=["姓名"]), dry_run=True)
    with pytest.raises(ImportFileError, match="缺少必需的列：形式"):
        import_study(db.session_factory, book(tmp_path, [["县财政局", "2025-01-01", "x"]],
                                              headers=["单位", "学习日期", "学习主题"]), dry_run=True)


def test_the_export_reopens_with_meetings_plans_and_totals_and_imports_again(db, units, tmp_path):
    import_study(db.session_factory, book(tmp_path, GOOD), dry_run=False)
    StudyService(db.session_factory, today=lambda: dt.date(2025, 12, 31)).save_plan(
        units[0], 2025, PlanInput(12, 4, "党的二十大精神\n主题教育", dt.date(2025, 1, 5)))
    out = tmp_path / "导出.xlsx"
    assert export_year(db.session_factory, 2025, out, today=lambda: dt.date(2026, 3, 1)) == 3
    wb = openpyxl.load_workbook(out)
    assert [c.value for c in wb["中心组学习"][1]] == HEADERS
    assert wb["中心组学习"].cell(3, 3).value == "专题研讨" and wb["中心组学习"].cell(3, 6).value == 6
    assert list(wb["学习计划"].iter_rows(min_row=2, values_only=True)) == [
        ("县财政局", 12, 4, "党的二十大精神；主题教育", "2025-01-05", None)]
    totals = list(wb["完成情况"].iter_rows(min_row=2, values_only=True))
    assert totals[0] == ("县财政局", 2, 1, "12/4", "已制定", "进度滞后")
    assert import_study(db.session_factory, out, dry_run=True).unchanged == 3


def test_cli_study(paths, db, units, tmp_path, capsys):
    data = ["--data-dir", str(paths.data_dir)]
    template = tmp_path / "t.xlsx"
    assert main([*data, "study", "template", str(template)]) == 0 and template.exists()
    bad = book(tmp_path, [["县水利局", "2025-04-02", "集中学习", "主题教育", "李明", 0, 5, 9, ""]], name="bad.xlsx")
    assert main([*data, "study", "import", str(bad)]) == 1
    assert "第2行" in capsys.readouterr().err
    assert main([*data, "study", "import", str(book(tmp_path, GOOD))]) == 0
    assert "已导入3条记录" in capsys.readouterr().out
    assert main([*data, "study", "list", "2025", "--behind"]) == 0
    out = capsys.readouterr().out
    assert "【进度滞后】县财政局：集中学习2次（全年至少12次），专题研讨1次（全年至少4次）" in out
    assert main([*data, "study", "export", "2025", str(tmp_path / "e.xlsx")]) == 0
    assert "已导出2025年中心组学习记录3条" in capsys.readouterr().out
    assert main([*data, "alerts", "--json", "--kind", "study_behind", "--date", "2026-01-10"]) == 0
    assert "县教育局党组（党委）理论学习中心组2025年" in capsys.readouterr().out
