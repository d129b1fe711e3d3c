"""激励关怀 in the year-end packet and the county 汇总表 (app/services/packet_sections.py).

A unit's part lists the 表彰 its members and organisations received in the year (the unit is the one they
belonged to when honoured) and counts the 慰问/帮扶 visits paid to its members (their unit today).  Who was
visited, and why, is never printed: the packet goes to the 考评 committee, the circumstances are personal data."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy.orm import Session

from app.dates import dot_date
from app.models import HonorKind
from app.reports.packet import PacketSection
from app.services.care import HonorRow, honor_rows, visits_in_year

SECTION_TITLE = "党内表彰和关怀帮扶"
HEADER = ("表彰类别", "受表彰对象", "级别", "表彰日期", "授予机关", "文号")
WIDTHS_MM = (26.0, 38.0, 18.0, 24.0, 26.0, 24.0)  # the 版心's 156 mm


def _by_unit(s: Session, year: int) -> tuple[dict[int, list[HonorRow]], dict[int, int]]:
    honors: dict[int, list[HonorRow]] = defaultdict(list)
    for h in sorted(honor_rows(s, year=year), key=lambda h: (h.awarded_on, list(HonorKind).index(h.kind), h.id)):
        honors[h.unit_id].append(h)
    return honors, visits_in_year(s, year)


def _counted(honors: list[HonorRow]) -> str:
    kinds = Counter(h.kind for h in honors)
    parts = [f"{k.label}{kinds[k]}{'个' if k == HonorKind.ORG else '名'}" for k in HonorKind if kinds[k]]
    return "、".join(parts)


def packet_section(s: Session, year: int) -> dict[int, PacketSection]:
    honors, visits = _by_unit(s, year)
    out = {}
    for unit_id in set(honors) | set(visits):
        got, n = honors.get(unit_id, []), visits.get(unit_id, 0)
        said = f"本单位党员和党组织受到表彰{len(got)}项（{_counted(got)}）" if got else "本单位党员和党组织未受到表彰"
        text = f"{year}年度，{said}；开展关怀帮扶走访慰问{n}次。" if n else f"{year}年度，{said}；未登记关怀帮扶走访慰问。"
        rows = tuple((h.kind.label, h.name, h.level, dot_date(h.awarded_on), h.awarded_by, h.doc_number or "—")
                     for h in got)
        out[unit_id] = PacketSection(SECTION_TITLE, (text,), HEADER if rows else (), rows,
                                     WIDTHS_MM if rows else ())
    return out


def summary_column(s: Session, year: int) -> tuple[str, dict[int, str]]:
    honors, visits = _by_unit(s, year)
    return "表彰和关怀走访", {unit_id: f"表彰{len(honors.get(unit_id, []))}项，走访{visits.get(unit_id, 0)}次"
                             for unit_id in set(honors) | set(visits)}
