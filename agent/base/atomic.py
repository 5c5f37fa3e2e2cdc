"""The atomic writer: a workspace file is replaced whole or not at all.

Every file the product writes for later reading (an ICP version, a mapping, an eval run, an
enriched list, a CRM bundle's policy) goes through here, so a crash or a kill never leaves
a half-written file where a reader expects a whole one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def atomic_open(path: Path, newline: str | None = None) -> Iterator[TextIO]:
    """A text file that replaces ``path`` only when the block ends without an error; a
    crash or a kill leaves the old file (and at most a hidden temporary beside it)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, text: str) -> None:
    with atomic_open(path) as fh:
        fh.write(text)
