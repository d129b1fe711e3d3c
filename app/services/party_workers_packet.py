"""党务干部培训 in the year-end packet and the county 汇总表 (app/services/packet_sections.py).

A unit's part lists its 书记, 班子成员 and 党务干部 of the year (the post history and the typed roster) with each one's
集中培训 学时 against the minimum, taken on 31 December (or today, for the year still running); the 汇总表 column
gives 达标人数/应达标人数 of those in post on that day."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.reports.packet import PacketSection
from app.services.party_workers import RosterRow, check_day, hours_text, roster

SECTION_TITLE = "书记和党务干部培训"
HEADER = ("姓名", "职务", "集中培训学时", "应达学时", "情况")
WIDTHS_MM = (22.0, 66.0, 24.0, 20.0, 24.0)  # the 版心's 156 mm


def _by_unit(s: Session, year: int) -> dict[int, list[RosterRow]]:
    out: dict[int, list[RosterRow]] = defaultdict(list)
    for r in roster(s, year, clock.today()):
        out[r.unit_id].append(r)
    return out


def _state(r: RosterRow) -> str:
    if not r.in_post:
        return "已离任"
    return f"差{hours_text(r.missing)}学时" if r.short else "达标"


def packet_section(s: Session, year: int) -> dict[int, PacketSection]:
    read = S.reader(s)
    high, low = hours_text(read(S.TRAINING_MIN_LEADERSHIP)), hours_text(read(S.TRAINING_MIN_MEMBER))
    day = check_day(year, clock.today())
    out = {}
    for unit_id, rows in _by_unit(s, year).items():
        current = [r for r in rows if r.in_post]
        short = [r for r in current if r.short]
        text = (f"本单位{year}年度（截至{day.month}月{day.day}日）在任的党组织书记、班子成员和党务干部{len(current)}人，"
                f"集中培训学时达标{len(current) - len(short)}人"
                + (f"，未达标{len(short)}人（{'、'.join(r.name for r in short)}）" if short else "")
                + f"。要求：基层党组织书记和班子成员每年集中培训不少于{high}学时，其他党务干部不少于{low}学时。")
        table = tuple((r.name, r.title, hours_text(r.hours), hours_text(r.minimum), _state(r)) for r in rows)
        out[unit_id] = PacketSection(SECTION_TITLE, (text,), HEADER, table, WIDTHS_MM)
    return out


def summary_column(s: Session, year: int) -> tuple[str, dict[int, str]]:
    cells = {}
    for unit_id, rows in _by_unit(s, year).items():
        current = [r for r in rows if r.in_post]
        cells[unit_id] = f"{sum(not r.short for r in current)}/{len(current)}"
    return "培训达标人数/应达标人数", cells
