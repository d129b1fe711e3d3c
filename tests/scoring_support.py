"""Helpers shared by the scoring, ranking and audit tests: a small county and a scored month."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from county_names_support import give_county_name

from app.db import Database
from app.services.register import RegisterService, UnitInput
from app.services.scoring import ItemView, OccurrenceInput, ScoringService, SheetForm


@dataclass
class County:
    db: Database
    scoring: ScoringService
    unit_ids: list[int]

    def month(self, year: int = 2026, month: int = 3) -> int:
        return self.scoring.open_month(year, month).id

    def form(self, period_id: int, index: int = 0) -> SheetForm:
        return self.scoring.form(self.scoring.sheets(period_id)[index].id)

    def deduct(self, period_id: int, index: int, code: str, occurrences: int = 1, each: str | None = None,
               reason: str = "检查发现问题") -> None:
        item = item_by_code(self.form(period_id, index), code)
        self.scoring.add_deduction(item.id, OccurrenceInput(reason, occurrences, each, evidence_note="检查记录"))

    def review_all(self, period_id: int) -> None:
        for sheet in self.scoring.sheets(period_id):
            self.scoring.set_reviewed(sheet.id, True)


def make_county(db: Database, n: int = 5, attachment_dir=None) -> County:
    give_county_name(db)
    reg = RegisterService(db.session_factory)
    ids = [reg.save_unit(UnitInput(f"县第{i + 1}局", sort_order=i)) for i in range(n)]
    return County(db, ScoringService(db.session_factory, actor="测试员", attachment_dir=attachment_dir), ids)


def item_by_code(form: SheetForm, code: str) -> ItemView:
    return next(i for i in form.items if i.indicator.code == code)


def d(text: str) -> Decimal:
    return Decimal(text)
