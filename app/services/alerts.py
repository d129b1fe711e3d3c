"""The 提醒: what needs attention today, computed from the register, the records and the pipeline (never stored).

Kinds (stable, used by `dangjian alerts --json` and the dashboard):
vacancy, term_ending, term_overdue (RegisterService.all_findings), meeting_missing, hearing_missing,
dual_life_missing, community_unregistered (compliance), probation_due (预备党员 whose year is up),
recruit_rule (发展党员 time limits), rectification_overdue (整改, another feature) and member_incomplete
(members in the register without 身份证号, 性别 or 出生日期: allowed for incomplete rosters, to be completed).

Extension point: a feature that knows more alerts calls `register_source(kind, fn)` with
`fn(session, today) -> list[Alert]`; the 整改 feature registers its overdue items under `rectification_overdue`
(the kind is already listed, counted and shown, with zero items until a source is registered)."""

from __future__ import annotations

import datetime as dt
import gc
import importlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.dates import cn_date
from app.models import Member, MemberStatus, PartyOrg
from app.services import compliance as C
from app.services import recruit as R
from app.services.register import IDENTITY_FIELDS, attention_findings, probation_end

SessionFactory = Callable[[], Session]

KIND_LABELS: dict[str, str] = {
    "vacancy": "支委空缺",
    "term_ending": "换届即将到期",
    "term_overdue": "超期未换届",
    "meeting_missing": "会议活动未开展",
    "probation_due": "预备党员待转正",
    "rectification_overdue": "整改逾期",
    "hearing_missing": "党组未听取汇报",
    "dual_life_missing": "双重组织生活缺失",
    "community_unregistered": "未到社区报到",
    "recruit_rule": "发展党员时限",
    "member_incomplete": "党员信息不全",
    "care_visit_overdue": "关怀对象久未走访",
    "care_festival_visit": "节前走访慰问",
    "disposal_pending": "不合格党员待处置",
    "disposal_overdue": "限期改正到期未决定",
    "lost_contact_overdue": "失联党员超期未处理",
    "training_short": "培训学时不足",
    "collection_overdue": "填报表逾期未报",
    "study_behind": "中心组学习进度滞后",
    "study_plan_missing": "中心组学习计划未制定",
    "duty_categories_missing": "责任清单缺少三大责任",
    "lifemeeting_missing": "民主生活会未召开",
    "lifemeeting_no_mutual": "缺少相互批评",
    "lifemeeting_no_problems": "未形成问题清单",
    "lifemeeting_unclosed": "问题清单未销号",
}
KINDS = tuple(KIND_LABELS)
# How the 提醒 page groups the kinds, in this order; a register adding kinds adds them to its group.  A kind in no
# group is shown under 其他; a group without kinds is not shown.
KIND_GROUPS: dict[str, tuple[str, ...]] = {
    "组织建设": ("vacancy", "term_ending", "term_overdue"),
    "组织生活": ("meeting_missing", "hearing_missing", "dual_life_missing", "community_unregistered"),
    "党员队伍": ("probation_due", "recruit_rule", "member_incomplete", "disposal_pending", "disposal_overdue",
             "lost_contact_overdue"),
    "班子与干部": ("training_short", "study_behind", "study_plan_missing", "duty_categories_missing",
              "lifemeeting_missing", "lifemeeting_no_mutual", "lifemeeting_no_problems", "lifemeeting_unclosed"),
    "整改与问责": ("rectification_overdue",),
    "激励关怀": ("care_visit_overdue", "care_festival_visit"),
    "单位填报": ("collection_overdue",),
}
REGISTER_KINDS = ("vacancy", "term_ending", "term_overdue")

# What a line opens: the page and the record to select there.
ORG, MEMBER, UNIT, RECRUIT, RECORD, RECTIFICATION = "org", "member", "unit", "recruit", "record", "rectification"


@dataclass(frozen=True)
class Alert:
    kind: str
    subject: str  # the organisation, unit, member or recruit it is about
    message: str  # Chinese, complete
    due: dt.date | None
    target: str  # ORG | MEMBER | UNIT | RECRUIT | RECORD | RECTIFICATION
    target_id: int
    unit_id: int | None = None
    overdue: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "subject": self.subject, "message": self.message,
                "due": self.due.isoformat() if self.due else None}


AlertSource = Callable[[Session, dt.date], list[Alert]]
_SOURCES: dict[str, list[AlertSource]] = {}

# Feature modules with alert sources, loaded on first use (not at start-up); each has `register_hooks()`, which
# calls `register_source` (idempotent).  app.services.rectification: rectification_overdue.
SOURCE_MODULES: tuple[str, ...] = ("app.services.rectification", "app.services.care", "app.services.disposal",
                                   "app.services.party_workers", "app.services.collection_state",
                                   "app.services.study", "app.services.annual.commitments", "app.services.leadership")


def _load_source_modules() -> None:
    for name in SOURCE_MODULES:
        importlib.import_module(name).register_hooks()


def register_source(kind: str, source: AlertSource) -> None:
    """Add alerts of `kind` computed by `source(session, today)` (e.g. 整改 items past their deadline)."""
    if kind not in KIND_LABELS:
        raise ValueError(f"unknown alert kind: {kind}")
    if source not in _SOURCES.setdefault(kind, []):
        _SOURCES[kind].append(source)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the list is built: the ~30,000 rows and alerts it allocates (plain
    tuples and values, not cycles) otherwise set off full collections that walk every object of the process, the
    ORM's and Qt's included (~40 ms of the 提醒 on the large county); what garbage there is waits for the next
    collection.  Left as it was found (another thread may have paused it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class AlertService:
    def __init__(self, session_factory: SessionFactory, today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._today = today

    def alerts(self) -> list[Alert]:
        """Every alert for today: overdue first, then by due date, within the order of KINDS."""
        today = self._today()
        _load_source_modules()
        with _collector_paused():
            out = self._register_alerts(today)
            with self._sf() as s:
                out += compliance_alerts(s, today)
                out += probation_alerts(s, today)
                out += recruit_alerts(s, today)
                out += incomplete_member_alerts(s)
                for sources in _SOURCES.values():
                    for source in sources:
                        out += source(s, today)
            from app.services import unit_scope  # the models: not before the window shows (alerts load light)

            unit = unit_scope.unit_of_actor()
            if unit is not None:  # a 单位填报员: its own unit's alone, whatever a source read
                out = [a for a in out if a.unit_id == unit]
            order = {k: i for i, k in enumerate(KINDS)}
            out.sort(key=lambda a: (order[a.kind], not a.overdue, a.due or dt.date.max, a.subject))
        return out

    def _register_alerts(self, today: dt.date) -> list[Alert]:
        with self._sf() as s:
            findings = attention_findings(s, today)
        return [
            Alert(f.kind, name, f"{name}：{f.message}", f.due if f.kind != "vacancy" else None, ORG, org_id,
                  unit_id, f.kind in ("term_overdue", "vacancy"))
            for org_id, name, unit_id, f in findings
        ]


OTHER_GROUP = "其他"


def groups() -> dict[str, tuple[str, ...]]:
    """The groups the 提醒 page shows, in order, each with its kinds (KINDS order); kinds in no group go to 其他;
    groups without kinds are left out."""
    grouped = {kind: name for name, kinds in KIND_GROUPS.items() for kind in kinds}
    out: dict[str, list[str]] = {name: [] for name in (*KIND_GROUPS, OTHER_GROUP)}
    for kind in KINDS:
        out[grouped.get(kind, OTHER_GROUP)].append(kind)
    return {name: tuple(kinds) for name, kinds in out.items() if kinds}


def counts(alerts: Iterable[Alert]) -> dict[str, int]:
    """Alerts per kind, every kind present (zero included), in display order."""
    out = dict.fromkeys(KINDS, 0)
    for a in alerts:
        out[a.kind] += 1
    return out


def compliance_alerts(s: Session, today: dt.date) -> list[Alert]:
    """For each rule, the gaps of its last completed window (overdue: the month, quarter, half-year or year just
    ended, while it ended within the last few months), and this month's requirements not yet met (due at the
    window's end)."""
    read = S.reader(s)
    # A gap stays on the dashboard for a few months after its window (a setting): older ones are history.
    keep_from = today.replace(day=1) - relativedelta(months=int(read(S.ALERT_GAP_MONTHS)))
    ended: dict[tuple[int, int], set[str]] = defaultdict(set)
    for rule in C.RULES:
        start, _ = C.window_of(today.year, today.month, int(read(rule.every)))
        last = start - dt.timedelta(days=1)
        if last >= keep_from:
            ended[(last.year, last.month)].add(rule.key)
    requests: list[tuple[int, int, set[str] | None]] = [(y, m, keys) for (y, m), keys in sorted(ended.items())]
    requests.append((today.year, today.month, None))
    (*past, current), unregistered = C.gaps_many(s, requests)
    out: list[Alert] = []
    for found in past:
        for rule, w_start, w_end, missing in found:
            out += _gap_alerts(rule, w_start, w_end, missing, True)
    for rule, w_start, w_end, missing in current:
        out += _gap_alerts(rule, w_start, w_end, missing, False)
    out += [Alert("community_unregistered", name, f"在职党员{name}尚未到社区报到", None, MEMBER, member_id, unit_id)
            for member_id, name, _org_id, unit_id in unregistered]
    return out


def _gap_alerts(rule: C.Rule, w_start: dt.date, w_end: dt.date,
                missing: list[tuple[int, int | None, int | None, str]], overdue: bool) -> list[Alert]:
    """One rule's gaps in one window (one text for them all): a 党员领导干部's open the member, an organisation's
    the organisation, a unit's the unit."""
    label = C.window_label(w_start, w_end)
    text = f"{label}未{rule.what}" if overdue else f"{label}尚未{rule.what}（{w_end:%m月%d日}前）"
    kind = rule.alert
    return [
        Alert(kind, subject, f"党员领导干部{subject}：{text}", w_end, MEMBER, member_id, unit_id, overdue)
        if member_id is not None else
        Alert(kind, subject, f"{subject}：{text}", w_end, ORG, org_id, unit_id, overdue) if org_id is not None else
        Alert(kind, subject, f"{subject}：{text}", w_end, UNIT, unit_id, unit_id, overdue)
        for unit_id, org_id, member_id, subject in missing
    ]


def probation_alerts(s: Session, today: dt.date) -> list[Alert]:
    """预备党员 whose 预备期 ends within the warning days (or has ended without 转正)."""
    read = S.reader(s)
    months, warn = int(read(S.PROBATION_MONTHS)), int(read(S.PROBATION_ALERT_DAYS))
    horizon = today + dt.timedelta(days=warn)
    q = (select(Member.id, Member.name, Member.joined_on, Member.probation_extension_months, PartyOrg.name,
                PartyOrg.unit_id, Member.joined_month_only)
         .join(PartyOrg, Member.org_id == PartyOrg.id)
         .where(Member.status == MemberStatus.PROBATIONARY, Member.left_on.is_(None), Member.joined_on.is_not(None),
                Member.joined_on <= horizon - relativedelta(months=months))
         .order_by(Member.joined_on))
    out = []
    for mid, name, joined, ext, org, unit_id, month_only in s.execute(q):
        end = probation_end(joined, ext, months)
        if end is None or end > horizon:
            continue
        # 入党时间 known to the month only: the 预备期 ends some day of a month, said as the month
        shown, last = ((f"{end.year}年{end.month}月", end + relativedelta(months=1, days=-1)) if month_only
                       else (cn_date(end), end))
        when = f"已于{shown}期满，尚未转正" if last < today else f"将于{shown}期满，请及时讨论转正"
        out.append(Alert("probation_due", name, f"{org}预备党员{name}预备期{when}", end, MEMBER, mid, unit_id,
                         last < today))
    return out


def recruit_alerts(s: Session, today: dt.date) -> list[Alert]:
    return [Alert("recruit_rule", f.name, f.message, f.due, RECRUIT, f.recruit_id, f.unit_id, f.overdue)
            for f in R.rule_findings(s, today)]


def incomplete_member_alerts(s: Session) -> list[Alert]:
    """Members in the register saved without 身份证号, 性别 or 出生日期 (one query over the members, no index
    needed: the three tests are read with each row)."""
    q = (select(Member.id, Member.name, Member.id_number, Member.gender, Member.birth_date, PartyOrg.name,
                PartyOrg.unit_id)
         .join(PartyOrg, Member.org_id == PartyOrg.id)
         .where(Member.left_on.is_(None),
                or_(Member.id_number.is_(None), Member.id_number == "", Member.gender.is_(None),
                    Member.birth_date.is_(None)))
         .order_by(Member.id))
    out = []
    for mid, name, id_number, gender, birth, org, unit_id in s.execute(q):
        values = {"id_number": id_number, "gender": gender, "birth_date": birth}
        missing = "、".join(label for field, label in IDENTITY_FIELDS if values[field] in (None, ""))
        out.append(Alert("member_incomplete", name, f"{org}党员{name}的信息不全：缺{missing}", None, MEMBER, mid, unit_id))
    return out
