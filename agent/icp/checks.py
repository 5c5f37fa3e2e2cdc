"""The dataset checks of one export before it is ingested (``icp inspect``): the same
duplicate rule and leak decision the draft and the backtest will apply to its deals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.icp.criteria import attribute_names
from agent.icp.deals import Deal, deal_of, unique_deals
from agent.icp.leakage import LeakDecision, find_leaks
from retrieval.corpus import EvidenceChunk
from retrieval.records import EvidenceRecord


@dataclass
class DealChecks:
    deals: int = 0
    duplicates: int = 0
    decision: LeakDecision = field(default_factory=LeakDecision)

    def as_dict(self) -> dict[str, Any]:
        return {
            "closed_deals": self.deals, "duplicates": self.duplicates,
            "measured_on": self.decision.measured_on,
            "set_aside": {leak.label: leak.reason for leak in self.decision.leaks.values()},
            "single_column_auc": self.decision.solo_auc, "notes": self.decision.notes,
        }


def deals_of(records: list[EvidenceRecord]) -> list[Deal]:
    """Records as the deals the learner would see once they are in the store."""
    out = []
    for number, record in enumerate(records):
        meta = {**record.fields, "kind": record.kind.value, "chunk_index": 0}
        deal = deal_of(EvidenceChunk(f"{number:09d}", record.text, meta))
        if deal is not None:
            out.append(deal)
    return out


def check_records(records: list[EvidenceRecord], use_columns: tuple[str, ...] = (),
                  drop_columns: tuple[str, ...] = ()) -> DealChecks:
    deals, duplicates = unique_deals(deals_of(records))
    if not deals:
        return DealChecks()
    decision = find_leaks(deals, attribute_names(deals), use_columns, drop_columns)
    return DealChecks(len(deals) + duplicates, duplicates, decision)
