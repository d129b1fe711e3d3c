"""Synthetic but plausible input for the document builders (tests and timing): a county of N units with a
month of scores, ranked and tiered the way DOMAIN.md describes."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import docx
from docx.document import Document as DocxDocument

from app.reports.bulletin import BulletinContent, DeductionRecord, RankingRow
from app.reports.content import AuditAnchor, Category
from app.reports.feedback import CategoryResult, FeedbackLine, FeedbackSheetContent
from app.reports.gongwen import IssuingBody

CATEGORIES = (
    Category("政治建设与责任落实", Decimal(20)),
    Category("学习教育", Decimal(15)),
    Category("组织生活", Decimal(25)),
    Category("组织建设与党员管理", Decimal(20)),
    Category("作风纪律", Decimal(10)),
    Category("工作落实", Decimal(10)),
    Category("加分", Decimal(5), bonus=True),
)
INDICATORS = {
    "政治建设与责任落实": [("党组未专题研究党建工作", "3"), ("联系点调研未按期开展", "0.5"), ("上级部署未落实", "1")],
    "学习教育": [("未按月开展集中学习", "1"), ("书记未讲党课", "2")],
    "组织生活": [("支委会未按月召开", "1"), ("主题党日未按月开展", "1"), ("会议记录迟报", "0.5"),
                ("党小组会未按月召开", "1")],
    "组织建设与党员管理": [("支委长期空缺", "2"), ("党费未按时缴纳", "0.5"), ("在职党员未到社区报到", "0.2")],
    "作风纪律": [("未开展三亮三强活动", "2")],
    "工作落实": [("材料报送迟缓", "0.5"), ("被通报批评", "2")],
}
BASE_UNITS = [
    "县委办公室", "县人大常委会办公室", "县政府办公室", "县政协办公室", "县纪委监委机关", "县委组织部", "县委宣传部",
    "县委统战部", "县委政法委", "县发展和改革局", "县教育局", "县科技局", "县工业和信息化局", "县公安局", "县民政局",
    "县司法局", "县财政局", "县人力资源和社会保障局", "县自然资源局", "县住房和城乡建设局", "县交通运输局", "县水利局",
    "县农业农村局", "县商务局", "县文化广电和旅游局", "县卫生健康局", "县退役军人事务局", "县应急管理局", "县审计局",
    "县市场监督管理局", "县统计局", "县医疗保障局", "县林业局", "县信访局", "县总工会", "团县委", "县妇联", "县科协",
    "县税务局", "县供电公司",
]
ISSUER = IssuingBody(contact="县直机关工委组织科　张敏，0000-6123456")
ISSUED = dt.date(2026, 11, 5)


def unit_names(n: int) -> list[str]:
    return (BASE_UNITS + [f"县直属事业单位{i:03d}" for i in range(1, n + 1)])[:n]


def ranks(totals: list[Decimal]) -> list[int]:
    """Competition ranking: ties share a rank (1, 2, 2, 4)."""
    return [1 + sum(1 for other in totals if other > t) for t in totals]


def tier_of(rank: int, total: Decimal, n: int) -> str:
    if total < 80 or rank > n - n * 20 // 100:
        return "后进"
    return "先进" if rank <= n * 20 // 100 else "中间"


def month_of(n: int, seed: int = 7) -> tuple[list[RankingRow], list[DeductionRecord], dict[str, list[FeedbackLine]]]:
    rng = random.Random(seed)
    names = unit_names(n)
    deductions: list[DeductionRecord] = []
    lines: dict[str, list[FeedbackLine]] = {name: [] for name in names}
    scores: dict[str, list[Decimal]] = {}
    for name in names:
        lost = {cat.name: Decimal(0) for cat in CATEGORIES}
        for _ in range(rng.choice([0, 1, 2, 3, 4, 6, 9])):
            cat = rng.choice(list(INDICATORS))
            indicator, pts = rng.choice(INDICATORS[cat])
            points = Decimal(pts)
            reason = f"{rng.choice(['第一', '第二', '机关'])}支部{indicator}"
            lost[cat] += points
            deductions.append(DeductionRecord(name, cat, indicator, reason, points))
            lines[name].append(FeedbackLine(cat, indicator, -points, reason, "检查记录"))
        bonus = Decimal(rng.choice([0, 0, 0, 1, 2]))
        if bonus:
            lines[name].append(FeedbackLine("加分", "经验做法被上级推广", bonus, "县委组织部简报刊发"))
        scores[name] = [max(Decimal(0), cat.points - lost[cat.name]) if not cat.bonus else bonus
                        for cat in CATEGORIES]
    totals = [sum(scores[name], Decimal(0)) for name in names]
    rank = ranks(totals)
    rows = [RankingRow(name, tuple(scores[name]), total, r, tier_of(r, total, n),
                       change=None if i % 11 == 0 else Decimal(rng.randint(-30, 30)) / 10, veto=(i == n - 1))
            for i, (name, total, r) in enumerate(zip(names, totals, rank, strict=True))]
    return rows, deductions, lines


def bulletin(n: int = 40, **changes: object) -> BulletinContent:
    rows, deductions, _ = month_of(n)
    worst = sorted(rows, key=lambda r: r.rank)[-2:]
    fields: dict[str, object] = dict(
        year=2026, month=10, number=ISSUER.number(2026, 12), issued_on=ISSUED, categories=CATEGORIES,
        rows=tuple(rows), deductions=tuple(deductions), audit=AuditAnchor(1234, "3f2a9c1d8e7b0a11" + "0" * 48),
        trend=tuple(Decimal(x) for x in ("90.1", "91.3", "90.8", "92.0", "91.5", "92.4", "93.0", "92.2", "93.1")),
        interviewees=tuple(r.unit for r in worst),
    )
    fields.update(changes)
    return BulletinContent(**fields)  # type: ignore[arg-type]


def feedback_sheets(n: int = 40) -> list[FeedbackSheetContent]:
    rows, _, lines = month_of(n)
    out = []
    for r in rows:
        cats = tuple(CategoryResult(cat, s, s + Decimal("0.5") if not cat.bonus and s < cat.points else s)
                     for cat, s in zip(CATEGORIES, r.category_scores, strict=True))
        out.append(FeedbackSheetContent(2026, 10, r.unit, r.total, r.rank, n, r.tier, cats, tuple(lines[r.unit]),
                                        ISSUED, change=r.change, self_total=sum((c.self_score or Decimal(0)
                                                                                 for c in cats), Decimal(0)),
                                        veto=r.veto))
    return out


# -- checking generated documents ------------------------------------------------------------------------------

CHECKER = Path(__file__).resolve().parents[2] / "shared/tools/check_gongwen.py"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def check_gongwen(data: bytes, tmp_path: Path, *flags: str, name: str = "doc.docx") -> dict[str, dict[str, str]]:
    """Run the GB/T 9704 checker on `data`; return {rule: result}.  Fails the test when a hard rule fails."""
    assert CHECKER.exists(), f"GB/T 9704 checker not found at {CHECKER}"
    path = tmp_path / name
    path.write_bytes(_numbered_footers_last(data))
    proc = subprocess.run([sys.executable, str(CHECKER), str(path), "--json", *flags], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    results = {r["rule"]: r for r in report["results"]}
    failed = {k: v["detail"] for k, v in results.items() if v["status"] == "FAIL"}
    assert report["ok"] and not failed, failed
    return results


def _numbered_footers_last(data: bytes) -> bytes:
    """The checker reads the page numbers of the last section only.  A 版记 on a page of its own is that last
    section and, by GB/T 9704 7.5, has no page number: show the checker the footers of the numbered pages before
    it instead (the 版记 page's own footers are tested where the 版记 is)."""
    doc = docx.Document(io.BytesIO(data))
    sections = doc.sections
    if len(sections) < 2 or any(_has_page_field(f) for f in (sections[-1].footer, sections[-1].even_page_footer)):
        return data
    last = sections[-1]._sectPr
    # the nearest section before that has footers of its own (the others inherit them)
    before = next(s._sectPr for s in reversed(sections[:-1]) if s._sectPr.find(f"{_W}footerReference") is not None)
    for ref in last.findall(f"{_W}footerReference"):
        last.remove(ref)
    for i, ref in enumerate(before.findall(f"{_W}footerReference")):
        last.insert(i, copy.deepcopy(ref))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _has_page_field(footer: object) -> bool:
    return any("PAGE" in (t.text or "") for t in footer._element.iter(f"{_W}instrText"))  # type: ignore[attr-defined]


def warnings_of(results: dict[str, dict[str, str]]) -> dict[str, str]:
    return {k: v["detail"] for k, v in results.items() if v["status"] == "WARN"}


def texts(doc: DocxDocument) -> list[str]:
    """Body paragraphs' text (not inside tables), in order."""
    return [p.text for p in doc.paragraphs]


def open_docx(data: bytes) -> DocxDocument:
    return docx.Document(io.BytesIO(data))
