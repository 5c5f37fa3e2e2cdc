"""Into the CRM: HubSpot and Salesforce load bundles planned against the CRM's own export,
applied to a small CRM of the test's own that follows the policy, then verified."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.batch.score_list import score_list
from agent.cli import app
from agent.crm.keys import domain_key
from agent.crm.targets import SALESFORCE, column_for, fields_of
from agent.icp.criteria import learn
from agent.icp.deals import deal_of
from agent.icp.model import ICPDocument
from retrieval.corpus import EvidenceChunk

from .conftest import EXPORTS, shared_data

runner = CliRunner()
HUBSPOT_NAMES = {"name", "domain", "industry", "numberofemployees", "annualrevenue",
                 "country", "city", "state"}
SALESFORCE_NAMES = {"Name", "Website", "Industry", "NumberOfEmployees", "AnnualRevenue",
                    "BillingCountry", "BillingCity", "BillingState"}


def icp(tmp: Path) -> Path:
    """A scorecard learned from generated deals: big companies in retailing win more."""
    rng = random.Random(4)
    deals = []
    for i in range(800):
        employees = rng.choice([40, 300, 5000, 60000, 200000])
        industry = rng.choice(["retailing", "energy", "technology", "health care"])
        won = rng.random() < 0.25 + 0.3 * (employees >= 5000) + 0.2 * (industry == "retailing")
        meta = {"kind": "winloss", "chunk_index": 0, "outcome": "won" if won else "lost",
                "employees": employees, "industry": industry, "source_id": f"d.csv#row={i}"}
        deals.append(deal_of(EvidenceChunk(f"c{i:05d}", f"Deal {i}.", meta)))
    learned = learn(deals)
    doc = ICPDocument(version=3, criteria=learned.criteria, exclusions=learned.exclusions,
                      scorecard=learned.scorecard)
    path = tmp / "icp.json"
    path.write_text(doc.model_dump_json(), encoding="utf-8")
    return path


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def lists(tmp: Path, fortune: Path, yc: Path) -> tuple[Path, Path]:
    """The CRM export (the first 60 Fortune companies, one with a rep's own industry and
    one with a duplicate website) and a scored list (Fortune 1-80 with 10 industries
    changed, plus 30 YC companies the CRM does not have, plus rows without a key)."""
    header, rows = read(fortune)
    crm = [dict(r) for r in rows[:60]]
    crm[5]["sector"] = "Hand-edited sector"
    crm.append(dict(crm[10], company="Copy of " + crm[10]["company"]))  # a duplicate key
    export = write(tmp / "crm_export.csv", header, crm)
    prospects = [dict(r) for r in rows[:80]]
    for r in prospects[20:30]:
        r["sector"] = "Technology"
    prospects[5]["sector"] = "Retailing"  # the rep's edit must survive
    y_header, y_rows = read(yc)
    for r in y_rows[:30]:
        prospects.append({"company": r["company_name"], "Website": r["website"], "sector": "",
                          "num. of employees": r["team_size"], "city": "", "state": ""})
    prospects.append({"company": "No Site Inc", "Website": ""})
    prospects.append({"company": "Mailbox Co", "Website": "founder@gmail.com"})
    listing = write(tmp / "prospects.csv", header, prospects)
    scored = tmp / "scored.csv"
    score_list(listing, scored, ICPDocument.model_validate_json(icp(tmp).read_text()))
    return export, scored


def recount(export: Path, scored: Path) -> dict[str, int]:
    """The plan's counts, recounted independently from the two files."""
    _, crm = read(export)
    _, rows = read(scored)
    crm_keys = [domain_key(r.get("Website", ""))[0] for r in crm]
    keys = [domain_key(r.get("Website", ""))[0] for r in rows]
    dup = {k for k in keys if k and (keys.count(k) > 1 or crm_keys.count(k) > 1)}
    return {"no key": sum(1 for k in keys if not k),
            "duplicate key": sum(1 for k in keys if k in dup),
            "create": sum(1 for k in keys if k and k not in dup and k not in crm_keys),
            "existing": sum(1 for k in keys if k and k not in dup and k in crm_keys)}


def apply(bundle: Path, export: Path, target: str, after: Path) -> Path:
    """A tiny CRM that follows the policy: load the bundle's import file into a copy of
    the export (upsert by key; new columns for new fields; blank cells change nothing)."""
    header, rows = read(export)
    name = "hubspot_companies.csv" if target == "hubspot" else "salesforce_accounts.csv"
    load_header, load = read(bundle / name)
    key_api = load_header[0]
    fields = {f.api: f for f in fields_of(target)}
    columns = {}
    for api in load_header:
        found = column_for(header, fields[api]) if api in fields else (
            api if api in header else None)
        if found is None:
            header.append(api)
            found = api
        columns[api] = found
    by_key = {domain_key(r.get("Website", ""))[0]: r for r in rows}
    for line in load:
        key = domain_key(line[key_api])[0] if target == "hubspot" else line[key_api]
        record = by_key.get(key)
        if record is None:
            record = {h: "" for h in header}
            record["Website"] = key
            rows.append(record)
            by_key[key] = record
        for api, value in line.items():
            if value == "" or (api == key_api and record.get(columns[api])):
                continue  # a blank cell never clears a field; the key only finds the record
            record[columns[api]] = "" if value == "#N/A" else value
    return write(after, header, rows)


def fortune(source: str) -> Path:
    """The Fortune 1000 list: its first 80 rows in the fixtures (a clone alone), or all of it."""
    return EXPORTS / "fortune_1000_80.csv" if source == "fixture" else \
        shared_data("firmographics/fortune_1000_2021.csv")


@pytest.mark.parametrize("source", ["fixture", "shared"])
@pytest.mark.parametrize("target", ["hubspot", "salesforce"])
def test_plan_apply_verify_replan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  target: str, source: str) -> None:
    monkeypatch.setenv("ICP_HOME", str(tmp_path / "ws"))
    export, scored = lists(tmp_path, fortune(source), EXPORTS / "yc_companies_200.csv")
    bundle = tmp_path / "bundle"
    result = runner.invoke(app, ["crm", "plan", str(scored), "--target", target,
                                 "--crm-export", str(export), "-o", str(bundle), "--json",
                                 "--icp", str(tmp_path / "icp.json")])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)["counts"]
    expected = recount(export, scored)
    assert counts["no key"] == expected["no key"] == 2
    assert counts["duplicate key"] == expected["duplicate key"] >= 1
    assert counts["create"] == expected["create"] >= 40
    assert counts["update"] + counts["no change"] + counts["conflict"] == expected["existing"]
    # headers: known CRM names or our declared fields; UTF-8 with LF line endings
    name = "hubspot_companies.csv" if target == "hubspot" else "salesforce_accounts.csv"
    raw = (bundle / name).read_bytes()
    assert b"\r\n" not in raw
    load_header = raw.decode("utf-8").split("\n", 1)[0].split(",")
    if target == "hubspot":
        props = json.loads((bundle / "hubspot_properties.json").read_text())
        declared = {p["name"] for p in props["properties"]}
        assert set(load_header) <= HUBSPOT_NAMES | declared and load_header[0] == "domain"
        assert all(p.startswith("icp_") for p in declared)
        body = json.loads((bundle / "hubspot_import.json").read_text())
        mappings = body["files"][0]["fileImportPage"]["columnMappings"]
        assert [m["columnName"] for m in mappings] == load_header
        assert any(m.get("idColumnType") == "HUBSPOT_ALTERNATE_ID" and m["columnName"] ==
                   "domain" for m in mappings)
    else:
        declared = {f.api for f in SALESFORCE if f.ours} | {"ICP_Key__c"}
        assert set(load_header) <= SALESFORCE_NAMES | declared
        assert all(h.startswith("ICP_") and h.endswith("__c") for h in set(load_header)
                   - SALESFORCE_NAMES)
        job = json.loads((bundle / "salesforce_job.json").read_text())
        assert job["externalIdFieldName"] == "ICP_Key__c" and job["operation"] == "upsert"
        assert "#N/A" not in raw.decode("utf-8")  # the default policy clears nothing
    # the rep's hand-edited sector is kept, not overwritten
    plan_rows = list(csv.DictReader((bundle / "plan.csv").open(encoding="utf-8")))
    assert plan_rows and (bundle / "plan.md").read_text().startswith("# CRM load plan")
    _, crm_rows = read(export)
    rep = domain_key(crm_rows[5]["Website"])[0]
    kept = [r for r in plan_rows if r["key"] == rep and r["field"].lower() == "industry"]
    assert kept and kept[0]["rule"] == "kept"
    # apply it to our own small CRM: no protected non-empty field changes
    after = apply(bundle, export, target, tmp_path / "after.csv")
    _, after_rows = read(after)
    assert len(after_rows) == len(crm_rows) + counts["create"]
    for old, row in zip(crm_rows, after_rows, strict=False):  # the CRM's records, in order
        for column, value in old.items():
            if value:
                assert row[column] == value, (column, value, row[column])
    verified = runner.invoke(app, ["crm", "verify", str(bundle), "--crm-export", str(after),
                                   "--json"])
    assert verified.exit_code == 0, verified.output
    report = json.loads(verified.stdout)
    assert report["ok"] and sum(report["mismatched"].values()) == 0
    assert sum(report["matched"].values()) > 0
    # a second plan against the export after the import changes nothing
    again = runner.invoke(app, ["crm", "plan", str(scored), "--target", target,
                                "--crm-export", str(after), "-o", str(tmp_path / "b2"),
                                "--json", "--icp", str(tmp_path / "icp.json")])
    assert again.exit_code == 0, again.output
    second = json.loads(again.stdout)["counts"]
    assert second["create"] == second["update"] == second["conflict"] == 0


def test_a_person_edit_since_the_last_plan_is_a_conflict(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICP_HOME", str(tmp_path / "ws"))
    export, scored = lists(tmp_path, fortune("fixture"), EXPORTS / "yc_companies_200.csv")
    args = ["--target", "hubspot", "--icp", str(tmp_path / "icp.json"), "--json"]
    assert runner.invoke(app, ["crm", "plan", str(scored), "--crm-export", str(export),
                               "-o", str(tmp_path / "b1"), *args]).exit_code == 0
    after = apply(tmp_path / "b1", export, "hubspot", tmp_path / "after.csv")
    header, rows = read(after)
    ours = rows[0]["icp_fit_tier"]
    rows[0]["icp_fit_tier"] = "D" if ours != "D" else "A"  # a rep overrides our tier by hand
    write(after, header, rows)
    second = runner.invoke(app, ["crm", "plan", str(scored), "--crm-export", str(after),
                                 "-o", str(tmp_path / "b2"), *args])
    counts = json.loads(second.stdout)["counts"]
    assert counts["conflict"] == 1
    plan_rows = list(csv.DictReader((tmp_path / "b2" / "plan.csv").open(encoding="utf-8")))
    conflict = [r for r in plan_rows if r["action"] == "conflict" and r["rule"] == "conflict"]
    assert conflict and conflict[0]["field"] == "icp_fit_tier"
    assert conflict[0]["old"] == rows[0]["icp_fit_tier"] and conflict[0]["new"] == ours
    _, load = read(tmp_path / "b2" / "hubspot_companies.csv")
    assert all(r.get("icp_fit_tier", "") != conflict[0]["new"] or
               domain_key(r["domain"])[0] != conflict[0]["key"] for r in load)


def test_maven_accounts_have_no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICP_HOME", str(tmp_path / "ws"))
    accounts = shared_data("crm_maven/accounts.csv")
    header, rows = read(accounts)
    listing = write(tmp_path / "accounts.csv", [*header, "website"],
                    [{**r, "website": ""} for r in rows])
    export = write(tmp_path / "export.csv", ["Company name", "Company Domain Name"],
                   [{"Company name": "Acme", "Company Domain Name": "acme.example.com"}])
    result = runner.invoke(app, ["crm", "plan", str(listing), "--target", "hubspot",
                                 "--crm-export", str(export), "-o", str(tmp_path / "b"),
                                 "--json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)["counts"]
    assert counts["no key"] == len(rows) and sum(counts.values()) == len(rows)
    lines = (tmp_path / "b" / "hubspot_companies.csv").read_text().strip().splitlines()
    assert len(lines) == 1  # the header, no data row


def test_bad_input_is_one_line_naming_the_file(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICP_HOME", str(tmp_path / "ws"))
    scored = write(tmp_path / "scored.csv", ["company", "Website", "fit_score", "fit_tier"],
                   [{"company": "Acme", "Website": "acme.com", "fit_score": "80",
                     "fit_tier": "A"}])
    no_domain = write(tmp_path / "export.csv", ["Company name", "Industry"],
                      [{"Company name": "Acme", "Industry": "Software"}])
    result = runner.invoke(app, ["crm", "plan", str(scored), "--target", "hubspot",
                                 "--crm-export", str(no_domain), "-o", str(tmp_path / "b")])
    assert result.exit_code == 2 and "export.csv" in result.output
    assert "no website or domain column" in result.output
    salesforce = write(tmp_path / "sf.csv", ["Account ID", "Account Name", "Website",
                                             "Billing Country"],
                       [{"Account ID": "001", "Account Name": "Acme", "Website": "acme.com",
                         "Billing Country": "US"}])
    wrong = runner.invoke(app, ["crm", "plan", str(scored), "--target", "hubspot",
                                "--crm-export", str(salesforce), "-o", str(tmp_path / "b")])
    assert wrong.exit_code == 2 and "pass --target salesforce" in wrong.output
    (tmp_path / "exists").mkdir()
    taken = runner.invoke(app, ["crm", "plan", str(scored), "--target", "salesforce",
                                "--crm-export", str(salesforce), "-o", str(tmp_path / "exists")])
    assert taken.exit_code == 2 and "already exists" in taken.output


@pytest.mark.parametrize(("cell", "key"), [
    ("https://www.stock.walmart.com/investors", "walmart.com"), ("Amazon.com", "amazon.com"),
    ("http://shop.example.co.uk", "example.co.uk"), ("ceo@kscale.dev", "kscale.dev"),
    ("someone@gmail.com", ""), ("", ""), ("not a site", "")])
def test_domain_keys(cell: str, key: str) -> None:
    assert domain_key(cell)[0] == key
