"""单位填报 (issue 18): the signed workbook per unit, read back all-or-nothing; refusals with their reasons; the
round's states, the deadline and its 提醒; the 催报 list."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from documents_support import built as built
from documents_support import open_copy
from sqlalchemy import func, select

from app.errors import ValidationError
from app.models import (
    AuditEntry,
    Member,
    OrgLifeKind,
    OrgLifeRecord,
    PartyOrg,
    RectificationItem,
    ScoreItem,
    ScoreSheet,
)
from app.services import alerts as A
from app.services import collection as C
from app.services.audit import verify
from app.services.orglife import AttendanceInput, OrgLifeService, RecordInput
from app.services.rectification import ItemInput, RectificationService

MONTH = (2026, 11)
FINANCE = "县财政局"
EDUCATION = "县教育局"
BRANCH = "中共县财政局机关支部委员会"


class Clock:
    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __call__(self) -> dt.date:
        return self.day


@pytest.fixture
def county(built, paths):
    c = open_copy(*built, paths)
    yield c
    c.db.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.date(2026, 11, 25))


@pytest.fixture
def service(county, clock) -> C.CollectionService:
    return C.CollectionService(county.db.session_factory, actor="测试员", today=clock)


def sent(service: C.CollectionService, tmp_path: Path) -> dict[str, Path]:
    result = service.send(*MONTH, tmp_path / "out")
    return {p.name.split("2026")[0]: p for p in result.files}


def fill(path: Path, target: Path, *, scores: dict[int, object] | None = None, meetings: list[tuple] = (),
         progress: str = "") -> Path:
    """What a unit does: open its workbook, type into the unlocked cells, save."""
    wb = openpyxl.load_workbook(path)
    ws = wb["自评"]
    for row, value in (scores or {2: 5}).items():
        ws.cell(row=row, column=7, value=value)
        ws.cell(row=row, column=8, value="会议记录已存档")
    life = wb["组织生活"]
    for i, (kind, day, topic, present) in enumerate(meetings):
        for col, v in ((1, kind), (2, day), (5, topic), (9, present)):
            life.cell(row=2 + i, column=col, value=v)
    if progress:
        wb["整改进展"].cell(row=2, column=8, value=progress)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def state_of(service: C.CollectionService, unit: str) -> C.BoardRow:
    return next(r for r in service.board(*MONTH) if r.unit == unit)


def test_round_trip_for_one_unit(county, service, tmp_path):
    rect = RectificationService(county.db.session_factory, actor="测试员", today=lambda: dt.date(2026, 11, 20))
    rect.create(county.unit(FINANCE), "2026年第三季度督查", [ItemInput("党费收缴不及时", "按月收缴", "张三",
                                                                       dt.date(2026, 12, 31))])
    files = sent(service, tmp_path)
    assert files[FINANCE].name == "县财政局2026年11月填报表.xlsx"
    assert len(files) == 8
    assert state_of(service, FINANCE).state == C.SENT
    wb = openpyxl.load_workbook(files[FINANCE])
    assert wb.sheetnames[0] == "填写说明"
    assert "县财政局" in wb["填写说明"]["A1"].value
    assert wb["签名"].sheet_state == "veryHidden"
    life = wb["组织生活"]
    assert {life.cell(row=r, column=3).value for r in range(2, 8)} == {BRANCH}
    assert wb["整改进展"].cell(row=2, column=3).value == "党费收缴不及时"
    # only this unit: no other unit's name anywhere in the visible sheets
    text = " ".join(str(c.value) for ws in wb.worksheets if ws.sheet_state == "visible" for row in ws.iter_rows()
                    for c in row if c.value is not None)
    assert EDUCATION not in text
    # the county's key stays in the database: no cell of any sheet (the hidden one included) holds it
    with county.db.session_factory() as s:
        secret = C._secret(s, create=False).hex()
    everything = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert all(secret not in v for v in everything)
    assert secret.encode() not in files[FINANCE].read_bytes()

    back = fill(files[FINANCE], tmp_path / "back" / files[FINANCE].name, scores={2: 5, 3: 2.5},
                meetings=[("支委会", dt.datetime(2026, 11, 6), "研究11月党建工作", "全体"),
                          ("主题党日", dt.datetime(2026, 11, 12), "学习贯彻全会精神", "全体")],
                progress="已补缴10月党费")
    result = service.receive(*MONTH, [back.parent])
    [outcome] = result.files
    assert outcome.outcome == C.TAKEN, outcome.reasons
    assert outcome.unit == FINANCE
    row = state_of(service, FINANCE)
    assert row.state == C.RECEIVED and row.received_file == back.name
    with county.db.session_factory() as s:
        sheet = s.scalar(select(ScoreSheet).where(ScoreSheet.unit_id == county.unit(FINANCE),
                                                  ScoreSheet.period.has(key="2026-11")))
        items = sorted(sheet.items, key=lambda i: (i.indicator.category.sort_order, i.indicator.sort_order))
        firsts = [i for i in items if i.self_score is not None]
        assert [i.self_score for i in firsts] == [Decimal("5.0"), Decimal("2.5")]
        assert firsts[0].self_note == "会议记录已存档"
        assert sheet.self_total == Decimal("7.5")
        assert all(i.review_score == i.indicator.points or i.indicator.method.value == "加分" for i in items)
        records = s.scalars(select(OrgLifeRecord).where(OrgLifeRecord.held_on >= dt.date(2026, 11, 1))).all()
        assert {(r.kind, r.topic) for r in records} == {(OrgLifeKind.COMMITTEE_MEETING, "研究11月党建工作"),
                                                        (OrgLifeKind.THEME_DAY, "学习贯彻全会精神")}
        item = s.scalars(select(RectificationItem)).one()
        assert item.progress.endswith("单位填报：已补缴10月党费")
        actions = set(s.scalars(select(AuditEntry.action)))
        assert {"下发填报表", "收回填报表"} <= actions
    report = verify(county.db.session_factory)
    assert report.ok, report


def test_a_folder_of_returns(county, service, tmp_path):
    orglife = OrgLifeService(county.db.session_factory, today=lambda: dt.date(2026, 11, 20))
    with county.db.session_factory() as s:
        branch = s.scalar(select(PartyOrg.id).where(PartyOrg.name == BRANCH))
        secretary = s.scalar(select(Member.id).where(Member.org_id == branch))
    # the 工委 already entered the 支委会 of 6 November (another topic)
    orglife.save_record(RecordInput(OrgLifeKind.COMMITTEE_MEETING, dt.date(2026, 11, 6), branch, topic="支委会",
                                    attendance=[AttendanceInput(secretary)]))
    files = sent(service, tmp_path)
    folder = tmp_path / "back"
    good = fill(files[FINANCE], folder / files[FINANCE].name,
                meetings=[("支委会", dt.date(2026, 11, 6), "研究11月党建工作", "全体")])
    bad = fill(files["县民政局"], folder / files["县民政局"].name, scores={2: 99, 3: "九分"},
               meetings=[("主题党日", "2026-13-40", "学习", "全体")])
    # 县教育局 sends 县审计局's workbook under its own name
    fill(files["县审计局"], folder / "县教育局2026年11月填报表.xlsx")
    # a locked month is sent no workbooks
    previous = C.CollectionService(county.db.session_factory, actor="测试员", today=lambda: dt.date(2026, 10, 20))
    with pytest.raises(ValidationError, match="已锁定"):
        previous.send(2026, 10, tmp_path / "old")
    # an edited signature: 县水利局 claims to be 县林业局
    edited = fill(files["县水利局"], folder / "县水利局2026年11月填报表.xlsx")
    wb = openpyxl.load_workbook(edited)
    wb["签名"]["B1"] = county.unit("县林业局")
    wb.save(edited)

    result = service.receive(*MONTH, [folder])
    by = {f.file: f for f in result.files}
    assert by[good.name].outcome == C.TAKEN, by[good.name].reasons
    assert by[bad.name].outcome == C.BAD_ROWS
    reasons = "\n".join(by[bad.name].reasons)
    assert "“自评”表第2行“自评得分”列" in reasons and "超过该指标分值" in reasons
    assert "“自评”表第3行“自评得分”列：自评得分应为数字" in reasons
    assert "“组织生活”表第2行“召开日期”列" in reasons
    renamed = by["县教育局2026年11月填报表.xlsx"]
    assert renamed.outcome == C.REFUSED and "下发给“县审计局”" in renamed.reasons[0]
    assert by[edited.name].outcome == C.REFUSED and "签名校验失败" in by[edited.name].reasons[0]

    board = {r.unit: r for r in service.board(*MONTH)}
    assert board[FINANCE].state == C.RECEIVED
    assert board["县民政局"].state == C.FAULTY and any("超过该指标分值" in r for r in board["县民政局"].reasons)
    assert board[EDUCATION].state == C.SENT and board["县审计局"].state == C.SENT
    with county.db.session_factory() as s:
        # the 工委's 支委会 of 6 November is not entered twice; nothing of 县民政局's file was kept
        assert s.scalar(select(func.count()).select_from(OrgLifeRecord).where(
            OrgLifeRecord.org_id == branch, OrgLifeRecord.held_on == dt.date(2026, 11, 6))) == 1
        assert not s.scalars(select(ScoreItem.self_score).join(ScoreSheet).where(
            ScoreSheet.unit_id == county.unit("县民政局"), ScoreItem.self_score.is_not(None))).all()

    # the same file twice changes nothing (a good one, and a wrong one: the same reasons again)
    before = _audit_count(county)
    again = service.receive(*MONTH, [good, bad])
    assert [f.outcome for f in again.files] == [C.UNCHANGED, C.BAD_ROWS]
    assert again.files[1].reasons == by[bad.name].reasons
    assert _audit_count(county) == before


def test_a_previous_month_and_an_older_template_and_a_resent_workbook(county, service, tmp_path, monkeypatch):
    november = sent(service, tmp_path)
    december = C.CollectionService(county.db.session_factory, actor="测试员", today=lambda: dt.date(2026, 12, 20))
    dec_files = {p.name.split("2026")[0]: p for p in december.send(2026, 12, tmp_path / "dec").files}
    result = service.receive(*MONTH, [dec_files[FINANCE]])
    assert result.files[0].outcome == C.REFUSED
    assert "这是2026年12月的填报表，不是2026年11月的" in result.files[0].reasons[0]

    monkeypatch.setattr(C, "TEMPLATE_VERSION", 2)
    result = service.receive(*MONTH, [november[FINANCE]])
    assert "旧版填报表（第1版）" in result.files[0].reasons[0]
    monkeypatch.setattr(C, "TEMPLATE_VERSION", 1)

    old = tmp_path / "old.xlsx"
    shutil.copy(november[FINANCE], old)
    service.send(*MONTH, tmp_path / "again", [county.unit(FINANCE)])
    result = service.receive(*MONTH, [old])
    assert result.files[0].outcome == C.REFUSED and "重新下发" in result.files[0].reasons[0]


def test_a_locked_month_refuses_returns(county, service, tmp_path):
    files = sent(service, tmp_path)
    period = county.scoring.find_month(*MONTH)
    for sh in county.scoring.sheets(period.id):
        county.scoring.set_reviewed(sh.id, True)
    county.scoring.lock_period(period.id)
    with pytest.raises(ValidationError, match="已锁定，不再接收"):
        service.receive(*MONTH, [files[FINANCE]])


def test_protected_cells(service, tmp_path):
    files = sent(service, tmp_path)
    wb = openpyxl.load_workbook(files[FINANCE])
    assert wb.security.lockStructure
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
    ws = wb["自评"]
    assert ws.cell(row=1, column=7).value == "自评得分"
    for row in range(2, ws.max_row + 1):
        assert ws.cell(row=row, column=7).protection.locked is False
        assert ws.cell(row=row, column=8).protection.locked is False
        for col in range(1, 7):
            assert ws.cell(row=row, column=col).protection.locked is True
    life = wb["组织生活"]
    assert life.cell(row=2, column=3).protection.locked is True  # the organisation, filled in
    assert life.cell(row=2, column=1).protection.locked is False
    assert life.cell(row=life.max_row, column=3).protection.locked is False  # a spare row: chosen from the list
    assert wb["签名"].cell(row=5, column=2).protection.locked is True
    guide = wb["填写说明"]
    assert all(c.protection.locked for row in guide.iter_rows() for c in row)


def test_the_deadline_and_its_alert(county, service, clock, tmp_path):
    assert service.deadline(*MONTH) == dt.date(2026, 12, 7)  # the 5th working day of December 2026
    files = sent(service, tmp_path)
    fill(files[FINANCE], tmp_path / "back" / files[FINANCE].name)
    service.receive(*MONTH, [tmp_path / "back"])
    kinds = lambda day: [a for a in A.AlertService(county.db.session_factory, today=lambda: day).alerts()  # noqa: E731
                         if a.kind == "collection_overdue"]
    assert kinds(dt.date(2026, 12, 7)) == []
    late = kinds(dt.date(2026, 12, 8))
    assert {a.subject for a in late} == set(county_units()) - {FINANCE}
    assert "填报表尚未报送" in late[0].message and late[0].overdue
    clock.day = dt.date(2026, 12, 8)
    assert state_of(service, EDUCATION).state == C.OVERDUE
    assert state_of(service, FINANCE).state == C.RECEIVED
    assert "collection_overdue" in A.KIND_GROUPS["单位填报"]


def test_the_reminder_list(county, service, tmp_path):
    files = sent(service, tmp_path)
    fill(files[FINANCE], tmp_path / "back" / files[FINANCE].name)
    service.receive(*MONTH, [tmp_path / "back"])
    path = service.write_reminders(*MONTH, tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert "催报名单" in ws["A1"].value and "2026-12-07" in ws["A1"].value
    units = [ws.cell(row=r, column=2).value for r in range(3, ws.max_row + 1)]
    assert FINANCE not in units and EDUCATION in units and len(units) == 7


def test_a_file_that_is_not_a_workbook_of_the_round(service, tmp_path):
    sent(service, tmp_path)
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    result = service.receive(*MONTH, [plain, junk])
    assert [f.outcome for f in result.files] == [C.REFUSED, C.REFUSED]
    assert "没有签名" in result.files[0].reasons[0]
    assert "junk.xlsx" in result.files[1].reasons[0]


def county_units() -> list[str]:
    from documents_support import UNITS

    return UNITS


def _audit_count(county) -> int:
    with county.db.session_factory() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))
