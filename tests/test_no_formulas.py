"""No live formulas from data: every workbook the app writes stores text that looks like a formula as text.

A unit, organisation, member, position, note, deduction reason or evidence note such as =HYPERLINK(…) must come
out of the register export (masked and revealed), the import templates, the month's score template, the
organisation-life template and the 述职评议 汇总表 as a string cell (no <f> element in the sheet XML), with the
text intact, and an import of the file must read it back unchanged."""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from scoring_support import make_county
from sqlalchemy import select

from app.errors import ImportFileError, ReportError
from app.models import Member, MemberStatus, OrgKind, PartyOrg, Unit
from app.reports import xlsx_text
from app.reports.annual import ReviewRow, ReviewSummaryContent, build_review_summary_xlsx
from app.services import excel_io, orglife_io, score_io
from app.services.register import MemberInput, OrgInput, RegisterService, UnitInput
from app.services.scoring import OccurrenceInput

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "\t=1"]

_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/")}


def assert_text_only(path: Path, texts: list[str]) -> None:
    """No formula element in any sheet, and each text stored whole in a string cell."""
    xml = sheet_xml(path)
    assert xml
    for name, body in xml.items():
        assert not _FORMULA.search(body.encode()), f"{name} holds a formula"
    everything = "".join(xml.values())
    with zipfile.ZipFile(path) as z:
        if "xl/sharedStrings.xml" in z.namelist():
            everything += z.read("xl/sharedStrings.xml").decode("utf-8")
    everything = html.unescape(everything)
    for text in texts:
        assert text in everything, text
    cells = [c for ws in load_workbook(path).worksheets for row in ws.iter_rows() for c in row]
    found = {c.value: c for c in cells if c.value in texts}
    assert set(found) == set(texts)
    assert all(c.data_type == "s" for c in found.values())
    # and marked as typed with a leading ', so that editing the cell in Excel or WPS does not make it a formula
    assert all(c.quotePrefix for c in found.values() if c.value.startswith(xlsx_text.FORMULA_LEADS))


def stored(text: str) -> str:
    """What the register or scoring service keeps of a typed text (surrounding whitespace is not kept)."""
    return text.strip()


# --- the register: export (masked, revealed) and template ------------------------------------------------------


def register_with(db, text: str) -> None:
    reg = RegisterService(db.session_factory)
    unit = reg.save_unit(UnitInput(text, short_name=text, party_secretary=text, note=text))
    org = reg.save_org(OrgInput(unit, text, OrgKind.BRANCH, term_start=dt.date(2024, 3, 1), note=text))
    # 民族 holds 20 characters (a longer one is refused with its reason): the formula's first 20 are still one
    reg.save_member(MemberInput(org, text, MemberStatus.FULL, ethnicity=text[:20], education="大学本科", position=text,
                                joined_on=dt.date(2010, 7, 1), full_member_on=dt.date(2011, 7, 1),
                                community_name=text, note=text))


def register_state(db) -> list[tuple[str, ...]]:
    with db.session_factory() as s:
        units = [(u.name, u.short_name, u.party_secretary, u.note) for u in s.scalars(select(Unit))]
        orgs = [(o.name, o.note) for o in s.scalars(select(PartyOrg))]
        members = [(m.name, m.ethnicity, m.position, m.community_name, m.note) for m in s.scalars(select(Member))]
    return units + orgs + members


@pytest.mark.parametrize("reveal", [False, True], ids=["masked", "revealed"])
@pytest.mark.parametrize("text", HOSTILE)
def test_register_export_keeps_formula_like_text_as_text(db, tmp_path, monkeypatch, text, reveal):
    register_with(db, text)
    if reveal:
        monkeypatch.setattr(excel_io, "require", lambda _permission: None)  # an administrator's export
    before = register_state(db)
    path = tmp_path / "名册.xlsx"
    excel_io.export_register(db.session_factory, path, reveal=reveal)
    assert_text_only(path, [stored(text)])
    report = excel_io.import_register(db.session_factory, path, dry_run=False)
    assert report.ok, [str(p) for p in report.problems]
    assert (report.created, report.updated) == (0, 0)
    assert register_state(db) == before
    assert all(v in (stored(text), stored(text[:20])) for row in before for v in row)  # 民族: its first 20


def test_register_template_has_no_formula_and_reads_as_headers_only(db, tmp_path):
    path = tmp_path / "模板.xlsx"
    excel_io.write_template(path)
    assert_text_only(path, ["单位名称"])
    with pytest.raises(ImportFileError, match="只有表头"):
        excel_io.import_register(db.session_factory, path, dry_run=True)


# --- the month's score template ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_score_template_keeps_unit_reason_and_evidence_as_text(db, tmp_path, text):
    county = make_county(db, n=2)
    RegisterService(db.session_factory).save_unit(UnitInput(text, sort_order=9))
    pid = county.month()
    sheet = county.scoring.sheets(pid)[-1]
    assert sheet.unit_name == stored(text)
    form = county.scoring.form(sheet.id)
    item = next(i for i in form.items if i.indicator.code == "life.theme_day")
    county.scoring.add_deduction(item.id, OccurrenceInput(text, 1, evidence_note=text))
    path = tmp_path / "评分.xlsx"
    score_io.write_template(db.session_factory, 2026, 3, path)
    assert_text_only(path, [stored(text)])
    wb = load_workbook(path)
    row = [c.value for c in wb[score_io.ROWS_SHEET][2]]
    assert row[0] == row[4] == row[5] == stored(text)
    report = score_io.import_scores(db.session_factory, 2026, 3, path)
    assert report.applied and report.ok and report.updated == 0
    again = county.scoring.form(sheet.id)
    deduction = next(i for i in again.items if i.indicator.code == "life.theme_day").deductions
    assert [(d.reason, d.evidence_note) for d in deduction] == [(stored(text), stored(text))]


# --- organisation life, 述职评议 汇总表 -----------------------------------------------------------------------------


def test_orglife_template_has_no_formula(db, tmp_path):
    path = tmp_path / "组织生活模板.xlsx"
    orglife_io.write_template(path)
    assert_text_only(path, [orglife_io.SHEET.columns[0].header])
    with pytest.raises(ImportFileError, match="没有可导入的数据行"):
        orglife_io.import_orglife(db.session_factory, path, dry_run=True)


@pytest.mark.parametrize("text", HOSTILE)
def test_review_summary_keeps_unit_secretary_and_note_as_text(tmp_path, text):
    row = ReviewRow(text, text, 10, 2, 1, 0, 0, Decimal("76.9"), Decimal("95.2"), Decimal("90.0"), Decimal("91.5"),
                    1, "好", note=text)
    content = ReviewSummaryContent(2026, (row,), dt.date(2027, 1, 20), 13, (40, 30, 30), dt.date(2027, 1, 25),
                                   county="测试县")
    path = tmp_path / "汇总表.xlsx"
    path.write_bytes(build_review_summary_xlsx(content))
    assert_text_only(path, [text])
    values = [c.value for c in load_workbook(path).active[3]]
    assert values.count(text) == 3


# --- the one way out ---------------------------------------------------------------------------------------------


def test_a_writer_that_bypasses_the_helper_is_refused(tmp_path):
    """A formula that reaches the saved file (a write-only row appended without text_cells) stops the save."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("表")
    ws.append(["=1+1"])
    target = tmp_path / "x.xlsx"
    with pytest.raises(ReportError, match="公式"):
        xlsx_text.save_workbook(wb, target)
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_ordinary_and_write_only_cells_are_string_cells(tmp_path):
    wb = Workbook()
    wb.active.append([*HOSTILE, "普通文字", 3])
    stream = Workbook(write_only=True)
    stream.create_sheet("流").append(xlsx_text.text_cells(stream.worksheets[0], HOSTILE))
    for book, name in ((wb, "a.xlsx"), (stream, "b.xlsx")):
        path = xlsx_text.save_workbook(book, tmp_path / name)
        assert_text_only(path, HOSTILE)
        cells = [c for c in load_workbook(path).worksheets[0][1] if c.value in HOSTILE]
        assert all(c.quotePrefix for c in cells)  # kept as text when someone edits the cell in Excel

