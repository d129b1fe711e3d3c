"""The one place that defines how a 公文 looks: fonts, sizes, spacing and every named style (GB/T 9704-2012).

Builders refer to the style names below and never format runs directly.  Numbers come from
shared/design/GONGWEN.md: 3号 (16 pt) 仿宋 body, exact 579-twip lines (22 lines in the 225 mm 版心), characters
condensed by 0.25 pt so that 28 fit a 156 mm line in Word and LibreOffice alike, first-line indent of two
characters.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement

from app.reports.ooxml import (
    PPR_ORDER,
    RPR_ORDER,
    STYLE_ORDER,
    TBLPR_ORDER,
    child,
    set_border,
    set_fonts,
    set_size,
)

BODY_PT = 16  # 3号
IMPRINT_PT = 14  # 4号
TITLE_PT = 22  # 2号
LINE_TWIPS = 579  # 225 mm / 22 lines, rounded down so that 22 lines fit
CHAR_CONDENSE = -5  # twentieths of a point: 28 x 15.75 pt <= 156 mm
CHAR_TWIPS = BODY_PT * 20 + CHAR_CONDENSE  # advance of one condensed 3号 character
RED = "FF0000"


@dataclass(frozen=True)
class DocumentStyle:
    """Font names as Word should look them up.  The GB2312 faces are what offices install for 公文; stock
    Windows has only 仿宋/楷体/黑体/宋体, so the font table names those as the fall-back (`w:altName`)."""

    fangsong: str = "仿宋_GB2312"
    kaiti: str = "楷体_GB2312"
    heiti: str = "黑体"
    xiaobiaosong: str = "方正小标宋简体"
    songti: str = "宋体"

    def font(self, role: str) -> str:
        return str(getattr(self, role))

    def fallback(self, role: str) -> str:
        name = self.font(role)
        if name.endswith("_GB2312"):
            return name.removesuffix("_GB2312")
        return {"xiaobiaosong": "宋体"}.get(role, name)


# Style names used by the builders (the style ids are ASCII: some Word versions dislike non-ASCII ids).
NORMAL = "Normal"
BODY = "GW正文"
BODY_CHAR = "GW正文字"
FILL = "GW填空"
H1 = "GW一级标题"
H2 = "GW二级标题"
TITLE = "GW标题"
MARK = "GW发文机关标志"
DOC_NUMBER = "GW发文字号"
RECIPIENTS = "GW主送"
ATTACH_NOTE = "GW附件说明"
SIGNATURE = "GW署名"
DATE = "GW成文日期"
ATTACH_LABEL = "GW附件标识"
ATTACH_TITLE = "GW附件标题"
FIGURE = "GW图"
CAPTION = "GW图题"
IMPRINT = "GW版记"
PAGE_NUMBER = "GW页码"
TAIL = "GW版记尾"
FORM_LABEL = "GW表单"
TABLE = "GW表格线"
TABLE_SIZES = (14.0, 12.0, 10.5, 9.0)  # 4号, 小4号, 5号, 小5号 (long ledgers)
# 小5号 cells on exact 11 pt lines: single spacing in a CJK font is about 1.3 lines, and a ledger of a few hundred
# two-line rows then prints ten to a page instead of sixteen or more.
TABLE_EXACT_LINES = {9.0: 220}  # twips


def table_text(size: float, *, header: bool = False, left: bool = False, right: bool = False) -> str:
    """Name of the cell paragraph style for `size` points (header: 黑体 centred; left: flush left; right: flush
    right, for numbers)."""
    kind = "表头" if header else "表格左" if left else "表格右" if right else "表格"
    return f"GW{kind}{size:g}"


@dataclass(frozen=True)
class _Spec:
    name: str
    style_id: str
    kind: str = "paragraph"
    based_on: str | None = "Normal"
    font: str | None = None  # a DocumentStyle role
    size: float | None = None
    bold: bool = False
    color: str | None = None
    underline: bool = False
    align: str | None = None  # w:jc
    first_line_chars: int | None = None  # hundredths of a character
    exact_line: int | None = None  # twips
    single: bool = False  # single line spacing: pictures and table cells must not be clipped to one 3号 line
    keep_next: bool = False
    keep_lines: bool = False
    space_before: int | None = None  # twips
    snap_to_grid: bool = True
    outline: int | None = None
    char_spacing: int | None = None


def _specs() -> list[_Spec]:
    specs = [
        _Spec(BODY, "GWBody", first_line_chars=200, align="both"),
        _Spec(BODY_CHAR, "GWBodyChar", kind="character", based_on=None, font="fangsong"),
        _Spec(FILL, "GWFill", kind="character", based_on=None, underline=True),
        _Spec(H1, "GWHeading1", based_on="GWBody", font="heiti", keep_next=True, outline=0),
        _Spec(H2, "GWHeading2", based_on="GWBody", font="kaiti", keep_next=True, outline=1),
        _Spec(TITLE, "GWTitle", font="xiaobiaosong", size=TITLE_PT, align="center", keep_next=True),
        # The mark is sized per document (see set_mark_size); single spacing so the big glyphs are not clipped.
        _Spec(MARK, "GWMark", font="xiaobiaosong", size=36, color=RED, align="center", single=True,
              snap_to_grid=False),
        _Spec(DOC_NUMBER, "GWDocNumber", align="center"),
        _Spec(RECIPIENTS, "GWRecipients", align="both"),
        _Spec(ATTACH_NOTE, "GWAttachNote", align="both"),
        # Right-aligned and never split (keep_lines): a font wider than the one the indents were measured in can
        # then move the line a little, but never wrap "日" onto a line, or a page, of its own.
        _Spec(SIGNATURE, "GWSignature", keep_next=True, keep_lines=True, align="right"),
        # Not kept with what follows: that is a new page (附件, 版记), and a keep across it moves the 署名 away.
        _Spec(DATE, "GWDate", keep_lines=True, align="right"),
        _Spec(ATTACH_LABEL, "GWAttachLabel", font="heiti"),
        # The checker treats every paragraph after the document title as body text (3号仿宋), so the
        # attachment title is 仿宋 in bold rather than 小标宋.
        _Spec(ATTACH_TITLE, "GWAttachTitle", bold=True, align="center", keep_next=True),
        # Half a line above: LibreOffice draws a picture that directly follows a table over the table's last row.
        _Spec(FIGURE, "GWFigure", align="center", single=True, keep_next=True, snap_to_grid=False,
              space_before=LINE_TWIPS // 2),
        _Spec(CAPTION, "GWCaption", align="center"),
        _Spec(IMPRINT, "GWImprint", size=IMPRINT_PT, align="left"),
        _Spec(PAGE_NUMBER, "GWPageNumber", font="songti", size=IMPRINT_PT, single=True, snap_to_grid=False,
              char_spacing=0),
        # The paragraph that must follow the 版记 table: 1 pt high so it cannot push a blank page.
        _Spec(TAIL, "GWTail", size=1, exact_line=20, snap_to_grid=False),
        _Spec(FORM_LABEL, "GWFormLabel", size=IMPRINT_PT, single=True, snap_to_grid=False, align="left"),
    ]
    for size in TABLE_SIZES:
        line = TABLE_EXACT_LINES.get(size)
        common = {"size": size, "single": line is None, "exact_line": line, "snap_to_grid": False,
                  "char_spacing": 0}
        specs += [
            _Spec(table_text(size), f"GWCell{size:g}".replace(".", "_"), align="center", **common),  # type: ignore[arg-type]
            # Flush left, not justified: a justified line before a line break is stretched letter by letter.
            _Spec(table_text(size, left=True), f"GWCellLeft{size:g}".replace(".", "_"), align="left",
                  **common),  # type: ignore[arg-type]
            # Numbers: flush right, so that figures with the same unit line up on their decimal point.
            _Spec(table_text(size, right=True), f"GWCellRight{size:g}".replace(".", "_"), align="right",
                  **common),  # type: ignore[arg-type]
            _Spec(table_text(size, header=True), f"GWCellHead{size:g}".replace(".", "_"), font="heiti",
                  align="center", **common),  # type: ignore[arg-type]
        ]
    return specs


SPECS = _specs()
STYLE_IDS = {s.name: s.style_id for s in SPECS} | {NORMAL: "Normal", TABLE: "GWTable"}
# Styles of the python-docx template that documents still use; all the others are dropped (smaller, faster files).
_KEEP = {"Normal", "DefaultParagraphFont", "TableNormal", "NoList", "TableGrid"}


def apply_styles(doc: DocxDocument, style: DocumentStyle) -> None:
    """Turn python-docx's Letter/Calibri/ja-JP template into the 公文 base."""
    styles = doc.styles.element
    for el in list(styles.findall(qn("w:style"))):
        if el.get(qn("w:styleId")) not in _KEEP:
            styles.remove(el)
    _doc_defaults(styles, style)
    _normal(styles, style)
    for spec in SPECS:
        styles.append(_style_element(spec, style))
    styles.append(_table_style())
    _settings(doc)
    _font_table(doc, style)


def _doc_defaults(styles: BaseOxmlElement, style: DocumentStyle) -> None:
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, style.fangsong)
    set_size(rpr, BODY_PT)
    child(rpr, "lang", RPR_ORDER, val="en-US", eastAsia="zh-CN", bidi="ar-SA")
    ppr = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    child(ppr, "spacing", PPR_ORDER, before="0", after="0", line="240", lineRule="auto")


def _normal(styles: BaseOxmlElement, style: DocumentStyle) -> None:
    normal = next(s for s in styles.findall(qn("w:style")) if s.get(qn("w:styleId")) == "Normal")
    ppr = child(normal, "pPr", STYLE_ORDER)
    # Widow control would push the last line of a page onward (21 lines): pages must be filled.
    child(ppr, "widowControl", PPR_ORDER, val="0")
    child(ppr, "spacing", PPR_ORDER, before="0", after="0", line=str(LINE_TWIPS), lineRule="exact")
    rpr = child(normal, "rPr", STYLE_ORDER)
    set_fonts(rpr, style.fangsong)
    child(rpr, "spacing", RPR_ORDER, val=str(CHAR_CONDENSE))
    set_size(rpr, BODY_PT)
    child(rpr, "lang", RPR_ORDER, val="en-US", eastAsia="zh-CN", bidi="ar-SA")


def _style_element(spec: _Spec, style: DocumentStyle) -> BaseOxmlElement:
    el = OxmlElement("w:style")
    el.set(qn("w:type"), spec.kind)
    el.set(qn("w:customStyle"), "1")
    el.set(qn("w:styleId"), spec.style_id)
    child(el, "name", STYLE_ORDER, val=spec.name)
    if spec.based_on:
        child(el, "basedOn", STYLE_ORDER, val=spec.based_on)
    if spec.kind == "paragraph":
        child(el, "next", STYLE_ORDER, val="GWBody" if spec.keep_next else spec.style_id)
    child(el, "qFormat", STYLE_ORDER)
    if spec.kind == "paragraph":
        _paragraph_props(child(el, "pPr", STYLE_ORDER), spec)
    rpr = child(el, "rPr", STYLE_ORDER)
    if spec.font:
        set_fonts(rpr, style.font(spec.font))
    if spec.bold:
        child(rpr, "b", RPR_ORDER)
        child(rpr, "bCs", RPR_ORDER)
    if spec.color:
        child(rpr, "color", RPR_ORDER, val=spec.color)
    if spec.char_spacing is not None:
        child(rpr, "spacing", RPR_ORDER, val=str(spec.char_spacing))
    if spec.size:
        set_size(rpr, spec.size)
    if spec.underline:
        child(rpr, "u", RPR_ORDER, val="single")
    return el


def _paragraph_props(ppr: BaseOxmlElement, spec: _Spec) -> None:
    if spec.keep_next:
        child(ppr, "keepNext", PPR_ORDER)
    if spec.keep_lines:
        child(ppr, "keepLines", PPR_ORDER)
    if not spec.snap_to_grid:
        child(ppr, "snapToGrid", PPR_ORDER, val="0")
    if spec.single:
        child(ppr, "spacing", PPR_ORDER, line="240", lineRule="auto")
    elif spec.exact_line:
        child(ppr, "spacing", PPR_ORDER, line=str(spec.exact_line), lineRule="exact")
    if spec.space_before is not None:
        child(ppr, "spacing", PPR_ORDER, before=str(spec.space_before))
    if spec.first_line_chars is not None:
        child(ppr, "ind", PPR_ORDER, firstLineChars=str(spec.first_line_chars),
              firstLine=str(spec.first_line_chars * BODY_PT * 20 // 100))
    if spec.align:
        child(ppr, "jc", PPR_ORDER, val=spec.align)
    if spec.outline is not None:
        child(ppr, "outlineLvl", PPR_ORDER, val=str(spec.outline))


def _table_style() -> BaseOxmlElement:
    """Single black rules on every cell edge, modest cell margins, the table centred."""
    el = OxmlElement("w:style")
    el.set(qn("w:type"), "table")
    el.set(qn("w:customStyle"), "1")
    el.set(qn("w:styleId"), "GWTable")
    child(el, "name", STYLE_ORDER, val=TABLE)
    child(el, "basedOn", STYLE_ORDER, val="TableNormal")
    child(el, "qFormat", STYLE_ORDER)
    ppr = child(el, "pPr", STYLE_ORDER)
    child(ppr, "snapToGrid", PPR_ORDER, val="0")
    child(ppr, "spacing", PPR_ORDER, before="0", after="0", line="240", lineRule="auto")
    child(ppr, "ind", PPR_ORDER, firstLineChars="0", firstLine="0")
    tblpr = child(el, "tblPr", STYLE_ORDER)
    child(tblpr, "jc", TBLPR_ORDER, val="center")
    borders = child(tblpr, "tblBorders", TBLPR_ORDER)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        set_border(borders, side, size_eighths=4)
    margins = child(tblpr, "tblCellMar", TBLPR_ORDER)
    for side, twips in (("top", 28), ("left", 57), ("bottom", 28), ("right", 57)):
        m = child(margins, side, ("top", "left", "start", "bottom", "right", "end"), w=str(twips), type="dxa")
        m.set(qn("w:type"), "dxa")
    return el


def _settings(doc: DocxDocument) -> None:
    settings = doc.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    doc.settings.odd_and_even_pages_header_footer = True


def _font_table(doc: DocxDocument, style: DocumentStyle) -> None:
    """Declare the Chinese faces with their GB2312 charset and a stock-Windows fall-back (`w:altName`), so that
    Word on a PC without 仿宋_GB2312 or 方正小标宋简体 substitutes 仿宋/宋体 rather than a Latin font."""
    part = next((rel.target_part for rel in doc.part.rels.values() if rel.reltype.endswith("/fontTable")), None)
    if part is None:
        return
    from lxml import etree

    root = etree.fromstring(part.blob)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    for el in list(root):
        if el.get(f"{{{w}}}name") in {"ＭＳ 明朝", "ＭＳ ゴシック"}:
            root.remove(el)
    for f in fields(DocumentStyle):
        name, alt = style.font(f.name), style.fallback(f.name)
        font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
        if alt != name:
            etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": alt})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})
        etree.SubElement(font, f"{{{w}}}family", {f"{{{w}}}val": "modern" if f.name == "heiti" else "roman"})
        etree.SubElement(font, f"{{{w}}}pitch", {f"{{{w}}}val": "variable"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def set_mark_size(doc: DocxDocument, points: float, scale: int = 100) -> None:
    """The 发文机关标志's size is the issuing body's choice: it is sized to fit the 版心 on one line, long names
    in tall narrow characters (`scale` % of their width), as 红头 are usually set."""
    el = doc.styles.element.find(f"{qn('w:style')}[@{qn('w:styleId')}='GWMark']")
    rpr = el.find(qn("w:rPr"))
    set_size(rpr, points)
    child(rpr, "w", RPR_ORDER, val=str(scale))
