"""Customer reviews as the fourth evidence kind: Capterra and G2-style exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.icp.drafter import draft
from agent.icp.markdown import render
from retrieval.corpus import Corpus
from retrieval.embeddings import Embedder
from retrieval.ingest import Ingestor
from retrieval.mining.chatter import denies_answer
from retrieval.mining.statements import statements_in_chunk
from retrieval.mining.themes import mine
from retrieval.parsers import read_all
from retrieval.parsers.reviews import question_facet
from retrieval.records import Kind
from retrieval.store import EvidenceStore
from retrieval.tables.columns import Role

from .conftest import EXPORTS, ROOT, shared_data

G2_EVAL = ROOT / "evals/datasets/evidence/reviews_g2/pipewise_g2_reviews.csv"


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
    assert schema.profile("Product Role").field == "role"  # G2's reviewer role: personas
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
    assert dislike.fields["role"] == "Administrator"
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


DISLIKE = "What do you dislike about Pipewise?"


@pytest.mark.parametrize("answer", [
    "There isn't anything I dislike at the moment.", "Honestly, there is nothing I disliked.",
    "Nothing so far.", "No cons.", "None that I can think of.", "N/A",
    "I have no issues with this program.", "I can't think of anything I dislike.",
    "At this time I cannot think of any features that need improvement."])
def test_denials_of_the_dislike_question_are_no_pains(answer: str) -> None:
    assert denies_answer(answer, DISLIKE)
    meta = {"kind": "review", "facet": "pain", "question": DISLIKE, "source_id": "r.csv#row=2"}
    assert list(statements_in_chunk("c", answer, meta)) == []


@pytest.mark.parametrize("answer", [
    "There is no way to export a report to PDF.", "Nothing syncs when the tablet is offline.",
    "I can't attach photos in the mobile app.", "It doesn't have an offline mode."])
def test_negated_complaints_are_still_pains(answer: str) -> None:
    assert not denies_answer(answer, DISLIKE)
    meta = {"kind": "review", "facet": "pain", "question": DISLIKE, "source_id": "r.csv#row=2"}
    assert [s.type for s in statements_in_chunk("c", answer, meta)] == ["complaint"]


G2_DISLIKE = "What do you dislike about G2?"


@pytest.mark.parametrize("answer", [
    "I have been happy so far with our experience with G2.",
    "I've been satisfied with G2 so far.", "I do not dislike anything about G2.",
    "The platform is easy to use and massively intuitive."])
def test_satisfaction_praise_and_denial_under_a_dislikes_question_are_no_pains(
        answer: str) -> None:
    meta = {"kind": "review", "facet": "pain", "question": G2_DISLIKE,
            "source_id": "r.csv#row=2"}
    assert list(statements_in_chunk("c", answer, meta)) == []


@pytest.mark.parametrize("answer", [
    "It is great but the export times out on big quarters.",
    "The price jumps a lot at the next tier.", "Support is friendly, yet the sync is slow."])
def test_a_fault_beside_praise_is_still_a_pain(answer: str) -> None:
    meta = {"kind": "review", "facet": "pain", "question": G2_DISLIKE,
            "source_id": "r.csv#row=2"}
    assert [s.type for s in statements_in_chunk("c", answer, meta)] == ["complaint"]


def test_reviews_are_read_by_question(tmp_path: Path, minilm: Embedder) -> None:
    """Dislikes give pains, "problems solved" gives jobs (themes of their own and an ICP
    section), likes give value, denials give nothing; Product Role gives personas."""
    store = EvidenceStore.open(tmp_path, "evidence", minilm.model_id)
    assert Ingestor(store, minilm).ingest([G2_EVAL]).ok
    corpus = Corpus.load(store, with_vectors=True)
    mining = mine(corpus, minilm.embed_documents)
    pains = " ".join(q.quote for t in mining.themes for q in t.quotes)
    jobs = " ".join(q.quote for t in mining.jobs for q in t.quotes)
    assert mining.jobs and "reconcil" in jobs and "forecast" in jobs
    assert "reconcil" not in pains and "dislike" not in pains.lower()
    assert mining.value
    doc = draft(corpus, mining)
    assert doc.jobs and {p.role for p in doc.personas} >= {"Administrator", "User"}
    admin = next(p for p in doc.personas if p.role == "Administrator")
    assert admin.jobs and admin.pains
    assert "## What customers hire us for" in render(doc)
