"""The processes of the local stacks: a free port to give a server, and stopping a process with
every process it started (Airflow's components start task processes, log servers, pools)."""

from __future__ import annotations

import contextlib
import signal
import socket
from collections.abc import Iterable

import psutil


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_trees(pids: Iterable[int], grace: float, sig: signal.Signals = signal.SIGTERM,
               signal_children: bool = False) -> None:
    """Stop each process of ``pids`` with everything below it: ``sig`` to each root (and to every
    descendant when ``signal_children``), then SIGKILL whatever of the trees is left after
    ``grace`` seconds. The trees are read before anything is signalled, so children that a dying
    parent leaves behind (or that started a session of their own) are stopped too."""
    roots, members = [], []
    for pid in pids:
        tree = _tree(pid)
        roots += tree[:1]
        members += tree
    for member in members if signal_children else roots:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.send_signal(sig)
    # the roots get the grace; what they leave behind is killed as soon as they are gone
    _, alive_roots = psutil.wait_procs(roots, timeout=grace)
    _, alive = psutil.wait_procs(members, timeout=0 if alive_roots else min(grace, 2))
    _kill_all(alive)


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
