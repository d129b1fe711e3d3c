"""The 提醒 dashboard (the home page)."""
