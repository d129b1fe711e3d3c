"""激励关怀 in the year-end packet: the unit's 表彰 of the year and the number of visits, never who was visited or
why; the 汇总表 column."""

from __future__ import annotations

import datetime as dt

import pytest
from ui_fixtures import Sample, seed_register

from app.db import Database
from app.models import CareCircumstance, HonorKind, VisitForm
from app.services import packet_sections
from app.services.care import CareService, HonorInput, SubjectInput, VisitInput
from app.services.care_packet import SECTION_TITLE, packet_section, summary_column
from app.services.register import RegisterService

DAY = dt.date(2026, 12, 20)
SECRET = "独自照顾患病父母"


@pytest.fixture
def sample(db: Database) -> Sample:
    sample = seed_register(RegisterService(db.session_factory))
    svc = CareService(db.session_factory, today=lambda: DAY)
    svc.save_honor(HonorInput(HonorKind.MEMBER, dt.date(2026, 6, 28), "县级", "中共示范县委员会", sample.zhang,
                              doc_number="示发〔2026〕12号"))
    svc.save_honor(HonorInput(HonorKind.ORG, dt.date(2026, 6, 28), "县级", "中共示范县委员会",
                              org_id=sample.finance_branch))
    svc.save_honor(HonorInput(HonorKind.MEMBER, dt.date(2025, 6, 28), "县级", "中共示范县委员会", sample.li))
    sid = svc.add_subject(SubjectInput(sample.wang, dt.date(2025, 10, 1), [CareCircumstance.FAMILY_BURDEN], SECRET))
    for day in (dt.date(2025, 12, 1), dt.date(2026, 2, 1), dt.date(2026, 6, 20)):
        svc.save_visit(sid, VisitInput(day, "刘明", [VisitForm.TALK]))
    return sample


def test_the_units_part(db: Database, sample: Sample) -> None:
    with db.session() as s:
        parts = packet_section(s, 2026)
    finance, education = parts[sample.finance], parts[sample.education]
    assert finance.title == SECTION_TITLE
    assert finance.paragraphs == ("2026年度，本单位党员和党组织受到表彰2项（优秀共产党员1名、先进基层党组织1个）；"
                                  "未登记关怀帮扶走访慰问。",)
    assert [r[:3] for r in finance.rows] == [("优秀共产党员", "张三", "县级"),
                                             ("先进基层党组织", "中共县财政局机关支部委员会", "县级")]
    assert finance.rows[0][3:] == ("2026.6.28", "中共示范县委员会", "示发〔2026〕12号")
    assert education.paragraphs == ("2026年度，本单位党员和党组织未受到表彰；开展关怀帮扶走访慰问2次。",)
    assert education.rows == ()
    printed = repr(parts)
    assert SECRET not in printed and "家庭负担" not in printed and "王五" not in printed


def test_every_packet_gets_the_part_and_the_summary_a_column(db: Database, sample: Sample) -> None:
    assert "app.services.care_packet" in packet_sections.SECTION_MODULES
    with db.session() as s:
        header, cells = summary_column(s, 2026)
        got = packet_sections.sections(s, 2026, [sample.finance, sample.education, 999])
    assert header == "表彰和关怀走访"
    assert cells == {sample.finance: "表彰2项，走访0次", sample.education: "表彰0项，走访2次"}
    nothing = next(p for p in got[999] if p.title == SECTION_TITLE)
    assert nothing.paragraphs == (f"2026年度本单位无{SECTION_TITLE}记录。",)
