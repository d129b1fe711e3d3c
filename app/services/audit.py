"""The audit trail: append entries in the same transaction as the change, verify the chain and the state.

Each entry's hash is SHA-256 over `prev_hash` followed by the canonical JSON of the entry: the array
`[seq, at, who, action, entity, entity_id, field, old, new, reason]`, UTF-8, no spaces, non-ASCII kept.  The first
entry's `prev_hash` is 64 zeros.  Entries are written only through `AuditLog` (inside `unit_of_work`) or, in bulk,
from `locked_head`.  Both take the chain's writer lock in the database (`lock_chain`) before the head is read and
hold it until the transaction ends, so two clients, on one machine or on several, can never chain onto the same
head: appends are serialised by a lock, not by luck (and `seq` is the primary key besides).

`verify` checks the chain (naming the first broken entry) and that every current score, deduction, bonus, sheet
review flag and period state equals the last value the trail records for it, so a change made to the database
outside the app is found."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from itertools import chain, compress, repeat
from operator import add, itemgetter
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app import settings as S
from app.models import AuditEntry, Period, PeriodState
from app.services import actor, anchors

# Importing app.services.changes also makes every committed write move the change stamp.
from app.services.changes import lock_database_for_write

SessionFactory = Callable[[], Session]

GENESIS_HASH = "0" * 64
SHORT_HASH = 8

# Threads of one process queue here before they queue for the database's lock (`lock_chain`): SQLite would
# otherwise make them poll for its write lock.  The database lock is what keeps the chain linear across clients.
_WRITE_LOCK = threading.RLock()

# pg_advisory_xact_lock key of the audit chain's writer lock ("auditlog" in ASCII).
CHAIN_LOCK_KEY = 0x61756469746C6F67
_CHAIN_LOCKED = "audit.chain_locked"  # session.info: the root transaction that holds the lock
_PENDING_LOG = "audit.pending_log"  # session.info: a deferred AuditLog with entries not yet chained

Row = tuple[int, str, str, str, str, int | None, str, str | None, str | None, str]


def _encoders() -> tuple[Callable[[Any], str], Callable[[Iterable[Any]], Iterator[str]]]:
    """The canonical JSON encoder, for one value and for many: the C JSON encoder called directly (twice as fast
    as json.dumps, and over many rows without a Python call per row, which matters for verifying 500,000
    entries); checked against json.dumps at start and replaced by it if the private API ever changes."""

    def slow(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def slow_many(values: Iterable[Any]) -> Iterator[str]:
        return map(slow, values)

    try:
        from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]

        encoder = c_make_encoder(None, None, encode_basestring, None, ":", ",", False, False, True)
        join = "".join

        def fast(value: Any) -> str:
            return join(encoder(value, 0))

        def fast_many(values: Iterable[Any]) -> Iterator[str]:
            return map(join, map(encoder, values, repeat(0)))

        probe = (1, "2026-01-01T00:00:00Z", "机关\"工委\"\n", None, 3, "", "1.0")
        if fast(probe) == slow(probe) and list(fast_many([probe, probe[:2]])) == [slow(probe), slow(probe[:2])]:
            return fast, fast_many
    except (ImportError, TypeError):
        pass
    return slow, slow_many


# One encoder for writing and verifying: `_canonical_json` for an entry, `_canonical_many` for a batch of them.
_canonical_json, _canonical_many = _encoders()


def canonical(row: Row | tuple[Any, ...]) -> str:
    """The canonical JSON of an entry's first ten fields (everything but the hashes)."""
    return _canonical_json(tuple(row[:10]))


def entry_hash(prev_hash: str, row: Row | tuple[Any, ...]) -> str:
    return hashlib.sha256((prev_hash + canonical(row)).encode("utf-8")).hexdigest()


def fmt(value: Any) -> str | None:
    """How a value is written into the trail (and compared with the current state when verifying)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.1")))
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, dict):
        return _RECORD_JSON.encode(value)
    return str(value)


# What json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str) makes, without
# making the encoder anew for each of the county's records.
_RECORD_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def timestamp(at: dt.datetime) -> str:
    return at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def occurrence_snapshot(item_id: int, occurrences: int, points_each: Decimal, reason: str, evidence_note: str,
                        evidence_file: str, source: str) -> str:
    """The trail's record of a deduction or bonus (the same function builds it when writing and verifying)."""
    return fmt({
        "item": item_id, "occurrences": occurrences, "points_each": fmt(points_each), "reason": reason,
        "evidence_note": evidence_note, "evidence_file": evidence_file, "source": source,
    }) or ""


# ---------------------------------------------------------------------------------------------------------------
# writing


@dataclass(frozen=True)
class ChainHead:
    seq: int
    hash: str

    @property
    def short(self) -> str:
        return self.hash[:SHORT_HASH]

    def __str__(self) -> str:
        return f"审计链 第{self.seq}条 {self.short}"


class AuditLog:
    """Appends entries to the trail within one session (the caller's transaction).

    `deferred`: the entries are kept until the unit of work ends (or something reads the head), then chained in
    one go under the writer lock.  On a server the lock is then held only for the few statements that append and
    commit, instead of for the whole unit of work: eight officers saving at once queue for milliseconds, not for
    each other's whole saves.  The order of the chain is still the order of commits for any two units of work that
    touch the same rows (the second waits for the first's row locks before it can reach its own appending)."""

    def __init__(self, session: Session, who: str, now: Callable[[], dt.datetime] | None = None, *,
                 deferred: bool = False) -> None:
        self.session = session
        self.who = who
        self._now = now or (lambda: dt.datetime.now(dt.timezone.utc))
        self._head: ChainHead | None = None
        self._pending: list[tuple[Any, ...]] = []
        self._deferred = deferred
        self.count = 0  # entries recorded so far (a caller can tell whether a step changed anything)
        self.anchor_why = ""  # set by `anchor`: the head is written to the anchor file after the commit
        if deferred:
            session.info[_PENDING_LOG] = self
        else:
            lock_chain(session)

    def head(self) -> ChainHead:
        self.chain_pending()
        if self._head is None:
            self._head = locked_head(self.session) or ChainHead(0, GENESIS_HASH)
        return self._head

    def record(self, action: str, entity: str, entity_id: int | None, field: str = "", old: Any = None,
               new: Any = None, reason: str = "") -> None:
        fields = (timestamp(self._now()), self.who, action, entity, entity_id, field, fmt(old), fmt(new), reason)
        self.count += 1
        if self._deferred:
            self._pending.append(fields)
        else:
            self._append(fields)

    def anchor(self, why: str) -> None:
        """Keep the chain's head outside the database once this unit of work has committed (app.services.anchors:
        at a lock, an issue); nothing happens when the database has no anchor file attached."""
        self.anchor_why = why

    @property
    def last_head(self) -> ChainHead | None:
        """The head after this log's last entry (None when it chained none)."""
        return self._head

    def chain_pending(self) -> None:
        """Chain the kept entries now (taking the writer lock); from here on entries are chained as recorded."""
        if not self._deferred:
            return
        self._deferred = False
        self.session.info.pop(_PENDING_LOG, None)
        # Every row change of this unit reaches the server BEFORE the lock is asked for: a change still waiting
        # in the session would otherwise be flushed (autoflush) while holding the lock, and could wait there for
        # a row another writer holds while that writer waits for the lock — a deadlock.
        self.session.flush()
        pending, self._pending = self._pending, []
        for fields in pending:
            self._append(fields)

    def _append(self, fields: tuple[Any, ...]) -> None:
        head = self.head()
        row: Row = (head.seq + 1, *fields)
        h = entry_hash(head.hash, row)
        at, who, action, entity, entity_id, fld, old, new, reason = fields
        self.session.add(AuditEntry(seq=row[0], at=at, who=who, action=action, entity=entity, entity_id=entity_id,
                                    field=fld, old=old, new=new, reason=reason, prev_hash=head.hash, hash=h))
        self._head = ChainHead(row[0], h)


def lock_chain(session: Session) -> None:
    """Take the chain's writer lock for the rest of the session's transaction (once per transaction).

    PostgreSQL: a transaction-scoped advisory lock.  SQLite: a write that changes nothing, so the transaction
    holds SQLite's one write lock (waiting for it up to the busy timeout) before it reads the head.  Taken at
    the start of a unit of work, before any row lock, so that no two writers can wait for each other."""
    txn = session.get_transaction()
    if txn is not None and session.info.get(_CHAIN_LOCKED) is txn:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    else:
        lock_database_for_write(conn)
    session.info[_CHAIN_LOCKED] = session.get_transaction()


def read_head(session: Session) -> ChainHead | None:
    """The newest entry, without the writer lock: for showing and printing, never for appending.  Inside a unit
    of work its own entries come first (they are chained now), so a document printed there names them."""
    pending = session.info.get(_PENDING_LOG)
    if pending is not None:
        pending.chain_pending()
        session.flush()
    row = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    return ChainHead(row.seq, row.hash) if row is not None else None


def locked_head(session: Session) -> ChainHead | None:
    """The head to append to: read under the writer lock, which the transaction then keeps (bulk writers pass
    it to `chained_rows`)."""
    lock_chain(session)
    return read_head(session)


def operator(session: Session) -> str:
    """The trail's "who": the logged-in user, or the operator setting while the database has no accounts."""
    return actor.who() or str(S.get(session, S.OPERATOR)) or "未署名"


@contextmanager
def unit_of_work(session_factory: SessionFactory, who: str | None = None) -> Iterator[tuple[Session, AuditLog]]:
    """One transaction with an audit log; its entries join the chain under the writer lock before it commits.

    SQLite: the lock is the transaction's first statement (SQLite refuses a write after a stale read, so a writer
    must hold its one write lock from the start).  PostgreSQL: the entries are chained at the end (`AuditLog`
    deferred), so the lock is held only while appending and committing; the lock holder then only inserts new
    audit rows and bumps the change stamp, and waits for no row another writer holds: no deadlock."""
    with _WRITE_LOCK, session_factory() as s:
        with s.begin():
            deferred = s.get_bind().dialect.name == "postgresql"
            if not deferred:
                lock_chain(s)
            log = AuditLog(s, who or operator(s), deferred=deferred)
            try:
                yield s, log
                log.chain_pending()
            finally:
                s.info.pop(_PENDING_LOG, None)
        _write_anchor(s, log)


def _write_anchor(s: Session, log: AuditLog) -> None:
    """After the commit: the head this unit of work made, into the database's anchor file (if it asked for one and
    the database has one).  A failure is the anchor file's to report; the committed work stands."""
    sink = s.info.get(anchors.SESSION_KEY)
    head = log.last_head
    if log.anchor_why and head is not None and isinstance(sink, anchors.AnchorFile):
        sink.append(head.seq, head.hash, log.anchor_why)


def chained_rows(head: ChainHead | None, rows: Iterable[tuple[str, str, str, str, int | None, str, Any, Any, str]]
                 ) -> Iterator[dict[str, Any]]:
    """Bulk writing (the demo, large imports): (at, who, action, entity, entity_id, field, old, new, reason)
    tuples become chained insert parameters, continuing from `head` (from `locked_head`, in the same
    transaction as the insert)."""
    seq, prev = (head.seq, head.hash) if head is not None else (0, GENESIS_HASH)
    for at, who, action, entity, entity_id, fld, old, new, reason in rows:
        seq += 1
        row: Row = (seq, at, who, action, entity, entity_id, fld, fmt(old), fmt(new), reason)
        h = entry_hash(prev, row)
        yield {"seq": seq, "at": at, "who": who, "action": action, "entity": entity, "entity_id": entity_id,
               "field": fld, "old": row[7], "new": row[8], "reason": reason, "prev_hash": prev, "hash": h}
        prev = h


def chain_head(session_factory: SessionFactory) -> ChainHead | None:
    """The newest entry's sequence number and hash, printed on documents so that paper anchors the chain."""
    with session_factory() as s:
        return read_head(s)


@dataclass(frozen=True)
class HistoryLine:
    seq: int
    at: str
    who: str
    action: str
    field: str
    old: str | None
    new: str | None
    reason: str


def history(session_factory: SessionFactory, entity: str, entity_ids: Iterable[int]) -> list[HistoryLine]:
    """What the trail says about these records, oldest first (shown beside a scoring form)."""
    ids = list(entity_ids)
    if not ids:
        return []
    with session_factory() as s:
        q = (select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id.in_(ids))
             .order_by(AuditEntry.seq))
        return [HistoryLine(e.seq, e.at, e.who, e.action, e.field, e.old, e.new, e.reason) for e in s.scalars(q)]


# ---------------------------------------------------------------------------------------------------------------
# verifying


@dataclass(frozen=True)
class AuditFinding:
    kind: str  # chain | state
    message: str
    seq: int | None = None
    entity: str = ""
    entity_id: int | None = None

    def __str__(self) -> str:
        return self.message


@dataclass
class AuditReport:
    entries: int = 0
    head: ChainHead | None = None
    findings: list[AuditFinding] = field(default_factory=list)
    anchors: int = 0  # heads kept outside the database that the chain was checked against
    digests: int = 0  # locked periods whose data was checked against the digest taken at their lock
    undigested: int = 0  # locked periods whose lock recorded no digest (locked by an earlier version)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def chain_ok(self) -> bool:
        return not any(f.kind == "chain" for f in self.findings)


LastValues = dict[tuple[str, int | None, str], str | None]
StateCheck = Callable[[Session, LastValues], list[AuditFinding]]

# Checks of the current state against the trail's last values, besides the scoring records' (built in): each
# feature that writes audited records appends its check to STATE_CHECKS when its module is imported, and names
# that module in STATE_CHECK_MODULES so that `verify` imports it (a module not installed is skipped).
STATE_CHECKS: list[StateCheck] = []
STATE_CHECK_MODULES: tuple[str, ...] = ("app.services.rectification", "app.services.quarter",
                                         "app.services.annual.results", "app.services.register_audit",
                                         "app.services.care")


def _load_state_checks() -> None:
    for name in STATE_CHECK_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def compare_results(last: LastValues, entity: str, what: str, current: Iterable[tuple[int, str, str]],
                    gone_what: str = "") -> list[AuditFinding]:
    """Stored results (`current`: id, whose, their text) against the last value the trail records for each
    (field "result"), and results the trail knows that are gone: a change made outside the app either way."""
    findings, present = [], set()
    for rid, whose, text_now in current:
        present.add(rid)
        recorded = last.get((entity, rid, "result"))
        if recorded != text_now:
            findings.append(AuditFinding("state", f"{whose}的{what}为“{text_now}”，审计日志记录为"
                                                  f"“{recorded or '无记录'}”（数据库被绕过程序修改）", None, entity, rid))
    for (ent, eid, fld), value in last.items():
        if ent == entity and fld == "result" and value is not None and eid not in present:
            findings.append(AuditFinding("state", f"审计日志记录的{gone_what or what}（编号{eid}）在数据库中已不存在（被绕过程序删除）",
                                         None, entity, eid))
    return findings


def verify(session_factory: SessionFactory, check_state: bool = True,
           anchored: Iterable[anchors.Anchor] = ()) -> AuditReport:
    """Check the hash chain (stopping at the first broken entry), against the heads printed on issued 通报 and
    the heads kept outside the database (`anchored`: app.services.anchors.collect), and, when asked, the current
    state: the last values in the trail, and each locked period's data against the digest taken at its lock."""
    report = AuditReport()
    last: LastValues = {}
    kept: list[tuple[Any, ...]] | None = None
    if check_state:
        _load_state_checks()  # before the walk: their modules say which entries they replay (REPLAYED)
        kept = []
    with session_factory() as s:
        cursor = s.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute("SELECT seq, at, who, action, entity, entity_id, field, old, new, reason, hash "
                           "FROM audit_entry ORDER BY seq")
            broken = _walk_chain(cursor, report, last, kept)
        finally:
            cursor.close()
        if broken is not None:
            # The values after a break cannot be trusted, so comparing the state with them would only add noise.
            report.findings.append(_explain(s, broken))
            return report
        report.findings.extend(_check_printed_heads(s, report))
        report.findings.extend(_check_anchors(s, report, list(anchored)))
        if check_state:
            s.info[REPLAYED_ROWS] = kept
            try:
                for check in (check_scoring_state, *STATE_CHECKS):
                    report.findings.extend(check(s, last))
            finally:
                s.info.pop(REPLAYED_ROWS, None)
            report.findings.extend(_check_digests(s, report, last))
    return report


def _check_anchors(s: Session, report: AuditReport, anchored: list[anchors.Anchor]) -> list[AuditFinding]:
    """The chain against heads kept outside it: an anchor beyond the chain's end means entries were deleted
    from the end; an anchor whose hash is not the entry's at its number means the chain was rewritten up to
    there (every later hash recomputed, so the chain alone still links).  Only the anchored entries are read."""
    report.anchors = len(anchored)
    end = report.entries
    beyond = [a for a in anchored if a.seq > end]
    numbers = sorted({a.seq for a in anchored if a.seq <= end})
    stored: dict[int, str] = {}
    for i in range(0, len(numbers), 500):
        chunk = ",".join(map(str, numbers[i:i + 500]))
        found_rows = _rows(s, f"SELECT seq, hash FROM audit_entry WHERE seq IN ({chunk})")
        stored.update((int(seq), str(h)) for seq, h in found_rows)
    found = []
    if beyond:
        a = max(beyond, key=lambda a: a.seq)
        missing = f"第{end + 1}条" if a.seq == end + 1 else f"第{end + 1}至{a.seq}条"
        found.append(AuditFinding("chain", f"审计日志末尾被删除：{a.when}{a.why}时链头为第{a.seq}条（见{a.source}），"
                                           f"现审计链只有{end}条（{missing}缺失）", end + 1))
    wrong = [a for a in anchored if a.seq <= end and stored.get(a.seq) != a.hash]
    if wrong:
        a = min(wrong, key=lambda a: a.seq)
        sound = max((b.seq for b in anchored if b.seq < a.seq and stored.get(b.seq) == b.hash), default=0)
        where = "" if sound + 1 == a.seq else f"，改写发生在第{sound + 1}至{a.seq}条之间"
        now = stored.get(a.seq, "")[:SHORT_HASH]
        found.append(AuditFinding("chain", f"审计日志在第{a.seq}条被改写：{a.when}{a.why}时第{a.seq}条的哈希为"
                                           f"{a.hash[:SHORT_HASH]}，现为{now}（见{a.source}）{where}", a.seq))
    return found


def _check_digests(s: Session, report: AuditReport, last: LastValues) -> list[AuditFinding]:
    """Each locked period's data against the digest its (latest) lock put in the trail: a change after the lock
    is named even when the trail was given matching entries."""
    from app.services.lockdigest import DIGEST_FIELD, period_digests  # it builds on this module

    locked = {p.id: p.title for p in s.scalars(select(Period).where(Period.state == PeriodState.LOCKED))}
    recorded = {pid: last.get(("period", pid, DIGEST_FIELD)) for pid in locked}
    checked = [pid for pid, digest in recorded.items() if digest]
    report.digests, report.undigested = len(checked), len(locked) - len(checked)
    now = period_digests(s, checked)
    return [AuditFinding("state", f"{locked[pid]}锁定后数据被改动（锁定时摘要{str(recorded[pid])[:SHORT_HASH]}，"
                                  f"现为{now[pid][:SHORT_HASH]}）", None, "period", pid)
            for pid in checked if now[pid] != recorded[pid]]


def _check_printed_heads(s: Session, report: AuditReport) -> list[AuditFinding]:
    """Each issued 通报 printed the chain head of its day on paper.  A chain that is now shorter, or whose entry
    at that number has another hash, was cut or rewritten after the paper went out: the one tampering the chain
    alone cannot show (entries deleted from the end leave a chain that still links)."""
    found = []
    rows = s.execute(text("SELECT doc_code, doc_year, doc_seq, audit_seq, audit_hash, "
                          "(SELECT hash FROM audit_entry WHERE audit_entry.seq = bulletin.audit_seq) "
                          "FROM bulletin WHERE audit_seq > 0 ORDER BY audit_seq")).all()
    for code, year, seq, head_seq, head_hash, now_hash in rows:
        number = f"{code}〔{year}〕{seq}号"
        if head_seq > report.entries:
            found.append(AuditFinding("chain", f"审计链现只有{report.entries}条，短于通报{number}上印的链头第{head_seq}条："
                                               "末尾的记录可能被删除", head_seq))
        elif not now_hash or not now_hash.startswith(head_hash):
            found.append(AuditFinding("chain", f"审计链第{head_seq}条与通报{number}上印的链头不符：审计记录可能被改写", head_seq))
    return found


def _walk_chain(cursor: Any, report: AuditReport, last: LastValues,
                kept: list[tuple[Any, ...]] | None = None) -> AuditFinding | None:
    """One pass over the trail: recompute every hash from the previous one, remember the last value of every
    (entity, id, field), and keep the entries the replaying checks ask for (`REPLAYED`) in `kept`.  Only the hash
    is read, not the stored `prev_hash` (a third of the text to fetch): a wrong link shows as a wrong hash, and
    `_explain` then looks at that one entry."""
    prev, expected = GENESIS_HASH, 1
    wanted = REPLAYED.__contains__
    try:
        while batch := cursor.fetchmany(20_000):
            # seq is the key and comes in order, so a batch without a gap spans exactly its length.  Such a batch
            # is checked whole; one with a gap or a wrong hash is then walked entry by entry to name the first.
            whole = batch[0][0] == expected and batch[-1][0] == expected + len(batch) - 1
            if whole and _links(prev, batch):
                prev, expected = batch[-1][10], batch[-1][0] + 1
            else:
                for r in batch:
                    if r[0] != expected:
                        seq = r[0]
                        what = f"第{expected}条" if seq == expected + 1 else f"第{expected}至{seq - 1}条"
                        return AuditFinding("chain", f"审计链断裂：{what}记录缺失（可能被删除）", expected)
                    if _entry_hash(prev, r) != r[10]:
                        return AuditFinding("chain", prev, r[0], r[4], r[5])  # explained by _explain
                    prev, expected = r[10], expected + 1
            # The last value of each (entity, id, field), in the order of the chain: a later entry overwrites.
            last.update(zip(map(_KEY_OF, batch), map(_NEW_OF, batch), strict=True))
            if kept is not None:
                kept.extend(compress(batch, map(wanted, map(_ACTION_ENTITY_OF, batch))))
        return None
    finally:
        report.entries = expected - 1
        report.head = ChainHead(expected - 1, prev) if expected > 1 else None


_KEY_OF, _NEW_OF, _ACTION_ENTITY_OF = itemgetter(4, 5, 6), itemgetter(8), itemgetter(3, 4)
_FIELDS_OF, _HASH_OF = itemgetter(slice(0, 10)), itemgetter(10)
_HEXDIGEST = type(hashlib.sha256()).hexdigest

# (action, entity) of the entries a state check replays in the order of the chain, not only by their last values
# (the register's snapshots and column changes): added by the check's module; `verify` hands them to it in
# session.info[REPLAYED_ROWS], read in the one pass of the walk instead of a second time from the database.
REPLAYED: set[tuple[str, str]] = set()
REPLAYED_ROWS = "audit.replayed_rows"


def _entry_hash(prev: str, r: tuple[Any, ...]) -> str:
    return hashlib.sha256((prev + _canonical_json(r[:10])).encode("utf-8")).hexdigest()


def _links(prev: str, batch: list[tuple[Any, ...]]) -> bool:
    """Whether every entry of the batch hashes to its stored hash, each from the stored hash before it (the first
    from `prev`): when all agree, that is the chain recomputed from `prev`.  Done over the whole batch in C
    (encoder, SHA-256, comparison), without a Python step per entry."""
    stored = list(map(_HASH_OF, batch))
    texts = map(add, chain((prev,), stored), _canonical_many(map(_FIELDS_OF, batch)))
    try:
        return list(map(_HEXDIGEST, map(hashlib.sha256, map(str.encode, texts)))) == stored
    except TypeError:  # a value of a type the trail never writes: the entry-by-entry walk names the entry
        return False


def _explain(s: Session, broken: AuditFinding) -> AuditFinding:
    """Say what is wrong with the entry where the chain broke: its link to the previous entry, or its content."""
    if broken.message.startswith("审计链断裂"):
        return broken
    seq = broken.seq
    stored_prev = s.scalar(select(AuditEntry.prev_hash).where(AuditEntry.seq == seq))
    if stored_prev != broken.message:
        message = f"审计链断裂：第{seq}条记录的前序哈希与第{(seq or 1) - 1}条不符（记录被删除、调换或篡改）"
    else:
        message = f"审计链断裂：第{seq}条记录的内容与其哈希不符（记录被修改或调换）"
    return AuditFinding("chain", message, seq, broken.entity, broken.entity_id)


# ---------------------------------------------------------------------------------------------------------------
# the scoring records against the trail


def _yes(v: Any) -> str:
    return "是" if v else "否"


class _Checker:
    """Collects state findings; every message names the period, unit and indicator concerned."""

    LIMIT = 10_000  # a mass change reports this many and then a count (the first ones say enough)

    def __init__(self) -> None:
        self.findings: list[AuditFinding] = []
        self.extra = 0

    def add(self, entity: str, entity_id: int | None, message: str) -> None:
        if len(self.findings) < self.LIMIT:
            self.findings.append(AuditFinding("state", message, None, entity, entity_id))
        else:
            self.extra += 1

    def done(self) -> list[AuditFinding]:
        if self.extra:
            self.findings.append(AuditFinding("state", f"另有{self.extra}处不一致未逐条列出"))
        return self.findings


def _rows(s: Session, sql: str) -> list[tuple[Any, ...]]:
    """Raw rows through the DB-API cursor: the checks read hundreds of thousands of rows."""
    cursor = s.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        return list(cursor.execute(sql).fetchall())
    finally:
        cursor.close()


# The trail's last values by (entity, field): id → value, in the order of `last` (one pass for all the checks).
FieldValues = dict[tuple[str, str], dict[int | None, str | None]]


def _by_field(last: LastValues) -> FieldValues:
    out: FieldValues = {}
    for (entity, eid, fld), value in last.items():
        per = out.get((entity, fld))
        if per is None:
            per = out[(entity, fld)] = {}
        per[eid] = value
    return out


def _trail_tenths(fields: FieldValues, entity: str, fld: str) -> dict[int, int | None]:
    """The trail's last values of one field, as integer tenths (how scores are stored).  A county's scores take
    a few hundred different texts: each is converted once."""
    tenths: dict[str, int] = {}
    out: dict[int, int | None] = {}
    for eid, v in fields.get((entity, fld), {}).items():
        if eid is not None:
            if v is None:
                out[eid] = None
            else:
                t = tenths.get(v)
                if t is None:
                    t = tenths[v] = int((Decimal(v) * 10).to_integral_value())
                out[eid] = t
    return out


def _t(v: int | None) -> str:
    """Integer tenths as a score is shown: 35 → 3.5."""
    return "空" if v is None else str((Decimal(v) / 10).quantize(Decimal("0.1")))


# A 复核 score that its deductions (bonuses) do not give, computed in SQL in integer tenths: the same rule as
# scheme.indicator_score, written a second time on purpose (an independent check of the stored numbers).
_DERIVED_ITEMS = """
SELECT id, score, expected FROM (
  SELECT it.id AS id, it.review_score AS score, CASE
      WHEN ind.method = '加分' THEN {least}(COALESCE(b.amount, 0), {least}(COALESCE(ind.cap, ind.points), ind.points))
      ELSE {greatest}(ind.points - {least}(COALESCE(d.amount, 0), {least}(COALESCE(ind.cap, ind.points), ind.points)), 0)
    END AS expected
  FROM score_item it JOIN indicator ind ON ind.id = it.indicator_id
  LEFT JOIN (SELECT item_id, SUM(occurrences * points_each) AS amount FROM deduction GROUP BY item_id) d
         ON d.item_id = it.id
  LEFT JOIN (SELECT item_id, SUM(occurrences * points_each) AS amount FROM bonus GROUP BY item_id) b
         ON b.item_id = it.id) AS derived
WHERE score != expected
"""

# Sheets whose stored totals are not the sum of their items (bonus capped at the scheme's ceiling).
_DERIVED_SHEETS = """
SELECT sh.id, sh.review_total, t.base + {least}(t.bonus, sc.bonus_ceiling) FROM score_sheet sh
JOIN period p ON p.id = sh.period_id JOIN indicator_scheme sc ON sc.id = p.scheme_id
JOIN (SELECT it.sheet_id,
             SUM(CASE WHEN ind.method = '加分' THEN 0 ELSE it.review_score END) AS base,
             SUM(CASE WHEN ind.method = '加分' THEN it.review_score ELSE 0 END) AS bonus,
             SUM(CASE WHEN ind.method = '加分' THEN 0 ELSE it.self_score END) AS self_base,
             SUM(CASE WHEN ind.method = '加分' THEN it.self_score ELSE 0 END) AS self_bonus,
             COUNT(it.self_score) AS selfs,
             MAX(CASE WHEN ind.method = '一票否决' AND it.veto THEN 1 ELSE 0 END) AS veto
      FROM score_item it JOIN indicator ind ON ind.id = it.indicator_id GROUP BY it.sheet_id) t
  ON t.sheet_id = sh.id
WHERE sh.bonus_total != {least}(t.bonus, sc.bonus_ceiling)
   OR sh.review_total != t.base + {least}(t.bonus, sc.bonus_ceiling)
   OR sh.self_total {is_distinct} (CASE WHEN t.selfs > 0
                                 THEN COALESCE(t.self_base, 0) + {least}(COALESCE(t.self_bonus, 0), sc.bonus_ceiling) END)
   OR (CASE WHEN sh.veto THEN 1 ELSE 0 END) != t.veto
"""


_DIALECT_WORDS = {
    "sqlite": {"least": "MIN", "greatest": "MAX", "is_distinct": "IS NOT"},
    "postgresql": {"least": "LEAST", "greatest": "GREATEST", "is_distinct": "IS DISTINCT FROM"},
}


def _portable(s: Session, template: str) -> str:
    return template.format(**_DIALECT_WORDS[s.get_bind().dialect.name])


class _Names:
    """Where a record is, in words (only looked up for the few records a finding names)."""

    def __init__(self, s: Session) -> None:
        self.s = s

    def sheet(self, sheet_id: int) -> str:
        row = self.s.execute(text(
            "SELECT p.key, u.name FROM score_sheet sh JOIN period p ON p.id = sh.period_id "
            "JOIN unit u ON u.id = sh.unit_id WHERE sh.id = :id"), {"id": sheet_id}).first()
        return f"{row[0]} {row[1]}" if row else f"考评表（编号{sheet_id}）"

    def item(self, item_id: int) -> str:
        row = self.s.execute(text(
            "SELECT it.sheet_id, ind.name FROM score_item it JOIN indicator ind ON ind.id = it.indicator_id "
            "WHERE it.id = :id"), {"id": item_id}).first()
        return f"{self.sheet(row[0])}“{row[1]}”" if row else f"考评项目（编号{item_id}）"


def check_scoring_state(s: Session, last: LastValues) -> list[AuditFinding]:
    """Periods, sheets, items, deductions and bonuses as they are now, against the last values in the trail;
    and the derived numbers (item scores from deductions, sheet totals from items) against their sources.
    Scores are compared as the integer tenths they are stored as."""
    c = _Checker()
    names = _Names(s)
    fields = _by_field(last)
    _check_periods(s, c, fields)
    flags = fields.get(("score_sheet", "reviewed"), {})
    for sid, reviewed in _rows(s, "SELECT id, reviewed FROM score_sheet"):
        recorded = flags.get(sid, "否")
        if recorded != _yes(reviewed):
            c.add("score_sheet", sid, f"{names.sheet(sid)}考评表复核标记为“{_yes(reviewed)}”，审计日志记录为“{recorded}”")
    for entity in ("deduction", "bonus"):
        _check_occurrences(s, c, fields, entity)
    _check_items(s, c, fields, names)
    for iid, score, expected in _rows(s, _portable(s, _DERIVED_ITEMS)):
        c.add("score_item", iid, f"{names.item(iid)}复核得分{_t(score)}与其扣分（加分）记录计算的{_t(expected)}不符")
    for sid, total, expected in _rows(s, _portable(s, _DERIVED_SHEETS)):
        c.add("score_sheet", sid, f"{names.sheet(sid)}考评表合计（复核{_t(total)}分）与各项得分计算的{_t(expected)}分不符")
    return c.done()


def _check_periods(s: Session, c: _Checker, fields: FieldValues) -> None:
    periods = {pid: (key, state) for pid, key, state in _rows(s, "SELECT id, key, state FROM period")}
    states = fields.get(("period", "state"), {})
    for pid, (key, state) in periods.items():
        recorded = states.get(pid)
        if recorded != state:
            c.add("period", pid, f"考评期{key}的状态为“{state}”，审计日志记录为“{recorded or '无记录'}”（数据库被绕过程序修改）")
    for eid, value in states.items():
        if value is not None and eid not in periods:
            c.add("period", eid, f"审计日志记录的考评期（编号{eid}）在数据库中已不存在（被删除）")


def _check_items(s: Session, c: _Checker, fields: FieldValues, names: _Names) -> None:
    """Each item's 复核 score, 自评 score and veto flag against the trail (an item never edited must still have
    its indicator's base score: its points, or 0 for a bonus indicator)."""
    review = _trail_tenths(fields, "score_item", "review_score")
    own = _trail_tenths(fields, "score_item", "self_score")
    vetoes = fields.get(("score_item", "veto"), {})
    rows = _rows(s, "SELECT it.id, it.review_score, it.self_score, it.veto, "
                    "CASE WHEN ind.method = '加分' THEN 0 ELSE ind.points END "
                    "FROM score_item it JOIN indicator ind ON ind.id = it.indicator_id")
    for iid, score, self_score, veto, base in rows:
        expected = review.get(iid, base)
        if expected != score:
            c.add("score_item", iid, f"{names.item(iid)}复核得分为{_t(score)}，审计日志最后记录为{_t(expected)}"
                                     "（数据库被绕过程序修改）")
        if own.get(iid) != self_score:
            c.add("score_item", iid, f"{names.item(iid)}自评得分为{_t(self_score)}，审计日志最后记录为{_t(own.get(iid))}")
        if vetoes.get(iid, "否") != _yes(veto):
            c.add("score_item", iid, f"{names.item(iid)}一票否决标记为“{_yes(veto)}”，"
                                     f"审计日志记录为“{vetoes.get(iid, '否')}”")


def _check_occurrences(s: Session, c: _Checker, fields: FieldValues, entity: str) -> None:
    what = "扣分" if entity == "deduction" else "加分"
    snapshots = fields.get((entity, ""), {})
    present = set()
    for rid, item_id, n, each, reason, note, file, source in _rows(
            s, f"SELECT id, item_id, occurrences, points_each, reason, evidence_note, evidence_file, source FROM {entity}"):
        present.add(rid)
        recorded = snapshots.get(rid)
        snap = occurrence_snapshot(item_id, n, Decimal(each) / 10, reason, note, file, source)
        if recorded is None:
            c.add(entity, rid, f"{what}记录（编号{rid}，“{reason}”）没有审计记录（绕过程序写入或被修改）")
        elif recorded != snap:
            c.add(entity, rid, f"{what}记录（编号{rid}，“{reason}”）与审计日志最后记录的内容不符（数据库被绕过程序修改）")
    for eid, value in snapshots.items():
        if value is not None and eid not in present:
            c.add(entity, eid, f"审计日志记录的{what}（编号{eid}）在数据库中已不存在（被绕过程序删除）")
