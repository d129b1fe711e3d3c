"""书记和党务干部培训 in the year-end packet: the unit's people with hours against the minimum (a short one named),
and the 汇总表 column 达标人数/应达标人数."""

from __future__ import annotations

import datetime as dt

from orglife_fixtures import make_branch

from app.services import packet_sections
from app.services.party_workers import CourseInput, PartyWorkerService, Person
from app.services.party_workers_packet import SECTION_TITLE, packet_section, summary_column
from app.services.register import RegisterService

DAY = dt.date(2026, 11, 25)


def test_the_units_part_and_the_summary_column(db):
    reg = RegisterService(db.session_factory, today=lambda: DAY)
    finance = make_branch(reg)  # 张伟 书记, 王芳 组织委员, 李娜 宣传委员
    education = make_branch(reg, "县教育局", size=3, committee=1, seq_base=300)
    svc = PartyWorkerService(db.session_factory, today=lambda: DAY)
    svc.add_training(CourseInput("全县基层党组织书记示范培训班", "县委组织部", dt.date(2026, 3, 16), dt.date(2026, 3, 22), "56"),
                     [Person(m) for m in finance.committee[:2]])
    svc.add_training(CourseInput("专题培训", "县委党校", dt.date(2026, 9, 8), dt.date(2026, 9, 9), "16"),
                     [Person(finance.committee[2])])
    with db.session() as s:
        parts = packet_section(s, 2025)  # a past year: nobody trained
        assert parts[finance.unit_id].rows[0][2:] == ("0", "56", "差56学时")
        assert "截至12月31日" in parts[finance.unit_id].paragraphs[0]
        parts = packet_section(s, 2026)
        header, cells = summary_column(s, 2026)
        got = packet_sections.sections(s, 2026, [finance.unit_id, 999])
    part = parts[finance.unit_id]
    assert part.title == SECTION_TITLE
    assert part.header == ("姓名", "职务", "集中培训学时", "应达学时", "情况")
    assert {r[0]: r[2:] for r in part.rows} == {"张伟": ("56", "56", "达标"), "王芳": ("56", "56", "达标"),
                                                "李娜": ("16", "56", "差40学时")}
    assert "达标2人，未达标1人（李娜）" in part.paragraphs[0] and "不少于56学时" in part.paragraphs[0]
    assert header == "培训达标人数/应达标人数"
    assert cells == {finance.unit_id: "2/3", education.unit_id: "0/1"}
    assert "app.services.party_workers_packet" in packet_sections.SECTION_MODULES
    assert any(p.title == SECTION_TITLE for p in got[999])  # a unit it has nothing on still gets the heading
