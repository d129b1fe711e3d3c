"""What only the printed pages show (issue 12, item 4).  The month's 通报, a 反馈单 (alone, and the combined print
file of all units), a 约谈通知书, a year-end packet, and the quarterly and annual 通报 are built once through the
real services, converted to PDF in ONE LibreOffice run the way the app exports and prints them (empty pages kept),
and read back page by page with poppler's pdftotext:

- a red-headed document has an even number of pages and its 版记 alone on the last one, at the foot: the back of
  the last sheet when printed double-sided (GB/T 9704 7.4);
- no page holds only a date line, only 同志 or only 日, and no line is a lone 同志 or 日 (the layout has slack for
  a wider fall-back font); the 成文日期 never opens a page, away from its 署名 (7.3.5.5); dates in narrow table
  columns are written 2026.12.8 so that they do not break inside a cell;
- page numbers "— N —" on every page but the 版记 page and the blank page before it, counting up from 1, odd
  pages on the right and even pages on the left, one character in from the 版心's edge, below the 版心 (7.5);
- the packet: every page numbered, none empty, each part starting a page; the combined 反馈单: each unit on a
  front page, numbered from 1;
- a level-1 heading never ends a page (it keeps with its text).

Skipped, not failed, where LibreOffice or pdftotext is missing: the reason shows in the test output."""

from __future__ import annotations

import re
from pathlib import Path

import documents_support
import pytest
from pages_support import (
    LEDGER_AS_OF,
    PT_PER_MM,
    Page,
    missing_tools,
    month_documents,
    render,
    render_with_font,
    typical_ledger_items,
    year_documents,
)
from reports_samples import ISSUER

from app.reports.gongwen import LANDSCAPE_MARGINS_MM, PORTRAIT_MARGINS_MM
from app.reports.packet import PARTS
from app.reports.rectification import DETAIL_COLUMNS, LedgerContent, build_ledger
from app.reports.styles import IMPRINT_PT

WHY_NOT = missing_tools()
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")

RED_HEADED = ("bulletin", "quarter_bulletin", "annual_bulletin")
# Documents numbered from 1 throughout (the combined 反馈单 restarts for each unit).
SINGLE = (*RED_HEADED, "feedback", "notice", "packet")
ALL = (*SINGLE, "feedback_all")

DATE_LINE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
IMPRINT_LINE = re.compile(r"抄送：.*|.*\d{4}年\d{1,2}月\d{1,2}日印发")
HEADING1 = re.compile(r"[一二三四五六七八九十]+、[^，。：；]{2,20}")  # a bare 一、 heading, its text on the next line
SLACK_PT = 3  # how far a printed edge may sit from where GB/T puts it (fall-back fonts, rounding)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory, _template_db: Path) -> dict[str, list[Page]]:
    folder = tmp_path_factory.mktemp("pages")
    docs = month_documents(_template_db, folder) | year_documents(_template_db, folder)
    return render(docs, folder)


def _where(name: str, page: Page) -> str:
    return f"{name}, page {page.number}: {page.body}"


def _margins(page: Page) -> dict[str, int]:
    return LANDSCAPE_MARGINS_MM if page.landscape else PORTRAIT_MARGINS_MM


# --- 版记 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", RED_HEADED)
def test_the_imprint_is_alone_on_the_last_page_which_is_even(printed, name: str) -> None:
    pages = printed[name]
    last = pages[-1]
    assert len(pages) % 2 == 0, f"{name}: {len(pages)} pages, its 版记 would fall on a front page"
    # Nothing of the body above it (the audit line of a 通报 is part of the 版记), the 印发 line closing it.
    assert last.body[0].startswith(("考评数据存证", "抄送：")), _where(name, last)
    assert any(x.startswith("抄送：") for x in last.body), _where(name, last)
    assert re.fullmatch(r".+\d{4}年\d{1,2}月\d{1,2}日印发", last.body[-1]), _where(name, last)
    assert not [p.number for p in pages[:-1] if any(IMPRINT_LINE.fullmatch(x) for x in p.body)]
    # At the foot of the 版心: its last line ends within a line above the bottom edge.
    bottom = last.height - PORTRAIT_MARGINS_MM["bottom"] * PT_PER_MM
    lowest = max(w.y1 for w in last.words)
    assert bottom - 20 <= lowest <= bottom + SLACK_PT, (name, lowest, bottom)


# --- lone lines ---------------------------------------------------------------------------------------------------


def _lone(body: list[str]) -> bool:
    """A page left with nothing but a date line, 同志 or 日, and the line just above a date (the 署名)."""
    dates = [i for i, x in enumerate(body) if DATE_LINE.fullmatch(x)]
    return bool(body) and all(x in ("同志", "日") or i in dates or i + 1 in dates for i, x in enumerate(body))


@pytest.mark.parametrize("name", ALL)
def test_no_page_holds_only_a_date_comrade_or_day(printed, name: str) -> None:
    pages = printed[name]
    assert not [_where(name, p) for p in pages if _lone(p.body)]
    assert not [_where(name, p) for p in pages if p.body and DATE_LINE.fullmatch(p.body[0])]


@pytest.mark.parametrize("name", ALL)
def test_no_line_is_a_lone_comrade_or_day(printed, name: str) -> None:
    lines = [(p.number, x) for p in printed[name] for x in p.body]
    assert not [(n, x) for n, x in lines if x in ("同志", "日", "志", "同")], name


@pytest.mark.parametrize("name", ALL)
def test_a_heading_never_ends_a_page(printed, name: str) -> None:
    pages = printed[name]
    assert not [_where(name, p) for p in pages[:-1] if p.body and HEADING1.fullmatch(p.body[-1])]


# --- page numbers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SINGLE)
def test_every_page_but_the_imprint_and_the_blank_before_it_is_numbered_in_order(printed, name: str) -> None:
    pages = printed[name]
    unnumbered: list[Page] = []
    if name in RED_HEADED:
        unnumbered = [pages[-1]] + ([pages[-2]] if pages[-2].blank else [])
    numbered = [p for p in pages if p not in unnumbered]
    assert [p.folio for p in numbered] == [p.number for p in numbered], name
    assert [p.folio for p in unnumbered] == [None] * len(unnumbered), name
    # No empty page other than the one before the 版记 (nor one holding only a draft header).
    assert not [p.number for p in numbered if not p.body], name


@pytest.mark.parametrize("name", ALL)
def test_page_numbers_sit_outside_one_character_in_below_the_text(printed, name: str) -> None:
    """Odd pages right, even pages left, one character in from the 版心's edge (GB/T 9704 7.5), under the 版心;
    a landscape page keeps the rule within its own margins."""
    one = IMPRINT_PT
    for page in printed[name]:
        words = page.folio_words
        if not words:
            continue
        m = _margins(page)
        if page.number % 2:
            edge = page.width - m["right"] * PT_PER_MM - one
            assert abs(words[-1].x1 - edge) <= SLACK_PT, (name, page.number, "odd page: right", words[-1].x1, edge)
        else:
            edge = m["left"] * PT_PER_MM + one
            assert abs(words[0].x0 - edge) <= SLACK_PT, (name, page.number, "even page: left", words[0].x0, edge)
        text_bottom = page.height - m["bottom"] * PT_PER_MM
        assert min(w.y0 for w in words) >= text_bottom, (name, page.number, "inside the 版心")


# --- the combined 反馈单 and the packet ------------------------------------------------------------------------------


def test_in_the_combined_feedback_each_unit_starts_a_front_page_numbered_from_1(printed) -> None:
    pages = printed["feedback_all"]
    starts = [p.number for p in pages if p.body and p.body[0].endswith("党建工作考评情况反馈单")]
    assert len(starts) == len(documents_support.UNITS)
    assert all(n % 2 == 1 for n in starts), starts  # double-sided, no sheet carries two units
    expected = 0
    for page in pages:
        if page.blank:
            # only to bring the next unit to a front page
            assert page.number % 2 == 0 and page.number + 1 in starts, page.number
            continue
        expected = 1 if page.number in starts else expected + 1
        assert page.folio == expected, (page.number, page.folio, expected)


def test_each_part_of_the_packet_starts_a_page(printed) -> None:
    pages = printed["packet"]
    assert pages[0].body[0] == "县林业局"  # the cover
    tops = [p.body[0] for p in pages[1:]]
    assert [t for t in tops if t in PARTS] == list(PARTS)


# --- the county 整改台账 ---------------------------------------------------------------------------------------------

LEDGER_ITEMS = 120
ITEMS_A_PAGE = 15  # a full detail page of typical items (sixteen or seventeen in LibreOffice with the bundled font)
GROUP_ROW = re.compile(r".+（(\d+项|续)）(来源：.+)?")


@pytest.fixture(scope="module")
def ledger_pages(tmp_path_factory: pytest.TempPathFactory) -> list[Page]:
    """A year's 整改台账 of typical texts, printed with a Chinese font of one-em characters (the bundled one given
    to LibreOffice; 仿宋 in an office's Word breaks the lines alike)."""
    folder = tmp_path_factory.mktemp("ledger")
    content = LedgerContent("2026年度全县机关", LEDGER_AS_OF, typical_ledger_items(LEDGER_ITEMS))
    path = folder / "ledger.docx"
    path.write_bytes(build_ledger(content, ISSUER))
    return render_with_font({"ledger": path}, folder)["ledger"]


def _item_numbers(page: Page) -> list[int]:
    """The 序号 printed in the detail table's first column."""
    left = LANDSCAPE_MARGINS_MM["left"] * PT_PER_MM
    right = left + DETAIL_COLUMNS[0].width_mm * PT_PER_MM
    return [int(w.text) for w in page.words if w.text.isdigit() and left - SLACK_PT <= w.x0 and w.x1 <= right]


def test_the_ledger_prints_at_least_fifteen_items_a_detail_page(ledger_pages) -> None:
    detail = [p for p in ledger_pages if p.landscape]
    numbers = [_item_numbers(p) for p in detail]
    # Every item once and in order: one row each, never split over two pages.
    assert [n for page in numbers for n in page] == list(range(1, LEDGER_ITEMS + 1))
    full = numbers[1:-1]  # not the first (under the attachment's title) nor the last (the remainder)
    assert full and all(len(page) >= ITEMS_A_PAGE for page in full), str([len(page) for page in numbers])
    assert all(any(x.startswith("序号存在问题整改措施") for x in p.body) for p in detail)  # the header repeats
    # A unit's (or source's) row is kept with its first item: never the last line of a page.
    assert not [p.number for p in detail[:-1] if GROUP_ROW.fullmatch(p.body[-1])]
