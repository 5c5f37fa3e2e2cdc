"""The ICP as a points scorecard: signed points per value, reasons that add up, tiers that
fall with the win rate, one scorer for deals, list rows and sites, and a backtest beside a
logistic regression and gradient boosting."""

from __future__ import annotations

import json
import random

import pytest

from agent.enrich.prospect import Fact, Prospect
from agent.fit.rows import classify_row
from agent.fit.score import Thresholds, classify, points_of
from agent.icp.criteria import learn
from agent.icp.model import ICPDocument
from agent.validate.run import backtest

from .conftest import EXPORTS, shared_data
from .test_validate import file_deals, make_deals


def funnel(n: int = 6000, seed: int = 9) -> list[dict[str, object]]:
    """A lead funnel: 'social' converts at half the rate, 'referral' at twice; size and a
    missing source move it too; 'Region' is noise."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        source = rng.choice(["web", "web", "social", "referral", "event", ""])
        seats = rng.randint(1, 2000)
        p = {"web": 0.11, "social": 0.055, "referral": 0.22, "event": 0.11, "": 0.16}[source]
        p *= 1.6 if seats >= 500 else 1.0
        row: dict[str, object] = {
            "outcome": "won" if rng.random() < p else "lost",
            "attr:Lead Source": source, "attr:Region": rng.choice(["EU", "US", "APAC"]),
            "num:Seats": float(seats), "record_id": f"L{i}"}
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def funnel_icp() -> ICPDocument:
    learned = learn(make_deals(funnel()))
    return ICPDocument(criteria=learned.criteria, exclusions=learned.exclusions,
                       scorecard=learned.scorecard)


def line(icp: ICPDocument, label: str, value: str) -> int | None:
    found = [c for c in icp.criteria if c.label == label and c.values == [value]]
    return found[0].points if found else None


def test_a_significantly_worse_value_gets_negative_points(funnel_icp: ICPDocument) -> None:
    social = line(funnel_icp, "Lead Source", "social")
    referral = line(funnel_icp, "Lead Source", "referral")
    missing = line(funnel_icp, "Lead Source", "not recorded")
    assert social is not None and social < 0
    assert referral is not None and referral > 0
    assert missing is not None and missing > 0  # absence is a level of its own
    # about -20 points halve the odds: social converts at about half the rate
    assert -30 <= social <= -10 and 10 <= referral <= 30
    assert all(c.label != "Region" for c in funnel_icp.criteria)  # noise: no points
    # seats: cut once, where the win rate steps (500): the big band wins more
    seats = {c.values[0]: c for c in funnel_icp.criteria if c.label == "Seats"}
    assert len(seats) == 2
    small, big = sorted(seats.values(), key=lambda c: c.band[0] or 0)  # type: ignore[index]
    assert (small.points or 0) < 0 < (big.points or 0)
    assert 400 <= (big.band[0] or 0) <= 600  # type: ignore[index]
    # the same prospect with a social source moves down
    web = classify_row({"attr:Lead Source": "web", "num:Seats": 800.0}, funnel_icp)
    soc = classify_row({"attr:Lead Source": "social", "num:Seats": 800.0}, funnel_icp)
    assert soc.points is not None and web.points is not None
    assert soc.points == web.points + social and soc.score < web.score
    unknown = classify_row({"num:Seats": 800.0}, funnel_icp)  # no Lead Source column at all
    assert unknown.points == web.points and unknown.confidence < web.confidence


def reason_points(reasons: list[str]) -> int:
    return sum(points_of(r) for r in reasons)


def test_reasons_points_add_up_for_deals_rows_and_sites(funnel_icp: ICPDocument) -> None:
    for meta in ({"attr:Lead Source": "referral", "num:Seats": 900.0},
                 {"attr:Lead Source": "", "num:Seats": 3.0},
                 {"attr:Lead Source": "social", "attr:Region": "EU"}):
        fit = classify_row(meta, funnel_icp)
        assert fit.points is not None and reason_points(fit.reasons) == fit.points
    deals = make_deals(funnel(400, seed=3))
    for deal in deals[:50]:
        fit = classify_row(deal.chunk.meta, funnel_icp)
        assert reason_points(fit.reasons) == fit.points
    # a site: the scorecard's employee band judged on the head count the site states
    prospect = Prospect(input="x.example", url="https://x.example", fetch_status="ok",
                        employees=Fact("120", "https://x.example/about", "We are 120 people"))
    icp = funnel_icp.model_copy(update={"criteria": [
        c.model_copy(update={"attribute": "employees", "kind": "firmographic",
                             "label": "Employees"})
        if c.label == "Seats" else c for c in funnel_icp.criteria]})
    fit = classify(prospect, icp)
    assert fit.points is not None and fit.points < 0  # a small company: the small band
    assert reason_points(fit.reasons) == fit.points
    assert any("https://x.example/about" in r for r in fit.reasons)


def test_tiers_fall_with_the_win_rate_and_a_holds_the_top(funnel_icp: ICPDocument) -> None:
    card = funnel_icp.scorecard
    assert card is not None and card.tier_win_rates
    rates = [card.tier_win_rates[t] for t in ("A", "B", "C", "D") if t in card.tier_win_rates]
    assert rates == sorted(rates, reverse=True)
    assert card.tiers["A"] == pytest.approx(80, abs=0.5)  # the top 20% of training deals
    explicit = classify_row({"attr:Lead Source": "referral", "num:Seats": 900.0}, funnel_icp,
                            Thresholds(a=99, b=98, c=97, explicit=True))
    assert explicit.tier == "D" or (explicit.score or 0) >= 97  # ICP_FIT_TIERS wins


def test_an_icp_without_a_scorecard_still_loads_and_scores() -> None:
    old = {"version": 1, "criteria": [{
        "attribute": "industry", "values": ["software"], "kind": "firmographic",
        "statement": "Industry: software", "support": 40, "confidence": "high",
        "evidence": [{"source_id": "a.csv#row=2", "quote": "Acme: won deal."}]}]}
    icp = ICPDocument.model_validate_json(json.dumps(old))
    assert icp.scorecard is None
    fit = classify_row({"industry": "software"}, icp)
    assert fit.points is None and fit.tier in ("A", "B")


def test_backtest_beside_logistic_regression_and_boosting() -> None:
    report = backtest(make_deals(funnel()))
    assert report.auc is not None and report.reference_auc is not None
    assert report.boosting_auc is not None
    assert report.auc >= report.reference_auc - 0.01
    assert report.auc >= report.boosting_auc - 0.03
    assert "gradient boosting" in report.verdict
    lifted = [c for c in report.criteria if c.points]
    assert lifted and all(c.lift_low < c.lift < c.lift_high for c in lifted)


def test_leads_fixture_scorecard() -> None:
    learned = learn(file_deals(EXPORTS / "leads_xeducation_300.csv"))
    assert learned.scorecard is not None and learned.criteria
    assert all(c.points and c.q_value is not None and c.q_value < 0.05
               for c in learned.criteria)


# --- real exports ----------------------------------------------------------------------

def monotone(report) -> bool:  # noqa: ANN001
    rates = [t.win_rate for t in report.tiers if t.deals >= 30]
    return rates == sorted(rates, reverse=True)


def test_leads_scorecard_matches_the_black_box() -> None:
    deals = file_deals(shared_data("leads_xeducation/Leads.csv"))
    report = backtest(deals)
    assert report.auc >= report.reference_auc - 0.005
    assert report.auc >= report.boosting_auc - 0.03
    assert monotone(report)
    a = next(t for t in report.tiers if t.tier == "A")
    assert 0.12 <= a.share_of_deals <= 0.3


def test_startups_scorecard_matches_the_black_box() -> None:
    from agent.icp.checks import deals_of
    from retrieval.parsers import read_all
    from retrieval.tables.mapping import ColumnMapping

    records, _ = read_all(shared_data("startups_crunchbase/startup_data.csv"),
                          mapping=ColumnMapping(outcome="status", won=["acquired"],
                                                lost=["closed"]))
    report = backtest(deals_of(records))
    assert report.split.startswith("time split on founded_at")
    assert report.auc >= report.reference_auc - 0.005
    assert report.auc >= report.boosting_auc - 0.03


def test_tier_shares_are_a_setting() -> None:
    from agent.base.errors import SettingsError
    from agent.settings import Settings

    shares = Settings(fit_tier_shares="10,40,30").tier_shares()
    learned = learn(make_deals(funnel(3000)), tier_shares=shares)
    assert learned.scorecard is not None
    assert learned.scorecard.tiers["A"] == pytest.approx(90, abs=0.5)
    with pytest.raises(SettingsError):
        Settings(fit_tier_shares="60,50,10").tier_shares()


def test_a_users_rule_adds_points_to_a_scorecard(funnel_icp: ICPDocument) -> None:
    from agent.chat.revise import Revision, apply

    doc = funnel_icp.model_copy(update={"version": 1})
    new, line = apply(doc, Revision(action="add_criterion", attribute="industry",
                                    values=["fintech"], reason="we win in fintech"), "t1")
    rule = next(c for c in new.criteria if c.values == ["fintech"])
    assert rule.points == 20 and rule.support == 0
    fit = classify_row({"attr:Lead Source": "web", "industry": "fintech"}, new)
    before = classify_row({"attr:Lead Source": "web", "industry": "fintech"}, funnel_icp)
    assert fit.points == (before.points or 0) + 20
    assert any(r.startswith("✓ ") and " (+20)" in r for r in fit.reasons)
    assert reason_points(fit.reasons) == fit.points
