"""ConText rules (knowledge/context_rules.yml) on their own: trigger direction, window, termination,
pseudo-triggers and the list rule, on token lists with hand-placed targets."""

from __future__ import annotations

import pytest

from backstop import context


@pytest.fixture(scope="module")
def ctx() -> context.ConText:
    return context.default()


def cats(ctx: context.ConText, sentence: str, target: str) -> set[str]:
    """Categories of the first of the "|"-separated targets (the others are symptoms beside it)."""
    tokens = sentence.split()
    spans = []
    for phrase in target.split("|"):
        words = phrase.split()
        start = next(i for i in range(len(tokens)) if tokens[i:i + len(words)] == words)
        spans.append((start, start + len(words), "X"))
    return ctx.analyse(tokens, spans)[0]


@pytest.mark.parametrize("sentence,target,expected", [
    ("no numbness in my legs", "numbness", {"negated"}),
    ("no numbness or tingling", "tingling|numbness", {"negated"}),            # a list continues the negation
    ("no fever and my groin is numb", "numb", set()),               # "and" after a non-symptom ends it
    ("no fever , chills or sweats", "chills|fever", {"negated"}),
    ("no temperature or shivers", "shivers", {"negated"}),          # "or" always continues it
    ("no fever , my groin is numb", "numb|fever|groin", set()),      # a comma not between symptoms ends it
    ("no fever , chills", "chills|fever", {"negated"}),
    ("not doms - both legs are going weak", "weak", set()),         # a dash ends the scope
    ("bladder is fine", "bladder", {"negated"}),                    # backward trigger
    ("bladder was fine until today", "bladder", set()),             # pseudo-trigger "fine until"
    ("my groin is almost completely numb", "numb", set()),          # "almost completely" is a pseudo-trigger
    ("i nearly passed out", "passed out", {"negated"}),
    ("i can not walk without my legs giving way", "giving way", set()),  # "can not * without"
    ("i have no idea why but my bladder is leaking", "leaking", set()),
    ("what if my groin went numb", "numb", {"hypothetical"}),
    ("not sure if it is related but i can not feel my bum", "can not feel", set()),
    ("what is saddle numbness", "numbness", {"hypothetical"}),     # a general question, no first person
    ("my dad lost control of his bladder", "bladder", {"other"}),
    ("my dad had a fall and i can not feel my groin", "groin|can not feel", set()),  # "i" ends "other"
    ("someone 's plate smashed into my back", "plate", set()),      # a possessive is not the experiencer
    ("i fell off a ladder five years ago", "fell off", {"historical"}),
    ("i fell five years ago and now my legs are weak", "weak", set()),  # "now" ends the past
    ("had sciatica in both legs , fully healed", "sciatica", {"resolved"}),
    ("a lady in my yoga class passed out", "passed out", {"other"}),  # "my" after a preposition is hers
    ("the man next to me collapsed", "collapsed", {"other"}),
    ("my spotter lost his grip and the bar landed on my back", "landed", set()),  # the writer is the object
    ("his kettlebell slipped and hit me", "hit", set()),
    ("my mate collapsed next to me", "collapsed", {"other"}),
    ("i have not had a wee since lunch", "not had a wee", set()),  # the target owns its "not"
    ("i do not have a temperature", "have a temperature", {"negated"}),  # "do not have" is not the target's
    ("if my legs went weak", "weak|my legs", {"hypothetical"}),
    ("lifting my toddler i felt a crack", "crack", set()),          # she is lifted, the writer feels it
    ("can barely lift either leg", "lift either leg", set()),       # a statement, not a general question
    ("should i be worried that my groin is numb", "numb", set()),   # the "that" clause states a fact
    ("drop foot since a nerve injury in 2005", "drop foot", {"longstanding"}),
    ("my uncles legs are getting weaker", "weaker", {"other"}),      # a possessive without apostrophe
    ("i have not lost control of my bladder or bowels", "bowels|bladder|lost control", {"negated"}),
    ("had a numb bum for a while in 2012", "numb", {"historical"}),  # "for a while" does not terminate
    ("had a fever last week but it is gone", "fever", {"resolved"}),
    ("i can not pee but the pain is better now", "can not pee", set()),  # "but" guards the bladder
    ("i leak a bit when i sneeze since my son was born", "leak", {"longstanding"}),
    ("i leak when i cough , that is not new", "leak", {"longstanding"}),
    ("i have always had a weak bladder", "weak bladder", {"longstanding"}),
    ("the pain is not new . i can not pee since yesterday", "can not pee", set()),  # backward only
    ("since my son was born i can not pee", "can not pee", set()),  # a birth date before it says nothing
    ("more of a click than a pop", "pop", {"negated"}),             # what it is compared against
    ("more of a pop than a click", "pop", set()),
    ("other than a pop i can not move", "pop", set()),
])
def test_categories(ctx, sentence, target, expected):
    assert cats(ctx, sentence, target) == expected


def test_window_limits_a_negation(ctx):
    assert cats(ctx, "no one at the gym noticed that my groin went numb", "numb") == set()


def test_rules_file_names_every_category():
    rules = context.load_rules()
    assert set(context.CATEGORIES) <= set(rules["categories"])


def test_missing_category_is_refused(tmp_path):
    bad = tmp_path / "rules.yml"
    bad.write_text("categories: {negated: {window: 5}}\ntermination: []\nfirst_person: []\ncurrent: []\n"
                   "general_question: {starts: [], not_starts: [], cues: []}\n")
    with pytest.raises(Exception, match="missing category"):
        context.load_rules(bad)


def test_an_all_clear_covers_what_follows_it(ctx):
    from backstop import redflags

    detector = redflags.default()
    assert "SADDLE" in detector.analyse("all good down there").ruled_out
    assert detector.detect("all good down there, but my groin is numb")  # "but" ends it
