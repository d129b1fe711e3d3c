"""Organisation-life records in Excel: the import template and the import.

One sheet “组织生活”, one row per meeting or activity.  Attendance is written as names: “出席” lists those present
(or “全体” for every member of the organisation on that day), “缺席” lists those absent with the reason in
brackets (“王芳（出差）”); “评议等次” gives 民主评议 grades as “张伟:优秀、王芳:合格” and “其余:合格” for everyone
else present.  The file is read with the register import's cell readers (dates typed in any usual way, header
synonyms, damaged or old-format files refused with a clear message), every row is checked with the same rules as
the form (`OrgLifeService.validate_record`), and nothing is written unless every row is right.  A row that matches
a record already stored (same kind, organisation or unit, date and topic) is counted as unchanged, so importing
a file twice duplicates nothing."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.db import begin_writing
from app.errors import FieldProblem, ImportFileError, ImportReport
from app.models import PartyOrg, Unit
from app.models.orglife import UNIT_KINDS, AppraisalGrade, OrgLifeKind, OrgLifeRecord
from app.reports.xlsx_text import save_workbook
from app.services import audit, register_audit
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
from app.services.orglife import AttendanceInput, OrgLifeService, RecordInput, members_on

SessionFactory = Callable[[], Session]

_KINDS = tuple(k.label for k in OrgLifeKind)
SHEET = SheetSpec("orglife", "组织生活", (
    Column("kind", "类型", kind="choice", required=True, choices=_KINDS, synonyms=("会议类型", "活动类型", "类别"),
           choice_synonyms=(("党员大会", "支部党员大会"), ("支部委员会", "支委会"), ("支委会议", "支委会"),
                            ("组织生活会议", "组织生活会"), ("民主评议", "民主评议党员"), ("谈心谈话会", "谈心谈话"),
                            ("主题党日活动", "主题党日"), ("三亮三强", "三亮三强活动"), ("社区报到", "在职党员社区报到活动")),
           width=16),
    Column("held_on", "召开日期", kind="date", required=True, synonyms=("日期", "会议日期", "活动日期", "时间"), width=12),
    Column("org", "党组织", synonyms=("党组织名称", "所在党组织", "支部"), width=30,
           hint="党组织全称；党组听取机关党委汇报、联系点调研可不填，填“单位”。"),
    Column("unit", "单位", synonyms=("所属单位", "单位名称"), width=20),
    Column("topic", "主题", required=True, synonyms=("会议主题", "活动主题", "议题", "内容摘要"), width=30),
    Column("place", "地点", synonyms=("会议地点", "活动地点"), width=14),
    Column("host", "主持人", width=10),
    Column("lecturer", "主讲人", synonyms=("讲课人", "授课人"), width=10, hint="党课必填；本支部党员按姓名对应。"),
    Column("present", "出席", synonyms=("出席人员", "参加人员", "到会人员"), width=30,
           hint="姓名以顿号或逗号分隔；“全体”表示当日全体党员（除“缺席”所列）。"),
    Column("absent", "缺席", synonyms=("缺席人员", "请假人员"), width=24, hint="如“王芳（出差）、李娜（病假）”，须写明原因。"),
    Column("grades", "评议等次", synonyms=("民主评议等次", "评议结果"), width=24,
           hint="民主评议党员填写：“张伟:优秀、王芳:合格”，“其余:合格”表示其他出席党员。"),
    Column("recorded_on", "登记日期", kind="date", synonyms=("填报日期", "记录日期"), width=12,
           hint="不填为导入当天；会后超过规定天数登记算迟报。"),
    Column("content", "会议内容", synonyms=("内容", "记录"), width=30),
    Column("note", "备注", width=16),
), synonyms=("组织生活记录", "三会一课", "会议记录"))

_FIELD_COLUMN = {"kind": "kind", "held_on": "held_on", "org_id": "org", "unit_id": "unit", "topic": "topic",
                 "recorded_on": "recorded_on", "lecturer": "lecturer", "attendance": "present"}
_SPLIT = re.compile(r"[、，,；;\s]+")
_REASON = re.compile(r"^(.+?)[（(](.*)[）)]$")
_ALL = {"全体", "全体党员", "全部", "全员"}


_Layout = SheetTable


def _read(path: Path) -> _Layout:
    return find_table(path, SHEET, {"kind", "held_on"},
                      "文件中没有找到组织生活记录表：表头须有“类型”“召开日期”“党组织”“主题”等列；请下载导入模板填写")


class _Importer:
    def __init__(self, s: Session, svc: OrgLifeService, layout: _Layout) -> None:
        self.s, self.svc, self.layout = s, svc, layout
        self.report = ImportReport()
        self.orgs = {o.name: o for o in s.scalars(select(PartyOrg))}
        self.units = {u.name: u for u in s.scalars(select(Unit))}
        self.staged: list[RecordInput] = []
        self.seen: dict[tuple[Any, ...], int] = {}

    def problem(self, row: int, key: str, message: str) -> None:
        header = self.layout.headers.get(key) or SHEET.column(key).header
        self.report.problems.append(FieldProblem(key, message, row, header, self.layout.title))

    def cells(self, row: int, raw: tuple[Any, ...]) -> dict[str, Any] | None:
        values: dict[str, Any] = {}
        ok = True
        for key, pos in self.layout.positions.items():
            col = SHEET.column(key)
            try:
                values[key] = convert_cell(col, raw[pos] if pos < len(raw) else None)
            except CellError as exc:
                self.problem(row, key, str(exc))
                ok = False
        if ok and values.get("held_on") is None:
            self.problem(row, "held_on", "请填写召开日期")
            ok = False
        return values if ok else None

    def row(self, row: int, raw: tuple[Any, ...]) -> None:
        v = self.cells(row, raw)
        if v is None:
            return
        kind = OrgLifeKind(v["kind"])
        org = self.orgs.get(v.get("org", "")) if v.get("org") else None
        if v.get("org") and org is None:
            self.problem(row, "org", f"党组织“{v['org']}”不在名册中")
            return
        unit = self.units.get(v.get("unit", "")) if v.get("unit") else None
        if v.get("unit") and unit is None:
            self.problem(row, "unit", f"单位“{v['unit']}”不在名册中")
            return
        data = RecordInput(kind, v["held_on"], org.id if org else None, unit.id if unit else None,
                           v.get("topic", ""), v.get("place", ""), v.get("host", ""), v.get("lecturer", ""),
                           recorded_on=v.get("recorded_on"), content=v.get("content", ""), note=v.get("note", ""))
        if kind not in UNIT_KINDS and org is None:
            self.problem(row, "org", f"{kind.label}须填写党组织")
            return
        if not self.people(row, data, org, v):
            return
        problems = self.svc.validate_record(self.s, data, row)
        for p in problems:
            key = _FIELD_COLUMN.get(p.field, "topic")
            self.problem(row, key, p.message)
        if problems or self.duplicate(row, data):
            return
        self.staged.append(data)

    def people(self, row: int, data: RecordInput, org: PartyOrg | None, v: dict[str, Any]) -> bool:
        """Names → attendance lines; the 党课 lecturer → a member when the name is one of the branch."""
        if org is None:
            roster = {}
            for o in self.orgs.values():
                if data.unit_id is not None and o.unit_id == data.unit_id:
                    roster.update(members_on(self.s, o.id, data.held_on))
        else:
            roster = members_on(self.s, org.id, data.held_on)
        by_name: dict[str, list[int]] = {}
        for m in roster.values():
            by_name.setdefault(m.name, []).append(m.id)
        ok = True

        def one(name: str, key: str) -> int | None:
            nonlocal ok
            ids = by_name.get(name, [])
            if len(ids) != 1:
                self.problem(row, key, f"“{name}”不是该组织{data.held_on:%Y-%m-%d}的在册党员" if not ids
                             else f"该组织有{len(ids)}名党员叫“{name}”，请在系统中逐条登记")
                ok = False
                return None
            return ids[0]

        absent: dict[int, str] = {}
        for token in _names(v.get("absent", "")):
            found = _REASON.match(token)
            name, reason = (found.group(1).strip(), found.group(2).strip()) if found else (token, "")
            mid = one(name, "absent")
            if mid is not None:
                absent[mid] = reason
        present_tokens = _names(v.get("present", ""))
        if any(t in _ALL for t in present_tokens):
            present = [mid for mid in roster if mid not in absent]
        else:
            present = [mid for t in present_tokens if (mid := one(t, "present")) is not None]
        data.attendance = [AttendanceInput(mid) for mid in dict.fromkeys(present)] + [
            AttendanceInput(mid, False, reason) for mid, reason in absent.items()]
        ok = self.grades(row, data, one, v.get("grades", "")) and ok
        if data.kind == OrgLifeKind.PARTY_LECTURE and data.lecturer in by_name and len(by_name[data.lecturer]) == 1:
            data.lecturer_member_id = by_name[data.lecturer][0]
        return ok

    def grades(self, row: int, data: RecordInput, one: Callable[[str, str], int | None], text: str) -> bool:
        if not text.strip():
            return True
        rest: AppraisalGrade | None = None
        given: dict[int, AppraisalGrade] = {}
        for token in re.split(r"[、，,；;\s]+", unicodedata.normalize("NFKC", text).strip()):
            if not token:
                continue
            name, _, grade_text = token.partition(":")
            try:
                grade = AppraisalGrade(grade_text.strip())
            except ValueError:
                self.problem(row, "grades", f"“{token}”应写作“姓名:等次”，等次为优秀、合格、基本合格、不合格")
                return False
            if name in ("其余", "其他"):
                rest = grade
            elif (mid := one(name, "grades")) is not None:
                given[mid] = grade
        for a in data.attendance:
            a.grade = given.get(a.member_id, rest if a.present else None)
        return True

    def duplicate(self, row: int, data: RecordInput) -> bool:
        key = (data.kind, data.org_id, data.unit_id, data.held_on, data.topic)
        if key in self.seen:
            self.problem(row, "topic", f"与第{self.seen[key]}行重复（同一组织、同一天、同一主题）")
            return True
        self.seen[key] = row
        q = select(OrgLifeRecord.id).where(
            OrgLifeRecord.kind == data.kind, OrgLifeRecord.held_on == data.held_on, OrgLifeRecord.topic == data.topic,
            OrgLifeRecord.unit_id == data.unit_id,
            OrgLifeRecord.org_id == data.org_id if data.org_id is not None else OrgLifeRecord.org_id.is_(None))
        if self.s.scalar(q) is not None:
            self.report.unchanged += 1
            return True
        return False


def _names(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text or "")
    # Keep "王芳（出差，下午）" whole: split only outside brackets.
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")" and depth > 0
        if depth == 0 and _SPLIT.fullmatch(ch):
            if cur.strip():
                out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def import_orglife(session_factory: SessionFactory, path: Path, *, dry_run: bool,
                   progress: Progress | None = None, cancelled: Cancelled | None = None,
                   today: Callable[[], dt.date] = clock.today) -> ImportReport:
    """Check every row of the workbook and, if all are right and this is not a dry run, store them (one
    transaction).  Raises `ImportFileError` for an unreadable file, `OperationCancelled` on cancel."""
    layout = _read(Path(path))
    if not layout.rows:
        raise ImportFileError("文件中只有表头，没有可导入的数据行")
    svc = OrgLifeService(session_factory, today=today)
    with session_factory() as s:
        tx = s.begin()
        if not dry_run:  # the write lock first: waited for while another program writes, not refused
            begin_writing(s)
        try:
            register_audit.start(s)  # the stored records go to the audit trail before the commit
            imp = _Importer(s, svc, layout)
            for i, (row, raw) in enumerate(layout.rows, start=1):
                if i % 100 == 0:
                    report_progress(progress, cancelled, i, len(layout.rows), "正在检查组织生活记录……")
                imp.row(row, raw)
            report = imp.report
            report.created = 0 if report.problems else len(imp.staged)
            if report.problems or dry_run:
                tx.rollback()
                report.problems.sort(key=lambda p: p.row or 0)
                return report
            report_progress(progress, cancelled, len(layout.rows), len(layout.rows), "正在写入……")
            for data in imp.staged:
                svc.store(s, data, None)
            register_audit.write_bulk(s, audit.operator(s), f"Excel导入：{Path(path).name}")
            tx.commit()
        except BaseException:
            if tx.is_active:
                tx.rollback()
            raise
    report.applied = True
    return report


def write_template(path: Path) -> None:
    """An empty import workbook with the headers (required ones in red), hints as a second row of notes."""
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
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 16, 90
    save_workbook(wb, Path(path))
