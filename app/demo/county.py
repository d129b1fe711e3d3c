"""The demo county: a realistic register (and, through extension steps, scores, records, 约谈 …) to try the app on.

`build_demo(db, size, seed)` runs the steps of `demo_steps()` in order inside ONE transaction, so a cancelled or
failed build leaves the database exactly as it was.  Everything is derived from `seed` (each step reseeds the
shared `random.Random` with "seed:label", so adding a step never changes what the others produce) and from
"today", so terms, vacancies and 预备期 are relative to the real date.

Sizes: "small" (40 units, ≈2,000 members), "large" (300 units, ≈1,200 organisations, 20,000 members) and "tiny"
(8 units, ≈360 members: for tests, still showing every kind of organisation and every finding).

Extending the demo (later features): write a module `app/demo/<feature>.py` that defines

    DEMO_STEPS = [DemoStep("月度考评", build_scores)]      # build_scores(ctx: DemoContext) -> None

and add its name to `EXTENSION_MODULES` below.  A step writes through `ctx.session` (bulk Core inserts:
``ctx.insert_rows(Model, [dict, ...])`` with ids from ``ctx.allocate_ids(Model, n)``), reads what earlier steps
made from `ctx.units`, `ctx.orgs`, `ctx.members` (or `ctx.shared`, a free dict for data between steps), adds
its totals to `ctx.counts` (shown in the summary), and calls `ctx.check_cancelled()` in long loops.  Steps must
not open their own sessions: the build holds SQLite's write lock until it commits.
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from app import clock
from app import settings as S
from app.db import Database
from app.demo import data as D
from app.errors import DangjianError, OperationCancelled, ValidationError
from app.models import (
    Gender,
    Member,
    MemberStatus,
    OrgKind,
    OrgPost,
    OrgPostKind,
    PartyOrg,
    Setting,
    Transfer,
    TransferKind,
    Unit,
)
from app.services.idcard import make_id, pinyin_initials, pinyin_sort_key

ProgressFn = Callable[[int, int, str], None]
CancelledFn = Callable[[], bool]

# Modules of later features that contribute steps (each defines DEMO_STEPS: list[DemoStep]); run in this order
# after the register steps.  A module that is not (yet) part of the installation is skipped.
EXTENSION_MODULES: tuple[str, ...] = (
    "app.demo.orglife",
    "app.demo.scores",
    "app.demo.documents",
    "app.demo.annual",
    "app.demo.care",
    "app.demo.collection",
    "app.demo.party_workers",
    "app.demo.disposal",
    "app.demo.accountability",
    "app.demo.study",
    "app.demo.leadership",
    "app.demo.trail",  # last: records every register row the steps before wrote
)


# ---------------------------------------------------------------------------------------------------------------
# sizes, context, steps


@dataclass(frozen=True)
class DemoSize:
    name: str
    label: str
    units: int
    members: int  # members in the register (active), approximately


SIZES: dict[str, DemoSize] = {
    "tiny": DemoSize("tiny", "测试用微型县", 8, 360),
    "small": DemoSize("small", "小县", 40, 2_000),
    "large": DemoSize("large", "大县", 300, 20_000),
}

# The tiny county: one unit of each shape (机关党委, 党总支, 党支部, units sharing a 联合支部).
TINY_UNITS = ("县委办公室", "县公安局", "县财政局", "县审计局", "县统计局", "团县委", "县科协", "县妇联")


@dataclass(frozen=True)
class Rules:
    """The numbers of DOMAIN.md the generator follows, read from the county's settings."""

    term_years_committee: int
    term_years_branch: int
    ending_days: int
    vacancy_months: int
    branch_min_full: int
    committee_min_full: int
    branch_max_members: int
    probation_months: int
    general_branch_min: int = 50  # 机关: ≥50 members → 党总支
    committee_min: int = 100  # ≥100 → 机关党委

    @classmethod
    def from_settings(cls, session: Session) -> Rules:
        read = S.reader(session)
        return cls(
            int(read(S.TERM_YEARS_COMMITTEE)), int(read(S.TERM_YEARS_BRANCH)), int(read(S.TERM_ENDING_DAYS)),
            int(read(S.VACANCY_MONTHS)), int(read(S.BRANCH_MIN_FULL)), int(read(S.COMMITTEE_MIN_FULL)),
            int(read(S.BRANCH_MAX_MEMBERS)), int(read(S.PROBATION_MONTHS)),
        )

    def term_years(self, kind: OrgKind) -> int:
        return self.term_years_committee if kind == OrgKind.ORGAN_COMMITTEE else self.term_years_branch


@dataclass
class DemoUnit:
    id: int
    name: str
    short_name: str
    category: str
    profile: str  # office / police / court / procuratorate / school / hospital / station / enterprise / institution
    size: int  # members in the register
    probationary: int
    joint: bool = False  # too few 正式党员 for its own branch: members sit in a 联合支部

    @property
    def full(self) -> int:
        return self.size - self.probationary


@dataclass
class DemoOrg:
    id: int
    unit_id: int
    parent_id: int | None
    kind: OrgKind
    name: str
    seats: dict[int, int]  # unit id → members placed directly in this organisation
    established_on: dt.date
    term_start: dt.date
    term_end: dt.date
    note: str = ""
    member_ids: list[int] = field(default_factory=list)

    @property
    def is_branch(self) -> bool:
        return self.kind in (OrgKind.BRANCH, OrgKind.JOINT_BRANCH)


@dataclass
class DemoMember:
    id: int
    org_id: int
    unit_id: int
    name: str
    gender: Gender
    birth_date: dt.date
    status: MemberStatus
    joined_on: dt.date
    full_member_on: dt.date | None
    is_leader: bool
    position: str
    since: dt.date  # in the present organisation since (入党 or the last transfer in)


@dataclass
class DemoContext:
    """What a step gets: the database, one open transaction, the random source and what earlier steps made."""

    db: Database
    session: Session
    rng: random.Random
    size: DemoSize
    seed: int
    today: dt.date
    rules: Rules
    cancelled: CancelledFn = lambda: False
    units: list[DemoUnit] = field(default_factory=list)
    orgs: list[DemoOrg] = field(default_factory=list)
    members: list[DemoMember] = field(default_factory=list)  # in the register (left_on NULL)
    departed_member_ids: list[int] = field(default_factory=list)  # transferred out of the county
    counts: dict[str, int] = field(default_factory=dict)  # summary line → number
    shared: dict[str, Any] = field(default_factory=dict)  # free-form data between steps
    _next_ids: dict[str, int] = field(default_factory=dict)

    @property
    def unit_ids(self) -> list[int]:
        return [u.id for u in self.units]

    @property
    def org_ids(self) -> list[int]:
        return [o.id for o in self.orgs]

    @property
    def member_ids(self) -> list[int]:
        return [m.id for m in self.members]

    def check_cancelled(self) -> None:
        if self.cancelled():
            raise OperationCancelled("已取消生成示范数据，数据库未作改动")

    def allocate_ids(self, model: type[Any], n: int) -> range:
        """`n` fresh primary keys for `model`: bulk inserts then need no RETURNING round trip."""
        table = model.__table__
        if table.name not in self._next_ids:
            top = self.session.scalar(select(func.max(table.c.id)))
            self._next_ids[table.name] = int(top or 0) + 1
        first = self._next_ids[table.name]
        self._next_ids[table.name] = first + n
        if n and self.session.get_bind().dialect.name == "postgresql":
            # Explicit keys do not move the server's sequence: move it past them, or the services' own inserts
            # (later in the build, and in the app afterwards) would be given keys already taken.
            self.session.execute(select(func.setval(func.pg_get_serial_sequence(table.name, "id"), first + n - 1)))
        return range(first, first + n)

    def insert_rows(self, model: type[Any], rows: Sequence[dict[str, Any]], chunk: int = 5_000) -> None:
        for i in range(0, len(rows), chunk):
            self.session.execute(insert(model), list(rows[i:i + chunk]))

    def count(self, label: str, n: int) -> None:
        self.counts[label] = self.counts.get(label, 0) + n


@dataclass(frozen=True)
class DemoStep:
    label: str  # what is being generated, shown as progress ("正在生成{label}……")
    run: Callable[[DemoContext], None]


@dataclass(frozen=True)
class DemoSummary:
    size: str
    seed: int
    today: dt.date
    counts: dict[str, int]
    seconds: float
    step_seconds: list[tuple[str, float]]

    def lines(self) -> list[str]:
        head = f"示范县（{SIZES[self.size].label}，种子 {self.seed}，基准日 {self.today:%Y-%m-%d}）已生成，用时 {self.seconds:.1f} 秒："
        return [head] + [f"  {label}：{n:,}" for label, n in self.counts.items()]


# ---------------------------------------------------------------------------------------------------------------
# building


def demo_steps() -> list[DemoStep]:
    """The register steps, then each extension module's steps (in `EXTENSION_MODULES` order)."""
    steps = list(DEMO_STEPS)
    for name in EXTENSION_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # the module exists but something it imports is missing: a real error
                raise
            continue
        steps.extend(module.DEMO_STEPS)
    return steps


def database_is_empty(db: Database) -> bool:
    """True when the register holds no unit, organisation or member (settings alone do not count)."""
    with db.session() as s:
        return all(s.scalar(select(func.count()).select_from(m)) == 0 for m in (Unit, PartyOrg, Member))


def build_demo(db: Database, size: str = "small", seed: int = 1, progress: ProgressFn | None = None,
               cancelled: CancelledFn | None = None, today: dt.date | None = None) -> DemoSummary:
    """Fill an empty database with the demo county; everything in one transaction."""
    if size not in SIZES:
        raise ValidationError(f"规模应为 {'、'.join(SIZES)} 之一，不能是“{size}”", field="size")
    if not database_is_empty(db):
        raise DangjianError("数据库中已有单位或党员，示范数据只能生成在空数据库中（命令行可用 --force 重建）")
    steps = demo_steps()
    report = progress or (lambda done, total, message: None)
    started = time.perf_counter()
    timings: list[tuple[str, float]] = []
    with db.session() as s:
        # The demo county gives its own name: its 通报 may be issued (app.services.county_names).
        if s.scalar(select(Setting.id).where(Setting.key == S.COUNTY_NAME.key)) is None:
            S.set_value(s, S.COUNTY_NAME, S.PLACEHOLDER_COUNTY)
        ctx = DemoContext(db, s, random.Random(seed), SIZES[size], seed, today or clock.today(),
                          Rules.from_settings(s), cancelled or (lambda: False))
        for i, step in enumerate(steps):
            ctx.check_cancelled()
            report(i, len(steps), f"正在生成{step.label}……")
            ctx.rng.seed(f"{seed}:{step.label}")
            t0 = time.perf_counter()
            step.run(ctx)
            timings.append((step.label, time.perf_counter() - t0))
        ctx.check_cancelled()
        report(len(steps), len(steps), "正在保存……")
    with db.engine.connect() as conn:  # fresh statistics for the query planner after a bulk load
        conn.execute(text("ANALYZE"))
        conn.commit()
    report(len(steps), len(steps), "完成")
    return DemoSummary(size, seed, ctx.today, dict(ctx.counts), time.perf_counter() - started, timings)


# ---------------------------------------------------------------------------------------------------------------
# small helpers


def _rand_date(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    if last <= first:
        return first
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, float]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十, 35 → 三十五 (up to 99: branch ordinals)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def unit_profile(name: str, category: str) -> str:
    """What kind of workplace a unit is, which decides titles, branch names and the share of women."""
    for marker, profile in (("派出所", "police"), ("公安局", "police"), ("人民法院", "court"),
                            ("人民检察院", "procuratorate"), ("医院", "hospital"), ("卫生院", "hospital"),
                            ("保健院", "hospital"), ("疾病预防", "hospital"), ("卫生中心", "hospital"),
                            ("中学", "school"), ("小学", "school"), ("学校", "school"), ("幼儿园", "school"),
                            ("有限公司", "enterprise")):
        if marker in name:
            return profile
    if name.endswith("所"):
        return "station"
    return "institution" if category == D.CATEGORY_INSTITUTION else "office"


_HEAD_TITLES = (
    ("纪委监委", "书记"), ("政法委", "书记"), ("团县委", "书记"), ("人民检察院", "检察长"), ("有限公司", "董事长"),
    ("管理委员会", "主任"), ("编制委员会办公室", "主任"), ("总工会", "主席"), ("残联", "理事长"), ("联", "主席"),
    ("会", "会长"), ("科协", "主席"), ("所", "所长"), ("院", "院长"), ("幼儿园", "园长"), ("学校", "校长"),
    ("中学", "校长"), ("小学", "校长"), ("大学", "校长"), ("党校", "校长"), ("馆", "馆长"), ("站", "站长"),
    ("林场", "场长"), ("大队", "大队长"), ("局", "局长"), ("部", "部长"),
)


def head_title(unit_name: str) -> str:
    """The title of a unit's head: 县财政局 → 局长, 县人民医院 → 院长, 县委组织部 → 部长 …"""
    for suffix, title in _HEAD_TITLES:
        if unit_name.endswith(suffix) or (suffix in ("纪委监委", "政法委", "团县委", "有限公司") and suffix in unit_name):
            return title
    return "主任"


def _female_share(unit: DemoUnit) -> float:
    if "妇联" in unit.name:
        return 0.9
    return {"police": 0.15, "school": 0.6, "hospital": 0.66, "station": 0.3, "enterprise": 0.3,
            "institution": 0.45}.get(unit.profile, 0.38)


# ---------------------------------------------------------------------------------------------------------------
# people


class PeopleFactory:
    """Plausible people: weighted surnames, given names of their generation, valid and unique 身份证号."""

    def __init__(self, rng: random.Random, today: dt.date, rules: Rules) -> None:
        self.rng = rng
        self.today = today
        self.rules = rules
        self._used_ids: set[str] = set()
        self._surnames = [s for s, _ in D.SURNAMES]
        self._surname_weights = [w for _, w in D.SURNAMES]

    def name(self, gender: Gender, birth_year: int) -> str:
        rng = self.rng
        surname = rng.choices(self._surnames, weights=self._surname_weights)[0]
        own = D.MALE_CHARS if gender == Gender.MALE else D.FEMALE_CHARS
        if birth_year < 1972 and rng.random() < 0.3:
            return surname + rng.choice(D.OLD_MALE_NAMES if gender == Gender.MALE else D.OLD_FEMALE_NAMES)
        draw = rng.random()
        if draw < 0.45:
            return surname + rng.choice(D.MALE_NAMES if gender == Gender.MALE else D.FEMALE_NAMES)
        if draw < 0.75:
            return surname + rng.choice(own)
        return surname + rng.choice(D.COMMON_CHARS) + rng.choice(own)

    def id_number(self, birth: dt.date, gender: Gender) -> str:
        region = D.HOME_REGION if self.rng.random() < 0.75 else self.rng.choice(D.OTHER_REGIONS)
        parity = 1 if gender == Gender.MALE else 0  # the 17th digit: odd for men, even for women
        while True:
            number = make_id(region, birth, self.rng.randrange(0, 500) * 2 + parity)
            if number not in self._used_ids:
                self._used_ids.add(number)
                return number

    def phone(self) -> str:
        if self.rng.random() < 0.05:
            return ""
        return self.rng.choice(D.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def landline(self) -> str:
        return f"{D.AREA_CODE}-8{self.rng.randrange(10**7):07d}"

    def education(self, birth_year: int) -> str:
        for before, pairs in D.EDUCATION_BY_COHORT:
            if birth_year < before:
                return _weighted(self.rng, pairs)
        return "大学本科"

    def birth_date(self, leader: bool) -> dt.date:
        low, high, mode = (40.0, 58.5, 50.0) if leader else (23.0, 59.5, 41.0)
        age_days = int(self.rng.triangular(low, high, mode) * 365.25)
        return self.today - dt.timedelta(days=age_days)

    def membership(self, birth: dt.date, probationary: bool) -> tuple[dt.date, dt.date | None, int, bool]:
        """(入党日期, 转正日期, 延长预备期月数, joined at university) consistent with the 预备期 rules."""
        rng, today, months = self.rng, self.today, self.rules.probation_months
        if probationary:
            return today - dt.timedelta(days=rng.randint(10, 355)), None, 0, False
        at_university = rng.random() < 0.4
        join_age = rng.uniform(19.5, 22.5) if at_university else rng.triangular(23.0, 45.0, 27.0)
        joined = birth + dt.timedelta(days=int(join_age * 365.25))
        latest = today - relativedelta(months=months) - dt.timedelta(days=30)
        if joined > latest:
            joined = latest - dt.timedelta(days=rng.randint(0, 700))
            at_university = False
        extension = 6 if rng.random() < 0.01 and joined + relativedelta(months=months + 6) <= today else 0
        return joined, joined + relativedelta(months=months + extension), extension, at_university

    def community(self, joined: dt.date) -> tuple[bool, str, dt.date | None]:
        if self.rng.random() >= 0.86:
            return False, "", None
        first = max(joined, dt.date(2019, 3, 1))
        return True, self.rng.choice(D.COMMUNITIES), _rand_date(self.rng, first, self.today)

    def person(self, unit: DemoUnit, org_id: int, member_id: int, position: str, leader: bool,
               status: MemberStatus) -> tuple[dict[str, Any], DemoMember]:
        """One member row (for the bulk insert) and what later steps need to know about the member."""
        rng = self.rng
        female = rng.random() < (_female_share(unit) * (0.5 if leader else 1.0))
        gender = Gender.FEMALE if female else Gender.MALE
        birth = self.birth_date(leader)
        name = self.name(gender, birth.year)
        joined, full_on, extension, _ = self.membership(birth, status == MemberStatus.PROBATIONARY)
        registered, community, registered_on = self.community(joined)
        row = {
            "id": member_id, "org_id": org_id, "name": name, "name_initials": pinyin_initials(name),
            "name_sort": pinyin_sort_key(name),
            "gender": gender, "ethnicity": _weighted(rng, D.ETHNICITIES), "birth_date": birth,
            "id_number": self.id_number(birth, gender), "phone": self.phone(),
            "education": self.education(birth.year), "position": position, "status": status,
            "joined_on": joined, "full_member_on": full_on, "probation_extension_months": extension,
            "is_leader": leader, "community_registered": registered, "community_name": community,
            "community_registered_on": registered_on, "left_on": None, "note": "",
        }
        member = DemoMember(member_id, org_id, unit.id, name, gender, birth, status, joined, full_on, leader,
                            position, joined)
        return row, member


# ---------------------------------------------------------------------------------------------------------------
# step 1: units


def _catalogue(size: DemoSize) -> list[D.UnitSpec]:
    if size.name == "tiny":
        by_name = {u.name: u for u in D.CORE_UNITS}
        return [by_name[n] for n in TINY_UNITS]
    town_units = [
        D.UnitSpec(pattern.format(t=town), short.format(t=town), category, weight)
        for town in D.TOWNS
        for pattern, short, category, weight in D.TOWN_UNITS
    ]
    catalogue = list(D.CORE_UNITS) + list(D.INSTITUTIONS) + town_units
    if len(catalogue) < size.units:
        raise DangjianError(f"示范单位名录只有{len(catalogue)}个单位，不足{size.units}个")
    return catalogue[: size.units]


def _unit_sizes(specs: Sequence[D.UnitSpec], target: int, rng: random.Random) -> list[int]:
    """Members per unit: tiny units 2–4, the others their weight with some spread, scaled to `target` in all."""
    # the first two tiny units have 2 members each, so that every county shows a 联合支部
    tiny = [i for i, spec in enumerate(specs) if spec.weight == 0]
    sizes = [(2 if i in tiny[:2] else rng.choice((2, 2, 3, 3, 4))) if spec.weight == 0 else 0
             for i, spec in enumerate(specs)]
    raw = [spec.weight * math.exp(rng.gauss(0.0, 0.12)) for spec in specs]
    scale = (target - sum(sizes)) / sum(raw)
    for i, spec in enumerate(specs):
        if spec.weight:
            sizes[i] = max(5, round(raw[i] * scale))
    # put the rounding difference on the largest unit so the county total is exact
    largest = max(range(len(sizes)), key=lambda i: sizes[i])
    sizes[largest] += target - sum(sizes)
    return sizes


def step_units(ctx: DemoContext) -> None:
    specs = _catalogue(ctx.size)
    sizes = _unit_sizes(specs, ctx.size.members, ctx.rng)
    ids = ctx.allocate_ids(Unit, len(specs))
    rows = []
    for i, (spec, n, unit_id) in enumerate(zip(specs, sizes, ids, strict=True)):
        if spec.weight == 0:  # a tiny unit: maybe one 预备党员, which may leave it below 3 正式党员
            probationary = 1 if n >= 3 and ctx.rng.random() < 0.35 else 0
        else:
            probationary = sum(1 for _ in range(n) if ctx.rng.random() < 0.035)
        unit = DemoUnit(unit_id, spec.name, spec.short_name, spec.category, unit_profile(spec.name, spec.category),
                        n, probationary)
        unit.joint = unit.full < ctx.rules.branch_min_full
        ctx.units.append(unit)
        rows.append({"id": unit_id, "name": spec.name, "short_name": spec.short_name, "category": spec.category,
                     "sort_order": (i + 1) * 10, "active": True, "note": ""})
    ctx.insert_rows(Unit, rows)
    ctx.count("单位", len(rows))


# ---------------------------------------------------------------------------------------------------------------
# step 2: the organisation tree


@dataclass
class _OrgDraft:
    kind: OrgKind
    name: str
    parent: int | None  # index of the parent draft in the same list
    seats: dict[int, int]
    note: str = ""


def _split(total: int, parts: int, rng: random.Random, lowest: int = 5) -> list[int]:
    """`total` members in `parts` branches of roughly equal size (±30 %), each at least `lowest`."""
    parts = max(1, min(parts, total // lowest))
    weights = [rng.uniform(0.7, 1.3) for _ in range(parts)]
    sizes = [max(lowest, int(total * w / sum(weights))) for w in weights]
    i = 0
    while sum(sizes) != total:  # hand out (or take back) the remainder one by one
        step = 1 if sum(sizes) < total else -1
        if step > 0 or sizes[i % parts] > lowest:
            sizes[i % parts] += step
        i += 1
    return sizes


def _branch_count(members: int, target: int, max_members: int) -> int:
    return max(2, round(members / target), math.ceil(members / (max_members - 5)))


def _sub_name(profile: str, names: dict[str, tuple[str, ...]], index: int, office_prefix: str) -> str:
    options = names.get(profile, ())
    if index < len(options):
        return options[index]
    number = chinese_number(index + 1 - len(options))
    return f"{office_prefix}第{number}" if profile == "office" else f"第{number}"


def _plan_unit_tree(unit: DemoUnit, rules: Rules, rng: random.Random) -> list[_OrgDraft]:
    """The organisations of one unit by DOMAIN.md: <50 members 党支部, ≥50 党总支, ≥100 机关党委 (the
    committee posts of a 党总支 or 机关党委 are held by members placed directly in it)."""
    n, u = unit.size, unit.id
    base = f"{unit.name}机关" if unit.profile == "office" else unit.name
    if n < rules.general_branch_min:
        return [_OrgDraft(OrgKind.BRANCH, f"{base}党支部", None, {u: n})]
    target = rng.randint(13, 21)  # members per branch in this unit
    if n < rules.committee_min:
        seats = rng.choice((3, 4, 5))
        drafts = [_OrgDraft(OrgKind.GENERAL_BRANCH, f"{base}党总支", None, {u: seats})]
        rest = n - seats
        for i, size in enumerate(_split(rest, _branch_count(rest, target, rules.branch_max_members), rng)):
            drafts.append(_OrgDraft(OrgKind.BRANCH, f"{unit.name}{_sub_name(unit.profile, D.BRANCH_NAMES, i, '机关')}党支部",
                                    0, {u: size}))
        return drafts
    drafts = [_OrgDraft(OrgKind.ORGAN_COMMITTEE, f"{base}党委", None, {u: 5})]
    rest = n - 5
    for g in range(min(3, n // 220)):  # big units: 党总支 between the 机关党委 and some branches
        size = min(rng.randint(60, 95), rest - 3 * target)
        if size < rules.general_branch_min:
            break
        gname = _sub_name(unit.profile, D.GENERAL_BRANCH_NAMES, g, "")
        drafts.append(_OrgDraft(OrgKind.GENERAL_BRANCH, f"{unit.name}{gname}党总支", 0, {u: 3}))
        parent = len(drafts) - 1
        for i, bsize in enumerate(_split(size - 3, _branch_count(size - 3, target, rules.branch_max_members), rng)):
            drafts.append(_OrgDraft(OrgKind.BRANCH, f"{unit.name}{gname}第{chinese_number(i + 1)}党支部", parent,
                                    {u: bsize}))
        rest -= size
    for i, size in enumerate(_split(rest, _branch_count(rest, target, rules.branch_max_members), rng)):
        name = _sub_name(unit.profile, D.BRANCH_NAMES, i, "机关")
        drafts.append(_OrgDraft(OrgKind.BRANCH, f"{unit.name}{name}党支部", 0, {u: size}))
    return drafts


def _joint_groups(units: Sequence[DemoUnit], min_full: int) -> list[list[DemoUnit]]:
    """Units without enough 正式党员 grouped into 联合支部 of at most 5 units, each group with ≥`min_full` 正式党员."""
    groups: list[list[DemoUnit]] = []
    current: list[DemoUnit] = []
    for unit in (u for u in units if u.joint):
        current.append(unit)
        if len(current) == 5 or (len(current) >= 3 and sum(x.full for x in current) >= min_full):
            groups.append(current)
            current = []
    if current:
        if groups and len(groups[-1]) + len(current) <= 5:
            groups[-1].extend(current)
        elif sum(x.full for x in current) >= min_full and len(current) > 1:
            groups.append(current)
        else:  # nobody to share with: such a unit keeps its own small branch, all 正式党员
            for unit in current:
                unit.joint = False
                unit.probationary = 0
                unit.size = max(unit.size, min_full)
    return groups


def _term_states(drafts: Sequence[_OrgDraft], rng: random.Random) -> list[str]:
    """Most terms current; about 8 % overdue (past their end without 换届) and 7 % ending within the reminder
    window, and at least one branch of each, however small the county."""
    states = [rng.choices(("overdue", "ending", "current"), weights=(8, 7, 85))[0] for _ in drafts]
    branches = [i for i, d in enumerate(drafts) if d.kind in (OrgKind.BRANCH, OrgKind.JOINT_BRANCH)]
    for state in ("overdue", "ending"):
        if state not in states and branches:
            states[branches.pop(rng.randrange(len(branches)))] = state
    return states


def _term(ctx: DemoContext, kind: OrgKind, state: str) -> tuple[dt.date, dt.date]:
    rng, today, years = ctx.rng, ctx.today, ctx.rules.term_years(kind)
    if state == "overdue":
        end = today - dt.timedelta(days=rng.randint(10, 330))
    elif state == "ending":
        end = today + dt.timedelta(days=rng.randint(5, ctx.rules.ending_days - 5))
    else:
        span = (today + relativedelta(years=years) - today).days
        end = today + dt.timedelta(days=rng.randint(ctx.rules.ending_days + 10, span - 30))
    start = end - relativedelta(years=years)
    return start, start + relativedelta(years=years)


def _established(ctx: DemoContext, kind: OrgKind, term_start: dt.date, parent: DemoOrg | None) -> dt.date:
    """成立日期: never after the term start nor before the parent's; organisations that have branches under
    them are older than any branch term (so every child can be founded after its parent)."""
    old = ctx.today - relativedelta(years=6 if parent is None else 5)
    latest = min(term_start, old) if kind != OrgKind.BRANCH and kind != OrgKind.JOINT_BRANCH else term_start
    if parent is not None:
        return _rand_date(ctx.rng, parent.established_on, latest)
    return max(dt.date(1978, 1, 1), latest - dt.timedelta(days=ctx.rng.randint(0, 365 * 25)))


def step_orgs(ctx: DemoContext) -> None:
    groups = _joint_groups(ctx.units, ctx.rules.branch_min_full)
    plans: list[tuple[int, list[_OrgDraft]]] = []
    for unit in ctx.units:
        if not unit.joint:
            plans.append((unit.id, _plan_unit_tree(unit, ctx.rules, ctx.rng)))
    for i, group in enumerate(groups):
        note = "联合单位：" + "、".join(u.name for u in group)
        draft = _OrgDraft(OrgKind.JOINT_BRANCH, f"县直机关第{chinese_number(i + 1)}联合党支部", None,
                          {u.id: u.size for u in group}, note)
        plans.append((group[0].id, [draft]))
    states = iter(_term_states([d for _, drafts in plans for d in drafts], ctx.rng))
    rows = []
    for unit_id, drafts in plans:
        ids = ctx.allocate_ids(PartyOrg, len(drafts))
        made: list[DemoOrg] = []
        for order, (draft, org_id) in enumerate(zip(drafts, ids, strict=True)):
            parent = made[draft.parent] if draft.parent is not None else None
            start, end = _term(ctx, draft.kind, next(states))
            org = DemoOrg(org_id, unit_id, parent.id if parent else None, draft.kind, draft.name, draft.seats,
                          _established(ctx, draft.kind, start, parent), start, end, draft.note)
            made.append(org)
            rows.append({"id": org.id, "unit_id": unit_id, "parent_id": org.parent_id, "name": org.name,
                         "kind": org.kind, "established_on": org.established_on, "term_start": start,
                         "term_end": end, "sort_order": (order + 1) * 10, "active": True, "note": org.note})
        ctx.orgs.extend(made)
    ctx.insert_rows(PartyOrg, rows)
    ctx.count("党组织", len(rows))
    for kind in OrgKind:
        ctx.count(f"其中{kind.label}", sum(1 for o in ctx.orgs if o.kind == kind))
    ctx.count("任期已超期未换届的党组织", sum(1 for o in ctx.orgs if o.term_end < ctx.today))
    soon = ctx.today + dt.timedelta(days=ctx.rules.ending_days)
    ctx.count(f"{ctx.rules.ending_days}天内任期届满的党组织", sum(1 for o in ctx.orgs if ctx.today <= o.term_end <= soon))


# ---------------------------------------------------------------------------------------------------------------
# step 3: members


def _titles(unit: DemoUnit, rng: random.Random, n: int) -> list[tuple[str, bool]]:
    """(职务, 党员领导干部) for the n members of a unit: its leaders first, then the staff."""
    head = head_title(unit.name)
    leaders = 1 if n < 8 else min(6, 2 + n // 30)
    # government departments, courts and mass organisations have a 党组; a 书记-headed body is itself one
    with_group = head != "书记" and unit.category in (D.CATEGORY_GOV, D.CATEGORY_CONGRESS, D.CATEGORY_LAW,
                                                      D.CATEGORY_MASS)
    titles = [(f"党组书记、{head}" if with_group else head, True)]
    titles += [(f"党组成员、副{head}" if with_group else f"副{head}", True) for _ in range(leaders - 1)]
    pool = D.STAFF_TITLES[unit.profile]
    for _ in range(n - leaders):
        titles.append((rng.choice(pool).format(s=rng.choice(D.OFFICE_SECTIONS)), False))
    return titles


def _unit_seats(ctx: DemoContext) -> dict[int, list[tuple[DemoOrg, int]]]:
    seats: dict[int, list[tuple[DemoOrg, int]]] = {}
    for org in ctx.orgs:
        for unit_id, n in org.seats.items():
            seats.setdefault(unit_id, []).append((org, n))
    return seats


def _probationary_slots(unit: DemoUnit, placed: list[tuple[DemoOrg, int, bool]], full_left: dict[int, int],
                        rng: random.Random, min_full: int) -> set[int]:
    """Which of a unit's members (by index) are 预备党员: never a leader, never in a committee seat, and never
    leaving a branch with fewer than `min_full` 正式党员."""
    candidates = [i for i, (org, _, leader) in enumerate(placed) if org.is_branch and not leader]
    rng.shuffle(candidates)
    chosen: set[int] = set()
    for i in candidates:
        if len(chosen) == unit.probationary:
            break
        org = placed[i][0]
        if full_left[org.id] - 1 >= min_full:
            full_left[org.id] -= 1
            chosen.add(i)
    return chosen


def step_members(ctx: DemoContext) -> None:
    people = PeopleFactory(ctx.rng, ctx.today, ctx.rules)
    ctx.shared["people"] = people
    seats = _unit_seats(ctx)
    full_left = {o.id: sum(o.seats.values()) for o in ctx.orgs}
    rows: list[dict[str, Any]] = []
    unit_rows: list[dict[str, Any]] = []
    orgs_by_id = {o.id: o for o in ctx.orgs}
    for k, unit in enumerate(ctx.units):
        if k % 20 == 0:
            ctx.check_cancelled()
        titles = _titles(unit, ctx.rng, unit.size)
        placed = _place(unit, titles, seats.get(unit.id, []), ctx.rng)
        probationary = _probationary_slots(unit, placed, full_left, ctx.rng, ctx.rules.branch_min_full)
        ids = ctx.allocate_ids(Member, len(placed))
        made = []
        for i, ((org, title_index, _leader), member_id) in enumerate(zip(placed, ids, strict=True)):
            title, leader = titles[title_index]
            if org.kind == OrgKind.JOINT_BRANCH:  # the branch is shared: say where the member works
                title = f"{unit.name}{title}"
            status = MemberStatus.PROBATIONARY if i in probationary else MemberStatus.FULL
            row, member = people.person(unit, org.id, member_id, title, leader, status)
            rows.append(row)
            made.append(member)
            orgs_by_id[org.id].member_ids.append(member_id)
        ctx.members.extend(made)
        unit_rows.append(_unit_contacts(unit, made, people))
    ctx.insert_rows(Member, rows)
    ctx.session.execute(update(Unit), unit_rows)
    ctx.count("在册党员", len(rows))
    ctx.count("其中预备党员", sum(1 for m in ctx.members if m.status == MemberStatus.PROBATIONARY))
    ctx.count("其中党员领导干部", sum(1 for m in ctx.members if m.is_leader))
    ctx.count("其中未到社区报到", sum(1 for r in rows if not r["community_registered"]))


def _place(unit: DemoUnit, titles: list[tuple[str, bool]], seats: list[tuple[DemoOrg, int]],
           rng: random.Random) -> list[tuple[DemoOrg, int, bool]]:
    """(organisation, index into titles, leader) for every member of the unit.  The committee seats of a
    机关党委 or 党总支 (whose holders must be its own members) go to a deputy leader, as 书记, and to staff;
    everyone else is spread over the branches at random."""
    deputies = [i for i in range(1, len(titles)) if titles[i][1]]
    staff = [i for i in range(len(titles)) if not titles[i][1]]
    rng.shuffle(staff)
    placed: list[tuple[DemoOrg, int, bool]] = []
    taken: set[int] = set()
    for org, n in (seat for seat in seats if not seat[0].is_branch):
        pick = [deputies.pop(0)] if deputies and org.parent_id is None else []
        while len(pick) < n and (staff or deputies):
            pick.append(staff.pop() if staff else deputies.pop(0))
        taken.update(pick)
        placed.extend((org, i, titles[i][1]) for i in pick)
    rest = [i for i in range(len(titles)) if i not in taken]
    rng.shuffle(rest)
    pos = 0
    for org, n in (seat for seat in seats if seat[0].is_branch):
        placed.extend((org, i, titles[i][1]) for i in rest[pos: pos + n])
        pos += n
    return placed


def _unit_contacts(unit: DemoUnit, members: list[DemoMember], people: PeopleFactory) -> dict[str, Any]:
    head = next((m for m in members if m.is_leader and "副" not in m.position), members[0])
    office = [m for m in members if "办公室" in m.position] or [m for m in members if not m.is_leader] or members
    return {"id": unit.id, "party_secretary": head.name, "contact_person": people.rng.choice(office).name,
            "contact_phone": people.landline()}


# ---------------------------------------------------------------------------------------------------------------
# step 4: transfers (history of moves) and members who left the county


def step_transfers(ctx: DemoContext) -> None:
    branches = [o for o in ctx.orgs if o.is_branch]
    rows: list[dict[str, Any]] = []
    for k, m in enumerate(ctx.members):
        if k % 2000 == 0:
            ctx.check_cancelled()
        if m.status != MemberStatus.FULL or m.full_member_on is None:
            continue
        rows.extend(_member_moves(ctx, m, branches))
    departed_rows, departed_transfers = _departed_members(ctx, branches)
    ctx.insert_rows(Member, departed_rows)
    ids = ctx.allocate_ids(Transfer, len(rows) + len(departed_transfers))
    all_rows = rows + departed_transfers
    for row, transfer_id in zip(all_rows, ids, strict=True):
        row["id"] = transfer_id
    ctx.insert_rows(Transfer, all_rows)
    ctx.count("组织关系转接记录", len(all_rows))
    ctx.count("已转出县外的党员（历史）", len(departed_rows))


def _member_moves(ctx: DemoContext, m: DemoMember, branches: list[DemoOrg]) -> list[dict[str, Any]]:
    """Past moves of a member now in the register: 转入 from a university or another place, and moves between
    organisations of the county, in date order and ending in the member's present organisation."""
    rng, today = ctx.rng, ctx.today
    assert m.full_member_on is not None
    events: list[dict[str, Any]] = []
    org_now = m.org_id
    internal = rng.random() < 0.07 and (m.full_member_on + dt.timedelta(days=60)) < today - dt.timedelta(days=30)
    came_in = rng.random() < (0.5 if (m.joined_on - m.birth_date).days < 23 * 365 else 0.04)
    if not (internal or came_in):
        return events
    internal_on = _rand_date(rng, m.full_member_on + dt.timedelta(days=60), today - dt.timedelta(days=30)) if internal else None
    first_org = org_now
    if internal_on is not None:
        others = [b for b in branches if b.id != org_now and b.unit_id != m.unit_id]
        if others:
            first_org = rng.choice(others).id
            events.append({"member_id": m.id, "kind": TransferKind.INTERNAL, "from_org_id": first_org,
                           "to_org_id": org_now, "external_org": "", "moved_on": internal_on,
                           "note": rng.choice(("工作调动", "交流任职", "单位调整"))})
            m.since = internal_on
    if came_in:
        latest = (internal_on or today) - dt.timedelta(days=30)
        university = (m.joined_on - m.birth_date).days < 23 * 365
        earliest = m.joined_on + dt.timedelta(days=200 if university else 400)
        if earliest < latest:
            moved_on = _rand_date(rng, earliest, min(latest, m.joined_on + dt.timedelta(days=1500)) if university else latest)
            source = rng.choice(D.UNIVERSITY_BRANCHES if university else D.OUTSIDE_ORGS)
            events.insert(0, {"member_id": m.id, "kind": TransferKind.IN, "from_org_id": None, "to_org_id": first_org,
                              "external_org": source, "moved_on": moved_on,
                              "note": "毕业分配参加工作" if university else "调入本县工作"})
            if internal_on is None:
                m.since = moved_on
    return events


def _departed_members(ctx: DemoContext, branches: list[DemoOrg]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """About 1 % of the register: members who moved out of the county (kept with `left_on` as history)."""
    people: PeopleFactory = ctx.shared["people"]
    units = {u.id: u for u in ctx.units}
    n = max(2, round(len(ctx.members) * 0.012))
    ids = ctx.allocate_ids(Member, n)
    members, transfers = [], []
    for member_id in ids:
        org = ctx.rng.choice(branches)
        unit = units[org.unit_id] if org.kind != OrgKind.JOINT_BRANCH else units[next(iter(org.seats))]
        row, member, transfer = _departed(ctx, people, unit, org, member_id,
                                          _rand_date(ctx.rng, ctx.today - relativedelta(years=3), ctx.today - dt.timedelta(days=10)))
        members.append(row)
        transfers.append(transfer)
        ctx.departed_member_ids.append(member.id)
    return members, transfers


def _departed(ctx: DemoContext, people: PeopleFactory, unit: DemoUnit, org: DemoOrg, member_id: int,
              left_on: dt.date) -> tuple[dict[str, Any], DemoMember, dict[str, Any]]:
    """A member who left the county on `left_on` (their 转正 well before), with the 转出 record."""
    title = ctx.rng.choice(D.STAFF_TITLES[unit.profile]).format(s=ctx.rng.choice(D.OFFICE_SECTIONS))
    if org.kind == OrgKind.JOINT_BRANCH:
        title = unit.name + title
    row, member = people.person(unit, org.id, member_id, title, False, MemberStatus.FULL)
    assert member.full_member_on is not None
    if member.full_member_on >= left_on:  # joined too recently for this departure date: move the history back
        shift = (member.full_member_on - left_on).days + ctx.rng.randint(60, 900)
        row["joined_on"] -= dt.timedelta(days=shift)
        row["full_member_on"] = row["joined_on"] + relativedelta(
            months=ctx.rules.probation_months + row["probation_extension_months"])
        if row["community_registered_on"] is not None:
            row["community_registered_on"] -= dt.timedelta(days=shift)
        if row["joined_on"] < member.birth_date + relativedelta(years=18):  # and the birth, to join at 18+
            row["birth_date"] = row["joined_on"] - relativedelta(years=18, days=ctx.rng.randint(30, 3000))
            row["id_number"] = people.id_number(row["birth_date"], member.gender)
    if row["community_registered_on"] is not None and row["community_registered_on"] > left_on:
        row["community_registered_on"] = left_on
    row["left_on"] = left_on
    transfer = {"member_id": member_id, "kind": TransferKind.OUT, "from_org_id": org.id, "to_org_id": None,
                "external_org": ctx.rng.choice(D.OUTSIDE_ORGS), "moved_on": left_on, "note": "工作调动，转出县外"}
    return row, member, transfer


# ---------------------------------------------------------------------------------------------------------------
# step 5: committee posts and vacancies


_COMMITTEE_ORDER = (OrgPostKind.SECRETARY, OrgPostKind.ORGANISATION, OrgPostKind.PUBLICITY, OrgPostKind.DISCIPLINE,
                    OrgPostKind.DEPUTY_SECRETARY)


def _post_kinds(org: DemoOrg, members: list[DemoMember], rules: Rules, rng: random.Random) -> list[OrgPostKind]:
    """The posts an organisation should have by DOMAIN.md (≥7 正式党员: a committee of 3–5; fewer: a 书记)."""
    if org.kind == OrgKind.ORGAN_COMMITTEE:
        return [OrgPostKind.SECRETARY, OrgPostKind.DEPUTY_SECRETARY, OrgPostKind.ORGANISATION,
                OrgPostKind.PUBLICITY, OrgPostKind.DISCIPLINE]
    if org.kind == OrgKind.GENERAL_BRANCH:
        return list(_COMMITTEE_ORDER[: len(members)])
    full = sum(1 for m in members if m.status == MemberStatus.FULL)
    if full >= rules.committee_min_full:
        return list(_COMMITTEE_ORDER[:4]) + ([OrgPostKind.DEPUTY_SECRETARY] if len(members) >= 30 else [])
    if full >= 5 and rng.random() < 0.3:
        return [OrgPostKind.SECRETARY, OrgPostKind.DEPUTY_SECRETARY]
    return [OrgPostKind.SECRETARY]


def step_posts(ctx: DemoContext) -> None:
    rng, today = ctx.rng, ctx.today
    by_id = {m.id: m for m in ctx.members}
    units = {u.id: u for u in ctx.units}
    people: PeopleFactory = ctx.shared["people"]
    posts: list[dict[str, Any]] = []
    departed_rows: list[dict[str, Any]] = []
    departed_transfers: list[dict[str, Any]] = []
    long_vacancies = 0
    long_ago = today - relativedelta(months=ctx.rules.vacancy_months)
    kinds_of = {org.id: _post_kinds(org, [by_id[i] for i in org.member_ids], ctx.rules, rng) for org in ctx.orgs}
    vacancies = _vacancies(ctx, kinds_of)
    for org in ctx.orgs:
        kinds = kinds_of[org.id]
        eligible = [by_id[i] for i in org.member_ids if by_id[i].status == MemberStatus.FULL]
        # committee seats of a 机关党委/党总支 are filled in order (the deputy leader first, as 书记)
        holders = eligible[: len(kinds)] if not org.is_branch else rng.sample(eligible, min(len(kinds), len(eligible)))
        vacant = vacancies.get(org.id)
        for kind, holder in zip(kinds, holders, strict=False):
            if vacant is not None and kind == vacant[0]:
                since = vacant[1]
                predecessor_id = ctx.allocate_ids(Member, 1)[0]
                unit = units[holder.unit_id]
                row, member, transfer = _departed(ctx, people, unit, org, predecessor_id, since)
                departed_rows.append(row)
                departed_transfers.append(transfer)
                ctx.departed_member_ids.append(predecessor_id)
                start = max(org.term_start, row["full_member_on"])
                posts.append(_post(org, kind, predecessor_id, start, since, "调离本县"))
                posts.append(_post(org, kind, None, since, None, "原任调离后空缺"))
                if since <= long_ago:
                    long_vacancies += 1
                continue
            start = max(org.term_start, holder.since, holder.full_member_on or holder.joined_on)
            posts.append(_post(org, kind, holder.id, start, None, ""))
    ctx.insert_rows(Member, departed_rows)
    transfer_ids = ctx.allocate_ids(Transfer, len(departed_transfers))
    for row, transfer_id in zip(departed_transfers, transfer_ids, strict=True):
        row["id"] = transfer_id
    ctx.insert_rows(Transfer, departed_transfers)
    post_ids = ctx.allocate_ids(OrgPost, len(posts))
    for row, post_id in zip(posts, post_ids, strict=True):
        row["id"] = post_id
    ctx.insert_rows(OrgPost, posts)
    ctx.count("支委职务（现任）", sum(1 for p in posts if p["end_on"] is None and p["member_id"] is not None))
    ctx.count(f"空缺超过{ctx.rules.vacancy_months}个月的职务", long_vacancies)
    ctx.count("组织关系转接记录", len(departed_transfers))
    ctx.count("已转出县外的党员（历史）", len(departed_rows))


def _vacancies(ctx: DemoContext, kinds_of: dict[int, list[OrgPostKind]]) -> dict[int, tuple[OrgPostKind, dt.date]]:
    """About one branch in ten lost a committee member (org id → (the post, vacant since)); most of these posts
    have been vacant for longer than the setting allows, and there is at least one such in every county."""
    found = {}
    for org in ctx.orgs:
        if org.is_branch and ctx.rng.random() < 0.10 and (v := _vacancy(ctx, org, kinds_of[org.id], None)):
            found[org.id] = v
    long_ago = ctx.today - relativedelta(months=ctx.rules.vacancy_months)
    if not any(since <= long_ago for _, since in found.values()):
        room = long_ago - dt.timedelta(days=40)
        candidates = [o for o in ctx.orgs if o.is_branch and o.id not in found and o.term_start < room]
        if candidates:
            org = ctx.rng.choice(candidates)
            if (v := _vacancy(ctx, org, kinds_of[org.id], True)) is not None:
                found[org.id] = v
    return found


def _vacancy(ctx: DemoContext, org: DemoOrg, kinds: list[OrgPostKind],
             long: bool | None) -> tuple[OrgPostKind, dt.date] | None:
    """(the post, vacant since) for a branch; `long` (None: at random, mostly) = vacant for longer than the
    setting's months."""
    rng, today = ctx.rng, ctx.today
    kind = kinds[0] if len(kinds) == 1 or rng.random() < 0.15 else rng.choice(kinds[1:])
    earliest = org.term_start + dt.timedelta(days=30)
    months = ctx.rules.vacancy_months
    if long is None:
        long = rng.random() < 0.7
    if long:
        since = _rand_date(rng, max(earliest, today - dt.timedelta(days=420)), today - relativedelta(months=months, days=10))
    else:
        since = _rand_date(rng, max(earliest, today - relativedelta(months=months) + dt.timedelta(days=10)), today - dt.timedelta(days=3))
    if since < earliest or since > today:
        return None
    return kind, since


def _post(org: DemoOrg, kind: OrgPostKind, member_id: int | None, start: dt.date, end: dt.date | None,
          note: str) -> dict[str, Any]:
    return {"org_id": org.id, "kind": kind, "member_id": member_id, "start_on": start, "end_on": end, "note": note}


# ---------------------------------------------------------------------------------------------------------------
# the register steps, in order; extension modules add theirs (see the module docstring)

DEMO_STEPS: list[DemoStep] = [
    DemoStep("单位", step_units),
    DemoStep("党组织", step_orgs),
    DemoStep("党员", step_members),
    DemoStep("组织关系转接", step_transfers),
    DemoStep("支委职务", step_posts),
]

