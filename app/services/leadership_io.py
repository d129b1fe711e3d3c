"""民主生活会 in Excel: the import template, the import and the export (the same three sheets).

“民主生活会” has one row per meeting (单位, 类型, 党组织 for a 组织生活会, 召开日期, 主题, 参会班子成员, 上级督导, 会前征求
意见); “批评意见” one row per item (the meeting named by 单位, 召开日期 and, for a 组织生活会, 党组织; 批评类型, 针对班子
成员, 提出人, 内容); “问题清单” one row per problem (the meeting likewise; 存在问题, 整改措施, 责任人, 整改时限).  Every row
is checked with the form's rules (app.services.leadership `validate`), each problem named by sheet, row and
column, and nothing is written unless every row is right.  A meeting already stored (same unit, type, organisation
and date) is counted unchanged with its rows, so importing a file twice duplicates nothing.  Past 整改时限 are
accepted: the file records meetings already held; the items are 逾期 on the 整改 page if still open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.errors import FieldProblem, ImportFileError, ImportReport
from app.models import CriticismKind, LeadershipMeeting, LeadershipMeetingKind, PartyOrg, Unit
from app.reports.xlsx_text import save_workbook
from app.services.excel_io import (
    CellError,
    Column,
    SheetSpec,
    cell_text,
    convert_cell,
    header_lookup,
    is_blank,
    norm_header,
    open_workbook,
    without_brackets,
)
from app.services.leadership import (
    CriticismInput,
    LeadershipService,
    MeetingInput,
    clean_names,
    criticism_problems,
    store,
    validate,
)
from app.services.rectification import ItemInput, check_items
from app.services.register_audit import register_unit_of_work

SessionFactory = Callable[[], Session]
Kind = LeadershipMeetingKind

_UNIT = Column("unit", "单位", required=True, synonyms=("单位名称", "所属单位"), width=22)
_ORG = Column("org", "党组织", synonyms=("党组织名称", "支部"), width=28, hint="组织生活会填写召开会议的支部；民主生活会不填。")
_HELD = Column("held_on", "召开日期", kind="date", required=True, synonyms=("日期", "会议日期"), width=12)
MEETINGS = SheetSpec("meeting", "民主生活会", (
    _UNIT,
    Column("kind", "类型", kind="choice", choices=tuple(k.value for k in Kind), synonyms=("会议类型",), width=12,
           hint="民主生活会或组织生活会；不填为民主生活会。"),
    _ORG, _HELD,
    Column("topic", "会议主题", required=True, synonyms=("主题",), width=36),
    Column("attendees", "参会班子成员", required=True, synonyms=("班子成员", "参会人员", "出席"), width=28,
           hint="姓名以顿号分隔；批评意见针对的成员须在其中。"),
    Column("supervisors", "上级督导", synonyms=("督导人员", "列席指导"), width=22),
    Column("opinions", "会前征求意见条数", kind="int", synonyms=("征求意见", "征求意见条数", "会前征求意见"), width=10),
    Column("note", "备注", width=16),
), synonyms=("民主生活会记录", "会议"))
CRITICISMS = SheetSpec("criticism", "批评意见", (
    _UNIT, _ORG, _HELD,
    Column("kind", "批评类型", kind="choice", required=True, choices=tuple(k.value for k in CriticismKind),
           synonyms=("类型",), choice_synonyms=(("自我批评意见", "自我批评"), ("相互批评意见", "相互批评"),
                                                  ("互相批评", "相互批评")), width=12),
    Column("target", "针对班子成员", required=True, synonyms=("班子成员", "被批评人", "对象"), width=12),
    Column("raised_by", "提出人", synonyms=("批评人",), width=12, hint="自我批评可不填。"),
    Column("content", "批评意见", required=True, synonyms=("内容", "意见内容"), width=50),
))
PROBLEMS = SheetSpec("problem", "问题清单", (
    _UNIT, _ORG, _HELD,
    Column("problem", "存在问题", required=True, synonyms=("问题",), width=40),
    Column("measure", "整改措施", synonyms=("措施",), width=40),
    Column("owner", "责任人", width=10),
    Column("deadline", "整改时限", kind="date", required=True, synonyms=("时限", "完成时限"), width=12),
))
SHEETS = (MEETINGS, CRITICISMS, PROBLEMS)
_HEADER_ROWS = 10


@dataclass
class _Sheet:
    spec: SheetSpec
    title: str
    positions: dict[str, int]
    headers: dict[str, str]
    rows: list[tuple[int, tuple[Any, ...]]]


def _read(path: Path) -> dict[str, _Sheet]:
    """The three sheets (the meetings' is required; the others may be absent) by spec key."""
    wb = open_workbook(Path(path))
    found: dict[str, _Sheet] = {}
    try:
        for spec in SHEETS:
            names = {norm_header(spec.title), *(norm_header(x) for x in spec.synonyms)}
            for ws in wb.worksheets:
                if norm_header(ws.title) not in names:
                    continue
                sheet = _sheet(spec, ws.title, list(ws.iter_rows(values_only=True)))
                if sheet is not None:
                    found[spec.key] = sheet
                    break
    finally:
        wb.close()
    if MEETINGS.key not in found:
        raise ImportFileError("文件中没有找到“民主生活会”表：表头须有“单位”“召开日期”“会议主题”“参会班子成员”等列；"
                              "请下载导入模板填写")
    return found


def _sheet(spec: SheetSpec, title: str, rows: list[tuple[Any, ...]]) -> _Sheet | None:
    index = header_lookup(spec)
    for i, cells in enumerate(rows[:_HEADER_ROWS]):
        pos: dict[str, int] = {}
        for p, cell in enumerate(cells):
            n = norm_header(cell)
            key = (index.get(n) or index.get(without_brackets(n))) if n else None
            if key is not None:
                pos.setdefault(key, p)
        if {"unit", "held_on"} <= pos.keys():
            missing = [c.header for c in spec.columns if c.required and c.key not in pos]
            if missing:
                raise ImportFileError(f"“{title}”表缺少必需的列：{'、'.join(missing)}；请使用导入模板的列名")
            data = [(i + 2 + n, r) for n, r in enumerate(rows[i + 1:]) if not is_blank(r)]
            return _Sheet(spec, title, pos, {k: cell_text(cells[p]) for k, p in pos.items()}, data)
    return None


@dataclass
class _Staged:
    row: int
    data: MeetingInput
    skip: bool = False  # already stored
    criticisms: list[tuple[int, CriticismInput]] = field(default_factory=list)
    problems: list[tuple[int, ItemInput]] = field(default_factory=list)


class _Importer:
    def __init__(self, s: Session, sheets: dict[str, _Sheet], today: dt.date) -> None:
        self.s, self.sheets, self.today = s, sheets, today
        self.report = ImportReport()
        self.units = {n: i for i, n in s.execute(select(Unit.id, Unit.name))}
        self.orgs = {n: (i, u) for i, n, u in s.execute(select(PartyOrg.id, PartyOrg.name, PartyOrg.unit_id))}
        self.meetings: dict[tuple[int, int | None, dt.date], _Staged] = {}

    def problem(self, sheet: _Sheet, row: int, key: str, message: str) -> None:
        header = sheet.headers.get(key) or next((c.header for c in sheet.spec.columns if c.key == key), key)
        self.report.problems.append(FieldProblem(key, message, row, header, sheet.title))

    def cells(self, sheet: _Sheet, row: int, raw: tuple[Any, ...]) -> dict[str, Any] | None:
        values: dict[str, Any] = {}
        ok = True
        for key, pos in sheet.positions.items():
            col = sheet.spec.column(key)
            try:
                values[key] = convert_cell(col, raw[pos] if pos < len(raw) else None)
            except CellError as exc:
                self.problem(sheet, row, key, str(exc))
                ok = False
        for col in sheet.spec.columns:
            if ok and col.required and values.get(col.key) in (None, ""):
                self.problem(sheet, row, col.key, f"请填写{col.header}")
                ok = False
        return values if ok else None

    def where(self, sheet: _Sheet, row: int, v: dict[str, Any]) -> tuple[int, int | None, dt.date] | None:
        """The meeting a row names: (unit, organisation, date), or None (a problem said)."""
        unit_id = self.units.get(v["unit"])
        if unit_id is None:
            self.problem(sheet, row, "unit", f"单位“{v['unit']}”不在名册中")
            return None
        org_id = None
        if v.get("org"):
            found = self.orgs.get(v["org"])
            if found is None:
                self.problem(sheet, row, "org", f"党组织“{v['org']}”不在名册中")
                return None
            org_id = found[0]
        return unit_id, org_id, v["held_on"]

    def meeting_row(self, sheet: _Sheet, row: int, raw: tuple[Any, ...]) -> None:
        v = self.cells(sheet, row, raw)
        key = self.where(sheet, row, v) if v is not None else None
        if v is None or key is None:
            return
        if key in self.meetings:
            self.problem(sheet, row, "held_on", f"与第{self.meetings[key].row}行重复（同一单位、党组织、召开日期）")
            return
        kind = Kind(v.get("kind") or Kind.DEMOCRATIC_LIFE.value)
        data = MeetingInput(key[0], key[2], kind, key[1], v.get("topic", ""), clean_names(v.get("attendees", "")),
                            clean_names(v.get("supervisors", "")), int(v.get("opinions") or 0), note=v.get("note", ""))
        staged = _Staged(row, data)
        self.meetings[key] = staged
        if self._stored(data):
            staged.skip = True
            self.report.unchanged += 1
            return
        for p in validate(self.s, data, today=self.today, row=row, past_deadlines=True):
            col = {"unit_id": "unit", "org_id": "org", "opinions_solicited": "opinions"}.get(p.field, p.field)
            self.problem(sheet, row, col if col in {c.key for c in sheet.spec.columns} else "topic", p.message)

    def _stored(self, data: MeetingInput) -> bool:
        return self.s.scalar(select(LeadershipMeeting.id).where(
            LeadershipMeeting.unit_id == data.unit_id, LeadershipMeeting.kind == data.kind,
            LeadershipMeeting.held_on == data.held_on,
            LeadershipMeeting.org_id == data.org_id if data.org_id is not None
            else LeadershipMeeting.org_id.is_(None))) is not None

    def child_row(self, sheet: _Sheet, row: int, raw: tuple[Any, ...]) -> None:
        v = self.cells(sheet, row, raw)
        key = self.where(sheet, row, v) if v is not None else None
        if v is None or key is None:
            return
        staged = self.meetings.get(key)
        if staged is None:
            self.problem(sheet, row, "held_on", "“民主生活会”表中没有这次会议（单位、党组织、召开日期须与之一致）")
            return
        if staged.skip:
            return
        if sheet.spec is CRITICISMS:
            c = CriticismInput(v["kind"], v.get("target", ""), v.get("content", ""), v.get("raised_by", ""))
            for p in criticism_problems(c, staged.data.attendees, row, per_column=True):
                self.problem(sheet, row, p.field, p.message)
            staged.criticisms.append((row, c))
        else:
            item = ItemInput(v.get("problem", ""), v.get("measure", ""), v.get("owner", ""), v.get("deadline"))
            for p in check_items([item], None, row):
                self.problem(sheet, row, p.field, p.message)
            staged.problems.append((row, item))


def import_meetings(session_factory: SessionFactory, path: Path, *, dry_run: bool,
                    today: Callable[[], dt.date] = clock.today) -> ImportReport:
    """Check every row of the workbook and, if all are right and this is not a dry run, store the meetings (one
    unit of work, audited).  Raises `ImportFileError` for an unreadable file."""
    sheets = _read(Path(path))
    if not sheets[MEETINGS.key].rows:
        raise ImportFileError("“民主生活会”表中只有表头，没有可导入的数据行")
    if dry_run:
        with session_factory() as s:
            return _checked(s, sheets, today())[0]
    try:
        with register_unit_of_work(session_factory, reason=f"Excel导入：{Path(path).name}") as (s, log):
            report, staged = _checked(s, sheets, today())
            if report.problems:
                raise _Refused(report)
            for m in staged:
                m.data.criticisms = [c for _r, c in m.criticisms]
                m.data.problems = [p for _r, p in m.problems]
                store(s, log, m.data, None, None)
    except _Refused as refused:  # rolled back: nothing written
        return refused.report
    report.applied = True
    return report


class _Refused(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__("import refused")
        self.report = report


def _checked(s: Session, sheets: dict[str, _Sheet], today: dt.date) -> tuple[ImportReport, list[_Staged]]:
    imp = _Importer(s, sheets, today)
    for row, raw in sheets[MEETINGS.key].rows:
        imp.meeting_row(sheets[MEETINGS.key], row, raw)
    for spec in (CRITICISMS, PROBLEMS):
        if spec.key in sheets:
            for row, raw in sheets[spec.key].rows:
                imp.child_row(sheets[spec.key], row, raw)
    report = imp.report
    staged = [m for m in imp.meetings.values() if not m.skip]
    report.created = 0 if report.problems else len(staged)
    order = [sp.title for sp in SHEETS]
    report.problems.sort(key=lambda p: (order.index(p.sheet) if p.sheet in order else len(order), p.row or 0))
    return report, staged


def write_template(path: Path) -> None:
    """An empty workbook with the three sheets (required headers in red) and the notes."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for spec in SHEETS:
        ws = wb.create_sheet(spec.title)
        _headers(ws, spec)
    notes = wb.create_sheet("说明")
    notes.append(["表", "列", "填写说明"])
    for spec in SHEETS:
        for col in spec.columns:
            choices = f"可选：{'、'.join(col.choices)}。" if col.choices else ""
            notes.append([spec.title, col.header + ("（必填）" if col.required else ""), choices + col.hint])
    notes.append(["", "", "批评意见、问题清单按“单位＋召开日期（＋党组织）”对应到“民主生活会”表中的会议。"])
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 12, 18
    notes.column_dimensions["C"].width = 90
    save_workbook(wb, Path(path))


def _headers(ws: Any, spec: SheetSpec) -> None:
    for i, col in enumerate(spec.columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        cell.fill = PatternFill("solid", fgColor="FCE4D6")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[cell.column_letter].width = col.width
    ws.freeze_panes = "A2"


def export_meetings(session_factory: SessionFactory, path: Path, *, year: int | None = None,
                    today: Callable[[], dt.date] = clock.today) -> int:
    """The meetings (of `year`, or all) in the import's three sheets, 问题清单 with their 整改 status; returns the
    number of meetings written."""
    views = LeadershipService(session_factory, today=today).meetings(year=year)
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    ws = wb.create_sheet(MEETINGS.title)
    _headers(ws, MEETINGS)
    for v in views:
        ws.append([v.unit, v.kind.value, v.org, v.held_on, v.topic, "、".join(v.attendees), "、".join(v.supervisors),
                   v.opinions_solicited, v.note])
    ws = wb.create_sheet(CRITICISMS.title)
    _headers(ws, CRITICISMS)
    for v in views:
        for c in v.criticisms:
            ws.append([v.unit, v.org, v.held_on, c.kind.value, c.target, c.raised_by, c.content])
    ws = wb.create_sheet(PROBLEMS.title)
    _headers(ws, PROBLEMS)
    ws.cell(row=1, column=len(PROBLEMS.columns) + 1, value="整改状态").font = Font(bold=True)
    for v in views:
        for p in v.problems:
            ws.append([v.unit, v.org, v.held_on, p.problem, p.measure, p.owner, p.deadline, p.status_text])
    for title in (MEETINGS.title, CRITICISMS.title, PROBLEMS.title):
        for row in wb[title].iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
    save_workbook(wb, Path(path))
    return len(views)
