"""身份证号 (GB 11643-1999) checks, masking of personal data, and pinyin initials for search."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from dateutil.relativedelta import relativedelta

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


def check_id_against(number: str, birth_date: dt.date | None, gender: str | None, *,
                     month_only: bool = False) -> IdCheck:
    """The rules every form with a 身份证号 applies (member, recruit): valid, and agreeing with the person.
    A birth date known to the month only (`month_only`, an office's 出生年月) must agree in year and month; the
    number's full date is then the one filled in."""
    result = IdCheck(birth_date=birth_date, gender=gender)
    if (msg := id_problem(number)) is not None:
        result.problems.append(("id_number", msg))
        return result
    born = id_birth_date(number)
    assert born is not None  # id_problem checked it
    if birth_date is None:
        result.birth_date = born
    elif month_only:
        if (birth_date.year, birth_date.month) != (born.year, born.month):
            result.problems.append(("birth_date", f"出生年月{month_text(birth_date)}与身份证号不符（身份证为{month_text(born)}）"))
        else:
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


# What a masked view (member list, screenshot, default export) may show.  Designed as a whole: the view also
# shows sex and, next to the number, the birth month and the joining month, and the register requires
# 入党时应年满18周岁.  Even for an attacker who knows the 6-digit region code, every day of the birth month
# (28-31) times the 500 sequence numbers of the person's sex, less the 1 in 11 kept by the shown check
# character, leaves more than 1,000 valid numbers (`count_ids`; tests/test_mask_property.py proves it).  The
# old mask (region + last four, full birth date beside it) left one.
ID_SHOWN_HEAD = 2  # the province
ID_SHOWN_TAIL = 1  # the check character


def mask_id(s: str | None) -> str:
    """43***************X: the province and the check character; the rest (birth date included) hidden."""
    if not s:
        return ""
    if len(s) < 15:
        return "*" * len(s)
    return s[:ID_SHOWN_HEAD] + "*" * (len(s) - ID_SHOWN_HEAD - ID_SHOWN_TAIL) + s[-ID_SHOWN_TAIL:]


def mask_date(d: dt.date | None) -> str:
    """1982-03-**: a birth or joining date as a masked export writes it (the day would narrow the 身份证号)."""
    return f"{d:%Y-%m}-**" if d else ""


def month_text(d: dt.date | None) -> str:
    """1982年3月: a birth or joining date as a masked list shows it."""
    return f"{d.year}年{d.month}月" if d else ""


PHONE_HIDDEN_MIN = 4  # digits; 10,000 numbers remain


def mask_phone(s: str | None) -> str:
    """139****5678: of 11 digits or more the first three and last four are shown, of fewer only the last four,
    always with at least four digits hidden (separators such as the landline dash stay)."""
    if not s:
        return ""
    text = s.strip()
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    n = len(digits)
    head = 3 if n >= 11 else 0
    tail = max(0, min(4, n - head - PHONE_HIDDEN_MIN))
    hidden = set(digits[head:n - tail])
    return "".join("*" if i in hidden else c for i, c in enumerate(text))


def count_phones(shown: str) -> int:
    """How many numbers agree with a masked phone: every hidden digit may be any digit (the shown prefix already
    makes the number a mobile or a landline)."""
    return 10 ** shown.count("*")


_SHOWN_DATE_RE = re.compile(r"^(\d{4})(?:[-年](\d{1,2})(?:[-月](\d{1,2}|\*\*))?月?)?(?:日|年)?$")


def shown_date_range(value: dt.date | str | None) -> tuple[dt.date, dt.date] | None:
    """The first and last day a shown date can be: a date is itself; 1982年3月 or 1982-03-** is the month;
    1982年 the year; empty is None (nothing shown)."""
    if isinstance(value, dt.date):
        return value, value
    text = (value or "").strip()
    if not text:
        return None
    m = _SHOWN_DATE_RE.match(text)
    if m is None:
        raise ValueError(f"不是可识别的日期：{text}")
    year = int(m.group(1))
    if m.group(2) is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    month = int(m.group(2))
    day = m.group(3)
    if day is not None and day.isdigit():
        d = dt.date(year, month, int(day))
        return d, d
    first = dt.date(year, month, 1)
    return first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def latest_birth(joined: tuple[dt.date, dt.date] | None, full_member: tuple[dt.date, dt.date] | None,
                 probation_months: int, min_age: int = 18) -> dt.date | None:
    """The latest birth date the register's rules allow, given what is shown of the joining and 转正 dates:
    入党时应年满18周岁, and 转正 no earlier than the end of the probation (入党 + `probation_months`, extension
    included).  None if neither date is shown."""
    if joined is None and full_member is None:
        return None

    def allowed(born: dt.date) -> bool:  # the earliest joining such a person could have had fits what is shown
        earliest_join = born + relativedelta(years=min_age)
        if joined is not None and earliest_join > joined[1]:
            return False
        return full_member is None or earliest_join + relativedelta(months=probation_months) <= full_member[1]

    # Subtracting the periods is a first guess only (month ends: 2000-02-29 + 18 years is 2018-02-28).
    guess = min(d for d in (joined[1] if joined else None,
                            full_member[1] - relativedelta(months=probation_months) if full_member else None)
                if d is not None) - relativedelta(years=min_age)
    while not allowed(guess):
        guess -= dt.timedelta(days=1)
    while allowed(guess + dt.timedelta(days=1)):
        guess += dt.timedelta(days=1)
    return guess


def count_ids(shown: str, born: tuple[dt.date, dt.date], gender: str | None, regions: Iterable[str]) -> int:
    """How many valid 18-character 身份证号 agree with everything a view shows of a person: the shown characters
    of the masked number (`*` hidden), a birth date between `born` (both included), the sex, and a region code
    among `regions` (pass the person's own code alone for the worst case: an attacker who guesses it)."""
    if len(shown) != 18:
        return 0
    seq = _seq_histogram(shown[14:17], gender)
    total = 0
    for region in regions:
        if not _agrees(shown[:6], region):
            continue
        day = born[0]
        while day <= born[1]:
            first14 = f"{region}{day:%Y%m%d}"
            if _agrees(shown[6:14], first14[6:]):
                part = sum(int(c) * w for c, w in zip(first14, WEIGHTS[:14], strict=True))
                if shown[17] == "*":
                    total += sum(seq)
                else:
                    total += sum(n for r, n in enumerate(seq) if CHECK_CHARS[(part + r) % 11] == shown[17])
            day += dt.timedelta(days=1)
    return total


def _agrees(shown: str, actual: str) -> bool:
    return all(a == "*" or a == b for a, b in zip(shown, actual, strict=True))


@lru_cache(maxsize=64)
def _seq_histogram(shown: str, gender: str | None) -> tuple[int, ...]:
    """For the 3 sequence digits: how many agree with `shown` and the sex, by their weighted sum mod 11."""
    counts = [0] * 11
    for n in range(1000):
        digits = f"{n:03d}"
        if not _agrees(shown, digits) or (gender is not None and id_gender("0" * 16 + digits[2]) != gender):
            continue
        counts[sum(int(c) * w for c, w in zip(digits, WEIGHTS[14:], strict=True)) % 11] += 1
    return tuple(counts)


def phone_problem(raw: str) -> str | None:
    s = (raw or "").strip()
    if not s:
        return None
    if _MOBILE_RE.match(s) or _LANDLINE_RE.match(s):
        return None
    return "电话号码格式不正确（手机11位，座机如0731-12345678）"


# Family names read differently from the same character elsewhere (曾经 céng, 曾伟 Zēng Wěi), in the TONE3 spelling
# the sort key uses; pypinyin has no surname mode, so the first character of a name is looked up here first.
SURNAME_PINYIN = {
    "曾": "zeng1", "单": "shan4", "解": "xie4", "仇": "qiu2", "查": "zha1", "区": "ou1", "覃": "qin2", "朴": "piao2",
    "盖": "ge3", "乐": "yue4", "尉": "yu4", "缪": "miao4", "翟": "zhai2", "召": "shao4", "句": "gou1", "繁": "po2",
    "员": "yun4", "种": "chong2",
}
SURNAME_INITIALS = {surname: reading[0] for surname, reading in SURNAME_PINYIN.items()}
NAME_SORT_LENGTH = 200  # the member.name_sort column's width


@lru_cache(maxsize=65536)
def pinyin_initials(name: str) -> str:
    """张三 → zs, 曾伟 → zw.  Non-Chinese characters are kept (lower-cased)."""
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda text: text)
    initials = "".join(p[0] for p in letters if p).lower()
    if name[:1] in SURNAME_INITIALS and initials:
        initials = SURNAME_INITIALS[name[0]] + initials[1:]
    return initials


@lru_cache(maxsize=65536)
def pinyin_sort_key(name: str) -> str:
    """The key names sort by: full pinyin, tone numbers after each syllable (张三 → "zhang1 san1", 曾伟 →
    "zeng1 wei3"), so 张 < 赵 and tones break ties.  Every syllable ends in a digit (neutral tone 5) and the key is
    ASCII, so a byte order and a locale's order agree.  Other characters are kept (lower-cased, without spaces)."""
    from pypinyin import Style, lazy_pinyin

    name = name.strip()
    syllables = lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True,
                            errors=lambda text: "".join(text.lower().split()))
    if name[:1] in SURNAME_PINYIN and syllables:
        syllables[0] = SURNAME_PINYIN[name[0]]
    return " ".join(syllables)[:NAME_SORT_LENGTH]
