"""中心组学习 in the year-end packet (app/services/packet_sections.py): each unit's meetings of the year against the
county's minimum, with its plan, and a column of the county 汇总表."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.dates import cn_date
from app.reports.packet import PacketSection
from app.services.study import Minimum, StudyService, planned_units, progress

SECTION_TITLE = "党组（党委）理论学习中心组学习情况"
HEADER = ("序号", "日期", "形式", "学习主题", "主讲", "研讨发言", "出席/班子成员")
WIDTHS = (10.0, 24.0, 20.0, 50.0, 18.0, 14.0, 20.0)


def _service(s: Session) -> StudyService:
    bind = s.get_bind()
    return StudyService(lambda: Session(bind))


def packet_section(s: Session, year: int) -> dict[int, PacketSection]:
    """Every active unit: what its 中心组 held in the year against the yearly minimum, its plan, and the meetings
    one a row (the same words whatever the day the packet is made: it holds what is recorded)."""
    svc, least = _service(s), Minimum.read(s)
    meetings: dict[int, list[tuple[str, ...]]] = {}
    for m in svc.meetings(year):
        rows = meetings.setdefault(m.unit_id, [])
        rows.append((str(len(rows) + 1), f"{m.held_on:%Y-%m-%d}", m.form.value, m.topic, m.lecturer,
                     str(m.speeches), m.attendance))
    plans = {p.unit_id: p for p in svc.plans(year)}
    out = {}
    for g in progress(s, year, 12):
        met = g.meetings >= least.meetings and g.seminars >= least.seminars
        lines = [f"{year}年度，本单位党组（党委）理论学习中心组开展集中学习{g.meetings}次，其中专题研讨{g.seminars}次；"
                 f"全县要求每年集中学习不少于{least.meetings}次、专题研讨不少于{least.seminars}次，"
                 f"{'达到' if met else '未达到'}要求。"]
        plan = plans.get(g.unit_id)
        lines.append("未制定年度学习计划。" if plan is None else
                     f"年度学习计划：计划集中学习{plan.planned_meetings}次、专题研讨{plan.planned_seminars}次"
                     + (f"，{cn_date(plan.made_on)}制定" if plan.made_on else "")
                     + f"；学习专题：{'；'.join(plan.topics)}。")
        rows = meetings.get(g.unit_id, [])
        out[g.unit_id] = PacketSection(SECTION_TITLE, tuple(lines), HEADER if rows else (), tuple(rows),
                                       WIDTHS if rows else ())
    return out


def summary_column(s: Session, year: int) -> tuple[str, dict[int, str]]:
    """The 汇总表's column: meetings (专题研讨) of the year, with 未达要求 / 无计划 where it applies."""
    least, planned = Minimum.read(s), planned_units(s, year)
    cells = {}
    for g in progress(s, year, 12):
        notes = [x for x, bad in (("未达要求", g.meetings < least.meetings or g.seminars < least.seminars),
                                  ("无计划", g.unit_id not in planned)) if bad]
        cells[g.unit_id] = f"{g.meetings}次（研讨{g.seminars}次）" + (f"，{'、'.join(notes)}" if notes else "")
    return "中心组学习", cells
