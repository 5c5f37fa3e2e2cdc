"""Column roles: every column of a table export becomes evidence text or an attribute."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.base.errors import IngestError
from retrieval.parsers import read_all
from retrieval.records import Kind, Outcome
from retrieval.tables.attributes import attributes_in, list_items, parse_key
from retrieval.tables.columns import Role, infer_role, split_items
from retrieval.tables.outcomes import detect_outcome, explicit_rule, header_outcome
from retrieval.tables.schema import build_schema, cell_label
from retrieval.tables.values import parse_headcount, split_industry_size

from .conftest import EXPORTS, shared_data


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def role(header: str, values: list[str]) -> Role:
    return infer_role(header, values, len(values))[0]


# --- inference from values, one role at a time ------------------------------------------

def test_identifiers() -> None:
    uuids = [f"{i:08x}-8bba-4d29-b9a2-b6e0beafe{i:03d}" for i in range(30)]
    assert role("Prospect ID", uuids) is Role.IDENTIFIER
    assert role("Lead Number", [str(660000 + i * 7) for i in range(60)]) is Role.IDENTIFIER
    assert role("Ref", [f"AB{i:05d}X" for i in range(30)]) is Role.IDENTIFIER
    # numbers that merely differ are a measure, not an id
    assert role("Time on site", [str(i * 13 % 997) for i in range(60)]) is Role.NUMBER


def test_text_category_number_list_date() -> None:
    notes = [f"Customer {i} said the sync broke twice this week and they lost a day." for i in
             range(20)]
    assert role("Call Notes Free", notes) is Role.TEXT
    assert role("Lead Source", ["Google", "Reference", "Olark Chat"] * 10) is Role.CATEGORY
    assert role("Visits", ["0", "2", "3.5", "12", "1,200"] * 5) is Role.NUMBER
    assert role("Do Not Email", ["Yes", "No"] * 10) is Role.CATEGORY
    assert role("Converted flag", ["0", "1"] * 10) is Role.CATEGORY
    assert role("Stack", ["Salesforce; Snowflake", "HubSpot; Snowflake", "Salesforce"] * 5) \
        is Role.LIST
    assert role("tags", ["['b2b', 'saas']", "['fintech', 'b2b']", "['saas']"] * 5) is Role.LIST
    assert role("First Contact", ["2024-01-03", "2024-02-11", "March 3, 2024"] * 5) is Role.DATE
    assert role("Activity Index", ["02.Medium", "01.High", "03.Low"] * 5) is Role.CATEGORY


def test_personal_data_and_links_are_never_attributes() -> None:
    assert role("Contact", ["ana@example.com", "bo@example.org"] * 5) is Role.PII
    assert role("Mobile", ["+1 415 555 0100", "(415) 555-0199"] * 5) is Role.PII
    assert role("Deal Owner", ["Moses Frase", "Darcel Schlecht", "Anna Snelling"] * 5) \
        is Role.PII
    assert role("Website", ["https://acme.example", "www.beta.example"] * 5) is Role.URL
    assert role("Domain", ["acme.com", "beta.io", "gamma.co.uk"] * 5) is Role.URL
    assert role("Nothing here", []) is Role.EMPTY


def test_placeholders_count_as_missing(tmp_path: Path) -> None:
    path = write(tmp_path / "deals.csv", "Company,Stage,Tier,Industry\n"
                 "A,Won,Select,Software\nB,Lost,Pro,N/A\nC,Won,-,Retail\nD,Lost,Pro,none\n")
    records, source = read_all(path)
    a, b = records[0].fields, records[1].fields
    # the column is there, the cell is not recorded: "" (a level the learner may test)
    assert a["attr:Tier"] == "" and b["industry"] == ""
    assert b["attr:Tier"] == "Pro"
    plan = source.schema.profile("Tier")
    assert plan.filled == 2 and plan.placeholders == {"Select": 1, "-": 1}


def test_cells_and_values() -> None:
    assert split_items("['a', 'b']") == ["a", "b"] and split_items("x | y") == ["x", "y"]
    assert split_industry_size("Construction, 51-200 employees") == (
        "Construction", "51-200 employees")
    assert split_industry_size("1-10 employees") == ("", "1-10 employees")
    assert split_industry_size("Computer Software, Self-employed") == (
        "Computer Software", "Self-employed")
    assert split_industry_size("Hospital & Health Care") == ("Hospital & Health Care", "")
    assert parse_headcount("51-200 employees") == 125
    assert parse_headcount("Mid-Market (51-1000 emp.)") == 525
    assert parse_headcount("10,001+ employees") == 10001
    assert parse_headcount("Self-employed") == 1 and parse_headcount("lots") is None
    assert cell_label("Pros:\xa0Easy to use") == "Pros" and cell_label("Easy: yes") == "Easy"
    assert cell_label("no label here") == ""


# --- outcomes in any form ------------------------------------------------------------

@pytest.mark.parametrize(("header", "values", "expected"), [
    ("Converted", ["0", "1", "1"], [Outcome.LOST, Outcome.WON, Outcome.WON]),
    ("Is Won", ["yes", "no", "Yes"], [Outcome.WON, Outcome.LOST, Outcome.WON]),
    ("Churned", ["true", "false", "TRUE"], [Outcome.CHURNED, Outcome.WON, Outcome.CHURNED]),
    ("Won Date", ["2024-01-02", "", "2024-03-04"], [Outcome.WON, Outcome.LOST, Outcome.WON]),
])
def test_outcome_columns_of_any_form(header: str, values: list[str],
                                     expected: list[Outcome]) -> None:
    rows = [{"Company": f"C{i}", header: v} for i, v in enumerate(values)]
    rule = detect_outcome([], ["Company", header], rows)
    assert rule is not None and rule.column == header
    assert [rule.read(r)[0] for r in rows] == expected


def test_stage_names_keep_open_deals_open(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "Company,Deal Stage\nA,Closed Won\nB,Closed Lost\n"
                 "C,Churned\nD,Negotiation\n")
    records, _ = read_all(path)
    assert [r.fields["outcome"] for r in records] == ["won", "lost", "churned", "open"]


def test_header_outcome_and_explicit_rules() -> None:
    assert header_outcome("Converted") is Outcome.WON
    assert header_outcome("Closed Lost?") is Outcome.LOST
    assert header_outcome("Lead Source") is None
    rule = explicit_rule("Result", won=["1", "yes"], lost=["0", "no"])
    assert [rule.read({"Result": v})[0] for v in ("1", "NO", "maybe")] == [
        Outcome.WON, Outcome.LOST, Outcome.OPEN]
    only_won = explicit_rule("Result", won=["paid"])
    assert only_won.read({"Result": "trial"})[0] is Outcome.LOST


def test_a_lead_funnel_export_keeps_its_signal(tmp_path: Path) -> None:
    """The export from the issue: Lead Source used to be dropped as 'not mapped'."""
    lines = ["Lead ID,Lead Source,First Contact,Stage"]
    lines += [f"L{i:04d},{'Referral' if i % 3 else 'Webinar'},2024-0{1 + i % 9}-1{i % 9},"
              f"{'Closed Won' if i % 2 else 'Closed Lost'}" for i in range(40)]
    records, source = read_all(write(tmp_path / "funnel.csv", "\n".join(lines) + "\n"))
    assert source.kind is Kind.WINLOSS
    schema = source.schema
    assert schema.profile("Lead ID").role is Role.IDENTIFIER
    assert schema.profile("Lead Source").role is Role.CATEGORY
    assert schema.profile("First Contact").role is Role.DATE
    first = records[0].fields
    assert first["attr:Lead Source"] == "Webinar" and first["date:First Contact"] == "2024-01-10"
    assert first["record_id"] == "L0000" and first["date"] == "2024-01-10"
    assert "Lead Source: Webinar" in records[0].text
    assert {a.label for a in attributes_in(first)} == {"Lead Source"}


def test_attribute_names_are_one_scheme() -> None:
    meta = {"industry": "Software", "attr:Lead Source": "Reference", "num:Visits": 4,
            "list:Tags": "b2b; saas", "date:First Contact": "2024-01-02", "account": "A"}
    found = {a.key: (a.role, a.label) for a in attributes_in(meta)}
    assert found == {"industry": (Role.CATEGORY, "Industry"),
                     "attr:Lead Source": (Role.CATEGORY, "Lead Source"),
                     "num:Visits": (Role.NUMBER, "Visits"), "list:Tags": (Role.LIST, "Tags")}
    assert parse_key("date:First Contact").role is Role.DATE and parse_key("account") is None
    assert list_items(meta["list:Tags"]) == ["b2b", "saas"]


def test_free_text_columns_become_labelled_evidence(tmp_path: Path) -> None:
    text = ("Company,Outcome,Champion Feedback\n"
            "A,Won,\"Loved the dedupe demo; their ops lead said it saved a week of cleanup.\"\n"
            "B,Lost,\"Price was too high for a team of three and security review took months.\"\n")
    records, source = read_all(write(tmp_path / "d.csv", text))
    assert source.schema.profile("Champion Feedback").role is Role.TEXT
    assert "Champion Feedback: Loved the dedupe demo" in records[0].text


def test_tickets_keep_their_unknown_columns(tmp_path: Path) -> None:
    text = ("Subject,Description,Tier,Seats,Affected Integrations\n"
            "Sync broken,The nightly sync fails with a timeout,Pro,40,Salesforce; Slack\n"
            "Export slow,Exports to Snowflake take an hour,Enterprise,300,Snowflake\n"
            "Login loop,SSO redirects forever,Pro,25,Okta; Slack\n")
    records, source = read_all(write(tmp_path / "t.csv", text))
    assert source.kind is Kind.TICKET
    assert records[0].fields["attr:Tier"] == "Pro" and records[0].fields["num:Seats"] == 40
    assert records[0].fields["list:Affected Integrations"] == "Salesforce; Slack"


# --- the real exports ----------------------------------------------------------------

LEADS_ATTRIBUTES = ("Lead Source", "Lead Origin", "What is your current occupation")


def check_leads(path: Path) -> None:
    records, source = read_all(path)
    schema = source.schema
    assert source.kind is Kind.WINLOSS
    assert all(p.role for p in schema.profiles) and len(schema.profiles) == 37
    for header in LEADS_ATTRIBUTES:
        assert schema.profile(header).role is Role.CATEGORY, header
    assert schema.profile("Country").field == "country"
    assert schema.profile("Converted").role is Role.OUTCOME
    assert schema.profile("TotalVisits").role is Role.NUMBER
    assert schema.profile("Prospect ID").role is Role.IDENTIFIER
    specialization = schema.profile("Specialization")
    assert "Select" in specialization.placeholders and "Select" not in specialization.examples
    assert not any(v == "Select" for r in records for v in r.fields.values())
    outcomes = {r.fields["outcome"] for r in records}
    assert outcomes == {"won", "lost"}
    won = [r for r in records if r.fields["outcome"] == "won"]
    assert len(won) / len(records) == pytest.approx(0.385, abs=0.05)
    assert all(f"attr:{h}" in r.fields for r in records[:50] for h in ("Lead Origin",))


def test_leads_fixture_every_column_has_a_role() -> None:
    check_leads(EXPORTS / "leads_xeducation_300.csv")


def test_leads_export_every_column_has_a_role() -> None:
    check_leads(shared_data("leads_xeducation/Leads.csv"))


def test_override_errors_name_the_column(tmp_path: Path) -> None:
    from agent.base.errors import MappingError
    from retrieval.tables.mapping import ColumnMapping

    path = write(tmp_path / "d.csv", "Company,Outcome\nA,Won\n")
    with pytest.raises(IngestError, match="no column named 'Plan'"):
        read_all(path, mapping=ColumnMapping(columns={"Plan": "attribute"}))
    with pytest.raises(MappingError, match="unknown role 'colour'"):
        ColumnMapping(columns={"Plan": "colour"})
    schema = build_schema(["Company", "Outcome"], [{"Company": "A", "Outcome": "Won"}])
    assert schema.outcome is not None and schema.outcome.mode == "stage"
