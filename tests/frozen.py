"""The day the whole test run lives on (conftest freezes the clock there: `pytest --today=YYYY-MM-DD`).

Tests that need "today" take it from here, and compute every date-dependent expectation from it, so the suite
passes on any day it runs and under the calendar's awkward days (31 December, 1 January, 29 February, a quarter's
last day), which CI runs it under."""

from __future__ import annotations

import datetime as dt

# An ordinary Wednesday in the middle of a month; `--today` moves the whole run elsewhere.
DEFAULT_TODAY = dt.date(2026, 11, 18)
# The hour the frozen clock starts at, local time: mid-morning, so the date is the same in every time zone's
# office hours and a run of a few minutes never crosses midnight.
START_HOUR = 10

TODAY = DEFAULT_TODAY


def today() -> dt.date:
    return TODAY


def now() -> dt.datetime:
    """The moment the frozen run started: local wall-clock time, naive, as the app reads its clock."""
    return dt.datetime.combine(TODAY, dt.time(START_HOUR))
