"""A small county with two locked months, for the 通报, 约谈 and 整改 tests (built through the real services)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

import dbkit
import pytest
from county_names_support import give_county_name

from app.db import Database
from app.models import MemberStatus, OrgKind, OrgPostKind
from app.paths import AppPaths
from app.services.opening import open_database
from app.services.register import MemberInput, OrgInput, PostInput, RegisterService, UnitInput
from app.services.scoring import OccurrenceInput, ScoringService

UNITS = ["县财政局", "县教育局", "县民政局", "县审计局", "县水利局", "县林业局", "县统计局", "县商务局"]
SECRETARIES = ["刘明", "陈静", "王强", "赵磊", "孙丽", "周勇", "吴芳", "郑涛"]

# (unit index, indicator code, occurrences, reason) per month; 县林业局 loses most (below 70 in October).
SEPTEMBER = [
    (1, "life.committee_meeting", 1, "第一支部9月未召开支委会"),
    (5, "life.theme_day", 2, "机关支部未开展主题党日"),
    (5, "org.dues", 4, "4名党员党费未按时缴纳"),
    (7, "work.report_late", 1, "党建工作总结迟报"),
]
OCTOBER = [
    (1, "life.committee_meeting", 1, "第一支部10月未召开支委会"),
    (2, "life.committee_meeting", 1, "机关支部10月未召开支委会"),
    (3, "life.theme_day", 1, "未开展主题党日"),
    (5, "life.committee_meeting", 2, "两个支部未召开支委会"),
    (5, "pol.party_group_study", 2, "党组未专题研究党建工作"),
    (5, "org.vacancy", 2, "组织委员、宣传委员长期空缺"),
    (5, "work.criticised", 2, "被县委通报批评"),
    (5, "study.lecture", 2, "书记未讲党课"),
    (5, "org.term_overdue", 1, "机关支部超期未换届"),
    (6, "work.report_late", 2, "材料报送迟缓"),
    (7, "life.committee_meeting", 1, "支委会未按月召开"),
]


@dataclass
class DocCounty:
    db: Database
    scoring: ScoringService
    unit_ids: list[int]
    periods: dict[str, int] = field(default_factory=dict)
    branch_secretaries: dict[int, str] = field(default_factory=dict)  # unit id → 支部书记 name

    def unit(self, name: str) -> int:
        return self.unit_ids[UNITS.index(name)]


def build_county(db: Database, *, lock: bool = True) -> DocCounty:
    give_county_name(db)
    reg = RegisterService(db.session_factory)
    ids = [reg.save_unit(UnitInput(name, party_secretary=sec, contact_person="办公室", sort_order=i))
           for i, (name, sec) in enumerate(zip(UNITS, SECRETARIES, strict=True))]
    county = DocCounty(db, ScoringService(db.session_factory, actor="测试员"), ids)
    _branches(reg, county)
    for key, deductions in (("2026-09", SEPTEMBER), ("2026-10", OCTOBER)):
        county.periods[key] = score_month(county, int(key[:4]), int(key[5:]), deductions, lock=lock)
    return county


def _branches(reg: RegisterService, county: DocCounty) -> None:
    """A branch with a 书记 for the first three units, a 机关党委 with a 书记 for 县林业局."""
    for i in (0, 1, 2):
        org = reg.save_org(OrgInput(county.unit_ids[i], f"中共{UNITS[i]}机关支部委员会", OrgKind.BRANCH,
                                    term_start=dt.date(2024, 6, 1)))
        name = f"{UNITS[i][1:3]}书记"
        member = reg.save_member(_member(org, name))
        reg.save_post(PostInput(org, OrgPostKind.SECRETARY, member, dt.date(2024, 6, 1)))
        county.branch_secretaries[county.unit_ids[i]] = name
    forestry = county.unit("县林业局")
    committee = reg.save_org(OrgInput(forestry, "中共县林业局机关委员会", OrgKind.ORGAN_COMMITTEE,
                                      term_start=dt.date(2023, 1, 1)))
    member = reg.save_member(_member(committee, "林书记"))
    reg.save_post(PostInput(committee, OrgPostKind.SECRETARY, member, dt.date(2023, 1, 1)))


def _member(org: int, name: str) -> MemberInput:
    return MemberInput(org, name, MemberStatus.FULL, joined_on=dt.date(2005, 7, 1), full_member_on=dt.date(2006, 7, 1))


def score_month(county: DocCounty, year: int, month: int, deductions: list[tuple[int, str, int, str]], *,
                lock: bool = True) -> int:
    sc = county.scoring
    period = sc.open_month(year, month).id
    sheets = {sh.unit_id: sh.id for sh in sc.sheets(period)}
    for index, code, n, reason in deductions:
        form = sc.form(sheets[county.unit_ids[index]])
        item = next(i for i in form.items if i.indicator.code == code)
        sc.add_deduction(item.id, OccurrenceInput(reason, n, evidence_note="检查记录"))
    for sheet in sheets.values():
        sc.set_reviewed(sheet, True)
    if lock:
        sc.lock_period(period)
    return period


# -- a county built once per test module, copied for each test -----------------------------------------------------


def build_template(path: Path, template: Path) -> DocCounty:
    """Build the county into a copy of the migrated empty database `template` at `path` (checkpointed, closed)."""
    db = open_database(dbkit.KIT.place(template, path))
    county = build_county(db)
    dbkit.KIT.settle(db)
    db.close()
    return county


def open_copy(built: DocCounty, source: Path, paths: AppPaths) -> DocCounty:
    """A fresh copy of the built county in this test's data directory."""
    dbkit.KIT.replace(paths.database, dbkit.KIT.resolve(source))
    db = open_database(paths.database, backup_dir=paths.backup_dir)
    return replace(built, db=db, scoring=ScoringService(db.session_factory, actor="测试员"),
                   periods=dict(built.periods), branch_secretaries=dict(built.branch_secretaries))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, _template_db: Path) -> tuple[DocCounty, Path]:
    """The documents county, built once per test module (import this fixture; each test opens a copy)."""
    path = tmp_path_factory.mktemp("county") / "county.sqlite3"
    return build_template(path, _template_db), path

