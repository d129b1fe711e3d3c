"""Year-end packets: every packet reopened and checked part by part with its own unit's numbers, the GB/T checker,
the second run that only redoes what changed, cancel without half-written files (in process and in worker
processes), the .xlsx summary against the .docx summary, the zip, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import dbkit
import openpyxl
import pytest
from annual_support import UNITS, build_template, open_copy
from reports_samples import check_gongwen, open_docx, warnings_of

from app.cli import main
from app.errors import OperationCancelled, ReportError
from app.reports.packet import PARTS
from app.services.annual.commitments import CommitmentInput, CommitmentItemInput, DutyListInput
from app.services.annual.review import ReviewInput, VoteTally
from app.services.annual.service import AnnualService
from app.services.interview import ConversationInput, InterviewService
from app.services.opening import open_database
from app.services.packets import MANIFEST, PacketService
from app.services.quarter import QuarterService
from app.services.study import MeetingInput, PlanInput, StudyService

TODAY = dt.date(2026, 12, 20)
VOTES = [(38, 2, 0, 0, 0), (30, 8, 2, 0, 0), (20, 15, 5, 0, 0), (10, 20, 8, 2, 0), (5, 15, 15, 5, 0),
         (2, 8, 20, 10, 0)]
CHECKS = [98, 96, 92, 88, 80, 60]
PACKETS = 6
DRAFT = "（征求意见稿）"  # the year is not locked in these tests: every file is marked (see test_draft_mark)
SUMMARY = f"2026年度县直单位党建工作述职评议结果汇总表{DRAFT}"


def _prepare(db) -> None:
    """The year around the scores: quarters, a December 约谈 with its 整改, commitments, a list, the meeting."""
    sf = db.session_factory
    quarters = QuarterService(sf, actor="测试员")
    for q in (1, 2):
        quarters.review(2026, q)
        quarters.lock(2026, q)
    interviews = InterviewService(sf, actor="测试员", today=lambda: dt.date(2027, 1, 6))  # the day of the 约谈 and its record
    for v in interviews.create_for_candidates(2026, 12, scheduled_at=dt.datetime(2027, 1, 6, 9, 0)):
        data = v.input()
        data.interviewers = "张敏"
        interviews.update(v.id, data)
        interviews.record(v.id, ConversationInput("谈话内容", "接受批评", "限期整改"))
    annual = AnnualService(sf, actor="测试员", today=lambda: TODAY)
    forestry = 6  # unit ids follow UNITS
    view = annual.save_commitment(forestry, 2026, CommitmentInput("周勇", [
        CommitmentItemInput("每季度讲一次党课", "周勇", dt.date(2026, 12, 31)),
        CommitmentItemInput("完成机关支部换届", "组织委员", dt.date(2026, 6, 30))], dt.date(2026, 1, 15)))
    annual.assess(view.items[1].id, "未践诺", "因人员调整未能按期完成")
    annual.save_duty_list(1, 2026, DutyListInput(annual.suggested_duties(1, 2026), dt.date(2026, 1, 20)))
    review = annual.create_review(2026, ReviewInput(dt.date(2026, 12, 18), 40, place="县委会议室"))
    for report, votes, check in zip(review.reports, VOTES, CHECKS, strict=True):
        annual.set_votes(report.id, VoteTally(*votes))
        annual.set_check_score(report.id, check)
    annual.set_report_text(review.reports[1].id, "一年来，我局党组坚持党建引领。\n\n二是抓好学习。")
    study = StudyService(sf, actor="测试员", today=lambda: TODAY)
    study.save_plan(forestry, 2026, PlanInput(12, 4, "党的二十大精神\n主题教育", dt.date(2026, 1, 12)))
    for month, form, topic, speeches in ((3, "专题研讨", "主题教育", 6), (5, "集中学习", "党的二十大精神", 0)):
        study.save_meeting(MeetingInput(forestry, dt.date(2026, month, 10), form, topic, "周勇", speeches, 8, 9))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, _template_db: Path):
    path = tmp_path_factory.mktemp("packets") / "county.sqlite3"
    county = build_template(path, _template_db)
    db = open_database(dbkit.KIT.resolve(path))
    _prepare(db)
    dbkit.KIT.settle(db)
    db.close()
    return county, path


@pytest.fixture
def county(built, paths):
    c = open_copy(built[0], built[1], paths)
    yield c
    c.db.close()


def _service(county) -> PacketService:
    return PacketService(county.db.session_factory, today=lambda: TODAY)


def _cells(doc) -> list[str]:
    return [c.text for t in doc.tables for r in t.rows for c in r.cells]


def _row(doc, first: str) -> list[str]:
    for t in doc.tables:
        for r in t.rows:
            if r.cells[0].text == first:
                return [c.text for c in r.cells]
    raise AssertionError(f"no row {first}")


def _name(number: int, unit: str) -> str:
    return f"{number:03d}_{unit}_2026年度述职评议考核材料{DRAFT}.docx"


def _packet(folder: Path, unit: str):
    return open_docx(next(folder.glob(f"*_{unit}_2026年度述职评议考核材料{DRAFT}.docx")).read_bytes())


def test_every_packet_has_each_part_with_its_own_numbers(county, tmp_path: Path) -> None:
    folder = tmp_path / "材料"
    run = _service(county).generate(2026, folder, workers=0)
    assert run.packets == PACKETS and not run.unchanged and run.notes == [
        "2026年度考核结果尚未锁定：材料每页标注“征求意见稿（数据未锁定）”，文件名带“（征求意见稿）”；锁定后重新生成即为正式材料"]
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([_name(i, u) for i, u in enumerate(UNITS, 1)]
                           + [f"{SUMMARY}.docx", f"{SUMMARY}.xlsx", "2026年度述职评议测评表（空白，共6人）.docx",
                              MANIFEST])
    monthly = {"县财政局": "100.0", "县教育局": "99.0", "县民政局": "95.0", "县审计局": "85.0", "县水利局": "75.0",
               "县林业局": "55.0"}
    composites = {"县财政局": "99.4", "县教育局": "97.7", "县民政局": "93.4", "县审计局": "84.9", "县水利局": "74.0",
                  "县林业局": "53.5"}
    for i, unit in enumerate(UNITS):
        doc = _packet(folder, unit)
        body = [p.text for p in doc.paragraphs]
        assert all(part in body for part in PARTS), unit  # every part has its page
        assert body[3].startswith(f"{unit}\n2026年度党建工作")  # the cover
        assert f"年度综合得分：{composites[unit]}分（第{i + 1}名，共6个单位）" in "\n".join(body)
        may = _row(doc, "5月")
        assert may[1].rstrip("★") == monthly[unit] and may[2] == "84.8" and may[4] == f"{i + 1}/6"
        good, fair, average, poor, abstain = VOTES[i]
        assert _row(doc, "40")[:6] == ["40", str(good), str(fair), str(average), str(poor), str(abstain)]
        assert _row(doc, "综合得分")[1] == composites[unit]
        assert _row(doc, "第1季度")[1] == monthly[unit]
    forestry = _packet(folder, "县林业局")
    cells, body = _cells(forestry), "\n".join(p.text for p in forestry.paragraphs)
    assert "完成机关支部换届" in cells and "未践诺" in cells and "因人员调整未能按期完成" in cells
    assert "2026年度本单位被约谈1次：" in body and "2026年12月" in cells
    assert "整改事项共" in body
    assert "考核等次为“差”" in body
    finance = _packet(folder, "县财政局")
    body = "\n".join(p.text for p in finance.paragraphs)
    assert "县财政局2026年度未登记党组织书记公开承诺。" in body and "本年度无整改事项。" in body
    assert "党组书记（第一责任人）" in _cells(finance)
    assert "被评为2026年度“党建工作优秀单位”" in body
    education = "\n".join(p.text for p in _packet(folder, "县教育局").paragraphs)
    assert "一年来，我局党组坚持党建引领。" in education and "二是抓好学习。" in education
    for unit in ("县林业局", "县财政局"):
        results = check_gongwen(next(folder.glob(f"*{unit}*")).read_bytes(), tmp_path, "--expect-chart",
                                name=f"{unit}.docx")
        assert warnings_of(results) == {}, unit  # the cover's 编印 and date are its 署名 and 成文日期
    summary = check_gongwen((folder / f"{SUMMARY}.docx").read_bytes(), tmp_path, name="summary.docx")
    assert set(warnings_of(summary)) == {"footer-style", "lines-per-page", "chars-per-line"}  # the landscape table's, read as portrait


def test_xlsx_summary_matches_the_docx_summary(county, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    _service(county).generate(2026, folder, workers=0, make_zip=False)
    doc = open_docx((folder / f"{SUMMARY}.docx").read_bytes())
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "序号")
    docx_rows = [[c.text for c in r.cells] for r in table.rows]
    sheet = openpyxl.load_workbook(folder / f"{SUMMARY}.xlsx").active
    xlsx_rows = []
    assert sheet["A1"].value.startswith("征求意见稿（数据未锁定）")  # the draft's note above the table
    # the registers' columns (packet_sections.SECTION_MODULES) come after the .docx table's, in the .xlsx only
    for row in sheet.iter_rows(min_row=3, max_row=3 + len(docx_rows) - 1, max_col=len(docx_rows[0])):
        # as Excel shows them: the score columns' number format has one decimal place
        xlsx_rows.append(["" if c.value is None else f"{c.value:.1f}" if c.number_format == "0.0" else str(c.value)
                          for c in row])
    # The registers' columns (app/services/packet_sections.py) follow in the .xlsx only.
    width = len(docx_rows[0])
    assert [r[:width] for r in xlsx_rows] == docx_rows
    assert docx_rows[6][1] == "县林业局" and docx_rows[6][11] == "53.5" and docx_rows[1][14] == "是"


def test_second_run_redoes_only_what_changed(county, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    service = _service(county)
    service.generate(2026, folder, workers=0)
    stamp = (folder.with_name("out.zip")).stat().st_mtime_ns
    again = service.generate(2026, folder, workers=0)
    assert again.built == [] and len(again.unchanged) == PACKETS + 3
    assert folder.with_name("out.zip").stat().st_mtime_ns == stamp  # nothing changed, the zip is left alone
    annual = AnnualService(county.db.session_factory, today=lambda: TODAY)
    report = annual.review(2026).reports[2]  # type: ignore[union-attr]
    annual.set_report_text(report.id, "新的述职报告。")
    (folder / _name(1, "县财政局")).unlink()
    run = service.generate(2026, folder, workers=0)
    assert sorted(run.built) == [_name(1, "县财政局"), _name(3, "县民政局")]
    assert "新的述职报告。" in [p.text for p in _packet(folder, "县民政局").paragraphs]
    annual.set_check_score(annual.review(2026).reports[5].id, 70)  # type: ignore[union-attr]
    run = service.generate(2026, folder, workers=0)
    assert set(run.built) >= {_name(6, "县林业局"), f"{SUMMARY}.docx", f"{SUMMARY}.xlsx"}
    assert _name(1, "县财政局") not in run.built
    assert len(service.generate(2026, folder, workers=0, force=True).built) == PACKETS + 3


def test_files_of_units_no_longer_in_the_packets_are_removed(county, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    service = _service(county)
    service.generate(2026, folder, workers=0)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"][_name(7, "已撤并单位")] = "0" * 64
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    (folder / _name(7, "已撤并单位")).write_bytes(b"old")
    (folder / "用户自己的文件.txt").write_text("留着", encoding="utf-8")
    run = service.generate(2026, folder, workers=0)
    assert run.removed == [_name(7, "已撤并单位")]
    assert (folder / "用户自己的文件.txt").exists()
    with zipfile.ZipFile(folder.with_name("out.zip")) as zf:
        names = zf.namelist()
    assert f"out/{_name(7, '已撤并单位')}" not in names
    assert f"out/{_name(6, '县林业局')}" in names and f"out/{MANIFEST}" not in names


def _no_partial_files(folder: Path) -> None:
    leftovers = [p.name for p in folder.parent.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    assert leftovers == []
    for path in folder.glob("*.docx"):
        open_docx(path.read_bytes())  # every file there is a whole document


def test_cancel_leaves_whole_files_and_the_next_run_completes(county, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    done: list[str] = []

    def progress(n: int, total: int, text: str) -> None:
        if text.startswith("已生成"):
            done.append(text)

    with pytest.raises(OperationCancelled, match="已生成的文件都是完整的"):
        _service(county).generate(2026, folder, workers=0, progress=progress, cancelled=lambda: len(done) >= 2)
    _no_partial_files(folder)
    assert len(list(folder.glob("*.docx"))) == 2 and not folder.with_name("out.zip").exists()
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == sorted(p.name for p in folder.glob("*.docx"))
    run = _service(county).generate(2026, folder, workers=0)
    assert len(run.built) == PACKETS + 3 - 2 and len(run.unchanged) == 2


def test_worker_processes_and_cancel(county, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    service = _service(county)
    run = service.generate(2026, folder, unit_ids=[1, 2, 6], workers=2, make_zip=False)
    assert sorted(run.built) == [_name(1, "县财政局"), _name(2, "县教育局"), _name(6, "县林业局")]
    assert "县林业局\n2026年度党建工作\n述职评议考核材料" in [p.text for p in _packet(folder, "县林业局").paragraphs]
    flag: list[int] = []
    with pytest.raises(OperationCancelled):
        service.generate(2026, folder, workers=2, force=True, make_zip=False,
                         progress=lambda n, total, text: flag.append(n), cancelled=lambda: bool(flag))
    _no_partial_files(folder)


def test_before_the_meeting(paths, _template_db: Path, tmp_path: Path) -> None:
    source = tmp_path / "young.sqlite3"
    young = build_template(source, _template_db, range(1, 3))
    county = open_copy(young, source, paths)
    try:
        run = _service(county).generate(2026, tmp_path / "out", workers=0, make_zip=False)
    finally:
        county.db.close()
    assert run.packets == PACKETS and "未生成评议结果汇总表" in run.notes[1]
    body = "\n".join(p.text for p in _packet(tmp_path / "out", "县水利局").paragraphs)
    assert "述职评议测评结果尚未产生。" in body and "2026年共有2个月的考评结果" in body


def test_bad_output_folder(county, tmp_path: Path) -> None:
    blocker = tmp_path / "一个文件"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(ReportError, match="无法创建输出文件夹"):
        _service(county).generate(2026, blocker / "sub", workers=0)


def test_cli_packets(county, paths, capsys: pytest.CaptureFixture[str]) -> None:
    county.db.close()
    out = paths.data_dir / "packets"
    base = ["--data-dir", str(paths.data_dir)]
    assert main([*base, "packets", "2026", "--out", str(out), "--workers", "1", "--unit", "县林业局"]) == 0
    printed = capsys.readouterr().out
    assert "本次生成1个文件" in printed and (paths.data_dir / "packets.zip").exists()
    assert main([*base, "packets", "2026", "--out", str(out), "--unit", "不存在的局"]) == 2
    assert "没有这些单位：不存在的局" in capsys.readouterr().err


def test_a_registers_section_and_summary_column(county, tmp_path: Path, monkeypatch) -> None:
    """A register listed in SECTION_MODULES gets its own part in every packet (a unit without records says so) and
    a column in the .xlsx 汇总表."""
    monkeypatch.setattr("app.services.packet_sections.SECTION_MODULES", ("packet_section_sample",))
    folder = tmp_path / "材料"
    _service(county).generate(2026, folder, workers=0)
    forestry, finance = _packet(folder, "县林业局"), _packet(folder, "县财政局")
    for doc in (forestry, finance):
        body = [p.text for p in doc.paragraphs]
        contents = next(t for t in body if t.startswith("本材料包括："))
        assert "6.约谈及整改情况；7.样例台账；8.述职评议测评表" in contents
        at = body.index("样例台账")
        assert at > body.index("约谈及整改情况") and at < body.index("述职评议测评表")
    assert "2026年度共登记2次。" in [p.text for p in forestry.paragraphs]
    assert _row(forestry, "2026年9月1日") == ["2026年9月1日", "第二次"]
    assert "2026年度本单位无样例台账记录。" in [p.text for p in finance.paragraphs]
    results = check_gongwen(next(folder.glob("*_县林业局_*.docx")).read_bytes(), tmp_path, "--expect-chart",
                            name="forestry.docx")
    assert warnings_of(results) == {}
    sheet = openpyxl.load_workbook(folder / f"{SUMMARY}.xlsx").active
    header = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "序号")  # under the draft note
    assert header[-1] == "样例台账次数"
    cells = {row[1].value: row[-1].value for row in sheet.iter_rows() if isinstance(row[0].value, int)}
    assert cells["县林业局"] == "2" and cells["县财政局"] == "—" and len(cells) == PACKETS


def test_the_study_group_part_and_column(county, tmp_path: Path) -> None:
    """中心组学习: the unit's meetings of the year against the minimum, its plan, one row a meeting; the 汇总表's
    column says who fell short."""
    folder = tmp_path / "材料"
    _service(county).generate(2026, folder, workers=0)
    forestry, finance = _packet(folder, "县林业局"), _packet(folder, "县财政局")
    body = [p.text for p in forestry.paragraphs]
    assert "党组（党委）理论学习中心组学习情况" in body
    assert ("2026年度，本单位党组（党委）理论学习中心组开展集中学习2次，其中专题研讨1次；全县要求每年集中学习不少于12次、"
            "专题研讨不少于4次，未达到要求。") in body
    assert "年度学习计划：计划集中学习12次、专题研讨4次，2026年1月12日制定；学习专题：党的二十大精神；主题教育。" in body
    rows = [[c.text for c in r.cells] for t in forestry.tables for r in t.rows]
    assert ["1", "2026-03-10", "专题研讨", "主题教育", "周勇", "6", "8/9"] in rows
    assert ["2", "2026-05-10", "集中学习", "党的二十大精神", "周勇", "0", "8/9"] in rows
    assert "未制定年度学习计划。" in [p.text for p in finance.paragraphs]
    sheet = openpyxl.load_workbook(folder / f"{SUMMARY}.xlsx").active
    header = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "序号")
    column = header.index("中心组学习")
    cells = {row[1].value: row[column].value for row in sheet.iter_rows() if isinstance(row[0].value, int)}
    assert cells["县林业局"] == "2次（研讨1次），未达要求" and cells["县财政局"] == "0次（研讨0次），未达要求、无计划"


def test_a_section_whose_rows_do_not_fit_its_header_is_refused() -> None:
    from app.errors import ValidationError
    from app.reports.packet import PacketSection

    with pytest.raises(ValidationError, match="表格行与表头列数不一致"):
        PacketSection("样例台账", (), ("日期", "内容"), (("2026年3月1日",),))


def test_the_units_disposal_cases_in_its_packet(county, tmp_path: Path) -> None:
    """不合格党员处置 (app/services/disposal.py) in the packet: the year's cases with their steps; a unit without any
    says so; the 汇总表 column counts cases and open ones."""
    from app.models import AppraisalGrade, MemberStatus, OrgKind, OrgLifeKind
    from app.models.disposal import DisposalKind, DisposalStepKind
    from app.services.disposal import CaseInput, DisposalService, StepInput
    from app.services.orglife import AttendanceInput, OrgLifeService, RecordInput
    from app.services.register import MemberInput, OrgInput, RegisterService

    sf = county.db.session_factory
    reg = RegisterService(sf, today=lambda: TODAY)
    org = reg.save_org(OrgInput(6, "县林业局机关党支部", OrgKind.BRANCH))
    members = [reg.save_member(MemberInput(org, name, MemberStatus.FULL, joined_on=dt.date(2005, 7, 1)))
               for name in ("林一", "林二", "林三")]
    OrgLifeService(sf, today=lambda: TODAY).save_record(RecordInput(
        OrgLifeKind.DEMOCRATIC_APPRAISAL, dt.date(2026, 1, 15), org, topic="年度民主评议党员", recorded_on=dt.date(2026, 1, 15),
        attendance=[AttendanceInput(m, grade=AppraisalGrade.UNQUALIFIED if m == members[0] else AppraisalGrade.QUALIFIED)
                    for m in members]))
    svc = DisposalService(sf, today=lambda: TODAY)
    case = svc.open_case(CaseInput(members[0], DisposalKind.UNQUALIFIED, dt.date(2026, 1, 20)))
    svc.add_step(case, StepInput(DisposalStepKind.CORRECTION, dt.date(2026, 2, 3), dt.date(2026, 2, 10),
                                 deadline=dt.date(2026, 8, 31)))
    folder = tmp_path / "材料"
    _service(county).generate(2026, folder, workers=0)
    forestry, finance = _packet(folder, "县林业局"), _packet(folder, "县财政局")
    body = [p.text for p in forestry.paragraphs]
    assert "2026年度民主评议党员评为不合格1人。本年度办理党员处置案件1件，年内结案0件，尚未结案1件。" in body
    rows = [[c.text for c in r.cells] for table in forestry.tables for r in table.rows]
    assert ["1", "林一", "不合格党员处置", "2026.1.20",
            "限期改正（2026.2.3支部大会，2026.2.10批准，限2026.8.31前改正）", "未结案"] in rows
    assert "2026年度本单位无不合格党员处置记录。" in [p.text for p in finance.paragraphs]
    results = check_gongwen(next(folder.glob("*_县林业局_*.docx")).read_bytes(), tmp_path, "--expect-chart",
                            name="forestry.docx")
    assert warnings_of(results) == {}
    sheet = openpyxl.load_workbook(folder / f"{SUMMARY}.xlsx").active
    header = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "序号")
    column = header.index("党员处置案件（未结案）")
    cells = {row[1].value: row[column].value for row in sheet.iter_rows() if isinstance(row[0].value, int)}
    assert cells["县林业局"] == "1（1）" and cells["县财政局"] == "—"
