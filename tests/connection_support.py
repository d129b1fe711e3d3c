"""Shared by the connection tests: a password to look for, a keyring stand-in, a port nobody listens on."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

SECRET = "Zq7-secret-Pw"


class FakeKeyring:
    """The three calls of the `keyring` package that app.connection uses."""

    def __init__(self) -> None:
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, key: str) -> str | None:
        return self.store.get((service, key))

    def set_password(self, service: str, key: str, password: str) -> None:
        self.store[(service, key)] = password

    def delete_password(self, service: str, key: str) -> None:
        del self.store[(service, key)]


def free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def closed_port_url(password: str = SECRET) -> str:
    return f"postgresql://officer:{password}@127.0.0.1:{free_port()}/county"


def isolate_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """libpq would read PGPASSWORD and ~/.pgpass, and a developer's keyring may be installed: none of them may
    answer for a test."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    monkeypatch.setitem(sys.modules, "keyring", None)  # `import keyring` raises ImportError
