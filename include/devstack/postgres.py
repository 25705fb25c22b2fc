"""A private PostgreSQL server of Debian's binaries, its data in a folder of the stack: the
metadata DB of ``make up`` and ``make cluster``.

It listens on 127.0.0.1 only (no unix socket, whose folder would have to be the server
account's), with a password, and under root runs as Debian's ``postgres`` account.
"""

from __future__ import annotations

import glob
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from devstack.processes import SetupError, own_folder, service_user, stop_trees

STOP_SECONDS = 30


def postgres_bin(name: str) -> str:
    """The path of one of Debian's PostgreSQL programs (``initdb``, ``postgres``)."""
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise SetupError(f"{name} not found. Fix: apt-get install postgresql (`make up` and `make cluster` do it "
                         "when missing).")
    return found


@dataclass(frozen=True)
class LocalPostgres:
    """The server whose data is in ``folder`` (made on the first start), serving ``database`` to
    ``user`` on ``port``."""

    folder: Path
    port: int
    user: str
    password: str
    database: str

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the database, with the driver the lock pins (psycopg2)."""
        return f"postgresql+psycopg2://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.database}"

    def start(self, log: Path, timeout: float = 60) -> subprocess.Popen:
        """Start the server (after ``initdb`` on the first start), wait until it answers and make
        the database if missing. Output goes to ``log``; a failed start stops what it started."""
        owner = service_user("postgres")
        data = self.folder / "data"
        if not (data / "PG_VERSION").exists():
            self._initdb(data, owner, log)
        with open(log, "ab") as out:
            process = subprocess.Popen(
                [postgres_bin("postgres"), "-D", str(data), "-p", str(self.port),
                 "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
                 "-c", "max_connections=300", "-c", "synchronous_commit=off"],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, user=owner, cwd=self.folder)
        try:
            self._create_database(process, log, timeout)
        except BaseException:
            self.stop(process)
            raise
        return process

    @staticmethod
    def stop(process: subprocess.Popen) -> None:
        """SIGINT: PostgreSQL's fast shutdown (open transactions roll back, the data stays)."""
        if process.poll() is None:
            stop_trees([process.pid], STOP_SECONDS, sig=signal.SIGINT)

    def _initdb(self, data: Path, owner: str | None, log: Path) -> None:
        own_folder(self.folder, owner)
        with tempfile.NamedTemporaryFile("w", dir=self.folder, prefix="initdb-password-") as pw:
            pw.write(self.password)
            pw.flush()
            if owner:
                shutil.chown(pw.name, owner)
            with open(log, "ab") as out:
                done = subprocess.run([postgres_bin("initdb"), "-D", str(data), "-U", self.user, f"--pwfile={pw.name}",
                                       "-A", "scram-sha-256", "-E", "UTF8", "--no-instructions"],
                                      stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, user=owner,
                                      timeout=300, check=False)
        if done.returncode:
            raise SetupError(f"initdb failed ({done.returncode}); its log {log}:\n{_tail(log)}")

    def _create_database(self, process: subprocess.Popen, log: Path, timeout: float) -> None:
        import psycopg2  # the DB driver: only the stacks that run PostgreSQL need it

        connect = {"host": "127.0.0.1", "port": self.port, "user": self.user, "password": self.password,
                   "connect_timeout": 3}
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise SetupError(f"postgres exited with {process.returncode} while starting; its log {log}:\n{_tail(log)}")
            try:
                conn = psycopg2.connect(dbname="postgres", **connect)
                break
            except psycopg2.OperationalError as error:
                if time.monotonic() > deadline:
                    raise SetupError(f"postgres not ready after {timeout:.0f} s ({error}); its log {log}") from error
                time.sleep(0.5)
        conn.autocommit = True  # CREATE DATABASE runs outside a transaction
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.database,))
                if not cursor.fetchone():
                    cursor.execute(f'CREATE DATABASE "{self.database}"')
        finally:
            conn.close()


def _tail(log: Path, chars: int = 3000) -> str:
    return log.read_text(errors="replace")[-chars:] if log.exists() else ""
