"""Indicator schemes: the default scheme shipped in resources/, a year's scheme and the editor (the
arithmetic they imply is app.services.score_rules).

A scheme used by a locked period is frozen: any edit first copies it to a new version of the same year, moves
the periods that are not locked onto the copy, and edits the copy.  The locked months keep the version they
were scored with, so their totals never change.  Edits to a scheme that open months use are carried into those
months at once (new items, recomputed scores), each change an audit entry."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload

from app.errors import FieldProblem, NotFoundError, ValidationError
from app.models import (
    Bonus,
    Deduction,
    Indicator,
    IndicatorCategory,
    IndicatorMethod,
    IndicatorScheme,
    Period,
    PeriodState,
    ScoreItem,
    ScoreSheet,
)
from app.paths import resource_path
from app.services.audit import AuditLog, unit_of_work
from app.services.score_rules import ZERO, base_score, parse_score
from app.services.sheets import recompute_sheets

SessionFactory = Callable[[], Session]

DEFAULT_SCHEME_FILE = ("schemes", "default_monthly.json")


# ---------------------------------------------------------------------------------------------------------------
# views and inputs


@dataclass(frozen=True)
class IndicatorView:
    id: int
    category_id: int
    code: str
    name: str
    description: str
    points: Decimal
    method: IndicatorMethod
    per_occurrence: Decimal
    cap: Decimal | None
    evidence_required: bool
    sort_order: int

    @property
    def limit(self) -> Decimal:
        return self.points if self.cap is None else min(self.cap, self.points)


@dataclass(frozen=True)
class CategoryView:
    id: int
    name: str
    points: Decimal
    is_bonus: bool
    sort_order: int
    indicators: list[IndicatorView]

    @property
    def indicator_points(self) -> Decimal:
        return sum((i.points for i in self.indicators), ZERO)


@dataclass(frozen=True)
class SchemeView:
    id: int
    year: int
    version: int
    name: str
    total_points: Decimal
    bonus_ceiling: Decimal
    frozen: bool
    based_on_id: int | None
    categories: list[CategoryView]
    problems: list[str] = field(default_factory=list)  # totals that do not add up (the scheme cannot be used)
    used_by: list[str] = field(default_factory=list)  # period keys

    @property
    def indicators(self) -> list[IndicatorView]:
        return [i for c in self.categories for i in c.indicators]

    @property
    def title(self) -> str:
        return f"{self.name}（第{self.version}版）"


@dataclass
class CategoryInput:
    name: str
    points: Any
    is_bonus: bool = False


@dataclass
class IndicatorInput:
    name: str
    points: Any
    method: IndicatorMethod | str
    per_occurrence: Any
    cap: Any = None
    description: str = ""
    evidence_required: bool = False
    code: str = ""


@dataclass(frozen=True)
class EditResult:
    """What an editor operation did: the scheme now edited (a new version when the old one was frozen) and the
    id of the category or indicator concerned in that scheme."""

    scheme_id: int
    target_id: int | None
    new_version: bool


def _indicator_view(i: Indicator) -> IndicatorView:
    return IndicatorView(i.id, i.category_id, i.code, i.name, i.description, i.points, i.method, i.per_occurrence,
                         i.cap, i.evidence_required, i.sort_order)


def scheme_view(s: Session, scheme: IndicatorScheme) -> SchemeView:
    cats = [CategoryView(c.id, c.name, c.points, c.is_bonus, c.sort_order, [_indicator_view(i) for i in c.indicators])
            for c in scheme.categories]
    used = list(s.scalars(select(Period.key).where(Period.scheme_id == scheme.id).order_by(Period.key)))
    view = SchemeView(scheme.id, scheme.year, scheme.version, scheme.name, scheme.total_points, scheme.bonus_ceiling,
                      scheme.frozen, scheme.based_on_id, cats, [], used)
    view.problems.extend(totals_problems(view))
    return view


def totals_problems(view: SchemeView) -> list[str]:
    """Why the scheme's numbers do not add up (empty when it can be used to score)."""
    out = []
    regular = [c for c in view.categories if not c.is_bonus]
    bonus = [c for c in view.categories if c.is_bonus]
    total = sum((c.points for c in regular), ZERO)
    if total != view.total_points:
        out.append(f"各类别分值合计{total}分，应等于总分{view.total_points}分")
    if len(bonus) > 1:
        out.append("加分类别只能有一个")
    for c in regular:
        if not c.indicators:
            out.append(f"类别“{c.name}”还没有指标")
        elif c.indicator_points != c.points:
            out.append(f"类别“{c.name}”的指标分值合计{c.indicator_points}分，应等于类别分值{c.points}分")
    for c in bonus:
        if c.points != view.bonus_ceiling:
            out.append(f"加分类别“{c.name}”的分值{c.points}分，应等于加分上限{view.bonus_ceiling}分")
        for i in c.indicators:
            if i.points > c.points:
                out.append(f"加分指标“{i.name}”最多加{i.points}分，超过加分上限{c.points}分")
    return out


# ---------------------------------------------------------------------------------------------------------------
# validation


def _clean_name(name: str, fld: str, label: str, limit: int, problems: list[FieldProblem]) -> str:
    name = (name or "").strip()
    if not name:
        problems.append(FieldProblem(fld, f"{label}不能为空"))
    elif len(name) > limit:
        problems.append(FieldProblem(fld, f"{label}不能超过{limit}个字"))
    return name


def validate_category(data: CategoryInput, sibling_names: set[str]) -> tuple[str, Decimal]:
    problems: list[FieldProblem] = []
    name = _clean_name(data.name, "name", "类别名称", 100, problems)
    if name and name in sibling_names:
        problems.append(FieldProblem("name", f"已有同名类别“{name}”"))
    points = parse_score(data.points, "points", "类别分值", allow_zero=False, problems=problems)
    if problems:
        raise ValidationError(problems)
    assert points is not None
    return name, points


@dataclass(frozen=True)
class CleanIndicator:
    code: str
    name: str
    description: str
    points: Decimal
    method: IndicatorMethod
    per_occurrence: Decimal
    cap: Decimal | None
    evidence_required: bool


def validate_indicator(data: IndicatorInput, is_bonus_category: bool, other_codes: set[str]) -> CleanIndicator:
    problems: list[FieldProblem] = []
    name = _clean_name(data.name, "name", "指标名称", 200, problems)
    method: IndicatorMethod | None
    try:
        method = data.method if isinstance(data.method, IndicatorMethod) else IndicatorMethod(str(data.method).strip())
    except ValueError:
        method = None
        problems.append(FieldProblem("method", "计分方式应为“扣分”“加分”或“一票否决”"))
    if method is not None and (method == IndicatorMethod.BONUS) != is_bonus_category:
        problems.append(FieldProblem("method", "加分指标只能放在加分类别中" if method == IndicatorMethod.BONUS
                                     else "加分类别中只能设加分指标"))
    points = parse_score(data.points, "points", "指标分值", allow_zero=False, problems=problems)
    each = parse_score(data.per_occurrence, "per_occurrence", "每次分值", allow_zero=False, problems=problems)
    cap = None
    if data.cap not in (None, ""):
        cap = parse_score(data.cap, "cap", "封顶分值", allow_zero=False, problems=problems)
    if points is not None and each is not None and each > points:
        problems.append(FieldProblem("per_occurrence", f"每次分值不能超过指标分值{points}分"))
    if points is not None and cap is not None and cap > points:
        problems.append(FieldProblem("cap", f"封顶分值不能超过指标分值{points}分"))
    code = (data.code or "").strip()
    if len(code) > 40:
        problems.append(FieldProblem("code", "指标编号不能超过40个字符"))
    elif code and code in other_codes:
        problems.append(FieldProblem("code", f"指标编号“{code}”已被其他指标使用"))
    if problems:
        raise ValidationError(problems)
    assert points is not None and each is not None and method is not None
    return CleanIndicator(code, name, (data.description or "").strip(), points, method, each, cap,
                          bool(data.evidence_required))


def _indicator_snapshot(i: Indicator) -> dict[str, Any]:
    return {"category": i.category_id, "code": i.code, "name": i.name, "points": str(i.points),
            "method": i.method.value, "per_occurrence": str(i.per_occurrence),
            "cap": None if i.cap is None else str(i.cap), "evidence_required": i.evidence_required,
            "description": i.description, "order": i.sort_order}


def _category_snapshot(c: IndicatorCategory) -> dict[str, Any]:
    return {"scheme": c.scheme_id, "name": c.name, "points": str(c.points), "is_bonus": c.is_bonus,
            "order": c.sort_order}


def _scheme_snapshot(sc: IndicatorScheme) -> dict[str, Any]:
    return {"year": sc.year, "version": sc.version, "name": sc.name, "total_points": str(sc.total_points),
            "bonus_ceiling": str(sc.bonus_ceiling), "based_on": sc.based_on_id}


# ---------------------------------------------------------------------------------------------------------------
# loading


def default_scheme_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resource_path(*DEFAULT_SCHEME_FILE).read_text(encoding="utf-8"))
    return data


def create_scheme_from_data(s: Session, log: AuditLog, year: int, data: dict[str, Any], version: int = 1,
                            based_on_id: int | None = None) -> IndicatorScheme:
    """A scheme for `year` from the data-file layout (validated like the editor's inputs)."""
    scheme = IndicatorScheme(year=year, version=version, name=f"{year}年度{data['name']}",
                             total_points=Decimal(str(data.get("total_points", "100"))),
                             bonus_ceiling=Decimal(str(data.get("bonus_ceiling", "5"))), frozen=False,
                             based_on_id=based_on_id, note=str(data.get("note", "")))
    s.add(scheme)
    codes: set[str] = set()
    names: set[str] = set()
    for ci, c in enumerate(data["categories"]):
        name, points = validate_category(CategoryInput(c["name"], c["points"], bool(c.get("is_bonus"))), names)
        names.add(name)
        cat = IndicatorCategory(name=name, points=points, is_bonus=bool(c.get("is_bonus")), sort_order=ci)
        scheme.categories.append(cat)
        for ii, d in enumerate(c["indicators"]):
            clean = validate_indicator(IndicatorInput(
                d["name"], d["points"], d["method"], d["per_occurrence"], d.get("cap"), d.get("description", ""),
                bool(d.get("evidence_required")), d.get("code", "")), cat.is_bonus, codes)
            codes.add(clean.code)
            cat.indicators.append(Indicator(sort_order=ii, **clean.__dict__))
    s.flush()
    problems = totals_problems(scheme_view(s, scheme))
    if problems:
        raise ValidationError("；".join(problems), field="scheme")
    log.record("新建", "indicator_scheme", scheme.id, "", None, _scheme_snapshot(scheme))
    return scheme


def scheme_data(scheme: IndicatorScheme) -> dict[str, Any]:
    """A scheme in the data-file layout (for copying into another year)."""
    return {
        "name": scheme.name.split("年度", 1)[-1], "total_points": str(scheme.total_points),
        "bonus_ceiling": str(scheme.bonus_ceiling), "note": scheme.note,
        "categories": [
            {"name": c.name, "points": str(c.points), "is_bonus": c.is_bonus, "indicators": [
                {"code": i.code, "name": i.name, "description": i.description, "points": str(i.points),
                 "method": i.method.value, "per_occurrence": str(i.per_occurrence),
                 "cap": None if i.cap is None else str(i.cap), "evidence_required": i.evidence_required}
                for i in c.indicators]}
            for c in scheme.categories
        ],
    }


def latest_scheme(s: Session, year: int) -> IndicatorScheme | None:
    return s.scalar(select(IndicatorScheme).where(IndicatorScheme.year == year)
                    .order_by(IndicatorScheme.version.desc()).limit(1))


def ensure_scheme(s: Session, log: AuditLog, year: int) -> IndicatorScheme:
    """The scheme a new period of `year` uses: the year's latest version; else a copy of the latest earlier
    year's scheme (users edit a copy per year); else the default scheme."""
    scheme = latest_scheme(s, year)
    if scheme is not None:
        return scheme
    earlier = s.scalar(select(IndicatorScheme).where(IndicatorScheme.year < year)
                       .order_by(IndicatorScheme.year.desc(), IndicatorScheme.version.desc()).limit(1))
    data = scheme_data(earlier) if earlier is not None else default_scheme_data()
    return create_scheme_from_data(s, log, year, data)


# ---------------------------------------------------------------------------------------------------------------
# the service


class SchemeService:
    def __init__(self, session_factory: SessionFactory, actor: str | None = None) -> None:
        self._sf = session_factory
        self._actor = actor

    # --- reading --------------------------------------------------------------------------------------------

    def view(self, scheme_id: int) -> SchemeView:
        with self._sf() as s:
            return scheme_view(s, _scheme(s, scheme_id))

    def current(self, year: int) -> SchemeView | None:
        with self._sf() as s:
            scheme = latest_scheme(s, year)
            return scheme_view(s, scheme) if scheme is not None else None

    def versions(self, year: int | None = None) -> list[tuple[int, int, int, str, bool]]:
        """(id, year, version, name, frozen) of every scheme, newest first."""
        with self._sf() as s:
            q = select(IndicatorScheme).order_by(IndicatorScheme.year.desc(), IndicatorScheme.version.desc())
            if year is not None:
                q = q.where(IndicatorScheme.year == year)
            return [(x.id, x.year, x.version, x.name, x.frozen) for x in s.scalars(q)]

    # --- loading --------------------------------------------------------------------------------------------

    def load_default(self, year: int) -> int:
        """Load the shipped default scheme as version 1 of `year` (refused when the year has a scheme)."""
        _check_year(year)
        with unit_of_work(self._sf, self._actor) as (s, log):
            if latest_scheme(s, year) is not None:
                raise ValidationError(f"{year}年已有考评指标体系，请在其基础上修改", field="year")
            return create_scheme_from_data(s, log, year, default_scheme_data()).id

    def ensure(self, year: int) -> int:
        _check_year(year)
        with unit_of_work(self._sf, self._actor) as (s, log):
            return ensure_scheme(s, log, year).id

    # --- editing --------------------------------------------------------------------------------------------

    def edit_scheme(self, scheme_id: int, name: str, total_points: Any, bonus_ceiling: Any) -> EditResult:
        problems: list[FieldProblem] = []
        clean = _clean_name(name, "name", "指标体系名称", 100, problems)
        total = parse_score(total_points, "total_points", "总分", allow_zero=False, problems=problems)
        ceiling = parse_score(bonus_ceiling, "bonus_ceiling", "加分上限", problems=problems)
        if problems:
            raise ValidationError(problems)
        with unit_of_work(self._sf, self._actor) as (s, log):
            scheme, maps = _writable(s, log, _scheme(s, scheme_id))
            old = _scheme_snapshot(scheme)
            scheme.name, scheme.total_points, scheme.bonus_ceiling = clean, total, ceiling  # type: ignore[assignment]
            s.flush()
            log.record("修改", "indicator_scheme", scheme.id, "", old, _scheme_snapshot(scheme))
            _recompute_open_sheets(s, log, scheme)
            return EditResult(scheme.id, scheme.id, maps is not None)

    def add_category(self, scheme_id: int, data: CategoryInput) -> EditResult:
        with unit_of_work(self._sf, self._actor) as (s, log):
            scheme, maps = _writable(s, log, _scheme(s, scheme_id))
            name, points = validate_category(data, {c.name for c in scheme.categories})
            if data.is_bonus and any(c.is_bonus for c in scheme.categories):
                raise ValidationError("加分类别只能有一个", field="is_bonus")
            order = max((c.sort_order for c in scheme.categories), default=-1) + 1
            cat = IndicatorCategory(name=name, points=points, is_bonus=bool(data.is_bonus), sort_order=order)
            scheme.categories.append(cat)
            s.flush()
            log.record("新建", "indicator_category", cat.id, "", None, _category_snapshot(cat))
            return EditResult(scheme.id, cat.id, maps is not None)

    def edit_category(self, category_id: int, data: CategoryInput) -> EditResult:
        with unit_of_work(self._sf, self._actor) as (s, log):
            cat = _category(s, category_id)
            scheme, maps = _writable(s, log, cat.scheme)
            if maps is not None:
                cat = s.get_one(IndicatorCategory, maps[0][category_id])
            name, points = validate_category(data, {c.name for c in scheme.categories if c.id != cat.id})
            if bool(data.is_bonus) != cat.is_bonus and cat.indicators:
                raise ValidationError("类别中已有指标，不能改变其是否为加分类别", field="is_bonus")
            old = _category_snapshot(cat)
            cat.name, cat.points, cat.is_bonus = name, points, bool(data.is_bonus)
            s.flush()
            log.record("修改", "indicator_category", cat.id, "", old, _category_snapshot(cat))
            return EditResult(scheme.id, cat.id, maps is not None)

    def remove_category(self, category_id: int) -> EditResult:
        with unit_of_work(self._sf, self._actor) as (s, log):
            cat = _category(s, category_id)
            scheme, maps = _writable(s, log, cat.scheme)
            if maps is not None:
                cat = s.get_one(IndicatorCategory, maps[0][category_id])
            for ind in list(cat.indicators):
                _remove_indicator(s, log, ind)
            log.record("删除", "indicator_category", cat.id, "", _category_snapshot(cat), None)
            scheme.categories.remove(cat)
            s.flush()
            _renumber(scheme.categories)
            _recompute_open_sheets(s, log, scheme)
            return EditResult(scheme.id, None, maps is not None)

    def move_category(self, category_id: int, delta: int) -> EditResult:
        with unit_of_work(self._sf, self._actor) as (s, log):
            cat = _category(s, category_id)
            scheme, maps = _writable(s, log, cat.scheme)
            if maps is not None:
                cat = s.get_one(IndicatorCategory, maps[0][category_id])
            _move(log, "indicator_category", list(scheme.categories), cat, delta)
            return EditResult(scheme.id, cat.id, maps is not None)

    def add_indicator(self, category_id: int, data: IndicatorInput) -> EditResult:
        with unit_of_work(self._sf, self._actor) as (s, log):
            cat = _category(s, category_id)
            scheme, maps = _writable(s, log, cat.scheme)
            if maps is not None:
                cat = s.get_one(IndicatorCategory, maps[0][category_id])
            codes = {i.code for c in scheme.categories for i in c.indicators}
            clean = validate_indicator(data, cat.is_bonus, codes)
            values = dict(clean.__dict__)
            values["code"] = clean.code or _free_code(codes)
            order = max((i.sort_order for i in cat.indicators), default=-1) + 1
            ind = Indicator(sort_order=order, **values)
            cat.indicators.append(ind)
            s.flush()
            log.record("新建", "indicator", ind.id, "", None, _indicator_snapshot(ind))
            _add_items_to_open_sheets(s, log, scheme, ind)
            return EditResult(scheme.id, ind.id, maps is not None)

    def edit_indicator(self, indicator_id: int, data: IndicatorInput) -> EditResult:
        with unit_of_work(self._sf, self._actor) as (s, log):
            ind = _indicator(s, indicator_id)
            scheme, maps = _writable(s, log, ind.category.scheme)
            if maps is not None:
                ind = s.get_one(Indicator, maps[1][indicator_id])
            codes = {i.code for c in scheme.categories for i in c.indicators if i.id != ind.id}
            clean = validate_indicator(data, ind.category.is_bonus, codes)
            old = _indicator_snapshot(ind)
            for k, v in clean.__dict__.items():
                if k != "code" or v:
                    setattr(ind, k, v)
            s.flush()
            log.record("修改", "indicator", ind.id, "", old, _indicator_snapshot(ind))
            _recompute_open_sheets(s, log, scheme)
            return EditResult(scheme.id, ind.id, maps is not None)

    def remove_indicator(self, indicator_id: int) -> EditResult:
        with unit_of_work(self._sf, self._actor) as (s, log):
            ind = _indicator(s, indicator_id)
            scheme, maps = _writable(s, log, ind.category.scheme)
            if maps is not None:
                ind = s.get_one(Indicator, maps[1][indicator_id])
            cat = ind.category
            _remove_indicator(s, log, ind)
            _renumber(cat.indicators)
            _recompute_open_sheets(s, log, scheme)
            return EditResult(scheme.id, None, maps is not None)

    def move_indicator(self, indicator_id: int, delta: int) -> EditResult:
        with unit_of_work(self._sf, self._actor) as (s, log):
            ind = _indicator(s, indicator_id)
            scheme, maps = _writable(s, log, ind.category.scheme)
            if maps is not None:
                ind = s.get_one(Indicator, maps[1][indicator_id])
            _move(log, "indicator", list(ind.category.indicators), ind, delta)
            return EditResult(scheme.id, ind.id, maps is not None)


# ---------------------------------------------------------------------------------------------------------------
# helpers


def _check_year(year: int) -> None:
    if not 2000 <= int(year) <= 2100:
        raise ValidationError("年份应在2000至2100之间", field="year")


def _scheme(s: Session, scheme_id: int) -> IndicatorScheme:
    scheme = s.get(IndicatorScheme, scheme_id, options=[
        selectinload(IndicatorScheme.categories).selectinload(IndicatorCategory.indicators)])
    if scheme is None:
        raise NotFoundError(f"考评指标体系不存在（编号 {scheme_id}）")
    return scheme


def _category(s: Session, category_id: int) -> IndicatorCategory:
    cat = s.get(IndicatorCategory, category_id)
    if cat is None:
        raise NotFoundError(f"指标类别不存在（编号 {category_id}）")
    return cat


def _indicator(s: Session, indicator_id: int) -> Indicator:
    ind = s.get(Indicator, indicator_id)
    if ind is None:
        raise NotFoundError(f"考评指标不存在（编号 {indicator_id}）")
    return ind


def _free_code(codes: set[str]) -> str:
    n = 1
    while f"custom.{n}" in codes:
        n += 1
    return f"custom.{n}"


def _renumber(rows: list[Any]) -> None:
    for n, row in enumerate(sorted(rows, key=lambda r: r.sort_order)):
        row.sort_order = n


def _move(log: AuditLog, entity: str, rows: list[Any], row: Any, delta: int) -> None:
    rows.sort(key=lambda r: r.sort_order)
    pos = rows.index(row)
    new = max(0, min(len(rows) - 1, pos + delta))
    if new == pos:
        return
    rows.insert(new, rows.pop(pos))
    for n, r in enumerate(rows):
        if r.sort_order != n:
            log.record("调整顺序", entity, r.id, "order", r.sort_order, n)
            r.sort_order = n


def _open_periods(s: Session, scheme_id: int) -> list[Period]:
    """The periods not locked that use the scheme, row-locked in id order and read as committed now.  An edit
    changes their sheets and may move them to a new version: a `lock_period` or a sheet's save waits for it (for
    update, not share: two edits moving the same periods would otherwise each wait for the other's share), and a
    period locked meanwhile is left out."""
    q = (select(Period).where(Period.scheme_id == scheme_id, Period.state != PeriodState.LOCKED).order_by(Period.id)
         .with_for_update().execution_options(populate_existing=True))
    return list(s.scalars(q))


def _writable(s: Session, log: AuditLog, scheme: IndicatorScheme
              ) -> tuple[IndicatorScheme, tuple[dict[int, int], dict[int, int]] | None]:
    """The scheme an edit may change: itself, or (when frozen) a new version that the open periods move to.

    Returns the scheme and, for a new version, the maps old → new of category and indicator ids."""
    periods = _open_periods(s, scheme.id)
    s.refresh(scheme, ["frozen"])  # under the periods' locks: a month locked just before froze it
    reviewed = [p.key for p in periods if p.state == PeriodState.REVIEWED]
    if reviewed:
        raise ValidationError(f"考评期{'、'.join(reviewed)}已复核，修改指标体系前请先取消复核", field="scheme")
    if not scheme.frozen:
        return scheme, None
    version = int(s.scalar(select(func.max(IndicatorScheme.version)).where(IndicatorScheme.year == scheme.year)) or 0)
    copy = IndicatorScheme(year=scheme.year, version=version + 1, name=scheme.name, total_points=scheme.total_points,
                           bonus_ceiling=scheme.bonus_ceiling, frozen=False, based_on_id=scheme.id, note=scheme.note)
    s.add(copy)
    cat_map: dict[int, int] = {}
    ind_map: dict[int, int] = {}
    pairs: list[tuple[Any, Any]] = []
    for c in scheme.categories:
        nc = IndicatorCategory(name=c.name, points=c.points, is_bonus=c.is_bonus, sort_order=c.sort_order)
        copy.categories.append(nc)
        for i in c.indicators:
            ni = Indicator(code=i.code, name=i.name, description=i.description, points=i.points, method=i.method,
                           per_occurrence=i.per_occurrence, cap=i.cap, evidence_required=i.evidence_required,
                           sort_order=i.sort_order, based_on_id=i.id)
            nc.indicators.append(ni)
            pairs.append((i, ni))
        pairs.append((c, nc))
    s.flush()
    for old, new in pairs:
        (cat_map if isinstance(old, IndicatorCategory) else ind_map)[old.id] = new.id
    log.record("新版本", "indicator_scheme", copy.id, "", None, _scheme_snapshot(copy),
               reason=f"第{scheme.version}版已用于锁定的考评期，修改时另存为第{copy.version}版")
    for period in _open_periods(s, scheme.id):
        sheet_ids = select(ScoreSheet.id).where(ScoreSheet.period_id == period.id)
        for old_id, new_id in ind_map.items():
            s.execute(update(ScoreItem).where(ScoreItem.indicator_id == old_id, ScoreItem.sheet_id.in_(sheet_ids))
                      .values(indicator_id=new_id))
        log.record("改用新版本", "period", period.id, "scheme", scheme.id, copy.id)
        period.scheme_id = copy.id
    s.flush()
    s.expire_all()
    return _scheme(s, copy.id), (cat_map, ind_map)


def _remove_indicator(s: Session, log: AuditLog, ind: Indicator) -> None:
    """Remove an indicator and its (empty) items from open sheets; refused when anything was recorded on it."""
    used = s.execute(
        select(Period.key).join(ScoreSheet, ScoreSheet.period_id == Period.id)
        .join(ScoreItem, ScoreItem.sheet_id == ScoreSheet.id)
        .where(ScoreItem.indicator_id == ind.id)
        .where((ScoreItem.self_score.is_not(None)) | ScoreItem.veto
               | ScoreItem.id.in_(select(Deduction.item_id)) | ScoreItem.id.in_(select(Bonus.item_id)))
        .limit(1)
    ).first()
    if used is not None:
        raise ValidationError(f"指标“{ind.name}”在{used.key}已有扣分、加分或自评记录，不能删除；可将其分值改小",
                              field="indicator")
    sheets = list(s.execute(select(ScoreItem.id, ScoreItem.sheet_id).where(ScoreItem.indicator_id == ind.id)))
    for item_id, _sheet_id in sheets:
        log.record("删除", "score_item", item_id, "review_score", None, None, reason=f"指标“{ind.name}”已删除")
    s.execute(delete(ScoreItem).where(ScoreItem.indicator_id == ind.id))
    log.record("删除", "indicator", ind.id, "", _indicator_snapshot(ind), None)
    ind.category.indicators.remove(ind)
    s.flush()


def _add_items_to_open_sheets(s: Session, log: AuditLog, scheme: IndicatorScheme, ind: Indicator) -> None:
    for period in _open_periods(s, scheme.id):
        for sheet in s.scalars(select(ScoreSheet).where(ScoreSheet.period_id == period.id)):
            s.add(ScoreItem(sheet_id=sheet.id, indicator_id=ind.id, review_score=base_score(ind.method, ind.points),
                            veto=False, veto_reason=""))
    s.flush()
    _recompute_open_sheets(s, log, scheme)


def _recompute_open_sheets(s: Session, log: AuditLog, scheme: IndicatorScheme) -> None:
    periods = _open_periods(s, scheme.id)
    if periods:
        sheet_ids = list(s.scalars(select(ScoreSheet.id).where(ScoreSheet.period_id.in_([p.id for p in periods]))))
        recompute_sheets(s, log, sheet_ids, reason="考评指标调整")
