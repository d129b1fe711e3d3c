"""不合格党员处置 in Excel: the template, the import in order with row-level errors (all or nothing, a second import
changes nothing, an approval arriving in a later file), and the export that reads back as the same rows."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook, load_workbook
from orglife_fixtures import TODAY, make_branch

from app.errors import ImportFileError
from app.models import AppraisalGrade, OrgLifeKind
from app.services.disposal import DisposalService
from app.services.disposal_io import SHEET, export_disposal, import_disposal, write_template
from app.services.orglife import AttendanceInput, OrgLifeService, RecordInput
from app.services.register import RegisterService

ORG = "中共示范县县财政局机关支部委员会"
HEADERS = [c.header for c in SHEET.columns]
D = dt.date


@pytest.fixture
def branch(db):
    b = make_branch(RegisterService(db.session_factory, today=lambda: TODAY))
    lines = [AttendanceInput(m, grade=AppraisalGrade.UNQUALIFIED if i == 4 else AppraisalGrade.QUALIFIED)
             for i, m in enumerate(b.members)]
    OrgLifeService(db.session_factory, today=lambda: TODAY).save_record(RecordInput(
        OrgLifeKind.DEMOCRATIC_APPRAISAL, D(2026, 1, 20), b.org_id, topic="年度民主评议党员", recorded_on=D(2026, 1, 20),
        attendance=lines))
    return b


def book(tmp_path, rows, name="disposal.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.title = "党员处置"
    ws.append(["2026年党员处置台账"])  # a title row above the header, as offices do
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    path = tmp_path / name
    wb.save(path)
    return path


#         姓名   党组织  类别          事项       日期           批准            期限           失联起始  查找  说明
GOOD = [
    ["陈静", ORG, "不合格党员", "启动处置", "2026-02-01", None, None, None, None, "长期不参加组织生活"],
    ["陈静", ORG, "不合格党员处置", "限期改正", "2026/2/10", "2026-02-20", "2026年5月31日", None, None, None],
    ["陈静", ORG, "不合格党员处置", "劝退", D(2026, 6, 10), None, None, None, None, "限期改正期满仍无转变"],
    ["李娜", ORG, "失联党员", "启动处置", "2026-03-01", None, None, "2026-01-05", "电话、走访均未联系上", None],
]


def run(db, path, dry_run=False):
    return import_disposal(db.session_factory, path, dry_run=dry_run, today=lambda: TODAY)


def test_good_file_imported_in_order_then_again_changes_nothing(db, branch, tmp_path):
    report = run(db, book(tmp_path, GOOD))
    assert report.ok and report.applied and report.created == 4
    svc = DisposalService(db.session_factory, today=lambda: TODAY)
    [lost, unqualified] = svc.cases()
    assert (unqualified.name, unqualified.stage, unqualified.appraised_on) == ("陈静", "劝其退党（待上级党组织批准）",
                                                                               D(2026, 1, 20))
    assert [(s.kind.label, s.decided_on, s.approved_on, s.deadline) for s in unqualified.steps] == [
        ("限期改正", D(2026, 2, 10), D(2026, 2, 20), D(2026, 5, 31)), ("劝其退党", D(2026, 6, 10), None, None)]
    assert (lost.kind.label, lost.lost_since, lost.search_efforts) == ("失联党员", D(2026, 1, 5), "电话、走访均未联系上")
    again = run(db, book(tmp_path, GOOD))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    # The approval arrives: the same step with its date, in a later file.
    later = run(db, book(tmp_path, [GOOD[2][:5] + ["2026-06-20"] + GOOD[2][6:]], "later.xlsx"))
    assert (later.created, later.updated) == (0, 1)
    assert svc.case(unqualified.id).steps[-1].approved_on == D(2026, 6, 20)


def test_every_problem_with_row_column_and_reason_and_nothing_written(db, branch, tmp_path):
    rows = GOOD + [
        ["张伟", ORG, "不合格党员处置", "启动处置", "2026-02-01", None, None, None, None, None],
        ["查无此人", ORG, "失联党员", "启动处置", "2026-02-01", None, None, "2026-01-01", "电话", None],
        ["王芳", "不存在的支部", "失联党员", "启动处置", "2026-02-01", None, None, "2026-01-01", "电话", None],
        ["陈静", ORG, "不合格党员处置", "除名", "2026-07-01", "2026-07-05", None, None, None, "坚持不退"],
        ["刘洋", ORG, "停止党籍", "恢复党籍", "2026-07-01", "2026-07-05", None, None, None, None],
        ["杨磊", ORG, "失联党员", "启动处置", "2026-02-31", None, None, "2026-01-01", "电话", None],
        ["赵敏", ORG, "失联党员", "开除", "2026-02-01", None, None, None, None, None],
        ["黄强", ORG, "失联党员", "启动处置", "2026-02-01", None, None, "2026-01-01", None, None],
    ]
    report = run(db, book(tmp_path, rows))
    got = {(p.row, p.column, p.message) for p in report.problems}
    assert (7, "姓名", "张伟在民主评议党员中未被评为不合格，不能按不合格党员处置") in got
    assert (8, "姓名", f"{ORG}没有在册党员“查无此人”") in got
    assert (9, "党组织", "党组织“不存在的支部”不在名册中") in got
    assert (10, "事项", "上一步“劝其退党”尚未经上级党组织批准，批准后方可登记下一步") in got
    assert (11, "事项", "刘洋没有“停止党籍”案件：请先填写“启动处置”一行") in got
    assert (12, "日期", "日期不存在：“2026-02-31”") in got
    assert any(p.row == 13 and p.column == "事项" and "应为" in p.message for p in report.problems)
    assert (14, "查找情况", "请填写查找情况（通过哪些途径、何时查找）：认定失联须先经查找") in got
    assert all(p.sheet == "党员处置" for p in report.problems)
    assert not report.applied and report.created == 0
    assert DisposalService(db.session_factory, today=lambda: TODAY).cases() == []


def test_dry_run_writes_nothing(db, branch, tmp_path):
    report = run(db, book(tmp_path, GOOD), dry_run=True)
    assert report.ok and not report.applied and report.created == 4
    assert DisposalService(db.session_factory, today=lambda: TODAY).cases() == []


def test_template_and_export_read_back(db, branch, tmp_path):
    write_template(tmp_path / "template.xlsx")
    wb = load_workbook(tmp_path / "template.xlsx")
    assert [c.value for c in wb["党员处置"][1]] == HEADERS and wb["党员处置"].max_row == 1
    assert "说明" in wb.sheetnames
    with pytest.raises(ImportFileError, match="只有表头"):
        run(db, tmp_path / "template.xlsx")
    run(db, book(tmp_path, GOOD))
    assert export_disposal(db.session_factory, tmp_path / "out.xlsx") == 2
    ws = load_workbook(tmp_path / "out.xlsx")["党员处置"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert [r[:4] for r in rows] == [["陈静", ORG, "不合格党员处置", "启动处置"], ["陈静", ORG, "不合格党员处置", "限期改正"],
                                     ["陈静", ORG, "不合格党员处置", "劝其退党"], ["李娜", ORG, "失联党员", "启动处置"]]
    assert rows[1][4:7] == [dt.datetime(2026, 2, 10), dt.datetime(2026, 2, 20), dt.datetime(2026, 5, 31)]
    assert run(db, tmp_path / "out.xlsx").unchanged == 4  # the export imports back as what is stored


def test_the_command_line(db, branch, tmp_path, paths, capsys):
    import json

    from app.cli import main

    db.close()
    args = ["--data-dir", str(paths.data_dir), "disposal"]
    assert main([*args, "template", str(tmp_path / "t.xlsx")]) == 0
    assert load_workbook(tmp_path / "t.xlsx")["党员处置"].max_row == 1
    bad = book(tmp_path, [["查无此人", ORG, "失联党员", "启动处置", "2026-02-01", None, None, "2026-01-01", "电话", None]],
               "bad.xlsx")
    assert main([*args, "import", str(bad)]) == 1
    assert "第3行" in capsys.readouterr().err
    assert main([*args, "import", str(book(tmp_path, GOOD))]) == 0
    assert "已导入4条" in capsys.readouterr().out
    assert main([*args, "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(c["name"], c["kind"], c["stage"]) for c in listed["cases"]] == [
        ("李娜", "失联党员", "已立案，待支部大会决定"), ("陈静", "不合格党员处置", "劝其退党（待上级党组织批准）")]
    assert listed["pending"] == []
    assert main([*args, "export", str(tmp_path / "out.xlsx"), "--unit", "县财政局"]) == 0
    assert "已导出2个处置案件" in capsys.readouterr().out
    assert main([*args, "export", str(tmp_path / "x.xlsx"), "--unit", "不存在"]) == 2
