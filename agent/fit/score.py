"""Deterministic fit scoring: each ICP criterion is a match, a mismatch or unknown.

- The score (0-100) is the weighted share of *known* criteria that match, so missing
  evidence never reads as a bad fit, pulled toward 50 by a small prior so that one
  lucky match is not an A; the confidence is the weighted share of criteria that could
  be judged at all, and falls as evidence goes missing.
- Exclusions override: a prospect that hits one is tier D whatever else it matches.
- A prospect whose site was blocked, parked, empty or unreachable is tier "unknown".
- Every verdict keeps the URL and quote it was judged on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from agent.enrich.prospect import Fact, Prospect
from agent.icp.bands import Band
from agent.icp.model import Criterion, ICPDocument
from agent.icp.scorecard import Letter, Scorecard
from agent.triggers import site_signals
from retrieval.mining.keyphrases import terms
from retrieval.mining.themes import size_band

WEIGHTS = {"firmographic": 1.0, "attribute": 1.0, "technographic": 0.8, "pain": 0.6,
           "trigger": 0.5}
# Criteria on one single-valued attribute are judged together: a prospect is in one
# industry, so "industry: software" and "industry: fintech" are one test, not two.
MULTI_VALUED = ("technologies", "pain", "trigger", "loss_theme")
CONFIDENCE_FACTOR = {"high": 1.3, "medium": 1.0, "low": 0.7}
SIGNAL_POINTS = 5  # a pain, trigger or technology seen on a site (a quarter of a doubling)
GENERIC_WORDS = {"microsoft", "google", "cloud", "platform", "software", "service", "services",
                 "commerce", "connector", "integration", "data", "365", "web", "app"}


class Thresholds(BaseModel):
    explicit: bool = Field(default=False, description="set by ICP_FIT_TIERS: these beat a "
                           "scorecard's own tier cuts")
    a: float = Field(default=75, ge=0, le=100)
    b: float = Field(default=55, ge=0, le=100)
    c: float = Field(default=35, ge=0, le=100)
    prior_weight: float = Field(default=2.0, ge=0, description="pseudo-criteria at 50% that "
                                "pull thinly evidenced scores toward the middle")


VerdictResult = Literal["match", "mismatch", "unknown", "excluded"]
Tier = Literal["A", "B", "C", "D", "unknown"]


class Verdict(BaseModel):
    criterion: str
    kind: str
    result: VerdictResult
    reason: str
    url: str = ""
    quote: str = ""
    source: str = ""  # where the evidence came from: "column Employees = 500" or the URL
    conflict: str = ""  # the other source, when the list and the site disagree
    points: int = 0  # what this verdict adds to a scorecard's total


class Fit(BaseModel):
    score: int | None
    tier: Tier
    confidence: float
    reasons: list[str]
    verdicts: list[Verdict]
    excluded: bool = False
    llm_score: int | None = None  # the LLM's judgement, kept beside (never instead of) ours
    llm_tier: Tier | None = None
    llm_reasons: list[str] = []
    llm_quotes: int = 0  # the LLM's verdict quotes checked against the page
    llm_quotes_dropped: int = 0  # of those, not on the page or not about the criterion
    points: int | None = None  # a scorecard's points total (the reasons' points add up to it)
    win_rate: float | None = None  # the scorecard's estimated win rate at this total
    exact: float | None = None  # the score unrounded (validation ranks ties with it)


@dataclass
class _Judge:
    prospect: Prospect
    verdicts: list[Verdict] = field(default_factory=list)

    def fact_for(self, attribute: str) -> Fact | None:
        p = self.prospect
        if attribute == "industry":
            return p.industry
        if attribute == "employees" and p.employees:
            number = re.match(r"\d+", p.employees.value)
            if number:
                band = size_band(int(number.group(0)))
                return Fact(band or "", p.employees.url, p.employees.quote)
        if attribute == "country":
            return p.country
        return None


def _same(a: str, b: str) -> bool:
    a, b = a.lower().strip(), b.lower().strip()
    return a == b or a in b or b in a or bool(set(a.split()) & set(b.split()) - {"and", "of"})


def _text_hit(prospect: Prospect, phrases: list[str]) -> tuple[str, str] | None:
    for page in prospect.pages:
        for phrase in phrases:
            match = re.search(rf"\b{re.escape(phrase)}", page.text, re.I)
            if match:
                text = page.text
                left = max(text.rfind(".", 0, match.start()), text.rfind("\n", 0,
                                                                          match.start())) + 1
                stops = [i for i in (text.find(".", match.end()), text.find("\n", match.end()))
                         if i != -1]
                right = min(stops) + 1 if stops else len(text)
                return page.url, text[left:right].strip()[:300]
    return None


def judge(criterion: Criterion, j: _Judge) -> Verdict:
    value = ", ".join(criterion.values)
    name = f"{criterion.attribute}: {value}"
    p = j.prospect
    if criterion.kind in ("firmographic", "exclusion") and criterion.attribute in (
            "industry", "employees", "country"):
        fact = j.fact_for(criterion.attribute)
        if criterion.attribute == "employees" and criterion.band is not None and p.employees:
            return _size_in_band(criterion, name, p)
        if fact is None or not fact.value:
            return Verdict(criterion=name, kind=criterion.kind, result="unknown",
                           reason=f"{criterion.attribute} not stated on the site")
        hit = any(_same(fact.value, v) for v in criterion.values)
        if criterion.kind == "exclusion":
            return Verdict(criterion=name, kind=criterion.kind,
                           result="excluded" if hit else "match",
                           reason=(f"{criterion.attribute} is {fact.value}: excluded segment"
                                   if hit else f"{criterion.attribute} {fact.value} is not "
                                   f"the excluded {value}"), url=fact.url, quote=fact.quote)
        return Verdict(criterion=name, kind=criterion.kind, result="match" if hit else "mismatch",
                       reason=f"{criterion.attribute} is {fact.value}"
                       + ("" if hit else f", not {value}"), url=fact.url, quote=fact.quote)
    if criterion.attribute == "technologies" or criterion.kind == "technographic":
        tech = next((t for t in p.technologies
                     if any(_same(t.value, v) for v in criterion.values)), None)
        hit = tech is not None
        if criterion.kind == "exclusion":
            return Verdict(criterion=name, kind=criterion.kind,
                           result="excluded" if hit else "unknown",
                           reason=f"uses {tech.value}: excluded" if tech else
                           f"{value} not seen on the site", url=tech.url if tech else "",
                           quote=tech.quote if tech else "")
        if tech:
            return Verdict(criterion=name, kind=criterion.kind, result="match",
                           reason=f"uses {tech.value}", url=tech.url, quote=tech.quote)
        return Verdict(criterion=name, kind=criterion.kind, result="unknown",
                       reason=f"{value} not visible on the site (absence proves nothing)")
    if criterion.kind == "trigger":
        kinds = site_signals(value)
        signal = next((s for s in p.signals if s.kind in kinds), None)
        if signal:
            return Verdict(criterion=name, kind="trigger", result="match",
                           reason=f"{value}: {signal.value}", url=signal.url, quote=signal.quote)
        return Verdict(criterion=name, kind="trigger", result="unknown",
                       reason=f"no sign of {value.lower()}")
    if criterion.kind == "exclusion":
        # A theme we lose deals over ("dynamics connector") excludes prospects that run the
        # technology it names; words alone on a page ("price") prove nothing.
        label_words = set(terms(value.replace("/", " "))) - GENERIC_WORDS
        tech = next((t for t in p.technologies
                     if label_words & set(terms(t.value)) - GENERIC_WORDS), None)
        if tech:
            return Verdict(criterion=name, kind="exclusion", result="excluded",
                           reason=f"uses {tech.value}: deals were lost or churned over "
                           f"“{value}”", url=tech.url, quote=tech.quote)
        return Verdict(criterion=name, kind="exclusion", result="unknown",
                       reason=f"nothing on the site ties it to “{value}”")
    if criterion.kind in ("firmographic", "attribute"):
        # a column of the deals (Lead Source, Revenue, …): a website does not state it
        return Verdict(criterion=name, kind=criterion.kind, result="unknown",
                       reason=f"{criterion.label or criterion.attribute} is not on a website")
    # pain criteria: their keyphrases on the site
    phrases = [t for v in criterion.values for t in terms(v.replace("/", " ")) if " " not in t]
    seen = _text_hit(p, phrases) if phrases else None
    return Verdict(criterion=name, kind=criterion.kind, result="match" if seen else "unknown",
                   reason=f"mentions {value}" if seen else f"no mention of {value}",
                   url=seen[0] if seen else "", quote=seen[1] if seen else "")


def _size_in_band(criterion: Criterion, name: str, p: Prospect) -> Verdict:
    """A scorecard's employee band judged on the head count the site states."""
    assert p.employees is not None
    number = re.match(r"\d+", p.employees.value.replace(",", ""))
    if not number:
        return Verdict(criterion=name, kind=criterion.kind, result="unknown",
                       reason=f"size '{p.employees.value}' is not a number")
    band = Band.from_edges(criterion.values[0], criterion.band or [None, None])
    hit = band.holds(float(number.group(0)))
    if criterion.kind == "exclusion":
        return Verdict(criterion=name, kind="exclusion", result="excluded" if hit else "match",
                       reason=f"{number.group(0)} employees" + (
                           ": excluded segment" if hit else
                           f" is not the excluded {criterion.values[0]}"),
                       url=p.employees.url, quote=p.employees.quote)
    return Verdict(criterion=name, kind=criterion.kind, result="match" if hit else "mismatch",
                   reason=f"{number.group(0)} employees" + ("" if hit else
                                                           f", not {criterion.values[0]}"),
                   url=p.employees.url, quote=p.employees.quote)


def tier_for(score: float, t: Thresholds) -> Letter:
    return "A" if score >= t.a else "B" if score >= t.b else "C" if score >= t.c else "D"


def _weight(criterion: Criterion) -> float:
    return WEIGHTS.get(criterion.kind, 0.5) * CONFIDENCE_FACTOR.get(criterion.confidence, 1.0)


@dataclass(frozen=True)
class Scored:
    score: int | None
    tier: Tier
    confidence: float
    excluded: bool
    points: int | None = None        # a scorecard's points total
    exact: float | None = None       # the score before rounding (ranks ties finely)
    win_rate: float | None = None    # the scorecard's estimated win rate


def line_points(criterion: Criterion) -> int:
    """The points a matching criterion adds: its scorecard points, or SIGNAL_POINTS for a
    pain, trigger or technology seen on a prospect (evidence, not learned from deals)."""
    if criterion.points is not None:
        return criterion.points
    return SIGNAL_POINTS if criterion.kind in ("pain", "trigger", "technographic") else 0


class Scorer:
    """The scoring rule for one list of criteria, with its tests worked out once.

    With a scorecard (an ICP drafted from deals): the points of the matching lines add up
    to the total, mapped to a 0-100 score by the training deals' distribution; unknown adds
    0 and lowers the confidence (the share of the scorecard's point range that could be
    judged). Without one (older ICPs): criteria on one single-valued attribute form one
    test; the score is the weighted share of known tests that match, pulled toward 50 by
    the prior; confidence is the weighted share of tests that could be judged.
    """

    def __init__(self, criteria: list[Criterion], t: Thresholds,
                 scorecard: Scorecard | None = None) -> None:
        self.t = t
        groups: dict[str, list[int]] = {}
        for i, criterion in enumerate(criteria):
            key = f"#{i}" if criterion.attribute in MULTI_VALUED else \
                f"{criterion.kind}:{criterion.attribute}"
            groups.setdefault(key, []).append(i)
        self.tests = [(max(_weight(criteria[i]) for i in members), members)
                      for members in groups.values()]
        self.card = scorecard if scorecard is not None and any(
            c.points is not None for c in criteria) else None
        self.points = [line_points(c) for c in criteria]
        self.spreads = []
        for members in groups.values():
            values = [self.points[i] for i in members] + [0]
            self.spreads.append((max(values) - min(values), members))

    def score(self, results: list[str], excluded: bool) -> Scored:
        if self.card is not None:
            return self._points(results, excluded, self.card)
        total = known = matched = 0.0
        for weight, members in self.tests:
            found = {results[i] for i in members}
            total += weight
            if "match" in found:
                known += weight
                matched += weight
            elif "mismatch" in found:
                known += weight
        confidence = round(known / total, 2) if total else 0.0
        if excluded:
            score = min(int(round(100 * matched / known)) if known else 0, 20)
            return Scored(score, "D", max(confidence, 0.5), True)
        if known == 0:
            return Scored(None, "unknown", confidence, False)
        t = self.t
        score = int(round(100 * (matched + 0.5 * t.prior_weight) / (known + t.prior_weight)))
        return Scored(score, tier_for(score, t), confidence, False)

    def _points(self, results: list[str], excluded: bool, card: Scorecard) -> Scored:
        total = sum(p for p, r in zip(self.points, results, strict=True) if r == "match")
        spread = known = 0.0
        for width, members in self.spreads:
            spread += width
            if any(results[i] in ("match", "mismatch") for i in members):
                known += width
        confidence = round(known / spread, 2) if spread else 0.0
        exact = card.score_of(total)
        if excluded:
            return Scored(min(int(round(exact)), 20), "D", max(confidence, 0.5), True, total,
                          min(exact, 20.0), card.win_rate(total))
        if known == 0:
            return Scored(None, "unknown", confidence, False)
        tier = tier_for(exact, self.t) if self.t.explicit else card.tier_of(exact)
        return Scored(int(round(exact)), tier, confidence, False, total, exact,
                      card.win_rate(total))


def reason_line(v: Verdict) -> str:
    """One reason: ``✓``/``✗`` and what was judged, then the points it adds (``(+64)``);
    a reason never starts with a sign (a spreadsheet would run it as a formula)."""
    symbol = "✓" if v.result == "match" else "✗"
    points = f" ({v.points:+d})" if v.points and v.result == "match" else ""
    return (f"{symbol} {v.reason}{points}" + (f" [{v.source}]" if v.source else "")
            + (f" (conflict: {v.conflict})" if v.conflict else ""))


REASON_POINTS = re.compile(r"^✓ .*? \(([+-]\d+)\)(?: \[|$| \(conflict)")


def points_of(reason: str) -> int:
    """The points a reason line adds (0 for a line that adds none)."""
    found = REASON_POINTS.match(reason)
    return int(found.group(1)) if found else 0


def reasons_of(scored: Scored, verdicts: list[Verdict], exclusions: list[Verdict],
               unknown_note: str) -> list[str]:
    if scored.excluded:
        return [reason_line(v) for v in exclusions if v.result == "excluded"]
    if scored.score is None:
        return [f"nothing {unknown_note} bears on the ICP criteria"]
    missing = sum(1 for v in verdicts if v.result == "unknown")
    if scored.points is not None:  # a scorecard: the lines that add points, biggest first
        lines = sorted((v for v in verdicts if v.result == "match" and v.points),
                       key=lambda v: -abs(v.points))
        reasons = [reason_line(v) for v in lines]
        if not reasons:
            reasons.append(f"0 points: every judged value is the scorecard's reference "
                           f"({scored.points} in all)")
        if missing:
            reasons.append(f"? {missing} scorecard lines not known {unknown_note} (0 points)")
        return reasons
    reasons = [reason_line(v) for v in verdicts if v.result in ("match", "mismatch")]
    if missing:
        reasons.append(f"? {missing} criteria not visible {unknown_note}")
    return reasons


def fit_from(criteria: list[Criterion], verdicts: list[Verdict], exclusions: list[Verdict],
             t: Thresholds, unknown_note: str, scorer: Scorer | None = None,
             scorecard: Scorecard | None = None) -> Fit:
    """Score, tier, confidence and reasons from the verdicts (websites and rows alike)."""
    scorer = scorer or Scorer(criteria, t, scorecard)
    for verdict, points in zip(verdicts, scorer.points, strict=False):
        verdict.points = points if verdict.result == "match" else 0
    scored = scorer.score([v.result for v in verdicts],
                          any(v.result == "excluded" for v in exclusions))
    return Fit(score=scored.score, tier=scored.tier, confidence=scored.confidence,
               excluded=scored.excluded, verdicts=verdicts + exclusions,
               reasons=reasons_of(scored, verdicts, exclusions, unknown_note),
               points=scored.points, win_rate=None if scored.win_rate is None
               else round(scored.win_rate, 4), exact=scored.exact)


def site_verdicts(prospect: Prospect, icp: ICPDocument) -> tuple[list[Verdict], list[Verdict]]:
    """Each criterion (then each exclusion) judged from the site; all unknown when the
    site gave no usable page."""
    criteria = icp.criteria + icp.triggers
    if prospect.fetch_status != "ok":
        why = f"site {prospect.fetch_status.replace('_', ' ')}"
        return ([Verdict(criterion=c.attribute, kind=c.kind, result="unknown", reason=why)
                 for c in criteria],
                [Verdict(criterion=c.attribute, kind=c.kind, result="unknown", reason=why)
                 for c in icp.exclusions])
    j = _Judge(prospect)
    verdicts = [judge(c, j) for c in criteria]
    exclusions = [judge(c, j) for c in icp.exclusions]
    for v in verdicts + exclusions:
        v.source = v.source or v.url
    return verdicts, exclusions


def classify(prospect: Prospect, icp: ICPDocument, thresholds: Thresholds | None = None) -> Fit:
    t = thresholds or Thresholds()
    if prospect.fetch_status != "ok":
        return Fit(score=None, tier="unknown", confidence=0.0, verdicts=[],
                   reasons=[f"site {prospect.fetch_status.replace('_', ' ')}: "
                            f"{prospect.error or 'no usable page'}; not judged"])
    verdicts, exclusions = site_verdicts(prospect, icp)
    return fit_from(icp.criteria + icp.triggers, verdicts, exclusions, t, "on the site",
                    scorecard=icp.scorecard)
