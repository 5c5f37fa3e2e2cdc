"""Firmographic and technographic criteria learned from won vs lost deals.

Each closed win-loss record is one deal: won is a success; lost and churned are not.
For every attribute value with enough deals we compare its win rate with all other
deals (Fisher's exact test) and control the false-discovery rate across all values
tested. Only significant differences become criteria (lift > 1) or exclusions
(lift < 1); everything else is reported as "no signal", with the numbers.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from agent.icp.model import Criterion
from agent.icp.stats import MIN_SUPPORT, ValueStats, benjamini_hochberg, value_stats
from retrieval.corpus import Corpus, EvidenceChunk
from retrieval.mining.models import Evidence
from retrieval.mining.themes import size_band

ATTRIBUTES = {  # attribute -> (kind, label)
    "industry": ("firmographic", "Industry"),
    "size": ("firmographic", "Company size (employees)"),
    "revenue": ("firmographic", "Revenue"),
    "country": ("firmographic", "Country"),
    "technology": ("technographic", "Uses technology"),
}
MIN_COVERAGE = 0.5  # an attribute must be known for half the deals to be analysed


@dataclass
class Deal:
    chunk: EvidenceChunk
    won: bool
    values: dict[str, list[str]] = field(default_factory=dict)


def revenue_band(revenue: object) -> str | None:
    if not isinstance(revenue, (int, float)):
        return None
    # Exports give revenue in dollars or in $M (Maven); treat small numbers as $M.
    dollars = revenue * 1e6 if revenue < 100_000 else revenue
    for upper, band in ((1e7, "<$10M"), (1e8, "$10M-$100M"), (1e9, "$100M-$1B")):
        if dollars < upper:
            return band
    return "$1B+"


def _split_tech(value: object) -> list[str]:
    return [t.strip() for t in re.split(r"[;,/|]", str(value)) if t.strip()]


def closed_deals(corpus: Corpus) -> list[Deal]:
    deals = []
    for chunk in corpus.chunks:
        meta = chunk.meta
        if meta.get("kind") != "winloss" or meta.get("chunk_index", 0) != 0:
            continue
        if meta.get("outcome") not in ("won", "lost", "churned"):
            continue
        values: dict[str, list[str]] = {}
        if meta.get("industry"):
            values["industry"] = [str(meta["industry"]).strip().lower()]
        if band := size_band(meta.get("employees")):
            values["size"] = [band]
        if band := revenue_band(meta.get("revenue")):
            values["revenue"] = [band]
        if meta.get("country"):
            values["country"] = [str(meta["country"]).strip()]
        if meta.get("technologies"):
            values["technology"] = _split_tech(meta["technologies"])
        deals.append(Deal(chunk, meta["outcome"] == "won", values))
    return deals


def merge_spellings(deals: list[Deal], attribute: str) -> dict[str, str]:
    """Map rare misspellings onto a common spelling (``technolgy`` -> ``technology``)."""
    counts = Counter(v for d in deals for v in d.values.get(attribute, []))
    canonical: dict[str, str] = {}
    by_frequency = [v for v, _ in counts.most_common()]
    for i, value in enumerate(by_frequency):
        match = difflib.get_close_matches(value, by_frequency[:i], n=1, cutoff=0.88)
        canonical[value] = canonical.get(match[0], match[0]) if match else value
    return {v: c for v, c in canonical.items() if v != c}


@dataclass
class CriteriaResult:
    criteria: list[Criterion]
    exclusions: list[Criterion]
    notes: list[str]
    tested: list[ValueStats]
    deals: int


def _evidence(deals: list[Deal], attribute: str, value: str, prefer_won: bool) -> list[Evidence]:
    matching = [d for d in deals if value in d.values.get(attribute, [])]
    matching.sort(key=lambda d: (d.won != prefer_won, d.chunk.id))
    out = []
    for deal in matching[:3]:
        first_line = deal.chunk.text.split("\n", 1)[0]
        meta = deal.chunk.meta
        out.append(Evidence(source_id=str(meta.get("source_id")), quote=first_line,
                            chunk_id=deal.chunk.id, kind="winloss",
                            account=str(meta.get("account", "")),
                            outcome=str(meta.get("outcome", ""))))
    return out


def _confidence(s: ValueStats) -> str:
    if s.q_value < 0.01 and s.support >= 20:
        return "high"
    return "medium" if s.q_value < 0.05 else "low"


def learn_criteria(corpus: Corpus) -> CriteriaResult:
    deals = closed_deals(corpus)
    notes: list[str] = []
    if not deals:
        notes.append("No closed win-loss deals in the evidence: no firmographic or "
                     "technographic criteria can be learned. Ingest a CRM export with outcomes.")
        return CriteriaResult([], [], notes, [], 0)
    total, total_wins = len(deals), sum(d.won for d in deals)
    tested: list[ValueStats] = []
    for attribute in ATTRIBUTES:
        known = [d for d in deals if d.values.get(attribute)]
        if len(known) < MIN_COVERAGE * total:
            known_text = f"known for only {len(known)}" if known else "no data in any"
            notes.append(f"{ATTRIBUTES[attribute][1]}: {known_text} of {total} closed deals; "
                         "not analysed.")
            continue
        merged = merge_spellings(deals, attribute)
        if merged:
            for d in known:
                d.values[attribute] = [merged.get(v, v) for v in d.values[attribute]]
            notes.append(f"{ATTRIBUTES[attribute][1]}: merged spellings "
                         + ", ".join(f"'{a}' into '{b}'" for a, b in sorted(merged.items())) + ".")
        tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for d in deals:
            for value in set(d.values.get(attribute, [])):
                tally[value][0] += d.won
                tally[value][1] += 1
        if len(tally) == 1:
            notes.append(f"{ATTRIBUTES[attribute][1]}: every deal has the same value "
                         f"'{next(iter(tally))}'; nothing to compare.")
        for value, (wins, support) in sorted(tally.items()):
            if support >= MIN_SUPPORT and support < total:
                tested.append(value_stats(attribute, value, wins, support, total_wins, total))
    benjamini_hochberg(tested)
    criteria, exclusions = [], []
    for s in sorted(tested, key=lambda s: (s.q_value, -s.support)):
        if not s.significant:
            continue
        kind, label = ATTRIBUTES[s.attribute]
        positive = s.lift > 1
        criterion = Criterion(
            attribute=s.attribute, values=[s.value], kind=kind if positive else "exclusion",
            statement=(f"{label}: {s.value} — wins {s.win_rate:.0%} of {s.support} deals vs "
                       f"{s.baseline:.0%} overall (lift {s.lift:.2f}, q={s.q_value:.3g})"),
            support=s.support, wins=s.wins, win_rate=round(s.win_rate, 4),
            baseline_win_rate=round(s.baseline, 4), lift=round(s.lift, 3),
            p_value=round(s.q_value, 6), confidence=_confidence(s),
            evidence=_evidence(deals, s.attribute, s.value, prefer_won=positive),
        )
        (criteria if positive else exclusions).append(criterion)
    for attribute in ATTRIBUTES:
        values = [s for s in tested if s.attribute == attribute]
        if values and not any(s.significant for s in values):
            rates = [s.win_rate for s in values]
            spread = (f"win rates {min(rates):.0%}–{max(rates):.0%} across {len(values)} values"
                      if len(values) > 1 else
                      f"'{values[0].value}' won {values[0].wins} of {values[0].support}")
            notes.append(
                f"No signal: no {ATTRIBUTES[attribute][1].lower()} value separates wins from "
                f"losses ({spread} vs {total_wins / total:.0%} overall; none significant after "
                "false-discovery-rate control)."
            )
    if total < 30:
        notes.append(f"Only {total} closed deals: criteria need large differences to show; "
                     "treat them as hypotheses to test.")
    return CriteriaResult(criteria, exclusions, notes, tested, total)
