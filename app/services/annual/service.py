"""`AnnualService`: the year's work in one service, made of its parts (each in its own module)."""

from __future__ import annotations

from app.services.annual.commitments import CommitmentService
from app.services.annual.followups import FollowUpService
from app.services.annual.review import DutyReviewService


class AnnualService(CommitmentService, DutyReviewService, FollowUpService):
    """公开承诺 and 责任清单, the 述职评议, the year's results and the 约谈 and 整改 that follow them."""
