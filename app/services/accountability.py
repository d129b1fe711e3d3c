"""问责 register: the accountability decisions about 党组（党委）书记, 机关党委书记 and 支部书记, with their rules,
their audit entries, and the Excel template, import and export.

Rules (checked here for the form and the import alike):
- the unit must exist; a 机关党委书记 or 支部书记 must be a member of the register (the person's organisation in
  that unit); a 党组（党委）书记 may be named only (the register keeps `Unit.party_secretary` as text), and when the
  name is a member of the unit that member is linked;
- 问责方式, 决定日期 (not after today), 决定机关 and 问责决定 are required;
- a linked 约谈 must be of the same unit and held on or before the decision;
- the same person, 问责方式 and date twice is refused as a duplicate.
Every change is an audit entry of the register's kind (app.services.register_audit: `accountability` is an audited
entity: 新建 with a snapshot, 修改 per column, 删除 with the reason given), so that `audit verify` finds a record
changed, added or deleted outside the app — it feeds the cadres' 党建实绩 record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.errors import FieldProblem, ImportFileError, ImportReport, NotFoundError, ValidationError
from app.models import Interview, Member, PartyOrg, Period, Unit
from app.models.accountability import Accountability, AccountabilityKind, PartyPost
from app.reports.packet import PacketSection
from app.reports.xlsx_text import save_workbook
from app.services.audit import AuditLog
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
from app.services.register_audit import register_unit_of_work

SessionFactory = Callable[[], Session]

BODY_MAX, DOC_MAX, NAME_MAX = 100, 60, 40
# Fields compared for the 修改 entries, with their labels in the trail's reason.
_FIELDS = ("unit_id", "member_id", "person_name", "post", "kind", "decided_on", "deciding_body", "doc_number",
           "decision", "interview_id", "note")
# Which 约谈 post goes with which party post (a 约谈 of the 党组书记 leads to a 问责 of the 党组（党委）书记 …).
_INTERVIEW_POSTS = {"党组书记": PartyPost.PARTY_GROUP_SECRETARY, "机关党委书记": PartyPost.ORGAN_COMMITTEE_SECRETARY,
                    "支部书记": PartyPost.BRANCH_SECRETARY}


@dataclass
class AccountabilityInput:
    unit_id: int | None
    post: PartyPost | None
    kind: AccountabilityKind | None
    decided_on: dt.date | None
    deciding_body: str
    decision: str
    member_id: int | None = None
    person_name: str = ""
    doc_number: str = ""
    interview_id: int | None = None
    note: str = ""


@dataclass(frozen=True)
class AccountabilityRow:
    id: int
    unit_id: int
    unit: str
    member_id: int | None
    person_name: str
    post: PartyPost
    kind: AccountabilityKind
    decided_on: dt.date
    deciding_body: str
    doc_number: str
    decision: str
    interview_id: int | None
    interview: str  # "2026年10月约谈" or ""
    note: str


@dataclass(frozen=True)
class InterviewChoice:
    id: int
    unit_id: int
    label: str  # 2026年10月约谈（党组书记 张三）
    held_on: dt.date | None
    post: PartyPost
    name: str
    member_id: int | None


def interview_day(i: Interview, period: Period) -> dt.date | None:
    """The day a 约谈 was held (its scheduled time once held); None while it has not been held."""
    if not i.held:
        return None
    return i.scheduled_at.date() if i.scheduled_at else (i.notice_on or dt.date(period.year, period.month or 1, 1))


class AccountabilityService:
    def __init__(self, session_factory: SessionFactory, today: Callable[[], dt.date] = clock.today,
                 actor: str | None = None) -> None:
        self._sf = session_factory
        self._today = today
        self._actor = actor

    # --- rules ----------------------------------------------------------------------------------------------

    def validate(self, s: Session, data: AccountabilityInput, row: int | None = None,
                 record_id: int | None = None) -> list[FieldProblem]:
        """Every problem with `data`, each on its field; fills in the person's name from the member."""
        problems: list[FieldProblem] = []

        def bad(fld: str, msg: str) -> None:
            problems.append(FieldProblem(fld, msg, row))

        data.person_name, data.deciding_body = data.person_name.strip(), data.deciding_body.strip()
        data.decision, data.doc_number, data.note = data.decision.strip(), data.doc_number.strip(), data.note.strip()
        unit = s.get(Unit, data.unit_id) if data.unit_id is not None else None
        if unit is None:
            bad("unit_id", "请选择被问责人所在单位" if data.unit_id is None else "单位不存在")
        if not isinstance(data.post, PartyPost):
            bad("post", "请选择被问责人的职务")
        if not isinstance(data.kind, AccountabilityKind):
            bad("kind", "请选择问责方式")
        self._check_person(s, data, unit, bad)
        if data.decided_on is None:
            bad("decided_on", "请填写决定日期")
        elif data.decided_on > self._today():
            bad("decided_on", "决定日期不能晚于今天")
        _text(data.deciding_body, "deciding_body", "决定机关", BODY_MAX, bad)
        _text(data.decision, "decision", "问责决定", 2000, bad)
        if len(data.doc_number) > DOC_MAX:
            bad("doc_number", f"决定文号不能超过{DOC_MAX}个字")
        if unit is not None:
            self._check_interview(s, data, bad)
        if not problems:
            self._check_duplicate(s, data, record_id, bad)
        return problems

    def _check_person(self, s: Session, data: AccountabilityInput, unit: Unit | None,
                      bad: Callable[[str, str], None]) -> None:
        if data.member_id is not None:
            m = s.get(Member, data.member_id)
            if m is None:
                bad("member_id", "党员不存在")
                return
            if unit is not None and s.scalar(select(PartyOrg.unit_id).where(PartyOrg.id == m.org_id)) != unit.id:
                bad("member_id", f"{m.name}不是{unit.name}的党员")
                return
            data.person_name = m.name
            return
        if not data.person_name:
            bad("person_name", "请填写被问责人姓名")
        elif len(data.person_name) > NAME_MAX:
            bad("person_name", f"姓名不能超过{NAME_MAX}个字")
        elif data.post is not None and data.post != PartyPost.PARTY_GROUP_SECRETARY:
            bad("person_name", f"{data.post.value}须从党员名册中选择（{data.person_name}不在该单位名册中）")

    def _check_interview(self, s: Session, data: AccountabilityInput, bad: Callable[[str, str], None]) -> None:
        if data.interview_id is None:
            return
        found = s.execute(select(Interview, Period).join(Period, Period.id == Interview.period_id)
                          .where(Interview.id == data.interview_id)).first()
        if found is None:
            bad("interview_id", "关联的约谈不存在")
            return
        i, period = found
        if i.unit_id != data.unit_id:
            bad("interview_id", "关联的约谈不是该单位的约谈")
            return
        day = interview_day(i, period)
        if day is None:
            bad("interview_id", f"{period.title}约谈尚未进行，不能据此问责")
        elif data.decided_on is not None and data.decided_on < day:
            bad("decided_on", f"决定日期早于关联约谈的日期（{day:%Y-%m-%d}）")

    def _check_duplicate(self, s: Session, data: AccountabilityInput, record_id: int | None,
                         bad: Callable[[str, str], None]) -> None:
        q = select(Accountability.id).where(
            Accountability.unit_id == data.unit_id, Accountability.person_name == data.person_name,
            Accountability.kind == data.kind, Accountability.decided_on == data.decided_on,
            Accountability.id != (record_id or -1))
        if s.scalar(q) is not None:
            bad("kind", f"已有{data.person_name}同日的{data.kind}记录")

    # --- writing --------------------------------------------------------------------------------------------

    def save(self, data: AccountabilityInput, record_id: int | None = None) -> int:
        with register_unit_of_work(self._sf, self._actor, reason=lambda: f"问责：{data.person_name}") as (s, log):
            rec = s.get(Accountability, record_id) if record_id is not None else None
            if record_id is not None and rec is None:
                raise NotFoundError(f"问责记录不存在（编号 {record_id}）")
            problems = self.validate(s, data, record_id=record_id)
            if problems:
                raise ValidationError(problems)
            return store(s, log, data, rec)

    def delete(self, record_id: int, reason: str) -> None:
        reason = reason.strip()
        if not reason:
            raise ValidationError("请说明删除原因", field="reason")
        with register_unit_of_work(self._sf, self._actor, reason=reason) as (s, _log):
            rec = s.get(Accountability, record_id)
            if rec is None:
                raise NotFoundError(f"问责记录不存在（编号 {record_id}）")
            s.delete(rec)

    # --- reading --------------------------------------------------------------------------------------------

    def rows(self, year: int | None = None, unit_id: int | None = None) -> list[AccountabilityRow]:
        with self._sf() as s:
            return rows(s, year, unit_id)

    def record_input(self, record_id: int) -> AccountabilityInput:
        with self._sf() as s:
            r = s.get(Accountability, record_id)
            if r is None:
                raise NotFoundError(f"问责记录不存在（编号 {record_id}）")
            return AccountabilityInput(r.unit_id, r.post, r.kind, r.decided_on, r.deciding_body, r.decision,
                                       r.member_id, r.person_name, r.doc_number, r.interview_id, r.note)

    def interviews(self, unit_id: int) -> list[InterviewChoice]:
        """The unit's held 约谈, newest first, for the form's 关联约谈 list."""
        with self._sf() as s:
            return interview_choices(s, unit_id)

    def members(self, unit_id: int) -> list[tuple[int, str]]:
        """The unit's members in the register (id, "name（organisation）"), for the form."""
        with self._sf() as s:
            q = (select(Member.id, Member.name, PartyOrg.name).join(PartyOrg, PartyOrg.id == Member.org_id)
                 .where(PartyOrg.unit_id == unit_id, Member.left_on.is_(None)).order_by(Member.name_sort))
            return [(mid, f"{name}（{org}）") for mid, name, org in s.execute(q)]


def _text(value: str, fld: str, label: str, limit: int, bad: Callable[[str, str], None]) -> None:
    if not value:
        bad(fld, f"请填写{label}")
    elif len(value) > limit:
        bad(fld, f"{label}不能超过{limit}个字")


def store(s: Session, log: AuditLog, data: AccountabilityInput, rec: Accountability | None) -> int:
    """Write a record `validate` accepted in the caller's `register_unit_of_work` (which records it)."""
    target = rec or Accountability(created_by=log.who)
    for f in _FIELDS:
        setattr(target, f, getattr(data, f))
    s.add(target)
    s.flush()
    return target.id


def rows(s: Session, year: int | None = None, unit_id: int | None = None,
         ids: Iterable[int] | None = None) -> list[AccountabilityRow]:
    q = (select(Accountability, Unit.name, Period).join(Unit, Unit.id == Accountability.unit_id)
         .outerjoin(Interview, Interview.id == Accountability.interview_id)
         .outerjoin(Period, Period.id == Interview.period_id)
         .order_by(Accountability.decided_on.desc(), Unit.sort_order, Accountability.id))
    if year is not None:
        q = q.where(Accountability.decided_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    if unit_id is not None:
        q = q.where(Accountability.unit_id == unit_id)
    if ids is not None:
        q = q.where(Accountability.id.in_(list(ids)))
    return [AccountabilityRow(r.id, r.unit_id, unit, r.member_id, r.person_name, r.post, r.kind, r.decided_on,
                              r.deciding_body, r.doc_number, r.decision, r.interview_id,
                              f"{period.title}约谈" if period is not None else "", r.note)
            for r, unit, period in s.execute(q)]


def interview_choices(s: Session, unit_id: int) -> list[InterviewChoice]:
    q = (select(Interview, Period).join(Period, Period.id == Interview.period_id)
         .where(Interview.unit_id == unit_id, Interview.held.is_(True)).order_by(Period.key.desc()))
    out = []
    for i, p in s.execute(q):
        post = _INTERVIEW_POSTS.get(i.interviewee_post.value, PartyPost.PARTY_GROUP_SECRETARY)
        label = f"{p.title}约谈（{i.interviewee_post.value} {i.interviewee_name}）"
        out.append(InterviewChoice(i.id, unit_id, label, interview_day(i, p), post, i.interviewee_name,
                                   i.interviewee_member_id))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Excel: one sheet “问责”, one row per decision; the export has the same columns, so it re-imports as unchanged.

SHEET = SheetSpec("accountability", "问责", (
    Column("unit", "单位", required=True, synonyms=("单位名称", "所在单位"), width=22),
    Column("person_name", "姓名", required=True, synonyms=("被问责人", "被问责人姓名"), width=10),
    Column("post", "职务", kind="choice", required=True, choices=tuple(p.value for p in PartyPost),
           synonyms=("党内职务", "被问责人职务"),
           choice_synonyms=(("党组书记", "党组（党委）书记"), ("党委书记", "党组（党委）书记"), ("党总支书记", "支部书记")),
           width=16),
    Column("org", "党组织", synonyms=("所在党组织", "支部"), width=26,
           hint="机关党委书记、支部书记同名时按党组织区分；可不填。"),
    Column("kind", "问责方式", kind="choice", required=True, choices=tuple(k.value for k in AccountabilityKind),
           synonyms=("方式", "问责类型"), choice_synonyms=(("诫勉谈话", "诫勉"), ("责令作出书面检查", "责令检查"),
                                                        ("通报", "通报批评")), width=12),
    Column("decided_on", "决定日期", kind="date", required=True, synonyms=("日期", "问责日期"), width=12),
    Column("deciding_body", "决定机关", required=True, synonyms=("问责机关", "作出决定机关"), width=22),
    Column("doc_number", "决定文号", synonyms=("文号",), width=18),
    Column("decision", "问责决定", required=True, synonyms=("问责事由及决定", "决定内容", "事由"), width=40),
    Column("interview", "关联约谈", synonyms=("约谈",), width=14,
           hint="写约谈的月份，如“2026年10月”；须是该单位已进行的约谈。"),
    Column("note", "备注", width=16),
), synonyms=("问责记录", "问责台账"))
_FIELD_COLUMN = {"unit_id": "unit", "member_id": "person_name", "person_name": "person_name", "post": "post",
                 "kind": "kind", "decided_on": "decided_on", "deciding_body": "deciding_body",
                 "doc_number": "doc_number", "decision": "decision", "interview_id": "interview"}


_Layout = SheetTable


def _read(path: Path) -> _Layout:
    return find_table(path, SHEET, {"person_name", "kind"},
                      "文件中没有找到问责记录表：表头须有“单位”“姓名”“职务”“问责方式”等列；请下载导入模板填写")


class _Importer:
    def __init__(self, s: Session, svc: AccountabilityService, layout: _Layout) -> None:
        self.s, self.svc, self.layout = s, svc, layout
        self.report = ImportReport()
        self.units = {u.name: u.id for u in s.scalars(select(Unit))}
        self.staged: list[AccountabilityInput] = []
        self.seen: dict[tuple[Any, ...], int] = {}

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
        return values if ok else None

    def row(self, row: int, raw: tuple[Any, ...]) -> None:
        v = self.cells(row, raw)
        if v is None:
            return
        unit_id = self.units.get(v.get("unit", ""))
        if unit_id is None:
            self.problem(row, "unit", f"单位“{v.get('unit', '')}”不在名册中" if v.get("unit") else "请填写单位")
            return
        post = PartyPost(v["post"]) if v.get("post") else None
        data = AccountabilityInput(unit_id, post, AccountabilityKind(v["kind"]) if v.get("kind") else None,
                                   v.get("decided_on"), v.get("deciding_body", ""), v.get("decision", ""),
                                   person_name=v.get("person_name", ""), doc_number=v.get("doc_number", ""),
                                   note=v.get("note", ""))
        if not self.person(row, data, v.get("org", "")) or not self.interview(row, data, v.get("interview", "")):
            return
        problems = self.svc.validate(self.s, data, row)
        for p in problems:
            self.problem(row, _FIELD_COLUMN.get(p.field, "decision"), p.message)
        if problems or self.duplicate(row, data):
            return
        self.staged.append(data)

    def person(self, row: int, data: AccountabilityInput, org: str) -> bool:
        """The name → the unit's member of that name (in `org` when given); a 党组（党委）书记 may stay a name."""
        q = (select(Member.id).join(PartyOrg, PartyOrg.id == Member.org_id)
             .where(PartyOrg.unit_id == data.unit_id, Member.name == data.person_name))
        if org:
            q = q.where(PartyOrg.name == org)
        ids = list(self.s.scalars(q))
        if len(ids) == 1:
            data.member_id = ids[0]
        elif len(ids) > 1:
            self.problem(row, "org", f"该单位有{len(ids)}名党员叫“{data.person_name}”，请填写其所在党组织")
            return False
        return True

    def interview(self, row: int, data: AccountabilityInput, text: str) -> bool:
        text = text.strip().removesuffix("约谈")
        if not text:
            return True
        assert data.unit_id is not None
        found = [c for c in interview_choices(self.s, data.unit_id) if c.label.startswith(text + "约谈")]
        if not found:
            self.problem(row, "interview", f"该单位没有{text}已进行的约谈")
            return False
        data.interview_id = found[0].id
        return True

    def duplicate(self, row: int, data: AccountabilityInput) -> bool:
        key = (data.unit_id, data.person_name, data.kind, data.decided_on)
        if key in self.seen:
            self.problem(row, "kind", f"与第{self.seen[key]}行重复（同一人、同一天、同一问责方式）")
            return True
        self.seen[key] = row
        return False


def import_accountability(session_factory: SessionFactory, path: Path, *, dry_run: bool,
                          progress: Progress | None = None, cancelled: Cancelled | None = None,
                          today: Callable[[], dt.date] = clock.today, actor: str | None = None) -> ImportReport:
    """Check every row; if all are right and this is not a dry run, store them all (one transaction).  A row the
    register already holds (same person, 问责方式 and date) is counted as unchanged."""
    layout = _read(Path(path))
    if not layout.rows:
        raise ImportFileError("文件中只有表头，没有可导入的数据行")
    svc = AccountabilityService(session_factory, today=today, actor=actor)
    with session_factory() as s:  # first every row is checked, nothing held locked meanwhile
        imp = _check_rows(s, svc, layout, progress, cancelled)
    if imp.report.problems or dry_run:
        return imp.report
    with register_unit_of_work(session_factory, actor, reason=f"Excel导入：{Path(path).name}") as (s, log):  # checked again under the write lock, and stored
        imp = _check_rows(s, svc, layout, None, None)
        if imp.report.problems:
            raise ValidationError(imp.report.problems)
        for data in imp.staged:
            store(s, log, data, None)
    imp.report.applied = True
    return imp.report


def _check_rows(s: Session, svc: AccountabilityService, layout: _Layout, progress: Progress | None,
                cancelled: Cancelled | None) -> _Importer:
    imp = _Importer(s, svc, layout)
    for i, (row, raw) in enumerate(layout.rows, start=1):
        if i % 50 == 0:
            report_progress(progress, cancelled, i, len(layout.rows), "正在检查问责记录……")
        imp.row(row, raw)
    report = imp.report
    # A row the register already holds is refused by `validate` as a duplicate: counted as unchanged instead.
    stored = [p for p in report.problems if p.field == "kind" and p.message.startswith("已有")]
    report.problems = sorted((p for p in report.problems if p not in stored), key=lambda p: p.row or 0)
    report.unchanged = len(stored)
    report.created = 0 if report.problems else len(imp.staged)
    return imp


def write_template(path: Path) -> None:
    """An empty import workbook: the headers (required ones in red) and a 说明 sheet."""
    _write(path, [])


def export_accountability(session_factory: SessionFactory, path: Path, year: int | None = None) -> int:
    """The register (or one year of it) in the import layout; returns the number of rows written."""
    with session_factory() as s:
        found = rows(s, year)
        orgs: dict[int, str] = {mid: org for mid, org in s.execute(
            select(Member.id, PartyOrg.name).join(PartyOrg, PartyOrg.id == Member.org_id)
            .where(Member.id.in_([r.member_id for r in found if r.member_id])))}
    data = [[r.unit, r.person_name, r.post.value, orgs.get(r.member_id or 0, ""), r.kind.value, r.decided_on,
             r.deciding_body, r.doc_number, r.decision, r.interview.removesuffix("约谈"), r.note]
            for r in reversed(found)]
    _write(path, data)
    return len(data)


def _write(path: Path, data: list[list[Any]]) -> None:
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
    for values in data:
        ws.append(values)
        ws.cell(row=ws.max_row, column=6).number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明")
    notes.append(["列", "填写说明"])
    for col in SHEET.columns:
        choices = f"可选：{'、'.join(col.choices)}。" if col.choices else ""
        notes.append([col.header + ("（必填）" if col.required else ""), choices + col.hint])
    notes.append(["", "机关党委书记、支部书记须是该单位名册中的党员；党组（党委）书记可只写姓名。"])
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 16, 90
    save_workbook(wb, Path(path))


# ---------------------------------------------------------------------------------------------------------------
# the year-end packet (app/services/packet_sections.py): the unit's 问责 of the year, and the 汇总表's column

SECTION_TITLE = "问责情况"


def packet_section(s: Session, year: int) -> dict[int, PacketSection]:
    """unit id → its 问责 decisions of the year (by decision date), as a table."""
    by_unit: dict[int, list[AccountabilityRow]] = {}
    for r in reversed(rows(s, year)):
        by_unit.setdefault(r.unit_id, []).append(r)
    return {unit_id: PacketSection(
        SECTION_TITLE, (f"{year}年度本单位党组织书记受到问责{len(found)}人次。",),
        ("决定日期", "姓名", "职务", "问责方式", "决定机关", "问责决定"),
        tuple((f"{r.decided_on:%Y-%m-%d}", r.person_name, r.post.value, r.kind.value, r.deciding_body,
               r.decision + (f"（{r.interview}后）" if r.interview else "")) for r in found),
        (22, 16, 24, 18, 30, 46)) for unit_id, found in by_unit.items()}


def summary_column(s: Session, year: int) -> tuple[str, dict[int, str]]:
    """The 汇总表's 问责 column: "通报批评1、诫勉1" per unit that had any."""
    counts: dict[int, dict[str, int]] = {}
    for r in rows(s, year):
        kinds = counts.setdefault(r.unit_id, {})
        kinds[r.kind.value] = kinds.get(r.kind.value, 0) + 1
    return "问责", {u: "、".join(f"{k}{n}" for k, n in kinds.items()) for u, kinds in counts.items()}
