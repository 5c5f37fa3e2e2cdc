"""Judging ICP criteria from a row's own columns: a deal, an account, a prospect list row.

The row is read with the same code the criteria learner uses (``agent/icp/deals.py``), so
a criterion learned from ``attr:Lead Source`` is judged on the same key; numbers are
judged against the criterion's band edges. Each verdict names the column it came from
(``column Lead Source = Reference``). Pains and triggers are not in a row: unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.fit.score import Fit, Scorer, Thresholds, Verdict, fit_from
from agent.icp.bands import Band, band_of, fixed_bands
from agent.icp.deals import label_of, row_attributes
from agent.icp.model import Criterion, ICPDocument
from retrieval.tables.attributes import NOT_RECORDED

NOT_IN_A_ROW = ("pain", "trigger", "loss_theme")
NUMERIC = ("employees", "revenue", "amount")


class RowFacts:
    """One row's attributes, read once, by criterion name. ``headers`` names the column
    each canonical field came from (``employees`` -> ``team_size``), for the sources."""

    def __init__(self, meta: Mapping[str, Any], where: str = "column",
                 headers: Mapping[str, str] | None = None) -> None:
        self.meta = meta
        self.where = where
        self.headers = headers or {}
        self.values, self.numbers = row_attributes(meta)

    def source(self, name: str) -> str:
        key = name
        raw = self.meta.get(f"{key}_raw", self.meta.get(key, ""))
        return f"{self.where} {self.headers.get(key) or label_of(name)} = {raw}"


def _band_label(criterion: Criterion, number: float) -> str | None:
    """The band a number falls in, in the criterion's terms (its edges, or the usual bands)."""
    if criterion.band is not None:
        band = Band.from_edges(criterion.values[0], criterion.band)
        return criterion.values[0] if band.holds(number) else f"{number:g}"
    bands = fixed_bands(criterion.attribute)
    if bands:
        usual = band_of(number, bands, criterion.attribute)
        return usual.label if usual else None
    return f"{number:g}"


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def judge_row(criterion: Criterion, facts: RowFacts) -> Verdict:
    """Match, mismatch, excluded or unknown for one criterion, from the row's columns."""
    name = criterion.attribute
    shown = f"{criterion.label or label_of(name)}: {', '.join(criterion.values)}"
    if criterion.kind in ("pain", "trigger") or name in NOT_IN_A_ROW:
        return Verdict(criterion=shown, kind=criterion.kind, result="unknown",
                       reason=f"{name} is not in the row")
    if name in facts.numbers:
        have = [_band_label(criterion, facts.numbers[name]) or ""]
    else:
        have = facts.values.get(name, [])
    if not have:
        raw = facts.meta.get(name)
        if raw not in (None, ""):  # a value the column cannot be read as ("lots")
            return Verdict(criterion=shown, kind=criterion.kind, result="unknown",
                           source=facts.source(name),
                           reason=f"{label_of(name)} '{raw}' cannot be read as a "
                                  f"{'number' if name in NUMERIC else 'value'}; "
                                  "unknown")
        return Verdict(criterion=shown, kind=criterion.kind, result="unknown",
                       reason=f"{label_of(name)} not in the row")
    wanted = {_norm(v) for v in criterion.values}
    if have == [NOT_RECORDED] and _norm(NOT_RECORDED) not in wanted:
        return Verdict(criterion=shown, kind=criterion.kind, result="unknown",
                       source=facts.source(name), reason=f"{label_of(name)} not recorded")
    hit = next((v for v in have if _norm(v) in wanted), None)
    source = facts.source(name)
    value = hit or ", ".join(have)
    if criterion.kind == "exclusion":
        return Verdict(criterion=shown, kind="exclusion",
                       result="excluded" if hit else "match", source=source,
                       reason=(f"{label_of(name)} is {value}: excluded segment" if hit else
                               f"{label_of(name)} {value} is not the excluded "
                               f"{', '.join(criterion.values)}"))
    return Verdict(criterion=shown, kind=criterion.kind,
                   result="match" if hit else "mismatch", source=source,
                   reason=f"{label_of(name)} is {value}"
                   + ("" if hit else f", not {', '.join(criterion.values)}"))


def row_verdicts(meta: Mapping[str, Any], icp: ICPDocument, where: str = "column",
                 headers: Mapping[str, str] | None = None,
                 ) -> tuple[list[Verdict], list[Verdict]]:
    """Each criterion (then each exclusion) judged from the row's columns."""
    facts = RowFacts(meta, where, headers)
    return ([judge_row(c, facts) for c in icp.criteria + icp.triggers],
            [judge_row(c, facts) for c in icp.exclusions])


def classify_row(meta: Mapping[str, Any], icp: ICPDocument,
                 thresholds: Thresholds | None = None, where: str = "column",
                 scorer: Scorer | None = None) -> Fit:
    """Fit of a deal, an account or a prospect-list row from its own columns (pass the
    ``scorer`` of ``icp`` when scoring many rows)."""
    verdicts, exclusions = row_verdicts(meta, icp, where)
    return fit_from(icp.criteria + icp.triggers, verdicts, exclusions,
                    thresholds or Thresholds(), "in the row", scorer, icp.scorecard)
