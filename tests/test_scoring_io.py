"""The month's .xlsx template and its import: round trip, every refusal with its place, nothing half-imported."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from scoring_support import County, d, item_by_code, make_county

from app.cli import main
from app.errors import ImportFileError, PeriodLockedError
from app.services import score_io
from app.services.audit import verify


@pytest.fixture
def county(db) -> County:
    return make_county(db, n=4)


def _template(county: County, tmp_path: Path) -> Path:
    path = tmp_path / "2026-03评分.xlsx"
    score_io.write_template(county.db.session_factory, 2026, 3, path)
    return path


def _append(path: Path, rows: list[list], selfs: dict[str, float] | None = None, out: Path | None = None) -> Path:
    wb = load_workbook(path)
    ws = wb[score_io.ROWS_SHEET]
    last = max((r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value), default=1)
    for i, row in enumerate(rows, last + 1):
        for c, v in enumerate(row, 1):
            ws.cell(i, c, v)
    if selfs:
        sheet = wb[score_io.SELF_SHEET]
        headers = [c.value for c in sheet[1]]
        for ref, v in selfs.items():
            unit, col = ref.split("|")
            r = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == unit)
            c = next(i for i, h in enumerate(headers, 1) if h and h.startswith(col))
            sheet.cell(r, c, v)
    target = out or path
    wb.save(target)
    return target


def test_template_lists_units_indicators_and_what_is_recorded(county, tmp_path):
    pid = county.month()
    county.deduct(pid, 1, "life.theme_day", 2, reason="未开展主题党日")
    path = _template(county, tmp_path)
    wb = load_workbook(path)
    assert wb.sheetnames[:4] == ["填写说明", "扣分加分", "自评得分", "指标说明"]
    rows = [[c.value for c in r] for r in wb["扣分加分"].iter_rows(min_row=1, max_row=2)]
    assert rows[0] == ["单位名称", "指标", "次数", "每次分值", "原因", "佐证说明", "一票否决"]
    assert rows[1] == ["县第2局", "3.3 主题党日（每月）", 2, 1, "未开展主题党日", "检查记录", None]
    selfs = wb["自评得分"]
    assert [selfs.cell(r, 1).value for r in range(2, 6)] == ["县第1局", "县第2局", "县第3局", "县第4局"]
    assert selfs.cell(1, 2).value == "1.1 党组专题研究党建、听取机关党委工作汇报（6分）"
    assert selfs.cell(1, 23).value == "4.5 在职党员到社区报到（4分）"
    scheme = wb["指标说明"]
    assert [c.value for c in scheme[2]][:7] == ["1.1", "pol.party_group_study", "政治建设与责任落实",
                                                "党组专题研究党建、听取机关党委工作汇报", "扣分", 6, 3]
    assert len(wb["扣分加分"].data_validations.dataValidation) == 5


def test_round_trip_changes_nothing(county, tmp_path):
    pid = county.month()
    county.deduct(pid, 0, "pol.deployment", 2)
    county.scoring.set_self_score(item_by_code(county.form(pid, 0), "study.plan").id, "2.5")
    county.scoring.set_veto(item_by_code(county.form(pid, 3), "disc.cases").id, True, "干部被判刑")
    before = [(s.unit_name, s.review_total, s.self_total, s.veto) for s in county.scoring.sheets(pid)]
    path = _template(county, tmp_path)
    report = score_io.import_scores(county.db.session_factory, 2026, 3, path)
    assert report.applied and (report.created, report.updated, report.unchanged) == (0, 0, 1)
    assert [(s.unit_name, s.review_total, s.self_total, s.veto) for s in county.scoring.sheets(pid)] == before


def test_import_adds_deductions_bonuses_vetoes_and_self_scores(county, tmp_path):
    pid = county.month()
    county.deduct(pid, 0, "pol.deployment", 2)
    path = _append(_template(county, tmp_path), [
        ["县第2局", "2.2 每月集中学习", 2, None, "1月、2月未集中学习", None, None],
        ["县第3局", "5.2 违纪违法案件", 1, 8, "一名干部受到司法处理", "法院判决书", "是"],
        ["县第4局", "7.1 受到上级表彰", 2, 2, "受到市委表彰", "市委文件", None],
        ["县第4局", "bonus.experience", 1, 3, "经验被省委组织部推广", "简报第5期", None],
    ], {"县第1局|1.1": 5, "县第1局|7.1": 1})
    report = score_io.import_scores(county.db.session_factory, 2026, 3, path)
    assert report.ok and report.applied and report.created == 4
    totals = {s.unit_name: (s.review_total, s.self_total, s.veto) for s in county.scoring.sheets(pid)}
    assert totals == {"县第1局": (d("98.0"), d("6.0"), False), "县第2局": (d("98.0"), None, False),
                      "县第3局": (d("92.0"), None, True), "县第4局": (d("105.0"), None, False)}
    imported = item_by_code(county.form(pid, 1), "study.monthly").deductions[0]
    assert imported.source == "import:2026-03评分.xlsx" and imported.points_each == 1
    assert verify(county.db.session_factory).ok
    # importing the same file again changes nothing; a row removed from the file is removed from the month
    again = score_io.import_scores(county.db.session_factory, 2026, 3, path)
    assert (again.created, again.updated) == (0, 0)
    wb = load_workbook(path)
    wb["扣分加分"].delete_rows(3)  # 县第2局's row
    wb.save(path)
    score_io.import_scores(county.db.session_factory, 2026, 3, path)
    assert county.scoring.sheets(pid)[1].review_total == 100


def test_every_bad_row_is_reported_with_its_place_and_nothing_is_imported(county, tmp_path):
    pid = county.month()
    path = _append(_template(county, tmp_path), [
        ["县第9局", "2.2 每月集中学习", 1, None, "原因", None, None],
        ["县第1局", "9.9 不存在的指标", 1, None, "原因", None, None],
        ["县第1局", "2.2 每月集中学习", 1, None, None, None, None],
        ["县第1局", "2.2 每月集中学习", 1, 6, "超过分值", None, None],
        ["县第1局", "2.2 每月集中学习", "两次", None, "次数不对", None, None],
        ["县第1局", "2.2 每月集中学习", 1, 0.25, "两位小数", None, None],
        ["县第1局", "6.2 被通报批评", 1, None, "无佐证", None, None],
        ["县第1局", "2.2 每月集中学习", 1, None, "不是否决项", None, "是"],
        ["县第2局", "2.2 每月集中学习", 1, None, "这一行本身没有问题", None, None],
    ], {"县第3局|1.2": 4})
    report = score_io.import_scores(county.db.session_factory, 2026, 3, path)
    assert not report.applied
    found = [(p.sheet, p.row, p.column, p.message) for p in report.problems]
    assert found == [
        ("扣分加分", 2, "单位名称", "没有名为“县第9局”的单位（或该单位本月不参加考评）"),
        ("扣分加分", 3, "指标", "没有指标“9.9 不存在的指标”，请从下拉列表中选择"),
        ("扣分加分", 4, "原因", "请填写扣分原因"),
        ("扣分加分", 5, "每次分值", "每次扣分6.0分，超过该指标分值5.0分"),
        ("扣分加分", 6, "次数", "次数应为1至999的整数"),
        ("扣分加分", 7, "每次分值", "每次分值最多保留一位小数"),
        ("扣分加分", 8, "佐证说明", "“被通报批评”须填写佐证说明"),
        ("扣分加分", 9, "一票否决", "“每月集中学习”不是一票否决指标"),
        ("自评得分", 4, "1.2 书记公开承诺和党建工作责任清单（3分）", "自评得分4.0分，超过该指标分值3.0分"),
    ]
    assert str(report.problems[0]) == "“扣分加分”表第2行“单位名称”列：没有名为“县第9局”的单位（或该单位本月不参加考评）"
    assert all(s.review_total == 100 and s.self_total is None for s in county.scoring.sheets(pid))


def test_a_reviewed_unit_or_a_locked_month_refuses_the_import(county, tmp_path):
    pid = county.month()
    path = _append(_template(county, tmp_path), [["县第1局", "2.2 每月集中学习", 1, None, "未集中学习", None, None],
                                                  ["县第2局", "2.2 每月集中学习", 1, None, "未集中学习", None, None]])
    county.scoring.set_reviewed(county.scoring.sheets(pid)[1].id)
    report = score_io.import_scores(county.db.session_factory, 2026, 3, path)
    assert not report.applied and [p.message for p in report.problems] == ["县第2局的考评表已复核，如需修改请先在程序中取消复核"]
    assert county.scoring.sheets(pid)[0].review_total == 100  # the good unit was rolled back too
    county.review_all(pid)
    county.scoring.lock_period(pid)
    with pytest.raises(PeriodLockedError):
        score_io.import_scores(county.db.session_factory, 2026, 3, path)


def test_files_that_are_not_templates_are_refused(county, tmp_path):
    county.month()
    with pytest.raises(ImportFileError, match="找不到文件"):
        score_io.import_scores(county.db.session_factory, 2026, 3, tmp_path / "无.xlsx")
    text = tmp_path / "scores.xlsx"
    text.write_text("单位,扣分\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="不是有效的Excel工作簿"):
        score_io.import_scores(county.db.session_factory, 2026, 3, text)
    other = tmp_path / "other.xlsx"
    from openpyxl import Workbook

    Workbook().save(other)
    with pytest.raises(ImportFileError, match="请使用本程序生成的模板"):
        score_io.import_scores(county.db.session_factory, 2026, 3, other)
    with pytest.raises(ImportFileError, match="还没有考评"):
        score_io.import_scores(county.db.session_factory, 2026, 4, other)


def test_cli_scores_template_and_import(county, paths, tmp_path, capsys):
    county.db.close()
    base = ["--data-dir", str(paths.data_dir), "scores"]
    path = tmp_path / "t.xlsx"
    assert main([*base, "template", "2026-03", str(path)]) == 0
    assert "已生成2026-03评分模板" in capsys.readouterr().out
    _append(path, [["县第1局", "2.2 每月集中学习", 1, None, "", None, None]])
    assert main([*base, "import", "2026-03", str(path)]) == 1
    assert "第2行“原因”列：请填写扣分原因" in capsys.readouterr().err
    _append(path, [], out=path)
    wb = load_workbook(path)
    wb["扣分加分"].cell(2, 5, "未集中学习")
    wb.save(path)
    assert main([*base, "import", "2026-03", str(path), "--dry-run"]) == 0
    assert "检查通过" in capsys.readouterr().out
    assert main([*base, "import", "2026-03", str(path)]) == 0
    assert "新增1条" in capsys.readouterr().out
