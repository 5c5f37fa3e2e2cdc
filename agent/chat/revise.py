"""Revisions of an ICP asked for in chat: each returns a new document, never edits in place.

A criterion the user adds has no deal data behind it, so its evidence is the user's own
instruction (``source_id`` ``chat:<turn>``): the document says who asked for it instead of
pretending the data did.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from agent.base.errors import RevisionError
from agent.base.fields import canonical_name
from agent.icp.bands import band_from_label
from agent.icp.model import Criterion, CriterionKind, ICPDocument
from agent.icp.scorecard import POINTS_TO_DOUBLE
from retrieval.mining.models import Evidence

Action = Literal["add_criterion", "remove_criterion", "adjust_criterion", "add_exclusion",
                 "rename_persona"]


class Revision(BaseModel):
    """One change to the ICP, as the agent's ``revise_icp`` tool takes it."""

    action: Action
    attribute: str = Field(default="", description="industry | employees | "
                           "country | technologies | "
                           "a pain or trigger label; for rename_persona the persona's role")
    values: list[str] = Field(default_factory=list, description="expected values; for "
                              "rename_persona the new name")
    kind: CriterionKind = "firmographic"
    reason: str = Field(default="", description="the user's words, kept as the evidence")

    @model_validator(mode="after")
    def _one_name(self) -> Revision:
        """A field by its one name, whatever the user or the model called it (``size``)."""
        if self.action != "rename_persona":
            self.attribute = canonical_name(self.attribute.strip().lower())
        return self


def size_below(limit: int) -> list[str]:
    """The band "under ``limit`` employees" names, as a band label (``< 20``)."""
    return [f"< {limit:,}"]


def size_above(limit: int) -> list[str]:
    """The band "over ``limit`` employees" names (``> 5,000``)."""
    return [f"> {limit:,}"]


def _user_evidence(reason: str, turn: str) -> list[Evidence]:
    return [Evidence(source_id=f"chat:{turn}", quote=reason or "(asked in chat)",
                     kind="instruction")]


def _matches(c: Criterion, attribute: str, values: list[str]) -> bool:
    if c.attribute.lower() != attribute.lower() and attribute.lower() not in c.statement.lower():
        return False
    if not values:
        return True
    wanted = {v.lower() for v in values}
    return bool(wanted & {v.lower() for v in c.values}) or any(
        v.lower() in c.statement.lower() for v in values)


def _name(c: Criterion) -> str:
    """The statement, with the values when the statement does not say them."""
    if all(v.lower() in c.statement.lower() for v in c.values):
        return c.statement
    return f"{c.statement} ({c.attribute}: {', '.join(c.values)})"


def _statement(attribute: str, values: list[str], exclusion: bool) -> str:
    joined = " or ".join(values)
    if attribute == "employees":
        joined += " employees"
        return f"Exclude companies with {joined}" if exclusion else f"Company size: {joined}"
    return f"Exclude {attribute} {joined}" if exclusion else f"{attribute.capitalize()}: {joined}"


def apply(doc: ICPDocument, change: Revision, turn: str) -> tuple[ICPDocument, str]:
    """The revised copy of ``doc`` and one line saying what changed."""
    new = doc.model_copy(deep=True)
    new.version = 0
    new.created_at = datetime.now(UTC).isoformat(timespec="seconds")
    attribute = change.attribute.strip().lower()
    values = [v.strip() for v in change.values if v.strip()]
    if change.action == "rename_persona":
        persona = next((p for p in new.personas if p.role.lower() == attribute), None)
        if persona is None or not values:
            have = ", ".join(p.role for p in new.personas) or "none"
            raise RevisionError(f"no persona named '{change.attribute}' (personas: {have})")
        persona.role, old = values[0], persona.role
        line = f"renamed persona {old} to {values[0]}"
    elif change.action == "remove_criterion":
        groups = (new.criteria, new.triggers, new.exclusions)
        hits = [c for group in groups for c in group if _matches(c, attribute, values)]
        if not hits:
            raise RevisionError(f"no criterion matches '{change.attribute} "
                                f"{' '.join(values)}'".strip())
        for group in groups:
            group[:] = [c for c in group if c not in hits]
        line = "removed " + "; ".join(_name(c) for c in hits)
    elif change.action == "adjust_criterion":
        target = next((c for c in new.criteria if c.attribute.lower() == attribute), None)
        if target is None or not values:
            raise RevisionError(f"no {change.attribute} criterion to adjust (add one instead)")
        old = target.statement
        target.values, target.statement = values, _statement(attribute, values, False)
        target.evidence = _user_evidence(change.reason, turn) + target.evidence
        target.p_value = target.lift = target.win_rate = None
        target.band = None  # the user's values, read in the usual bands
        line = f"changed {old} to {target.statement}"
    else:
        if not attribute or not values:
            raise RevisionError("say which attribute and values, e.g. 'industry: fintech'")
        exclusion = change.action == "add_exclusion"
        kind: CriterionKind = "exclusion" if exclusion else change.kind
        # in a scorecard a user's rule adds the points of a doubling of the odds (it is not
        # learned from deals, and says so in its evidence)
        points = POINTS_TO_DOUBLE if new.scorecard is not None and not exclusion and \
            kind not in ("pain", "trigger", "technographic") else None
        # a size in words ("under 20 employees": ``< 20``) is the band it names, exactly
        asked = band_from_label(values[0]) if attribute == "employees" and len(values) == 1 \
            else None
        criterion = Criterion(attribute=attribute, values=values, kind=kind,
                              statement=_statement(attribute, values, exclusion), support=0,
                              confidence="medium", evidence=_user_evidence(change.reason, turn),
                              points=points, band=asked.edges() if asked else None)
        group = new.exclusions if exclusion else (
            new.triggers if kind == "trigger" else new.criteria)
        if any(c.attribute == attribute and c.values == values for c in group):
            raise RevisionError(f"the ICP already has '{criterion.statement}'")
        group.append(criterion)
        line = ("added exclusion " if exclusion else "added criterion ") + criterion.statement
    new.notes = [n for n in new.notes if not n.startswith("Revised in chat")] + [
        f"Revised in chat from v{doc.version}: {line}."]
    return new, line


_NUMBER = re.compile(r"\d[\d,]*")


def parse_number(text: str) -> int:
    match = _NUMBER.search(text)
    if not match:
        raise RevisionError(f"no number in '{text}'")
    return int(match.group(0).replace(",", ""))
