"""Who is acting, and what each role may do: the current user of the process and the permission checks.

Below the audit trail (which names the actor in every entry) and the account service (which logs users in and
re-exports all of this as its interface: `accounts.current()`, `accounts.require(...)`)."""

from __future__ import annotations

import enum
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from app.errors import PermissionDenied
from app.models import Role


class Permission(enum.Enum):
    READ = "查看数据"
    WRITE = "修改数据"
    REOPEN = "重新开放已锁定的考评期"
    REVEAL = "查看完整的身份证号和电话"
    EXPORT_REVEAL = "导出完整的身份证号和电话"
    CARE_REVEAL = "查看关怀对象的个人情况"
    CARE_EXPORT = "导出关怀对象的个人情况"
    ACCOUNTS = "管理用户账户"
    SETTINGS = "修改设置"
    AUDIT_VIEW = "查看审计日志"
    RESTORE = "从备份恢复数据库"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.ASSESSOR: frozenset({Permission.READ, Permission.WRITE}),
    Role.VIEWER: frozenset({Permission.READ}),
    # Reads its own unit only and writes only what app.services.unit_scope lets through (its 自评, organisation-life
    # records and 整改 progress): the write guard asks the unit scope, not WRITE, for this role.
    Role.UNIT_REPORTER: frozenset({Permission.READ}),
}


@dataclass(frozen=True)
class Actor:
    """The logged-in user as the services see it."""

    user_id: int
    username: str
    display_name: str
    role: Role
    unit_id: int | None = None  # the unit a 单位填报员 is bound to

    @property
    def who(self) -> str:
        """The audit trail's "who": the display name, and the login name when it differs."""
        if self.display_name == self.username:
            return self.username[:60]
        return f"{self.display_name}（{self.username}）"[:60]

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


# --- the current user --------------------------------------------------------------------------------------------

# One process-wide value, not a context variable: the UI's background threads act for the same logged-in user.
_current: Actor | None = None
_current_lock = threading.Lock()


def current() -> Actor | None:
    return _current


def set_current(actor: Actor | None) -> None:
    global _current
    with _current_lock:
        _current = actor


@contextmanager
def acting_as(actor: Actor | None) -> Iterator[Actor | None]:
    """Act as `actor` for a block (a CLI command, a test), then restore whoever acted before."""
    before = current()
    set_current(actor)
    try:
        yield actor
    finally:
        set_current(before)


def allowed(permission: Permission) -> bool:
    actor = current()
    return actor is None or actor.can(permission)


def require(permission: Permission) -> None:
    """Raise PermissionDenied unless the current user's role allows `permission`."""
    actor = current()
    if actor is not None and not actor.can(permission):
        if actor.user_id == 0:  # the CLI without --user on a database that has accounts
            raise PermissionDenied(f"数据库已建立用户账户，请用 --user 用户名 登录后再{permission.value}")
        raise PermissionDenied(f"当前用户“{actor.who}”（{actor.role.value}）无权{permission.value}")


def who() -> str | None:
    actor = current()
    return actor.who if actor is not None else None
