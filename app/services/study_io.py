"""中心组学习 in Excel: the import template, the import of meetings, and the export of a year (meetings and plans).

One sheet “中心组学习”, one row per meeting: 单位, 学习日期, 形式 (集中学习 / 专题研讨), 学习主题, 主讲, 研讨发言人次,
出席班子成员, 班子成员总数, 备注.  Cells are read with the register import's readers (dates typed in any usual way,
header synonyms, damaged files refused with a clear message); every row is checked with the form's rules
(`StudyService.validate_meeting`), each problem named by its row and column, and nothing is written unless every
row is right.  A row matching a meeting already stored (unit, date, topic) is counted as unchanged, so importing a
file twice duplicates nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.errors import FieldProblem, ImportFileError, ImportReport
from app.models import StudyForm, StudyMeeting, Unit
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
from app.services.register_audit import register_work
from app.services.study import MeetingInput, StudyService, store_meeting

SessionFactory = Callable[[], Session]

SHEET = SheetSpec("study", "中心组学习", (
    Column("unit", "单位", required=True, synonyms=("单位名称", "所属单位"), width=20),
    Column("held_on", "学习日期", kind="date", required=True, synonyms=("日期", "时间", "学习时间"), width=12),
    Column("form", "形式", kind="choice", required=True, choices=tuple(f.value for f in StudyForm),
           synonyms=("学习形式", "类型"), choice_synonyms=(("集体学习", "集中学习"), ("研讨", "专题研讨"),
                                                    ("研讨交流", "专题研讨")), width=10),
    Column("topic", "学习主题", required=True, synonyms=("主题", "学习内容", "专题"), width=34),
    Column("lecturer", "主讲", required=True, synonyms=("主讲人", "领学人", "主讲（领学）"), width=10),
    Column("speeches", "研讨发言人次", kind="int", synonyms=("研讨发言", "发言人次", "交流发言"), width=12,
           hint="专题研讨须至少1人次；不填为0。"),
    Column("members_present", "出席班子成员", kind="int", required=True, synonyms=("出席人数", "实到"), width=12),
    Column("members_total", "班子成员总数", kind="int", required=True, synonyms=("应到", "班子成员"), width=12),
    Column("note", "备注", width=16),
), synonyms=("理论学习中心组", "中心组学习记录", "学习记录"))

_FIELD_COLUMN = {"unit_id": "unit", "held_on": "held_on", "form": "form", "topic": "topic", "lecturer": "lecturer",
                 "speeches": "speeches", "members_present": "members_present", "members_total": "members_total",
                 "note": "note"}
_HEADER_ROWS = 10


def _read(path: Path) -> tuple[str, dict[str, int], dict[str, str], list[tuple[int, tuple[Any, ...]]]]:
    """The sheet's title, its columns' positions and headers, and its data rows (Excel row numbers)."""
    wb = open_workbook(Path(path))
    index = header_lookup(SHEET)
    names = {norm_header(SHEET.title), *(norm_header(x) for x in SHEET.synonyms)}
    try:
        for ws in sorted(wb.worksheets, key=lambda w: norm_header(w.title) not in names):
            rows = list(ws.iter_rows(values_only=True))
            for i, cells in enumerate(rows[:_HEADER_ROWS]):
                found: dict[str, int] = {}
                for pos, cell in enumerate(cells):
                    n = norm_header(cell)
                    key = (index.get(n) or index.get(without_brackets(n))) if n else None
                    if key is not None:
                        found.setdefault(key, pos)
                if {"unit", "held_on", "topic"} <= found.keys():
                    missing = [c.header for c in SHEET.columns if c.required and c.key not in found]
                    if missing:
                        raise ImportFileError(f"“{ws.title}”表缺少必需的列：{'、'.join(missing)}；请使用导入模板的列名")
                    data = [(i + 2 + n, r) for n, r in enumerate(rows[i + 1:]) if not is_blank(r)]
                    return ws.title, found, {k: cell_text(cells[p]) for k, p in found.items()}, data
    finally:
        wb.close()
    raise ImportFileError("文件中没有找到中心组学习记录表：表头须有“单位”“学习日期”“形式”“学习主题”等列；请下载导入模板填写")


def import_study(session_factory: SessionFactory, path: Path, *, dry_run: bool, actor: str | None = None,
                 today: Callable[[], dt.date] = clock.today) -> ImportReport:
    """Check every row and, if all are right and this is not a dry run, store them in one transaction (each an
    audit entry).  Raises `ImportFileError` for a file that cannot be read."""
    title, positions, headers, rows = _read(Path(path))
    if not rows:
        raise ImportFileError("文件中只有表头，没有可导入的数据行")
    svc = StudyService(session_factory, actor, today=today)
    report = ImportReport()

    def problem(row: int, key: str, message: str) -> None:
        report.problems.append(FieldProblem(key, message, row, headers.get(key) or SHEET.column(key).header, title))

    with session_factory() as s:  # every row checked first, in a read-only session
        units = {name: uid for uid, name in s.execute(select(Unit.id, Unit.name))}
        staged: list[MeetingInput] = []
        seen: dict[tuple[Any, ...], int] = {}
        for row, raw in rows:
            data = _row_input(row, raw, positions, units, problem)
            if data is None:
                continue
            found = svc.validate_meeting(s, data, row)
            for p in found:
                if p.field == "topic" and "已登记同一主题" in p.message:
                    report.unchanged += 1
                else:
                    problem(row, _FIELD_COLUMN.get(p.field, "topic"), p.message)
            if found:
                continue
            key = (data.unit_id, data.held_on, data.topic)
            if key in seen:
                problem(row, "topic", f"与第{seen[key]}行重复（同一单位、同一天、同一主题）")
                continue
            seen[key] = row
            staged.append(data)
    report.problems.sort(key=lambda p: p.row or 0)
    report.created = 0 if report.problems else len(staged)
    if report.problems or dry_run:
        return report
    reason = f"Excel导入：{Path(path).name}"
    with register_work(session_factory, actor, reason=reason) as s:
        for data in staged:
            m = StudyMeeting()
            store_meeting(m, data)
            s.add(m)
    report.applied = True
    return report


def _row_input(row: int, raw: tuple[Any, ...], positions: dict[str, int], units: dict[str, int],
               problem: Callable[[int, str, str], None]) -> MeetingInput | None:
    """One row's cells as a meeting to check, or None when a cell could not be read (each problem reported)."""
    values: dict[str, Any] = {}
    for key, pos in positions.items():
        try:
            values[key] = convert_cell(SHEET.column(key), raw[pos] if pos < len(raw) else None)
        except CellError as exc:
            problem(row, key, str(exc))
    if len(values) < len(positions):
        return None
    unit_id = units.get(values.get("unit") or "")
    if unit_id is None:
        problem(row, "unit", f"单位“{values['unit']}”不在名册中" if values.get("unit") else "请填写单位")
        return None
    return MeetingInput(unit_id, values.get("held_on"), values.get("form") or "", values.get("topic") or "",
                        values.get("lecturer") or "", values.get("speeches") or 0, values.get("members_present") or 0,
                        values.get("members_total") or 0, values.get("note") or "")


def write_template(path: Path) -> None:
    """An empty import workbook: the headers (required ones in red) and a sheet of notes."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET.title
    for i, col in enumerate(SHEET.columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        cell.fill = PatternFill("solid", fgColor="FCE4D6")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[cell.column_letter].width = col.width
    notes = wb.create_sheet("说明")
    notes.append(["列", "填写说明"])
    for col in SHEET.columns:
        choices = f"可选：{'、'.join(col.choices)}。" if col.choices else ""
        notes.append([col.header + ("（必填）" if col.required else ""), choices + col.hint])
    notes.append(["", "一行一次学习；专题研讨也计入全年集中学习次数。同一单位同一天同一主题的记录已存在时不重复导入。"])
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 16, 90
    save_workbook(wb, Path(path))


def export_year(session_factory: SessionFactory, year: int, path: Path,
                today: Callable[[], dt.date] = clock.today) -> int:
    """The year's meetings (in the import's columns, so the file can be imported again), the plans and each unit's
    totals against the minimum; returns the number of meetings written."""
    svc = StudyService(session_factory, today=today)
    meetings, plans, progress = svc.meetings(year), svc.plans(year), svc.progress(year)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET.title
    ws.append([c.header for c in SHEET.columns])
    for m in meetings:
        ws.append([m.unit, m.held_on, m.form.value, m.topic, m.lecturer, m.speeches, m.members_present,
                   m.members_total, m.note])
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        row[0].number_format = "yyyy-mm-dd"
    plan_ws = wb.create_sheet("学习计划")
    plan_ws.append(["单位", "计划集中学习次数", "计划专题研讨次数", "学习专题", "制定日期", "备注"])
    for p in plans:
        plan_ws.append([p.unit, p.planned_meetings, p.planned_seminars, "；".join(p.topics),
                        p.made_on.isoformat() if p.made_on else "", p.note])
    totals = wb.create_sheet("完成情况")
    totals.append(["单位", "集中学习（次）", "其中专题研讨（次）", "进度要求（集中学习/专题研讨）", "学习计划", "情况"])
    for g in progress:
        totals.append([g.unit, g.meetings, g.seminars, f"{g.due_meetings}/{g.due_seminars}",
                       "已制定" if g.has_plan else "未制定", "进度滞后" if g.behind else "正常"])
    for sheet, widths in ((ws, [c.width for c in SHEET.columns]), (plan_ws, [20, 16, 16, 60, 12, 16]),
                          (totals, [20, 14, 16, 26, 10, 10])):
        for i, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + i)].width = width
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    save_workbook(wb, Path(path))
    return len(meetings)
