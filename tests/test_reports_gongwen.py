"""The 公文 engine: styles, page set-up, 红头, 署名, 版记, page numbers, and writing files atomically."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from reports_samples import check_gongwen, open_docx, warnings_of

from app.errors import OutputLockedError, ReportError, ValidationError
from app.reports import output
from app.reports.gongwen import (
    CHAR_TWIPS,
    TEXT_WIDTH_TWIPS,
    Column,
    DocNumber,
    GongwenDocument,
    IssuingBody,
    cn_date,
    rendering,
    safe_filename,
    score,
    signed,
    text_twips,
)
from app.reports.styles import DocumentStyle

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ISSUER = IssuingBody()
DAY = dt.date(2026, 11, 25)


def small_circular(style: DocumentStyle | None = None, *, own_page: bool | None = None) -> bytes:
    doc = GongwenDocument(style, title="测试通知", author=ISSUER.name, date=DAY)
    doc.redhead(ISSUER.mark_text, ISSUER.number(2026, 3))
    doc.title(["关于开展机关党建工作", "专项检查的通知"])
    doc.recipients(ISSUER.recipients)
    doc.para("为推动机关党建工作责任落实，县直机关工委决定在全县县直单位开展党建工作专项检查，现将有关事项通知如下。")
    doc.heading1("一、检查内容")
    doc.heading2("（一）责任落实情况。", "重点检查党组（党委）书记履行第一责任人职责情况，以及班子成员落实一岗双责情况。")
    doc.table([Column("序号", 20), Column("单位", 80, left=True), Column("时间", 50)],
              [["1", "县财政局", "11月3日"], ["2", "县教育局", "11月4日"]])
    doc.attachment_note(["检查安排表"])
    doc.signature(ISSUER.name, DAY)
    doc.attachment("附件", "检查安排表")
    doc.para("检查安排如上表所列，请各单位提前准备相关材料，并于检查前一日将联系人报县直机关工委组织科。")
    doc.imprint(cc=ISSUER.cc, printer=ISSUER.printer, printed_on=DAY, own_page=own_page)
    return doc.to_bytes()


@pytest.fixture(scope="module")
def circular() -> bytes:
    return small_circular()


def style_el(doc, style_id: str):  # type: ignore[no-untyped-def]
    return doc.styles.element.find(f"{W}style[@{W}styleId='{style_id}']")


def test_red_head_document_passes_the_gbt_9704_checker_without_warnings(circular: bytes, tmp_path: Path) -> None:
    results = check_gongwen(circular, tmp_path, "--redhead")
    for rule in ("redhead-mark", "doc-number", "redhead-separator", "odd-even-footers", "footer-page-number",
                 "heading-l1-heiti", "heading-l2-kaiti", "title-font", "body-font", "margins"):
        assert results[rule]["status"] == "PASS", results[rule]
    assert warnings_of(results) == {}


def test_east_asian_fonts_are_named_without_theme_attributes_and_language_is_chinese(circular: bytes) -> None:
    doc = open_docx(circular)
    styles = doc.styles.element
    fonts = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert fonts.get(f"{W}eastAsia") == "仿宋_GB2312"
    assert not [a for a in fonts.attrib if a.endswith("Theme") or a.endswith("theme")]
    lang = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert lang.get(f"{W}eastAsia") == "zh-CN"
    assert doc.settings.element.find(f"{W}themeFontLang").get(f"{W}eastAsia") == "zh-CN"
    expected = {"GWHeading1": "黑体", "GWHeading2": "楷体_GB2312", "GWTitle": "方正小标宋简体", "GWMark": "方正小标宋简体",
                "GWPageNumber": "宋体"}
    for sid, font in expected.items():
        el = style_el(doc, sid).find(f"{W}rPr/{W}rFonts")
        assert el.get(f"{W}eastAsia") == font and el.get(f"{W}ascii") == font, sid


def test_body_is_16pt_on_exact_579_twip_lines_with_a_two_character_indent(circular: bytes) -> None:
    doc = open_docx(circular)
    normal = style_el(doc, "Normal")
    spacing = normal.find(f"{W}pPr/{W}spacing")
    assert (spacing.get(f"{W}line"), spacing.get(f"{W}lineRule")) == ("579", "exact")
    assert normal.find(f"{W}rPr/{W}sz").get(f"{W}val") == "32"
    assert normal.find(f"{W}rPr/{W}spacing").get(f"{W}val") == "-5"  # 28 characters a line
    ind = style_el(doc, "GWBody").find(f"{W}pPr/{W}ind")
    assert ind.get(f"{W}firstLineChars") == "200"
    assert style_el(doc, "GWTitle").find(f"{W}rPr/{W}sz").get(f"{W}val") == "44"
    # pictures and table cells must not be clipped to one exact line
    for sid in ("GWFigure", "GWCell14", "GWCellLeft12", "GWCellHead10_5"):
        sp = style_el(doc, sid).find(f"{W}pPr/{W}spacing")
        assert (sp.get(f"{W}line"), sp.get(f"{W}lineRule")) == ("240", "auto"), sid


def test_a4_sections_with_the_gbt_margins_grid_and_odd_even_page_numbers(circular: bytes) -> None:
    doc = open_docx(circular)
    assert doc.settings.odd_and_even_pages_header_footer
    for section in doc.sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
        assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                      section.right_margin)] == [37, 35, 28, 26]
        assert round(section.footer_distance.mm) == 25
        grid = section._sectPr.find(f"{W}docGrid")
        assert (grid.get(f"{W}type"), grid.get(f"{W}linePitch")) == ("lines", "579")
    last = doc.sections[-1]
    odd, even = last.footer.paragraphs[0], last.even_page_footer.paragraphs[0]
    for p, side in ((odd, "right"), (even, "left")):
        instr = "".join(t.text for t in p._p.iter(f"{W}instrText"))
        assert instr.strip() == "PAGE"
        assert p.text.startswith("— ") and p.text.endswith(" —")  # U+2014 on both sides
        assert p._p.pPr.find(f"{W}jc").get(f"{W}val") == side
        assert p._p.pPr.find(f"{W}ind").get(f"{W}{side}") == "280"  # 空一字 of a 14 pt character


def test_red_head_mark_number_and_separator(circular: bytes) -> None:
    doc = open_docx(circular)
    paras = doc.paragraphs
    assert paras[0].text == "中共示范县直属机关工作委员会文件"
    assert paras[0].style.name == "GW发文机关标志"
    assert [p.text for p in paras[1:3]] == ["", ""]  # 空二行
    assert paras[3].text == "示直工委〔2026〕3号"
    bottom = paras[3]._p.pPr.find(f"{W}pBdr/{W}bottom")
    assert bottom.get(f"{W}color") == "FF0000" and bottom.get(f"{W}space") == "11"
    assert [p.text for p in paras[4:6]] == ["", ""]
    assert paras[6].text == "关于开展机关党建工作\n专项检查的通知"
    assert paras[7].text == "" and paras[8].text == "各县直单位党组（党委）："
    mark = style_el(doc, "GWMark").find(f"{W}rPr")
    assert mark.find(f"{W}color").get(f"{W}val") == "FF0000"
    # 16 characters at 36 pt would be 203 mm wide: the mark is narrowed to fit the 156 mm 版心
    size, scale = int(mark.find(f"{W}sz").get(f"{W}val")) / 2, int(mark.find(f"{W}w").get(f"{W}val"))
    assert 16 * size * scale / 100 / 72 * 25.4 <= 156


def test_signature_without_seal_sits_two_characters_from_the_right_and_the_date_two_further_in() -> None:
    doc = GongwenDocument()
    doc.para("正文。")
    doc.signature("中共示范县直属机关工作委员会", DAY)
    paras = open_docx(doc.to_bytes()).paragraphs
    name, date = paras[-2], paras[-1]
    assert paras[-3].text == "" and date.text == "2026年11月25日"
    name_left, date_left = _start(name), _start(date)
    assert name_left + text_twips(name.text) == TEXT_WIDTH_TWIPS - 2 * CHAR_TWIPS
    assert date_left == name_left + 2 * CHAR_TWIPS
    # the 署名 and the line before it stay with the date
    assert paras[-4]._p.pPr.find(f"{W}keepNext") is not None


def _start(p) -> int:
    """Where a flush-right line starts, as measured: the text width less its right indent and its own width."""
    assert p.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    return TEXT_WIDTH_TWIPS - int(p._p.pPr.find(f"{W}ind").get(f"{W}right")) - text_twips(p.text)


def test_the_signature_block_is_kept_whole_and_cannot_wrap_the_date() -> None:
    # Without 仿宋_GB2312 the date is wider than measured: a flush-left indent made it wrap, leaving "日" alone on
    # the next line (and, at a page foot, on the next page).  Flush right with keep-lines it can only move.
    doc = GongwenDocument()
    for i in range(30):
        doc.para(f"正文第{i + 1}段。")
    doc.signature("中共示范县直属机关工作委员会", DAY)
    paras = open_docx(doc.to_bytes()).paragraphs
    name, date = paras[-2:]
    for p in (name, date):
        assert p.style.paragraph_format.keep_together  # never split over two pages
        assert p._p.pPr.find(f"{W}ind").get(f"{W}left") == "0"
    assert name.style.paragraph_format.keep_with_next
    assert paras[-3].paragraph_format.keep_with_next and paras[-4].paragraph_format.keep_with_next


def test_a_date_longer_than_the_name_keeps_two_characters_from_the_right() -> None:
    doc = GongwenDocument()
    doc.para("正文。")
    doc.signature("县直机关工委", dt.date(2026, 12, 25))
    name, date = open_docx(doc.to_bytes()).paragraphs[-2:]
    date_left, name_left = _start(date), _start(name)
    assert date_left + text_twips(date.text) == TEXT_WIDTH_TWIPS - 2 * CHAR_TWIPS
    assert name_left == date_left - 2 * CHAR_TWIPS


def test_imprint_rules_cc_and_printing_line(circular: bytes) -> None:
    doc = open_docx(circular)
    table = doc.tables[-1]
    rows = [row.cells[0].paragraphs[0] for row in table.rows]
    assert rows[0].text == "抄送：县委办公室，县委组织部。"
    assert rows[1].text == "中共示范县直属机关工作委员会办公室\t2026年11月25日印发"
    borders = table._tbl.tblPr.find(f"{W}tblBorders")
    sizes = {b.tag.removeprefix(W): b.get(f"{W}sz") for b in borders if b.get(f"{W}val") != "nil"}
    assert sizes == {"top": "8", "bottom": "8", "insideH": "6"}  # 0.35 mm thick, 0.25 mm thin
    assert table._tbl.tblPr.find(f"{W}tblpPr").get(f"{W}tblpYSpec") == "bottom"  # floats at the page foot
    last = doc.element.body[-2]  # before the final sectPr
    assert last.tag == f"{W}p" and last.pPr.find(f"{W}pStyle").get(f"{W}val") == "GWTail"


def test_imprint_on_its_own_page_starts_an_even_page_and_is_pushed_to_the_bottom(tmp_path: Path) -> None:
    data = small_circular(own_page=True)
    check_gongwen(data, tmp_path, "--redhead")
    doc = open_docx(data)
    last = doc.sections[-1]
    assert last._sectPr.find(f"{W}type").get(f"{W}val") == "evenPage"
    spacer = doc.tables[-1]._tbl.getprevious()
    height = int(spacer.pPr.find(f"{W}spacing").get(f"{W}line"))
    rows = sum(int(r.trPr.find(f"{W}trHeight").get(f"{W}val")) for r in doc.tables[-1]._tbl.tr_lst)
    assert 12756 - 200 < height + rows <= 12756  # the table's last rule on the 版心's bottom edge
    assert doc.tables[-1]._tbl.tblPr.find(f"{W}tblpPr") is None
    assert last._sectPr.find(f"{W}vAlign").get(f"{W}val") == "bottom"  # Word and WPS: at the foot whatever its height


def _page_fields(footer) -> str:
    return "".join(t.text for t in footer._element.iter(f"{W}instrText"))


def test_the_imprint_page_and_the_blank_page_before_it_carry_no_page_number() -> None:
    # GB/T 9704 7.5: 版记页前有空白页的，空白页和版记页均不编排页码.  The 版记 page is a section of its own, starting on
    # an even page; a blank page put before it belongs to it, so one pair of empty footers covers both.
    doc = open_docx(small_circular(own_page=True))
    *numbered, imprint = doc.sections
    for footer in (imprint.footer, imprint.even_page_footer):
        assert not footer.is_linked_to_previous
        assert _page_fields(footer) == "" and footer.paragraphs[0].text == ""
    for section in numbered:
        for footer in (section.footer, section.even_page_footer):
            assert _page_fields(footer).strip() == "PAGE"


def test_the_imprint_is_kept_in_one_piece() -> None:
    # A font wider than 仿宋_GB2312 wraps a 版记 line the nominal widths said would fit; the row heights allow for
    # that, and the rows can neither split nor part from each other.
    doc = GongwenDocument(date=DAY)
    doc.para("正文。")
    long_cc = ("县委办公室", "县人大常委会办公室", "县政府办公室", "县政协办公室", "县纪委监委", "县委组织部",
               "县委宣传部", "县委统战部")
    doc.imprint(cc=long_cc, printer=ISSUER.printer, printed_on=DAY, notes=["考评数据存证：审计日志第64342条，"
                                                                           "校验码3b69c5de2bbec73c"], own_page=True)
    table = open_docx(doc.to_bytes()).tables[-1]
    rows = table._tbl.tr_lst
    assert all(r.trPr.find(f"{W}cantSplit") is not None for r in rows)
    keeps = [r.tc_lst[0].p_lst[0].pPr.find(f"{W}keepNext") is not None for r in rows]
    assert keeps == [True] * (len(rows) - 1) + [False]
    heights = [int(r.trPr.find(f"{W}trHeight").get(f"{W}val")) // 579 for r in rows]
    # The audit line has many digits and letters: 仿宋 fits it on one line, a wider fall-back needs two; the 抄送 of
    # 8 bodies takes two lines in any font; the 印发 line one.
    assert heights == [2, 2, 1]
    assert all(r.tc_lst[0].tcPr.find(f"{W}vAlign").get(f"{W}val") == "center" for r in rows)


def test_tables_repeat_their_header_and_rows_never_split(circular: bytes) -> None:
    table = open_docx(circular).tables[0]
    header, *body = table.rows
    assert header._tr.trPr.find(f"{W}tblHeader") is not None
    assert all(r._tr.trPr.find(f"{W}tblHeader") is None for r in body)
    assert all(r._tr.trPr.find(f"{W}cantSplit") is not None for r in table.rows)
    assert [c.text for c in header.cells] == ["序号", "单位", "时间"]
    assert [c.text for c in body[1].cells] == ["2", "县教育局", "11月4日"]


def test_attachment_starts_a_new_page_with_label_and_title(circular: bytes) -> None:
    paras = open_docx(circular).paragraphs
    i = next(i for i, p in enumerate(paras) if p.text == "附件")
    assert paras[i].paragraph_format.page_break_before
    assert paras[i].style.name == "GW附件标识" and paras[i + 1].text == ""
    assert paras[i + 2].text == "检查安排表" and paras[i + 2].style.name == "GW附件标题"
    note = next(p for p in paras if p.text.startswith("附件："))
    assert note.text == "附件：检查安排表"


def test_landscape_attachment_gets_its_own_section() -> None:
    doc = GongwenDocument()
    doc.para("正文。")
    doc.attachment("附件", "宽表", landscape=True)
    doc.table([Column(str(i), 20) for i in range(11)], [[str(i) for i in range(11)]])
    sections = open_docx(doc.to_bytes()).sections
    assert len(sections) == 2
    assert (round(sections[1].page_width.mm), round(sections[1].page_height.mm)) == (297, 210)


def test_fonts_come_from_the_document_style_and_fall_back_in_the_font_table(tmp_path: Path) -> None:
    data = small_circular(DocumentStyle(fangsong="仿宋", kaiti="楷体"))
    check_gongwen(data, tmp_path, "--redhead")
    doc = open_docx(data)
    assert style_el(doc, "Normal").find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "仿宋"
    assert style_el(doc, "GWHeading2").find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "楷体"
    default = open_docx(small_circular())
    table = next(r.target_part for r in default.part.rels.values() if r.reltype.endswith("/fontTable")).blob
    assert "仿宋_GB2312".encode() in table and 'w:altName w:val="仿宋"'.encode() in table


def test_doc_number_format_and_validation() -> None:
    assert str(DocNumber("示直工委", 2026, 12)) == "示直工委〔2026〕12号"
    assert str(ISSUER.number(2027, 1)) == "示直工委〔2027〕1号"
    for code, year, seq in (("示直工委", 2026, 0), ("", 2026, 1), ("示直 工委", 2026, 1), ("示直工委", 26, 1)):
        with pytest.raises(ValidationError):
            DocNumber(code, year, seq)
    with pytest.raises(ValidationError):
        IssuingBody(name=" ")


def test_numbers_and_dates_as_printed() -> None:
    assert cn_date(dt.date(2026, 1, 5)) == "2026年1月5日"
    assert score(None) == "—" and score(95) == "95.0" and score(0.25) == "0.3"
    assert signed(None) == "—" and signed(1.5) == "+1.5" and signed(-2) == "-2.0" and signed(0) == "0.0"
    assert safe_filename('2026年10月通报: "终稿"?.docx') == "2026年10月通报_ _终稿_.docx"


def test_unexpected_failures_become_one_report_error_and_bad_input_passes_through() -> None:
    with pytest.raises(ReportError, match="生成测试文档失败") as info, rendering("测试文档"):
        raise KeyError("w:tbl")
    assert isinstance(info.value.__cause__, KeyError)
    with pytest.raises(ValidationError), rendering("测试文档"):
        raise ValidationError("月份无效")


# -- writing files -----------------------------------------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_atomic_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out" / "通报.docx"
    assert output.write_atomic(target, b"one") == target
    output.write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert leftovers(target.parent) == []


@pytest.mark.skipif(os.name == "nt", reason="Windows files have no group/other permission bits")
@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_written_files_have_the_permissions_of_the_users_umask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               umask: int, mode: int) -> None:
    # Colleagues open the 通报 from the office's shared folder: not 0600 as a temporary file is made.
    monkeypatch.setattr(output, "_umask", None)
    old = os.umask(umask)
    try:
        written = output.write_atomic(tmp_path / "通报.docx", b"data")
        fd, beside = output.temp_beside(tmp_path / "汇总表.zip")
        os.close(fd)
    finally:
        os.umask(old)
    assert written.stat().st_mode & 0o777 == mode
    assert beside.stat().st_mode & 0o777 == mode


def test_a_file_open_in_word_is_reported_and_left_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "通报.docx"
    target.write_bytes(b"issued yesterday")

    def locked(src: str, dst: str) -> None:
        raise PermissionError(13, "The process cannot access the file because it is being used by another process")

    monkeypatch.setattr(output.os, "replace", locked)
    with pytest.raises(OutputLockedError, match="正被其他程序"):
        output.write_atomic(target, b"new version")
    assert target.read_bytes() == b"issued yesterday"
    assert leftovers(tmp_path) == []


def test_a_folder_without_write_permission_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(**kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(output.tempfile, "mkstemp", refused)
    with pytest.raises(OutputLockedError, match="没有写入权限"):
        output.write_atomic(tmp_path / "x.docx", b"data")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores directory permissions")
def test_a_read_only_folder_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(OutputLockedError):
            output.write_atomic(folder / "x.docx", b"data")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_a_full_disk_is_a_report_error_and_leaves_no_temporary_file(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", full)
    with pytest.raises(ReportError, match="保存文件"):
        output.write_atomic(tmp_path / "x.docx", b"data")
    assert leftovers(tmp_path) == [] and not (tmp_path / "x.docx").exists()
    assert tempfile.gettempdir()  # the system temp dir is never used: the temp file sits beside the target


def test_figures_in_tables_are_flush_right_and_line_up_on_the_decimal_point() -> None:
    doc = GongwenDocument()
    doc.table([Column("序号", 10), Column("单位", 36, left=True), Column("总分", 18), Column("环比", 16),
               Column("名次", 18), Column("占比", 16), Column("档次", 16), Column("时间", 20)],
              [["1", "县财政局", "101.3", "+1.5", "1/300", "11.3%", "先进", "11月4日"],
               ["2", "县教育局", "95.0", "—", "2/300", "8.0%", "中间", "11月5日"],
               ["3", "县公安局石门镇派出所", "87.0★", "-12.5", "300/300", "0.3%", "后进", "11月6日"]], size=10.5)
    table = open_docx(doc.to_bytes()).tables[0]
    header, *body = table.rows

    def column(i: int) -> list:
        return [r.cells[i].paragraphs[0] for r in body]

    for i in (2, 3, 4, 5):  # figures: flush right, one right indent for the whole column
        assert {p.style.name for p in column(i)} == {"GW表格右10.5"}
        indents = {p._p.pPr.find(f"{W}ind").get(f"{W}right") for p in column(i)}
        assert len(indents) == 1 and int(indents.pop()) > 0
    for i in (0, 6, 7):  # 序号, words and dates stay centred
        assert {p.style.name for p in column(i)} == {"GW表格10.5"}
    assert {p.style.name for p in column(1)} == {"GW表格左10.5"}
    assert {c.paragraphs[0].style.name for c in header.cells} == {"GW表头10.5"}
    right = open_docx(doc.to_bytes()).styles["GW表格右10.5"].paragraph_format.alignment
    assert right == WD_ALIGN_PARAGRAPH.RIGHT


def test_a_column_can_say_it_is_not_figures() -> None:
    doc = GongwenDocument()
    doc.table([Column("年份", 20, numeric=False), Column("编号", 20)], [["2026", "12"]])
    row = open_docx(doc.to_bytes()).tables[0].rows[1]
    assert [c.paragraphs[0].style.name for c in row.cells] == ["GW表格14", "GW表格右14"]


def test_a_one_line_attachment_note_is_indented_two_characters_and_a_long_one_hangs() -> None:
    # 7.3.4: 左空二字; wrapped lines line up under the name's first character.
    def note(name: str):  # type: ignore[no-untyped-def]
        doc = GongwenDocument(title="测试", author=ISSUER.name, date=DAY)
        doc.para("正文。")
        doc.attachment_note([name])
        p = next(p for p in open_docx(doc.to_bytes()).paragraphs if p.text.startswith("附件："))
        return p._p.pPr.find(f"{W}ind")

    short = note("2026年度县直单位党建工作述职评议结果汇总表")
    assert short.get(f"{W}firstLineChars") == "200" and short.get(f"{W}hanging") is None
    long = note("2026年第四季度全县机关党建工作责任落实情况分级量化考核结果及排名表")
    assert long.get(f"{W}hanging") == str(3 * CHAR_TWIPS) and long.get(f"{W}left") == str(5 * CHAR_TWIPS)

