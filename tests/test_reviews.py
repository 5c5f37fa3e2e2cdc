"""Customer reviews as the fourth evidence kind: Capterra and G2-style exports."""

from __future__ import annotations

from pathlib import Path

from retrieval.columns import Role
from retrieval.ingest import Ingestor
from retrieval.parsers import read_all
from retrieval.parsers.reviews import question_facet
from retrieval.records import Kind
from retrieval.store import EvidenceStore

from .conftest import EXPORTS, shared_data


def by_row(records: list, row: int) -> dict[str, object]:
    return {r.title: r for r in records if r.locator.startswith(f"row={row}:")}


def check_capterra(path: Path) -> None:
    records, source = read_all(path)
    assert source.kind is Kind.REVIEW
    schema = source.schema
    # line 1 is a title line: the header is on line 2
    assert schema.headers[:3] == ["Job Title", "Industry", "Used For"]
    assert schema.profile("Job Title").field == "role"
    assert schema.profile("Industry").field == "industry"
    assert schema.labels == {"Used For": "Used the software for", "Overall": "Overall",
                             "Pros": "Pros", "Cons": "Cons"}
    # row 4 is a normal review: one record per answer, labelled by its question
    row4 = by_row(records, 4)
    assert set(row4) == {"Overall", "Pros", "Cons"}
    assert row4["Cons"].text.startswith("Although Forms On Fire offers")  # label removed
    assert row4["Cons"].fields["facet"] == "pain" and row4["Pros"].fields["facet"] == "value"
    assert row4["Pros"].fields["industry"] == "Internet"
    assert row4["Pros"].fields["employees_raw"] == "201-500 employees"
    assert row4["Pros"].fields["role"] == "Associate Product Manager"
    assert row4["Pros"].fields["outcome"] == "won"  # reviewers are current customers
    # row 5 is shifted one column left: its pros sat under Overall, its cons under Pros
    row5 = by_row(records, 5)
    assert set(row5) == {"Pros", "Cons"}
    assert row5["Pros"].text.startswith("The application and backend are easy to use")
    assert row5["Cons"].text.startswith("It would be nice if the backend")
    assert row5["Cons"].fields["date"] == "2023-05-23"  # read as a date, stored ISO
    # row 10 also carried "Alternatives Considered" where its cons should be
    row10 = by_row(records, 10)
    assert row10["Alternatives Considered"].text.startswith("BarCloud")
    assert row10["Cons"].text.startswith("The mobile design patterns")
    assert any("shifted out of their columns (rows 5, 6, 10, 13" in n for n in source.notes)
    for record in records:
        assert not record.text.startswith(("Pros:", "Cons:", "Overall:"))


def test_capterra_fixture_is_review_evidence() -> None:
    check_capterra(EXPORTS / "capterra_forms_on_fire_43.csv")


def test_capterra_export_is_review_evidence() -> None:
    path = shared_data("reviews_capterra/forms_on_fire.csv")
    check_capterra(path)
    records, source = read_all(path)
    assert [str(p) for p in source.problems] == [f"{path}, row 120: no answer text; row skipped"]
    assert len({r.locator.split(":")[0] for r in records}) == 118
    assert sum(1 for r in records if r.fields["facet"] == "pain") >= 90


def test_g2_style_export_with_question_columns() -> None:
    records, source = read_all(EXPORTS / "g2_style_reviews.csv")
    assert source.kind is Kind.REVIEW
    schema = source.schema
    assert schema.profile("Reviewer Email").role is Role.PII
    assert schema.profile("Product Role").role is Role.CATEGORY
    assert schema.profile("Star Rating").role is Role.NUMBER
    assert schema.profile("Company Size").field == "employees"
    first = by_row(records, 2)
    assert set(first) == {"Review Title", "What do you like best about Pipewise?",
                          "What do you dislike about Pipewise?",
                          "What problems is Pipewise solving and how is that benefiting you?"}
    dislike = first["What do you dislike about Pipewise?"]
    assert dislike.fields["facet"] == "pain"
    assert first["What problems is Pipewise solving and how is that benefiting you?"] \
        .fields["facet"] == "job"
    assert dislike.fields["industry"] == "Computer Software"
    assert dislike.fields["employees"] == 525 and dislike.fields["country"] == "United States"
    assert dislike.fields["num:Star Rating"] == 4.5
    assert dislike.fields["attr:Product Role"] == "Administrator"
    assert not any("example.com" in str(v) for r in records for v in r.fields.values())


def test_question_facets() -> None:
    assert question_facet("Cons") == "pain"
    assert question_facet("What do you dislike?") == "pain"
    assert question_facet("What do you like best?") == "value"
    assert question_facet("What problems are you solving with the product?") == "job"
    assert question_facet("Overall") == "general"
    assert question_facet("Job Title") is None


def test_reviews_ingest_and_reingest_adds_nothing(ingestor: Ingestor,
                                                   store: EvidenceStore) -> None:
    path = EXPORTS / "capterra_forms_on_fire_43.csv"
    first = ingestor.ingest([path])
    assert first.ok and first.files[0].kind == "review"
    metas = store.chunks.get(include=["metadatas"])["metadatas"]
    assert {m["kind"] for m in metas} == {"review"}
    assert any(m["source_id"].endswith("#row=5:cons") for m in metas)
    again = ingestor.ingest([path])
    assert again.files[0].status == "unchanged" and again.total("chunks_added") == 0
