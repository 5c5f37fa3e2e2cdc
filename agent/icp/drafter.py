"""The offline drafting engine: an ICP from the evidence in the store, every claim cited.

Deterministic: the same store gives the same document (apart from its version and time).
"""

from __future__ import annotations

from datetime import UTC, datetime

from agent.icp.criteria import learn_criteria
from agent.icp.grounding import ground
from agent.icp.model import Basis, Criterion, CriterionKind, ICPDocument, PainPoint
from agent.icp.profile import customer_profile
from agent.icp.scorecard import TIER_SHARES
from agent.icp.signals import find_personas, find_triggers
from agent.icp.text_lines import Embed
from retrieval.corpus import Corpus
from retrieval.mining.models import MiningResult, Theme
from retrieval.mining.themes import theme_rank

MAX_PAINS = 8
PAIN_CRITERIA = 3
LOSS_SHARE = 0.7


def _won(theme: Theme) -> int:
    return theme.by_outcome.get("won", 0)


def pain_points(mining: MiningResult, themes: list[Theme] | None = None) -> list[PainPoint]:
    """The top themes (the pains; or ``themes``: jobs, value) as sections of the ICP."""
    ranked = sorted(mining.themes if themes is None else themes, key=theme_rank)
    return [
        PainPoint(theme_id=t.id, label=t.label, size=t.size, weight=t.weight,
                  accounts=t.accounts, by_kind=t.by_kind, by_outcome=t.by_outcome,
                  summary=t.summary, evidence=t.quotes)
        for t in ranked[:MAX_PAINS] if t.quotes
    ]


def _theme_criterion(t: Theme, kind: CriterionKind, attribute: str, statement: str,
                     evidence_outcomes: tuple[str, ...]) -> Criterion:
    return Criterion(
        attribute=attribute, values=[t.label], kind=kind, statement=statement,
        support=t.size, wins=_won(t), win_rate=round(_won(t) / t.size, 4),
        confidence="medium" if t.accounts >= 3 else "low",
        evidence=[q for q in t.quotes if q.outcome in evidence_outcomes] or t.quotes,
    )


def pain_criteria(mining: MiningResult) -> list[Criterion]:
    """Pains the best customers share become criteria a prospect can be checked for."""
    out = []
    for t in sorted(mining.themes, key=lambda t: (-_won(t), -t.size, t.id)):
        if _won(t) * 2 < t.size or t.accounts < 2:
            continue
        out.append(_theme_criterion(
            t, "pain", "pain", f"Has the pain “{t.label}”: {t.size} statements from "
            f"{t.accounts} accounts, {_won(t)} from won customers", ("won",)))
        if len(out) == PAIN_CRITERIA:
            break
    return out


def loss_exclusions(mining: MiningResult) -> list[Criterion]:
    """Themes voiced mostly in lost or churned deals: who (or what) not to target."""
    out = []
    for t in mining.themes:
        bad = t.by_outcome.get("lost", 0) + t.by_outcome.get("churned", 0)
        if t.size < 2 or t.accounts < 2 or bad < LOSS_SHARE * t.size:
            continue
        out.append(_theme_criterion(
            t, "exclusion", "loss_theme", f"Deals lost or churned over “{t.label}”: {bad} of "
            f"{t.size} mentions, {t.accounts} accounts", ("lost", "churned")))
    return out


ATTRIBUTE_KINDS = ("firmographic", "technographic", "attribute")


def summarise(doc: ICPDocument) -> str:
    parts = []
    if doc.basis == "hypothesis":
        parts.append("A hypothesis to test (too few closed deals for findings).")
    firmo = [c for c in doc.criteria if c.kind in ATTRIBUTE_KINDS and (c.points or 1) > 0]
    if firmo:
        parts.append("Best-fit accounts: " + "; ".join(
            f"{c.label or c.attribute} {', '.join(c.values)} (win rate {c.win_rate:.0%} vs "
            f"{c.baseline_win_rate:.0%})" for c in firmo[:4]) + ".")
    elif doc.basis == "customers":
        top = doc.customer_profile[:3]
        parts.append("A profile of current customers (no lost deals to compare): "
                     + "; ".join(f"{p.label} {p.value} {p.share:.0%}" for p in top) + "."
                     if top else "A profile of current customers.")
    else:
        parts.append("No attribute separates wins from losses in this evidence.")
    if doc.pain_points:
        parts.append("Top recurring pains: " + "; ".join(
            p.label for p in doc.pain_points[:3]) + ".")
    if doc.exclusions:
        parts.append("Avoid: " + "; ".join(
            (f"{c.label} " if c.label else "") + ", ".join(c.values)
            for c in doc.exclusions[:3]) + ".")
    return " ".join(parts)


def _date_note(corpus: Corpus) -> str:
    """Which column dates the deals (chosen at ingest, see ``retrieval/tables/deal_date.py``)."""
    columns: dict[str, int] = {}
    closed = 0
    for chunk in corpus.chunks:
        if chunk.meta.get("kind") == "winloss" and chunk.meta.get("outcome") in (
                "won", "lost", "churned") and chunk.meta.get("chunk_index", 0) == 0:
            closed += 1
            column = str(chunk.meta.get("date_column", ""))
            if column:
                columns[column] = columns.get(column, 0) + 1
    if not closed:
        return ""
    if not columns:
        return ("Deal dates: none of the closed deals carries a date filled for every outcome; "
                "`icp validate` draws its held-out deals at random (`icp inspect` says why).")
    named = ", ".join(f"{c} ({n} deals)" for c, n in sorted(columns.items()))
    return (f"Deal dates: {named}, the date filled for nearly every closed deal whatever its "
            "outcome; `icp validate` splits on it (`icp inspect` shows the choice).")


def draft(corpus: Corpus, mining: MiningResult, vendor: str = "",
          use_columns: tuple[str, ...] = (), drop_columns: tuple[str, ...] = (),
          tier_shares: tuple[float, float, float] = TIER_SHARES,
          embed: Embed | None = None) -> ICPDocument:
    """The ICP from the store; ``embed`` (the workspace's embedding model) lets the topics
    of the deals' own text be tested beside the themes they voice."""
    learned = learn_criteria(corpus, use_columns, drop_columns, tier_shares, mining, embed)
    lost = learned.deals - learned.won
    basis: Basis = ("deals" if learned.won and lost and not learned.hypothesis else
                    "hypothesis" if learned.won and lost else "none")
    profile, profile_notes = ([], []) if basis != "none" else customer_profile(corpus)
    if profile:
        basis = "customers"
    doc = ICPDocument(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        engine="offline",
        inputs={
            "chunks": len(corpus.chunks),
            "sources": len({str(c.meta.get("source_file")) for c in corpus.chunks}),
            "closed_deals": learned.deals,
            "accounts": len(corpus.accounts()),
            "statements": mining.statements,
            "themes": len(mining.themes),
        },
        criteria=learned.criteria + pain_criteria(mining),
        pain_points=pain_points(mining),
        jobs=pain_points(mining, mining.jobs), value=pain_points(mining, mining.value),
        triggers=find_triggers(corpus, vendor),
        personas=find_personas(corpus, vendor),
        exclusions=learned.exclusions + loss_exclusions(mining),
        notes=profile_notes + [n for n in learned.notes if not (profile and n.startswith(
            "No closed win-loss deals"))] + [n for n in [_date_note(corpus)] if n],
        basis=basis, customer_profile=profile,
        set_aside={leak.label: leak.reason for leak in learned.leaks.values()},
        scorecard=learned.scorecard if learned.criteria else None,
    )
    if not doc.personas:
        doc.notes.append("No buyer personas: no customer roles in transcripts or tickets.")
    if not doc.triggers:
        doc.notes.append("No buying triggers seen at two or more accounts.")
    if not mining.themes:
        doc.notes.append("No recurring pain points: too few problem statements in the evidence.")
    doc = ground(doc, corpus)
    doc.summary = summarise(doc)
    return doc
