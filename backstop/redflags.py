"""Red-flag detector: does this message describe an emergency in the user, now?

Built on a blank spaCy pipeline (tokenizer + PhraseMatcher) whose concepts come
from ``knowledge/red_flag_patterns.yml``. A red flag fires when all concepts of
one combination occur in one sentence about the user now, which ConText
(:mod:`backstop.context`) decides: not negated, not someone else, not a
hypothetical or general question, not a healed past event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from backstop import answers, context, knowledge, spelling

PATTERNS_FILE = knowledge.KNOWLEDGE_DIR / "red_flag_patterns.yml"
POSSIBLE = "possible_red_flag"  # the conditional safety reply, not a red flag of its own
NOT_DETECTED = {"possible_cauda_equina"}  # a "yes" to the bladder/bowel/saddle screen that names nothing
LEVEL_RANK = {"emergency": 0, "urgent": 1}
MAX_CHARS = 200_000  # read all of any message a channel accepts
SHORT_MESSAGE_WORDS = 12

_CONTRACTIONS = [
    (r"\bcan'?t\b|\bcannot\b|\bcanot\b|\bcnt\b", "can not"),
    (r"\bcouldn'?t\b|\bcouldnt\b", "could not"),
    (r"\bwon'?t\b", "will not"),
    (r"\bdon'?t\b", "do not"),
    (r"\bdoesn'?t\b", "does not"),
    (r"\bdidn'?t\b", "did not"),
    (r"\bisn'?t\b", "is not"),
    (r"\baren'?t\b", "are not"),
    (r"\bwasn'?t\b", "was not"),
    (r"\bweren'?t\b", "were not"),
    (r"\bhaven'?t\b", "have not"),
    (r"\bhasn'?t\b", "has not"),
    (r"\bhadn'?t\b", "had not"),
    (r"\bshouldn'?t\b", "should not"),
    (r"\bi'?m\b", "i am"),
    (r"\b(nothing|it|that|what|there|everything)'s\b", r"\1 is"),
    (r"\bi'?ve\b", "i have"),
    (r"\b(they|you|we)'re\b", r"\1 are"),
    (r"\b(he|she)'s\b", r"\1 is"),
    (r"\bi'?d\b", "i had"),
    (r"\bu\b", "you"),
    (r"\bur\b", "your"),
    (r"\bcuz\b|\bcoz\b|\bcos\b", "because"),
    (r"\bw/o\b", "without"),
    (r"\bn\b", "and"),
    (r"\bw/\b", "with"),
]
_CONTRACTIONS_RE = [(re.compile(p), r) for p, r in _CONTRACTIONS]

_SENTENCE_SPLIT = re.compile(r"[.!?;\n]+(?:\s|$)|[!?;\n]+")

@dataclass(frozen=True)
class RedFlagHit:
    """One detected red flag: which, at what level, and the words that carried it."""

    flag_id: str
    level: str
    evidence: str


# A body temperature written as a number ("temp is 38.8", "101F", "temperature 39") reads as fever.
_TEMPERATURE = re.compile(
    r"\b(?:3[89]|4[01])[.,]\d\s*(?:°|c\b|degrees)?(?!\s*(?:km|k\b|kg|mi|miles|lbs?|%))"
    r"|\b10[0-4](?:\.\d)?\s*(?:°\s*f|f\b|degrees)"
    r"|\btemp(?:erature)?\s*(?:is|was|of|at|says|reads|hit|up to)?\s*(?:3[89]|4[01])(?:[.,]\d)?\b"
)


_METRES = re.compile(r"\b(\d+(?:\.\d+)?)\s?m\b")
# A pain score of 8 to 10 out of 10 reads as severe.
_SCORE = re.compile(r"\b(?:8|9|10)(?:\.\d)?\s*(?:/|out of)\s*10\b")


_EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]+\ufe0f?")


_AFFIRM_FOLLOWERS = {",", "right", "now", "today", "too", "as", "at", "currently", "since", "and", "lol", "actually",
                     "really", "yes", "yeah", "though", "honestly", "literally", "already"}
# a short question answered with a bare no ("night sweats? no. pain at night? yes")
_ASKED_AND_DENIED = re.compile(r"(^|[.!?,;]\s*)([a-z][a-z' ]{0,30}?)\?\s*(?:no|nope|nah|never|none)\b"
                               r"(?!\s+(?:idea|clue|sure|longer|more))")

# a sentence that ends by saying no to what it has just described ("the only fever is Saturday Night
# Fever, so no", "took my temperature and it was normal so that's a no")
_SO_NO = re.compile(r"(^|[.!?;]\s*)([^.!?;]{1,80}?)" + answers.SO_NO + r"(?=[.!?;]|$)")


def _normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = _TEMPERATURE.sub(" fever ", text)
    text = text.replace("+", " plus ")
    text = _METRES.sub(r"\1 metres", text)
    text = _SCORE.sub(" severe ", text)
    text = re.sub(r"[\u200b-\u200f\u202a-\u202e\u2060\ufeff]", "", text)
    text = _EMOJI.sub(" , ", text)  # "my wee is brown 😅 is that normal?": an emoji ends a clause
    text = _ASKED_AND_DENIED.sub(r"\1no \2 ,", text)  # "night sweats? no." denies night sweats
    text = _SO_NO.sub(r"\1no \2 ,", text)
    for pattern, repl in _CONTRACTIONS_RE:
        text = pattern.sub(repl, text)
    return text


@dataclass(frozen=True)
class Detection:
    """What one message says about red flags.

    ``hits`` are complete red flags about the user now. ``candidates`` are the red flags
    one of whose concepts was mentioned about the user now without completing a rule
    ("my bladder feels weird"): what a conditional safety reply asks about.
    ``concepts`` are those concepts, for combining evidence across a conversation.
    ``ruled_out`` are warning-sign concepts mentioned only negated, as a question, in the
    past or about someone else ("no numbness", "my dad's legs are weak"), and any concept whose
    words were gym slang or an idiom ("fell out of my routine"): the learned signal cannot read
    that context, so it does not overrule ConText there. ``denied`` are the concepts ConText put out
    of scope anywhere in the message, even if said of the user elsewhere in it ("No pop. The only
    thing that popped was the champagne"): a question's subject is not lent to them.
    """

    hits: tuple[RedFlagHit, ...]
    candidates: tuple[str, ...]
    concepts: tuple[str, ...]
    ruled_out: tuple[str, ...] = ()
    denied: tuple[str, ...] = ()


class RedFlagDetector:
    """Detects red flags in one message. Build once (see :func:`default`), call often."""

    def __init__(self, patterns: dict[str, Any], kb: knowledge.KnowledgeBase,
                 ctx: context.ConText | None = None) -> None:
        import spacy  # deferred: importing spaCy is slow and only the detector needs it
        from spacy.matcher import PhraseMatcher

        self.nlp = spacy.blank("en")
        self.context = ctx or context.default()
        self.levels = {fid: flag["level"] for fid, flag in kb.red_flags.items()}
        self.ongoing = set(patterns.get("ongoing") or [])
        self.affirms_previous = [_normalise(p).split() for p in patterns.get("affirms_previous") or []]
        self.suggestive = set(patterns.get("suggestive") or [])
        self.rules: dict[str, list[list[str]]] = {}
        for fid, spec in patterns["red_flags"].items():
            if fid not in self.levels:
                raise knowledge.KnowledgeError(f"red_flag_patterns.yml: entry '{fid}': not in red_flags.yml")
            self.rules[fid] = spec["any_of"]
        missing = set(self.levels) - set(self.rules) - {POSSIBLE, *NOT_DETECTED}
        if missing:
            raise knowledge.KnowledgeError(f"red_flag_patterns.yml: no patterns for {sorted(missing)}")
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        clinical_words: set[str] = set()
        for concept, phrases in patterns["concepts"].items():
            docs = [self.nlp.make_doc(_normalise(p)) for p in phrases]
            self.matcher.add(concept, docs)
            for d in docs:
                clinical_words.update(t.text for t in d if t.is_alpha)
        for rule_list in self.rules.values():
            for combo in rule_list:
                unknown = [c for c in combo if c.lstrip("-") not in patterns["concepts"]]
                if unknown:
                    raise knowledge.KnowledgeError(f"red_flag_patterns.yml: unknown concept {unknown[0]}")
        unknown = set(patterns["spread_both_legs"]["nerve"]) - set(patterns["concepts"])
        if unknown:
            raise knowledge.KnowledgeError(
                f"red_flag_patterns.yml: spread_both_legs: unknown concept {sorted(unknown)[0]}")
        unknown = self.suggestive - set(patterns["concepts"])
        if unknown:
            raise knowledge.KnowledgeError(f"red_flag_patterns.yml: suggestive: unknown concept {sorted(unknown)[0]}")
        self.sentence_only = frozenset(patterns.get("sentence_only") or [])
        unknown = ({c for key, out in (patterns.get("settles") or {}).items() for c in [key, *out]}
                   | self.sentence_only) - set(patterns["concepts"])
        if unknown:
            raise knowledge.KnowledgeError(f"red_flag_patterns.yml: settles: unknown concept {sorted(unknown)[0]}")
        self.slang = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.slang.add("SLANG", [self.nlp.make_doc(_normalise(p)) for p in patterns["slang"]])
        self.slang_regex = [re.compile(p) for p in patterns.get("slang_regex") or []]
        # words of the knowledge base are English to the detector too: only clinical words are targets
        prose = " ".join(p.read_text(encoding="utf-8").lower() for p in knowledge.KNOWLEDGE_DIR.glob("*.yml"))
        # the context's own words are targets too: "right leg is normall" still says the leg is fine
        self.speller = spelling.Speller(clinical_words | self.context.words(), re.findall(r"[a-z]+", prose))

    def detect(self, text: str) -> list[RedFlagHit]:
        """All red flags in ``text`` about the user now, most severe first."""
        return list(self.analyse(text).hits)

    def analyse(self, text: str) -> Detection:
        """Red flags, candidate red flags and concepts about the user now in ``text``."""
        if not text or not text.strip():
            return Detection((), (), ())
        text = _normalise(text[:MAX_CHARS])
        hits: dict[str, RedFlagHit] = {}
        concepts: dict[str, str] = {}
        modified: set[str] = set()
        idioms: set[str] = set()
        sentences = [s for s in _SENTENCE_SPLIT.split(text) if s.strip()]
        if len(text.split()) <= SHORT_MESSAGE_WORDS and not any(
                self.context.asks_meaning(re.findall(r"[a-z]+", x)) for x in sentences):
            sentences = [" , ".join(sentences)]  # "pop. then pain. cant move." is one thought
        personal = self.context.speaks_of_writer(re.findall(r"[a-z]+", text))
        for i, sentence in enumerate(sentences):
            found = self._concepts(sentence, modified, personal, idioms)
            if i and self._affirms(sentence):  # "is it bad if it runs down both legs? cos mine does"
                found = {**self._concepts(sentences[i - 1], set(), True, set(), ignore={"hypothetical"}), **found}
            for concept, words in found.items():
                concepts.setdefault(concept, words)
            for hit in self.complete(found):
                hits.setdefault(hit.flag_id, hit)
        # "POP then agony. cant stand"; not a vague word of another sentence ("nothing changed")
        joined = across_turns([c for c in concepts if c not in self.sentence_only]) if len(sentences) > 1 else None
        if joined and joined not in hits:
            hits[joined] = RedFlagHit(joined, self.levels[joined], " … ".join(concepts))
        ordered = sorted(hits.values(), key=lambda h: LEVEL_RANK[h.level])
        candidates = [fid for fid in self.candidates(concepts) if fid not in hits]
        ruled_out = sorted({c for c in modified - set(concepts) if c in self.suggestive} | (idioms - set(concepts)))
        return Detection(tuple(ordered), tuple(candidates), tuple(concepts), tuple(ruled_out), tuple(sorted(modified)))

    def complete(self, found: dict[str, str] | set[str] | tuple[str, ...]) -> list[RedFlagHit]:
        """The red flags whose every concept of one combination is in ``found``, most severe first."""
        words = found if isinstance(found, dict) else {c: c for c in found}
        hits = []
        for fid, combos in self.rules.items():
            for combo in combos:
                if holds(combo, words):
                    hits.append(RedFlagHit(fid, self.levels[fid],
                                           " … ".join(words[c] for c in combo if c in words)))
                    break
        return sorted(hits, key=lambda h: LEVEL_RANK[h.level])

    def candidates(self, found: dict[str, str] | set[str] | tuple[str, ...]) -> list[str]:
        """Red flags one of whose warning-sign concepts (``suggestive`` in the pattern file) is in
        ``found``, most severe first."""
        out = [fid for fid, combos in self.rules.items()
               if any(c in found and c in self.suggestive for combo in combos for c in combo)]
        return sorted(out, key=lambda fid: LEVEL_RANK[self.levels[fid]])

    def _affirms(self, sentence: str) -> bool:
        """Whether a sentence opens by saying the question before it is about the writer."""
        words = re.findall(r"[a-z']+|,", sentence)
        # "cos mine does right now" affirms; "mine does help", "i do not have one" say something else
        return any(words[:len(p)] == p and (len(words) == len(p) or words[len(p)] in _AFFIRM_FOLLOWERS)
                   for p in self.affirms_previous)

    def _concepts(self, sentence: str, modified: set[str], personal: bool = False,
                  idioms: set[str] | None = None, ignore: frozenset[str] | set[str] = frozenset()) -> dict[str, str]:
        """Concepts of this sentence about the user now: concept -> the words that said it.
        Concepts ConText puts out of scope (negated, someone else's...) are added to ``modified``,
        those inside gym slang or an idiom to ``idioms``."""
        idioms = set() if idioms is None else idioms
        from spacy.tokens import Doc

        raw = self.nlp.make_doc(sentence)
        doc = Doc(self.nlp.vocab, words=[self.speller.correct(t.text) for t in raw],
                  spaces=[bool(t.whitespace_) for t in raw])
        masked: set[int] = set()
        for _, s, e in self.slang(doc):
            masked.update(range(s, e))
        for pattern in self.slang_regex:
            for m in pattern.finditer(doc.text):
                span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
                if span is not None:
                    masked.update(range(span.start, span.end))
        all_matches = [(s, e, self.nlp.vocab.strings[mid]) for mid, s, e in self.matcher(doc)]
        matches = [m for m in all_matches if not masked.intersection(range(m[0], m[1]))]
        # words the detector read as an idiom ("fell out of my routine") are ruled out like a negation
        idioms.update(c for s, e, c in all_matches if masked.intersection(range(s, e)))
        if not matches:
            return {}
        cats = self.context.analyse([t.lower_ for t in doc], matches, personal)
        found: dict[str, str] = {}
        for index, (s, e, concept) in enumerate(matches):
            if cats[index] - ignore:
                modified.add(concept)
            elif concept not in found:
                found[concept] = doc[s:e].text
        return found


@dataclass(frozen=True)
class Decision:
    """What Backstop does with one message: ``escalate`` a red flag, ``check`` (the conditional
    safety reply, asking about ``candidates``), or ``none``."""

    action: str
    flag_id: str | None = None
    level: str | None = None
    candidates: tuple[str, ...] = ()


# The learned signal's vote (the intent classifier's confidence in report_red_flag when the
# detector is silent). Set from measured data: see README "Red flags" and scripts/eval_redflags.py.
CLASSIFIER_CHECK_THRESHOLD = 0.9


def decide(detection: Detection, classifier_confidence: float, would_fall_back: bool) -> Decision:
    """Detector first; a confident classifier or an unclear message with a warning-sign word is
    never left to the fallback: it gets the conditional safety reply (biased to safety). A message
    whose only warning signs ConText ruled out ("no weakness at all") is not checked: the classifier
    reacts to the topic words and cannot read the negation."""
    if detection.hits:
        top = detection.hits[0]
        return Decision("escalate", top.flag_id, top.level)
    if detection.ruled_out and not detection.candidates:
        return Decision("none")
    if classifier_confidence >= CLASSIFIER_CHECK_THRESHOLD or (would_fall_back and detection.candidates):
        return Decision("check", POSSIBLE, None, detection.candidates[:3])
    return Decision("none")


@lru_cache(maxsize=1)
def _patterns() -> dict[str, Any]:
    return load_patterns()


def holds(combo: list[str] | tuple[str, ...], found: Any) -> bool:
    """Every concept of one combination is in ``found`` and none of those it excludes ("-SELF_CARE":
    painkillers named among heat and stretches that have not helped is self-care failing, not pain
    that painkillers cannot control)."""
    return all((c[1:] not in found) if c.startswith("-") else (c in found) for c in combo)


@lru_cache(maxsize=1)
def _across_turn_rules() -> tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]:
    patterns = _patterns()
    allowed = patterns.get("across_turns") or []
    return tuple((fid, tuple(tuple(c) for c in patterns["red_flags"][fid]["any_of"])) for fid in allowed)


def across_turns(concepts: list[str] | set[str] | tuple[str, ...]) -> str | None:
    """The red flag that this session's concepts complete together ("a pop" in one answer and "can't
    get off the bench" in the next), for the red flags the pattern file allows across turns."""
    found = set(concepts)
    for fid, combos in _across_turn_rules():
        if any(holds(combo, found) for combo in combos):
            return fid
    return None


def in_answer_to(question: str, concepts: list[str] | set[str] | tuple[str, ...]) -> str | None:
    """The red flag a reply completes with what the question it answers implies (question_context in
    the pattern file), most severe first; None when it completes none or says what the question's
    implication is not (``unless``: "it cracked, felt better right after" to the pop question)."""
    spec = (_patterns().get("question_context") or {}).get(question)
    found = {c for c in concepts if c in set(spec["partners"])} if spec else set()
    if not found or set(spec.get("unless") or ()) & set(concepts):
        return None
    present = found | set(spec["implies"])
    hits = [(LEVEL_RANK[_levels()[fid]], fid) for fid, combos in _patterns()["red_flags"].items()
            if any(holds(combo, present) and found.intersection(combo) for combo in combos["any_of"])]
    return min(hits)[1] if hits else None  # the reply itself must carry part of the combination


def for_session(concepts: list[str] | set[str] | tuple[str, ...]) -> list[str]:
    """A message's concepts as kept for combining across turns: those another concept of the same
    message settles (``settles`` in the pattern file: painkillers said to work) and those that count
    only within their own sentence (``sentence_only``: "nothing changed") are left out."""
    settled = {c for key, kept_out in (_patterns().get("settles") or {}).items() if key in concepts
               for c in kept_out} | set(_patterns().get("sentence_only") or [])
    return [c for c in concepts if c not in settled]


BOTH_LEGS_ABOVE_KNEE = "above_knee"  # pain into both buttocks or thighs: a same-day check, not an emergency


def spread_to_both_legs(text: str, extent: str | None, concepts: list[str] | set[str] | tuple[str, ...]) -> str | None:
    """What an answer to "does the pain spread?" that names both legs means (``spread_both_legs`` in
    the pattern file): "bilateral_sciatica" with nerve words, below the knee or unqualified;
    BOTH_LEGS_ABOVE_KNEE when it stays in the buttocks or thighs; None when the legs are only tight
    or sore as after training. ``concepts`` are the detector's concepts of the answer."""
    if set(concepts) & set(_patterns()["spread_both_legs"]["nerve"]):
        return "bilateral_sciatica"
    if _muscular().search(_normalise(text)):
        return None
    return BOTH_LEGS_ABOVE_KNEE if extent in ("above_knee", "buttock") else "bilateral_sciatica"


@lru_cache(maxsize=1)
def _muscular() -> re.Pattern[str]:
    words = _patterns()["spread_both_legs"]["muscular"]
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")


@lru_cache(maxsize=1)
def _levels() -> dict[str, str]:
    return {fid: flag["level"] for fid, flag in knowledge.default().red_flags.items()}


def load_patterns(path: Path = PATTERNS_FILE) -> dict[str, Any]:
    """Read the pattern file; errors name the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise knowledge.KnowledgeError(f"{path.name}: {exc}") from exc
    for key in ("concepts", "slang", "red_flags", "spread_both_legs"):
        if not isinstance(data, dict) or key not in data:
            raise knowledge.KnowledgeError(f"{path.name}: missing top-level key '{key}'")
    return data


@lru_cache(maxsize=1)
def default() -> RedFlagDetector:
    """The project's detector, built on first use (never at import)."""
    return RedFlagDetector(load_patterns(), knowledge.default())
