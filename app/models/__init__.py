"""The data model (SQLAlchemy 2, typed).  Import every model module here so `Base.metadata` is complete."""

from app.models.audit import AuditEntry
from app.models.base import Base, Score, UTCDateTime, utcnow
from app.models.documents import (
    Bulletin,
    Interview,
    InterviewPost,
    Rectification,
    RectificationItem,
    RectificationStatus,
)
from app.models.enums import Gender, MemberStatus, OrgKind, OrgPostKind, TransferKind
from app.models.orglife import AppraisalGrade, OrgLifeAttendance, OrgLifeKind, OrgLifeRecord
from app.models.recruit import Recruit, RecruitStage, RecruitStageKind, ReviewResult
from app.models.register import Member, OrgPost, PartyOrg, Setting, Transfer, Unit
from app.models.scoring import (
    Bonus,
    Deduction,
    Indicator,
    IndicatorCategory,
    IndicatorMethod,
    IndicatorScheme,
    Period,
    PeriodKind,
    PeriodState,
    ScoreItem,
    ScoreSheet,
    SuggestionRejection,
    Tier,
)

__all__ = [
    "Bulletin",
    "Interview",
    "InterviewPost",
    "Rectification",
    "RectificationItem",
    "RectificationStatus",
    "AppraisalGrade",
    "OrgLifeAttendance",
    "OrgLifeKind",
    "OrgLifeRecord",
    "Recruit",
    "RecruitStage",
    "RecruitStageKind",
    "ReviewResult",
    "AuditEntry",
    "Bonus",
    "Deduction",
    "Indicator",
    "IndicatorCategory",
    "IndicatorMethod",
    "IndicatorScheme",
    "Period",
    "PeriodKind",
    "PeriodState",
    "ScoreItem",
    "ScoreSheet",
    "SuggestionRejection",
    "Tier",
    "Base",
    "Gender",
    "Member",
    "MemberStatus",
    "OrgKind",
    "OrgPost",
    "OrgPostKind",
    "PartyOrg",
    "Score",
    "Setting",
    "Transfer",
    "TransferKind",
    "UTCDateTime",
    "Unit",
    "utcnow",
]
