"""Demo steps: a year of organisation-life records with realistic gaps, and 发展党员 at every stage.

Records cover the twelve months before today's month and this month up to today.  Most branches keep the rules;
some are sloppy (meetings skipped, records entered late), a few 党员领导干部 miss their branch's meetings, and
this month's meetings that are still to come are simply not there yet — so the 提醒 dashboard, the compliance
chart and the scoring suggestions all have something true to show.  Data is written with bulk inserts and kept
valid by construction (members of the branch on that day, absences with a reason, 支委会 quorum, 民主评议 grades).
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from dateutil.relativedelta import relativedelta
from sqlalchemy import Table, insert, select

from app import settings as S
from app.dates import cn_date
from app.demo.county import DemoContext, DemoMember, DemoOrg, DemoStep, PeopleFactory
from app.models import Gender, Member, MemberStatus, OrgLifeAttendance, OrgLifeRecord, OrgPost, OrgPostKind
from app.models.orglife import AppraisalGrade, OrgLifeKind
from app.models.recruit import Recruit, RecruitStage, RecruitStageKind, ReviewResult

K = OrgLifeKind
Stage = RecruitStageKind
REASONS = ("出差", "病假", "公务外出", "事假", "参加培训", "下乡驻村")
PLACES = ("党员活动室", "机关会议室", "三楼会议室", "党建活动中心", "红色教育基地")
TOPICS: dict[OrgLifeKind, tuple[str, ...]] = {
    K.THEME_DAY: ("重温入党誓词", "学习贯彻党的二十届四中全会精神", "志愿服务进社区", "参观红色教育基地",
                  "“学党章、守党纪”专题学习", "廉政警示教育"),
    K.COMMITTEE_MEETING: ("研究本月党建工作安排", "研究发展党员工作", "研究党费收缴情况", "部署主题党日活动",
                          "研究组织生活会准备工作"),
    K.GROUP_MEETING: ("学习上级文件精神", "交流学习心得", "讨论本组工作", "开展批评与自我批评"),
    K.BRANCH_ASSEMBLY: ("通报季度党建工作", "讨论发展党员", "选举产生出席上级党代会代表", "学习党章党规"),
    K.PARTY_LECTURE: ("坚定理想信念 践行初心使命", "从党史中汲取奋进力量", "深入学习贯彻新思想",
                      "严守纪律规矩 永葆清廉本色"),
    K.LIFE_MEETING: ("年度专题组织生活会",),
    K.DEMOCRATIC_APPRAISAL: ("年度民主评议党员",),
    K.HEART_TALK: ("支委与党员谈心谈话",),
    K.LEADERSHIP_HEARING: ("听取机关党委工作汇报",),
    K.CONTACT_POINT_VISIT: ("到联系点调研指导党建工作",),
    K.THREE_STRONG: ("“三亮三强”主题实践活动",),
    K.COMMUNITY_SERVICE: ("在职党员进社区志愿服务",),
}


Line = tuple[int, bool, str, AppraisalGrade | None]  # member id, present, absence reason, 民主评议 grade


@dataclass
class _Plan:
    """What one step writes: records and their attendance lines, with ids allocated up front."""

    records: list[dict[str, Any]] = field(default_factory=list)
    attendance: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class _Post:
    member_id: int
    kind: OrgPostKind
    start: dt.date
    end: dt.date | None


def _months(today: dt.date) -> list[tuple[int, int]]:
    first = today.replace(day=1) - relativedelta(months=12)
    return [((first + relativedelta(months=i)).year, (first + relativedelta(months=i)).month) for i in range(13)]


def _day(rng: random.Random, year: int, month: int, low: int = 3, high: int = 28) -> dt.date:
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, rng.randint(low, min(high, last)))


class _Writer:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx, self.rng, self.today = ctx, ctx.rng, ctx.today
        self.plan = _Plan()
        self.record_id = ctx.allocate_ids(OrgLifeRecord, 0).start
        self.late_days = int(S.get(ctx.session, S.LATE_RECORD_DAYS))
        self.group_min = int(S.get(ctx.session, S.GROUP_MIN_MEMBERS))
        self.members: dict[int, list[DemoMember]] = defaultdict(list)
        for m in ctx.members:
            self.members[m.org_id].append(m)
        self.posts: dict[int, list[_Post]] = defaultdict(list)
        for org_id, member_id, kind, start, end in ctx.session.execute(
                select(OrgPost.org_id, OrgPost.member_id, OrgPost.kind, OrgPost.start_on, OrgPost.end_on)
                .where(OrgPost.member_id.is_not(None))):
            if member_id is not None:
                self.posts[org_id].append(_Post(member_id, kind, start, end))
        # Most branches keep the rules; some are sloppy.  Fixed per organisation for the whole year.
        self.diligence = {o.id: self.rng.choice((0.98, 0.98, 0.98, 0.95, 0.9, 0.75, 0.55)) for o in ctx.orgs}

    def add(self, kind: OrgLifeKind, held: dt.date, unit_id: int, org: DemoOrg | None,
            people: Sequence[Line], diligence: float,
            lecturer: tuple[str, int | None, bool] = ("", None, False)) -> None:
        if org is not None and held < org.established_on:
            return  # the organisation did not exist yet
        late = self.rng.random() > diligence + (1 - diligence) / 2
        recorded = held + dt.timedelta(days=self.rng.randint(self.late_days + 1, self.late_days + 25) if late
                                       else self.rng.randint(0, 3))
        rid = self.record_id
        self.record_id += 1
        self.plan.records.append({
            "id": rid, "kind": kind, "unit_id": unit_id, "org_id": org.id if org else None, "held_on": held,
            "recorded_on": min(recorded, self.today), "topic": self.rng.choice(TOPICS[kind]),
            "place": self.rng.choice(PLACES), "host": "", "lecturer": lecturer[0], "lecturer_member_id": lecturer[1],
            "lecturer_is_leader": lecturer[2], "content": "", "note": "",
        })
        for member_id, present, reason, grade in people:
            self.plan.attendance.append({"record_id": rid, "member_id": member_id, "present": present,
                                         "absence_reason": reason, "grade": grade})

    def roster(self, org: DemoOrg, on: dt.date) -> list[DemoMember]:
        return [m for m in self.members[org.id] if m.since <= on]

    def committee(self, org: DemoOrg, on: dt.date) -> list[_Post]:
        """Posts held on `on`, one per member (a member holding two posts attends once)."""
        held = {p.member_id: p for p in self.posts[org.id] if p.start <= on and (p.end is None or p.end >= on)}
        return list(held.values())

    def attendance(self, people: list[DemoMember], leader_absence: float = 0.35,
                   grades: bool = False) -> list[Line]:
        out: list[Line] = []
        for m in people:
            away = self.rng.random() < (leader_absence if m.is_leader else 0.06)
            grade = None
            if grades and not away:
                grade = AppraisalGrade.EXCELLENT if self.rng.random() < 0.2 else AppraisalGrade.QUALIFIED
            out.append((m.id, not away, self.rng.choice(REASONS) if away else "", grade))
        return out

    def committee_meeting(self, org: DemoOrg, held: dt.date, diligence: float) -> None:
        posts = self.committee(org, held)
        if len({p.kind for p in posts}) < 3:
            return
        # Keep the quorum: at most (n - 1) // 2 committee members away.
        away = set(self.rng.sample([p.member_id for p in posts], self.rng.randint(0, (len(posts) - 1) // 2)))
        people: list[Line] = [(p.member_id, p.member_id not in away, self.rng.choice(REASONS) if p.member_id in away else "", None)
                  for p in posts]
        self.add(K.COMMITTEE_MEETING, held, org.unit_id, org, people, diligence)

    def branch_month(self, org: DemoOrg, year: int, month: int) -> None:
        rng, d = self.rng, self.diligence[org.id]

        def held(kind_low: int = 3, kind_high: int = 28) -> dt.date | None:
            day = _day(rng, year, month, kind_low, kind_high)
            return day if day <= self.today and rng.random() < d else None

        if (day := held(3, 12)) is not None:
            self.committee_meeting(org, day, d)
        people = self.roster(org, dt.date(year, month, 1))
        if not people:
            return
        if (day := held()) is not None:
            self.add(K.THEME_DAY, day, org.unit_id, org, self.attendance(self.roster(org, day)), d)
        if len(people) >= self.group_min and (day := held()) is not None:
            self.add(K.GROUP_MEETING, day, org.unit_id, org, self.attendance(self.roster(org, day), 0.15), d)
        quarter_month = (month - 1) % 3
        if quarter_month == org.id % 3 and (day := held()) is not None:
            self.add(K.BRANCH_ASSEMBLY, day, org.unit_id, org, self.attendance(self.roster(org, day)), d)
        if quarter_month == (org.id + 1) % 3 and (day := held()) is not None:
            self.lecture(org, day, d, leader=month in (3, 6))
        if month == 12 and (day := held(10, 28)) is not None:
            self.add(K.LIFE_MEETING, day, org.unit_id, org, self.attendance(self.roster(org, day)), d)
            appraisal = day + dt.timedelta(days=1)
            self.add(K.DEMOCRATIC_APPRAISAL, appraisal, org.unit_id, org,
                     self.attendance(self.roster(org, day), grades=True), d)
        if month == 2 + org.id % 9 and (day := held()) is not None:
            talk = self.roster(org, day)[: min(6, len(people))]
            self.add(K.HEART_TALK, day, org.unit_id, org, [(m.id, True, "", None) for m in talk], d)

    def lecture(self, org: DemoOrg, day: dt.date, diligence: float, leader: bool) -> None:
        people = self.roster(org, day)
        secretary = next((p.member_id for p in self.committee(org, day) if p.kind == OrgPostKind.SECRETARY), None)
        by_id = {m.id: m for m in people}
        if leader and secretary in by_id:
            who, is_leader = by_id[secretary], True
        else:
            who = self.rng.choice(people)
            is_leader = who.is_leader or who.id == secretary
        self.add(K.PARTY_LECTURE, day, org.unit_id, org, self.attendance(people), diligence,
                 (who.name, who.id, is_leader))

    def unit_month(self, unit_id: int, year: int, month: int, diligence: float) -> None:
        def maybe(kind: OrgLifeKind, when: bool) -> None:
            day = _day(self.rng, year, month)
            if when and day <= self.today and self.rng.random() < diligence:
                self.add(kind, day, unit_id, None, [], diligence)

        maybe(K.LEADERSHIP_HEARING, month in (6, 12))
        maybe(K.CONTACT_POINT_VISIT, month % 3 == unit_id % 3)
        maybe(K.THREE_STRONG, month == 5 + unit_id % 6)


def step_orglife(ctx: DemoContext) -> None:
    w = _Writer(ctx)
    first_org: dict[int, DemoOrg] = {}
    for o in ctx.orgs:
        first_org.setdefault(o.unit_id, o)
    for year, month in _months(ctx.today):
        ctx.check_cancelled()
        for org in ctx.orgs:
            if org.is_branch:
                w.branch_month(org, year, month)
            elif (day := _day(ctx.rng, year, month, 3, 12)) <= ctx.today and ctx.rng.random() < w.diligence[org.id]:
                w.committee_meeting(org, day, w.diligence[org.id])  # 机关党委 / 党总支 committees meet too
        for unit_id, org in first_org.items():
            w.unit_month(unit_id, year, month, w.diligence[org.id])
    n = len(w.plan.records)
    ctx.allocate_ids(OrgLifeRecord, n)  # keep the context's id counter in step with what was written
    for i in range(0, n, 20_000):
        ctx.session.execute(insert(cast(Table, OrgLifeRecord.__table__)), w.plan.records[i:i + 20_000])
    _insert_attendance(ctx, w.plan.attendance)
    ctx.count("组织生活记录", n)
    ctx.count("组织生活出勤登记", len(w.plan.attendance))


def _insert_attendance(ctx: DemoContext, rows: list[dict[str, Any]]) -> None:
    """~650,000 lines for the large county: straight to the driver's executemany (the statement built from the
    table's own columns; values already in their stored form: booleans, grade labels), a third of the Core path."""
    table = OrgLifeAttendance.__tablename__
    columns = ("record_id", "member_id", "present", "absence_reason", "grade")
    conn = ctx.session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    values = [(r["record_id"], r["member_id"], bool(r["present"]), r["absence_reason"],
               r["grade"].value if r["grade"] is not None else None) for r in rows]
    for i in range(0, len(values), 50_000):
        conn.exec_driver_sql(sql, values[i:i + 50_000])


# ---------------------------------------------------------------------------------------------------------------
# 发展党员


class _Recruits:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx, self.rng, self.today = ctx, ctx.rng, ctx.today
        self.people = PeopleFactory(ctx.rng, ctx.today, ctx.rules)
        self.used = set(ctx.session.scalars(select(Member.id_number).where(Member.id_number.is_not(None))))
        self.next_id = ctx.allocate_ids(Recruit, 0).start
        self.recruits: list[dict[str, Any]] = []
        self.stages: list[dict[str, Any]] = []
        self.branches = [o for o in ctx.orgs if o.is_branch and len([m for m in ctx.members if m.org_id == o.id]) >= 3]
        self.full_by_org: dict[int, list[DemoMember]] = defaultdict(list)
        for m in ctx.members:
            if m.status == MemberStatus.FULL:
                self.full_by_org[m.org_id].append(m)

    def new_person(self) -> tuple[str, Gender, dt.date, str]:
        gender = Gender.FEMALE if self.rng.random() < 0.45 else Gender.MALE
        birth = self.today - dt.timedelta(days=int(self.rng.uniform(24, 35) * 365.25))
        while True:
            number = self.people.id_number(birth, gender)
            if number not in self.used:
                self.used.add(number)
                return self.people.name(gender, birth.year), gender, birth, number

    def add(self, org_id: int, person: tuple[str, Gender, dt.date, str], stage: Stage, dates: dict[str, Any],
            history: list[tuple[Stage, dt.date, str]], member_id: int | None = None) -> None:
        rid = self.next_id
        self.next_id += 1
        name, gender, birth, number = person
        sponsors = [m.id for m in self.full_by_org[org_id] if m.id != member_id][:2]
        row = {
            "id": rid, "org_id": org_id, "name": name, "gender": gender, "birth_date": birth, "id_number": number,
            "phone": "", "education": "大学本科", "position": "科员", "stage": stage, "talked_on": None,
            "activist_on": None, "contacts": "", "candidate_on": None, "review_result": ReviewResult.PENDING,
            "reviewed_on": None, "training_hours": 0, "sponsor1_id": None, "sponsor2_id": None,
            "publicity_from": None, "publicity_to": None, "admitted_on": None, "votes_for": 0, "votes_against": 0,
            "votes_abstain": 0, "approved_on": None, "extension_months": 0, "full_on": None, "member_id": member_id,
            "note": "",
        }
        row.update(dates)
        if row["candidate_on"] is not None and len(sponsors) == 2 and row["admitted_on"] is not None:
            row["sponsor1_id"], row["sponsor2_id"] = sponsors
        if row["activist_on"] is not None:
            row["contacts"] = "、".join(m.name for m in self.full_by_org[org_id][2:4]) or "支部书记"
        self.recruits.append(row)
        for st, on, note in history:
            self.stages.append({"recruit_id": rid, "stage": st, "entered_on": on, "note": note})

    def early_dates(self, activist_on: dt.date) -> dict[str, Any]:
        applied = activist_on - dt.timedelta(days=self.rng.randint(60, 200))
        return {"applied_on": applied, "talked_on": applied + dt.timedelta(days=self.rng.randint(7, 25)),
                "activist_on": activist_on}

    def applicant(self, org_id: int, talked: bool) -> None:
        applied = self.today - dt.timedelta(days=self.rng.randint(35, 50) if not talked else self.rng.randint(5, 60))
        talk = min(applied + dt.timedelta(days=self.rng.randint(5, 25)), self.today) if talked else None
        self.add(org_id, self.new_person(), Stage.APPLICANT, {"applied_on": applied, "talked_on": talk},
                 [(Stage.APPLICANT, applied, "递交入党申请书")])

    def activist(self, org_id: int) -> None:
        on = self.today - dt.timedelta(days=self.rng.randint(60, 330))
        dates = self.early_dates(on)
        self.add(org_id, self.new_person(), Stage.ACTIVIST, dates,
                 [(Stage.APPLICANT, dates["applied_on"], "递交入党申请书"), (Stage.ACTIVIST, on, "")])

    def candidate(self, org_id: int, admitted: bool) -> None:
        cand = self.today - dt.timedelta(days=self.rng.randint(100, 140) if admitted else self.rng.randint(20, 90))
        dates = self.early_dates(cand - relativedelta(months=12) - dt.timedelta(days=self.rng.randint(0, 60)))
        dates.update({"candidate_on": cand, "training_hours": self.rng.choice((24, 28, 32)) if admitted else 16})
        if admitted:
            dates.update({"review_result": ReviewResult.PASSED, "reviewed_on": cand + dt.timedelta(days=20),
                          "publicity_from": cand + dt.timedelta(days=25), "publicity_to": cand + dt.timedelta(days=31),
                          "admitted_on": self.today - dt.timedelta(days=self.rng.randint(60, 85)),
                          "votes_for": max(1, len(self.full_by_org[org_id]) - 1)})
        history = [(Stage.APPLICANT, dates["applied_on"], "递交入党申请书"), (Stage.ACTIVIST, dates["activist_on"], ""),
                   (Stage.CANDIDATE, cand, "")]
        self.add(org_id, self.new_person(), Stage.CANDIDATE, dates, history)

    def from_member(self, m: DemoMember, number: str) -> None:
        """A 预备党员 or recently full 党员 of the register: the pipeline that brought them in."""
        admitted = m.joined_on
        cand = admitted - dt.timedelta(days=self.rng.randint(60, 120))
        dates = self.early_dates(cand - relativedelta(months=12) - dt.timedelta(days=self.rng.randint(10, 90)))
        if dates["applied_on"] < m.birth_date + relativedelta(years=18):
            return
        approved = min(admitted + dt.timedelta(days=self.rng.randint(15, 60)), self.today)
        full = m.status == MemberStatus.FULL
        dates.update({
            "candidate_on": cand, "review_result": ReviewResult.PASSED, "reviewed_on": cand + dt.timedelta(days=20),
            "training_hours": 24, "publicity_from": cand + dt.timedelta(days=30),
            "publicity_to": cand + dt.timedelta(days=36), "admitted_on": admitted, "approved_on": approved,
            "votes_for": max(1, len(self.full_by_org[m.org_id]) - 1), "full_on": m.full_member_on if full else None,
        })
        history = [(Stage.APPLICANT, dates["applied_on"], "递交入党申请书"), (Stage.ACTIVIST, dates["activist_on"], ""),
                   (Stage.CANDIDATE, cand, ""), (Stage.PROBATIONARY, admitted, f"党委{cn_date(approved)}审批")]
        if full and m.full_member_on is not None:
            history.append((Stage.FULL, m.full_member_on, ""))
        self.add(m.org_id, (m.name, m.gender, m.birth_date, number), Stage.FULL if full else Stage.PROBATIONARY,
                 dates, history, m.id)


def step_recruits(ctx: DemoContext) -> None:
    r = _Recruits(ctx)
    if not r.branches:
        return
    per_stage = max(2, len(ctx.units) // 10)
    pick = lambda: ctx.rng.choice(r.branches).id  # noqa: E731
    for i in range(per_stage):
        r.applicant(pick(), talked=i > 0)  # one applicant is still waiting for the talk after a month
        r.activist(pick())
        r.candidate(pick(), admitted=i < max(1, per_stage // 3))
    numbers = dict(ctx.session.execute(select(Member.id, Member.id_number)).all())
    recent = ctx.today - relativedelta(years=3)
    probationary = [m for m in ctx.members if m.status == MemberStatus.PROBATIONARY and numbers.get(m.id)]
    full = [m for m in ctx.members if m.status == MemberStatus.FULL and m.joined_on >= recent and numbers.get(m.id)]
    for m in ctx.rng.sample(probationary, min(per_stage, len(probationary))):
        r.from_member(m, numbers[m.id] or "")
    for m in ctx.rng.sample(full, min(per_stage, len(full))):
        r.from_member(m, numbers[m.id] or "")
    ctx.allocate_ids(Recruit, len(r.recruits))
    ctx.insert_rows(Recruit, r.recruits)
    ctx.insert_rows(RecruitStage, r.stages)
    ctx.count("发展党员记录", len(r.recruits))


DEMO_STEPS: list[DemoStep] = [
    DemoStep("组织生活记录", step_orglife),
    DemoStep("发展党员", step_recruits),
]
