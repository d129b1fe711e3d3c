"""A small county with a scored year (built through the real services), for the quarter, annual and packet tests.

Six units, January to December 2026 locked.  Each unit loses a steady number of points a month, so its quarter
and annual means are known in advance: 县财政局 loses nothing (100), 县教育局 1 point (99), 县民政局 5 (95), 县审计局
15 (85), 县水利局 25 (75) and 县林业局 45 (55); 县审计局 has a 一票否决 in May.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

import dbkit
from county_names_support import give_county_name

from app.db import Database
from app.paths import AppPaths
from app.services.opening import open_database
from app.services.register import RegisterService, UnitInput
from app.services.scoring import OccurrenceInput, ScoringService

UNITS = ["县财政局", "县教育局", "县民政局", "县审计局", "县水利局", "县林业局"]
SECRETARIES = ["刘明", "陈静", "王强", "赵磊", "孙丽", "周勇"]
LOSS = [0, 1, 5, 15, 25, 45]  # points lost every month
YEAR = 2026

# Indicators the steady losses are taken from, in this order (each at most its points).
_LOSS_CODES = ["pol.deployment", "study.monthly", "life.committee_meeting", "life.theme_day", "org.recruit",
               "study.hours", "life.group_meeting", "pol.party_group_study", "work.criticised", "org.dues"]


@dataclass
class YearCounty:
    db: Database
    scoring: ScoringService
    unit_ids: list[int]
    periods: dict[int, int] = field(default_factory=dict)  # month → period id

    def unit(self, name: str) -> int:
        return self.unit_ids[UNITS.index(name)]


def build_year(db: Database, months: range = range(1, 13)) -> YearCounty:
    give_county_name(db)
    reg = RegisterService(db.session_factory)
    ids = [reg.save_unit(UnitInput(name, party_secretary=sec, contact_person="办公室", sort_order=i))
           for i, (name, sec) in enumerate(zip(UNITS, SECRETARIES, strict=True))]
    county = YearCounty(db, ScoringService(db.session_factory, actor="测试员"), ids)
    for month in months:
        county.periods[month] = score_month(county, month)
    return county


def score_month(county: YearCounty, month: int, *, lock: bool = True) -> int:
    sc = county.scoring
    period = sc.open_month(YEAR, month).id
    sheets = {sh.unit_id: sh.id for sh in sc.sheets(period)}
    for unit_id, loss in zip(county.unit_ids, LOSS, strict=True):
        if loss:
            _take(sc, sheets[unit_id], loss, month)
    if month == 5:
        form = sc.form(sheets[county.unit("县审计局")])
        veto = next(i for i in form.items if i.indicator.method.value == "一票否决")
        sc.set_veto(veto.id, True, "一名党员干部受到党纪重处分")
    for sheet in sheets.values():
        sc.set_reviewed(sheet, True)
    if lock:
        sc.lock_period(period)
    return period


def _take(sc: ScoringService, sheet_id: int, loss: int, month: int) -> None:
    """Deductions worth exactly `loss` points, one per indicator, each at most the indicator's points."""
    items = {i.indicator.code: i for i in sc.form(sheet_id).items}
    left = loss
    for code in _LOSS_CODES:
        if left <= 0:
            break
        take = min(left, int(items[code].indicator.points))
        sc.add_deduction(items[code].id, OccurrenceInput(f"{month}月检查发现问题", 1, take, evidence_note="检查记录"))
        left -= take
    assert left == 0, f"could not take {loss} points"


# -- built once per test module, copied for each test ----------------------------------------------------------------


def build_template(path: Path, template: Path, months: range = range(1, 13)) -> YearCounty:
    db = open_database(dbkit.KIT.place(template, path))
    county = build_year(db, months)
    dbkit.KIT.settle(db)
    db.close()
    return county


def open_copy(built: YearCounty, source: Path, paths: AppPaths) -> YearCounty:
    dbkit.KIT.replace(paths.database, dbkit.KIT.resolve(source))
    db = open_database(paths.database, backup_dir=paths.backup_dir)
    return replace(built, db=db, scoring=ScoringService(db.session_factory, actor="测试员"),
                   periods=dict(built.periods))


def day(month: int, d: int = 1) -> dt.date:
    return dt.date(YEAR, month, d)
