"""The 公文 engine: a GB/T 9704-2012 document built element by element, rendered to bytes.

`GongwenDocument` knows the layout rules (where blank lines go, the 红头, the 署名 and 成文日期 without a seal,
附件 pages, the 版记 at the foot of the last page, odd/even page numbers); builders only say what goes in.
Styles come from `app.reports.styles`, never from direct run formatting.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row
from docx.section import Section, _Footer
from docx.shared import Mm
from docx.styles.style import BaseStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

from app import clock
from app.dates import cn_date  # noqa: F401  (re-exported: builders import it from here)
from app.errors import DangjianError, ReportError, ValidationError
from app.reports import styles as S
from app.reports.draft import mark_docx
from app.reports.ooxml import (
    PPR_ORDER,
    SECTPR_ORDER,
    TBLPR_ORDER,
    TCPR_ORDER,
    append_text_run,
    child,
    no_border,
    page_field_runs,
    set_border,
)
from app.reports.styles import CHAR_TWIPS, RED, DocumentStyle

PORTRAIT_MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}  # 版心 156 x 225 mm
# A landscape 横排 page keeps the binding edge: the 版心 is 225 x 156 mm turned on its side.
LANDSCAPE_MARGINS_MM = {"top": 28, "bottom": 26, "left": 37, "right": 35}
TEXT_WIDTH_TWIPS = 8844  # 156 mm
TEXT_HEIGHT_TWIPS = 12756  # 225 mm
LANDSCAPE_WIDTH_TWIPS = 12756  # 225 mm
FOOTER_MM = 25  # puts the 一字线 about 7 mm below the 版心
LANDSCAPE_FOOTER_MM = 12  # below a 26 mm bottom margin
PICTURE_WIDTH_MM = 150
# A figure as printed in a table: 95.0, +1.5, -0.5, 11.3%, 254/300, 87.0★ (a 一票否决 mark).
_FIGURE = re.compile(r"[+\-]?\d+(?:\.\d+)?(?:%|/\d+)?★?")
_NO_FIGURE = {"", "—", "-"}
CELL_MARGIN_TWIPS = 57  # left and right, as in the GWTable style
HALF_CHAR_TWIPS = S.BODY_PT * 10 + S.CHAR_CONDENSE  # a half-width digit or Latin letter
IMPRINT_CHAR_TWIPS = S.IMPRINT_PT * 20


@dataclass(frozen=True)
class DocNumber:
    """发文字号: 发文机关代字〔年份〕序号号, Arabic numerals, no 第, no leading zeros (7.2.5)."""

    code: str
    year: int
    sequence: int

    def __post_init__(self) -> None:
        problems = []
        if not self.code.strip() or re.search(r"[\s〔〕\[\]()（）]", self.code):
            problems.append("发文机关代字不能为空，也不能含空格或括号")
        if not 1949 <= self.year <= 2999:
            problems.append(f"发文年份无效：{self.year}")
        if self.sequence < 1:
            problems.append(f"发文序号必须是正整数：{self.sequence}")
        if problems:
            raise ValidationError("；".join(problems), field="doc_number")

    def __str__(self) -> str:
        return f"{self.code}〔{self.year}〕{self.sequence}号"


@dataclass(frozen=True)
class IssuingBody:
    """Who issues the documents (settings under 公文)."""

    name: str = "中共示范县直属机关工作委员会"  # 署名
    code: str = "示直工委"  # 发文机关代字
    recipients: str = "各县直单位党组（党委）"  # 主送机关 of circulars
    cc: tuple[str, ...] = ("县委办公室", "县委组织部")  # 抄送机关
    printer: str = "中共示范县直属机关工作委员会办公室"  # 印发机关
    mark: str = ""  # 发文机关标志; empty: name + 文件
    contact: str = ""  # 联系人及电话, printed on notices and feedback sheets

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValidationError("发文机关名称不能为空", field="issuer.name")
        if not self.code.strip():
            raise ValidationError("发文机关代字不能为空", field="issuer.code")

    @property
    def mark_text(self) -> str:
        return self.mark.strip() or f"{self.name}文件"

    def number(self, year: int, sequence: int) -> DocNumber:
        return DocNumber(self.code, year, sequence)




def score(value: Decimal | int | float | None, places: int = 1) -> str:
    """A score as printed: one decimal place, rounded half up; None is a dash."""
    if value is None:
        return "—"
    q = Decimal(1).scaleb(-places)
    return str(Decimal(str(value)).quantize(q, rounding=ROUND_HALF_UP))


def signed(value: Decimal | None) -> str:
    """A change with its sign (+1.5, -0.5, 0.0); None (no earlier value) is a dash."""
    if value is None:
        return "—"
    text = score(value)
    return text if text.startswith("-") or Decimal(text) == 0 else f"+{text}"


def text_twips(text: str, full: int = CHAR_TWIPS, half: int = HALF_CHAR_TWIPS) -> int:
    """Printed width of `text`: a Chinese character is one 字, a digit or Latin letter half of one."""
    return sum(full if unicodedata.east_asian_width(ch) in "WF" else half for ch in text)


def _is_numeric(column: Column, cells: Sequence[str]) -> bool:
    """Whether a column holds figures (flush right): as the column says, else every cell a figure or a dash."""
    if column.numeric is not None:
        return column.numeric
    if column.left or column.header.strip() == "序号":
        return False
    figures = [c.strip() for c in cells if c.strip() not in _NO_FIGURE]
    return bool(figures) and all(_FIGURE.fullmatch(c) for c in figures)


def _figure_indent(width: int, cells: Sequence[str], size: float) -> int:
    """Right indent that sets a column's flush-right figures as a block centred in the cell (the widest figure
    centred, the others aligned on its right edge)."""
    pt20 = round(size * 20)
    widest = max((text_twips(c, full=pt20, half=pt20 // 2) for c in cells), default=0)
    room = width - 2 * CELL_MARGIN_TWIPS - widest
    return max(0, room // 2)


def safe_filename(name: str) -> str:
    """`name` usable as a file name on Windows (no \\ / : * ? " < > |, no trailing dot or space)."""
    cleaned = re.sub(r'[\\/:*?"<>|\r\n\t]+', "_", name).strip().rstrip(".")
    return cleaned or "文档"


@contextmanager
def rendering(what: str) -> Iterator[None]:
    """Any failure while building a document becomes one ReportError naming the document (the cause is kept
    as __cause__ for the log); known errors (bad input) pass through unchanged."""
    try:
        yield
    except DangjianError:
        raise
    except Exception as exc:
        raise ReportError(f"生成{what}失败：{exc}") from exc


@functools.lru_cache(maxsize=8)
def _base_template(style: DocumentStyle) -> bytes:
    """The styled empty document, made once per font choice: loading these bytes is much faster than styling
    python-docx's template again for each of 300 feedback sheets."""
    doc = docx.Document()
    S.apply_styles(doc, style)
    for rel_id, rel in list(doc.part.package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):  # python-docx's template shows its own blank page as preview
            doc.part.package.rels.pop(rel_id)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


@dataclass
class Column:
    """One table column: header text, width in mm, and whether cells are flush left (names, reasons).

    `numeric`: cells are flush right, the column's figures set as one block centred under the header, so that
    figures with the same unit line up on their decimal point; None works it out from the cells (every cell a
    figure such as 95.0, +1.5, 11.3%, 254/300 or a dash).  序号 stays centred: it counts rows, it is not a figure.
    """

    header: str
    width_mm: float
    left: bool = False
    numeric: bool | None = None


@dataclass
class _State:
    landscape: bool = False
    after_redhead: bool = False


class GongwenDocument:
    """A 公文 under construction.  Call the element methods in reading order, then `to_bytes()`."""

    def __init__(self, style: DocumentStyle | None = None, *, title: str = "", author: str = "",
                 date: dt.date | None = None, draft: bool = False) -> None:
        self.style = style or DocumentStyle()
        self.draft = draft  # built from unlocked data: every page is marked 征求意见稿 (app.reports.draft)
        self.doc: DocxDocument = docx.Document(io.BytesIO(_base_template(self.style)))
        self._state = _State()
        self._row_templates: dict[tuple[tuple[str, ...], tuple[int, ...], bool, bool, tuple[int, ...]], CT_Row] = {}
        self._setup_section(self.doc.sections[0], landscape=False)
        self._fill_footers(self.doc.sections[0])
        props = self.doc.core_properties
        props.title, props.author, props.last_modified_by = title, author, author
        props.comments, props.keywords, props.subject = "", "", ""
        when = dt.datetime.combine(date or clock.today(), dt.time(9, 0))
        props.created = props.modified = when
        props.revision = 1

    # -- page set-up ------------------------------------------------------------------------------------------

    @property
    def text_width_twips(self) -> int:
        return LANDSCAPE_WIDTH_TWIPS if self._state.landscape else TEXT_WIDTH_TWIPS

    def _setup_section(self, section: Section, *, landscape: bool) -> None:
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
        margins = LANDSCAPE_MARGINS_MM if landscape else PORTRAIT_MARGINS_MM
        section.top_margin, section.bottom_margin = Mm(margins["top"]), Mm(margins["bottom"])
        section.left_margin, section.right_margin = Mm(margins["left"]), Mm(margins["right"])
        section.gutter = Mm(0)
        section.header_distance = Mm(15)
        section.footer_distance = Mm(LANDSCAPE_FOOTER_MM if landscape else FOOTER_MM)
        sect = section._sectPr
        # type="lines" keeps the 22-line grid; characters are spaced by the style's condensing, which Word and
        # LibreOffice both honour (linesAndChars makes LibreOffice fit only 14-18 characters a line).
        child(sect, "docGrid", SECTPR_ORDER, type="lines", linePitch=str(S.LINE_TWIPS), charSpace="0")
        self._state.landscape = landscape

    def _fill_footers(self, section: Section) -> None:
        """Page numbers "— N —" in 4号宋体: odd pages right, even pages left, each one 字 in from the edge."""
        for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
            footer.is_linked_to_previous = False
            self._page_number(footer, odd=odd)

    @staticmethod
    def _page_number(footer: _Footer, *, odd: bool) -> None:
        p = footer.paragraphs[0]
        p.style = S.PAGE_NUMBER
        ppr = p._p.get_or_add_pPr()
        side = "right" if odd else "left"
        child(ppr, "ind", PPR_ORDER, **{side: str(IMPRINT_CHAR_TWIPS)})
        child(ppr, "jc", PPR_ORDER, val=side)
        append_text_run(p._p, "— ")
        page_field_runs(p._p)
        append_text_run(p._p, " —")

    def new_section(self, *, landscape: bool = False, restart_numbering: bool = False,
                    even_page: bool = False) -> None:
        """Start a new page in a new section (a 横排 table page, the next unit's sheet, the 版记 page)."""
        section = self.doc.add_section(WD_SECTION.EVEN_PAGE if even_page else WD_SECTION.NEW_PAGE)
        self._setup_section(section, landscape=landscape)
        sect = section._sectPr
        if restart_numbering:
            child(sect, "pgNumType", SECTPR_ORDER, start="1")
        else:
            el = sect.find(qn("w:pgNumType"))
            if el is not None:
                sect.remove(el)

    # -- 版头 ---------------------------------------------------------------------------------------------------

    def redhead(self, mark: str, number: DocNumber) -> None:
        """发文机关标志 (red 小标宋, centred, 35 mm below the 版心 top), two blank lines, the 发文字号, and the red
        separator line 4 mm below it across the 版心 (7.2.4, 7.2.5, 7.2.7)."""
        size, scale = self._mark_size(mark)
        S.set_mark_size(self.doc, size, scale)
        p = self._add(mark, S.MARK)
        # 35 mm from the 版心 top to the glyphs' top; a single-spaced line carries some leading above them.
        p.paragraph_format.space_before = Mm(35) - Mm(size * 25.4 / 72 * 0.2)
        self.blank(2)
        p = self._add(str(number), S.DOC_NUMBER)
        borders = child(p._p.get_or_add_pPr(), "pBdr", PPR_ORDER)
        set_border(borders, "bottom", size_eighths=12, color=RED, space=11)  # 11 pt ≈ 4 mm below the 发文字号
        self._state.after_redhead = True

    @staticmethod
    def _mark_size(mark: str) -> tuple[float, int]:
        """(points, horizontal scale %) that fit the mark on one line of the 版心: 小初 (36 pt) narrowed to no
        less than 70 %, smaller type beyond that."""
        units = text_twips(mark, full=20, half=10) / 20  # width in em
        room = 150 / 25.4 * 72  # 150 mm in points, a little inside the 156 mm 版心
        size = 36.0
        scale = min(100, int(room / (units * size) * 100))
        if scale < 70:
            size, scale = max(16.0, float(int(room / (units * 0.7)))), 70
        return size, scale

    def title(self, lines: str | Sequence[str]) -> None:
        """标题 in 2号小标宋, centred; give several lines to lay a long title out as a 梯形 (7.3.1)."""
        parts = [lines] if isinstance(lines, str) else list(lines)
        if self._state.after_redhead:
            self.blank(2)
        p = self.doc.add_paragraph(style=S.TITLE)
        for i, line in enumerate(parts):
            run = p.add_run(line)
            if i < len(parts) - 1:
                run.add_break()

    def recipients(self, text: str) -> None:
        """主送机关, one blank line below the title, flush left, ending in a full-width colon (7.3.2)."""
        self.blank()
        self._add(text.rstrip("：:") + "：", S.RECIPIENTS)

    # -- 正文 ---------------------------------------------------------------------------------------------------

    def blank(self, count: int = 1) -> None:
        for _ in range(count):
            self.doc.add_paragraph(style=S.NORMAL)

    def para(self, text: str) -> Paragraph:
        return self._add(text, S.BODY)

    def heading1(self, text: str, rest: str = "") -> Paragraph:
        """一、 heading in 黑体; `rest` continues the paragraph in the body font (run-in heading)."""
        return self._run_in(self._add(text, S.H1), rest)

    def heading2(self, lead: str, rest: str = "") -> Paragraph:
        """（一） heading in 楷体; `rest` continues the paragraph in the body font (run-in heading)."""
        return self._run_in(self._add(lead, S.H2), rest)

    @staticmethod
    def _run_in(p: Paragraph, rest: str) -> Paragraph:
        if rest:
            p.add_run(rest, style=S.BODY_CHAR)
            # A heading with its text is a paragraph like any other: chaining a series of them with "keep with
            # next" would move the whole series to the next page.
            p.paragraph_format.keep_with_next = False
        return p

    def fill_in(self, paragraph: Paragraph, text: str | None, blank_chars: int = 6) -> None:
        """Append `text` in the body font, or an underlined blank of `blank_chars` characters to fill in by
        hand."""
        if text:
            paragraph.add_run(text, style=S.BODY_CHAR)
        else:
            paragraph.add_run("\u3000" * blank_chars, style=S.FILL)

    def figure(self, png: bytes, caption: str) -> None:
        """A chart 150 mm wide (inside the 156 mm 版心), single-spaced so that it is not clipped to one line,
        kept on the page of its caption."""
        p = self.doc.add_paragraph(style=S.FIGURE)
        p.add_run().add_picture(io.BytesIO(png), width=Mm(PICTURE_WIDTH_MM))
        self._add(caption, S.CAPTION)

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]], *, size: float = 14.0,
              header_rows: int = 1) -> Table:
        """A ruled table under a header row of the column titles; the header repeats on every page
        (`header_rows=0`: no repeat) and rows never split across pages."""
        if size not in S.TABLE_SIZES:
            raise ValueError(f"table text size {size} not in {S.TABLE_SIZES}")
        widths = [round(c.width_mm * 1440 / 25.4) for c in columns]
        if sum(widths) > self.text_width_twips + 10:
            raise ValueError(f"table is {sum(widths)} twips wide, the 版心 {self.text_width_twips}")
        table = self.doc.add_table(rows=0, cols=len(columns))
        table.style = self.doc.styles[S.TABLE]
        self._table_layout(table, widths)
        header_style = self.doc.styles[S.table_text(size, header=True)]
        self._row(table, [c.header for c in columns], [header_style] * len(columns), widths, header=header_rows > 0)
        texts = [[str(v) for v in values] for values in rows]
        numeric = [_is_numeric(c, [r[i] for r in texts if i < len(r)]) for i, c in enumerate(columns)]
        cell_styles = [self.doc.styles[S.table_text(size, left=c.left, right=num)]
                       for c, num in zip(columns, numeric, strict=True)]
        indents = [_figure_indent(w, [r[i] for r in texts if i < len(r)], size) if num else 0
                   for i, (w, num) in enumerate(zip(widths, numeric, strict=True))]
        for values in texts:
            self._row(table, values, cell_styles, widths, header=False, right_indents=indents)
        return table

    def form(self, rows: Sequence[tuple[str, str | None, float]], *, label_mm: float = 32) -> Table:
        """A two-column form (label | value): a None value leaves a cell to fill in by hand, at least
        `height_mm` high (the third element); a filled cell is as high as its text."""
        widths = [round(label_mm * 1440 / 25.4)]
        widths.append(self.text_width_twips - widths[0])
        table = self.doc.add_table(rows=0, cols=2)
        table.style = self.doc.styles[S.TABLE]
        self._table_layout(table, widths)
        label_style = self.doc.styles[S.table_text(14.0, header=True)]
        value_style = self.doc.styles[S.table_text(14.0, left=True)]
        for label, value, height_mm in rows:
            tr = self._row(table, [label, value or ""], [label_style, value_style], widths, header=False,
                           split=bool(value and len(value) > 200))  # a long record may run over a page
            if height_mm and value is None:
                child(tr.get_or_add_trPr(), "trHeight", ("cantSplit", "trHeight", "tblHeader"),
                      val=str(round(height_mm * 1440 / 25.4)), hRule="atLeast")
        return table

    def _table_layout(self, table: Table, widths: list[int]) -> None:
        tblpr = table._tbl.tblPr
        child(tblpr, "tblW", TBLPR_ORDER, w=str(sum(widths)), type="dxa")
        child(tblpr, "jc", TBLPR_ORDER, val="center")
        child(tblpr, "tblLayout", TBLPR_ORDER, type="fixed")
        grid = table._tbl.tblGrid
        for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
            col.set(qn("w:w"), str(width))

    def _row(self, table: Table, values: Sequence[str], cell_styles: Sequence[BaseStyle], widths: Sequence[int], *,
             header: bool, split: bool = False, right_indents: Sequence[int] = ()) -> CT_Row:
        """Append a row.  Rows are copied from a template made once per table layout: building 300 rows of a
        ranking cell by cell through python-docx took over a second."""
        key = (tuple(s.style_id for s in cell_styles), tuple(widths), header, split,
               tuple(right_indents) or (0,) * len(widths))
        if key not in self._row_templates:
            self._row_templates[key] = self._row_template(*key)
        tr = copy.deepcopy(self._row_templates[key])
        for tc, value in zip(tr.iterchildren(qn("w:tc")), values, strict=True):
            if value:
                p = tc[-1]
                r = OxmlElement("w:r")
                for i, part in enumerate(value.split("\n")):
                    if i:
                        r.append(OxmlElement("w:br"))
                    t = OxmlElement("w:t")
                    t.text = part
                    if part != part.strip():
                        t.set(qn("xml:space"), "preserve")
                    r.append(t)
                p.append(r)
        table._tbl.append(tr)
        return tr

    @staticmethod
    def _row_template(style_ids: tuple[str, ...], widths: tuple[int, ...], header: bool, split: bool,
                      right_indents: tuple[int, ...]) -> CT_Row:
        tr = OxmlElement("w:tr")
        trpr = child(tr, "trPr", ("tblPrEx", "trPr", "tc"))
        if not split:
            child(trpr, "cantSplit", ("cantSplit", "trHeight", "tblHeader"))
        if header:
            child(trpr, "tblHeader", ("cantSplit", "trHeight", "tblHeader"))
        for style_id, width, indent in zip(style_ids, widths, right_indents, strict=True):
            tc = OxmlElement("w:tc")
            tcpr = child(tc, "tcPr", ("tcPr", "p"))
            child(tcpr, "tcW", TCPR_ORDER, w=str(width), type="dxa")
            child(tcpr, "vAlign", TCPR_ORDER, val="center")
            p = OxmlElement("w:p")
            ppr = child(p, "pPr", ("pPr", "r"))
            child(ppr, "pStyle", PPR_ORDER, val=style_id)
            if indent:
                child(ppr, "ind", PPR_ORDER, right=str(indent))
            tc.append(p)
            tr.append(tc)
        return tr  # type: ignore[no-any-return]

    # -- 附件说明, 署名, 成文日期 --------------------------------------------------------------------------------

    def attachment_note(self, names: Sequence[str]) -> None:
        """附件说明, one blank line below the body, indented two characters; wrapped lines align with the name
        (7.3.4).  No punctuation after the names."""
        if not names:
            return
        self.blank()
        lead = "附件："
        indent = 2 * CHAR_TWIPS
        for i, name in enumerate(names):
            text = name.rstrip("。.；;，,")
            if len(names) > 1:
                text = f"{i + 1}.{text}"
            p = self._add((lead if i == 0 else "") + text, S.ATTACH_NOTE)
            ppr = p._p.get_or_add_pPr()
            hang = text_twips(f"{i + 1}.") if len(names) > 1 else 0
            left = indent + text_twips(lead) + hang
            if len(names) == 1 and indent + text_twips(lead + text) <= self.text_width_twips:
                # One line: nothing wraps, so it is a plain paragraph indented two characters (the same place).
                child(ppr, "ind", PPR_ORDER, firstLineChars="200", firstLine=str(indent))
            elif i == 0:
                child(ppr, "ind", PPR_ORDER, left=str(left), hanging=str(text_twips(lead) + hang))
            else:
                child(ppr, "ind", PPR_ORDER, left=str(left), hanging=str(hang))

    def signature(self, name: str, day: dt.date) -> None:
        """署名 and 成文日期 without a seal (7.3.5.2): one blank line below the body, the name two characters from
        the right; the date on the next line, starting two characters right of the name's first character;
        a date longer than that keeps two characters from the right and pushes the name left."""
        date_text = cn_date(day)
        width = self.text_width_twips
        two = 2 * CHAR_TWIPS
        name_w, date_w = text_twips(name), text_twips(date_text)
        name_start = width - two - name_w
        date_start = name_start + two
        if date_start + date_w > width - two:
            date_start = width - two - date_w
            name_start = date_start - two
        self.blank()
        self._keep_tail_together()
        # Both lines are set flush right with the room they leave at the right as their indent: the measured
        # widths only place them, so a wider fall-back font moves a line a little left instead of wrapping it.
        for text, start, w, style in ((name, name_start, name_w, S.SIGNATURE), (date_text, date_start, date_w, S.DATE)):
            p = self._add(text, style)
            right = max(0, width - max(0, start) - w)
            child(p._p.get_or_add_pPr(), "ind", PPR_ORDER, left="0", right=str(right), firstLine="0")

    def _keep_tail_together(self) -> None:
        """Keep the last body paragraph, the 附件说明 and the blank lines with the 署名 (7.3.5.5: the 署名 never
        stands alone on a page)."""
        # Blank lines and the 附件说明 belong to the block; the first paragraph with other text is the last body
        # paragraph and ends it, whatever its style (a numbered item of a notice too): otherwise a form made of
        # short items becomes one unbreakable block that leaves pages nearly empty.
        attach_note = S.STYLE_IDS[S.ATTACH_NOTE]
        blocks = [el for el in self.doc.element.body if el.tag != qn("w:sectPr")]
        for el in reversed(blocks[-8:]):
            if el.tag != qn("w:p"):  # a table or a section break: nothing further back belongs to the block
                break
            ppr = el.get_or_add_pPr()
            child(ppr, "keepNext", PPR_ORDER).attrib.pop(qn("w:val"), None)  # a run-in heading has val="0"
            style = ppr.find(qn("w:pStyle"))
            is_note = style is not None and style.get(qn("w:val")) == attach_note
            has_text = any((t.text or "").strip() for t in el.iter(qn("w:t")))
            if has_text and not is_note:
                break

    # -- 附件 ---------------------------------------------------------------------------------------------------

    def attachment(self, label: str | None, title: str | Sequence[str], *, landscape: bool = False) -> None:
        """An attachment on a new page: "附件N" in 3号黑体 on the first line, its title centred on the third
        (7.3.7); without a label, a titled part on a new page.  A wide table gets its own landscape section."""
        new_page = True
        if landscape != self._state.landscape:
            self.new_section(landscape=landscape)
            new_page = False
        if label:
            p = self._add(label, S.ATTACH_LABEL)
            if new_page:
                p.paragraph_format.page_break_before = True
            self.blank()
            new_page = False
        p = self.doc.add_paragraph(style=S.ATTACH_TITLE)
        if new_page:
            p.paragraph_format.page_break_before = True
        lines = [title] if isinstance(title, str) else list(title)
        for i, line in enumerate(lines):
            run = p.add_run(line)
            if i < len(lines) - 1:
                run.add_break()

    # -- 版记 ---------------------------------------------------------------------------------------------------

    def imprint(self, *, cc: Sequence[str], printer: str, printed_on: dt.date, notes: Sequence[str] = (),
                own_page: bool | None = None) -> None:
        """版记 at the foot of the last page: rules as wide as the 版心, thick first and last (0.35 mm) and thin
        between (0.25 mm); 抄送 and 印发机关 + 印发日期 in 4号仿宋, one character in from each side (7.4).
        `notes` are extra lines above the 抄送 (the audit chain head of a 通报).

        `own_page` (the default after a landscape attachment) puts the 版记 on a page of its own, the next even
        page, i.e. the back of the last sheet (7.4: the 版记 is on the last 面); there it is pushed down to the
        bottom edge by a spacer of exactly computed height, which every word processor lays out the same way.
        Otherwise it floats at the bottom of the page the text ends on (tblpYSpec="bottom": Word and WPS honour
        it; LibreOffice puts the table right after the text instead)."""
        if own_page is None:
            own_page = self._state.landscape
        one = IMPRINT_CHAR_TWIPS
        lines: list[tuple[str, dict[str, str], bool]] = [(n, {"left": str(one), "right": str(one)}, False)
                                                         for n in notes]
        if cc:
            text = "抄送：" + "，".join(c.strip() for c in cc if c.strip()) + "。"
            lead = text_twips("抄送：", full=one, half=one // 2)
            lines.append((text, {"left": str(one + lead), "right": str(one), "hanging": str(lead)}, False))
        lines.append((f"{printer}\t{cn_date(printed_on)}印发", {"left": str(one), "right": "0"}, True))
        heights = [self._imprint_lines(text, int(ind["left"]) - int(ind.get("hanging", "0")), int(ind["left"]),
                                       int(ind["right"])) * S.LINE_TWIPS for text, ind, _ in lines]
        if own_page:
            self.new_section(landscape=False, even_page=True)
            self._imprint_page(self.doc.sections[-1])
            # Rows are at least whole lines and the table's rules add about 1 pt each; the 1 pt closing paragraph
            # must still fit on the page, or it would start a blank one.
            rules = 2 * 20 + 15 * (len(lines) - 1)
            spacer = TEXT_HEIGHT_TWIPS - sum(heights) - rules - 20 - 40
            if spacer > 0:
                p = self.doc.add_paragraph(style=S.TAIL)
                child(p._p.get_or_add_pPr(), "spacing", PPR_ORDER, line=str(spacer), lineRule="exact")
        table = self.doc.add_table(rows=0, cols=1)
        tbl = table._tbl
        tblpr = tbl.tblPr
        if not own_page:
            child(tblpr, "tblpPr", TBLPR_ORDER, leftFromText="0", rightFromText="0", vertAnchor="margin",
                  horzAnchor="margin", tblpXSpec="center", tblpYSpec="bottom")
            child(tblpr, "tblOverlap", TBLPR_ORDER, val="never")
        child(tblpr, "tblW", TBLPR_ORDER, w=str(TEXT_WIDTH_TWIPS), type="dxa")
        child(tblpr, "tblLayout", TBLPR_ORDER, type="fixed")
        borders = child(tblpr, "tblBorders", TBLPR_ORDER)
        set_border(borders, "top", size_eighths=8)
        set_border(borders, "bottom", size_eighths=8)
        set_border(borders, "insideH", size_eighths=6)
        for side in ("left", "right", "insideV"):
            no_border(borders, side)
        margins = child(tblpr, "tblCellMar", TBLPR_ORDER)
        for side in ("left", "right"):
            child(margins, side, ("top", "left", "start", "bottom", "right", "end"), w="0", type="dxa")
        tbl.tblGrid.findall(qn("w:gridCol"))[0].set(qn("w:w"), str(TEXT_WIDTH_TWIPS))
        for i, ((text, ind, tab), height) in enumerate(zip(lines, heights, strict=True)):
            tr = tbl.add_tr()
            trpr = tr.get_or_add_trPr()
            # The 版记 is one block: no row splits, and each row keeps with the next (Word's way of keeping a
            # table on one page), so that a taller row moves the 版记 whole rather than splitting it.
            child(trpr, "cantSplit", ("cantSplit", "trHeight", "tblHeader"))
            child(trpr, "trHeight", ("cantSplit", "trHeight", "tblHeader"), val=str(height), hRule="atLeast")
            tc = tr.add_tc()
            tcpr = tc.get_or_add_tcPr()
            child(tcpr, "tcW", TCPR_ORDER, w=str(TEXT_WIDTH_TWIPS), type="dxa")
            child(tcpr, "vAlign", TCPR_ORDER, val="center")  # a row measured for a wider font than it got
            p = tc.p_lst[0]  # a new cell already holds its one required paragraph
            p.style = S.STYLE_IDS[S.IMPRINT]
            ppr = p.get_or_add_pPr()
            if tab:
                tabs = child(ppr, "tabs", PPR_ORDER)
                t = OxmlElement("w:tab")
                t.set(qn("w:val"), "right")
                t.set(qn("w:pos"), str(TEXT_WIDTH_TWIPS - one))
                tabs.append(t)
            if i < len(lines) - 1:
                child(ppr, "keepNext", PPR_ORDER)
            child(ppr, "ind", PPR_ORDER, **ind)
            p.add_r().text = text  # "\t" becomes a tab
        # LibreOffice drops a floating table that ends the document, and a full-height paragraph after it can
        # spill onto a blank page: end with a 1 pt paragraph.
        self.doc.add_paragraph(style=S.TAIL)

    def _imprint_page(self, section: Section) -> None:
        """The 版记's own page (and the blank page a word processor may put before it to reach an even page)
        carries no page number (7.5); Word and WPS also set its contents at the foot of the page."""
        for footer in (section.footer, section.even_page_footer):
            footer.is_linked_to_previous = False
            footer.paragraphs[0].style = S.PAGE_NUMBER
        child(section._sectPr, "vAlign", SECTPR_ORDER, val="bottom")

    @staticmethod
    def _imprint_lines(text: str, first_start: int, start: int, end_gap: int) -> int:
        """How many 4号 lines `text` takes in a 版记 row (wrapped lines start at `start`).

        Measured for the widest font the 版记 may fall back to, not for 仿宋_GB2312: digits and Latin letters
        at 0.6 of a character (0.5 in 仿宋), and a quarter character where Chinese meets digits (the space word
        processors add there).  A row given a line more than it needs only looks airy; a row that wraps beyond
        its line count would push the 版记 past the foot of its page."""
        char = IMPRINT_CHAR_TWIPS + S.CHAR_CONDENSE
        line = text.replace("\t", "\u3000\u3000")
        wide = [unicodedata.east_asian_width(ch) in "WF" for ch in line]
        switches = sum(1 for a, b in zip(wide, wide[1:], strict=False) if a != b)
        need = text_twips(line, full=char, half=char * 3 // 5) + switches * char // 4
        first, rest = TEXT_WIDTH_TWIPS - first_start - end_gap, TEXT_WIDTH_TWIPS - start - end_gap
        return 1 + max(0, -(-(need - first) // rest))

    # -- output -------------------------------------------------------------------------------------------------

    def _add(self, text: str, style: str) -> Paragraph:
        return self.doc.add_paragraph(text, style=style)

    def to_bytes(self) -> bytes:
        last = self.doc.sections[-1]
        if last.footer.is_linked_to_previous:  # the checker and some readers look at the last section's footers
            self._fill_footers(last)
        if self.draft:
            mark_docx(self.doc, self.style)
        buf = io.BytesIO()
        self.doc.save(buf)
        return buf.getvalue()
