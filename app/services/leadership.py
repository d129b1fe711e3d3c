"""民主生活会 (a unit's 党组/班子) and the substance of 组织生活会: 班子成员, 上级督导, 批评意见, 问题清单.

The speech criticises meetings "平淡随意，辣味不够，没有做到红红脸、出出汗": a record says who sat, what each 班子成员
heard (自我批评 and 相互批评, item by item), how many opinions were gathered beforehand, and what is to be fixed.
The 问题清单 is a `Rectification` (整改) created with the meeting: its items are tracked and 销号 on the 整改 page
like those of a 约谈, and items can be added to it here later.

Rules (numbers are settings, group 组织生活):
- every active unit holds its 民主生活会 of the year by the end of `LIFE_DUE_MONTH` (December): a unit without one
  is reminded from `LIFE_WARN_MONTHS` before, and overdue after (kept on the 提醒 for `ALERT_GAP_MONTHS`);
- a meeting (民主生活会 or 组织生活会) with fewer than `LIFE_MIN_MUTUAL` 相互批评 items is "辣味不够";
- a meeting whose 问题清单 is empty found nothing to fix;
- a 问题清单 not wholly 销号 `LIFE_CLOSE_MONTHS` after the meeting is "never closed" (single items past their own
  deadline are the 整改's `rectification_overdue`).
Each is an alert (group 班子与干部) and a suggested deduction on indicator `life.review_meeting` (组织生活会、民主评议党员:
the 民主生活会 is the leading cadres' 组织生活会; the default scheme has no indicator of its own for it): the missing
meeting on the due month's sheet, the others on the sheet of the month they were found (held, or the limit passed).

Every change is an audit entry of the register's kind (app.services.register_audit: `leadership_meeting` and
`leadership_criticism` are audited entities), so that `audit verify` finds a record changed outside the app."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.errors import FieldProblem, NotFoundError, ValidationError
from app.models import (
    CriticismKind,
    LeadershipCriticism,
    LeadershipMeeting,
    LeadershipMeetingKind,
    PartyOrg,
    Rectification,
    RectificationItem,
    RectificationStatus,
    Unit,
)
from app.services import alerts as A
from app.services.audit import AuditLog
from app.services.rectification import ItemInput, ItemView, RectificationService, add_items, check_items
from app.services.register_audit import register_unit_of_work

if TYPE_CHECKING:
    from app.reports.packet import PacketSection

SessionFactory = Callable[[], Session]

Kind = LeadershipMeetingKind
INDICATOR = "life.review_meeting"
MAX_TOPIC, MAX_NAME, MAX_NAMES, MAX_TEXT = 200, 40, 200, 2000
MAX_OPINIONS = 100000
# Alert kinds (app.services.alerts KIND_LABELS) and where their lines lead (app/ui/alerts TARGET_PAGES → 队伍建设).
MISSING, NO_MUTUAL, NO_PROBLEMS, UNCLOSED = ("lifemeeting_missing", "lifemeeting_no_mutual",
                                             "lifemeeting_no_problems", "lifemeeting_unclosed")
TARGET_MEETING, TARGET_UNIT = "lifemeeting", "lifemeeting_unit"


# ---------------------------------------------------------------------------------------------------------------
# inputs and views


@dataclass
class CriticismInput:
    kind: CriticismKind | str
    target: str  # the 班子成员 it is raised to
    content: str
    raised_by: str = ""  # for 自我批评 the member himself (filled in when left blank)


@dataclass
class MeetingInput:
    unit_id: int | None
    held_on: dt.date | None
    kind: Kind | str = Kind.DEMOCRATIC_LIFE
    org_id: int | None = None  # a 组织生活会's branch
    topic: str = ""
    attendees: list[str] = field(default_factory=list)  # 班子成员 present
    supervisors: list[str] = field(default_factory=list)  # 上级督导
    opinions_solicited: int = 0
    criticisms: list[CriticismInput] = field(default_factory=list)
    problems: list[ItemInput] = field(default_factory=list)  # new 问题清单 items (those stored stay in the 整改)
    note: str = ""


@dataclass(frozen=True)
class CriticismView:
    id: int
    kind: CriticismKind
    target: str
    raised_by: str
    content: str


@dataclass(frozen=True)
class MeetingView:
    id: int
    kind: Kind
    unit_id: int
    unit: str
    org_id: int | None
    org: str
    held_on: dt.date
    topic: str
    attendees: tuple[str, ...]
    supervisors: tuple[str, ...]
    opinions_solicited: int
    note: str
    criticisms: tuple[CriticismView, ...]
    rectification_id: int | None
    problems: tuple[ItemView, ...]

    @property
    def self_count(self) -> int:
        return sum(1 for c in self.criticisms if c.kind == CriticismKind.SELF)

    @property
    def mutual_count(self) -> int:
        return sum(1 for c in self.criticisms if c.kind == CriticismKind.MUTUAL)

    @property
    def closed_count(self) -> int:
        return sum(1 for p in self.problems if p.stored_status == RectificationStatus.CLOSED)


@dataclass(frozen=True)
class Finding:
    """One broken rule: `key` one of the alert kinds, about a unit (MISSING) or a meeting."""

    key: str
    unit_id: int
    unit: str
    meeting_id: int | None
    message: str
    due: dt.date
    overdue: bool
    month: tuple[int, int]  # the scoring month it belongs to

    @property
    def source(self) -> str:  # stable key of the suggested deduction
        return f"{self.key}:{self.meeting_id if self.meeting_id is not None else f'unit {self.unit_id} {self.month[0]}'}"


@dataclass(frozen=True)
class LeadershipSuggestion:
    """A suggested deduction (app.services.scoring SuggestionLike)."""

    indicator: str
    occurrences: int
    reason: str
    source: str


# ---------------------------------------------------------------------------------------------------------------
# the service


class LeadershipService:
    def __init__(self, session_factory: SessionFactory, actor: str | None = None,
                 today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._actor = actor
        self._today = today

    # --- reading --------------------------------------------------------------------------------------------

    def meetings(self, *, year: int | None = None, unit_id: int | None = None, kind: Kind | None = None
                 ) -> list[MeetingView]:
        """Meetings by unit and date (newest first within a unit)."""
        with self._sf() as s:
            q = select(LeadershipMeeting).join(Unit, Unit.id == LeadershipMeeting.unit_id)
            if year is not None:
                q = q.where(LeadershipMeeting.held_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
            if unit_id is not None:
                q = q.where(LeadershipMeeting.unit_id == unit_id)
            if kind is not None:
                q = q.where(LeadershipMeeting.kind == kind)
            rows = list(s.scalars(q.order_by(Unit.sort_order, Unit.id, LeadershipMeeting.held_on.desc(),
                                             LeadershipMeeting.id.desc())))
            return _views(s, rows, self._today())

    def meeting(self, meeting_id: int) -> MeetingView:
        with self._sf() as s:
            return _views(s, [_meeting(s, meeting_id)], self._today())[0]

    def units(self) -> list[tuple[int, str]]:
        with self._sf() as s:
            return [(i, n) for i, n in s.execute(select(Unit.id, Unit.name).where(Unit.active.is_(True))
                                                 .order_by(Unit.sort_order, Unit.id))]

    def orgs(self, unit_id: int) -> list[tuple[int, str]]:
        with self._sf() as s:
            return [(i, n) for i, n in s.execute(select(PartyOrg.id, PartyOrg.name).where(
                PartyOrg.unit_id == unit_id, PartyOrg.active.is_(True)).order_by(PartyOrg.sort_order, PartyOrg.id))]

    def findings(self) -> list[Finding]:
        with self._sf() as s:
            return findings(s, self._today())

    def check(self, data: MeetingInput, meeting_id: int | None = None) -> list[FieldProblem]:
        """What `save` would refuse, without saving (a form shows it with its own problems)."""
        with self._sf() as s:
            return validate(s, data, meeting_id=meeting_id, today=self._today())

    # --- writing --------------------------------------------------------------------------------------------

    def save(self, data: MeetingInput, meeting_id: int | None = None) -> MeetingView:
        """Create (`meeting_id` None) or change a meeting: its 批评意见 are replaced by those given, the 问题清单
        items given are added to its 整改 (those already there are tracked on the 整改 page).  Audited."""
        with register_unit_of_work(self._sf, self._actor, reason=self._reason(data)) as (s, log):
            problems = validate(s, data, meeting_id=meeting_id, today=self._today())
            if problems:
                raise ValidationError(problems)
            m = store(s, log, data, meeting_id, self._today())
            mid = m.id
        return self.meeting(mid)

    @staticmethod
    def _reason(data: MeetingInput) -> str:
        kind = _kind(data.kind)
        return f"{data.held_on or ''}{kind.value if kind else '民主生活会'}记录"

    def delete(self, meeting_id: int) -> None:
        """Refused once the 问题清单 has items: they are in the 整改台账 (close or keep them there)."""
        with register_unit_of_work(self._sf, self._actor, reason="删除民主生活会记录") as (s, _log):
            m = _meeting(s, meeting_id)
            if m.rectification_id is not None and s.scalar(select(func.count(RectificationItem.id)).where(
                    RectificationItem.rectification_id == m.rectification_id)):
                raise ValidationError("该会议的问题清单已列入整改台账，不能删除；可修改会议记录", field="problems")
            rect_id = m.rectification_id
            s.delete(m)
            s.flush()
            if rect_id is not None:
                rect = s.get(Rectification, rect_id)
                if rect is not None:
                    s.delete(rect)

    def close_item(self, item_id: int, note: str, progress: str = "") -> ItemView:
        """Hand in and 销号 one 问题清单 item in one go (the 整改 page does it step by step)."""
        rect = RectificationService(self._sf, self._actor, self._today)
        item = rect.item(item_id)
        if item.stored_status != RectificationStatus.PENDING_REVIEW:
            rect.submit(item_id, progress or note)
        return rect.close(item_id, note)


# ---------------------------------------------------------------------------------------------------------------
# rules of a record


def validate(s: Session, data: MeetingInput, *, meeting_id: int | None = None, today: dt.date | None = None,
             row: int | None = None, past_deadlines: bool = False) -> list[FieldProblem]:
    """Every problem of `data` (form, import row), each tied to its field; `past_deadlines` lets a meeting held
    before be recorded with the 整改时限 it had."""
    out: list[FieldProblem] = []

    def bad(fld: str, msg: str) -> None:
        out.append(FieldProblem(fld, msg, row))

    kind = _kind(data.kind)
    if kind is None:
        bad("kind", f"会议类型无效：{data.kind}（应为民主生活会或组织生活会）")
    unit = s.get(Unit, data.unit_id) if data.unit_id is not None else None
    if unit is None:
        bad("unit_id", "请选择单位")
    if data.held_on is None:
        bad("held_on", "请填写召开日期")
    elif today is not None and data.held_on > today:
        bad("held_on", "召开日期不能晚于今天")
    if kind == Kind.LIFE_MEETING:
        org = s.get(PartyOrg, data.org_id) if data.org_id is not None else None
        if org is None:
            bad("org_id", "组织生活会须选择召开的党组织")
        elif unit is not None and org.unit_id != unit.id:
            bad("org_id", f"党组织“{org.name}”不属于{unit.name}")
    elif data.org_id is not None:
        bad("org_id", "民主生活会是单位党组（班子）的会议，不填党组织")
    topic = (data.topic or "").strip()
    if not topic:
        bad("topic", "请填写会议主题")
    elif len(topic) > MAX_TOPIC:
        bad("topic", f"会议主题不能超过{MAX_TOPIC}字")
    attendees = clean_names(data.attendees)
    if not attendees:
        bad("attendees", "请填写参会的班子成员")
    for fld, label, names in (("attendees", "参会班子成员", attendees), ("supervisors", "上级督导",
                                                                   clean_names(data.supervisors))):
        if any(len(n) > MAX_NAME for n in names) or len("、".join(names)) > (MAX_NAMES if fld == "supervisors"
                                                                              else MAX_TEXT):
            bad(fld, f"{label}姓名过长")
    if not 0 <= int(data.opinions_solicited or 0) <= MAX_OPINIONS:
        bad("opinions_solicited", "会前征求意见条数应为0或正整数")
    for c in data.criticisms:
        out += criticism_problems(c, attendees, row)
    out += [FieldProblem(p.field, p.message, row) for p in
            check_items(data.problems, None if past_deadlines else today, row)]
    if len(data.note or "") > MAX_TEXT:
        bad("note", f"备注不能超过{MAX_TEXT}字")
    if not out and kind is not None and data.held_on is not None:
        dup = s.scalar(select(LeadershipMeeting.id).where(
            LeadershipMeeting.unit_id == data.unit_id, LeadershipMeeting.kind == kind,
            LeadershipMeeting.held_on == data.held_on,
            LeadershipMeeting.org_id == data.org_id if data.org_id is not None else LeadershipMeeting.org_id.is_(None),
            LeadershipMeeting.id != (meeting_id or 0)))
        if dup is not None:
            bad("held_on", f"该{'党组织' if data.org_id else '单位'}{data.held_on:%Y-%m-%d}已有一条{kind.value}记录")
    return out


def criticism_problems(c: CriticismInput, attendees: list[str], row: int | None = None, *,
                       per_column: bool = False) -> list[FieldProblem]:
    """A 批评意见 item's problems, under the form's 批评意见 table (or, `per_column`, each under its own column:
    kind, target, raised_by, content)."""
    out = []

    def bad(col: str, msg: str) -> None:
        out.append(FieldProblem(col if per_column else "criticisms", msg, row))

    kind = _criticism_kind(c.kind)
    target = (c.target or "").strip()
    if kind is None:
        bad("kind", f"批评类型无效：{c.kind}（应为自我批评或相互批评）")
    if not target:
        bad("target", "每条批评意见须写明针对的班子成员")
    elif attendees and target not in attendees:
        bad("target", f"批评意见针对的“{target}”不在参会班子成员中")
    if not (c.content or "").strip():
        bad("content", f"对“{target or '班子成员'}”的批评意见须写明内容")
    elif len(c.content.strip()) > MAX_TEXT:
        bad("content", f"批评意见不能超过{MAX_TEXT}字")
    raised = (c.raised_by or "").strip()
    if kind == CriticismKind.MUTUAL and raised and raised == target:
        bad("raised_by", f"相互批评的提出人不能是“{target}”本人（本人所谈为自我批评）")
    if len(raised) > MAX_NAME:
        bad("raised_by", "提出人姓名过长")
    return out


def store(s: Session, log: AuditLog, data: MeetingInput, meeting_id: int | None, today: dt.date | None,
          ) -> LeadershipMeeting:
    """Write a validated `data` in the caller's transaction (form and import), audited."""
    kind = _kind(data.kind)
    assert kind is not None and data.unit_id is not None and data.held_on is not None
    if meeting_id is None:
        m = LeadershipMeeting(kind=kind, unit_id=data.unit_id, held_on=data.held_on, created_by=log.who)
        s.add(m)
    else:
        m = _meeting(s, meeting_id)
    m.kind, m.unit_id, m.held_on = kind, data.unit_id, data.held_on
    m.org_id = data.org_id if kind == Kind.LIFE_MEETING else None
    m.topic, m.note = data.topic.strip(), (data.note or "").strip()
    m.attendees = "、".join(clean_names(data.attendees))
    m.supervisors = "、".join(clean_names(data.supervisors))
    m.opinions_solicited = int(data.opinions_solicited or 0)
    m.criticisms = [LeadershipCriticism(kind=_criticism_kind(c.kind), target=c.target.strip(),
                                        raised_by=(c.raised_by or "").strip() or (
                                            c.target.strip() if _criticism_kind(c.kind) == CriticismKind.SELF else ""),
                                        content=c.content.strip(), sort_order=i)
                    for i, c in enumerate(data.criticisms)]
    s.flush()
    if data.problems:
        rect = _rectification(s, m)
        add_items(s, log, rect, data.problems, None)
    return m


def _rectification(s: Session, m: LeadershipMeeting) -> Rectification:
    """The meeting's 问题清单 as a 整改 (made on first use), named after the meeting for the 整改台账."""
    if m.rectification_id is not None:
        rect = s.get(Rectification, m.rectification_id)
        assert rect is not None
        return rect
    unit = s.get(Unit, m.unit_id)
    assert unit is not None
    rect = Rectification(unit_id=m.unit_id, source=f"{m.held_on.year}年{m.kind.value}问题清单（{m.held_on:%m月%d日}）",
                         created_by=m.created_by)
    s.add(rect)
    s.flush()
    m.rectification_id = rect.id
    return rect


def clean_names(names: Sequence[str] | str) -> list[str]:
    """Names from a list or a text joined by 、，, ; or spaces; blanks and repeats dropped, order kept."""
    if isinstance(names, str):
        names = [names]
    out: list[str] = []
    for part in names:
        for n in _split_names(part or ""):
            if n not in out:
                out.append(n)
    return out


def _split_names(text: str) -> list[str]:
    for sep in "，,；;、 \u3000\n":
        text = text.replace(sep, "、")
    return [n.strip() for n in text.split("、") if n.strip()]


def _kind(value: Kind | str) -> Kind | None:
    if isinstance(value, Kind):
        return value
    try:
        return Kind(str(value).strip())
    except ValueError:
        return None


def _criticism_kind(value: CriticismKind | str) -> CriticismKind | None:
    if isinstance(value, CriticismKind):
        return value
    try:
        return CriticismKind(str(value).strip())
    except ValueError:
        return None


def _meeting(s: Session, meeting_id: int) -> LeadershipMeeting:
    m = s.get(LeadershipMeeting, meeting_id)
    if m is None:
        raise NotFoundError(f"会议记录不存在（编号 {meeting_id}）")
    return m


def _views(s: Session, rows: Sequence[LeadershipMeeting], today: dt.date) -> list[MeetingView]:
    if not rows:
        return []
    units = dict(s.execute(select(Unit.id, Unit.name).where(Unit.id.in_({m.unit_id for m in rows}))).all())
    org_ids = {m.org_id for m in rows if m.org_id is not None}
    orgs = dict(s.execute(select(PartyOrg.id, PartyOrg.name).where(PartyOrg.id.in_(org_ids))).all()) if org_ids else {}
    rect_ids = [m.rectification_id for m in rows if m.rectification_id is not None]
    items: dict[int, list[ItemView]] = defaultdict(list)
    if rect_ids:
        from app.services.rectification import _item_views  # the 整改's own view of its items, 逾期 computed

        for it in _item_views(s, today, rectification_ids=rect_ids):
            items[it.rectification_id].append(it)
    crit: dict[int, list[CriticismView]] = defaultdict(list)
    for c in s.scalars(select(LeadershipCriticism).where(LeadershipCriticism.meeting_id.in_([m.id for m in rows]))
                       .order_by(LeadershipCriticism.sort_order, LeadershipCriticism.id)):
        crit[c.meeting_id].append(CriticismView(c.id, c.kind, c.target, c.raised_by, c.content))
    return [MeetingView(m.id, m.kind, m.unit_id, units.get(m.unit_id, ""), m.org_id, orgs.get(m.org_id or 0, ""),
                        m.held_on, m.topic, tuple(_split_names(m.attendees)), tuple(_split_names(m.supervisors)),
                        m.opinions_solicited, m.note, tuple(crit[m.id]), m.rectification_id,
                        tuple(items.get(m.rectification_id or 0, ()))) for m in rows]


# ---------------------------------------------------------------------------------------------------------------
# rules of the year: alerts and suggested deductions


def due_date(year: int, read: Callable[[S.SettingDef], Any]) -> dt.date:
    month = int(read(S.LIFE_DUE_MONTH))
    return dt.date(year, month, 1) + relativedelta(months=1, days=-1)


@dataclass(frozen=True)
class _Held:
    id: int
    kind: Kind
    unit_id: int
    unit: str
    org: str
    held_on: dt.date
    mutual: int
    items: int
    open_items: int


def _held(s: Session, since: dt.date, until: dt.date, unit_ids: Sequence[int] | None = None) -> list[_Held]:
    """Meetings held in [since, until] with their counts of 相互批评 and of 问题清单 items (all, open): three
    grouped queries, whatever the county's size."""
    q = (select(LeadershipMeeting.id, LeadershipMeeting.kind, LeadershipMeeting.unit_id, Unit.name,
                LeadershipMeeting.org_id, LeadershipMeeting.held_on, LeadershipMeeting.rectification_id)
         .join(Unit, Unit.id == LeadershipMeeting.unit_id)
         .where(LeadershipMeeting.held_on.between(since, until), Unit.active.is_(True)))
    if unit_ids is not None:
        q = q.where(LeadershipMeeting.unit_id.in_(list(unit_ids)))
    rows = s.execute(q.order_by(Unit.sort_order, Unit.id, LeadershipMeeting.held_on)).all()
    if not rows:
        return []
    ids = [r[0] for r in rows]
    mutual = dict(s.execute(select(LeadershipCriticism.meeting_id, func.count()).where(
        LeadershipCriticism.meeting_id.in_(ids), LeadershipCriticism.kind == CriticismKind.MUTUAL)
        .group_by(LeadershipCriticism.meeting_id)).all())
    rect_ids = [r[6] for r in rows if r[6] is not None]
    totals: dict[int, int] = {}
    opened: dict[int, int] = {}
    if rect_ids:
        for rid, status, n in s.execute(select(RectificationItem.rectification_id, RectificationItem.status,
                                               func.count()).where(RectificationItem.rectification_id.in_(rect_ids))
                                        .group_by(RectificationItem.rectification_id, RectificationItem.status)):
            totals[rid] = totals.get(rid, 0) + n
            if status != RectificationStatus.CLOSED:
                opened[rid] = opened.get(rid, 0) + n
    org_ids = {r[4] for r in rows if r[4] is not None}
    orgs = dict(s.execute(select(PartyOrg.id, PartyOrg.name).where(PartyOrg.id.in_(org_ids))).all()) if org_ids else {}
    return [_Held(mid, kind, uid, unit, orgs.get(oid, "") if oid else "", held, mutual.get(mid, 0),
                  totals.get(rid, 0) if rid else 0, opened.get(rid, 0) if rid else 0)
            for mid, kind, uid, unit, oid, held, rid in rows]


def findings(s: Session, today: dt.date, unit_ids: Sequence[int] | None = None) -> list[Finding]:
    """What the rules find on `today`: this year's (and last year's) missing 民主生活会, and the meetings of the
    last two years short of 相互批评, without a 问题清单, or with one still open past the limit."""
    read = S.reader(s)
    out: list[Finding] = []
    keep = int(read(S.ALERT_GAP_MONTHS))
    for year in (today.year - 1, today.year):
        due = due_date(year, read)
        warn_from = due.replace(day=1) - relativedelta(months=int(read(S.LIFE_WARN_MONTHS)))
        if today < warn_from or today > due + relativedelta(months=keep):
            continue
        out += _missing(s, year, due, today, unit_ids, today > due)
    out += _meeting_findings(s, dt.date(today.year - 1, 1, 1), today, today, read, unit_ids)
    return out


def _missing(s: Session, year: int, due: dt.date, as_of: dt.date, unit_ids: Sequence[int] | None,
             overdue: bool) -> list[Finding]:
    held = {m.unit_id for m in _held(s, dt.date(year, 1, 1), min(as_of, dt.date(year, 12, 31)), unit_ids)
            if m.kind == Kind.DEMOCRATIC_LIFE}
    q = select(Unit.id, Unit.name).where(Unit.active.is_(True))
    if unit_ids is not None:
        q = q.where(Unit.id.in_(list(unit_ids)))
    out = []
    for uid, name in s.execute(q.order_by(Unit.sort_order, Unit.id)):
        if uid in held:
            continue
        text = (f"{name}：{year}年度民主生活会未召开（应于{due:%Y年%m月%d日}前召开）" if overdue else
                f"{name}：{year}年度民主生活会尚未召开（{due:%m月%d日}前）")
        out.append(Finding(MISSING, uid, name, None, text, due, overdue, (due.year, due.month)))
    return out


def _meeting_findings(s: Session, since: dt.date, until: dt.date, today: dt.date,
                      read: Callable[[S.SettingDef], Any], unit_ids: Sequence[int] | None) -> list[Finding]:
    minimum = int(read(S.LIFE_MIN_MUTUAL))
    close_months = int(read(S.LIFE_CLOSE_MONTHS))
    out = []
    for m in _held(s, since, until, unit_ids):
        subject = f"{m.unit}：{m.org + '：' if m.org else ''}{m.held_on:%Y-%m-%d}{m.kind.value}"
        month = (m.held_on.year, m.held_on.month)
        if m.mutual < minimum:
            got = f"只有{m.mutual}条" if m.mutual else "没有"
            out.append(Finding(NO_MUTUAL, m.unit_id, m.unit, m.id,
                               f"{subject}{got}相互批评意见（至少{minimum}条），批评辣味不够", m.held_on, True, month))
        if m.items == 0:
            out.append(Finding(NO_PROBLEMS, m.unit_id, m.unit, m.id, f"{subject}未形成问题清单和整改措施",
                               m.held_on, True, month))
        limit = m.held_on + relativedelta(months=close_months)
        if m.open_items and today > limit:
            out.append(Finding(UNCLOSED, m.unit_id, m.unit, m.id,
                               f"{subject}问题清单会后{close_months}个月仍有{m.open_items}项（共{m.items}项）未销号",
                               limit, True, (limit.year, limit.month)))
    return out


def alerts(s: Session, today: dt.date) -> list[A.Alert]:
    """The 提醒 lines of every rule (one source for the four kinds)."""
    return [A.Alert(f.key, f.unit, f.message, f.due, TARGET_MEETING if f.meeting_id is not None else TARGET_UNIT,
                    f.meeting_id if f.meeting_id is not None else f.unit_id, f.unit_id, f.overdue)
            for f in findings(s, today)]


def suggestions(s: Session, unit_ids: Sequence[int], year: int, month: int
                ) -> dict[int, list[LeadershipSuggestion]]:
    """Suggested deductions for the month's sheets: what the rules find as of the month's last day (or today, if
    earlier) that belongs to that month."""
    last = dt.date(year, month, 1) + relativedelta(months=1, days=-1)
    as_of = min(last, clock.today())
    read = S.reader(s)
    found: list[Finding] = []
    due = due_date(year, read)
    if (due.year, due.month) == (year, month) and as_of >= due:
        found += _missing(s, year, due, as_of, unit_ids, True)  # the due month is over
    found += [f for f in _meeting_findings(s, dt.date(year, month, 1) - relativedelta(
        months=int(read(S.LIFE_CLOSE_MONTHS)) + 1), as_of, as_of, read, unit_ids) if f.month == (year, month)]
    out: dict[int, list[LeadershipSuggestion]] = {}
    for f in found:
        out.setdefault(f.unit_id, []).append(LeadershipSuggestion(INDICATOR, 1, f.message, f.source))
    return out


# ---------------------------------------------------------------------------------------------------------------
# the year-end packet (app.services.packet_sections)

SECTION_TITLE = "民主生活会"


def _year_views(s: Session, year: int) -> dict[int, list[MeetingView]]:
    rows = list(s.scalars(select(LeadershipMeeting).where(
        LeadershipMeeting.held_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        .order_by(LeadershipMeeting.unit_id, LeadershipMeeting.held_on, LeadershipMeeting.id)))
    out: dict[int, list[MeetingView]] = {}
    for v in _views(s, rows, clock.today()):
        out.setdefault(v.unit_id, []).append(v)
    return out


def packet_section(s: Session, year: int) -> dict[int, PacketSection]:
    """Each unit's 民主生活会 (and 组织生活会) of the year: what was held, the 批评意见 and the 问题清单 with how much of
    it is closed; a unit without its 民主生活会 says so."""
    from app.reports.packet import PacketSection

    out: dict[int, PacketSection] = {}
    by_unit = _year_views(s, year)
    for unit_id, _name in s.execute(select(Unit.id, Unit.name).where(Unit.active.is_(True))):
        views = by_unit.get(unit_id, [])
        paragraphs = [_paragraph(v) for v in views if v.kind == Kind.DEMOCRATIC_LIFE]
        if not paragraphs:
            paragraphs = [f"{year}年度本单位未召开民主生活会。"]
        rows = tuple((f"{v.held_on:%Y-%m-%d}", v.kind.value + (f"（{v.org}）" if v.org else ""), str(v.self_count),
                      str(v.mutual_count), str(len(v.problems)), str(v.closed_count)) for v in views)
        out[unit_id] = PacketSection(SECTION_TITLE, tuple(paragraphs),
                                     ("召开日期", "会议", "自我批评（条）", "相互批评（条）", "问题（项）", "已销号（项）")
                                     if rows else (), rows, (30.0, 46.0, 22.0, 22.0, 18.0, 18.0) if rows else ())
    return out


def _paragraph(v: MeetingView) -> str:
    supervisors = f"，{'、'.join(v.supervisors)}到会督导" if v.supervisors else ""
    closed = (f"，已销号{v.closed_count}项" if v.closed_count < len(v.problems) else "，已全部销号") if v.problems else ""
    return (f"本单位于{v.held_on.year}年{v.held_on.month}月{v.held_on.day}日召开民主生活会，主题为“{v.topic}”。"
            f"参会班子成员{len(v.attendees)}人（{'、'.join(v.attendees)}）{supervisors}；会前征求意见{v.opinions_solicited}条。"
            f"会上开展自我批评{v.self_count}条、相互批评{v.mutual_count}条；查摆问题{len(v.problems)}项{closed}。")


def summary_column(s: Session, year: int) -> tuple[str, dict[int, str]]:
    """The 汇总表 column: the date of the unit's 民主生活会 with its 相互批评 and 问题清单 counts, or 未召开."""
    by_unit = _year_views(s, year)
    cells: dict[int, str] = {}
    for (unit_id,) in s.execute(select(Unit.id).where(Unit.active.is_(True))):
        held = [v for v in by_unit.get(unit_id, []) if v.kind == Kind.DEMOCRATIC_LIFE]
        cells[unit_id] = "；".join(f"{v.held_on.month}月{v.held_on.day}日，相互批评{v.mutual_count}条，问题{len(v.problems)}项"
                                  f"（已销号{v.closed_count}项）" for v in held) or "未召开"
    return "民主生活会", cells


def register_hooks() -> None:
    """Plug into the 提醒 and the monthly scoring form's suggested deductions (idempotent)."""
    from app.services import scoring

    A.register_source(MISSING, alerts)  # one pass gives the four kinds
    scoring.register_suggestion_source(suggestions)


register_hooks()
