"""A mask that cannot be undone: given everything a masked view shows of a person (the masked 身份证号, sex,
birth and joining month, 转正 month and extension in the export…), at least 1,000 valid numbers remain, and at
least 1,000 phone numbers.  Counted for the worst case, an attacker who knows the person's 6-digit region code,
and with the register's own rules an attacker would use (入党时应年满18周岁, 转正 after the probation).

Proved over the whole demo county (the member page's displayed cells, the default export read back with
openpyxl) and over generated people (hypothesis).  The documents the app writes name members but carry none of
their personal data: no report module reads those fields."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dbkit
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from app.db import Database
from app.demo import county as demo
from app.demo.county import build_demo
from app.models import Gender, Member, MemberStatus, PartyOrg
from app.services.excel_io import _member_row_values, export_register
from app.services.idcard import (
    count_ids,
    count_phones,
    latest_birth,
    make_id,
    mask_id,
    mask_phone,
    shown_date_range,
)
from app.services.opening import open_database
from app.services.register import MemberRow, RegisterService, _member_row
from app.ui.member_page import Col, MemberTableModel, _cell

DEMO_TODAY = dt.date(2026, 12, 21)
PROBATION_MONTHS = 12  # the register's setting in the demo county (member.probation_months)
AT_LEAST = 1000


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = open_database(dbkit.KIT.new(tmp_path_factory.mktemp("mask"), "demo"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo, "EXTENSION_MODULES", ())  # the register is what the views show
        build_demo(database, "small", seed=3, today=DEMO_TODAY)
    yield database
    database.close()


@pytest.fixture(scope="module")
def people(county: Database) -> dict[int, Member]:
    with county.session() as s:
        members = list(s.scalars(select(Member).where(Member.left_on.is_(None))))
        s.expunge_all()
    return {m.id: m for m in members}


# --- what an attacker can tell from a view ---------------------------------------------------------------------


def ids_left(shown_id: str, gender: str, birth: Any, joined: Any, full: Any, extension: int | None,
             region: str, today: dt.date) -> int:
    """Valid numbers agreeing with a view's fields, for an attacker who knows the region code."""
    born = shown_date_range(birth) or (dt.date(1900, 1, 1), today)
    latest = latest_birth(shown_date_range(joined), shown_date_range(full), PROBATION_MONTHS + (extension or 0))
    last = min(born[1], today, latest or today)
    return count_ids(shown_id, (born[0], last), gender or None, [region])


def phones_left(shown: str, true: str) -> int:
    assert len(shown) == len(true) and all(a in ("*", b) for a, b in zip(shown, true, strict=True))
    return count_phones(shown)


def _agrees(shown: str, number: str) -> bool:
    return len(shown) == len(number) and all(a in ("*", b) for a, b in zip(shown, number, strict=True))


# --- the demo county -------------------------------------------------------------------------------------------


def test_demo_county_is_the_one_the_attack_rebuilt(people: dict[int, Member]) -> None:
    with_ids = [m for m in people.values() if m.id_number]
    assert len(with_ids) >= 1000
    # The old mask (region + last four) beside the birth date and sex left exactly one number for everyone.
    m = with_ids[0]
    old = m.id_number[:6] + "********" + m.id_number[-4:]
    assert ids_left(old, m.gender.label, m.birth_date, None, None, None, m.id_number[:6], DEMO_TODAY) == 1


def test_member_page_leaves_a_thousand_numbers_for_everyone(qapp: Any, county: Database,
                                                            people: dict[int, Member]) -> None:
    model = MemberTableModel(RegisterService(county.session_factory))
    model.reload()
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == len(people)
    seen = 0
    for r in range(model.rowCount()):
        cells = {c: model.data(model.index(r, c)) for c in Col}
        m = people[model.member_id(r)]  # type: ignore[index]
        assert cells[Col.BIRTH] == (f"{m.birth_date.year}年{m.birth_date.month}月" if m.birth_date else "")
        if m.id_number:
            assert _agrees(cells[Col.ID_NUMBER], m.id_number)
            left = ids_left(cells[Col.ID_NUMBER], cells[Col.GENDER], cells[Col.BIRTH], cells[Col.JOINED], None,
                            None, m.id_number[:6], DEMO_TODAY)
            assert left >= AT_LEAST, (m.name, cells)
            seen += 1
        if m.phone:
            assert phones_left(cells[Col.PHONE], m.phone) >= AT_LEAST, (m.name, cells[Col.PHONE])
    assert seen >= 1000


def test_masked_export_leaves_a_thousand_numbers_for_everyone(county: Database, people: dict[int, Member],
                                                              tmp_path: Path) -> None:
    out = tmp_path / "党员.xlsx"
    export_register(county.session_factory, out)
    ws = load_workbook(out, read_only=True)["党员"]
    rows = ws.iter_rows(values_only=True)
    headers = list(next(rows))
    col = {h: headers.index(h) for h in headers}
    by_key: dict[tuple[str, str], list[Member]] = {}
    with county.session() as s:
        org_of = dict(s.execute(select(PartyOrg.id, PartyOrg.name)).all())
    for m in people.values():
        by_key.setdefault((m.name, org_of[m.org_id]), []).append(m)
    checked = 0
    for row in rows:
        shown_id = row[col["公民身份号码"]] or ""
        matches = [m for m in by_key[(row[col["姓名"]], row[col["所在党组织"]])]
                   if mask_id(m.id_number) == shown_id]
        assert matches, row
        for m in matches:  # namesakes in one organisation: every one of them must stay hidden
            for key in ("出生日期", "入党日期", "转正日期"):
                assert row[col[key]] is None or isinstance(row[col[key]], str) and row[col[key]].endswith("-**")
            if m.id_number:
                left = ids_left(shown_id, row[col["性别"]], row[col["出生日期"]], row[col["入党日期"]],
                                row[col["转正日期"]], row[col["延长预备期（月）"]], m.id_number[:6], DEMO_TODAY)
                assert left >= AT_LEAST, (m.name, row)
                checked += 1
            if m.phone:
                assert phones_left(row[col["联系电话"]], m.phone) >= AT_LEAST
    assert checked >= 1000
    every_cell = {str(c) for ws in load_workbook(out, read_only=True).worksheets
                  for r in ws.iter_rows(values_only=True) for c in r if c}
    assert not every_cell & {m.id_number for m in people.values() if m.id_number}
    assert not every_cell & {f"{m.birth_date:%Y-%m-%d}" for m in people.values() if m.birth_date}


def test_documents_carry_no_personal_data_of_members() -> None:
    """Documents (通报, 反馈单, packets, 约谈, 述职评议 papers…) name members and units but are built from plain
    data without their 身份证号, birth date or phone: no report module reads those fields.  A document that
    one day needs them must mask them as the list does, and this test is where to prove it."""
    reports = Path(__file__).resolve().parents[1] / "app" / "reports"
    personal = re.compile(r"\b(id_number|id_masked|birth_date|phone|phone_masked)\b|身份证|出生|联系电话|手机")
    found = [f"{p.name}:{i}" for p in sorted(reports.rglob("*.py"))
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if personal.search(line)]
    assert found == []


# --- generated people ------------------------------------------------------------------------------------------

TODAY = dt.date(2026, 12, 21)


@st.composite
def person(draw: st.DrawFn) -> Member:
    region = draw(st.from_regex(r"[1-8][0-9]{5}", fullmatch=True))
    born = draw(st.dates(dt.date(1920, 1, 1), dt.date(TODAY.year - 19, 12, 31)))
    seq = draw(st.integers(0, 999))
    number = make_id(region, born, seq)
    # The register's rules: 18 at joining (hypothesis favours the edge: joined on the 18th birthday).
    earliest = dt.date(born.year + 18, born.month, 28 if (born.month, born.day) == (2, 29) else born.day)
    joined = draw(st.dates(earliest, TODAY))
    extension = draw(st.sampled_from([0, 0, 6, 12]))
    probation_end = _add_months(joined, PROBATION_MONTHS + extension)
    full = draw(st.none() | st.dates(probation_end, max(probation_end, TODAY))) if probation_end <= TODAY else None
    phone = draw(st.from_regex(r"1[3-9][0-9]{9}|0[1-9][0-9]{1,2}-[1-9][0-9]{6,7}", fullmatch=True))
    return Member(
        name="甲", id_number=number, birth_date=born, gender=Gender.MALE if int(number[16]) % 2 else Gender.FEMALE,
        phone=phone, joined_on=joined, full_member_on=full, probation_extension_months=extension or None,
        status=MemberStatus.FULL if full else MemberStatus.PROBATIONARY, org_id=1, is_leader=False,
        community_registered=False,
    )


def _add_months(d: dt.date, months: int) -> dt.date:
    from dateutil.relativedelta import relativedelta

    return d + relativedelta(months=months)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(person())
def test_generated_people_in_the_member_list(m: Member) -> None:
    row: MemberRow = _member_row(m, "某支部", "某单位")
    shown = {c: _cell(row, c) for c in Col}
    assert _agrees(shown[Col.ID_NUMBER], m.id_number)  # type: ignore[arg-type]
    left = ids_left(shown[Col.ID_NUMBER], shown[Col.GENDER], shown[Col.BIRTH], shown[Col.JOINED], None, None,
                    m.id_number[:6], TODAY)  # type: ignore[index]
    assert left >= AT_LEAST
    assert phones_left(shown[Col.PHONE], m.phone) >= AT_LEAST  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(person())
def test_generated_people_in_the_masked_export(m: Member) -> None:
    values = _member_row_values(m, "某支部", "某单位", reveal=False)
    (name, gender, _eth, birth, shown_id, phone, _edu, _unit, _org, _status, joined, full, extension,
     *_rest) = values
    assert _agrees(shown_id, m.id_number)  # type: ignore[arg-type]
    left = ids_left(shown_id, gender, birth, joined, full, extension, m.id_number[:6], TODAY)  # type: ignore[index]
    assert left >= AT_LEAST
    assert phones_left(phone, m.phone) >= AT_LEAST  # type: ignore[arg-type]


@given(st.from_regex(r"[0-9]{0,4}", fullmatch=True))
def test_numbers_too_short_to_be_phones_show_nothing(short: str) -> None:
    assert set(mask_phone(short)) <= {"*"}
