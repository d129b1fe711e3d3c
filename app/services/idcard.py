"""身份证号 (GB 11643-1999) checks, masking of personal data, and pinyin initials for search."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from app import clock

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise_id(raw: str) -> str:
    """Full-width digits and Ｘ from Chinese input methods become ASCII (NFKC); spaces go; x becomes X."""
    return unicodedata.normalize("NFKC", raw or "").strip().replace(" ", "").upper()


def id_problem(raw: str) -> str | None:
    """None if `raw` is a valid 18-character 身份证号, else the Chinese reason it is not."""
    s = normalise_id(raw)
    if len(s) != 18:
        return f"身份证号应为18位，现为{len(s)}位"
    if not _ID_RE.match(s):
        return "身份证号前17位应为数字，最后一位为数字或X"
    if id_birth_date(s) is None:
        return "身份证号中的出生日期不是有效日期"
    if check_char(s[:17]) != s[17]:
        return f"身份证号校验位错误（应为{check_char(s[:17])}）"
    return None


@dataclass
class IdCheck:
    """A 身份证号 checked against the birth date and gender entered beside it; missing ones are filled in."""

    problems: list[tuple[str, str]] = field(default_factory=list)  # (field, Chinese message)
    birth_date: dt.date | None = None
    gender: str | None = None  # "男" / "女"


def check_id_against(number: str, birth_date: dt.date | None, gender: str | None) -> IdCheck:
    """The rules every form with a 身份证号 applies (member, recruit): valid, and agreeing with the person."""
    result = IdCheck(birth_date=birth_date, gender=gender)
    if (msg := id_problem(number)) is not None:
        result.problems.append(("id_number", msg))
        return result
    born = id_birth_date(number)
    if birth_date is None:
        result.birth_date = born
    elif birth_date != born:
        result.problems.append(("birth_date", f"出生日期与身份证号不符（身份证为{born:%Y-%m-%d}）"))
    if gender is None:
        result.gender = id_gender(number)
    elif gender != id_gender(number):
        result.problems.append(("gender", "性别与身份证号不符"))
    return result


def id_birth_date(s: str) -> dt.date | None:
    try:
        d = dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return None
    return d if dt.date(1900, 1, 1) <= d <= clock.today() else None


def id_gender(s: str) -> str:
    """“男” for an odd 17th digit, “女” for an even one."""
    return "男" if int(s[16]) % 2 else "女"


def make_id(region: str, birth: dt.date, seq: int) -> str:
    """A synthetic but valid number (demo data and tests): 6-digit region, birth date, 3-digit sequence."""
    first17 = f"{region}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + check_char(first17)


def mask_id(s: str | None) -> str:
    if not s:
        return ""
    if len(s) <= 10:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]


def mask_phone(s: str | None) -> str:
    if not s:
        return ""
    digits = s.strip()
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits)


def phone_problem(raw: str) -> str | None:
    s = (raw or "").strip()
    if not s:
        return None
    if _MOBILE_RE.match(s) or _LANDLINE_RE.match(s):
        return None
    return "电话号码格式不正确（手机11位，座机如0731-12345678）"


# Family names read differently from the same character elsewhere (曾经 céng, 曾伟 Zēng Wěi).
SURNAME_INITIALS = {
    "曾": "z", "单": "s", "解": "x", "仇": "q", "查": "z", "区": "o", "覃": "q", "朴": "p", "盖": "g",
    "乐": "y", "尉": "y", "缪": "m", "翟": "z", "召": "s", "句": "g", "繁": "p", "员": "y", "种": "c",
}


@lru_cache(maxsize=65536)
def pinyin_initials(name: str) -> str:
    """张三 → zs, 曾伟 → zw.  Non-Chinese characters are kept (lower-cased)."""
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda text: text)
    initials = "".join(p[0] for p in letters if p).lower()
    if name[:1] in SURNAME_INITIALS and initials:
        initials = SURNAME_INITIALS[name[0]] + initials[1:]
    return initials
