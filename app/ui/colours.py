"""Colours the pages share, in a module of their own: the home page (提醒) needs its error colour before the
window shows, and app.ui.forms (the form widgets, 10 ms to import) only when a form opens."""

ERROR_COLOUR = "#c62828"
