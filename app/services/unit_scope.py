"""The 单位填报员's unit scope: an account bound to one unit reads only that unit's rows and writes only its 自评,
its organisation-life records and its 整改 progress.

Two guards on every ORM session, so that no service can forget them:
- reading: while such an account acts, every ORM SELECT carries a criterion per mapped table that ties the table
  to the unit (a `unit_id` column, else a required reference to a table that is tied: a member through its
  organisation, a deduction through its item and sheet …), so another unit's rows are simply not there — in
  lists, joins, counts and `Session.get` alike.  Tables tied to no unit (the scheme, the periods, settings) are
  read as they are; the 通报 (every unit's ranking in one document) is not read at all.
- writing: `check_writes`, called by the write guard of app.services.accounts, lets through only the changes the
  role exists for, on its own unit's rows; anything else is refused with one Chinese message.

On top of that the services the role uses check ownership first (`require_own_*`), so that another unit's id
is refused with a message rather than reported missing, and hide the 复核 results until the month's 通报 is
issued (`results_released`)."""

from __future__ import annotations

import functools
import inspect as inspect_module
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Table, event, false, inspect, or_, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from app.errors import PermissionDenied
from app.models import (
    AuditEntry,
    Bulletin,
    ChangeStamp,
    Member,
    OrgLifeAttendance,
    OrgLifeRecord,
    PartyOrg,
    Rectification,
    RectificationItem,
    RectificationStatus,
    Role,
    ScoreItem,
    ScoreSheet,
    Unit,
    User,
)
from app.models.base import Base
from app.services import actor

# Execution option of a statement that must see past the scope: the ownership checks below, nothing else.
UNSCOPED = {"dangjian_unscoped": True}

REFUSAL = "单位填报员只能填报本单位的自评、组织生活记录和整改进展，不能进行此项操作"

# Read by everybody as they are: they belong to no unit.  Hidden from a unit account: the 通报 carries every
# unit's ranking.
_NEVER_SCOPED: frozenset[str] = frozenset({User.__tablename__, AuditEntry.__tablename__, ChangeStamp.__tablename__})
_HIDDEN: frozenset[str] = frozenset({Bulletin.__tablename__, "review_ballot"})

# The 整改 moves that are the unit's to make: starting an item and handing in its progress for review.
UNIT_MOVES: frozenset[tuple[RectificationStatus, RectificationStatus]] = frozenset({
    (RectificationStatus.NOT_STARTED, RectificationStatus.IN_PROGRESS),
    (RectificationStatus.IN_PROGRESS, RectificationStatus.PENDING_REVIEW),
})


class OutsideUnit(PermissionDenied):
    """A unit account asked for another unit's record, or for something its role may not do."""


def unit_of_actor() -> int | None:
    """The unit the current account is bound to (None for every other account, and with nobody logged in)."""
    who = actor.current()
    if who is None or who.role != Role.UNIT_REPORTER:
        return None
    # A 单位填报员 without a unit (a row edited by hand) sees nothing rather than everything.
    return who.unit_id if who.unit_id is not None else 0


def scoped() -> bool:
    return unit_of_actor() is not None


def refuse_unit_account(what: str = "") -> None:
    """For the services the role may not use at all: refuse a unit account with a clear message."""
    if scoped():
        raise OutsideUnit(f"单位填报员不能{what}" if what else REFUSAL)


def _outside(what: str) -> OutsideUnit:
    return OutsideUnit(f"该{what}不属于本单位，单位填报员只能查看和填报本单位的数据")


def _check(owner: int | None, what: str) -> None:
    unit = unit_of_actor()
    if unit is not None and owner is not None and owner != unit:
        raise _outside(what)


def require_own_unit(unit_id: int | None, what: str = "单位") -> None:
    _check(unit_id, what)


def require_own_sheet(s: Session, sheet_id: int) -> None:
    if scoped():
        _check(s.scalar(select(ScoreSheet.unit_id).where(ScoreSheet.id == sheet_id).execution_options(**UNSCOPED)),
               "考评表")


def require_own_item(s: Session, item_id: int) -> None:
    if scoped():
        _check(s.scalar(select(ScoreSheet.unit_id).join(ScoreItem, ScoreItem.sheet_id == ScoreSheet.id)
                        .where(ScoreItem.id == item_id).execution_options(**UNSCOPED)), "考评项目")


def require_own_org(s: Session, org_id: int | None) -> None:
    if scoped() and org_id is not None:
        _check(s.scalar(select(PartyOrg.unit_id).where(PartyOrg.id == org_id).execution_options(**UNSCOPED)),
               "党组织")


def require_own_member(s: Session, member_id: int | None) -> None:
    if scoped() and member_id is not None:
        _check(s.scalar(select(PartyOrg.unit_id).join(Member, Member.org_id == PartyOrg.id)
                        .where(Member.id == member_id).execution_options(**UNSCOPED)), "党员")


def require_own_record(s: Session, record_id: int) -> None:
    if scoped():
        _check(s.scalar(select(OrgLifeRecord.unit_id).where(OrgLifeRecord.id == record_id)
                        .execution_options(**UNSCOPED)), "组织生活记录")


def require_own_rectification(s: Session, rectification_id: int) -> None:
    if scoped():
        _check(s.scalar(select(Rectification.unit_id).where(Rectification.id == rectification_id)
                        .execution_options(**UNSCOPED)), "整改")


def require_own_rectification_item(s: Session, item_id: int) -> None:
    if scoped():
        _check(s.scalar(select(Rectification.unit_id)
                        .join(RectificationItem, RectificationItem.rectification_id == Rectification.id)
                        .where(RectificationItem.id == item_id).execution_options(**UNSCOPED)), "整改事项")


def require_unit_move(frm: RectificationStatus, to: RectificationStatus) -> None:
    """A unit starts its 整改 items and hands in their progress; 退回, 销号 and 撤销销号 are the 工委's."""
    if scoped() and (frm, to) not in UNIT_MOVES:
        raise OutsideUnit("单位填报员只能开始整改和提交整改进展；退回、销号和撤销销号由机关工委办理")


def results_released(s: Session, period_id: int) -> bool:
    """Whether the month's results may be shown to a unit account: its 通报 has been issued (for every other
    account always)."""
    if not scoped():
        return True
    return s.scalar(select(Bulletin.id).where(Bulletin.period_id == period_id).limit(1)
                    .execution_options(**UNSCOPED)) is not None


# --- reading: the criteria -----------------------------------------------------------------------------------------

def _tie(table: Table, unit: int, seen: dict[str, ColumnElement[bool] | None]) -> ColumnElement[bool] | None:
    """The condition that ties a row of `table` to `unit`, or None when the table belongs to no unit."""
    if table.name in seen:
        return seen[table.name]
    seen[table.name] = None  # a reference round a circle ties nothing
    found: ColumnElement[bool] | None = None
    if table.name == Unit.__tablename__:
        found = table.c.id == unit
    elif table.name in _HIDDEN:
        found = false()
    elif table.name not in _NEVER_SCOPED:
        found = _tie_by_reference(table, unit, seen)
    seen[table.name] = found
    return found


def _tie_by_reference(table: Table, unit: int, seen: dict[str, ColumnElement[bool] | None]
                      ) -> ColumnElement[bool] | None:
    """Through the table's references: the unit itself first, then a required reference to a tied table, then
    an optional one (whose empty value ties the row to no unit: shown)."""
    refs = [fk for fk in table.foreign_keys if fk.column.table is not table]
    refs.sort(key=lambda fk: (fk.column.table.name != Unit.__tablename__, bool(fk.parent.nullable)))
    for fk in refs:
        target = fk.column.table
        if not isinstance(target, Table):
            continue
        if target.name == Unit.__tablename__:
            cond: ColumnElement[bool] = fk.parent == unit
        else:
            inner = _tie(target, unit, seen)
            if inner is None:
                continue
            cond = fk.parent.in_(select(fk.column).where(inner))
        return or_(fk.parent.is_(None), cond) if fk.parent.nullable else cond
    return None


def unit_free_tables() -> set[str]:
    """The mapped tables tied to no unit: a unit account reads them as they are (tests/test_unit_accounts.py
    keeps the list, so that a new table is tied to a unit or knowingly left free)."""
    seen: dict[str, ColumnElement[bool] | None] = {}
    return {m.local_table.name for m in Base.registry.mappers
            if isinstance(m.local_table, Table) and _tie(m.local_table, 0, seen) is None}


_criteria_cache: dict[int, list[Any]] = {}


def _criteria(unit: int) -> list[Any]:
    """One loader criterion per mapped class tied to a unit (built once per unit)."""
    if unit not in _criteria_cache:
        seen: dict[str, ColumnElement[bool] | None] = {}
        options = []
        for mapper in Base.registry.mappers:
            table = mapper.local_table
            if not isinstance(table, Table):
                continue
            cond = _tie(table, unit, seen)
            if cond is not None:
                options.append(with_loader_criteria(mapper.class_, cond, include_aliases=True))
        _criteria_cache.clear()  # one process acts for one account: keep one unit's
        _criteria_cache[unit] = options
    return _criteria_cache[unit]


def _scope_reads(state: ORMExecuteState) -> None:
    if state.is_select:
        if state.is_column_load or state.is_relationship_load:
            return
    elif not (state.is_update or state.is_delete):
        return
    if state.execution_options.get("dangjian_unscoped"):
        return
    unit = unit_of_actor()
    if unit is None:
        return
    state.statement = state.statement.options(*_criteria(unit))


if not event.contains(Session, "do_orm_execute", _scope_reads):
    event.listen(Session, "do_orm_execute", _scope_reads)


# --- writing -------------------------------------------------------------------------------------------------------

# What a unit account's changes may touch, per table: the columns of its own rows it fills in.
_SELF_COLUMNS = frozenset({"self_score", "self_note", "self_evidence"})
_SHEET_COLUMNS = frozenset({"self_total", "version"})
_PROGRESS_COLUMNS = frozenset({"status", "progress", "submitted_on", "updated_at"})
_ALWAYS = (User, AuditEntry, ChangeStamp)


def _changed(obj: object) -> set[str]:
    state = inspect(obj)
    return {a.key for a in state.attrs if a.history.has_changes()}


def _unscoped_value(s: Session, column: Any, key: Any, value: int | None) -> int | None:
    if value is None:
        return None
    return s.scalar(select(column).where(key == value).execution_options(**UNSCOPED))


def check_writes(session: Session, new: Iterable[object], dirty: Iterable[object], deleted: Iterable[object]) -> None:
    """Refuse a unit account's flush unless every change is one its role makes on its own unit's rows."""
    unit = unit_of_actor()
    if unit is None:
        return
    for obj in new:
        _check_new_or_deleted(session, obj, unit)
    for obj in deleted:
        _check_new_or_deleted(session, obj, unit)
    for obj in dirty:
        if not session.is_modified(obj):
            continue
        _check_dirty(session, obj, unit)


def _check_new_or_deleted(s: Session, obj: object, unit: int) -> None:
    if isinstance(obj, _ALWAYS):
        return
    if isinstance(obj, OrgLifeRecord):
        ok = obj.unit_id == unit and _org_unit(s, obj.org_id) in (None, unit)
    elif isinstance(obj, OrgLifeAttendance):
        ok = _record_unit(s, obj) == unit
    else:
        ok = False
    if not ok:
        raise OutsideUnit(REFUSAL)


def _check_dirty(s: Session, obj: object, unit: int) -> None:
    if isinstance(obj, _ALWAYS):
        return
    changed = _changed(obj)
    if isinstance(obj, ScoreItem):
        ok = changed <= _SELF_COLUMNS and _unscoped_value(s, ScoreSheet.unit_id, ScoreSheet.id, obj.sheet_id) == unit
    elif isinstance(obj, ScoreSheet):
        ok = changed <= _SHEET_COLUMNS and obj.unit_id == unit
    elif isinstance(obj, OrgLifeRecord):
        before = inspect(obj).attrs.unit_id.history.deleted
        ok = obj.unit_id == unit and all(b == unit for b in before) and _org_unit(s, obj.org_id) in (None, unit)
    elif isinstance(obj, OrgLifeAttendance):
        ok = _record_unit(s, obj) == unit
    elif isinstance(obj, RectificationItem):
        moves = inspect(obj).attrs.status.history
        ok = (changed <= _PROGRESS_COLUMNS
              and all((frm, to) in UNIT_MOVES for frm in moves.deleted for to in moves.added)
              and _unscoped_value(s, Rectification.unit_id, Rectification.id, obj.rectification_id) == unit)
    else:
        ok = False
    if not ok:
        raise OutsideUnit(REFUSAL)


def _org_unit(s: Session, org_id: int | None) -> int | None:
    return _unscoped_value(s, PartyOrg.unit_id, PartyOrg.id, org_id)


def _record_unit(s: Session, line: OrgLifeAttendance) -> int | None:
    if line.record is not None:
        return line.record.unit_id
    return _unscoped_value(s, OrgLifeRecord.unit_id, OrgLifeRecord.id, line.record_id)


def check_bulk(state: ORMExecuteState, target: type | None) -> None:
    """A unit account's UPDATE/DELETE/INSERT statements: the bookkeeping every login writes, and the version
    counter of its own sheet that a 自评 moves (scoped to its unit like any read, `_scope_reads`)."""
    if not scoped() or (target is not None and issubclass(target, _ALWAYS)):
        return
    if target is ScoreSheet and state.is_update and _set_columns(state) <= {"version"}:
        return
    raise OutsideUnit(REFUSAL)


def _set_columns(state: ORMExecuteState) -> set[str]:
    values = getattr(state.statement, "_values", None) or {}
    return {str(getattr(k, "key", k)) for k in values}


# --- services that are the 工委's alone ------------------------------------------------------------------------------

_Cls = TypeVar("_Cls", bound=type)


def committee_only(what: str) -> Callable[[_Cls], _Cls]:
    """Class decorator: every public method refuses a unit account (`what`: the work, said as 单位填报员不能…).
    For the services that work across all units (ranking, 通报, 季度与年度, packets): scoped to one unit they
    would only mislead (a ranking of one), and their results are the county's to publish."""
    def wrap(cls: _Cls) -> _Cls:
        for name, member in list(vars(cls).items()):
            if name.startswith("_") or not inspect_module.isfunction(member):
                continue
            setattr(cls, name, _refusing(member, what))
        return cls
    return wrap


def _refusing(fn: Callable[..., Any], what: str) -> Callable[..., Any]:
    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        refuse_unit_account(what)
        return fn(*args, **kwargs)
    return guarded
