"""机关党建考评 (dangjian): a desktop application for a county's 县直机关工委."""

__version__ = "0.1.0"
APP_NAME = "dangjian"
APP_TITLE = "机关党建考评"
