"""Every quote the product shows is verbatim in the raw cell or turn of its source.

The property is checked against the files themselves, read here independently of the
product's parsers: a CSV row's cells as the ``csv`` module reads them, a JSON meeting's
turns (one speaker's consecutive utterances) as written. Cleaning (markdown, HTML, URLs,
speech annotations) may shape what is mined, never what a quote holds. Deal rows cited as
records (``cites: record``) are not quotes and are checked by the grounding step instead.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.base.quotes import bare, flat
from agent.cli import app

from .conftest import SAMPLE_DATA, shared_data

runner = CliRunner()
FIXTURES = Path(__file__).parent / "fixtures" / "exports"
csv.field_size_limit(1 << 30)


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def raw_units(path: Path) -> dict[str, list[str]]:
    """The raw texts of a file by locator (``row=N``: the cells of the N-th line record,
    ``turn=N``: the N-th speaker turn of a list of turns); ``*``: every string in the
    file (JSON of another shape, captions, notes), for a file-level check."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if path.suffix == ".csv":
        records = csv.reader(text.splitlines(keepends=True))
        return {f"row={i}": cells for i, cells in enumerate(records, start=1)}
    data = json.loads(text) if path.suffix == ".json" else None
    if not (isinstance(data, list) and all(isinstance(i, dict) and "speaker" in i
                                           for i in data)):
        return {"*": list(_strings(data)) if data is not None else [text]}
    if data:
        turns: list[tuple[str, str]] = []
        for item in data:
            said = str(item.get("content") or item.get("text") or "")
            if not said.strip():
                continue
            if turns and turns[-1][0] == item.get("speaker"):
                turns[-1] = (turns[-1][0], turns[-1][1] + " " + said)
            else:
                turns.append((str(item.get("speaker")), said))
        return {f"turn={i}": [said] for i, (_, said) in enumerate(turns, start=1)}
    return {"note": [text]}


def shown_quotes(mined: dict[str, Any], doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """``(source_id, quote)`` for every quote in ``icp mine --json`` and the drafted ICP."""
    for theme in mined["themes"] + mined.get("jobs", []):
        for ev in theme["quotes"]:
            yield ev["source_id"], ev["quote"]
    for group in ("criteria", "pain_points", "jobs", "triggers", "personas", "exclusions"):
        for entry in doc.get(group, []):
            for ev in entry["evidence"]:
                if ev.get("cites", "quote") == "quote":
                    yield ev["source_id"], ev["quote"]


def not_in_raw(files: list[Path], home: Path, monkeypatch: pytest.MonkeyPatch,
               tmp_path: Path) -> tuple[int, list[str]]:
    """Ingest ``files``, mine and draft; the number of quotes shown and those whose
    source's raw cell or turn does not hold them."""
    monkeypatch.setenv("ICP_HOME", str(home))
    monkeypatch.setenv("ICP_EMBEDDINGS", "hash:256")
    monkeypatch.delenv("ICP_CHROMA_URL", raising=False)
    result = runner.invoke(app, ["ingest", *map(str, files)])
    assert result.exit_code == 0, result.output
    mined = runner.invoke(app, ["mine", "--json"])
    assert mined.exit_code == 0, mined.output
    doc_path = tmp_path / "icp.json"
    drafted = runner.invoke(app, ["draft", "--json", str(doc_path)])
    assert drafted.exit_code == 0, drafted.output
    units = {}
    for path in files:
        for file in ([path] if path.is_file() else sorted(p for p in path.rglob("*")
                                                             if p.is_file())):
            units[file.name] = raw_units(file)
    quotes = list(shown_quotes(json.loads(mined.stdout), json.loads(doc_path.read_text())))
    missing = []
    for source_id, quote in quotes:
        name, _, locator = source_id.partition("#")
        unit = units.get(name, {})
        cells = unit.get(locator.split(":")[0], unit.get("*", []))
        if not any(flat(bare(quote)) in flat(cell) for cell in cells):
            missing.append(f"{source_id}: {quote[:100]}")
    return len(quotes), missing


def test_quotes_from_the_sample_and_fixture_exports_are_raw(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = [SAMPLE_DATA / "tickets", SAMPLE_DATA / "winloss", SAMPLE_DATA / "transcripts",
             FIXTURES / "capterra_forms_on_fire_43.csv", FIXTURES / "g2_style_reviews.csv"]
    shown, missing = not_in_raw(files, tmp_path / "ws", monkeypatch, tmp_path)
    assert shown >= 20
    assert missing == []


@pytest.mark.parametrize("relative", [
    ["tickets_nlbse/issues_test.csv"],
    ["reviews_capterra/forms_on_fire.csv"],
    ["meetings_ami"],
    ["leads_xeducation/Leads.csv"],
    ["crm_maven/sales_pipeline.csv"],
])
def test_quotes_from_real_exports_are_raw(relative: list[str], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    files = [shared_data(r) for r in relative]
    if files[0].is_dir():  # the meetings: their JSON turns (not the answer files)
        files = sorted(files[0].glob("ES*.json"))
    shown, missing = not_in_raw(files, tmp_path / "ws", monkeypatch, tmp_path)
    assert missing == [], f"{len(missing)} of {shown} quotes are not in the raw source"
