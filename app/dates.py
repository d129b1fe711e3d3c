"""Dates as Chinese text, the one way the app writes them (no Qt, no document library: light to import)."""

from __future__ import annotations

import datetime as dt


def cn_date(day: dt.date) -> str:
    """2026年6月4日: Arabic numerals, full year, no leading zeros (GB/T 9704 7.3.5.4; also how users write it)."""
    return f"{day.year}年{day.month}月{day.day}日"


def dot_date(day: dt.date) -> str:
    """2026.12.3: a date that fits a narrow table column on one line (a 年月日 date breaks inside the cell)."""
    return f"{day.year}.{day.month}.{day.day}"
