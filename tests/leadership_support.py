"""Shared by the 民主生活会 tests: a small county and meetings in it."""

from __future__ import annotations

import datetime as dt

from app.services.leadership import CriticismInput, MeetingInput
from app.services.rectification import ItemInput


class Clock:
    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __call__(self) -> dt.date:
        return self.day


LEADERS = ["王建国", "李红", "张伟"]


def meeting(unit_id: int, held_on: dt.date, *, mutual: bool = True, problems: int = 2,
            deadline: dt.date | None = None) -> MeetingInput:
    crit = [CriticismInput("自我批评", n, f"{n}：调查研究不够深入") for n in LEADERS]
    if mutual:
        crit += [CriticismInput("相互批评", "王建国", "抓班子带队伍要求不够严", raised_by="李红"),
                 CriticismInput("相互批评", "李红", "分管工作督促检查不够", raised_by="张伟")]
    due = deadline or held_on + dt.timedelta(days=60)
    return MeetingInput(unit_id, held_on, "民主生活会", topic=f"{held_on.year}年度民主生活会", attendees=list(LEADERS),
                        supervisors=["县纪委监委派驻纪检组 赵刚"], opinions_solicited=12, criticisms=crit,
                        problems=[ItemInput(f"问题{i + 1}：学习不够系统", "制定学习计划", "王建国", due)
                                  for i in range(problems)])
