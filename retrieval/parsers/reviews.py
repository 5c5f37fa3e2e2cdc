"""Customer reviews and survey answers: G2, Capterra, TrustRadius, Gartner Peer Insights,
NPS/CSAT exports.

Each answer becomes its own record, labelled by its question and with a facet read from
the question: ``pain`` (cons, dislikes, what to improve), ``job`` (problems solved, use
case), ``value`` (pros, likes) or ``general``. The reviewer's role feeds personas; their
industry, company size, rating and NPS are attributes; reviewers are current customers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from retrieval.clean import clean_text
from retrieval.records import EvidenceRecord, Kind, Outcome, RowProblem
from retrieval.tables.aliases import normalise_header
from retrieval.tables.columns import Role
from retrieval.tables.rows import Row
from retrieval.tables.schema import TableSchema

FACETS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("job", re.compile(r"problems? .*solv|solv.* problems?|use case|job to be done|"
                       r"business problem|why did you (buy|choose|select)|reasons? for "
                       r"(choosing|switching|buying)|what (are|were) you trying")),
    ("pain", re.compile(r"\bcons?\b|dislike|least|drawbacks?|disadvantages?|worst|improve|"
                        r"could be better|frustrat|negative|problems? with|pain|complain|"
                        r"missing|wish")),
    ("value", re.compile(r"\bpros?\b|like best|like most|\blikes?\b|\bbest\b|benefits?|"
                         r"advantages?|\blove\b|positive|strengths?|recommend")),
    ("general", re.compile(r"review|overall|comment|feedback|summary|experience|"
                           r"anything else|\bwhy\b|verbatim|answer|response")),
)
RATING = re.compile(r"\b(rating|ratings|score|stars?|nps|csat|satisfaction|likelihood to "
                    r"recommend|recommend|overall)\b")
CUSTOMER_OUTCOME = "current customer (reviewer)"
CANONICAL_TEXT = ("title", "notes", "body", "reason")


def question_facet(header: str) -> str | None:
    name = normalise_header(header)
    for facet, pattern in FACETS:
        if pattern.search(name):
            return facet
    return None


def is_review_table(schema: TableSchema) -> bool:
    """Question-named answer columns (pros/cons, likes/dislikes…), or text beside a rating."""
    texts = schema.columns(Role.TEXT)
    if any(question_facet(h) in ("pain", "value", "job") for h in texts):
        return True
    rated = any(RATING.search(normalise_header(h)) for h in schema.columns(Role.NUMBER))
    return rated and bool(texts)


def _answers(schema: TableSchema, row: dict[str, object]) -> list[tuple[str, str, str]]:
    """``(question, raw answer, cleaned answer)`` for each answered question."""
    answers = []
    for name in CANONICAL_TEXT:
        for header in schema.cmap.candidates.get(name, [])[:1]:
            raw = schema.value(row, header)
            text = clean_text(raw)
            if text:
                answers.append((header, raw, text))
    return answers + schema.text_cells(row)


def _slug(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", header.lower()).strip("-")[:40] or "answer"


def review_rows(path: Path, schema: TableSchema, rows: Iterator[Row],
                problems: list[RowProblem]) -> Iterator[EvidenceRecord]:
    for row_no, row in rows:
        answers = _answers(schema, row)
        if not answers:
            problems.append(RowProblem(str(path), row_no, "no answer text; row skipped"))
            continue
        fields = schema.fields(row)
        if fields.get("outcome") in (None, Outcome.UNKNOWN.value):
            fields["outcome"] = Outcome.WON.value
            fields["outcome_raw"] = CUSTOMER_OUTCOME
        for header, raw, text in answers:
            yield EvidenceRecord(
                kind=Kind.REVIEW, text=text, locator=f"row={row_no}:{_slug(header)}",
                title=header, raw=[raw],
                fields={**fields, "question": header[:120],
                        "facet": question_facet(header) or "general"},
            )
