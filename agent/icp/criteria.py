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
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from agent.icp.bands import Band, learned_bands
from agent.icp.confound import confound_verdict, strongest_column
from agent.icp.deals import (
    Deal,
    closed_deals,
    duplicates_note,
    kind_of,
    label_of,
    unique_deals,
)
from agent.icp.leakage import Leak, LeakDecision, find_leaks
from agent.icp.model import Confidence, Criterion
from agent.icp.scorecard import TIER_SHARES, Scorecard, fit_points, scorecard_of
from agent.icp.stats import (
    MIN_SUPPORT,
    ValueStats,
    benjamini_hochberg,
    min_deals_per_outcome,
    value_stats,
    wilson,
)
from agent.icp.text_lines import Embed, TextLines, annotate, is_said
from retrieval.corpus import Corpus
from retrieval.mining.models import Evidence, MiningResult
from retrieval.tables.attributes import NOT_RECORDED

MIN_COVERAGE = 0.5  # an attribute's column must be in half the deals' sources to be analysed
# A hard exclusion: a value that almost never wins (a tenth of the baseline win rate or
# less, significantly, over enough deals); a prospect with it is tier D whatever it scores.
NEVER_WINS_SHARE, NEVER_WINS_SUPPORT = 0.1, 20
_UNRECORDED = [NOT_RECORDED]
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
    duplicates: int = 0  # exact duplicate deals counted once
    decision: LeakDecision = field(default_factory=LeakDecision)
    scorecard: Scorecard | None = None


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


def banded(deals: list[Deal], skip: Iterable[str] = ()) -> tuple[list[Deal],
                                                                  dict[str, list[Band]]]:
    """Copies of the deals with every number replaced by its band's label; bands are cut
    where the win rate changes (``agent/icp/bands.tree_bands``) over these deals."""
    skipped = set(skip)
    names = sorted({n for d in deals for n in d.numbers} - skipped)
    bands = {}
    won = np.asarray([d.won for d in deals], dtype=int)
    for name in names:
        known = np.asarray([name in d.numbers for d in deals])
        observed = np.asarray([d.numbers[name] for d in deals if name in d.numbers],
                              dtype=float)
        bands[name] = learned_bands(name, observed, won[known],
                                    min_deals=MIN_SUPPORT)
    labels: dict[str, list[str | None]] = {}
    for name, name_bands in bands.items():
        numbers = np.asarray([d.numbers.get(name, np.nan) for d in deals], dtype=float)
        lows = np.asarray([b.low for b in name_bands])
        where = np.searchsorted(lows, numbers, side="right") - 1
        labels[name] = [None if np.isnan(x) or i < 0 else name_bands[i].label
                        for x, i in zip(numbers.tolist(), where.tolist(), strict=True)]
    out = []
    for i, d in enumerate(deals):
        values = dict(d.values)
        for name in d.numbers:
            label = labels[name][i] if name in labels else None
            if label is not None:
                values[name] = [label]
        out.append(Deal(d.chunk, d.won, d.outcome, d.date, values, d.numbers))
    return out, bands


def _evidence(deals: list[Deal], attribute: str, value: str, prefer_won: bool) -> list[Evidence]:
    preferred: list[Deal] = []
    others: list[Deal] = []
    for d in deals:  # in chunk-id order (``unique_deals`` sorts them)
        if value in d.values.get(attribute, ()):
            (preferred if d.won == prefer_won else others).append(d)
            if len(preferred) == 3:
                break
    out = []
    for deal in (preferred + others)[:3]:
        first_line = deal.chunk.text.split("\n", 1)[0]
        meta = deal.chunk.meta
        out.append(Evidence(source_id=str(meta.get("source_id")), quote=first_line,
                            chunk_id=deal.chunk.id, kind="winloss",
                            account=str(meta.get("account", "")),
                            outcome=str(meta.get("outcome", "")), cites="record"))
    return out


def _confidence(s: ValueStats) -> Confidence:
    if s.q_value < 0.01 and s.support >= 20:
        return "high"
    return "medium" if s.q_value < 0.05 else "low"


def _criterion(s: ValueStats, deals: list[Deal], bands: dict[str, list[Band]],
               points: int | None = None, exclusion: bool = False) -> Criterion:
    positive = (points if points is not None else s.lift - 1) > 0
    label = label_of(s.attribute)
    band = next((b for b in bands.get(s.attribute, []) if b.label == s.value), None)
    low, high = wilson(s.wins, s.support)
    return Criterion(
        attribute=s.attribute, label=label, values=[s.value],
        kind="exclusion" if exclusion else kind_of(s.attribute),
        band=band.edges() if band else None,
        statement=(f"{label}: {s.value} — wins {s.win_rate:.0%} [{low:.0%}–{high:.0%}] of "
                   f"{s.support} deals vs {s.baseline:.0%} overall (lift {s.lift:.2f}, "
                   f"q={s.q_value:.3g})"),
        support=s.support, wins=s.wins, win_rate=round(s.win_rate, 4),
        win_rate_low=round(low, 4), win_rate_high=round(high, 4),
        baseline_win_rate=round(s.baseline, 4), lift=round(s.lift, 3),
        p_value=float(f"{s.p_value:.6g}"), q_value=float(f"{s.q_value:.6g}"),
        confidence=_confidence(s), points=points,
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


def attribute_names(deals: list[Deal]) -> list[str]:
    return sorted({n for d in deals for n in d.values} | {n for d in deals for n in d.numbers})


def learn(deals: list[Deal], use_columns: tuple[str, ...] = (),
          decision: LeakDecision | None = None,
          drop_columns: tuple[str, ...] = (),
          tier_shares: tuple[float, float, float] = TIER_SHARES,
          text: TextLines | None = None) -> CriteriaResult:
    """Criteria from these closed deals (the whole store, or a training split).

    ``decision`` is the dataset's leak decision (``agent/icp/leakage.find_leaks``); without
    one it is made here, from these deals. ``text`` holds the quotes behind the attributes
    from what customers said (``agent/icp/text_lines.py``), already on the deals."""
    notes: list[str] = []
    if not deals:
        notes.append("No closed win-loss deals in the evidence: no firmographic or "
                     "technographic criteria can be learned. Ingest a CRM export with outcomes.")
        return CriteriaResult([], [], notes, [], 0)
    deals, duplicates = unique_deals(deals)
    if duplicates:
        notes.append(duplicates_note(duplicates, len(deals) + duplicates))
    if decision is None:
        decision = find_leaks(deals, attribute_names(deals), use_columns, drop_columns)
    leaks = decision.leaks
    total, total_wins = len(deals), sum(d.won for d in deals)
    deals, bands = banded(deals, leaks)
    names = sorted({n for d in deals for n in d.values})
    notes += [leak.note() for leak in leaks.values()] + decision.notes
    tested: list[ValueStats] = []
    analysed: list[str] = []
    for attribute in names:
        if attribute in leaks:
            continue
        label = label_of(attribute)
        # deals whose source has the column (a value, or "not recorded" as a level)
        covered = sum(1 for d in deals if attribute in d.values)
        known = [d for d in deals if d.values.get(attribute, _UNRECORDED) != _UNRECORDED]
        if covered < MIN_COVERAGE * total:
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
    fit = fit_points(deals, analysed, {(s.attribute, s.value) for s in tested if s.significant})
    won = np.asarray([d.won for d in deals], dtype=int)
    scorecard, tier_notes = scorecard_of(fit, won, tier_shares)
    notes += tier_notes
    criteria, exclusions = [], []
    for s in sorted(tested, key=lambda s: (s.attribute, s.value)):
        points = fit.points.get((s.attribute, s.value), 0)
        if s.significant and s.support >= NEVER_WINS_SUPPORT and \
                s.win_rate <= NEVER_WINS_SHARE * s.baseline:
            exclusions.append(_criterion(s, deals, bands, points, exclusion=True))
        elif points:
            criteria.append(_criterion(s, deals, bands, points))
    criteria.sort(key=lambda c: (-(c.points or 0), c.attribute, c.values))
    _said_lines(criteria + exclusions, deals, decision, text)
    for attribute in analysed:
        lines = [c for c in criteria if c.attribute == attribute]
        values = [s for s in tested if s.attribute == attribute]
        if not lines and values:
            rates = [s.win_rate for s in values]
            spread = (f"win rates {min(rates):.0%}–{max(rates):.0%} across {len(values)} values"
                      if len(values) > 1 else
                      f"'{values[0].value}' won {values[0].wins} of {values[0].support}")
            notes.append(
                f"No signal: no {label_of(attribute).lower()} value moves the win rate "
                f"({spread} vs {total_wins / total:.0%} overall): 0 points.")
    needed = min_deals_per_outcome()
    hypothesis = min(total_wins, total - total_wins) < needed
    if hypothesis:
        notes.append(f"Only {total_wins} won and {total - total_wins} lost or churned deals: "
                     f"telling a 60% from a 40% win rate takes about {needed} of each, so "
                     "these criteria are hypotheses to test, not findings.")
    return CriteriaResult(criteria, exclusions, notes, tested, total, total_wins, leaks,
                          bands, hypothesis, duplicates, decision, scorecard)


def _said_lines(lines: list[Criterion], deals: list[Deal], decision: LeakDecision,
                text: TextLines | None) -> None:
    """Lines learned from what customers said cite the quotes that assigned them (not the
    deal rows) and say whether they hold within the strongest column's segments."""
    strongest = strongest_column(decision)
    by_chunk = {d.chunk.id: d.chunk.meta for d in deals}
    for line in lines:
        if not is_said(line.attribute):
            continue
        quotes = text.quotes(line.attribute, line.values[0]) if text else []
        if quotes:
            line.evidence = [Evidence(
                source_id=str(by_chunk.get(q.chunk_id, {}).get("source_id", q.chunk_id)),
                quote=q.quote, chunk_id=q.chunk_id, kind="winloss") for q in quotes]
        if strongest:
            line.confound = confound_verdict(deals, line.attribute, line.values[0], strongest)
            if line.confound:
                line.statement += f"; {line.confound}"


def learn_criteria(corpus: Corpus, use_columns: tuple[str, ...] = (),
                   drop_columns: tuple[str, ...] = (),
                   tier_shares: tuple[float, float, float] = TIER_SHARES,
                   mining: MiningResult | None = None, embed: Embed | None = None,
                   ) -> CriteriaResult:
    """Criteria from the store's closed deals; with ``mining`` and ``embed``, what customers
    said is tested too (themes voiced, topics of the deals' text)."""
    deals = closed_deals(corpus)
    text = annotate(deals, [], corpus, mining, embed) if (mining or embed) else None
    return learn(deals, use_columns, drop_columns=drop_columns, tier_shares=tier_shares,
                 text=text)
