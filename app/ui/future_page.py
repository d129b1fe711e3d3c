"""Pages for the areas later work fills: each says what will come there and what it will do for the user, so
the navigation shows the whole product from the first version.  An area's real page replaces its line in
pages.py."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

# area key → (one-sentence purpose, what the page will do)
AREAS: dict[str, tuple[str, list[str]]] = {
    "scoring": (
        "落实“每月一考评”：每月按考评指标体系对各县直单位的党建工作打分。",
        [
            "按年度考评指标体系（默认100分，另设加分项不超过5分）建立每个单位的月度考评表；",
            "单位自评、机关工委复核，每项扣分写明原因并附佐证材料，复核分为准；",
            "按复核总分排名（并列同名次），分为先进、中间、后进三档，一票否决事项单独标示；",
            "考评期按“草稿 → 已复核 → 已锁定”推进，锁定后的修改须由管理员说明理由，并记入防篡改的审计日志；",
            "列出本月约谈对象：后进且排名末位、低于70分、有一票否决、连续两个月后进的单位。",
        ],
    ),
    "bulletins": (
        "落实“每月一通报”：用考评结果自动生成规范的红头通报（Word 文档）。",
        [
            "月度通报按党政机关公文格式（GB/T 9704）排版：发文机关标志、发文字号（按年编号）、标题、主送机关；",
            "正文包括基本情况、考评结果（点名先进单位、分档表）、存在问题（按扣分原因归类计数）、工作要求；",
            "附全县平均分走势图、本月得分分布图（黑白打印也清楚）和完整的得分排名表；",
            "另可生成季度分级考核通报、年度述职评议结果通报，以及发给各单位的考评情况反馈单；",
            "已印发的通报保留当时的数据快照和文号，并印上审计日志链头，以备核查。",
        ],
    ),
    "interviews": (
        "落实“每月一约谈”，并把整改跟踪到销号。",
        [
            "从月度考评结果带出约谈对象，生成约谈通知书（事由、时间、地点、约谈人、需带材料）；",
            "登记约谈记录：谈话内容、被约谈人表态、整改要求和时限（默认15个工作日），打印签字；",
            "整改台账：每个问题的整改措施、责任人、完成时限和状态（未整改、整改中、待审核、已销号、逾期）；",
            "逾期未整改的事项会出现在“提醒”页。",
        ],
    ),
    "periodic": (
        "季度分级量化考核和年度述职评议。",
        [
            "季度分级量化考核：按月度得分计算季度得分，评定好、较好、一般、差四个等次，一票否决封顶“较好”；",
            "年初党组织书记公开承诺、党建工作责任清单的登记和年底践诺情况；",
            "年底党建述职评议：投票统计、好票率、综合得分（月度与季度60%、年终检查30%、述职评议10%）；",
            "评选“党建工作优秀单位”，生成每个单位的述职评议材料汇编和全县评议结果汇总表（Word 与 Excel）。",
        ],
    ),
    "orglife": (
        "组织生活记录：三会一课、主题党日、组织生活会、民主评议党员、谈心谈话。",
        [
            "按支部登记每次会议、党课和活动的时间、内容和出勤情况；",
            "按规定频次自动检查：支委会、党小组会、主题党日每月一次，党员大会、党课每季度一次，组织生活会和民主评议每年一次；",
            "党员领导干部参加双重组织生活的情况；",
            "缺漏和逾期登记的事项出现在“提醒”页，并作为月度考评“组织生活”一项的依据。",
        ],
    ),
}


class FuturePage(QWidget):
    def __init__(self, title: str, purpose: str, features: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        head = QLabel(title)
        font = head.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        head.setFont(font)
        status = QLabel("本功能正在建设中，将在后续版本中提供。届时这里将：")
        status.setStyleSheet("color: #8a6d00;")
        body = QLabel(f"<p>{purpose}</p><ul>" + "".join(f"<li style='margin-bottom:6px'>{f}</li>" for f in features)
                      + "</ul>")
        body.setObjectName("future_body")
        body.setWordWrap(True)
        body.setTextFormat(Qt.TextFormat.RichText)
        inner = QWidget()
        col = QVBoxLayout(inner)
        col.addWidget(head)
        col.addWidget(status)
        col.addWidget(body)
        col.addStretch()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

