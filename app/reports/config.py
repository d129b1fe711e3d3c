"""The issuing body and fonts of the documents, from the settings (declared in app/settings.py, group 公文).

Callers pass a settings reader (`app.settings.reader(session)`), so this module never touches the database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app import settings as S
from app.reports.gongwen import IssuingBody
from app.reports.styles import DocumentStyle

Reader = Callable[[S.SettingDef], Any]


def issuer_from_settings(read: Reader) -> IssuingBody:
    return IssuingBody(
        name=str(read(S.ISSUER_NAME)).strip(),
        code=str(read(S.ISSUER_CODE)).strip(),
        mark=str(read(S.ISSUER_MARK)).strip(),
        recipients=str(read(S.RECIPIENTS)).strip(),
        cc=tuple(str(x).strip() for x in read(S.CC) if str(x).strip()),
        printer=str(read(S.PRINTER)).strip() or str(read(S.ISSUER_NAME)).strip(),
        contact=str(read(S.CONTACT)).strip(),
    )


def style_from_settings(read: Reader) -> DocumentStyle:
    defaults = DocumentStyle()

    def font(d: S.SettingDef, fallback: str) -> str:
        return str(read(d)).strip() or fallback

    return DocumentStyle(
        fangsong=font(S.FONT_FANGSONG, defaults.fangsong),
        kaiti=font(S.FONT_KAITI, defaults.kaiti),
        heiti=font(S.FONT_HEITI, defaults.heiti),
        xiaobiaosong=font(S.FONT_XIAOBIAOSONG, defaults.xiaobiaosong),
        songti=font(S.FONT_SONGTI, defaults.songti),
    )
