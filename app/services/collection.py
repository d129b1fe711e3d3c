"""单位填报: the monthly collection round, offline.

The 工委 sends every unit a workbook for the month (`send`: one .xlsx per unit, app.reports.collection_book) and
reads the returned ones back (`receive`).  Each workbook is signed: HMAC-SHA256 over (unit id, month, template
version, the workbook's nonce) under a county secret kept in this database's `setting` table (made at first use,
never written into a workbook).  A returned file is refused, with its reason, when it has no signature or an
edited one, when it was signed for another month, from an older template or before the unit's workbook was sent
again, or when it was signed for one unit and renamed for another.

A file that passes is read all-or-nothing, every problem with its sheet, row and column:
- 自评: each indicator's 自评得分 (score_rules.parse_score, at most the indicator's points) and 说明/佐证 go to
  `ScoreItem.self_score` / `self_note` and the sheet's `self_total`; the 工委's 复核 (review scores, deductions)
  is never touched;
- 组织生活: the rows are checked by the organisation-life import's own row checks (app.services.orglife_io); a
  meeting the 工委 already entered (same organisation, kind and date) is not entered again;
- 整改进展: the progress is appended to the item's 整改情况 as the unit's report (dated), status unchanged.
The same file received twice changes nothing (its SHA-256 is kept); a locked month takes no returns.

State of a unit in a round (never stored): 未下发, 已下发, 已收回, 有误 (the last file refused for its contents,
with the reasons), 逾期 (sent, not back, past the deadline).  The deadline is fixed when the round is first sent:
the setting `collect.deadline_workday` (default the 5th working day of the next month, app.services.workdays).
Units not back by the deadline are in the 提醒 (`collection_overdue`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.errors import FieldProblem, ImportFileError, ValidationError
from app.models import (
    CollectionReturn,
    CollectionRound,
    Indicator,
    IndicatorCategory,
    OrgLifeKind,
    OrgLifeRecord,
    PartyOrg,
    Period,
    PeriodState,
    Rectification,
    RectificationItem,
    RectificationStatus,
    ScoreItem,
    ScoreSheet,
    Setting,
    Unit,
    utcnow,
)
from app.reports import collection_book as B
from app.reports.xlsx_text import save_workbook
from app.services import orglife_io, register_audit
from app.services.audit import unit_of_work
from app.services.collection_state import (  # noqa: F401  (re-exported: the states belong to the round)
    FAULTY,
    NOT_SENT,
    OVERDUE,
    RECEIVED,
    SENT,
    STATES,
    return_state,
)
from app.services.excel_io import Cancelled, Progress, cell_text, open_workbook, report_progress
from app.services.orglife import OrgLifeService, RecordInput
from app.services.rectification import effective_status
from app.services.score_rules import parse_score
from app.services.scoring import ScoringService, month_key
from app.services.sheets import bump_version, update_totals
from app.services.workdays import WorkCalendar

SessionFactory = Callable[[], Session]

# The layout of the workbook; a workbook of an older version is refused (its columns may mean other things).
TEMPLATE_VERSION = 1
SECRET_SETTING = "collect.secret"  # the county's signing key: in the database only, never in a workbook
ENTITY = "collection_return"
MAX_NOTE = 2000
KINDS = (OrgLifeKind.BRANCH_ASSEMBLY, OrgLifeKind.COMMITTEE_MEETING, OrgLifeKind.GROUP_MEETING,
         OrgLifeKind.PARTY_LECTURE, OrgLifeKind.THEME_DAY)

# Outcome of one returned file.
TAKEN, UNCHANGED, BAD_ROWS, REFUSED = "已收回", "未更改", "有误", "拒收"


# ---------------------------------------------------------------------------------------------------------------
# views


@dataclass(frozen=True)
class BoardRow:
    unit_id: int
    unit: str
    state: str
    deadline: dt.date | None
    sent_on: dt.date | None
    sent_file: str
    received_on: dt.date | None
    received_file: str
    refused_on: dt.date | None
    refused_file: str
    reasons: tuple[str, ...]
    contact: str = ""
    phone: str = ""


@dataclass(frozen=True)
class SendResult:
    month: str
    deadline: dt.date
    files: tuple[Path, ...]


@dataclass(frozen=True)
class FileOutcome:
    file: str
    outcome: str  # TAKEN | UNCHANGED | BAD_ROWS | REFUSED
    unit: str = ""
    reasons: tuple[str, ...] = ()
    counts: str = ""  # what was taken: “自评12项，组织生活3条，整改进展1项”


@dataclass
class ReceiveResult:
    month: str
    files: list[FileOutcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for f in self.files if f.outcome == outcome)


def default_deadline(read: Callable[[S.SettingDef], Any], year: int, month: int) -> dt.date:
    """The n-th working day (setting) of the month after (year, month)."""
    calendar = WorkCalendar.from_settings(read)
    day = dt.date(year + month // 12, month % 12 + 1, 1)
    left = int(read(S.COLLECT_DEADLINE_WORKDAY))
    while True:
        if calendar.is_working_day(day):
            left -= 1
            if left == 0:
                return day
        day += dt.timedelta(days=1)


def safe_file_name(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "", text) or "单位"


def file_name_for(unit: str, year: int, month: int) -> str:
    return f"{safe_file_name(unit)}{year}年{month}月填报表.xlsx"


# ---------------------------------------------------------------------------------------------------------------
# the signature


def _secret(s: Session, *, create: bool) -> bytes | None:
    stored = s.scalar(select(Setting.value).where(Setting.key == SECRET_SETTING))
    if stored is None:
        if not create:
            return None
        # Two clients of a server sending the county's first round at once: the second insert waits for the first
        # and does nothing, and both sign with the key that was stored.
        from sqlalchemy.dialects import postgresql, sqlite

        upsert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
        made = json.dumps(secrets.token_bytes(32).hex())
        s.execute(upsert(Setting).values(key=SECRET_SETTING, value=made).on_conflict_do_nothing(index_elements=["key"]))
        return _secret(s, create=False)
    try:
        return bytes.fromhex(json.loads(stored))
    except (ValueError, TypeError):
        return b""


def sign(secret: bytes, unit_id: int, month: str, version: int, nonce: str) -> str:
    message = f"{unit_id}|{month}|{version}|{nonce}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


# ---------------------------------------------------------------------------------------------------------------
# the service


class CollectionService:
    def __init__(self, session_factory: SessionFactory, actor: str | None = None,
                 today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._actor = actor
        self._today = today

    # --- reading --------------------------------------------------------------------------------------------

    def board(self, year: int, month: int) -> list[BoardRow]:
        """Every active unit with its state in the month's round (未下发 for all when nothing was sent)."""
        today = self._today()
        with self._sf() as s:
            rnd = _round(s, year, month)
            rets = {r.unit_id: r for r in rnd.returns} if rnd else {}
            deadline = rnd.deadline if rnd else None
            units = s.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.sort_order, Unit.id))
            out = []
            for u in units:
                ret = rets.get(u.id)
                state = return_state(ret, deadline, today) if deadline is not None else NOT_SENT
                out.append(BoardRow(
                    u.id, u.name, state, deadline, _day(ret.sent_at if ret else None), ret.sent_file if ret else "",
                    _day(ret.received_at if ret else None), ret.received_file if ret else "",
                    _day(ret.refused_at if ret else None), ret.refused_file if ret else "",
                    tuple(ret.refusal.splitlines()) if ret and state == FAULTY else (),
                    u.contact_person, u.contact_phone))
            return out

    def deadline(self, year: int, month: int) -> dt.date:
        """The round's deadline, or the one it would get if it were sent now."""
        with self._sf() as s:
            rnd = _round(s, year, month)
            return rnd.deadline if rnd else default_deadline(S.reader(s), year, month)

    # --- sending --------------------------------------------------------------------------------------------

    def send(self, year: int, month: int, out_dir: Path, unit_ids: Sequence[int] | None = None, *,
             progress: Progress | None = None, cancelled: Cancelled | None = None) -> SendResult:
        """One signed workbook per unit (all active units with a sheet in the month, or `unit_ids`) in
        `out_dir`; the round is opened (its deadline fixed) on the first send.  A unit sent again gets a new
        nonce: the workbook it had before is then refused."""
        out = Path(out_dir)
        if out.exists() and not out.is_dir():
            raise ValidationError(f"“{out}”不是文件夹", field="out")
        period_id = ScoringService(self._sf, self._actor).open_month(year, month).id
        key = month_key(year, month)
        written: list[Path] = []
        with unit_of_work(self._sf, self._actor) as (s, log):
            period = s.get_one(Period, period_id)
            if period.state == PeriodState.LOCKED:
                raise ValidationError(f"{period.title}的考评已锁定，不能再下发填报表", field="period")
            read = S.reader(s)
            secret = _secret(s, create=True)
            assert secret is not None
            rnd = s.scalar(select(CollectionRound).where(CollectionRound.period_id == period_id))
            if rnd is None:
                rnd = CollectionRound(period_id=period_id, deadline=default_deadline(read, year, month),
                                      created_by=log.who)
                s.add(rnd)
                s.flush()
                log.record("新建", "collection_round", rnd.id, "deadline", None, rnd.deadline.isoformat(),
                           reason=f"{period.title}单位填报")
            q = (select(Unit).join(ScoreSheet, ScoreSheet.unit_id == Unit.id)
                 .where(ScoreSheet.period_id == period_id, Unit.active.is_(True)).order_by(Unit.sort_order, Unit.id))
            units = list(s.scalars(q))
            if unit_ids is not None:
                wanted = set(unit_ids)
                units = [u for u in units if u.id in wanted]
            if not units:
                raise ValidationError(f"{period.title}没有需要下发填报表的单位", field="units")
            rets = {r.unit_id: r for r in rnd.returns}
            shared = _SharedContent.of(s, period, read)
            for i, unit in enumerate(units):
                report_progress(progress, cancelled, i, len(units), f"正在生成填报表：{unit.name}",
                                "已取消下发：没有写入任何文件的记录")
                nonce = secrets.token_hex(16)
                sig = B.Signature(unit.id, key, TEMPLATE_VERSION, nonce,
                                  sign(secret, unit.id, key, TEMPLATE_VERSION, nonce))
                data = B.build_book(shared.content(s, unit, rnd.deadline, sig, self._today()))
                name = file_name_for(unit.name, year, month)
                out.mkdir(parents=True, exist_ok=True)
                written.append(save_bytes(out / name, data))
                ret = rets.get(unit.id)
                if ret is None:
                    ret = CollectionReturn(round_id=rnd.id, unit_id=unit.id)
                    s.add(ret)
                ret.sent_at, ret.sent_file, ret.template_version, ret.nonce = utcnow(), name, TEMPLATE_VERSION, nonce
                # a workbook sent again is waited for again (what the earlier one brought stays stored)
                ret.received_at, ret.received_file, ret.received_digest = None, "", ""
                ret.refused_at, ret.refused_file, ret.refused_digest, ret.refusal = None, "", "", ""
                s.flush()
                log.record("下发填报表", ENTITY, ret.id, "sent_file", None, name, reason=f"{unit.name}{period.title}")
            report_progress(progress, cancelled, len(units), len(units), "正在保存……")
            deadline = rnd.deadline
        return SendResult(key, deadline, tuple(written))

    # --- receiving ------------------------------------------------------------------------------------------

    def receive(self, year: int, month: int, sources: Iterable[Path], *, progress: Progress | None = None,
                cancelled: Cancelled | None = None) -> ReceiveResult:
        """Read every returned workbook (files, or the .xlsx files of folders); each one all-or-nothing."""
        files = collect_files(sources)
        key = month_key(year, month)
        result = ReceiveResult(key)
        if not files:
            raise ValidationError("没有找到要收回的填报表（.xlsx文件）", field="files")
        with self._sf() as s:
            rnd = _round(s, year, month)
            if rnd is None:
                raise ValidationError(f"{year}年{month}月尚未下发填报表，不能收回", field="period")
            if rnd.period.state == PeriodState.LOCKED:
                raise ValidationError(f"{rnd.period.title}的考评已锁定，不再接收填报表", field="period")
            round_id = rnd.id
        for i, path in enumerate(files):
            report_progress(progress, cancelled, i, len(files), f"正在读取：{path.name}",
                            "已取消收回：已读取的文件已保存，其余文件未读取")
            result.files.append(self._receive_one(round_id, key, path))
        report_progress(progress, cancelled, len(files), len(files), "已完成")
        return result

    def _receive_one(self, round_id: int, key: str, path: Path) -> FileOutcome:
        try:
            data = path.read_bytes()
        except OSError as exc:
            return FileOutcome(path.name, REFUSED, reasons=(f"无法读取文件：{exc.strerror or exc}",))
        digest = hashlib.sha256(data).hexdigest()
        try:
            book = _Book.open(path)
        except ImportFileError as exc:
            return self._refuse(round_id, path.name, "", (str(exc),))
        with self._sf() as s:
            found = self._check_signature(s, round_id, key, path.name, book)
            if isinstance(found, str):
                return self._refuse(round_id, path.name, "", (found,))
            ret_id, unit_name = found
            ret = s.get_one(CollectionReturn, ret_id)
            if digest == ret.received_digest:
                when = _day(ret.received_at)
                return FileOutcome(path.name, UNCHANGED, unit_name,
                                   (f"与{when:%Y-%m-%d}收回的文件相同，未作更改",) if when else ())
            if digest == ret.refused_digest and return_state(ret, ret.round.deadline, self._today()) == FAULTY:
                # the file already refused, sent again unchanged: the same reasons, nothing recorded twice
                return FileOutcome(path.name, BAD_ROWS, unit_name, tuple(ret.refusal.splitlines()))
        try:
            counts = self._apply(ret_id, path, book, digest)
        except ValidationError as exc:
            reasons = tuple(str(p) for p in exc.problems)
            self._mark_faulty(ret_id, path.name, digest, reasons)
            return FileOutcome(path.name, BAD_ROWS, unit_name, reasons)
        return FileOutcome(path.name, TAKEN, unit_name, counts=counts)

    def _check_signature(self, s: Session, round_id: int, key: str, file_name: str,
                         book: _Book) -> tuple[int, str] | str:
        """(return id, unit name) of a file signed for this round, or the reason it is refused."""
        sig = book.signature
        if sig is None:
            return "不是本系统下发的填报表（没有签名），请使用机关工委下发的填报表填写"
        secret = _secret(s, create=False)
        if not secret or not hmac.compare_digest(sign(secret, sig.unit_id, sig.month, sig.version, sig.nonce),
                                                 sig.mac):
            return "签名校验失败：填报表中的签名信息被修改过，或不是本县下发的填报表；请使用下发的原文件填写"
        if sig.version < TEMPLATE_VERSION:
            return f"这是旧版填报表（第{sig.version}版），请使用本次下发的新版（第{TEMPLATE_VERSION}版）填报表重新填写"
        if sig.version > TEMPLATE_VERSION:
            return f"这是更新版本的填报表（第{sig.version}版），本程序只能读取第{TEMPLATE_VERSION}版，请升级程序"
        if sig.month != key:
            return f"这是{_month_title(sig.month)}的填报表，不是{_month_title(key)}的，请报送本月的填报表"
        unit = s.get(Unit, sig.unit_id)
        if unit is None:
            return "填报表所属的单位已不在名册中"
        stem = Path(file_name).stem
        if unit.name not in stem and safe_file_name(unit.name) not in stem:
            others = [n for n in s.scalars(select(Unit.name)) if n != unit.name and (n in stem or
                                                                                    safe_file_name(n) in stem)]
            if others:
                return (f"这是下发给“{unit.name}”的填报表，文件名却是“{file_name}”：不能把其他单位的填报表改名后报送，"
                        f"请“{max(others, key=len)}”使用本单位的填报表")
        ret = s.scalar(select(CollectionReturn).where(CollectionReturn.round_id == round_id,
                                                      CollectionReturn.unit_id == unit.id))
        if ret is None or ret.sent_at is None:
            return f"本月没有给“{unit.name}”下发填报表"
        if not hmac.compare_digest(ret.nonce, sig.nonce):
            return (f"这是“{unit.name}”较早的一份填报表：机关工委已于{_day(ret.sent_at):%Y-%m-%d}重新下发，"
                    f"请使用最近下发的“{ret.sent_file}”填写")
        return ret.id, unit.name

    def _refuse(self, round_id: int, file_name: str, unit: str, reasons: tuple[str, ...]) -> FileOutcome:
        with unit_of_work(self._sf, self._actor) as (_s, log):
            log.record("拒收填报表", "collection_round", round_id, "file", None, file_name, reason="；".join(reasons))
        return FileOutcome(file_name, REFUSED, unit, reasons)

    def _mark_faulty(self, ret_id: int, file_name: str, digest: str, reasons: tuple[str, ...]) -> None:
        with unit_of_work(self._sf, self._actor) as (s, log):
            ret = s.get_one(CollectionReturn, ret_id)
            ret.refused_at, ret.refused_file, ret.refused_digest = utcnow(), file_name, digest
            ret.refusal = "\n".join(reasons)[:20000]
            log.record("填报表有误", ENTITY, ret.id, "refused_file", None, file_name,
                       reason="；".join(reasons)[:2000])

    def _apply(self, ret_id: int, path: Path, book: _Book, digest: str) -> str:
        """Check every row of the three sheets, then store them in one transaction (ValidationError: nothing)."""
        with unit_of_work(self._sf, self._actor) as (s, log):
            ret = s.get_one(CollectionReturn, ret_id)
            period = ret.round.period
            if period.state == PeriodState.LOCKED:
                raise ValidationError(f"{period.title}的考评已锁定，不再接收填报表")
            sheet = s.scalar(select(ScoreSheet).where(ScoreSheet.period_id == period.id,
                                                      ScoreSheet.unit_id == ret.unit_id).with_for_update())
            if sheet is None:
                raise ValidationError(f"{ret.unit.name}在{period.title}没有考评表（该单位已停用或未参加本月考评）")
            problems: list[FieldProblem] = []
            selfs = _read_self(s, book, sheet, problems)
            register_audit.start(s)
            records = _read_orglife(s, self._sf, path, ret.unit_id, self._today, problems)
            progress = _read_rectification(s, book, ret.unit_id, problems)
            if problems:
                raise ValidationError(problems)
            why = f"单位填报：{path.name}"
            changed = False
            for item, score, note in selfs:
                if score is not None and score != item.self_score:
                    log.record("修改", "score_item", item.id, "self_score", item.self_score, score, reason=why)
                    item.self_score, changed = score, True
                if note is not None and note != item.self_note:
                    log.record("修改", "score_item", item.id, "self_note", item.self_note, note, reason=why)
                    item.self_note, changed = note, True
            if changed:
                update_totals(s, sheet, touch=False)
                bump_version(s, sheet)
            svc = OrgLifeService(self._sf, today=self._today)
            for data in records:
                svc.store(s, data, None)
            register_audit.write(s, log, why)
            day = self._today()
            appended = 0
            for rect, text in progress:
                line = f"{day:%Y-%m-%d}单位填报：{text}"
                if line in (rect.progress or ""):
                    continue
                new = f"{rect.progress}\n{line}" if rect.progress else line
                log.record("单位填报进展", "rectification_item", rect.id, "progress", rect.progress, new, reason=why)
                rect.progress, rect.updated_at = new, utcnow()
                appended += 1
            ret.received_at, ret.received_file, ret.received_digest = utcnow(), path.name, digest
            log.record("收回填报表", ENTITY, ret.id, "received_file", None, path.name, reason=digest[:16])
            filled = sum(1 for _, score, _n in selfs if score is not None)
        return f"自评{filled}项，组织生活{len(records)}条，整改进展{appended}项"

    # --- the 催报 list --------------------------------------------------------------------------------------

    def write_reminders(self, year: int, month: int, target: Path) -> Path:
        """The units not back (未下发, 已下发, 逾期, 有误) as a workbook to send round: 单位, 联系人, 电话, state."""
        rows = [r for r in self.board(year, month) if r.state != RECEIVED]
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "催报名单"
        deadline = rows[0].deadline if rows and rows[0].deadline else self.deadline(year, month)
        ws.cell(row=1, column=1, value=f"{year}年{month}月单位填报表催报名单（报送截止{deadline:%Y-%m-%d}）"
                ).font = Font(bold=True, size=14)
        headers = ("序号", "单位", "联系人", "联系电话", "状态", "下发日期", "问题")
        widths = (6, 28, 10, 16, 8, 12, 60)
        for i, (h, w) in enumerate(zip(headers, widths, strict=True), start=1):
            c = ws.cell(row=2, column=i, value=h)
            c.font = Font(bold=True)
            c.fill = PatternFill("solid", fgColor="FCE4D6")
            ws.column_dimensions[c.column_letter].width = w
        for n, r in enumerate(rows, start=1):
            values = (n, r.unit, r.contact, r.phone, r.state, r.sent_on.isoformat() if r.sent_on else "",
                      "；".join(r.reasons))
            for i, v in enumerate(values, start=1):
                ws.cell(row=n + 2, column=i, value=v).alignment = Alignment(wrap_text=True, vertical="top")
        path = Path(target)
        if path.is_dir() or path.suffix.lower() != ".xlsx":
            path = path / f"{year}年{month}月单位填报催报名单.xlsx"
        return save_workbook(wb, path)


# ---------------------------------------------------------------------------------------------------------------
# building the workbooks


@dataclass
class _SharedContent:
    """What every unit's workbook of one month shares (the indicators), read once for the whole round."""

    title: str
    issuer: str
    indicators: list[tuple[int, B.IndicatorLine]]

    @classmethod
    def of(cls, s: Session, period: Period, read: Callable[[S.SettingDef], Any]) -> _SharedContent:
        q = (select(Indicator, IndicatorCategory.name).join(IndicatorCategory)
             .where(IndicatorCategory.scheme_id == period.scheme_id)
             .order_by(IndicatorCategory.sort_order, IndicatorCategory.id, Indicator.sort_order, Indicator.id))
        lines = [(ind.id, B.IndicatorLine(ind.code or str(ind.id), cat, ind.name, str(ind.points), ind.method.value,
                                          ind.description)) for ind, cat in s.execute(q)]
        return cls(period.title, str(read(S.ISSUER_NAME)), lines)

    def content(self, s: Session, unit: Unit, deadline: dt.date, sig: B.Signature, today: dt.date) -> B.BookContent:
        items = {i.indicator_id: i for i in s.scalars(
            select(ScoreItem).join(ScoreSheet).join(Period)
            .where(ScoreSheet.unit_id == unit.id, Period.key == sig.month))}
        indicators = []
        for ind_id, line in self.indicators:
            item = items.get(ind_id)
            if item is not None and (item.self_score is not None or item.self_note):
                line = B.IndicatorLine(line.code, line.category, line.name, line.points, line.method,
                                       line.description, "" if item.self_score is None else str(item.self_score),
                                       item.self_note)
            indicators.append(line)
        orgs = tuple(s.scalars(select(PartyOrg.name).where(PartyOrg.unit_id == unit.id, PartyOrg.active.is_(True))
                               .order_by(PartyOrg.sort_order, PartyOrg.id)))
        rect_q = (select(RectificationItem, Rectification.source).join(Rectification)
                  .where(Rectification.unit_id == unit.id, RectificationItem.status != RectificationStatus.CLOSED)
                  .order_by(RectificationItem.deadline, RectificationItem.id))
        rects = tuple(B.RectificationLine(it.id, source, it.problem, it.measure, it.owner, it.deadline,
                                          effective_status(it.status, it.deadline, it.submitted_on, today).value)
                      for it, source in s.execute(rect_q))
        return B.BookContent(unit.name, self.title, deadline, self.issuer, tuple(indicators), orgs,
                             tuple(k.value for k in KINDS), rects, sig)


def save_bytes(path: Path, data: bytes) -> Path:
    from app.reports.output import write_atomic

    return write_atomic(path, data)


# ---------------------------------------------------------------------------------------------------------------
# reading a returned workbook


@dataclass
class _Book:
    signature: B.Signature | None
    sheets: dict[str, list[tuple[Any, ...]]]

    @classmethod
    def open(cls, path: Path) -> _Book:
        if path.suffix.lower() != ".xlsx":
            raise ImportFileError(f"“{path.name}”不是.xlsx文件")
        wb = open_workbook(path)
        try:
            sheets = {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
        finally:
            wb.close()
        return cls(_signature(sheets.get(B.SIGN_SHEET)), sheets)

    def table(self, title: str, problems: list[FieldProblem]) -> tuple[dict[str, int], list[tuple[int, tuple[Any, ...]]]]:
        rows = self.sheets.get(title)
        if not rows:
            problems.append(FieldProblem("sheet", f"缺少“{title}”表（请勿删除或重命名工作表）", sheet=title))
            return {}, []
        columns = {cell_text(v): i for i, v in enumerate(rows[0]) if cell_text(v)}
        return columns, [(n, r) for n, r in enumerate(rows[1:], start=2)]


def _signature(rows: list[tuple[Any, ...]] | None) -> B.Signature | None:
    if not rows:
        return None
    values = {cell_text(r[0]): r[1] if len(r) > 1 else None for r in rows if r}
    try:
        return B.Signature(int(cell_text(values["单位编号"])), cell_text(values["月份"]), int(cell_text(values["模板版本"])),
                           cell_text(values["随机码"]), cell_text(values["签名"]))
    except (KeyError, TypeError, ValueError):
        return B.Signature(0, "", 0, "", "")  # present but damaged: fails the check with the edited-signature reason


def _cell(row: tuple[Any, ...], columns: dict[str, int], header: str) -> Any:
    pos = columns.get(header)
    return row[pos] if pos is not None and pos < len(row) else None


def _missing_columns(title: str, columns: dict[str, int], headers: Iterable[str],
                     problems: list[FieldProblem]) -> bool:
    missing = [h for h in headers if h not in columns]
    if missing and columns:
        problems.append(FieldProblem("sheet", f"缺少列：{'、'.join(missing)}（请勿修改表头）", sheet=title))
    return bool(missing)


def _read_self(s: Session, book: _Book, sheet: ScoreSheet, problems: list[FieldProblem]
               ) -> list[tuple[ScoreItem, Decimal | None, str | None]]:
    """(item, 自评得分 or None when blank, 说明 or None when blank) per indicator row."""
    title = B.SELF_SHEET
    columns, rows = book.table(title, problems)
    if _missing_columns(title, columns, ("指标编号", "自评得分", "说明/佐证"), problems) or not columns:
        return []
    items = {(it.indicator.code or str(it.indicator_id)): it for it in sheet.items}
    out = []
    for n, row in rows:
        code = cell_text(_cell(row, columns, "指标编号"))
        raw, note = _cell(row, columns, "自评得分"), cell_text(_cell(row, columns, "说明/佐证"))
        if not code:
            if raw not in (None, "") or note:
                problems.append(FieldProblem("code", "没有指标编号的行不能填写自评", n, "指标编号", title))
            continue
        item = items.get(code)
        if item is None:
            problems.append(FieldProblem("code", f"指标编号“{code}”不在本月的考评指标中", n, "指标编号", title))
            continue
        score = None
        if raw not in (None, "") and cell_text(raw):
            found: list[FieldProblem] = []
            score = parse_score(raw, "self_score", "自评得分", problems=found)
            ind = item.indicator
            if score is not None and score > ind.points:
                found.append(FieldProblem("self_score", f"自评得分{score}分，超过该指标分值{ind.points}分"))
            problems.extend(FieldProblem(p.field, p.message, n, "自评得分", title) for p in found)
            if found:
                continue
        if len(note) > MAX_NOTE:
            problems.append(FieldProblem("self_note", f"说明/佐证不能超过{MAX_NOTE}字", n, "说明/佐证", title))
            continue
        out.append((item, score, note or None))
    return out


class _UnitOrgLife(orglife_io._Importer):
    """The organisation-life import's row checks, limited to one unit's organisations; a meeting the 工委 already
    entered (same organisation, kind and date, whatever its topic) is not entered again."""

    def __init__(self, s: Session, svc: OrgLifeService, layout: Any, unit_id: int) -> None:
        super().__init__(s, svc, layout)
        self.unit_id = unit_id
        self.kinds = {k.value for k in KINDS}

    def row(self, row: int, raw: tuple[Any, ...]) -> None:
        before = len(self.staged), len(self.report.problems), self.report.unchanged
        kind_pos = self.layout.positions.get("kind")
        kind = cell_text(raw[kind_pos]) if kind_pos is not None and kind_pos < len(raw) else ""
        if kind and kind not in self.kinds:
            self.problem(row, "kind", f"填报表只收三会一课和主题党日（{'、'.join(sorted(self.kinds))}），不收“{kind}”")
            return
        super().row(row, raw)
        if len(self.staged) > before[0]:
            data = self.staged[-1]
            if data.unit_id != self.unit_id:
                self.staged.pop()
                self.problem(row, "org", "只能填写本单位党组织的会议")

    def duplicate(self, row: int, data: RecordInput) -> bool:
        if data.org_id is not None and self.s.scalar(select(OrgLifeRecord.id).where(
                OrgLifeRecord.org_id == data.org_id, OrgLifeRecord.kind == data.kind,
                OrgLifeRecord.held_on == data.held_on)) is not None:
            self.report.unchanged += 1
            return True
        return bool(super().duplicate(row, data))


def _read_orglife(s: Session, sf: SessionFactory, path: Path, unit_id: int, today: Callable[[], dt.date],
                  problems: list[FieldProblem]) -> list[RecordInput]:
    try:
        layout = orglife_io._read(path)
    except ImportFileError as exc:
        problems.append(FieldProblem("sheet", str(exc), sheet=B.ORGLIFE_SHEET))
        return []
    fixed = {layout.positions[k] for k in ("org", "unit") if k in layout.positions}
    # Rows the workbook prepared (organisation and unit filled in by the 工委) and left empty are not meetings.
    layout.rows = [(n, r) for n, r in layout.rows
                   if any(cell_text(v) for i, v in enumerate(r) if i not in fixed)]
    checker = _UnitOrgLife(s, OrgLifeService(sf, today=today), layout, unit_id)
    for n, raw in layout.rows:
        checker.row(n, raw)
    problems.extend(checker.report.problems)
    return checker.staged


def _read_rectification(s: Session, book: _Book, unit_id: int, problems: list[FieldProblem]
                        ) -> list[tuple[RectificationItem, str]]:
    title = B.RECT_SHEET
    columns, rows = book.table(title, problems)
    if _missing_columns(title, columns, ("事项编号", "本月整改进展"), problems) or not columns:
        return []
    out = []
    for n, row in rows:
        text = cell_text(_cell(row, columns, "本月整改进展"))
        if not text:
            continue
        raw_id = cell_text(_cell(row, columns, "事项编号"))
        item = s.get(RectificationItem, int(raw_id)) if raw_id.isdigit() else None
        if item is None or item.rectification.unit_id != unit_id:
            problems.append(FieldProblem("item", f"事项编号“{raw_id}”不是本单位的整改事项", n, "事项编号", title))
        elif item.status == RectificationStatus.CLOSED:
            problems.append(FieldProblem("item", "该整改事项已销号，不再填报进展", n, "本月整改进展", title))
        elif len(text) > MAX_NOTE:
            problems.append(FieldProblem("progress", f"整改进展不能超过{MAX_NOTE}字", n, "本月整改进展", title))
        else:
            out.append((item, text))
    return out


def collect_files(sources: Iterable[Path]) -> list[Path]:
    """The .xlsx files given, and those directly in the folders given (Excel's ~$ lock files left out)."""
    out: list[Path] = []
    for src in sources:
        p = Path(src)
        found = sorted(p.glob("*.xlsx")) if p.is_dir() else [p]
        out += [f for f in found if not f.name.startswith("~$")]
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------------------------------------------------------
# helpers and the 提醒


def _round(s: Session, year: int, month: int) -> CollectionRound | None:
    return s.scalar(select(CollectionRound).join(Period).where(Period.key == month_key(year, month)))


def _day(when: dt.datetime | None) -> dt.date | None:
    """The local day of a stored (UTC) moment."""
    if when is None:
        return None
    return (when if when.tzinfo is not None else when.replace(tzinfo=dt.timezone.utc)).astimezone().date()


def _month_title(key: str) -> str:
    year, _, month = key.partition("-")
    return f"{year}年{int(month)}月" if month.isdigit() else key
