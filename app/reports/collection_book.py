"""The 单位填报表: one workbook for one unit and one month, built from plain data (app.services.collection reads
it back).

Sheets, in order: 填写说明 (first, what to fill and by when), 自评 (the month's indicators: 自评得分 and 说明/佐证
to fill), 组织生活 (the month's 三会一课 and 主题党日, per organisation of the unit: the columns of the
organisation-life import, so that its row checks read them), 整改进展 (the unit's open 整改 items: this month's
progress to fill), and a very hidden 签名 sheet holding the signature.  Every sheet is protected; only the cells
the unit fills are unlocked, and the workbook's structure is locked so that sheets cannot be added, removed,
renamed or unhidden without first removing the protection (which the signature does not depend on: the
signature is what the 工委's copy checks, the protection only keeps honest users from slips)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from app.reports.xlsx_text import workbook_bytes

GUIDE_SHEET = "填写说明"
SELF_SHEET = "自评"
ORGLIFE_SHEET = "组织生活"
RECT_SHEET = "整改进展"
SIGN_SHEET = "签名"

SELF_HEADERS = ("指标编号", "考评类别", "考评指标", "分值", "评分方法", "评分标准", "自评得分", "说明/佐证")
SELF_INPUT = ("自评得分", "说明/佐证")
# The organisation-life import's headers (app.services.orglife_io.SHEET), those a unit fills for its meetings.
ORGLIFE_HEADERS = ("类型", "召开日期", "党组织", "单位", "主题", "地点", "主持人", "主讲人", "出席", "缺席", "会议内容", "备注")
ORGLIFE_FIXED = ("党组织", "单位")  # filled in by the 工委 on the rows of each organisation
RECT_HEADERS = ("事项编号", "整改来源", "存在问题", "整改措施", "责任人", "整改时限", "当前状态", "本月整改进展")
RECT_INPUT = ("本月整改进展",)
SIGN_FIELDS = ("单位编号", "月份", "模板版本", "随机码", "签名", "单位名称")

ROWS_PER_ORG = 6  # prepared rows per organisation
SPARE_ROWS = 20  # free rows at the end (the organisation chosen from the list)

_HEAD_FILL = PatternFill("solid", fgColor="FCE4D6")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_THIN = Side(style="thin", color="BFBFBF")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_UNLOCKED = Protection(locked=False)


@dataclass(frozen=True)
class IndicatorLine:
    code: str
    category: str
    name: str
    points: str
    method: str
    description: str
    self_score: str = ""  # what the unit already returned (a re-sent workbook shows it)
    self_note: str = ""


@dataclass(frozen=True)
class RectificationLine:
    item_id: int
    source: str
    problem: str
    measure: str
    owner: str
    deadline: dt.date
    status: str


@dataclass(frozen=True)
class Signature:
    unit_id: int
    month: str  # 2026-12
    version: int
    nonce: str
    mac: str


@dataclass(frozen=True)
class BookContent:
    unit: str
    month_title: str  # 2026年12月
    deadline: dt.date
    issuer: str
    indicators: tuple[IndicatorLine, ...]
    orgs: tuple[str, ...]
    kinds: tuple[str, ...]  # the organisation-life kinds offered
    rectifications: tuple[RectificationLine, ...]
    signature: Signature


def build_book(c: BookContent) -> bytes:
    wb = Workbook()
    guide = wb.active
    assert guide is not None
    password = c.signature.nonce[:8]
    _guide(guide, c)
    _self_sheet(wb.create_sheet(SELF_SHEET), c)
    _orglife_sheet(wb.create_sheet(ORGLIFE_SHEET), c)
    _rect_sheet(wb.create_sheet(RECT_SHEET), c)
    sign = wb.create_sheet(SIGN_SHEET)
    s = c.signature
    for i, (label, value) in enumerate(zip(SIGN_FIELDS, (s.unit_id, s.month, s.version, s.nonce, s.mac, c.unit),
                                           strict=True), start=1):
        sign.cell(row=i, column=1, value=label)
        sign.cell(row=i, column=2, value=value)
    sign.sheet_state = "veryHidden"
    for ws in wb.worksheets:
        ws.protection.sheet = True
        ws.protection.password = password
    wb.security = WorkbookProtection(workbookPassword=password, lockStructure=True)
    return workbook_bytes(wb)


def _header(ws: Worksheet, headers: tuple[str, ...], widths: tuple[float, ...], inputs: tuple[str, ...]) -> None:
    for i, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(row=1, column=i, value=text)
        cell.font = Font(bold=True, color="C00000" if text in inputs else "000000")
        cell.fill = _HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BOX
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A2"


def _input(cell: object) -> None:
    cell.protection = _UNLOCKED  # type: ignore[attr-defined]
    cell.fill = _INPUT_FILL  # type: ignore[attr-defined]
    cell.border = _BOX  # type: ignore[attr-defined]


def _guide(ws: Worksheet, c: BookContent) -> None:
    ws.title = GUIDE_SHEET
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 90
    ws.cell(row=1, column=1, value=f"{c.unit}{c.month_title}党建工作填报表").font = Font(bold=True, size=16)
    rows = [
        ("填报单位", c.unit),
        ("考评月份", c.month_title),
        ("报送截止", f"{c.deadline.year}年{c.deadline.month}月{c.deadline.day}日"),
        ("下发单位", c.issuer),
        ("", ""),
        ("一、自评", "在“自评”表中逐项填写“自评得分”（不超过该指标分值，最多一位小数）和“说明/佐证”（扣分、加分的"
                   "事实和佐证材料名称）。自评得分供机关工委复核参考，最终得分以机关工委复核为准。"),
        ("二、组织生活", "在“组织生活”表中按党组织逐条填写本月召开的支部党员大会、支委会、党小组会、党课和主题党日："
                     "类型、召开日期、主题、出席（姓名以顿号分隔，“全体”表示全体党员）、缺席（注明原因，如“王芳（出差）”）。"
                     "不够填写时使用表末的空行，并在“党组织”列选择党组织。机关工委已登记的会议不会重复登记。"),
        ("三、整改进展", "在“整改进展”表中填写每个未销号整改事项本月的整改进展；没有进展的可不填。"),
        ("四、注意事项", "黄色单元格为填写区，其他单元格已保护，不能修改；请勿增删、重命名工作表，请勿把本表交给其他单位"
                     "使用。本表只用于本单位本月，带有防伪签名：改名、改用其他单位或其他月份的填报表都会被退回。"),
        ("五、报送", "填好后保存（保持.xlsx格式，文件名可不改），在截止日期前报送机关工委。报送后发现错误可修改后再次报送，"
                   "以最后一次收到的为准。"),
    ]
    for i, (label, text) in enumerate(rows, start=3):
        a = ws.cell(row=i, column=1, value=label)
        a.font = Font(bold=True)
        b = ws.cell(row=i, column=2, value=text)
        b.alignment = Alignment(wrap_text=True, vertical="top")


def _self_sheet(ws: Worksheet, c: BookContent) -> None:
    _header(ws, SELF_HEADERS, (10, 18, 30, 8, 10, 40, 10, 40), SELF_INPUT)
    for r, line in enumerate(c.indicators, start=2):
        values = (line.code, line.category, line.name, line.points, line.method, line.description,
                  line.self_score, line.self_note)
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = _BOX
        for col in (7, 8):
            _input(ws.cell(row=r, column=col))
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2=line.points,
                            allow_blank=True, showErrorMessage=True, errorTitle="自评得分",
                            error=f"自评得分应为0至{line.points}之间的数，最多一位小数")
        ws.add_data_validation(dv)
        dv.add(ws.cell(row=r, column=7))


def _orglife_sheet(ws: Worksheet, c: BookContent) -> None:
    _header(ws, ORGLIFE_HEADERS, (14, 12, 30, 18, 30, 14, 10, 10, 30, 24, 30, 16),
            tuple(h for h in ORGLIFE_HEADERS if h not in ORGLIFE_FIXED))
    kinds = DataValidation(type="list", formula1='"' + ",".join(c.kinds) + '"', allow_blank=True,
                           showErrorMessage=True, errorTitle="类型", error="请从下拉列表中选择会议类型")
    dates = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                           showErrorMessage=True, errorTitle="召开日期", error="请填写日期，如2026-12-08")
    orgs = DataValidation(type="list", formula1='"' + ",".join(c.orgs) + '"', allow_blank=True,
                          showErrorMessage=True, errorTitle="党组织", error="请从下拉列表中选择本单位的党组织")
    for dv in (kinds, dates, orgs):
        ws.add_data_validation(dv)
    row = 2
    prepared = [o for o in c.orgs for _ in range(ROWS_PER_ORG)] + [""] * SPARE_ROWS
    for org in prepared:
        for col, header in enumerate(ORGLIFE_HEADERS, start=1):
            cell = ws.cell(row=row, column=col)
            cell.border = _BOX
            if header == "党组织" and org:
                cell.value = org
            elif header == "单位":
                cell.value = c.unit
            else:
                _input(cell)
        kinds.add(ws.cell(row=row, column=1))
        dates.add(ws.cell(row=row, column=2))
        ws.cell(row=row, column=2).number_format = "yyyy-mm-dd"
        if not org:
            orgs.add(ws.cell(row=row, column=3))
        row += 1


def _rect_sheet(ws: Worksheet, c: BookContent) -> None:
    _header(ws, RECT_HEADERS, (10, 20, 36, 36, 10, 12, 10, 40), RECT_INPUT)
    for r, line in enumerate(c.rectifications, start=2):
        values = (line.item_id, line.source, line.problem, line.measure, line.owner,
                  line.deadline.strftime("%Y-%m-%d"), line.status, "")
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = _BOX
        _input(ws.cell(row=r, column=8))
