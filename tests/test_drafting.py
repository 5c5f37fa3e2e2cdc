"""ICP drafting: honest statistics, grounding, versions and the CLI."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from agent.base.errors import VersionError
from agent.cli import app
from agent.icp import versions
from agent.icp.criteria import learn_criteria
from agent.icp.grounding import ground
from agent.icp.model import Criterion, ICPDocument
from agent.icp.stats import benjamini_hochberg, value_stats
from retrieval.corpus import Corpus
from retrieval.embeddings import Embedder
from retrieval.ingest import Ingestor
from retrieval.mining.models import Evidence
from retrieval.store import EvidenceStore

from .conftest import SAMPLE_DATA, shared_data


def maven_deals(path: Path) -> Path:
    """The Maven CRM opportunities joined with their accounts' firmographics."""
    data = shared_data("crm_maven")
    accounts = {r["account"]: r for r in csv.DictReader((data / "accounts.csv").open())}
    deals = list(csv.DictReader((data / "sales_pipeline.csv").open()))
    extra = ["sector", "employees", "revenue", "office_location"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, list(deals[0]) + extra)
        writer.writeheader()
        for deal in deals:
            account = accounts.get(deal["account"], {})
            writer.writerow({**deal, **{k: account.get(k, "") for k in extra}})
    return path


def test_maven_has_no_sector_signal(tmp_path: Path, ingestor: Ingestor,
                                    store: EvidenceStore) -> None:
    assert ingestor.ingest([maven_deals(tmp_path / "maven.csv")]).ok
    result = learn_criteria(Corpus.load(store))
    assert result.deals > 6000
    assert result.criteria == [] and result.exclusions == []
    industry_note = next(n for n in result.notes if "industry value" in n)
    assert industry_note.startswith("No signal")
    assert "61%" in industry_note and "65%" in industry_note
    sectors = {s.value for s in result.tested if s.attribute == "industry"}
    assert len(sectors) == 10 and "technolgy" in sectors  # the export's own spelling


def test_a_real_difference_becomes_a_criterion_and_an_exclusion(
        tmp_path: Path, ingestor: Ingestor, store: EvidenceStore) -> None:
    rng = random.Random(7)
    rows = ["Company,Outcome,Industry,Employees"]
    for i in range(40):
        rows.append(f"Soft{i},{'Won' if rng.random() < 0.85 else 'Lost'},Software,{300 + i}")
        rows.append(f"Shop{i},{'Won' if rng.random() < 0.15 else 'Lost'},Retail,{300 + i}")
    (tmp_path / "deals.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    ingestor.ingest([tmp_path / "deals.csv"])
    result = learn_criteria(Corpus.load(store))
    # a scorecard: software wins more (positive points), retail less (negative points);
    # 15% is not "almost never wins", so it is deprioritised, not a hard exclusion
    assert [(c.attribute, c.values, (c.points or 0) > 0) for c in result.criteria] == [
        ("industry", ["software"], True), ("industry", ["retail"], False)]
    assert result.exclusions == []
    crit = result.criteria[0]
    assert crit.lift > 1.4 and crit.p_value < 0.001 and crit.support == 40
    assert all(e.outcome == "won" for e in crit.evidence)
    assert any(n.startswith("Company size (employees): every deal has the same value")
               for n in result.notes)


def test_fisher_and_fdr() -> None:
    strong = value_stats("industry", "a", 18, 20, 30, 60)
    weak = value_stats("industry", "b", 11, 20, 30, 60)
    assert strong.p_value < 0.001 < weak.p_value
    benjamini_hochberg([strong, weak])
    assert strong.q_value == pytest.approx(strong.p_value * 2)
    assert weak.q_value >= weak.p_value


def test_claims_need_evidence() -> None:
    with pytest.raises(ValidationError):
        Criterion(attribute="industry", values=["x"], kind="firmographic", statement="s",
                  support=1, evidence=[])


def test_fabricated_quotes_are_dropped(ingestor: Ingestor, store: EvidenceStore) -> None:
    ingestor.ingest([SAMPLE_DATA / "tickets"])
    corpus = Corpus.load(store)
    real = corpus.chunks[0]
    true_quote = real.text.split("\n")[0]
    doc = ICPDocument(criteria=[
        Criterion(attribute="pain", values=["real"], kind="pain", statement="real", support=1,
                  evidence=[Evidence(source_id=str(real.meta["source_id"]), quote=true_quote),
                            Evidence(source_id=str(real.meta["source_id"]),
                                     quote="We would pay double for this tool.")]),
        Criterion(attribute="pain", values=["invented"], kind="pain", statement="made up",
                  support=1, evidence=[Evidence(source_id="nowhere.csv#row=2",
                                                quote="Everyone loves us")]),
    ])
    grounded = ground(doc, corpus)
    assert [c.values for c in grounded.criteria] == [["real"]]
    assert [e.quote for e in grounded.criteria[0].evidence] == [true_quote]
    assert grounded.criteria[0].evidence[0].chunk_id == real.id
    assert grounded.grounding.checked == 3 and grounded.grounding.dropped == 2


def test_versions_save_load_and_diff(tmp_path: Path) -> None:
    ev = [Evidence(source_id="a#row=2", quote="quote")]
    v1 = ICPDocument(criteria=[Criterion(attribute="industry", values=["software"],
                                         kind="firmographic", statement="software", support=9,
                                         evidence=ev)], notes=["n1"])
    assert versions.save(tmp_path, v1, "# v{version}").name == "v1.json"
    v2 = v1.model_copy(deep=True)
    v2.criteria = []
    v2.exclusions = [Criterion(attribute="employees", values=["1-49"], kind="exclusion",
                               statement="too small", support=5, evidence=ev)]
    versions.save(tmp_path, v2, "# v{version}")
    assert versions.list_versions(tmp_path) == [1, 2]
    assert versions.load(tmp_path).version == 2
    assert (tmp_path / "icp" / "v2.md").read_text() == "# v2"
    assert versions.diff(versions.load(tmp_path, "v1"), versions.load(tmp_path, "2")) == [
        "- criteria: software", "+ exclusions: too small"]
    with pytest.raises(VersionError, match="no ICP version v9"):
        versions.load(tmp_path, "v9")


@pytest.mark.integration
def test_draft_cli_on_sample_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  minilm: Embedder) -> None:
    monkeypatch.setenv("ICP_HOME", str(tmp_path / "ws"))
    monkeypatch.delenv("ICP_EMBEDDINGS", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(SAMPLE_DATA)]).exit_code == 0
    result = runner.invoke(app, ["draft", "--vendor", "Pipewise", "-o", str(tmp_path / "icp.md"),
                                 "--json", str(tmp_path / "icp.json")])
    assert result.exit_code == 0, result.output
    doc = ICPDocument.model_validate_json((tmp_path / "icp.json").read_text())
    assert doc.version == 1 and doc.grounding.dropped == 0 and doc.grounding.checked > 50
    assert {"employees", "technologies"} <= {c.attribute for c in doc.criteria}
    assert any("dynamics" in " ".join(c.values).lower() for c in doc.exclusions)
    assert doc.personas[0].role == "Revenue Operations"
    assert all(not e.speaker.startswith(("Alex", "Jordan", "Nadia"))  # vendor's own people
               for p in doc.personas for e in p.evidence)
    assert any(n.startswith("No signal") for n in doc.notes)
    # every quote is verbatim in the store
    store = EvidenceStore.open(tmp_path / "ws", "evidence", minilm.model_id)
    texts = {c.id: c.text for c in Corpus.load(store).chunks}
    assert all(e.quote in texts[e.chunk_id] for e in doc.all_evidence())
    markdown = (tmp_path / "icp.md").read_text()
    assert markdown.startswith("# Ideal customer profile v1") and "## Buyer personas" in markdown
    assert runner.invoke(app, ["draft", "--vendor", "Pipewise"]).exit_code == 0
    diff = runner.invoke(app, ["draft", "--diff", "v1", "v2"])
    assert diff.exit_code == 0 and "v1 and v2 are the same" in diff.output
    mined = runner.invoke(app, ["mine", "--json"])
    assert mined.exit_code == 0
    assert json.loads(mined.stdout)["themes"][0]["quotes"]


def test_draft_on_an_empty_store_is_a_clear_error(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICP_HOME", str(tmp_path))
    monkeypatch.setenv("ICP_EMBEDDINGS", "hash:256")
    result = CliRunner().invoke(app, ["draft"])
    assert result.exit_code == 2 and "run `icp ingest FILES` first" in result.output
