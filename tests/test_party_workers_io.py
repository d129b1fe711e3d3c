"""培训记录 in Excel: the template, an import refused row by row (unknown person, hours not a number, dates, two
people of one name), all or nothing, a good import, an export reopened and imported again without duplicates,
and the `dangjian training` commands."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from orglife_fixtures import make_branch

from app.errors import ImportFileError
from app.models import MemberStatus, WorkerRole
from app.services.idcard import make_id
from app.services.party_workers import PartyWorkerService, WorkerInput
from app.services.party_workers_io import export_year, import_trainings, write_template
from app.services.register import MemberInput, RegisterService

NOV = dt.date(2026, 11, 25)


@pytest.fixture
def reg(db):
    return RegisterService(db.session_factory, today=lambda: NOV)


@pytest.fixture
def svc(db):
    return PartyWorkerService(db.session_factory, today=lambda: NOV)


@pytest.fixture
def branch(reg):
    return make_branch(reg)  # 县财政局: 张伟 书记, 王芳 组织委员, 李娜 宣传委员 …


def workbook(tmp_path, rows, name="培训.xlsx"):
    path = tmp_path / name
    write_template(path)
    wb = load_workbook(path)
    ws = wb["培训记录"]
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


CLASS = ["全县党务干部培训班", "县委组织部", dt.date(2026, 9, 1), dt.date(2026, 9, 3), 24, "是", ""]


def test_the_template_has_the_columns_and_notes(tmp_path):
    path = tmp_path / "t.xlsx"
    write_template(path)
    wb = load_workbook(path)
    assert [c.value for c in wb["培训记录"][1]] == ["单位", "姓名", "培训班名称", "主办单位", "开始日期", "结束日期", "学时",
                                                  "集中培训", "备注"]
    assert "说明" in wb.sheetnames


def test_row_level_errors_and_nothing_imported(db, svc, reg, branch, tmp_path):
    reg.save_member(MemberInput(branch.org_id, "张伟", MemberStatus.FULL,
                                id_number=make_id("430102", dt.date(1990, 1, 1), 901),
                                joined_on=dt.date(2015, 7, 1)))  # a second 张伟
    path = workbook(tmp_path, [
        ["县财政局", "王芳", *CLASS],  # 2: fine
        ["县财政局", "查无此人", *CLASS],  # 3
        ["县财政局", "李娜", "培训班", "", dt.date(2026, 9, 1), dt.date(2026, 9, 3), "二十四", "是", ""],  # 4
        ["县财政局", "刘洋", "培训班", "", "2026-13-01", dt.date(2026, 9, 3), 8, "是", ""],  # 5
        ["县财政局", "陈静", "培训班", "", dt.date(2026, 9, 5), dt.date(2026, 9, 3), 8, "是", ""],  # 6
        ["县财政局", "张伟", *CLASS],  # 7: two of that name
        ["县民政局", "杨磊", *CLASS],  # 8: no such unit
        ["县财政局", "王芳", *CLASS],  # 9: the same as row 2
    ])
    report = import_trainings(db.session_factory, path, today=lambda: NOV)
    got = {(p.row, p.column): p.message for p in report.problems}
    assert got[(3, "姓名")] == "“县财政局”没有在册党员或党务干部“查无此人”"
    assert "学时须为数字" in got[(4, "学时")]
    assert (5, "开始日期") in got
    assert got[(6, "结束日期")] == "结束日期不能早于开始日期"
    assert "有2名在册党员叫“张伟”" in got[(7, "姓名")]
    assert got[(8, "单位")] == "没有名为“县民政局”的单位（请与单位名册一致）"
    assert got[(9, "姓名")] == "与第2行重复（同一人、同一培训班、同一日期）"
    assert not report.applied and svc.trainings(2026) == []


def test_a_good_file_is_imported_once(db, svc, branch, tmp_path):
    outsider = svc.save_worker(WorkerInput(branch.unit_id, WorkerRole.ORGANISER, name="郑组织员",
                                           start_on=dt.date(2025, 1, 1)))
    assert outsider
    rows = [["县财政局", name, *CLASS] for name in ("张伟", "王芳", "郑组织员")]
    rows.append(["", "李娜", "网络学院在线学习", "", dt.date(2026, 5, 1), dt.date(2026, 5, 30), "12.5", "否", ""])
    path = workbook(tmp_path, rows)
    report = import_trainings(db.session_factory, path, today=lambda: NOV)
    assert report.ok and report.applied and report.created == 4
    hours = {r.name: r.hours for r in svc.roster(2026)}
    assert hours["张伟"] == Decimal("24.0") and hours["郑组织员"] == Decimal("24.0")
    assert hours["李娜"] == Decimal("0")  # 网络学院 is recorded but not 集中培训
    again = import_trainings(db.session_factory, path, today=lambda: NOV)
    assert again.created == 0 and again.unchanged == 4
    assert len(svc.trainings(2026)) == 4


def test_the_export_reopens_and_imports_again_unchanged(db, svc, branch, tmp_path):
    path = workbook(tmp_path, [["县财政局", "张伟", *CLASS]])
    import_trainings(db.session_factory, path, today=lambda: NOV)
    out = tmp_path / "导出.xlsx"
    assert export_year(db.session_factory, 2026, out, today=lambda: NOV) == 1
    wb = load_workbook(out)
    roster = list(wb["培训学时"].iter_rows(values_only=True))
    assert roster[0][:5] == ("单位", "姓名", "职务（本年度）", "集中培训学时", "应达学时")
    zhang = next(r for r in roster if r[1] == "张伟")
    assert (zhang[3], zhang[4], zhang[5], zhang[6]) == (24, 56, 32, "学时不足")
    records = list(wb["培训记录"].iter_rows(values_only=True))
    assert records[1][:3] == ("县财政局", "张伟", "全县党务干部培训班")
    report = import_trainings(db.session_factory, out, today=lambda: NOV)
    assert report.ok and report.unchanged == 1 and report.created == 0


def test_a_file_without_the_table_is_refused(tmp_path, db):
    from openpyxl import Workbook

    path = tmp_path / "x.xlsx"
    wb = Workbook()
    wb.active.append(["随便", "什么"])
    wb.save(path)
    with pytest.raises(ImportFileError, match="没有找到培训记录表"):
        import_trainings(db.session_factory, path, today=lambda: NOV)


def test_the_training_commands(db, paths, branch, tmp_path, capsys):
    import json

    from app.cli import main

    data = ["--data-dir", str(paths.data_dir)]
    template = tmp_path / "模板.xlsx"
    assert main([*data, "training", "template", str(template)]) == 0
    bad = workbook(tmp_path, [["县财政局", "查无此人", *CLASS]], "bad.xlsx")
    assert main([*data, "training", "import", str(bad)]) == 1
    assert "没有在册党员或党务干部“查无此人”" in capsys.readouterr().err
    good = workbook(tmp_path, [["县财政局", "张伟", *CLASS]], "good.xlsx")
    assert main([*data, "training", "import", str(good)]) == 0
    assert "已导入1条培训记录" in capsys.readouterr().out
    assert main([*data, "training", "list", "--year", "2026", "--short", "--json"]) == 1
    short = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert short["张伟"]["hours"] == "24.0" and short["张伟"]["minimum"] == "56"
    out = tmp_path / "导出.xlsx"
    assert main([*data, "training", "export", str(out), "--year", "2026"]) == 0
    assert load_workbook(out).sheetnames == ["培训学时", "培训记录"]
