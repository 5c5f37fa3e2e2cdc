"""Criteria from every attribute, the leakage guard, and `icp validate` (backtest, drift)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.fit.rows import classify_row
from agent.icp.criteria import learn
from agent.icp.deals import Deal, deal_of
from agent.icp.drafter import draft
from agent.icp.markdown import render
from agent.icp.model import ICPDocument
from agent.validate.metrics import auc, auc_interval
from agent.validate.run import backtest, drift
from retrieval.corpus import Corpus, EvidenceChunk
from retrieval.ingest import Ingestor
from retrieval.mining.models import MiningResult
from retrieval.parsers import parse_file
from retrieval.store import EvidenceStore

from .conftest import EXPORTS, SAMPLE_DATA, shared_data

runner = CliRunner()
NO_THEMES = MiningResult(chunks=0, statements=0, themes=[], outliers=0, params={})


def make_deals(rows: list[dict[str, object]]) -> list[Deal]:
    deals = []
    for i, row in enumerate(rows):
        meta = {"kind": "winloss", "chunk_index": 0, "source_id": f"t.csv#row={i + 2}", **row}
        deal = deal_of(EvidenceChunk(f"c{i:06d}", f"Deal {i}: {row['outcome']}.", meta))
        assert deal is not None
        deals.append(deal)
    return deals


def file_deals(path: Path) -> list[Deal]:
    records = parse_file(path).records
    deals = []
    for i, r in enumerate(records):
        meta = {**r.fields, "kind": "winloss", "chunk_index": 0,
                "source_id": f"{path.name}#{r.locator}"}
        deal = deal_of(EvidenceChunk(f"c{i:06d}", r.text, meta))
        if deal:
            deals.append(deal)
    return deals


def synthetic(n: int, seed: int = 1, signal: float = 0.0, leak: bool = False,
              dated: bool = False) -> list[dict[str, object]]:
    """Deals where 'Segment = Enterprise' wins more often by ``signal``."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        segment = rng.choice(["Enterprise", "Mid-market", "SMB"])
        p = 0.4 + (signal if segment == "Enterprise" else -signal / 2)
        won = rng.random() < p
        row: dict[str, object] = {"outcome": "won" if won else "lost",
                                  "attr:Segment": segment,
                                  "attr:Channel": rng.choice(["Inbound", "Outbound"]),
                                  "num:Seats": float(rng.randint(1, 500))}
        if leak:
            row["attr:Follow-up Notes"] = "Sent contract" if won else ""
            row["attr:Sales Tag"] = f"Closed by rep {i % 3}" if won else "No answer"
        if dated:
            row["date"] = f"2024-{1 + i * 12 // n:02d}-{1 + i % 27:02d}"
        rows.append({k: v for k, v in row.items() if v != ""})
    return rows


# --- statistics with known answers -----------------------------------------------------

def test_auc_matches_the_rank_statistic() -> None:
    from sklearn.metrics import roc_auc_score

    rng = random.Random(3)
    scores = [rng.randint(0, 100) for _ in range(500)]
    won = [rng.random() < s / 120 for s in scores]
    assert auc(scores, won) == pytest.approx(roc_auc_score(won, scores), abs=1e-9)
    estimate, low, high = auc_interval(scores, won)
    assert low < estimate < high
    assert auc([10, 20, 90, 95], [False, False, True, True]) == 1.0


def test_perfect_separation_is_found_and_ranks_perfectly() -> None:
    rows = [{"outcome": "won" if i % 2 else "lost",
             "attr:Plan": "Scale" if i % 2 else "Free"} for i in range(200)]
    report = backtest(make_deals(rows))
    # a column that decides every deal looks like a leak: set aside unless the user keeps it
    assert "Plan" in report.set_aside and report.auc == 0.5
    kept = backtest(make_deals(rows), use_columns=("Plan",))
    assert kept.auc == 1.0 and kept.auc_ci[0] == 1.0
    assert kept.verdict.startswith("ranks held-out deals better than chance")


def test_no_signal_is_no_better_than_chance() -> None:
    report = backtest(make_deals(synthetic(1200, signal=0.0)))
    low, high = report.auc_ci
    assert low <= 0.5 <= high
    assert report.verdict.startswith("no better than chance")


def test_a_real_signal_is_found_and_validated() -> None:
    deals = make_deals(synthetic(3000, signal=0.3))
    learned = learn(deals)
    assert [(c.label, c.values) for c in learned.criteria][:1] == [("Segment", ["Enterprise"])]
    assert learned.criteria[0].q_value < 0.01 and learned.criteria[0].p_value is not None
    report = backtest(deals)
    assert report.auc_ci[0] > 0.55
    a = next(t for t in report.tiers if t.tier in ("A", "B") and t.deals)
    assert a.win_rate > 0.55


def test_planted_leaks_are_set_aside_with_reasons() -> None:
    deals = make_deals(synthetic(1000, signal=0.2, leak=True))
    learned = learn(deals)
    assert set(learned.leaks) == {"attr:Follow-up Notes", "attr:Sales Tag"}
    assert "filled for 100% of won and 0% of lost deals" in \
        learned.leaks["attr:Follow-up Notes"].reason
    assert "Closed by rep" in learned.leaks["attr:Sales Tag"].reason or \
        "almost perfectly" in learned.leaks["attr:Sales Tag"].reason
    assert not any(c.attribute in learned.leaks for c in learned.criteria)
    assert any("--use-column" in n for n in learned.notes)
    back = learn(deals, use_columns=("Sales Tag",))
    assert "attr:Sales Tag" not in back.leaks


def test_numbers_are_banded_with_their_edges() -> None:
    rows = [{"outcome": "won" if seats > 300 else "lost", "num:Seats": float(seats),
             "attr:Region": "EU" if seats % 2 else "US"} for seats in range(1, 601)]
    learned = learn(make_deals(rows), use_columns=("Seats",))
    seats = [c for c in learned.criteria if c.attribute == "num:Seats"]
    assert seats and all(c.band is not None for c in seats)
    top = seats[0]
    assert top.band[0] is not None and top.band[0] >= 300 and top.label == "Seats"
    # a deal is judged against the band's edges, from its own column
    icp = ICPDocument(criteria=seats)
    fit = classify_row({"num:Seats": 550.0}, icp)
    assert fit.tier in ("A", "B") and fit.verdicts[0].source == "column Seats = 550.0"
    low = classify_row({"num:Seats": 3.0}, icp)
    assert low.verdicts[0].result == "mismatch"
    assert classify_row({}, icp).tier == "unknown"


def test_drift_says_when_win_rates_by_tier_moved() -> None:
    rows = synthetic(2000, signal=0.35, dated=True)
    deals = make_deals(rows)
    icp = ICPDocument(criteria=learn(deals).criteria)
    steady = drift(deals, icp, "2024-07-01")
    assert steady.drift is not None and steady.drift.shifted == []
    assert steady.verdict.startswith("no significant shift")
    for row in rows:  # from July, Enterprise deals stop winning
        if str(row["date"]) >= "2024-07-01" and row["attr:Segment"] == "Enterprise":
            row["outcome"] = "lost"
    moved = drift(make_deals(rows), icp, "2024-07-01")
    assert moved.drift.shifted and "Redraft" in moved.verdict


# --- real exports ----------------------------------------------------------------------

LEAKS = {"Tags", "Lead Quality", "Last Activity", "Last Notable Activity"}


def test_leads_fixture_sets_the_leaking_columns_aside() -> None:
    learned = learn(file_deals(EXPORTS / "leads_xeducation_300.csv"))
    assert {leak.label for leak in learned.leaks.values()} >= {"Tags", "Lead Quality"}
    assert learned.deals == 300 and learned.won == 104 and learned.hypothesis is False


def test_leads_export_criteria_leaks_and_backtest() -> None:
    deals = file_deals(shared_data("leads_xeducation/Leads.csv"))
    learned = learn(deals)
    found = {(c.label, c.values[0]): c for c in learned.criteria}
    for key in (("Lead Origin", "Lead Add Form"), ("Lead Source", "Reference"),
                ("What is your current occupation", "Working Professional")):
        assert key in found and found[key].q_value < 0.01, key
    assert {leak.label for leak in learned.leaks.values()} == LEAKS
    report = backtest(deals)
    assert report.auc > 0.7 and report.auc_ci[0] > 0.65
    assert report.reference_auc is not None and report.reference_auc > 0.7
    assert report.verdict.startswith("ranks held-out deals better than chance")
    a_b = [t for t in report.tiers if t.tier in ("A", "B")]
    assert sum(t.share_of_wins for t in a_b) > sum(t.share_of_deals for t in a_b)


def test_maven_control_is_no_better_than_chance() -> None:
    import csv

    data = shared_data("crm_maven")
    accounts = {r["account"]: r for r in csv.DictReader((data / "accounts.csv").open())}
    rows = []
    for deal in csv.DictReader((data / "sales_pipeline.csv").open()):
        if deal["deal_stage"] not in ("Won", "Lost"):
            continue
        account = accounts.get(deal["account"], {})
        rows.append({"outcome": deal["deal_stage"].lower(), "date": deal["close_date"],
                     "industry": account.get("sector", ""), "product": deal["product"],
                     "amount": float(deal["close_value"] or 0),
                     "employees": float(account["employees"]) if account else ""})
    report = backtest(make_deals([{k: v for k, v in r.items() if v != ""} for r in rows]))
    low, high = report.auc_ci
    assert low <= 0.5 <= high
    assert report.verdict.startswith("no better than chance")
    assert "Deal amount" in report.set_aside  # 0 for every lost deal: written at the close
    assert report.split.startswith("time split")


# --- documents ----------------------------------------------------------------------------

def test_reviews_give_a_customer_profile_not_win_rates(ingestor: Ingestor,
                                                        store: EvidenceStore) -> None:
    assert ingestor.ingest([EXPORTS / "capterra_forms_on_fire_43.csv"]).ok
    corpus = Corpus.load(store)
    doc = draft(corpus, NO_THEMES)
    assert doc.basis == "customers" and not doc.criteria
    industries = [p for p in doc.customer_profile if p.label == "Industry"]
    assert industries and industries[0].value == "real estate" and industries[0].count == 4
    assert industries[1].value == "transportation/trucking/railroad"  # ties by name
    assert 0 <= industries[0].low <= industries[0].share <= industries[0].high <= 1
    text = render(doc)
    assert "## Profile of current customers" in text and "not win rates" in text
    assert doc.notes[0].startswith("Profile of 43 current customers")


def test_a_few_deals_make_a_hypothesis(ingestor: Ingestor, store: EvidenceStore) -> None:
    assert ingestor.ingest([SAMPLE_DATA / "winloss"]).ok
    doc = draft(Corpus.load(store), NO_THEMES)
    assert doc.basis == "hypothesis"
    assert "A hypothesis to test, not findings" in render(doc)
    assert any("about 95 of each" in n for n in doc.notes)


def test_cli_validate_json_and_html(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICP_HOME", str(tmp_path / "ws"))
    monkeypatch.setenv("ICP_EMBEDDINGS", "hash:64")
    monkeypatch.delenv("ICP_CHROMA_URL", raising=False)
    assert runner.invoke(app, ["ingest", str(EXPORTS / "leads_xeducation_300.csv")]
                         ).exit_code == 0
    html = tmp_path / "report.html"
    result = runner.invoke(app, ["validate", "--json", "-o", str(html), "--test-share", "0.4"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for key in ("auc", "auc_ci", "reference_auc", "tiers", "train_deals", "test_deals",
                "verdict"):
        assert key in report
    duplicates = next((int(n.split()[0]) for n in report["notes"] if "exact duplicates" in n), 0)
    assert report["train_deals"] + report["test_deals"] == 300 - duplicates
    page = html.read_text(encoding="utf-8")
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org", "")
    assert "Win rate per tier" in page and "<svg" in page
    text = runner.invoke(app, ["validate"])
    assert text.exit_code == 0 and "Verdict:" in text.output
    bad = runner.invoke(app, ["validate", "--since", "last week"])
    assert bad.exit_code == 2 and "not a date" in bad.output


def test_chat_answers_what_predicts_a_win_offline(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.chat.router import route

    assert route("does the ICP work?").calls[0].tool == "validate_icp"
    assert route("what predicts a win?").calls[0].tool == "what_predicts_a_win"
    assert route("why do we lose deals?").calls[0].tool == "why_we_lose"
