"""Reading and saving the declared settings (app/settings.py) as one unit of work, for the 设置 page and
anything else that must not hold a session.  Every saved change is in the audit trail (entity `setting`, the key
as its field); the working-day override lists are checked as a whole (app.services.workdays)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from app import settings as S
from app.errors import FieldProblem, ValidationError
from app.services import workdays
from app.services.audit import unit_of_work

SessionFactory = Callable[[], Session]


class SettingsService:
    def __init__(self, session_factory: SessionFactory) -> None:
        self._sf = session_factory

    def value(self, d: S.SettingDef) -> Any:
        with self._sf() as s:
            return S.get(s, d)

    def values(self) -> dict[str, Any]:
        """Every declared setting's current value, by key (defaults for those never saved)."""
        with self._sf() as s:
            read = S.reader(s)
            return {key: read(d) for key, d in S.SETTINGS.items()}

    def save(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Check every value first; save all of them in one transaction or none (problems per key)."""
        problems: list[FieldProblem] = []
        for key, value in changes.items():
            d = S.SETTINGS.get(key)
            if d is None:
                problems.append(FieldProblem(key, f"没有名为“{key}”的设置"))
                continue
            try:
                d.coerce(value)
            except ValidationError as exc:
                problems.extend(FieldProblem(key, p.message) for p in exc.problems)
        if not problems:
            with self._sf() as s:
                problems.extend(workdays.check_setting_changes(changes, S.reader(s)))
        if problems:
            raise ValidationError(problems)
        saved: dict[str, Any] = {}
        with unit_of_work(self._sf) as (s, log):
            read = S.reader(s)
            for key, value in changes.items():
                d = S.SETTINGS[key]
                before = read(d)
                saved[key] = S.set_value(s, d, value)
                if saved[key] != before:  # one entry per setting changed: who changed which rule, from what to what
                    log.record("修改", "setting", None, key, _shown(before), _shown(saved[key]))
        return saved


def _shown(value: Any) -> Any:
    return "，".join(str(v) for v in value) if isinstance(value, list) else value
