"""Compliance: which required meetings and activities are missing or late, per organisation and month.

Computed from the organisation-life records and the register (DOMAIN.md "Rules the app knows"); nothing is stored.
Each rule has a window of N months (a setting) counted from January: 1 = every month, 3 = every quarter, 12 = every
year.  A rule is judged in the month its window ends (a quarterly meeting is judged in March, June …), and any
record held inside the window counts, the window's last day included.

Everything is loaded in a handful of bulk queries (no per-organisation query): a month for 1,200 organisations is
evaluated well under a second."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Connection, String, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from app import settings as S
from app.errors import ValidationError
from app.models import Member, OrgKind, OrgPost, PartyOrg, Unit
from app.models.base import days_after, iso_text
from app.models.orglife import OrgLifeAttendance, OrgLifeKind, OrgLifeRecord
from app.models.recruit import Recruit
from app.services import unit_scope
from app.services.orglife import DUAL_LIFE_KINDS

BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.JOINT_BRANCH)

# Who a rule applies to.
BRANCH, COMMITTEE, GROUPS, UNIT, LEADER = "branch", "committee", "groups", "unit", "leader"


@dataclass(frozen=True)
class Rule:
    key: str  # stable name, used in sources and by the scoring suggestions
    kind: OrgLifeKind | None  # the record kind that satisfies it
    what: str  # Chinese verb phrase: 召开支委会 / 讲党课 …
    every: S.SettingDef  # window length in months
    applies_to: str
    indicator: str  # the default scheme's indicator code (resources/schemes/default_monthly.json)
    points: Decimal  # the default scheme's deduction per occurrence
    alert: str  # alert kind on the 提醒 dashboard
    leader_only: bool = False  # only a 党课 given by the secretary or a 党员领导干部 counts


RULES: tuple[Rule, ...] = (
    Rule("committee_meeting", OrgLifeKind.COMMITTEE_MEETING, "召开支委会", S.EVERY_COMMITTEE_MEETING, COMMITTEE,
         "life.committee_meeting", Decimal("1"), "meeting_missing"),
    Rule("group_meeting", OrgLifeKind.GROUP_MEETING, "召开党小组会", S.EVERY_GROUP_MEETING, GROUPS,
         "life.group_meeting", Decimal("1"), "meeting_missing"),
    Rule("theme_day", OrgLifeKind.THEME_DAY, "开展主题党日", S.EVERY_THEME_DAY, BRANCH,
         "life.theme_day", Decimal("1"), "meeting_missing"),
    Rule("assembly", OrgLifeKind.BRANCH_ASSEMBLY, "召开支部党员大会", S.EVERY_ASSEMBLY, BRANCH,
         "life.general_meeting", Decimal("1"), "meeting_missing"),
    Rule("lecture", OrgLifeKind.PARTY_LECTURE, "上党课", S.EVERY_LECTURE, BRANCH,
         "study.lecture", Decimal("2"), "meeting_missing"),
    Rule("leader_lecture", OrgLifeKind.PARTY_LECTURE, "由书记或党员领导干部讲党课", S.EVERY_LEADER_LECTURE, BRANCH,
         "study.lecture", Decimal("2"), "meeting_missing", leader_only=True),
    Rule("life_meeting", OrgLifeKind.LIFE_MEETING, "召开组织生活会", S.EVERY_LIFE_MEETING, BRANCH,
         "life.review_meeting", Decimal("3"), "meeting_missing"),
    Rule("appraisal", OrgLifeKind.DEMOCRATIC_APPRAISAL, "开展民主评议党员", S.EVERY_APPRAISAL, BRANCH,
         "life.review_meeting", Decimal("3"), "meeting_missing"),
    Rule("heart_talk", OrgLifeKind.HEART_TALK, "开展谈心谈话", S.EVERY_HEART_TALK, BRANCH,
         "life.heart_talk", Decimal("1"), "meeting_missing"),
    Rule("hearing", OrgLifeKind.LEADERSHIP_HEARING, "由党组听取机关党委工作汇报", S.EVERY_HEARING, UNIT,
         "pol.party_group_study", Decimal("3"), "hearing_missing"),
    Rule("contact_visit", OrgLifeKind.CONTACT_POINT_VISIT, "到基层党建联系点调研", S.EVERY_CONTACT_VISIT, UNIT,
         "pol.contact_visit", Decimal("0.5"), "meeting_missing"),
    Rule("three_strong", OrgLifeKind.THREE_STRONG, "开展“三亮三强”活动", S.EVERY_THREE_STRONG, UNIT,
         "disc.three_activity", Decimal("2"), "meeting_missing"),
    Rule("dual_life", None, "参加所在支部组织生活（双重组织生活）", S.EVERY_DUAL_LIFE, LEADER,
         "life.dual_life", Decimal("1"), "dual_life_missing"),
)
RULES_BY_KEY = {r.key: r for r in RULES}
LATE_RULE = ("late_record", "life.record_late", Decimal("0.5"))
COMMUNITY_RULE = ("community", "org.community", Decimal("0.2"))
RECRUIT_RULE = ("recruit_rule", "org.recruit", Decimal("1"))

OK, MISSING, LATE = "ok", "missing", "late"

# Up to this many 党员领导干部 are named in the attendance query (it then reads their own rows only).
LEADER_IDS_IN_QUERY = 5000


@dataclass(frozen=True)
class Finding:
    """One requirement judged for one month: met (with the record), missing (a gap) or recorded late."""

    rule: str
    status: str  # ok | missing | late
    unit_id: int
    org_id: int | None
    member_id: int | None
    subject: str  # organisation, unit or member name
    window_start: dt.date
    window_end: dt.date
    record_id: int | None
    message: str
    indicator: str
    points: Decimal
    recruit_id: int | None = None  # a 发展党员 time limit missed

    @property
    def source(self) -> str:
        """`record:<id>` for a finding about a record, `gap` for something that is missing."""
        return f"record:{self.record_id}" if self.record_id is not None else "gap"

    @property
    def key(self) -> str:
        """Stable identity within a month (used as the scoring suggestion's source)."""
        who = (f"r{self.recruit_id}" if self.recruit_id else f"m{self.member_id}" if self.member_id
               else f"o{self.org_id}" if self.org_id else f"u{self.unit_id}")
        return f"orglife:{self.rule}:{who}:{self.window_end:%Y%m}:{self.source}"


@dataclass(frozen=True)
class Suggestion:
    """A suggested deduction for the monthly score sheet, with its source record or gap."""

    indicator: str  # indicator code of the scheme
    points: Decimal  # per occurrence (the default scheme's)
    occurrences: int
    reason: str  # Chinese, shown on the sheet and in the 反馈单
    source: str  # stable key: the sheet remembers rejected suggestions by it
    record_id: int | None
    org_id: int | None
    member_id: int | None


@dataclass(frozen=True)
class MonthRate:
    year: int
    month: int
    required: int
    met: int

    @property
    def rate(self) -> float:
        return self.met / self.required if self.required else 1.0


# ---------------------------------------------------------------------------------------------------------------
# windows


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def window_of(year: int, month: int, every: int) -> tuple[dt.date, dt.date]:
    """The window of `every` months (counted from January) that contains the month."""
    first = (month - 1) // every * every + 1
    last = min(first + every - 1, 12)
    return dt.date(year, first, 1), month_end(year, last)


def ends_in(year: int, month: int, every: int) -> bool:
    return window_of(year, month, every)[1].month == month


def window_label(start: dt.date, end: dt.date) -> str:
    if start.month == end.month:
        return f"{start.year}年{start.month}月"
    if start.month == 1 and end.month == 12:
        return f"{start.year}年度"
    if (start.month, end.month) in ((1, 6), (7, 12)):
        return f"{start.year}年{'上' if start.month == 1 else '下'}半年"
    if end.month - start.month == 2 and start.month % 3 == 1:
        return f"{start.year}年第{'一二三四'[start.month // 3]}季度"
    return f"{start.year}年{start.month}—{end.month}月"


# ---------------------------------------------------------------------------------------------------------------
# bulk loading


@dataclass
class _Org:
    id: int
    name: str
    kind: OrgKind
    unit_id: int
    established_on: dt.date | None


@dataclass
class _County:
    """Everything the rules need, loaded in bulk.  Dates of records are ISO strings ('2026-10-05'): they compare
    like dates, and skipping the conversion of tens of thousands of rows is most of the time saved."""

    units: dict[int, str]
    orgs: list[_Org]
    member_counts: dict[int, int]
    committee_posts: dict[int, int]  # org id → distinct post kinds in office during the months
    org_records: dict[tuple[int, OrgLifeKind], list[tuple[str, int, bool]]]  # (held, id, leader lecture)
    unit_records: dict[tuple[int, OrgLifeKind], list[tuple[str, int]]]
    leaders: list[tuple[int, str, int, int]]  # member id, name, org id, unit id
    leader_attendance: dict[int, list[tuple[str, int]]]  # member id → (held, record id) in the own branch
    unregistered: list[tuple[int, str, int, int]]  # member id, name, org id, unit id
    late: list[tuple[int, OrgLifeKind, dt.date, dt.date, int | None, int]]  # id, kind, held, recorded, org, unit


_KIND_BY_LABEL = {k.value: k for k in OrgLifeKind}


def _judged(year: int, months: tuple[int, int], read: Callable[[S.SettingDef], Any],
            only: set[str] | None) -> list[tuple[Rule, int]]:
    """(rule, month) pairs judged within the months: each rule in the months its window ends."""
    return [(r, m) for r in RULES if only is None or r.key in only
            for m in range(months[0], months[1] + 1) if ends_in(year, m, int(read(r.every)))]


def _rows(s: Session) -> Connection | Session:
    """The session's connection, for the bulk reads of plain rows below (Core rows, without the ORM's handling of
    each: ~15 ms of the 提醒 on the large county); pending changes flushed first, as `Session.execute` would.
    For a 单位填报员 the session itself: its ORM reads carry the unit scope, the connection's would not."""
    if unit_scope.scoped():
        return s
    if s.autoflush:
        s.flush()
    return s.connection()


def _load(s: Session, requests: list[tuple[int, int, set[str] | None]], unit_ids: set[int] | None,
          as_of: dt.date | None, read: Callable[[S.SettingDef], Any], with_state: bool = True,
          with_late: bool = True) -> _County:
    """One bulk load serving several (year, month, rules) requests (a month for the scoring, a year for the chart,
    the last windows for the dashboard): only the records of the kinds and windows judged in them."""
    m_start = min(dt.date(y, m, 1) for y, m, _ in requests)
    m_end = max(month_end(y, m) for y, m, _ in requests)
    judged = [(r, y, m) for y, m, only in requests for r, _ in _judged(y, (m, m), read, only)]

    def in_units(col: Any) -> Any:
        return col.in_(unit_ids) if unit_ids is not None else True

    units = dict(_rows(s).execute(select(Unit.id, Unit.name).where(Unit.active.is_(True), in_units(Unit.id))).all())
    orgs = [
        _Org(*row) for row in _rows(s).execute(
            select(PartyOrg.id, PartyOrg.name, PartyOrg.kind, PartyOrg.unit_id, PartyOrg.established_on)
            .where(PartyOrg.active.is_(True), in_units(PartyOrg.unit_id)).order_by(PartyOrg.id)
        ) if row.unit_id in units
    ]
    member_counts = dict(_rows(s).execute(
        select(Member.org_id, func.count()).where(Member.left_on.is_(None)).group_by(Member.org_id)).all())
    committee_posts = dict(_rows(s).execute(
        select(OrgPost.org_id, func.count(func.distinct(OrgPost.kind)))
        .where(OrgPost.start_on <= m_end, or_(OrgPost.end_on.is_(None), OrgPost.end_on >= m_start))
        .group_by(OrgPost.org_id)).all())
    county = _County(units, orgs, member_counts, committee_posts, defaultdict(list), defaultdict(list), [],
                     defaultdict(list), [], [])
    # Each kind from the earliest window that needs it (December's yearly 党课 rule must not pull in a whole
    # year of 主题党日).
    kind_start: dict[OrgLifeKind, dt.date] = {}
    for r, y, m in judged:
        if r.kind is not None:
            w_start = window_of(y, m, int(read(r.every)))[0]
            kind_start[r.kind] = min(w_start, kind_start.get(r.kind, w_start))
    by_start: dict[dt.date, set[OrgLifeKind]] = defaultdict(set)
    for kind, k_start in kind_start.items():
        by_start[k_start].add(kind)
    for k_start, kinds in sorted(by_start.items()):
        _load_records(s, county, kinds, k_start, m_end, unit_ids, as_of)
    if with_late:
        _load_late(s, county, m_start, m_end, unit_ids, as_of, int(read(S.LATE_RECORD_DAYS)))
    leader_windows = {window_of(y, m, int(read(r.every))) for r, y, m in judged if r.applies_to == LEADER}
    if leader_windows:
        _load_leaders(s, county, leader_windows, unit_ids, as_of)
    if not with_state:
        return county
    county.unregistered = [(r[0], r[1], r[2], r[3]) for r in _rows(s).execute(
        select(Member.id, Member.name, Member.org_id, PartyOrg.unit_id).join(PartyOrg, Member.org_id == PartyOrg.id)
        .where(Member.community_registered.is_(False), Member.left_on.is_(None), in_units(PartyOrg.unit_id))
        .order_by(Member.id))]
    return county


def _load_records(s: Session, c: _County, kinds: set[OrgLifeKind], start: dt.date, end: dt.date,
                  unit_ids: set[int] | None, as_of: dt.date | None) -> None:
    """Fill the county's records of these kinds held from `start` to `end`."""
    if not kinds:
        return
    as_text = String()
    q = select(OrgLifeRecord.id, type_coerce(OrgLifeRecord.kind, as_text), iso_text(OrgLifeRecord.held_on),
               OrgLifeRecord.org_id, OrgLifeRecord.unit_id, OrgLifeRecord.lecturer_is_leader).where(
        OrgLifeRecord.held_on >= start, OrgLifeRecord.held_on <= end, OrgLifeRecord.kind.in_(kinds))
    if unit_ids is not None:
        q = q.where(OrgLifeRecord.unit_id.in_(unit_ids))
    if as_of is not None:
        q = q.where(OrgLifeRecord.recorded_on <= as_of)
    unit_kinds = {r.kind for r in RULES if r.applies_to == UNIT}
    for rid, label, held, org_id, unit_id, leader in _rows(s).execute(q):
        kind = _KIND_BY_LABEL[label]
        if org_id is not None:
            c.org_records[(org_id, kind)].append((held[:10], rid, bool(leader)))
        if kind in unit_kinds:
            c.unit_records[(unit_id, kind)].append((held[:10], rid))


def _load_late(s: Session, c: _County, start: dt.date, end: dt.date, unit_ids: set[int] | None,
               as_of: dt.date | None, late_days: int) -> None:
    """Records held in the months but entered more than `late_days` after."""
    q = select(OrgLifeRecord.id, OrgLifeRecord.kind, OrgLifeRecord.held_on, OrgLifeRecord.recorded_on,
               OrgLifeRecord.org_id, OrgLifeRecord.unit_id).where(
        OrgLifeRecord.held_on >= start, OrgLifeRecord.held_on <= end,
        OrgLifeRecord.recorded_on > days_after(OrgLifeRecord.held_on, int(late_days)))
    if unit_ids is not None:
        q = q.where(OrgLifeRecord.unit_id.in_(unit_ids))
    if as_of is not None:
        q = q.where(OrgLifeRecord.recorded_on <= as_of)
    c.late = [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in _rows(s).execute(q)]


def _load_leaders(s: Session, c: _County, windows: set[tuple[dt.date, dt.date]], unit_ids: set[int] | None,
                  as_of: dt.date | None) -> None:
    """党员领导干部, and for each window the first meeting of their own branch they attended (their attendance
    of the windows' months in one query: a few thousand rows instead of every attendance line)."""
    q = (select(Member.id, Member.name, Member.org_id, PartyOrg.unit_id).join(PartyOrg, Member.org_id == PartyOrg.id)
         .where(Member.is_leader.is_(True), Member.left_on.is_(None)).order_by(Member.id))
    if unit_ids is not None:
        q = q.where(PartyOrg.unit_id.in_(unit_ids))
    c.leaders = [(r[0], r[1], r[2], r[3]) for r in _rows(s).execute(q)]
    if not c.leaders:
        return
    # One query for all the windows, driven by the leaders' own attendance (their ids: SQLite otherwise walks
    # every meeting of the months and its attendance); for each window the first day and the lowest record id,
    # as a grouped query per window gave them.
    ordered = sorted(windows)
    att = (select(OrgLifeAttendance.member_id, iso_text(OrgLifeRecord.held_on), OrgLifeRecord.id)
           .join(OrgLifeRecord, OrgLifeRecord.id == OrgLifeAttendance.record_id)
           .join(Member, Member.id == OrgLifeAttendance.member_id)
           .where(Member.is_leader.is_(True), Member.left_on.is_(None), OrgLifeAttendance.present.is_(True),
                  OrgLifeRecord.org_id == Member.org_id, OrgLifeRecord.kind.in_(DUAL_LIFE_KINDS),
                  OrgLifeRecord.held_on >= ordered[0][0], OrgLifeRecord.held_on <= max(e for _s, e in ordered)))
    if len(c.leaders) <= LEADER_IDS_IN_QUERY:
        att = att.where(OrgLifeAttendance.member_id.in_([leader[0] for leader in c.leaders]))
    if as_of is not None:
        att = att.where(OrgLifeRecord.recorded_on <= as_of)
    if unit_ids is not None:
        att = att.where(OrgLifeRecord.unit_id.in_(unit_ids))
    bounds = [(start.isoformat(), end.isoformat()) for start, end in ordered]
    first: dict[tuple[int, int], list[Any]] = {}  # (window, member) → [first day, lowest id]
    for member_id, held, rid in _rows(s).execute(att):
        day = str(held)[:10]
        for i, (start_s, end_s) in enumerate(bounds):
            if start_s <= day <= end_s:
                seen = first.get((i, member_id))
                if seen is None:
                    first[(i, member_id)] = [day, rid]
                else:
                    seen[0], seen[1] = min(seen[0], day), min(seen[1], rid)
    for (_window, member_id), (day, rid) in sorted(first.items(), key=lambda item: item[0][0]):
        c.leader_attendance[member_id].append((day, rid))


# ---------------------------------------------------------------------------------------------------------------
# evaluation


def evaluate(s: Session, year: int, month: int, *, unit_ids: Iterable[int] | None = None,
             as_of: dt.date | None = None, include_ok: bool = False, include_state: bool = True,
             rules: Iterable[str] | None = None, include_late: bool = True) -> list[Finding]:
    """Every requirement judged in this month for the county (or some units).

    `as_of`: only records entered by that day count (what was known then).  `include_state`: also the standing
    findings that are not tied to a window (在职党员 not registered at a community).  `rules`: judge only these
    rule keys (the dashboard asks for one window per rule)."""
    if not 1 <= month <= 12:
        raise ValidationError("月份应为1至12", field="month")
    read = S.reader(s)
    only = set(rules) if rules is not None else None
    units = set(unit_ids) if unit_ids is not None else None
    county = _load(s, [(year, month, only)], units, as_of, read, include_state, include_late)
    found = _evaluate_loaded(county, year, month, read, include_ok, include_state, only, include_late)
    if only is None or RECRUIT_RULE[0] in only:
        found += _recruit_findings(s, year, month, units, read)
    return found


def evaluate_many(s: Session, requests: list[tuple[int, int, set[str] | None]], *,
                  include_state: bool = False) -> list[list[Finding]]:
    """Gaps (not what was met, not late records) for several (year, month, rule keys or None for all) at once,
    from one bulk load; standing findings (社区报到) with the last request when `include_state`."""
    if not requests:
        return []
    read = S.reader(s)
    county = _load(s, requests, None, None, read, include_state, False)
    last = len(requests) - 1
    return [_evaluate_loaded(county, y, m, read, False, include_state and i == last, only, False)
            for i, (y, m, only) in enumerate(requests)]


def _evaluate_loaded(county: _County, year: int, month: int, read: Callable[[S.SettingDef], Any],
                     include_ok: bool, include_state: bool, only: set[str] | None = None,
                     include_late: bool = True) -> list[Finding]:
    out: list[Finding] = []
    for rule, _ in _judged(year, (month, month), read, only):
        w_start, w_end = window_of(year, month, int(read(rule.every)))
        out += _judge(rule, county, w_start, w_end, read, include_ok)
    if include_late:
        out += _late_findings(county, year, month, read)
    if include_state:
        out += _community_findings(county, year, month)
    return out if include_ok else [f for f in out if f.status != OK]


def _judge(rule: Rule, c: _County, w_start: dt.date, w_end: dt.date,
           read: Callable[[S.SettingDef], Any], include_ok: bool = True) -> list[Finding]:
    """Each requirement of the rule in the window: met (with the first record; only when `include_ok`) or
    missing."""
    label = window_label(w_start, w_end)
    met, missing = f"{label}已{rule.what}", f"{label}未{rule.what}"
    out: list[Finding] = []
    for unit_id, org_id, member_id, subject, hit in _hits(rule, c, w_start, w_end, read):
        if hit is None:
            out.append(Finding(rule.key, MISSING, unit_id, org_id, member_id, subject, w_start, w_end, None,
                               missing, rule.indicator, rule.points))
        elif include_ok:
            out.append(Finding(rule.key, OK, unit_id, org_id, member_id, subject, w_start, w_end, hit, met,
                               rule.indicator, rule.points))
    return out


def _hits(rule: Rule, c: _County, w_start: dt.date, w_end: dt.date, read: Callable[[S.SettingDef], Any]
          ) -> Iterator[tuple[int, int | None, int | None, str, int | None]]:
    """(unit id, org id, member id, subject, the first record or None) for each requirement of the rule in the
    window."""
    first, last = w_start.isoformat(), w_end.isoformat()
    if rule.applies_to == UNIT:
        assert rule.kind is not None
        for unit_id, name in c.units.items():
            yield unit_id, None, None, name, _first_in(c.unit_records.get((unit_id, rule.kind)), first, last)
        return
    if rule.applies_to == LEADER:
        for member_id, name, org_id, unit_id in c.leaders:
            yield unit_id, org_id, member_id, name, _first_in(c.leader_attendance.get(member_id), first, last)
        return
    assert rule.kind is not None
    group_min = int(read(S.GROUP_MIN_MEMBERS))
    for org in c.orgs:
        if not _applies(rule, org, c, group_min) or (org.established_on and org.established_on > w_end):
            continue
        records = c.org_records.get((org.id, rule.kind))
        if rule.leader_only and records:
            records = [r for r in records if r[2]]
        yield org.unit_id, org.id, None, org.name, _first_in(records, first, last)


# One rule's gaps in one window: the rule, the window's first and last day, and (unit id, org id, member id,
# subject) of each requirement not met.
WindowGaps = tuple[Rule, dt.date, dt.date, list[tuple[int, int | None, int | None, str]]]


def gaps_many(s: Session, requests: list[tuple[int, int, set[str] | None]]
              ) -> tuple[list[list[WindowGaps]], list[tuple[int, str, int, int]]]:
    """What `evaluate_many(s, requests, include_state=True)` finds, as plain tuples per rule and window (the 提醒
    turn some 10,000 gaps into alerts: no Finding each), in its order; and the 在职党员 not registered at a
    community (member id, name, org id, unit id), its standing findings."""
    read = S.reader(s)
    county = _load(s, requests, None, None, read, True, False)
    out = []
    for year, month, only in requests:
        found: list[WindowGaps] = []
        for rule, _ in _judged(year, (month, month), read, only):
            w_start, w_end = window_of(year, month, int(read(rule.every)))
            found.append((rule, w_start, w_end, [
                (unit_id, org_id, member_id, subject)
                for unit_id, org_id, member_id, subject, hit in _hits(rule, county, w_start, w_end, read)
                if hit is None]))
        out.append(found)
    return out, county.unregistered


def _applies(rule: Rule, org: _Org, c: _County, group_min: int) -> bool:
    if rule.applies_to == COMMITTEE:
        return c.committee_posts.get(org.id, 0) >= 3  # a 支部委员会 has 3–5 (≤7) members; fewer: a secretary
    if org.kind not in BRANCH_KINDS:
        return False
    if rule.applies_to == GROUPS:
        return c.member_counts.get(org.id, 0) >= group_min
    return True


def _first_in(records: Sequence[tuple[Any, ...]] | None, start: str, end: str) -> int | None:
    """Id of the earliest record held within [start, end] (ISO dates, both days included): each record is
    (held, id, …)."""
    best: tuple[Any, ...] | None = None
    for r in records or ():
        if start <= r[0] <= end and (best is None or r[0] < best[0]):
            best = r
    return best[1] if best else None


def _late_findings(c: _County, year: int, month: int, read: Callable[[S.SettingDef], Any]) -> list[Finding]:
    days = int(read(S.LATE_RECORD_DAYS))
    names = {o.id: o.name for o in c.orgs}
    out = []
    for rid, kind, held, recorded, org_id, unit_id in c.late:
        if unit_id not in c.units or (held.year, held.month) != (year, month):
            continue
        subject = names.get(org_id, "") if org_id is not None else c.units[unit_id]
        msg = f"{kind.label}（{held:%Y-%m-%d}召开）于{recorded:%Y-%m-%d}才登记，超过{days}天"
        out.append(Finding(LATE_RULE[0], LATE, unit_id, org_id, None, subject or c.units[unit_id],
                           dt.date(year, month, 1), month_end(year, month), rid, msg, LATE_RULE[1], LATE_RULE[2]))
    return out


def _community_findings(c: _County, year: int, month: int) -> list[Finding]:
    start, end = dt.date(year, month, 1), month_end(year, month)
    return [
        Finding(COMMUNITY_RULE[0], MISSING, unit_id, org_id, member_id, name, start, end, None,
                f"在职党员{name}尚未到社区报到", COMMUNITY_RULE[1], COMMUNITY_RULE[2])
        for member_id, name, org_id, unit_id in c.unregistered
    ]


def _recruit_findings(s: Session, year: int, month: int, unit_ids: set[int] | None,
                      read: Callable[[S.SettingDef], Any]) -> list[Finding]:
    """发展党员 time limits that fell in the month and were missed: the talk within a month of the application,
    the 党委's approval within three months of the 支部大会 (the steps themselves refuse a late date)."""
    start, end = dt.date(year, month, 1), month_end(year, month)
    talk, approval = int(read(S.RECRUIT_TALK_MONTHS)), int(read(S.RECRUIT_APPROVAL_MONTHS))
    q = (select(Recruit.id, Recruit.name, Recruit.org_id, PartyOrg.unit_id, PartyOrg.name, Recruit.applied_on,
                Recruit.talked_on, Recruit.admitted_on, Recruit.approved_on)
         .join(PartyOrg, Recruit.org_id == PartyOrg.id)
         .where(or_(Recruit.applied_on.between(start - relativedelta(months=talk), end),
                    Recruit.admitted_on.between(start - relativedelta(months=approval), end)))
         .order_by(Recruit.id))
    if unit_ids is not None:
        q = q.where(PartyOrg.unit_id.in_(unit_ids))
    out = []
    for rid, name, org_id, unit_id, org_name, applied, talked, admitted, approved in s.execute(q):
        due_talk = applied + relativedelta(months=talk)
        if start <= due_talk <= end and (talked is None or talked > due_talk):
            out.append((rid, name, org_id, unit_id, org_name, f"入党申请人{name}未在{talk}个月内谈话（期限{due_talk:%Y-%m-%d}）"))
        if admitted is not None:
            due = admitted + relativedelta(months=approval)
            if start <= due <= end and (approved is None or approved > due):
                out.append((rid, name, org_id, unit_id, org_name,
                            f"{name}经支部大会接收为预备党员后，党委未在{approval}个月内审批（期限{due:%Y-%m-%d}）"))
    return [Finding(RECRUIT_RULE[0], MISSING, unit_id, org_id, None, org_name, start, end, None, message,
                    RECRUIT_RULE[1], RECRUIT_RULE[2], rid) for rid, _n, org_id, unit_id, org_name, message in out]


# ---------------------------------------------------------------------------------------------------------------
# what the scoring and the dashboard use


def suggestions_for(s: Session, unit_id: int, year: int, month: int) -> list[Suggestion]:
    """Suggested deductions for one unit's sheet of one month: each gap or late record with its source.

    Called by the scoring service's suggested-deductions mechanism; the indicator codes are those of the default
    scheme, the points its per-occurrence deductions (the sheet uses the indicator's own when it differs)."""
    out = []
    for f in evaluate(s, year, month, unit_ids=[unit_id]):
        reason = f"{f.subject}：{f.message}" if f.subject else f.message
        out.append(Suggestion(f.indicator, f.points, 1, reason, f.key, f.record_id, f.org_id, f.member_id))
    return out


def monthly_rates(s: Session, year: int, months: Iterable[int], unit_ids: Iterable[int] | None = None,
                  as_of: dt.date | None = None) -> list[MonthRate]:
    """Share of the requirements judged in each month that were met (the dashboard's chart)."""
    wanted = sorted(set(months))
    if not wanted:
        return []
    if wanted[0] < 1 or wanted[-1] > 12:
        raise ValidationError("月份应为1至12", field="month")
    read = S.reader(s)
    units = set(unit_ids) if unit_ids is not None else None
    county = _load(s, [(year, m, None) for m in wanted], units, as_of, read, with_state=False, with_late=False)
    out = []
    for m in wanted:
        found = _evaluate_loaded(county, year, m, read, True, False, include_late=False)
        out.append(MonthRate(year, m, len(found), sum(1 for f in found if f.status == OK)))
    return out
