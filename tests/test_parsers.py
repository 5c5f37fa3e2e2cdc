"""Each evidence format parses into records with provenance."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from agent.base.errors import IngestError
from retrieval.parsers import read_all
from retrieval.records import Kind
from retrieval.tables.columns import Role

from .conftest import SAMPLE_DATA, shared_data


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# -- win-loss ------------------------------------------------------------------------------

def test_hubspot_style_export(tmp_path: Path) -> None:
    records, source = read_all(SAMPLE_DATA / "winloss" / "crm_opportunities.csv")
    assert source.kind is Kind.WINLOSS
    assert len(records) == 24
    acme = records[0]
    assert acme.locator == "row=2"
    assert acme.fields["account"] == "Acme Analytics"
    assert acme.fields["outcome"] == "won"
    assert acme.fields["employees"] == 420
    assert "duplicate accounts" in acme.text
    assert source.schema.profile("Deal Name").role is Role.IDENTIFIER
    assert acme.fields["record_id"] == "Acme Analytics - Growth"
    outcomes = {r.fields["outcome"] for r in records}
    assert outcomes == {"won", "lost", "churned", "open"}


def test_semicolon_delimiter_quoted_newlines_and_bom(tmp_path: Path) -> None:
    text = ('\ufeffAccount Name;Stage;Loss Reason;Comments\n'
            'Globex;Closed Lost;Price;"Line one\nline two"\n'
            'Initech;Closed Won;;"Loved the; demo"\n')
    records, _ = read_all(write(tmp_path / "sf.csv", text))
    assert [r.fields["account"] for r in records] == ["Globex", "Initech"]
    assert "Line one\nline two" in records[0].text
    assert records[0].fields["reason"] == "Price"
    assert records[1].locator == "row=3"


def test_xlsx_export(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Company", "Outcome", "Industry", "Employees", "Notes"])
    sheet.append(["Hooli", "Won", "Software", 1200, "Fast security review"])
    sheet.append([None, None, None, None, None])
    sheet.append(["Pied Piper", "Lost", "Software", 12.0, "Too small"])
    path = tmp_path / "deals.xlsx"
    book.save(path)
    records, source = read_all(path)
    assert source.kind is Kind.WINLOSS
    assert [(r.fields["account"], r.fields["employees"]) for r in records] == [
        ("Hooli", 1200), ("Pied Piper", 12)]
    assert records[1].locator == "row=4"


def test_maven_crm_join_parses_as_winloss(tmp_path: Path) -> None:
    accounts = {r["account"]: r for r in csv.DictReader(
        shared_data("crm_maven/accounts.csv").open(encoding="utf-8"))}
    out = tmp_path / "maven.csv"
    with shared_data("crm_maven/sales_pipeline.csv").open(encoding="utf-8") as fh, \
            out.open("w", newline="", encoding="utf-8") as dst:
        rows = list(csv.DictReader(fh))[:300]
        fields = list(rows[0]) + ["sector", "employees", "revenue", "office_location"]
        writer = csv.DictWriter(dst, fields)
        writer.writeheader()
        for row in rows:
            acc = accounts.get(row["account"], {})
            writer.writerow({**row, **{k: acc.get(k, "") for k in fields[len(row):]}})
    records, source = read_all(out)
    assert source.kind is Kind.WINLOSS
    won = [r for r in records if r.fields["outcome"] == "won"]
    assert won and all("industry" in r.fields for r in won if r.fields.get("account"))
    assert source.schema.profile("sales_agent").role is Role.PII  # person names
    assert source.schema.profile("opportunity_id").field == "record_id"
    assert source.schema.profile("close_date").field == "date"
    assert records[0].fields["date:engage_date"] == "2016-10-20"
    assert "sales_agent" not in str(records[0].fields)


def test_notes_file_with_front_matter() -> None:
    records, source = read_all(SAMPLE_DATA / "winloss" / "notes_northwind_loss.md")
    assert source.kind is Kind.WINLOSS
    (note,) = records
    assert note.locator == "note"
    assert note.fields["outcome"] == "lost"
    assert note.fields["industry"] == "Manufacturing"
    assert "without a native Dynamics connector" in note.text  # hard wraps joined


def test_missing_outcome_column_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "deals.csv", "Company,Notes\nA,b\n")
    with pytest.raises(IngestError, match=r"deals.csv: missing required column 'outcome'"):
        read_all(path, Kind.WINLOSS)


def test_row_without_outcome_is_skipped_with_its_row_number(tmp_path: Path) -> None:
    path = write(tmp_path / "deals.csv", "Company,Outcome\nA,Won\nB,\nC,Lost\n")
    records, source = read_all(path)
    assert [r.fields["account"] for r in records] == ["A", "C"]
    assert [str(p) for p in source.problems] == [f"{path}, row 3: no outcome value; row skipped"]


# -- tickets -------------------------------------------------------------------------------

def test_nlbse_github_issues_csv() -> None:
    records, source = read_all(shared_data("tickets_nlbse/issues_test.csv"))
    assert source.kind is Kind.TICKET
    assert len(records) == 1500
    first = records[0]
    assert first.title.startswith("Bug: [18.3.0-canary] renderToString")
    assert "Please provide a clear" not in first.text  # template comment removed
    assert first.fields["repo"] == "facebook/react"
    assert first.fields["tags"] == "bug"


def test_zendesk_json_export() -> None:
    records, source = read_all(SAMPLE_DATA / "tickets" / "helpdesk_export.json")
    assert source.kind is Kind.TICKET
    assert len(records) == 12
    assert records[0].fields["account"] == "Acme Analytics"
    assert records[0].fields["requester"] == "Maya Chen"
    assert records[0].fields["tags"] == "sync, duplicates"
    assert "<p>" not in records[0].text and "<b>" not in records[0].text


def test_github_issue_json_shape(tmp_path: Path) -> None:
    issues = [{"number": 7, "title": "Crash on save", "body": "It crashes.\n```\nSegfault\n```",
               "labels": [{"name": "bug"}, {"name": "p1"}], "user": {"login": "octo"},
               "created_at": "2024-01-01T00:00:00Z"}]
    records, source = read_all(write(tmp_path / "issues.json", json.dumps(issues)))
    assert source.kind is Kind.TICKET
    assert records[0].fields["tags"] == "bug, p1"
    assert records[0].fields["requester"] == "octo"
    assert "Segfault" in records[0].text


def test_intercom_jsonl_with_a_bad_line(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "1", "source": {"subject": "Export broken",
                                          "body": "<p>CSV export fails</p>", "author": "A"}}),
        "{not json",
        json.dumps({"id": "3", "title": "Slow sync", "body": "Takes an hour"}),
    ]
    path = write(tmp_path / "conv.jsonl", "\n".join(lines) + "\n")
    records, source = read_all(path, Kind.TICKET)
    assert [r.title for r in records] == ["Export broken", "Slow sync"]
    assert records[0].text.endswith("CSV export fails")
    assert len(source.problems) == 1 and source.problems[0].row == 2


# -- transcripts ---------------------------------------------------------------------------

def test_speaker_turn_json_list(tmp_path: Path) -> None:
    turns = [{"speaker": "Ana (VP Sales)", "content": "Our forecast is always wrong by a lot."},
             {"speaker": "Ana (VP Sales)", "content": "And reps hate updating the CRM."},
             {"speaker": "Rep", "content": "Understood, thanks for sharing that."}]
    records, source = read_all(write(tmp_path / "call.json", json.dumps(turns)))
    assert source.kind is Kind.TRANSCRIPT
    assert len(records) == 2  # same-speaker turns merged
    assert records[0].fields["speaker"] == "Ana"
    assert records[0].fields["role"] == "VP Sales"
    assert records[0].text.endswith("reps hate updating the CRM.")


def test_gong_like_json() -> None:
    records, source = read_all(SAMPLE_DATA / "transcripts" / "call_harborline.json")
    assert source.kind is Kind.TRANSCRIPT
    sam = records[1]
    assert sam.fields["speaker"] == "Sam Patel"
    assert sam.fields["role"] == "Head of Revenue Operations"
    assert sam.fields["account"] == "Harborline Software"
    assert sam.fields["outcome"] == "won"
    assert "reps do not log activities. They finish a call" in sam.text


def test_webvtt_voice_tags_merge_cues() -> None:
    records, _ = read_all(SAMPLE_DATA / "transcripts" / "discovery_brightpath.vtt")
    priya = records[1]
    assert priya.fields["speaker"] == "Priya Natarajan"
    assert "whose numbers are right." in priya.text and "reconciling lead counts" in priya.text
    assert records[0].locator == "turn=1"


def test_srt_with_speaker_prefixes(tmp_path: Path) -> None:
    srt = ("1\n00:00:01,000 --> 00:00:03,000\nKim: We lose deals because onboarding takes\n\n"
           "2\n00:00:03,500 --> 00:00:05,000\nsix weeks for every new customer.\n\n"
           "3\n00:00:06,000 --> 00:00:08,000\nLee: That matches what support sees too.\n")
    records, source = read_all(write(tmp_path / "call.srt", srt))
    assert source.kind is Kind.TRANSCRIPT
    assert [r.fields["speaker"] for r in records] == ["Kim", "Lee"]
    assert records[0].text == (
        "We lose deals because onboarding takes six weeks for every new customer.")


def test_plain_text_transcript_with_front_matter() -> None:
    records, source = read_all(SAMPLE_DATA / "transcripts" / "renewal_call_corvus.txt")
    assert source.kind is Kind.TRANSCRIPT
    assert records[0].fields["account"] == "Corvus Security"
    assert {r.fields["speaker"] for r in records} == {"Nadia Osei", "Helen Carter", "Tom Alvarez"}
    assert all(len(r.text.split()) >= 3 for r in records)  # "Great. Okay." is dropped


# -- detection and bad files ---------------------------------------------------------------

def test_unsupported_and_undetectable_files(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="unsupported file type '.pdf'"):
        read_all(write(tmp_path / "deck.pdf", "%PDF-1.4"))
    with pytest.raises(IngestError, match="cannot tell whether this is win-loss, ticket or review"):
        read_all(write(tmp_path / "x.csv", "foo,bar\n1,2\n"))
    with pytest.raises(IngestError, match=r"malformed JSON at line 1"):
        read_all(write(tmp_path / "x.json", "[{"))
    with pytest.raises(IngestError, match="no such file"):
        read_all(tmp_path / "missing.csv")
