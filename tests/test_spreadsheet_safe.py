"""No file we write holds a cell a spreadsheet would run as a formula (CWE-1236).

A site serves formulas in its title, JSON-LD and text; the list is enriched and scored, and
HubSpot and Salesforce bundles are planned from it (one against a header-only export, a
new portal's). Every CSV cell we wrote is checked: our columns never start with a formula
character unless they are plain numbers, and the user's own columns come back as they were.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.base.cells import runs_as_formula, safe_cell
from agent.cli import app
from agent.demo.sites import SiteServer

from .test_crm import icp

runner = CliRunner()

HOSTILE = """<!doctype html>
<html lang="en"><head>
<title>=HYPERLINK("http://evil.example","Click") | payments platform</title>
<meta name="description" content="+SUM(A1:A9) the retailing platform for shops">
<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "Organization", "name": "@SUM(1,1)",
 "industry": "=1+1", "numberOfEmployees": {"@type": "QuantitativeValue", "value": 6000},
 "address": {"@type": "PostalAddress", "addressCountry": "@SUM(1,1)"}}
</script>
</head><body>
<h1>-2+3 retailing for everyone</h1>
<p>=cmd|' /C calc'!A0 We run retailing stores. We are a team of 6000 people.</p>
<p>Our shops sell home goods, garden tools and kitchen supplies in forty cities. Customers
order online and pick up in a store near them the same day, or get free delivery on any
order over fifty dollars. Our teams restock every night from regional warehouses.</p>
</body></html>
"""


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+64 uses Salesforce", "'+64 uses Salesforce"), ("@SUM(1,1)",
                                                                          "'@SUM(1,1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("-", "'-"), ("- a list item", "'- a list item"),
    ("-12", "-12"), ("+3.5", "+3.5"), ("-1,200", "-1,200"), ("12", "12"), ("", ""),
    ("Salesforce in tech stack (+64)", "Salesforce in tech stack (+64)"),
])
def test_the_cell_rule(value: str, expected: str) -> None:
    assert safe_cell(value) == expected
    assert not runs_as_formula(safe_cell(value))


def _cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_no_file_we_write_runs_a_formula(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ICP_EMBEDDINGS", "hash:256")
    site = tmp_path / "sites" / "hostile"
    site.mkdir(parents=True)
    (site / "index.html").write_text(HOSTILE, encoding="utf-8")
    card = icp(tmp_path)
    with SiteServer(tmp_path / "sites", first_host=70) as server:
        url = server.urls["hostile"]
        listing = tmp_path / "list.csv"
        listing.write_text("Company,Website,Phone,Note\n"
                           f"Hostile Shop,{url},+44 20 7946 0000,=mine\n", encoding="utf-8")
        enriched = tmp_path / "enriched.csv"
        done = runner.invoke(app, ["enrich", str(listing), "-o", str(enriched), "--icp",
                                   str(card), "--allow-private"])
        assert done.exit_code == 0, done.output
    # the site stood in for hostileshop.com (a loopback address is no CRM key)
    text = enriched.read_text(encoding="utf-8")
    enriched.write_text(text.replace(url, "https://hostileshop.com/").replace(
        url.split("//")[1].rstrip("/").split(":")[0], "hostileshop.com"), encoding="utf-8")
    scored = tmp_path / "scored.csv"
    done = runner.invoke(app, ["score", str(listing), "-o", str(scored), "--icp", str(card)])
    assert done.exit_code == 0, done.output
    header_only = tmp_path / "empty_portal.csv"
    header_only.write_text("Company name,Company Domain Name,Industry\n", encoding="utf-8")
    bundles = []
    for target, export in (("hubspot", header_only), ("salesforce", None)):
        folder = tmp_path / f"bundle-{target}"
        args = ["crm", "plan", str(enriched), "--target", target, "-o", str(folder), "--icp",
                str(card)] + (["--crm-export", str(export)] if export else [])
        done = runner.invoke(app, args)
        assert done.exit_code == 0, done.output
        assert "planned against an empty CRM" in done.output
        assert "create 1" in " ".join(done.output.split())
        bundles.append(folder)
    rows = _cells(enriched)
    header, row = rows[0], rows[1]
    values = dict(zip(header, row, strict=True))
    # the site's formulas arrived (so the check below is not vacuous), neutralised
    assert values["industry"] == "'=1+1" or values["country"] == "'@SUM(1,1)"
    assert values["Phone"] == "+44 20 7946 0000" and values["Note"] == "=mine"  # the user's
    checked = 0
    for path in [enriched, scored] + [p for b in bundles for p in b.glob("*.csv")]:
        table = _cells(path)
        width = 4 if path in (enriched, scored) else 0  # the list's own columns come first
        for cells in table[1:]:
            for cell in cells[width:]:
                checked += 1
                assert not runs_as_formula(cell), f"{path.name}: {cell!r}"
    assert checked > 40
    # points last, never a sign first
    assert values["fit_reasons"].startswith("✓ ") and " (+" in values["fit_reasons"]
    for folder in bundles:
        plan_md = (folder / "plan.md").read_text(encoding="utf-8")
        assert "Planned against an empty CRM" in plan_md
