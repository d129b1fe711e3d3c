"""Demo step: the 党务干部 roster and two years of training.

Each unit gets a 兼职党务干部 from its members (every fourth unit also a 专职党务干部, every sixth an 组织员); the
secretaries and 班子成员 are the post history's.  Training arrives as it does in a county: a few classes a year
(县委组织部's 书记 class in spring, the 机关工委's 党务干部 class in June, two 专题 classes in September), each attended
by many people at once, plus 网络学院 courses that do not count for the minimum.  Most people reach the minimum;
about one in fifteen misses a class and is short of it, so the 提醒 and the tab's highlighting have something true
to show from October.  Only classes already ended on "today" are recorded.  Bulk inserts, no per-row audit: the rows enter the
audit trail with the register's (app.demo.trail, last)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select

from app.demo.county import DemoContext, DemoStep
from app.models import Member, OrgPost, OrgPostKind, PartyOrg
from app.models.party_workers import PartyWorker, TrainingRecord, WorkerRole

SHORT_ONE_IN = 15
ONLINE_ONE_IN = 3


# (course, organiser, (start month, day), days, 学时, concentrated, who: "leaders" | "committee" | "all")
def _courses(county: str) -> list[tuple[str, str, tuple[int, int], int, int, bool, str]]:
    return [
        ("全县基层党组织书记示范培训班", f"中共{county}委组织部", (3, 16), 5, 40, True, "leaders"),
        ("县直机关党务干部业务能力提升培训班", f"中共{county}直属机关工作委员会", (6, 9), 3, 24, True, "workers"),
        ("学习贯彻党的二十届四中全会精神专题培训班", f"中共{county}委党校", (9, 8), 2, 16, True, "all"),
        ("机关党建业务知识专题轮训", f"中共{county}直属机关工作委员会", (9, 22), 2, 16, True, "committee"),
        ("党员教育网络学院在线学习", f"{county}党员教育网络学院", (5, 1), 30, 12, False, "online"),
    ]


def step_party_workers(ctx: DemoContext) -> None:
    from app import settings as S

    county = str(S.get(ctx.session, S.COUNTY_NAME)).removesuffix("县") + "县"
    workers = _workers(ctx)
    people = _people(ctx, workers)
    rows: list[dict[str, Any]] = []
    for year in (ctx.today.year - 1, ctx.today.year):
        for course, organiser, (month, day), days, hours, concentrated, who in _courses(county):
            start = dt.date(year, month, day)
            end = start + dt.timedelta(days=days - 1)
            if end > ctx.today:
                continue
            for (member_id, unit_id, name), (kind, until) in people.items():
                if (until is not None and start > until) or not _attends(ctx, kind, who):
                    continue
                rows.append({"member_id": member_id, "worker_id": None, "unit_id": unit_id, "name": name,
                             "course": course, "organiser": organiser, "start_on": start, "end_on": end,
                             "hours": Decimal(hours), "concentrated": concentrated, "note": ""})
        ctx.check_cancelled()
    for rid, row in zip(ctx.allocate_ids(TrainingRecord, len(rows)), rows, strict=True):
        row["id"] = rid
    ctx.insert_rows(TrainingRecord, rows)
    ctx.count("党务干部（组织员、专兼职）", len(workers))
    ctx.count("培训记录", len(rows))


def _attends(ctx: DemoContext, kind: str, who: str) -> bool:
    """Leaders (书记/副书记): the spring class and the autumn ones (56); other 班子成员: the June class and both
    autumn ones (56); typed 党务干部: June and September (40).  Some miss one and fall short."""
    if who == "online":
        return ctx.rng.randrange(ONLINE_ONE_IN) == 0
    wanted = {"leaders": ("leaders", "all"), "committee": ("workers", "all", "committee"),
              "worker": ("workers", "all")}[kind]
    if who not in wanted:
        return False
    return ctx.rng.randrange(SHORT_ONE_IN * 2) != 0  # each class missed by one in thirty: ~1 in 15 short


def _workers(ctx: DemoContext) -> list[dict[str, Any]]:
    """Typed roster rows: members of the unit who hold no committee post."""
    posted = set(ctx.session.scalars(select(OrgPost.member_id).where(OrgPost.member_id.is_not(None),
                                                                     OrgPost.end_on.is_(None))))
    by_unit: dict[int, list[Any]] = defaultdict(list)
    for m in ctx.members:
        if m.id not in posted:
            by_unit[m.unit_id].append(m)
    rows: list[dict[str, Any]] = []
    for i, unit in enumerate(ctx.units):
        pool = by_unit.get(unit.id, [])
        roles = [WorkerRole.PART_TIME] + ([WorkerRole.FULL_TIME] if i % 4 == 0 else []) \
            + ([WorkerRole.ORGANISER] if i % 6 == 0 else [])
        for role, m in zip(roles, ctx.rng.sample(pool, min(len(roles), len(pool))), strict=False):
            start = max(m.since, ctx.today.replace(year=ctx.today.year - 3, day=1))
            rows.append({"unit_id": unit.id, "role": role, "member_id": m.id, "name": m.name, "start_on": start,
                         "end_on": None, "note": ""})
    for wid, row in zip(ctx.allocate_ids(PartyWorker, len(rows)), rows, strict=True):
        row["id"] = wid
    ctx.insert_rows(PartyWorker, rows)
    return rows


Key = tuple[int, int, str]  # member id, unit id, name


def _people(ctx: DemoContext, workers: list[dict[str, Any]]) -> dict[Key, tuple[str, dt.date | None]]:
    """(member id, unit id, name) → (leaders | committee | worker, the last day in post or in the register),
    for everyone on the roster these two years: nobody is sent to a class after leaving."""
    since = dt.date(ctx.today.year - 1, 1, 1)
    q = (select(OrgPost.member_id, OrgPost.kind, OrgPost.end_on, PartyOrg.unit_id, Member.name, Member.left_on)
         .join(PartyOrg, PartyOrg.id == OrgPost.org_id).join(Member, Member.id == OrgPost.member_id)
         .where(or_(OrgPost.end_on.is_(None), OrgPost.end_on >= since)).order_by(OrgPost.id))
    out: dict[Key, tuple[str, dt.date | None]] = {}
    for member_id, kind, end_on, unit_id, name, left_on in ctx.session.execute(q):
        if member_id is None:  # the query joins Member: never
            continue
        key = (member_id, unit_id, name)
        until = min((d for d in (end_on, left_on) if d is not None), default=None)
        before = out.get(key)
        if before is not None and (before[1] is None or (until is not None and until < before[1])):
            until = before[1]
        leading = kind in (OrgPostKind.SECRETARY, OrgPostKind.DEPUTY_SECRETARY) or (before or ("",))[0] == "leaders"
        out[key] = ("leaders" if leading else "committee", until)
    for w in workers:
        out.setdefault((w["member_id"], w["unit_id"], w["name"]), ("worker", None))
    return out


DEMO_STEPS = [DemoStep("党务干部与培训", step_party_workers)]
