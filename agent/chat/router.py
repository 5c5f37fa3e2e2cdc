"""Offline mode: a deterministic intent router in front of the same tools the LLM uses.

Patterns are tried in order; the first that matches names the tool and its arguments.
Whatever no pattern covers gets a plain answer saying it needs an LLM, plus what works
offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agent.base.fields import canonical_name
from agent.chat.revise import Revision, parse_number, size_above, size_below
from agent.chat.tools import TOOLS
from agent.icp.model import CriterionKind


def offline_help() -> str:
    """What works offline: the example requests each tool declares."""
    lines = ["- " + " · ".join(f'"{e}"' for e in tool.examples) for tool in TOOLS.values()]
    return ("Without an LLM I understand requests like these:\n" + "\n".join(lines)
            + "\nOpen questions, summaries in your own words and rewriting the ICP prose "
            "need an LLM\n(start with --llm openai:MODEL, or set ICP_LLM).")


OFFLINE_HELP = offline_help()

_DOMAIN = r"((?:https?://)?[\w.-]+\.[a-z]{2,}(?::\d+)?(?:/\S*)?|(?:https?://)?\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?:/\S*)?)"


@dataclass
class Call:
    tool: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Routed:
    calls: list[Call]
    reply: str = ""  # an answer that needs no tool (help, "needs an LLM")


def _revise(change: Revision) -> Call:
    return Call("revise_icp", change.model_dump())


def _exclusion(text: str, reason: str) -> Call | None:
    size = re.search(r"(under|below|less than|fewer than|smaller than|<)\s*([\d,]+)\s*"
                     r"(?:employees|people|staff|heads)?", text)
    if size and re.search(r"employee|people|staff|heads|compan|size", text):
        bands = size_below(parse_number(size.group(2)))
        return _revise(Revision(action="add_exclusion", attribute="employees",
                                values=bands, reason=reason))
    size = re.search(r"(over|above|more than|larger than|>)\s*([\d,]+)", text)
    if size and re.search(r"employee|people|staff|compan|size", text):
        bands = size_above(parse_number(size.group(2)))
        return _revise(Revision(action="add_exclusion", attribute="employees",
                                values=bands, reason=reason))
    tech = re.search(r"(?:using|use|run|running|on)\s+([\w .+#-]+?)\s*$", text)
    if tech:
        return _revise(Revision(
            action="add_exclusion", attribute="technologies", values=[tech.group(1).strip()],
            reason=reason))
    field_ = re.search(r"(industry|country|region)\s*(?:is|=|:)?\s*([\w &./-]+?)\s*$", text)
    if field_:
        attribute = "country" if field_.group(1) == "region" else field_.group(1)
        return _revise(Revision(
            action="add_exclusion", attribute=attribute, values=[field_.group(2).strip()],
            reason=reason))
    segment = re.search(r"exclude\s+(?:all\s+)?(?:the\s+)?([\w &./-]+?)\s*"
                        r"(?:companies|accounts|prospects|firms|businesses)?\s*$", text)
    if segment and segment.group(1) not in ("companies", "accounts"):
        return _revise(Revision(
            action="add_exclusion", attribute="industry", values=[segment.group(1).strip()],
            reason=reason))
    return None


def _criterion(text: str, reason: str) -> Call | None:
    found = re.search(r"(industry|size|country|technology|tech|trigger)\s*(?:is|=|:|to)?\s*"
                      r"(.+?)\s*$", text)
    if not found:
        return None
    attribute = "technologies" if found.group(1) == "tech" else canonical_name(found.group(1))
    values = [v.strip() for v in re.split(r",|\bor\b", found.group(2)) if v.strip()]
    kind: CriterionKind = "technographic" if attribute == "technologies" else \
        "trigger" if attribute == "trigger" else "firmographic"
    return _revise(Revision(action="add_criterion", attribute=attribute,
                            values=values, kind=kind, reason=reason))


def route(message: str) -> Routed:
    """The tool calls a message asks for (offline mode)."""
    raw = message.strip()
    text = raw.lower().rstrip("?.! ")
    if not text or re.fullmatch(r"(help|\?|what can you do|commands)", text):
        return Routed([], OFFLINE_HELP)
    if m := re.match(r"(?:please\s+)?(?:ingest|upload|load|add (?:the )?file)\s+(\S.*)$", raw,
                     re.I):
        return Routed([Call("ingest_file", {"path": m.group(1).strip().strip("'\"")})])
    if m := re.search(r"(?:compare|diff)\s+(v?\d+)\s*(?:and|with|to|vs\.?|,)?\s*(v?\d+)", text):
        return Routed([Call("compare_versions", {"a": m.group(1), "b": m.group(2)})])
    if re.search(r"\b(versions|version history|history)\b", text):
        return Routed([Call("list_versions")])
    if m := re.search(r"rename (?:the )?persona\s+(.+?)\s+(?:to|as)\s+(.+)$", raw, re.I):
        return Routed([_revise(Revision(
            action="rename_persona", attribute=m.group(1).strip("'\" "),
            values=[m.group(2).strip("'\" .")], reason=raw))])
    if text.startswith(("exclude", "don't target", "do not target", "avoid", "skip")):
        call = _exclusion(text, raw)
        return Routed([call] if call else [], "" if call else
                      "Tell me which segment to exclude, e.g. 'exclude companies under 50 "
                      "employees', 'exclude industry retail' or 'exclude companies using X'.")
    if m := re.match(r"(?:remove|drop|delete)\s+(?:the\s+)?(.+?)(?:\s+criterion|\s+exclusion)?$",
                     text):
        words = m.group(1).split(maxsplit=1)
        return Routed([_revise(Revision(
            action="remove_criterion", attribute=words[0],
            values=[words[1]] if len(words) > 1 else [], reason=raw))])
    if m := re.match(r"(?:change|set|adjust|make)\s+(?:the\s+)?(industry|size|country)\s+"
                     r"(?:criterion\s+)?(?:to|=|:)\s*(.+)$", text):
        values = [v.strip() for v in re.split(r",|\bor\b", m.group(2)) if v.strip()]
        return Routed([_revise(Revision(
            action="adjust_criterion", attribute=m.group(1), values=values, reason=raw))])
    if m := re.match(r"(?:add|require|target)\s+(?:a\s+)?(?:criterion\s+)?(.+)$", text):
        tech = re.match(r"(?:companies\s+|accounts\s+)?(?:using|with|on)\s+(.+)$", m.group(1))
        call = _criterion("technology " + tech.group(1) if tech else m.group(1), raw)
        return Routed([call] if call else [], "" if call else
                      "Say which attribute and values, e.g. 'add criterion technology: "
                      "Snowflake' or 'target companies using HubSpot'.")
    if m := re.search(r"\b(hubspot|salesforce)\b.*\b(import|load|bundle|upload)\b|"
                      r"\b(import|load|bundle)\b.*\b(?:into|to|for)\s+(hubspot|salesforce)\b",
                      text):
        export = re.search(r"\b(?:against|with|from)\s+(\S+\.(?:csv|tsv|xlsx|json))", raw,
                           re.I)
        return Routed([Call("prepare_crm_import", {
            "target": m.group(1) or m.group(4), "export_path": export.group(1) if export
            else ""})])
    if m := re.search(r"(?:why is|why's|explain|why did)\s+" + _DOMAIN, raw, re.I):
        tier = re.search(r"\b(?:a|an)\s+([abcd])\b\W*$", text)
        return Routed([Call("explain_fit", {"prospect": m.group(1).rstrip("?.,"),
                                            "claimed_tier": tier.group(1).upper() if tier
                                            else ""})])
    if m := re.search(r"(?:why is|why's)\s+(.+?)\s+(?:a|an)\s+([abcd])\W*$", raw, re.I):
        return Routed([Call("explain_fit", {"prospect": m.group(1).strip("'\" "),
                                            "claimed_tier": m.group(2).upper()})])
    if m := re.search(r"(?:classify|score|check|enrich|judge|is)\s+" + _DOMAIN, raw, re.I):
        return Routed([Call("classify_prospect", {"prospect": m.group(1).rstrip("?.,")})])
    if re.search(r"\b(does|is|will)\b.*\b(icp|profile)\b.*\b(work|valid|good|accurate|"
                 r"hold)|\bvalidat|\bbacktest|\bprove\b.*\bicp", text):
        return Routed([Call("validate_icp", {"rerun": bool(re.search(r"\b(re-?run|again)\b",
                                                                       text))})])
    if re.search(r"\bwhat\b.*\b(predicts?|drives?|explains?)\b.*\b(win|won|convert)|"
                 r"\bwhy do we win\b|\bwho (wins|buys)\b", text):
        return Routed([Call("what_predicts_a_win")])
    if re.search(r"\bcompetitors?\b", text):
        return Routed([Call("what_winners_and_losers_say", {"focus": "competitors"})])
    if re.search(r"\bwhat do (winners|losers) (say|said)\b|\bwhat did (winners|losers) say\b",
                 text):
        who = re.search(r"winners|losers", text)
        return Routed([Call("what_winners_and_losers_say",
                            {"focus": who.group(0) if who else "all"})])
    if re.search(r"\bwhy\b.*\b(lose|lost|losing|churn)|\b(loss|churn) reasons?\b", text):
        return Routed([Call("why_we_lose")])
    if re.search(r"\b(re)?draft\b|\b(build|create|generate|make|write)\b.*\b(icp|profile)\b",
                 text):
        return Routed([Call("draft_icp")])
    if re.search(r"\b(show|current|latest|see|view)\b.*\b(icp|profile)\b|^icp$", text):
        return Routed([Call("show_icp")])
    if re.search(r"^(?:which|what|who|show|list|see)\b.*\b(?:personas?|buyer roles?)\b|"
                 r"\bwho (?:should we|to) (?:target|sell to)\b", text):
        return Routed([Call("show_personas")])
    if re.search(r"\bpain|complain|struggl|problem|frustrat|recurring", text):
        limit = re.search(r"top\s+(\d+)", text)
        outcome = re.search(r"\b(lost|los(?:e|ing|ers?)|won|win(?:s|ning|ners?)?|churn\w*)\b",
                            text)
        said = outcome.group(1) if outcome else ""
        args: dict[str, Any] = {"limit": int(limit.group(1)) if limit else 5}
        if said:
            args["outcome"] = "churned" if said.startswith("churn") else "lost" \
                if said.startswith("los") else "won"
        return Routed([Call("list_pain_points", args)])
    if m := re.match(r"(?:search|find|look up|quotes? (?:about|on|for))\s+(?:for\s+)?(.+)$",
                     text) or re.search(r"(?:say|said|says|mention\w*) about\s+(.+)$", text):
        return Routed([Call("search_evidence", {"query": m.group(1)})])
    return Routed([], "That needs an LLM to answer: I am running offline (no model "
                      "configured).\n\n" + OFFLINE_HELP)
