"""The 征求意见稿 mark: what a document built from data that is not locked yet carries, so that nobody mistakes it
for the final result.

Every page gets a header line "征求意见稿（数据未锁定）" and a light grey diagonal watermark; the file name gets
"（征求意见稿）" before its extension; a workbook gets the header line in its page header and a note above the
table.  Locked data never carries any of it.  The services decide (from the periods' state) and pass the flag; the
builders only hand it on, to `GongwenDocument(draft=...)`, `draft_name` and `mark_xlsx`.

The watermark is written as Word's own 水印 command writes a text watermark: a VML WordArt shape named
PowerPlusWaterMarkObject in the page header, behind the text.  Word and WPS show it as their watermark (and can
remove it with 水印 → 删除水印); LibreOffice imports a shape of that name as a watermark too.  Being in the header,
it is on every page of its section, and sections without a header of their own inherit it.
"""

from __future__ import annotations

from typing import Any

from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import _Header

from app.reports.ooxml import PPR_ORDER, RPR_ORDER, STYLE_ORDER, child, set_fonts, set_size
from app.reports.styles import DocumentStyle

WATERMARK_TEXT = "征求意见稿"
HEADER_TEXT = "征求意见稿（数据未锁定）"
NAME_SUFFIX = "（征求意见稿）"
SHEET_NOTE = (f"{HEADER_TEXT}：本表根据尚未锁定的考核数据生成，得分、名次和等次在锁定前仍可能变化，"
              "仅供征求意见，不作为正式结果。")
SHAPE_PREFIX = "PowerPlusWaterMarkObject"  # the name Word gives its watermark, and that other readers look for
STYLE_NAME = "GW征求意见稿"
STYLE_ID = "GWDraftMark"
HEADER_PT = 14  # 4号黑体: as large as the 版记, clearly not part of the 公文's own elements

# The shape Word writes for 水印 → 自定义水印 → 文字水印 (斜式, 半透明), with our text, size and grey.  170 x 34 mm keeps
# the five characters' proportions and, turned by 45 degrees, stays inside a 156 mm wide 版心 (and a landscape one).
_VML = """\
<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
     xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"
     xmlns:w10="urn:schemas-microsoft-com:office:word">
  <w:rPr><w:noProof/></w:rPr>
  <w:pict>
    <v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800"
                 path="m@7,l@8,m@5,21600l@6,21600e">
      <v:formulas>
        <v:f eqn="sum #0 0 10800"/><v:f eqn="prod #0 2 1"/><v:f eqn="sum 21600 0 @1"/><v:f eqn="sum 0 0 @2"/>
        <v:f eqn="sum 21600 0 @3"/><v:f eqn="if @0 @3 0"/><v:f eqn="if @0 21600 @1"/><v:f eqn="if @0 0 @2"/>
        <v:f eqn="if @0 @4 21600"/><v:f eqn="mid @5 @6"/><v:f eqn="mid @8 @5"/><v:f eqn="mid @7 @8"/>
        <v:f eqn="mid @6 @7"/><v:f eqn="sum @6 0 @5"/>
      </v:formulas>
      <v:path textpathok="t" o:connecttype="custom" o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800"
              o:connectangles="270,180,90,0"/>
      <v:textpath on="t" fitshape="t"/>
      <v:handles><v:h position="#0,bottomRight" xrange="6629,14971"/></v:handles>
      <o:lock v:ext="edit" text="t" shapetype="t"/>
    </v:shapetype>
    <v:shape id="{shape_id}" o:spid="{spid}" type="#_x0000_t136"
             style="position:absolute;margin-left:0;margin-top:0;width:482pt;height:96pt;rotation:315;z-index:-251654144;mso-position-horizontal:center;mso-position-horizontal-relative:margin;mso-position-vertical:center;mso-position-vertical-relative:margin"
             o:allowincell="f" fillcolor="{color}" stroked="f">
      <v:fill opacity="{opacity}"/>
      <v:textpath style="font-family:&quot;{font}&quot;;font-size:1pt" string="{text}"/>
      <w10:wrap anchorx="margin" anchory="margin"/>
    </v:shape>
  </w:pict>
</w:r>"""
# Light enough that black text over it reads as usual on screen and on a black-and-white printer.
WATERMARK_COLOR = "#BFBFBF"
WATERMARK_OPACITY = ".5"


def draft_name(name: str, draft: bool) -> str:
    """`name` with "（征求意见稿）" before its extension when `draft`; unchanged otherwise (or when already there)."""
    if not draft:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if stem.endswith(NAME_SUFFIX):
        return name
    return f"{stem}{NAME_SUFFIX}{dot}{ext}"


# ---------------------------------------------------------------------------------------------------------------
# .docx


def mark_docx(doc: DocxDocument, style: DocumentStyle) -> None:
    """Put the header line and the watermark into every header (odd, even, first page) that decides what a page
    shows: the first section's, and any later section's that does not inherit the one before it."""
    _ensure_style(doc, style)
    number = 0
    for i, section in enumerate(doc.sections):
        for header in (section.header, section.even_page_header, section.first_page_header):
            if i and header.is_linked_to_previous:
                continue  # shows the marked header of the section before
            header.is_linked_to_previous = False
            number += 1
            _mark_header(header, number, style)


def is_marked(header: _Header) -> bool:
    """Whether a header (own or inherited) carries both the header line and the watermark."""
    xml = header._element.xml
    return HEADER_TEXT in "".join(p.text for p in header.paragraphs) and SHAPE_PREFIX in xml


def _mark_header(header: _Header, number: int, style: DocumentStyle) -> None:
    if is_marked(header):
        return
    hdr = header._element
    first = hdr.find(qn("w:p"))
    if first is None or first.find(qn("w:r")) is not None:  # keep whatever a header already says, below the mark
        p = OxmlElement("w:p")
        hdr.insert(0, p)
    else:
        p = first
    child(child(p, "pPr", ("pPr", "r")), "pStyle", PPR_ORDER, val=STYLE_ID)
    p.append(_watermark_run(number, style))
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = HEADER_TEXT
    r.append(t)
    p.append(r)


def _watermark_run(number: int, style: DocumentStyle) -> BaseOxmlElement:
    xml = _VML.format(shape_id=f"{SHAPE_PREFIX}{number}", spid=f"_x0000_s{2048 + number}", color=WATERMARK_COLOR,
                      opacity=WATERMARK_OPACITY, font=style.fallback("heiti"), text=WATERMARK_TEXT)
    return parse_xml(xml)  # type: ignore[no-any-return]


def _ensure_style(doc: DocxDocument, style: DocumentStyle) -> None:
    """The header line's paragraph style (黑体 4号, centred, single-spaced, off the 22-line grid)."""
    styles = doc.styles.element
    if styles.find(f"{qn('w:style')}[@{qn('w:styleId')}='{STYLE_ID}']") is not None:
        return
    el = OxmlElement("w:style")
    el.set(qn("w:type"), "paragraph")
    el.set(qn("w:customStyle"), "1")
    el.set(qn("w:styleId"), STYLE_ID)
    child(el, "name", STYLE_ORDER, val=STYLE_NAME)
    child(el, "basedOn", STYLE_ORDER, val="Normal")
    ppr = child(el, "pPr", STYLE_ORDER)
    child(ppr, "snapToGrid", PPR_ORDER, val="0")
    child(ppr, "spacing", PPR_ORDER, before="0", after="0", line="240", lineRule="auto")
    child(ppr, "ind", PPR_ORDER, firstLineChars="0", firstLine="0")
    child(ppr, "jc", PPR_ORDER, val="center")
    rpr = child(el, "rPr", STYLE_ORDER)
    set_fonts(rpr, style.heiti)
    child(rpr, "spacing", RPR_ORDER, val="0")
    set_size(rpr, HEADER_PT)
    styles.append(el)


# ---------------------------------------------------------------------------------------------------------------
# .xlsx


def mark_xlsx(ws: Any) -> None:
    """An openpyxl worksheet marked: the header line in every printed page's header, and a note in a new first
    row above everything (merged cells, frozen panes and print titles move down with the rows)."""
    from openpyxl.styles import Alignment, Font

    for hf in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
        hf.center.text = HEADER_TEXT
        hf.center.font = "黑体,Bold"
        hf.center.size = HEADER_PT
    width = max(1, ws.max_column)
    _insert_first_row(ws)
    ws.cell(1, 1, SHEET_NOTE)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(bold=True, size=12, color="C00000")
    ws["A1"].alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 36


def _insert_first_row(ws: Any) -> None:
    """`insert_rows(1)` moves the cells only: move what refers to rows as well."""
    from openpyxl.utils.cell import coordinate_from_string

    heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height is not None}
    ws.insert_rows(1)
    for rng in ws.merged_cells.ranges:
        rng.shift(0, 1)
    for r in heights:
        ws.row_dimensions[r].height = None
    for r, h in heights.items():
        ws.row_dimensions[r + 1].height = h
    if ws.freeze_panes:
        col, row = coordinate_from_string(ws.freeze_panes)
        ws.freeze_panes = f"{col}{row + 1}"
    if ws.print_title_rows:
        first, last = (int(x.strip("$")) for x in ws.print_title_rows.split(":"))  # "$2:$2"
        ws.print_title_rows = f"{first + 1}:{last + 1}"
