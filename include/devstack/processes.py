"""The processes of the local stacks: a free port to give a server, the account a database
server runs as, the private folders and files they keep (data, passwords, secrets), and stopping a
process with every process it started (Airflow's components start task processes, log servers,
pools)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
from collections.abc import Iterable
from pathlib import Path

import psutil


class SetupError(Exception):
    """A server of a local stack cannot start; the message names the fix."""


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_user(*names: str) -> str | None:
    """The account a database server runs as: this one, or under root the first of ``names`` that
    exists (postgres refuses to run as root)."""
    if os.geteuid() != 0:
        return None
    for name in names:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise SetupError(f"none of the accounts {names} exists to run the server unprivileged. "
                     "Fix: apt-get install postgresql redis-server (they create them), or run as another user.")


def own_folder(path: Path, user: str | None) -> None:
    """``path`` (a folder) private to ``user``, who must reach it through its parents."""
    path.mkdir(parents=True, exist_ok=True)
    if user is None:
        return
    shutil.chown(path, user, pwd.getpwnam(user).pw_gid)
    path.chmod(0o700)
    for parent in path.parents:
        if not parent.stat().st_mode & 0o001:
            raise SetupError(f"the server runs as {user!r}, which cannot pass {parent} (mode "
                             f"{parent.stat().st_mode & 0o777:o}). Fix: a folder under folders others may pass.")


def write_private(path: Path, text: str) -> None:
    """``text`` as a new file only this account can read (a password, a secret key). Refuses a
    path that exists (FileExistsError), so a secret never goes into a file or link already there."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


def stop_trees(pids: Iterable[int], grace: float, sig: signal.Signals = signal.SIGTERM,
               signal_children: bool = False) -> None:
    """Stop each process of ``pids`` with everything below it: ``sig`` to each root (and to every
    descendant when ``signal_children``); once those have ended, or after ``grace`` seconds,
    SIGKILL whatever of the trees is left. The trees are read before anything is signalled, so
    children that a dying parent leaves behind (or that started a session of their own) are
    stopped too."""
    roots, members = [], []
    for pid in pids:
        tree = _tree(pid)
        roots += tree[:1]
        members += tree
    told = members if signal_children else roots
    for member in told:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.send_signal(sig)
    psutil.wait_procs(told, timeout=grace)
    _kill_all([member for member in members if member.is_running()])


def kill_tree(pid: int) -> list[int]:
    """SIGKILL ``pid`` and every process under it at once (a worker and its task processes, as
    a crashed machine would lose them); the pids killed."""
    tree = _tree(pid)
    _kill_all(tree)
    return [member.pid for member in tree]


def _kill_all(processes: list[psutil.Process]) -> None:
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(processes, timeout=10)


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []
