"""Prospects scored with the data users already have: the list's own columns as evidence,
`icp score`, enrichment without an ICP, re-scoring and tier changes between versions."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.demo.sites import SiteServer
from agent.icp import versions
from agent.icp.model import Criterion

from .conftest import EXPORTS, shared_data
from .test_enrich import EV, icp_fixture

runner = CliRunner()

SITES = {
    # says nothing about industry, size or stack
    "quiet": "<html><head><title>Quiet</title></head><body><h1>Welcome</h1>"
             "<p>Hello there, we make things people enjoy every day. Our story began with a "
             "simple idea shared between friends over a long summer, and we still tell it "
             "to everyone who visits us.</p></body></html>",
    # says it is a software company
    "softco": "<html><head><title>Softco</title></head><body><h1>Softco</h1>"
              "<p>Softco builds SaaS software for finance teams. Our story began with a "
              "simple idea shared between friends over a long summer, and we still tell it "
              "to everyone who visits us.</p></body></html>",
}


@pytest.fixture
def sites(tmp_path: Path) -> SiteServer:
    root = tmp_path / "sites"
    for name, html in SITES.items():
        (root / name).mkdir(parents=True)
        (root / name / "index.html").write_text(html, encoding="utf-8")
    with SiteServer(root, first_host=150) as server:
        yield server


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "ws"
    monkeypatch.setenv("ICP_HOME", str(home))
    monkeypatch.delenv("ICP_LLM", raising=False)
    return home


def prospect_list(path: Path, sites: SiteServer) -> Path:
    rows = [["Company", "Website", "Employees", "Industry", "Tech Stack"],
            ["Quiet Inc", sites.urls["quiet"], "500", "Software", "Salesforce; HubSpot"],
            ["Retail Co", sites.urls["softco"], "40", "Retail", ""],
            ["Lots Ltd", sites.urls["quiet"], "lots", "", ""]]
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_list_columns_judge_what_sites_do_not_say(home: Path, sites: SiteServer,
                                                  tmp_path: Path) -> None:
    versions.save(home, icp_fixture(), "# v{version}")
    source = prospect_list(tmp_path / "list.csv", sites)
    out = tmp_path / "enriched.csv"
    result = runner.invoke(app, ["enrich", str(source), "-o", str(out), "--allow-private"])
    assert result.exit_code == 0, result.output
    quiet, retail, lots = read(out)
    # the site is silent; the row's columns decide
    assert quiet["fit_tier"] == "A", quiet["fit_reasons"]
    assert "[column Employees = 500]" in quiet["fit_reasons"]
    assert "[column Tech Stack = Salesforce; HubSpot]" in quiet["fit_reasons"]
    assert quiet["employee_range"] == "500" and quiet["industry"] == "Software"
    # the list says Retail, the site says software: the conflict is recorded, the list wins
    assert "✗ Industry is retail, not software [column Industry = Retail] (conflict: " \
        f"{sites.urls['softco']} says industry is software)" in retail["fit_reasons"]
    # a value the column cannot be read as makes that criterion unknown, never a crash
    assert lots["fit_tier"] == "unknown"
    assert lots["domain"] == quiet["domain"]

    site_first = tmp_path / "site-first.csv"
    result = runner.invoke(app, ["enrich", str(source), "-o", str(site_first),
                                 "--allow-private", "--prefer", "site"])
    assert result.exit_code == 0, result.output
    retail_site = read(site_first)[1]
    assert "✓ industry is software" in retail_site["fit_reasons"]
    assert "conflict: column Industry = Retail says" in retail_site["fit_reasons"]

    # icp score gives the same fit for a row whose site adds nothing
    scored = tmp_path / "scored.csv"
    result = runner.invoke(app, ["score", str(source), "-o", str(scored)])
    assert result.exit_code == 0, result.output
    quiet_scored = read(scored)[0]
    for column in ("fit_score", "fit_tier", "fit_confidence", "fit_reasons"):
        assert quiet_scored[column] == quiet[column], column
    assert quiet_scored["fetch_status"] == "" and quiet_scored["domain"] == quiet["domain"]


def test_malformed_value_is_unknown_with_a_note(home: Path, tmp_path: Path) -> None:
    versions.save(home, icp_fixture(), "# v{version}")
    source = tmp_path / "list.csv"
    source.write_text("Company,Employees,Industry\nA,lots,Software\nB,250,Software\n",
                      encoding="utf-8")
    out = tmp_path / "scored.jsonl"
    result = runner.invoke(app, ["score", str(source), "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == 2
    first, second = (json.loads(line) for line in out.read_text().splitlines())
    assert first["fit_tier"] != "unknown" and "Employees" not in " ".join(first["fit_reasons"])
    assert second["fit_tier"] == "A"


def test_enrich_without_an_icp_then_rescore_then_tier_changes(
        home: Path, sites: SiteServer, tmp_path: Path) -> None:
    source = prospect_list(tmp_path / "list.csv", sites)
    out = tmp_path / "enriched.csv"
    result = runner.invoke(app, ["enrich", str(source), "-o", str(out), "--allow-private"])
    assert result.exit_code == 0, result.output
    assert "No ICP in the workspace: enriching only" in result.output
    rows = read(out)
    assert all(r["fit_tier"] == "" and r["fit_score"] == "" for r in rows)
    assert rows[1]["industry"] == "software" and rows[1]["fetch_status"] == "ok"

    versions.save(home, icp_fixture(), "# v{version}")                    # v1
    revised = icp_fixture()
    revised.criteria = [c for c in revised.criteria if c.attribute != "employees"] + [
        Criterion(attribute="employees", values=["1-49"], kind="firmographic", statement="small",
                  support=10, confidence="medium", evidence=EV)]
    versions.save(home, revised, "# v{version}")                         # v2
    for server in sites.servers:  # re-scoring must not fetch anything
        server.shutdown()
        server.server_close()
    sites.servers = []
    result = runner.invoke(app, ["enrich", str(source), "-o", str(out), "--allow-private",
                                 "--rescore", "--json"])
    assert result.exit_code == 0, result.output
    rescored = read(out)
    assert rescored[0]["fit_tier"] in ("B", "C") and rescored[1]["fetch_status"] == "ok"
    assert "✓ Company size (employees) is 1-49 [column Employees = 40]" in \
        rescored[1]["fit_reasons"]
    diff = runner.invoke(app, ["draft", "--diff", "v1", "v2", "--list", str(source)])
    assert diff.exit_code == 0, diff.output
    assert "Quiet Inc: A" in diff.output and "Company size (employees): 200-999" in diff.output
    none = runner.invoke(app, ["enrich", str(source), "-o", str(tmp_path / "x.csv"),
                               "--rescore"])
    assert none.exit_code == 2 and "nothing to re-score" in none.output


def check_yc(path: Path, home: Path, tmp_path: Path) -> dict[str, int]:
    versions.save(home, icp_fixture(), "# v{version}")
    out = tmp_path / "yc-scored.csv"
    result = runner.invoke(app, ["score", str(path), "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    rows = read(out)
    assert list(rows[0])[:16] == ["company_id", "company_name", "short_description",
                                  "long_description", "batch", "status", "tags", "location",
                                  "country", "year_founded", "num_founders", "founders_names",
                                  "team_size", "website", "cb_url", "linkedin_url"]
    first = rows[0]
    assert first["domain"] == "kscale.dev" and first["icp_country"] == "US"
    assert "[column team_size = 3]" in first["fit_reasons"]
    assert first["fit_tier"] in ("C", "D")  # three people, not 200-999
    return summary["tiers"]


def test_yc_fixture_scored_from_its_columns(home: Path, tmp_path: Path) -> None:
    tiers = check_yc(EXPORTS / "yc_companies_200.csv", home, tmp_path)
    assert sum(tiers.values()) == 200


def test_yc_list_scored_from_its_columns(home: Path, tmp_path: Path) -> None:
    tiers = check_yc(shared_data("companies_yc/yc_companies_2024-05-11.csv"), home, tmp_path)
    assert sum(tiers.values()) == 4663


def test_fortune_1000_scored_from_its_columns(home: Path, tmp_path: Path) -> None:
    versions.save(home, icp_fixture(), "# v{version}")
    out = tmp_path / "f1000.csv"
    source = shared_data("firmographics/fortune_1000_2021.csv")
    result = runner.invoke(app, ["score", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = read(out)
    assert len(rows) == 1000
    walmart = rows[0]
    assert walmart["domain"] == "stock.walmart.com"
    assert "[column num. of employees = 2200000]" in walmart["fit_reasons"]
    assert "[column sector = Retailing]" in walmart["fit_reasons"]
    assert walmart["fit_tier"] == "D"
