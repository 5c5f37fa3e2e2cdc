"""One trigger vocabulary (agent.triggers): every trigger the ICP can name can also be seen
on a prospect's site, and the fit scorer finds it by the trigger, not by its wording."""

from __future__ import annotations

import pytest

from agent.enrich.extract import extract
from agent.enrich.prospect import Prospect, build_profile
from agent.fit.score import site_verdicts
from agent.icp.model import Criterion, ICPDocument
from agent.triggers import RULES, Trigger, site_signals, trigger_named
from retrieval.mining.models import Evidence

PAGES = {
    Trigger.NEW_REVENUE_LEADER: "Acme welcomes Dana Cole as Chief Revenue Officer.",
    Trigger.FUNDING_ROUND: "Acme raised $30 million in a Series B round.",
    Trigger.ACQUISITION: "Last year we migrated from Dynamics to Salesforce.",
    Trigger.SALES_GROWTH: "We're hiring: open roles for account executives.",
    Trigger.BOARD_PRESSURE: "Acme appoints Lee Park to its board of directors.",
    Trigger.DEADLINE_EVENT: "Join us at our annual summit in March.",
}


def test_every_trigger_has_a_rule_and_a_page_signal() -> None:
    assert set(RULES) == set(Trigger) == set(PAGES)
    for trigger in Trigger:
        assert site_signals(trigger.value), trigger
    assert trigger_named("Board or leadership pressure") is Trigger.BOARD_PRESSURE
    assert site_signals("something else") == ()


@pytest.mark.parametrize("trigger", list(Trigger))
def test_each_trigger_matches_a_site_that_shows_it(trigger: Trigger) -> None:
    html = f"<html><body><h1>Acme</h1><p>{PAGES[trigger]}</p></body></html>"
    prospect = build_profile(Prospect(input="acme", pages=[extract("https://acme.example/",
                                                                   html)], fetch_status="ok"))
    icp = ICPDocument(triggers=[Criterion(attribute="trigger", values=[trigger.value],
                                          kind="trigger", statement=trigger.value, support=2,
                                          evidence=[Evidence(source_id="n#1", quote="q")])])
    verdicts, _ = site_verdicts(prospect, icp)
    assert [v.result for v in verdicts] == ["match"], verdicts
    assert verdicts[0].quote and verdicts[0].url == "https://acme.example/"


def test_triggers_are_found_in_evidence_by_the_same_rules() -> None:
    assert RULES[Trigger.BOARD_PRESSURE].in_evidence.search("we need to take that to the board")
    assert RULES[Trigger.DEADLINE_EVENT].in_evidence.search("before our sales kickoff")
