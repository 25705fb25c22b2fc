"""Folders for the test stacks' database servers: under root, postgres and redis run as Debian's
accounts, which must pass every parent folder, and pytest's own temporary folders are private."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def passable_folder(prefix: str) -> Iterator[Path]:
    """A new folder under the system's temporary folder that other accounts may pass; removed
    with everything in it at the end."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
