"""The demo county's locked periods carry the digest their lock takes, so `audit verify` checks every one of them;
a month locked without one (an earlier version, a bulk write) is named as unchecked, never as tampered with."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.demo import scores
from app.models import Period, PeriodKind, PeriodState
from app.services.opening import open_database


def _locked(data: Path) -> dict[PeriodKind, int]:
    db = open_database(data / "dangjian.sqlite3")
    try:
        with db.session_factory() as s:
            rows = s.execute(select(Period.kind, func.count()).where(Period.state == PeriodState.LOCKED)
                             .group_by(Period.kind)).all()
    finally:
        db.close()
    return {kind: n for kind, n in rows}


def _verify(data: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["audit", "verify", "--data-dir", str(data)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_fresh_demo_verifies_with_every_lock_digest_checked(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "county"
    assert main(["demo", "--data-dir", str(data), "--size", "tiny", "--seed", "3"]) == 0
    locked = _locked(data)
    assert locked.get(PeriodKind.MONTH, 0) >= 10  # a year of scored months, all but this one locked
    code, out, err = _verify(data, capsys)
    assert code == 0 and err == ""
    assert "审计日志完好" in out
    assert f"已核对{sum(locked.values())}个锁定考评期的锁定时数据摘要" in out
    assert "未记录摘要" not in out


def test_months_locked_without_a_digest_are_unchecked_not_tampered(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A county whose months were locked as earlier versions locked them: no digest in the trail."""
    monkeypatch.setattr(scores, "_with_digests", lambda _s, audit: iter(audit))
    data = tmp_path / "county"
    assert main(["demo", "--data-dir", str(data), "--size", "tiny", "--seed", "3"]) == 0
    locked = _locked(data)
    code, out, err = _verify(data, capsys)
    assert code == 0 and err == ""
    assert "审计日志完好" in out and "当前数据与日志一致" in out
    found = re.search(r"已核对(\d+)个锁定考评期的锁定时数据摘要（另有(\d+)个锁定时未记录摘要，无法核对：由旧版本锁定或批量生成）", out)
    assert found is not None, out
    checked, unchecked = int(found[1]), int(found[2])
    assert unchecked == locked[PeriodKind.MONTH]  # the months; quarters are locked through the service
    assert checked + unchecked == sum(locked.values())
    assert "篡改" not in out and "改动" not in out
