"""Reading input files as text: encoding detection, binary and empty-file checks.

Exports from CRMs and helpdesks arrive as UTF-8 (with or without BOM), UTF-16 with BOM
(Excel "Unicode text"), or a legacy single-byte code page. We decide the encoding from a
sample of the head of the file and then stream the rest.
"""

from __future__ import annotations

import codecs
import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from charset_normalizer import from_bytes

from agent.base.errors import IngestError

SAMPLE_BYTES = 256 * 1024
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def file_sha256(path: Path) -> str:
    """Content hash of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def detect_encoding(path: Path) -> str:
    """Pick a text encoding for ``path`` or raise :class:`IngestError` (empty/binary)."""
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    if not sample.strip():
        raise IngestError(str(path), "file is empty")
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    if b"\x00" in sample:
        raise IngestError(str(path), "looks like a binary file (NUL bytes), not text")
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character may be cut at the end of the sample.
        if exc.start >= len(sample) - 3 and len(sample) == SAMPLE_BYTES:
            return "utf-8"
    best = from_bytes(sample, cp_isolation=["cp1252", "latin_1", "utf_8"]).best()
    if best is None:
        raise IngestError(str(path), "cannot tell the text encoding (binary file?)")
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if control > len(sample) // 100:
        raise IngestError(str(path), "looks like a binary file, not text")
    return "cp1252" if best.encoding in ("cp1252", "latin_1", "iso8859_1") else best.encoding


@contextmanager
def open_text(path: Path) -> Iterator[io.TextIOBase]:
    """Open ``path`` for streaming text reads with the detected encoding.

    Undecodable bytes later in a file raise :class:`IngestError` naming the file.
    """
    encoding = detect_encoding(path)
    with path.open("r", encoding=encoding, newline="") as fh:
        try:
            yield fh
        except UnicodeDecodeError as exc:
            raise IngestError(
                str(path), f"bytes that are not valid {encoding} ({exc.reason})"
            ) from exc


def read_text(path: Path) -> str:
    """Whole-file text read with the detected encoding."""
    with open_text(path) as fh:
        return fh.read()
