"""`dangjian screenshot`: every main page rendered offscreen to a PNG."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage
from ui_fixtures import seed_register

from app.cli import main
from app.services.register import RegisterService
from app.ui.context import AppContext
from app.ui.pages import PAGES
from app.ui.screenshot import render_pages

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_render_pages_writes_one_png_per_page(qtbot, paths, db, tmp_path):
    seed_register(RegisterService(db.session_factory))
    files = render_pages(AppContext(paths, db), tmp_path / "shots")
    assert [f.name for f in files[:len(PAGES)]] == [f"{i:02d}-{p.key}.png" for i, p in enumerate(PAGES, start=1)]
    assert [f.name for f in files[len(PAGES):]] == ["dialog-member.png", "dialog-setup-wizard.png",
                                                    "dialog-unit-picture.png"]
    wizard = QImage(str(files[-2]))
    assert wizard.width() >= 640 and wizard.height() >= 480  # the whole first page of the set-up wizard
    for f in files[:len(PAGES)]:
        image = QImage(str(f))
        assert (image.width(), image.height()) == (1280, 800)


def test_screenshot_command(qtbot, paths, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["screenshot", str(out), "--data-dir", str(paths.data_dir), "--size", "1024x700"]) == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) == len(PAGES) + 2  # the member form and the set-up wizard (an empty county: no unit)
    assert QImage(printed[0]).width() == 1024


def test_screenshot_command_refuses_bad_input(qtbot, paths, tmp_path, capsys):
    assert main(["screenshot", str(tmp_path / "o"), "--data-dir", str(paths.data_dir), "--size", "big"]) == 2
    assert "宽x高" in capsys.readouterr().err


@pytest.mark.sqlite_only  # a data directory without its database file
def test_screenshot_command_refuses_an_empty_data_dir(qtbot, tmp_path, capsys):
    assert main(["screenshot", str(tmp_path / "o"), "--data-dir", str(tmp_path / "nothing")]) == 2
    assert "没有数据库" in capsys.readouterr().err
