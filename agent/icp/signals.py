"""Buying triggers and persona signals found in the evidence by cue patterns.

Every item is a sentence of a chunk, quoted as its raw source holds it
(:mod:`agent.base.quotes`), so it can be cited and verified.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from agent.base.quotes import RAW_AT_KEY, RawSource
from agent.icp.model import Criterion, Persona
from agent.triggers import RULES
from retrieval.corpus import Account, Corpus, EvidenceChunk
from retrieval.mining.models import Evidence
from retrieval.mining.roles import is_vendor_side, role_family
from retrieval.mining.statements import PROBLEM_CUES, sentences, statements_in_chunk

_GOAL = re.compile(r"\b(want|wanted|need|needed|goal|so that|so we|trust|one source of truth|"
                   r"saves?|budget is approved|champion|would have changed)\b", re.I)
_OBJECTION = re.compile(r"\b(concern|worry|worried|if it adds|not sure|too expensive|security "
                        r"review|another tool|procurement|without engineering|hesitant|risk)\b",
                        re.I)
MIN_TRIGGER_ACCOUNTS = 2


def _evidence(chunk: EvidenceChunk, quote: str, accounts: dict[str, Account]) -> Evidence:
    account = str(chunk.meta.get("account", ""))
    known = accounts.get(account.lower())
    outcome = str(chunk.meta.get("outcome") or (known.outcome if known else ""))
    return Evidence(source_id=str(chunk.meta.get("source_id")), quote=quote, chunk_id=chunk.id,
                    kind=str(chunk.meta.get("kind", "")), account=account, outcome=outcome,
                    speaker=str(chunk.meta.get("speaker", "")))


def quoted_sentences(chunk: EvidenceChunk) -> Iterator[tuple[str, str]]:
    """``(sentence, quote)``: each sentence of the chunk with the quote its raw source
    holds; sentences with none are left out."""
    raw = RawSource(chunk.raw, (int(chunk.meta.get("chunk_index", 0)),
                                int(chunk.meta.get("chunk_count", 1))),
                    str(chunk.meta.get(RAW_AT_KEY, "")))
    for sentence in sentences(chunk.text):
        quote = raw.cut(sentence)
        if quote:
            yield sentence, quote


def _customer_sentences(chunk: EvidenceChunk, vendor: str) -> Iterator[tuple[str, str]]:
    if chunk.meta.get("kind") == "transcript" and is_vendor_side(
            str(chunk.meta.get("role", "")), vendor):
        return iter(())
    return quoted_sentences(chunk)


def find_triggers(corpus: Corpus, vendor: str = "") -> list[Criterion]:
    accounts = corpus.accounts()
    hits: dict[str, list[Evidence]] = defaultdict(list)
    for chunk in corpus.chunks:
        for sentence, quote in _customer_sentences(chunk, vendor):
            for trigger, rule in RULES.items():
                if rule.in_evidence.search(sentence):
                    hits[trigger.value].append(_evidence(chunk, quote, accounts))
    triggers = []
    for name, evidence in hits.items():
        names = {e.account.lower() for e in evidence if e.account}
        if len(names) < MIN_TRIGGER_ACCOUNTS:
            continue
        won = {e.account.lower() for e in evidence if e.outcome == "won"}
        evidence.sort(key=lambda e: (e.outcome != "won", e.source_id))
        triggers.append(Criterion(
            attribute="trigger", values=[name], kind="trigger",
            statement=f"{name}: seen at {len(names)} accounts ({len(won)} of them won)",
            support=len(names), wins=len(won),
            confidence="medium" if len(won) >= 3 else "low", evidence=evidence[:4],
        ))
    triggers.sort(key=lambda c: (-(c.wins or 0), -c.support, c.values[0]))
    return triggers


@dataclass
class _PersonaDraft:
    titles: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)
    mentions: int = 0
    goals: list[Evidence] = field(default_factory=list)
    pains: list[Evidence] = field(default_factory=list)
    jobs: list[Evidence] = field(default_factory=list)
    objections: list[Evidence] = field(default_factory=list)


def find_personas(corpus: Corpus, vendor: str = "", limit: int = 3) -> list[Persona]:
    """Buyer personas from the roles of customer speakers, ticket requesters and
    reviewers."""
    accounts = corpus.accounts()
    drafts: dict[str, _PersonaDraft] = defaultdict(_PersonaDraft)
    for chunk in corpus.chunks:
        role = str(chunk.meta.get("role", ""))
        if not role or chunk.meta.get("kind") not in ("transcript", "ticket", "review"):
            continue
        if chunk.meta.get("kind") == "transcript" and is_vendor_side(role, vendor):
            continue
        family = role_family(role)
        if family is None and chunk.meta.get("kind") == "review":
            family = role.strip().title()  # a reviewer's own role (G2's "Product Role")
        if family is None:
            continue
        draft = drafts[family]
        draft.titles.add(role)
        draft.mentions += 1
        if chunk.meta.get("account"):
            draft.accounts.add(str(chunk.meta["account"]))
        if chunk.meta.get("kind") == "review":  # answers read by their question
            for st in statements_in_chunk(chunk.id, chunk.text, chunk.meta, vendor):
                if st.text:
                    ev = _evidence(chunk, st.text, accounts)
                    (draft.jobs if st.type == "job" else draft.pains if st.type != "value"
                     else draft.goals).append(ev)
            continue
        for sentence, quote in quoted_sentences(chunk):
            if len(sentence.split()) < 4:
                continue
            ev = _evidence(chunk, quote, accounts)
            if _OBJECTION.search(sentence):
                draft.objections.append(ev)
            elif _GOAL.search(sentence):
                draft.goals.append(ev)
            elif PROBLEM_CUES.search(sentence):
                draft.pains.append(ev)
    personas = []
    for family, d in drafts.items():
        if d.mentions < 2 and len(d.accounts) < 2:
            continue
        chosen = d.pains[:limit] + d.jobs[:limit] + d.goals[:limit] + d.objections[:limit]
        if not chosen:
            continue
        personas.append(Persona(
            role=family, titles=sorted(d.titles), mentions=d.mentions,
            accounts=sorted(d.accounts),
            goals=[e.quote for e in d.goals[:limit]], pains=[e.quote for e in d.pains[:limit]],
            jobs=[e.quote for e in d.jobs[:limit]],
            objections=[e.quote for e in d.objections[:limit]], evidence=chosen,
        ))
    def won_accounts(p: Persona) -> int:
        return sum(1 for a in p.accounts
                   if (known := accounts.get(a.lower())) and known.outcome == "won")

    personas.sort(key=lambda p: (-won_accounts(p), -len(p.accounts), -p.mentions, p.role))
    return personas
