"""激励关怀 in Excel: the 表彰 template and import (row-level errors, all or nothing, twice duplicates nothing), the
exports reopened; the 关怀对象 export without circumstances unless an administrator asks, which is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from ui_fixtures import Sample, seed_register

from app.db import Database
from app.errors import PermissionDenied
from app.models import AuditEntry, CareCircumstance, Role, VisitForm
from app.services import accounts
from app.services.accounts import Actor, acting_as
from app.services.care import CareService, SubjectInput, VisitInput
from app.services.care_io import export_honors, export_subjects, import_honors, write_honor_template
from app.services.register import RegisterService

ADMIN = Actor(1, "admin", "王管理", Role.ADMIN)
ASSESSOR = Actor(2, "li", "李考评", Role.ASSESSOR)
DAY = dt.date(2026, 5, 20)
SECRET = "父亲瘫痪在床，本人独自照料"


@pytest.fixture(autouse=True)
def nobody_logged_in() -> Iterator[None]:
    accounts.set_current(None)
    yield
    accounts.set_current(None)


@pytest.fixture
def sample(db: Database) -> Sample:
    return seed_register(RegisterService(db.session_factory))


def book(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "表彰"
    ws.append(["表彰类别", "姓名或党组织", "单位", "级别", "表彰日期", "授予机关", "文号", "备注"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def cells(path: Path) -> list[list[object]]:
    wb = load_workbook(path, read_only=True)
    try:
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()


def test_template_reopens_with_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    write_honor_template(path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["表彰", "说明"]
    assert [c.value for c in wb["表彰"][1]][:6] == ["表彰类别", "姓名或党组织", "单位", "级别", "表彰日期", "授予机关"]


def test_import_refuses_bad_rows_and_imports_nothing(db: Database, sample: Sample, tmp_path: Path) -> None:
    path = book(tmp_path / "表彰.xlsx", [
        ["优秀共产党员", "张三", "县财政局", "县级", "2026-04-28", "中共示范县委", "示发〔2026〕5号", ""],
        ["优秀党员", "不存在的人", "县财政局", "县级", "2026-04-28", "中共示范县委", "", ""],
        ["先进基层党组织", "没有这个支部", "", "县级", "2026-04-28", "中共示范县委", "", ""],
        ["优秀党务工作者", "李四", "", "县级", "2026-04-28", "", "", ""],
        ["优秀共产党员", "张三", "县财政局", "县级", "2026-04-28", "中共示范县委", "", ""],
        ["最美党员", "王五", "", "县级", "2026-04-28", "中共示范县委", "", ""],
        ["优秀共产党员", "王五", "", "县级", "2099-01-01", "中共示范县委", "", ""],
    ])
    report = import_honors(db.session_factory, path, dry_run=False, today=lambda: DAY)
    by_row = {(p.row, p.column): p.message for p in report.problems}
    assert not report.applied and CareService(db.session_factory).honor_rows() == []
    assert "没有在册党员“不存在的人”" in by_row[(3, "姓名或党组织")]
    assert "不在名册中" in by_row[(4, "姓名或党组织")]
    assert "授予机关" in by_row[(5, "授予机关")]
    assert "与第2行重复" in by_row[(6, "姓名或党组织")]
    assert (7, "表彰类别") in by_row
    assert "不能晚于今天" in by_row[(8, "表彰日期")]
    assert (2, "姓名或党组织") not in by_row


def test_import_then_again_changes_nothing(db: Database, sample: Sample, tmp_path: Path) -> None:
    path = book(tmp_path / "表彰.xlsx", [
        ["优秀共产党员", "张三", "县财政局", "县级", "2026-04-28", "中共示范县委", "示发〔2026〕5号", ""],
        ["优秀党务工作者", "王五", "县教育局", "市级", dt.date(2026, 4, 30), "中共示范市委", "", ""],
        ["先进基层党组织", "中共县财政局机关支部委员会", "", "县级", "2026.4.28", "中共示范县委", "", ""],
    ])
    dry = import_honors(db.session_factory, path, dry_run=True, today=lambda: DAY)
    assert dry.ok and dry.created == 3 and not dry.applied
    assert CareService(db.session_factory).honor_rows() == []
    report = import_honors(db.session_factory, path, dry_run=False, today=lambda: DAY)
    assert report.ok and report.applied and report.created == 3
    again = import_honors(db.session_factory, path, dry_run=False, today=lambda: DAY)
    assert (again.created, again.unchanged) == (0, 3)
    rows = CareService(db.session_factory).honor_rows()
    assert sorted(r.name for r in rows) == ["中共县财政局机关支部委员会", "张三", "王五"]
    out = tmp_path / "导出.xlsx"
    assert export_honors(db.session_factory, out, 2026) == 3
    exported = cells(out)
    assert exported[0][:2] == ["表彰类别", "姓名或党组织"]
    assert ["优秀共产党员", "张三", "县财政局", "县级"] in [r[:4] for r in exported]
    # The export is the template: importing it again changes nothing.
    assert import_honors(db.session_factory, out, dry_run=False, today=lambda: DAY).unchanged == 3


def subject(db: Database, sample: Sample) -> int:
    svc = CareService(db.session_factory, today=lambda: DAY)
    sid = svc.add_subject(SubjectInput(sample.li, dt.date(2026, 1, 5), [CareCircumstance.FAMILY_BURDEN], SECRET))
    svc.save_visit(sid, VisitInput(dt.date(2026, 2, 1), "刘明", [VisitForm.MONEY], amount_yuan=800))
    return sid


def test_default_subject_export_has_no_circumstances(db: Database, sample: Sample, tmp_path: Path) -> None:
    subject(db, sample)
    out = tmp_path / "关怀对象.xlsx"
    with acting_as(ASSESSOR):
        assert export_subjects(db.session_factory, out, today=lambda: DAY) == 1
    text = repr(cells(out))
    assert "李四" in text and SECRET not in text and "家庭负担重" not in text and "关怀原因" not in text


def test_full_subject_export_only_for_administrators_and_audited(db: Database, sample: Sample,
                                                                 tmp_path: Path) -> None:
    subject(db, sample)
    out = tmp_path / "关怀对象（含个人情况）.xlsx"
    with acting_as(ASSESSOR), pytest.raises(PermissionDenied):
        export_subjects(db.session_factory, out, reveal=True, today=lambda: DAY)
    assert not out.exists()
    with acting_as(ADMIN):
        assert export_subjects(db.session_factory, out, reveal=True, today=lambda: DAY) == 1
    rows = cells(out)
    assert rows[0][-2:] == ["关怀原因", "情况说明"] and rows[1][-2:] == ["家庭负担重", SECRET]
    with db.session_factory() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "导出个人情况")).one()
    assert entry.who == ADMIN.who and entry.new == out.name and "1名" in entry.reason


def test_cli_lists_and_exports_without_circumstances(db: Database, sample: Sample, paths, tmp_path: Path,
                                                     capsys) -> None:
    from app.cli import main

    subject(db, sample)
    base = ["--data-dir", str(paths.data_dir)]
    assert main([*base, "care", "list"]) == 0
    printed = capsys.readouterr().out
    assert "李四（县财政局）" in printed and SECRET not in printed and "家庭负担" not in printed
    template = tmp_path / "模板.xlsx"
    assert main([*base, "care", "template", str(template)]) == 0 and template.exists()
    bad = book(tmp_path / "错.xlsx", [["优秀共产党员", "查无此人", "", "县级", "2026-04-28", "县委", "", ""]])
    assert main([*base, "care", "import", str(bad)]) == 1
    assert "第2行" in capsys.readouterr().err
    out = tmp_path / "名单.xlsx"
    assert main([*base, "care", "export", "subjects", str(out)]) == 0
    assert SECRET not in repr(cells(out))
