"""Column overrides: --map, --outcome/--won/--lost, mapping files, and mappings that stick."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.base.errors import IngestError, MappingError
from agent.cli import app
from retrieval.ingest import Ingestor
from retrieval.parsers import read_all
from retrieval.store import EvidenceStore
from retrieval.tables.columns import Role
from retrieval.tables.mapping import ColumnMapping, MappingStore, load_mapping_file

from .conftest import EXPORTS

runner = CliRunner()

EXPORT = (
    "Company,Result,Plan Tier,Seats,Owner,Comments\n"
    "Acme,paid,Pro,40,Moses Frase,Bought after the dedupe demo\n"
    "Beta,trial,Starter,5,Anna Snelling,Went quiet after pricing\n"
    "Gamma,paid,Enterprise,300,Moses Frase,Security review passed in a week\n"
    "Delta,trial,Starter,8,Darcel Schlecht,Chose a spreadsheet\n"
    "Epsilon,gone,Pro,25,Anna Snelling,Left after the budget cut\n"
)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "deals.csv"
    path.write_text(EXPORT, encoding="utf-8")
    return path


def test_outcome_values_the_user_names(export: Path) -> None:
    with pytest.raises(IngestError, match="cannot tell whether this is win-loss"):
        read_all(export)  # 'paid'/'trial' are no stage names
    mapping = ColumnMapping(outcome="Result", won=["paid"], lost=["trial"],
                            churned=["gone"])
    records, source = read_all(export, mapping=mapping)
    assert [r.fields["outcome"] for r in records] == ["won", "lost", "won", "lost", "churned"]
    assert source.schema.profile("Result").role is Role.OUTCOME


def test_column_roles_the_user_gives(export: Path) -> None:
    mapping = ColumnMapping(columns={"Seats": "category", "Comments": "text",
                                     "Plan Tier": "ignore", "Owner": "attribute"},
                            outcome="Result", won=["paid"])
    records, source = read_all(export, mapping=mapping)
    fields = records[0].fields
    assert fields["attr:Seats"] == "40" and "num:Seats" not in fields
    assert not any("Plan Tier" in k for k in fields)
    assert source.schema.profile("Plan Tier").reason == "override"
    assert fields["attr:Owner"] == "Moses Frase"  # the user asked for it
    assert "Comments: Bought after the dedupe demo" in records[0].text
    assert records[1].fields["outcome"] == "lost"  # only --won given: the rest is lost


def test_canonical_field_override(export: Path) -> None:
    mapping = ColumnMapping(columns={"Plan Tier": "industry"}, outcome="Result", won=["paid"])
    records, _ = read_all(export, mapping=mapping)
    assert records[0].fields["industry"] == "Pro"


def test_mapping_file_is_the_same_as_the_flags(tmp_path: Path, export: Path) -> None:
    yaml_file = tmp_path / "map.yaml"
    yaml_file.write_text("columns:\n  Seats: category\n  Plan Tier: ignore\n"
                         "outcome:\n  column: Result\n  won: [paid]\n  lost: trial\n",
                         encoding="utf-8")
    loaded = load_mapping_file(yaml_file)
    assert loaded == ColumnMapping(columns={"Seats": "category", "Plan Tier": "ignore"},
                                   outcome="Result", won=["paid"], lost=["trial"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns:\n  Seats: colour\n", encoding="utf-8")
    with pytest.raises(MappingError, match=r"bad.yaml: unknown role 'colour'"):
        load_mapping_file(bad)
    with pytest.raises(MappingError, match="need --outcome"):
        ColumnMapping(won=["1"])


def test_the_mapping_sticks_to_the_file(tmp_path: Path, export: Path, store: EvidenceStore,
                                        embedder: object) -> None:
    mappings = MappingStore(tmp_path / "mappings")
    ingestor = Ingestor(store, embedder, mappings=mappings)  # type: ignore[arg-type]
    mapping = ColumnMapping(columns={"Seats": "category"}, outcome="Result", won=["paid"])
    first = ingestor.ingest([export], mapping=mapping)
    assert first.ok, first.files[0].error
    assert "Seats=category" in first.files[0].mapping
    assert mappings.load(str(export.resolve())) == mapping
    again = ingestor.ingest([export])  # no flags: the saved mapping applies
    assert again.files[0].status == "unchanged" and again.total("chunks_added") == 0
    changed = ingestor.ingest([export], mapping=ColumnMapping(columns={"Seats": "number"}))
    assert changed.files[0].status == "updated"
    metas = store.chunks.get(include=["metadatas"])["metadatas"]
    assert {m.get("num:Seats") for m in metas} == {40, 5, 300, 8, 25}
    saved = mappings.load(str(export.resolve()))
    assert saved.columns == {"Seats": "number"} and saved.outcome == "Result"


def test_cli_inspect_and_ingest_with_overrides(tmp_path: Path, export: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICP_HOME", str(tmp_path / "ws"))
    monkeypatch.setenv("ICP_EMBEDDINGS", "hash:256")
    monkeypatch.delenv("ICP_CHROMA_URL", raising=False)
    refused = runner.invoke(app, ["inspect", str(export)])
    assert refused.exit_code == 1 and "cannot tell whether" in refused.output
    assert "Plan Tier" in refused.output  # the table is shown
    result = runner.invoke(app, ["inspect", str(export), "--json", "--outcome", "Result",
                                 "--won", "paid", "--lost", "trial"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["kind"] == "winloss" and report["records"] == 5
    roles = {c["column"]: c["role"] for c in report["columns"]}
    assert roles == {"Company": "field", "Result": "outcome", "Plan Tier": "category",
                     "Seats": "number", "Owner": "pii", "Comments": "field"}
    assert report["outcomes"] == {"won": 2, "lost": 2, "open": 1}
    assert report["outcome_values"] == {
        "Result = paid": "won", "Result = trial": "lost", "Result = gone": "open"}
    assert not (tmp_path / "ws" / "chroma").exists()  # inspect writes nothing

    ingested = runner.invoke(app, ["ingest", str(export), "--outcome", "Result", "--won",
                                   "paid", "--map", "Seats=category"])
    assert ingested.exit_code == 0, ingested.output
    assert "mapping: Seats=category, outcome=Result (won paid)" in ingested.output
    assert "attributes: Plan Tier, Seats" in ingested.output
    again = runner.invoke(app, ["ingest", str(export)])
    assert again.exit_code == 0 and "unchanged" in again.output
    shown = runner.invoke(app, ["inspect", str(export)])
    assert shown.exit_code == 0 and "saved by an earlier ingest" in shown.output
    bad = runner.invoke(app, ["ingest", str(export), "--map", "Seats"])
    assert bad.exit_code == 2 and "--map needs COLUMN=ROLE" in bad.output


def test_cli_inspect_real_exports() -> None:
    result = runner.invoke(app, ["inspect", str(EXPORTS / "leads_xeducation_300.csv"),
                                 "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["kind"] == "winloss"
    assert report["outcome_values"] == {"Converted = 0": "lost", "Converted = 1": "won"}
    summary = report["summary"]
    assert "Lead Source" in summary["attributes"] and "Prospect ID" in summary["left_out"]
    text = runner.invoke(app, ["inspect", str(EXPORTS / "capterra_forms_on_fire_43.csv")])
    assert text.exit_code == 0 and "kind review" in text.output
    assert "moved back by their labels" in text.output
