"""Render an ICP document as Markdown a revops team can read and share."""

from __future__ import annotations

from agent.icp.model import Criterion, ICPDocument, PainPoint
from retrieval.mining.models import Evidence


def _cite(ev: Evidence) -> str:
    who = ", ".join(x for x in (ev.account, ev.outcome, ev.speaker) if x)
    if ev.cites == "record":  # a deal row, described, not someone's words
        return f"  - record `{ev.source_id}`: {ev.quote}"
    return f"  - “{ev.quote}” — `{ev.source_id}`" + (f" ({who})" if who else "")


def _criteria(title: str, items: list[Criterion]) -> list[str]:
    if not items:
        return []
    lines = [f"## {title}", ""]
    for c in items:
        lines.append(f"- **{c.statement}** · support {c.support} · confidence {c.confidence}")
        lines += [_cite(e) for e in c.evidence]
    return lines + [""]


def _line(c: Criterion) -> str:
    interval = (f" [{c.win_rate_low:.0%}–{c.win_rate_high:.0%}]"
                if c.win_rate_low is not None and c.win_rate_high is not None else "")
    rate = f"{c.win_rate:.0%}" if c.win_rate is not None else "?"
    return (f"| {c.points:+d} | {c.label or c.attribute} = {', '.join(c.values)} | {rate}"
            f"{interval} | {c.support} | {c.lift if c.lift is not None else '?'} | "
            f"{c.q_value if c.q_value is not None else '?'} |")


def _scorecard(doc: ICPDocument) -> list[str]:
    card = doc.scorecard
    assert card is not None
    scored = [c for c in doc.criteria if c.points is not None]
    tiers = ", ".join(f"{t} ≥ {v:g}" for t, v in card.tiers.items())
    rates = ", ".join(f"{t} {r:.0%}" for t, r in card.tier_win_rates.items())
    lines = ["## Scorecard", "",
             f"_Each line adds its points to a prospect's total ({card.points_to_double} "
             "points double the odds of a win); a value not listed, and anything unknown, "
             f"adds 0. The total becomes a 0-100 score by its rank among the {card.deals} "
             f"training deals; tiers: {tiers} (training win rates {rates}). Points from a "
             "regularised logistic regression over every attribute's values._", ""]
    header = ["| points | value | win rate [95%] | deals | lift | q |",
              "|---:|---|---|---:|---:|---:|"]
    for title, group in (("Criteria: these win more", [c for c in scored if (c.points or 0) > 0]),
                         ("Deprioritise: these win less",
                          [c for c in scored if (c.points or 0) < 0])):
        if group:
            lines += [f"### {title}", "", *header, *(_line(c) for c in group), ""]
            for c in group[:5]:
                lines.append(f"- {c.label or c.attribute} = {', '.join(c.values)}:")
                lines += [_cite(e) for e in c.evidence[:1]]
            lines.append("")
    return lines


def _themes(title: str, note: str, points: list[PainPoint]) -> list[str]:
    if not points:
        return []
    lines = [f"## {title}", ""] + ([note, ""] if note else [])
    for p in points:
        outcomes = ", ".join(f"{k} {v}" for k, v in p.by_outcome.items())
        kinds = ", ".join(f"{k} {v}" for k, v in p.by_kind.items())
        lines.append(f"- **{p.label}** — {p.size} mentions, {p.accounts} accounts "
                     f"({kinds}; {outcomes})" + (f". {p.summary}" if p.summary else ""))
        lines += [_cite(e) for e in p.evidence]
    return lines + [""]


def render(doc: ICPDocument) -> str:
    version = doc.version or "{version}"
    lines = [f"# Ideal customer profile v{version}", "",
             f"_Drafted {doc.created_at} by the {doc.engine} engine from "
             + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in doc.inputs.items()) + "._", ""]
    if doc.basis == "hypothesis":
        lines += ["> **A hypothesis to test, not findings:** too few closed deals for the "
                  "differences below to be trusted (see the notes for the numbers).", ""]
    if doc.summary:
        lines += [doc.summary, ""]
    if doc.scorecard is not None:
        lines += _scorecard(doc)
    else:
        firmo = [c for c in doc.criteria if c.kind in ("firmographic", "technographic")]
        lines += _criteria("Firmographic and technographic criteria", firmo)
        lines += _criteria("Criteria from the other columns",
                           [c for c in doc.criteria if c.kind == "attribute"])
    if doc.customer_profile:
        lines += ["## Profile of current customers", "",
                  "_Shares of current customers (reviewers and won accounts) with each value, "
                  "with 95% intervals; no lost deals to compare, so these are not win rates._",
                  "", "| attribute | value | customers | share | 95% interval |",
                  "|---|---|---|---|---|"]
        lines += [f"| {p.label} | {p.value} | {p.count} of {p.total} | {p.share:.0%} | "
                  f"{p.low:.0%}–{p.high:.0%} |" for p in doc.customer_profile]
        lines.append("")
    if doc.set_aside:
        lines += ["## Columns set aside (they leak the outcome)", ""]
        lines += [f"- **{name}**: {why}" for name, why in doc.set_aside.items()]
        lines.append("")
    lines += _criteria("Pain criteria", [c for c in doc.criteria if c.kind == "pain"])
    lines += _themes("Recurring pain points", "", doc.pain_points)
    lines += _themes("What customers hire us for", "_Themes of the answers to “what problems "
                     "does it solve for you”: the jobs to be done._", doc.jobs)
    lines += _themes("What customers value", "_Themes of what customers like: what to say "
                     "in outreach._", doc.value)
    lines += _criteria("Buying triggers", doc.triggers)
    lines += _criteria("Exclusions (who not to target)", doc.exclusions)
    if doc.personas:
        lines += ["## Buyer personas", ""]
        for p in doc.personas:
            lines += [f"### {p.role}", "",
                      f"Titles: {', '.join(p.titles)} · {p.mentions} mentions at "
                      f"{len(p.accounts)} accounts", ""]
            if p.summary:
                lines += [p.summary, ""]
            for label, items in (("Goals", p.goals), ("Jobs to be done", p.jobs),
                                 ("Pains", p.pains), ("Objections", p.objections)):
                if items:
                    lines.append(f"**{label}**")
                    lines += [f"- “{q}”" for q in items]
                    lines.append("")
            lines.append("Evidence:")
            lines += [_cite(e) for e in p.evidence]
            lines.append("")
    lines += ["## What the data could not support", ""]
    lines += [f"- {n}" for n in doc.notes] or ["- (nothing noted)"]
    g = doc.grounding
    lines += ["", f"_Grounding: {g.checked} quotes checked against the evidence store, "
              f"{g.dropped} dropped as unverifiable._", ""]
    return "\n".join(lines)
