from retrieval.records import Outcome
from retrieval.tables.aliases import map_columns, normalise_header
from retrieval.tables.fields import normalise_outcome, parse_number


def test_headers_from_common_crms_map_to_fields() -> None:
    hubspot = map_columns(["Deal Name", "Company", "Deal Stage", "Close Date", "Amount",
                           "Industry", "Number of Employees", "Closed Lost Reason"])
    assert hubspot.mapping == {
        "account": "Company", "outcome": "Deal Stage", "date": "Close Date",
        "amount": "Amount", "industry": "Industry", "employees": "Number of Employees",
        "reason": "Closed Lost Reason",
    }
    assert hubspot.unmapped == ["Deal Name"]
    salesforce = map_columns(["Account Name", "Stage", "Loss Reason", "Annual Revenue"])
    assert salesforce.mapping["account"] == "Account Name"
    assert salesforce.mapping["outcome"] == "Stage"


def test_preferred_alias_wins_and_the_other_is_a_fallback() -> None:
    cmap = map_columns(["status", "Outcome", "Owner"])
    assert cmap.mapping["outcome"] == "Outcome"
    assert cmap.get({"status": "Won", "Outcome": ""}, "outcome") == "Won"
    assert cmap.get({"status": "Won", "Outcome": "Lost"}, "outcome") == "Lost"
    assert cmap.unmapped == ["Owner"]


def test_header_normalisation() -> None:
    assert normalise_header("  Account-Name_ ") == "account name"


def test_outcomes_and_numbers() -> None:
    assert normalise_outcome("Closed Won") is Outcome.WON
    assert normalise_outcome("closed-lost") is Outcome.LOST
    assert normalise_outcome("Churned") is Outcome.CHURNED
    assert normalise_outcome("Engaging") is Outcome.OPEN
    assert normalise_outcome("maybe") is Outcome.UNKNOWN
    assert parse_number("1,200") == 1200
    assert parse_number("$2.5M") == 2_500_000
    assert parse_number("51-200") is None
