"""Every workbook the app writes goes out through here: text is text, never a formula.

openpyxl stores a str that starts with "=" as a formula (<f>), so a unit, organisation, member, deduction reason
or evidence note such as `=HYPERLINK("http://…","点此")` would come out live in Excel and WPS.  Here every str
cell becomes a string cell (t="inlineStr"), and a text that a spreadsheet would take for a formula when someone
edits the cell (=, +, -, @, a leading tab or CR) also gets the quote prefix, as if typed with a leading ' (the
value itself is unchanged, so an import reads back exactly what was exported).  `workbook_bytes` checks the
finished file and refuses one that holds any formula: a writer that bypasses `text_cells` fails loudly, in tests
and in use, instead of shipping a live formula."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from app.errors import ReportError
from app.reports.output import write_atomic

# What Excel, WPS and LibreOffice may read as the start of a formula when a cell is typed or edited.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")

_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")


def as_text(cell: Any) -> Any:
    """`cell` (openpyxl, ordinary or write-only) with a str value stored as a string cell; returns the cell."""
    value = cell.value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_LEADS):
            cell.quotePrefix = True
    return cell


def text_cells(ws: Any, values: Iterable[Any]) -> list[Any]:
    """A row for a write-only sheet's `append`: str values as string cells, cells and other values as given."""
    from openpyxl.cell import WriteOnlyCell

    out: list[Any] = []
    for v in values:
        out.append(as_text(WriteOnlyCell(ws, value=v)) if isinstance(v, str) else v)
    return out


def all_text(workbook: Any) -> None:
    """Every str cell of the workbook's ordinary sheets a string cell (write-only sheets are written already:
    they take their rows from `text_cells` or cells passed through `as_text`)."""
    for ws in workbook.worksheets:
        if getattr(ws, "_cells", None) is None:
            continue
        for cell in ws._cells.values():
            as_text(cell)


def workbook_bytes(workbook: Any) -> bytes:
    """The saved workbook, with no formula in it (see the module's note)."""
    all_text(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    formulas = cells_with_formulas(data)
    if formulas:
        raise ReportError(f"工作簿中出现了公式（{'、'.join(formulas[:3])}），为防止表格中的内容被当作公式执行，"
                          f"未保存。请把此问题告知软件维护人员。")
    return data


def cells_with_formulas(data: bytes) -> list[str]:
    """The worksheets (by part name) of an .xlsx that hold a formula element."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [name for name in z.namelist()
                if name.startswith("xl/worksheets/") and name.endswith(".xml") and _FORMULA_ELEMENT.search(z.read(name))]


def save_workbook(workbook: Any, target: str | Path) -> Path:
    """`workbook` saved to `target` whole or not at all (app.reports.output.write_atomic), with no formula."""
    return write_atomic(target, workbook_bytes(workbook))
