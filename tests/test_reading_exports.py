"""Reading every export right: values confirm aliases, roles from the whole file, dates in any
format, the deal date to split on, duplicates, and one leak decision for draft and backtest.

The fixtures are generated here with a fixed seed, each shaped like a case seen in a real
export nobody here wrote (a B2B vendor's opportunities, a telemarketing list sorted by date,
a lead funnel with dates in ``DD-MM-YYYY``, an export with many duplicate rows)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from agent.icp.checks import check_records
from agent.icp.criteria import attribute_names, learn
from agent.icp.deals import unique_deals
from agent.icp.leakage import find_leaks
from agent.validate.reference import boosting_scores, features
from agent.validate.run import backtest
from agent.validate.split import split_deals
from retrieval.parsers import read_all
from retrieval.tables.columns import Role
from retrieval.tables.dates import day_first, iso_date, looks_like_date
from retrieval.tables.inspect import inspect_file
from retrieval.tables.mapping import ColumnMapping

from .conftest import shared_data
from .test_validate import file_deals

COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne",
             "Wonka", "Tyrell", "Cyberdyne", "Soylent", "Oscorp", "Aperture", "Gringotts"]


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def opportunities(path: Path, n: int = 600, seed: int = 3) -> Path:
    """A B2B vendor's opportunities: ``Client`` Current/New is the strongest signal."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        client = rng.choice(["Current", "New"])
        won = rng.random() < (0.7 if client == "Current" else 0.17)
        rows.append({
            "Opportunity ID": f"OPP-{10000 + i}", "Name": f"{rng.choice(COMPANIES)}{i}",
            "Client": client, "Competitors": rng.choice(["Yes", "No"]),
            "contact": rng.choice(["cellular", "telephone"]),
            "Stage": "Closed Won" if won else "Closed Lost",
            "Amount": rng.randint(5, 500) * 100,
        })
    return write_csv(path, rows)


def test_values_decide_and_aliases_propose(tmp_path: Path) -> None:
    report = inspect_file(opportunities(tmp_path / "opps.csv"))
    roles = {p.header: p for p in report.schema.profiles}
    assert roles["Client"].role == Role.CATEGORY
    assert roles["Client"].reason.startswith("header says account, values are a 2-value category")
    assert roles["Competitors"].role == Role.CATEGORY
    assert "yes/no flag" in roles["Competitors"].reason
    assert roles["contact"].role == Role.CATEGORY
    assert "header says requester" in roles["contact"].reason
    assert (roles["Name"].role, roles["Name"].field) == (Role.FIELD, "account")
    assert "values are names of organisations" in roles["Name"].reason
    assert (roles["Amount"].role, roles["Amount"].field) == (Role.FIELD, "amount")
    # and the signal reaches the criteria
    learned = learn(file_deals(tmp_path / "opps.csv"))
    assert any(c.label == "Client" and c.values == ["Current"] for c in learned.criteria)


def test_codes_are_categories_not_quantities(tmp_path: Path) -> None:
    rng = random.Random(5)
    rows = [{"id": i, "zip": f"{rng.choice([2139, 2140, 10001, 94107, 60601]):05d}",
             "NAICS Code": rng.choice([511210, 541511, 522110]), "Seats": rng.randint(1, 900),
             "Won": rng.choice(["yes", "no"])} for i in range(200)]
    report = inspect_file(write_csv(tmp_path / "codes.csv", rows))
    roles = {p.header: p.role for p in report.schema.profiles}
    assert roles["zip"] == Role.CATEGORY and roles["NAICS Code"] == Role.CATEGORY
    assert roles["Seats"] == Role.NUMBER


def telemarketing(path: Path, n: int = 3000, seed: int = 8) -> Path:
    """Sorted by date: ``poutcome`` is a placeholder for the first 2,400 rows, then filled;
    ``duration`` (the call's own length) is written after the outcome; ``pdays`` and
    ``previous`` (before this campaign) are legitimate many-valued numbers."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        late = i >= 2400
        poutcome = rng.choice(["failure", "success", "other"]) if late else "unknown"
        pdays = rng.randint(1, 400) if late else -1
        previous = rng.randint(0, 6)
        p = 0.1 + (0.45 if poutcome == "success" else 0.0) + 0.02 * previous
        won = rng.random() < p
        duration = rng.randint(250, 3000) if won else rng.randint(0, 400)
        rows.append({"age": rng.randint(18, 90), "contact": rng.choice(["cellular", "telephone"]),
                     "pdays": pdays, "previous": previous, "poutcome": poutcome,
                     "duration": duration, "y": "yes" if won else "no"})
    return write_csv(path, rows)


def test_roles_come_from_the_whole_file_and_the_guard_holds_on_numbers(tmp_path: Path) -> None:
    path = telemarketing(tmp_path / "bank.csv")
    mapping = ColumnMapping(outcome="y", won=["yes"], lost=["no"])
    report = inspect_file(path, mapping=mapping)
    roles = {p.header: p for p in report.schema.profiles}
    assert roles["poutcome"].role == Role.CATEGORY  # filled only after row 2,400
    assert roles["poutcome"].fill_rate == pytest.approx(0.2, abs=0.01)
    assert roles["contact"].role == Role.CATEGORY
    checks = check_records(report.deals)
    assert set(checks.decision.leaks) == {"num:duration"}
    reason = checks.decision.leaks["num:duration"].reason  # by its data: a certain range
    assert "were lost" in reason and "binomial p" in reason
    assert {"num:pdays", "num:previous", "num:age"} <= set(checks.decision.solo_auc)
    # "not recorded" is a level of its own: success is only known where it is recorded
    records, _ = read_all(path, mapping=mapping)
    learned = learn(file_deals_from(records))
    tested = {(s.attribute, s.value) for s in learned.tested}
    assert ("attr:poutcome", "not recorded") in tested
    assert any(c.attribute == "attr:poutcome" and c.values == ["success"]
               for c in learned.criteria)


def file_deals_from(records: list) -> list:
    from agent.icp.checks import deals_of

    return deals_of(records)


@pytest.mark.parametrize(("written", "iso"), [
    ("2019-05-28", "2019-05-28"), ("28-05-2019", "2019-05-28"), ("05/28/2019", "2019-05-28"),
    ("28.05.2019", "2019-05-28"), ("May 28, 2019", "2019-05-28"),
    ("2019-05-28T10:00Z", "2019-05-28"), ("28 May 2019", "2019-05-28"),
    ("2019/05/28", "2019-05-28"),
])
def test_dates_in_any_common_format(written: str, iso: str) -> None:
    assert looks_like_date(written)
    assert iso_date(written, day_first([written])) == iso


@pytest.mark.parametrize("value", ["3", "12", "2019", "1.5", "10-20", "v1.2.3", "Q3"])
def test_not_dates(value: str) -> None:
    assert not looks_like_date(value)


def test_day_month_order_is_decided_by_the_column(tmp_path: Path) -> None:
    assert day_first(["03-04-2019", "28-05-2019"]) is True
    assert day_first(["03/04/2019", "05/28/2019"]) is False
    assert day_first(["03.04.2019"]) is True  # no value tells: dots read day-first
    rng = random.Random(2)
    rows = []
    for i in range(300):
        day, month = rng.randint(1, 28), rng.randint(1, 12)
        won = rng.random() < 0.4
        rows.append({"Lead": f"L{i}", "First Contact": f"{day:02d}-{month:02d}-2020",
                     "Created Date": 43831 + i, "Converted": int(won),
                     "Source": rng.choice(["web", "referral", "event"])})
    report = inspect_file(write_csv(tmp_path / "funnel.csv", rows))
    roles = {p.header: p for p in report.schema.profiles}
    assert roles["First Contact"].role in (Role.DATE, Role.FIELD)
    assert roles["Created Date"].role in (Role.DATE, Role.FIELD)  # Excel serials
    records, _ = read_all(tmp_path / "funnel.csv")
    first = records[0].fields
    day, month = rows[0]["First Contact"].split("-")[:2]  # type: ignore[union-attr]
    dated = {first.get("date"), first.get("date:First Contact")} - {None}
    assert f"2020-{month}-{day}" in dated
    assert not any(k.startswith("attr:") and "Contact" in k for k in first)
    deals = file_deals_from(records)
    assert split_deals(deals).how.startswith("time split on")


def test_date_filled_for_one_outcome_is_a_leak_not_the_split_date(tmp_path: Path) -> None:
    rng = random.Random(4)
    rows = []
    for i in range(400):
        won = rng.random() < 0.6
        rows.append({"id": f"c:{i}", "founded_at": f"1/1/{rng.randint(1995, 2010)}",
                     "closed_at": "" if won else f"6/1/{rng.randint(2009, 2013)}",
                     "category": rng.choice(["web", "mobile", "biotech"]),
                     "status": "acquired" if won else "closed"})
    path = write_csv(tmp_path / "startups.csv", rows)
    mapping = ColumnMapping(outcome="status", won=["acquired"], lost=["closed"])
    report = inspect_file(path, mapping=mapping)
    assert report.schema.dates.column == "founded_at"
    assert "closed_at" in report.schema.dates.leaks
    forced = inspect_file(path, mapping=ColumnMapping(outcome="status", won=["acquired"],
                                                      lost=["closed"], date="closed_at"))
    assert forced.schema.dates.column == "closed_at"
    assert "--date" in forced.schema.dates.reason


def test_duplicates_count_once_and_stay_on_one_side(tmp_path: Path) -> None:
    rng = random.Random(6)
    base = [{"Segment": rng.choice(["SMB", "Mid", "Ent"]), "Seats": seats,
             "Region": rng.choice(["EU", "US", "APAC"]),
             "Outcome": rng.choice(["Won", "Lost"])} for seats in rng.sample(range(1, 999), 200)]
    # look-alikes: the same common values, nothing rare shared: not copies
    base += [{"Segment": "SMB", "Seats": 5000, "Region": "EU", "Outcome": "Lost"}
             for _ in range(30)]
    base += [{"Segment": "SMB", "Seats": 5000, "Region": "US", "Outcome": "Lost"}
             for _ in range(30)]
    rows = base + [dict(rng.choice(base[:200])) for _ in range(80)]
    rows = [{"Deal ID": f"D{i:04d}", **row} for i, row in enumerate(rows)]
    path = write_csv(tmp_path / "dupes.csv", rows)
    deals = file_deals(path)
    unique, dropped = unique_deals(deals)
    expected = len(rows) - 60 - len({tuple((k, v) for k, v in r.items() if k != "Deal ID")
                                     for r in rows[:200] + rows[260:]})
    assert dropped == expected and dropped > 0
    learned = learn(deals)
    assert learned.duplicates == dropped
    assert any("exact duplicates" in n for n in learned.notes)
    report = backtest(deals)
    assert any("exact duplicates" in n for n in report.notes)
    assert report.train_deals + report.test_deals == len(unique)


def test_draft_backtest_and_reference_set_aside_the_same_columns(tmp_path: Path) -> None:
    records, _ = read_all(telemarketing(tmp_path / "bank.csv"),
                          mapping=ColumnMapping(outcome="y", won=["yes"], lost=["no"]))
    deals = file_deals_from(records)
    drafted = learn(deals)  # what `icp draft` runs on every deal
    report = backtest(deals)  # `icp validate`
    decision = find_leaks(deals, attribute_names(deals))
    assert set(drafted.leaks) == set(decision.leaks) == {"num:duration"}
    assert set(report.set_aside) == {leak.label for leak in drafted.leaks.values()}
    # the reference models see exactly the same columns
    split = split_deals(unique_deals(deals)[0])
    skip = frozenset(drafted.leaks)
    seen = {k.split("=", 1)[0] for d in split.train for k in features(d, drafted.bands, skip)}
    assert "num:duration" not in seen and {"num:pdays", "num:previous"} <= seen
    assert boosting_scores(split.train, split.test, skip) is not None


# --- real exports --------------------------------------------------------------------------

def test_startups_export_roles_date_and_leak() -> None:
    path = shared_data("startups_crunchbase/startup_data.csv")
    mapping = ColumnMapping(outcome="status", won=["acquired"], lost=["closed"])
    report = inspect_file(path, mapping=mapping)
    roles = {p.header: p for p in report.schema.profiles}
    assert report.schema.dates.column in ("founded_at", "first_funding_at")
    assert "closed_at" in report.schema.dates.leaks
    assert roles["closed_at"].role == Role.DATE
    for header in ("Unnamed: 0", "object_id"):
        assert roles[header].role == Role.IDENTIFIER, header
    assert roles["id"].field == "record_id"
    assert roles["state_code.1"].role == Role.IGNORE
    assert "copy of column state_code" in roles["state_code.1"].reason
    checks = check_records(report.deals)
    assert "closed_at" in {leak.label for leak in checks.decision.leaks.values()}
    deals = file_deals_from(report.deals)
    result = backtest(deals)
    assert result.split.startswith("time split on founded_at")
    assert result.auc is not None and result.auc > 0.7
    assert result.reference_auc is not None and result.reference_auc > 0.7


def test_leads_export_sets_aside_only_the_leaks() -> None:
    path = shared_data("leads_xeducation/Leads.csv")
    report = inspect_file(path)
    checks = check_records(report.deals)
    assert {leak.label for leak in checks.decision.leaks.values()} == {
        "Tags", "Lead Quality", "Last Activity", "Last Notable Activity"}
    roles = {p.header: p.role for p in report.schema.profiles}
    assert roles["Prospect ID"] == Role.IDENTIFIER and roles["Lead Number"] == Role.IDENTIFIER
    assert roles["TotalVisits"] == Role.NUMBER


def test_maven_close_dates_parsed_and_split_on() -> None:
    path = shared_data("crm_maven/sales_pipeline.csv")
    report = inspect_file(path)
    assert report.schema.dates.column == "close_date"
    records, _ = read_all(path)
    closed = [r for r in records if r.fields.get("outcome") in ("won", "lost")]
    assert all(str(r.fields.get("date", "")).startswith("20") for r in closed)
    assert split_deals(file_deals_from(closed)).how.startswith("time split on close_date")
