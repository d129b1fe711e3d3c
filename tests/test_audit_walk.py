"""The chain walk of `audit verify` reads the trail in batches: a gap or a changed entry in any batch, first or
later, is named at its own number, and the last values it hands to the state checks follow the chain's order."""

from __future__ import annotations

from typing import Any

from app.services.audit import AuditReport, _walk_chain, chained_rows

STAMP = "2026-10-01T01:00:00Z"


class _Batches:
    """A DB-API cursor that returns at most `size` rows per fetchmany, whatever is asked."""

    def __init__(self, rows: list[tuple[Any, ...]], size: int) -> None:
        self.rows, self.size = rows, size

    def fetchmany(self, _n: int) -> list[tuple[Any, ...]]:
        out, self.rows = self.rows[:self.size], self.rows[self.size:]
        return out


def _trail(n: int) -> list[tuple[Any, ...]]:
    raw = [(STAMP, "机关工委", "修改", "score_item", k % 3, "self_score", None, str(k), "") for k in range(n)]
    keys = ("seq", "at", "who", "action", "entity", "entity_id", "field", "old", "new", "reason", "hash")
    return [tuple(d[k] for k in keys) for d in chained_rows(None, raw)]


def _walk(rows: list[tuple[Any, ...]], size: int = 4) -> tuple[Any, AuditReport, dict[Any, Any]]:
    report, last = AuditReport(), {}
    broken = _walk_chain(_Batches(rows, size), report, last)
    return broken, report, last


def test_an_intact_trail_in_several_batches() -> None:
    broken, report, last = _walk(_trail(10))
    assert broken is None and report.entries == 10 and report.head is not None and report.head.seq == 10
    # The last value of each score item is its latest entry's.
    assert last == {("score_item", 0, "self_score"): "9", ("score_item", 1, "self_score"): "7",
                    ("score_item", 2, "self_score"): "8"}


def test_a_gap_in_a_later_batch_is_named_at_its_number() -> None:
    rows = _trail(12)
    broken, report, _ = _walk(rows[:5] + rows[7:])
    assert broken is not None and broken.kind == "chain" and broken.seq == 6
    assert "第6至7条记录缺失" in broken.message and report.entries == 5


def test_a_missing_first_entry_of_a_batch() -> None:
    rows = _trail(12)
    broken, report, _ = _walk(rows[:4] + rows[5:])
    assert broken is not None and "第5条记录缺失" in broken.message and report.entries == 4


def test_a_changed_entry_in_a_later_batch_breaks_the_chain_there() -> None:
    rows = _trail(12)
    rows[9] = rows[9][:8] + ("99",) + rows[9][9:]
    broken, report, _ = _walk(rows)
    assert broken is not None and broken.seq == 10 and report.entries == 9
    assert broken.message == rows[8][10]  # the previous hash, for _explain to compare with the stored link
