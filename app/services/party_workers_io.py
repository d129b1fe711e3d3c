"""党务干部培训 in Excel: the import template of training records, its import (row-level errors, all or nothing) and
the year's export (the roster with hours against the minimum, and the records in the template's columns).

A row names the person by 姓名 and 单位: a member of the register in that unit, or a 党务干部 of the unit typed on the
roster who is not a member.  Two members of a unit with one name cannot be told apart by name: the row says so.
A row equal to a record already stored (the same person, course and dates) is counted as unchanged, so importing the
county class's list twice, or an exported file again, duplicates nothing."""

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
from app.errors import FieldProblem, ImportFileError, ImportReport
from app.models import Member, PartyOrg, Unit
from app.models.party_workers import PartyWorker, TrainingRecord
from app.reports.xlsx_text import save_workbook
from app.services.excel_io import (
    CellError,
    Column,
    SheetSpec,
    SheetTable,
    convert_cell,
    find_table,
)
from app.services.party_workers import (
    TRAINING,
    CourseInput,
    Person,
    already_recorded,
    check_course,
    hours_text,
    resolve_person,
    roster,
    store_many,
    training_views,
)
from app.services.register_audit import register_unit_of_work

SessionFactory = Callable[[], Session]

TRAINING_SHEET = SheetSpec("training", "培训记录", (
    Column("unit", "单位", synonyms=("所在单位", "单位名称", "工作单位"), width=22,
           hint="参训人员所在单位（县直单位名称，与名册一致）；全县没有同名的人时可以不填。"),
    Column("name", "姓名", required=True, synonyms=("参训人员", "学员姓名", "学员"), width=10),
    Column("course", "培训班名称", required=True, synonyms=("培训班", "课程名称", "培训名称", "班次"), width=36),
    Column("organiser", "主办单位", synonyms=("主办", "举办单位", "组织单位"), width=20),
    Column("start_on", "开始日期", kind="date", required=True, synonyms=("培训开始日期", "开班日期"), width=12),
    Column("end_on", "结束日期", kind="date", required=True, synonyms=("培训结束日期", "结业日期"), width=12),
    Column("hours", "学时", required=True, synonyms=("培训学时", "学时数"), width=8, hint="数字，可带一位小数。"),
    Column("concentrated", "集中培训", kind="bool", synonyms=("是否集中培训",), width=10,
           hint="是：计入年度集中培训学时要求；否：网络自学等，只登记不计入。不填按“是”。"),
    Column("note", "备注", width=16),
), synonyms=("培训记录表", "培训名单", "学时登记"))

_FIELD_COLUMN = {"course": "course", "organiser": "organiser", "start_on": "start_on", "end_on": "end_on",
                 "hours": "hours", "people": "name"}
ROSTER_HEADERS = ["单位", "姓名", "职务（本年度）", "集中培训学时", "应达学时", "差额", "状态"]


_Layout = SheetTable


def _read(path: Path) -> _Layout:
    return find_table(path, TRAINING_SHEET, {"name", "course"},
                      "文件中没有找到培训记录表：表头须有“姓名”“培训班名称”“开始日期”“结束日期”“学时”等列；"
                      "请下载导入模板填写")


class _Importer:
    def __init__(self, s: Session, layout: _Layout, today: dt.date) -> None:
        self.s, self.layout, self.today = s, layout, today
        self.max_per_day = S.get(s, S.TRAINING_MAX_PER_DAY)
        self.report = ImportReport()
        self.staged: list[tuple[CourseInput, tuple[int | None, int | None, int, str]]] = []
        self.seen: dict[tuple[Any, ...], int] = {}
        self.units = {name: uid for uid, name in s.execute(select(Unit.id, Unit.name))}
        self.people: dict[str, list[tuple[Person, int]]] = {}  # name → (person, unit id)
        # Members by their unit now; and everyone by the unit of a record already stored (someone since moved to
        # another unit or out of the register is found again when an exported file comes back).
        q = (select(Member.id, Member.name, PartyOrg.unit_id).join(PartyOrg, PartyOrg.id == Member.org_id)
             .where(Member.left_on.is_(None)))
        pairs: list[tuple[str, Person, int]] = [(name, Person(member_id=mid), unit_id) for mid, name, unit_id
                                                in s.execute(q)]
        pairs += [(name, Person(worker_id=wid), unit_id) for wid, name, unit_id in s.execute(
            select(PartyWorker.id, PartyWorker.name, PartyWorker.unit_id).where(PartyWorker.member_id.is_(None)))]
        pairs += [(name, Person(mid, wid), unit_id) for name, mid, wid, unit_id in s.execute(
            select(TrainingRecord.name, TrainingRecord.member_id, TrainingRecord.worker_id, TrainingRecord.unit_id)
            .distinct())]
        for name, person, unit_id in pairs:
            known = self.people.setdefault(name, [])
            if (person, unit_id) not in known:
                known.append((person, unit_id))

    def problem(self, row: int, key: str, message: str) -> None:
        header = self.layout.headers.get(key) or TRAINING_SHEET.column(key).header
        self.report.problems.append(FieldProblem(key, message, row, header, self.layout.title))

    def row(self, row: int, raw: tuple[Any, ...]) -> None:
        values: dict[str, Any] = {}
        for key, pos in self.layout.positions.items():
            cell = raw[pos] if pos < len(raw) else None
            if key == "hours":  # a number or a text: the service's own parse says what is wrong
                values[key] = cell
                continue
            try:
                values[key] = convert_cell(TRAINING_SHEET.column(key), cell)
            except CellError as exc:
                self.problem(row, key, str(exc))
                return
        concentrated = values.get("concentrated")
        course = CourseInput(values.get("course") or "", values.get("organiser") or "", values.get("start_on"),
                             values.get("end_on"), values.get("hours"), True if concentrated is None else concentrated,
                             values.get("note") or "")
        problems = check_course(course, self.today, self.max_per_day, row)
        person = self.person(row, (values.get("name") or "").strip(), (values.get("unit") or "").strip())
        if person is None or problems:
            for p in problems:
                self.problem(row, _FIELD_COLUMN.get(p.field, "name"), p.message)
            return
        same = (person.member_id, person.worker_id, course.course, course.start_on, course.end_on)
        if same in self.seen:
            self.problem(row, "name", f"与第{self.seen[same]}行重复（同一人、同一培训班、同一日期）")
            return
        self.seen[same] = row
        if already_recorded(self.s, course, person.member_id, person.worker_id):
            self.report.unchanged += 1  # stored before (an exported file imported again): left as it is
            return
        target = resolve_person(self.s, person, course, problems, row)
        for p in problems:
            self.problem(row, "name", p.message)
        if target is not None and not problems:
            self.staged.append((course, target))

    def person(self, row: int, name: str, unit: str) -> Person | None:
        if not name:
            self.problem(row, "name", "请填写参训人员姓名")
            return None
        unit_id = self.units.get(unit) if unit else None
        if unit and unit_id is None:
            self.problem(row, "unit", f"没有名为“{unit}”的单位（请与单位名册一致）")
            return None
        found = list(dict.fromkeys(p for p, u in self.people.get(name, []) if unit_id is None or u == unit_id))
        members = [p for p in found if p.member_id is not None]
        if len(members) == 1 or (not members and len(found) == 1):
            return members[0] if members else found[0]
        if not found:
            where = f"“{unit}”" if unit else "全县"
            self.problem(row, "name", f"{where}没有在册党员或党务干部“{name}”")
        else:
            self.problem(row, "unit" if not unit and "unit" in self.layout.positions else "name",
                         f"有{len(members)}名在册党员叫“{name}”" + ("，请填写其单位" if not unit else "，无法区分"))
        return None


class _Refused(Exception):
    """A row was refused: the import's transaction is rolled back."""


def import_trainings(session_factory: SessionFactory, path: Path, *, dry_run: bool = False,
                     today: Callable[[], dt.date] = clock.today) -> ImportReport:
    """Check every row and, if all are right and this is not a dry run, store them in one transaction."""
    layout = _read(Path(path))
    if not layout.rows:
        raise ImportFileError("文件中只有表头，没有可导入的数据行")
    try:
        with register_unit_of_work(session_factory, reason=f"Excel导入：{Path(path).name}") as (s, log):
            imp = _Importer(s, layout, today())
            for row, raw in layout.rows:
                imp.row(row, raw)
            report = imp.report
            report.problems.sort(key=lambda p: p.row or 0)
            report.created = 0 if report.problems else len(imp.staged)
            if report.problems or dry_run:
                raise _Refused
            store_many(s, imp.staged)
            log.record("导入", TRAINING, None, reason=f"Excel导入：{Path(path).name}，{len(imp.staged)}条培训记录")
    except _Refused:
        return imp.report
    imp.report.applied = True
    return imp.report


def write_template(path: Path) -> None:
    """An empty import workbook: the headers (required in red), an example row's worth of hints in 说明."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = TRAINING_SHEET.title
    for i, col in enumerate(TRAINING_SHEET.columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        cell.fill = PatternFill("solid", fgColor="FCE4D6")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[cell.column_letter].width = col.width
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明")
    notes.append(["列", "填写说明"])
    for col in TRAINING_SHEET.columns:
        notes.append([col.header + ("（必填）" if col.required else ""), col.hint])
    notes.append(["", "一个培训班的全部学员可各占一行（培训班名称、日期、学时相同）；同一人同一培训班重复导入不会重复登记。"])
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 16, 90
    save_workbook(wb, Path(path))


def export_year(session_factory: SessionFactory, year: int, path: Path, *, unit_id: int | None = None,
                today: Callable[[], dt.date] = clock.today) -> int:
    """The year's roster with hours against the minimum, and its training records (importable again)."""
    with session_factory() as s:
        rows = roster(s, year, today(), unit_id)
        records = training_views(s, year, None, unit_id, None)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "培训学时"
    ws.append(ROSTER_HEADERS)
    for r in rows:
        status = "已离任" if not r.in_post else ("学时不足" if r.short else "达标")
        ws.append([r.unit_name, r.name, r.roles_text, float(r.hours), float(r.minimum),
                   float(r.missing) if r.missing else None, status])
        if r.short:
            for cell in ws[ws.max_row]:
                cell.font = Font(color="C00000")
    records_ws = wb.create_sheet(TRAINING_SHEET.title)
    records_ws.append([c.header for c in TRAINING_SHEET.columns])
    for v in records:
        records_ws.append([v.unit_name, v.name, v.course, v.organiser, v.start_on, v.end_on, hours_text(v.hours),
                           "是" if v.concentrated else "否", v.note])
    for sheet, widths in ((ws, (22, 10, 60, 12, 10, 8, 10)), (records_ws, [c.width for c in TRAINING_SHEET.columns])):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for i, w in enumerate(widths, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = w
        sheet.freeze_panes = "A2"
    for row in records_ws.iter_rows(min_row=2, min_col=5, max_col=6):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    save_workbook(wb, Path(path))
    return len(records)
