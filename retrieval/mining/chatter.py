"""Telling a problem statement from chatter, by general properties of the sentence.

A problem statement names something: it has a problem cue *and* content words beyond the
cue ("Salesforce sync creates duplicate accounts"). What is left out, and why:

- too little content: agreement, logistics and meta sentences have at most one content
  word once stopwords, discourse words and the cue itself are set aside ("We don't want
  that.", "I want to request a feature.", "This is probably a bug in React.");
- headers: a sentence that ends in a colon introduces what follows ("The error is:");
- denials: the only fault the sentence names is negated ("No major complaints",
  "nothing to dislike", "I have no issues with this program"); and, for an answer to a
  question (a review's "what do you dislike?"), a negated or empty object: once the
  negation, the question's own words, fault and need words, time words and words for the
  product itself are set aside, nothing is left ("There isn't anything I dislike at the
  moment", "Nothing so far", "None that I can think of", "N/A").

In a meeting of one team (no customer account, nobody on the seller's side), its own
plans and mechanics are not problems: a sentence whose only cue is a wish or a need and
whose subject is the team planning ("we need a power source", "we're gonna have a
switch", "let's say we have an LCD screen"), or that speaks of the meeting itself
("I've got a quick presentation", "I'll send the minutes"), with no word naming a fault
(:func:`plans_not_problems`).

The vocabularies are general English (function words, discourse markers, words that name
a fault), not lists fitted to one data set.
"""

from __future__ import annotations

import re

from retrieval.mining.keyphrases import STOPWORDS
from retrieval.mining.speech import FILLERS

MIN_CONTENT_WORDS = 2

PROBLEM_CUES = re.compile(
    r"struggl|problem|\bissue|\bpain|\bhurt|frustrat|annoy|broke|\bbreak|\bfail|error|crash|"
    r"\bbug\b|\bwrong|inaccura|can[' ]?no?t\b|can't|\bunable|doesn'?t work|does not work|"
    r"not work|no way to|\bslow|time[sd]? ?out|too (expensive|small|long|complex|much|many)|"
    r"expensive|manual|by hand|spreadsheet|\bwaste|duplicat|\bmissing|\black|\blos(?:e|es|t|ing)\b|"
    r"churn|nobody|no one|disagree|argu(e|ing|ment)|stuck|block|hard to|difficult|confus|"
    r"\bworr|concern|\brisk|\bneed|\bwant|\bwish|request|would like|please add|support for|"
    r"should be able|instead of|keeps? |every (day|week|monday|friday|quarter)|"
    r"spend[s]? .{0,20}(hours|days|minutes)|no (budget|owner|connector)|not clear|unclear",
    re.I,
)

# Words of conversation that carry no subject: hedges, discourse markers, reporting verbs.
DISCOURSE_TEXT = """
actually ah likely unlikely alright also although anybody anyone anything anyway anyways
anywhere aren't basically bit can't certainly couldn't definitely didn't doesn't don't
else everybody everyone everything gonna gotta guess hadn't hasn't haven't here's i'd
i'll i'm i've isn't it's just kind kinda knew know let let's lets like likes little look
looking looks lot lots maybe mean means nope nothing obviously oh ok okay perhaps pretty
probably quite really right said saw say says see shouldn't somebody someone something
somewhere sort sorta stuff sure tell that's there's they'd they're they've thing things
think though thought told wanna wasn't we'd we'll we're we've well weren't what's
whatever won't wouldn't yeah yep yes you'd you'll you're you've yup
"""
DISCOURSE = frozenset(DISCOURSE_TEXT.split())

_WORD = re.compile(r"[a-z][a-z0-9'’+#-]*[a-z0-9+#]|[a-z]")
_NEGATOR = r"(?:\bno\b|\bnot\b|\bnothing\b|\bnone\b|\bnever\b|n't\b|\bcannot\b|\bwithout\b)"
_FAULT = (r"(?:cons|complaints?|issues?|problems?|defects?|dislikes?|critici[sz]e|negatives?|"
          r"downsides?|drawbacks?|faults?|concerns?|bugs?|improvements?)\b")
# between the negator and the fault: only function words and a few degree words
_BETWEEN = r"(?:\s+(?:[\w'’]+\s+){0,3}?)"
_DENIAL = re.compile(_NEGATOR + _BETWEEN + _FAULT, re.I)
_DENIAL_FILLER_TEXT = """
think find major real big serious significant poor much many particular other any to of
really yet so far had have
"""
_DENIAL_FILLER = frozenset(_DENIAL_FILLER_TEXT.split())


def content_words(text: str) -> list[str]:
    """The words of ``text`` that name something: not stopwords, discourse words, fillers,
    numbers or problem cues."""
    words = [w.strip("'’-") for w in _WORD.findall(text.lower())]
    return [w for w in words if len(w) > 2 and not w.isdigit() and w not in STOPWORDS
            and w not in DISCOURSE and w not in FILLERS and not PROBLEM_CUES.search(w)]


def _denies(text: str) -> bool:
    for match in _DENIAL.finditer(text):
        between = _WORD.findall(match.group(0).lower())[1:-1]
        if all(w in STOPWORDS or w in _DENIAL_FILLER for w in between):
            rest = text[:match.start()] + " " + text[match.end():]
            if not PROBLEM_CUES.search(_NEGATED_CUE.sub(" ", rest)):
                return True
    return False


# a cue that is itself negated elsewhere in the sentence ("I can not think of any cons")
_NEGATED_CUE = re.compile(r"can[' ]?no?t\b|can't|" + _NEGATOR, re.I)


# words that point at what comes next: the sentence introduces content instead of stating it
_POINTER = re.compile(r"\b(?:the following|as follows|below|like this|here is|here are|"
                      r"here's|looks like)\b", re.I)


def chatter_reason(text: str) -> str | None:
    """Why the (cleaned) sentence is not a problem statement, or None when it is one."""
    stripped = text.rstrip()
    content = content_words(stripped)
    if stripped.endswith(":") or (_POINTER.search(stripped)
                                  and len(content) <= MIN_CONTENT_WORDS):
        return "header"
    if len(content) < MIN_CONTENT_WORDS:
        return "too little content"
    if _denies(stripped):
        return "denies a problem"
    return None


# words an answer that denies uses besides its (empty) object: the frame of saying so
_ANSWER_FRAME_TEXT = """
think find found experience experienced come came say encounter encountered notice noticed
see seen dislike disliked dislikes like liked improve improved improvement improvements
need needs needed change changed complain complaint complaints would could should point
mention name list add honestly currently moment present time far now yet date today point
product software app application tool program platform system service feature features
thing things cons con negatives negative downsides downside drawbacks problems issues
worth
"""
_ANSWER_FRAME = frozenset(_ANSWER_FRAME_TEXT.split())
_EMPTY_ANSWER = re.compile(r"^\W*(?:n\s*/?\s*a|none|nothing|nil|no|nope|-+|\.+)\W*$", re.I)


def denies_answer(text: str, question: str) -> bool:
    """True when ``text``, an answer to ``question``, says there is nothing to say: empty,
    or a negated object with no content of its own (see the module's notes)."""
    if _EMPTY_ANSWER.match(text):
        return True
    if not re.search(_NEGATOR, text, re.I):
        return False
    asked = {w[:5] for w in _WORD.findall(question.lower()) if len(w) > 2}
    words = [w.strip("'’-") for w in _WORD.findall(text.lower())]
    left = [w for w in words if len(w) > 2 and not w.isdigit() and w not in STOPWORDS
            and w not in DISCOURSE and w not in FILLERS and w not in _ANSWER_FRAME
            and w[:5] not in asked and not re.fullmatch(_NEGATOR, w)]
    return not left


# cues that ask for something rather than name a fault
_WISH = re.compile(r"\bneed|\bwant|\bwish|request|would like|please add|support for|"
                   r"should be able|instead of|keeps? ", re.I)
# the team as the one who will act: "we need", "we're gonna", "let's", "I'll"
_PLANNER = re.compile(r"\b(?:we|let's|let us|i)(?:'re|'ll|'d|'ve|'m)?(?:\s+[\w']+){0,3}?\s+"
                      r"(?:need|needs|want|wanna|gonna|going to|will|should|could|can|have to|"
                      r"must|might|say|go for)\b|\b(?:we|i)'ll\b|\blet's\b", re.I)
_MECHANICS = re.compile(r"\b(?:agenda|minutes|presentation|present|slides?|meetings?|e-?mails?|"
                        r"next time|whiteboard|break|lunch)\b", re.I)


def plans_not_problems(text: str) -> bool:
    """True when ``text``, said in a meeting of one team, is its planning or the meeting's
    mechanics and names no fault (see the module's notes)."""
    faults = [m.group(0) for m in PROBLEM_CUES.finditer(text) if not _WISH.match(m.group(0))]
    if faults:
        return False
    return bool(_PLANNER.search(text) or _MECHANICS.search(text))


POSITIVE = 0.05  # VADER's own cut: a compound polarity above it reads positive
# the grammar of a wish: a modal or hoping verb, or a comparison asking for change
_WISHED = re.compile(r"\b(?:would|could|should|might|may|hope\w*|wish\w*|if only|more|less|"
                     r"better|easier|faster|cheaper|improv\w*|only thing|except|although|"
                     r"though|but|however|yet)\b", re.I)


def satisfied_answer(text: str, question: str) -> bool:
    """True when ``text``, an answer to a dislikes question, names no fault, lack, wish or
    cost (no problem cue, no negation, no modal or comparison) and reads positive once the
    question's own words are set aside ("I have been happy so far", "easy to use and
    intuitive"): satisfaction or praise, not a pain. Polarity is VADER's (a
    general-purpose sentiment lexicon and rules), not a list of our phrases."""
    if PROBLEM_CUES.search(text) or re.search(_NEGATOR, text, re.I) or _WISHED.search(text):
        return False  # a fault; a negation (a lack: "doesn't have"; denials are apart); a
        # wish or a comparison (a lack put kindly: "would be nice", "could improve", "more")
    asked = {w for w in _WORD.findall(question.lower()) if len(w) > 2}
    kept = " ".join(w for w in text.split() if w.lower().strip(".,;:!?'\"") not in asked)
    return _polarity(kept) > POSITIVE


_ANALYZER: object = None


def _polarity(text: str) -> float:
    global _ANALYZER
    if _ANALYZER is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _ANALYZER = SentimentIntensityAnalyzer()
    return float(_ANALYZER.polarity_scores(text)["compound"])  # type: ignore[attr-defined]
