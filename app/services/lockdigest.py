"""The digest of a locked period's data: what the trail holds at 锁定 and `verify` recomputes.

A forger who changes a deduction, the item score, the sheet total and appends matching audit entries leaves a
trail that agrees with the data; the digest taken at the lock does not.  It covers everything that decides a
period's ranking: for a month its sheets, items (with their indicators' points, method and cap), deductions and
bonuses and the scheme's bonus ceiling; for a quarter or a year its stored results.

Canonical form (the same on SQLite and PostgreSQL): for each table in the order below, a line with its name and
a line with the JSON array (no spaces, non-ASCII kept) of the period's rows by id, each row an array of the period's
id and its columns as the database stores them (scores as integer tenths, flags as 0/1, text as is; no timestamps,
no Decimals); the digest is the SHA-256 of those lines in UTF-8.  `period_digests` is the one
function both the lock and `verify` call."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

DIGEST_FIELD = "digest"  # the audit entry (entity "period") whose `new` is the digest

_FLAG = "CASE WHEN {0} THEN 1 ELSE 0 END"

# (table name in the digest, query); each query's first column is the period id, then the row's columns (integers
# and text only), ordered by the row's id (so each period's rows come in id order; ordering by the period first
# would make the database sort).  {ids} is the comma-separated list of periods.
_QUERIES: tuple[tuple[str, str], ...] = (
    ("period", "SELECT p.id, p.id, p.key, p.kind, p.scheme_id, sc.bonus_ceiling FROM period p "
               "JOIN indicator_scheme sc ON sc.id = p.scheme_id WHERE p.id IN ({ids}) ORDER BY p.id"),
    ("score_sheet", "SELECT sh.period_id, sh.id, sh.unit_id, " + _FLAG.format("sh.reviewed") + ", sh.review_total, "
                    "sh.bonus_total, sh.self_total, " + _FLAG.format("sh.veto") + " FROM score_sheet sh "
                    "WHERE sh.period_id IN ({ids}) ORDER BY sh.id"),
    ("indicator", "SELECT p.id, ind.id, ind.category_id, ind.method, ind.points, ind.per_occurrence, ind.cap "
                  "FROM period p JOIN indicator_category cat ON cat.scheme_id = p.scheme_id "
                  "JOIN indicator ind ON ind.category_id = cat.id WHERE p.id IN ({ids}) ORDER BY ind.id"),
    ("score_item", "SELECT sh.period_id, it.id, it.sheet_id, it.indicator_id, it.review_score, it.self_score, "
                   + _FLAG.format("it.veto") + ", it.veto_reason FROM score_item it "
                   "JOIN score_sheet sh ON sh.id = it.sheet_id WHERE sh.period_id IN ({ids}) ORDER BY it.id"),
    *((table, f"SELECT sh.period_id, x.id, x.item_id, x.occurrences, x.points_each, x.reason, x.evidence_note, "
              f"x.evidence_file, x.source FROM {table} x JOIN score_item it ON it.id = x.item_id "
              "JOIN score_sheet sh ON sh.id = it.sheet_id WHERE sh.period_id IN ({ids}) ORDER BY x.id")
      for table in ("deduction", "bonus")),
    ("quarter_result", "SELECT period_id, id, unit_id, score, month_scores, rank, grade, " + _FLAG.format("veto")
                       + ", note FROM quarter_result WHERE period_id IN ({ids}) ORDER BY id"),
    ("annual_result", "SELECT period_id, id, unit_id, annual_mean, check_score, good_votes, valid_votes, vote_score, "
                      "composite, rank, grade, " + _FLAG.format("veto") + ", " + _FLAG.format("excellent")
                      + ", note FROM annual_result WHERE period_id IN ({ids}) ORDER BY id"),
)


def period_digests(s: Session, period_ids: Iterable[int]) -> dict[int, str]:
    """The digest of each period's data now (in `s`'s transaction, so a lock sees its own flushed changes)."""
    ids = sorted({int(i) for i in period_ids})
    if not ids:
        return {}
    hashers = {pid: hashlib.sha256() for pid in ids}
    cursor = s.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for table, sql in _QUERIES:
            cursor.execute(sql.format(ids=",".join(map(str, ids))))
            grouped: dict[int, list[Any]] = {pid: [] for pid in ids}
            while batch := cursor.fetchmany(20_000):
                for row in batch:
                    grouped[row[0]].append(row)
            # One encoder call per period and table (verify digests ~100,000 rows of a large county).
            for pid, rows in grouped.items():
                text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
                hashers[pid].update(f"{table}\n{text}\n".encode())
    finally:
        cursor.close()
    return {pid: h.hexdigest() for pid, h in hashers.items()}
