"""The 提醒 read in a few queries (issue 14, part 5) give exactly what the straightforward reads gave.

On the tiny demo county and several days: the overdue 整改 items from one narrow query equal those of the full
item views; the 党员领导干部's first meeting per window from one query equal one grouped query per window; the
rules judged without what was met equal the full judgement with what was met left out; and the whole list is
the same, in the same order, as the sum of its sources sorted as the page sorts it."""

from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Iterator

import frozen
import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from app import settings as S
from app.cli import main
from app.db import Database
from app.models import Member, OrgLifeAttendance, OrgLifeRecord, PartyOrg
from app.models.base import iso_text
from app.paths import AppPaths
from app.services import alerts as A
from app.services import compliance as C
from app.services import rectification as R
from app.services.opening import open_database
from app.services.orglife import DUAL_LIFE_KINDS
from app.services.register import RegisterService

pytestmark = pytest.mark.sqlite_only


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    data_dir = tmp_path_factory.mktemp("alerts") / "data"
    assert main(["--data-dir", str(data_dir), "--today", frozen.today().isoformat(), "demo", "--size", "tiny"]) == 0
    db = open_database(AppPaths(data_dir).db_path)
    yield db
    db.close()


def _days() -> list[dt.date]:
    today = frozen.today()
    return [today, today + relativedelta(months=1), today.replace(month=12, day=31),
            today + relativedelta(months=4), today - relativedelta(months=2)]


@pytest.mark.parametrize("day", _days(), ids=str)
def test_overdue_items_as_the_item_views_say(county: Database, day: dt.date) -> None:
    with county.session() as s:
        expected = [(v.id, v.unit, v.unit_id, v.deadline, v.days_overdue, v.stored_status, v.problem)
                    for v in R._item_views(s, day) if v.overdue]
        got = R.overdue_alerts(s, day)
    assert [(a.target_id, a.subject, a.unit_id, a.due) for a in got] == [e[:4] for e in expected]
    for alert, (_id, unit, _u, deadline, late, stored, problem) in zip(got, expected, strict=True):
        short = problem if len(problem) <= 30 else problem[:30] + "…"
        assert alert.message == (f"{unit}：整改事项“{short}”已超过时限{late}天（时限{deadline:%Y-%m-%d}，"
                                 f"{stored.value}）")
        assert alert.kind == "rectification_overdue" and alert.overdue and alert.target == A.RECTIFICATION
    if day == _days()[2]:
        assert expected, "the demo county has overdue 整改 items by the end of the year"


def _reference_leader_attendance(s, windows) -> dict[int, list[tuple[str, int]]]:
    """One grouped query per window (what the 提醒 read before)."""
    out: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for start, end in sorted(windows):
        att = (select(OrgLifeAttendance.member_id, func.min(iso_text(OrgLifeRecord.held_on)),
                      func.min(OrgLifeRecord.id))
               .join(OrgLifeRecord, OrgLifeRecord.id == OrgLifeAttendance.record_id)
               .join(Member, Member.id == OrgLifeAttendance.member_id)
               .where(Member.is_leader.is_(True), Member.left_on.is_(None), OrgLifeAttendance.present.is_(True),
                      OrgLifeRecord.org_id == Member.org_id, OrgLifeRecord.kind.in_(DUAL_LIFE_KINDS),
                      OrgLifeRecord.held_on >= start, OrgLifeRecord.held_on <= end)
               .group_by(OrgLifeAttendance.member_id))
        for member_id, held, rid in s.execute(att):
            out[member_id].append((str(held)[:10], rid))
    return dict(out)


@pytest.mark.parametrize("every", [1, 3, 6, 12])
def test_leaders_first_meetings_per_window_as_one_query_per_window_gave(county: Database, every: int) -> None:
    # The windows of the twelve months up to today's: on 1 January the demo's meetings are all last year's.
    today = frozen.today()
    months = [today.year * 12 + today.month - 1 - back for back in range(12)]
    windows = {C.window_of(m // 12, m % 12 + 1, every) for m in months}
    with county.session() as s:
        c = C._County({}, [], {}, {}, defaultdict(list), defaultdict(list), [], defaultdict(list), [], [])
        C._load_leaders(s, c, windows, None, None)
        expected = _reference_leader_attendance(s, windows)
    assert c.leaders and expected, "the demo county's leaders attend their branches' meetings"
    assert dict(c.leader_attendance) == expected


@pytest.mark.parametrize("day", _days(), ids=str)
def test_judging_only_the_gaps_leaves_out_exactly_what_was_met(county: Database, day: dt.date) -> None:
    with county.session() as s:
        read = S.reader(s)
        loaded = C._load(s, [(day.year, day.month, None)], None, None, read)
        for rule, _ in C._judged(day.year, (day.month, day.month), read, None):
            start, end = C.window_of(day.year, day.month, int(read(rule.every)))
            everything = C._judge(rule, loaded, start, end, read, include_ok=True)
            assert C._judge(rule, loaded, start, end, read, include_ok=False) == [
                f for f in everything if f.status != C.OK]


@pytest.mark.parametrize("day", _days(), ids=str)
def test_the_whole_list_is_its_sources_in_the_pages_order(county: Database, day: dt.date) -> None:
    service = A.AlertService(county.session_factory, today=lambda: day)
    got = service.alerts()
    with county.session() as s:
        parts = (service._register_alerts(day) + A.compliance_alerts(s, day) + A.probation_alerts(s, day)
                 + A.recruit_alerts(s, day) + A.incomplete_member_alerts(s)
                 # every registered source: 整改 (R.overdue_alerts), 关怀帮扶 …
                 + [a for sources in A._SOURCES.values() for source in sources for a in source(s, day)])
    order = {k: i for i, k in enumerate(A.KINDS)}
    assert got == sorted(parts, key=lambda a: (order[a.kind], not a.overdue, a.due or dt.date.max, a.subject))
    assert len(got) > 50 and {a.kind for a in got} >= {"meeting_missing", "rectification_overdue"}


def _reference_compliance_alerts(s, today: dt.date) -> list[A.Alert]:
    """The rules' alerts from the Findings of `evaluate_many`, one Alert per Finding (what the 提醒 read before
    they took the gaps as plain tuples)."""
    read = S.reader(s)
    keep_from = today.replace(day=1) - relativedelta(months=int(read(S.ALERT_GAP_MONTHS)))
    ended: dict[tuple[int, int], set[str]] = defaultdict(set)
    for rule in C.RULES:
        start, _ = C.window_of(today.year, today.month, int(read(rule.every)))
        last = start - dt.timedelta(days=1)
        if last >= keep_from:
            ended[(last.year, last.month)].add(rule.key)
    requests = [(y, m, keys) for (y, m), keys in sorted(ended.items())] + [(today.year, today.month, None)]
    *past, current = C.evaluate_many(s, requests, include_state=True)

    def alert(f: C.Finding, overdue: bool) -> A.Alert:
        if f.rule == C.COMMUNITY_RULE[0]:
            return A.Alert("community_unregistered", f.subject, f.message, None, A.MEMBER, f.member_id or 0,
                           f.unit_id)
        rule = C.RULES_BY_KEY[f.rule]
        label = C.window_label(f.window_start, f.window_end)
        text = f"{label}未{rule.what}" if overdue else f"{label}尚未{rule.what}（{f.window_end:%m月%d日}前）"
        if f.member_id is not None:
            target, target_id = A.MEMBER, f.member_id
        elif f.org_id is not None:
            target, target_id = A.ORG, f.org_id
        else:
            target, target_id = A.UNIT, f.unit_id
        who = f"党员领导干部{f.subject}" if f.member_id is not None else f.subject
        return A.Alert(rule.alert, f.subject, f"{who}：{text}", f.window_end, target, target_id, f.unit_id, overdue)

    return [alert(f, True) for found in past for f in found] + [alert(f, False) for f in current]


@pytest.mark.parametrize("day", _days(), ids=str)
def test_rule_alerts_from_plain_gaps_as_from_the_findings(county: Database, day: dt.date) -> None:
    with county.session() as s:
        got = A.compliance_alerts(s, day)
        expected = _reference_compliance_alerts(s, day)
    assert got == expected
    kinds = {a.kind for a in got}
    assert {"meeting_missing", "community_unregistered"} <= kinds
    assert {a.target for a in got} >= {A.ORG, A.MEMBER}


def _reference_register_alerts(county: Database, day: dt.date) -> list[A.Alert]:
    """Vacancies and terms from every organisation's findings (`all_findings`, as the 组织 page judges them)."""
    findings = RegisterService(county.session_factory, today=lambda: day).all_findings()
    with county.session() as s:
        unit_of = dict(s.execute(select(PartyOrg.id, PartyOrg.unit_id)).all())
    return [A.Alert(f.kind, name, f"{name}：{f.message}", f.due if f.kind != "vacancy" else None, A.ORG, org_id,
                    unit_of.get(org_id), f.kind in ("term_overdue", "vacancy"))
            for org_id, name, f in findings if f.kind in A.REGISTER_KINDS]


@pytest.mark.parametrize("day", _days(), ids=str)
def test_register_alerts_read_narrowly_as_every_organisations_findings(county: Database, day: dt.date) -> None:
    got = A.AlertService(county.session_factory, today=lambda: day)._register_alerts(day)
    assert got == _reference_register_alerts(county, day)
    assert {a.kind for a in got} >= {"vacancy"}


def test_the_cycle_collector_is_left_as_it_was(county: Database) -> None:
    service = A.AlertService(county.session_factory, today=frozen.today)
    assert gc.isenabled()
    expected = service.alerts()
    assert gc.isenabled(), "paused while the list is built, on again after"
    gc.disable()
    try:
        assert service.alerts() == expected
        assert not gc.isenabled(), "a pause that was not the list's own stays"
    finally:
        gc.enable()
