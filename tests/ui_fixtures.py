"""What the UI tests share: a small register (built through RegisterService), a helper to answer modal dialogs,
background tasks run at once, and the scoring page shown as a user sees it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app.models import MemberStatus, OrgKind, OrgPostKind
from app.services.idcard import make_id
from app.services.register import MemberInput, OrgInput, PostInput, RegisterService, UnitInput
from app.ui import tasks
from app.ui.context import AppContext

if TYPE_CHECKING:
    from app.ui.scoring.page import ScoringPage

ZHANG_ID = make_id("430102", dt.date(1980, 5, 1), 11)

# The offscreen platform cannot pass a top-level window's size limits on; it says so once per window.
IGNORE_SIZE_HINTS = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture(autouse=True)
def synchronous_tasks() -> Iterator[None]:
    """Background tasks run at once, in the test's thread.  A test module turns this on for its tests by
    importing it: `from ui_fixtures import synchronous_tasks as synchronous_tasks` (the alias says the import is
    meant, for the linter)."""
    with tasks.synchronous():
        yield


def show_scoring_page(qtbot: Any, ctx: AppContext, today: dt.date) -> ScoringPage:
    """The 月度考评 page on screen at a usable size, its window active (keyboard shortcuts go to it)."""
    from app.ui.scoring.page import ScoringPage

    page = ScoringPage(ctx, today=today)
    qtbot.addWidget(page)
    page.resize(1300, 850)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitActive(page)
    return page


@dataclass
class Sample:
    finance: int  # 县财政局
    education: int  # 县教育局
    finance_branch: int  # its 党支部, term current
    edu_committee: int  # 县教育局机关党委
    edu_branch: int  # under the 机关党委, term overdue
    zhang: int  # 张三
    li: int  # 李四
    wang: int  # 王五
    members: list[int] = field(default_factory=list)


# The day the sample register is written for: 县财政局's branch is within its term, 县教育局's first branch past
# its. Tests that look at findings (terms, vacancies) look at the sample on this day, whatever day the run is on.
SAMPLE_DAY = dt.date(2026, 11, 18)


def seed_register(reg: RegisterService) -> Sample:
    finance = reg.save_unit(UnitInput("县财政局", party_secretary="刘明", contact_phone="13812345678"))
    education = reg.save_unit(UnitInput("县教育局"))
    fb = reg.save_org(OrgInput(finance, "中共县财政局机关支部委员会", OrgKind.BRANCH,
                               established_on=dt.date(2010, 3, 1), term_start=dt.date(2024, 6, 1)))
    ec = reg.save_org(OrgInput(education, "中共县教育局机关委员会", OrgKind.ORGAN_COMMITTEE,
                               term_start=dt.date(2023, 1, 1)))
    eb = reg.save_org(OrgInput(education, "县教育局第一党支部", OrgKind.BRANCH, parent_id=ec,
                               term_start=dt.date(2019, 1, 1)))
    people = [
        ("张三", fb, ZHANG_ID, MemberStatus.FULL),
        ("李四", fb, make_id("430102", dt.date(1982, 7, 2), 21), MemberStatus.FULL),
        ("钱七", fb, make_id("430102", dt.date(1984, 8, 3), 31), MemberStatus.FULL),
        ("王五", eb, make_id("430103", dt.date(1978, 1, 9), 41), MemberStatus.FULL),
        ("赵六", eb, make_id("430103", dt.date(1990, 2, 14), 52), MemberStatus.FULL),
    ]
    ids = []
    for name, org, id_number, status in people:
        ids.append(reg.save_member(MemberInput(org, name, status, id_number=id_number, phone="13912345678",
                                               joined_on=dt.date(2008, 7, 1), full_member_on=dt.date(2009, 7, 1))))
    reg.save_post(PostInput(fb, OrgPostKind.SECRETARY, ids[0], dt.date(2024, 6, 1)))
    return Sample(finance, education, fb, ec, eb, ids[0], ids[1], ids[3], ids)


def on_next_dialog(handle: Callable[[QWidget], None], failures: list[BaseException]) -> None:
    """Call `handle(dialog)` once a modal dialog is open (it is opened with exec(), which blocks the test).
    A failing `handle` closes the dialog so the test cannot hang; the failure is kept for the test to raise."""

    attempts = [0]

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            attempts[0] += 1
            if attempts[0] < 500:
                QTimer.singleShot(10, poll)
            else:
                failures.append(AssertionError("no modal dialog was opened"))
            return
        try:
            handle(dialog)
        except BaseException as exc:
            failures.append(exc)
            if dialog.isVisible():
                dialog.close()

    QTimer.singleShot(0, poll)
