"""The leakage guard's tests by the data, for exports it has never seen.

Three signatures of a column written after the outcome, none of them a list of words
tuned to a file:

- **a certain region** (:func:`certain_region`): a range of a number's values from either
  end, or the deals with no value, that holds a sizable share of the deals
  (``REGION_SHARE`` and ``REGION_MIN``) where the outcome is certain (at most
  ``CERTAIN_SLIP`` of the other outcome) although the base rate expects many of the other
  outcome: a one-sided binomial test at ``REGION_P``. A category value counts only when
  the base rate expects ``CATEGORY_EXPECTED`` of the other outcome there (YC's newest batch
  has had no time to fail; it is a finding about time, not a leak). A call that lasted
  under a minute was lost; a charged-off amount of zero was repaid; a shark's investment
  amount is filled only when a deal was made. A legitimate attribute can be strong (a
  region winning 99%), but a rare outcome absent from hundreds of deals where the base rate
  expects dozens is the outcome itself;
- **the outcome's own words in the header** (:func:`outcome_words`, :func:`names_outcome`):
  a header that shares a word with the outcome's values (``charged_off_amount`` when a value
  is "Charged Off") or with the outcome column's name (``Deal Valuation`` beside ``Got Deal``,
  ``funded_amount`` beside ``fully_funded``). Words of the header are compared, after case,
  plural and function words are set aside;
- **equal to another column** (:func:`equal_pair`): two numbers whose equality splits the
  deals into a certain region (an amount funded that equals the amount asked for).

Each returns the figures it decided on, printed with the decision.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

REGION_SHARE = 0.05  # a region holds at least this share of the deals ...
REGION_MIN = 50      # ... and at least this many
CERTAIN_SLIP = 0.01  # "certain": at most this share of the region has the other outcome
REGION_P = 1e-12     # one-sided binomial p-value of so few of the other outcome there
CATEGORY_EXPECTED = 100  # a category value must be expected to hold this many of the other
_FUNCTION_WORDS = frozenset((  # English function words, flags and measure words
    "and", "are", "for", "from", "has", "have", "not", "off", "the", "was", "were", "with",
    "yes", "true", "false", "none", "per", "total", "number", "count", "amount", "value"))
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Region:
    """A set of deals where one outcome is (almost) certain, with the test's figures."""

    describe: str  # "under 60", "= 0", "'Yes'", "filled"
    deals: int
    other: int  # deals of the other outcome in it
    expected: float  # deals of the other outcome the base rate expects there
    p_value: float
    outcome: str  # "won" | "lost": the outcome it is certain of

    def sentence(self) -> str:
        return (f"{self.deals} deals with {self.describe} were {self.outcome} "
                f"({self.other} otherwise) where the base rate expects {self.expected:.0f} "
                f"{'lost' if self.outcome == 'won' else 'won'} (binomial p = "
                f"{self.p_value:.0e})")


def _log_binom_cdf(k: int, n: int, p: float) -> float:
    """log P(X <= k) for X ~ Binomial(n, p), computed in log space (p-values of 1e-60)."""
    from scipy.stats import binom

    return float(binom.logcdf(k, n, p))


def _test(describe: str, n: int, wins: int, total: int, total_wins: int) -> Region | None:
    """The region's test: certain of one outcome though the base rate expects many of the
    other."""
    if n < max(REGION_MIN, REGION_SHARE * total) or total in (0, total_wins) or total_wins == 0:
        return None
    base = total_wins / total
    for outcome, other, rate in (("won", n - wins, 1 - base), ("lost", wins, base)):
        if other > CERTAIN_SLIP * n:
            continue
        log_p = _log_binom_cdf(other, n, rate)
        if log_p < math.log(REGION_P):
            return Region(describe, n, other, n * rate, math.exp(max(log_p, -700.0)), outcome)
    return None


def certain_region(levels: Sequence[Sequence[str]], numbers: np.ndarray | None,
                   won: np.ndarray, category_expected: float = 0.0) -> Region | None:
    """The largest certain region of one column: one of its values (or "no value"), or a
    number's values from either end up to a cut (``numbers``: NaN where a deal has none).
    A category value counts when the base rate expects ``category_expected`` deals of the
    other outcome there (``CATEGORY_EXPECTED`` for a column nothing else points at)."""
    total, total_wins = len(won), int(won.sum())
    found: list[Region] = []
    tally: Counter[str] = Counter()
    wins: Counter[str] = Counter()
    for items, outcome in zip(levels, won, strict=True):
        for item in dict.fromkeys(items):
            tally[item] += 1
            wins[item] += int(outcome)
    for item, n in tally.items():
        if item.startswith("\x00bin"):
            continue  # a decile of a number: its ranges are tested below
        shown = "no value" if item.startswith("\x00") else f"'{item}'"
        region = _test(shown, n, wins[item], total, total_wins)
        # a category value can be certain for a reason known before the outcome (the
        # newest batch has had no time to fail, a lender that funds everything): it must
        # hold many more deals of the other outcome by the base rate to count
        if region is not None and (item.startswith("\x00") or
                                   region.expected >= category_expected):
            found.append(region)
    if numbers is not None and np.isfinite(numbers).sum() >= REGION_MIN:
        has = np.isfinite(numbers)
        values, outcome = numbers[has], won[has]
        order = np.argsort(values, kind="stable")
        values, outcome = values[order], outcome[order]
        distinct, first = np.unique(values, return_index=True)
        upto_n = np.append(first[1:], values.size)  # deals up to and including each value
        upto_w = np.cumsum(outcome)[upto_n - 1]
        from_n = values.size - np.append(0, upto_n[:-1])  # deals from each value up
        from_w = outcome.sum() - np.append(0, upto_w[:-1])
        least = max(REGION_MIN, REGION_SHARE * total)
        for count, wins_in, word in ((upto_n, upto_w, "at most"), (from_n, from_w, "at least")):
            slip = np.minimum(wins_in, count - wins_in) <= CERTAIN_SLIP * count
            candidates = np.flatnonzero(slip & (count >= least))
            if candidates.size:  # the largest such range: the test is checked on it
                i = int(candidates[np.argmax(count[candidates])])
                region = _test(f"a value of {word} {_num(float(distinct[i]))}",
                               int(count[i]), int(wins_in[i]), total, total_wins)
                if region is not None:
                    found.append(region)
    return max(found, key=lambda r: r.deals, default=None)


def _num(x: float) -> str:
    return f"{x:,.0f}" if x == int(x) else f"{x:,.4g}"


def _words(text: str) -> set[str]:
    """Content words of a header or a value: lower case, plural -s dropped, function
    words and one- or two-letter words left out."""
    out = set()
    for word in _WORD.findall(re.sub(r"([a-z])([A-Z])", r"\1 \2", text).lower()):
        if len(word) > 2 and word not in _FUNCTION_WORDS:
            out.add(word[:-1] if word.endswith("s") and len(word) > 3 else word)
    return out


@dataclass(frozen=True)
class OutcomeWords:
    """The words that name the outcome: its values' and its column's."""

    values: frozenset[str]
    column: frozenset[str]


def outcome_words(raws: Iterable[str]) -> OutcomeWords:
    """From each deal's recorded outcome (``column = value``, or the stage name)."""
    values: set[str] = set()
    column: set[str] = set()
    for raw in set(raws):
        left, sep, right = raw.partition(" = ")
        if sep:
            column |= _words(left)
            values |= _words(right)
        else:
            values |= _words(raw)
    return OutcomeWords(frozenset(values), frozenset(column - values))


def names_outcome(header: str, words: OutcomeWords) -> tuple[str, str] | None:
    """``("value" | "column", word)`` when the header shares a word with the outcome."""
    own = _words(header)
    for kind, pool in (("value", words.values), ("column", words.column)):
        shared = sorted(own & pool)
        if shared:
            return kind, shared[0]
    return None


def equal_pairs(numbers: dict[str, np.ndarray], won: np.ndarray,
                ) -> list[tuple[str, str, Region]]:
    """Pairs of numeric columns (NaN where a deal has none) whose equality, on the deals
    that have both, makes a certain region: ``(a, b, region)``."""
    found = []
    names = sorted(numbers)
    total, total_wins = len(won), int(won.sum())
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            both = np.isfinite(numbers[a]) & np.isfinite(numbers[b])
            if both.sum() < REGION_MIN:
                continue
            equal = both & (numbers[a] == numbers[b])
            for mask, how in ((equal, "equal"), (both & ~equal, "different")):
                region = _test(f"{a} {how} to {b}", int(mask.sum()), int(won[mask].sum()),
                               total, total_wins)
                if region is not None:
                    found.append((a, b, region))
                    break
    return found
