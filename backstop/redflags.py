"""Red-flag detector: does this message describe an emergency in the user, now?

Built on a blank spaCy pipeline (tokenizer + PhraseMatcher) whose patterns come
from ``knowledge/red_flag_patterns.yml``. A red flag fires when all concepts of
one combination occur in one clause that is about the user now: not negated,
not someone else, not a hypothetical or general question, not a healed past
event. Recall matters more than precision here, so suppression cues are narrow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from backstop import knowledge

PATTERNS_FILE = knowledge.KNOWLEDGE_DIR / "red_flag_patterns.yml"
NLU_DIR = knowledge.KNOWLEDGE_DIR.parent / "data" / "nlu"
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
    (r"\bi'?d\b", "i had"),
    (r"\bu\b", "you"),
    (r"\bur\b", "your"),
    (r"\bcuz\b|\bcoz\b|\bcos\b", "because"),
    (r"\bw/o\b", "without"),
    (r"\bw/\b", "with"),
]
_CONTRACTIONS_RE = [(re.compile(p), r) for p, r in _CONTRACTIONS]

_SENTENCE_SPLIT = re.compile(r"[.!?;\n]+(?:\s|$)|[!?;\n]+")
# Clauses: parts of a sentence between contrastive conjunctions; past/resolved cues stay inside one.
_CLAUSE = re.compile(r"(?:(?!\b(?:but|however|although|though|and now|now)\b).)+")
QUESTION_START = re.compile(
    r"^\s*(is|are|can(?!\s+not)|could(?!\s+not)|does(?!\s+not)|do(?!\s+not)|should|would|will|what|when|why|how|which|any)\b"
)

NEGATION_CUES = {
    "no", "not", "never", "without", "none", "nor", "neither", "denies", "deny", "zero", "nothing",
    "negative", "free", "absent", "nope", "ruled", "aint", "nearly", "almost",
}
# "no" + concept is negation, but these cue words start a concept of their own
# ("no control", "no feeling", "nothing helps") and are ignored when inside the match.
POST_NEGATION = {
    "fine", "normal", "ok", "okay", "good", "alright", "unaffected", "unchanged", "working", "perfect",
    "clear", "great", "strong", "solid",
}
OTHER_PEOPLE = re.compile(
    r"\b(my|our|his|her|a|the)\s+(?:(?:old|best|older|younger|little|big|former|new|gym|work)\s+)?(dad|father|mum|mom|mother|brother|sister|wife|husband|partner|friend|"
    r"mate|buddy|coach|client|son|daughter|grandma|grandpa|granddad|grandmother|grandfather|nan|uncle|"
    r"aunt|auntie|girlfriend|boyfriend|colleague|coworker|co-worker|neighbour|neighbor|cousin|kid|"
    r"grandad|granddad|grandpa|grandmother|grandfather|stepdad|stepmum|stepmom|"
    r"training partner|gym buddy|teammate|patient|lifter|guy|girl|woman|man|athlete|person|bf|gf)\b"
    r"|\b(guy|bloke|dude|lad|lady)\s+(at|in|from|on)(\s+(my|the|our))?(\s+\w+)?\b"
    r"|\b(he|she|someone|somebody|people|anyone|everyone|others|him|his|her)\b(?!\s*'s|\s+else'?s)"
)
FIRST_PERSON = re.compile(r"\b(i|me|myself|my|mine)\b")
# Cues that make a clause hypothetical or general whoever speaks ("what if my groin went numb?").
HYPOTHETICAL = re.compile(
    r"\b(what if|if i|if my|if you|if your|if someone|if it|in case|suppose|supposing|imagine|hypothetically|"
    r"should i worry|should i be worried|do i need to worry|watch out for|look out for|"
    r"signs of|symptoms of|sign of|symptom of|warning signs?|red flags?|"
    r"can a|can an|could a|does a|do you|how do i know|how would i know|how will i know|how can i tell|"
    r"should i look|risk of|would it|would that|when is|when are|when should|when do|when does|"
    r"mean i should|could happen|can happen)\b"
)
# Question cues that only make a clause general when the user is not its subject ("what is saddle numbness").
GENERAL_QUESTION = re.compile(
    r"\b(what is|what are|what's|whats|what does|what do|tell me about|explain|definition|worry about|"
    r"worried about|is it normal|read that|reading about|heard that|heard about|article|googled?|"
    r"caused by|can cause|causes?)\b"
)
DISTANT_PAST = re.compile(
    r"\b(\d+|a|one|two|three|four|five|six|ten|few|couple of|several|many)\s+(years?|yrs?|months?)\s+ago\b"
    r"|\blast (year|month|summer|winter|spring|autumn|fall)\b|\bas a (kid|child|teen|teenager)\b"
    r"|\bwhen i was (young|younger|a kid|little|a teenager|\d+)\b|\bback in (19|20)\d\d\b|\bin (19|20)\d\d\b"
    r"|\bused to\b|\byears back\b|\blong time ago\b|\bages ago\b|\byears ago\b|\bin year \d+\b|\bat school\b"
    r"|\bwhen i was a teen\b|\bback in the day\b|\bin (primary|high|secondary) school\b|\bin college\b|\bat uni\b"
)
RESOLVED = re.compile(
    r"\b(healed|fully healed|recovered|fully recovered|fine now|all good now|ok now|okay now|gone now|"
    r"resolved|went away|cleared up|sorted|better now|back to normal|no problems since|no issues since|"
    r"now fine|nothing since|none since|not since|short course|day course|rehabbed|fully rehabbed|"
    r"no lasting|was fine after|got over it|long gone)\b"
)
# "now", "since", "still" put an old event back into the present.
PRESENT = re.compile(r"\b(now|still|since then|again|today|this morning|tonight|currently|at the moment|right now)\b")


@dataclass(frozen=True)
class RedFlagHit:
    """One detected red flag: which, at what level, and the words that carried it."""

    flag_id: str
    level: str
    evidence: str


# A body temperature written as a number ("temp is 38.8", "101F") reads as fever.
_TEMPERATURE = re.compile(
    r"\b(?:3[89]|4[01])[.,]\d\s*(?:°|c\b|degrees)?(?!\s*(?:km|k\b|kg|mi|miles|lbs?|%))"
    r"|\b10[0-4](?:\.\d)?\s*(?:°\s*f|f\b|degrees)"
)


_METRES = re.compile(r"\b(\d+(?:\.\d+)?)\s?m\b")
# A pain score of 8 to 10 out of 10 reads as severe.
_SCORE = re.compile(r"\b(?:8|9|10)(?:\.\d)?\s*(?:/|out of)\s*10\b")


def _normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = _TEMPERATURE.sub(" fever ", text)
    text = text.replace("+", " plus ")
    text = _METRES.sub(r"\1 metres", text)
    text = _SCORE.sub(" severe ", text)
    text = re.sub(r"[\u200b-\u200f\u202a-\u202e\u2060\ufeff]", "", text)
    for pattern, repl in _CONTRACTIONS_RE:
        text = pattern.sub(repl, text)
    return text


def _edit_distance_le(a: str, b: str, limit: int) -> bool:
    """Damerau-Levenshtein distance of a and b is at most ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return False
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return False
        prev2, prev = prev, cur
    return prev[-1] <= limit


class RedFlagDetector:
    """Detects red flags in one message. Build once (see :func:`default`), call often."""

    def __init__(self, patterns: dict[str, Any], kb: knowledge.KnowledgeBase) -> None:
        import spacy  # deferred: importing spaCy is slow and only the detector needs it
        from spacy.matcher import PhraseMatcher

        self.nlp = spacy.blank("en")
        self.levels = {fid: flag["level"] for fid, flag in kb.red_flags.items()}
        self.ongoing = set(patterns.get("ongoing") or [])
        self.rules: dict[str, list[list[str]]] = {}
        for fid, spec in patterns["red_flags"].items():
            if fid not in self.levels:
                raise knowledge.KnowledgeError(f"red_flag_patterns.yml: entry '{fid}': not in red_flags.yml")
            self.rules[fid] = spec["any_of"]
        missing = set(self.levels) - set(self.rules) - {"possible_red_flag"}
        if missing:
            raise knowledge.KnowledgeError(f"red_flag_patterns.yml: no patterns for {sorted(missing)}")
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.vocab_words: set[str] = set()
        for concept, phrases in patterns["concepts"].items():
            docs = [self.nlp.make_doc(_normalise(p)) for p in phrases]
            self.matcher.add(concept, docs)
            for d in docs:
                self.vocab_words.update(t.text for t in d if t.is_alpha)
        for rule_list in self.rules.values():
            for combo in rule_list:
                unknown = [c for c in combo if c not in patterns["concepts"]]
                if unknown:
                    raise knowledge.KnowledgeError(f"red_flag_patterns.yml: unknown concept {unknown[0]}")
        self.slang = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.slang.add("SLANG", [self.nlp.make_doc(_normalise(p)) for p in patterns["slang"]])
        # Words of the knowledge base's own prose are real English: never "correct" them.
        prose = " ".join(
            p.read_text(encoding="utf-8").lower()
            for p in [*knowledge.KNOWLEDGE_DIR.glob("*.yml"), *NLU_DIR.glob("*.yml")]
        )
        self._known = set(re.findall(r"[a-z]+", prose)) | NEGATION_CUES | POST_NEGATION
        self._targets = sorted(w for w in self.vocab_words if len(w) >= 4)
        self._corrections: dict[str, str] = {}

    def _correct(self, word: str) -> str:
        """Map a misspelt word onto the detector's vocabulary ("bladdr" -> "bladder")."""
        if len(word) < 4 or word in self._known or not word.isalpha():
            return word
        if word not in self._corrections:
            if len(self._corrections) > 50_000:
                self._corrections.clear()
            self._corrections[word] = self._nearest(word)
        return self._corrections[word]

    def _nearest(self, word: str) -> str:
        limit = 2 if len(word) >= 8 else 1
        for cand in self._targets:
            if len(word) == 4 and len(cand) != 5:
                continue  # short words: only a dropped letter ("fevr"), else "wife" becomes "wine"
            if cand[0] == word[0] and _edit_distance_le(word, cand, limit):
                return cand
        return word

    def detect(self, text: str) -> list[RedFlagHit]:
        """All red flags in ``text`` about the user now, most severe first."""
        if not text or not text.strip():
            return []
        text = _normalise(text[:MAX_CHARS])
        hits: dict[str, RedFlagHit] = {}
        sentences = [s for s in _SENTENCE_SPLIT.split(text) if s.strip()]
        if len(text.split()) <= SHORT_MESSAGE_WORDS:
            sentences = [" , ".join(sentences)]  # "pop. then pain. cant move." is one thought
        for sentence in sentences:
            for hit in self._detect_sentence(sentence):
                hits.setdefault(hit.flag_id, hit)
        return sorted(hits.values(), key=lambda h: LEVEL_RANK[h.level])

    def _detect_sentence(self, sentence: str) -> list[RedFlagHit]:
        from spacy.tokens import Doc

        raw = self.nlp.make_doc(sentence)
        doc = Doc(self.nlp.vocab, words=[self._correct(t.text) for t in raw], spaces=[bool(t.whitespace_) for t in raw])
        masked: set[int] = set()
        for _, s, e in self.slang(doc):
            masked.update(range(s, e))
        matches = [
            (self.nlp.vocab.strings[mid], s, e)
            for mid, s, e in self.matcher(doc)
            if not masked.intersection(range(s, e))
        ]
        if not matches:
            return []
        # negation words inside a multi-word symptom phrase ("no control", "can not") are not cues
        covered = {i for _, s, e in matches if e - s > 1 for i in range(s, e)}
        symptom_tokens = {i for _, s, e in matches for i in range(s, e)}
        context = _Context(doc.text)
        found: dict[str, tuple[int, int]] = {}
        for concept, s, e in matches:
            if concept in found or self._negated(doc, s, e, covered, symptom_tokens):
                continue
            if context.about_user_now(doc[s].idx, ongoing=concept in self.ongoing):
                found[concept] = (s, e)
        hits = []
        for fid, combos in self.rules.items():
            for combo in combos:
                if all(c in found for c in combo):
                    evidence = " … ".join(doc[found[c][0]:found[c][1]].text for c in combo)
                    hits.append(RedFlagHit(fid, self.levels[fid], evidence))
                    break
        return hits

    @staticmethod
    def _negated(doc: Any, start: int, end: int, covered: set[int], symptoms: set[int]) -> bool:
        """A negation cue shortly before the match, or "fine/normal" right after it."""
        first = max(0, start - 4)
        for i in range(start - 1, first - 1, -1):
            word = doc[i].lower_
            # "and"/"or" continue a negated list ("no numbness or tingling") only
            # when what precedes them is itself a symptom
            if word in {"but", "however", "although", "though", "except"}:
                break
            if word in {"and", "or", "plus", "so", "then", "now"} and (i - 1) not in symptoms:
                break
            if word in NEGATION_CUES and i not in covered:
                return True
        after = [t.lower_ for t in doc[end:end + 3]]
        return any(w in POST_NEGATION for w in after) and not any(w in {"not", "no"} for w in after)


class _Context:
    """Who and when a sentence talks about, by character position."""

    def __init__(self, sentence: str) -> None:
        self.sentence = sentence
        others = [
            (m.start(), m.end()) for m in OTHER_PEOPLE.finditer(sentence)
            if not re.search(r"\blike (it is |its |it's )?$", sentence[:m.start()])  # "like someone else's"
        ]
        selves = [
            (m.start(), m.end()) for m in FIRST_PERSON.finditer(sentence)
            if not any(a <= m.start() < b for a, b in others)
        ]
        self.people = sorted([(a, "other") for a, _ in others] + [(a, "self") for a, _ in selves])
        self.first_person = bool(selves)
        self.clauses = [(m.start(), m.end()) for m in _CLAUSE.finditer(sentence)]

    def about_user_now(self, pos: int, ongoing: bool = False) -> bool:
        prior = [who for at, who in self.people if at <= pos]
        if prior and prior[-1] == "other":
            return False
        if not prior and self.people and all(who == "other" for _, who in self.people):
            return False
        before = self.sentence[:pos]
        if HYPOTHETICAL.search(before):
            return False
        if not self.first_person and (GENERAL_QUESTION.search(self.sentence) or QUESTION_START.match(self.sentence)):
            return False
        clause = next((self.sentence[a:b] for a, b in self.clauses if a <= pos < b), self.sentence)
        if RESOLVED.search(clause):
            return False
        return ongoing or not (DISTANT_PAST.search(clause) and not PRESENT.search(clause))


def load_patterns(path: Path = PATTERNS_FILE) -> dict[str, Any]:
    """Read the pattern file; errors name the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise knowledge.KnowledgeError(f"{path.name}: {exc}") from exc
    for key in ("concepts", "slang", "red_flags"):
        if not isinstance(data, dict) or key not in data:
            raise knowledge.KnowledgeError(f"{path.name}: missing top-level key '{key}'")
    return data


@lru_cache(maxsize=1)
def default() -> RedFlagDetector:
    """The project's detector, built on first use (never at import)."""
    return RedFlagDetector(load_patterns(), knowledge.default())
