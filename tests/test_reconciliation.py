"""Numbers you can sign: every figure a document prints reconciles with its parts and with the services.

For every document the app writes (the monthly 通报 and its 附件 ranking table, the 考评情况反馈单, the quarterly
通报, the annual 述职评议结果通报, the 评议结果汇总表 as .docx and .xlsx, the per-unit packet's score tables and the
整改台账), and for two kinds of county (the demo county, and small counties hypothesis makes up: a few units, random
deductions and bonuses within the scheme, random votes), the figures are read back OUT OF the written files and
checked three ways:

- every total printed equals the sum of its printed parts (a 反馈单's 扣分 lines add up to the points lost, the
  评议结果's weighted parts to the 综合 printed, with one rounding at the end);
- every figure printed equals what the services compute (`ranking --json`, `quarter grade --json`,
  `annual results --json`: the same `to_json()` objects, and the CLI is asked once to show they are the same);
- no figure is scaled twice (a year's 扣分 is the sum of the months' points actually lost, not a tenth of it).

Nothing here reads the real clock: the demo county is built as of DEMO_TODAY and every service is given `today=`.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import dbkit
import docx
import openpyxl
import pytest
from docx.document import Document as DocxDocument
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from app import settings as S
from app.cli import main
from app.db import Database
from app.demo.county import build_demo
from app.errors import ValidationError
from app.models import IndicatorMethod, PeriodState
from app.reports.annual import build_review_bulletin
from app.reports.bulletin import build_bulletin
from app.reports.config import issuer_from_settings, style_from_settings
from app.reports.gongwen import IssuingBody
from app.reports.packet import build_packet
from app.reports.quarterly import build_quarter_bulletin
from app.reports.rectification import build_ledger
from app.reports.styles import DocumentStyle
from app.services.annual.review import ReviewInput, VoteTally
from app.services.annual.service import AnnualService
from app.services.bulletin import BulletinService
from app.services.opening import open_database
from app.services.packets import PacketService
from app.services.quarter import QuarterService
from app.services.ranking import RankingService
from app.services.rectification import RectificationService
from app.services.register import RegisterService, UnitInput
from app.services.scoring import OccurrenceInput, ScoringService, SheetForm

DEMO_TODAY = dt.date(2026, 12, 21)  # the 述职评议 season has begun; December is scored but still a 草稿
YEAR = 2026
TENTH = Decimal("0.1")
GRADES = ("好", "较好", "一般", "差")
TIERS = ("先进", "中间", "后进")


def one_place(value: Decimal) -> Decimal:
    """The app's one rounding rule: one decimal place, half up."""
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------------------------
# a county ready for every document: months locked, quarters and the year reviewed and locked, 约谈 proposed


@dataclass
class County:
    """A county database with its scored months (locked) and the day its documents are made."""

    name: str
    db: Database
    today: dt.date
    months: list[int]  # the locked months of YEAR
    quarters: list[int]  # the locked quarters of YEAR
    cli_args: list[str] = field(default_factory=list)  # how `dangjian` finds this county's database
    _cache: dict[str, Any] = field(default_factory=dict)

    def day(self) -> dt.date:
        return self.today

    @property
    def sf(self) -> Any:
        return self.db.session_factory

    def service(self, cls: type) -> Any:
        if cls is RankingService:
            return RankingService(self.sf)
        if cls is PacketService:
            return PacketService(self.sf, today=self.day)
        return cls(self.sf, actor="机关工委", today=self.day)

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def document_settings(self) -> tuple[IssuingBody, DocumentStyle]:
        with self.sf() as s:
            read = S.reader(s)
            return issuer_from_settings(read), style_from_settings(read)

    # --- what the services compute ------------------------------------------------------------------------

    def ranking(self, month: int) -> dict[str, Any]:
        """`dangjian ranking YYYY-MM --json`, by unit."""
        return self.once(f"ranking{month}", lambda: RankingService(self.sf).month(YEAR, month).to_json())

    def ranking_rows(self, month: int) -> dict[str, dict[str, Any]]:
        return {r["unit"]: r for r in self.ranking(month)["rows"]}

    def quarter(self, quarter: int) -> dict[str, Any]:
        """`dangjian quarter grade YYYY-Qn --json`."""
        return self.once(f"quarter{quarter}", lambda: self.service(QuarterService).grading(YEAR, quarter).to_json())

    def annual(self) -> dict[str, Any]:
        """`dangjian annual results YYYY --json`."""
        return self.once("annual", lambda: self.service(AnnualService).results(YEAR).to_json())

    def forms(self, month: int) -> dict[str, SheetForm]:
        """Every unit's scoring form of the month (its items, deductions, bonuses and scores)."""
        def read() -> dict[str, SheetForm]:
            sc = self.service(ScoringService)
            period = sc.find_month(YEAR, month)
            assert period is not None
            return {f.unit_name: f for f in (sc.form(sh.id) for sh in sc.sheets(period.id))}
        return self.once(f"forms{month}", read)

    def full_points(self, month: int) -> Decimal:
        return next(iter(self.forms(month).values())).total_points


def finish_year(db: Database, today: dt.date, months: list[int]) -> tuple[list[int], list[int]]:
    """Lock every scored month still open, grade and lock each quarter whose months are all locked, review and
    lock the year's results and propose the 约谈 and 整改 of its 一般/差 units (all through the services)."""
    sc = ScoringService(db.session_factory, actor="机关工委", today=lambda: today)
    for month in months:
        period = sc.find_month(YEAR, month)
        assert period is not None
        if period.state != PeriodState.LOCKED:
            for sheet in sc.sheets(period.id):
                sc.set_reviewed(sheet.id, True)
            sc.lock_period(period.id)
    quarters = QuarterService(db.session_factory, actor="机关工委", today=lambda: today)
    locked_quarters = []
    for q in range(1, 5):
        if {3 * q - 2, 3 * q - 1, 3 * q} <= set(months):
            grading = quarters.grading(YEAR, q)
            if grading.state != PeriodState.LOCKED:
                if not grading.stored:
                    quarters.review(YEAR, q)
                quarters.lock(YEAR, q)
            locked_quarters.append(q)
    annual = AnnualService(db.session_factory, actor="机关工委", today=lambda: today)
    annual.review_results(YEAR)
    annual.lock_results(YEAR)
    annual.propose_followups(YEAR)
    return sorted(months), locked_quarters


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    """The demo county (tiny), built once for the module as of DEMO_TODAY, then its year finished."""
    folder = tmp_path_factory.mktemp("recon-demo")
    target = dbkit.KIT.new(folder, "dangjian")  # the name `--data-dir` looks for
    db = open_database(target)
    build_demo(db, "tiny", seed=1, today=DEMO_TODAY)
    months, quarters = finish_year(db, DEMO_TODAY, list(range(1, 13)))
    county = County("示范县", db, DEMO_TODAY, months, quarters)
    county.cli_args = ["--database-url", str(target)] if dbkit.KIT.on_server else ["--data-dir", str(folder)]
    yield county
    db.close()


# --- a county hypothesis makes up -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A deduction or bonus: `pick` chooses the indicator (modulo how many there are), `each` None is the
    indicator's default per occurrence."""

    unit: int
    pick: int
    occurrences: int
    each: str | None


@dataclass(frozen=True)
class Spec:
    units: int
    deductions: tuple[tuple[Entry, ...], ...]  # per month (January to December)
    bonuses: tuple[tuple[Entry, ...], ...]
    vetoes: tuple[tuple[int, int], ...]  # (month index, unit)
    checks: tuple[Decimal, ...]  # 年终检查 per unit
    voters: int
    votes: tuple[tuple[int, int, int, int, int], ...]  # 好, 较好, 一般, 差, 弃权 per unit (adding up to voters)


GENERATED_TODAY = dt.date(2026, 12, 28)
GENERATED_MONTHS = list(range(1, 13))  # the year's results are locked only over the whole year
GENERATED_UNITS = ["县发展和改革局", "县教育局", "县民政局", "县财政局", "县审计局"]


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    n = draw(st.integers(2, 5))

    def entries(most: int, each: st.SearchStrategy[str | None]) -> st.SearchStrategy[tuple[Entry, ...]]:
        entry = st.builds(Entry, st.integers(0, n - 1), st.integers(0, 99), st.integers(1, 4), each)
        return st.lists(entry, max_size=most).map(tuple)

    deductions = tuple(draw(entries(8, st.sampled_from([None, None, "0.5", "1.0", "2.0", "3.0"]))) for _ in range(12))
    bonuses = tuple(draw(entries(2, st.sampled_from([None, "1.0", "2.0", "3.0"]))) for _ in range(12))
    vetoes = tuple(draw(st.lists(st.tuples(st.integers(0, 11), st.integers(0, n - 1)), max_size=1)))
    checks = tuple(Decimal(draw(st.integers(550, 1000))) / 10 for _ in range(n))
    voters = draw(st.integers(5, 40))
    votes = []
    for _ in range(n):
        left = voters
        counts = []
        for _ in range(4):
            c = draw(st.integers(0, left))
            counts.append(c)
            left -= c
        votes.append((counts[0], counts[1], counts[2], counts[3], left))
    if all(sum(v[:4]) == 0 for v in votes[:1]):  # a secretary without a valid vote cannot be graded
        votes[0] = (1, *votes[0][1:4], votes[0][4] - 1)
    votes = [v if sum(v[:4]) else (1, v[1], v[2], v[3], v[4] - 1) for v in votes]
    return Spec(n, deductions, bonuses, vetoes, checks, voters, tuple(votes))


def build_county(spec: Spec, db: Database) -> None:
    """Register, score, lock and finish the county `spec` describes (entries the scheme refuses are left out:
    the county is what the services accepted)."""
    reg = RegisterService(db.session_factory)
    names = GENERATED_UNITS[:spec.units]
    ids = [reg.save_unit(UnitInput(name, party_secretary=f"书记{i + 1}", contact_person="办公室", sort_order=i))
           for i, name in enumerate(names)]
    sc = ScoringService(db.session_factory, actor="机关工委", today=lambda: GENERATED_TODAY)
    for m, month in enumerate(GENERATED_MONTHS):
        period = sc.open_month(YEAR, month).id
        forms = {f.unit_id: f for f in (sc.form(sh.id) for sh in sc.sheets(period))}
        for entries, bonus in ((spec.deductions[m], False), (spec.bonuses[m], True)):
            for e in entries:
                items = [i for i in forms[ids[e.unit]].items
                         if (i.indicator.method == IndicatorMethod.BONUS) == bonus]
                item = items[e.pick % len(items)]
                data = OccurrenceInput(f"{month}月检查发现问题{e.pick}" if not bonus else f"{month}月经验被推广",
                                       e.occurrences, e.each, evidence_note="检查记录")
                try:
                    (sc.add_bonus if bonus else sc.add_deduction)(item.id, data)
                except ValidationError:
                    continue
        for vm, unit in spec.vetoes:
            if vm == m:
                veto = next(i for i in forms[ids[unit]].items if i.indicator.method == IndicatorMethod.VETO)
                sc.set_veto(veto.id, True, "一名党员干部受到党纪处分")
        for sheet in sc.sheets(period):
            sc.set_reviewed(sheet.id, True)
        sc.lock_period(period)
    annual = AnnualService(db.session_factory, actor="机关工委", today=lambda: GENERATED_TODAY)
    review = annual.create_review(YEAR, ReviewInput(dt.date(YEAR, 12, 20), spec.voters, place="县委会议室"))
    for report, check, votes in zip(review.reports, spec.checks, spec.votes, strict=True):
        annual.set_check_score(report.id, check)
        annual.set_votes(report.id, VoteTally(*votes))
    finish_year(db, GENERATED_TODAY, GENERATED_MONTHS)


_BUILT: dict[Spec, dbkit.Target] = {}  # generated counties, built once per module and copied for each test


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, _template_db: dbkit.Target) -> Iterator[Callable[[Spec],
                                                                                                       County]]:
    """Opens the county a spec describes (built the first time it is asked for: the parametrised tests below
    draw the same examples, so each county is built once)."""
    opened: list[Database] = []
    counties: dict[Spec, County] = {}

    def county(spec: Spec) -> County:
        if spec not in counties:
            if spec not in _BUILT:
                target = dbkit.KIT.copy(_template_db, tmp_path_factory.mktemp("recon-generated"))
                db = open_database(target)
                opened.append(db)
                build_county(spec, db)
                _BUILT[spec] = target
            else:
                db = open_database(_BUILT[spec])
                opened.append(db)
            counties[spec] = County(f"生成的县{spec}", db, GENERATED_TODAY, GENERATED_MONTHS,
                                     [1 + sum(map(len, spec.deductions)) % 4])  # one quarter: its chart is slow
        return counties[spec]

    yield county
    for db in opened:
        db.close()
    _BUILT.clear()


# ---------------------------------------------------------------------------------------------------------------
# reading documents back


def open_docx(data: bytes) -> DocxDocument:
    return docx.Document(io.BytesIO(data))


def rows_of(table: Any) -> list[list[str]]:
    return [[c.text.strip() for c in row.cells] for row in table.rows]


def tables(doc: DocxDocument, *header: str) -> list[list[list[str]]]:
    """The tables whose header row starts with `header` (cells compared without line breaks)."""
    out = []
    for t in doc.tables:
        rows = rows_of(t)
        if rows and [c.replace("\n", "") for c in rows[0][:len(header)]] == list(header):
            out.append(rows)
    return out


def table(doc: DocxDocument, *header: str) -> list[list[str]]:
    found = tables(doc, *header)
    assert len(found) == 1, f"expected one table headed {header}, found {len(found)}"
    return found[0]


def body_text(doc: DocxDocument) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def num(text: str) -> Decimal | None:
    """A printed figure: "91.5", "+1.5", "-0.5", "86.7%", "95.0★" → Decimal; "—" → None."""
    t = text.strip().rstrip("★%分").lstrip("+")
    if t in ("—", ""):
        return None
    return Decimal(t)


def figure(text: str) -> Decimal:
    value = num(text)
    assert value is not None, f"a figure was expected, not {text!r}"
    return value


def printed(value: Any) -> Decimal:
    """A service's JSON figure (float or text) as the one-place Decimal a document prints."""
    return one_place(Decimal(str(value)))


def found(pattern: str, text: str) -> re.Match[str]:
    match = re.search(pattern, text)
    assert match, f"not printed: {pattern}"
    return match


def mean(values: list[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


# ---------------------------------------------------------------------------------------------------------------
# the documents, as the app writes them


def bulletin_document(c: County, month: int) -> bytes:
    content = c.service(BulletinService).content(YEAR, month, issued_on=c.today)
    issuer, style = c.document_settings()
    return build_bulletin(content, issuer, style)


def feedback_documents(c: County, month: int, folder: Path) -> tuple[dict[str, bytes], bytes]:
    """Each unit's 反馈单 (unit → bytes) and the combined print copy, written as `report feedback` writes them."""
    paths = c.service(BulletinService).write_feedback(YEAR, month, folder, combined=True, issued_on=c.today)
    combined = [p for p in paths if "打印用" in p.name]
    assert len(combined) == 1
    singles = {}
    for p in paths:
        if p not in combined:
            singles[found(r"（(.+)）\.docx$", p.name).group(1)] = p.read_bytes()
    return singles, combined[0].read_bytes()


def quarter_document(c: County, quarter: int) -> bytes:
    content = c.service(QuarterService).bulletin_content(YEAR, quarter, issued_on=c.today)
    issuer, style = c.document_settings()
    return build_quarter_bulletin(content, issuer, style)


def annual_document(c: County) -> bytes:
    content = c.service(AnnualService).bulletin_content(YEAR, issued_on=c.today)
    issuer, style = c.document_settings()
    return build_review_bulletin(content, issuer, style)


def summary_documents(c: County) -> tuple[bytes, bytes]:
    files = dict(c.service(AnnualService).summary_documents(YEAR))
    docx_name = next(n for n in files if n.endswith(".docx"))
    xlsx_name = next(n for n in files if n.endswith(".xlsx"))
    return files[docx_name], files[xlsx_name]


def packet_documents(c: County) -> dict[str, bytes]:
    issuer, style = c.document_settings()
    contents = c.service(PacketService).contents(YEAR)
    return {p.unit: build_packet(p, issuer, style) for p in contents}


def ledger_document(c: County) -> bytes:
    content = c.service(RectificationService).ledger_content(year=YEAR, as_of=c.today)
    issuer, style = c.document_settings()
    return build_ledger(content, issuer, style)


# ---------------------------------------------------------------------------------------------------------------
# the checks, one per document type (the same for the demo county and a generated one)


def check_bulletin(c: County, tmp: Path) -> None:
    month = c.months[-1]
    check_bulletin_document(c, month, bulletin_document(c, month))


def check_bulletin_document(c: County, month: int, data: bytes) -> None:
    """The monthly 通报: its 附件 ranking table adds up row by row and is the ranking; its text's figures are the
    ranking's; its 存在问题 points are the points the units actually lost."""
    doc = open_docx(data)
    ranking = c.ranking_rows(month)
    before = c.ranking_rows(month - 1) if month - 1 in c.months else {}
    attachment = table(doc, "序号", "单位")
    header = [h.split("\n")[0] for h in attachment[0]]
    cats = header[2:-4]
    assert header[-4:] == ["总分", "名次", "环比", "档次"]
    assert len(attachment) - 1 == len(ranking)
    for row in attachment[1:]:
        unit = row[1].rstrip("★")
        want = ranking[unit]
        parts = [figure(x) for x in row[2:2 + len(cats)]]
        total = figure(row[-4])
        assert sum(parts, Decimal(0)) == total, f"{unit}: category scores {parts} do not add up to {total}"
        assert parts == [printed(want["categories"][cat]) for cat in cats], unit
        assert total == printed(want["total"]), unit
        assert (int(row[-3]), row[-1]) == (want["rank"], want["tier"]), unit
        change = num(row[-2])
        if unit in before:
            assert change == printed(want["total"]) - printed(before[unit]["total"]), f"{unit} 环比"
        else:
            assert change is None, f"{unit} 环比 without a last month"
    text = body_text(doc)
    totals = [printed(r["total"]) for r in ranking.values()]
    assert figure(found(r"平均得分(\d+\.\d)分", text).group(1)) == one_place(mean(totals))
    assert figure(found(r"最高分(\d+\.\d)分", text).group(1)) == max(totals)
    assert figure(found(r"最低分(\d+\.\d)分", text).group(1)) == min(totals)
    assert figure(found(r"相差(\d+\.\d)分", text).group(1)) == max(totals) - min(totals)
    check_tier_table(doc, ranking)
    check_problems(c, month, text)


def check_tier_table(doc: DocxDocument, ranking: dict[str, dict[str, Any]]) -> None:
    rows = table(doc, "档次", "单位数")[1:]
    assert [r[0] for r in rows] == list(TIERS)
    assert sum(int(r[1]) for r in rows) == len(ranking)
    for tier, count, share, span, average in rows:
        totals = [printed(r["total"]) for r in ranking.values() if r["tier"] == tier]
        assert int(count) == len(totals), tier
        assert figure(share) == one_place(Decimal(len(totals) * 100) / len(ranking)), tier
        if totals:
            assert span == f"{min(totals)}—{max(totals)}" and figure(average) == one_place(mean(totals)), tier


def check_problems(c: County, month: int, text: str) -> None:
    """三、存在问题: the month's 扣分 (in all, and per indicator) are the points the forms lost, not the points
    recorded (an indicator loses at most what it is worth) and not scaled."""
    lost: dict[str, Decimal] = defaultdict(Decimal)
    for form in c.forms(month).values():
        for item in form.items:
            lost[item.indicator.name] += item.lost
    total = sum(lost.values(), Decimal(0))
    if total == 0:
        assert "均未出现扣分情形" in text
        return
    assert figure(found(r"累计扣分\d+次、(\d+(?:\.\d)?)分", text).group(1)) == total
    for name, points in re.findall(r"（[一二三四五六七八九十]+）(.+?)（[^（）]+）。\d+个单位扣分\d+次，累计扣(\d+\.\d)分", text):
        assert figure(points) == lost[name], f"{name}: printed 累计扣{points}分, the forms lost {lost[name]}"


def check_feedback(c: County, tmp: Path) -> None:
    """The 反馈单: each unit's category table is the ranking's and adds up; its 扣（加）分 lines add up, category by
    category and indicator by indicator, to the points lost (the cap on a line of its own); the combined print
    copy prints the same tables."""
    month = c.months[-1]
    singles, combined = feedback_documents(c, month, tmp / f"反馈单{month}")
    ranking = c.ranking_rows(month)
    forms = c.forms(month)
    assert set(singles) == set(ranking)
    full = c.full_points(month)
    for unit, data in singles.items():
        doc = open_docx(data)
        check_feedback_sheet(unit, doc, ranking[unit], forms[unit], full)
    whole = open_docx(combined)
    assert [rows_of(t) for t in whole.tables] == [rows_of(t) for u in ranking for t in open_docx(singles[u]).tables]


def check_feedback_sheet(unit: str, doc: DocxDocument, want: dict[str, Any], form: SheetForm, full: Decimal) -> None:
    text = body_text(doc)
    total = printed(want["total"])
    assert figure(found(r"考评得分(\d+\.\d)分", text).group(1)) == total, unit
    assert int(found(r"排第(\d+)名", text).group(1)) == want["rank"], unit
    summary = table(doc, "考评类别", "分值")
    points = {r[0]: figure(r[1]) for r in summary[1:-1]}
    scores = {r[0]: figure(r[3]) for r in summary[1:-1]}
    assert summary[-1][0] == "合计" and figure(summary[-1][3]) == total, unit
    assert sum(scores.values(), Decimal(0)) == total, f"{unit}: category scores do not add up to the total"
    assert scores == {k: printed(v) for k, v in want["categories"].items()}, unit
    bonus_cats = {cat.name for cat in form.categories if cat.is_bonus}
    detail = tables(doc, "序号", "考评指标")
    if not detail:
        assert scores == {k: (Decimal(0) if k in bonus_cats else v) for k, v in points.items()}, unit
        assert "各项指标均未扣分" in text, unit
        return
    lines = detail[0][1:-1]
    by_cat: dict[str, Decimal] = defaultdict(Decimal)
    by_indicator: dict[str, Decimal] = defaultdict(Decimal)
    for _, indicator, amount, _reason in lines:
        name, cat = found(r"^(.*)\n（(.+)）$", indicator).groups()
        by_cat[cat] += figure(amount)
        by_indicator[name] += figure(amount)
    for cat, score_ in scores.items():
        expected = score_ if cat in bonus_cats else score_ - points[cat]
        assert by_cat.get(cat, Decimal(0)) == expected, (
            f"{unit}: the {cat} lines add up to {by_cat.get(cat, 0)}, the table says {expected}")
    net = sum(by_cat.values(), Decimal(0))
    assert detail[0][-1][1] == "合计" and figure(detail[0][-1][2]) == net == total - full, unit
    lost = -sum((v for k, v in by_cat.items() if k not in bonus_cats), Decimal(0))
    assert figure(found(r"扣分合计(\d+\.\d)分", detail[0][-1][3]).group(1)) == lost, unit
    for item in form.items:
        name = item.indicator.name
        if item.indicator.method == IndicatorMethod.BONUS:
            assert by_indicator.get(name, Decimal(0)) == item.review_score, f"{unit} {name}"
        else:
            assert by_indicator.get(name, Decimal(0)) == -item.lost, f"{unit} {name}"


def check_quarter(c: County, tmp: Path) -> None:
    """The quarterly 通报: each unit's three months are the months' rankings, its quarter score is their mean
    rounded once, and score, rank and grade are `quarter grade --json`'s."""
    for quarter in c.quarters:
        doc = open_docx(quarter_document(c, quarter))
        grading = {r["unit"]: r for r in c.quarter(quarter)["rows"]}
        months = [3 * quarter - 2, 3 * quarter - 1, 3 * quarter]
        rows = table(doc, "序号", "单位")
        assert [h.replace("\n", "") for h in rows[0][2:5]] == [f"{m}月得分" for m in months]
        assert len(rows) - 1 == len(grading)
        for row in rows[1:]:
            unit = row[1].rstrip("★")
            want = grading[unit]
            parts = [num(x) for x in row[2:5]]
            assert parts == [printed(c.ranking_rows(m)[unit]["total"]) if unit in c.ranking_rows(m) else None
                             for m in months], unit
            shown = figure(row[5])
            assert shown == one_place(mean([p for p in parts if p is not None])), f"{unit}: {parts} → {shown}"
            assert (shown, int(row[6]), row[7]) == (Decimal(want["score"]), want["rank"], want["grade"]), unit
        text = body_text(doc)
        scores = [Decimal(r["score"]) for r in grading.values()]
        assert figure(found(r"季度平均得分(\d+\.\d)分", text).group(1)) == one_place(mean(scores))
        grade_rows = table(doc, "等次", "单位数")[1:]
        assert {r[0]: int(r[1]) for r in grade_rows} == c.quarter(quarter)["counts"]


def annual_mean(c: County, unit: str) -> Decimal:
    """平时成绩 from the months' rankings: the mean of the locked months' totals, rounded once."""
    return one_place(mean([printed(c.ranking_rows(m)[unit]["total"]) for m in c.months
                           if unit in c.ranking_rows(m)]))


def check_review_rows(c: County, rows: list[list[str]], voters: int) -> None:
    """Rows of the 评议结果 table (序号 单位 述职人 好 较好 一般 差 弃权 好票率 平时成绩 年终检查 综合得分 名次 等次
    优秀单位): votes add up to the voters, 好票率 and 综合 follow from the printed parts with one rounding at the
    end, and every figure is `annual results --json`'s."""
    annual = {r["unit"]: r for r in c.annual()["rows"]}
    weights = c.service(AnnualService).results(YEAR).rules
    assert len(rows) == len(annual)
    for row in rows:
        unit = row[1]
        want = annual[unit]
        good, fair, average, poor, abstain = (int(x) for x in row[3:8])
        valid = good + fair + average + poor
        assert valid + abstain == voters, f"{unit}: {valid}+{abstain} votes, {voters} voters"
        rate, mean_, check, total = (figure(x) for x in row[8:12])
        assert rate == one_place(Decimal(good + fair) * 100 / valid), unit
        composite = one_place((mean_ * weights.weight_mean + check * weights.weight_check
                               + rate * weights.weight_vote) / 100)
        assert total == composite, f"{unit}: parts {mean_}, {check}, {rate} give {composite}, printed {total}"
        assert mean_ == annual_mean(c, unit), f"{unit}: 平时成绩 {mean_}, the months give {annual_mean(c, unit)}"
        assert {k: want["votes"][k] for k in GRADES} == dict(zip(GRADES, (good, fair, average, poor), strict=True))
        assert (rate, mean_, check, total) == tuple(Decimal(want[k]) for k in ("good_rate", "annual_mean",
                                                                               "check_score", "composite")), unit
        assert (int(row[12]), row[13], row[14] == "是") == (want["rank"], want["grade"], want["excellent"]), unit


def voters(c: County) -> int:
    review = c.service(AnnualService).review(YEAR)
    assert review is not None
    return int(review.voters)


def check_annual(c: County, tmp: Path) -> None:
    doc = open_docx(annual_document(c))
    rows = table(doc, "序号", "单位", "述职人")
    check_review_rows(c, rows[1:], voters(c))
    totals = [Decimal(r["composite"]) for r in c.annual()["rows"]]
    text = body_text(doc)
    assert figure(found(r"平均综合得分(\d+\.\d)分", text).group(1)) == one_place(mean(totals))
    assert figure(found(r"最高(\d+\.\d)分", text).group(1)) == max(totals)
    assert figure(found(r"最低(\d+\.\d)分", text).group(1)) == min(totals)
    counts = {g: sum(1 for r in c.annual()["rows"] if r["grade"] == g) for g in GRADES}
    assert found("经综合评定，(.+?)。", text).group(1) == "，".join(f"{g}等次{n}个" for g, n in counts.items())


def check_summary(c: County, tmp: Path) -> None:
    """The 评议结果汇总表: the .docx table and the .xlsx sheet hold the same rows, and they reconcile."""
    data, xlsx = summary_documents(c)
    rows = table(open_docx(data), "序号", "单位", "述职人")
    check_review_rows(c, rows[1:], voters(c))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(values) if r[:2] == ["序号", "单位"])
    body = [r for r in values[head + 1:] if isinstance(r[0], int)]
    assert [c_ for c_ in values[head] if c_ is not None] == rows[0]
    for xl, word in zip(body, rows[1:], strict=True):
        # Counts and figures are numbers in the workbook (100.0 reads back as the integer 100: same number).
        assert all(isinstance(x, int) for x in xl[3:8] + xl[12:13]), xl
        assert all(isinstance(x, (int, float)) for x in xl[8:12]), xl
        as_text = [str(one_place(Decimal(str(x)))) if 8 <= i < 12 else "" if x is None else str(x)
                   for i, x in enumerate(xl)]
        assert as_text[:len(word)] == word and not any(as_text[len(word):])


def check_packets(c: County, tmp: Path) -> None:
    """A unit's packet: the twelve months are the rankings' (score, county mean, difference, rank, tier), the
    quarters are the quarters' grading, the votes and the 评议结果 are the year's."""
    annual = {r["unit"]: r for r in c.annual()["rows"]}
    for unit, doc in c.once("packets", lambda: {u: open_docx(d) for u, d in packet_documents(c).items()}).items():
        text = body_text(doc)
        months = table(doc, "月份", "本单位得分")
        for row in months[1:]:
            m = int(row[0].rstrip("月"))
            ranking = c.ranking_rows(m) if m in c.months else {}
            if unit not in ranking:
                assert num(row[1]) is None, f"{unit} {m}月 has no locked score"
                continue
            total, county_mean = figure(row[1]), figure(row[2])
            assert total == printed(ranking[unit]["total"]), f"{unit} {m}月"
            assert county_mean == one_place(mean([printed(r["total"]) for r in ranking.values()])), f"{unit} {m}月"
            assert figure(row[3]) == total - county_mean, f"{unit} {m}月: the difference is of the printed figures"
            assert row[4] == f"{ranking[unit]['rank']}/{len(ranking)}" and row[5] == ranking[unit]["tier"]
        assert figure(found(r"本单位月平均得分(\d+\.\d)分", text).group(1)) == Decimal(annual[unit]["annual_mean"])
        quarters = tables(doc, "季度", "季度得分")
        for row in (quarters[0][1:] if quarters else []):
            q = int(found(r"第(\d)季度", row[0]).group(1))
            want = next(r for r in c.quarter(q)["rows"] if r["unit"] == unit)
            rank, count = row[2].split("/")
            assert (figure(row[1]), int(rank), int(count), row[3]) == (
                Decimal(want["score"]), want["rank"], len(c.quarter(q)["rows"]), want["grade"]), f"{unit} Q{q}"
        want = annual[unit]
        tally = table(doc, "投票人数", "好")[1]
        votes = [int(x) for x in tally[1:6]]
        assert votes[:4] == [want["votes"][g] for g in GRADES] and sum(votes) == int(tally[0]), unit
        assert int(tally[6]) == sum(votes[:4]) and figure(tally[7]) == Decimal(want["good_rate"]), unit
        check_outcome(unit, table(doc, "项目", "得分"), want)
        cover = found(r"年度综合得分：(\d+\.\d)分（第(\d+)名，共(\d+)个单位）", text)
        assert (figure(cover.group(1)), int(cover.group(2)), int(cover.group(3))) == (
            Decimal(want["composite"]), want["rank"], len(annual)), unit


def check_packet_outcome(c: County, tmp: Path) -> None:
    """A packet's 年度考核评议结果 table: the 折合得分 printed add up to the 综合 printed."""
    annual = {r["unit"]: r for r in c.annual()["rows"]}
    for unit, doc in c.once("packets", lambda: {u: open_docx(d) for u, d in packet_documents(c).items()}).items():
        check_outcome(unit, table(doc, "项目", "得分"), annual[unit], sums=True)


def check_outcome(unit: str, rows: list[list[str]], want: dict[str, Any], sums: bool = False) -> None:
    """年度考核评议结果: 得分 × 权重 = 折合得分 for each part (and, with `sums`, the 折合得分 printed add up to
    the 综合 printed)."""
    parts = rows[1:-1]
    assert [r[0] for r in parts] == ["平时成绩", "年终检查", "述职评议（好票率）"]
    assert [figure(r[1]) for r in parts] == [Decimal(want[k]) for k in ("annual_mean", "check_score", "good_rate")]
    weighted = [figure(r[3]) for r in parts]
    for r, w in zip(parts, weighted, strict=True):
        exact = figure(r[1]) * figure(r[2]) / 100
        assert w == exact or w == one_place(exact), f"{unit} {r[0]}: {r[1]}×{r[2]} printed as {w}"
    total = figure(rows[-1][1])
    assert total == Decimal(want["composite"]), unit
    assert not sums or sum(weighted, Decimal(0)) == total or one_place(sum(weighted, Decimal(0))) == total and all(
        w == figure(r[1]) * figure(r[2]) / 100 for r, w in zip(parts, weighted, strict=True)), (
        f"{unit}: the 折合得分 printed {weighted} add up to {sum(weighted, Decimal(0))}, the 综合 printed is {total} "
        f"(each part rounded before adding: rounding applied twice)")


def year_losses(c: County) -> dict[str, dict[str, tuple[int, Decimal]]]:
    """unit → indicator → (times, points actually lost) over the year's locked months, from the forms."""
    out: dict[str, dict[str, tuple[int, Decimal]]] = defaultdict(dict)
    for m in c.months:
        for unit, form in c.forms(m).items():
            for item in form.items:
                if item.indicator.method == IndicatorMethod.BONUS or not item.deductions:
                    continue
                times, lost = out[unit].get(item.indicator.name, (0, Decimal(0)))
                out[unit][item.indicator.name] = (times + sum(d.occurrences for d in item.deductions),
                                                  lost + item.lost)
    return out


LEDGER_GROUP = re.compile(r"(?P<unit>.+?)（(?:(?P<total>\d+)项|续)）(?:　来源：(?P<source>.+?)(?:（(?P<run>\d+)项）)?)?")


def ledger_items(rows: list[list[str]]) -> list[tuple[str, list[str]]]:
    """The 台账 detail's items with their unit: a row across the table names the unit and the source of the
    numbered rows below it ("县林业局（12项）　来源：2026年10月约谈（5项）", then "县林业局（续）　来源：…（7项）";
    a run's count is left out when it is the unit's whole); the counts it prints are checked against them."""
    out: list[tuple[str, list[str]]] = []
    unit, announced, listed = "", 0, 0  # the unit's count and its items so far
    run, seen = None, 0  # the run's count (None: the unit's whole) and its items so far

    def close_run() -> None:
        assert run is None or seen == run, f"{unit}: {run} items announced for a source, {seen} listed"

    for r in rows[1:]:
        if r[0].isdigit():
            out.append((unit, r))
            listed, seen = listed + 1, seen + 1
            continue
        close_run()
        m = LEDGER_GROUP.fullmatch(r[0])
        assert m, f"a row that is neither an item nor a unit: {r}"
        if m["total"] is not None:  # a new unit: the one before is complete
            assert listed == announced, f"{unit}: {announced} items announced, {listed} listed"
            unit, announced, listed = m["unit"], int(m["total"]), 0
        else:
            assert m["unit"] == unit, f"{r[0]} continues {unit}"
        run, seen = (int(m["run"]) if m["run"] else None), 0
    close_run()
    assert listed == announced, f"{unit}: {announced} items announced, {listed} listed"
    return out


def check_ledger(c: County, tmp: Path) -> None:
    """The 整改台账: its counts add up (per status, per unit, and to the items listed), and a year-end item drawn
    from the year's 扣分 prints the points actually lost over the year."""
    content = c.service(RectificationService).ledger_content(year=YEAR, as_of=c.today)
    doc = open_docx(ledger_document(c))
    text = body_text(doc)
    detail = tables(doc, "序号", "存在问题", "整改措施")
    items = ledger_items(detail[0]) if detail else []
    n = len(items)
    assert n == len(content.items)
    if not n:
        return
    assert [int(r[0]) for _, r in items] == list(range(1, n + 1))
    assert int(found(r"共有整改事项(\d+)项", text).group(1)) == n
    statuses = {s: int(k) for s, k in re.findall(r"(已销号|待审核|整改中|未整改|逾期)(\d+)项", text)}
    assert sum(statuses.values()) == n
    assert {s: sum(1 for _, r in items if r[5] == s) for s in statuses} == statuses
    per_unit = table(doc, "序号", "单位", "事项")
    assert sum(int(r[2]) for r in per_unit[1:]) == n
    for r in per_unit[1:]:
        assert int(r[2]) == sum(int(x) for x in r[3:]), r
        assert int(r[2]) == sum(1 for unit, _ in items if unit == r[1]), r
    closed = statuses.get("已销号", 0)
    assert figure(found(r"销号率(\d+\.\d)%", text).group(1)) == one_place(Decimal(closed * 100) / n)
    losses = year_losses(c)
    checked = 0
    for unit, row in items:
        match = re.match(r"^([^：\n]+)：全年被扣分(\d+)次，累计扣(\d+(?:\.\d+)?)分", row[1])
        if not match:
            continue
        name, times, points = match.groups()
        want_times, want_lost = losses[unit][name]
        assert (int(times), figure(points)) == (want_times, want_lost), (
            f"{unit} {name}: printed {times}次 累计扣{points}分, the year's forms: {want_times}次, lost {want_lost}")
        checked += 1
    if c.name == "示范县":
        assert checked, "the demo county's year-end 整改 should include items drawn from the year's 扣分"


# ---------------------------------------------------------------------------------------------------------------
# the tests: every document, on the demo county and on generated ones


DEFECTS: dict[str, str] = {}


def document_params() -> list[Any]:
    checks = [("bulletin", check_bulletin), ("feedback", check_feedback), ("quarter", check_quarter),
              ("annual", check_annual), ("summary", check_summary), ("packets", check_packets),
              ("packet_outcome", check_packet_outcome),
              ("ledger", check_ledger)]
    return [pytest.param(fn, id=name, marks=[pytest.mark.xfail(strict=True, reason=DEFECTS[name])]
                         if name in DEFECTS else []) for name, fn in checks]


@pytest.mark.parametrize("check", document_params())
def test_demo_county_documents_reconcile(check: Callable[[County, Path], None], demo: County, tmp_path: Path) -> None:
    check(demo, tmp_path)


@pytest.mark.parametrize("check", document_params())
@seed(20261221)  # the same counties for every document type: each is built once (see `generated`)
@settings(max_examples=8, deadline=None, database=None,
          phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(spec=specs())
def test_generated_county_documents_reconcile(check: Callable[[County, Path], None], spec: Spec,
                                              generated: Callable[[Spec], County], tmp_path: Path) -> None:
    county = generated(spec)
    folder = tmp_path / f"c{abs(hash(spec))}"
    folder.mkdir(exist_ok=True)
    check(county, folder)


def test_demo_county_issued_bulletins_reconcile(demo: County) -> None:
    """The monthly 通报 the demo issued (the stored documents, as issued) print what the ranking says."""
    service = demo.service(BulletinService)
    issued = [v for v in service.bulletins(year=YEAR) if v.current and re.fullmatch(r"\d{4}-\d{2}", v.period_key)]
    assert issued, "the demo county issues its latest months' 通报"
    for view in issued:
        check_bulletin_document(demo, int(view.period_key[5:]), service.document(view.id))


@pytest.mark.parametrize(("command", "service"), [
    (["ranking", "2026-11"], lambda c: RankingService(c.sf).month(YEAR, 11).to_json()),
    (["quarter", "grade", "2026-Q4"], lambda c: c.service(QuarterService).grading(YEAR, 4).to_json()),
    (["annual", "results", "2026"], lambda c: c.service(AnnualService).results(YEAR).to_json()),
], ids=["ranking", "quarter", "annual"])
def test_the_cli_prints_the_figures_the_documents_are_checked_against(
        command: list[str], service: Callable[[County], dict[str, Any]], demo: County,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--today", DEMO_TODAY.isoformat(), *command, "--json", *demo.cli_args]) == 0
    printed_json = json.loads(capsys.readouterr().out)
    assert printed_json == json.loads(json.dumps(service(demo), default=str))
