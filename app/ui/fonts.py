"""The UI font: the bundled CJK font (WenQuanYi Micro Hei) is registered with Qt so Chinese never shows as
boxes on a machine without Chinese fonts; a system font made for Chinese screens is preferred when present.
(matplotlib's registration is the documents' side, in app/reports.)"""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

from app.paths import font_path

log = logging.getLogger(__name__)

# System fonts that render Chinese UI text well, in order of preference.
PREFERRED_SYSTEM_FAMILIES = ("Microsoft YaHei UI", "Microsoft YaHei", "微软雅黑", "PingFang SC",
                             "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei")
UI_POINT_SIZE = 10


def register_bundled_font() -> list[str]:
    """Add the shipped font to Qt's database; its family names (empty if the file is missing or broken)."""
    path = font_path()
    font_id = QFontDatabase.addApplicationFont(str(path))
    if font_id < 0:
        log.warning("bundled font could not be loaded: %s", path)
        return []
    return list(QFontDatabase.applicationFontFamilies(font_id))


def install_ui_font(app: QGuiApplication) -> str:
    """Register the bundled font and make the best available Chinese font the application font."""
    bundled = register_bundled_font()
    available = set(QFontDatabase.families())
    family = next((f for f in PREFERRED_SYSTEM_FAMILIES if f in available), None) or (bundled[0] if bundled else "")
    if family:
        font = QFont(family, UI_POINT_SIZE)
        # Latin text in the same font as Chinese: no mixed baselines in tables.
        font.setStyleHint(QFont.StyleHint.SansSerif)
        app.setFont(font)
    return family
