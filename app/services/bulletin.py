"""月度通报 and 考评情况反馈单: gathering what a locked month printed, issuing with a 发文字号, keeping what was issued.

The data comes from the ranking service (ranks, tiers, 环比, 约谈 candidates: never recomputed here), the
month's deductions and bonuses, the county mean of the year's locked months and the audit chain head.

Issuing takes the next 发文字号 of the year of issue (代字〔年份〕序号号, counted over every 通报 the app has
issued that year) and stores a `Bulletin`: the JSON of the data printed, the .docx bytes, their SHA-256, the
chain head, who and when.  Nothing issued is ever changed: issuing the same month again (after a correction, say)
needs a reason and makes a new document with a new number that names the one it replaces; a month reopened and
locked again leaves the old 通报 exactly as it was.

The document is built between two short transactions (reading, then writing), so building it never holds the
database's write lock; the write checks that the month was not reopened in between and that the number is free.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.errors import NotFoundError, OperationCancelled, ReportError, ValidationError
from app.models import (
    AuditEntry,
    Bonus,
    Bulletin,
    Deduction,
    Indicator,
    IndicatorCategory,
    IndicatorMethod,
    IndicatorScheme,
    Interview,
    Period,
    PeriodKind,
    PeriodState,
    ScoreItem,
    ScoreSheet,
    Tier,
    Unit,
)
from app.reports.bulletin import (
    DEFAULT_REQUIREMENTS,
    BulletinContent,
    DeductionRecord,
    RankingRow,
    Requirement,
    build_bulletin,
    bulletin_filename,
)
from app.reports.config import issuer_from_settings, style_from_settings
from app.reports.content import AuditAnchor, Category
from app.reports.draft import draft_name
from app.reports.feedback import (
    CategoryResult,
    FeedbackLine,
    FeedbackSheetContent,
    SelfDifference,
    build_feedback_sheet,
    build_feedback_sheets,
    feedback_filename,
)
from app.reports.gongwen import DocNumber, IssuingBody, safe_filename
from app.reports.output import write_atomic
from app.reports.styles import DocumentStyle
from app.services import anchors, unit_scope
from app.services.audit import read_head, unit_of_work
from app.services.county_names import require_real_names
from app.services.ranking import MonthPoint, Ranking, RankingService
from app.services.register import unit_addressees
from app.services.workdays import WorkCalendar

SessionFactory = Callable[[], Session]
Progress = Callable[[int, int, str], None]
Cancelled = Callable[[], bool]

SNAPSHOT_VERSION = 1
MAX_REASON = 500


# ---------------------------------------------------------------------------------------------------------------
# views


@dataclass(frozen=True)
class MonthChoice:
    """A month the 通报 page offers: locked months can be issued; feedback sheets need every sheet reviewed."""

    period_id: int
    key: str
    title: str
    year: int
    month: int
    state: PeriodState
    bulletins: int

    @property
    def locked(self) -> bool:
        return self.state == PeriodState.LOCKED


@dataclass(frozen=True)
class BulletinView:
    id: int
    period_id: int
    period_key: str
    period_title: str
    doc_number: str
    title: str
    issued_on: dt.date
    issued_at: dt.datetime
    issued_by: str
    reason: str
    supersedes: str | None  # 文号 of the 通报 this one replaces
    superseded_by: str | None  # 文号 of the 通报 that replaced this one
    audit_seq: int
    audit_hash: str
    sha256: str
    file_name: str
    reopened_since: bool  # the month was reopened after this was issued (its data may have changed since)

    @property
    def current(self) -> bool:
        return self.superseded_by is None

    @property
    def status(self) -> str:
        if self.superseded_by:
            return f"已被{self.superseded_by}替代"
        return "考评期已重新开放过，数据可能已变" if self.reopened_since else "有效"


@dataclass(frozen=True)
class Gathered:
    """What one reading of the database produced for a 通报 (before it is numbered and built)."""

    content: BulletinContent
    issuer: IssuingBody
    style: DocumentStyle
    period_id: int
    locked_at: dt.datetime | None
    previous: int | None  # the month's current 通报, which a reissue supersedes


# ---------------------------------------------------------------------------------------------------------------
# snapshots: BulletinContent ⇄ JSON


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def content_to_json(content: BulletinContent) -> str:
    """The snapshot of what a 通报 printed (stable key order, Decimals as text, so it reads back exactly)."""
    return json.dumps({"version": SNAPSHOT_VERSION, **_plain(asdict(content))}, ensure_ascii=False, sort_keys=True)


def _dec(v: str | None) -> Decimal | None:
    return None if v is None else Decimal(v)


def _number(d: dict[str, Any] | None) -> DocNumber | None:
    return None if d is None else DocNumber(d["code"], int(d["year"]), int(d["sequence"]))


def content_from_json(text: str) -> BulletinContent:
    d = json.loads(text)
    if d.get("version") != SNAPSHOT_VERSION:
        raise ReportError(f"通报快照的格式版本（{d.get('version')}）不是本程序能读的版本")
    number = _number(d["number"])
    assert number is not None
    return BulletinContent(
        year=d["year"], month=d["month"], number=number, issued_on=dt.date.fromisoformat(d["issued_on"]),
        categories=tuple(Category(c["name"], Decimal(c["points"]), c["bonus"]) for c in d["categories"]),
        rows=tuple(RankingRow(r["unit"], tuple(Decimal(x) for x in r["category_scores"]), Decimal(r["total"]),
                              r["rank"], r["tier"], _dec(r["change"]), r["veto"]) for r in d["rows"]),
        deductions=tuple(DeductionRecord(x["unit"], x["category"], x["indicator"], x["reason"], Decimal(x["points"]))
                         for x in d["deductions"]),
        audit=AuditAnchor(d["audit"]["sequence"], d["audit"]["digest"]),
        trend=tuple(_dec(x) for x in d["trend"]),
        interviewees=tuple(d["interviewees"]),
        backward_below=Decimal(d["backward_below"]),
        backward_highest=_dec(d.get("backward_highest")),  # absent from snapshots of 通报 that drew no such line
        advanced_lowest=_dec(d.get("advanced_lowest")),
        printed_on=None if d["printed_on"] is None else dt.date.fromisoformat(d["printed_on"]),
        requirements=tuple(Requirement(r["lead"], r["text"]) for r in d["requirements"]),
        supersedes=_number(d["supersedes"]),
        county=d["county"],
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------------------------------
# the service


@unit_scope.committee_only("生成、印发或导出通报：本单位的结果在通报印发后于“本单位填报”中查看")
class BulletinService:
    def __init__(self, session_factory: SessionFactory, actor: str | None = None,
                 today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._actor = actor
        self._today = today
        self._ranking = RankingService(session_factory)

    # --- what there is ----------------------------------------------------------------------------------------

    def months(self) -> list[MonthChoice]:
        """Every monthly period, newest first, with how many 通报 each has."""
        with self._sf() as s:
            counts = dict(s.execute(select(Bulletin.period_id, func.count()).group_by(Bulletin.period_id)).all())
            q = select(Period).where(Period.kind == PeriodKind.MONTH).order_by(Period.key.desc())
            return [MonthChoice(p.id, p.key, p.title, p.year, p.month or 0, p.state, counts.get(p.id, 0))
                    for p in s.scalars(q)]

    def bulletins(self, period_id: int | None = None, year: int | None = None) -> list[BulletinView]:
        """Issued 通报, newest first (of one month, or of the months of one year)."""
        with self._sf() as s:
            q = select(Bulletin).join(Period, Period.id == Bulletin.period_id)
            if period_id is not None:
                q = q.where(Bulletin.period_id == period_id)
            if year is not None:
                q = q.where(Period.year == year)
            rows = list(s.scalars(q.order_by(Bulletin.issued_at.desc(), Bulletin.id.desc())))
            return _views(s, rows)

    def bulletin(self, bulletin_id: int) -> BulletinView:
        with self._sf() as s:
            return _views(s, [_get(s, bulletin_id)])[0]

    def current_for(self, year: int, month: int) -> BulletinView | None:
        """The month's 通报 in force (the last issued), if any."""
        views = [v for v in self.bulletins(self._period_id(year, month)) if v.current]
        return views[0] if views else None

    def snapshot(self, bulletin_id: int) -> BulletinContent:
        """The data the 通报 printed, as it was when it was issued."""
        with self._sf() as s:
            return content_from_json(_get(s, bulletin_id).snapshot)

    def document(self, bulletin_id: int) -> bytes:
        """The issued .docx, checked against the hash stored when it was issued."""
        with self._sf() as s:
            b = _get(s, bulletin_id)
            data, expected, number = b.document, b.sha256, b.doc_number
        if sha256(data) != expected:
            raise ReportError(f"通报{number}的存档文件与印发时的校验码不符（数据库被绕过程序修改），不能导出")
        return data

    def next_number(self, year: int | None = None) -> DocNumber:
        """The 文号 the next 通报 issued in `year` (default: this year) gets."""
        year = year or self._today().year
        with self._sf() as s:
            code = str(S.get(s, S.ISSUER_CODE)).strip()
            return DocNumber(code, year, _next_sequence(s, code, year))

    # --- gathering ----------------------------------------------------------------------------------------------

    def content(self, year: int, month: int, *, issued_on: dt.date | None = None,
                number: DocNumber | None = None) -> BulletinContent:
        """What the month's 通报 would print now (numbered with `number`, default the next free one)."""
        gathered = self._gather(year, month, issued_on or self._today(), number, None)
        return gathered.content

    def _period_id(self, year: int, month: int) -> int:
        with self._sf() as s:
            pid = s.scalar(select(Period.id).where(Period.kind == PeriodKind.MONTH, Period.year == year,
                                                   Period.month == month))
        if pid is None:
            raise NotFoundError(f"{year}年{month}月还没有考评")
        return pid

    def _gather(self, year: int, month: int, issued_on: dt.date, number: DocNumber | None,
                supersedes: DocNumber | None) -> Gathered:
        ranking = self._ranking.month(year, month)
        if ranking.state != PeriodState.LOCKED:
            raise ValidationError(f"{ranking.title}的考评尚未锁定（当前为“{ranking.state}”），锁定后才能印发通报",
                                  field="period")
        if not ranking.rows:
            raise ValidationError(f"{ranking.title}没有任何单位的考评结果，不能生成通报", field="period")
        trend = self._ranking.year_trend(year)
        with self._sf() as s:
            period = s.get_one(Period, ranking.period_id)
            read = S.reader(s)
            issuer, style = issuer_from_settings(read), style_from_settings(read)
            number = number or DocNumber(issuer.code, issued_on.year, _next_sequence(s, issuer.code, issued_on.year))
            head = read_head(s)
            previous = current_bulletin(s, period.id)
            content = BulletinContent(
                year=year, month=month, number=number, issued_on=issued_on,
                categories=_categories(s, period), rows=tuple(_report_rows(ranking)),
                deductions=tuple(_deductions(s, period.id)),
                audit=AuditAnchor(head.seq, head.hash) if head else AuditAnchor(0, "0" * 64),
                trend=_trend(trend, month),
                interviewees=tuple(_interviewees(s, period.id, ranking)),
                backward_below=ranking.rules.backward_below,
                backward_highest=_tier_edge(ranking, Tier.BACKWARD),
                advanced_lowest=_tier_edge(ranking, Tier.ADVANCED),
                requirements=_requirements(read),
                supersedes=supersedes,
            )
            return Gathered(content, issuer, style, period.id, period.locked_at,
                            previous.id if previous is not None else None)

    # --- issuing ---------------------------------------------------------------------------------------------

    def issue(self, year: int, month: int, *, issued_on: dt.date | None = None, sequence: int | None = None,
              reason: str = "", progress: Progress | None = None, cancelled: Cancelled | None = None
              ) -> BulletinView:
        """Issue the month's 通报: number it, build it, store it.  A month that already has one needs `reason`
        (the new one supersedes it).  `sequence` overrides the next free number of the year (offices also number
        documents outside this app); a number already used is refused."""
        report = progress or (lambda done, total, text: None)
        stop = cancelled or (lambda: False)
        issued_on = issued_on or self._today()
        reason = (reason or "").strip()
        if len(reason) > MAX_REASON:
            raise ValidationError(f"理由不能超过{MAX_REASON}字", field="reason")
        report(0, 4, "正在读取考评数据……")
        with self._sf() as s:
            require_real_names(s)  # never under 示范县's placeholder names (asked before anything is built)
            code = str(S.get(s, S.ISSUER_CODE)).strip()
            number = choose_number(s, code, issued_on.year, sequence)
            previous = current_bulletin(s, self._period_id(year, month))
            supersedes = DocNumber(previous.doc_code, previous.doc_year, previous.doc_seq) if previous else None
        if supersedes is not None and not reason:
            raise ValidationError(f"{year}年{month}月已印发通报（{supersedes}），重新印发须说明理由；"
                                  f"新通报将使用新的文号，原通报予以保留", field="reason")
        gathered = self._gather(year, month, issued_on, number, supersedes)
        _check(stop)
        report(1, 4, "正在绘制图表、排版通报……")
        data = build_bulletin(gathered.content, gathered.issuer, gathered.style)
        _check(stop)
        report(3, 4, "正在保存……")
        view = self._store(gathered, data, reason)
        report(4, 4, "完成")
        return view

    def _store(self, g: Gathered, data: bytes, reason: str) -> BulletinView:
        c = g.content
        try:
            with unit_of_work(self._sf, self._actor) as (s, log):
                require_real_names(s)  # checked again where it is stored: the names may have changed meanwhile
                period = s.get_one(Period, g.period_id)
                if period.state != PeriodState.LOCKED or period.locked_at != g.locked_at:
                    raise ValidationError(f"{period.title}的考评在生成通报期间被重新开放或重新锁定，请重新生成",
                                          field="period")
                if _current_id(s, period.id) != g.previous:
                    raise ValidationError(f"{period.title}的通报在生成期间已由他人印发，请刷新后重试", field="period")
                if number_taken(s, c.number.code, c.number.year, c.number.sequence):
                    raise ValidationError(f"文号{c.number}在生成期间已被使用，请重新生成", field="sequence")
                b = Bulletin(period_id=period.id, doc_code=c.number.code, doc_year=c.number.year,
                             doc_seq=c.number.sequence, title=f"关于{c.year}年{c.month}月全县机关党建工作考评情况的通报",
                             issued_on=c.issued_on, issued_by=log.who, reason=reason, supersedes_id=g.previous,
                             audit_seq=c.audit.sequence, audit_hash=c.audit.digest, snapshot=content_to_json(c),
                             sha256=sha256(data), file_name=bulletin_filename(c), document=data)
                s.add(b)
                s.flush()
                log.record("印发", "bulletin", b.id, "doc_number", str(c.supersedes) if c.supersedes else None,
                           str(c.number), reason=reason or f"{period.title}考评情况通报")
                log.anchor(anchors.ISSUE)  # the head it printed, kept outside the database too
                return _views(s, [b])[0]
        except IntegrityError as exc:  # another process took the number between the check and the insert
            raise ValidationError(f"文号{c.number}已被使用，请重新生成", field="sequence") from exc

    def export(self, bulletin_id: int, target: str | Path) -> Path:
        """Write the issued 通报 to `target` (atomically; a file open in Word/WPS → OutputLockedError)."""
        return write_atomic(target, self.document(bulletin_id))

    def export_to_folder(self, bulletin_id: int, folder: str | Path) -> Path:
        view = self.bulletin(bulletin_id)
        return self.export(bulletin_id, Path(folder) / view.file_name)

    # --- 考评情况反馈单 -----------------------------------------------------------------------------------------

    def feedback_contents(self, year: int, month: int, *, issued_on: dt.date | None = None,
                          unit_ids: Sequence[int] | None = None) -> list[FeedbackSheetContent]:
        """One sheet's data per unit, in rank order.  The month's sheets must all be reviewed (units may raise
        objections before the month is locked)."""
        ranking = self._ranking.month(year, month)
        if ranking.state == PeriodState.DRAFT:
            raise ValidationError(f"{ranking.title}的考评尚未全部复核，不能生成考评情况反馈单", field="period")
        if not ranking.rows:
            raise ValidationError(f"{ranking.title}没有任何单位的考评结果", field="period")
        day = issued_on or self._today()
        wanted = set(unit_ids) if unit_ids is not None else None
        with self._sf() as s:
            read = S.reader(s)
            objection_days = int(read(S.FEEDBACK_OBJECTION_DAYS))
            objection_until = WorkCalendar.from_settings(read).add(day, objection_days)
            period = s.get_one(Period, ranking.period_id)
            cats = _categories(s, period)
            selfs = _self_scores(s, period.id)
            lines = _feedback_lines(s, period.id)
            differences = _self_differences(s, period.id)
            addressees = unit_addressees(s, [r.unit_id for r in ranking.rows])
        out = []
        for r in ranking.rows:
            if wanted is not None and r.unit_id not in wanted:
                continue
            own = selfs.get(r.sheet_id, {})
            results = tuple(CategoryResult(c, r.categories.get(c.name, Decimal("0.0")), own.get(c.name))
                            for c in cats)
            out.append(FeedbackSheetContent(year, month, r.unit, r.total, r.rank, len(ranking.rows), r.tier.value,
                                            results, tuple(lines.get(r.sheet_id, [])), day, change=r.change,
                                            self_total=r.self_total, veto=r.veto, objection_days=objection_days,
                                            objection_until=objection_until,
                                            draft=ranking.state != PeriodState.LOCKED,
                                            addressee=addressees[r.unit_id],
                                            differences=tuple(differences.get(r.sheet_id, []))))
        if wanted is not None and not out:
            raise NotFoundError("所选单位在该月没有考评表")
        return out

    def write_feedback(self, year: int, month: int, folder: str | Path, *, combined: bool = False,
                       issued_on: dt.date | None = None, unit_ids: Sequence[int] | None = None,
                       progress: Progress | None = None, cancelled: Cancelled | None = None) -> list[Path]:
        """One .docx per unit in `folder` (and, with `combined`, one file of all sheets for printing).  Every
        document is built before the first is written, so a cancel leaves the folder as it was."""
        report = progress or (lambda done, total, text: None)
        stop = cancelled or (lambda: False)
        report(0, 0, "正在读取考评数据……")
        contents = self.feedback_contents(year, month, issued_on=issued_on, unit_ids=unit_ids)
        with self._sf() as s:
            read = S.reader(s)
            issuer, style = issuer_from_settings(read), style_from_settings(read)
        total = len(contents) + (1 if combined else 0) + 1
        built: list[tuple[str, bytes]] = []
        for i, c in enumerate(contents):
            _check(stop)
            report(i, total, f"正在生成{c.unit}的反馈单（{i + 1}/{len(contents)}）……")
            built.append((feedback_filename(c), build_feedback_sheet(c, issuer, style)))
        if combined:
            _check(stop)
            report(len(contents), total, "正在生成合并打印本……")
            name = draft_name(safe_filename(f"{year}年{month}月考评情况反馈单（全部{len(contents)}个单位，打印用）.docx"),
                              any(c.draft for c in contents))
            built.append((name, build_feedback_sheets(contents, issuer, style)))
        _check(stop)
        report(total - 1, total, "正在保存文件……")
        folder = Path(folder)
        paths = [write_atomic(folder / name, data) for name, data in built]
        report(total, total, "完成")
        return paths


# ---------------------------------------------------------------------------------------------------------------
# reading helpers


def _check(cancelled: Cancelled) -> None:
    if cancelled():
        raise OperationCancelled("已取消，未保存任何文件")


def _get(s: Session, bulletin_id: int) -> Bulletin:
    b = s.get(Bulletin, bulletin_id)
    if b is None:
        raise NotFoundError(f"通报不存在（编号 {bulletin_id}）")
    return b


# --- 文号 and the 通报 in force: one place for the month's, the quarter's and the year's 通报 -------------------


def choose_number(s: Session, code: str, year: int, sequence: int | None) -> DocNumber:
    """The 文号 to use: the next of the year over every 通报 the app issued, or `sequence` if it is free
    (offices also number documents outside the app)."""
    if sequence is None:
        return DocNumber(code, year, _next_sequence(s, code, year))
    try:
        seq = int(sequence)
    except (TypeError, ValueError):
        raise ValidationError(f"发文序号应为正整数，不能是“{sequence}”", field="sequence") from None
    if not 1 <= seq <= 9999:
        raise ValidationError("发文序号应为1至9999之间的整数", field="sequence")
    if number_taken(s, code, year, seq):
        raise ValidationError(f"文号{DocNumber(code, year, seq)}已被使用，请换一个序号", field="sequence")
    return DocNumber(code, year, seq)


def _next_sequence(s: Session, code: str, year: int) -> int:
    top = s.scalar(select(func.max(Bulletin.doc_seq)).where(Bulletin.doc_code == code, Bulletin.doc_year == year))
    return int(top or 0) + 1


def number_taken(s: Session, code: str, year: int, seq: int) -> bool:
    return s.scalar(select(Bulletin.id).where(Bulletin.doc_code == code, Bulletin.doc_year == year,
                                              Bulletin.doc_seq == seq)) is not None


def current_bulletin(s: Session, period_id: int) -> Bulletin | None:
    """The period's newest 通报 (the one in force)."""
    return s.scalar(select(Bulletin).where(Bulletin.period_id == period_id)
                    .order_by(Bulletin.issued_at.desc(), Bulletin.id.desc()).limit(1))


def _current_id(s: Session, period_id: int) -> int | None:
    b = current_bulletin(s, period_id)
    return b.id if b is not None else None


def _views(s: Session, rows: Sequence[Bulletin]) -> list[BulletinView]:
    if not rows:
        return []
    ids = [b.id for b in rows]
    replaced_by = {old: new for new, old in s.execute(
        select(Bulletin.id, Bulletin.supersedes_id).where(Bulletin.supersedes_id.in_(ids))).all()}
    related = {b.supersedes_id for b in rows if b.supersedes_id} | set(replaced_by.values())
    numbers = {i: str(DocNumber(code, year, seq)) for i, code, year, seq in s.execute(
        select(Bulletin.id, Bulletin.doc_code, Bulletin.doc_year, Bulletin.doc_seq).where(Bulletin.id.in_(related)))}
    periods = {p.id: p for p in s.scalars(select(Period).where(Period.id.in_({b.period_id for b in rows})))}
    reopened = _reopened_after(s, rows)
    out = []
    for b in rows:
        p = periods[b.period_id]
        out.append(BulletinView(
            b.id, b.period_id, p.key, p.title, b.doc_number, b.title, b.issued_on, b.issued_at, b.issued_by, b.reason,
            numbers.get(b.supersedes_id) if b.supersedes_id else None,
            numbers.get(replaced_by[b.id]) if b.id in replaced_by else None,
            b.audit_seq, b.audit_hash, b.sha256, b.file_name, b.id in reopened))
    return out


def _reopened_after(s: Session, rows: Sequence[Bulletin]) -> set[int]:
    """Bulletins whose month was reopened after they were issued (an audit entry 重新开放 after their anchor)."""
    reopen = s.execute(select(AuditEntry.entity_id, func.max(AuditEntry.seq))
                       .where(AuditEntry.entity == "period", AuditEntry.action == "重新开放",
                              AuditEntry.entity_id.in_({b.period_id for b in rows}))
                       .group_by(AuditEntry.entity_id)).all()
    last = {pid: seq for pid, seq in reopen}
    return {b.id for b in rows if last.get(b.period_id, -1) > b.audit_seq}


def _trend(points: Sequence[MonthPoint], month: int) -> tuple[Decimal | None, ...]:
    """The county mean of months 1..12: locked months before this one only (drafts are not results yet)."""
    means = {p.month: p.mean for p in points if p.state == PeriodState.LOCKED and p.month < month}
    return tuple(means.get(m) for m in range(1, 13))


def _tier_edge(ranking: Ranking, tier: Tier) -> Decimal | None:
    """Where `tier` ended this month: the highest 后进 total or the lowest 先进 total (None: nobody in the tier).
    The tiers follow rank shares as well as the 后进 score rule, so this, not the rule's 80 points, is the line
    the distribution chart draws."""
    totals = [r.total for r in ranking.rows if r.tier == tier]
    if not totals:
        return None
    return max(totals) if tier == Tier.BACKWARD else min(totals)


def _categories(s: Session, period: Period) -> tuple[Category, ...]:
    q = (select(IndicatorCategory.name, IndicatorCategory.points, IndicatorCategory.is_bonus)
         .where(IndicatorCategory.scheme_id == period.scheme_id).order_by(IndicatorCategory.sort_order))
    return tuple(Category(name, points, bool(bonus)) for name, points, bonus in s.execute(q))


def _report_rows(ranking: Ranking) -> list[RankingRow]:
    names = ranking.category_names
    return [RankingRow(r.unit, tuple(r.categories.get(n, Decimal("0.0")) for n in names), r.total, r.rank,
                       r.tier.value, r.change, r.veto) for r in ranking.rows]


def _deductions(s: Session, period_id: int) -> list[DeductionRecord]:
    """Every deduction of the month, one record per occurrence (so that 存在问题 counts occurrences).  Points are
    what the unit actually lost: an indicator never loses more than it is worth, so occurrences beyond its limit
    are counted with the points that were left (0 once the indicator is at 0)."""
    q = (select(ScoreItem.id, Unit.name, IndicatorCategory.name, Indicator.name, Indicator.points,
                ScoreItem.review_score, Deduction.reason, Deduction.points_each, Deduction.occurrences)
         .join(ScoreItem, ScoreItem.id == Deduction.item_id)
         .join(ScoreSheet, ScoreSheet.id == ScoreItem.sheet_id)
         .join(Unit, Unit.id == ScoreSheet.unit_id)
         .join(Indicator, Indicator.id == ScoreItem.indicator_id)
         .join(IndicatorCategory, IndicatorCategory.id == Indicator.category_id)
         .where(ScoreSheet.period_id == period_id)
         .order_by(Unit.sort_order, Unit.id, IndicatorCategory.sort_order, Indicator.sort_order, Deduction.id))
    out: list[DeductionRecord] = []
    left: dict[int, Decimal] = {}
    for item_id, unit, category, indicator, points, score, reason, each, n in s.execute(q):
        remaining = left.setdefault(item_id, max(Decimal(0), points - score))
        for _ in range(max(1, int(n))):
            taken = min(each, remaining)
            remaining -= taken
            out.append(DeductionRecord(unit, category, indicator, reason, taken))
        left[item_id] = remaining
    return out


def _interviewees(s: Session, period_id: int, ranking: Ranking) -> list[str]:
    """The units summoned: those with an Interview recorded for the month, else the ranking's candidates."""
    recorded = set(s.scalars(select(Interview.unit_id).where(Interview.period_id == period_id)))
    if recorded:
        return [r.unit for r in ranking.rows if r.unit_id in recorded]
    return [r.unit for r in ranking.interviews]


def _requirements(read: Callable[[S.SettingDef], Any]) -> tuple[Requirement, ...]:
    """四、工作要求, with the 整改 time limit the settings say (the default text says 15 working days)."""
    days = int(read(S.RECTIFY_WORKING_DAYS))
    return tuple(Requirement(r.lead, r.text.replace("15个工作日", f"{days}个工作日")) for r in DEFAULT_REQUIREMENTS)


def _self_scores(s: Session, period_id: int) -> dict[int, dict[str, Decimal | None]]:
    """sheet id → category → the unit's 自评 sum (None when the unit entered none in that category)."""
    q = (select(ScoreItem.sheet_id, IndicatorCategory.name, ScoreItem.self_score)
         .join(ScoreSheet, ScoreSheet.id == ScoreItem.sheet_id)
         .join(Indicator, Indicator.id == ScoreItem.indicator_id)
         .join(IndicatorCategory, IndicatorCategory.id == Indicator.category_id)
         .where(ScoreSheet.period_id == period_id))
    out: dict[int, dict[str, Decimal | None]] = {}
    for sheet_id, cat, own in s.execute(q):
        cats = out.setdefault(sheet_id, {})
        if own is not None:
            cats[cat] = (cats.get(cat) or Decimal("0.0")) + own
        else:
            cats.setdefault(cat, None)
    return out


def _self_differences(s: Session, period_id: int) -> dict[int, list[SelfDifference]]:
    """sheet id → the indicators whose 自评 is not the 复核 score, in the scheme's order, each with the 工委's
    reason: the reasons of its deductions (bonuses), or what a 复核 with none recorded means."""
    q = (select(ScoreItem.id, ScoreItem.sheet_id, IndicatorCategory.name, Indicator.name, Indicator.method,
                ScoreItem.self_score, ScoreItem.review_score, ScoreItem.self_note)
         .join(ScoreSheet, ScoreSheet.id == ScoreItem.sheet_id)
         .join(Indicator, Indicator.id == ScoreItem.indicator_id)
         .join(IndicatorCategory, IndicatorCategory.id == Indicator.category_id)
         .where(ScoreSheet.period_id == period_id, ScoreItem.self_score.is_not(None),
                ScoreItem.self_score != ScoreItem.review_score)
         .order_by(ScoreItem.sheet_id, IndicatorCategory.sort_order, IndicatorCategory.id, Indicator.sort_order,
                   Indicator.id))
    found = list(s.execute(q))
    reasons: dict[int, list[str]] = {}
    ids = [row[0] for row in found]
    for model in (Deduction, Bonus):
        for chunk in range(0, len(ids), 900):
            for item_id, reason in s.execute(select(model.item_id, model.reason)
                                             .where(model.item_id.in_(ids[chunk:chunk + 900])).order_by(model.id)):
                reasons.setdefault(item_id, []).append(reason)
    out: dict[int, list[SelfDifference]] = {}
    for item_id, sheet_id, cat, ind, method, own, review, note in found:
        assert own is not None  # the query's condition
        given = reasons.get(item_id)
        if given:
            why = "；".join(given)
        elif method == IndicatorMethod.BONUS:
            why = "未提供加分依据，不予加分"
        else:
            why = "经复核未发现扣分情形，按满分计"
        out.setdefault(sheet_id, []).append(SelfDifference(cat, ind, own, review, why, note))
    return out


def _feedback_lines(s: Session, period_id: int) -> dict[int, list[FeedbackLine]]:
    """sheet id → its deductions (negative) and bonuses (positive), in the scheme's order.

    Where an indicator's deductions add up to more than it can lose (or its bonuses to more than it can add, or a
    sheet's bonuses to more than the scheme's ceiling), a 封顶调整 line of its own gives the excess back: the sheet
    answers "why did we lose points", and its lines must add up to the points lost, not hide the cap in a reason."""
    ceiling = s.scalar(select(IndicatorScheme.bonus_ceiling).join(Period, Period.scheme_id == IndicatorScheme.id)
                       .where(Period.id == period_id))
    out: dict[int, list[tuple[tuple[int, int, int], FeedbackLine]]] = {}
    groups: dict[tuple[int, int, int], _Group] = {}  # (sheet, category order, indicator order) → its sum
    for model, sign in ((Deduction, -1), (Bonus, 1)):
        q = (select(ScoreItem.sheet_id, IndicatorCategory.sort_order, Indicator.sort_order, model.id,
                    IndicatorCategory.name, Indicator.name, model.points_each, model.occurrences, model.reason,
                    model.evidence_note, Indicator.points, Indicator.cap)
             .join(ScoreItem, ScoreItem.id == model.item_id)
             .join(ScoreSheet, ScoreSheet.id == ScoreItem.sheet_id)
             .join(Indicator, Indicator.id == ScoreItem.indicator_id)
             .join(IndicatorCategory, IndicatorCategory.id == Indicator.category_id)
             .where(ScoreSheet.period_id == period_id))
        for sheet_id, cat_order, ind_order, row_id, cat, ind, each, n, reason, evidence, points, cap in s.execute(q):
            amount = each * n
            if amount == 0:
                continue
            reason_text = reason if n == 1 else f"{reason}（{n}次，每次{each}分）"
            out.setdefault(sheet_id, []).append(
                ((cat_order, ind_order, row_id), FeedbackLine(cat, ind, amount * sign, reason_text, evidence)))
            limit = points if cap is None else min(cap, points)  # as Indicator.limit
            group = groups.setdefault((sheet_id, cat_order, ind_order), _Group(cat, ind, sign, limit, cap is None))
            group.total += amount
    bonus_added: dict[int, tuple[int, str, Decimal]] = {}  # sheet → (last bonus category order, its name, sum)
    for (sheet_id, cat_order, ind_order), g in sorted(groups.items()):
        counted = min(g.total, g.limit)
        if g.total > g.limit:
            out[sheet_id].append(((cat_order, ind_order, _CAP_LAST), g.cap_line()))
        if g.sign > 0:
            _, _, added = bonus_added.get(sheet_id, (0, "", Decimal(0)))
            bonus_added[sheet_id] = (cat_order, g.category, added + counted)
    for sheet_id, (cat_order, category, added) in bonus_added.items():
        if ceiling is not None and added > ceiling:
            line = FeedbackLine(category, "加分合计", ceiling - added,
                                f"封顶调整（加分合计不超过{ceiling}分，超出的{added - ceiling}分不计）", cap=True)
            out[sheet_id].append(((cat_order, _CAP_LAST, _CAP_LAST), line))
    return {sid: [line for _, line in sorted(lines, key=lambda x: x[0])] for sid, lines in out.items()}


_CAP_LAST = 2**62  # sorts a 封顶调整 line after the lines it adjusts


@dataclass
class _Group:
    """The deductions (sign −1) or bonuses (+1) recorded on one indicator of one sheet, against its limit."""

    category: str
    indicator: str
    sign: int
    limit: Decimal
    uncapped: bool  # the limit is the indicator's points (no cap of its own)
    total: Decimal = Decimal("0.0")

    def cap_line(self) -> FeedbackLine:
        excess = self.total - self.limit
        if self.sign < 0:
            rule = "本项扣分不超过该项分值" if self.uncapped else f"本项扣分以{self.limit}分为限"
            text = f"封顶调整（{rule}：本项合计扣{self.total}分，实扣{self.limit}分，超出的{excess}分不计）"
        else:
            text = f"封顶调整（本项加分以{self.limit}分为限：本项合计加{self.total}分，超出的{excess}分不计）"
        return FeedbackLine(self.category, self.indicator, -self.sign * excess, text, cap=True)
