"""What customers said, tested against outcomes inside the scorecard.

A generated export whose descriptions carry the signal (payments companies win more than
gift shops, whatever their size) gets a text line with points, cited by a verbatim quote,
and the backtest shows the ICP with the line beating the ICP without it on the same split,
beside the bag-of-words reference. Where the words only stand in for a column (big
companies both win more and describe themselves alike), the line is "explained by" it.
On ../shared/data the YC directory's descriptions are tested the same way.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.base.quotes import is_verbatim
from agent.cli import app
from agent.icp.confound import confound_verdict
from agent.icp.deals import Deal
from agent.icp.text_lines import TOPIC, deal_text, is_said
from retrieval.corpus import EvidenceChunk

runner = CliRunner()

FINTECH = ["payments platform for community banks and credit unions",
           "card issuing and payments software for lenders and banks",
           "fraud detection for bank payments and card transactions"]
SHOPS = ["handmade candles and pottery shop for gifts",
         "online boutique for handmade soap and home gifts",
         "local gift shop selling candles ceramics and cards"]


def export(path: Path, n: int = 700, seed: int = 3) -> Path:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Account", "Stage", "Employees", "Region", "Description"])
        for i in range(n):
            fintech = rng.random() < 0.5
            won = rng.random() < (0.7 if fintech else 0.3)
            words = rng.choice(FINTECH if fintech else SHOPS)
            writer.writerow([f"Company {i}", "Closed Won" if won else "Closed Lost",
                             rng.choice([12, 80, 300, 1200]), rng.choice(["EU", "US"]),
                             f"{words.capitalize()}, founded in {2000 + i % 20}."])
    return path


def test_a_text_line_earns_points_and_proves_itself(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ICP_EMBEDDINGS", "hash:256")
    path = export(tmp_path / "deals.csv")
    assert runner.invoke(app, ["ingest", str(path)]).exit_code == 0
    drafted = runner.invoke(app, ["draft", "--json", str(tmp_path / "icp.json")])
    assert drafted.exit_code == 0, drafted.output
    doc = json.loads((tmp_path / "icp.json").read_text())
    said = [c for c in doc["criteria"] if is_said(c["attribute"])]
    assert said and all(c["points"] for c in said), [c["statement"] for c in doc["criteria"]]
    raw = {r["Description"] for r in csv.DictReader(path.open(encoding="utf-8"))}
    for line in said:
        assert line["q_value"] < 0.05 and line["win_rate_low"] is not None
        assert "Mantel-Haenszel" in line["confound"]
        for e in line["evidence"]:  # quotes from the deals' own text, verbatim
            assert any(is_verbatim(e["quote"], r) for r in raw), e["quote"]
    done = runner.invoke(app, ["validate", "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    proof = report["text"]
    assert proof["text_lines"] and proof["deals_with_text"] == 700
    assert report["auc"] > proof["auc_without_text"] + 0.1
    assert proof["difference"][1] > 0  # the paired interval excludes no gain
    assert proof["text_reference_auc"] > 0.6
    done = runner.invoke(app, ["winloss", "--json", "-o", str(tmp_path / "winloss.md")])
    assert done.exit_code == 0, done.output
    winloss = json.loads(done.output)
    top = winloss["entities"][0]
    assert top["kind"] == "topic" and top["significant"] and top["low"] <= top["win_rate"]
    assert top["confound"].startswith("holds within") and top["quotes"]
    assert "deals.csv#row=" in top["quotes"][0]["source_id"]
    assert "| what | who said it |" in (tmp_path / "winloss.md").read_text()


def _deal(i: int, won: bool, size: str, topic: str) -> Deal:
    meta = {"kind": "winloss", "chunk_index": 0, "outcome": "won" if won else "lost"}
    return Deal(EvidenceChunk(f"c{i}", "x", meta), won, meta["outcome"], "",
                {"employees": [size], TOPIC: [topic]})


def test_a_line_that_stands_in_for_a_column_is_explained_by_it() -> None:
    rng = random.Random(1)
    deals = []
    for i in range(800):
        big = rng.random() < 0.5
        won = rng.random() < (0.7 if big else 0.3)  # size decides
        topic = "enterprise" if (big if rng.random() < 0.9 else not big) else "smb"
        deals.append(_deal(i, won, "≥ 1,000" if big else "< 1,000", topic))
    verdict = confound_verdict(deals, TOPIC, "enterprise", "employees")
    assert verdict.startswith("explained by Company size")
    rng = random.Random(2)
    fair = [_deal(i, rng.random() < (0.7 if t == "a" else 0.3), rng.choice(["x", "y"]), t)
            for i, t in enumerate(rng.choice("ab") for _ in range(800))]
    assert confound_verdict(fair, TOPIC, "a", "employees").startswith("holds within")


def test_the_deal_line_and_loss_reasons_are_not_text() -> None:
    chunk = EvidenceChunk("c", "Acme: won (Stage = Closed Won) deal. industry x.\n"
                               "Reason: went with a competitor\nNotes: wants SSO", {})
    assert deal_text(Deal(chunk, True, "won")) == "wants SSO"
