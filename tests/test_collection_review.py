"""自评 next to 复核 (issue 18, item 4): a unit's returned 自评 and 说明 shown beside the 复核 score on the scoring
form, the differing indicators highlighted, and the 反馈单 listing them with the 工委's reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import openpyxl
import pytest
from documents_support import built as built
from documents_support import open_copy
from PySide6.QtCore import Qt
from reports_samples import check_gongwen

from app.services.bulletin import BulletinService
from app.services.collection import CollectionService
from app.services.scoring import OccurrenceInput
from app.ui.scoring.models import SELF_DIFFERS, ItemCol, ItemTableModel

TODAY = dt.date(2026, 11, 25)
FINANCE = "县财政局"
MEETING, THEME_DAY = "life.committee_meeting", "life.theme_day"


@pytest.fixture
def county(built, paths):
    c = open_copy(*built, paths)
    yield c
    c.db.close()


@pytest.fixture
def returned(county, tmp_path: Path):
    """县财政局 returns its workbook: full marks on the 支委会 and the 主题党日, with its 说明; the 工委 then finds
    a 支委会 not held."""
    service = CollectionService(county.db.session_factory, today=lambda: TODAY)
    files = {p.name: p for p in service.send(2026, 11, tmp_path / "out").files}
    path = files[f"{FINANCE}2026年11月填报表.xlsx"]
    wb = openpyxl.load_workbook(path)
    ws = wb["自评"]
    for row in range(2, ws.max_row + 1):
        code, points = ws.cell(row=row, column=1).value, ws.cell(row=row, column=4).value
        if code == MEETING:
            ws.cell(row=row, column=7, value=float(points))
            ws.cell(row=row, column=8, value="各支部均按月召开支委会")
        elif code == THEME_DAY:
            ws.cell(row=row, column=7, value=float(points))
    wb.save(path)
    [outcome] = service.receive(2026, 11, [path]).files
    assert outcome.outcome == "已收回", outcome.reasons
    sc = county.scoring
    period = sc.find_month(2026, 11)
    sheet = next(sh.id for sh in sc.sheets(period.id) if sh.unit_id == county.unit(FINANCE))
    item = next(i for i in sc.form(sheet).items if i.indicator.code == MEETING)
    sc.add_deduction(item.id, OccurrenceInput("第一支部11月未召开支委会", 1, evidence_note="支委会记录本"))
    return period.id, sheet


def test_the_form_shows_the_self_assessment_beside_the_review(county, returned, qapp):
    _period, sheet = returned
    model = ItemTableModel()
    model.load(county.scoring.form(sheet))
    assert model.headerData(ItemCol.SELF_NOTE, Qt.Orientation.Horizontal) == "自评说明"
    rows = {model.row_at(r).indicator.code: r for r in range(model.rowCount())}
    meeting, theme = rows[MEETING], rows[THEME_DAY]
    assert model.index(meeting, ItemCol.SELF_NOTE).data() == "各支部均按月召开支委会"
    assert model.index(meeting, ItemCol.SELF).data(Qt.ItemDataRole.BackgroundRole) == SELF_DIFFERS
    assert model.index(meeting, ItemCol.REVIEW).data(Qt.ItemDataRole.BackgroundRole) == SELF_DIFFERS
    assert "相差" in model.index(meeting, ItemCol.SELF).data(Qt.ItemDataRole.ToolTipRole)
    # full marks claimed and given: not highlighted
    assert model.index(theme, ItemCol.SELF).data(Qt.ItemDataRole.BackgroundRole) is None


def test_the_feedback_sheet_lists_the_differences_with_the_reason(county, returned, tmp_path):
    period, _sheet = returned
    for sh in county.scoring.sheets(period):
        county.scoring.set_reviewed(sh.id, True)
    bulletins = BulletinService(county.db.session_factory, actor="张敏", today=lambda: TODAY)
    [content] = bulletins.feedback_contents(2026, 11, unit_ids=[county.unit(FINANCE)])
    [diff] = content.differences
    assert diff.reason == "第一支部11月未召开支委会" and diff.self_note == "各支部均按月召开支委会"
    assert diff.self_score > diff.review_score
    [path] = bulletins.write_feedback(2026, 11, tmp_path, unit_ids=[county.unit(FINANCE)])
    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "自评与复核得分不一致的指标（共1项）" in text
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert any("第一支部11月未召开支委会（单位说明：各支部均按月召开支委会）" in c for c in cells)
    check_gongwen(path.read_bytes(), tmp_path, name="feedback.docx")
    others = bulletins.feedback_contents(2026, 11, unit_ids=[county.unit("县教育局")])
    assert others[0].differences == ()
