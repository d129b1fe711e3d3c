"""约谈通知书 and 约谈记录, blank to fill in by hand or filled from what was entered.

A value left as None prints as an underlined blank (notice) or an empty cell of a useful height (record), so the
same builder serves both the form taken into the meeting and the record printed afterwards.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from app import clock
from app.reports.content import cn_number, problems_of
from app.reports.gongwen import GongwenDocument, IssuingBody, cn_date, rendering, safe_filename, score
from app.reports.styles import DocumentStyle

POSTS = ("党组书记", "机关党委书记", "支部书记")
WEEKDAYS = "一二三四五六日"


def cn_datetime(moment: dt.datetime) -> str:
    """2026年11月3日（星期二）上午9时30分, 下午3时: the way official notices write a time."""
    half = "上午" if moment.hour < 12 else "下午"
    hour = moment.hour if moment.hour <= 12 else moment.hour - 12
    minutes = f"{moment.minute}分" if moment.minute else ""
    return f"{cn_date(moment.date())}（星期{WEEKDAYS[moment.weekday()]}）{half}{hour}时{minutes}"


@dataclass(frozen=True)
class InterviewNoticeContent:
    """约谈通知书 to a unit.  `time`, `place`, `interviewee_name` and `interviewers` may be left to fill in."""

    unit: str
    interviewee_post: str  # 党组书记 / 机关党委书记 / 支部书记
    year: int
    month: int
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
    addressee: str = ""  # 主送; default "<unit>党组（党委）"

    def __post_init__(self) -> None:
        bad: list[tuple[str, str]] = []
        if not self.unit.strip():
            bad.append(("unit", "被约谈单位不能为空"))
        if self.interviewee_post not in POSTS:
            bad.append(("interviewee_post", f"被约谈人职务应为{'、'.join(POSTS)}之一"))
        if not 1 <= self.month <= 12:
            bad.append(("month", f"月份无效：{self.month}"))
        problems_of(bad)


@dataclass(frozen=True)
class InterviewRecordContent:
    """约谈记录.  None fields stay blank for handwriting."""

    unit: str
    year: int
    month: int
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

    def __post_init__(self) -> None:
        bad: list[tuple[str, str]] = []
        if not self.unit.strip():
            bad.append(("unit", "被约谈单位不能为空"))
        if self.interviewee_post is not None and self.interviewee_post not in POSTS:
            bad.append(("interviewee_post", f"被约谈人职务应为{'、'.join(POSTS)}之一"))
        if self.deadline_working_days < 1:
            bad.append(("deadline_working_days", "整改时限至少1个工作日"))
        problems_of(bad)

    @property
    def filled(self) -> bool:
        return self.conversation is not None or self.statement is not None


def notice_filename(content: InterviewNoticeContent) -> str:
    return safe_filename(f"{content.year}年{content.month}月约谈通知书（{content.unit}）.docx")


def record_filename(content: InterviewRecordContent) -> str:
    kind = "约谈记录" if content.filled else "约谈记录（空白）"
    return safe_filename(f"{content.year}年{content.month}月{kind}（{content.unit}）.docx")


def build_interview_notice(content: InterviewNoticeContent, issuer: IssuingBody,
                           style: DocumentStyle | None = None) -> bytes:
    with rendering(f"{content.unit}的约谈通知书"):
        c = content
        doc = GongwenDocument(style, title="约谈通知书", author=issuer.name, date=c.issued_on)
        doc.title("约谈通知书")
        doc.recipients(c.addressee or f"{c.unit}党组（党委）")
        standing = []
        if c.total is not None:
            standing.append(f"得分{score(c.total)}分")
        if c.rank is not None:
            standing.append(f"排名第{c.rank}位" + (f"（共{c.unit_count}个单位）" if c.unit_count else ""))
        if c.tier:
            standing.append(f"处于{c.tier}档次")
        result = f"，你单位{'，'.join(standing)}" if standing else ""
        doc.para(f"根据{c.year}年{c.month}月全县机关党建工作考评结果{result}。按照“每月一约谈”的要求，县直机关工委决定对"
                 f"你单位{c.interviewee_post}进行约谈。现将有关事项通知如下：")
        reasons = "；".join(f"{i}.{r.rstrip('。；;')}" for i, r in enumerate(c.reasons, 1)) if c.reasons else \
            "党建工作考评排名靠后，存在较多扣分事项（详见考评情况反馈单）"
        doc.heading1("一、约谈事由：", reasons + "。")
        sections = [
            ("约谈时间", cn_datetime(c.time) if c.time else None),
            ("约谈地点", c.place),
            ("约谈人", "、".join(c.interviewers) or None),
        ]
        for i, (label, value) in enumerate(sections, 2):
            doc.fill_in(doc.heading1(f"{cn_number(i)}、{label}："), value, blank_chars=14)
        p = doc.heading1(f"{cn_number(len(sections) + 2)}、被约谈人：", f"{c.unit}{c.interviewee_post}")
        doc.fill_in(p, c.interviewee_name, blank_chars=5)
        doc.fill_in(p, "同志")
        bring = "".join(f"约谈时请携带{item.rstrip('。')}。" for item in c.bring)
        contact = f"联系人及电话：{issuer.contact}。" if issuer.contact else ""
        doc.heading1(f"{cn_number(len(sections) + 3)}、有关要求：",
                     f"被约谈人须按时参加，不得委托他人代替；确有特殊情况的，须提前向县直机关工委书面请假。{bring}{contact}")
        doc.signature(issuer.name, c.issued_on)
        return doc.to_bytes()


def build_interview_record(content: InterviewRecordContent, issuer: IssuingBody,
                           style: DocumentStyle | None = None, *, on: dt.date | None = None) -> bytes:
    """The record as a form; `on` dates the document (default: the interview's day, else today)."""
    with rendering(f"{content.unit}的约谈记录"):
        c = content
        day = on or (c.time.date() if c.time else clock.today())
        doc = GongwenDocument(style, title="约谈记录", author=issuer.name, date=day)
        doc.title("约谈记录")
        doc.blank()
        interviewee = None
        if c.interviewee_name or c.interviewee_post:
            interviewee = "，".join(x for x in (c.interviewee_name, c.interviewee_post and f"{c.unit}{c.interviewee_post}")
                                   if x)
        deadline = (f"{cn_date(c.deadline)}前（{c.deadline_working_days}个工作日内）" if c.deadline
                    else None)
        reasons = "；".join(r.rstrip("。；;") for r in c.reasons) + "。" if c.reasons else None
        requirements = ("\n".join(f"{i}.{r.rstrip('。；;')}。" for i, r in enumerate(c.requirements, 1))
                        if c.requirements else None)
        doc.form([
            ("被约谈单位", c.unit, 0),
            ("约谈时间", cn_datetime(c.time) if c.time else None, 12),
            ("约谈地点", c.place, 12),
            ("约谈人", "、".join(c.interviewers) or None, 12),
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
