"""Buying triggers, one vocabulary: how a trigger shows in the evidence and on a website.

The ICP's trigger criteria (:mod:`agent.icp.signals`) are found in call notes and
transcripts by ``in_evidence``; a prospect's site shows them by the page signals in
``on_site`` (:mod:`agent.enrich.extract`), which the fit scorer (:mod:`agent.fit.score`)
looks up here. A trigger is named by its :class:`Trigger` member (its value is the display
name saved in ICP documents), never matched by display text written twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class SignalKind(StrEnum):
    """What a prospect's page can show about the company."""

    TECHNOLOGY = "technology"
    EMPLOYEES = "employees"
    LOCATION = "location"
    FUNDING = "funding"
    HIRING = "hiring"
    LEADERSHIP = "leadership"
    BOARD = "board"
    TOOL_CHANGE = "tool_change"
    EVENT = "event"


class Trigger(StrEnum):
    NEW_REVENUE_LEADER = "New revenue leader"
    FUNDING_ROUND = "Funding round"
    ACQUISITION = "Acquisition or merger"
    SALES_GROWTH = "Sales team growth or expansion"
    BOARD_PRESSURE = "Board or leadership pressure"
    DEADLINE_EVENT = "Deadline event"


@dataclass(frozen=True)
class TriggerRule:
    in_evidence: re.Pattern[str]  # a customer's sentence in a call or note
    on_site: tuple[SignalKind, ...]  # page signals that show it on a prospect's site


RULES: dict[Trigger, TriggerRule] = {
    Trigger.NEW_REVENUE_LEADER: TriggerRule(re.compile(
        r"\b(hired|new|joined|appointed)\b.{0,30}\b(cro|vp|head|chief|director)\b|"
        r"\bnew (cro|head of|vp)", re.I), (SignalKind.LEADERSHIP,)),
    Trigger.FUNDING_ROUND: TriggerRule(re.compile(
        r"\braised\b|series [a-f]\b|funding round|\bipo\b", re.I), (SignalKind.FUNDING,)),
    Trigger.ACQUISITION: TriggerRule(re.compile(
        r"\bacqui(red|sition|ring)\b|\bmerger\b", re.I), (SignalKind.TOOL_CHANGE,)),
    Trigger.SALES_GROWTH: TriggerRule(re.compile(
        r"\bhiring\b.{0,30}\breps?\b|scaling the sales|from \d+ to \d+ reps|"
        r"expand(ing)? (into|to)|\bexpansion\b", re.I), (SignalKind.HIRING,)),
    Trigger.BOARD_PRESSURE: TriggerRule(re.compile(
        r"\bboard\b.{0,40}\b(asked|wants|meeting|trusts|defend)|before the board|"
        r"take that to the board", re.I), (SignalKind.BOARD, SignalKind.LEADERSHIP)),
    Trigger.DEADLINE_EVENT: TriggerRule(re.compile(
        r"\b(sales )?kickoff\b|before (their|our|the) \w+ (meeting|round)", re.I),
        (SignalKind.EVENT,)),
}


def trigger_named(name: str) -> Trigger | None:
    """The trigger a saved criterion names (its display name), if it is one of ours."""
    try:
        return Trigger(name)
    except ValueError:
        return None


def site_signals(name: str) -> tuple[SignalKind, ...]:
    """The page signals that show the trigger ``name`` on a prospect's site."""
    trigger = trigger_named(name)
    return RULES[trigger].on_site if trigger else ()
