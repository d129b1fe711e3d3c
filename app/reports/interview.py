"""约谈通知书 and 约谈记录, blank to fill in by hand or filled from what was entered.

A value left as None prints as an underlined blank (notice) or an empty cell of a useful height (record), so the
same builder serves both the form taken into the meeting and the record printed afterwards.

An interview belongs to a month (每月一约谈, from the ranking), a quarter (分级量化考核) or the year (述职评议 一般 / 差);
`month` and `quarter` say which, and the notice is worded for it.

Blanks are placed where a line cannot end on them: an underlined blank at the end of a line is trailing space that
Word and LibreOffice do not draw, so a blank either opens a short line or sits inside brackets (no line may end
after "（" or start with "）").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from docx.text.paragraph import Paragraph

from app import clock
from app.reports.content import problems_of
from app.reports.draft import draft_name
from app.reports.gongwen import GongwenDocument, IssuingBody, cn_date, rendering, safe_filename, score
from app.reports.styles import DocumentStyle

POSTS = ("党组书记", "机关党委书记", "支部书记")
WEEKDAYS = "一二三四五六日"
NAME_CHARS = 4  # a 约谈人 written without brackets and this short is a bare name (王强, 欧阳明辉), not "职务+姓名"


def period_title(year: int, month: int | None, quarter: int | None = None) -> str:
    """2026年11月 / 2026年第4季度 / 2026年度, as the Period model titles them."""
    if month is not None:
        return f"{year}年{month}月"
    if quarter is not None:
        return f"{year}年第{quarter}季度"
    return f"{year}年度"


def _period_problems(month: int | None, quarter: int | None) -> list[tuple[str, str]]:
    bad = []
    if month is not None and not 1 <= month <= 12:
        bad.append(("month", f"月份无效：{month}"))
    if quarter is not None and not 1 <= quarter <= 4:
        bad.append(("quarter", f"季度无效：{quarter}"))
    if month is not None and quarter is not None:
        bad.append(("quarter", "约谈属于某月、某季度或全年，不能同时指定月份和季度"))
    return bad


def split_interviewer(text: str) -> tuple[str, str | None]:
    """(name, post) of a 约谈人 as typed: "王强（县直机关工委书记）" → ("王强", "县直机关工委书记"); a longer text
    without brackets ("县直机关工委书记王强") already carries the post → (text, ""); a bare name → (name, None)."""
    t = text.strip().replace("(", "（").replace(")", "）")
    if t.endswith("）") and "（" in t:
        name, _, post = t[:-1].partition("（")
        if name.strip():
            return name.strip(), post.strip() or None
    if len(t) > NAME_CHARS and "·" not in t:
        return t, ""
    return t, None


def without_post(interviewers: tuple[str, ...] | list[str]) -> list[str]:
    """The 约谈人 whose post is not given (their notice leaves a blank for it)."""
    return [name for name, post in map(split_interviewer, interviewers) if post is None]


def interviewer_text(text: str, blank: str = "") -> str:
    """县直机关工委书记王强 (post before name, as notices print people); a bare name gets `blank` for its post."""
    name, post = split_interviewer(text)
    if post is None:
        return f"{name}（职务：{blank}）"
    return f"{post}{name}"


def cn_datetime(moment: dt.datetime) -> str:
    """2026年11月3日（星期二）上午9时30分, 下午3时: the way official notices write a time."""
    return f"{cn_date(moment.date())}（星期{WEEKDAYS[moment.weekday()]}）{cn_time_of_day(moment)}"


def cn_time_of_day(moment: dt.datetime) -> str:
    """上午9时30分, 下午3时."""
    half = "上午" if moment.hour < 12 else "下午"
    hour = moment.hour if moment.hour <= 12 else moment.hour - 12
    minutes = f"{moment.minute}分" if moment.minute else ""
    return f"{half}{hour}时{minutes}"


@dataclass(frozen=True)
class InterviewNoticeContent:
    """约谈通知书 to a unit.  `time`, `place`, `interviewee_name` and `interviewers` may be left to fill in."""

    unit: str
    interviewee_post: str  # 党组书记 / 机关党委书记 / 支部书记
    year: int
    month: int | None  # None: a quarter's (`quarter`) or the year's 约谈
    issued_on: dt.date
    reasons: tuple[str, ...] = ()  # 事由: problems found
    rank: int | None = None
    unit_count: int | None = None
    total: Decimal | None = None
    tier: str = ""
    interviewee_name: str | None = None
    time: dt.datetime | None = None
    place: str | None = None
    interviewers: tuple[str, ...] = ()
    bring: tuple[str, ...] = ("本单位党建工作存在问题的原因分析和整改方案（书面材料一式两份）",)
    addressee: str = ""  # 主送: the unit's 党组织 as the register names it (the service finds it); default "<unit>党组（党委）"
    quarter: int | None = None
    draft: bool = False  # built from a period not yet locked: marked 征求意见稿 (app.reports.draft)

    def __post_init__(self) -> None:
        bad: list[tuple[str, str]] = []
        if not self.unit.strip():
            bad.append(("unit", "被约谈单位不能为空"))
        if self.interviewee_post not in POSTS:
            bad.append(("interviewee_post", f"被约谈人职务应为{'、'.join(POSTS)}之一"))
        bad.extend(_period_problems(self.month, self.quarter))
        problems_of(bad)

    @property
    def period_title(self) -> str:
        return period_title(self.year, self.month, self.quarter)


@dataclass(frozen=True)
class InterviewRecordContent:
    """约谈记录.  None fields stay blank for handwriting."""

    unit: str
    year: int
    month: int | None  # None: a quarter's (`quarter`) or the year's 约谈
    time: dt.datetime | None = None
    place: str | None = None
    interviewers: tuple[str, ...] = ()
    interviewee_name: str | None = None
    interviewee_post: str | None = None
    recorder: str | None = None
    reasons: tuple[str, ...] = ()
    conversation: str | None = None  # 谈话内容
    statement: str | None = None  # 被约谈人表态
    requirements: tuple[str, ...] = ()  # 整改要求
    deadline: dt.date | None = None  # 整改时限
    deadline_working_days: int = 15
    quarter: int | None = None
    draft: bool = False  # built from a period not yet locked: marked 征求意见稿 (app.reports.draft)

    def __post_init__(self) -> None:
        bad: list[tuple[str, str]] = []
        if not self.unit.strip():
            bad.append(("unit", "被约谈单位不能为空"))
        if self.interviewee_post is not None and self.interviewee_post not in POSTS:
            bad.append(("interviewee_post", f"被约谈人职务应为{'、'.join(POSTS)}之一"))
        if self.deadline_working_days < 1:
            bad.append(("deadline_working_days", "整改时限至少1个工作日"))
        bad.extend(_period_problems(self.month, self.quarter))
        problems_of(bad)

    @property
    def period_title(self) -> str:
        return period_title(self.year, self.month, self.quarter)

    @property
    def filled(self) -> bool:
        return self.conversation is not None or self.statement is not None


def notice_filename(content: InterviewNoticeContent) -> str:
    return draft_name(safe_filename(f"{content.period_title}约谈通知书（{content.unit}）.docx"), content.draft)


def record_filename(content: InterviewRecordContent) -> str:
    kind = "约谈记录" if content.filled else "约谈记录（空白）"
    return draft_name(safe_filename(f"{content.period_title}{kind}（{content.unit}）.docx"), content.draft)


class Grounds(NamedTuple):
    """What a notice says the 约谈 follows from, worded for a month, a quarter or the year."""

    results: str  # 2026年11月全县机关党建工作考评结果
    score_label: str  # 得分 / 综合得分
    standing: str  # 处于后进档次 / 等次为一般 (format with the tier)
    rule: str  # the requirement that calls for the 约谈
    default_reason: str  # the 事由 when none was listed


def grounds(c: InterviewNoticeContent) -> Grounds:
    title, tier = c.period_title, c.tier or "一般或差"
    if c.month is not None:
        return Grounds(f"{title}全县机关党建工作考评结果", "得分", f"处于{c.tier}档次", "按照“每月一约谈”的要求",
                       "党建工作考评排名靠后，存在较多扣分事项（详见考评情况反馈单）")
    if c.quarter is not None:
        return Grounds(f"{title}全县机关党建责任落实情况分级量化考核结果", "得分", f"等次为{c.tier}",
                       "按照季度分级量化考核的要求", f"{title}分级量化考核等次为{tier}")
    return Grounds(f"{title}党建述职评议考核结果", "综合得分", f"等次为{c.tier}", "按照年度党建述职评议考核的要求",
                   f"{title}党建述职评议考核等次为{tier}")


def build_interview_notice(content: InterviewNoticeContent, issuer: IssuingBody,
                           style: DocumentStyle | None = None) -> bytes:
    with rendering(f"{content.unit}的约谈通知书"):
        c = content
        why = grounds(c)
        doc = GongwenDocument(style, title="约谈通知书", author=issuer.name, date=c.issued_on, draft=c.draft)
        doc.title("约谈通知书")
        doc.recipients(c.addressee or f"{c.unit}党组（党委）")
        standing = []
        if c.total is not None:
            standing.append(f"{why.score_label}{score(c.total)}分")
        if c.rank is not None:
            standing.append(f"排名第{c.rank}位" + (f"（共{c.unit_count}个单位）" if c.unit_count else ""))
        if c.tier:
            standing.append(why.standing)
        result = f"，你单位{'，'.join(standing)}" if standing else ""
        doc.para(f"根据{why.results}{result}。{why.rule}，县直机关工委决定对你单位{c.interviewee_post}进行约谈。"
                 "现将有关事项通知如下：")
        reasons = "；".join(f"{i}.{r.rstrip('。；;')}" for i, r in enumerate(c.reasons, 1)) if c.reasons else \
            why.default_reason
        doc.heading1("一、约谈事由：", reasons + "。")
        doc.fill_in(doc.heading1("二、约谈时间："), cn_datetime(c.time) if c.time else None, blank_chars=14)
        doc.fill_in(doc.heading1("三、约谈地点："), c.place, blank_chars=14)
        _interviewers(doc, doc.heading1("四、约谈人："), c.interviewers)
        _interviewee(doc, c)
        bring = "".join(f"约谈时请携带{item.rstrip('。')}。" for item in c.bring)
        doc.heading1("六、有关要求：",
                     f"被约谈人须按时参加，不得委托他人代替；确有特殊情况的，须提前向县直机关工委书面请假。{bring}")
        # A line of its own: an empty setting leaves a blank that opens the line, where it cannot be lost.
        contact = doc.para("联系人及电话：")
        doc.fill_in(contact, issuer.contact.rstrip("。") or None, blank_chars=16)
        if issuer.contact:
            doc.fill_in(contact, "。")
        doc.signature(issuer.name, c.issued_on)
        return doc.to_bytes()


def _interviewers(doc: GongwenDocument, p: Paragraph, interviewers: tuple[str, ...]) -> None:
    """Each 约谈人 with their post; a post not given is a blank in brackets (kept on the line of its name)."""
    if not interviewers:
        doc.fill_in(p, None, blank_chars=14)
        return
    for i, text in enumerate(interviewers):
        name, post = split_interviewer(text)
        sep = "、" if i else ""
        if post is None:
            doc.fill_in(p, f"{sep}{name}（职务：")
            doc.fill_in(p, None, blank_chars=8)
            doc.fill_in(p, "）")
        else:
            doc.fill_in(p, f"{sep}{post}{name}")


def _interviewee(doc: GongwenDocument, c: InterviewNoticeContent) -> None:
    """五、被约谈人: the name, or a blank for it right after the heading with "同志" (whatever the unit's name, the
    blank never ends a line), the unit and post after it in brackets; the paragraph is kept on one page."""
    if c.interviewee_name:
        p = doc.heading1("五、被约谈人：", f"{c.unit}{c.interviewee_post}{c.interviewee_name}同志")
    else:
        p = doc.heading1("五、被约谈人：")
        doc.fill_in(p, None, blank_chars=5)
        doc.fill_in(p, f"同志（{c.unit}{c.interviewee_post}）")
    p.paragraph_format.keep_together = True


def build_interview_record(content: InterviewRecordContent, issuer: IssuingBody,
                           style: DocumentStyle | None = None, *, on: dt.date | None = None) -> bytes:
    """The record as a form; `on` dates the document (default: the interview's day, else today)."""
    with rendering(f"{content.unit}的约谈记录"):
        c = content
        day = on or (c.time.date() if c.time else clock.today())
        doc = GongwenDocument(style, title="约谈记录", author=issuer.name, date=day, draft=c.draft)
        doc.title("约谈记录")
        doc.blank()
        interviewee = None
        if c.interviewee_name or c.interviewee_post:
            interviewee = "，".join(x for x in (c.interviewee_name, c.interviewee_post and f"{c.unit}{c.interviewee_post}")
                                   if x)
        deadline = (f"{c.deadline_working_days}个工作日内，即{cn_date(c.deadline)}前" if c.deadline
                    else None)
        reasons = "；".join(r.rstrip("。；;") for r in c.reasons) + "。" if c.reasons else None
        requirements = ("\n".join(f"{i}.{r.rstrip('。；;')}。" for i, r in enumerate(c.requirements, 1))
                        if c.requirements else None)
        doc.form([
            ("被约谈单位", c.unit, 0),
            # The day on a line of its own: it is the date the record is dated by (a cell that began with a
            # date and went on to the hour would read as a malformed 成文日期).
            ("约谈日期", cn_date(c.time.date()) if c.time else None, 12),
            ("约谈时间", f"星期{WEEKDAYS[c.time.weekday()]}{cn_time_of_day(c.time)}" if c.time else None, 12),
            ("约谈地点", c.place, 12),
            ("约谈人", "、".join(interviewer_text(x, "\u3000" * 6) for x in c.interviewers) or None, 12),
            ("被约谈人及职务", interviewee, 12),
            ("记录人", c.recorder, 12),
            ("约谈事由", reasons, 24),
            ("谈话内容", c.conversation, 70),
            ("被约谈人表态", c.statement, 35),
            ("整改要求", requirements, 30),
            ("整改时限", deadline or f"自约谈之日起{c.deadline_working_days}个工作日内", 12),
        ], label_mm=40)
        doc.blank()
        for who in ("约谈人", "被约谈人", "记录人"):
            p = doc.para(f"{who}（签字）：")
            doc.fill_in(p, None, blank_chars=5)
            doc.fill_in(p, "　日期：")
            doc.fill_in(p, None, blank_chars=5)
        return doc.to_bytes()
