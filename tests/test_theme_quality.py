"""Themes a revops lead can read: speech cleaning, chatter, readable labels, recurrence,
the echo check on LLM labels, and the theme eval's graders.

Transcript lines are real: AMI meetings ES2003b, ES2007b, ES2008b, ES2012b (QMSum, MIT),
as in ``evals/datasets/evidence/meetings_ami``. Review lines are real Capterra cons of
Forms On Fire (``evals/datasets/evidence/reviews_capterra``).
"""

from __future__ import annotations

import numpy as np
import pytest

from agent.base.quotes import is_verbatim
from agent.llm.echo import echoes, instructions
from agent.llm.prompts import load_prompt
from agent.llm.schemas import ThemeLabel
from evals.graders import gold_pain_of, is_readable_label
from retrieval.corpus import Corpus, EvidenceChunk
from retrieval.mining.chatter import chatter_reason, plans_not_problems
from retrieval.mining.labels import readable_label
from retrieval.mining.speech import clean_span, clean_speech
from retrieval.mining.statements import find_statements, recurrence_source
from retrieval.mining.themes import mine

LOST = ("Anyway um and they also {disfmarker} remotes often get lost in the room , "
        "so nobody can find them .")


def test_speech_is_cleaned_for_mining_and_quoted_verbatim() -> None:
    assert clean_speech(LOST) == ("Anyway and they also remotes often get lost in the room, "
                                  "so nobody can find them.")
    assert clean_speech("w we need to s identify things that {vocalsound} people need") == \
        "we need to identify things that people need"
    assert clean_speech("the the remote , uh , sugges suggested [inaudible] (laughs) it") == \
        "the remote, suggested it"
    assert clean_speech("speaking to the T_V_ and the T.V. too") == \
        "speaking to the TV and the TV too"
    span = clean_span(LOST)
    assert span == "remotes often get lost in the room , so nobody can find them ."
    assert span in LOST  # verbatim: the grounding check passes against the record


def test_transcript_statements_quote_clean_spans_of_the_record() -> None:
    meta = {"kind": "transcript", "source_id": "ES2007b.json#turn=224", "speaker": "Marketing"}
    chatter = "So {disfmarker} I don't think that's a big problem ."
    found = find_statements([("c1", f"{LOST} {chatter} Do you want to {{disfmarker}} yeah .",
                              meta)])
    assert [s.text for s in found] == ["remotes often get lost in the room , so nobody can "
                                       "find them ."]
    (statement,) = found
    assert "{" not in statement.clean and " um " not in statement.clean
    assert is_verbatim(statement.text, LOST)


@pytest.mark.parametrize(("sentence", "reason"), [
    ("We don't want that.", "too little content"),
    ("I want to request a feature.", "too little content"),
    ("This is probably a bug in React.", "too little content"),
    ("Do you want to just carry on with", "too little content"),
    ("The error output looks like:", "header"),
    ("It throws the following error.", "header"),
    ("No major complaints right now.", "denies a problem"),
    ("I have no issues with this program.", "too little content"),
    ("There are no defects regarding the application tools.", "denies a problem"),
    ("Not much to dislike in the mobile app builder.", "denies a problem"),
    ("I can find nothing to criticize in the app.", "denies a problem"),
    ("Remote controls are often lost somewhere.", None),
    ("There is no way to fix this issue in the admin console.", None),
    ("Salesforce sync creates duplicate accounts every week.", None),
    ("This error appears when I run the following command on Windows.", None),
])
def test_chatter_is_told_from_problem_statements(sentence: str, reason: str | None) -> None:
    assert chatter_reason(sentence) == reason


def test_offline_labels_are_phrases_from_a_representative_statement() -> None:
    label = readable_label([clean_speech(clean_span(LOST))], ["lost", "room", "find"])
    assert label == "Remotes often get lost in the room"
    assert readable_label(["- Lots of bugs in the features"], ["bugs", "features"]) == \
        "Lots of bugs in the features"
    assert is_readable_label(label)


@pytest.mark.parametrize(("label", "readable"), [
    ("People lose the remote control", True),
    ("Salesforce sync creates duplicate accounts", True),
    ("disfmarker / think / don't", False),
    ("remote / control / people", False),
    ("{vocalsound} remote", False),
    ("Um the remote", False),
    ("Our remote control would only be", False),
    ("the the buttons", False),
    ("Remote", False),
])
def test_label_readability_grader(label: str, readable: bool) -> None:
    assert is_readable_label(label) is readable


def test_gold_pain_needs_several_quotes_from_several_sources() -> None:
    patterns = {"lost": r"\blos[et]\b|can'?t find", "price": r"\bprice"}
    two_meetings = [("Remotes are often lost.", "a.json"), ("They can't find it.", "b.json"),
                    ("The price is fine.", "a.json")]
    assert gold_pain_of(two_meetings, patterns) == "lost"
    one_meeting = [("Remotes are often lost.", "a.json"), ("We lost it.", "a.json")]
    assert gold_pain_of(one_meeting, patterns) is None


def test_recurrence_source_is_the_account_person_row_or_file() -> None:
    assert recurrence_source("deals.csv#row=3", "winloss", {"account": "Acme"}) == "account:acme"
    assert recurrence_source("t.csv#row=3", "ticket", {"author": "Ann"}) == "person:ann"
    assert recurrence_source("r.csv#row=9:cons", "review", {}) == "r.csv#row=9"
    assert recurrence_source("ES2002b.json#turn=40", "transcript", {}) == "ES2002b.json"


def _chunk(i: int, text: str, source: str, vector: np.ndarray) -> EvidenceChunk:
    return EvidenceChunk(id=f"c{i}", text=text, vector=vector, meta={
        "kind": "transcript", "source_id": f"{source}#turn={i}", "locator": f"turn={i}"})


def test_a_theme_from_one_source_ranks_below_recurring_ones() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=16), rng.normal(size=16)
    battery = ["The battery cover keeps breaking off.", "Our battery cover broke twice.",
               "That battery cover problem again.", "The cover of the battery fails."]
    sofa = ["People lose the remote under the sofa.", "We lost the remote behind the sofa.",
            "Kids lose remotes in the sofa cushions.", "The remote gets lost under sofas."]
    one_meeting = [_chunk(i, text, "m1.json", a + 0.01 * rng.normal(size=16))
                   for i, text in enumerate(battery)]
    three_meetings = [_chunk(10 + i, text, f"m{i % 3 + 2}.json", b + 0.01 * rng.normal(size=16))
                      for i, text in enumerate(sofa)]
    corpus = Corpus(one_meeting + three_meetings)
    result = mine(corpus, lambda texts: [np.ones(16) for _ in texts])
    assert [t.sources for t in result.themes] == [3, 1]
    assert result.themes[0].recurring and not result.themes[1].recurring
    assert "sofa" in result.themes[0].label or "lose" in result.themes[0].label


def test_an_llm_label_that_repeats_the_prompt_is_an_echo() -> None:
    told = instructions(load_prompt("theme_label", None), ThemeLabel)
    quotes = ["Remote controls are often lost somewhere .", "frustrated with losing remotes ."]
    assert echoes("A short name for the shared pain point.", told, quotes)
    assert echoes("Recurring customer pain points", told, quotes)
    assert not echoes("Remotes get lost", told, quotes)
    assert not echoes("People lose their remote", told, quotes)


def test_a_form_line_filled_with_different_identifiers_is_a_template() -> None:
    """Pasted tracebacks ("ValueError Traceback (most recent call last)") differ only in the
    exception's name; eight tickets of them are form text, not eight customers' words."""
    meta = {"kind": "ticket"}
    names = ["ValueError", "TypeError", "KeyError", "IndexError", "MemoryError", "NameError",
             "RuntimeError", "ImportError"]
    chunks = [(f"c{i}", f"{name} Traceback (most recent call last) fails here.",
               {**meta, "source_id": f"t.csv#row={i}"}) for i, name in enumerate(names)]
    tails = ["the disk is full", "tracing twice", "the GPU runs out", "loading a checkpoint",
             "saving to S3", "the graph is empty", "using mixed precision", "on Windows"]
    chunks += [(f"d{i}", f"Crashes in model.save_{i} when {tail}.",
                {**meta, "source_id": f"t.csv#row={10 + i}"}) for i, tail in enumerate(tails)]
    texts = [s.text for s in find_statements(chunks)]
    assert not any("Traceback" in t for t in texts)
    assert sum("Crashes in" in t for t in texts) == 8  # different objects: not a form line


@pytest.mark.parametrize(("text", "plan"), [
    ("We need a power source, we're gonna need a smart chip to make it work.", True),
    ("We could let's say we have an LCD screen on it.", True),
    ("We really want to focus on the remote control itself.", True),
    ("I'll send the minutes to everyone after lunch.", True),
    ("We have thirty minutes of individual work now.", True),
    ("People lose their remote controls all the time.", False),
    ("There are too many buttons, it just needs to be easy to use.", False),
    ("We need this because the current remote is too complex.", False)])
def test_a_teams_plans_and_meeting_mechanics_are_no_problems(text: str, plan: bool) -> None:
    assert plans_not_problems(text) is plan


def test_plans_are_dropped_in_team_meetings_only() -> None:
    said = "We need a connector for Dynamics before the rollout."
    meeting = {"kind": "transcript", "source_file": "design.json", "role": "Designer",
               "source_id": "design.json#turn=3"}
    call = {**meeting, "source_file": "call.json", "account": "Acme",
            "source_id": "call.json#turn=3"}
    assert [s.text for s in find_statements([("m", said, meeting)])] == []
    assert [s.text for s in find_statements([("c", said, call)])] == [said]
