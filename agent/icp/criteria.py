"""Criteria learned from won vs lost deals over every attribute the evidence carries.

Each closed win-loss record is one deal: won is a success; lost and churned are not.
Categories are compared value by value, lists item by item, numbers in bands (the usual
bands for employees and revenue, quartiles otherwise; the edges are kept on the
criterion). For every value with enough deals its win rate is compared with all other
deals (Fisher's exact test) and the false-discovery rate is controlled across every value
tested. Only significant differences become criteria (lift > 1) or exclusions (lift well
below 1); everything else is reported as "no signal", with the numbers. Columns that leak
the outcome are set aside first (``agent/icp/leakage.py``).
"""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from agent.icp.bands import Band, band_of, fixed_bands, quantile_bands
from agent.icp.deals import Deal, closed_deals, kind_of, label_of, metadata_key
from agent.icp.leakage import Leak, find_leaks
from agent.icp.model import Criterion
from agent.icp.stats import (
    MIN_SUPPORT,
    ValueStats,
    benjamini_hochberg,
    min_deals_per_outcome,
    value_stats,
)
from retrieval.corpus import Corpus
from retrieval.mining.models import Evidence

MIN_COVERAGE = 0.5  # an attribute must be known for half the deals to be analysed
EXCLUSION_LIFT = 0.5  # a significant value at half the baseline win rate or less: avoid it
MIN_LIFT = 1.1  # a significant value must win 10% more often than the baseline to be a criterion
MAX_CRITERIA = 15
MAX_VALUES = 60  # an attribute with more distinct values is compared on its top ones


@dataclass
class CriteriaResult:
    criteria: list[Criterion]
    exclusions: list[Criterion]
    notes: list[str]
    tested: list[ValueStats]
    deals: int
    won: int = 0
    leaks: dict[str, Leak] = field(default_factory=dict)
    bands: dict[str, list[Band]] = field(default_factory=dict)
    hypothesis: bool = False  # too few closed deals to trust the differences


def merge_spellings(deals: list[Deal], attribute: str) -> dict[str, str]:
    """Map rare misspellings onto a common spelling (``technolgy`` -> ``technology``)."""
    counts = Counter(v for d in deals for v in d.values.get(attribute, []))
    if len(counts) > MAX_VALUES * 4:
        return {}  # free-form values; not worth the quadratic comparison
    canonical: dict[str, str] = {}
    by_frequency = [v for v, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    for i, value in enumerate(by_frequency):
        match = difflib.get_close_matches(value, by_frequency[:i], n=1, cutoff=0.88)
        canonical[value] = canonical.get(match[0], match[0]) if match else value
    return {v: c for v, c in canonical.items() if v != c}


def _banded(deals: list[Deal]) -> tuple[list[Deal], dict[str, list[Band]]]:
    """Copies of the deals with every number replaced by its band's label."""
    names = sorted({n for d in deals for n in d.numbers})
    bands = {}
    for name in names:
        bands[name] = fixed_bands(metadata_key(name)) or quantile_bands(
            [d.numbers[name] for d in deals if name in d.numbers])
    out = []
    for d in deals:
        values = dict(d.values)
        for name, number in d.numbers.items():
            band = band_of(number, bands[name], metadata_key(name))
            if band is not None:
                values[name] = [band.label]
        out.append(Deal(d.chunk, d.won, d.outcome, d.date, values, d.numbers))
    return out, bands


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


def _criterion(s: ValueStats, deals: list[Deal], bands: dict[str, list[Band]]) -> Criterion:
    positive = s.lift > 1
    label = label_of(s.attribute)
    band = next((b for b in bands.get(s.attribute, []) if b.label == s.value), None)
    return Criterion(
        attribute=s.attribute, label=label, values=[s.value],
        kind=kind_of(s.attribute) if positive else "exclusion",
        band=band.edges() if band else None,
        statement=(f"{label}: {s.value} — wins {s.win_rate:.0%} of {s.support} deals vs "
                   f"{s.baseline:.0%} overall (lift {s.lift:.2f}, q={s.q_value:.3g})"),
        support=s.support, wins=s.wins, win_rate=round(s.win_rate, 4),
        baseline_win_rate=round(s.baseline, 4), lift=round(s.lift, 3),
        p_value=float(f"{s.p_value:.6g}"), q_value=float(f"{s.q_value:.6g}"),
        confidence=_confidence(s),
        evidence=_evidence(deals, s.attribute, s.value, prefer_won=positive),
    )


def _tally(deals: list[Deal], attribute: str) -> dict[str, list[int]]:
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for d in deals:
        for value in set(d.values.get(attribute, [])):
            tally[value][0] += d.won
            tally[value][1] += 1
    if len(tally) > MAX_VALUES:
        top = sorted(tally, key=lambda v: -tally[v][1])[:MAX_VALUES]
        return {v: tally[v] for v in top}
    return tally


def learn(deals: list[Deal], use_columns: tuple[str, ...] = ()) -> CriteriaResult:
    """Criteria from these closed deals (the whole store, or a training split)."""
    notes: list[str] = []
    if not deals:
        notes.append("No closed win-loss deals in the evidence: no firmographic or "
                     "technographic criteria can be learned. Ingest a CRM export with outcomes.")
        return CriteriaResult([], [], notes, [], 0)
    total, total_wins = len(deals), sum(d.won for d in deals)
    deals, bands = _banded(deals)
    names = sorted({n for d in deals for n in d.values})
    leaks = find_leaks(deals, names, use_columns)
    notes += [leak.note() for leak in leaks.values()]
    tested: list[ValueStats] = []
    analysed: list[str] = []
    for attribute in names:
        if attribute in leaks:
            continue
        label = label_of(attribute)
        known = [d for d in deals if d.values.get(attribute)]
        if len(known) < MIN_COVERAGE * total:
            notes.append(f"{label}: known for only {len(known)} of {total} closed deals; "
                         "not analysed.")
            continue
        merged = merge_spellings(known, attribute)
        if merged:
            for d in known:
                d.values[attribute] = [merged.get(v, v) for v in d.values[attribute]]
            notes.append(f"{label}: merged spellings "
                         + ", ".join(f"'{a}' into '{b}'" for a, b in sorted(merged.items())) + ".")
        tally = _tally(deals, attribute)
        if len(tally) == 1:
            notes.append(f"{label}: every deal has the same value '{next(iter(tally))}'; "
                         "nothing to compare.")
            continue
        analysed.append(attribute)
        for value, (wins, support) in sorted(tally.items()):
            if support >= MIN_SUPPORT and support < total:
                tested.append(value_stats(attribute, value, wins, support, total_wins, total))
    benjamini_hochberg(tested)
    criteria, exclusions, milder = [], [], []
    for s in sorted(tested, key=lambda s: (s.q_value, -s.support, s.attribute, s.value)):
        if not s.significant:
            continue
        if s.lift >= MIN_LIFT:
            criteria.append(_criterion(s, deals, bands))
        elif s.lift <= EXCLUSION_LIFT:
            exclusions.append(_criterion(s, deals, bands))
        else:
            milder.append(s)
    for group, name in ((criteria, "criteria"), (exclusions, "exclusions")):
        if len(group) > MAX_CRITERIA:
            notes.append(f"{len(group) - MAX_CRITERIA} more significant {name} not listed "
                         f"(the {MAX_CRITERIA} strongest are kept).")
            del group[MAX_CRITERIA:]
    slight = [s for s in milder if s.lift > 1]
    milder = [s for s in milder if s.lift <= 1]
    if slight:
        notes.append("Slightly higher win rates, too small to be criteria: " + "; ".join(
            f"{label_of(s.attribute)} {s.value} ({s.win_rate:.0%} of {s.support})"
            for s in slight[:6]) + ("; …" if len(slight) > 6 else "") + ".")
    if milder:
        notes.append("Lower win rates, not strong enough to exclude: " + "; ".join(
            f"{label_of(s.attribute)} {s.value} ({s.win_rate:.0%} of {s.support})"
            for s in milder[:6]) + ("; …" if len(milder) > 6 else "") + ".")
    for attribute in analysed:
        values = [s for s in tested if s.attribute == attribute]
        if values and not any(s.significant for s in values):
            rates = [s.win_rate for s in values]
            spread = (f"win rates {min(rates):.0%}–{max(rates):.0%} across {len(values)} values"
                      if len(values) > 1 else
                      f"'{values[0].value}' won {values[0].wins} of {values[0].support}")
            notes.append(
                f"No signal: no {label_of(attribute).lower()} value separates wins from "
                f"losses ({spread} vs {total_wins / total:.0%} overall; none significant after "
                "false-discovery-rate control)."
            )
    needed = min_deals_per_outcome()
    hypothesis = min(total_wins, total - total_wins) < needed
    if hypothesis:
        notes.append(f"Only {total_wins} won and {total - total_wins} lost or churned deals: "
                     f"telling a 60% from a 40% win rate takes about {needed} of each, so "
                     "these criteria are hypotheses to test, not findings.")
    return CriteriaResult(criteria, exclusions, notes, tested, total, total_wins, leaks,
                          bands, hypothesis)


def learn_criteria(corpus: Corpus, use_columns: tuple[str, ...] = ()) -> CriteriaResult:
    return learn(closed_deals(corpus), use_columns)
