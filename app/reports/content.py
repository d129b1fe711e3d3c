"""Plain data shared by the document builders, and the small text helpers they use."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from app.errors import FieldProblem, ValidationError

T = TypeVar("T")

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


def unit_name_problems(names: Sequence[str]) -> list[tuple[str, str]]:
    """Every table of units in a 通报 needs each unit named, once."""
    names = [n.strip() for n in names]
    bad = []
    if any(not n for n in names):
        bad.append(("rows", "单位名称不能为空"))
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        bad.append(("rows", f"单位重复：{'、'.join(dupes)}"))
    return bad


def problems_of(items: Sequence[tuple[str, str]]) -> None:
    """Raise one ValidationError for (field, message) pairs, if any."""
    if items:
        raise ValidationError([FieldProblem(f, m) for f, m in items])


# -- snapshots: what a document printed, stored as JSON so that it can be printed again ---------------------------


def to_snapshot(content: object) -> str:
    """JSON of a content dataclass (Decimals as strings, dates in ISO form), stable key order."""
    return json.dumps(_encode(content), ensure_ascii=False, sort_keys=True)


def from_snapshot(cls: type[T], text: str) -> T:
    """The content dataclass back from `to_snapshot`'s JSON (validated again by its __post_init__)."""
    try:
        return typing.cast(T, _decode(cls, json.loads(text)))
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise ValidationError(f"文档快照无法读取：{exc}", field="snapshot") from exc


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):  # datetime too
        return value.isoformat()
    return value


def _decode(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        return _decode(next(a for a in typing.get_args(tp) if a is not type(None)), value)
    if origin is tuple:
        item = typing.get_args(tp)[0]
        return tuple(_decode(item, v) for v in value)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = typing.get_type_hints(tp)
        return tp(**{f.name: _decode(hints[f.name], value[f.name]) for f in dataclasses.fields(tp)
                     if f.init and f.name in value})
    if tp is Decimal:
        return Decimal(value)
    if tp is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if tp is dt.date:
        return dt.date.fromisoformat(value)
    if tp in (str, int, bool) and not isinstance(value, tp):
        raise TypeError(f"{value!r} 不是 {tp.__name__}")
    return value
