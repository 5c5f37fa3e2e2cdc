"""Fit of each row of a prospect list from its own columns, and its site when enriched.

The list's columns get the same roles as an ingested export (``retrieval/tables/schema.py``), so
an ICP criterion learned from ``attr:Lead Source`` or ``employees`` is judged on the list's
``Lead Source`` or ``Employees`` column. Rows that share the values the ICP looks at share
one judgement (a prospect list repeats industries, countries and size bands), which is
what makes ``icp score`` fast on large lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent.fit.merge import NOTE, merged_fit
from agent.fit.rows import RowFacts, judge_row
from agent.fit.score import Scored, Scorer, Thresholds, Verdict, reasons_of
from agent.icp.model import ICPDocument
from retrieval.tables.schema import TableSchema, build_schema

MEMO_LIMIT = 200_000
FIT_MEMO_LIMIT = 10_000  # whole fits (with their reasons) are bigger: keep fewer


@dataclass
class RowFit:
    score: int | None
    tier: str
    confidence: float
    reasons: list[str]
    verdicts: list[Verdict]

LIST_FIELDS = {"industry": "industry", "employee_range": "employees", "country": "country",
               "technologies": "technologies"}


def _neutral(icp: ICPDocument) -> tuple[list[Verdict], list[Verdict]]:
    def unknown(kind: str, attribute: str) -> Verdict:
        return Verdict(criterion=attribute, kind=kind, result="unknown", reason="not fetched")

    return ([unknown(c.kind, c.attribute) for c in icp.criteria + icp.triggers],
            [unknown(c.kind, c.attribute) for c in icp.exclusions])


class ListFit:
    """Judges rows of one prospect list against one ICP (or only reads them, without).

    Memos keep large lists fast: each judged attribute is read once per distinct cell
    (``Software`` in the Industry column), the criteria on one attribute judged once per
    distinct value, and each combination of verdicts turned into a fit once.
    """

    def __init__(self, header: list[str], sample: list[list[str]], icp: ICPDocument | None,
                 thresholds: Thresholds | None = None, prefer: str = "list") -> None:
        self.header = header
        self.schema: TableSchema = build_schema(
            header, [dict(zip(header, v, strict=False)) for v in sample])
        self.icp = icp
        self.thresholds = thresholds or Thresholds()
        self.prefer = prefer
        self.criteria = (icp.criteria + icp.triggers) if icp else []
        self.exclusions = icp.exclusions if icp else []
        judged = {c.attribute for c in self.criteria + self.exclusions}
        self._readers = self._plan(judged | set(LIST_FIELDS.values()))
        self._cells: dict[tuple[int, tuple[str, ...]], dict[str, Any]] = {}
        self._verdicts: dict[tuple[Any, ...], tuple[Verdict, ...]] = {}
        self._by_key: dict[tuple[int, str], list[int]] = {}
        for group, criteria in ((0, self.criteria), (1, self.exclusions)):
            for n, criterion in enumerate(criteria):
                self._by_key.setdefault((group, criterion.attribute),
                                        []).append(n)
        self._plans = [(group, key, key + "_raw", members)
                       for (group, key), members in self._by_key.items()]
        self._fits: dict[tuple[int, ...], RowFit] = {}
        self._scorer = Scorer(self.criteria, self.thresholds, icp.scorecard if icp else None)
        self._scored: dict[tuple[tuple[str, ...], bool], Scored] = {}
        self._no_site = _neutral(icp) if icp else ([], [])

    def _plan(self, keys: set[str]) -> list[list[int]]:
        """For each key the ICP reads, the columns it comes from (canonical fields may have
        fallback columns; an attribute key names its column)."""
        index = {h: i for i, h in enumerate(self.header)}
        plans = []
        for key in sorted(keys):
            headers = self.schema.cmap.candidates.get(key, [])
            if not headers and ":" in key:
                headers = [key.split(":", 1)[1]]
            columns = [index[h] for h in headers if h in index]
            if columns:
                plans.append(columns)
        return plans

    def meta(self, values: list[str]) -> dict[str, Any]:
        """The row's fields that the ICP and the output read, via per-cell memos."""
        meta: dict[str, Any] = {}
        width = len(values)
        for n, columns in enumerate(self._readers):
            cells = (values[columns[0]] if columns[0] < width else "",) if len(columns) == 1 \
                else tuple(values[i] if i < width else "" for i in columns)
            part = self._cells.get((n, cells))
            if part is None:
                part = self.schema.fields({self.header[i]: c for i, c in zip(columns, cells,
                                                                            strict=True)})
                if len(self._cells) < MEMO_LIMIT:
                    self._cells[(n, cells)] = part
            meta.update(part)
        return meta

    def row_side(self, meta: dict[str, Any]) -> tuple[list[Verdict], list[Verdict]]:
        """The row's verdicts; the criteria on one attribute judged once per distinct value."""
        assert self.icp is not None
        facts: RowFacts | None = None  # read only when a verdict is not known yet
        out: tuple[list[Verdict | None], list[Verdict | None]] = (
            [None] * len(self.criteria), [None] * len(self.exclusions))
        get = meta.get
        for group, key, raw_key, members in self._plans:
            memo = (group, key, get(key), get(raw_key))
            verdicts = self._verdicts.get(memo)
            if verdicts is None:
                facts = facts or RowFacts(meta, headers=self.schema.cmap.mapping)
                criteria = self.criteria if group == 0 else self.exclusions
                verdicts = tuple(judge_row(criteria[n], facts) for n in members)
                if group == 0:
                    for n, verdict in zip(members, verdicts, strict=True):
                        if verdict.result == "match":
                            verdict.points = self._scorer.points[n]
                if len(self._verdicts) < MEMO_LIMIT:
                    self._verdicts[memo] = verdicts
            for n, verdict in zip(members, verdicts, strict=True):
                out[group][n] = verdict
        return out  # type: ignore[return-value]  # every slot is filled above

    def fit(self, meta: dict[str, Any],
            site: tuple[list[Verdict], list[Verdict]] | None = None) -> RowFit | None:
        """The row's fit, with its site's verdicts when it was enriched."""
        if self.icp is None:
            return None
        row = self.row_side(meta)
        if site is not None:
            merged = merged_fit(self.icp, row, site, self.thresholds, self.prefer)
            return RowFit(merged.score, merged.tier, merged.confidence, merged.reasons,
                          merged.verdicts)
        # no site: the row's verdicts are the fit's (merging with unknowns changes nothing);
        # rows with the same verdict objects (the same judged values) share one fit
        verdicts, exclusions = row
        same = tuple(map(id, verdicts)) + tuple(map(id, exclusions))
        known = self._fits.get(same)
        if known is not None:
            return known
        results = tuple(v.result for v in verdicts)
        excluded = any(v.result == "excluded" for v in exclusions)
        scored = self._scored.get((results, excluded))
        if scored is None:
            scored = self._scored[(results, excluded)] = self._scorer.score(list(results),
                                                                            excluded)
        reasons = reasons_of(scored, verdicts, exclusions, NOTE)
        fit = RowFit(scored.score, scored.tier, scored.confidence, reasons,
                     verdicts + exclusions)
        if len(self._fits) < FIT_MEMO_LIMIT:
            self._fits[same] = fit
        return fit

    def list_values(self, meta: dict[str, Any]) -> dict[str, str]:
        """The enrichment columns the list itself fills (industry, employees, country,
        technologies)."""
        out = {}
        for column, key in LIST_FIELDS.items():
            value = meta.get(f"{key}_raw", meta.get(key))
            if value not in (None, ""):
                out[column] = str(value)
        return out


def fit_columns(fit: RowFit | None) -> dict[str, Any]:
    if fit is None:
        return {"fit_score": None, "fit_tier": "", "fit_confidence": None, "fit_reasons": []}
    return {"fit_score": fit.score, "fit_tier": fit.tier, "fit_confidence": fit.confidence,
            "fit_reasons": fit.reasons}
