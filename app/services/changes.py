"""The change stamp: how a client learns that another one changed the data.

Every committed transaction that wrote anything moves `change_stamp.n` (one row, id 1) by one, in the same
transaction.  A window that remembers the stamp it loaded its lists at needs one cheap read
(`current_stamp`) to know whether to read them again: no polling of the tables themselves.

What counts as a write: an ORM flush that inserted, changed or deleted a row (`after_flush`), and an INSERT,
UPDATE or DELETE statement run through `Session.execute` (bulk Core inserts of the demo and the imports:
`do_orm_execute`).  The stamp is moved in `before_commit`, after the last flush: last in the transaction, so a
transaction that holds the stamp's row lock never waits for another lock (no deadlock on PostgreSQL).

The stamps this process's own commits produced are remembered per engine (`own_writes_only`): a window does not
read its lists again for its own saves, which it has shown already, only when another client wrote in between.

`install()` registers the listeners on the `Session` class (done when this module is imported, which every
writer does through app.services.audit); `install(factory)` on one sessionmaker is also accepted."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, event, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from app.models import ChangeStamp

SessionFactory = Callable[[], Session]

STAMP_ID = 1
_WROTE = "changes.wrote"  # session.info: the root transaction that wrote something
_PENDING = "changes.pending"  # session.info: (engine, stamp) this transaction moved the stamp to, until it commits
_stamp = cast(Table, ChangeStamp.__table__)

# Engines whose database has the change_stamp table (checked once per engine; a database at an older schema
# revision, e.g. while migrating step by step, has none and its writes are simply not counted).
_has_stamp: weakref.WeakSet[Engine] = weakref.WeakSet()

# Engine → the stamp values this process's committed transactions wrote (a few integers per save).
_own: weakref.WeakKeyDictionary[Engine, set[int]] = weakref.WeakKeyDictionary()


def install(target: type[Session] | sessionmaker[Session] | Any = Session) -> None:
    """Count the writes of every session made by `target` (the Session class by default); idempotent."""
    for name, fn in (("after_flush", _after_flush), ("do_orm_execute", _on_execute),
                     ("before_commit", _before_commit), ("after_commit", _after_commit),
                     ("after_rollback", _after_rollback)):
        if not event.contains(target, name, fn):
            event.listen(target, name, fn)


def current_stamp(session_factory: SessionFactory) -> int:
    """The stamp as committed now: one primary-key read."""
    with session_factory() as s:
        return int(s.scalar(select(_stamp.c.n).where(_stamp.c.id == STAMP_ID)) or 0)


def own_writes_only(engine: Engine, seen: int, now: int) -> bool:
    """True when every write that moved the stamp from `seen` to `now` was committed by this process on
    `engine` (the stamp moves by one per transaction, so each value stands for one commit)."""
    own = _own.get(engine, set())
    return now >= seen and all(n in own for n in range(seen + 1, now + 1))


def lock_database_for_write(conn: Connection) -> None:
    """SQLite: make the transaction take the database's write lock now, changing nothing (the audit chain's
    writer lock on SQLite), waiting while another program writes (app.db.take_write_lock)."""
    from app.db import take_write_lock

    take_write_lock(conn, lambda: conn.execute(update(_stamp).where(_stamp.c.id == STAMP_ID).values(n=_stamp.c.n)))


def mark_written(session: Session) -> None:
    """Count this transaction as a write (for writers that bypass the ORM and `Session.execute`)."""
    session.info[_WROTE] = session.get_transaction()


def _after_flush(session: Session, _context: Any) -> None:
    # new/dirty/deleted still hold the pre-flush state here; a dirty object whose values did not change
    # flushed nothing.
    if session.new or session.deleted or any(session.is_modified(o, include_collections=False)
                                            for o in session.dirty):
        mark_written(session)


def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        mark_written(state.session)


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction's commit counts
    session.flush()  # what is still pending would otherwise be flushed after this event
    txn = session.get_transaction()
    if txn is None or session.info.get(_WROTE) is not txn:
        return
    session.info.pop(_WROTE, None)
    conn = session.connection()
    if _stamp_present(conn):
        # Through the connection, not Session.execute: this statement is not itself a write to count, and the
        # accounts write guard must not refuse it for a user who may only read.
        conn.execute(update(_stamp).where(_stamp.c.id == STAMP_ID).values(n=_stamp.c.n + 1))
        # read back under the row's write lock: the value no other transaction can also have written
        n = conn.scalar(select(_stamp.c.n).where(_stamp.c.id == STAMP_ID))
        session.info[_PENDING] = (conn.engine, int(n or 0))


def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is not None:
        engine, n = pending
        _own.setdefault(engine, set()).add(n)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)  # the stamp did not move after all


def _stamp_present(conn: Connection) -> bool:
    if conn.engine in _has_stamp:
        return True
    if not inspect(conn).has_table(_stamp.name):
        return False
    _has_stamp.add(conn.engine)
    return True


install()
