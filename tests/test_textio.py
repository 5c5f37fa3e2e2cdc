from pathlib import Path

import pytest

from agent.base.errors import IngestError
from retrieval.textio import detect_encoding, read_text

TEXT = "Company,Notes\nMüller GmbH,Ça coûte trop cher – price\n"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("cp1252", "cp1252")],
)
def test_encodings_are_detected_and_decoded(tmp_path: Path, encoding: str, expected: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(TEXT.encode(encoding))
    assert detect_encoding(path) == expected
    assert read_text(path).replace("\r\n", "\n") == TEXT


def test_latin1_bytes_are_read_not_rejected(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes("Café São Paulo, señor\n".encode("latin-1"))
    assert "São Paulo" in read_text(path)


def test_empty_and_whitespace_files_are_refused(tmp_path: Path) -> None:
    for content in (b"", b"  \n\n "):
        path = tmp_path / "empty.csv"
        path.write_bytes(content)
        with pytest.raises(IngestError, match="empty.csv: file is empty"):
            detect_encoding(path)


def test_binary_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "image.csv"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(IngestError, match="binary"):
        detect_encoding(path)
