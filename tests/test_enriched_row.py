"""The enriched row (agent/fit/enriched_row.py): the CRM contract, written and read as one
model."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pydantic import ValidationError

from agent.base.errors import BatchError
from agent.fit.enriched_row import COLUMNS, EnrichedRow, SignalCell, read_enriched


def _row() -> EnrichedRow:
    return EnrichedRow(
        domain="acme.example", fetch_status="ok", industry="software", employee_range="420",
        country="United States", technologies=["Salesforce", "HubSpot"],
        signals=[SignalCell(kind="trigger", value="Funding round", url="https://a/x")],
        fit_score=82, fit_tier="A", fit_confidence=0.75,
        fit_reasons=["✓ employees: 200-999 (+37)", "industry is software"],
        evidence_urls=["https://acme.example/", "https://acme.example/about"])


def test_cells_are_the_design_columns_and_read_back_as_the_same_row() -> None:
    row = _row()
    cells = row.cells()
    assert COLUMNS[:3] == ["domain", "fetch_status", "industry"] and len(cells) == 13
    assert cells[5:11] == ["Salesforce; HubSpot", "trigger: Funding round", "82", "A", "0.75",
                           "✓ employees: 200-999 (+37) | industry is software"]
    back = EnrichedRow.from_cells(cells)
    assert back.model_dump(exclude={"signals"}) == row.model_dump(exclude={"signals"})
    assert [(s.kind, s.value) for s in back.signals] == [("trigger", "Funding round")]
    blank = EnrichedRow.from_cells([""] * 13)
    assert blank.fit_score is None and blank.fit_tier == "" and blank.technologies == []


def test_closed_sets_and_ranges_are_checked() -> None:
    with pytest.raises(ValidationError):
        EnrichedRow(fit_tier="E")
    with pytest.raises(ValidationError):
        EnrichedRow(fetch_status="fine")
    with pytest.raises(ValidationError):
        EnrichedRow(fit_score=140)


def test_a_written_list_reads_back_even_where_our_names_were_taken(tmp_path: Path) -> None:
    path = tmp_path / "scored.csv"
    header = ["Company", "fit_tier"]  # the input has a column of our name: ours is icp_fit_tier
    ours = [f"icp_{c}" if c in header else c for c in COLUMNS]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header + ours)
        writer.writerow(["Acme", "hot", *_row().cells()])
    ((own, row),) = list(read_enriched(path))
    assert own == {"Company": "Acme", "fit_tier": "hot"}
    assert row.fit_tier == "A" and row.fit_score == 82

    other = tmp_path / "other.csv"
    other.write_text("Company,Website\nAcme,acme.example\n", encoding="utf-8")
    with pytest.raises(BatchError, match="other.csv: not a list icp enrich or icp score wrote"):
        list(read_enriched(other))
