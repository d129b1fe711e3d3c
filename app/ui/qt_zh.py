"""Chinese for the strings of Qt's own dialogs that the zh_CN translation shipped with PySide6 lacks.

Qt 6.11 changed some source texts of its file dialog (``Look in:`` became ``&Look in:``, ``Files of type:``
became ``Files of &type:``) and the ``qtbase_zh_CN.qm`` in the wheel still holds the old ones, so on a machine
where Qt draws its own file dialog (Linux without a desktop theme, or any non-native dialog) those labels and the
type column (``Folder``) came out in English.  This translator answers only for the texts listed here and is
installed after Qt's, so it is asked first; for every other text it answers nothing and Qt's translation is
used.  A test opens Qt's file dialogs and fails on any English label left."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTranslator

# context → source text → Chinese.  Only what qtbase_zh_CN.qm does not translate (checked by the test).
MISSING: dict[str, dict[str, str]] = {
    "QFileDialog": {
        "&Look in:": "查找范围(&L)：",
        "Files of &type:": "文件类型(&T)：",
        "Do you want to replace it?": "要替换它吗？",
        "Directory not found.": "找不到该文件夹。",
        "Please verify the correct directory name was given.": "请检查文件夹名称是否正确。",
        "File not found.": "找不到该文件。",
        "Please verify the correct file name was given.": "请检查文件名称是否正确。",
        "Do you want to delete it anyway?": "仍要删除吗？",
    },
    # The type column of the file dialog's list ("File Folder" is the Windows wording, "Folder" the others').
    "QAbstractFileIconProvider": {
        "Drive": "驱动器",
        "File Folder": "文件夹",
        "Folder": "文件夹",
        "File": "文件",
        "Unknown": "未知",
        "%1 File": "%1 文件",
    },
}


class SupplementTranslator(QTranslator):
    """Answers for the texts in MISSING, nothing for the rest (so the next translator is asked)."""

    def translate(self, context: str, source_text: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        # None reaches Qt as a null string, which sends it on to the next translator; "" would be taken as
        # the translation and blank every other text of Qt's.
        return MISSING.get(context, {}).get(source_text)

    def isEmpty(self) -> bool:  # noqa: N802 (Qt's name) — an empty translator would be skipped by Qt
        return False


def install(app: QCoreApplication) -> QTranslator:
    """Install after Qt's own translator: translators installed last are asked first."""
    translator = SupplementTranslator(app)
    app.installTranslator(translator)
    return translator
