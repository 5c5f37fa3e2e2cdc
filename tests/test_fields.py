"""The field table (agent/base/fields.py): one name per field, everything else derived."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from agent.base.fields import FIELDS, LEARNED, canonical_name
from agent.icp.bands import fixed_bands
from agent.icp.deals import kind_of, label_of
from agent.icp.model import ICPDocument
from retrieval.tables.aliases import map_columns, normalise_header
from retrieval.tables.attributes import CANONICAL

FIXTURE_ICP = Path(__file__).parent.parent / "evals" / "datasets" / "fit_icp.json"


def test_no_header_names_two_fields() -> None:
    headers = Counter(normalise_header(a) for f in FIELDS.values() for a in f.aliases)
    assert [h for h, n in headers.items() if n > 1] == []


def test_aliases_attributes_labels_and_bands_come_from_the_table() -> None:
    cmap = map_columns(["Company Size", "Tech Stack", "Account Name", "Website"])
    assert cmap.mapping == {"employees": "Company Size", "technologies": "Tech Stack",
                            "account": "Account Name"}
    assert cmap.unmapped == ["Website"]  # a prospect list's column, not an evidence field
    assert set(CANONICAL) == set(LEARNED)
    assert label_of("employees") == "Company size (employees)"
    assert kind_of("technologies") == "technographic" and kind_of("attr:Plan") == "attribute"
    assert [b.label for b in fixed_bands("employees") or []][0] == "1-49"
    assert fixed_bands("amount") is None


def test_old_names_in_a_saved_icp_read_as_the_one_name() -> None:
    assert canonical_name("size") == "employees" and canonical_name("industry") == "industry"
    data = json.loads(FIXTURE_ICP.read_text(encoding="utf-8"))
    saved = {c["attribute"] for c in data["criteria"] + data.get("exclusions", [])}
    assert {"size", "technology"} <= saved  # written by an older release
    doc = ICPDocument.model_validate(data)
    names = {c.attribute for c in doc.criteria + doc.exclusions}
    assert {"employees", "technologies"} <= names
    assert not names & {"size", "technology"}
