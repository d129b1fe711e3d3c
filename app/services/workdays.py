"""The one working-day calendar of the app: which days the county's offices work.

China's 法定节假日 and 调休 working days come from `chinese_calendar` (the State Council's yearly notices, kept
up to date by its maintainers), not from a table of our own.  The 设置 page adds an override list for what the
library does not know yet (next year's notice comes out in November, the installed library may be older) or what
the county declares itself: days declared 放假 (with the holiday's name, for the question asked before arranging
a 约谈 on it) and days declared 上班.  An override wins over the library.

A year the library does not know and for which no override is listed counts weekends only: the calendar never
fails for want of data, it says so once in the log and `coverage_note` says it on the 设置 page.

Every date rule of the app that counts working days goes through `WorkCalendar`: the 整改 deadline after a 约谈
(and after the 述职评议), the 反馈单's objection period, the 约谈's default time."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import chinese_calendar  # type: ignore[import-untyped]

from app import settings as S
from app.dates import cn_date
from app.errors import FieldProblem, ValidationError

log = logging.getLogger(__name__)

Reader = Callable[[S.SettingDef], Any]

# The library's holidays by day (English names) and its 调休 working days.
_LIB_HOLIDAYS: Mapping[dt.date, str] = chinese_calendar.holidays
_LIB_WORKDAYS: Mapping[dt.date, str] = chinese_calendar.workdays
LIBRARY_FIRST_YEAR = min(_LIB_HOLIDAYS).year
LIBRARY_LAST_YEAR = max(_LIB_HOLIDAYS).year
# The names as offices write them ("国庆节假期", "清明节假期").
_FULL_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}
WEEKDAYS = "一二三四五六日"
MAX_RANGE_DAYS = 31  # one override line covers at most this many days (a mistyped year would cover a whole year)
WORK_START = dt.time(9, 0)  # the default time of day of a 约谈
# The lists' names in messages (their labels in 设置 carry an example, too long to repeat under the field).
SHORT_LABELS = {S.HOLIDAYS.key: "补充放假日期", S.EXTRA_WORKDAYS.key: "补充调休上班日期"}

_warned_years: set[int] = set()  # years already reported in the log as counted by weekends only


def _library_name(english: str) -> str:
    try:
        chinese = str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return "法定节假日"
    return _FULL_NAMES.get(chinese, chinese)


def weekday_name(day: dt.date) -> str:
    return f"星期{WEEKDAYS[day.weekday()]}"


# ---------------------------------------------------------------------------------------------------------------
# the override list


@dataclass(frozen=True)
class Override:
    """One line of the override list: a day declared 放假 (with the holiday's name, may be empty) or 上班."""

    day: dt.date
    off: bool
    name: str = ""


def _date(text: str, label: str, key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f"“{label}”中的“{text.strip()}”不是有效日期（应为2026-10-01这样的格式）",
                              field=key) from None


def parse_overrides(values: Iterable[Any], off: bool, label: str, key: str) -> list[Override]:
    """The lines of one override setting: `2027-01-01`, `2027-01-01 元旦`, `2027-10-01至2027-10-07 国庆节`
    (a range of at most 31 days).  A line that is not of this form is refused with the setting's label."""
    out: list[Override] = []
    for v in values:
        text = str(v).strip()
        if not text:
            continue
        when, _, name = text.partition(" ")
        name = name.strip()
        first_text, sep, last_text = when.replace("~", "至").replace("～", "至").partition("至")
        first = _date(first_text, label, key)
        last = _date(last_text, label, key) if sep else first
        if last < first:
            raise ValidationError(f"“{label}”中的“{text}”结束日期早于开始日期", field=key)
        if (last - first).days >= MAX_RANGE_DAYS:
            raise ValidationError(f"“{label}”中的“{text}”超过{MAX_RANGE_DAYS}天，请检查年份", field=key)
        if len(name) > 20:
            raise ValidationError(f"“{label}”中的节日名称“{name}”太长（最多20字）", field=key)
        out.extend(Override(first + dt.timedelta(days=i), off, name) for i in range((last - first).days + 1))
    return out


def check_overrides(days_off: Iterable[Any], days_on: Iterable[Any]) -> list[FieldProblem]:
    """What is wrong with the two override lists as the 设置 page would save them (none: an empty list)."""
    problems: list[FieldProblem] = []
    parsed: dict[bool, list[Override]] = {}
    for off, values, d in ((True, days_off, S.HOLIDAYS), (False, days_on, S.EXTRA_WORKDAYS)):
        try:
            parsed[off] = parse_overrides(values, off, SHORT_LABELS[d.key], d.key)
        except ValidationError as exc:
            problems.extend(exc.problems)
            parsed[off] = []
    both = sorted({o.day for o in parsed[True]} & {o.day for o in parsed[False]})
    if both:
        problems.append(FieldProblem(S.EXTRA_WORKDAYS.key, "、".join(cn_date(d) for d in both[:3])
                                     + "同时列为放假和上班，请只保留一处"))
    return problems


def _as_list(value: Any) -> list[Any]:
    return S.HOLIDAYS.coerce(value) if isinstance(value, str) else list(value)


def check_setting_changes(changes: Mapping[str, Any], current: Reader) -> list[FieldProblem]:
    """The override lists' problems for a save of the 设置 page (`changes` by key; the rest as stored)."""
    keys = (S.HOLIDAYS.key, S.EXTRA_WORKDAYS.key)
    if not any(k in changes for k in keys):
        return []
    off = changes.get(S.HOLIDAYS.key, current(S.HOLIDAYS))
    on = changes.get(S.EXTRA_WORKDAYS.key, current(S.EXTRA_WORKDAYS))
    return check_overrides(_as_list(off), _as_list(on))


# ---------------------------------------------------------------------------------------------------------------
# the calendar


def _no_names() -> Mapping[dt.date, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days: the library's 法定节假日 and 调休 working days, then the override list
    (`holidays` declared 放假, their `names`; `extra_workdays` declared 上班).  `library=False`: weekends and the
    overrides only (a test of the fallback)."""

    holidays: frozenset[dt.date] = frozenset()
    extra_workdays: frozenset[dt.date] = frozenset()
    names: Mapping[dt.date, str] = field(default_factory=_no_names, compare=False, hash=False)
    library: bool = True

    @classmethod
    def from_settings(cls, read: Reader, *, library: bool = True) -> WorkCalendar:
        off = parse_overrides(read(S.HOLIDAYS), True, SHORT_LABELS[S.HOLIDAYS.key], S.HOLIDAYS.key)
        on = parse_overrides(read(S.EXTRA_WORKDAYS), False, SHORT_LABELS[S.EXTRA_WORKDAYS.key], S.EXTRA_WORKDAYS.key)
        return cls(frozenset(o.day for o in off), frozenset(o.day for o in on),
                   MappingProxyType({o.day: o.name for o in off if o.name}), library)

    # --- what the calendar knows -----------------------------------------------------------------------------

    def library_knows(self, year: int) -> bool:
        return self.library and LIBRARY_FIRST_YEAR <= year <= LIBRARY_LAST_YEAR

    def overrides_cover(self, year: int) -> bool:
        return any(d.year == year for d in self.holidays | self.extra_workdays)

    def weekends_only(self, year: int) -> bool:
        """The year's 法定节假日 are unknown: neither the library nor the override list has any of its days."""
        return not self.library_knows(year) and not self.overrides_cover(year)

    # --- one day ---------------------------------------------------------------------------------------------

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.holidays:
            return False
        if self.library_knows(day.year):
            return day in _LIB_WORKDAYS or (day.weekday() < 5 and day not in _LIB_HOLIDAYS)
        if not self.overrides_cover(day.year):
            _warn_once(day.year)
        return day.weekday() < 5

    def day_off(self, day: dt.date) -> str | None:
        """Why nobody works on `day` ("元旦假期", "星期六"), or None on a working day."""
        if self.is_working_day(day):
            return None
        if day in self.holidays:
            return f"{self.names[day]}假期" if self.names.get(day) else "放假日（设置中列出）"
        if self.library_knows(day.year) and day in _LIB_HOLIDAYS:
            return f"{_library_name(_LIB_HOLIDAYS[day])}假期"
        return weekday_name(day)

    def adjusted_workday(self, day: dt.date) -> bool:
        """A weekend day worked by 调休 (library or override list)."""
        return day.weekday() >= 5 and self.is_working_day(day)

    # --- counting --------------------------------------------------------------------------------------------

    def add(self, start: dt.date, days: int) -> dt.date:
        """The `days`-th working day after `start` (`start` itself does not count)."""
        if days < 1:
            raise ValidationError("工作日天数至少为1", field="working_days")
        day, left = start, days
        while left:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when end ≤ start)."""
        n, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            n += self.is_working_day(day)
        return n

    def next_working_moment(self, now: dt.datetime, at: dt.time = WORK_START) -> dt.datetime:
        """The default time of something to arrange: the next working day after `now`'s day, at `at`."""
        return dt.datetime.combine(self.add(now.date(), 1), at)

    def question(self, day: dt.date, what: str = "安排") -> str | None:
        """The question to ask before accepting `day` for an appointment, or None on a working day."""
        reason = self.day_off(day)
        if reason is None:
            return None
        return f"{cn_date(day)}是{reason}，仍要{what}在这一天吗？"


def _warn_once(year: int) -> None:
    if year not in _warned_years:
        _warned_years.add(year)
        log.warning("工作日历：%d年的法定节假日尚未收录（程序自带日历收录%d—%d年），设置中也没有补充日期，该年只按周末计算工作日",
                    year, LIBRARY_FIRST_YEAR, LIBRARY_LAST_YEAR)


def coverage_note(calendar: WorkCalendar, today: dt.date) -> str:
    """What the 设置 page says about the calendar: "" when this year and next are known; otherwise which year
    counts weekends only and what to do."""
    missing = [y for y in (today.year, today.year + 1) if calendar.weekends_only(y)]
    if not missing:
        return ""
    years = "、".join(f"{y}年" for y in missing)
    return (f"程序自带的法定节假日安排收录到{LIBRARY_LAST_YEAR}年；{years}尚未收录，设置中也没有补充日期，"
            f"目前只按周末计算工作日（整改时限、反馈单异议期限、约谈时间都受影响）。国务院办公厅公布放假安排后，"
            f"请在“约谈整改”分页的“补充放假日期”和“补充调休上班日期”中填写，或升级本程序。")
