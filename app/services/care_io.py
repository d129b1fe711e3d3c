"""激励关怀 in Excel: the 表彰 import template, its import (row-level errors, all or nothing) and export; the
关怀对象 export.

表彰 rows name a member by 姓名 and 单位 (or 党组织, when two members of a unit share a name) and an organisation
by its full name; every row is checked with the form's rules (`CareService.validate_honor`); a row equal to a
表彰 already stored is counted as unchanged, so importing a file twice duplicates nothing.

The 关怀对象 export holds no circumstances unless `reveal` — which needs CARE_EXPORT (管理员) and is recorded in the
audit trail, with the number of people, before the file is moved into place (as the register's full export)."""

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
from app import settings as S
from app.errors import DatabaseError, FieldProblem, ImportFileError, ImportReport
from app.models import CareCircumstance, CareSubject, HonorKind, Member, PartyOrg, Unit
from app.reports.xlsx_text import save_workbook, workbook_bytes
from app.services import audit
from app.services.actor import Permission, require
from app.services.care import SUBJECT, CareService, HonorInput, honor_rows, split_labels, subject_rows
from app.services.excel_io import (
    CellError,
    Column,
    SheetSpec,
    SheetTable,
    _move_into_place,
    _not_recorded,
    _remove,
    _stage,
    convert_cell,
    find_table,
)

SessionFactory = Callable[[], Session]

HONOR_SHEET = SheetSpec("honor", "表彰", (
    Column("kind", "表彰类别", kind="choice", required=True, choices=tuple(k.label for k in HonorKind),
           synonyms=("表彰名称", "类别", "荣誉称号"),
           choice_synonyms=(("优秀党员", "优秀共产党员"), ("先进党组织", "先进基层党组织"), ("先进党支部", "先进基层党组织")),
           width=16),
    Column("name", "姓名或党组织", required=True, synonyms=("姓名", "党组织", "受表彰对象", "对象"), width=30,
           hint="优秀共产党员、优秀党务工作者填党员姓名；先进基层党组织填党组织全称。"),
    Column("unit", "单位", synonyms=("所在单位", "单位名称"), width=20, hint="党员所在单位（按姓名和单位对应党员）。"),
    Column("level", "级别", required=True, synonyms=("表彰级别",), width=12,
           hint="如国家级、省级、市级、县级、县直机关工委、单位，按表彰文件填写。"),
    Column("awarded_on", "表彰日期", kind="date", required=True, synonyms=("日期", "授予日期"), width=12),
    Column("awarded_by", "授予机关", required=True, synonyms=("表彰机关", "授予单位"), width=20),
    Column("doc_number", "文号", synonyms=("表彰文号", "发文字号"), width=18),
    Column("note", "备注", width=16),
), synonyms=("表彰记录", "表彰名单"))

_FIELD_COLUMN = {"kind": "kind", "member_id": "name", "org_id": "name", "level": "level", "awarded_on": "awarded_on",
                 "awarded_by": "awarded_by", "doc_number": "doc_number"}


_Layout = SheetTable


def _read(path: Path) -> _Layout:
    return find_table(path, HONOR_SHEET, {"kind", "awarded_on"},
                      "文件中没有找到表彰记录表：表头须有“表彰类别”“姓名或党组织”“级别”“表彰日期”“授予机关”等列；"
                      "请下载导入模板填写")


class _Importer:
    def __init__(self, s: Session, svc: CareService, layout: _Layout) -> None:
        self.s, self.svc, self.layout = s, svc, layout
        self.report = ImportReport()
        self.orgs = {o.name: o for o in s.scalars(select(PartyOrg))}
        self.staged: list[HonorInput] = []
        self.seen: dict[tuple[Any, ...], int] = {}
        self.members: dict[str, list[tuple[int, str, str]]] = {}  # name → (id, unit, organisation)
        q = (select(Member.id, Member.name, Unit.name, PartyOrg.name).join(PartyOrg, PartyOrg.id == Member.org_id)
             .join(Unit, Unit.id == PartyOrg.unit_id).where(Member.left_on.is_(None)))
        for mid, name, unit, org in s.execute(q):
            self.members.setdefault(name, []).append((mid, unit, org))

    def problem(self, row: int, key: str, message: str) -> None:
        header = self.layout.headers.get(key) or HONOR_SHEET.column(key).header
        self.report.problems.append(FieldProblem(key, message, row, header, self.layout.title))

    def row(self, row: int, raw: tuple[Any, ...]) -> None:
        values: dict[str, Any] = {}
        for key, pos in self.layout.positions.items():
            try:
                values[key] = convert_cell(HONOR_SHEET.column(key), raw[pos] if pos < len(raw) else None)
            except CellError as exc:
                self.problem(row, key, str(exc))
                return
        if not values.get("kind"):
            self.problem(row, "kind", "请填写表彰类别")
            return
        kind = HonorKind(values["kind"])
        data = HonorInput(kind, values.get("awarded_on"), values.get("level") or "", values.get("awarded_by") or "",
                          doc_number=values.get("doc_number") or "", note=values.get("note") or "")
        name = (values.get("name") or "").strip()
        if not name:
            self.problem(row, "name", "请填写受表彰的党员姓名或党组织全称")
            return
        if kind == HonorKind.ORG:
            org = self.orgs.get(name)
            if org is None:
                self.problem(row, "name", f"党组织“{name}”不在名册中（请填写全称）")
                return
            data.org_id = org.id
        elif (mid := self.member(row, name, values.get("unit") or "")) is None:
            return
        else:
            data.member_id = mid
        problems = self.svc.validate_honor(self.s, data, row)
        for p in problems:
            self.problem(row, _FIELD_COLUMN.get(p.field, "kind"), p.message)
        if problems:
            return
        same = (data.kind, data.member_id, data.org_id, data.awarded_on, data.level)
        if same in self.seen:
            self.problem(row, "name", f"与第{self.seen[same]}行重复（同一对象、同一日期、同一级别的同一表彰）")
            return
        self.seen[same] = row
        if self.svc.duplicate_honor(self.s, data) is not None:
            self.report.unchanged += 1
            return
        self.staged.append(data)

    def member(self, row: int, name: str, unit: str) -> int | None:
        found = [m for m in self.members.get(name, []) if not unit or unit in (m[1], m[2])]
        if len(found) == 1:
            return found[0][0]
        if not found:
            where = f"“{unit}”" if unit else "名册"
            self.problem(row, "name", f"{where}中没有在册党员“{name}”")
        else:
            self.problem(row, "unit" if "unit" in self.layout.positions else "name",
                         f"有{len(found)}名在册党员叫“{name}”，请在“单位”列填写其单位或党组织")
        return None


def import_honors(session_factory: SessionFactory, path: Path, *, dry_run: bool,
                  today: Callable[[], dt.date] = clock.today) -> ImportReport:
    """Check every row and, if all are right and this is not a dry run, store them in one transaction."""
    layout = _read(Path(path))
    if not layout.rows:
        raise ImportFileError("文件中只有表头，没有可导入的数据行")
    svc = CareService(session_factory, today=today)
    if dry_run:
        with session_factory() as s:
            imp = _check_rows(s, svc, layout)
            s.rollback()
        return imp.report
    try:
        with audit.unit_of_work(session_factory) as (s, log):
            imp = _check_rows(s, svc, layout)
            if imp.report.problems:
                raise _Refused
            for data in imp.staged:
                svc.store_honor(s, log, data)
            log.record("导入", "honor", None, reason=f"Excel导入：{Path(path).name}，{len(imp.staged)}条表彰")
    except _Refused:
        return imp.report
    imp.report.applied = True
    return imp.report


class _Refused(Exception):
    """A row was refused: the import's transaction is rolled back."""


def _check_rows(s: Session, svc: CareService, layout: _Layout) -> _Importer:
    imp = _Importer(s, svc, layout)
    for row, raw in layout.rows:
        imp.row(row, raw)
    report = imp.report
    report.created = 0 if report.problems else len(imp.staged)
    report.problems.sort(key=lambda p: p.row or 0)
    return imp


def write_honor_template(path: Path) -> None:
    """An empty import workbook: the headers (required in red) and a 说明 sheet."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = HONOR_SHEET.title
    for i, col in enumerate(HONOR_SHEET.columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        cell.fill = PatternFill("solid", fgColor="FCE4D6")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[cell.column_letter].width = col.width
    notes = wb.create_sheet("说明")
    notes.append(["列", "填写说明"])
    for col in HONOR_SHEET.columns:
        choices = f"可选：{'、'.join(col.choices)}。" if col.choices else ""
        notes.append([col.header + ("（必填）" if col.required else ""), choices + col.hint])
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 16, 90
    save_workbook(wb, Path(path))


def _sheet(title: str, headers: list[str], rows: list[list[Any]]) -> Workbook:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(r)
    for i, h in enumerate(headers, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(10, len(h) * 2 + 4)
    ws.freeze_panes = "A2"
    return wb


def export_honors(session_factory: SessionFactory, path: Path, year: int | None = None) -> int:
    """The 表彰 (of a year, or all) in the import template's columns, so that the file can be imported again."""
    with session_factory() as s:
        rows = honor_rows(s, year=year)
    data = [[r.kind.label, r.name, r.unit, r.level, r.awarded_on, r.awarded_by, r.doc_number, r.note] for r in rows]
    save_workbook(_sheet(HONOR_SHEET.title, [c.header for c in HONOR_SHEET.columns], data), Path(path))
    return len(data)


SUBJECT_HEADERS = ["姓名", "单位", "党组织", "列为关怀对象日期", "走访次数", "最近走访", "下次走访期限", "状态"]
REVEALED_HEADERS = ["关怀原因", "情况说明"]


def export_subjects(session_factory: SessionFactory, path: Path, *, reveal: bool = False, include_ended: bool = False,
                    today: Callable[[], dt.date] = clock.today) -> int:
    """The 关怀对象 list; with `reveal` (CARE_EXPORT) also their circumstances, the export recorded first."""
    if reveal:
        require(Permission.CARE_EXPORT)
    path = Path(path)
    with session_factory() as s:
        rows = subject_rows(s, today(), int(S.get(s, S.CARE_VISIT_MONTHS)), include_ended=include_ended)
        hidden: dict[int, tuple[str, str]] = {}
        if reveal:  # read here only, for this file
            hidden = {sid: (c, d) for sid, c, d in s.execute(
                select(CareSubject.id, CareSubject.circumstances, CareSubject.description)
                .where(CareSubject.id.in_([r.id for r in rows])))}
    data = []
    for r in rows:
        status = f"已结束（{r.ended_on:%Y-%m-%d}，{r.end_reason}）" if r.ended_on else ("逾期未走访" if r.overdue else "关怀中")
        line: list[Any] = [r.name, r.unit, r.org, r.since, r.visits, r.last_visit, r.due, status]
        if reveal:
            kinds, text = hidden.get(r.id, ("", ""))
            line += ["、".join(c.label for c in split_labels(kinds, CareCircumstance)), text]
        data.append(line)
    book = _sheet("关怀对象", SUBJECT_HEADERS + (REVEALED_HEADERS if reveal else []), data)
    if not reveal:
        save_workbook(book, path)
        return len(data)
    staged = _stage(path, workbook_bytes(book))
    try:
        with audit.unit_of_work(session_factory) as (_s, log):
            log.record("导出个人情况", SUBJECT, None, "个人情况", new=path.name,
                       reason=f"导出{len(data)}名关怀对象的个人情况")
    except BaseException as exc:
        _remove(staged)
        if isinstance(exc, Exception):
            raise DatabaseError(f"无法在审计记录中登记本次导出（{_not_recorded(exc)}），没有生成文件“{path.name}”。") from exc
        raise
    _move_into_place(session_factory, staged, path)
    return len(data)
