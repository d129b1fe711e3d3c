"""Scores on paper and in Excel: a month's .xlsx template generated from its scheme, and its import.

The workbook offices fill in:
- 扣分加分: one row per deduction or bonus — 单位名称, 指标 (drop-down lists), 次数, 每次分值 (blank: the indicator's
  default), 原因, 佐证说明, 一票否决 (是 only on a 一票否决 indicator; 次数 0 then records the veto alone).
- 自评得分: one row per unit, one column per indicator, the unit's own scores.
- 指标说明: the scheme (points, method, default per occurrence, cap) that the drop-down lists refer to.

The template comes filled with what is already recorded, so that exporting and importing again changes nothing.
For every unit listed on 自评得分, the file is the full record of its hand-entered deductions, bonuses, vetoes and
自评 scores: rows that are new are added, recorded ones missing from the file are removed; suggested deductions
accepted in the app are left alone.  The import checks everything first (the same rules as the scoring form) and
applies nothing when anything is wrong, reporting each problem with its sheet, row and column."""

from __future__ import annotations

import logging
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import (
    FieldProblem,
    ImportFileError,
    ImportReport,
    PeriodLockedError,
    ValidationError,
)
from app.models import Bonus, Deduction, IndicatorMethod, Period, PeriodState, ScoreItem, ScoreSheet, Unit
from app.reports.xlsx_text import save_workbook
from app.services import unit_scope
from app.services.audit import unit_of_work
from app.services.scheme import IndicatorView, SchemeView, scheme_view
from app.services.score_rules import parse_score
from app.services.scoring import (
    OccurrenceInput,
    ScoringService,
    month_key,
    occurrence_problems,
    read_period,
    snapshot_of,
)
from app.services.sheets import lock_sheets, recompute_item, update_totals

log = logging.getLogger(__name__)

SessionFactory = Callable[[], Session]

ROWS_SHEET = "扣分加分"
SELF_SHEET = "自评得分"
SCHEME_SHEET = "指标说明"
LISTS_SHEET = "下拉列表"
GUIDE_SHEET = "填写说明"

C_UNIT, C_IND, C_N, C_EACH, C_REASON, C_NOTE, C_VETO = "单位名称", "指标", "次数", "每次分值", "原因", "佐证说明", "一票否决"
ROW_COLUMNS = (C_UNIT, C_IND, C_N, C_EACH, C_REASON, C_NOTE, C_VETO)
REQUIRED = (C_UNIT, C_IND, C_REASON)
BLANK_ROWS = 300  # rows with drop-down lists below the pre-filled ones
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
MANUAL_SOURCES = ("", "import")  # deductions and bonuses the file carries (not the accepted suggestions)


def _is_manual(source: str) -> bool:
    return source == "" or source.startswith("import")


def _label(number: str, ind: IndicatorView) -> str:
    """How an indicator is named in the workbook: its number in the scheme and its name (1.2 书记公开承诺…)."""
    return f"{number} {ind.name}"


def _numbered(view: SchemeView) -> list[tuple[str, str, IndicatorView]]:
    return [(f"{ci}.{ii}", c.name, ind) for ci, c in enumerate(view.categories, 1)
            for ii, ind in enumerate(c.indicators, 1)]


# ---------------------------------------------------------------------------------------------------------------
# template


@dataclass(frozen=True)
class TemplateInfo:
    path: Path
    period_key: str
    units: int
    rows: int  # pre-filled deduction and bonus rows


def write_template(session_factory: SessionFactory, year: int, month: int, path: Path,
                   actor: str | None = None) -> TemplateInfo:
    """Write the month's template (opening the month if needed), filled with what is recorded so far."""
    period = ScoringService(session_factory, actor).open_month(year, month)
    with session_factory() as s:
        p = s.get_one(Period, period.id)
        view = scheme_view(s, p.scheme)
        units = _units(s, p.id)
        rows, selfs = _recorded(s, p.id, view)
    wb = Workbook()
    _guide(wb.active, p.title)
    numbered = _numbered(view)
    _scheme_sheet(wb.create_sheet(SCHEME_SHEET), numbered)
    lists = wb.create_sheet(LISTS_SHEET)
    for r, (_, name) in enumerate(units, 1):
        lists.cell(r, 1, name)
    for r, (number, _, ind) in enumerate(numbered, 1):
        lists.cell(r, 2, _label(number, ind))
    lists.sheet_state = "hidden"
    _rows_sheet(wb.create_sheet(ROWS_SHEET, 1), rows, len(units), len(numbered))
    _self_sheet(wb.create_sheet(SELF_SHEET, 2), units, numbered, selfs)
    save_workbook(wb, path)
    return TemplateInfo(path, p.key, len(units), len(rows))


def _units(s: Session, period_id: int) -> list[tuple[int, str]]:
    q = (select(Unit.id, Unit.name).join(ScoreSheet, ScoreSheet.unit_id == Unit.id)
         .where(ScoreSheet.period_id == period_id).order_by(Unit.sort_order, Unit.id))
    return [(uid, name) for uid, name in s.execute(q)]


def _recorded(s: Session, period_id: int, view: SchemeView
              ) -> tuple[list[tuple[Any, ...]], dict[tuple[int, int], Decimal]]:
    """The manual deductions/bonuses (and vetoes) as template rows, and the 自评 scores by (unit, indicator)."""
    labels = {ind.id: _label(number, ind) for number, _, ind in _numbered(view)}
    rows: list[tuple[Any, ...]] = []
    selfs: dict[tuple[int, int], Decimal] = {}
    q = (select(ScoreItem, ScoreSheet.unit_id, Unit.name).join(ScoreSheet, ScoreSheet.id == ScoreItem.sheet_id)
         .join(Unit, Unit.id == ScoreSheet.unit_id).where(ScoreSheet.period_id == period_id)
         .order_by(Unit.sort_order, Unit.id, ScoreItem.indicator_id))
    for item, unit_id, unit_name in s.execute(q):
        if item.self_score is not None:
            selfs[(unit_id, item.indicator_id)] = item.self_score
        label = labels.get(item.indicator_id, "")
        veto_pending = item.veto
        records: list[Deduction | Bonus] = [*item.deductions, *item.bonuses]
        for r in records:
            if not _is_manual(r.source):
                continue
            rows.append((unit_name, label, r.occurrences, float(r.points_each), r.reason, r.evidence_note,
                         "是" if veto_pending else ""))
            veto_pending = False
        if veto_pending:  # a veto recorded without a deduction: a row with 0 occurrences
            rows.append((unit_name, label, 0, None, item.veto_reason, "", "是"))
    return rows, selfs


def _guide(ws: Any, title: str) -> None:
    ws.title = GUIDE_SHEET
    lines = [
        f"{title}党建工作考评 评分表（由机关党建考评程序生成）",
        "",
        "一、“扣分加分”表：每一行登记一项扣分或加分。",
        "    单位名称、指标请从下拉列表中选择；次数填正整数，空白按1次；每次分值空白时按该指标的默认分值（见“指标说明”）。",
        "    原因必须填写；“指标说明”中标明须佐证的指标，须填写佐证说明。",
        "    一票否决：仅“一票否决”类指标可填“是”，原因即否决理由；只否决不扣分时次数填0。",
        "二、“自评得分”表：各单位对每项指标的自评得分（可不填），不能超过该指标分值。",
        "三、导入规则：对“自评得分”表中列出的每个单位，本文件即为其手工登记扣分、加分、一票否决和自评的完整记录；",
        "    文件中没有而程序中已有的手工记录将被删除，程序中采纳的系统建议扣分不受影响。",
        "    只要有一处错误，整个文件都不会导入，程序会指出错误所在的表、行和列。",
        "四、分值最多保留一位小数；单项扣分扣完为止，加分合计不超过加分上限。",
    ]
    for r, text in enumerate(lines, 1):
        ws.cell(r, 1, text)
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 120


def _header(ws: Any, headers: list[str], widths: list[int]) -> None:
    for c, (text, width) in enumerate(zip(headers, widths, strict=True), 1):
        cell = ws.cell(1, c, text)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "B2"


def _scheme_sheet(ws: Any, numbered: list[tuple[str, str, IndicatorView]]) -> None:
    _header(ws, ["序号", "编号", "类别", "指标", "计分方式", "分值", "每次分值", "封顶", "须佐证", "说明"],
            [8, 22, 18, 36, 10, 8, 10, 8, 8, 80])
    for r, (number, cat, ind) in enumerate(numbered, 2):
        values = [number, ind.code, cat, ind.name, ind.method.value, float(ind.points), float(ind.per_occurrence),
                  float(ind.cap) if ind.cap is not None else None, "是" if ind.evidence_required else "",
                  ind.description]
        for c, v in enumerate(values, 1):
            ws.cell(r, c, v)


def _rows_sheet(ws: Any, rows: list[tuple[Any, ...]], n_units: int, n_inds: int) -> None:
    _header(ws, list(ROW_COLUMNS), [30, 40, 8, 10, 50, 40, 10])
    for r, values in enumerate(rows, 2):
        for c, v in enumerate(values, 1):
            ws.cell(r, c, v)
    last = len(rows) + 1 + BLANK_ROWS
    checks = [
        DataValidation(type="list", formula1=f"'{LISTS_SHEET}'!$A$1:$A${max(n_units, 1)}", allow_blank=True),
        DataValidation(type="list", formula1=f"'{LISTS_SHEET}'!$B$1:$B${max(n_inds, 1)}", allow_blank=True),
        DataValidation(type="whole", operator="between", formula1="0", formula2="999", allow_blank=True),
        DataValidation(type="decimal", operator="greaterThan", formula1="0", allow_blank=True),
        DataValidation(type="list", formula1='"是,否"', allow_blank=True),
    ]
    for dv, col in zip(checks, "ABCDG", strict=True):
        dv.error = "请从列表中选择或按说明填写"
        dv.errorTitle = "输入无效"
        ws.add_data_validation(dv)
        dv.add(f"{col}2:{col}{last}")


def _self_sheet(ws: Any, units: list[tuple[int, str]], numbered: list[tuple[str, str, IndicatorView]],
                selfs: dict[tuple[int, int], Decimal]) -> None:
    headers = [C_UNIT] + [f"{_label(n, ind)}（{points_text(ind.points)}分）" for n, _, ind in numbered]
    _header(ws, headers, [30] + [14] * len(numbered))
    ws.row_dimensions[1].height = 60
    for r, (unit_id, name) in enumerate(units, 2):
        ws.cell(r, 1, name)
        for c, (_, _, ind) in enumerate(numbered, 2):
            v = selfs.get((unit_id, ind.id))
            if v is not None:
                ws.cell(r, c, float(v))


# ---------------------------------------------------------------------------------------------------------------
# import: reading and checking


@dataclass
class _Planned:
    """What the file says about one unit."""

    unit_id: int
    unit_name: str
    deductions: list[tuple[int, OccurrenceInput]] = field(default_factory=list)  # (indicator id, data)
    bonuses: list[tuple[int, OccurrenceInput]] = field(default_factory=list)
    vetoes: dict[int, str] = field(default_factory=dict)  # indicator id → reason
    selfs: dict[int, Decimal | None] = field(default_factory=dict)
    listed: bool = False  # on 自评得分: the file carries the unit's full record


class _Reader:
    def __init__(self, view: SchemeView, units: dict[str, int]) -> None:
        self.view = view
        self.units = units
        self.problems: list[FieldProblem] = []
        self.plans: dict[int, _Planned] = {}
        self.by_key: dict[str, IndicatorView] = {}
        for number, _, ind in _numbered(view):
            for key in (number, ind.code, ind.name, _label(number, ind)):
                self.by_key.setdefault(_norm(key), ind)

    def bad(self, sheet: str, row: int, column: str, message: str, fld: str = "") -> None:
        self.problems.append(FieldProblem(fld or column, message, row, column, sheet))

    def plan(self, unit_id: int, name: str) -> _Planned:
        return self.plans.setdefault(unit_id, _Planned(unit_id, name))

    def indicator(self, text: Any) -> IndicatorView | None:
        key = _norm(text)
        found = self.by_key.get(key)
        if found is None:
            found = self.by_key.get(_POINTS_SUFFIX.sub("", key))  # a header with its points: 1.1 名称（6分）
        return found

    def unit(self, sheet: str, row: int, text: Any) -> int | None:
        name = _text(text)
        if not name:
            self.bad(sheet, row, C_UNIT, "请填写单位名称")
            return None
        unit_id = self.units.get(name)
        if unit_id is None:
            self.bad(sheet, row, C_UNIT, f"没有名为“{name}”的单位（或该单位本月不参加考评）")
        return unit_id


_POINTS_SUFFIX = re.compile(r"[（(][0-9.]+分[）)]$")


def points_text(d: Decimal) -> str:
    """6 rather than 6.0, 0.5 as it is."""
    return str(d.quantize(Decimal(1))) if d == d.to_integral_value() else str(d)


def _norm(v: Any) -> str:
    return _text(v).replace(" ", "").replace("\u3000", "")


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _open(path: Path) -> Any:
    if not path.is_file():
        raise ImportFileError(f"找不到文件：{path}")
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, EOFError, OSError) as exc:
        log.info("cannot open %s: %r", path, exc)
        raise ImportFileError(f"文件“{path.name}”不是有效的Excel工作簿（.xlsx），或已损坏") from None


def _header_map(sheet: str, cells: tuple[Any, ...], required: tuple[str, ...]) -> dict[str, int]:
    found = {_norm(v): i for i, v in enumerate(cells) if _norm(v)}
    missing = [c for c in required if c not in found]
    if missing:
        raise ImportFileError(f"“{sheet}”表第1行缺少列：{'、'.join(missing)}；请使用本程序生成的模板")
    return found


def _read_rows(reader: _Reader, ws: Any) -> None:
    it = ws.iter_rows(values_only=True)
    cols = _header_map(ROWS_SHEET, next(it, ()), REQUIRED)

    def cell(cells: tuple[Any, ...], name: str) -> Any:
        i = cols.get(name)
        return cells[i] if i is not None and i < len(cells) else None

    for row_no, cells in enumerate(it, 2):
        if all(_text(v) == "" for v in cells):
            continue
        _read_row(reader, row_no, lambda name, c=cells: cell(c, name))  # type: ignore[misc]


def _read_row(reader: _Reader, row_no: int, cell: Callable[[str], Any]) -> None:
    sheet = ROWS_SHEET
    unit_id = reader.unit(sheet, row_no, cell(C_UNIT))
    ind = reader.indicator(cell(C_IND))
    if ind is None:
        what = _text(cell(C_IND))
        reader.bad(sheet, row_no, C_IND, f"没有指标“{what}”，请从下拉列表中选择" if what else "请选择指标")
    veto_text = _text(cell(C_VETO))
    veto = veto_text == "是"
    if veto_text not in ("", "是", "否"):
        reader.bad(sheet, row_no, C_VETO, "一票否决应填“是”或“否”")
    n_text = _text(cell(C_N)) or "1"
    data = OccurrenceInput(_text(cell(C_REASON)), n_text, _text(cell(C_EACH)) or None, _text(cell(C_NOTE)))
    if ind is None or unit_id is None:
        if not data.reason and not veto:
            reader.bad(sheet, row_no, C_REASON, "请填写原因", "reason")
        return
    if veto and ind.method != IndicatorMethod.VETO:
        reader.bad(sheet, row_no, C_VETO, f"“{ind.name}”不是一票否决指标")
        return
    veto_only = veto and n_text == "0"
    is_bonus = ind.method == IndicatorMethod.BONUS
    columns = {"reason": C_REASON, "occurrences": C_N, "points_each": C_EACH, "evidence_note": C_NOTE}
    problems = [] if veto_only else occurrence_problems(ind, data, is_bonus)
    if veto_only and not data.reason:
        problems.append(FieldProblem("reason", "请填写一票否决理由"))
    if not veto_only and ind.evidence_required and not data.evidence_note:
        problems.append(FieldProblem("evidence_note", f"“{ind.name}”须填写佐证说明"))
    for p in problems:
        reader.bad(sheet, row_no, columns.get(p.field, C_REASON), p.message, p.field)
    if problems:
        return
    plan = reader.plan(unit_id, _text(cell(C_UNIT)))
    if veto:
        plan.vetoes.setdefault(ind.id, data.reason)
    if not veto_only:
        (plan.bonuses if is_bonus else plan.deductions).append((ind.id, data))


def _read_selfs(reader: _Reader, ws: Any) -> None:
    it = ws.iter_rows(values_only=True)
    header = next(it, ())
    if not header or _norm(header[0]) != C_UNIT:
        raise ImportFileError(f"“{SELF_SHEET}”表第1列应为“{C_UNIT}”；请使用本程序生成的模板")
    columns: list[IndicatorView | None] = [None]
    for c, text in enumerate(header[1:], 2):
        ind = reader.indicator(text) if _text(text) else None
        if _text(text) and ind is None:
            reader.bad(SELF_SHEET, 1, _text(text), "没有这项指标，请使用本程序生成的模板", "indicator")
        columns.append(ind)
        del c
    seen: dict[int, int] = {}
    for row_no, cells in enumerate(it, 2):
        if all(_text(v) == "" for v in cells):
            continue
        unit_id = reader.unit(SELF_SHEET, row_no, cells[0])
        if unit_id is None:
            continue
        if unit_id in seen:
            reader.bad(SELF_SHEET, row_no, C_UNIT, f"单位“{_text(cells[0])}”在第{seen[unit_id]}行已出现")
            continue
        seen[unit_id] = row_no
        plan = reader.plan(unit_id, _text(cells[0]))
        plan.listed = True
        for ind, v in zip(columns[1:], cells[1:], strict=False):
            if ind is not None:
                plan.selfs[ind.id] = _self_value(reader, row_no, ind, v, str(header[columns.index(ind)]))


def _self_value(reader: _Reader, row_no: int, ind: IndicatorView, v: Any, column: str) -> Decimal | None:
    if _text(v) == "":
        return None
    problems: list[FieldProblem] = []
    score = parse_score(v, "self_score", "自评得分", problems=problems)
    if score is not None and score > ind.points:
        problems.append(FieldProblem("self_score", f"自评得分{score}分，超过该指标分值{ind.points}分"))
    for p in problems:
        reader.bad(SELF_SHEET, row_no, column, p.message, "self_score")
    return score if not problems else None


def read_scores(session_factory: SessionFactory, period_id: int, path: Path) -> tuple[_Reader, Period]:
    wb = _open(path)
    try:
        names = {_norm(n): n for n in wb.sheetnames}
        if _norm(ROWS_SHEET) not in names and _norm(SELF_SHEET) not in names:
            raise ImportFileError(f"文件中没有“{ROWS_SHEET}”或“{SELF_SHEET}”工作表，请使用本程序生成的模板")
        with session_factory() as s:
            period = s.get_one(Period, period_id)
            s.expunge(period)
            view = scheme_view(s, s.get_one(Period, period_id).scheme)
            units = {name: uid for uid, name in _units(s, period_id)}
        reader = _Reader(view, units)
        if _norm(ROWS_SHEET) in names:
            _read_rows(reader, wb[names[_norm(ROWS_SHEET)]])
        if _norm(SELF_SHEET) in names:
            _read_selfs(reader, wb[names[_norm(SELF_SHEET)]])
        return reader, period
    finally:
        wb.close()


# ---------------------------------------------------------------------------------------------------------------
# import: applying


def import_scores(session_factory: SessionFactory, year: int, month: int, path: Path, *, actor: str | None = None,
                  dry_run: bool = False) -> ImportReport:
    """Check the file and (unless `dry_run`, and only when nothing is wrong) apply it in one transaction."""
    unit_scope.refuse_unit_account("导入全县考评表")
    with session_factory() as s:
        period_id = s.scalar(select(Period.id).where(Period.key == month_key(year, month)))
    if period_id is None:
        raise ImportFileError(f"{year}年{month}月还没有考评，请先生成该月的模板或打开该月的考评")
    reader, period = read_scores(session_factory, period_id, path)
    report = ImportReport(problems=list(reader.problems))
    if period.state == PeriodState.LOCKED:  # early, for the dry run; `_apply` checks again under the lock
        raise PeriodLockedError(_locked(period))
    if report.problems or dry_run:
        return report
    source = f"import:{path.name}"[:100]
    try:
        with unit_of_work(session_factory, actor) as (s, audit):
            problems = _apply(s, audit, period_id, reader.plans, source, report)
            if problems:
                raise ValidationError(problems)  # rolls the whole import back
    except ValidationError as exc:
        return ImportReport(problems=exc.problems)
    report.applied = True
    return report


def _locked(period: Period) -> str:
    return f"{period.title}的考评已锁定，不能导入；如需更正，请由管理员重新开放"


def _apply(s: Session, audit: Any, period_id: int, plans: dict[int, _Planned], source: str,
           report: ImportReport) -> list[FieldProblem]:
    """The same locks as a form's save: the period shared (a `lock_period` in between is waited for, and then
    refuses the import), then the units' sheets, before anything of theirs is read."""
    period = read_period(s, period_id, lock="share")
    if period.state == PeriodState.LOCKED:
        raise PeriodLockedError(_locked(period))
    ids = s.execute(select(ScoreSheet.id).where(ScoreSheet.period_id == period_id,
                                                ScoreSheet.unit_id.in_(list(plans))))
    sheets = {sh.unit_id: sh for sh in lock_sheets(s, (sheet_id for (sheet_id,) in ids))}
    problems: list[FieldProblem] = []
    for plan in plans.values():
        sheet = sheets[plan.unit_id]
        items = {it.indicator_id: it for it in s.scalars(select(ScoreItem).where(ScoreItem.sheet_id == sheet.id)
                                                         .execution_options(populate_existing=True))}
        changed = _apply_unit(s, audit, plan, items, source, report)
        if changed and sheet.reviewed:
            problems.append(FieldProblem("reviewed", f"{plan.unit_name}的考评表已复核，如需修改请先在程序中取消复核",
                                         None, C_UNIT, ROWS_SHEET))
        if changed:
            for item in changed:
                recompute_item(s, audit, item, f"导入：{source.split(':', 1)[1]}")
            update_totals(s, sheet)
    return problems


def _apply_unit(s: Session, audit: Any, plan: _Planned, items: dict[int, ScoreItem], source: str,
                report: ImportReport) -> set[ScoreItem]:
    """Bring one unit's records in line with the file; returns the items that changed."""
    changed: set[ScoreItem] = set()
    for cls, wanted in ((Deduction, plan.deductions), (Bonus, plan.bonuses)):
        for item in _sync(s, audit, cls, wanted, items, source, plan.listed, report):
            changed.add(item)
    if plan.listed or plan.vetoes:
        for ind_id, item in items.items():
            if item.indicator.method != IndicatorMethod.VETO:
                continue
            reason = plan.vetoes.get(ind_id)
            want = reason is not None
            differs = want != item.veto or (want and reason != item.veto_reason)
            if differs and (want or plan.listed):
                audit.record("一票否决" if want else "撤销一票否决", "score_item", item.id, "veto", item.veto, want,
                             reason=reason or "导入文件中没有该一票否决")
                item.veto, item.veto_reason = want, reason or ""
                changed.add(item)
                report.updated += 1
    if plan.listed:
        for ind_id, item in items.items():
            value = plan.selfs.get(ind_id, item.self_score)
            if value != item.self_score:
                audit.record("修改", "score_item", item.id, "self_score", item.self_score, value, reason="导入自评得分")
                item.self_score = value
                changed.add(item)
                report.updated += 1
    s.flush()
    return changed


def _key(item_id: int, data: OccurrenceInput, per_occurrence: Decimal) -> tuple[Any, ...]:
    each = per_occurrence if data.points_each in (None, "") else Decimal(str(data.points_each)).quantize(Decimal("0.1"))
    return (item_id, int(str(data.occurrences)), each, data.reason.strip(), (data.evidence_note or "").strip())


def _sync(s: Session, audit: Any, cls: type[Deduction] | type[Bonus], wanted: list[tuple[int, OccurrenceInput]],
          items: dict[int, ScoreItem], source: str, listed: bool, report: ImportReport) -> set[ScoreItem]:
    """Add the file's rows that are not recorded; remove recorded manual rows the file no longer has."""
    entity = "deduction" if cls is Deduction else "bonus"
    want = Counter(_key(items[i].id, d, items[i].indicator.per_occurrence) for i, d in wanted)
    changed: set[ScoreItem] = set()
    existing = [r for it in items.values() for r in (it.deductions if cls is Deduction else it.bonuses)
                if _is_manual(r.source)]
    for r in existing:
        k = (r.item_id, r.occurrences, r.points_each, r.reason, r.evidence_note)
        if want[k] > 0:
            want[k] -= 1
            report.unchanged += 1
        elif listed:
            audit.record("删除", entity, r.id, "", snapshot_of(r), None, reason="导入文件中已无此项")
            changed.add(r.item)
            s.delete(r)
            report.updated += 1
    by_item = {it.id: it for it in items.values()}
    for (item_id, n, each, reason, note), count in want.items():
        for _ in range(count):
            row = cls(item_id=item_id, occurrences=n, points_each=each, reason=reason, evidence_note=note,
                      evidence_file="", source=source, created_by=audit.who)
            s.add(row)
            s.flush()
            audit.record("新增", entity, row.id, "", None, snapshot_of(row), reason="导入")
            changed.add(by_item[item_id])
            report.created += 1
    s.flush()
    return changed
