"""Enumerations of the domain; values are the Chinese labels users see and the database stores."""

from __future__ import annotations

import enum


class LabelEnum(str, enum.Enum):
    """An enum whose value is its Chinese label."""

    @property
    def label(self) -> str:
        return str(self.value)

    @classmethod
    def from_label(cls, text: str) -> LabelEnum:
        text = (text or "").strip()
        for member in cls:
            if member.value == text:
                return member
        raise ValueError(text)

    def __str__(self) -> str:
        return str(self.value)


class OrgKind(LabelEnum):
    ORGAN_COMMITTEE = "机关党委"
    GENERAL_BRANCH = "党总支"
    BRANCH = "党支部"
    JOINT_BRANCH = "联合支部"


class OrgPostKind(LabelEnum):
    SECRETARY = "书记"
    DEPUTY_SECRETARY = "副书记"
    ORGANISATION = "组织委员"
    PUBLICITY = "宣传委员"
    DISCIPLINE = "纪检委员"


class MemberStatus(LabelEnum):
    FULL = "正式党员"
    PROBATIONARY = "预备党员"


class Gender(LabelEnum):
    MALE = "男"
    FEMALE = "女"


class TransferKind(LabelEnum):
    INTERNAL = "县内转接"
    IN = "转入"
    OUT = "转出"
    # Leaving the register otherwise than by a transfer (recorded the same way, as the member's history).
    EXPELLED = "出党"
    DECEASED = "去世"
