"""Personal data: masked in lists and exports by default; full 身份证号 and phone only for administrators, each
reveal and each export in the audit trail under the logged-in user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from ui_fixtures import ZHANG_ID, Sample, seed_register

from app.db import Database
from app.errors import PermissionDenied
from app.models import AuditEntry, MemberStatus, Role
from app.services import accounts
from app.services.accounts import Actor, acting_as, reveal_member
from app.services.excel_io import export_register
from app.services.idcard import make_id, mask_id
from app.services.register import MemberInput, RegisterService

ADMIN = Actor(1, "admin", "王管理", Role.ADMIN)
ASSESSOR = Actor(2, "li", "李考评", Role.ASSESSOR)
VIEWER = Actor(3, "zhao", "赵查阅", Role.VIEWER)


@pytest.fixture(autouse=True)
def nobody_logged_in() -> Iterator[None]:
    accounts.set_current(None)
    yield
    accounts.set_current(None)


@pytest.fixture
def sample(db: Database) -> Sample:
    return seed_register(RegisterService(db.session_factory))


def trail(db: Database) -> list[AuditEntry]:
    with db.session_factory() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def member_cells(path: Path) -> list[str]:
    wb = load_workbook(path, read_only=True)
    return [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]


@pytest.mark.parametrize("who", [ADMIN, ASSESSOR, VIEWER])
def test_member_lists_are_masked_for_every_role(db: Database, sample: Sample, who: Actor) -> None:
    reg = RegisterService(db.session_factory)
    with acting_as(who):
        row = reg.member_rows([sample.zhang])[0]
    assert ZHANG_ID not in (row.id_masked, row.phone_masked)
    assert row.id_masked.startswith(ZHANG_ID[:2]) and "*" in row.id_masked
    assert row.phone_masked != "13912345678" and "*" in row.phone_masked


def test_administrator_reveals_and_the_reveal_is_audited(db: Database, sample: Sample) -> None:
    with acting_as(ADMIN):
        assert reveal_member(db.session_factory, sample.zhang, "核对档案") == (ZHANG_ID, "13912345678")
    last = trail(db)[-1]
    assert (last.action, last.entity, last.entity_id, last.who, last.reason) == (
        "查看个人信息", "member", sample.zhang, "王管理（admin）", "核对档案")
    assert ZHANG_ID not in (last.old or "") + (last.new or "")  # the trail names the reveal, not the number


@pytest.mark.parametrize("who", [ASSESSOR, VIEWER])
def test_other_roles_cannot_reveal_and_nothing_is_recorded(db: Database, sample: Sample, who: Actor) -> None:
    before = len(trail(db))
    with acting_as(who), pytest.raises(PermissionDenied, match="无权查看完整的身份证号和电话"):
        reveal_member(db.session_factory, sample.zhang)
    assert len(trail(db)) == before


@pytest.mark.parametrize("who", [ADMIN, ASSESSOR, VIEWER])
def test_masked_export_for_every_role_is_audited(db: Database, sample: Sample, tmp_path: Path, who: Actor) -> None:
    out = tmp_path / "名册.xlsx"
    with acting_as(who):
        export_register(db.session_factory, out)
    cells = member_cells(out)
    assert not any(ZHANG_ID in c or "13912345678" in c for c in cells)  # members' 身份证号 and phone
    last = trail(db)[-1]
    assert (last.action, last.who) == ("导出", who.who) and "已打码" in (last.new or "")


def test_full_export_only_for_administrators_and_audited(db: Database, sample: Sample, tmp_path: Path) -> None:
    for who in (ASSESSOR, VIEWER):
        with acting_as(who), pytest.raises(PermissionDenied, match="无权导出完整的身份证号和电话"):
            export_register(db.session_factory, tmp_path / "x.xlsx", reveal=True)
        assert not (tmp_path / "x.xlsx").exists()
    with acting_as(ADMIN):
        export_register(db.session_factory, tmp_path / "full.xlsx", reveal=True)
    assert any(ZHANG_ID in c for c in member_cells(tmp_path / "full.xlsx"))
    last = trail(db)[-1]
    assert (last.action, last.who) == ("导出", "王管理（admin）") and "完整身份证号" in (last.new or "")


def test_restore_only_for_administrators(tmp_path: Path) -> None:
    from app.services.backup import restore_backup

    with acting_as(ASSESSOR), pytest.raises(PermissionDenied, match="无权从备份恢复数据库"):
        restore_backup(tmp_path / "none.sqlite3", tmp_path / "db.sqlite3", tmp_path)


def test_masked_dates_reimport_as_registered_and_an_edited_one_is_refused(db: Database, sample: Sample,
                                                                          tmp_path: Path) -> None:
    """The masked export shows the birth, joining and 转正 dates to the month (the day would narrow the masked
    身份证号 down to a few dozen); importing it back keeps the registered days, a month changed by hand is
    refused with the reason."""
    from app.services.excel_io import import_register

    reg = RegisterService(db.session_factory)
    before = reg.member_input(sample.zhang)
    out = tmp_path / "名册.xlsx"
    export_register(db.session_factory, out)
    wb = load_workbook(out)
    ws = wb["党员"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "张三")
    birth = row[headers.index("出生日期")]
    assert birth.value == f"{before.birth_date:%Y-%m}-**"
    assert f"{before.birth_date:%Y-%m-%d}" not in member_cells(out)
    report = import_register(db.session_factory, out, dry_run=False)
    assert report.ok and report.updated == 0, report.problems
    assert reg.member_input(sample.zhang) == before

    birth.value = f"{before.birth_date.year - 1}-{before.birth_date:%m}-**"
    wb.save(out)
    report = import_register(db.session_factory, out, dry_run=True)
    assert not report.ok
    assert [(p.column, p.message) for p in report.problems] == [
        ("出生日期", "出生日期是打码导出的（日以*代替），与系统中登记的日期对不上；请填写完整日期")]


def _lookalike(number: str, region: str, birth: dt.date) -> str:
    """Another man's number the mask cannot tell from `number`: same province, same check character."""
    other = next(n for seq in range(103, 999, 2) if (n := make_id(region, birth, seq))[-1] == number[-1])
    assert mask_id(other) == mask_id(number) and other != number
    return other


def test_masked_export_of_namesakes_reimports_by_organisation_and_dates(db: Database, sample: Sample,
                                                                        tmp_path: Path) -> None:
    """The mask shows three characters, so namesakes' masked numbers can look alike: the row's organisation and
    masked dates tell them apart; when nothing does, the row is refused and says why."""
    from app.services.excel_io import import_register

    reg = RegisterService(db.session_factory)
    a = make_id("430121", dt.date(1985, 3, 9), 101)
    b = _lookalike(a, "430181", dt.date(1986, 4, 9))
    c = _lookalike(a, "430121", dt.date(1985, 3, 20))
    d = _lookalike(a, "430121", dt.date(1987, 5, 1))
    joined = {"joined_on": dt.date(2010, 7, 1), "full_member_on": dt.date(2011, 7, 1)}
    for org, number in ((sample.finance_branch, a), (sample.edu_branch, b), (sample.finance_branch, c),
                        (sample.finance_branch, d)):
        reg.save_member(MemberInput(org, "孙八", MemberStatus.FULL, id_number=number, **joined))  # type: ignore[arg-type]
    out = tmp_path / "名册.xlsx"
    export_register(db.session_factory, out)
    report = import_register(db.session_factory, out, dry_run=True)
    # b is told apart by its organisation, d by its birth month; a and c share both.
    assert [(p.column, p.message) for p in report.problems] == [
        ("公民身份号码", "身份证号是打码导出的（含*号），系统中有2名同名党员与之相符，无法确定是哪一位；请填写完整的身份证号")] * 2
