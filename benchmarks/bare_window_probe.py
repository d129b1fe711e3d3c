"""The floor of `startup_probe.py`: a bare PySide6 main window with a 200-row table, offscreen, measured the
same way (the caller times from spawning this process to its READY line).

    python benchmarks/bare_window_probe.py

What any Qt application of this kind pays before its first window: the interpreter, QtWidgets, one window with
a model of 200 rows shown and its first events processed."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROWS, COLUMNS = 200, 6


def main() -> int:
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

    app = QApplication(sys.argv[:1])
    model = QStandardItemModel(ROWS, COLUMNS)
    for row in range(ROWS):
        for col in range(COLUMNS):
            model.setItem(row, col, QStandardItem(f"第{row + 1}行第{col + 1}列"))
    window = QMainWindow()
    view = QTableView()
    view.setModel(model)
    window.setCentralWidget(view)
    window.resize(1280, 800)
    window.show()
    for _ in range(5):
        app.processEvents()
    print("READY {}", flush=True)
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
