"""发展党员: 入党申请人 → 入党积极分子 → 发展对象 → 预备党员 → 正式党员.

The order and the minimum durations are enforced here (DOMAIN.md; every number a setting): ≥18 at application,
the talk within a month, ≥1 year as 积极分子, 政审 passed, ≥24 学时, two 介绍人 and the 公示 before the 支部大会,
the 党委's approval within 3 months, a 预备期 of one year (extension 6–12 months).  When the 党委 approves, the
党员 is created through `RegisterService.save_member` inside the same transaction, and the recruit keeps the link
and its stage history."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.dates import cn_date
from app.errors import FieldProblem, NotFoundError, ValidationError
from app.models import Gender, Member, MemberStatus, OrgKind, PartyOrg, Unit
from app.models.recruit import Recruit, RecruitStage, RecruitStageKind, ReviewResult
from app.services.idcard import normalise_id, phone_problem
from app.services.register import MemberInput, RegisterService, fill_from_id
from app.services.register_audit import register_work

SessionFactory = Callable[[], Session]
Stage = RecruitStageKind


@dataclass
class RecruitInput:
    """The person and the application (what makes an 入党申请人)."""

    org_id: int
    name: str
    birth_date: dt.date | None
    applied_on: dt.date | None
    id_number: str = ""
    gender: Gender | None = None
    phone: str = ""
    education: str = ""
    position: str = ""
    note: str = ""


@dataclass(frozen=True)
class StageEntry:
    stage: Stage
    entered_on: dt.date
    note: str


@dataclass(frozen=True)
class RecruitRow:
    id: int
    name: str
    org_id: int
    org_name: str
    unit_name: str
    stage: Stage
    since: dt.date
    next_step: str
    member_id: int | None


@dataclass(frozen=True)
class RecruitDetail:
    id: int
    name: str
    org_id: int
    org_name: str
    stage: Stage
    birth_date: dt.date
    applied_on: dt.date
    talked_on: dt.date | None
    activist_on: dt.date | None
    contacts: str
    candidate_on: dt.date | None
    review_result: ReviewResult
    reviewed_on: dt.date | None
    training_hours: int
    sponsors: list[str]
    publicity_from: dt.date | None
    publicity_to: dt.date | None
    admitted_on: dt.date | None
    votes: tuple[int, int, int]
    approved_on: dt.date | None
    extension_months: int
    probation_ends: dt.date | None
    full_on: dt.date | None
    member_id: int | None
    history: list[StageEntry] = field(default_factory=list)


@dataclass(frozen=True)
class RecruitFinding:
    """A 发展党员 time limit due soon or passed (shown as a `recruit_rule` alert)."""

    recruit_id: int
    name: str
    org_id: int
    unit_id: int
    message: str
    due: dt.date
    overdue: bool


class _JoinedSession:
    """Hands RegisterService our open session, so its unit of work (save_member) joins our transaction: the 党员
    and the recruit's new stage are committed together or not at all."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def __enter__(self) -> _JoinedSession:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def begin(self) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def probation_ends(r: Recruit, months: int) -> dt.date | None:
    if r.admitted_on is None:
        return None
    return r.admitted_on + relativedelta(months=months + (r.extension_months or 0))


def _fail(field_: str, message: str) -> None:
    raise ValidationError([FieldProblem(field_, message)])


class RecruitService:
    def __init__(self, session_factory: SessionFactory, today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._today = today

    # --- the application ------------------------------------------------------------------------------------

    def validate(self, s: Session, data: RecruitInput, recruit_id: int | None = None) -> list[FieldProblem]:
        problems: list[FieldProblem] = []

        def bad(f: str, m: str) -> None:
            problems.append(FieldProblem(f, m))

        today = self._today()
        data.name, data.phone, data.education = data.name.strip(), data.phone.strip(), data.education.strip()
        data.position, data.note = data.position.strip(), data.note.strip()
        data.id_number = normalise_id(data.id_number)
        if not data.name:
            bad("name", "姓名不能为空")
        org = s.get(PartyOrg, data.org_id)
        if org is None:
            bad("org_id", "请选择所在党支部")
        elif org.kind not in (OrgKind.BRANCH, OrgKind.JOINT_BRANCH):
            bad("org_id", f"发展党员由党支部负责，{org.name}是{org.kind.label}")
        if data.id_number and fill_from_id(data, bad):
            self._check_duplicate(s, data.id_number, recruit_id, bad)
        if (msg := phone_problem(data.phone)) is not None:
            bad("phone", msg)
        if data.birth_date is None:
            bad("birth_date", "请填写出生日期")
        if data.applied_on is None:
            bad("applied_on", "请填写递交入党申请书日期")
        elif data.applied_on > today:
            bad("applied_on", "递交入党申请书日期不能晚于今天")
        elif data.birth_date is not None:
            min_age = int(S.get(s, S.RECRUIT_MIN_AGE))
            if data.applied_on < data.birth_date + relativedelta(years=min_age):
                age = relativedelta(data.applied_on, data.birth_date).years
                bad("applied_on", f"递交入党申请时应年满{min_age}周岁（{data.name}当时{age}周岁）")
        return problems

    def _check_duplicate(self, s: Session, id_number: str, recruit_id: int | None,
                         bad: Callable[[str, str], None]) -> None:
        other = s.scalar(select(Recruit.name).where(Recruit.id_number == id_number, Recruit.id != (recruit_id or -1)))
        if other is not None:
            bad("id_number", f"身份证号与发展对象名册中的“{other}”重复")
        member = s.scalar(select(Member.name).where(Member.id_number == id_number))
        linked = recruit_id is not None and s.scalar(select(Recruit.member_id).where(Recruit.id == recruit_id))
        if member is not None and not linked:
            bad("id_number", f"身份证号与已登记党员“{member}”重复")

    def create(self, data: RecruitInput) -> int:
        with register_work(self._sf) as s:
            problems = self.validate(s, data)
            if problems:
                raise ValidationError(problems)
            assert data.birth_date is not None and data.applied_on is not None
            r = Recruit(stage=Stage.APPLICANT)
            self._copy(r, data)
            r.stages = [RecruitStage(stage=Stage.APPLICANT, entered_on=data.applied_on, note="递交入党申请书")]
            s.add(r)
            s.flush()
            return r.id

    def update(self, recruit_id: int, data: RecruitInput) -> None:
        """Correct the person's details (the stage dates have their own steps)."""
        with register_work(self._sf) as s:
            r = self._get(s, recruit_id)
            problems = self.validate(s, data, recruit_id)
            if r.member_id is not None and data.org_id != r.org_id:
                problems.append(FieldProblem("org_id", "已接收为党员，变更党组织请使用“组织关系转接”"))
            if data.applied_on and r.talked_on and data.applied_on > r.talked_on:
                problems.append(FieldProblem("applied_on", "申请日期不能晚于谈话日期"))
            if problems:
                raise ValidationError(problems)
            self._copy(r, data)
            if r.stages and r.stages[0].stage == Stage.APPLICANT and data.applied_on:
                r.stages[0].entered_on = data.applied_on

    def _copy(self, r: Recruit, data: RecruitInput) -> None:
        assert data.birth_date is not None and data.applied_on is not None
        r.org_id, r.name, r.birth_date, r.applied_on = data.org_id, data.name, data.birth_date, data.applied_on
        r.id_number, r.gender, r.phone = data.id_number or None, data.gender, data.phone
        r.education, r.position, r.note = data.education, data.position, data.note

    def delete(self, recruit_id: int) -> None:
        with register_work(self._sf) as s:
            r = self._get(s, recruit_id)
            if r.member_id is not None:
                _fail("stage", "已接收为预备党员的，不能删除发展记录")
            s.delete(r)

    # --- the steps ------------------------------------------------------------------------------------------

    def record_talk(self, recruit_id: int, talked_on: dt.date) -> None:
        """党组织派人与申请人谈话: within a month (a setting) of the application."""
        with register_work(self._sf) as s:
            r = self._get(s, recruit_id)
            self._not_future(talked_on, "talked_on", "谈话日期")
            if talked_on < r.applied_on:
                _fail("talked_on", "谈话日期不能早于递交入党申请书日期")
            months = int(S.get(s, S.RECRUIT_TALK_MONTHS))
            deadline = r.applied_on + relativedelta(months=months)
            if talked_on > deadline:
                _fail("talked_on", f"应在收到入党申请书后{months}个月内谈话（最迟{cn_date(deadline)}）")
            r.talked_on = talked_on

    def make_activist(self, recruit_id: int, on: dt.date, contacts: str) -> None:
        with register_work(self._sf) as s:
            r = self._get(s, recruit_id)
            self._expect(r, Stage.APPLICANT, "确定为入党积极分子")
            self._not_future(on, "activist_on", "确定日期")
            contacts = contacts.strip()
            if r.talked_on is None:
                _fail("talked_on", "尚未与申请人谈话，不能确定为入党积极分子")
            assert r.talked_on is not None
            if on < r.talked_on:
                _fail("activist_on", "确定为入党积极分子的日期不能早于谈话日期")
            if not contacts:
                _fail("contacts", "请填写培养联系人（一般为两名正式党员）")
            r.activist_on, r.contacts = on, contacts
            self._enter(r, Stage.ACTIVIST, on, f"培养联系人：{contacts}")

    def make_candidate(self, recruit_id: int, on: dt.date) -> None:
        with register_work(self._sf) as s:
            r = self._get(s, recruit_id)
            self._expect(r, Stage.ACTIVIST, "列为发展对象")
            self._not_future(on, "candidate_on", "确定日期")
            assert r.activist_on is not None
            months = int(S.get(s, S.RECRUIT_ACTIVIST_MONTHS))
            earliest = r.activist_on + relativedelta(months=months)
            if on < earliest:
                _fail("candidate_on", f"入党积极分子培养教育不满{_span(months)}（{cn_date(r.activist_on)}确定），"
                                      f"最早{cn_date(earliest)}方可列为发展对象")
            r.candidate_on = on
            self._enter(r, Stage.CANDIDATE, on, "")

    def record_review(self, recruit_id: int, result: ReviewResult, on: dt.date) -> None:
        """政治审查 result (for a 发展对象)."""
        with register_work(self._sf) as s:
            r = self._get(s, recruit_id)
            self._expect(r, Stage.CANDIDATE, "登记政治审查结论")
            self._not_future(on, "reviewed_on", "政审日期")
            assert r.candidate_on is not None
            if on < r.candidate_on:
                _fail("reviewed_on", "政治审查日期不能早于列为发展对象的日期")
            r.review_result, r.reviewed_on = result, on

    def record_training(self, recruit_id: int, hours: int) -> None:
        with register_work(self._sf) as s:
            r = self._get(s, recruit_id)
            if r.stage not in (Stage.ACTIVIST, Stage.CANDIDATE):
                _fail("training_hours", "集中培训学时只为入党积极分子、发展对象登记")
            if not 0 <= hours <= 1000:
                _fail("training_hours", "培训学时应为0至1000之间的整数")
            r.training_hours = hours

    def set_sponsors(self, recruit_id: int, sponsor1_id: int, sponsor2_id: int) -> None:
        """入党介绍人: two 正式党员 in the register."""
        with register_work(self._sf) as s:
            r = self._get(s, recruit_id)
            self._expect(r, Stage.CANDIDATE, "确定入党介绍人")
            if sponsor1_id == sponsor2_id:
                _fail("sponsors", "入党介绍人应为两名不同的正式党员")
            for mid in (sponsor1_id, sponsor2_id):
                m = s.get(Member, mid)
                if m is None or m.left_on is not None:
                    _fail("sponsors", "入党介绍人须是在册党员")
                elif m.status != MemberStatus.FULL:
                    _fail("sponsors", f"{m.name}是预备党员，不能担任入党介绍人")
            r.sponsor1_id, r.sponsor2_id = sponsor1_id, sponsor2_id

    def record_publicity(self, recruit_id: int, start: dt.date, end: dt.date) -> None:
        with register_work(self._sf) as s:
            r = self._get(s, recruit_id)
            self._expect(r, Stage.CANDIDATE, "登记发展对象公示")
            self._not_future(start, "publicity_from", "公示开始日期")
            days = int(S.get(s, S.RECRUIT_PUBLICITY_DAYS))
            if end < start:
                _fail("publicity_to", "公示结束日期不能早于开始日期")
            if (end - start).days + 1 < days:
                _fail("publicity_to", f"公示期不少于{days}天")
            assert r.candidate_on is not None
            if start < r.candidate_on:
                _fail("publicity_from", "公示开始日期不能早于列为发展对象的日期")
            r.publicity_from, r.publicity_to = start, end

    def admit(self, recruit_id: int, admitted_on: dt.date, votes_for: int, votes_against: int = 0,
              votes_abstain: int = 0) -> None:
        """支部大会 votes to admit the 发展对象 as a 预备党员 (effective when the 党委 approves)."""
        with register_work(self._sf) as s:
            r = self._get(s, recruit_id)
            self._expect(r, Stage.CANDIDATE, "提交支部大会讨论")
            self._not_future(admitted_on, "admitted_on", "支部大会日期")
            problems = self._admission_problems(s, r, admitted_on, votes_for, votes_against, votes_abstain)
            if problems:
                raise ValidationError(problems)
            r.admitted_on = admitted_on
            r.votes_for, r.votes_against, r.votes_abstain = votes_for, votes_against, votes_abstain

    def _admission_problems(self, s: Session, r: Recruit, on: dt.date, yes: int, no: int,
                            abstain: int) -> list[FieldProblem]:
        problems = []

        def bad(f: str, m: str) -> None:
            problems.append(FieldProblem(f, m))

        if r.review_result != ReviewResult.PASSED:
            bad("review_result", "政治审查未通过或尚未审查，不能接收为预备党员")
        hours = int(S.get(s, S.RECRUIT_TRAINING_HOURS))
        if r.training_hours < hours:
            bad("training_hours", f"集中培训{r.training_hours}学时，不足{hours}学时")
        if r.sponsor1_id is None or r.sponsor2_id is None:
            bad("sponsors", "须有两名正式党员作入党介绍人")
        if r.publicity_to is None:
            bad("publicity_to", "发展对象须经公示")
        elif on <= r.publicity_to:
            bad("admitted_on", f"支部大会应在公示期满（{cn_date(r.publicity_to)}）后召开")
        if r.candidate_on is not None and on < r.candidate_on:
            bad("admitted_on", "支部大会日期不能早于列为发展对象的日期")
        if min(yes, no, abstain) < 0:
            bad("votes", "票数不能为负数")
        voters = s.scalar(select(func.count()).select_from(Member).where(
            Member.org_id == r.org_id, Member.status == MemberStatus.FULL, Member.left_on.is_(None))) or 0
        if yes + no + abstain > voters:
            bad("votes", f"票数合计{yes + no + abstain}张，超过支部有表决权的正式党员{voters}名")
        elif yes * 2 <= voters:
            bad("votes", f"赞成票{yes}张，未超过应到会有表决权的正式党员{voters}名的半数，不能接收为预备党员")
        return problems

    def approve(self, recruit_id: int, approved_on: dt.date) -> int:
        """上级党委 approves: the recruit becomes a 预备党员 and the 党员 is created; returns the member id."""
        with register_work(self._sf) as s:
            r = self._get(s, recruit_id)
            self._expect(r, Stage.CANDIDATE, "党委审批")
            self._not_future(approved_on, "approved_on", "审批日期")
            if r.admitted_on is None:
                _fail("admitted_on", "尚未经支部大会讨论通过，不能审批")
            assert r.admitted_on is not None
            if approved_on < r.admitted_on:
                _fail("approved_on", "审批日期不能早于支部大会日期")
            months = int(S.get(s, S.RECRUIT_APPROVAL_MONTHS))
            deadline = r.admitted_on + relativedelta(months=months)
            if approved_on > deadline:
                _fail("approved_on", f"党委应在支部大会后{months}个月内审批（最迟{cn_date(deadline)}）")
            r.approved_on = approved_on
            r.member_id = self._create_member(s, r)
            self._enter(r, Stage.PROBATIONARY, r.admitted_on, f"党委{cn_date(approved_on)}审批，预备期自支部大会之日算起")
            return r.member_id

    def _create_member(self, s: Session, r: Recruit) -> int:
        data = MemberInput(
            r.org_id, r.name, MemberStatus.PROBATIONARY, gender=r.gender, birth_date=r.birth_date,
            id_number=r.id_number or "", phone=r.phone, education=r.education, position=r.position,
            joined_on=r.admitted_on, note=f"由发展党员记录（编号{r.id}）转入",
        )
        joined = cast(Callable[[], Session], lambda: _JoinedSession(s))
        try:
            return RegisterService(joined, self._today).save_member(data)
        except ValidationError as exc:
            raise ValidationError([FieldProblem(p.field, f"登记为党员时：{p.message}") for p in exc.problems]) from exc

    def extend_probation(self, recruit_id: int, months: int) -> None:
        with register_work(self._sf) as s:
            r = self._get(s, recruit_id)
            self._expect(r, Stage.PROBATIONARY, "延长预备期")
            lo, hi = int(S.get(s, S.EXTENSION_MIN_MONTHS)), int(S.get(s, S.EXTENSION_MAX_MONTHS))
            if r.extension_months:
                _fail("extension_months", "预备期只能延长一次")
            if not lo <= months <= hi:
                _fail("extension_months", f"延长预备期应为{lo}至{hi}个月")
            # Decided when the year is up: dated at the original end (or today, if decided early).
            decided = min(self._today(), probation_ends(r, int(S.get(s, S.PROBATION_MONTHS))) or self._today())
            r.extension_months = months
            self._sync_member(s, r, extension=months)
            r.stages.append(RecruitStage(stage=Stage.PROBATIONARY, entered_on=decided, note=f"延长预备期{months}个月"))

    def make_full(self, recruit_id: int, full_on: dt.date) -> None:
        """转正: not before the 预备期 (plus any extension) has run."""
        with register_work(self._sf) as s:
            r = self._get(s, recruit_id)
            self._expect(r, Stage.PROBATIONARY, "转为正式党员")
            self._not_future(full_on, "full_on", "转正日期")
            end = probation_ends(r, int(S.get(s, S.PROBATION_MONTHS)))
            assert end is not None
            if full_on < end:
                _fail("full_on", f"预备期未满，{cn_date(end)}期满后方可转正")
            r.full_on = full_on
            self._sync_member(s, r, full_on=full_on)
            self._enter(r, Stage.FULL, full_on, "")

    def _sync_member(self, s: Session, r: Recruit, *, extension: int | None = None,
                     full_on: dt.date | None = None) -> None:
        if r.member_id is None:
            _fail("member_id", "未找到对应的党员记录")
        assert r.member_id is not None
        reg = RegisterService(cast(Callable[[], Session], lambda: _JoinedSession(s)), self._today)
        data = reg.member_input(r.member_id)
        if extension is not None:
            data.probation_extension_months = extension
        if full_on is not None:
            data.status, data.full_member_on = MemberStatus.FULL, full_on
        reg.save_member(data, r.member_id)

    # --- helpers --------------------------------------------------------------------------------------------

    def _get(self, s: Session, recruit_id: int) -> Recruit:
        r = s.get(Recruit, recruit_id)
        if r is None:
            raise NotFoundError(f"发展党员记录不存在（编号 {recruit_id}）")
        return r

    def _expect(self, r: Recruit, stage: Stage, action: str) -> None:
        if r.stage != stage:
            _fail("stage", f"{r.name}现为{r.stage.label}，只有{stage.label}才能{action}")

    def _not_future(self, day: dt.date, field_: str, label: str) -> None:
        if day > self._today():
            _fail(field_, f"{label}不能晚于今天")

    def _enter(self, r: Recruit, stage: Stage, on: dt.date, note: str) -> None:
        r.stage = stage
        r.stages.append(RecruitStage(stage=stage, entered_on=on, note=note))

    # --- reading --------------------------------------------------------------------------------------------

    def rows(self, stage: Stage | None = None, org_id: int | None = None) -> list[RecruitRow]:
        with self._sf() as s:
            read = S.reader(s)
            q = (select(Recruit, PartyOrg.name, Unit.name).join(PartyOrg, Recruit.org_id == PartyOrg.id)
                 .join(Unit, PartyOrg.unit_id == Unit.id).order_by(Recruit.applied_on, Recruit.id))
            if stage is not None:
                q = q.where(Recruit.stage == stage)
            if org_id is not None:
                q = q.where(Recruit.org_id == org_id)
            return [RecruitRow(r.id, r.name, r.org_id, org, unit, r.stage, _since(r), next_step(r, read), r.member_id)
                    for r, org, unit in s.execute(q)]

    def counts(self) -> dict[Stage, int]:
        with self._sf() as s:
            found = dict(s.execute(select(Recruit.stage, func.count()).group_by(Recruit.stage)).all())
            return {st: int(found.get(st, 0)) for st in Stage}

    def detail(self, recruit_id: int) -> RecruitDetail:
        with self._sf() as s:
            r = self._get(s, recruit_id)
            names = [m.name for m in (s.get(Member, r.sponsor1_id or -1), s.get(Member, r.sponsor2_id or -1)) if m]
            org = s.get(PartyOrg, r.org_id)
            return RecruitDetail(
                r.id, r.name, r.org_id, org.name if org else "", r.stage, r.birth_date, r.applied_on, r.talked_on,
                r.activist_on, r.contacts, r.candidate_on, r.review_result, r.reviewed_on, r.training_hours, names,
                r.publicity_from, r.publicity_to, r.admitted_on, (r.votes_for, r.votes_against, r.votes_abstain),
                r.approved_on, r.extension_months, probation_ends(r, int(S.get(s, S.PROBATION_MONTHS))),
                r.full_on, r.member_id, [StageEntry(h.stage, h.entered_on, h.note) for h in r.stages],
            )

    def recruit_of_member(self, member_id: int) -> int | None:
        """The 发展党员 record a 党员 came from (the history the register keeps)."""
        with self._sf() as s:
            return s.scalar(select(Recruit.id).where(Recruit.member_id == member_id))


def _since(r: Recruit) -> dt.date:
    return r.stages[-1].entered_on if r.stages else r.applied_on


def _span(months: int) -> str:
    return f"{months // 12}年" if months % 12 == 0 else f"{months}个月"


def next_step(r: Recruit, read: Callable[[S.SettingDef], Any]) -> str:
    """What the branch has to do next, with its date (the pipeline page's hint)."""
    if r.stage == Stage.APPLICANT:
        if r.talked_on is None:
            due = r.applied_on + relativedelta(months=int(read(S.RECRUIT_TALK_MONTHS)))
            return f"谈话（{due:%Y-%m-%d}前）"
        return "确定为入党积极分子"
    if r.stage == Stage.ACTIVIST:
        assert r.activist_on is not None
        return f"{r.activist_on + relativedelta(months=int(read(S.RECRUIT_ACTIVIST_MONTHS))):%Y-%m-%d}起可列为发展对象"
    if r.stage == Stage.CANDIDATE:
        if r.admitted_on is not None:
            due = r.admitted_on + relativedelta(months=int(read(S.RECRUIT_APPROVAL_MONTHS)))
            return f"党委审批（{due:%Y-%m-%d}前）"
        return "政审、培训、公示后提交支部大会"
    if r.stage == Stage.PROBATIONARY:
        end = probation_ends(r, int(read(S.PROBATION_MONTHS)))
        return f"{end:%Y-%m-%d}预备期满，讨论转正"
    return ""


def rule_findings(s: Session, today: dt.date) -> list[RecruitFinding]:
    """Time limits of the pipeline that are passed or due within the warning days (one query)."""
    read = S.reader(s)
    warn = dt.timedelta(days=int(read(S.RECRUIT_ALERT_DAYS)))
    talk, approval = int(read(S.RECRUIT_TALK_MONTHS)), int(read(S.RECRUIT_APPROVAL_MONTHS))
    out = []
    q = (select(Recruit.id, Recruit.name, Recruit.org_id, PartyOrg.unit_id, Recruit.stage, Recruit.applied_on,
                Recruit.talked_on, Recruit.admitted_on, Recruit.approved_on)
         .join(PartyOrg, Recruit.org_id == PartyOrg.id)
         .where(Recruit.stage.in_([Stage.APPLICANT, Stage.CANDIDATE])).order_by(Recruit.id))
    for rid, name, org_id, unit_id, stage, applied, talked, admitted, approved in s.execute(q):
        if stage == Stage.APPLICANT and talked is None:
            due = applied + relativedelta(months=talk)
            if today + warn >= due:
                what = f"已超过{talk}个月未谈话" if today > due else "须在期限内谈话"
                out.append(RecruitFinding(rid, name, org_id, unit_id, f"入党申请人{name}{what}（期限{due:%Y-%m-%d}）",
                                          due, today > due))
        if stage == Stage.CANDIDATE and admitted is not None and approved is None:
            due = admitted + relativedelta(months=approval)
            if today + warn >= due:
                what = "已超过审批期限" if today > due else "待党委审批"
                out.append(RecruitFinding(rid, name, org_id, unit_id,
                                          f"{name}经支部大会接收为预备党员，{what}（期限{due:%Y-%m-%d}）", due, today > due))
    return out
