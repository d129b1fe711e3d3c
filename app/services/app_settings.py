"""Reading and saving the declared settings (app/settings.py) as one unit of work, for the 设置 page and
anything else that must not hold a session."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from app import settings as S
from app.errors import FieldProblem, ValidationError

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
        if problems:
            raise ValidationError(problems)
        saved: dict[str, Any] = {}
        with self._sf() as s, s.begin():
            for key, value in changes.items():
                saved[key] = S.set_value(s, S.SETTINGS[key], value)
        return saved
