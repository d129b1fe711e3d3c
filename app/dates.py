"""Dates as Chinese text, the one way the app writes them (no Qt, no document library: light to import)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence


def cn_date(day: dt.date) -> str:
    """2026年6月4日: Arabic numerals, full year, no leading zeros (GB/T 9704 7.3.5.4; also how users write it)."""
    return f"{day.year}年{day.month}月{day.day}日"


def dot_date(day: dt.date) -> str:
    """2026.12.3: a date that fits a narrow table column on one line (a 年月日 date breaks inside the cell)."""
    return f"{day.year}.{day.month}.{day.day}"


def months_text(months: Sequence[int]) -> str:
    """Months as runs: (1..12) → "1—12月", (1, 2, 3, 5) → "1—3、5月"."""
    runs: list[list[int]] = []
    for m in sorted(set(months)):
        if runs and m == runs[-1][-1] + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return "、".join(f"{r[0]}—{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs) + "月"


def coverage_text(months: Sequence[int]) -> str:
    """What one 平时成绩 is over: "1—12月（全年）" or "1—11月（未含12月）"."""
    missing = [m for m in range(1, 13) if m not in months]
    return f"{months_text(months)}（{'全年' if not missing else '未含' + months_text(missing)}）"
