"""The registers' parts of the year-end packet and their columns in the county 汇总表 (.xlsx).

A register that belongs in the packet (民主生活会, 中心组学习, 党务干部培训 …) is listed in SECTION_MODULES; the module
defines
* `SECTION_TITLE: str` — the part's heading, also used for a unit the register has nothing on;
* `packet_section(s: Session, year: int) -> dict[int, PacketSection]` — unit id → its part of the packet;
* `summary_column(s: Session, year: int) -> tuple[str, dict[int, str]]` — the 汇总表 column: header and unit id →
  cell text (a unit it has nothing on gets "—").
The modules are imported only when packets are gathered."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from types import ModuleType

from sqlalchemy.orm import Session

from app.reports.annual import SummaryColumn
from app.reports.packet import PacketSection

SECTION_MODULES: tuple[str, ...] = (
    "app.services.care_packet",
    "app.services.disposal",
    "app.services.accountability",
    "app.services.study_packet",
    "app.services.leadership",
    "app.services.party_workers_packet",
)


def _modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in SECTION_MODULES]


def sections(s: Session, year: int, unit_ids: Iterable[int]) -> dict[int, tuple[PacketSection, ...]]:
    """Each unit's register parts, in the order of SECTION_MODULES (every unit gets every part)."""
    parts = [(str(m.SECTION_TITLE), m.packet_section(s, year)) for m in _modules()]
    return {unit_id: tuple(found.get(unit_id) or _nothing(title, year) for title, found in parts)
            for unit_id in unit_ids}


def summary_columns(s: Session, year: int, units: Mapping[int, str]) -> tuple[SummaryColumn, ...]:
    """The 汇总表's extra columns: (header, (unit name, cell) for each of `units`, id → name)."""
    out = []
    for module in _modules():
        header, cells = module.summary_column(s, year)
        out.append((str(header), tuple((name, cells.get(unit_id, "—")) for unit_id, name in units.items())))
    return tuple(out)


def _nothing(title: str, year: int) -> PacketSection:
    return PacketSection(title, (f"{year}年度本单位无{title}记录。",))
