"""Settings, declared once with type, default and a Chinese label.

Values live in the county database (table `setting`) so that they travel with the data and its backups.
Later features declare their own keys here; every number the domain rules use is a setting."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import WRITE_WAIT_DEFAULT_S, WRITE_WAIT_KEY, WRITE_WAIT_MAX_S
from app.errors import ValidationError

# The `Setting` model is imported where a value is read or saved: the main window shows before the models
# (app/ui/mainwindow.py `Opening`), and the backups read `backup.keep` from here without them.


@dataclass(frozen=True)
class SettingDef:
    key: str
    type: type
    default: Any
    label: str
    group: str = "通用"
    minimum: float | None = None
    maximum: float | None = None
    # A default that follows other settings (the issuing body's names follow the county's name): used while the
    # setting itself was never saved.
    derive: Callable[[Callable[[SettingDef], Any]], Any] | None = None

    def coerce(self, value: Any) -> Any:
        try:
            if self.type is bool:
                v: Any = value if isinstance(value, bool) else str(value).strip().lower() in {"1", "true", "是", "yes"}
            elif self.type is Decimal:
                v = Decimal(str(value))
            elif self.type is list:
                v = list(value) if not isinstance(value, str) else [s for s in value.replace("，", ",").split(",") if s.strip()]
            else:
                v = self.type(value)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise ValidationError(f"“{self.label}”的值无效：{value}", field=self.key) from exc
        if self.minimum is not None and v < self.minimum:
            raise ValidationError(f"“{self.label}”不能小于{self.minimum}", field=self.key)
        if self.maximum is not None and v > self.maximum:
            raise ValidationError(f"“{self.label}”不能大于{self.maximum}", field=self.key)
        return v


SETTINGS: dict[str, SettingDef] = {}


def declare(key: str, type_: type, default: Any, label: str, group: str = "通用",
            derive: Callable[[Callable[[SettingDef], Any]], Any] | None = None, **limits: float) -> SettingDef:
    if key in SETTINGS:
        raise KeyError(f"setting declared twice: {key}")
    d = SettingDef(key, type_, default, label, group, limits.get("minimum"), limits.get("maximum"), derive)
    SETTINGS[key] = d
    return d


# --- general -----------------------------------------------------------------------------------------------------
# The county's name as shipped is a placeholder: the first-run wizard asks for the real one, and the issuing body's
# names below follow it until they are saved themselves (app.services.county_names refuses to issue under it).
PLACEHOLDER_COUNTY = "示范县"
COUNTY_NAME = declare("county.name", str, PLACEHOLDER_COUNTY, "县名")
OPERATOR = declare("operator.name", str, "机关工委", "操作员（审计日志中的“谁”）")
BACKUP_KEEP = declare("backup.keep", int, 30, "保留最近备份份数", "备份", minimum=1, maximum=1000)
# Several clients on one server database: how often the page in view checks whether others changed data (one
# cheap read of the change stamp); 0: only when the user comes back to the app.
REFRESH_SECONDS = declare("ui.refresh_seconds", int, 30, "多台电脑共用数据库时，每隔几秒检查他人的修改并刷新当前页面（0为仅在切回本程序时检查）",
                          minimum=0, maximum=3600)
# An import (or another long write) waits this long while another program (the main window, a command) writes,
# instead of failing at once with "database is locked" (app.db.begin_writing).
WRITE_WAIT_SECONDS = declare(WRITE_WAIT_KEY, int, WRITE_WAIT_DEFAULT_S,
                             "另一个程序正在写入数据库时，导入等较长的保存最多等待几秒", minimum=1, maximum=WRITE_WAIT_MAX_S)

# --- register rules (DOMAIN.md) -----------------------------------------------------------------------------------
TERM_YEARS_COMMITTEE = declare("term.years.committee", int, 5, "基层党委任期（年）", "组织", minimum=1, maximum=10)
TERM_YEARS_BRANCH = declare("term.years.branch", int, 3, "党总支、党支部任期（年）", "组织", minimum=1, maximum=10)
TERM_ENDING_DAYS = declare("term.ending_days", int, 90, "换届到期提醒提前天数", "组织", minimum=1, maximum=365)
VACANCY_MONTHS = declare("post.vacancy_months", int, 3, "支委职务空缺超过几个月算长期空缺", "组织", minimum=1, maximum=36)
BRANCH_MIN_FULL = declare("org.branch_min_full", int, 3, "成立党支部所需正式党员最少人数", "组织", minimum=1, maximum=10)
COMMITTEE_MIN_FULL = declare("org.committee_min_full", int, 7, "设支部委员会所需正式党员人数", "组织", minimum=3, maximum=20)
BRANCH_MAX_MEMBERS = declare("org.branch_max_members", int, 50, "党支部党员人数一般上限", "组织", minimum=10, maximum=500)
PROBATION_MONTHS = declare("member.probation_months", int, 12, "预备期（月）", "组织", minimum=1, maximum=24)

# --- organisation life, 发展党员 and 提醒 (DOMAIN.md "Rules the app knows") -------------------------------------------
# How often each required meeting must be held, in months (windows counted from January: 3 = per quarter).
EVERY_COMMITTEE_MEETING = declare("orglife.every.committee", int, 1, "支委会：每几个月至少一次", "组织生活", minimum=1, maximum=12)
EVERY_GROUP_MEETING = declare("orglife.every.group", int, 1, "党小组会：每几个月至少一次", "组织生活", minimum=1, maximum=12)
EVERY_THEME_DAY = declare("orglife.every.theme_day", int, 1, "主题党日：每几个月至少一次", "组织生活", minimum=1, maximum=12)
EVERY_ASSEMBLY = declare("orglife.every.assembly", int, 3, "支部党员大会：每几个月至少一次", "组织生活", minimum=1, maximum=12)
EVERY_LECTURE = declare("orglife.every.lecture", int, 3, "党课：每几个月至少一次", "组织生活", minimum=1, maximum=12)
EVERY_LEADER_LECTURE = declare("orglife.every.leader_lecture", int, 12, "书记或领导干部讲党课：每几个月至少一次", "组织生活", minimum=1, maximum=12)
EVERY_LIFE_MEETING = declare("orglife.every.life_meeting", int, 12, "组织生活会：每几个月至少一次", "组织生活", minimum=1, maximum=12)
EVERY_APPRAISAL = declare("orglife.every.appraisal", int, 12, "民主评议党员：每几个月至少一次", "组织生活", minimum=1, maximum=12)
EVERY_HEART_TALK = declare("orglife.every.heart_talk", int, 12, "谈心谈话：每几个月至少一次", "组织生活", minimum=1, maximum=12)
EVERY_HEARING = declare("orglife.every.hearing", int, 6, "党组听取机关党委汇报：每几个月至少一次", "组织生活", minimum=1, maximum=12)
EVERY_CONTACT_VISIT = declare("orglife.every.contact_visit", int, 3, "党组成员联系点调研：每几个月至少一次", "组织生活", minimum=1, maximum=12)
EVERY_THREE_STRONG = declare("orglife.every.three_strong", int, 12, "三亮三强活动：每几个月至少一次", "组织生活", minimum=1, maximum=12)
EVERY_DUAL_LIFE = declare("orglife.every.dual_life", int, 3, "党员领导干部参加所在支部组织生活：每几个月至少一次", "组织生活", minimum=1, maximum=12)
GROUP_MIN_MEMBERS = declare("orglife.group_min_members", int, 10, "党员达到几名的支部须按月开党小组会", "组织生活", minimum=0, maximum=500)
LATE_RECORD_DAYS = declare("orglife.late_days", int, 7, "会后超过几天才登记算迟报", "组织生活", minimum=0, maximum=90)
# 民主生活会 (app.services.leadership): the year's meeting is due by the end of a month of that year.
LIFE_DUE_MONTH = declare("leadership.due_month", int, 12, "民主生活会：每年最迟几月底前召开", "组织生活", minimum=1, maximum=12)
LIFE_WARN_MONTHS = declare("leadership.warn_months", int, 2, "民主生活会：截止前几个月起提醒未召开的单位", "组织生活", minimum=0, maximum=11)
LIFE_MIN_MUTUAL = declare("leadership.min_mutual", int, 1, "民主生活会、组织生活会：相互批评意见至少几条", "组织生活", minimum=1, maximum=50)
LIFE_CLOSE_MONTHS = declare("leadership.close_months", int, 6, "民主生活会问题清单：会后几个月内须全部销号", "组织生活", minimum=1, maximum=24)
PROBATION_ALERT_DAYS = declare("alerts.probation_days", int, 30, "预备期满前几天提醒讨论转正", "提醒", minimum=0, maximum=180)
RECRUIT_ALERT_DAYS = declare("alerts.recruit_days", int, 14, "发展党员时限到期前几天提醒", "提醒", minimum=0, maximum=90)
RECRUIT_MIN_AGE = declare("recruit.min_age", int, 18, "递交入党申请时最低年龄（周岁）", "发展党员", minimum=16, maximum=30)
RECRUIT_TALK_MONTHS = declare("recruit.talk_months", int, 1, "收到入党申请后几个月内谈话", "发展党员", minimum=1, maximum=6)
RECRUIT_ACTIVIST_MONTHS = declare("recruit.activist_months", int, 12, "积极分子培养至少几个月方可列为发展对象", "发展党员", minimum=1, maximum=36)
RECRUIT_TRAINING_HOURS = declare("recruit.training_hours", int, 24, "发展对象集中培训最少学时", "发展党员", minimum=0, maximum=200)
RECRUIT_APPROVAL_MONTHS = declare("recruit.approval_months", int, 3, "支部大会后几个月内党委审批", "发展党员", minimum=1, maximum=12)
RECRUIT_PUBLICITY_DAYS = declare("recruit.publicity_days", int, 5, "发展对象公示最少天数", "发展党员", minimum=0, maximum=60)
EXTENSION_MIN_MONTHS = declare("recruit.extension_min", int, 6, "延长预备期最短（月）", "发展党员", minimum=1, maximum=24)
EXTENSION_MAX_MONTHS = declare("recruit.extension_max", int, 12, "延长预备期最长（月）", "发展党员", minimum=1, maximum=24)
CARE_VISIT_MONTHS = declare("care.visit_months", int, 6, "关怀对象超过几个月未走访慰问即提醒", "提醒", minimum=1, maximum=24)
CARE_FESTIVAL_DAYS = declare("care.festival_days", int, 30, "春节、七一前几天提醒走访尚未慰问的关怀对象（0为不提醒）", "提醒",
                             minimum=0, maximum=90)
# --- 稳妥处置不合格党员 (app/services/disposal.py) ----------------------------------------------------------------
DISPOSAL_OPEN_DAYS = declare("disposal.open_days", int, 30, "民主评议为不合格后几天内应启动处置", "党员处置", minimum=0, maximum=180)
DISPOSAL_LOOKBACK_MONTHS = declare("disposal.lookback_months", int, 12, "待处置名单：近几个月内民主评议为不合格的党员", "党员处置", minimum=1, maximum=36)
LOST_CONTACT_MONTHS = declare("disposal.lost_months", int, 6, "失联超过几个月应停止党籍", "党员处置", minimum=1, maximum=24)
SUSPENSION_MONTHS = declare("disposal.suspension_months", int, 24, "停止党籍满几个月仍无法联系的方可除名", "党员处置", minimum=1, maximum=60)
ALERT_GAP_MONTHS = declare("alerts.gap_months", int, 3, "上一周期未开的会议活动在提醒中保留几个月", "提醒", minimum=1, maximum=12)
# 党组（党委）理论学习中心组 (app.services.study): the year's minimum of meetings (a 专题研讨 counts as one) and of
# 专题研讨, judged at the pace of the months gone by, and the month by whose end the year's 学习计划 is due.
STUDY_MIN_MEETINGS = declare("study.min_meetings", int, 12, "理论学习中心组：每年至少集中学习几次（含专题研讨）", "组织生活",
                             minimum=1, maximum=60)
STUDY_MIN_SEMINARS = declare("study.min_seminars", int, 4, "理论学习中心组：每年至少专题研讨几次", "组织生活",
                             minimum=0, maximum=60)
STUDY_PLAN_MONTH = declare("study.plan_month", int, 3, "理论学习中心组年度学习计划：须在几月底前制定", "组织生活",
                           minimum=1, maximum=12)

# --- monthly 考评: tiers and 约谈 candidates (DOMAIN.md "Ranking, tiers, grades") ----------------------------------
ADVANCED_PERCENT = declare("ranking.advanced_percent", int, 20, "先进档次：排名前百分之几", "考评", minimum=0, maximum=100)
BACKWARD_PERCENT = declare("ranking.backward_percent", int, 20, "后进档次：排名后百分之几", "考评", minimum=0, maximum=100)
BACKWARD_BELOW = declare("ranking.backward_below", Decimal, Decimal("80"), "后进档次：总分低于（分）", "考评", minimum=0, maximum=200)
VETO_BLOCKS_ADVANCED = declare("ranking.veto_blocks_advanced", bool, True, "有一票否决事项的单位不列入先进档次", "考评")
INTERVIEW_BELOW = declare("interview.below", Decimal, Decimal("70"), "约谈：总分低于（分）", "考评", minimum=0, maximum=200)
INTERVIEW_LAST_BACKWARD = declare("interview.last_backward", bool, True, "约谈：后进且排名末位", "考评")
INTERVIEW_VETO = declare("interview.veto", bool, True, "约谈：存在一票否决事项", "考评")
INTERVIEW_BACKWARD_MONTHS = declare("interview.backward_months", int, 2, "约谈：连续几个月处于后进档次", "考评", minimum=0, maximum=12)
# 单位填报 (issue 18): the units' workbooks are due back by this working day of the month after the one they report.
COLLECT_DEADLINE_WORKDAY = declare("collect.deadline_workday", int, 5, "单位填报表：次月第几个工作日前收回", "考评",
                                   minimum=1, maximum=20)

# --- 公文: who issues the documents and in which fonts (GONGWEN.md) ----------------------------------------------


def issuer_name_for(county: str) -> str:
    """The usual full name of a county's 机关工委: 青山县 → 中共青山县直属机关工作委员会."""
    return f"中共{county.strip()}直属机关工作委员会"


def issuer_code_for(county: str) -> str:
    """The usual 发文机关代字: the county's first character and 直工委 (青山县 → 青直工委)."""
    name = county.strip()
    return f"{name[:1]}直工委" if name else ""


def printer_for(issuer_name: str) -> str:
    """The usual 印发机关: the issuing body's office (…工作委员会 → …工作委员会办公室)."""
    return f"{issuer_name.strip()}办公室" if issuer_name.strip() else ""


ISSUER_NAME = declare("gongwen.issuer.name", str, issuer_name_for(PLACEHOLDER_COUNTY), "发文机关全称（署名）", "公文",
                      derive=lambda read: issuer_name_for(str(read(COUNTY_NAME))))
ISSUER_CODE = declare("gongwen.issuer.code", str, issuer_code_for(PLACEHOLDER_COUNTY),
                      "发文机关代字（发文字号：代字〔年份〕序号号）", "公文",
                      derive=lambda read: issuer_code_for(str(read(COUNTY_NAME))))
ISSUER_MARK = declare("gongwen.issuer.mark", str, "", "发文机关标志（留空为“全称+文件”）", "公文")
RECIPIENTS = declare("gongwen.recipients", str, "各县直单位党组（党委）", "通报主送机关", "公文")
CC = declare("gongwen.cc", list, ["县委办公室", "县委组织部"], "抄送机关（用逗号分隔）", "公文")
PRINTER = declare("gongwen.printer", str, printer_for(issuer_name_for(PLACEHOLDER_COUNTY)), "印发机关", "公文",
                  derive=lambda read: printer_for(str(read(ISSUER_NAME))))
CONTACT = declare("gongwen.contact", str, "", "联系人及电话（印在约谈通知书和反馈单上）", "公文")
FONT_FANGSONG = declare("gongwen.font.fangsong", str, "仿宋_GB2312", "正文字体（仿宋；未安装时可改为“仿宋”）", "公文")
FONT_KAITI = declare("gongwen.font.kaiti", str, "楷体_GB2312", "二级标题字体（楷体；未安装时可改为“楷体”）", "公文")
FONT_HEITI = declare("gongwen.font.heiti", str, "黑体", "一级标题字体（黑体）", "公文")
FONT_XIAOBIAOSONG = declare("gongwen.font.xiaobiaosong", str, "方正小标宋简体", "标题和发文机关标志字体（小标宋）", "公文")
FONT_SONGTI = declare("gongwen.font.songti", str, "宋体", "页码字体（宋体）", "公文")

# --- 约谈 and 整改 (DOMAIN.md "Documents": 时限 default 15 working days) ------------------------------------------
RECTIFY_WORKING_DAYS = declare("interview.deadline_working_days", int, 15, "约谈后整改时限（工作日）", "约谈整改", minimum=1, maximum=120)
# The 法定节假日 and 调休 come with the program (app.services.workdays); these two lists add to it or correct it
# for a year it does not know yet.
HOLIDAYS = declare("workdays.holidays", list, [], "补充放假日期（逗号分隔，可写名称和日期段，"
                   "如“2027-01-01 元旦，2027-10-01至2027-10-07 国庆节”）", "约谈整改")
EXTRA_WORKDAYS = declare("workdays.extra", list, [], "补充调休上班日期（周末上班；逗号分隔，如2027-02-06）", "约谈整改")
FEEDBACK_OBJECTION_DAYS = declare("feedback.objection_working_days", int, 5, "考评情况反馈单：印发后几个工作日内可提出异议",
                                  "约谈整改", minimum=1, maximum=30)
INTERVIEW_PLACE = declare("interview.default_place", str, "县直机关工委会议室", "约谈默认地点", "约谈整改")
INTERVIEWERS = declare("interview.default_interviewers", str, "",
                       "约谈人及职务（默认，如“王强（县直机关工委书记）”，多人用顿号分隔）", "约谈整改")
INTERVIEW_RECORDER = declare("interview.default_recorder", str, "", "记录人（默认）", "约谈整改")
OUTPUT_DIR = declare("documents.output_dir", str, "", "生成文档的默认保存文件夹（留空为数据目录下的 output 文件夹）", "公文")

# --- 季度分级量化考核 and 年度述职评议 (DOMAIN.md "Ranking, tiers, grades": quarterly and annual) ------------------------
QUARTER_DEDUCT = declare("quarter.deduct_from_full", bool, False,
                         "季度得分按“满分减去季度内各月扣分之和”计算（否则取各月得分的平均分）", "季度与年度")
GRADE_GOOD = declare("grade.good", Decimal, Decimal("90"), "“好”等次：得分不低于（分）", "季度与年度", minimum=0, maximum=200)
GRADE_FAIR = declare("grade.fair", Decimal, Decimal("80"), "“较好”等次：得分不低于（分）", "季度与年度", minimum=0, maximum=200)
GRADE_AVERAGE = declare("grade.average", Decimal, Decimal("60"), "“一般”等次：得分不低于（分；更低为“差”）", "季度与年度",
                        minimum=0, maximum=200)
VETO_CAPS_GRADE = declare("grade.veto_cap", bool, True, "有一票否决事项的单位最高评为“较好”", "季度与年度")
QUARTER_GOOD_QUOTA = declare("quarter.good_quota_percent", int, 30,
                             "季度“好”等次名额：不超过参评单位的百分之几（0为不限）", "季度与年度", minimum=0, maximum=100)
ANNUAL_OF_QUARTERS = declare("annual.mean_of_quarters", bool, False,
                             "年度平时成绩取各季度得分的平均分（否则取各月得分的平均分）", "季度与年度")
WEIGHT_MEAN = declare("annual.weight_mean", int, 60, "综合评价：平时成绩权重（%）", "季度与年度", minimum=0, maximum=100)
WEIGHT_CHECK = declare("annual.weight_check", int, 30, "综合评价：年终检查权重（%）", "季度与年度", minimum=0, maximum=100)
WEIGHT_VOTE = declare("annual.weight_vote", int, 10, "综合评价：述职评议（好票率）权重（%）", "季度与年度", minimum=0, maximum=100)
GOOD_RATE_FOR_GOOD = declare("annual.good_rate_for_good", int, 85, "年度“好”等次须好票率不低于（%）", "季度与年度",
                             minimum=0, maximum=100)
GOOD_RATE_FLOOR = declare("annual.good_rate_floor", int, 60, "好票率低于（%）的单位最高评为“一般”", "季度与年度",
                          minimum=0, maximum=100)
EXCELLENT_QUOTA = declare("annual.excellent_quota_percent", int, 20,
                          "“党建工作优秀单位”名额：不超过参评单位的百分之几", "季度与年度", minimum=0, maximum=100)


# --- 队伍建设: 书记 and 党务干部 training (全国党员教育培训工作规划: 基层党组织书记和班子成员每年集中培训不少于56学时,
# 党员每年集中学习培训一般不少于32学时) ----------------------------------------------------------------------------
TRAINING_MIN_LEADERSHIP = declare("training.min_hours.leadership", Decimal, Decimal("56"),
                                  "基层党组织书记和班子成员每年集中培训不少于（学时）", "队伍建设", minimum=0, maximum=500)
TRAINING_MIN_MEMBER = declare("training.min_hours.member", Decimal, Decimal("32"),
                              "其他党务干部（党员）每年集中学习培训不少于（学时）", "队伍建设", minimum=0, maximum=500)
TRAINING_ALERT_MONTH = declare("training.alert_month", int, 10, "培训学时不足：每年从几月起提醒（至年底）", "队伍建设",
                               minimum=1, maximum=12)
TRAINING_MAX_PER_DAY = declare("training.max_hours_per_day", Decimal, Decimal("8"),
                               "集中培训每天最多计几学时（超过视为填错）", "队伍建设", minimum=1, maximum=24)

# --- accounts and privacy (PLATFORM.md "Security and privacy") -----------------------------------------------------
LOGIN_ATTEMPTS = declare("accounts.login_attempts", int, 5, "连续输错密码几次锁定账户", "账户与安全", minimum=1, maximum=20)
LOCKOUT_MINUTES = declare("accounts.lockout_minutes", int, 5, "首次锁定时长（分钟；此后每再输错一次加倍，最长24小时）",
                          "账户与安全", minimum=1, maximum=1440)
IDLE_LOCK_MINUTES = declare("accounts.idle_lock_minutes", int, 15, "无操作几分钟后锁定程序（须重新登录）", "账户与安全",
                            minimum=1, maximum=240)
PASSWORD_MIN_LENGTH = declare("accounts.password_min_length", int, 8, "密码最短长度", "账户与安全", minimum=6, maximum=64)


def get(session: Session, d: SettingDef) -> Any:
    from app.models import Setting

    # The table's columns, not the mapped class: the window's title reads the county's name before anything
    # else, and a query of the class would first configure every mapper (50 ms on the GUI thread at start-up).
    table = Setting.__table__
    value = session.scalar(select(table.c.value).where(table.c.key == d.key))
    if value is None:
        return d.default if d.derive is None else d.derive(lambda other: get(session, other))
    return d.coerce(json.loads(value))


def set_value(session: Session, d: SettingDef, value: Any) -> Any:
    from app.models import Setting

    v = d.coerce(value)
    stored = json.dumps(str(v) if isinstance(v, Decimal) else v, ensure_ascii=False)
    row = session.scalar(select(Setting).where(Setting.key == d.key))
    if row is None:
        session.add(Setting(key=d.key, value=stored))
    else:
        row.value = stored
    return v


def reader(session: Session) -> Callable[[SettingDef], Any]:
    """A cached getter for one unit of work (settings are read many times while computing rules).  The stored
    values are read in one query at the first use: on a server each query is a round trip."""
    from app.models import Setting

    stored: dict[str, str] | None = None
    cache: dict[str, Any] = {}

    def read(d: SettingDef) -> Any:
        nonlocal stored
        if d.key not in cache:
            if stored is None:
                stored = {k: v for k, v in session.execute(select(Setting.key, Setting.value))}
            if d.key in stored:
                cache[d.key] = d.coerce(json.loads(stored[d.key]))
            else:
                cache[d.key] = d.default if d.derive is None else d.derive(read)
        return cache[d.key]

    return read
