"""Does a line hold within the segments of the strongest column, or is it that column?

A theme voiced mostly by big companies wins more because big companies win more. For each
line learned from what customers said, the deals are stratified by the values (or bands)
of the strongest column attribute (the best single-column AUC the leakage guard measured)
and the Mantel-Haenszel test (statsmodels ``StratifiedTable``) asks whether the line's
odds of winning still differ within those strata.
"""

from __future__ import annotations

from agent.icp.deals import Deal, label_of
from agent.icp.leakage import LeakDecision
from agent.icp.text_lines import is_said

ALPHA = 0.05


def strongest_column(decision: LeakDecision) -> str:
    """The column attribute with the best single-column AUC the leakage guard measured
    (not set aside, not from what customers said); "" when none was measured."""
    columns = [n for n in decision.solo_auc if not is_said(n) and n not in decision.leaks]
    return max(columns, key=lambda n: decision.solo_auc[n], default="")


def confound_verdict(deals: list[Deal], attribute: str, value: str, column: str) -> str:
    """"holds within …" or "explained by …", with the pooled odds ratio and p-value; "" when
    the column gives no stratum with both kinds of deal."""
    from statsmodels.stats.contingency_tables import StratifiedTable

    strata: dict[str, list[list[float]]] = {}
    for d in deals:
        level = (d.values.get(column) or ["not recorded"])[0]
        table = strata.setdefault(level, [[0.0, 0.0], [0.0, 0.0]])
        has = value in d.values.get(attribute, ())
        table[0 if has else 1][0 if d.won else 1] += 1
    tables = [t for t in strata.values()
              if sum(t[0]) > 0 and sum(t[1]) > 0 and t[0][0] + t[1][0] > 0
              and t[0][1] + t[1][1] > 0]
    if not tables:
        return ""
    # a continuity correction of 0.5 in every cell keeps a stratum with a zero cell usable
    stratified = StratifiedTable([[[c + 0.5 for c in row] for row in t] for t in tables])
    odds = float(stratified.oddsratio_pooled)
    p = float(stratified.test_null_odds(correction=True).pvalue)
    name = label_of(column)
    figures = f"Mantel-Haenszel odds ratio {odds:.2f}, p={p:.2g}, {len(tables)} strata"
    if p < ALPHA:
        return f"holds within {name} ({figures})"
    return f"explained by {name}: within its values the difference is not significant " \
           f"({figures})"
