"""``icp validate``: does the ICP pick winners among deals it has not seen?

Backtest: closed deals are split (by time when dated), criteria are learned on the
training part only, and the held-out deals are scored from their own columns with the
same fit code that scores prospects. Drift: the current ICP scores the deals closed since
a date and the win rates per tier are compared with the deals before it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from scipy.stats import fisher_exact

from agent.fit.rows import RowFacts, judge_row
from agent.fit.score import Scored, Scorer, Thresholds
from agent.icp.criteria import CriteriaResult, attribute_names, learn
from agent.icp.deals import Deal, duplicates_note, unique_deals
from agent.icp.leakage import Leak, LeakDecision, find_leaks
from agent.icp.model import Criterion, ICPDocument
from agent.icp.scorecard import TIER_SHARES
from agent.icp.text_lines import Embed, TextLines, annotate, deal_text, is_said
from agent.validate.metrics import (
    CalibrationResult,
    TierResult,
    auc_interval,
    calibration,
    gain_curve,
    paired_auc_difference,
    tier_table,
)
from agent.validate.reference import boosting_scores, reference_scores, text_reference_scores
from agent.validate.split import Split, since, split_deals
from retrieval.corpus import Corpus
from retrieval.mining.models import MiningResult

NEUTRAL = 50.0  # a deal nothing in the ICP bears on ranks in the middle
GOOD = ("A", "B")
MIN_OUTCOME_HELD_OUT = 10  # below this many held-out wins (or losses) the verdict is hedged


class CriterionLift(BaseModel):
    statement: str
    label: str
    value: str
    kind: str
    lift: float
    win_rate: float
    support: int
    lift_low: float | None = None   # the win rate's Wilson interval over the baseline
    lift_high: float | None = None
    points: int | None = None


class Drift(BaseModel):
    since: str
    before: list[TierResult]
    after: list[TierResult]
    shifted: list[str] = Field(description="tiers whose win rate changed significantly")
    auc_before: float | None = None
    auc_after: float | None = None


class Unsure(BaseModel):
    """A column the leakage guard kept but asks the user to confirm."""

    reason: str
    auc_without: float | None = None


class TextProof(BaseModel):
    """What customers said, proven on the same split: the ICP with and without its text
    lines, and a bag-of-words reference on the same text and columns."""

    deals_with_text: int
    text_lines: list[str] = Field(description="scorecard lines from what customers said")
    auc_without_text: float | None = None
    auc_without_text_ci: list[float | None] = [None, None]
    difference: list[float | None] = Field(default=[None, None, None], description=(
        "AUC with text lines minus without, and its paired bootstrap 95% interval"))
    text_reference_auc: float | None = None
    text_reference_auc_ci: list[float | None] = [None, None]


class ValidationReport(BaseModel):
    mode: str  # backtest | drift
    created_at: str
    split: str
    train_deals: int
    test_deals: int
    test_wins: int
    auc: float | None
    auc_ci: list[float | None]
    reference_auc: float | None = None
    reference_auc_ci: list[float | None] = [None, None]
    boosting_auc: float | None = None
    boosting_auc_ci: list[float | None] = [None, None]
    boosting_gain_curve: list[list[float]] = []
    tiers: list[TierResult]
    gain: dict[str, float] = {}
    gain_curve: list[list[float]] = []
    reference_gain_curve: list[list[float]] = []
    calibration: list[CalibrationResult] = []
    criteria: list[CriterionLift] = []
    set_aside: dict[str, str] = {}
    notes: list[str] = []
    drift: Drift | None = None
    text: TextProof | None = None
    unsure: dict[str, Unsure] = Field(default={}, description="columns kept that the "
                                      "leakage guard asks you to confirm, with the AUC "
                                      "without each")
    verdict: str = ""


@dataclass
class TextSource:
    """Where what customers said comes from: the store's chunks, the mined themes and the
    embedding model (for the topics of the deals' own text)."""

    corpus: Corpus
    mining: MiningResult | None
    embed: Embed | None


def _num(x: float) -> float | None:
    return None if x is None or math.isnan(x) else round(float(x), 4)


def score_deals(deals: list[Deal], icp: ICPDocument,
                thresholds: Thresholds) -> tuple[list[float], list[str]]:
    """Each deal's fit score (neutral when nothing bears on it) and tier, from its own
    columns with the row scorer; each criterion is judged once per distinct value and each
    combination of verdicts scored once (held-out deals repeat values)."""
    scores: list[float] = []
    tiers: list[str] = []
    lines = icp.criteria + icp.triggers
    scorer = Scorer(lines, thresholds, icp.scorecard)
    keys = [c.attribute for c in lines]
    exclusion_keys = [c.attribute for c in icp.exclusions]
    judged: dict[tuple[object, ...], str] = {}
    scored: dict[tuple[tuple[str, ...], bool], Scored] = {}

    def result(group: int, n: int, criterion: Criterion, key: str, facts: RowFacts) -> str:
        memo = (group, n, repr(facts.meta.get(key)), repr(facts.meta.get(key + "_raw")))
        found = judged.get(memo)
        if found is None:
            found = judged[memo] = judge_row(criterion, facts).result
        return found

    for deal in deals:
        facts = RowFacts(deal.chunk.meta)
        results = tuple(result(0, n, c, keys[n], facts) for n, c in enumerate(lines))
        excluded = any(result(1, n, c, exclusion_keys[n], facts) == "excluded"
                       for n, c in enumerate(icp.exclusions))
        fit = scored.get((results, excluded))
        if fit is None:
            fit = scored[(results, excluded)] = scorer.score(list(results), excluded)
        exact = fit.exact if fit.exact is not None else fit.score
        scores.append(NEUTRAL if exact is None else float(exact))
        tiers.append(fit.tier)
    return scores, tiers


def _lifts(icp: ICPDocument) -> list[CriterionLift]:
    def ratio(x: float | None, base: float | None) -> float | None:
        return round(x / base, 3) if x is not None and base else None

    return [CriterionLift(statement=c.statement, label=c.label or c.attribute,
                          value=", ".join(c.values), kind=c.kind, lift=c.lift or 0.0,
                          win_rate=c.win_rate or 0.0, support=c.support,
                          lift_low=ratio(c.win_rate_low, c.baseline_win_rate),
                          lift_high=ratio(c.win_rate_high, c.baseline_win_rate),
                          points=c.points)
            for c in icp.criteria + icp.exclusions if c.lift is not None]


def _interval(x: tuple[float, float, float]) -> tuple[float | None, list[float | None]]:
    return _num(x[0]), [_num(x[1]), _num(x[2])]


def verdict_text(auc: float | None, ci: list[float | None], tiers: list[TierResult],
                 reference: float | None, boosting: float | None = None) -> str:
    if auc is None or ci[0] is None or ci[1] is None:
        return ("cannot be measured: the held-out deals are all of one outcome "
                "(or there are none)")
    good = [t for t in tiers if t.tier in GOOD]
    wins = sum(t.share_of_wins for t in good)
    deals = sum(t.share_of_deals for t in good)
    numbers = f"AUC {auc:.2f} [{ci[0]:.2f}, {ci[1]:.2f}]"
    if ci[0] > 0.5:
        text = (f"ranks held-out deals better than chance: {numbers}; tiers A+B hold "
                f"{wins:.0%} of wins in {deals:.0%} of deals")
    elif ci[1] < 0.5:
        text = f"ranks held-out deals worse than chance: {numbers}; redraft before using it"
    else:
        text = (f"no better than chance: {numbers} (the interval includes 0.5); do not "
                "prioritise prospects with it")
    refs = [(name, value) for name, value in (("logistic regression", reference),
                                              ("gradient boosting", boosting))
            if value is not None]
    if refs:
        text += ". Generic models on the same columns: " + ", ".join(
            f"{name} {value:.2f}" for name, value in refs)
        best = max(value for _, value in refs)
        if ci[0] > 0.5:
            text += (f" (the readable scorecard is within {best - auc:.2f} of the best)"
                     if best - auc > 0.005 else " (the readable scorecard ranks as well)")
    fewest = min(sum(t.wins for t in tiers), sum(t.deals - t.wins for t in tiers))
    if fewest < MIN_OUTCOME_HELD_OUT:
        text = (f"too few held-out deals to judge ({fewest} of the rarer outcome; "
                f"{MIN_OUTCOME_HELD_OUT} or more are needed): " + text)
    return text + "."


def backtest(deals: list[Deal], thresholds: Thresholds | None = None,
             test_share: float = 0.3, use_columns: tuple[str, ...] = (),
             drop_columns: tuple[str, ...] = (),
             tier_shares: tuple[float, float, float] = TIER_SHARES,
             source: TextSource | None = None) -> ValidationReport:
    """Learn criteria on the older deals, score the newer ones, measure the ranking.

    With a ``source``, what customers said is tested too, and the report proves it: the
    ICP without its text lines and a bag-of-words reference on the same split.

    Exact duplicate deals count once (so no copy sits on both sides of the split); the
    columns set aside are the dataset's one leak decision, the same as the draft's."""
    t = thresholds or Thresholds()
    deals, duplicates = unique_deals(deals)
    split = split_deals(deals, test_share)
    text = annotate(split.train, split.test, source.corpus, source.mining, source.embed) \
        if source is not None else None
    decision = find_leaks(deals, attribute_names(deals), use_columns, drop_columns)
    learned = learn(split.train, use_columns, decision, tier_shares=tier_shares, text=text)
    icp = ICPDocument(criteria=learned.criteria, exclusions=learned.exclusions,
                      scorecard=learned.scorecard)
    won = [d.won for d in split.test]
    scores, tiers = score_deals(split.test, icp, t)
    auc, ci = _interval(auc_interval(scores, won))
    tier_rows = tier_table(tiers, won)
    reference = reference_scores(split.train, split.test, learned.bands,
                                 frozenset(learned.leaks))
    no_interval: tuple[float | None, list[float | None]] = (None, [None, None])
    ref_auc, ref_ci = _interval(auc_interval(reference, won)) if reference else no_interval
    boosting = boosting_scores(split.train, split.test, frozenset(learned.leaks))
    gbm_auc, gbm_ci = _interval(auc_interval(boosting, won)) if boosting else no_interval
    good = [r for r in tier_rows if r.tier in GOOD]
    notes = [n for n in learned.notes if n.startswith(("Only ", "No closed"))]
    if duplicates:
        notes.append(duplicates_note(duplicates, len(deals) + duplicates))
    if not learned.criteria and not learned.exclusions:
        notes.append("No criteria were learned from the training deals: every held-out deal "
                     "scores the same.")
    return ValidationReport(
        mode="backtest", created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        split=split.how, train_deals=len(split.train), test_deals=len(split.test),
        test_wins=sum(won), auc=auc, auc_ci=ci, reference_auc=ref_auc,
        reference_auc_ci=ref_ci, boosting_auc=gbm_auc, boosting_auc_ci=gbm_ci,
        boosting_gain_curve=[list(p) for p in gain_curve(boosting, won)] if boosting else [],
        tiers=tier_rows,
        gain={"share_of_wins": round(sum(r.share_of_wins for r in good), 4),
              "share_of_deals": round(sum(r.share_of_deals for r in good), 4)},
        gain_curve=[list(p) for p in gain_curve(scores, won)],
        reference_gain_curve=[list(p) for p in gain_curve(reference, won)] if reference else [],
        calibration=calibration(scores, won),
        criteria=_lifts(icp), notes=notes,
        set_aside={leak.label: leak.reason for leak in learned.leaks.values()},
        text=_text_proof(split, learned, scores, decision, text, t, use_columns, tier_shares)
        if text is not None else None,
        unsure=_unsure(split, decision, t, use_columns, tier_shares),
        verdict=verdict_text(auc, ci, tier_rows, ref_auc, gbm_auc),
    )


MAX_UNSURE = 3  # columns to confirm, each backtested without it


def _without(split: Split, decision: LeakDecision, names: set[str], t: Thresholds,
             use_columns: tuple[str, ...],
             tier_shares: tuple[float, float, float]) -> list[float]:
    """The held-out scores of the ICP learned without ``names``."""
    kept = LeakDecision(
        leaks={**decision.leaks, **{n: Leak(n, n, "left out to compare") for n in names}},
        solo_auc=decision.solo_auc, measured_on=decision.measured_on)
    plain = learn(split.train, use_columns, kept, tier_shares=tier_shares)
    scores, _ = score_deals(split.test, ICPDocument(
        criteria=plain.criteria, exclusions=plain.exclusions, scorecard=plain.scorecard), t)
    return scores


def _unsure(split: Split, decision: LeakDecision, t: Thresholds, use_columns: tuple[str, ...],
            tier_shares: tuple[float, float, float]) -> dict[str, Unsure]:
    """Each column the guard kept but asks to confirm, with the AUC without it."""
    won = [d.won for d in split.test]
    out = {}
    for name, leak in list(decision.unsure.items())[:MAX_UNSURE]:
        scores = _without(split, decision, {name}, t, use_columns, tier_shares)
        out[leak.label] = Unsure(reason=leak.reason, auc_without=_interval(
            auc_interval(scores, won))[0])
    return out


def _text_proof(split: Split, learned: CriteriaResult, scores: list[float],
                decision: LeakDecision, text: TextLines, t: Thresholds,
                use_columns: tuple[str, ...],
                tier_shares: tuple[float, float, float]) -> TextProof:
    """The ICP with and without its text lines, and the text reference, on this split."""
    won = [d.won for d in split.test]
    lines = [c.statement for c in learned.criteria if is_said(c.attribute) and c.points]
    said = {n for n in attribute_names(split.train + split.test) if is_said(n)}
    proof = TextProof(deals_with_text=text.deals_with_text, text_lines=lines)
    skip = frozenset(learned.leaks) | frozenset(said)
    texts = {d.chunk.id: deal_text(d) for d in split.train + split.test}
    reference = text_reference_scores(split.train, split.test, learned.bands, skip, texts)
    if reference:
        proof.text_reference_auc, proof.text_reference_auc_ci = _interval(
            auc_interval(reference, won))
    if not lines:
        proof.auc_without_text, proof.auc_without_text_ci = _interval(
            auc_interval(scores, won))
        return proof
    plain_scores = _without(split, decision, said, t, use_columns, tier_shares)
    proof.auc_without_text, proof.auc_without_text_ci = _interval(
        auc_interval(plain_scores, won))
    proof.difference = [_num(x) for x in paired_auc_difference(scores, plain_scores, won)]
    return proof


def drift(deals: list[Deal], icp: ICPDocument, date: str,
          thresholds: Thresholds | None = None) -> ValidationReport:
    """Score the deals closed since ``date`` with the current ICP; compare with before."""
    t = thresholds or Thresholds()
    split: Split = since(deals, date)
    before_scores, before_tiers = score_deals(split.train, icp, t)
    after_scores, after_tiers = score_deals(split.test, icp, t)
    won_before = [d.won for d in split.train]
    won_after = [d.won for d in split.test]
    before = tier_table(before_tiers, won_before)
    after = tier_table(after_tiers, won_after)
    pairs = {r.tier: r for r in before}
    shifted = []
    for row in after:
        old = pairs.get(row.tier)
        if old is None or not old.deals or not row.deals:
            continue
        _, p = fisher_exact([[old.wins, old.deals - old.wins], [row.wins, row.deals - row.wins]])
        if p < 0.05:
            shifted.append(f"tier {row.tier}: {old.win_rate:.0%} of {old.deals} before, "
                           f"{row.win_rate:.0%} of {row.deals} since (p={p:.3g})")
    auc_after, ci_after = _interval(auc_interval(after_scores, won_after))
    auc_before, _ = _interval(auc_interval(before_scores, won_before))
    if not split.test:
        verdict = f"no deals closed on or after {date}: nothing to compare"
    elif shifted:
        verdict = ("win rates by tier have shifted since " + date + ": " + "; ".join(shifted)
                   + ". Redraft the ICP (icp draft) and validate it again.")
    else:
        verdict = (f"no significant shift in win rates by tier since {date} "
                   f"({len(split.test)} deals); the ICP still holds.")
    return ValidationReport(
        mode="drift", created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        split=split.how, train_deals=len(split.train), test_deals=len(split.test),
        test_wins=sum(won_after), auc=auc_after, auc_ci=ci_after, tiers=after,
        gain_curve=[list(p) for p in gain_curve(after_scores, won_after)],
        criteria=_lifts(icp), set_aside=dict(icp.set_aside),
        drift=Drift(since=date, before=before, after=after, shifted=shifted,
                    auc_before=auc_before, auc_after=auc_after),
        verdict=verdict,
    )
