"""The demo county: what it contains, that it obeys the register's rules, determinism, and the `demo` command.

Most tests share one "tiny" county (8 units, 360 members; `size="tiny"` exists for tests) built once per module
with the register steps only; one test runs every step, extension modules included."""

from __future__ import annotations

import datetime as dt
import sys
import types
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import dbkit
import frozen
import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from app.cli import main
from app.db import Database
from app.demo import county as demo
from app.demo.county import DEMO_STEPS, SIZES, DemoContext, DemoStep, DemoSummary, build_demo, demo_steps
from app.errors import DangjianError, OperationCancelled, ValidationError
from app.models import Member, MemberStatus, OrgKind, OrgPost, PartyOrg, Transfer, TransferKind, Unit
from app.services.idcard import id_birth_date, id_gender, id_problem, pinyin_initials
from app.services.opening import open_database
from app.services.register import MemberInput, OrgInput, PostInput, RegisterService

TODAY = frozen.today()


@pytest.fixture
def register_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build the register steps alone (the steps other features add are tested by their owners and below)."""
    monkeypatch.setattr(demo, "EXTENSION_MODULES", ())


@pytest.fixture(scope="module")
def tiny_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, DemoSummary]]:
    database = open_database(dbkit.KIT.new(tmp_path_factory.mktemp("tiny"), "demo"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo, "EXTENSION_MODULES", ())
        summary = build_demo(database, "tiny", seed=7, today=TODAY)
    yield database, summary
    database.close()


@pytest.fixture
def tiny(tiny_build: tuple[Database, DemoSummary]) -> Database:
    return tiny_build[0]


def _count(db: Database, model: type[Any], *where: Any) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _dump(db: Database) -> list[tuple[object, ...]]:
    with db.session() as s:
        rows = s.execute(
            select(Member.name, Member.id_number, Member.joined_on, PartyOrg.name, PartyOrg.term_end)
            .join(PartyOrg, Member.org_id == PartyOrg.id).order_by(Member.id)
        ).all()
        return [tuple(r) for r in rows]


# --- what the county contains -----------------------------------------------------------------------------------


def test_tiny_county_has_every_kind_of_organisation_and_the_planned_size(
        tiny_build: tuple[Database, DemoSummary]) -> None:
    tiny, summary = tiny_build
    assert _count(tiny, Unit) == SIZES["tiny"].units
    assert _count(tiny, Member, Member.left_on.is_(None)) == SIZES["tiny"].members
    with tiny.session() as s:
        kinds = Counter(s.scalars(select(PartyOrg.kind)))
    assert set(kinds) == set(OrgKind)
    assert summary.counts["单位"] == 8 and summary.counts["在册党员"] == 360
    assert summary.counts["党组织"] == sum(kinds.values())
    assert any("示范县" in line for line in summary.lines())


def test_every_unit_has_an_organisation_or_shares_a_joint_branch(tiny: Database) -> None:
    with tiny.session() as s:
        owners = set(s.scalars(select(PartyOrg.unit_id)))
        joint_notes = list(s.scalars(select(PartyOrg.note).where(PartyOrg.kind == OrgKind.JOINT_BRANCH)))
        for unit in s.scalars(select(Unit)):
            in_joint = any(unit.name in note.removeprefix("联合单位：").split("、") for note in joint_notes)
            assert unit.id in owners or in_joint, unit.name
            assert unit.party_secretary and unit.contact_person and unit.contact_phone


def test_organisation_kinds_follow_the_size_rules(tiny: Database) -> None:
    """≥100 members → 机关党委, ≥50 → 党总支, else 党支部; branches ≤50 members with ≥3 正式党员; a 联合支部
    joins at most 5 units; anything else must be flagged by the register's findings."""
    reg = RegisterService(tiny.session_factory)
    flagged = {(org_id, f.kind) for org_id, _, f in reg.all_findings()}
    with tiny.session() as s:
        orgs = list(s.scalars(select(PartyOrg)))
        active = {o.id: [m for m in o.members if m.left_on is None] for o in orgs}
        for o in orgs:
            if o.parent_id is None and o.kind != OrgKind.JOINT_BRANCH:
                total = sum(len(active[x.id]) for x in orgs if x.unit_id == o.unit_id)
                expected = (OrgKind.ORGAN_COMMITTEE if total >= 100 else
                            OrgKind.GENERAL_BRANCH if total >= 50 else OrgKind.BRANCH)
                assert o.kind == expected, (o.name, total)
            if o.kind in (OrgKind.BRANCH, OrgKind.JOINT_BRANCH):
                full = sum(1 for m in active[o.id] if m.status == MemberStatus.FULL)
                assert full >= 3 or (o.id, "too_few") in flagged, o.name
                assert len(active[o.id]) <= 50 or (o.id, "too_many") in flagged, o.name
            if o.kind == OrgKind.JOINT_BRANCH:
                assert 2 <= len(o.note.removeprefix("联合单位：").split("、")) <= 5


def test_findings_show_overdue_and_ending_terms_and_long_vacancies_but_no_broken_rules(tiny: Database) -> None:
    findings = Counter(f.kind for _, _, f in RegisterService(tiny.session_factory).all_findings())
    assert findings["term_overdue"] >= 1
    assert findings["term_ending"] >= 1
    assert findings["vacancy"] >= 1
    assert not {"too_few", "too_many", "needs_committee"} & set(findings)


def test_committees_follow_the_number_of_full_members(tiny: Database) -> None:
    """A branch with ≥7 正式党员 has a committee (书记, 组织, 宣传, 纪检 …); a smaller one a 书记."""
    with tiny.session() as s:
        for o in s.scalars(select(PartyOrg).where(PartyOrg.kind.in_([OrgKind.BRANCH, OrgKind.JOINT_BRANCH]))):
            full = sum(1 for m in o.members if m.left_on is None and m.status == MemberStatus.FULL)
            current = [p for p in o.posts if p.end_on is None]
            assert len({p.kind for p in current}) == len(current)  # one holder per post
            assert 3 <= len(current) <= 5 if full >= 7 else 1 <= len(current) <= 2, (o.name, full)


def test_vacant_posts_record_their_previous_holder_who_moved_away(tiny: Database) -> None:
    with tiny.session() as s:
        vacancies = list(s.scalars(select(OrgPost).where(OrgPost.member_id.is_(None))))
        assert vacancies
        for v in vacancies:
            before = s.scalars(select(OrgPost).where(OrgPost.org_id == v.org_id, OrgPost.kind == v.kind,
                                                     OrgPost.end_on == v.start_on)).one()
            assert before.member is not None and before.member.left_on == v.start_on


def test_identity_numbers_are_valid_unique_and_match_birth_and_gender(tiny: Database) -> None:
    with tiny.session() as s:
        members = list(s.scalars(select(Member)))
    numbers = [m.id_number for m in members]
    assert None not in numbers and len(set(numbers)) == len(numbers)
    for m in members:
        assert m.id_number is not None
        assert id_problem(m.id_number) is None
        assert m.id_number.startswith("43")
        assert id_birth_date(m.id_number) == m.birth_date
        assert m.gender is not None and id_gender(m.id_number) == m.gender.label
        assert m.name_initials == pinyin_initials(m.name)


def test_membership_dates_are_consistent(tiny: Database) -> None:
    with tiny.session() as s:
        members = list(s.scalars(select(Member)))
    statuses = Counter(m.status for m in members)
    assert statuses[MemberStatus.PROBATIONARY] > 0 and statuses[MemberStatus.FULL] > 0
    for m in members:
        assert m.joined_on is not None and m.birth_date is not None
        assert m.joined_on >= m.birth_date + relativedelta(years=18)
        if m.status == MemberStatus.PROBATIONARY:  # 预备: joined within the last year, not yet 转正
            assert TODAY - dt.timedelta(days=366) <= m.joined_on <= TODAY and m.full_member_on is None
        else:  # 正式: 转正 when the 预备期 (one year, plus any extension) ended
            assert m.full_member_on == m.joined_on + relativedelta(months=12 + m.probation_extension_months)
            assert m.full_member_on <= TODAY
    assert any(m.is_leader for m in members)
    registered = sum(m.community_registered for m in members)
    assert 0.6 * len(members) < registered < len(members)  # most, not all, registered at a community


def test_transfers_tell_a_consistent_story(tiny: Database) -> None:
    """Each member's moves are in date order after joining, and end where the member is now (or left)."""
    with tiny.session() as s:
        moves: dict[int, list[Transfer]] = defaultdict(list)
        for t in s.scalars(select(Transfer).order_by(Transfer.moved_on, Transfer.id)):
            moves[t.member_id].append(t)
        kinds = Counter(t.kind for ts in moves.values() for t in ts)
        # the demo's members move and leave the county; none of them 出党 or 去世
        assert set(kinds) == {TransferKind.INTERNAL, TransferKind.IN, TransferKind.OUT}
        for member_id, ts in moves.items():
            m = s.get(Member, member_id)
            assert m is not None and m.joined_on is not None
            assert ts[0].moved_on >= m.joined_on
            for earlier, later in zip(ts, ts[1:], strict=False):
                assert earlier.to_org_id == later.from_org_id
            last = ts[-1]
            if last.kind == TransferKind.OUT:
                assert m.left_on == last.moved_on and last.external_org
            else:
                assert m.left_on is None and last.to_org_id == m.org_id


def test_generated_records_pass_the_register_validation(tiny: Database) -> None:
    """Every member, organisation and current post, put back through RegisterService's checks, is accepted."""
    reg = RegisterService(tiny.session_factory)
    with tiny.session_factory() as s:
        for m in s.scalars(select(Member)):
            data = MemberInput(**{f.name: getattr(m, f.name) for f in fields(MemberInput)})
            data.id_number = m.id_number or ""
            assert reg.validate_member(s, data, m.id) == [], m.name
        for o in s.scalars(select(PartyOrg)):
            org = OrgInput(**{f.name: getattr(o, f.name) for f in fields(OrgInput)})
            assert reg.validate_org(s, org, o.id) == [], o.name
        for p in s.scalars(select(OrgPost).where(OrgPost.end_on.is_(None))):
            post = PostInput(**{f.name: getattr(p, f.name) for f in fields(PostInput)})
            assert reg.validate_post(s, post, p.id) == [], p.id


def test_search_finds_demo_members_by_initials_unit_and_whole_id(tiny: Database) -> None:
    reg = RegisterService(tiny.session_factory)
    with tiny.session() as s:
        m = s.scalars(select(Member).where(Member.left_on.is_(None), Member.id_number.is_not(None))
                      .order_by(Member.id).limit(1)).one()
        unit_name = m.org.unit.name
    assert m.id in reg.member_ids(m.name_initials)
    assert m.id in reg.member_ids(unit_name)
    assert reg.member_ids(m.id_number) == [m.id]
    # a fragment would let a masked number be read back digit by digit (tests/test_mask_property.py)
    assert m.id not in reg.member_ids(m.id_number[-8:-1])


# --- a small county, the catalogue ------------------------------------------------------------------------------


def test_small_county_builds_quickly_with_realistic_departments(db: Database, register_only: None) -> None:
    summary = build_demo(db, "small", seed=1)
    assert summary.seconds < 20
    assert _count(db, Unit) == 40
    assert _count(db, Member, Member.left_on.is_(None)) == 2000
    with db.session() as s:
        names = set(s.scalars(select(Unit.name)))
        org_count = s.scalar(select(func.count()).select_from(PartyOrg))
    assert {"县发展和改革局", "县财政局", "县委组织部", "县公安局", "县融媒体中心"} <= names
    assert 80 <= (org_count or 0) <= 200
    reg = RegisterService(db.session_factory)
    with db.session_factory() as s:  # a sample of the members through the register's checks
        for m in s.scalars(select(Member).where(Member.id % 13 == 0)):
            data = MemberInput(**{f.name: getattr(m, f.name) for f in fields(MemberInput)})
            data.id_number = m.id_number or ""
            assert reg.validate_member(s, data, m.id) == [], m.name


def test_large_catalogue_has_300_unique_plausible_units() -> None:
    specs = demo._catalogue(SIZES["large"])
    names = [s.name for s in specs]
    assert len(names) == 300 == len(set(names))
    assert {"县疾病预防控制中心", "县人民医院", "县第一中学", "县公路建设养护中心", "县不动产登记中心"} <= set(names)
    assert all(n.startswith(("县", "团县委")) for n in names)


@pytest.mark.parametrize(("name", "title"), [("县财政局", "局长"), ("县委组织部", "部长"), ("县人民医院", "院长"),
                                             ("县人民检察院", "检察长"), ("县公安局城关镇派出所", "所长"),
                                             ("县残联", "理事长"), ("县妇联", "主席"), ("县委办公室", "主任"),
                                             ("县纪委监委", "书记"), ("县第一中学", "校长")])
def test_head_titles(name: str, title: str) -> None:
    assert demo.head_title(name) == title


def test_chinese_ordinals() -> None:
    assert [demo.chinese_number(n) for n in (1, 10, 11, 20, 35)] == ["一", "十", "十一", "二十", "三十五"]


# --- determinism, refusal, cancel, extension ---------------------------------------------------------------------


def test_same_seed_same_county_other_seed_other_county(tmp_path: Path, register_only: None) -> None:
    dumps = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        database = open_database(dbkit.KIT.new(tmp_path, name))
        try:
            build_demo(database, "tiny", seed=seed, today=dt.date(2026, 3, 15))
            dumps.append(_dump(database))
        finally:
            database.close()
    assert dumps[0] == dumps[1]
    assert dumps[0] != dumps[2]


def test_refuses_a_database_that_already_has_data(db: Database, register_only: None) -> None:
    build_demo(db, "tiny", seed=1)
    before = _dump(db)
    with pytest.raises(DangjianError, match="已有单位或党员"):
        build_demo(db, "tiny", seed=2)
    assert _dump(db) == before


def test_unknown_size_is_refused(db: Database) -> None:
    with pytest.raises(ValidationError, match="规模"):
        build_demo(db, "huge")


def test_progress_is_reported_for_every_step(db: Database, register_only: None) -> None:
    seen: list[tuple[int, int, str]] = []
    build_demo(db, "tiny", progress=lambda done, total, text: seen.append((done, total, text)))
    total = len(DEMO_STEPS)
    assert [d for d, _, _ in seen[:total]] == list(range(total))
    assert all(t == total for _, t, _ in seen)
    assert seen[0][2] == "正在生成单位……" and seen[-1] == (total, total, "完成")


def test_cancel_leaves_the_database_untouched(db: Database, register_only: None) -> None:
    asked = []

    def cancelled() -> bool:  # the user presses 取消 while the members are being made
        asked.append(1)
        return len(asked) > 4

    with pytest.raises(OperationCancelled):
        build_demo(db, "small", cancelled=cancelled)
    assert _count(db, Unit) == 0 and _count(db, Member) == 0 and _count(db, PartyOrg) == 0


def test_extension_modules_add_steps_after_the_register(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def extra(ctx: DemoContext) -> None:
        seen["units"] = len(ctx.unit_ids)
        seen["members"] = len(ctx.member_ids)
        ctx.count("额外记录", 3)

    module = types.ModuleType("tests_demo_extension")
    module.DEMO_STEPS = [DemoStep("额外记录", extra)]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tests_demo_extension", module)
    monkeypatch.setattr(demo, "EXTENSION_MODULES", ("tests_demo_missing_feature", "tests_demo_extension"))
    assert [s.label for s in demo_steps()][-1] == "额外记录"
    summary = build_demo(db, "tiny")
    assert seen == {"units": 8, "members": 360}
    assert summary.counts["额外记录"] == 3


def test_all_steps_including_other_features_build_the_tiny_county(db: Database) -> None:
    """The real step list (register plus whatever features have plugged in) runs to the end."""
    summary = build_demo(db, "tiny", seed=3)
    assert [label for label, _ in summary.step_seconds] == [s.label for s in demo_steps()]
    assert _count(db, Member, Member.left_on.is_(None)) == 360


# --- the command ------------------------------------------------------------------------------------------------


def test_demo_command_builds_then_refuses_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        register_only: None) -> None:
    data = tmp_path / "county"
    assert main(["demo", "--data-dir", str(data), "--size", "tiny", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    assert "[1/" in out and "在册党员：360" in out and "dangjian --data-dir" in out

    assert main(["demo", "--data-dir", str(data), "--size", "tiny", "--seed", "9"]) == 2
    err = capsys.readouterr().err
    assert "已有数据" in err and "--force" in err
    database = open_database(data / "dangjian.sqlite3")
    try:
        before = _dump(database)
    finally:
        database.close()

    assert main(["demo", "--data-dir", str(data), "--size", "tiny", "--seed", "9", "--force"]) == 0
    assert "已备份现有数据库" in capsys.readouterr().out
    assert list((data / "backups").glob("*before-demo*"))
    database = open_database(data / "dangjian.sqlite3")
    try:
        after = _dump(database)
        assert _count(database, Member, Member.left_on.is_(None)) == 360
    finally:
        database.close()
    assert after != before  # the county of seed 9 replaced that of seed 4
    assert not list(data.glob("*.demo-new*"))


def test_demo_command_rejects_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--data-dir", str(tmp_path), "--seed", "-1"])
    assert exc.value.code == 2
    assert "种子应为非负整数" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--data-dir", str(tmp_path), "--size", "huge"])
    assert exc.value.code == 2
