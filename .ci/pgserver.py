#!/usr/bin/env python3
"""A throw-away PostgreSQL server on loopback, for the tests and the benchmarks.

    python3 .ci/pgserver.py start DIR [--port N]   initdb a cluster in DIR (once) and start it; prints the URL
    python3 .ci/pgserver.py stop DIR               stop it (fast shutdown); a stopped server is not an error
    python3 .ci/pgserver.py url DIR                the URL of a cluster started in DIR
    python3 .ci/pgserver.py bin                    where the server programs are (exit 1: not installed)

The cluster trades durability for speed (fsync off): it holds nothing worth keeping.  It listens on 127.0.0.1
only, with scram-sha-256 passwords (so a wrong password is refused as on a real server), and its socket lives in
DIR, not in /run.  PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user that
Debian's package creates.  The superuser is `dangjian` with the password written in DIR/password."""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

SUPERUSER = "dangjian"


def bin_dir() -> Path:
    """The server binaries: pg_config's answer, else the newest Debian /usr/lib/postgresql/N/bin."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise SystemExit("找不到 PostgreSQL 服务器程序（initdb）：请安装 postgresql 软件包")  # exit status 1


def _as_owner(cmd: list[str]) -> list[str]:
    if os.name != "nt" and os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _url(root: Path) -> str:
    port = (root / "port").read_text().strip()
    password = (root / "password").read_text().strip()
    return f"postgresql+psycopg://{SUPERUSER}:{password}@127.0.0.1:{port}/postgres"


def _initdb(root: Path, port: int) -> None:
    data = root / "data"
    password = secrets.token_hex(12)
    (root / "password").write_text(password)
    pwfile = root / "pwfile"
    pwfile.write_text(password + "\n")
    if os.name != "nt" and os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(pwfile, "postgres")
    subprocess.run(_as_owner([str(bin_dir() / "initdb"), "-D", str(data), "-U", SUPERUSER, "--pwfile", str(pwfile),
                              "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]),
                   check=True, stdout=subprocess.DEVNULL)
    pwfile.unlink()
    with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{root}'\n"
                   "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 300\n"
                   "shared_buffers = 128MB\n")
    (root / "port").write_text(str(port))


def start(root: Path, port: int | None) -> None:
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    if not (root / "data" / "PG_VERSION").exists():
        _initdb(root, port or _free_port())
    log = root / "server.log"
    subprocess.run(_as_owner([str(bin_dir() / "pg_ctl"), "-D", str(root / "data"), "-l", str(log), "-w", "-t", "60",
                              "start"]), check=True, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    port_no = int((root / "port").read_text())
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port_no)) == 0:
                print(_url(root))
                return
        time.sleep(0.2)
    raise SystemExit(f"PostgreSQL 未能在 30 秒内启动，见 {log}")


def stop(root: Path) -> None:
    data = root.resolve() / "data"
    if not (data / "postmaster.pid").exists():
        return
    subprocess.run(_as_owner([str(bin_dir() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                   check=False, stdout=subprocess.DEVNULL)


def main(argv: list[str]) -> int:
    if argv[:1] == ["bin"]:
        print(bin_dir())
        return 0
    if len(argv) < 2 or argv[0] not in {"start", "stop", "url"}:
        print(__doc__)
        return 2
    root = Path(argv[1])
    if argv[0] == "start":
        port = int(argv[argv.index("--port") + 1]) if "--port" in argv else None
        start(root, port)
    elif argv[0] == "stop":
        stop(root)
    else:
        print(_url(root.resolve()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
