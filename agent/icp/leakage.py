"""Columns that leak the outcome: set aside before criteria are learned, with the figures.

A column leaks when it is written after the deal is decided, so it cannot describe a new
prospect. The guard's tests do not depend on how many distinct values a column has:

- **filled for one outcome**: filled for most deals of one outcome and few of the other
  (a won date, a churn reason, a rep's notes taken after the call;
  ``retrieval/outcomes.fill_leak``, the same rule that keeps such a date from being the
  split date);
- **values that name the outcome**: frequent values such as "Closed by …", "Converted";
- **a name that says it is recorded after contact**: the last or latest activity, a
  quality grade, the stage or status;
- **a certain region** (``agent/icp/leak_tests.py``): a value or a range holding a
  sizable share of the deals where the outcome is certain although the base rate expects
  many of the other outcome (a binomial test): a call under a minute, a zero charge-off;
- **the outcome's own words in its name**: a header sharing a word with the outcome's
  values sets it aside; one sharing a word with the outcome column's name sets it aside
  when the data agrees (it is equal to another column where that settles the outcome),
  else it is kept and marked "confirm it is known before the outcome" (``unsure``);
- **equal to another column** where that settles the outcome (an amount funded that equals
  the amount asked);
- **predicts too well alone**: the column's out-of-fold single-column AUC (5-fold target
  encoding: each deal scored by its value's win rate in the other folds) is almost perfect
  (``SOLO_AUC``), or far better (``FAR_BETTER``) than the next best single column or than
  every other column together (the same encodings summed as log-odds).

The decision is made **once per dataset**, on the training part of the split the backtest
uses (``agent/validate/split.py``), and the same set is used by ``icp draft``,
``icp validate`` and its reference models, and so by every score. ``--use-column`` brings a
column back; ``--drop-column`` sets one aside.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from agent.icp.deals import Deal, label_of
from agent.icp.leak_tests import (
    CATEGORY_EXPECTED,
    certain_region,
    equal_pairs,
    names_outcome,
    outcome_words,
)
from agent.icp.text_lines import is_said
from retrieval.tables.attributes import NOT_RECORDED
from retrieval.tables.outcomes import fill_leak

SOLO_AUC = 0.95       # one column alone ranking deals this well is written after the outcome
FAR_BETTER = 0.15     # ... or, ranking at FAR_BETTER_FLOOR or more, this much better than
FAR_BETTER_FLOOR = 0.85  # every other column together (a strong legitimate column such as
# "existing client" at 0.77 beside weak ones is a finding, not a leak)
FOLDS, PRIOR, NUMERIC_BINS, SEED = 5, 10.0, 10, 11
MIN_PER_OUTCOME = 30  # the AUC tests need this many training deals of each outcome
MIN_SUPPORT = 5  # deals a value needs before its name counts as naming the outcome
OUTCOME_WORDS = re.compile(r"\b(closed|won|lost|converted|churn(ed)?|cancell?ed|signed|"
                           r"disqualified|lost to|bought|purchased)\b", re.I)
AFTERMATH_HEADER = re.compile(
    r"\b(last|latest|most recent|final|quality|grade|stage|status|outcome|result|closed?|"
    r"won|lost|loss|churn\w*|disqualif\w*|converted|conversion)\b", re.I)


@dataclass(frozen=True)
class Leak:
    attribute: str
    label: str
    reason: str

    def note(self) -> str:
        return f"{self.label}: {self.reason}; not used (--use-column \"{self.label}\" " \
               "brings it back)."


@dataclass
class LeakDecision:
    """The set-aside columns of one dataset, with each column's single-column AUC."""

    leaks: dict[str, Leak] = field(default_factory=dict)
    unsure: dict[str, Leak] = field(default_factory=dict)  # kept: confirm before the outcome
    solo_auc: dict[str, float] = field(default_factory=dict)  # attribute -> out-of-fold AUC
    measured_on: int = 0  # training deals the guard looked at
    notes: list[str] = field(default_factory=list)


ABSENT = "\x00absent"
_EMPTY = (ABSENT, NOT_RECORDED)


def _fill(won: np.ndarray, filled: np.ndarray) -> tuple[float, float]:
    wins, losses = filled[won == 1], filled[won == 0]
    return (float(wins.mean()) if wins.size else 0.0), (float(losses.mean()) if losses.size
                                                        else 0.0)


def _named_outcome(levels: list[list[str]]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for items in levels:
        for item in items:
            counts[item] += 1
    frequent = sorted((v for v, n in counts.items() if n >= MIN_SUPPORT and v not in _EMPTY
                       and not v.startswith("\x00bin")), key=lambda v: -counts[v])
    return next((v for v in frequent if OUTCOME_WORDS.search(v)), "")


def rule_reason(levels: list[list[str]], won: np.ndarray, name: str) -> str:
    """Why ``name`` looks written after the outcome by the fill, value and name tests."""
    filled = np.asarray([items[0] not in _EMPTY for items in levels])
    reason = fill_leak(*_fill(won, filled))
    if reason:
        return reason
    value = _named_outcome(levels)
    if value:
        return f"values such as '{value}' name the outcome: written after it"
    if AFTERMATH_HEADER.search(label_of(name)):
        return ("its name says it is recorded after contact or at the close (last activity, "
                "a quality grade, the stage)")
    return ""


# --- out-of-fold single-column AUC ------------------------------------------------------

def _levels(deals: list[Deal], name: str) -> list[list[str]]:
    """Each deal's levels of one column: its values or list items, a decile bin of a
    number, "not recorded", or "absent" (numbers are binned so a non-monotone effect still
    counts)."""
    has_number = [name in d.numbers for d in deals]
    numbers = np.asarray([d.numbers[name] for d, h in zip(deals, has_number, strict=True) if h],
                         dtype=float)
    if numbers.size:
        edges = np.unique(np.quantile(numbers, np.linspace(0, 1, NUMERIC_BINS + 1)[1:-1]))
        names = [[f"\x00bin{i}"] for i in range(len(edges) + 1)]  # shared, never changed
        bins = iter(np.searchsorted(edges, numbers, side="right").tolist())
    absent = [ABSENT]
    out = []
    for d, h in zip(deals, has_number, strict=True):
        if h:
            out.append(names[next(bins)])
            continue
        items = d.values.get(name)
        out.append(absent if not items else items if len(items) == 1
                   else list(dict.fromkeys(items)))
    return out


def _folds(n: int) -> np.ndarray:
    return np.random.default_rng(SEED).permutation(n) % FOLDS


def oof_log_odds(levels: list[list[str]], won: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Each deal's out-of-fold smoothed log-odds of winning given its levels, minus the
    base log-odds (0 = no information)."""
    codes: dict[str, int] = {}
    single = all(len(items) == 1 for items in levels)
    if single:
        index = np.asarray([codes.setdefault(items[0], len(codes)) for items in levels])
    out = np.zeros(len(levels))
    for k in range(FOLDS):
        train, test = folds != k, folds == k
        base = (won[train].sum() + 1) / (train.sum() + 2)
        prior_logit = np.log(base / (1 - base))
        if single:
            n = np.bincount(index[train], minlength=len(codes)).astype(float)
            w = np.bincount(index[train], weights=won[train], minlength=len(codes))
            logit = np.log((w + PRIOR * base) / (n - w + PRIOR * (1 - base))) - prior_logit
            out[test] = logit[index[test]]
            continue
        tally: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for items, outcome in zip((levels[i] for i in np.flatnonzero(train)), won[train],
                                  strict=True):
            for item in items:
                tally[item][0] += outcome
                tally[item][1] += 1
        for i in np.flatnonzero(test):
            values = [np.log((tally[v][0] + PRIOR * base)
                             / (tally[v][1] - tally[v][0] + PRIOR * (1 - base))) - prior_logit
                      for v in levels[i]]
            out[i] = float(np.mean(values))
    return out


def _auc(won: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score  # heavy; only when deals are learned from

    return float(roc_auc_score(won, scores))


def decide(train: list[Deal], names: Iterable[str], use_columns: Iterable[str] = (),
           drop_columns: Iterable[str] = ()) -> LeakDecision:
    """The leak decision from the training deals, for the attributes ``names``."""
    keep = {u.strip().lower() for u in use_columns}
    drop = {u.strip().lower() for u in drop_columns}
    decision = LeakDecision(measured_on=len(train))
    names = sorted(set(names))

    def named(name: str, words: set[str]) -> bool:
        return name.lower() in words or label_of(name).lower() in words

    won = np.asarray([d.won for d in train], dtype=float)
    candidates = []
    levels: dict[str, list[list[str]]] = {}
    numbers = _numbers(train, names)
    words = outcome_words(str(d.chunk.meta.get("outcome_raw", "")) for d in train)
    by_name: dict[str, tuple[str, str]] = {}  # candidates whose header names the outcome
    for name in names:
        if named(name, drop) and not named(name, keep):
            decision.leaks[name] = Leak(name, label_of(name), "set aside with --drop-column")
            continue
        levels[name] = _levels(train, name)
        # what customers said is judged by its data alone: a theme's words ("churned after
        # the renewal") are the customers', not a record of the outcome
        reason = "" if named(name, keep) else (
            "" if is_said(name) else rule_reason(levels[name], won, name)) \
            or _by_data(levels[name], numbers.get(name), won)
        shared = names_outcome(label_of(name), words) \
            if not named(name, keep) and not is_said(name) else None
        if not reason and shared and shared[0] == "value":
            reason = (f"its name shares the word '{shared[1]}' with the outcome's values: "
                      "written about the outcome")
        elif not reason and shared:  # the outcome column's word, and a certain value
            certain = _by_data(levels[name], numbers.get(name), won, category_expected=0.0)
            if certain:
                reason = f"its name shares the word '{shared[1]}' with the outcome column " \
                         f"and {certain}"
        if reason:
            decision.leaks[name] = Leak(name, label_of(name), reason)
        else:
            candidates.append(name)  # a kept column is measured, never set aside
            if shared:
                by_name[name] = shared
    for a, b, region in equal_pairs({n: numbers[n] for n in candidates if n in numbers}, won):
        for name, other in ((a, b), (b, a)):
            if name in by_name:  # of the pair, the one whose name says it is the outcome
                decision.leaks[name] = Leak(name, label_of(name), (
                    f"{region.sentence()}; its name shares the word '{by_name[name][1]}' "
                    f"with the outcome: written once it was known (with {label_of(other)})"))
    candidates = [n for n in candidates if n not in decision.leaks]
    for key in sorted({k for d in train for k in d.chunk.meta if k.startswith("date:")}):
        reason = "" if named(key, keep) else fill_leak(
            *_fill(won, np.asarray([bool(d.chunk.meta.get(key)) for d in train])))
        if reason:
            decision.leaks[key] = Leak(key, label_of(key), reason)
    wins = int(won.sum())
    if min(wins, len(train) - wins) < MIN_PER_OUTCOME or not candidates:
        if candidates:
            decision.notes.append(
                f"The single-column AUC test needs {MIN_PER_OUTCOME} training deals of each "
                f"outcome ({wins} won, {len(train) - wins} not): not run.")
        _mark_unsure(decision, by_name)
        return decision
    folds = _folds(len(train))
    encoded = {name: oof_log_odds(levels[name], won, folds) for name in candidates}
    for name, scores in encoded.items():
        decision.solo_auc[name] = round(_auc(won, scores), 4)
    solo = [n for n in candidates if decision.solo_auc[n] >= SOLO_AUC and not named(n, keep)]
    for name in solo:
        decision.leaks[name] = Leak(name, label_of(name), (
            f"alone it ranks the training deals at AUC {decision.solo_auc[name]:.2f} out of "
            "fold (almost perfectly): looks like it is written after the outcome"))
    rest = [n for n in candidates if n not in solo]
    if len(rest) >= 2:
        total = sum(encoded[n] for n in rest)
        ranked = sorted(rest, key=lambda n: -decision.solo_auc[n])
        for name in rest:
            single = decision.solo_auc[name]
            if single < FAR_BETTER_FLOOR or named(name, keep):
                continue
            runner_up = next(n for n in ranked if n != name)
            others = _auc(won, total - encoded[name])
            if single - decision.solo_auc[runner_up] >= FAR_BETTER:
                decision.leaks[name] = Leak(name, label_of(name), (
                    f"alone it ranks the training deals at AUC {single:.2f} out of fold, "
                    f"far better than the next best column ({label_of(runner_up)}, "
                    f"{decision.solo_auc[runner_up]:.2f}): looks like it is written after "
                    "the outcome"))
            elif single - others >= FAR_BETTER:
                decision.leaks[name] = Leak(name, label_of(name), (
                    f"alone it ranks the training deals at AUC {single:.2f} out of fold, "
                    f"far better than every other column together ({others:.2f}): looks "
                    "like it is written after the outcome"))
    _mark_unsure(decision, by_name)
    return decision


def _mark_unsure(decision: LeakDecision, by_name: dict[str, tuple[str, str]]) -> None:
    """Columns whose header shares a word with the outcome column and that no data test
    set aside: kept, and marked for the user to confirm ("Deal Type" beside "Deal Stage"
    is known before the close in most CRMs)."""
    for name, (_, word) in by_name.items():
        if name in decision.leaks:
            continue
        auc = decision.solo_auc.get(name)
        decision.unsure[name] = Leak(name, label_of(name), (
            f"its name shares the word '{word}' with the outcome column"
            + (f" (alone AUC {auc:.2f})" if auc is not None else "")
            + ": confirm it is known before the outcome; kept (--drop-column sets it aside)"))
        decision.notes.append(f"{label_of(name)}: {decision.unsure[name].reason}.")


def _numbers(deals: list[Deal], names: Iterable[str]) -> dict[str, np.ndarray]:
    """Each numeric column over the deals, NaN where a deal has no number."""
    out = {}
    for name in names:
        column = np.asarray([d.numbers.get(name, np.nan) for d in deals], dtype=float)
        if np.isfinite(column).any():
            out[name] = column
    return out


def _by_data(levels: list[list[str]], numbers: np.ndarray | None, won: np.ndarray,
             category_expected: float = CATEGORY_EXPECTED) -> str:
    """Why the data says a column is written after the outcome (a certain region)."""
    region = certain_region(levels, numbers, won, category_expected)
    if region is None:
        return ""
    return f"{region.sentence()}: settled by the outcome, written after it"


def find_leaks(deals: list[Deal], names: Iterable[str], use_columns: Iterable[str] = (),
               drop_columns: Iterable[str] = ()) -> LeakDecision:
    """The leak decision for a dataset: measured on the training part of the backtest's
    split of ``deals``, so the draft and the backtest set aside the same columns."""
    from agent.validate.split import split_deals  # the split is the backtest's own

    train = split_deals(deals).train
    return decide(train, names, use_columns, drop_columns)
