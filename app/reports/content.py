"""Plain data shared by the document builders, and the small text helpers they use."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.errors import FieldProblem, ValidationError

TIERS = ("先进", "中间", "后进")
_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Category:
    """A 考评类别 of the scheme: its name and full marks; `bonus` marks the 加分 category (at most N points)."""

    name: str
    points: Decimal
    bonus: bool = False


@dataclass(frozen=True)
class AuditAnchor:
    """The head of the audit hash chain when the document was made: printed so that paper anchors the chain."""

    sequence: int
    digest: str  # hex

    def __post_init__(self) -> None:
        if self.sequence < 0 or not self.digest or any(c not in "0123456789abcdefABCDEF" for c in self.digest):
            raise ValidationError("审计链头无效（序号或摘要）", field="audit")

    @property
    def short(self) -> str:
        return self.digest[:16].lower()

    def line(self) -> str:
        return f"考评数据存证：审计日志第{self.sequence}条，校验码{self.short}"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (ordinals of 一、 and （一） headings)."""
    if not 0 < n < 100:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def join_names(names: Sequence[str], limit: int | None = None) -> str:
    """A、B、C (at most `limit` names, then 等)."""
    shown = list(names if limit is None else names[:limit])
    text = "、".join(shown)
    return text + "等" if limit is not None and len(names) > limit else text


def problems_of(items: Sequence[tuple[str, str]]) -> None:
    """Raise one ValidationError for (field, message) pairs, if any."""
    if items:
        raise ValidationError([FieldProblem(f, m) for f, m in items])
