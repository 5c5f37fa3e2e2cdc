"""One fit from two kinds of evidence: the prospect's own row and its website.

Per criterion, a known verdict beats an unknown one; when both are known and disagree, the
verdict records the conflict and the list's value wins (``prefer="site"`` turns that round),
since a CRM export is usually what the team already trusts.
"""

from __future__ import annotations

from agent.fit.score import Fit, Thresholds, Verdict, fit_from
from agent.icp.model import ICPDocument

PREFER = ("list", "site")
NOTE = "in the row or on the site"


def merge_verdicts(row: list[Verdict], site: list[Verdict], prefer: str = "list") -> list[Verdict]:
    out = []
    for r, s in zip(row, site, strict=True):
        if r.result == "unknown":
            out.append(s if s.result != "unknown" else r)
            continue
        if s.result == "unknown":
            out.append(r)
            continue
        first, other = (r, s) if prefer == "list" else (s, r)
        if r.result == s.result:
            out.append(first)
            continue
        out.append(first.model_copy(update={
            "conflict": f"{other.source or 'the other source'} says {other.reason}"}))
    return out


def merged_fit(icp: ICPDocument, row: tuple[list[Verdict], list[Verdict]],
               site: tuple[list[Verdict], list[Verdict]], thresholds: Thresholds | None = None,
               prefer: str = "list") -> Fit:
    """The fit judged from the row's columns and the site together."""
    verdicts = merge_verdicts(row[0], site[0], prefer)
    exclusions = merge_verdicts(row[1], site[1], prefer)
    return fit_from(icp.criteria + icp.triggers, verdicts, exclusions,
                    thresholds or Thresholds(), NOTE, scorecard=icp.scorecard)
