"""The monthly 考评: periods and their lifecycle, score sheets, deductions, bonuses, 自评, veto, suggestions.

Every public method is one unit of work: it validates its input, refuses anything on a locked period
(`PeriodLockedError`, here and not only in the UI), saves at once and writes one audit entry per change.

Several clients may work on one database at once.  A write to a sheet reads its period with a share lock (a save
racing `lock_period` lands before the lock or is refused after it) and locks the sheet row; a form passes the
`SheetStamp` it loaded as `expected_version`, and when the sheet's `version` moved since, the save is refused with
`ConcurrentChangeError` naming who changed what (from the audit trail).  Callers that are not forms (CLI, import,
demo) pass nothing and are not checked.  Whatever changes sheets in bulk (the import, a scheme edit) takes the same
locks: the period first, then the sheets in id order (`lock_sheets`), and reads their items only after that; the
version moves in SQL (`bump_version`), so two writers never leave one version for two contents.
Scores follow DOMAIN.md: per indicator, points − Σ deductions, the loss capped and never below 0; bonuses capped
per indicator and by the scheme's ceiling; a 一票否决 flag on the sheet."""

from __future__ import annotations

import calendar
import datetime as dt
import importlib
import json
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Integer, cast, func, insert, select
from sqlalchemy.orm import Session

from app import clock
from app.dates import cn_date
from app.errors import (
    ConcurrentChangeError,
    FieldProblem,
    NotFoundError,
    PeriodLockedError,
    PermissionDenied,
    ValidationError,
)
from app.models import (
    AuditEntry,
    Bonus,
    Deduction,
    Indicator,
    IndicatorCategory,
    IndicatorMethod,
    IndicatorScheme,
    PartyOrg,
    Period,
    PeriodKind,
    PeriodState,
    ScoreItem,
    ScoreSheet,
    SuggestionRejection,
    Unit,
)
from app.services import anchors, unit_scope
from app.services.accounts import Permission, require
from app.services.audit import AuditLog, occurrence_snapshot, read_head, unit_of_work
from app.services.lockdigest import DIGEST_FIELD, period_digests
from app.services.scheme import IndicatorView, SchemeView, ensure_scheme, scheme_view
from app.services.score_rules import base_score, parse_score, sheet_totals
from app.services.sheets import bump_version, recompute_item, update_totals

SessionFactory = Callable[[], Session]

MAX_OCCURRENCES = 999
MAX_REASON = 500
MAX_SELF_NOTE = 2000  # as a returned workbook's 说明/佐证 cell (app.services.collection)


# ---------------------------------------------------------------------------------------------------------------
# inputs and views


@dataclass
class OccurrenceInput:
    """A deduction or a bonus as entered: `points_each` None means the indicator's default per occurrence;
    `evidence_file` is a file to attach (copied into the attachment folder) or one already attached."""

    reason: str
    occurrences: Any = 1
    points_each: Any = None
    evidence_note: str = ""
    evidence_file: str = ""


DeductionInput = OccurrenceInput
BonusInput = OccurrenceInput


@dataclass(frozen=True)
class OccurrenceView:
    id: int
    occurrences: int
    points_each: Decimal
    reason: str
    evidence_note: str
    evidence_file: str
    source: str
    created_at: dt.datetime
    created_by: str

    @property
    def amount(self) -> Decimal:
        return self.points_each * self.occurrences

    @property
    def suggested(self) -> bool:
        return self.source.startswith("suggested:") or self.source.startswith("orglife:")


@dataclass(frozen=True)
class ItemView:
    id: int
    indicator: IndicatorView
    review_score: Decimal
    self_score: Decimal | None
    veto: bool
    veto_reason: str
    deductions: list[OccurrenceView]
    bonuses: list[OccurrenceView]
    self_note: str = ""  # the unit's 说明/佐证 of its 自评 (from its returned workbook)

    @property
    def self_differs(self) -> bool:
        """The unit's 自评 is not the 复核 score (shown highlighted; listed on the 反馈单)."""
        return self.self_score is not None and self.self_score != self.review_score

    @property
    def lost(self) -> Decimal:
        """Points lost on this indicator (0 for a bonus indicator)."""
        if self.indicator.method == IndicatorMethod.BONUS:
            return Decimal("0.0")
        return self.indicator.points - self.review_score


@dataclass(frozen=True)
class CategoryScore:
    id: int
    name: str
    points: Decimal
    is_bonus: bool
    score: Decimal
    items: list[ItemView]


@dataclass(frozen=True)
class SheetStamp:
    """What a form knows of the sheet it shows: the sheet's version and the audit chain's head when it was read
    (the entries after it tell who changed the sheet since)."""

    version: int
    seq: int | None = None


# What a write expects of the sheet: the form's stamp, a bare version, or None (not checked).
Expected = SheetStamp | int | None


@dataclass(frozen=True)
class SheetForm:
    """Everything the scoring form shows for one unit in one period."""

    sheet_id: int
    period_id: int
    period_key: str
    period_title: str
    period_state: PeriodState
    unit_id: int
    unit_name: str
    reviewed: bool
    review_total: Decimal
    bonus_total: Decimal
    self_total: Decimal | None
    veto: bool
    total_points: Decimal
    bonus_ceiling: Decimal
    categories: list[CategoryScore]
    version: int = 1
    audit_seq: int = 0
    # A 单位填报员 before the month's 通报 is issued: the 复核 scores, deductions and bonuses are left out (zeros
    # and empty lists), only the 自评 is there.
    results_hidden: bool = False

    @property
    def stamp(self) -> SheetStamp:
        return SheetStamp(self.version, self.audit_seq)

    @property
    def locked(self) -> bool:
        return self.period_state == PeriodState.LOCKED

    @property
    def items(self) -> list[ItemView]:
        return [i for c in self.categories for i in c.items]


@dataclass(frozen=True)
class SheetSummary:
    id: int
    unit_id: int
    unit_name: str
    review_total: Decimal
    self_total: Decimal | None
    bonus_total: Decimal
    veto: bool
    reviewed: bool
    deductions: int
    results_hidden: bool = False  # a 单位填报员 before the month's 通报: the 复核 figures carry nothing


@dataclass(frozen=True)
class PeriodView:
    id: int
    key: str
    title: str
    kind: PeriodKind
    year: int
    month: int | None
    state: PeriodState
    scheme_id: int
    sheets: int
    reviewed: int
    locked_at: dt.datetime | None

    @property
    def locked(self) -> bool:
        return self.state == PeriodState.LOCKED


@dataclass(frozen=True)
class Change:
    """What an edit did, so that a form can update its running totals without reading the sheet again."""

    id: int | None  # the deduction, bonus or item concerned
    item_id: int
    item_score: Decimal
    review_total: Decimal
    bonus_total: Decimal
    self_total: Decimal | None
    veto: bool


class SuggestionLike(Protocol):
    """What a suggestion source yields per unit (compliance.Suggestion has this shape)."""

    @property
    def indicator(self) -> str: ...  # the indicator's code in the scheme
    @property
    def occurrences(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def source(self) -> str: ...  # stable key: accepted deductions and rejections remember it


@dataclass(frozen=True)
class RegistrySuggestion:
    indicator: str
    occurrences: int
    reason: str
    source: str


@dataclass(frozen=True)
class Suggestion:
    """A suggested deduction for one sheet, to accept (it becomes a deduction) or reject (not offered again)."""

    sheet_id: int
    item_id: int
    indicator_id: int
    indicator_name: str
    occurrences: int
    points_each: Decimal
    reason: str
    source: str

    @property
    def amount(self) -> Decimal:
        return self.points_each * self.occurrences


@dataclass(frozen=True)
class RejectedSuggestion:
    """A suggestion marked 不采纳 on a sheet: its reason, who and when, and what it proposed (None when the
    register no longer gives it)."""

    sheet_id: int
    source: str
    reason: str
    rejected_by: str
    rejected_at: dt.datetime
    suggestion: Suggestion | None

    @property
    def description(self) -> str:
        s = self.suggestion
        if s is None:
            return "（登记信息已更正，系统不再提出此项）"
        return f"{s.indicator_name}：{s.reason}（{s.occurrences}次，扣{s.amount}分）"


# (session, unit ids, year, month) → suggestions per unit id.  The extension point for rules that turn
# recorded facts into suggested deductions: the register's (支委 vacancy, overdue 换届) are built in; the
# organisation-life rules (missed meetings) add theirs with `register_suggestion_source`.
SuggestionSource = Callable[[Session, Sequence[int], int, int], Mapping[int, Sequence[SuggestionLike]]]
SUGGESTION_SOURCES: list[SuggestionSource] = []


# Register modules with suggestion sources, loaded when suggestions are first asked for (not at start-up); each
# has `register_hooks()`, which calls `register_suggestion_source` (idempotent).
SUGGESTION_MODULES: tuple[str, ...] = ("app.services.leadership",)


def _load_suggestion_modules() -> None:
    for name in SUGGESTION_MODULES:
        importlib.import_module(name).register_hooks()


def register_suggestion_source(source: SuggestionSource) -> SuggestionSource:
    if source not in SUGGESTION_SOURCES:
        SUGGESTION_SOURCES.append(source)
    return source


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_month(text: str) -> tuple[int, int]:
    """`2026-03` (or 2026-3, 2026年3月) → (2026, 3)."""
    t = (text or "").strip().replace("年", "-").replace("月", "").replace("/", "-").replace(".", "-")
    parts = t.split("-")
    try:
        year, month = int(parts[0]), int(parts[1])
        if len(parts) != 2 or not 1 <= month <= 12 or not 2000 <= year <= 2100:
            raise ValueError
    except (ValueError, IndexError):
        raise ValidationError(f"月份“{text}”格式不对，应为YYYY-MM，例如2026-03", field="period") from None
    return year, month


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


# ---------------------------------------------------------------------------------------------------------------
# the service


class ScoringService:
    def __init__(self, session_factory: SessionFactory, actor: str | None = None,
                 attachment_dir: Path | None = None, today: Callable[[], dt.date] = clock.today) -> None:
        self._sf = session_factory
        self._actor = actor
        self._attachments = attachment_dir
        self._today = today

    # --- periods --------------------------------------------------------------------------------------------

    def periods(self) -> list[PeriodView]:
        """The months, newest first.  Units added to the register since a month was opened get their sheets
        first (in every month not locked), so a unit added in the middle of a month is scored that month."""
        if not unit_scope.scoped():  # a unit account adds no sheets: it lists the months as they are
            self.fill_open_months()
        with self._sf() as s:
            counts = {pid: (n, r) for pid, n, r in s.execute(
                select(ScoreSheet.period_id, func.count(), func.sum(cast(ScoreSheet.reviewed, Integer)))
                .group_by(ScoreSheet.period_id))}
            return [_period_view(p, *counts.get(p.id, (0, 0)))
                    # months only: quarters and years (季度考核, 述职评议) are periods too, with no score sheets
                    for p in s.scalars(select(Period).where(Period.kind == PeriodKind.MONTH)
                                       .order_by(Period.year.desc(), Period.key.desc()))]

    def period(self, period_id: int) -> PeriodView:
        with self._sf() as s:
            return _period_view_of(s, _period(s, period_id))

    def find_month(self, year: int, month: int) -> PeriodView | None:
        with self._sf() as s:
            p = s.scalar(select(Period).where(Period.key == month_key(year, month)))
            return _period_view_of(s, p) if p is not None else None

    def latest_locked_month(self) -> PeriodView | None:
        with self._sf() as s:
            p = s.scalar(select(Period).where(Period.kind == PeriodKind.MONTH, Period.state == PeriodState.LOCKED)
                         .order_by(Period.key.desc()).limit(1))
            return _period_view_of(s, p) if p is not None else None

    def open_month(self, year: int, month: int) -> PeriodView:
        """The month's period, created (with a sheet for every active unit) if it does not exist yet; units
        added to the register since are given their sheets while the month is a draft."""
        unit_scope.refuse_unit_account("新建考评月份")
        if not (2000 <= int(year) <= 2100 and 1 <= int(month) <= 12):
            raise ValidationError("月份应为2000年至2100年的1至12月", field="period")
        with unit_of_work(self._sf, self._actor) as (s, log):
            period = s.scalar(select(Period).where(Period.key == month_key(year, month)))
            if period is None:
                if not s.scalar(select(func.count()).select_from(Unit).where(Unit.active.is_(True))):
                    raise ValidationError("尚未登记任何单位，不能开始考评：请先在“组织机构”中添加单位（或从Excel导入名册）",
                                          field="period")
                scheme = ensure_scheme(s, log, year)
                view = scheme_view(s, scheme)
                if view.problems:
                    raise ValidationError(f"{view.title}的分值不平衡，不能用于考评：" + "；".join(view.problems),
                                          field="scheme")
                period = Period(key=month_key(year, month), kind=PeriodKind.MONTH, year=year, month=month,
                                state=PeriodState.DRAFT, scheme_id=scheme.id)
                s.add(period)
                s.flush()
                log.record("新建", "period", period.id, "state", None, PeriodState.DRAFT)
            _add_missing_sheets(s, log, period)
            return _period_view_of(s, period)

    def fill_open_months(self) -> list[tuple[str, int]]:
        """Sheets for units added to the register since their month was opened, in every month not locked
        (a locked month is never touched): (month title, sheets added) for each month that got some.  Called
        when a unit is added and when the scoring page lists the months; a cheap read when nothing is missing."""
        if unit_scope.scoped():
            return []
        with self._sf() as s:
            if not _months_missing_sheets(s):
                return []
        out = []
        with unit_of_work(self._sf, self._actor) as (s, log):
            for period_id in _months_missing_sheets(s):
                period = _period(s, period_id, lock="update")
                added = _add_missing_sheets(s, log, period)
                if added:
                    out.append((period.title, added))
        return out

    def sheets(self, period_id: int) -> list[SheetSummary]:
        """The period's sheets in the register's unit order."""
        with self._sf() as s:
            counts = dict(s.execute(
                select(ScoreItem.sheet_id, func.count(Deduction.id)).join(Deduction, Deduction.item_id == ScoreItem.id)
                .join(ScoreSheet, ScoreSheet.id == ScoreItem.sheet_id).where(ScoreSheet.period_id == period_id)
                .group_by(ScoreItem.sheet_id)).all())
            q = (select(ScoreSheet, Unit.name).join(Unit, Unit.id == ScoreSheet.unit_id)
                 .where(ScoreSheet.period_id == period_id).order_by(Unit.sort_order, Unit.id))
            if not unit_scope.results_released(s, period_id):
                zero = Decimal("0.0")
                return [SheetSummary(sh.id, sh.unit_id, name, zero, sh.self_total, zero, False, sh.reviewed, 0, True)
                        for sh, name in s.execute(q)]
            return [SheetSummary(sh.id, sh.unit_id, name, sh.review_total, sh.self_total, sh.bonus_total, sh.veto,
                                 sh.reviewed, counts.get(sh.id, 0)) for sh, name in s.execute(q)]

    def lock_period(self, period_id: int, precondition: Callable[[Session], None] | None = None) -> PeriodView:
        """已复核 → 已锁定 (every sheet reviewed).  Freezes the scheme it used.  `precondition` (raising when
        the period may not be locked) runs inside the same unit of work, after the period's row is locked, so
        what it checked still holds when the lock commits."""
        unit_scope.refuse_unit_account("锁定考评期")
        with unit_of_work(self._sf, self._actor) as (s, log):
            period = _period(s, period_id, lock="update")
            if period.state == PeriodState.LOCKED:
                raise PeriodLockedError(f"{period.title}已锁定")
            if precondition is not None:
                precondition(s)
            pending = _unreviewed(s, period.id)
            if pending or period.state != PeriodState.REVIEWED:
                names = "、".join(pending[:5]) + ("等" if len(pending) > 5 else "")
                raise ValidationError(f"{period.title}尚有{len(pending)}个单位未复核（{names}），不能锁定", field="state")
            log.record("锁定", "period", period.id, "state", period.state, PeriodState.LOCKED)
            period.state = PeriodState.LOCKED
            period.locked_at = dt.datetime.now(dt.timezone.utc)
            scheme = s.get_one(IndicatorScheme, period.scheme_id)
            if not scheme.frozen:
                log.record("冻结", "indicator_scheme", scheme.id, "frozen", False, True,
                           reason=f"{period.title}已锁定，本版指标体系不再修改，修改时另存新版本")
                scheme.frozen = True
            s.flush()
            # What the month holds as it is locked, in the trail: `verify` recomputes it (app.services.lockdigest).
            log.record("锁定", "period", period.id, DIGEST_FIELD, None, period_digests(s, [period.id])[period.id],
                       reason=f"{period.title}锁定时的数据摘要")
            log.anchor(anchors.LOCK)
            return _period_view_of(s, period)

    def reopen_period(self, period_id: int, reason: str, is_admin: bool) -> PeriodView:
        """已锁定 → 已复核, by an administrator with a reason (logged).  Sheets stay reviewed: a sheet to be
        corrected is un-reviewed first, which returns the period to 草稿."""
        unit_scope.refuse_unit_account("重新开放考评期")
        if not is_admin:
            raise PermissionDenied("只有管理员才能重新开放已锁定的考评期")
        require(Permission.REOPEN)  # the logged-in user's role, whatever the caller claims
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError("请填写重新开放的理由", field="reason")
        with unit_of_work(self._sf, self._actor) as (s, log):
            period = _period(s, period_id, lock="update")
            if period.state != PeriodState.LOCKED:
                raise ValidationError(f"{period.title}未锁定，无需重新开放", field="state")
            log.record("重新开放", "period", period.id, "state", period.state, PeriodState.REVIEWED, reason=reason)
            period.state = PeriodState.REVIEWED
            period.locked_at = None
            s.flush()
            return _period_view_of(s, period)

    # --- the form -------------------------------------------------------------------------------------------

    def form(self, sheet_id: int) -> SheetForm:
        with self._sf() as s:
            unit_scope.require_own_sheet(s, sheet_id)
            seq = _head_seq(s)  # before the sheet: a change in between shows in the form, never the reverse
            return _form(s, _sheet(s, sheet_id), seq)

    def form_for(self, period_id: int, unit_id: int) -> SheetForm:
        unit_scope.require_own_unit(unit_id)
        with self._sf() as s:
            seq = _head_seq(s)
            sheet = s.scalar(select(ScoreSheet).where(ScoreSheet.period_id == period_id, ScoreSheet.unit_id == unit_id))
            if sheet is None:
                raise NotFoundError("该单位在本考评期没有考评表")
            return _form(s, sheet, seq)

    @contextmanager
    def _sheet_change(self, locate: Callable[[Session], int], expected: Expected, *, editable: bool = True,
                      period_lock: str = "share", self_entry: bool = False
                      ) -> Iterator[tuple[Session, AuditLog, ScoreSheet, Period]]:
        """One unit of work that changes one sheet (`locate` finds its id): the period read under a share lock
        and the sheet row locked; refused when the period is locked, when the sheet changed since the form read
        it (`expected`), or (`editable`) when the sheet is reviewed.  The version moves when anything changed.
        A 单位填报员 changes its own sheet's 自评 (`self_entry`) and nothing else."""
        with unit_of_work(self._sf, self._actor) as (s, log):
            sheet_id = locate(s)
            unit_scope.require_own_sheet(s, sheet_id)
            if not self_entry:
                _review_only()
            period_id = s.scalar(select(ScoreSheet.period_id).where(ScoreSheet.id == sheet_id))
            if period_id is None:
                raise NotFoundError(f"考评表不存在（编号 {sheet_id}）")
            period = _period(s, period_id, lock=period_lock)
            sheet = _sheet(s, sheet_id, lock=True)
            if period.state == PeriodState.LOCKED:
                raise PeriodLockedError(_locked_message(period))
            _check_version(s, sheet, expected)
            if editable and sheet.reviewed:
                raise ValidationError(f"{sheet.unit.name}的考评表已复核，如需修改请先取消复核", field="reviewed")
            before = log.count
            yield s, log, sheet, period
            if log.count > before:
                bump_version(s, sheet)

    def scheme_of(self, period_id: int) -> SchemeView:
        with self._sf() as s:
            period = _period(s, period_id)
            return scheme_view(s, s.get_one(IndicatorScheme, period.scheme_id))

    # --- deductions and bonuses -----------------------------------------------------------------------------

    def add_deduction(self, item_id: int, data: OccurrenceInput, source: str = "", *,
                      expected_version: Expected = None) -> Change:
        return self._add(Deduction, item_id, data, source, expected_version)

    def add_bonus(self, item_id: int, data: OccurrenceInput, source: str = "", *,
                  expected_version: Expected = None) -> Change:
        return self._add(Bonus, item_id, data, source, expected_version)

    def edit_deduction(self, deduction_id: int, data: OccurrenceInput, *, expected_version: Expected = None) -> Change:
        return self._edit(Deduction, deduction_id, data, expected_version)

    def edit_bonus(self, bonus_id: int, data: OccurrenceInput, *, expected_version: Expected = None) -> Change:
        return self._edit(Bonus, bonus_id, data, expected_version)

    def remove_deduction(self, deduction_id: int, reason: str = "", *, expected_version: Expected = None) -> Change:
        return self._remove(Deduction, deduction_id, reason, expected_version)

    def remove_bonus(self, bonus_id: int, reason: str = "", *, expected_version: Expected = None) -> Change:
        return self._remove(Bonus, bonus_id, reason, expected_version)

    def _add(self, cls: type[Deduction] | type[Bonus], item_id: int, data: OccurrenceInput, source: str,
             expected: Expected) -> Change:
        _review_only()
        with self._sheet_change(_item_sheet(item_id), expected) as (s, log, _sh, period):
            item = _item(s, item_id)
            ind = item.indicator
            clean = self._validate_occurrence(cls, ind, data, period)
            if source and not source.startswith("import"):
                _refuse_taken(s, item.sheet_id, source[:100])
            row = cls(item_id=item.id, source=source[:100], created_by=log.who, **clean)
            s.add(row)
            s.flush()
            log.record("新增", _entity(cls), row.id, "", None, snapshot_of(row))
            return self._after(s, log, item, row.id, f"{'扣分' if cls is Deduction else '加分'}：{row.reason}")

    def _edit(self, cls: type[Deduction] | type[Bonus], row_id: int, data: OccurrenceInput,
              expected: Expected) -> Change:
        _review_only()
        locate = _occurrence_sheet(cls, row_id)
        with self._sheet_change(locate, expected) as (s, log, _sh, period):
            row = _occurrence(s, cls, row_id)
            item = row.item
            clean = self._validate_occurrence(cls, item.indicator, data, period, current_file=row.evidence_file)
            old = snapshot_of(row)
            for k, v in clean.items():
                setattr(row, k, v)
            s.flush()
            new = snapshot_of(row)
            if new == old:
                return self._after(s, log, item, row.id, "")
            log.record("修改", _entity(cls), row.id, "", old, new)
            return self._after(s, log, item, row.id, f"修改{'扣分' if cls is Deduction else '加分'}：{row.reason}")

    def _remove(self, cls: type[Deduction] | type[Bonus], row_id: int, reason: str, expected: Expected) -> Change:
        _review_only()
        with self._sheet_change(_occurrence_sheet(cls, row_id), expected) as (s, log, _sheet, _period):
            row = _occurrence(s, cls, row_id)
            item = row.item
            log.record("删除", _entity(cls), row.id, "", snapshot_of(row), None, reason=(reason or "").strip())
            s.delete(row)
            s.flush()
            s.expire(item)
            return self._after(s, log, item, None, f"删除{'扣分' if cls is Deduction else '加分'}：{row.reason}")

    def _after(self, s: Session, log: AuditLog, item: ScoreItem, row_id: int | None, why: str) -> Change:
        recompute_item(s, log, item, why)
        totals = update_totals(s, item.sheet, touch=False)  # _sheet_change moves the version
        return Change(row_id, item.id, item.review_score, totals.review_total, totals.bonus_total, totals.self_total,
                      totals.veto)

    def _validate_occurrence(self, cls: type[Deduction] | type[Bonus], ind: Indicator, data: OccurrenceInput,
                             period: Period, current_file: str = "") -> dict[str, Any]:
        is_bonus = cls is Bonus
        if is_bonus and ind.method != IndicatorMethod.BONUS:
            raise ValidationError(f"“{ind.name}”是扣分指标，请登记扣分", field="indicator")
        if not is_bonus and ind.method == IndicatorMethod.BONUS:
            raise ValidationError(f"“{ind.name}”是加分指标，请登记加分", field="indicator")
        problems = occurrence_problems(ind, data, is_bonus)
        evidence_file = (data.evidence_file or "").strip()
        if evidence_file and evidence_file != current_file:
            evidence_file = self._attach(evidence_file, period, problems)
        if ind.evidence_required and not (data.evidence_note or "").strip() and not evidence_file:
            problems.append(FieldProblem("evidence_note", f"“{ind.name}”须提供佐证（说明或附件）"))
        if problems:
            raise ValidationError(problems)
        return {
            "occurrences": int(str(data.occurrences).strip()),
            "points_each": ind.per_occurrence if data.points_each in (None, "") else parse_score(
                data.points_each, "points_each", "每次分值"),
            "reason": data.reason.strip(),
            "evidence_note": (data.evidence_note or "").strip(),
            "evidence_file": evidence_file,
        }

    def _attach(self, path_text: str, period: Period, problems: list[FieldProblem]) -> str:
        """Copy an evidence file into the attachment folder; the sheet keeps the path relative to it."""
        src = Path(path_text).expanduser()
        if self._attachments is None:
            problems.append(FieldProblem("evidence_file", "未设置附件目录，不能附加佐证文件"))
            return ""
        if not src.is_absolute() and (self._attachments / src).is_file():
            return src.as_posix()  # already attached (e.g. the same deduction saved again)
        if not src.is_file():
            problems.append(FieldProblem("evidence_file", f"佐证文件不存在：{path_text}"))
            return ""
        rel = Path("scores") / period.key / f"{uuid.uuid4().hex[:8]}-{src.name}"
        dest = self._attachments / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_suffix(dest.suffix + ".part")
        shutil.copyfile(src, tmp)
        tmp.replace(dest)
        return rel.as_posix()

    # --- 自评 and veto --------------------------------------------------------------------------------------

    def set_self_score(self, item_id: int, value: Any, *, expected_version: Expected = None) -> Change:
        """The unit's own score for an item (None clears it)."""
        with self._sheet_change(_item_sheet(item_id), expected_version, self_entry=True) as (s, log, _sh, _p):
            item = _item(s, item_id)
            ind = item.indicator
            score = None
            if value not in (None, ""):
                score = parse_score(value, "self_score", "自评得分")
                assert score is not None
                if score > ind.points:
                    raise ValidationError(f"自评得分不能超过该指标分值{ind.points}分", field="self_score")
            if score != item.self_score:
                log.record("修改", "score_item", item.id, "self_score", item.self_score, score)
                item.self_score = score
                s.flush()
            return self._after(s, log, item, item.id, "")

    def set_self_note(self, item_id: int, text: str, *, expected_version: Expected = None) -> Change:
        """The unit's 说明/佐证 of its 自评 for an item ("" clears it): what the returned workbook carries, typed
        online by a 单位填报员."""
        note = (text or "").strip()
        if len(note) > MAX_SELF_NOTE:
            raise ValidationError(f"自评说明不能超过{MAX_SELF_NOTE}个字", field="self_note")
        with self._sheet_change(_item_sheet(item_id), expected_version, self_entry=True) as (s, log, _sh, _p):
            item = _item(s, item_id)
            if note != item.self_note:
                log.record("修改", "score_item", item.id, "self_note", item.self_note, note)
                item.self_note = note
                s.flush()
            return self._after(s, log, item, item.id, "")

    def set_veto(self, item_id: int, veto: bool, reason: str, *, expected_version: Expected = None) -> Change:
        """Flag (or clear) a 一票否决 on an item of a 一票否决 indicator; the reason is required."""
        _review_only()
        reason = (reason or "").strip()
        with self._sheet_change(_item_sheet(item_id), expected_version) as (s, log, _sh, _p):
            item = _item(s, item_id)
            if item.indicator.method != IndicatorMethod.VETO:
                raise ValidationError(f"“{item.indicator.name}”不是一票否决指标", field="veto")
            if not reason:
                raise ValidationError("请填写一票否决（或撤销）的理由", field="veto_reason")
            if len(reason) > MAX_REASON:
                raise ValidationError(f"理由不能超过{MAX_REASON}个字", field="veto_reason")
            if bool(veto) != item.veto:
                log.record("一票否决" if veto else "撤销一票否决", "score_item", item.id, "veto", item.veto, bool(veto),
                           reason=reason)
                item.veto = bool(veto)
            item.veto_reason = reason if veto else ""
            s.flush()
            return self._after(s, log, item, item.id, "")

    # --- review ---------------------------------------------------------------------------------------------

    def set_reviewed(self, sheet_id: int, reviewed: bool = True, *, expected_version: Expected = None) -> PeriodView:
        """Mark a unit's sheet 复核 done (or undo it).  When every sheet is reviewed the period becomes 已复核;
        undoing one returns it to 草稿."""
        _review_only()
        with self._sheet_change(lambda s: _sheet(s, sheet_id).id, expected_version, editable=False,
                                period_lock="update") as (s, log, sheet, period):
            if sheet.reviewed != bool(reviewed):
                log.record("复核" if reviewed else "取消复核", "score_sheet", sheet.id, "reviewed", sheet.reviewed,
                           bool(reviewed), reason=f"{period.key} {sheet.unit.name}")
                sheet.reviewed = bool(reviewed)
                sheet.reviewed_at = dt.datetime.now(dt.timezone.utc) if reviewed else None
                sheet.reviewed_by = log.who if reviewed else ""
                s.flush()
            _settle_state(s, log, period)
            return _period_view_of(s, period)

    # --- suggestions ----------------------------------------------------------------------------------------

    def suggestions(self, sheet_id: int) -> list[Suggestion]:
        unit_scope.refuse_unit_account("查看复核的建议扣分")
        with self._sf() as s:
            sheet = _sheet(s, sheet_id)
            return self._suggestions(s, _period(s, sheet.period_id), [sheet]).get(sheet.id, [])

    def period_suggestions(self, period_id: int) -> dict[int, list[Suggestion]]:
        """Open suggestions for every sheet of the period, by sheet id (computed in one pass per source)."""
        unit_scope.refuse_unit_account("查看复核的建议扣分")
        with self._sf() as s:
            period = _period(s, period_id)
            return self._suggestions(s, period, list(s.scalars(select(ScoreSheet).where(ScoreSheet.period_id == period.id))))

    def accept_suggestion(self, sheet_id: int, source: str, shown: Suggestion | None = None, *,
                          expected_version: Expected = None) -> Change:
        """Turn an open suggestion into a deduction that remembers its source.  `shown`, the suggestion as the
        form got it from `period_suggestions`, spares reading the register again (the deduction is still
        refused when the suggestion was taken or rejected in the meantime)."""
        _review_only()
        found = shown if shown is not None and (shown.sheet_id, shown.source) == (sheet_id, source) else None
        if found is None:
            found = next((x for x in self.suggestions(sheet_id) if x.source == source), None)
        if found is None:
            raise NotFoundError("该建议扣分已处理或已不存在")
        data = OccurrenceInput(found.reason, found.occurrences, found.points_each,
                               evidence_note=f"系统依据登记信息提出（{found.source}）")
        return self.add_deduction(found.item_id, data, source=found.source, expected_version=expected_version)

    def reject_suggestion(self, sheet_id: int, source: str, reason: str = "", *,
                          expected_version: Expected = None) -> None:
        """不采纳: the suggestion is not offered again for this sheet (until restored); the reason is required,
        since whoever reads the sheet later asks why a recorded gap cost nothing."""
        _review_only()
        reason = (reason or "").strip()
        with self._sheet_change(lambda s: _sheet(s, sheet_id).id, expected_version) as (s, log, sheet, _period):
            if not reason:
                raise ValidationError("请填写不采纳的理由（记入审计日志）", field="reason")
            if len(reason) > MAX_REASON:
                raise ValidationError(f"不采纳的理由不能超过{MAX_REASON}个字", field="reason")
            if s.scalar(select(SuggestionRejection.id).where(SuggestionRejection.sheet_id == sheet.id,
                                                              SuggestionRejection.source == source)) is not None:
                return
            row = SuggestionRejection(sheet_id=sheet.id, source=source[:100], reason=reason, rejected_by=log.who)
            s.add(row)
            s.flush()
            log.record("不采纳建议", "suggestion", row.id, "", None, {"sheet": sheet.id, "source": row.source},
                       reason=row.reason)

    def rejected_suggestions(self, sheet_id: int) -> list[RejectedSuggestion]:
        """The sheet's suggestions marked 不采纳, oldest first, each with what it proposed when the register still
        gives it (the fact behind it may have been corrected since)."""
        unit_scope.refuse_unit_account("查看复核的建议扣分")
        with self._sf() as s:
            sheet = _sheet(s, sheet_id)
            rows = list(s.scalars(select(SuggestionRejection).where(SuggestionRejection.sheet_id == sheet.id)
                                  .order_by(SuggestionRejection.id)))
            if not rows:
                return []
            offered = {x.source: x for x in self._suggestions(s, _period(s, sheet.period_id), [sheet],
                                                              with_rejected=True).get(sheet.id, [])}
            return [RejectedSuggestion(sheet.id, r.source, r.reason, r.rejected_by, r.rejected_at,
                                       offered.get(r.source)) for r in rows]

    def restore_suggestion(self, sheet_id: int, source: str, *, expected_version: Expected = None) -> None:
        """Undo a 不采纳: the suggestion is offered again (the sheet must be editable, like any change)."""
        _review_only()
        with self._sheet_change(lambda s: _sheet(s, sheet_id).id, expected_version) as (s, log, sheet, _period):
            row = s.scalar(select(SuggestionRejection).where(SuggestionRejection.sheet_id == sheet.id,
                                                             SuggestionRejection.source == source))
            if row is None:
                raise NotFoundError("该条不采纳记录已恢复或不存在")
            log.record("恢复建议", "suggestion", row.id, "", {"sheet": sheet.id, "source": row.source}, None,
                       reason=f"撤销不采纳（原理由：{row.reason}）")
            s.delete(row)
            s.flush()

    def unhandled_suggestions(self, period_id: int) -> list[tuple[str, int]]:
        """(unit, open suggestions) for the month's units that still have suggestions neither taken nor
        rejected, in the register's order: what review and lock list before going on."""
        open_ = self.period_suggestions(period_id)
        return [(row.unit_name, len(open_[row.id])) for row in self.sheets(period_id) if open_.get(row.id)]

    def _suggestions(self, s: Session, period: Period, sheets: list[ScoreSheet], *,
                     with_rejected: bool = False) -> dict[int, list[Suggestion]]:
        if period.month is None or not sheets:
            return {}
        by_unit = {sh.unit_id: sh for sh in sheets}
        sheet_ids = [sh.id for sh in sheets]
        items = {(sheet_id, code): (item_id, ind_id, name, each) for sheet_id, code, item_id, ind_id, name, each in
                 s.execute(select(ScoreItem.sheet_id, Indicator.code, ScoreItem.id, Indicator.id, Indicator.name,
                                  Indicator.per_occurrence).join(Indicator, Indicator.id == ScoreItem.indicator_id)
                           .where(ScoreItem.sheet_id.in_(sheet_ids), Indicator.method != IndicatorMethod.BONUS))}
        taken: set[tuple[int, str]] = {(a, b) for a, b in s.execute(
            select(ScoreItem.sheet_id, Deduction.source).join(Deduction, Deduction.item_id == ScoreItem.id)
            .where(ScoreItem.sheet_id.in_(sheet_ids), Deduction.source != ""))}
        if not with_rejected:
            taken |= {(a, b) for a, b in s.execute(select(SuggestionRejection.sheet_id, SuggestionRejection.source)
                                                   .where(SuggestionRejection.sheet_id.in_(sheet_ids)))}
        out: dict[int, list[Suggestion]] = {}
        _load_suggestion_modules()
        for source in SUGGESTION_SOURCES:
            for unit_id, found in source(s, list(by_unit), period.year, period.month).items():
                sheet = by_unit.get(unit_id)
                if sheet is None:
                    continue
                for f in found:
                    target = items.get((sheet.id, f.indicator))
                    if target is None or (sheet.id, f.source[:100]) in taken:
                        continue
                    taken.add((sheet.id, f.source[:100]))  # two sources never offer the same thing twice
                    out.setdefault(sheet.id, []).append(Suggestion(
                        sheet.id, target[0], target[1], target[2], max(1, int(f.occurrences)), target[3], f.reason,
                        f.source[:100]))
        return out


# ---------------------------------------------------------------------------------------------------------------
# validation


def occurrence_problems(ind: Indicator | IndicatorView, data: OccurrenceInput, is_bonus: bool) -> list[FieldProblem]:
    """What is wrong with a deduction (bonus) for this indicator: the rules the form and the import share."""
    problems: list[FieldProblem] = []
    what = "加分" if is_bonus else "扣分"
    reason = (data.reason or "").strip()
    if not reason:
        problems.append(FieldProblem("reason", f"请填写{what}原因"))
    elif len(reason) > MAX_REASON:
        problems.append(FieldProblem("reason", f"{what}原因不能超过{MAX_REASON}个字"))
    try:
        n = int(str(data.occurrences).strip())
        if str(n) != str(data.occurrences).strip() and not isinstance(data.occurrences, int):
            raise ValueError
        if not 1 <= n <= MAX_OCCURRENCES:
            problems.append(FieldProblem("occurrences", f"次数应为1至{MAX_OCCURRENCES}的整数"))
    except (TypeError, ValueError):
        problems.append(FieldProblem("occurrences", f"次数应为1至{MAX_OCCURRENCES}的整数"))
    if data.points_each not in (None, ""):
        each = parse_score(data.points_each, "points_each", "每次分值", allow_zero=False, problems=problems)
        if each is not None and each > ind.points:
            problems.append(FieldProblem("points_each", f"每次{what}{each}分，超过该指标分值{ind.points}分"))
    return problems


# ---------------------------------------------------------------------------------------------------------------
# sheets and arithmetic (also used by the scheme editor and the import)


def create_sheets(s: Session, period: Period) -> int:
    """A sheet for every active unit that has none in the period, with every indicator at its base score."""
    have = set(s.scalars(select(ScoreSheet.unit_id).where(ScoreSheet.period_id == period.id)))
    units = [u for u in s.scalars(select(Unit.id).where(Unit.active.is_(True)).order_by(Unit.sort_order, Unit.id))
             if u not in have]
    if not units:
        return 0
    scheme = s.get_one(IndicatorScheme, period.scheme_id)
    inds = list(s.execute(select(Indicator.id, Indicator.method, Indicator.points)
                          .join(IndicatorCategory, IndicatorCategory.id == Indicator.category_id)
                          .where(IndicatorCategory.scheme_id == scheme.id)))
    totals = sheet_totals(((m, base_score(m, p), None, False) for _, m, p in inds), scheme.bonus_ceiling)
    s.execute(insert(ScoreSheet), [
        {"period_id": period.id, "unit_id": u, "reviewed": False, "reviewed_by": "", "review_total": totals.review_total,
         "bonus_total": totals.bonus_total, "self_total": None, "veto": False, "note": ""} for u in units])
    sheet_ids = list(s.scalars(select(ScoreSheet.id).where(ScoreSheet.period_id == period.id,
                                                           ScoreSheet.unit_id.in_(units))))
    s.execute(insert(ScoreItem), [
        {"sheet_id": sid, "indicator_id": iid, "review_score": base_score(m, p), "self_score": None, "veto": False,
         "veto_reason": ""} for sid in sheet_ids for iid, m, p in inds])
    return len(units)


def _months_missing_sheets(s: Session) -> list[int]:
    """Ids of the months not locked that lack a sheet for some active unit (one query)."""
    has_sheet = (select(ScoreSheet.id).where(ScoreSheet.period_id == Period.id, ScoreSheet.unit_id == Unit.id)
                 .exists())
    q = (select(Period.id).join(Unit, Unit.active.is_(True)).where(
        Period.kind == PeriodKind.MONTH, Period.state != PeriodState.LOCKED, ~has_sheet).distinct())
    return sorted(s.scalars(q))


def _add_missing_sheets(s: Session, log: AuditLog, period: Period) -> int:
    """Sheets for the active units the month has none for, recorded like the month's first sheets; a month
    that was 已复核 goes back to 草稿 (the new sheets are not reviewed).  A locked month is left as it is."""
    if period.state == PeriodState.LOCKED:
        return 0
    added = create_sheets(s, period)
    if added:
        log.record("新建考评表", "period", period.id, "sheets", None, added, reason=f"为{added}个单位建立考评表")
        _settle_state(s, log, period)
    return added


# ---------------------------------------------------------------------------------------------------------------
# helpers


def _period(s: Session, period_id: int, lock: str = "") -> Period:
    """The period; `lock` "share" or "update" reads it with that row lock, as committed now (no-op on SQLite,
    whose writer holds the whole database)."""
    if lock:
        q = (select(Period).where(Period.id == period_id).with_for_update(read=lock == "share")
             .execution_options(populate_existing=True))
        p = s.scalar(q)
    else:
        p = s.get(Period, period_id)
    if p is None:
        raise NotFoundError(f"考评期不存在（编号 {period_id}）")
    return p


def read_period(s: Session, period_id: int, lock: str = "") -> Period:
    """`_period` for the services that write sheets in bulk (the import)."""
    return _period(s, period_id, lock)


def _sheet(s: Session, sheet_id: int, lock: bool = False) -> ScoreSheet:
    if lock:
        sh = s.scalar(select(ScoreSheet).where(ScoreSheet.id == sheet_id).with_for_update()
                      .execution_options(populate_existing=True))
    else:
        sh = s.get(ScoreSheet, sheet_id)
    if sh is None:
        raise NotFoundError(f"考评表不存在（编号 {sheet_id}）")
    return sh


def _head_seq(s: Session) -> int:
    head = read_head(s)
    return head.seq if head is not None else 0


# The `locate` steps of `_sheet_change` read the sheet id as a plain column: a row loaded before the sheet lock would
# stay in the session as it was then, and its stale values would become the `old` of the audit entries.

def _item_sheet(item_id: int) -> Callable[[Session], int]:
    def locate(s: Session) -> int:
        sheet_id = s.scalar(select(ScoreItem.sheet_id).where(ScoreItem.id == item_id)
                            .execution_options(**unit_scope.UNSCOPED))  # _sheet_change checks whose it is
        if sheet_id is None:
            raise NotFoundError(f"考评项目不存在（编号 {item_id}）")
        return int(sheet_id)
    return locate


def _occurrence_sheet(cls: type[Deduction] | type[Bonus], row_id: int) -> Callable[[Session], int]:
    def locate(s: Session) -> int:
        sheet_id = s.scalar(select(ScoreItem.sheet_id).join(cls, cls.item_id == ScoreItem.id).where(cls.id == row_id)
                            .execution_options(**unit_scope.UNSCOPED))
        if sheet_id is None:
            raise NotFoundError(f"{'扣分' if cls is Deduction else '加分'}记录不存在（编号 {row_id}），可能已被删除")
        return int(sheet_id)
    return locate


# ---------------------------------------------------------------------------------------------------------------
# concurrent changes: who changed the sheet since the form read it


_SHEET_ENTITIES = ("score_sheet", "score_item", "deduction", "bonus", "suggestion")
_MAX_CHANGES_SHOWN = 5


def _check_version(s: Session, sheet: ScoreSheet, expected: Expected) -> None:
    if expected is None:
        return
    stamp = expected if isinstance(expected, SheetStamp) else SheetStamp(int(expected))
    if sheet.version == stamp.version:
        return
    changes = sheet_changes_since(s, sheet, stamp.seq)
    unit = sheet.unit.name
    lines = changes[:_MAX_CHANGES_SHOWN]
    if len(changes) > len(lines):
        lines.append(f"……共{len(changes)}处修改")
    said = "\n".join(lines) if lines else "（审计日志中没有可列出的记录）"
    raise ConcurrentChangeError(f"{unit}的考评表在您打开后已被他人修改，您这次的保存未执行：\n{said}", changes)


def sheet_changes_since(s: Session, sheet: ScoreSheet, seq: int | None) -> list[str]:
    """What the trail says happened to the sheet after entry `seq`, oldest first, one line each ("李四 于
    10时32分 新增了“三会一课”的扣分（……）"); without `seq`, the last three changes."""
    items = dict(s.execute(select(ScoreItem.id, Indicator.name).join(Indicator, Indicator.id == ScoreItem.indicator_id)
                           .where(ScoreItem.sheet_id == sheet.id)).all())
    q = select(AuditEntry).where(AuditEntry.entity.in_(_SHEET_ENTITIES))
    q = q.where(AuditEntry.seq > seq).order_by(AuditEntry.seq).limit(5000) if seq is not None else \
        q.order_by(AuditEntry.seq.desc()).limit(500)
    lines = [line for e in s.scalars(q) if (line := _describe_change(e, sheet.id, items))]
    return lines if seq is not None else lines[:3][::-1]


def _describe_change(e: AuditEntry, sheet_id: int, items: dict[int, str]) -> str | None:
    what: str | None = None
    if e.entity == "score_sheet" and e.entity_id == sheet_id and e.field == "reviewed":
        what = "复核了本表" if e.new == "是" else "取消了本表的复核"
    elif e.entity == "score_item" and e.entity_id in items:
        name = items[e.entity_id]
        if e.field == "self_score":
            what = f"将“{name}”的自评得分由{e.old or '空'}改为{e.new or '空'}"
        elif e.field == "veto":
            what = f"{e.action}“{name}”（{e.reason}）"
        # review_score follows from a deduction or bonus, which is named by its own entry
    elif e.entity in ("deduction", "bonus"):
        snap = _snapshot(e.new or e.old)
        item = snap.get("item")
        if item in items:
            kind = "扣分" if e.entity == "deduction" else "加分"
            what = f"{e.action}了“{items[item]}”的{kind}（{snap.get('reason', '')}）"
    elif e.entity == "suggestion" and _snapshot(e.new or e.old).get("sheet") == sheet_id:
        what = "不采纳了一条建议扣分" if e.new else "恢复了一条不采纳的建议扣分"
    return f"{e.who} 于 {_when(e.at)} {what}" if what else None


def _snapshot(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _when(at: str) -> str:
    """An entry's time as the user reads it: 10时32分 today, else with the date (local time)."""
    try:
        t = dt.datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).astimezone()
    except ValueError:
        return at
    hour = f"{t.hour}时{t.minute}分"
    return hour if t.date() == clock.today() else f"{cn_date(t.date())}{hour}"


def _item(s: Session, item_id: int) -> ScoreItem:
    it = s.get(ScoreItem, item_id, populate_existing=True)  # as committed now (read under the sheet lock)
    if it is None:
        raise NotFoundError(f"考评项目不存在（编号 {item_id}）")
    return it


def _occurrence(s: Session, cls: type[Deduction] | type[Bonus], row_id: int) -> Any:
    row = s.get(cls, row_id, populate_existing=True)
    if row is None:
        raise NotFoundError(f"{'扣分' if cls is Deduction else '加分'}记录不存在（编号 {row_id}），可能已被删除")
    return row


def _entity(cls: type[Deduction] | type[Bonus]) -> str:
    return "deduction" if cls is Deduction else "bonus"


def snapshot_of(row: Deduction | Bonus) -> str:
    return occurrence_snapshot(row.item_id, row.occurrences, row.points_each, row.reason, row.evidence_note,
                               row.evidence_file, row.source)


def _refuse_taken(s: Session, sheet_id: int, source: str) -> None:
    """A suggestion is turned into a deduction once, and never after it was rejected."""
    taken = s.scalar(select(Deduction.id).join(ScoreItem, ScoreItem.id == Deduction.item_id)
                     .where(ScoreItem.sheet_id == sheet_id, Deduction.source == source).limit(1))
    rejected = s.scalar(select(SuggestionRejection.id).where(SuggestionRejection.sheet_id == sheet_id,
                                                              SuggestionRejection.source == source))
    if taken is not None or rejected is not None:
        raise NotFoundError("该建议扣分已处理或已不存在")


def _locked_message(period: Period) -> str:
    return f"{period.title}的考评已锁定，不能修改；如需更正，请由管理员重新开放"


def _unreviewed(s: Session, period_id: int) -> list[str]:
    return list(s.scalars(select(Unit.name).join(ScoreSheet, ScoreSheet.unit_id == Unit.id)
                          .where(ScoreSheet.period_id == period_id, ScoreSheet.reviewed.is_(False))
                          .order_by(Unit.sort_order, Unit.id)))


def _settle_state(s: Session, log: AuditLog, period: Period) -> None:
    """草稿 ⇄ 已复核 follows the sheets: 已复核 exactly when every sheet is reviewed."""
    if period.state == PeriodState.LOCKED:
        return
    has_sheets = s.scalar(select(func.count()).select_from(ScoreSheet).where(ScoreSheet.period_id == period.id))
    all_done = bool(has_sheets) and not s.scalar(
        select(func.count()).select_from(ScoreSheet).where(ScoreSheet.period_id == period.id,
                                                           ScoreSheet.reviewed.is_(False)))
    target = PeriodState.REVIEWED if all_done else PeriodState.DRAFT
    if target != period.state:
        log.record("状态变更", "period", period.id, "state", period.state, target,
                   reason="全部单位已复核" if all_done else "有单位取消复核")
        period.state = target
        s.flush()


def _period_view(p: Period, sheets: int, reviewed: int | None) -> PeriodView:
    return PeriodView(p.id, p.key, p.title, p.kind, p.year, p.month, p.state, p.scheme_id, int(sheets or 0),
                      int(reviewed or 0), p.locked_at)


def _period_view_of(s: Session, p: Period) -> PeriodView:
    n, r = s.execute(select(func.count(), func.sum(cast(ScoreSheet.reviewed, Integer)))
                     .where(ScoreSheet.period_id == p.id)).one()
    return _period_view(p, n, r)


def _occurrence_views(s: Session, cls: type[Deduction] | type[Bonus], item_ids: list[int]
                      ) -> dict[int, list[OccurrenceView]]:
    out: dict[int, list[OccurrenceView]] = {}
    rows: Iterable[Deduction | Bonus] = s.scalars(select(cls).where(cls.item_id.in_(item_ids)).order_by(cls.id))
    for r in rows:
        out.setdefault(r.item_id, []).append(OccurrenceView(
            r.id, r.occurrences, r.points_each, r.reason, r.evidence_note, r.evidence_file, r.source, r.created_at,
            r.created_by))
    return out


def _form(s: Session, sheet: ScoreSheet, seq: int) -> SheetForm:
    period = _period(s, sheet.period_id)
    if not unit_scope.results_released(s, period.id):
        return _self_only_form(s, sheet, period, seq)
    scheme = s.get_one(IndicatorScheme, period.scheme_id)
    view = scheme_view(s, scheme)
    items = {it.indicator_id: it for it in s.scalars(select(ScoreItem).where(ScoreItem.sheet_id == sheet.id))}
    item_ids = [it.id for it in items.values()]
    deds = _occurrence_views(s, Deduction, item_ids)
    bons = _occurrence_views(s, Bonus, item_ids)
    cats = []
    for c in view.categories:
        views = []
        for ind in c.indicators:
            it = items.get(ind.id)
            if it is None:
                continue
            views.append(ItemView(it.id, ind, it.review_score, it.self_score, it.veto, it.veto_reason,
                                  deds.get(it.id, []), bons.get(it.id, []), it.self_note))
        score = sum((v.review_score for v in views), Decimal("0.0"))
        if c.is_bonus:
            score = min(score, view.bonus_ceiling)
        cats.append(CategoryScore(c.id, c.name, c.points, c.is_bonus, score, views))
    unit_name = s.scalar(select(Unit.name).where(Unit.id == sheet.unit_id)) or ""
    return SheetForm(sheet.id, period.id, period.key, period.title, period.state, sheet.unit_id, unit_name,
                     sheet.reviewed, sheet.review_total, sheet.bonus_total, sheet.self_total, sheet.veto,
                     scheme.total_points, scheme.bonus_ceiling, cats, sheet.version, seq)


def _review_only() -> None:
    """The 复核 side of a sheet (deductions, bonuses, 一票否决, suggestions, 复核 itself) is the 工委's."""
    unit_scope.refuse_unit_account("登记复核扣分、加分、一票否决或办理复核：这些由机关工委办理，单位只填报自评")


def _self_only_form(s: Session, sheet: ScoreSheet, period: Period, seq: int) -> SheetForm:
    """The form a 单位填报员 sees before the month's 通报: its 自评 beside each indicator, no 复核 figures."""
    scheme = s.get_one(IndicatorScheme, period.scheme_id)
    view = scheme_view(s, scheme)
    items = {it.indicator_id: it for it in s.scalars(select(ScoreItem).where(ScoreItem.sheet_id == sheet.id))}
    zero = Decimal("0.0")
    cats = [CategoryScore(c.id, c.name, c.points, c.is_bonus, zero,
                          [ItemView(it.id, ind, zero, it.self_score, False, "", [], [], it.self_note)
                           for ind in c.indicators if (it := items.get(ind.id)) is not None])
            for c in view.categories]
    unit_name = s.scalar(select(Unit.name).where(Unit.id == sheet.unit_id)) or ""
    return SheetForm(sheet.id, period.id, period.key, period.title, period.state, sheet.unit_id, unit_name,
                     sheet.reviewed, zero, zero, sheet.self_total, False, scheme.total_points, scheme.bonus_ceiling,
                     cats, sheet.version, seq, results_hidden=True)


# ---------------------------------------------------------------------------------------------------------------
# built-in suggestion sources: the register's findings


VACANCY_CODE = "org.vacancy"
TERM_OVERDUE_CODE = "org.term_overdue"


def register_findings_source(s: Session, unit_ids: Sequence[int], year: int, month: int
                             ) -> dict[int, list[RegistrySuggestion]]:
    """支委 vacancies and overdue 换届 from the register, as of the month's last day (or today, if earlier)."""
    from app.services.register import RegisterService

    as_of = min(month_end(year, month), clock.today())
    bind = s.get_bind()
    register = RegisterService(lambda: Session(bind), today=lambda: as_of)
    org_unit = dict(s.execute(select(PartyOrg.id, PartyOrg.unit_id)).all())
    wanted = set(unit_ids)
    grouped: dict[tuple[int, str, int], list[str]] = {}
    names: dict[int, str] = {}
    for org_id, org_name, finding in register.all_findings():
        unit_id = org_unit.get(org_id)
        if unit_id not in wanted or finding.kind not in ("vacancy", "term_overdue"):
            continue
        assert unit_id is not None
        grouped.setdefault((unit_id, finding.kind, org_id), []).append(finding.message)
        names[org_id] = org_name
    out: dict[int, list[RegistrySuggestion]] = {}
    for (unit_id, kind, org_id), messages in grouped.items():
        code = VACANCY_CODE if kind == "vacancy" else TERM_OVERDUE_CODE
        reason = f"{names[org_id]}：{'；'.join(messages)}"
        occurrences = len(messages) if kind == "vacancy" else 1
        out.setdefault(unit_id, []).append(RegistrySuggestion(code, occurrences, reason,
                                                              f"suggested:{kind}:org {org_id}"))
    return out


def orglife_source(s: Session, unit_ids: Sequence[int], year: int, month: int) -> dict[int, list[RegistrySuggestion]]:
    """Missed meetings and late records from the organisation-life rules (app.services.compliance), judged for
    all the units at once; each suggestion keeps the compliance finding's key as its source."""
    from app.services import compliance

    out: dict[int, list[RegistrySuggestion]] = {}
    for f in compliance.evaluate(s, year, month, unit_ids=list(unit_ids)):
        reason = f"{f.subject}：{f.message}" if f.subject else f.message
        out.setdefault(f.unit_id, []).append(RegistrySuggestion(f.indicator, 1, reason, f.key))
    return out


def study_source(s: Session, unit_ids: Sequence[int], year: int, month: int
                 ) -> Mapping[int, Sequence[SuggestionLike]]:
    """党组（党委）理论学习中心组: the year plan missing, meetings and 专题研讨 behind the pace (app.services.study,
    imported when first asked: not at start-up)."""
    from app.services import study

    return study.suggestion_source(s, unit_ids, year, month)


register_suggestion_source(register_findings_source)
register_suggestion_source(orglife_source)
register_suggestion_source(study_source)
