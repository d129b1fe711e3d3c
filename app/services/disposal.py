"""稳妥处置不合格党员: a 处置 case per member and its steps, in order.

不合格党员处置 (after 民主评议 rated the member 不合格): 限期改正 (支部大会 decision, 上级党组织 approval, a deadline)
→ 恢复合格, or 劝其退党 → 本人退党 or, 劝而不退者, 除名.  失联党员: found out of contact since a day, after the branch
searched for them; past the months of the setting → 停止党籍 (支部大会 + approval) → 恢复党籍 or 除名; 恢复联系
closes a case before that.  停止党籍: a case that starts with that step (e.g. 出国定居 without 保留党籍).

Rules (every caller, form or import): a step needs the one before it, approved by the 上级党组织; dates in order and
none in the future; a 本人退党 or 除名, once approved, takes the member out of the register through
`RegisterService.member_leaves` (出党: the record stays as history) in the same transaction.  Every change is in the
register trail (`register_work`: disposal_case and disposal_step are audited entities)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.dates import cn_date, dot_date
from app.errors import FieldProblem, NotFoundError, ValidationError
from app.models import Member, PartyOrg, TransferKind, Unit
from app.models.disposal import DisposalCase, DisposalKind, DisposalStep, DisposalStepKind
from app.models.orglife import AppraisalGrade, OrgLifeAttendance, OrgLifeKind, OrgLifeRecord
from app.services.recruit import _JoinedSession
from app.services.register import RegisterService
from app.services.register_audit import register_work

if TYPE_CHECKING:
    from app.reports.packet import (
        PacketSection,  # python-docx behind it: the 提醒 load this module at start-up
    )

SessionFactory = Callable[[], Session]
Kind = DisposalKind
Step = DisposalStepKind

# What may follow what: the first step of each kind of case (key None), then each step's successors.
FIRST_STEPS: dict[DisposalKind, tuple[DisposalStepKind, ...]] = {
    Kind.UNQUALIFIED: (Step.CORRECTION,),
    Kind.LOST_CONTACT: (Step.SUSPENDED, Step.CONTACT_REGAINED),
    Kind.SUSPENDED: (Step.SUSPENDED,),
}
NEXT_STEPS: dict[DisposalStepKind, tuple[DisposalStepKind, ...]] = {
    Step.CORRECTION: (Step.RESTORED, Step.PERSUADED),
    Step.PERSUADED: (Step.WITHDRAWN, Step.REMOVED),
    Step.SUSPENDED: (Step.REINSTATED, Step.REMOVED),
}
# Steps that end a case once approved; the two that take the member out of the register.
FINAL_STEPS = frozenset({Step.RESTORED, Step.WITHDRAWN, Step.REMOVED, Step.REINSTATED, Step.CONTACT_REGAINED})
LEAVING_STEPS = frozenset({Step.WITHDRAWN, Step.REMOVED})
# 恢复联系 is a fact the branch records, not a decision: it needs no meeting's approval.
NO_APPROVAL = frozenset({Step.CONTACT_REGAINED})


@dataclass
class CaseInput:
    member_id: int
    kind: DisposalKind
    opened_on: dt.date | None
    appraisal_record_id: int | None = None  # 不合格: the 民主评议 (found from the member's grades when empty)
    lost_since: dt.date | None = None  # 失联党员
    search_efforts: str = ""  # 失联党员
    note: str = ""


@dataclass
class StepInput:
    kind: DisposalStepKind
    decided_on: dt.date | None  # 支部大会
    approved_on: dt.date | None = None  # 上级党组织 (may come later: `approve`)
    deadline: dt.date | None = None  # 限期改正
    note: str = ""


@dataclass(frozen=True)
class Candidate:
    """A member rated 不合格 in a 民主评议 without a case since: the list to decide on."""

    member_id: int
    name: str
    org_name: str
    unit_id: int
    unit_name: str
    record_id: int
    appraised_on: dt.date


@dataclass(frozen=True)
class StepView:
    id: int
    kind: DisposalStepKind
    decided_on: dt.date
    approved_on: dt.date | None
    deadline: dt.date | None
    note: str


@dataclass(frozen=True)
class CaseRow:
    id: int
    member_id: int
    name: str
    org_name: str
    unit_id: int
    unit_name: str
    kind: DisposalKind
    opened_on: dt.date
    stage: str  # the last step (待批准 when its approval is still to come), or 已立案
    next_steps: tuple[DisposalStepKind, ...]
    deadline: dt.date | None  # of a 限期改正 that still awaits the decision
    closed_on: dt.date | None
    outcome: str
    lost_since: dt.date | None = None
    search_efforts: str = ""
    note: str = ""
    appraised_on: dt.date | None = None
    steps: list[StepView] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.closed_on is None

    @property
    def awaiting_approval(self) -> bool:
        return bool(self.steps) and self.steps[-1].approved_on is None and self.steps[-1].kind not in NO_APPROVAL


@dataclass(frozen=True)
class DisposalFinding:
    """What the 提醒 shows: kind (disposal_pending, disposal_overdue, lost_contact_overdue), whom, what, since when."""

    kind: str
    target_id: int  # the member (disposal_pending) or the case
    name: str
    unit_id: int
    message: str
    due: dt.date
    overdue: bool


def _fail(field_: str, message: str) -> None:
    raise ValidationError([FieldProblem(field_, message)])


def allowed_next(kind: DisposalKind, steps: Sequence[DisposalStep | StepView]) -> tuple[DisposalStepKind, ...]:
    """The steps that may be recorded now (none while the last one awaits its approval or once the case ended)."""
    if not steps:
        return FIRST_STEPS[kind]
    last = steps[-1]
    if last.kind in FINAL_STEPS or (last.approved_on is None and last.kind not in NO_APPROVAL):
        return ()
    return NEXT_STEPS.get(last.kind, ())


def _step_view(st: DisposalStep) -> StepView:
    return StepView(st.id, st.kind, st.decided_on, st.approved_on, st.deadline, st.note)


def _stage(steps: Sequence[StepView]) -> str:
    if not steps:
        return "已立案，待支部大会决定"
    last = steps[-1]
    if last.approved_on is None and last.kind not in NO_APPROVAL:
        return f"{last.kind.label}（待上级党组织批准）"
    return last.kind.label


class DisposalService:
    def __init__(self, session_factory: SessionFactory, today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._today = today

    # --- the list to decide on --------------------------------------------------------------------------------

    def candidates(self, unit_id: int | None = None) -> list[Candidate]:
        with self._sf() as s:
            return candidates(s, self._today(), unit_id)

    # --- cases ------------------------------------------------------------------------------------------------

    def open_case(self, data: CaseInput) -> int:
        with register_work(self._sf, reason=f"{data.kind.label}：立案") as s:
            return self.add_case(s, data).id

    def add_case(self, s: Session, data: CaseInput) -> DisposalCase:
        """Check and add a case in the caller's session (the Excel import adds many in one unit of work)."""
        problems = self.validate_case(s, data)
        if problems:
            raise ValidationError(problems)
        assert data.opened_on is not None
        case = DisposalCase(member_id=data.member_id, kind=data.kind, appraisal_record_id=data.appraisal_record_id,
                            opened_on=data.opened_on, lost_since=data.lost_since,
                            search_efforts=data.search_efforts.strip(), note=data.note.strip(), outcome="")
        s.add(case)
        s.flush()
        return case

    def validate_case(self, s: Session, data: CaseInput) -> list[FieldProblem]:
        problems: list[FieldProblem] = []

        def bad(f: str, m: str) -> None:
            problems.append(FieldProblem(f, m))

        today = self._today()
        m = s.get(Member, data.member_id)
        if m is None:
            return [FieldProblem("member_id", "请选择党员")]
        if m.left_on is not None:
            bad("member_id", f"{m.name}已不在党员名册中（{cn_date(m.left_on)}离开）")
        open_case = s.scalar(select(DisposalCase.kind).where(DisposalCase.member_id == m.id,
                                                              DisposalCase.closed_on.is_(None)))
        if open_case is not None:
            bad("member_id", f"{m.name}已有未结案的“{open_case.label}”案件，请在该案件中登记后续步骤")
        if data.opened_on is None:
            bad("opened_on", "请填写启动处置日期")
        elif data.opened_on > today:
            bad("opened_on", "启动处置日期不能晚于今天")
        if data.kind == Kind.UNQUALIFIED:
            self._check_appraisal(s, m, data, bad)
        elif data.appraisal_record_id is not None:
            data.appraisal_record_id = None  # only a 不合格 case comes from a 民主评议
        if data.kind == Kind.LOST_CONTACT:
            if data.lost_since is None:
                bad("lost_since", "请填写失去联系的起始日期")
            elif data.opened_on is not None and data.lost_since > data.opened_on:
                bad("lost_since", "失联起始日期不能晚于启动处置日期")
            if not data.search_efforts.strip():
                bad("search_efforts", "请填写查找情况（通过哪些途径、何时查找）：认定失联须先经查找")
        return problems

    def _check_appraisal(self, s: Session, m: Member, data: CaseInput, bad: Callable[[str, str], None]) -> None:
        q = (select(OrgLifeRecord.id, OrgLifeRecord.held_on)
             .join(OrgLifeAttendance, OrgLifeAttendance.record_id == OrgLifeRecord.id)
             .where(OrgLifeAttendance.member_id == m.id, OrgLifeAttendance.grade == AppraisalGrade.UNQUALIFIED,
                    OrgLifeRecord.kind == OrgLifeKind.DEMOCRATIC_APPRAISAL)
             .order_by(OrgLifeRecord.held_on.desc()))
        graded = dict(s.execute(q).all())
        if data.appraisal_record_id is None and graded:
            data.appraisal_record_id = next(iter(graded))
        if data.appraisal_record_id is None or data.appraisal_record_id not in graded:
            bad("appraisal_record_id", f"{m.name}在民主评议党员中未被评为不合格，不能按不合格党员处置")
            return
        held = graded[data.appraisal_record_id]
        if data.opened_on is not None and data.opened_on < held:
            bad("opened_on", f"启动处置日期不能早于民主评议日期（{cn_date(held)}）")

    # --- steps ------------------------------------------------------------------------------------------------

    def add_step(self, case_id: int, data: StepInput) -> int:
        with register_work(self._sf, reason=f"党员处置：{data.kind.label}") as s:
            return self.record_step(s, case_id, data).id

    def record_step(self, s: Session, case_id: int, data: StepInput) -> DisposalStep:
        case = self._case(s, case_id)
        problems = self.validate_step(s, case, data)
        if problems:
            raise ValidationError(problems)
        assert data.decided_on is not None
        approved = data.approved_on if data.kind not in NO_APPROVAL else None
        st = DisposalStep(kind=data.kind, decided_on=data.decided_on, approved_on=approved,
                          deadline=data.deadline if data.kind == Step.CORRECTION else None, note=data.note.strip())
        case.steps.append(st)
        s.flush()
        self._conclude(s, case, st)
        return st

    def validate_step(self, s: Session, case: DisposalCase, data: StepInput) -> list[FieldProblem]:
        problems: list[FieldProblem] = []

        def bad(f: str, m: str) -> None:
            problems.append(FieldProblem(f, m))

        today = self._today()
        steps = list(case.steps)
        if case.closed_on is not None:
            return [FieldProblem("kind", f"该案件已于{cn_date(case.closed_on)}以“{case.outcome}”结案")]
        allowed = allowed_next(case.kind, steps)
        if data.kind not in allowed:
            return [FieldProblem("kind", _order_message(case.kind, steps, data.kind))]
        if data.decided_on is None:
            bad("decided_on", "请填写恢复联系的日期" if data.kind in NO_APPROVAL else "请填写支部大会决定日期")
            return problems
        earliest, why = self._earliest(s, case, steps, data.kind)
        if data.decided_on > today:
            bad("decided_on", "日期不能晚于今天")
        elif data.decided_on < earliest:
            bad("decided_on", f"日期不能早于{why}（{cn_date(earliest)}）")
        if data.approved_on is not None and data.kind not in NO_APPROVAL:
            if data.approved_on > today:
                bad("approved_on", "上级党组织批准日期不能晚于今天")
            elif data.approved_on < data.decided_on:
                bad("approved_on", "上级党组织批准日期不能早于支部大会决定日期")
        if data.kind == Step.CORRECTION:
            if data.deadline is None:
                bad("deadline", "限期改正须写明改正期限")
            elif data.deadline <= data.decided_on:
                bad("deadline", "改正期限应晚于支部大会决定日期")
        if data.kind in (Step.PERSUADED, Step.WITHDRAWN, Step.REMOVED) and not data.note.strip():
            bad("note", f"请写明{data.kind.label}的事实和理由（记入党员档案）")
        return problems

    def _earliest(self, s: Session, case: DisposalCase, steps: list[DisposalStep],
                  kind: DisposalStepKind) -> tuple[dt.date, str]:
        """The first day a step may be decided on, and what sets it."""
        read = S.reader(s)
        if not steps:
            if kind == Step.SUSPENDED and case.kind == Kind.LOST_CONTACT and case.lost_since is not None:
                months = int(read(S.LOST_CONTACT_MONTHS))
                return case.lost_since + relativedelta(months=months), f"失联满{months}个月之日"
            return case.opened_on, "启动处置日期"
        last = steps[-1]
        assert last.approved_on is not None
        if last.kind == Step.CORRECTION and kind == Step.PERSUADED and last.deadline is not None:
            # 经教育仍无转变: judged when the period given to correct is over (恢复合格 may come as soon as they do).
            return max(last.deadline, last.approved_on), "改正期满之日"
        if last.kind == Step.SUSPENDED and kind == Step.REMOVED:
            months = int(read(S.SUSPENSION_MONTHS))
            return last.approved_on + relativedelta(months=months), f"停止党籍满{months}个月之日"
        return last.approved_on, f"上一步“{last.kind.label}”的批准日期"

    def approve(self, step_id: int, approved_on: dt.date | None) -> None:
        """The 上级党组织's approval of the last step, arrived after it was recorded."""
        with register_work(self._sf, reason="党员处置：上级党组织批准") as s:
            st = s.get(DisposalStep, step_id)
            if st is None:
                raise NotFoundError("处置步骤不存在")
            self.approve_in(s, st, approved_on)

    def approve_in(self, s: Session, st: DisposalStep, approved_on: dt.date | None) -> None:
        """`approve` in the caller's session (the Excel import)."""
        case = st.case
        if st.kind in NO_APPROVAL:
            _fail("approved_on", f"“{st.kind.label}”无需上级党组织批准")
        if st.approved_on is not None:
            _fail("approved_on", f"“{st.kind.label}”已于{cn_date(st.approved_on)}批准")
        if approved_on is None:
            _fail("approved_on", "请填写上级党组织批准日期")
        assert approved_on is not None
        if approved_on > self._today():
            _fail("approved_on", "上级党组织批准日期不能晚于今天")
        if approved_on < st.decided_on:
            _fail("approved_on", f"上级党组织批准日期不能早于支部大会决定日期（{cn_date(st.decided_on)}）")
        st.approved_on = approved_on
        s.flush()
        self._conclude(s, case, st)

    def _conclude(self, s: Session, case: DisposalCase, st: DisposalStep) -> None:
        """A final step, once in force, closes the case; 本人退党 and 除名 take the member out of the register."""
        if st.kind not in FINAL_STEPS:
            return
        on = st.decided_on if st.kind in NO_APPROVAL else st.approved_on
        if on is None:
            return
        case.closed_on, case.outcome = on, st.kind.label
        if st.kind in LEAVING_STEPS:
            reg = RegisterService(cast(SessionFactory, lambda: _JoinedSession(s)), self._today)
            try:
                reg.member_leaves(case.member_id, TransferKind.EXPELLED, on, f"{st.kind.label}（{case.kind.label}）：{st.note}")
            except ValidationError as exc:
                raise ValidationError([FieldProblem(p.field if p.field != "moved_on" else "approved_on",
                                                    f"移出党员名册时：{p.message}") for p in exc.problems]) from exc

    # --- reading ----------------------------------------------------------------------------------------------

    def cases(self, unit_id: int | None = None, open_only: bool = False) -> list[CaseRow]:
        with self._sf() as s:
            return case_rows(s, unit_id=unit_id, open_only=open_only)

    def case(self, case_id: int) -> CaseRow:
        with self._sf() as s:
            rows = case_rows(s, case_ids=[case_id])
            if not rows:
                raise NotFoundError("处置案件不存在")
            return rows[0]

    def _case(self, s: Session, case_id: int) -> DisposalCase:
        case = s.get(DisposalCase, case_id)
        if case is None:
            raise NotFoundError("处置案件不存在")
        return case


def _order_message(kind: DisposalKind, steps: Sequence[DisposalStep], wanted: DisposalStepKind) -> str:
    """Why a step cannot be recorded now, in words."""
    if steps:
        last = steps[-1]
        if last.approved_on is None and last.kind not in NO_APPROVAL:
            return f"上一步“{last.kind.label}”尚未经上级党组织批准，批准后方可登记下一步"
        if last.kind in FINAL_STEPS:
            return f"该案件已以“{last.kind.label}”结束"
    if wanted == Step.REMOVED and kind == Kind.UNQUALIFIED:
        return "除名须在劝其退党之后（劝而不退者除名）"
    allowed = allowed_next(kind, steps)
    before = f"“{steps[-1].kind.label}”之后" if steps else f"{kind.label}的第一步"
    return f"{before}应为{'或'.join(f'“{a.label}”' for a in allowed)}，不能登记“{wanted.label}”"


# ---------------------------------------------------------------------------------------------------------------
# queries shared by the page, the alerts, the workbook and the packet


def candidates(s: Session, today: dt.date, unit_id: int | None = None) -> list[Candidate]:
    """Members in the register rated 不合格 in a 民主评议 of the last months (a setting) with no 不合格 case opened
    since that 民主评议 (the latest such rating of each member counts)."""
    since = today - relativedelta(months=int(S.get(s, S.DISPOSAL_LOOKBACK_MONTHS)))
    q = (select(Member.id, Member.name, PartyOrg.name, Unit.id, Unit.name, OrgLifeRecord.id, OrgLifeRecord.held_on)
         .join(OrgLifeAttendance, OrgLifeAttendance.record_id == OrgLifeRecord.id)
         .join(Member, Member.id == OrgLifeAttendance.member_id)
         .join(PartyOrg, PartyOrg.id == Member.org_id)
         .join(Unit, Unit.id == PartyOrg.unit_id)
         .where(OrgLifeRecord.kind == OrgLifeKind.DEMOCRATIC_APPRAISAL, OrgLifeRecord.held_on >= since,
                OrgLifeRecord.held_on <= today, OrgLifeAttendance.grade == AppraisalGrade.UNQUALIFIED,
                Member.left_on.is_(None))
         .order_by(OrgLifeRecord.held_on.desc(), Member.id))
    if unit_id is not None:
        q = q.where(Unit.id == unit_id)
    latest: dict[int, Candidate] = {}
    for mid, name, org, uid, unit, rid, held in s.execute(q):
        latest.setdefault(mid, Candidate(mid, name, org, uid, unit, rid, held))
    if not latest:
        return []
    opened: dict[int, dt.date] = {}
    for mid, on in s.execute(select(DisposalCase.member_id, DisposalCase.opened_on)
                             .where(DisposalCase.kind == Kind.UNQUALIFIED,
                                    DisposalCase.member_id.in_(list(latest)))):
        opened[mid] = max(on, opened.get(mid, on))
    return sorted((c for c in latest.values() if c.member_id not in opened or opened[c.member_id] < c.appraised_on),
                  key=lambda c: (c.unit_name, c.appraised_on, c.name))


def case_rows(s: Session, *, unit_id: int | None = None, open_only: bool = False,
              case_ids: Iterable[int] | None = None, year: int | None = None) -> list[CaseRow]:
    """Cases with their member, organisation, unit and steps; newest first.  `year`: cases open at some time of
    that year (opened by its end, not closed before it began)."""
    q = (select(DisposalCase, Member.name, PartyOrg.name, Unit.id, Unit.name)
         .join(Member, Member.id == DisposalCase.member_id)
         .join(PartyOrg, PartyOrg.id == Member.org_id)
         .join(Unit, Unit.id == PartyOrg.unit_id))
    if unit_id is not None:
        q = q.where(Unit.id == unit_id)
    if open_only:
        q = q.where(DisposalCase.closed_on.is_(None))
    if case_ids is not None:
        q = q.where(DisposalCase.id.in_(list(case_ids)))
    if year is not None:
        q = q.where(DisposalCase.opened_on <= dt.date(year, 12, 31),
                    (DisposalCase.closed_on.is_(None)) | (DisposalCase.closed_on >= dt.date(year, 1, 1)))
    found = s.execute(q.order_by(DisposalCase.opened_on.desc(), DisposalCase.id.desc())).all()
    if not found:
        return []
    ids = [c.id for c, *_ in found]
    steps: dict[int, list[StepView]] = {}
    for st in s.scalars(select(DisposalStep).where(DisposalStep.case_id.in_(ids))
                        .order_by(DisposalStep.decided_on, DisposalStep.id)):
        steps.setdefault(st.case_id, []).append(_step_view(st))
    appraised = dict(s.execute(select(OrgLifeRecord.id, OrgLifeRecord.held_on).where(
        OrgLifeRecord.id.in_([c.appraisal_record_id for c, *_ in found if c.appraisal_record_id]))).all())
    out = []
    for c, name, org, uid, unit in found:
        own = steps.get(c.id, [])
        pending = own[-1].deadline if own and own[-1].kind == Step.CORRECTION and c.closed_on is None else None
        out.append(CaseRow(c.id, c.member_id, name, org, uid, unit, c.kind, c.opened_on, _stage(own),
                           allowed_next(c.kind, own) if c.closed_on is None else (), pending, c.closed_on,
                           c.outcome, c.lost_since, c.search_efforts, c.note,
                           appraised.get(c.appraisal_record_id) if c.appraisal_record_id else None, own))
    return out


def findings(s: Session, today: dt.date) -> list[DisposalFinding]:
    """不合格 members without a case after the days of the setting; a 限期改正 whose deadline passed without the
    next decision; a 失联 member past the months of the setting without 停止党籍."""
    read = S.reader(s)
    out: list[DisposalFinding] = []
    open_days = int(read(S.DISPOSAL_OPEN_DAYS))
    for c in candidates(s, today):
        due = c.appraised_on + dt.timedelta(days=open_days)
        if due < today:
            out.append(DisposalFinding(
                "disposal_pending", c.member_id, c.name, c.unit_id,
                f"{c.org_name}党员{c.name}在{cn_date(c.appraised_on)}民主评议中被评为不合格，"
                f"{open_days}天内未启动处置（应于{cn_date(due)}前）", due, True))
    lost_months = int(read(S.LOST_CONTACT_MONTHS))
    for row in case_rows(s, open_only=True):
        if row.deadline is not None and row.deadline < today and not row.awaiting_approval:
            out.append(DisposalFinding(
                "disposal_overdue", row.id, row.name, row.unit_id,
                f"{row.org_name}党员{row.name}限期改正已于{cn_date(row.deadline)}到期，"
                "支部大会尚未作出恢复合格或劝其退党的决定", row.deadline, True))
        if row.kind == Kind.LOST_CONTACT and row.lost_since is not None and not row.steps:
            due = row.lost_since + relativedelta(months=lost_months)
            if due < today:
                out.append(DisposalFinding(
                    "lost_contact_overdue", row.id, row.name, row.unit_id,
                    f"{row.org_name}党员{row.name}自{cn_date(row.lost_since)}失去联系，已超过{lost_months}个月，"
                    "尚未作出停止党籍的决定", due, True))
    return out


# ---------------------------------------------------------------------------------------------------------------
# the 提醒

DISPOSAL, DISPOSAL_MEMBER = "disposal", "disposal_member"  # alert targets: a case; a member still to decide on
ALERT_KINDS = ("disposal_pending", "disposal_overdue", "lost_contact_overdue")


def disposal_alerts(s: Session, today: dt.date) -> list[object]:
    """The three kinds in one pass over the cases (registered once, under the first kind: the 提醒 call each
    source once)."""
    from app.services import alerts as A

    return [A.Alert(f.kind, f.name, f.message, f.due, DISPOSAL_MEMBER if f.kind == "disposal_pending" else DISPOSAL,
                    f.target_id, f.unit_id, f.overdue)
            for f in findings(s, today)]


def register_hooks() -> None:
    """Plug into the 提醒 (idempotent)."""
    from app.services import alerts as A

    A.register_source(ALERT_KINDS[0], cast(A.AlertSource, disposal_alerts))


# ---------------------------------------------------------------------------------------------------------------
# the year-end packet (app/services/packet_sections.py)

SECTION_TITLE = "不合格党员处置"


def _step_text(st: StepView) -> str:
    if st.kind in NO_APPROVAL:
        return f"{st.kind.label}（{dot_date(st.decided_on)}）"
    approved = f"，{dot_date(st.approved_on)}批准" if st.approved_on else "，待批准"
    limit = f"，限{dot_date(st.deadline)}前改正" if st.deadline else ""
    return f"{st.kind.label}（{dot_date(st.decided_on)}支部大会{approved}{limit}）"


def _graded_in_year(s: Session, year: int) -> dict[int, int]:
    """Unit → members rated 不合格 in the year's 民主评议."""
    q = (select(OrgLifeRecord.unit_id, OrgLifeAttendance.member_id)
         .join(OrgLifeAttendance, OrgLifeAttendance.record_id == OrgLifeRecord.id)
         .where(OrgLifeRecord.kind == OrgLifeKind.DEMOCRATIC_APPRAISAL,
                OrgLifeRecord.held_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
                OrgLifeAttendance.grade == AppraisalGrade.UNQUALIFIED))
    out: dict[int, set[int]] = {}
    for unit_id, member_id in s.execute(q):
        out.setdefault(unit_id, set()).add(member_id)
    return {u: len(m) for u, m in out.items()}


def packet_section(s: Session, year: int) -> dict[int, PacketSection]:
    """Each unit's cases open at some time of the year: who, which kind, the steps with their dates, the result.
    失联党员: the dates only (how the branch searched stays in the register, not in a packet that circulates)."""
    from app.reports.packet import PacketSection

    by_unit: dict[int, list[CaseRow]] = {}
    for row in case_rows(s, year=year):
        by_unit.setdefault(row.unit_id, []).append(row)
    graded = _graded_in_year(s, year)
    out: dict[int, PacketSection] = {}
    for unit_id in set(by_unit) | set(graded):
        rows = sorted(by_unit.get(unit_id, []), key=lambda r: (r.opened_on, r.id))
        closed = [r for r in rows if r.closed_on is not None and r.closed_on.year == year]
        outcomes = "、".join(f"{label}{n}件" for label in ("恢复合格", "本人退党", "除名", "恢复党籍", "恢复联系")
                             if (n := sum(1 for r in closed if r.outcome == label)))
        text = (f"{year}年度民主评议党员评为不合格{graded.get(unit_id, 0)}人。本年度办理党员处置案件{len(rows)}件，"
                f"年内结案{len(closed)}件" + (f"（{outcomes}）" if outcomes else "") +
                f"，尚未结案{sum(1 for r in rows if r.open)}件。")
        table = tuple(
            (str(i), r.name, r.kind.label, dot_date(r.opened_on),
             "；".join(_step_text(st) for st in r.steps) or "已立案，待支部大会决定",
             f"{r.outcome}（{dot_date(r.closed_on)}）" if r.closed_on else "未结案")
            for i, r in enumerate(rows, start=1))
        out[unit_id] = PacketSection(SECTION_TITLE, (text,), ("序号", "姓名", "类别", "启动日期", "处置步骤", "结果")
                                     if table else (), table, (12, 18, 24, 20, 60, 22) if table else ())
    return out


def summary_column(s: Session, year: int) -> tuple[str, dict[int, str]]:
    """The 汇总表's column: the year's cases and how many are still open."""
    counts: dict[int, list[int]] = {}
    for row in case_rows(s, year=year):
        n = counts.setdefault(row.unit_id, [0, 0])
        n[0] += 1
        n[1] += row.open
    return "党员处置案件（未结案）", {u: f"{total}（{still}）" for u, (total, still) in counts.items()}
