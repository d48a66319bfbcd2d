"""Answer readers: what a free-text reply says about the question that was asked.

One reader per question. Each takes the reply's text, its intent and the entities the NLU
component already found (``backstop.extract``: extraction runs once, in the NLU), and returns
the canonical value or None when the reply does not answer that question. They accept the ways
people answer: yes/no with words ("nah they're ok", "not weak at all, just stiff"), relative
times ("the morning after", "halfway through my second set"), numbers and ranges ("3 or 4",
"7ish"), "not sure", and a reply that also says other things (those are read by the NLU).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping

from backstop import spelling

UNKNOWN = "unknown"
NOT_SURE = re.compile(
    r"\b(not sure|unsure|no idea|dunno|don'?t know|do not know|can'?t (?:tell|say|remember)|couldn'?t (?:tell|say)|"
    r"not certain|no clue|hard to (?:say|tell)|idk|no sé|haven'?t (?:really )?noticed|not really sure|"
    r"can'?t really (?:tell|say))\b"
)
_NEG = re.compile(
    r"\b(no|nope|nah|naw|not|none|never|nothing|neither|nor|without|fine|normal|ok|okay|alright|all good|good|grand|"
    r"sound|solid|all right|"
    r"all normal|strong|unaffected|no problems?|no issues?|all clear|clear)\b"
)
# "definitely not" is a no, however sure it sounds
_POS = re.compile(r"\b(yes|yeah|yep|yup|yh|ya|aye|sure|(?:definitely|absolutely|certainly|defo|def)(?!\s+(?:not|no)\b)|"
                  r"a bit|a little|slightly|some|sometimes|kind of|"
                  r"kinda|sort of|i think so|probably|on and off)\b")
_CONTRAST = re.compile(r"\b(but|though|although|except|apart from|however)\b")

Entities = Iterable[Mapping[str, Any]]


def _lower(text: str) -> str:
    """Lower case, straight apostrophes, and misspelt words of the readers' own patterns corrected
    ("no beter at all, nothin changed" reads as "no better at all, nothing changed")."""
    return _corrected((text or "").lower().replace("\u2019", "'"))


# short, common slips the speller leaves alone (it only corrects words of four letters or more)
_SHORT_TYPOS = {"teh": "the", "adn": "and", "nad": "and", "kne": "knee", "bak": "back", "lef": "left", "rite": "right"}


@lru_cache(maxsize=4096)
def _corrected(text: str) -> str:
    speller = _speller()
    text = re.sub(r"\b(?:" + "|".join(_SHORT_TYPOS) + r")\b", lambda m: _SHORT_TYPOS[m.group(0)], text)
    return re.sub(r"[a-z]{4,}", lambda m: speller.correct(m.group(0)), text)


@lru_cache(maxsize=1)
def _speller() -> spelling.Speller:
    """Targets: the words of this module's patterns, so a reader's cue words are what typos snap to."""
    def patterns(value: Any) -> Iterable[re.Pattern[str]]:
        if isinstance(value, re.Pattern):
            yield value
        elif isinstance(value, (list, tuple)):
            for item in value:
                yield from patterns(item)

    words = {w for v in list(globals().values()) for p in patterns(v) for w in re.findall(r"[a-z]{4,}", p.pattern)}
    return spelling.Speller(words)


def _entity(entities: Entities, name: str) -> Any:
    for e in entities:
        if e.get("entity") == name and e.get("value") not in (None, "", UNKNOWN):
            return e.get("value")
    return None


def not_sure(text: str, intent: str) -> bool:
    return intent == "dont_know" or bool(NOT_SURE.search(_lower(text)))


def yes_no(text: str, intent: str, symptom: re.Pattern[str]) -> str | None:
    """"yes" / "no" for a yes/no question about ``symptom``, or None.

    The last clause after "but" decides ("no, but a little tingling" is yes); a symptom word that
    is not negated is a yes ("a bit numb"); a negated one or an all-clear word is a no."""
    t = _lower(text)
    if CORRECTION.search(t) and not symptom.search(t):
        return None  # "sorry, I meant the right side, not the left": a correction of an earlier answer, not a no
    clauses = _CONTRAST.split(t)
    for clause in reversed(clauses[::2] if len(clauses) > 1 else clauses):
        for m in symptom.finditer(clause):
            before = clause[max(0, m.start() - 25):m.start()]
            after = clause[m.end():m.end() + 20]
            if re.search(r"\b(no|not|nothing|none|never|without|nor|zero|any)\b[^,.]*$|"
                         r"n't\b[^,.]*$", before) or re.match(
                    r"\s*(?:is|are|feels?|seems?)?\s*(?:fine|normal|ok|okay|good|strong|alright)\b", after):
                return "no"
            return "yes"
        # "nah leg's strong, just feels kinda asleep": a reply that opens with a no and names none of
        # the symptoms asked about is a no, whatever hedges follow
        if (_NEG.search(clause) and not _POS.search(clause)) or re.match(r"\s*(?:no|nope|nah|naw|not really)\b",
                                                                          clause):
            return "no"
        if _POS.search(clause):
            return "yes"
    if intent == "affirm":
        return "yes"
    if intent == "deny":
        return "no"
    return None


NUMB = re.compile(r"numb\w*|tingl\w*|pins (?:and|n|&) needles|needles|dead feeling|can'?t feel|fuzzy|buzzing|prickl\w*")
WEAK = re.compile(r"weak\w*|giv(?:es|ing|e|en) (?:way|out)|gave (?:way|out)|"
                  r"(?:can'?t|could ?n[o']t) get up from (?:the|a) chair|buckl\w*|trip\w*|drag\w*|foot drop|slap\w*|"
                  r"can'?t lift (?:my (?:foot|toes|leg)|it)|no strength|lost strength|floppy|flops?")
SPREAD_NONE = re.compile(r"\b(stays?|just (?:in )?(?:my|the) back|only (?:in )?(?:my|the) back|only the back|"
                         r"doesn'?t (?:spread|go)|does not (?:spread|go)|not down|nowhere|no spread|"
                         # round to the front, not down a leg (the question is about the legs)
                         r"(?:round|around|through) to (?:the|my) (?:front|tummy|belly|stomach|side|ribs)|"
                         r"(?:into|to) (?:my|the) (?:tummy|belly|stomach|abdomen|abs|ribs|chest))\b")

SPREAD_CUE = re.compile(r"\b(down|into|spread\w*|radiat\w*|shoot\w*|goes|going|gone|went|travel\w*|runs?|running|"
                        r"through|reach\w*|as far as|all the way|sciatica)\b")

ONSET_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("next_day", re.compile(r"\b(morning after|day after|next (?:day|morning)|following (?:day|morning)|"
                            r"(?:day|morning) following|woke up|"
                            r"when i (?:got up|woke)|(?:got|getting|get) out of bed|in the morning|overnight|"
                            r"two days (?:later|after)|2 days (?:later|after)|"
                            r"day later|in bed the next)\b")),
    ("hours_later", re.compile(r"\b(yesterday evening|last night|in the evening|end of the day|after the gym|"
                               r"(?:by|in|that|mid[- ]?|later that) ?(?:the )?afternoon|arvo|by lunch\w*|"
                               r"by the evening|"
                               r"hours? (?:later|after)|later (?:that|in the) (?:same )?(?:day|evening|"
                               r"night)|that (?:evening|"
                               r"night|afternoon)|after i got home|on the (?:way|drive) home|once i cooled down|"
                               r"after (?:the |a |my |that )?(?:[\w-]+(?:'s)? ){0,2}?"
                               r"(?:session|workout|class|run|training|day|"
                               r"gym|game|match|lifting|practice|round|ride|race|hike|swim|climb|lesson|bout|sparring|shift|"
                               r"tournament|outing|paddle|wod|circuit)|after (?:\d+|a|the|my|that|all|those) (?:\w+ )?"
                               r"(?:holes|miles|km|laps|rounds|games|matches|sets|reps|hours of \w+)|afterwards|"
                               r"later on|"
                               r"when i sat down after)\b")),
    ("gradual", re.compile(r"\b(gradual\w*|slowly|crept|creeping|built up|building up|over (?:time|weeks|months|a few "
                           r"weeks)|weeks? into|into the (?:new )?(?:plan|programme|program|block)|bit by bit|"
                           r"over the last few weeks|for a while now|came on over)\b")),
    ("during_exercise", re.compile(r"\b(during|halfway|half way|mid-?way through|part ?way through|"
                                   r"(?:coming|going|walking|running|climbing|cycling|riding) (?:down|up) "
                                   r"(?!the stairs)|"
                                   r"mid[- ]?(?:set|rep|lift|run|workout|session|class)|"
                                   r"in the middle of|on (?:the|my) (?:\w+ )?(?:rep|set|lift|attempt)|straight away|"
                                   r"straightaway|right away|immediately|instantly|at once|as i (?:lifted|picked|"
                                   r"stood|pulled|bent|went|came|was|swung|threw|twisted|turned|jumped|landed)|"
                                   r"while (?:i was )?\w+ing|where i was \w+ing|"
                                   r"when i (?:come|came|racked|lifted|"
                                   r"picked|pulled|stood|landed|twisted|bent|went|caught|dropped|was|swung|threw|"
                                   r"jumped|turned|reached|kicked)|(?:first|second|"
                                   r"third|fourth|fifth|1st|2nd|3rd|4th|5th|last|final|top|heavy|working) "
                                   r"(?:[\w-]+ )?(?:set|rep|single|double|triple|round|lap|interval|heat|attempt|"
                                   r"lift|go|mile|km)s?\b|on (?:a|an|my|the) (?:[\w-]+ )?(?:pull[- ]?ups?|box jumps?|"
                                   r"burpees?|snatch|clean|jerk|swing|thruster|muscle[- ]?ups?|toes to bar)|"
                                   r"on the way (?:up|down)|at the bottom|at the top|then and there|right then|"
                                   r"in the (?:gym|session|class|workout)|"
                                   r"felt (?:it|a|something) (?:go|pop|tweak|twinge|grab|catch|ping|twang|"
                                   r"seize|lock|snap|give|tighten)|on (?:the|my) (?:follow[- ]?through|back ?swing|"
                                   r"down ?swing|take[- ]?off|landing|throw|serve|stroke)|"
                                   r"(?:\d+|an?|one|two|three|four|five|ten|fifteen|twenty|thirty|forty|fifty|"
                                   r"few|couple(?: of)?) ?(?:mins?|minutes?|secs?|seconds?|hours?|km|k|m|metres?|"
                                   r"meters?|miles?|yards?|laps?|lengths?|reps?|sets?|rounds?|holes?|games?|points?) "
                                   r"into|(?:towards?|near|at|by) the end|"
                                   r"end of (?:the|my|a|that) (?:\w+ )?(?!day|shift|week|night|evening)\w+|"
                                   r"into (?:my|the) (?:run|set|"
                                   r"session|workout|class|lift|ride|swim))\b")),
]
# most specific first: "bottom of my ribs" is the middle, "base of my neck" the top
LOCATION_PATTERNS = [
    ("mid_back", re.compile(r"\b(mid[- ]?back|mid(?:dle)? of (?:my|the) back|thoracic|between (?:my|the) shoulder|"
                            r"under (?:my|the) shoulder|below (?:my|the) shoulder|ribs?|bra(?: strap)?|halfway up|"
                            r"middle)\b")),
    ("upper_back", re.compile(r"\b(upper|top of (?:my|the) back|shoulder ?blades?|traps|neck|high up|"
                              r"tops? of my shoulders)\b")),
    ("lower_back", re.compile(r"\b(low(?:er|r)?|bottom|base of (?:my|the) spine|lumbar|belt ?line|"
                              r"above my (?:bum|butt)|belt|waist\w*|down (?:in|at) (?:the|my) back|"
                              r"tailbone|sacrum|si joint|small of)\b")),
]
SIDE_PATTERNS = [
    ("both_sides", re.compile(r"\b(both|either side|all across|across|whole|each side|left and right|right and left|"
                              r"evenly|everywhere|bilateral\w*|symmetric\w*)\b")),
    # "right on the spine": "right" as an intensifier is not a side
    ("one_side", re.compile(r"\b(left|rite|right(?! (?:on|in|along|at|there|away|now|down|up|across|by|next|smack|"
                            r"over|through|between|around))|one side|one-sided|just one|only one|unilateral\w*)\b")),
    ("centre", re.compile(r"\b(middle|centre|center|central|spine|midline|down the middle|bony bit)\b")),
]
RADIATES_PATTERNS = [
    ("below_knee", re.compile(r"\b(below (?:the|my) knee|calf|calves|shin|ankle|foot|feet|toes?|all the way down|"
                              r"whole leg|lower leg)\b")),
    ("above_knee", re.compile(r"\b(thighs?|hamstrings?|hammies|above (?:the|my) knee|to (?:the|my) knee|knee|upper leg|"
                              r"down (?:my|the) (?:[\w-]+ ){0,4}?(?:leg|thigh)|groin)\b")),
    ("buttock", re.compile(r"\b(butt\w*|bum|glutes?|hips?|backside|bottom|cheek|booty|arse|ass)\b")),
]
CHARACTER_PATTERNS = [
    ("shooting", re.compile(r"\b(shoot\w*|electric|zap\w*|lightning|radiat\w*)\b")),
    ("burning", re.compile(r"\b(burn\w*|hot|searing|fire)\b")),
    ("stabbing", re.compile(r"\b(stab\w*|knife|piercing)\b")),
    ("sharp", re.compile(r"\b(sharp|pinch\w*|twinge|catch\w*|jolt|acute|twang|tearing|ripping|stabbing)\b")),
    ("spasm", re.compile(r"\b(spasm\w*|cramp\w*|knot\w*|clench\w*|seiz\w*)\b")),
    ("stiffness", re.compile(r"\b(stiff\w*|tight\w*|locked|rigid)\b")),
    ("dull_ache", re.compile(r"\b(dull|ach\w*|sore\w*|tender|throb\w*|nagging|bruise\w*|heavy|heaviness|deep|pressure|"
                             r"like a weight|gnaw\w*)\b")),
]
TREND_PATTERNS = [
    ("same", re.compile(r"\b((?:not|no|never|isn'?t|aren'?t|hasn'?t|haven'?t|ain'?t) (?:\w+ )?(?:gett?in'?g? )?"
                        r"(?:any )?better|no better|hasn'?t (?:got(?:ten)? )?better|"
                        r"not improv\w*|hasn'?t improved|isn'?t improving)\b")),
    ("worsening", re.compile(r"\b((?:going|gone|went|goes) downhill|worse|worsening|increasing|deteriorat\w*|"
                             r"spreading|more painful|"
                             r"escalat\w*)\b")),
    ("improving", re.compile(r"\b(better|improv\w*|easing|eased|settling|less|fading|going away|calming)\b")),
    ("same", re.compile(r"\b(hasn'?t budged|not budged|has not budged|not moved|same|no change|unchanged|steady|"
                        r"constant|no better|not changing|neither|similar|"
                        r"about the same|flat)\b")),
]
_NUM_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "eight": 8, "nine": 9, "ten": 10}
_RANGE = re.compile(r"\b(\d{1,2}(?:\.\d)?|" + "|".join(_NUM_WORDS) + r")\s*(?:or|-|to|/|–)\s*(\d{1,2}(?:\.\d)?|"
                    + "|".join(_NUM_WORDS) + r")\b(?!\s*(?:days?|weeks?|months?|years?|hours?))")
_ONE = re.compile(r"(?<![\d.])(\d{1,2}(?:\.\d)?)(?:ish)?(?![\d.])|\b(" + "|".join(_NUM_WORDS) + r")\b")
SEVERITY_WORDS = [(9.0, re.compile(r"\b(worst|unbearable|excruciating|agony|agonising|agonizing|screaming)\b")),
                  (7.0, re.compile(r"\b(severe|really bad|very bad|awful|terrible|horrible|intense)\b")),
                  (5.0, re.compile(r"\b(moderate|bad|quite sore|pretty sore|medium|middling)\b")),
                  (2.0, re.compile(r"\b(mild|slight|a bit|not bad|not too bad|niggle|minor|little)\b"))]
AGE_DECADES = re.compile(r"\b(?:early|mid|late)?[- ]?(twenties|thirties|forties|fifties|sixties|seventies|eighties|"
                         r"teens|20s|30s|40s|50s|60s|70s|80s)\b")
_DECADE = {"teens": 16, "twenties": 25, "thirties": 35, "forties": 45, "fifties": 55, "sixties": 65,
           "seventies": 75, "eighties": 85}
DURATION = re.compile(
    r"\b(\d{1,3}(?:\.5)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"couple(?: of)?|few|several|half an?)\s*(?:more\s+)?"
    r"(minutes?|mins?|hours?|hrs?|days?|nights?|weeks?|wks?|months?|years?)\b")
DURATION_WORDS = [
    ("under_2_days", re.compile(r"\b(today|yesterday|last night|this morning|since this morning|just now|a day|"
                                r"since last night|since yesterday|overnight)\b")),
    ("2_to_7_days", re.compile(r"\b(since (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|the weekend)|"
                               r"this week|a week|the weekend|last weekend)\b")),
    ("1_to_6_weeks", re.compile(r"\b(fortnight|a month|over a week|more than a week|last week)\b")),
    ("over_6_weeks", re.compile(r"\b(months|years|ages|forever|since last year|chronic|on and off for)\b")),
]
_AMOUNT = {"half a": 0.5, "half an": 0.5, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
           "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
           "fifty": 50, "sixty": 60,
           "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "couple": 2, "couple of": 2, "few": 3, "several": 4}


def _first(patterns: list[tuple[str, re.Pattern[str]]], text: str) -> str | None:
    for value, pattern in patterns:
        if pattern.search(text):
            return value
    return None


def _number(token: str) -> float:
    return float(_NUM_WORDS[token]) if token in _NUM_WORDS else float(token)


def read_location(text: str, intent: str, entities: Entities) -> str | None:
    return _entity(entities, "pain_location") or _first(LOCATION_PATTERNS, _lower(text))


# "started on the ride, worse next morning": how it went on, not when it started
_WORSE_LATER = re.compile(r"\b(?:worse|sorer|stiffer|tighter)\s+(?:the\s+)?(?:next (?:morning|day)|in the mornings?|"
                          r"the (?:day|morning) after|overnight)\b")


def read_onset(text: str, intent: str, entities: Entities) -> str | None:
    return _first(ONSET_PATTERNS, _WORSE_LATER.sub("", _lower(text))) or _entity(entities, "pain_onset")


def read_character(text: str, intent: str, entities: Entities) -> str | None:
    return _entity(entities, "pain_character") or _first(CHARACTER_PATTERNS, _lower(text))


def read_side(text: str, intent: str, entities: Entities) -> str | None:
    return _entity(entities, "pain_side") or _first(SIDE_PATTERNS, _lower(text))


def read_radiates(text: str, intent: str, entities: Entities) -> str | None:
    t = _lower(text)
    for clause in reversed(_CONTRAST.split(t)):
        found = _first(RADIATES_PATTERNS, clause)
        if found and not re.search(r"\b(no|not|nothing|never|doesn'?t|does not)\b", clause):
            return found
    if SPREAD_NONE.search(t) or intent == "deny" or re.match(r"\s*(no|nope|nah|not really|none)\b", t):
        return "none"
    return _entity(entities, "pain_radiates")


def read_numbness(text: str, intent: str, entities: Entities) -> str | None:
    return yes_no(text, intent, NUMB)


# "legs work, they just complain", "I can walk fine": strength described as working, a no
_LEGS_WORK = re.compile(r"\b(?:legs?|they|both|feet|foot)\s+(?:still\s+|both\s+)?(?:work|working|function\w*|"
                        r"do (?:their|the) job)\b|\bcan (?:still )?walk (?:fine|ok|okay|normally|no problem)|"
                        r"\b(?:power|strength)(?:'s| is| feels?| seems?)? (?:\w+ )?"
                        r"(?:intact|normal|fine|good|ok|okay|full)\b|"
                        r"\bcan (?:still )?(?:heel[- ]and[- ]toe|heel|toe)[- ]walk")


def read_weakness(text: str, intent: str, entities: Entities) -> str | None:
    said = yes_no(text, intent, WEAK)
    t = _lower(text)
    # "I can toe walk but my left heel walk is pathetic" says more; "they complain, but they work" does not
    works = _LEGS_WORK.search(t)
    last = _CONTRAST.split(t)[-1]
    if said is None and works and (not _CONTRAST.search(t[works.end():]) or _LEGS_WORK.search(last)):
        return "no"
    return said


# "three mornings a week", "twice a week", "4 days a week": how often someone trains, not how long it hurts
_FREQUENCY_BEFORE = re.compile(r"\b(?:once|twice|thrice|times|x|\d+x|sessions?|mornings?|evenings?|nights?|days?|"
                               r"runs?|classes?|workouts?|rides?)\s*$")
_FREQUENCY_AFTER = re.compile(r"\s*(?:a|an|per|each|every)\s+(?:week|wk|month|day|fortnight)\b")


# "a 30 day home workout challenge", "week 3 of a 12 week block": how long the plan runs
_PROGRAMME_AFTER = re.compile(r"[\s-]*(?:[\w-]+\s+){0,3}?(?:challenge|programme|program|plan|streak|block|course|"
                              r"cycle|cleanse|boot ?camp|build|training plan)\b")


def is_frequency(text: str, start: int, end: int) -> bool:
    """Whether the time span text[start:end] says how often or how long a plan runs, not how long it has
    hurt ("twice a week", "4 days a week", "a 30 day challenge")."""
    return bool(_FREQUENCY_AFTER.match(text, end)) or bool(_PROGRAMME_AFTER.match(text, end)) or (
        bool(re.match(r"(?:a|an|one|per)\b", text[start:end])) and bool(_FREQUENCY_BEFORE.search(text[:start])))


def read_duration(text: str, intent: str, entities: Entities) -> str | None:
    t = re.sub(r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten) and a half\b",
               lambda m: f"{_AMOUNT.get(m.group(1)) or m.group(1)}.5", _lower(text))
    m = next((m for m in DURATION.finditer(t) if not is_frequency(t, m.start(), m.end())), None)
    if m:
        amount = _AMOUNT.get(m.group(1)) or float(m.group(1))
        amount += 0.5 if re.match(r"\s+and a half", t[m.end():]) else 0
        unit = m.group(2)[0]
        days = amount * ({"h": 1 / 24, "d": 1, "n": 1, "w": 7, "y": 365}[unit] if unit != "m"
                         else 1 / 1440 if m.group(2).startswith("min") else 30)
        if days < 2:
            return "under_2_days"
        return "2_to_7_days" if days <= 7 else "1_to_6_weeks" if days <= 42 else "over_6_weeks"
    said = (value for value, pattern in DURATION_WORDS for w in pattern.finditer(t)
            if not is_frequency(t, w.start(), w.end()))
    return next(said, None) or _entity(entities, "pain_duration")


# "worse the next morning", "worse when I bend": when it hurts more, not how it is going
WORSE_WHEN = re.compile(r"\s+(?:the\s+)?(?:next (?:morning|day)|in the mornings?|first thing|when|whenever|if|after|"
                        r"at night|in bed|sitting|bending|lifting|on)\b")
WORSE = re.compile(r"\b(worse|worsening|(?:going|gone|went|goes) downhill|deteriorat\w*|more painful|escalat\w*)\b")


# "not really improving", "doesn't seem to be settling"; not "not sure but it's getting better"
_NEGATED_BETTER = re.compile(r"(?:\b(?:not|no|never|nothing|doesnt|dont|isnt|hasnt|havent|aint|wont)|n't)"
                             r"(?:\s+(?!but\b|and\b|though\b|although\b|sure\b)[\w']+){0,4}?\s+(?:gett?in'?g?\s+)?(?:any\s+)?"
                             r"(?:better|improv\w*|easing|eased|settling|going away)")
FLUCTUATING = re.compile(r"\b(comes? back|came back|it'?s back|back again|returns?|comes and goes|up and down|"
                         r"on and off|hit and miss)\b")
# "better when I warm up", "eases with rest": what changes it, not how it is going
CONDITIONAL = re.compile(r"\b(better|easier|eases?|easing|settles?)\s+(?:\w+\s+)?(?:when|if|with|after|once|while)\b")


# "whether it's getting worse", "if it gets worse I'll come back": the topic named, not said to happen
_NAMED_NOT_SAID = re.compile(r"\b(?:whether|if)\b(?:\s+\S+){0,3}\s*$")


def _trend(text: str) -> str | None:
    """Worse over no change over better, so a mixed answer never reads as improving ("about the same,
    maybe slightly better" is the same); "getting worse, not better" is worse; "not getting any worse",
    "not really improving" and "it comes and goes" are no change."""
    said = [m for m in WORSE.finditer(text) if not WORSE_WHEN.match(text[m.end():])
            and not _NAMED_NOT_SAID.search(text[:m.start()])]
    negated = [m for m in said
               if re.search(r"(?:\b(?:not|no|never|nothing)|n't)(?:\s+\w+){0,3}\s*$", text[:m.start()])]
    if len(said) > len(negated):
        return "worsening"
    same = [p for v, p in TREND_PATTERNS if v == "same"]
    if any(p.search(text) for p in same) or _NEGATED_BETTER.search(text) or FLUCTUATING.search(text) or negated:
        return "same"
    if CONDITIONAL.search(text):
        return None
    return _first([(v, p) for v, p in TREND_PATTERNS if v == "improving"], text)


def read_trend(text: str, intent: str, entities: Entities) -> str | None:
    t = _lower(text)
    last = _CONTRAST.split(t)[-1]
    return _trend(last) or _trend(t) or _entity(entities, "pain_trend")


_OUT_OF_TEN = re.compile(r"(?<![\d.])(\d{1,2}(?:\.\d)?)\s*(?:/|out of|outta)\s*10\b")
_BETWEEN = re.compile(r"\bbetween\s+(\d{1,2}|" + "|".join(_NUM_WORDS) + r")\s+and\s+(\d{1,2}|" + "|"
                                                                        r"".join(_NUM_WORDS) + r")\b")


def read_severity(text: str, intent: str, entities: Entities) -> float | None:
    t = _lower(text)
    m = _OUT_OF_TEN.search(t)
    if m and 0 <= float(m.group(1)) <= 10:
        return float(m.group(1))
    m = _RANGE.search(t) or _BETWEEN.search(t)
    if m:
        low, high = _number(m.group(1)), _number(m.group(2))
        if 0 <= low <= 10 and 0 <= high <= 10:
            return max(low, high)  # "3 or 4": the higher, so a range never under-triages
    value = _entity(entities, "pain_severity")
    if value is not None:
        return float(value)
    for m in _ONE.finditer(t):
        number = _number(m.group(1) or m.group(2))
        after = t[m.end():m.end() + 12]
        if 0 <= number <= 10 and not re.match(r"\s*(?:days?|weeks?|months?|years?|hours?|kg|lbs?|reps?|sets?|km|k\b|"
                                              r"miles?|x\b|%)", after):
            return number
    return next((score for score, pattern in SEVERITY_WORDS if pattern.search(t)), None)


def read_exercise(text: str, intent: str, entities: Entities) -> str | None:
    value = _entity(entities, "exercise")
    if value:
        return str(value)
    words = re.findall(r"[a-z']+", _lower(text))
    # an activity the knowledge base does not know ("gardening: digging, barrowing compost, most days")
    return "other" if 0 < len(words) <= 20 else None


_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_TEENS = {"eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
          "seventeen": 17, "eighteen": 18, "nineteen": 19}
_AGE_WORDS = re.compile(r"\b(" + "|".join(_TENS) + r")(?:[- ]?(one|two|three|four|five|six|seven|eight|nine))?\b|\b("
                        + "|".join(_TEENS) + r")\b")


def read_age(text: str, intent: str, entities: Entities) -> str | None:
    t = _lower(text)
    m = _AGE_WORDS.search(t)
    if m:
        age = _TEENS[m.group(3)] if m.group(3) else _TENS[m.group(1)] + (_NUM_WORDS.get(m.group(2) or "", 0))
        return age_band(age)
    m = re.search(r"(?<![\d.])(\d{1,2})(?![\d.])", t)
    if m and 10 <= int(m.group(1)) <= 99:
        return age_band(int(m.group(1)))
    m = AGE_DECADES.search(t)
    if m:
        word = m.group(1)
        return age_band(_DECADE.get(word) or int(word[:2]) + 5)
    return _entity(entities, "age_band")


def age_band(age: int) -> str:
    if age < 18:
        return "under_18"
    return "18_to_49" if age < 50 else "50_plus"


# The grouped safety screens. A warning sign named in the answer is escalated by the red-flag
# detector in the NLU before the form reads it; here only "none", a bare "yes" and the
# see-doctor facts of the third screen are read.
CANCER = re.compile(r"\b(cancer|tumou?r|chemo\w*|radiotherapy|lymphoma|leuka?emia|melanoma|in remission|oncolog\w*)\b")
_NUMBER = (r"(?:\d+(?:\.\d+)?|a|an|half a|a few|a couple of|one|two|three|four|five|six|seven|eight|nine|ten|"
           r"eleven|twelve|fifteen|twenty)")
# an amount of weight: "six kilos", "a stone", "5kg", "a couple of pounds"
WEIGHT_AMOUNT = re.compile(rf"\b{_NUMBER}(?:\s+and a half)?\s?(?:stone|kg|kgs|kilos?|lbs?|pounds)\b")
WEIGHT_LOSS = re.compile(r"\b(lost (?:a lot of |some |loads of )?weight|losing weight|weight loss|"
                         r"weight'?s? (?:dropped|dropping|falling)|dropped a lot of weight|"
                         # "lost about 6 kilos", "I lose maybe seven kilo in two months"
                         rf"(?:lose|lost|losing|dropped|down|shed)\s+(?:\w+\s+){{0,2}}?{_NUMBER}\s?"
                         r"(?:stone|kg|kgs|kilos?|lbs?|pounds))\b")
# "gained a pound or two", "put on 3 kilos": weight gained, not lost
WEIGHT_GAINED = re.compile(r"\b(gain\w*|put on|putting on|heavier|up|more)\b[^.,;!?]*$")
WEIGHT_ON_PURPOSE = re.compile(r"\b(on purpose|diet\w*|cutting|cut|trying to|intentional\w*|calorie|deficit)\b")
NIGHT_PAIN = re.compile(r"\b(wakes? me|waking me|woken|at night|night[- ]?time|can'?t sleep|keeps me up|"
                        r"lying still|at rest|"
                        r"in bed|when i lie|resting)\b")
NIGHT_DENIED = re.compile(r"\b(?:does ?n'?t|does not|did ?n'?t|did not|wo ?n'?t|never|not)\s+(?:\w+\s+)?"
                          r"(?:wake|woken|keep me (?:up|awake))|\bsleep(?:ing)?\s+(?:fine|ok|okay|well|through)\b")
ALL_CLEAR = re.compile(r"^\s*(?:(?:totally|entirely|completely|absolutely|perfectly|pretty much|honestly|well|oh|ha|"
                       r"haha|lol|um+|erm|uh+m?|hm+|er+|ah+)[,!.]?\s+)*"
                       r"(everything'?s? (?:is )?(?:normal|fine|ok|okay|good)|"
                       r"all of that'?s? fine|no+|nope|"
                       r"nah|naw|none|nothing|neither|never|fine|all (?:[\w-]+ )?(?:good|fine|normal|ok|okay)|"
                       r"normal|nope none|"
                       r"no to all|no to all of (?:those|them|that)|none of (?:these|those|them|that)|"
                       r"not really|negative|"
                       r"nothing like that|nothing of the sort|all clear|clear|ok|okay)\b")
BARE_YES = re.compile(r"\b(yes|yeah|yep|yup|aye|i have|i do|i think so|afraid so|one of them|some of them)\b")


def read_screen(text: str, intent: str, entities: Entities) -> str | None:
    """"none", "yes" (a yes that names nothing), or None."""
    t = _lower(text)
    if intent == "deny" or ALL_CLEAR.match(t) or re.search(r"\b(nothing like that|none of (?:these|those|that|them)|"
                                                         r"all (?:good|fine|normal|ok)|no problems?|no issues?|"
                                                         r"no to all)\b", t):
        return "none"
    if intent == "affirm" or (BARE_YES.search(t) and len(t.split()) <= 6):
        return "yes"
    return "none" if _denies_each(t) else None


# a sentence that ends by saying no to what it has just described ("the only fever is Saturday
# Night Fever, so no"); the red-flag detector reads it as a denial too
SO_NO = r",?\s+so\s+(?:no|nope|nah|that'?s a no|not really)\s*"
_ENDS_IN_NO = re.compile(SO_NO + "$")
# "Me?", "not me": who a sentence of an item-by-item answer is about, not an answer to an item
_ABOUT_ME = re.compile(r"^\s*(?:not |for |and )?me\s*$")
# "everything's working normally", "plumbing's all in order", "mine's completely normal"
_SELF_FINE = re.compile(r"\b(?:fine|normal(?:ly)?|ok|okay|good|alright|all right|(?:all )?in order|present and correct|"
                        r"as usual|like normal|effective|helps|helped|works|worked|does the trick|did the trick)\b")
# "Not immunosuppressed", "Never", "Afebrile": a sentence that denies its item ("not sure" answers
# nothing; "not great" says something is wrong)
_DENIES_ITEM = re.compile(r"^\s*(?:(?:not|never|nor)\b(?!\s+(?:\w+\s+)?(?:sure|certain|great|good|well|brilliant|"
                          r"amazing|nice|fun|the best|so hot|too hot|too good|so good))|"
                          r"(?:afebrile|apyrexial)\b|"
                          # "I don't have one", "there wasn't one" (not "I don't have control", which is the sign)
                          r"(?:i (?:do not|don'?t|have not|haven'?t|am not|'?m not|im not)|there (?:was not|wasn'?t|"
                          r"is not|isn'?t|were not|weren'?t))\b(?!.*\b(?:control|feeling|sensation|strength|power)\b))")
_FINE_NEGATED = re.compile(r"(?:\b(?:not|never|no longer)|n't)(?:\s+\w+){0,2}\s+$")
_SOMEONE_ELSE = re.compile(r"\b(?:dad|mum|mom|father|mother|brother|sister|wife|husband|partner|friend|mate)'?s\b")


def _fine(sentence: str) -> bool:
    return any(not _FINE_NEGATED.search(sentence[:m.start()]) for m in _SELF_FINE.finditer(sentence))


def _denies_each(t: str) -> bool:
    """An item-by-item answer to a screen's list in which every sentence denies an item, says all is
    normal, or is about someone else ("Me? No, I'm weeing normally. Dad's problem was he couldn't pee,
    but I'm fine. No changes. Normal. No"). One sentence that does none of these ("I've been leaking")
    leaves the answer unread; the red-flag detector reads every sentence of it anyway."""
    sentences = [x for x in re.split(r"(?:[;!?\n]|\.(?!\d))+", t) if x.strip()]  # not "36.8"
    return len(sentences) > 1 and all(
        ALL_CLEAR.match(x) or _DENIES_ITEM.match(x) or _ENDS_IN_NO.search(x) or _ABOUT_ME.match(x) or _fine(x)
        or RELATIVE.search(x) or _SOMEONE_ELSE.search(x) or NIGHT_DENIED.search(x) for x in sentences)


_NEGATOR = re.compile(r"\b(no|never|not|without|nope|nah|none|haven'?t|hasn'?t|didn'?t|don'?t)\b|n't\b")
_NEGATION_ENDS = re.compile(r"\b(but|though|although|except|apart from|however|i|i'?ve|i'?d|i'?m|me)\b")
RELATIVE = re.compile(r"\b(my|his|her|our|their)\s+(?:late |old |older |younger |little |big |best |ex[- ]?|step)?"
                      r"(mum|mom|mam|dad|father|mother|brother|sister|wife|husband|partner|"
                      r"gran\w*|grand\w*|aunt\w*|uncle|friend|mate|cousin|son|daughter|family)\b|\bfamily history\b|"
                      r"(?<!\ban )(?<!\bam )(?<!\bim )(?<!'m )\bold (?:man|lady|dear|fella)\b|"
                      # a clause that opens with a relative, as notes do ("Mum had breast cancer")
                      r"^\s*(?:and |but |also )?(?:mum|mom|mam|dad|father|mother|brother|sister|grandma|grandad|"
                      r"granddad|grandmother|grandfather|nan|nana|gran|aunt\w*|uncle|cousin)\b")


def _negated(text: str, start: int) -> bool:
    """A negation earlier in the clause still covers the word at ``start`` ("no steroids, chemo or
    anything"; "never had cancer"), unless the writer starts speaking of themselves again ("no, but
    I had chemo", "no, I had chemo last year")."""
    before = text[max(0, start - 40):start]
    nearest = list(_NEGATOR.finditer(before))
    return bool(nearest) and not re.search(r"[.;!?]", before[nearest[-1].end():]) and not _NEGATION_ENDS.search(
        before[nearest[-1].end():])


_WORRY = re.compile(r"\b(?:could|can|might|may|would|is|does)\s+(?:it|this|that)\s+(?:\w+\s+)?be\b|"
                    r"\b(?:is|could|might)\s+(?:it|this|that)\s+(?:\w+\s+)?(?:cancer|a tumou?r)\b|"
                    r"\b(?:worried|scared|afraid|terrified|worry|fear)\b(?:\s+[\w']+){0,4}\s+(?:cancer|tumou?r)|"
                    r"\bwhat if\b")

_HISTORY = re.compile(r"\b(?:yes|yeah|had|have had|'ve had|diagnosed|treated|history of|remission|survivor|"
                      r"chemo\w*|radiotherapy|ago|in (?:19|20)\d\d)\b")


def read_serious(text: str, intent: str, entities: Entities) -> dict[str, str]:
    """The see-doctor facts the third screen asks about: {"history_cancer": "yes", ...}; the questions
    asked back ("At night? It didn't wake me") are not answers."""
    t = _lower(without_questions_back(text))
    found = {}
    # someone else's cancer ("old man had bowel cancer") is theirs, clause by clause
    # and a question ("no, but could it be cancer?") is a worry, not a history
    own = [(c, m) for c in _clauses(t) if (m := CANCER.search(c)) and not RELATIVE.search(c)
           and not (_WORRY.search(c) and not _HISTORY.search(c))]
    if any(not _negated(c, m.start()) for c, m in own):
        found["history_cancer"] = "yes"
    on_purpose = [m for m in WEIGHT_ON_PURPOSE.finditer(t)  # "I haven't been dieting" is not on purpose
                  if not re.search(r"(?:\b(?:not|no|never|without)|n't)(?:\s+\w+){0,2}\s*$", t[:m.start()])]
    # the question asks about weight lost, so an amount named without a verb ("yeah, about five kilos
    # over two months") answers it, unless it was gained
    weight = WEIGHT_LOSS.search(t) or next((m for m in WEIGHT_AMOUNT.finditer(t)
                                            if not WEIGHT_GAINED.search(t[max(0, m.start() - 30):m.start()])), None)
    if weight and not on_purpose and not _negated(t, weight.start()):
        found["weight_loss"] = "yes"
    # clause by clause, unless the sentence says it does not wake them ("sore turning over in bed but it
    # doesn't wake me": pain on moving in bed is not pain at night or at rest)
    night = [c for sentence in re.split(r"[.;!?]", t) if not NIGHT_DENIED.search(sentence)
             for c in re.split(r",|\bbut\b", sentence) if NIGHT_PAIN.search(c)]
    if night and not all(re.search(r"n'?t\b|\b(not|never|no|fine|ok|okay|better|easier|eases)\b", c)
                         for c in night):
        found["night_pain"] = "yes"
    return found


LEG_PART = re.compile(r"\b(legs?|foot|feet|calf|calves|thighs?|shins?|knees?|toes?|ankles?|hamstrings?)\b")


LEG_FINE = re.compile(r"\b(?:legs?|foot|feet|side|one|other|left|right)(?:'s\s+|\s+(?:is|are|feels?|'s|seems?)\s+|\s+)"
                      r"(?:totally |completely |perfectly )?(?:normal|fine|ok|okay|good|alright|all right|grand|"
                      r"unaffected|not affected)\b|"
                      r"\b(?:nothing|no \w+) (?:in|on) (?:the|my) (?:left|right)\b")


def leg_sides(text: str, legs_asked: bool = False) -> set[str]:
    """Which legs a reply about leg symptoms names: {"left", "right"}, read clause by clause, so
    "down my right leg" in one answer and "my left foot's tingly" in the next make both.
    ``legs_asked``: the question was about "either leg or foot", so "yes both" names both legs."""
    sides: set[str] = set()
    for clause in re.split(r"[.;!?]|\bbut\b", _lower(text)):
        # "right leg is normal" names the leg that is fine; "and the right one started too" still counts
        clause = " ".join(p for p in re.split(r",|\band\b", clause) if not LEG_FINE.search(p))
        if legs_asked and re.search(r"\b(both|the two of them|either|each)\b(?!\s+(?:sides? of my back|my back))",
                                    clause):
            sides |= {"left", "right"}
        if not LEG_PART.search(clause):
            continue
        if re.search(r"\b(both|either|each)\s+(?:of my\s+)?(legs?|feet|calves|thighs|sides)\b", clause):
            sides |= {"left", "right"}
        sides |= {side for side in ("left", "right") if re.search(rf"\b{side}\b", clause)}
    return sides


CORRECTION = re.compile(r"(?:^|[.,;!?-]\s*|\b(?:oh|no|sorry|wait|um+|erm|hmm)\s+)actually\b|"
                        r"\b(i meant|meant to say|scratch that|correction|i misread|misread|my mistake|"
                        r"i got that wrong|got that wrong|sorry,? (?:it'?s|it is|i'?m)|wait,? no|no wait|"
                        r"not \w+,? (?:it'?s|but))\b")
# a correction inside one answer ("43, wait no, 53", "a week. hang on, nine days")
SELF_CORRECTION = re.compile(r"\b(?:hang on|hold on|no wait|wait|actually|i mean|make that|scratch that|correction|"
                             r"no sorry|sorry|typo|"
                             r"or rather)\b")
# answers a correction can replace: those a reader only finds in words about that question
CORRECTABLE = ("pain_location", "pain_side", "pain_onset", "pain_duration", "pain_severity", "age_band")


def corrections(text: str, intent: str, entities: Entities, known: Mapping[str, Any]) -> dict[str, Any]:
    """{slot: new value} for earlier answers that a correction ("actually it's the left", "scratch that,
    it's been a month", "oh I misread, I'm 61") replaces; empty without a correction cue."""
    if not CORRECTION.search(_lower(text)):
        return {}
    out = {}
    for slot in CORRECTABLE:
        if known.get(slot) in (None, ""):
            continue
        value = READERS[slot](text, intent, list(entities))
        if value is not None and value != UNKNOWN and str(value) != str(known[slot]):
            out[slot] = value
    return out


# "it hurts when I bend": when it hurts, not when it started
AGGRAVATION = re.compile(r"\b(hurts?|aches?|achy|worse|sore|painful|twinges?|pulls?|kills?|sharp|tight)\b[^.,;!?]*"
                         r"\b(while|when|whenever|if)\b")
ONSET_CUE = re.compile(r"\b(start\w*|began|begun|came on|kicked in|felt it|noticed|first|happened|set in|"
                       r"showed up|hit me)\b")
# a duration that is about the pain ("it's been sore for 3 weeks", "started 3 days ago"), not about
# something else ("ibuprofen helps for a few hours", "fell off a bike 5 years ago") or an onset
# ("a few hours after the session")
PAIN_TIME = re.compile(r"\b(been|for (?:about |around |nearly |almost |over |the (?:last|past) )?|had (?:it|this)|"
                       r"going on|started|began|since|on and off|now)\b")
NOT_PAIN_TIME = re.compile(r"\b(helps?|helped|lasts?|worked|works?|takes? the edge|fell|crash\w*|accident|surgery|"
                           r"operation|injur\w*|in \d+ (?:days?|weeks?|months?)|before my|"
                           # how long they have trained, not how long it has hurt
                           r"training|lifting|running|climbing|cycling|rowing|swimming|practi[sc]\w*|"
                           r"(?:days?|times?) a week)\b|"
                           # "my first spin class in two years": how long since they last trained
                           r"(?:\b(?:first|not|never)|n't)\b[^.,;!?]*\bin (?:like |about |over |nearly |almost )?"
                           r"(?:\d+|a|an|two|three|four|five|six|ten|several|a few|a couple of|many) "
                           r"(?:weeks?|months?|years?)\b|\b(?:weeks?|months?|years?) off\b|"
                           r"\b(?:minutes?|mins?|hours?|days?|weeks?)\s+(?:after|later|into|in)\b")
TREND_CUE = re.compile(r"\b(better|worse|worsening|improv\w*|same|chang\w*|eas\w*|settl\w*|budg\w*|"
                       r"(?:going|gone|went) downhill|"
                       r"deteriorat\w*|calming|fading)\b")
# "nothing I do seems to help", "tried heat and stretching, none of it's made a dent": DESIGN.md's
# "no improvement with self-care" (a see-doctor fact once the pain has lasted a couple of days)
SELF_CARE_FAILED = re.compile(
    r"\b(nothing (?:i (?:do|try|take)|i'?ve tried|i have tried)?\s*(?:seems to |really )?(?:help\w*|work\w*|make?s? a "
    r"(?:dent|difference)|made a (?:dent|difference)|shift\w*)|none of (?:it|that|them|this)(?:'s| has| is)? "
    r"(?:really )?"
    r"(?:help\w*|work\w*|made a (?:dent|difference))|despite (?:rest\w*|stretch\w*|ice|heat|physio|everything|doing|"
    r"all|taking|trying|the (?:stretch|rest|ice|heat|exercises|leaflet))|no (?:better|improvement|change|difference) "
    r"(?:with|after|from|despite) (?:rest\w*|stretch\w*|ice|heat|physio|everything|the|all|a week|two weeks|"
    r"ibuprofen|painkillers))")
# "no better at all, and I've been doing everything: heat, the stretches", "done heat, the stretches,
# ibuprofen, walking, and it hasn't budged": self-care named and no change, in one clause
SELF_CARE_TRIED = re.compile(r"\b((?:doing|done|tried|trying|did) (?:literally |pretty much |basically )?(?:everything|"
                             r"it all|all the)|heat|ice|icing|stretch\w*|ibuprofen|advil|nurofen|paracetamol|"
                             r"painkillers|foam roll\w*|physio|massage|rest(?:ed|ing)?)\b")
NO_CHANGE = re.compile(r"\b(no|zero) (?:better|improvement|change|difference)\b|\bsame as (?:day one|the first day|"
                       r"when it started)|\bexactly the same\b|(?:\b(?:not|isn'?t|hasn'?t|has not|haven'?t|have not)|"
                       r"n't)\s+(?:\w+\s+){0,2}?(?:budg\w*|shift\w*|helped|helping|improv\w*|"
                       r"made a (?:dent|difference)|changed|any better)\b")
HYPOTHETICAL = re.compile(r"\b(worried|afraid|scared|might|could|will|'ll|would|if|in case|before)\b")
LOW_DOWN = re.compile(r"\blow(?:er)?\s+(?:down|on (?:my|the)|in (?:my|the))\b")


def _clauses(text: str) -> list[str]:
    return [c for c in re.split(r"[.;!?\n]+|\bbut\b|,\s*(?=then\b)", _lower(text)) if c.strip()]


def volunteered(text: str, intent: str, entities: Entities, asked: str | None,
                screen: bool = False) -> dict[str, Any]:
    """Facts a reply states for questions other than the one asked ("lower back, it went halfway
    through my second set" to "where is it?"), read clause by clause with the same readers.

    The NLU's entities are kept where their clause says so: "right on the spine" is the middle,
    "my brother's got worse for months" is not this person's trend, "it'll get worse before my
    race" no trend at all. The answer to a safety screen gives none: its words are about the
    warning signs ("no, same as always", "fell off a bike 5 years ago")."""
    if screen:
        return {}
    clauses = [c for c in _clauses(text) if not RELATIVE.search(c)]
    lowered = _lower(text)
    found: dict[str, Any] = {}
    for e in entities:
        slot, start = str(e.get("entity")), e.get("start")
        if slot not in READERS or slot == asked or slot in ("pain_duration", "pain_trend", "pain_onset"):
            continue
        span = lowered[start:e.get("end")] if isinstance(start, int) else ""
        clause = next((c for c in clauses if span and span in c), None if span else " ".join(clauses))
        if clause is None:
            continue  # the words were about someone else
        if slot == "pain_radiates" and not SPREAD_CUE.search(clause):
            continue  # "toes-to-bar", "calf raises": a body part in an exercise, not pain that spreads
        if slot in ("numbness", "leg_weakness") and HYPOTHETICAL.search(clause):
            continue  # "what if my groin went numb?" is a worry, not a symptom
        value = _first(SIDE_PATTERNS, clause) if slot == "pain_side" else None
        found.setdefault(slot, value or e.get("value"))
    for clause in clauses:
        if "pain_location" not in found and LOW_DOWN.search(clause):
            found["pain_location"] = "lower_back"
        if "pain_duration" not in found and PAIN_TIME.search(clause) and not NOT_PAIN_TIME.search(clause):
            duration = read_duration(clause, intent, [])
            if duration:
                found["pain_duration"] = duration
        if "pain_trend" not in found and TREND_CUE.search(clause) and not HYPOTHETICAL.search(clause):
            trend = read_trend(clause, intent, [])
            if trend:
                found["pain_trend"] = trend
        if "pain_onset" not in found and not AGGRAVATION.search(clause):
            onset = _first(ONSET_PATTERNS, clause)
            # "my back hurts after the gym" says since when, not that it came on hours later
            if onset and (onset != "hours_later" or ONSET_CUE.search(clause)):
                found["pain_onset"] = onset
    if _self_care_failed(clauses, text):
        found["self_care_failed"] = "yes"
    found.pop(asked or "", None)
    return found


def _self_care_failed(clauses: list[str], text: str) -> bool:
    """DESIGN.md's "no improvement with self-care", said in one clause ("nothing I do seems to help"),
    or as what was tried and that it has not helped, which often sit either side of a "but"."""
    if any(SELF_CARE_FAILED.search(c) and not HYPOTHETICAL.search(c) for c in clauses):
        return True
    return any(SELF_CARE_TRIED.search(c) and NO_CHANGE.search(c) and not HYPOTHETICAL.search(c)
               for c in re.split(r"[.;!?\n]+", _lower(text)))


Reader = Callable[[str, str, Entities], Any]
READERS: dict[str, Reader] = {
    "pain_location": read_location,
    "pain_onset": read_onset,
    "pain_character": read_character,
    "pain_side": read_side,
    "pain_radiates": read_radiates,
    "numbness": read_numbness,
    "leg_weakness": read_weakness,
    "screen_cauda": read_screen,
    "screen_infection": read_screen,
    "screen_serious": read_screen,
    "pain_duration": read_duration,
    "pain_trend": read_trend,
    "pain_severity": read_severity,
    "exercise": read_exercise,
    "age_band": read_age,
}


# "when I came down from the wheel" answers "when did it start?"; "when can I train?" asks
ASKS = re.compile(r"\?|^\s*(what|why|how|which|who|(?:when|where)(?!\s+(?:i|i'm|i'd|i've|im|my|we|it|it's|the|you)\b)|"
                  r"is|are|am|can|could|should|shall|do|does|did|will|"
                  r"would|any|tell me|explain|help)\b|\b(i'?d like to know|i want to know|i wonder|wondering)\b")


STOP_WORDS = re.compile(r"\b(stop\w*|quit|cancel|enough|no more|exit|end (?:this|it|the chat|the questions)|"
                        r"forget it|leave it|don'?t want to|do not want to|rather not|skip|bye|later|"
                        r"not now|give up|done|see (?:you|ya)|cya|good ?night|night night|gotta go|got to go|"
                        r"have to go|"
                        r"that'?s all|cheers|thanks?|thank you|ta)\b")


def wants_to_stop(text: str) -> bool:
    """Whether a reply the classifier took for "stop" or "goodbye" says so in words ("end of the
    round", "today" do not)."""
    return bool(STOP_WORDS.search(_lower(text)))


OWN_PAIN = re.compile(r"\b((?:my|me) (?:lower |upper |middle )?back|bad back|back (?:trouble|problems?|went|has gone|"
                      r"'s gone|locked|seized|is playing up|playing up)|(?:put|did|done) (?:my|me) back (?:out|in)|"
                      r"back(?:'s| is)? (?:hurts?|hurting|aches?|aching|sore|killing|stiff|tight)|hurts?|hurting|"
                      r"aching|achy|aches|sore|pain|tweaked|pulled)\b")


def describes_pain(text: str) -> bool:
    """Whether a message speaks of the writer's own back pain ("back hurts since squats")."""
    return bool(OWN_PAIN.search(_lower(text)))


PREVENTING = re.compile(r"\b(without (?:hurting|injuring|straining|wrecking|pulling|tweaking)|avoid\w*|prevent\w*|"
                        r"protect\w*|so (?:that )?i (?:don'?t|do not|won'?t)|keep (?:it )?from|next time)\b")


# the writer's back, or an injury named in passing with no other body part ("back's decided to retire",
# "twisted funny going for a sweep"; not "my knee hurts when I run")
OWN_BACK = re.compile(r"\b(back'?s|back (?:is|has|went|gave)|(?:my|me) (?:lower |upper |middle )?back|lower back|"
                      r"upper back|spine|did (?:my|me) back)\b")
INJURED = re.compile(r"\b(twisted|tweaked|strained|jarred|injured|pulled (?:a|something))\b")
OTHER_PART = re.compile(r"\b(knees?|ankles?|wrists?|elbows?|shoulders?|neck|hips?|foot|feet|hands?|fingers?|toes?|"
                        r"throat|head|chest|hamstrings?|calf|calves|groin|thumb|arm|legs?)\b")


def speaks_of_own_back(text: str) -> bool:
    """Whether a message is about the writer's back or an injury of theirs, whatever else it says: such
    a message is never out of scope for Backstop ("Fast bowler here, back's decided to retire")."""
    t = re.sub(r"\b(?:call|ring|text|get|message|phone|write|pay|send|give)\s+me back\b", "", _lower(text))
    if PREVENTING.search(t):
        return False
    return bool(OWN_BACK.search(t)) or (bool(INJURED.search(t)) and not OTHER_PART.search(t))


def reports_own_pain(text: str) -> bool:
    """Whether a message speaks of the writer's back hurting now, not of keeping it from hurting
    ("how do I deadlift without hurting my back?")."""
    return describes_pain(text) and not PREVENTING.search(_lower(text))


def asks(text: str) -> bool:
    """Whether a reply in the middle of the assessment is a question of its own (answered, then the
    question is asked again) rather than an attempt at an answer ("on my last warm-up set")."""
    return bool(ASKS.search(_lower(text)))


QUESTION_BACK = re.compile(r"^\s*(what|why|how|which|who|when|where|is that|does that|do you|can you|could you|"
                           r"should i|would)\b.*\?\s*$")


_QUESTION_SENTENCE = re.compile(r"[^.!?]*\?+\s*")


def without_questions_back(text: str) -> str:
    """``text`` without the questions it asks back, when something else is left: "Weak how? No, I can
    walk fine" is "No, I can walk fine"; a reply that is all question stays whole ("is it bad that I
    can't feel my foot?")."""
    rest = _QUESTION_SENTENCE.sub(" ", text).strip()
    return rest if rest and re.search(r"\w", rest) else text


def read(slot: str, text: str, intent: str, entities: Entities = ()) -> Any:
    """The value ``text`` gives the question ``slot``: canonical, "unknown" for "not sure", or None."""
    entities = list(entities)
    t = _lower(text)
    if QUESTION_BACK.match(t):
        return None  # a question back ("what counts as a 10?") answers nothing
    answer = without_questions_back(text)
    if answer != text:  # "Weak how? No, I can walk fine", "Out of ten? Three": the answer is what follows
        return read(slot, answer, intent, entities)
    if NOT_SURE.match(t.strip()) or (NOT_SURE.search(" ".join(t.split()[:3])) and slot != "screen_serious"):
        return UNKNOWN
    if slot == "screen_serious":
        if read_serious(text, intent, entities):
            return "yes"
    if slot in CORRECTABLE:
        # "about a week. hang on... so nine days": what follows the person's own correction counts
        for part in reversed(SELF_CORRECTION.split(t)[1:]):
            value = READERS[slot](part, intent, [])
            if value not in (None, UNKNOWN):
                return value
    value = READERS[slot](text, intent, entities)
    if value is None and not_sure(text, intent):
        return UNKNOWN
    return value
