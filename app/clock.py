"""What day it is, for the whole app: one place that every default date, deadline and alert asks.

Services take `today: Callable[[], date]` and default to `clock.today`; the GUI's context carries one too. The
CLI's `--today YYYY-MM-DD` sets the day for one run (to rehearse a month-end, or to redo a late month's alerts as
they stood); it moves the calendar only: audit entries and backups keep the real time of day they happened."""

from __future__ import annotations

import datetime as dt

_fixed_today: dt.date | None = None


def today() -> dt.date:
    """The day the app works on: the one given with `--today`, else the computer's date."""
    return _fixed_today if _fixed_today is not None else dt.date.today()


def fixed_day() -> dt.date | None:
    """The day given with `--today`, or None when the app follows the computer's date."""
    return _fixed_today


def now() -> dt.datetime:
    """The moment, in UTC, for timestamps that are stored (audit entries, locks, reviews)."""
    return dt.datetime.now(dt.timezone.utc)


def local_now() -> dt.datetime:
    """The moment on this computer's wall clock, for file names and messages."""
    return dt.datetime.now()


def set_today(day: dt.date | None) -> None:
    """Work as if it were `day` for the rest of this process (None: back to the computer's date)."""
    global _fixed_today
    _fixed_today = day
