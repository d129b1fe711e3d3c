"""Low-level WordprocessingML helpers that python-docx has no API for.

Word rejects a document whose property children are out of schema order, so every helper inserts children at
their place in the ECMA-376 sequence (the tuples below) instead of appending.
"""

from __future__ import annotations

from collections.abc import Sequence

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement

# ECMA-376 Part 1 child sequences (the parts we touch).
PPR_ORDER = (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct",
    "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
    "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
    "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange",
)
RPR_ORDER = (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline", "shadow",
    "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w", "kern",
    "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em",
    "lang", "eastAsianLayout", "specVanish", "oMath",
)
SECTPR_ORDER = (
    "headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz", "pgMar", "paperSrc",
    "pgBorders", "lnNumType", "pgNumType", "cols", "formProt", "vAlign", "noEndnote", "titlePg", "textDirection",
    "bidi", "rtlGutter", "docGrid", "printerSettings", "sectPrChange",
)
TBLPR_ORDER = (
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW", "jc",
    "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption",
    "tblDescription",
)
TCPR_ORDER = (
    "cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar", "textDirection",
    "tcFitText", "vAlign", "hideMark",
)
STYLE_ORDER = (
    "name", "aliases", "basedOn", "next", "link", "autoRedefine", "hidden", "uiPriority", "semiHidden",
    "unhideWhenUsed", "qFormat", "locked", "personal", "personalCompose", "personalReply", "rsid", "pPr", "rPr",
    "tblPr", "trPr", "tcPr", "tblStylePr",
)
BORDER_ORDER = ("top", "left", "start", "bottom", "right", "end", "insideH", "insideV", "between", "bar")


def child(parent: BaseOxmlElement, tag: str, order: Sequence[str], **attrs: str) -> BaseOxmlElement:
    """The child `w:<tag>` of `parent` (created at its schema position if missing), with `attrs` set."""
    el = parent.find(qn(f"w:{tag}"))
    if el is None:
        el = OxmlElement(f"w:{tag}")
        later = set(order[order.index(tag) + 1:])
        for i, existing in enumerate(parent):
            name = existing.tag.rsplit("}", 1)[-1]
            if name in later:
                parent.insert(i, el)
                break
        else:
            parent.append(el)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)
    return el


def remove_child(parent: BaseOxmlElement, tag: str) -> None:
    for el in parent.findall(qn(f"w:{tag}")):
        parent.remove(el)


def set_fonts(rpr: BaseOxmlElement, east_asian: str, latin: str | None = None) -> None:
    """Name the font for every script.  Theme attributes are dropped: a theme attribute beats an explicit name
    on the same element (MS-OI29500), which is how Chinese text ends up in a Japanese font."""
    fonts = child(rpr, "rFonts", RPR_ORDER)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    latin = latin or east_asian
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:cs"), latin)
    # Ambiguous characters (“ ” — …) take the East Asian font, as in a Chinese Word.
    fonts.set(qn("w:hint"), "eastAsia")


def set_size(rpr: BaseOxmlElement, points: float) -> None:
    half_points = str(round(points * 2))
    child(rpr, "sz", RPR_ORDER, val=half_points)
    child(rpr, "szCs", RPR_ORDER, val=half_points)


def set_border(box: BaseOxmlElement, side: str, *, size_eighths: int, color: str = "000000",
               space: int = 0, val: str = "single") -> None:
    child(box, side, BORDER_ORDER, val=val, sz=str(size_eighths), space=str(space), color=color)


def no_border(box: BaseOxmlElement, side: str) -> None:
    child(box, side, BORDER_ORDER, val="nil")


def page_field_runs(paragraph: BaseOxmlElement, cached: str = "1") -> None:
    """Append a PAGE field built from runs (python-docx has no field API)."""
    def run_with(tag: str, **attrs: str) -> BaseOxmlElement:
        r = OxmlElement("w:r")
        el = OxmlElement(f"w:{tag}")
        for key, value in attrs.items():
            el.set(qn(f"w:{key}"), value)
        r.append(el)
        paragraph.append(r)
        return el

    run_with("fldChar", fldCharType="begin")
    instr = run_with("instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run_with("fldChar", fldCharType="separate")
    run_with("t").text = cached
    run_with("fldChar", fldCharType="end")


def append_text_run(paragraph: BaseOxmlElement, text: str) -> None:
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    r.append(t)
    paragraph.append(r)
