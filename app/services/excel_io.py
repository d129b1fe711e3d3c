"""The register in Excel: the import template, the import, and the export.

One workbook layout serves all three: sheets 单位 / 党组织 / 党员 with one header row each (the column headers the
offices already use) and a 说明 sheet.  An export therefore re-imports as "all unchanged".

Import in brief:
- headers are matched by name (any order, spaces, full-width brackets, “*” marks and known synonyms tolerated);
  a sheet is recognised by its name or, failing that, by its headers; the header row may sit below a title row;
- every row is checked first, with the register's own rules (`RegisterService.validate_*`) run inside one
  session, plus the file-level checks (duplicates within the file, unknown units and organisations, cell formats);
- each problem is a `FieldProblem` with the Excel row number, the header text and a Chinese reason;
- if anything is wrong, or on a dry run, or on cancel, the transaction is rolled back: nothing is imported;
- units and organisations are matched by name, members by 身份证号 (or by name + organisation when there is
  none), so re-importing a file duplicates nobody; a member whose organisation differs from the register is
  moved with a `Transfer` (the rules of `RegisterService.transfer_member`);
- a column absent from the file leaves that field of existing records alone; an empty cell clears it (except
  身份证号, which an import never erases); masked values (from a default export) keep what is stored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.db import begin_writing
from app.errors import (
    DangjianError,
    DatabaseError,
    FieldProblem,
    ImportFileError,
    ImportReport,
    OperationCancelled,
    OutputLockedError,
    ReportError,
)
from app.failures import os_reason
from app.models import Gender, Member, MemberStatus, OrgKind, PartyOrg, Unit
from app.paths import make_private
from app.reports.output import temp_beside, write_atomic
from app.reports.xlsx_text import as_text, text_cells, workbook_bytes
from app.services import audit, register_audit, unit_scope
from app.services.accounts import Permission, allowed, require
from app.services.idcard import mask_date, mask_id, mask_phone, month_text, normalise_id, pinyin_sort_key
from app.services.idcard import pinyin_initials as initials_of
from app.services.register import (
    MemberInput,
    OrgInput,
    RegisterService,
    SessionFactory,
    UnitInput,
    duplicate_id_message,
    term_years,
)

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
Cancelled = Callable[[], bool]

# How often (in rows) long loops report progress and look at the cancel flag.
_STEP = 500
# Rows searched for the header row (offices often put a title row or two above it).
_HEADER_SEARCH_ROWS = 10
_LAST_ROW = 1_048_576  # data validations cover the whole column below the header

# ---------------------------------------------------------------------------------------------------------------
# the layout: sheets and columns


@dataclass(frozen=True)
class Column:
    key: str  # the field of the *Input dataclass (or "unit" / "org" / "parent" for names that resolve to ids)
    header: str  # the header written in the template and the export
    kind: str = "text"  # text | date | int | bool | choice | idno | phone
    required: bool = False  # the column must exist in a sheet of this kind
    choices: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()  # other headers the offices use for this column
    choice_synonyms: tuple[tuple[str, str], ...] = ()  # other spellings of a choice → the choice
    strict: bool = True  # a drop-down that refuses other values (False: suggestions only)
    months: bool = False  # a date that may be given to the month only (1992.03), as offices keep 出生年月
    width: float = 12
    hint: str = ""


@dataclass(frozen=True)
class SheetSpec:
    key: str  # unit | org | member
    title: str
    columns: tuple[Column, ...]
    synonyms: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


_YES_NO = ("是", "否")
_EDUCATION = ("研究生", "大学本科", "大学专科", "中专", "高中", "初中及以下")
# How offices write education (after “学历”/“毕业” endings are dropped) → the register's value.
_EDUCATION_SYNONYMS = tuple((spelling, value) for value, spellings in (
    ("研究生", ("博士研究生", "硕士研究生", "博士", "硕士", "在职研究生", "研究生班", "中央党校研究生", "省委党校研究生")),
    ("大学本科", ("本科", "大学", "大本", "学士", "中央党校大学", "省委党校大学", "党校大学")),
    ("大学专科", ("大专", "专科", "高职", "高等专科", "高等职业", "中央党校大专", "省委党校大专", "党校大专")),
    ("中专", ("中等专科", "中等专业", "中等专业学校", "中技", "技校", "职高", "中职", "职业高中", "中师")),
    ("高中", ("普高", "高级中学", "高中及同等")),
    ("初中及以下", ("初中", "小学", "初中以下", "初小", "高小")),
) for spelling in spellings)

UNIT_SHEET = SheetSpec("unit", "单位", (
    Column("name", "单位名称", required=True, synonyms=("单位", "单位全称", "单位名"), width=28,
           hint="单位全称，如“县财政局”，全县唯一。再次导入时按名称对应已有单位。"),
    Column("short_name", "简称", synonyms=("单位简称",), width=12),
    Column("category", "单位类别", choices=("党政机关", "事业单位", "群团组织", "国有企业"), strict=False,
           synonyms=("类别", "单位性质"), width=12),
    Column("party_secretary", "党组（党委）书记", synonyms=("党组书记", "党委书记", "书记"), width=16),
    Column("contact_person", "联系人", synonyms=("党务联系人", "党建联系人"), width=10),
    Column("contact_phone", "联系电话", kind="phone", synonyms=("电话", "联系方式"), width=16,
           hint="手机11位或座机（如0731-12345678）。"),
    Column("sort_order", "排序号", kind="int", synonyms=("排序", "顺序号"), width=8, hint="整数，越小越靠前。"),
    Column("note", "备注", width=24),
), synonyms=("单位信息", "单位名单", "单位表"))

ORG_SHEET = SheetSpec("org", "党组织", (
    Column("name", "党组织名称", required=True, synonyms=("党组织", "组织名称", "党组织全称"), width=32,
           hint="党组织全称，全县唯一，如“中共县财政局机关支部委员会”。再次导入时按名称对应。"),
    Column("unit", "所属单位", required=True, synonyms=("单位", "单位名称", "所在单位"), width=24,
           hint="须是“单位”表或系统中已有的单位名称。"),
    Column("kind", "组织类别", kind="choice", required=True, choices=tuple(k.label for k in OrgKind),
           synonyms=("党组织类别", "组织类型", "党组织类型", "类别"),
           choice_synonyms=(("党委", "机关党委"), ("总支", "党总支"), ("党总支部", "党总支"), ("支部", "党支部"),
                            ("党支部委员会", "党支部"), ("联合党支部", "联合支部")), width=10),
    Column("parent", "上级党组织", synonyms=("上级组织", "上级党组织名称"), width=32,
           hint="机关党委或党总支下设的支部填写其上级；单位最高一级党组织留空。"),
    Column("established_on", "成立日期", kind="date", synonyms=("成立时间",), width=12),
    Column("term_start", "本届任期开始日期", kind="date",
           synonyms=("任期开始日期", "本届任期开始", "换届日期", "本届换届日期", "换届时间"), width=16),
    Column("term_end", "本届任期届满日期", kind="date",
           synonyms=("任期届满日期", "任期结束日期", "本届任期结束日期", "届满日期"), width=16,
           hint="留空则按任期年限（党委5年，党总支、党支部3年）自动计算。"),
    Column("sort_order", "排序号", kind="int", synonyms=("排序", "顺序号"), width=8),
    Column("note", "备注", width=24),
), synonyms=("党组织信息", "组织", "组织机构", "党组织表"))

MEMBER_SHEET = SheetSpec("member", "党员", (
    Column("name", "姓名", required=True, synonyms=("党员姓名",), width=10),
    Column("gender", "性别", kind="choice", choices=tuple(g.label for g in Gender),
           choice_synonyms=(("男性", "男"), ("女性", "女")), width=6, hint="可留空，按身份证号自动填写。"),
    Column("ethnicity", "民族", width=8, hint="如“汉族”。"),
    Column("birth_date", "出生日期", kind="date", months=True, synonyms=("出生年月日", "出生年月", "出生时间"), width=12,
           hint="可留空，按身份证号自动填写。只知年月的可写作1992.03或1992年3月，须与身份证号一致。"),
    Column("id_number", "公民身份号码", kind="idno",
           synonyms=("身份证号", "身份证号码", "身份证", "公民身份证号码", "身份证件号码", "公民身份证号"),
           width=22, hint="18位，最后一位可以是X。本列已设为文本格式，请勿改为数字格式。再次导入时按身份证号对应已有党员。"),
    Column("phone", "联系电话", kind="phone", synonyms=("手机", "手机号码", "手机号", "电话", "电话号码", "联系方式"),
           width=14),
    # Where a roster has several education columns, the first of these headers present is imported.
    Column("education", "学历", kind="choice", choices=_EDUCATION, strict=False,
           synonyms=("最高学历", "全日制学历", "全日制教育学历", "文化程度", "在职学历", "在职教育学历"),
           choice_synonyms=_EDUCATION_SYNONYMS, width=10, hint="本科、大专、硕士等写法会换成左列的规范名称。"),
    Column("unit", "所在单位", synonyms=("单位", "工作单位", "单位名称"), width=24,
           hint="可留空；填写时须与所在党组织所属单位一致（联合支部除外）。"),
    Column("org", "所在党组织", required=True,
           synonyms=("党组织", "所在支部", "所在党支部", "党支部", "所属党组织", "所在党组织名称", "党支部名称",
                     "所在支部名称", "支部名称", "党组织名称", "所属支部", "所属党支部"),
           width=32, hint="须是“党组织”表或系统中已有的党组织名称。"),
    Column("status", "人员类别", kind="choice", required=True, choices=tuple(m.label for m in MemberStatus),
           synonyms=("党员类别", "类别", "党员类型", "人员类型", "党员身份"),
           choice_synonyms=(("正式", "正式党员"), ("预备", "预备党员")), width=10),
    Column("joined_on", "入党日期", kind="date", months=True, required=True,
           synonyms=("入党时间", "入党年月", "加入党组织日期", "加入党组织时间"), width=12,
           hint="支部大会通过接收为预备党员的日期。日期可写作2020-07-01、2020/7/1、2020.07.01或2020年7月1日；"
                "只知年月的可写作2020.07或2020年7月。"),
    Column("full_member_on", "转正日期", kind="date", months=True,
           synonyms=("转正时间", "转正年月", "转为正式党员日期", "转为正式党员时间"), width=12,
           hint="预备党员留空。只知年月的可写作2021.07。"),
    Column("probation_extension_months", "延长预备期（月）", kind="int", synonyms=("延长预备期",), width=10,
           hint="一般留空；延长的填6至12。"),
    Column("position", "工作岗位/职务",
           synonyms=("职务", "工作岗位", "岗位", "职务职级", "现任职务", "工作岗位及职务", "工作单位及职务",
                     "现工作岗位及职务", "行政职务", "现职务"), width=16),
    Column("is_leader", "是否党员领导干部", kind="bool", choices=_YES_NO, synonyms=("党员领导干部", "是否领导干部"),
           width=10),
    Column("community_registered", "是否到社区报到", kind="bool", choices=_YES_NO,
           synonyms=("社区报到", "是否社区报到", "是否已到社区报到"), width=10),
    Column("community_name", "报到社区", synonyms=("报到社区名称", "社区"), width=16),
    Column("community_registered_on", "报到日期", kind="date", synonyms=("社区报到日期", "报到时间"), width=12),
    Column("note", "备注", width=24),
), synonyms=("党员信息", "党员名册", "党员花名册", "党员名单", "党员表"))

SHEETS = (UNIT_SHEET, ORG_SHEET, MEMBER_SHEET)
NOTES_TITLE = "说明"

# Validator field names that live in a differently named column.
_FIELD_COLUMN = {
    "unit": {},
    "org": {"unit_id": "unit", "parent_id": "parent"},
    "member": {"org_id": "org", "member_id": "org", "moved_on": "org", "to_org_id": "org", "external_org": "org"},
}

_UNIT_FIELDS = [f.name for f in fields(UnitInput)]
_ORG_FIELDS = [f.name for f in fields(OrgInput)]
_MEMBER_FIELDS = [f.name for f in fields(MemberInput)]


# ---------------------------------------------------------------------------------------------------------------
# header matching


def norm_header(text: Any) -> str:
    """Compare headers as offices type them: NFKC (full-width brackets → ASCII), no spaces, no “*” marks."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s*]+", "", s).lower()


def without_brackets(s: str) -> str:
    return re.sub(r"\([^)]*\)", "", s)


def header_lookup(spec: SheetSpec) -> dict[str, str]:
    """Normalised header → column key, for the header, its synonyms, and both without bracketed remarks."""
    index: dict[str, str] = {}
    for col in spec.columns:
        for name in (col.header, *col.synonyms):
            n = norm_header(name)
            index.setdefault(n, col.key)
            index.setdefault(without_brackets(n), col.key)
    return index


_HEADER_INDEX = {spec.key: header_lookup(spec) for spec in SHEETS}


def _match_header(spec: SheetSpec, text: Any) -> str | None:
    n = norm_header(text)
    if not n:
        return None
    index = _HEADER_INDEX[spec.key]
    return index.get(n) or index.get(without_brackets(n))


# ---------------------------------------------------------------------------------------------------------------
# reading cells


class CellError(Exception):
    """A cell that cannot be read as its column requires (the message is Chinese)."""


class _Refused(Exception):
    """A row that cannot be matched to the register (its problem is already reported)."""


@dataclass(frozen=True)
class Masked:
    """A 身份证号 or phone as a default (masked) export writes it: keeps what the register has."""

    text: str


class MonthCell(dt.date):
    """A date cell whose number format shows no day (yyyy年m月, yyyy.mm, mmm-yy): Excel keeps the first of the
    month, but the office meant the month."""


@dataclass(frozen=True)
class MonthDate:
    """A date the file gives to the month only (1992.03, 1992年3月, 199203): `first` is the first of the month."""

    first: dt.date


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_ONLY_RE = re.compile(r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*月?$")
_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_COMPACT_MONTH_RE = re.compile(r"^(\d{4})(\d{2})$")
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
_FALSE = {"否", "n", "no", "false", "0", "×", "无", "不是"}
# Excel serial numbers of 1900-01-01 .. 2100-12-31: a date cell whose format was lost reads as such a number.
_SERIAL_RANGE = (1, 73415)


def cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, (dt.datetime, dt.date)):
        return f"{v:%Y-%m-%d}"
    return str(v).strip()


def _to_date(v: Any) -> dt.date | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return dt.date(v.year, v.month, v.day)  # a MonthCell is a plain date where months are not accepted
    if isinstance(v, bool):
        raise CellError("应为日期")
    if isinstance(v, (int, float)):
        return _number_to_date(v)
    s = unicodedata.normalize("NFKC", str(v)).strip()
    m = _DATE_RE.match(s) or _COMPACT_DATE_RE.match(s)
    if m is None:
        if _MONTH_ONLY_RE.match(s):
            raise CellError(f"日期须写到日（如2020-07-01），现为“{s}”")
        raise CellError(f"不是有效的日期“{s}”（可写作2020-07-01、2020/7/1、2020.07.01或2020年7月1日）")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise CellError(f"日期不存在：“{s}”") from None


def _to_month_or_date(v: Any) -> dt.date | MonthDate | None:
    """A date column where offices keep months: 1992.03, 1992-03, 1992/3, 1992年3月, 199203, the number 1992.03
    (a typed 1992.03 that Excel took for a number), a date cell formatted without its day — or a full date."""
    if isinstance(v, MonthCell):
        return MonthDate(dt.date(v.year, v.month, 1))
    if isinstance(v, float) and not v.is_integer() and 1900 < v < 2101:
        year, month = int(v), round((v - int(v)) * 100)  # 1992.1 is how Excel keeps a typed 1992.10
        return _month(year, month, cell_text(v))
    if isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer() and 190001 <= v <= 210012:
        return _month(int(v) // 100, int(v) % 100, cell_text(v))
    if isinstance(v, str):
        s = unicodedata.normalize("NFKC", v).strip()
        m = _MONTH_RE.match(s) or _COMPACT_MONTH_RE.match(s)
        if m is not None:
            return _month(int(m.group(1)), int(m.group(2)), s)
    return _to_date(v)


def _month(year: int, month: int, written: str) -> MonthDate:
    if not 1 <= month <= 12 or not 1900 <= year <= 2100:
        raise CellError(f"年月不存在：“{written}”")
    return MonthDate(dt.date(year, month, 1))


def _number_to_date(v: float) -> dt.date:
    if float(v).is_integer() and 19000101 <= v <= 21001231:  # 20200701 typed as a number
        n = int(v)
        try:
            return dt.date(n // 10000, n // 100 % 100, n % 100)
        except ValueError:
            raise CellError(f"日期不存在：“{n}”") from None
    if _SERIAL_RANGE[0] <= v <= _SERIAL_RANGE[1]:  # a date cell that lost its date format
        d = from_excel(v)
        if isinstance(d, dt.datetime):
            return d.date()
    raise CellError(f"不是有效的日期“{cell_text(v)}”")


def _to_int(v: Any) -> int:
    if v is None or v == "":
        return 0
    if isinstance(v, bool):
        raise CellError("应为整数")
    if isinstance(v, (int, float)):
        if float(v).is_integer():
            return int(v)
        raise CellError(f"应为整数，现为“{cell_text(v)}”")
    s = unicodedata.normalize("NFKC", str(v)).strip()
    m = re.match(r"^(-?\d+)\s*(?:个月|月)?$", s)
    if m is None:
        raise CellError(f"应为整数，现为“{s}”")
    return int(m.group(1))


def _to_bool(v: Any) -> bool:
    if v is None or v == "":
        return False
    if isinstance(v, bool):
        return v
    s = unicodedata.normalize("NFKC", cell_text(v)).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise CellError(f"应填“是”或“否”，现为“{cell_text(v)}”")


def _to_choice(col: Column, v: Any) -> str:
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(v)))
    if not s:
        if col.required:
            raise CellError(f"请填写{col.header}（{'、'.join(col.choices)}）")
        return ""
    synonyms = dict(col.choice_synonyms)
    # 本科学历, 大专毕业, 硕士研究生(学位): the ending and a bracketed remark say nothing more
    plain = re.sub(r"(学历|毕业|文化|学位)+$", "", without_brackets(s))
    for candidate in (s, plain):
        candidate = synonyms.get(candidate, candidate)
        if candidate in col.choices:
            return candidate
    raise CellError(f"应为{'、'.join(col.choices)}之一，现为“{cell_text(v)}”")


def _to_idno(v: Any) -> str | Masked:
    if v is None:
        return ""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        # Excel keeps 15 significant digits: an 18-digit number has already lost its last digits.
        digits = str(int(v)) if float(v).is_integer() else cell_text(v)
        if len(digits) >= 16 or not float(v).is_integer():
            raise CellError("身份证号被存成了数字，后几位已丢失；请把该列设为“文本”格式后重新填写")
        return digits
    s = unicodedata.normalize("NFKC", str(v)).strip().lstrip("'")
    if "*" in s:
        return Masked(s.replace(" ", "").upper())
    return normalise_id(s)


def _to_phone(v: Any) -> str | Masked:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return cell_text(v)
    s = unicodedata.normalize("NFKC", cell_text(v)).replace(" ", "")
    return Masked(s) if "*" in s else s


# Dates a masked export writes as 1982-03-** (their day would narrow the 身份证号 down): kept on re-import.
_MASKED_DATES = ("birth_date", "joined_on", "full_member_on")
# The member's flag that says a date is known to the month only (MonthDate).
_MONTH_FLAG = {"birth_date": "birth_month_only", "joined_on": "joined_month_only",
               "full_member_on": "full_member_month_only"}


def convert_cell(col: Column, v: Any) -> Any:
    if col.kind == "date":
        if col.key in _MASKED_DATES and isinstance(v, str) and "*" in v:
            return Masked(unicodedata.normalize("NFKC", v).replace(" ", ""))
        return _to_month_or_date(v) if col.months else _to_date(v)
    if col.kind == "int":
        return _to_int(v)
    if col.kind == "bool":
        return _to_bool(v)
    if col.kind == "choice":
        return _to_choice(col, v)
    if col.kind == "idno":
        return _to_idno(v)
    if col.kind == "phone":
        return _to_phone(v)
    return cell_text(v)


# ---------------------------------------------------------------------------------------------------------------
# reading the workbook


@dataclass
class _Sheet:
    """One recognised worksheet: which columns it has and its non-empty data rows."""

    spec: SheetSpec
    title: str
    headers: dict[str, str]  # column key → header text as written in the file
    positions: dict[str, int]  # column key → 0-based position
    rows: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)  # (Excel row number, cells)
    notes: list[str] = field(default_factory=list)  # footers skipped, columns not imported (for the report)

    def header(self, key: str) -> str:
        return self.headers.get(key) or self.spec.column(key).header


@dataclass
class _Row:
    sheet: _Sheet
    row: int
    values: dict[str, Any]  # key → converted value, for the columns the sheet has and that converted
    bad: set[str]  # keys whose cell could not be read (their problems are already reported)


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")


def _check_file(path: Path) -> None:
    """Refuse what openpyxl cannot read, with a message that tells the user what to do."""
    if not path.exists():
        raise ImportFileError(f"找不到文件：{path}")
    if path.is_dir():
        raise ImportFileError(f"“{path}”是文件夹，请选择Excel文件")
    size = path.stat().st_size
    if size == 0:
        raise ImportFileError(f"文件“{path.name}”是空的（0字节），请选择填写好的Excel文件")
    with path.open("rb") as fh:
        head = fh.read(8)
        if head.startswith(_OLE_MAGIC):
            # A password-protected .xlsx is an OLE container with an EncryptionInfo stream; otherwise it is .xls.
            fh.seek(0)
            if _ENCRYPTION_MARK in fh.read(min(size, 64 * 1024 * 1024)):
                raise ImportFileError(f"文件“{path.name}”设有打开密码，无法读取；请在Excel中取消密码（文件→信息→保护工作簿）后再导入")
            raise ImportFileError(f"文件“{path.name}”是旧版Excel 97-2003（.xls）格式；请在Excel中“另存为”Excel工作簿（.xlsx）后再导入")
    if not head.startswith(b"PK"):
        raise ImportFileError(f"文件“{path.name}”不是Excel工作簿（.xlsx）；如果是文本或CSV文件，请在Excel中打开后另存为.xlsx")


def open_workbook(path: Path) -> Any:
    _check_file(path)
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        log.info("cannot open %s: %r", path, exc)
        raise ImportFileError(f"文件“{path.name}”已损坏，无法读取；请在Excel中打开并重新保存后再试") from None
    except (InvalidFileException, KeyError) as exc:
        log.info("cannot open %s: %r", path, exc)
        raise ImportFileError(f"文件“{path.name}”不是有效的Excel工作簿（.xlsx）") from None
    except Exception as exc:  # noqa: BLE001  # a damaged file may break the XML parser in many ways
        log.warning("cannot open %s", path, exc_info=True)
        raise ImportFileError(f"无法读取文件“{path.name}”，文件可能已损坏（{type(exc).__name__}）") from None


def _sheet_spec_by_title(title: str) -> SheetSpec | None:
    n = norm_header(title)
    for spec in SHEETS:
        if n in {norm_header(spec.title), *(norm_header(s) for s in spec.synonyms)}:
            return spec
    return None


def _header_match(spec: SheetSpec, cells: Sequence[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for pos, cell in enumerate(cells):
        key = _match_header(spec, cell)
        if key is not None and key not in found:
            found[key] = pos
    return found


def _find_header(title: str, top: list[tuple[Any, ...]]) -> tuple[SheetSpec, int] | None:
    """The kind of the sheet and the index of its header row: by the sheet's name, else by the headers."""
    named = _sheet_spec_by_title(title)
    best: tuple[int, SheetSpec, int] | None = None
    for spec in (named,) if named else SHEETS:
        for i, cells in enumerate(top):
            found = _header_match(spec, cells)
            required = all(c.key in found for c in spec.columns if c.required)
            if (required or named) and len(found) >= 1 and (best is None or len(found) > best[0]):
                best = (len(found), spec, i)
    if best is None:
        first = next((i for i, cells in enumerate(top) if not is_blank(cells)), None)
        return (named, first) if named and first is not None else None
    return best[1], best[2]


def _rank(spec: SheetSpec, key: str, text: Any) -> int:
    """Which of a column's names `text` is: 0 for the template's header, then the synonyms in their order."""
    names = [norm_header(n) for n in (spec.column(key).header, *spec.column(key).synonyms)]
    n = norm_header(text)
    for candidate in (n, without_brackets(n)):
        if candidate in names:
            return names.index(candidate)
    return len(names)


def _check_columns(title: str, spec: SheetSpec, cells: tuple[Any, ...]) -> dict[str, int]:
    """Column key → position.  Where two headers name one column (“类别” beside “人员类别”, 全日制学历 beside
    在职学历), the template's header or else the earlier synonym wins and the other column is not imported (the
    dry run lists it); two equal headers are refused."""
    found: dict[str, int] = {}
    for pos, cell in enumerate(cells):
        key = _match_header(spec, cell)
        if key is None:
            continue
        if key in found:
            earlier, this = _rank(spec, key, cells[found[key]]), _rank(spec, key, cell)
            if earlier < this:
                continue
            if this < earlier:
                found[key] = pos
                continue
            first = get_column_letter(found[key] + 1)
            raise ImportFileError(
                f"“{title}”表中第{first}列和第{get_column_letter(pos + 1)}列都是“{spec.column(key).header}”，请删去其中一列"
            )
        found[key] = pos
    missing = [c.header for c in spec.columns if c.required and c.key not in found]
    if missing:
        present = "、".join(cell_text(c) for c in cells if cell_text(c)) or "无"
        raise ImportFileError(
            f"“{title}”表缺少必需的列：{'、'.join(missing)}（表头为：{present}）；请使用导入模板的列名"
        )
    return found


HEADER_ROWS = 10  # a table's header is looked for in the first rows of a sheet (a title row may come first)


@dataclass
class SheetTable:
    """A table found in a workbook: the sheet's title, the column of each key, the headers as typed, and the
    non-blank rows under the header with their row numbers in Excel."""

    title: str
    positions: dict[str, int]
    headers: dict[str, str]
    rows: list[tuple[int, tuple[Any, ...]]]


def find_table(path: Path, spec: SheetSpec, anchors: set[str], not_found: str) -> SheetTable:
    """The first sheet (the one named like `spec` first) whose header row holds the `anchors` columns; a header
    missing a required column, or no such sheet (`not_found`), is refused with its Chinese reason."""
    wb = open_workbook(Path(path))
    index = header_lookup(spec)
    names = {norm_header(spec.title), *(norm_header(x) for x in spec.synonyms)}
    try:
        for ws in sorted(wb.worksheets, key=lambda ws: norm_header(ws.title) not in names):
            rows = list(ws.iter_rows(values_only=True))
            for i, cells in enumerate(rows[:HEADER_ROWS]):
                found: dict[str, int] = {}
                for pos, cell in enumerate(cells):
                    n = norm_header(cell)
                    key = (index.get(n) or index.get(without_brackets(n))) if n else None
                    if key is not None:
                        found.setdefault(key, pos)
                if anchors <= found.keys():
                    missing = [c.header for c in spec.columns if c.required and c.key not in found]
                    if missing:
                        raise ImportFileError(f"“{ws.title}”表缺少必需的列：{'、'.join(missing)}；请使用导入模板的列名")
                    data = [(i + 2 + n, r) for n, r in enumerate(rows[i + 1:]) if not is_blank(r)]
                    return SheetTable(ws.title, found, {k: cell_text(cells[p]) for k, p in found.items()}, data)
    finally:
        wb.close()
    raise ImportFileError(not_found)


def is_blank(cells: Iterable[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


# Columns that only number the rows: not data, and not worth a note that they were not imported.
_ROW_NUMBERS = {"序号", "编号", "序", "no", "no."}
# What a row of a table's footer begins with (the first cell that is not empty): totals, signatures, remarks.
_FOOTER_RE = re.compile(r"^(合计|总计|小计|共计|累计|填表人|填报人|填表|审核人|审核|审批人|制表|负责人|单位负责人|联系人|联系电话|"
                        r"电话|备注|说明|填表说明|附注|注[:：]|注\d|填报日期|填表日期|制表日期|报送日期|签字|盖章|[（(]盖章)")


def _unimported(title: str, spec: SheetSpec, cells: tuple[Any, ...], positions: dict[str, int]) -> str | None:
    """The note naming every header of the file that will not be imported, and why (None if there is none)."""
    taken = set(positions.values())
    out = []
    for pos, cell in enumerate(cells):
        text = cell_text(cell)
        if not text or pos in taken or norm_header(text) in _ROW_NUMBERS:
            continue
        key = _match_header(spec, cell)
        if key is None:
            out.append(f"{text}（登记簿无此项）")
        else:
            used = cell_text(cells[positions[key]])
            out.append(f"{text}（与“{used}”列同为{spec.column(key).header}，按“{used}”列导入）")
    return f"“{title}”表未导入的列：{'、'.join(out)}" if out else None


def _footer(cells: tuple[Any, ...]) -> str | None:
    """The text of a footer row (合计：32人, 填表人：…, 审核人：…), None for a row of data."""
    texts = [cell_text(c) for c in cells if cell_text(c)]
    if not texts or _FOOTER_RE.match(re.sub(r"\s+", "", unicodedata.normalize("NFKC", texts[0]))) is None:
        return None
    whole = re.sub(r"\s+", " ", " ".join(texts))
    return whole if len(whole) <= 40 else whole[:40] + "……"


def _has_day(number_format: str) -> bool:
    """Whether an Excel date format shows the day (yyyy-mm-dd does, yyyy"年"m"月" and mmm-yy do not)."""
    fmt = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", number_format or "").lower()
    return "d" in fmt or fmt in ("", "general")


def _cell_values(cells: tuple[Any, ...]) -> tuple[Any, ...]:
    """The values of a row; a date cell whose format shows no day becomes a `MonthCell`."""
    values = []
    for c in cells:
        v = getattr(c, "value", None)
        if isinstance(v, dt.datetime) and v.day == 1 and not _has_day(getattr(c, "number_format", "")):
            v = MonthCell(v.year, v.month, 1)
        values.append(v)
    return tuple(values)


def _read_sheet(ws: Any, progress: Progress | None, cancelled: Cancelled | None) -> _Sheet | None:
    estimate = ws.max_row or 0
    report_progress(progress, cancelled, 0, estimate, f"正在读取“{ws.title}”表……")
    ws.reset_dimensions()  # some programs write a wrong <dimension>; read what is really there
    rows = (_cell_values(cells) for cells in ws.iter_rows())
    top: list[tuple[Any, ...]] = []
    for cells in rows:
        top.append(cells)
        if len(top) >= _HEADER_SEARCH_ROWS:
            break
    found = _find_header(ws.title, top)
    if found is None:
        return None
    spec, header_index = found
    positions = _check_columns(ws.title, spec, top[header_index])
    headers = {key: cell_text(top[header_index][pos]) for key, pos in positions.items()}
    sheet = _Sheet(spec, ws.title, headers, positions)
    if (note := _unimported(ws.title, spec, top[header_index], positions)) is not None:
        sheet.notes.append(note)
    row_no = header_index + 1
    numbered_only: list[int] = []

    def take(cells: tuple[Any, ...]) -> None:
        nonlocal row_no
        row_no += 1
        if is_blank(cells):
            return
        if (footer := _footer(cells)) is not None:
            sheet.notes.append(f"“{ws.title}”表第{row_no}行“{footer}”是表尾，已跳过")
        elif is_blank(cells[p] for p in positions.values() if p < len(cells)):
            numbered_only.append(row_no)  # a numbered but empty line of a printed form
        else:
            sheet.rows.append((row_no, cells))

    for cells in top[header_index + 1:]:
        take(cells)
    for cells in rows:
        take(cells)
        if row_no % _STEP == 0:
            report_progress(progress, cancelled, row_no, max(estimate, row_no), f"正在读取“{ws.title}”表……")
    if numbered_only:
        sheet.notes.append(f"“{ws.title}”表{_row_span(numbered_only)}只有序号等、没有要导入的内容，已跳过")
    return sheet


def _row_span(rows: list[int]) -> str:
    """第40行 / 第40–45行 / 第40、42行等3行."""
    if len(rows) == 1:
        return f"第{rows[0]}行"
    if rows[-1] - rows[0] == len(rows) - 1:
        return f"第{rows[0]}–{rows[-1]}行"
    return f"第{'、'.join(map(str, rows[:5]))}行" + (f"等{len(rows)}行" if len(rows) > 5 else "")


def _read_book(path: Path, progress: Progress | None, cancelled: Cancelled | None) -> list[_Sheet]:
    wb = open_workbook(path)
    try:
        sheets: list[_Sheet] = []
        for ws in wb.worksheets:
            if norm_header(ws.title) == norm_header(NOTES_TITLE):
                continue
            try:
                sheet = _read_sheet(ws, progress, cancelled)
            except (ImportFileError, OperationCancelled):
                raise
            except Exception as exc:  # noqa: BLE001  # damaged sheet XML surfaces only while iterating
                log.warning("cannot read sheet %s of %s", ws.title, path, exc_info=True)
                raise ImportFileError(f"“{ws.title}”表无法读取，文件可能已损坏（{type(exc).__name__}）") from None
            if sheet is not None:
                sheets.append(sheet)
    finally:
        wb.close()
    if not sheets:
        raise ImportFileError(
            "文件中没有找到“单位”“党组织”“党员”表（按表名或表头识别）。党员表须有“姓名”“所在党组织”“人员类别”“入党日期”列；"
            "请下载导入模板，按模板的列名填写"
        )
    if not any(s.rows for s in sheets):
        raise ImportFileError("文件中只有表头，没有可导入的数据行")
    return sheets


_CANCEL_IMPORT = "已取消导入，数据库未作任何改动"
_CANCEL_EXPORT = "已取消导出，没有写入文件"


def report_progress(progress: Progress | None, cancelled: Cancelled | None, done: int, total: int, text: str,
          cancel_message: str = _CANCEL_IMPORT) -> None:
    if cancelled is not None and cancelled():
        raise OperationCancelled(cancel_message)
    if progress is not None:
        progress(done, total, text)


# ---------------------------------------------------------------------------------------------------------------
# the import


class _Importer:
    """Checks every row of the file in one session and stages the changes; `apply()` writes them."""

    def __init__(self, s: Session, reg: RegisterService, today: dt.date, progress: Progress | None,
                 cancelled: Cancelled | None) -> None:
        self.s = s
        self.reg = reg
        self.today = today
        self.progress = progress
        self.cancelled = cancelled
        self.report = ImportReport()
        self.read = S.reader(s)
        self.units: dict[str, Unit] = {u.name: u for u in s.scalars(select(Unit))}
        self.orgs: dict[str, PartyOrg] = {o.name: o for o in s.scalars(select(PartyOrg))}
        self.failed_units: set[str] = set()
        self.failed_orgs: set[str] = set()
        self.new_members: list[dict[str, Any]] = []
        self.member_updates: list[tuple[Member, MemberInput]] = []
        self.moves: list[tuple[Member, int]] = []
        self.spaced_names: list[str] = []  # rows whose member name had spaces taken out (for the report's note)
        self.org_keys: dict[str, list[str]] | None = None  # normalised name → registered names (formal_org_key)
        self.org_readings: dict[str, str] = {}  # organisation as the file writes it → as registered
        self.ids_compared = 0  # rows whose 身份证号 was looked up in the register (`record_check`)

    # --- common -----------------------------------------------------------------------------------------------

    def problem(self, row: _Row, key: str, message: str) -> None:
        key = _FIELD_COLUMN[row.sheet.spec.key].get(key, key)
        column = row.sheet.header(key) if any(c.key == key for c in row.sheet.spec.columns) else None
        self.report.problems.append(FieldProblem(key, message, row.row, column, row.sheet.title))

    def problems(self, row: _Row, found: list[FieldProblem]) -> bool:
        """Report the validator's problems for this row, except for cells already reported; True if any."""
        mapping = _FIELD_COLUMN[row.sheet.spec.key]
        fresh = [p for p in found if mapping.get(p.field, p.field) not in row.bad]
        for p in fresh:
            self.problem(row, p.field, p.message)
        return bool(fresh) or bool(row.bad)

    def rows_of(self, kind: str, sheets: list[_Sheet]) -> Iterator[_Row]:
        for sheet in sheets:
            if sheet.spec.key != kind:
                continue
            for row_no, cells in sheet.rows:
                yield self.convert(sheet, row_no, cells)

    def convert(self, sheet: _Sheet, row_no: int, cells: tuple[Any, ...]) -> _Row:
        row = _Row(sheet, row_no, {}, set())
        for key, pos in sheet.positions.items():
            raw = cells[pos] if pos < len(cells) else None
            try:
                value = convert_cell(sheet.spec.column(key), raw)
            except CellError as exc:
                row.bad.add(key)
                self.problem(row, key, str(exc))
                continue
            if key in _MONTH_FLAG and sheet.spec.key == "member" and not isinstance(value, Masked):
                row.values[_MONTH_FLAG[key]] = isinstance(value, MonthDate)
                value = value.first if isinstance(value, MonthDate) else value
            if key == "name" and sheet.spec.key == "member":
                value = self.tidy_name(row, value)
            row.values[key] = value
        return row

    def tidy_name(self, row: _Row, name: str) -> str:
        """张　三 → 张三: offices pad two-character names to the width of three with a (full-width) space."""
        tidy = person_name(name)
        if tidy != name:
            self.spaced_names.append(f"第{row.row}行“{name}”")
        return tidy

    def count(self, changed: bool | None) -> None:
        """None: created; True: updated; False: unchanged."""
        if changed is None:
            self.report.created += 1
        elif changed:
            self.report.updated += 1
        else:
            self.report.unchanged += 1

    def tick(self, done: int, total: int, text: str) -> None:
        if done % _STEP == 0 or done == total:
            report_progress(self.progress, self.cancelled, done, total, text)

    def once_in_file(self, seen: dict[Any, int], key: Any, row: _Row, column: str, what: str) -> bool:
        if key in seen:
            self.problem(row, column, f"{what}与第{seen[key]}行重复")
            return False
        seen[key] = row.row
        return True

    # --- units ------------------------------------------------------------------------------------------------

    def import_units(self, sheets: list[_Sheet]) -> None:
        report_progress(self.progress, self.cancelled, 0, 0, "正在检查单位……")
        seen: dict[str, int] = {}
        for row in self.rows_of("unit", sheets):
            name = row.values.get("name", "")
            if name and not self.once_in_file(seen, name, row, "name", f"单位名称“{name}”"):
                continue  # the first row of that name stands; references resolve to it
            if not self.unit_row(row, name):
                self.failed_units.add(name)
        self.s.flush()

    def unit_row(self, row: _Row, name: str) -> bool:
        unit = self.units.get(name)
        base = {f: getattr(unit, f) for f in _UNIT_FIELDS} if unit else {}
        values = {k: v.text if isinstance(v, Masked) else v for k, v in _present(row, _UNIT_FIELDS).items()}
        data = UnitInput(**{**base, **values})
        if self.problems(row, self.reg.validate_unit(self.s, data, unit.id if unit else None)):
            return False
        if unit is None:
            unit = Unit(**{f: getattr(data, f) for f in _UNIT_FIELDS})
            self.s.add(unit)
            self.units[data.name] = unit
            self.count(None)
        else:
            self.count(_assign(unit, data, _UNIT_FIELDS))
        return True

    # --- organisations ----------------------------------------------------------------------------------------

    def import_orgs(self, sheets: list[_Sheet]) -> None:
        report_progress(self.progress, self.cancelled, 0, 0, "正在检查党组织……")
        seen: dict[str, int] = {}
        pending: list[_Row] = []
        for row in self.rows_of("org", sheets):
            name = row.values.get("name", "")
            if name and not self.once_in_file(seen, name, row, "name", f"党组织名称“{name}”"):
                continue
            pending.append(row)
        # Parents first: an organisation waits while its parent is a row of the file not yet taken.
        waiting = {r.values.get("name", "") for r in pending} - {""}
        while pending:
            later = [r for r in pending if r.values.get("parent") in waiting]
            ready = [r for r in pending if r.values.get("parent") not in waiting]
            if not ready:
                for r in later:
                    self.problem(r, "parent", f"上级党组织“{r.values.get('parent')}”与本组织互为上下级，形成循环")
                    self.failed_orgs.add(r.values.get("name", ""))
                break
            for r in ready:
                name = r.values.get("name", "")
                if not self.org_row(r, name):
                    self.failed_orgs.add(name)
                waiting.discard(name)
            self.s.flush()
            pending = later

    def org_row(self, row: _Row, name: str) -> bool:
        org = self.orgs.get(name)
        unit_id = self.resolve(row, "unit", self.units, self.failed_units, "所属单位", "单位")
        parent_id = self.resolve(row, "parent", self.orgs, self.failed_orgs, "上级党组织", "党组织")
        base = {f: getattr(org, f) for f in _ORG_FIELDS} if org else {"kind": OrgKind.BRANCH}
        values = _present(row, _ORG_FIELDS)
        if "kind" in values:
            values["kind"] = OrgKind(values["kind"]) if values["kind"] else base["kind"]
        if unit_id is not None:
            values["unit_id"] = unit_id
        if "parent" in row.values and "parent" not in row.bad:
            values["parent_id"] = parent_id
        data = OrgInput(**{"unit_id": -1, "name": "", **base, **values})
        if "term_end" not in row.sheet.positions and org is not None and data.term_start != org.term_start:
            data.term_end = None  # a new term start without an end column: the end follows from the start
        if self.problems(row, self.reg.validate_org(self.s, data, org.id if org else None)):
            return False
        if data.term_start and not data.term_end:
            data.term_end = data.term_start + relativedelta(years=term_years(data.kind, self.read))
        if org is None:
            org = PartyOrg(**{f: getattr(data, f) for f in _ORG_FIELDS})
            self.s.add(org)
            self.orgs[data.name] = org
            self.count(None)
        else:
            self.count(_assign(org, data, _ORG_FIELDS))
        return True

    def resolve(self, row: _Row, key: str, known: dict[str, Any], failed: set[str], what: str,
                table: str) -> int | None:
        """The id of the unit or organisation named in a cell (None when blank or unknown; unknown is reported)."""
        name = row.values.get(key, "")
        if not name or key in row.bad:
            return None
        if name not in known and name not in failed and known is self.orgs:
            name = self.formal_org(row, key, name, what)
            if not name:
                row.bad.add(key)
                return None
        if name in failed:
            self.problem(row, key, f"{what}“{name}”在本文件“{table}”表中有错误，请先改正那一行")
        elif name not in known:
            self.problem(row, key, f"{what}“{name}”不存在：系统和本文件“{table}”表中都没有这个{table}")
        else:
            return int(known[name].id)
        row.bad.add(key)
        return None

    def formal_org(self, row: _Row, key: str, name: str, what: str) -> str:
        """The registered organisation a name in another style means (中共县财政局机关支部委员会 → 县财政局机关党支部),
        if exactly one fits; `name` itself if none does (reported as unknown later); "" (reported) if several do."""
        if self.org_keys is None:
            self.org_keys = {}
            for registered in self.orgs:
                for k in set(formal_org_keys(registered)):
                    self.org_keys.setdefault(k, []).append(registered)
        exact, loose = formal_org_keys(name)
        for k in (exact, loose):
            found = sorted(set(self.org_keys.get(k, [])))
            if len(found) == 1:
                self.org_readings[name] = found[0]
                return found[0]
            if len(found) > 1:
                self.problem(row, key, f"{what}“{name}”与系统中的{len(found)}个党组织都对得上：{'、'.join(found)}；"
                                       f"请写出其中一个的登记名称")
                return ""
        return name

    def notes(self, sheets: list[_Sheet]) -> list[str]:
        """What the report tells besides problems: skipped rows, columns not imported, names read otherwise."""
        out = [note for sheet in sheets for note in sheet.notes]
        for written, registered in self.org_readings.items():
            out.append(f"所在党组织“{written}”按系统中的“{registered}”导入")
        if self.spaced_names:
            shown = "、".join(self.spaced_names[:3]) + ("等" if len(self.spaced_names) > 3 else "")
            out.append(f"{len(self.spaced_names)}个姓名中的空格已去掉（{shown}）")
        return out

    # --- members ----------------------------------------------------------------------------------------------

    def import_members(self, sheets: list[_Sheet]) -> None:
        members = list(self.s.scalars(select(Member)))
        self.by_id_number = {m.id_number: m for m in members if m.id_number}
        self.id_owners = {n: (m.id, m.name) for n, m in self.by_id_number.items()}
        self.by_name: dict[str, list[Member]] = {}
        for m in members:
            self.by_name.setdefault(m.name, []).append(m)
        seen_ids: dict[str, int] = {}
        seen_names: dict[tuple[str, int], int] = {}
        seen_members: dict[int, int] = {}
        total = sum(len(s.rows) for s in sheets if s.spec.key == "member")
        for done, row in enumerate(self.rows_of("member", sheets), 1):
            self.member_row(row, seen_ids, seen_names, seen_members)
            self.tick(done, total, "正在检查党员……")

    def member_row(self, row: _Row, seen_ids: dict[str, int], seen_names: dict[tuple[str, int], int],
                   seen_members: dict[int, int]) -> None:
        name = row.values.get("name", "")
        org_id = self.resolve(row, "org", self.orgs, self.failed_orgs, "所在党组织", "党组织")
        if org_id is not None:
            self.check_unit(row, org_id)
        id_value = row.values.get("id_number", "")
        if "id_number" in row.bad:
            id_value = ""
        if isinstance(id_value, str) and id_value:
            if not self.once_in_file(seen_ids, id_value, row, "id_number", "身份证号"):
                return
        elif name and org_id is not None and not isinstance(id_value, Masked):
            key = (name, org_id)
            if key in seen_names:
                self.problem(row, "name", f"与第{seen_names[key]}行姓名、所在党组织相同且都没有身份证号，无法区分；请填写身份证号")
                return
            seen_names[key] = row.row
        try:
            member = self.match_member(row, name, org_id, id_value)
        except _Refused:
            return
        if member is not None:
            if member.id in seen_members:
                self.problem(row, "name", f"与第{seen_members[member.id]}行是同一名党员")
                return
            seen_members[member.id] = row.row
        self.stage_member(row, member, org_id, id_value)

    def check_unit(self, row: _Row, org_id: int) -> None:
        unit_name = row.values.get("unit", "")
        org = self.s.get(PartyOrg, org_id)
        if not unit_name or "unit" in row.bad or org is None or org.kind == OrgKind.JOINT_BRANCH:
            return  # a 联合支部 gathers members of several units
        if org.unit.name != unit_name:
            self.problem(row, "unit", f"所在党组织“{org.name}”属于“{org.unit.name}”，与所在单位“{unit_name}”不一致")
            row.bad.add("unit")

    def match_member(self, row: _Row, name: str, org_id: int | None, id_value: str | Masked) -> Member | None:
        """The registered member this row describes, None for a new one; `_Refused` (reported) when unclear."""
        if isinstance(id_value, Masked):
            found = [m for m in self.by_name.get(name, []) if mask_id(m.id_number) == id_value.text]
            if len(found) > 1:
                found = _masked_namesakes(row, found, org_id)
            if len(found) == 1:
                return self.active(row, found[0])
            why = "找不到与之对应的党员" if not found else f"有{len(found)}名同名党员与之相符，无法确定是哪一位"
            self.problem(row, "id_number", f"身份证号是打码导出的（含*号），系统中{why}；请填写完整的身份证号")
            raise _Refused
        if id_value:
            self.ids_compared += 1
            m = self.by_id_number.get(id_value)
            if m is not None:
                if m.name != name:
                    self.problem(row, "id_number", duplicate_id_message(m.name))
                    raise _Refused
                return self.active(row, m)
        if org_id is None:
            return None
        # No 身份证号 (or one the register does not know yet): the same name in the same organisation.
        same = [m for m in self.by_name.get(name, []) if m.org_id == org_id and m.left_on is None
                and (not id_value or not m.id_number)]
        if len(same) > 1:
            self.problem(row, "name", f"“{name}”在该党组织中登记了{len(same)}人，无法确定是哪一位；请填写身份证号")
            raise _Refused
        return same[0] if same else None

    def active(self, row: _Row, m: Member) -> Member:
        if m.left_on is not None:
            self.problem(row, "name", f"该党员已于{m.left_on:%Y-%m-%d}转出或不在册；如已转回，请在党员管理中办理")
            raise _Refused
        return m

    def stage_member(self, row: _Row, member: Member | None, org_id: int | None, id_value: str | Masked) -> None:
        if member is not None:
            base = {f: getattr(member, f) for f in _MEMBER_FIELDS}
            base["id_number"] = member.id_number or ""
        else:
            base = {"org_id": -1, "name": "", "status": MemberStatus.FULL}
        values = _present(row, _MEMBER_FIELDS)
        values.pop("id_number", None)
        if isinstance(id_value, str) and id_value:
            values["id_number"] = id_value
        if not self.keep_masked_phone(row, member, values) or not self.keep_masked_dates(row, member, values):
            return
        for key, enum in (("status", MemberStatus), ("gender", Gender)):
            if key in values:
                values[key] = enum(values[key]) if values[key] else (None if key == "gender" else base[key])
        values["org_id"] = org_id if org_id is not None else -1
        data = MemberInput(**{**base, **values})
        found = self.reg.validate_member(self.s, data, member.id if member else None, read=self.read,
                                         id_owners=self.id_owners)
        moving = member is not None and org_id is not None and org_id != member.org_id
        if moving:
            moved = self.reg.validate_transfer(self.s, member, self.today, org_id)  # type: ignore[arg-type]
            found += [FieldProblem("org_id", "所在党组织有变化，须办理组织关系转接：" + p.message) for p in moved]
        if self.problems(row, found):
            return
        if member is None:
            self.new_members.append(_member_values(data))
            self.count(None)
            return
        changed = _differs(member, data, _MEMBER_FIELDS) or moving
        if changed:
            self.member_updates.append((member, data))
        if moving:
            self.moves.append((member, org_id))  # type: ignore[arg-type]
        self.count(changed)

    def keep_masked_phone(self, row: _Row, member: Member | None, values: dict[str, Any]) -> bool:
        phone = values.get("phone")
        if not isinstance(phone, Masked):
            return True
        if member is not None and mask_phone(member.phone) == phone.text:
            values["phone"] = member.phone
            return True
        self.problem(row, "phone", "联系电话是打码导出的（含*号），与系统中登记的号码对不上；请填写完整号码")
        return False

    def keep_masked_dates(self, row: _Row, member: Member | None, values: dict[str, Any]) -> bool:
        for key in _MASKED_DATES:
            shown = values.get(key)
            if not isinstance(shown, Masked):
                continue
            if member is None or mask_date(getattr(member, key)) != shown.text:
                header = MEMBER_SHEET.column(key).header
                self.problem(row, key, f"{header}是打码导出的（日以*代替），与系统中登记的日期对不上；请填写完整日期")
                return False
            values[key] = getattr(member, key)
            values[_MONTH_FLAG[key]] = getattr(member, _MONTH_FLAG[key])
        return True

    # --- writing ----------------------------------------------------------------------------------------------

    def apply(self) -> None:
        total = len(self.member_updates) + len(self.new_members) + len(self.moves)
        done = 0
        for member, data in self.member_updates:
            _assign(member, data, [f for f in _MEMBER_FIELDS if f != "org_id"])
            member.id_number = data.id_number or None
            member.name_initials = initials_of(data.name)
            member.name_sort = pinyin_sort_key(data.name)
            done += 1
            self.tick(done, total, "正在写入党员……")
        self.s.flush()
        for member, org_id in self.moves:
            self.reg.apply_transfer(self.s, member, self.today, org_id, note="Excel导入时所在党组织变更")
            done += 1
            self.tick(done, total, "正在办理组织关系转接……")
        for start in range(0, len(self.new_members), 2000):
            batch = self.new_members[start:start + 2000]
            register_audit.created(self.s, "member", self.s.scalars(insert(Member).returning(Member.id), batch))
            done += len(batch)
            report_progress(self.progress, self.cancelled, done, total, "正在写入党员……")


_CJK_NAME_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u00b7\u2022\u30fb\s]+")


def person_name(name: str) -> str:
    """A name as the register keeps it: a Chinese name without the spaces (half- or full-width) that pad 张　三
    to three characters; other names with single spaces."""
    name = name.strip()
    if _CJK_NAME_RE.fullmatch(name):
        return re.sub(r"\s+", "", name)
    return re.sub(r"\s+", " ", name)


# The endings of an organisation's name, formal (支部委员会) or short (党支部), and the kind each means.
_ORG_ENDINGS = (
    (re.compile(r"(党总支部委员会|总支部委员会|党总支委员会|党总支部|党总支|总支部|总支)$"), "总支"),
    (re.compile(r"(联合党支部委员会|联合支部委员会|联合党支部|联合支部)$"), "联合支部"),
    (re.compile(r"(党支部委员会|支部委员会|党支部|支部)$"), "支部"),
    (re.compile(r"(机关党委|机关委员会|机关党的委员会|党委员会|党委|委员会)$"), "委"),
)


def formal_org_keys(name: str) -> tuple[str, str]:
    """Two keys under which the formal and the short name of an organisation agree: 中共县财政局机关支部委员会 and
    县财政局机关党支部 both give 县财政局机关|支部; the second key also drops 机关 (县财政局|支部)."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))
    s = re.sub(r"^(中国共产党|中共)", "", s)
    kind = ""
    for pattern, meaning in _ORG_ENDINGS:
        m = pattern.search(s)
        if m is not None:
            s, kind = s[:m.start()], meaning
            break
    return f"{s}|{kind}", f"{s.replace('机关', '')}|{kind}"


def _masked_namesakes(row: _Row, found: list[Member], org_id: int | None) -> list[Member]:
    """Namesakes whose masked numbers look alike (the mask shows three characters): the ones in the row's
    organisation, then the ones whose masked dates are the row's."""
    narrowed = [m for m in found if m.org_id == org_id] or found
    for key in _MASKED_DATES:
        shown = row.values.get(key)
        if len(narrowed) > 1 and isinstance(shown, Masked):
            narrowed = [m for m in narrowed if mask_date(getattr(m, key)) == shown.text] or narrowed
    return narrowed


def _present(row: _Row, names: list[str]) -> dict[str, Any]:
    """The values of the row's columns that are fields of the input dataclass and could be read."""
    return {k: v for k, v in row.values.items() if k in names and k not in row.bad}


def _differs(obj: Any, data: Any, names: list[str]) -> bool:
    for name in names:
        old = getattr(obj, name)
        new = getattr(data, name)
        if name == "id_number":
            old = old or ""
        if old != new:
            return True
    return False


def _assign(obj: Any, data: Any, names: list[str]) -> bool:
    """Copy the fields that differ; True if any did."""
    changed = _differs(obj, data, names)
    if changed:
        for name in names:
            if getattr(obj, name) != getattr(data, name):
                setattr(obj, name, getattr(data, name))
    return changed


def _member_values(data: MemberInput) -> dict[str, Any]:
    values = {f: getattr(data, f) for f in _MEMBER_FIELDS}
    values["id_number"] = data.id_number or None
    values["name_initials"] = initials_of(data.name)
    values["name_sort"] = pinyin_sort_key(data.name)
    return values


def import_register(session_factory: SessionFactory, path: Path, *, dry_run: bool,
                    progress: Progress | None = None, cancelled: Cancelled | None = None,
                    today: Callable[[], dt.date] = clock.today) -> ImportReport:
    """Check every row of the workbook at `path` and, if nothing is wrong and this is not a dry run, import it.

    Returns the report (problems with sheet, row, column and reason; counts of created / updated / unchanged
    records over units, organisations and members).  `progress(done, total, text)` is called now and then
    (total 0: not known yet); `cancelled()` is looked at as often.  Raises `ImportFileError` for a file that cannot be read
    as a register workbook at all, and `OperationCancelled` when `cancelled()` turns true (nothing is changed)."""
    unit_scope.refuse_unit_account("导入党员名册")
    path = Path(path)
    sheets = _read_book(path, progress, cancelled)
    reg = RegisterService(session_factory, today=today)
    with session_factory() as s:
        tx = s.begin()
        if not dry_run:  # the write lock first: waited for while another program writes, not refused
            begin_writing(s)
        try:
            register_audit.start(s)  # what the import changes goes to the audit trail before the commit
            imp = _Importer(s, reg, today(), progress, cancelled)
            imp.import_units(sheets)
            imp.import_orgs(sheets)
            imp.import_members(sheets)
            report = imp.report
            report.notes = imp.notes(sheets)
            if report.problems or dry_run:
                tx.rollback()
                order = {sheet.title: i for i, sheet in enumerate(sheets)}  # as the file has them
                report.problems.sort(key=lambda p: (order.get(p.sheet or "", len(order)), p.row or 0))
                _record_check(session_factory, path, imp.ids_compared, dry_run)
                return report
            imp.apply()
            register_audit.write_bulk(s, audit.operator(s), f"Excel导入：{path.name}")
            report_progress(progress, cancelled, 1, 1, "正在提交……")
            tx.commit()
            report.applied = True
            return report
        except BaseException:
            if tx.is_active:
                tx.rollback()
            raise


def _record_check(session_factory: SessionFactory, path: Path, ids_compared: int, dry_run: bool) -> None:
    """A check that wrote nothing still told its user, row by row, whether each 身份证号 is registered: for a
    role that may not see full numbers that answers guesses about masked ones, so each such check is an audit
    entry (who, which file, how many numbers) that an administrator can see.  A role that may see the numbers
    learns nothing it could not read, and its checks are not recorded."""
    if not ids_compared or allowed(Permission.REVEAL):
        return
    what = "试运行" if dry_run else "导入未通过检查"
    with audit.unit_of_work(session_factory) as (_s, log):
        log.record("检查导入文件", "register", None, "", None,
                   f"{path.name}：{ids_compared}行身份证号与登记簿比对", reason=what)


# ---------------------------------------------------------------------------------------------------------------
# writing: the template and the export share one layout

_THIN = Side(style="thin", color="999999")
_HEADER_FONT = Font(bold=True)
_REQUIRED_FONT = Font(bold=True, color="C00000")
_HEADER_FILL = PatternFill("solid", fgColor="FCE4D6")
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
_HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(vertical="top", wrap_text=True)
_DATE_FORMAT = "yyyy-mm-dd"
_TEXT_FORMAT = "@"


def _setup_sheet(ws: Any, spec: SheetSpec) -> None:
    """Widths, column formats, frozen header and drop-downs (before any row: write-only sheets need that)."""
    for i, col in enumerate(spec.columns, 1):
        dim = ws.column_dimensions[get_column_letter(i)]
        dim.width = col.width
        if col.kind == "date":
            dim.number_format = _DATE_FORMAT
        elif col.kind in ("idno", "phone", "text"):
            dim.number_format = _TEXT_FORMAT  # typed 身份证号 stays text, not 4.30102E+17
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 30  # room for two lines of a long header such as 是否党员领导干部
    _print_setup(ws, "landscape")
    ws.print_title_rows = "1:1"
    for i, col in enumerate(spec.columns, 1):
        dv = _validation(spec, col)
        if dv is not None:
            letter = get_column_letter(i)
            dv.add(f"{letter}2:{letter}{_LAST_ROW}")
            ws.data_validations.append(dv)


def _print_setup(ws: Any, orientation: str) -> None:
    """Printed on A4, all columns on one page width (rows run on over as many pages as needed)."""
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _validation(spec: SheetSpec, col: Column) -> DataValidation | None:
    # Suggestions only (no error box) where the register may hold values the sheet does not list.
    strict = col.strict
    if col.choices:
        dv = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"', allow_blank=True)
    elif col.kind == "date":
        dv = DataValidation(type="date", operator="between", formula1="DATE(1900,1,1)", formula2="DATE(2100,12,31)",
                            allow_blank=True)
        dv.error = "请输入日期，如2020-07-01"
    elif (spec.key, col.key) in (("org", "unit"), ("member", "unit")):
        dv = DataValidation(type="list", formula1=f"'{UNIT_SHEET.title}'!$A$2:$A$5000", allow_blank=True)
        strict = False
    elif (spec.key, col.key) in (("org", "parent"), ("member", "org")):
        dv = DataValidation(type="list", formula1=f"'{ORG_SHEET.title}'!$A$2:$A$10000", allow_blank=True)
        strict = False
    else:
        return None
    dv.showErrorMessage = strict
    dv.errorTitle = "输入有误"
    if col.choices and not dv.error:
        dv.error = f"请从下拉列表中选择：{'、'.join(col.choices)}"
    return dv


def _header_cells(ws: Any, spec: SheetSpec) -> list[WriteOnlyCell]:
    cells = []
    for col in spec.columns:
        c = as_text(WriteOnlyCell(ws, value=col.header))
        c.font = _REQUIRED_FONT if col.required else _HEADER_FONT
        c.fill = _HEADER_FILL
        c.alignment = _HEADER_ALIGN
        c.border = _HEADER_BORDER
        hint = ("必填。" if col.required else "") + col.hint
        if hint:
            c.comment = Comment(hint, "机关党建考评", width=220, height=90)
        cells.append(c)
    return cells


def _data_cells(ws: Any, spec: SheetSpec, values: Sequence[Any]) -> list[Any]:
    """One row of cells; every text a string cell (app.reports.xlsx_text), never a formula."""
    out: list[Any] = []
    for col, v in zip(spec.columns, values, strict=True):
        if col.kind == "date" and isinstance(v, dt.date):
            c = WriteOnlyCell(ws, value=v)
            c.number_format = _DATE_FORMAT
            out.append(c)
        elif col.kind in ("idno", "phone") and v:
            c = as_text(WriteOnlyCell(ws, value=str(v)))
            c.number_format = _TEXT_FORMAT
            out.append(c)
        else:
            out.extend(text_cells(ws, [v]))
    return out


def _notes(masked: bool | None) -> list[list[str]]:
    lines = [
        ["机关党建考评 · 党员信息导入说明"],
        [],
        ["1. 本工作簿有“单位”“党组织”“党员”三张表，可只填其中一张或几张；表头请勿改动（列的顺序可以调整）。"],
        ["2. 红色表头为必填列。导入前会逐行检查，发现任何问题都不会导入，并列出第几行、哪一列、什么原因。"],
        ["3. 日期请填写为日期格式，或写作2020-07-01、2020/7/1、2020.07.01、2020年7月1日；出生日期、入党日期、转正日期"
         "只知年月的，可写作1992.03、1992-03或1992年3月（按月登记，显示为1992年3月）。"],
        ["4. “公民身份号码”列为文本格式，请勿改为数字（否则Excel会把后几位变成0）；末位小写x会自动改为X。"],
        ["5. 再次导入同一文件不会重复登记：单位、党组织按名称对应，党员按身份证号对应（无身份证号时按姓名和所在党组织）；"
         "有变化的内容会更新，所在党组织有变化的按组织关系转接办理并留有记录。"],
        ["6. 文件中没有的列，不会改动系统中已有的内容；某格留空则清除该项（身份证号除外）。"],
        ["7. 党组织须先有所属单位，党员须先有所在党组织：可在同一文件的“单位”“党组织”表中一并填写。"],
    ]
    if masked:
        lines.append(["8. 本文件为打码导出：身份证号只显示前两位和末位，联系电话中间以*代替，出生日期、入党日期、转正日期"
                      "只显示年月（日以**代替）。原样再导入时保留系统中的完整号码和日期。"])
    elif masked is False:
        lines.append(["8. 本文件含完整的身份证号和联系电话，属于个人信息，请妥善保管，用后及时删除。"])
    lines += [[], ["工作表", "列", "是否必填", "填写说明"]]
    for spec in SHEETS:
        for col in spec.columns:
            choices = f"可选：{'、'.join(col.choices)}。" if col.choices else ""
            lines.append([spec.title, col.header, "必填" if col.required else "", choices + col.hint])
    return lines


def _write_notes(wb: Workbook, masked: bool | None) -> None:
    ws = wb.create_sheet(NOTES_TITLE)
    for letter, width in zip("ABCD", (10, 20, 10, 90), strict=True):
        ws.column_dimensions[letter].width = width
    _print_setup(ws, "portrait")
    table = False
    for i, line in enumerate(_notes(masked)):
        table = table or line[:1] == ["工作表"]
        cells = []
        for text in line:
            c = as_text(WriteOnlyCell(ws, value=text))
            if i == 0 or line[:1] == ["工作表"]:
                c.font = _HEADER_FONT
            elif table:
                c.alignment = _WRAP  # long hints wrap inside column D instead of running off the page
            cells.append(c)
        ws.append(cells)


def _write_book(path: Path, data: dict[str, Iterable[Sequence[Any]]], masked: bool | None,
                progress: Progress | None, cancelled: Cancelled | None, total: int) -> tuple[bytes, int]:
    """The workbook for `path` as bytes (nothing is written yet) and the number of data rows in it."""
    if not path.parent.is_dir():
        raise DangjianError(f"文件夹不存在：{path.parent}")
    wb = Workbook(write_only=True)
    written = 0
    try:
        for spec in SHEETS:
            ws = wb.create_sheet(spec.title)
            _setup_sheet(ws, spec)
            ws.append(_header_cells(ws, spec))
            for values in data.get(spec.key, ()):
                ws.append(_data_cells(ws, spec, values))
                written += 1
                if written % _STEP == 0:
                    report_progress(progress, cancelled, written, total, f"正在写入“{spec.title}”表……", _CANCEL_EXPORT)
        _write_notes(wb, masked)
    except BaseException:
        _discard(wb)
        raise
    return workbook_bytes(wb), written


def _discard(wb: Workbook) -> None:
    """A write-only workbook streams each sheet to a temporary file: finish and remove them now (on cancel)."""
    for ws in wb.worksheets:
        try:
            if not ws.closed:
                ws.close()
            writer = getattr(ws, "_writer", None)
            if writer is not None:
                writer.cleanup()
        except (OSError, ValueError):
            log.debug("cannot discard the temporary file of sheet %s", ws.title, exc_info=True)


def write_template(path: Path) -> None:
    """An empty import workbook: the three sheets with headers, drop-downs and hints, and the 说明 sheet."""
    data, _rows = _write_book(Path(path), {}, None, None, None, 0)
    write_atomic(path, data)


def export_register(session_factory: SessionFactory, path: Path, *, progress: Progress | None = None,
                    cancelled: Cancelled | None = None, reveal: bool = False) -> int:
    """Write all units, organisations and members in the register (members still in it) to `path`.

    身份证号 and phone are masked unless `reveal` (administrators only); returns the number of data rows written
    (all sheets).  The trail comes before the file: the workbook is written to a temporary file beside `path`,
    the export is recorded and committed, and only then is the file moved into place.  If the record cannot be
    committed no file remains; if the move fails the temporary file is removed and the trail says so."""
    unit_scope.refuse_unit_account("导出党员名册")
    if reveal:
        require(Permission.EXPORT_REVEAL)
    with session_factory() as s:
        # Lists, not generators: the loaded objects must stay alive for o.unit / o.parent to need no query.
        unit_objs = list(s.scalars(select(Unit).order_by(Unit.sort_order, Unit.id)))
        org_objs = list(s.scalars(select(PartyOrg).order_by(PartyOrg.unit_id, PartyOrg.sort_order, PartyOrg.id)))
        units = [_unit_values(u) for u in unit_objs]
        orgs = [_org_values(o) for o in org_objs]
        q = (select(Member, PartyOrg.name, Unit.name).join(PartyOrg, Member.org_id == PartyOrg.id)
             .join(Unit, PartyOrg.unit_id == Unit.id).where(Member.left_on.is_(None))
             .order_by(Unit.sort_order, Unit.id, PartyOrg.sort_order, PartyOrg.id, Member.id))
        members = [_member_row_values(m, org, unit, reveal) for m, org, unit in s.execute(q)]
    total = len(units) + len(orgs) + len(members)
    report_progress(progress, cancelled, 0, total, "正在导出……", _CANCEL_EXPORT)
    path = Path(path)
    data, written = _write_book(path, {"unit": units, "org": orgs, "member": members}, not reveal, progress,
                                cancelled, total)
    staged = _stage(path, data)
    try:
        _record_export(session_factory, path, len(members), reveal)
    except BaseException as exc:
        _remove(staged)
        if isinstance(exc, Exception):
            raise DatabaseError(f"无法在审计记录中登记本次导出（{_not_recorded(exc)}），没有生成文件“{path.name}”。") from exc
        raise
    _move_into_place(session_factory, staged, path)
    if progress is not None:
        progress(total, total, "导出完成")
    return written


def _not_recorded(exc: Exception) -> str:
    """Why the export's audit entry could not be committed, in words for the user."""
    if isinstance(exc, DangjianError):
        return exc.message
    text = str(exc).lower()
    for words, why in (("readonly", "数据库文件只读"), ("read-only", "数据库文件只读"), ("disk is full", "磁盘已满"),
                       ("no space", "磁盘已满"), ("locked", "数据库正被其他程序占用")):
        if words in text:
            return why
    return "数据库无法写入"


def _stage(path: Path, data: bytes) -> Path:
    """`data` in a temporary file beside `path`, on disk (fsync) before the export is recorded."""
    try:
        fd, tmp = temp_beside(path)
    except PermissionError as exc:
        raise OutputLockedError(f"无法在文件夹“{path.parent}”中写入文件：没有写入权限。请换一个文件夹。") from exc
    except OSError as exc:
        raise ReportError(f"无法在文件夹“{path.parent}”中写入文件：{os_reason(exc)}") from exc
    try:
        make_private(tmp)  # names, units and posts of every member (and, revealed, their numbers): the owner's only
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException as exc:
        _remove(tmp)
        if isinstance(exc, OSError):
            raise ReportError(f"保存文件“{path.name}”失败：{os_reason(exc)}") from exc
        raise
    return tmp


def _move_into_place(session_factory: SessionFactory, staged: Path, path: Path) -> None:
    """The recorded export's file moved to `path`; if that fails, no file remains and the trail says why."""
    try:
        os.replace(staged, path)
    except OSError as exc:
        _remove(staged)
        if isinstance(exc, PermissionError):
            why = "文件正被其他程序（如 Excel 或 WPS）打开，或没有写入权限"
            error: DangjianError = OutputLockedError(f"无法保存文件“{path.name}”：{why}。请关闭该文件后重试，"
                                                     f"或另存为其他文件名。本次导出已记入审计记录，并注明未生成文件。")
        else:
            why = os_reason(exc)
            error = ReportError(f"无法保存文件“{path.name}”：{why}。本次导出已记入审计记录，并注明未生成文件。")
        _record_failed_move(session_factory, path, why)
        raise error from exc


def _record_failed_move(session_factory: SessionFactory, path: Path, why: str) -> None:
    """The export just recorded produced no file: say so in the trail (best effort, the user is told anyway)."""
    try:
        with audit.unit_of_work(session_factory) as (_s, trail):
            trail.record("导出未完成", "register", None, "members", None, "未生成文件",
                       reason=f"文件“{path.name}”未能保存：{why}")
    except Exception:
        log.exception("cannot record that the export to %s produced no file", path)


def _remove(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        tmp.unlink()


def _record_export(session_factory: SessionFactory, path: Path, members: int, reveal: bool) -> None:
    """Personal data leaving the app is recorded in the audit trail (PLATFORM.md, PIPL): who, when, how much."""
    what = "完整身份证号和电话" if reveal else "身份证号和电话已打码"
    with audit.unit_of_work(session_factory) as (_s, log):
        log.record("导出", "register", None, "members", None, f"{members}名党员（{what}）",
                   reason=f"导出到Excel文件“{path.name}”")


def _unit_values(u: Unit) -> list[Any]:
    return [u.name, u.short_name, u.category, u.party_secretary, u.contact_person, u.contact_phone,
            u.sort_order, u.note]


def _org_values(o: PartyOrg) -> list[Any]:
    return [o.name, o.unit.name, o.kind.label, o.parent.name if o.parent else "", o.established_on, o.term_start,
            o.term_end, o.sort_order, o.note]


def _member_row_values(m: Member, org: str, unit: str, reveal: bool) -> list[Any]:
    id_number = (m.id_number or "") if reveal else mask_id(m.id_number)
    phone = m.phone if reveal else mask_phone(m.phone)
    # Masked, the dates that bound the birth date show their month only (idcard.mask_id says why); a date the
    # register knows to the month only is written as such (1992年3月), which re-imports as it is.
    birth, joined, full = (
        month_text(d) if month_only else (d if reveal else mask_date(d) or None)
        for d, month_only in ((m.birth_date, m.birth_month_only), (m.joined_on, m.joined_month_only),
                              (m.full_member_on, m.full_member_month_only)))
    return [
        m.name, m.gender.label if m.gender else "", m.ethnicity, birth, id_number, phone, m.education, unit,
        org, m.status.label, joined, full, m.probation_extension_months or None, m.position,
        "是" if m.is_leader else "否", "是" if m.community_registered else "否", m.community_name,
        m.community_registered_on, m.note,
    ]
