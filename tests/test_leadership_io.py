"""民主生活会 in Excel: the template filled in and imported (meetings, 批评意见, 问题清单 into the 整改), refused
whole with each problem named by sheet, row and column, a second import changing nothing, and the export reopened."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from frozen import today
from leadership_support import Clock, meeting
from scoring_support import make_county

from app.cli import main
from app.errors import ImportFileError
from app.services.leadership import LeadershipService
from app.services.leadership_io import export_meetings, import_meetings, write_template
from app.services.rectification import RectificationService

Y = today().year - 1
DAY = dt.date(Y, 12, 10)


@pytest.fixture
def county(db):
    return make_county(db, 3)


def filled(path, meetings, criticisms, problems):
    write_template(path)
    wb = openpyxl.load_workbook(path)
    for title, rows in (("民主生活会", meetings), ("批评意见", criticisms), ("问题清单", problems)):
        for r in rows:
            wb[title].append(r)
    wb.save(path)
    return path


GOOD_MEETINGS = [["县第1局", "民主生活会", None, DAY, "年度民主生活会", "王建国、李红、张伟", "县委督导组赵刚", 15, None],
                 ["县第2局", None, None, DAY, "年度民主生活会", "周强、吴敏", None, 8, None]]
GOOD_CRITICISMS = [["县第1局", None, DAY, "自我批评", "王建国", None, "理论学习不够深入"],
                   ["县第1局", None, DAY, "相互批评", "王建国", "李红", "抓班子带队伍要求不严"],
                   ["县第2局", None, DAY, "自我批评", "周强", None, "调查研究不够"]]
GOOD_PROBLEMS = [["县第1局", None, DAY, "学习制度执行不严", "修订学习计划", "王建国", dt.date(Y + 1, 3, 31)]]


def test_a_filled_template_imports_meetings_with_their_items(db, county, tmp_path):
    path = filled(tmp_path / "民主生活会.xlsx", GOOD_MEETINGS, GOOD_CRITICISMS, GOOD_PROBLEMS)
    dry = import_meetings(db.session_factory, path, dry_run=True, today=Clock(dt.date(Y, 12, 20)))
    assert dry.ok and dry.created == 2 and not dry.applied
    assert LeadershipService(db.session_factory).meetings() == []
    report = import_meetings(db.session_factory, path, dry_run=False, today=Clock(dt.date(Y, 12, 20)))
    assert report.ok and report.applied and report.created == 2
    first, second = LeadershipService(db.session_factory, today=Clock(dt.date(Y, 12, 20))).meetings(year=Y)
    assert (first.unit, first.self_count, first.mutual_count, first.opinions_solicited) == ("县第1局", 1, 1, 15)
    assert first.supervisors == ("县委督导组赵刚",) and second.attendees == ("周强", "吴敏")
    [item] = RectificationService(db.session_factory).items(unit_id=county.unit_ids[0])
    assert item.problem == "学习制度执行不严" and item.deadline == dt.date(Y + 1, 3, 31)
    again = import_meetings(db.session_factory, path, dry_run=False, today=Clock(dt.date(Y, 12, 20)))
    assert again.ok and again.created == 0 and again.unchanged == 2
    assert len(LeadershipService(db.session_factory).meetings()) == 2


def test_every_bad_row_is_named_and_nothing_is_imported(db, county, tmp_path):
    meetings = [*GOOD_MEETINGS,
                ["县第9局", None, None, DAY, "民主生活会", "甲", None, None, None],
                ["县第3局", None, None, "去年冬天", "民主生活会", "甲", None, None, None],
                ["县第3局", "组织生活会", None, DAY, "组织生活会", "甲", None, None, None]]
    criticisms = [*GOOD_CRITICISMS,
                  ["县第1局", None, DAY, "相互批评", "赵六", "李红", "不在班子里"],
                  ["县第1局", None, dt.date(Y, 12, 11), "自我批评", "王建国", None, "没有这次会"],
                  ["县第1局", None, DAY, "表扬", "王建国", None, "不是批评"]]
    problems = [*GOOD_PROBLEMS, ["县第1局", None, DAY, "问题", "措施", "王建国", "明年"]]
    path = filled(tmp_path / "错误.xlsx", meetings, criticisms, problems)
    report = import_meetings(db.session_factory, path, dry_run=False, today=Clock(dt.date(Y, 12, 20)))
    assert not report.ok and not report.applied
    got = {(p.sheet, p.row, p.column): p.message for p in report.problems}
    assert got[("民主生活会", 4, "单位")] == "单位“县第9局”不在名册中"
    assert ("民主生活会", 5, "召开日期") in got
    assert "组织生活会须选择召开的党组织" in got[("民主生活会", 6, "党组织")]
    assert "“赵六”不在参会班子成员中" in got[("批评意见", 5, "针对班子成员")]
    assert "没有这次会议" in got[("批评意见", 6, "召开日期")]
    assert ("批评意见", 7, "批评类型") in got
    assert ("问题清单", 3, "整改时限") in got
    assert [p.sheet for p in report.problems][0] == "民主生活会"  # in the order of the sheets
    assert LeadershipService(db.session_factory).meetings() == []


def test_a_file_without_the_meetings_sheet_is_refused(db, county, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "职务"])
    wb.save(tmp_path / "别的表.xlsx")
    with pytest.raises(ImportFileError, match="没有找到“民主生活会”表"):
        import_meetings(db.session_factory, tmp_path / "别的表.xlsx", dry_run=True)


def test_the_export_reopens_with_the_meetings_and_their_status(db, county, tmp_path):
    svc = LeadershipService(db.session_factory, actor="测试员", today=Clock(dt.date(Y, 12, 20)))
    svc.save(meeting(county.unit_ids[0], DAY))
    assert export_meetings(db.session_factory, tmp_path / "导出.xlsx", year=Y, today=Clock(dt.date(Y, 12, 20))) == 1
    wb = openpyxl.load_workbook(tmp_path / "导出.xlsx")
    assert wb.sheetnames == ["民主生活会", "批评意见", "问题清单"]
    row = [c.value for c in wb["民主生活会"][2]]
    assert row[0] == "县第1局" and row[5] == "王建国、李红、张伟" and row[7] == 12
    assert wb["批评意见"].max_row == 1 + 5
    assert [c.value for c in wb["问题清单"][2]][-1] == "未整改"
    # and it imports back as unchanged
    report = import_meetings(db.session_factory, tmp_path / "导出.xlsx", dry_run=True, today=Clock(dt.date(Y, 12, 20)))
    assert report.ok and report.unchanged == 1 and report.created == 0


def test_the_command_line(db, county, tmp_path, paths, capsys):
    path = filled(tmp_path / "民主生活会.xlsx", GOOD_MEETINGS, GOOD_CRITICISMS, GOOD_PROBLEMS)
    data = ["--data-dir", str(paths.data_dir)]
    assert main(["lifemeeting", *data, "import", str(path)]) == 0
    assert "已导入2次会议" in capsys.readouterr().out
    assert main(["lifemeeting", *data, "list", "--year", str(Y)]) == 0
    out = capsys.readouterr().out
    assert f"{Y}年度：2次会议；2个单位已召开民主生活会，1个未召开" in out and "未召开民主生活会：县第3局" in out
    bad = filled(tmp_path / "错.xlsx", [["县第9局", None, None, DAY, "会", "甲", None, None, None]], [], [])
    assert main(["lifemeeting", *data, "import", str(bad)]) == 1
    assert "单位“县第9局”不在名册中" in capsys.readouterr().err
