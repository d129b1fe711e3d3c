"""不合格党员处置 in Excel: the import template, the import and the export (the same columns: an export imports back).

One sheet “党员处置”, one row per event of a case, in the order they happened: “启动处置” opens the case (its
date is the day it was opened), then one row per step (限期改正, 恢复合格, 劝其退党, 本人退党, 除名, 停止党籍, 恢复党籍,
恢复联系) with the 支部大会 date, the 上级党组织 approval date (may stay empty and come in a later row or file: a
row naming the step awaiting approval, with the approval date, records it) and, for 限期改正, the deadline.  The
member is named by 姓名 and 党组织 (members in the register on the row).  Every row is checked with the rules of the
form (`DisposalService`), in order inside one transaction, and nothing is written unless every row is right; a
row that is already stored (same case opened that day, same step decided that day) is counted as unchanged."""

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
from app.db import begin_writing
from app.errors import FieldProblem, ImportFileError, ImportReport, ValidationError
from app.models import Member, PartyOrg
from app.models.disposal import DisposalCase, DisposalKind, DisposalStepKind
from app.reports.xlsx_text import save_workbook
from app.services import audit, register_audit
from app.services.disposal import CaseInput, CaseRow, DisposalService, StepInput, case_rows
from app.services.excel_io import (
    Cancelled,
    CellError,
    Column,
    Progress,
    SheetSpec,
    SheetTable,
    convert_cell,
    find_table,
    report_progress,
)

SessionFactory = Callable[[], Session]
OPEN = "启动处置"
EVENTS = (OPEN, *(k.label for k in DisposalStepKind))
SHEET = SheetSpec("disposal", "党员处置", (
    Column("name", "姓名", required=True, width=10),
    Column("org", "党组织", required=True, synonyms=("所在党组织", "党支部", "支部"), width=30),
    Column("kind", "处置类别", kind="choice", required=True, choices=tuple(k.label for k in DisposalKind),
           synonyms=("类别",), choice_synonyms=(("不合格党员", "不合格党员处置"), ("失联", "失联党员")), width=14),
    Column("event", "事项", kind="choice", required=True, choices=EVENTS, synonyms=("步骤", "处置步骤"),
           choice_synonyms=(("立案", OPEN), ("劝退", "劝其退党"), ("退党", "本人退党")), width=12,
           hint="按发生先后逐行填写：先“启动处置”，再各步骤。"),
    Column("date", "日期", kind="date", required=True, synonyms=("支部大会日期", "决定日期"), width=12,
           hint="启动处置填启动日期；各步骤填支部大会决定日期（恢复联系填恢复联系之日）。"),
    Column("approved_on", "上级批准日期", kind="date", synonyms=("批准日期", "上级党组织批准日期"), width=12,
           hint="尚未批准的可空；批准后可再导入一行同一步骤并填此日期。"),
    Column("deadline", "改正期限", kind="date", synonyms=("限期",), width=12, hint="限期改正必填。"),
    Column("lost_since", "失联起始日期", kind="date", synonyms=("失联日期",), width=12, hint="失联党员启动处置时必填。"),
    Column("search_efforts", "查找情况", width=30, hint="失联党员启动处置时必填。"),
    Column("note", "说明", synonyms=("事实和理由", "备注"), width=30, hint="劝其退党、本人退党、除名须写明事实和理由。"),
), synonyms=("不合格党员处置", "党员处置台账"))

_FIELD_COLUMN = {"member_id": "name", "appraisal_record_id": "name", "kind": "event", "opened_on": "date",
                 "decided_on": "date", "approved_on": "approved_on", "deadline": "deadline",
                 "lost_since": "lost_since", "search_efforts": "search_efforts", "note": "note"}


_Layout = SheetTable


def _read(path: Path) -> _Layout:
    return find_table(path, SHEET, {"name", "event"},
                      "文件中没有找到党员处置表：表头须有“姓名”“党组织”“处置类别”“事项”“日期”等列；请下载导入模板填写")


class _Importer:
    def __init__(self, s: Session, svc: DisposalService, layout: _Layout) -> None:
        self.s, self.svc, self.layout = s, svc, layout
        self.report = ImportReport()
        self.orgs = {o.name: o.id for o in s.scalars(select(PartyOrg))}

    def problem(self, row: int, key: str, message: str) -> None:
        header = self.layout.headers.get(key) or SHEET.column(key).header
        self.report.problems.append(FieldProblem(key, message, row, header, self.layout.title))

    def cells(self, row: int, raw: tuple[Any, ...]) -> dict[str, Any] | None:
        values: dict[str, Any] = {}
        ok = True
        for key, pos in self.layout.positions.items():
            try:
                values[key] = convert_cell(SHEET.column(key), raw[pos] if pos < len(raw) else None)
            except CellError as exc:
                self.problem(row, key, str(exc))
                ok = False
        for key, what in (("name", "姓名"), ("org", "党组织"), ("kind", "处置类别"), ("event", "事项"), ("date", "日期")):
            if ok and not values.get(key):
                self.problem(row, key, f"请填写{what}")
                ok = False
        return values if ok else None

    def member(self, row: int, v: dict[str, Any]) -> int | None:
        org_id = self.orgs.get(v["org"])
        if org_id is None:
            self.problem(row, "org", f"党组织“{v['org']}”不在名册中")
            return None
        ids = list(self.s.scalars(select(Member.id).where(Member.org_id == org_id, Member.name == v["name"],
                                                          Member.left_on.is_(None))))
        if len(ids) != 1:
            self.problem(row, "name", f"{v['org']}没有在册党员“{v['name']}”" if not ids
                         else f"{v['org']}有{len(ids)}名党员叫“{v['name']}”，请在系统中逐条登记")
            return None
        return ids[0]

    def row(self, row: int, raw: tuple[Any, ...]) -> None:
        v = self.cells(row, raw)
        if v is None:
            return
        mid = self.member(row, v)
        if mid is None:
            return
        kind = DisposalKind(v["kind"])
        try:
            if v["event"] == OPEN:
                self.open(mid, kind, v)
            else:
                self.step(row, mid, kind, DisposalStepKind(v["event"]), v)
        except ValidationError as exc:
            for p in exc.problems:
                self.problem(row, _FIELD_COLUMN.get(p.field, "event"), p.message)
        # A 除名 or 退党 recorded the register's changes through its own trail writer: collect again from here.
        register_audit.start(self.s)

    def open(self, mid: int, kind: DisposalKind, v: dict[str, Any]) -> None:
        same = self.s.scalar(select(DisposalCase.id).where(DisposalCase.member_id == mid, DisposalCase.kind == kind,
                                                            DisposalCase.opened_on == v["date"]))
        if same is not None:
            self.report.unchanged += 1
            return
        self.svc.add_case(self.s, CaseInput(mid, kind, v["date"], None, v.get("lost_since"),
                                            v.get("search_efforts", ""), v.get("note", "")))
        self.report.created += 1

    def step(self, row: int, mid: int, kind: DisposalKind, step: DisposalStepKind, v: dict[str, Any]) -> None:
        case = self.s.scalar(select(DisposalCase).where(DisposalCase.member_id == mid, DisposalCase.kind == kind)
                             .order_by(DisposalCase.opened_on.desc(), DisposalCase.id.desc()).limit(1))
        if case is None:
            self.problem(row, "event", f"{v['name']}没有“{kind.label}”案件：请先填写“{OPEN}”一行")
            return
        same = next((st for st in case.steps if st.kind == step and st.decided_on == v["date"]), None)
        if same is not None:
            if same.approved_on is None and v.get("approved_on") is not None:
                self.svc.approve_in(self.s, same, v["approved_on"])
                self.report.updated += 1
            else:
                self.report.unchanged += 1
            return
        self.svc.record_step(self.s, case.id, StepInput(step, v["date"], v.get("approved_on"), v.get("deadline"),
                                                        v.get("note", "")))
        self.report.created += 1


def import_disposal(session_factory: SessionFactory, path: Path, *, dry_run: bool,
                    progress: Progress | None = None, cancelled: Cancelled | None = None,
                    today: Callable[[], dt.date] = clock.today) -> ImportReport:
    """Check every row in order and, if all are right and this is not a dry run, keep them (one transaction)."""
    layout = _read(Path(path))
    if not layout.rows:
        raise ImportFileError("文件中只有表头，没有可导入的数据行")
    svc = DisposalService(session_factory, today=today)
    with session_factory() as s:
        tx = s.begin()
        if not dry_run:
            begin_writing(s)
        try:
            register_audit.start(s)
            imp = _Importer(s, svc, layout)
            for i, (row, raw) in enumerate(layout.rows, start=1):
                if i % 100 == 0:
                    report_progress(progress, cancelled, i, len(layout.rows), "正在检查党员处置记录……")
                imp.row(row, raw)
            report = imp.report
            if report.problems or dry_run:
                tx.rollback()
                if report.problems:
                    report.created = report.updated = 0
                report.problems.sort(key=lambda p: p.row or 0)
                return report
            register_audit.write_bulk(s, audit.operator(s), f"Excel导入：{Path(path).name}")
            tx.commit()
        except BaseException:
            if tx.is_active:
                tx.rollback()
            raise
    report.applied = True
    return report


def _rows_of(case: CaseRow) -> list[list[Any]]:
    first = [case.name, case.org_name, case.kind.label, OPEN, case.opened_on, None, None, case.lost_since,
             case.search_efforts, case.note]
    return [first] + [[case.name, case.org_name, case.kind.label, st.kind.label, st.decided_on, st.approved_on,
                       st.deadline, None, "", st.note] for st in case.steps]


def write_workbook(path: Path, rows: list[list[Any]]) -> None:
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
    for r in rows:
        ws.append(r)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    notes = wb.create_sheet("说明")
    notes.append(["列", "填写说明"])
    for col in SHEET.columns:
        choices = f"可选：{'、'.join(col.choices)}。" if col.choices else ""
        notes.append([col.header + ("（必填）" if col.required else ""), choices + col.hint])
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 16, 90
    save_workbook(wb, Path(path))


def write_template(path: Path) -> None:
    """An empty import workbook: the headers (required ones in red) and a sheet of notes."""
    write_workbook(path, [])


def export_disposal(session_factory: SessionFactory, path: Path, unit_id: int | None = None) -> int:
    """Every case (of a unit) as the import's rows, oldest first; the number of cases."""
    with session_factory() as s:
        cases = list(reversed(case_rows(s, unit_id=unit_id)))
    write_workbook(path, [r for c in cases for r in _rows_of(c)])
    return len(cases)

