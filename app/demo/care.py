"""Demo step: 表彰 of the 七一 each year, and 关怀对象 with their 慰问/帮扶 visits.

表彰: every year whose 七一 has come, 中共{县}委 honours about one member in sixty as 优秀共产党员, one unit in four
names an 优秀党务工作者, and one branch in eight is a 先进基层党组织 (文号 in the county's style); the 机关工委 adds
its own 优秀共产党员 the same day.  关怀对象: about one member in a hundred, each with one or two circumstances and a
line of description, visited every three to five months (a visit at 春节 carries 慰问金, one in 七一 物资, a
talk when the member had a 谈心谈话 that day is linked to that record); the first is left without a visit for
more than the setting's months, so that the 提醒 has one 久未走访 to show.  Bulk inserts, no per-row audit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from app import settings as S
from app.demo.county import DemoContext, DemoMember, DemoStep
from app.models import CareCircumstance, CareSubject, CareVisit, Honor, HonorKind, OrgKind, Unit, VisitForm
from app.models.orglife import OrgLifeAttendance, OrgLifeKind, OrgLifeRecord
from app.services.audit import AuditLog
from app.services.care import HIDDEN, HONOR, SUBJECT, VISIT

C = CareCircumstance
STORIES: dict[CareCircumstance, tuple[str, ...]] = {
    C.HARDSHIP_MEMBER: ("家庭收入低，享受低保", "因病致贫，医疗支出大"),
    C.OVERTIME: ("长期承担专项工作，节假日经常加班", "驻村帮扶，常年不在家"),
    C.FAMILY_BURDEN: ("父母年迈多病，需长期照料", "配偶身患重病，子女尚在读书"),
    C.LIVING_DIFFICULTY: ("房屋受灾，正在修缮", "家人意外受伤，生活困难"),
    C.MENTAL_PRESSURE: ("工作压力大，情绪低落", "家庭变故后思想负担较重"),
    C.VETERAN: ("老党员，身体欠佳，行动不便",),
}
GOODS = ("米、油", "米、油、牛奶", "棉被、米、油", "营养品")


WHO = "机关工委"


def step_care(ctx: DemoContext) -> None:
    county = str(S.get(ctx.session, S.COUNTY_NAME))
    # Each row's 新建 in the trail, as the service writes it (`dangjian audit verify` checks they are there).
    log = AuditLog(ctx.session, WHO, now=lambda: dt.datetime.combine(ctx.today, dt.time(2, 0), dt.timezone.utc))
    _honors(ctx, county, log)
    _subjects(ctx, log)


def _honors(ctx: DemoContext, county: str, log: AuditLog) -> None:
    rng = ctx.rng
    branches = [o for o in ctx.orgs if o.kind in (OrgKind.BRANCH, OrgKind.JOINT_BRANCH) and o.member_ids]
    by_unit: dict[int, list[DemoMember]] = defaultdict(list)
    for m in ctx.members:
        by_unit[m.unit_id].append(m)
    short = county.removesuffix("县")[:2] or "县"
    rows: list[dict[str, Any]] = []
    for year in (ctx.today.year - 1, ctx.today.year):
        day = dt.date(year, 6, 28)
        if day > ctx.today:
            continue
        county_doc = f"{short}发〔{year}〕{rng.randint(8, 30)}号"
        committee_doc = f"{short}直工发〔{year}〕{rng.randint(5, 20)}号"
        full = [m for m in ctx.members if m.full_member_on is not None and m.full_member_on < day]
        picked = rng.sample(full, min(len(full), max(2, len(full) // 60)))
        for i, m in enumerate(picked):
            by_committee = i % 3 == 2  # a third from the 机关工委's own list
            rows.append(_honor(HonorKind.MEMBER, m.unit_id, day, "县直机关工委" if by_committee else "县级",
                               f"中共{county}直属机关工作委员会" if by_committee else f"中共{county}委员会",
                               committee_doc if by_committee else county_doc, member_id=m.id))
        for unit_id in rng.sample(sorted(by_unit), max(1, len(by_unit) // 4)):
            m = rng.choice(by_unit[unit_id])
            rows.append(_honor(HonorKind.WORKER, unit_id, day, "县级", f"中共{county}委员会", county_doc,
                               member_id=m.id))
        for org in rng.sample(branches, min(len(branches), max(1, len(branches) // 8))):
            rows.append(_honor(HonorKind.ORG, org.unit_id, day, "县级", f"中共{county}委员会", county_doc,
                               org_id=org.id))
    names = {m.id: m.name for m in ctx.members} | {-o.id: o.name for o in ctx.orgs}
    for hid, row in zip(ctx.allocate_ids(Honor, len(rows)), rows, strict=True):
        row["id"] = hid
    ctx.insert_rows(Honor, rows)
    for row in rows:
        who = names[row["member_id"]] if row["member_id"] is not None else names[-row["org_id"]]
        log.record("新建", HONOR, row["id"], "", None, f"{row['kind'].label}：{who}；{row['level']}；"
                                                       f"{row['awarded_on']:%Y-%m-%d}；{row['awarded_by']}；{row['doc_number']}")
    ctx.count("表彰", len(rows))


def _honor(kind: HonorKind, unit_id: int, day: dt.date, level: str, by: str, doc: str, *,
           member_id: int | None = None, org_id: int | None = None) -> dict[str, Any]:
    return {"kind": kind, "member_id": member_id, "org_id": org_id, "unit_id": unit_id, "level": level,
            "awarded_on": day, "awarded_by": by, "doc_number": doc, "note": ""}


def _subjects(ctx: DemoContext, log: AuditLog) -> None:
    rng, today = ctx.rng, ctx.today
    months = int(S.get(ctx.session, S.CARE_VISIT_MONTHS))
    chosen = rng.sample(ctx.members, min(len(ctx.members), max(3, len(ctx.members) // 100)))
    secretaries = dict(ctx.session.execute(select(Unit.id, Unit.party_secretary)).all())
    talks = _talks(ctx, [m.id for m in chosen])
    subject_ids = ctx.allocate_ids(CareSubject, len(chosen))
    subjects: list[dict[str, Any]] = []
    visits: list[dict[str, Any]] = []
    used_talks: set[int] = set()
    for n, (sid, m) in enumerate(zip(subject_ids, chosen, strict=True)):
        kinds = rng.sample(sorted(STORIES, key=lambda k: k.value), rng.choice((1, 1, 2)))
        since = today - dt.timedelta(days=rng.randint(300, 700) if n == 0 else rng.randint(40, 700))
        subjects.append({"id": sid, "member_id": m.id, "since": since, "ended_on": None, "end_reason": "",
                         "circumstances": "、".join(k.label for k in kinds),
                         "description": "；".join(rng.choice(STORIES[k]) for k in kinds)})
        # The first is overdue: its visits stop more than `months` months before today.
        last_allowed = today - relativedelta(months=months, days=rng.randint(10, 60)) if n == 0 else today
        day = since + dt.timedelta(days=rng.randint(5, 40))
        visitor = secretaries.get(m.unit_id) or "党组书记"
        while day <= last_allowed:
            forms = [VisitForm.TALK]
            amount, goods = None, ""
            if day.month in (1, 2):
                forms.append(VisitForm.MONEY)
                amount = rng.choice((500, 800, 1000, 2000))
            elif day.month in (6, 7):
                forms.append(VisitForm.GOODS)
                goods = rng.choice(GOODS)
            elif rng.random() < 0.3:
                forms.append(VisitForm.HELP)
            talk = next((t for t in talks.get(m.id, []) if abs((t[1] - day).days) <= 20 and t[0] not in used_talks
                         and since <= t[1] <= last_allowed), None)
            if talk is not None:
                used_talks.add(talk[0])
                day = talk[1]
            visits.append({"subject_id": sid, "visited_on": day, "visitors": f"{visitor}（党组书记）",
                           "forms": "、".join(f.label for f in forms), "amount_yuan": amount, "goods": goods,
                           "talk_record_id": talk[0] if talk else None})
            day += dt.timedelta(days=rng.randint(90, 150))
    ctx.insert_rows(CareSubject, subjects)
    for vid, row in zip(ctx.allocate_ids(CareVisit, len(visits)), visits, strict=True):
        row["id"] = vid
    ctx.insert_rows(CareVisit, visits)
    names = {m.id: m.name for m in chosen}
    for row in subjects:
        log.record("新建", SUBJECT, row["id"], "", None,
                   f"党员：{names[row['member_id']]}；列为关怀对象：{row['since']:%Y-%m-%d}；个人情况：{HIDDEN}")
    for row in visits:
        money = f"；{row['amount_yuan']}元" if row["amount_yuan"] is not None else ""
        log.record("新建", VISIT, row["id"], "", None, f"关怀对象编号{row['subject_id']}；{row['visited_on']:%Y-%m-%d}；"
                                                       f"{row['visitors']}；{row['forms']}{money}")
    ctx.count("关怀对象", len(subjects))
    ctx.count("慰问帮扶走访", len(visits))


def _talks(ctx: DemoContext, member_ids: list[int]) -> dict[int, list[tuple[int, dt.date]]]:
    """The 谈心谈话 records each member attended: (record id, date)."""
    q = (select(OrgLifeAttendance.member_id, OrgLifeRecord.id, OrgLifeRecord.held_on)
         .join(OrgLifeRecord, OrgLifeRecord.id == OrgLifeAttendance.record_id)
         .where(OrgLifeRecord.kind == OrgLifeKind.HEART_TALK, OrgLifeAttendance.present.is_(True),
                OrgLifeAttendance.member_id.in_(member_ids)))
    out: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)
    for mid, rid, held in ctx.session.execute(q):
        out[mid].append((rid, held))
    return out


DEMO_STEPS = [DemoStep("表彰和关怀帮扶", step_care)]
