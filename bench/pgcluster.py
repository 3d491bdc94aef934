"""A private PostgreSQL cluster for a benchmark that stops and starts its database.

The shared server on 127.0.0.1:5432 belongs to the test suite and to other people's work, so a
benchmark that restarts PostgreSQL runs its own: `initdb` into a folder of its own, a free
loopback port, its socket in that folder, trust authentication. Debian's server binaries refuse
to run as root, so as root they run as the `postgres` user (`runuser`), who then owns the
folder. `fsync=off`: the cluster is thrown away after the run, and a benchmark of the service
should not measure the disk's flushes under other people's load."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


class ClusterError(RuntimeError):
    """The private cluster could not be created, started or stopped; the message says why."""


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        path = shutil.which("initdb")
        if path is None:
            raise ClusterError(
                "no initdb: install PostgreSQL's server (apt-get install postgresql)"
            )
        return Path(path).parent
    return Path(found[-1]).parent  # the newest major version


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Cluster:
    """`initdb`, `pg_ctl start`/`stop` of one cluster under `root`, on a free port."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.port = free_port()
        self.bin = _bin_dir()
        # initdb and postgres refuse root; any other user runs them as itself.
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/testigo"

    def _run(self, tool: str, *args: str, timeout: float = 120.0) -> None:
        command = [*self._as, str(self.bin / tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            raise ClusterError(f"{tool} {' '.join(args[:2])} failed: {' | '.join(tail)}")

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self._as:
            shutil.chown(self.root, user="postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "testigo")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; `fast` ends the sessions of every client, as a restart does."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def pids(self) -> list[int]:
        """The postmaster and its children (backends, writers), or none while stopped."""
        from bench.check import _tree

        with contextlib.suppress(OSError, ValueError, IndexError):
            return _tree(int((self.data / "postmaster.pid").read_text().split()[0]))
        return []

    def running(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 1):
            return True
        return False

    def destroy(self) -> None:
        if self.running():
            with contextlib.suppress(ClusterError, subprocess.SubprocessError):
                self.stop("immediate")
        for _ in range(20):  # the postmaster may take a moment to leave its folder
            if not self.running():
                break
            time.sleep(0.2)
        shutil.rmtree(self.root, ignore_errors=True)
