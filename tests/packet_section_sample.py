"""A register's part of the year-end packet for tests/test_packets.py: the 林业局 (unit 6) has two records of a
made-up 台账 this year, the others none; the 汇总表 column counts them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.reports.packet import PacketSection

SECTION_TITLE = "样例台账"
FORESTRY = 6


def packet_section(s: Session, year: int) -> dict[int, PacketSection]:
    return {FORESTRY: PacketSection(SECTION_TITLE, (f"{year}年度共登记2次。",), ("日期", "内容"),
                                    ((f"{year}年3月1日", "第一次"), (f"{year}年9月1日", "第二次")))}


def summary_column(s: Session, year: int) -> tuple[str, dict[int, str]]:
    return "样例台账次数", {FORESTRY: "2"}
