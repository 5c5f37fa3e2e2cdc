"""``icp winloss``: what winners and losers said, with the numbers a revops lead acts on.

Every value of what customers said (themes voiced, topics of the deals' own text) and of a
competitor column is one entity: its support, win rate with a Wilson 95% interval, lift,
Fisher p and Benjamini-Hochberg q over everything tested (the same tests as the scorecard,
``agent/icp/criteria.learn``), a Mantel-Haenszel verdict against the strongest column for
the significant ones, and verbatim quotes. Themes of loss reasons are listed apart: they
are written at the close and explain outcomes, they never score a prospect.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.icp.confound import confound_verdict, strongest_column
from agent.icp.criteria import banded, learn
from agent.icp.deals import closed_deals, label_of
from agent.icp.stats import wilson
from agent.icp.text_lines import Embed, annotate, is_said
from retrieval.corpus import Corpus
from retrieval.mining.models import MiningResult
from retrieval.mining.statements import Statement

ENTITY_ATTRIBUTES = ("competitor",)  # columns a win-loss report reads beside the text


class Entity(BaseModel):
    kind: str = Field(description="voices (a theme) | topic | competitor")
    name: str
    support: int
    wins: int
    win_rate: float
    low: float
    high: float
    lift: float
    p_value: float
    q_value: float
    significant: bool
    points: int | None = None
    confound: str = ""
    quotes: list[dict[str, str]] = []


class LossReason(BaseModel):
    label: str
    mentions: int
    quotes: list[dict[str, str]] = []


class WinLossReport(BaseModel):
    deals: int
    won: int
    deals_with_text: int
    entities: list[Entity]
    loss_reasons: list[LossReason] = Field(default=[], description="written at the close: "
                                           "they explain outcomes and never score")
    notes: list[str] = []


def _kind(attribute: str) -> str:
    label = label_of(attribute).lower()
    return "voices" if label.startswith("voices") else "topic" if label.startswith(
        "topic") else attribute


def winloss(corpus: Corpus, mining: MiningResult | None, embed: Embed | None) -> WinLossReport:
    deals = closed_deals(corpus)
    text = annotate(deals, [], corpus, mining, embed)
    learned = learn(deals, text=text)
    points = {(c.attribute, c.values[0]): c.points for c in learned.criteria}
    strongest = strongest_column(learned.decision)
    in_bands = banded(deals, learned.leaks)[0]  # as the confound check reads them
    sources = {c.id: c.meta.get("source_id", c.id) for c in corpus.chunks}
    entities = []
    for s in learned.tested:
        if not (is_said(s.attribute) or s.attribute in ENTITY_ATTRIBUTES) or \
                s.value == "not recorded":
            continue
        low, high = wilson(s.wins, s.support)
        quotes = [{"source_id": str(sources.get(q.chunk_id, q.chunk_id)), "quote": q.quote}
                  for q in text.quotes(s.attribute, s.value)]
        entities.append(Entity(
            kind=_kind(s.attribute), name=s.value, support=s.support, wins=s.wins,
            win_rate=round(s.win_rate, 4), low=round(low, 4), high=round(high, 4),
            lift=round(s.lift, 3), p_value=float(f"{s.p_value:.4g}"),
            q_value=float(f"{s.q_value:.4g}"), significant=s.significant,
            points=points.get((s.attribute, s.value)),
            confound=confound_verdict(in_bands, s.attribute, s.value, strongest)
            if s.significant and strongest else "", quotes=quotes))
    entities.sort(key=lambda e: (not e.significant, -abs(e.lift - 1), -e.support))
    return WinLossReport(deals=learned.deals, won=learned.won,
                         deals_with_text=text.deals_with_text, entities=entities,
                         loss_reasons=_loss_reasons(text.statements, mining),
                         notes=[n for n in learned.notes if "what customers said" in n
                                or n.startswith(("Only ", "No closed"))])


def _loss_reasons(statements: list[Statement], mining: MiningResult | None
                  ) -> list[LossReason]:
    if mining is None:
        return []
    reasons = {s.id: s for s in statements if s.type == "loss_reason"}
    out = []
    for theme in mining.themes:
        said = [reasons[i] for i in theme.statement_ids if i in reasons]
        if said:
            out.append(LossReason(label=theme.label, mentions=len(said), quotes=[
                {"source_id": s.source_id, "quote": s.text} for s in said[:2] if s.text]))
    return sorted(out, key=lambda r: -r.mentions)


def markdown(report: WinLossReport) -> str:
    """The report as Markdown (``icp winloss -o report.md``)."""
    lines = ["# Win-loss analysis: what winners and losers said", "",
             f"{report.deals} closed deals ({report.won} won); {report.deals_with_text} with "
             "text of their own.", "",
             "| what | who said it | deals | win rate [95%] | lift | q | points | holds? |",
             "|---|---|---:|---|---:|---:|---:|---|"]
    for e in report.entities:
        lines.append(f"| {e.name} | {e.kind} | {e.support} | {e.win_rate:.0%} "
                     f"[{e.low:.0%}–{e.high:.0%}] | {e.lift:.2f} | {e.q_value:.3g} | "
                     f"{'' if e.points is None else f'{e.points:+d}'} | {e.confound} |")
    for e in report.entities:
        if e.quotes and e.significant:
            lines += ["", f"**{e.name}**"] + [f"> “{q['quote']}” ({q['source_id']})"
                                              for q in e.quotes]
    if report.loss_reasons:
        lines += ["", "## Loss reasons (written at the close: they explain, never score)", ""]
        lines += [f"- {r.label}: {r.mentions}" for r in report.loss_reasons]
    lines += ["", *[f"- {n}" for n in report.notes]]
    return "\n".join(lines) + "\n"
