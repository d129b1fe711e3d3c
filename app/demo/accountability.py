"""Demo step: a few 问责 decisions (runs after the 约谈 step): a 约谈问责 that followed the latest held 约谈 (of
the person it summoned), a 通报批评 and a 诫勉 of two 支部书记 whose branches kept missing their meetings.

Written through `AccountabilityService` (its rules and audit entries), in the demo's one transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.demo.county import DemoContext, DemoStep
from app.demo.documents import joined_session_factory
from app.models import Interview, Member, OrgKind, OrgPost, OrgPostKind, PartyOrg, Period
from app.models.accountability import AccountabilityKind, PartyPost
from app.services.accountability import (
    AccountabilityInput,
    AccountabilityService,
    interview_choices,
    interview_day,
)

WHO = "机关工委"
BODY = "中共××县直属机关工作委员会"


def step_accountability(ctx: DemoContext) -> None:
    ctx.session.flush()
    factory = joined_session_factory(ctx.session)
    service = AccountabilityService(factory, today=lambda: ctx.today, actor=WHO)
    made = _after_interview(ctx, service) + _branch_secretaries(ctx, service)
    ctx.count("问责记录", made)


def _after_interview(ctx: DemoContext, service: AccountabilityService) -> int:
    latest = ctx.session.execute(select(Interview, Period).join(Period, Period.id == Interview.period_id)
                                 .where(Interview.held.is_(True)).order_by(Period.key.desc(), Interview.id)
                                 .limit(1)).first()
    if latest is None:
        return 0
    interview, period = latest
    held = interview_day(interview, period)
    choice = next(c for c in interview_choices(ctx.session, interview.unit_id) if c.id == interview.id)
    if held is None or not choice.name:
        return 0
    decided = min(held + dt.timedelta(days=7), ctx.today)
    member = choice.member_id if _in_unit(ctx, choice.member_id, interview.unit_id) else None
    if member is None and choice.post != PartyPost.PARTY_GROUP_SECRETARY:
        return 0  # a 机关党委/支部书记 not found in the register: the 工委 would look the person up first
    service.save(AccountabilityInput(
        interview.unit_id, choice.post, AccountabilityKind.ADMONITION_TALK, decided, BODY,
        f"{period.title}党建工作考评排名靠后、问题整改不力，经约谈，对其进行约谈问责，责令限期整改并书面报告整改情况。",
        member_id=member, person_name=choice.name, interview_id=interview.id))
    return 1


def _in_unit(ctx: DemoContext, member_id: int | None, unit_id: int) -> bool:
    if member_id is None:
        return False
    return ctx.session.scalar(select(PartyOrg.unit_id).join(Member, Member.org_id == PartyOrg.id)
                              .where(Member.id == member_id)) == unit_id


def _branch_secretaries(ctx: DemoContext, service: AccountabilityService) -> int:
    """Two current 支部书记 of different units: 通报批评 two months ago, 诫勉 last month."""
    rows = ctx.session.execute(
        select(OrgPost.member_id, PartyOrg.unit_id, Member.name).join(PartyOrg, PartyOrg.id == OrgPost.org_id)
        .join(Member, Member.id == OrgPost.member_id)
        .where(OrgPost.kind == OrgPostKind.SECRETARY, OrgPost.end_on.is_(None), PartyOrg.kind == OrgKind.BRANCH,
               OrgPost.start_on <= ctx.today - dt.timedelta(days=90))
        .order_by(PartyOrg.unit_id.desc(), OrgPost.id)).all()
    seen: set[int] = set()
    made = 0
    plans = [(AccountabilityKind.CIRCULATED, 60, "支部委员会连续三个月未按期召开，组织生活不经常、不认真，予以通报批评。"),
             (AccountabilityKind.ADMONISHMENT, 30, "党员发展工作程序不规范、经督促仍未整改，对其进行诫勉谈话。")]
    for member_id, unit_id, _name in rows:
        if unit_id in seen or made == len(plans):
            continue
        seen.add(unit_id)
        kind, days, decision = plans[made]
        service.save(AccountabilityInput(unit_id, PartyPost.BRANCH_SECRETARY, kind,
                                         ctx.today - dt.timedelta(days=days), BODY, decision, member_id=member_id))
        made += 1
    return made


DEMO_STEPS: list[DemoStep] = [DemoStep("问责记录", step_accountability)]
