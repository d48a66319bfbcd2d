"""Red-flag detector: fires on emergencies in the user's words, not on negations,
other people, hypotheticals, healed past events or gym slang."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from backstop import redflags

FIRES = [
    ("been sharing needles, my back hurts", "immunosuppression_ivdu", "urgent"),
    ("pins and needles around my bum and genitals", "saddle_anaesthesia", "emergency"),
    ("I peed myself after deadlifts and my back is killing me", "bladder_dysfunction", "emergency"),
    ("can't feel anything down there when I wipe", "saddle_anaesthesia", "emergency"),
    ("my legs keep giving way", "bilateral_leg_weakness", "emergency"),
    ("my foot slaps when I walk", "foot_drop", "urgent"),
    ("barbell fell on my back", "major_trauma", "emergency"),
    ("fever and my back is killing me", "fever_unwell", "urgent"),
    ("lost controll of my bladdr this morning", "bladder_dysfunction", "emergency"),
    ("did 5x5 squats, PR'd, then RDLs, felt fine, and now I can't pee properly", "bladder_dysfunction", "emergency"),
    ("no numbness but I can't control my bowels", "bowel_dysfunction", "emergency"),
    ("my pee is the colour of cola after that workout", "dark_urine_after_exercise", "emergency"),
    ("heard a pop and now I can't move", "pop_cannot_move", "urgent"),
]

SILENT = [
    # "needles" and "shooting up" are IV drug use only in context
    "pins and needles in my toes",
    "pain shooting up my back",
    "no numbness, bladder's fine",
    "my dad has cauda equina",
    "when is back pain an emergency?",
    "what if my groin went numb?",
    "fell five years ago, fully healed",
    "legs are dead after leg day",
    "numb to the pain lol",
    "my lower back aches after deadlifts",
    "no fever, no weakness, just sore",
    "",
    "   ",
]


@pytest.mark.parametrize("text,flag,level", FIRES)
def test_fires(detector, text, flag, level):
    hits = detector.detect(text)
    assert hits, text
    assert hits[0].flag_id == flag
    assert hits[0].level == level


@pytest.mark.parametrize("text", SILENT)
def test_does_not_fire(detector, text):
    assert detector.detect(text) == []


def test_most_severe_first(detector):
    hits = detector.detect("I have a fever and I wet myself")
    assert [h.level for h in hits] == ["emergency", "urgent"]


def test_negated_loss_of_control(detector):
    assert detector.detect("I haven't lost control of my bladder") == []


def test_red_flag_at_the_end_of_a_huge_message(detector):
    text = "squats went well and my lower back is a bit sore. " * 1500 + "Also I wet myself."
    hits = detector.detect(text)
    assert [h.flag_id for h in hits] == ["bladder_dysfunction"]


def test_every_red_flag_has_patterns(kb):
    patterns = redflags.load_patterns()
    assert set(patterns["red_flags"]) == set(kb.red_flags) - {"possible_red_flag", *redflags.NOT_DETECTED}


def test_pattern_file_with_unknown_flag_is_refused(kb):
    patterns = redflags.load_patterns()
    patterns["red_flags"]["made_up_flag"] = {"any_of": [["BLADDER"]]}
    with pytest.raises(Exception, match="made_up_flag"):
        redflags.RedFlagDetector(patterns, kb)


def test_project_red_flag_set_through_the_detector(detector):
    """The same sets `make eval-redflags` runs through the trained model, here on the detector alone."""
    base = Path(__file__).parent / "redflags"
    set2 = yaml.safe_load((base / "set2.yml").read_text())
    positives = yaml.safe_load((base / "positives.yml").read_text())["positives"] + set2["positives"]
    negatives = yaml.safe_load((base / "negatives.yml").read_text())["negatives"] + set2["negatives"]
    missed = [p["text"] for p in positives if not detector.detect(p["text"])]
    false = [n["text"] for n in negatives if detector.detect(n["text"])]
    assert missed == []
    assert len(false) / len(negatives) <= 0.02, false


@pytest.mark.parametrize("word,expected", [
    ("bladdr", "bladder"),      # a misspelt clinical word is corrected
    ("numbbness", "numbness"),
    ("tempo", "tempo"),         # English words are never corrected ("tempo" is not "temp")
    ("heroic", "heroic"),
    ("glutes", "glutes"),       # knowledge-base words stay
])
def test_speller_corrects_only_misspelt_clinical_words(detector, word, expected):
    assert detector.speller.correct(word) == expected


def test_candidates_name_warning_signs_without_a_complete_rule(detector):
    detection = detector.analyse("my bladder feels a bit odd since squats")
    assert detection.hits == ()
    assert "bladder_dysfunction" in detection.candidates


def test_decide_escalates_a_detector_hit(detector):
    decision = redflags.decide(detector.analyse("I wet myself"), classifier_confidence=0.0, would_fall_back=False)
    assert (decision.action, decision.flag_id, decision.level) == ("escalate", "bladder_dysfunction", "emergency")


def test_decide_never_leaves_a_confident_classifier_to_the_fallback(detector):
    silent = detector.analyse("something is really wrong with me")
    assert redflags.decide(silent, 0.9, would_fall_back=False).action == "check"
    assert redflags.decide(silent, 0.1, would_fall_back=False).action == "none"


def test_decide_trusts_context_over_a_confident_classifier(detector):
    # the classifier hears "weakness" and "bladder"; ConText reads the negation and the other person
    for text in ("legs feel strong, no weakness whatsoever", "my husband has lost control of his bladder"):
        detection = detector.analyse(text)
        assert detection.hits == () and detection.ruled_out
        assert redflags.decide(detection, 1.0, would_fall_back=False).action == "none"


def test_decide_checks_an_unclear_message_with_a_warning_sign_word(detector):
    detection = detector.analyse("bladder weird??")
    assert redflags.decide(detection, 0.0, would_fall_back=True).action == "check"
    assert redflags.decide(detection, 0.0, would_fall_back=False).action == "none"


def test_evidence_across_turns_completes_a_pop_and_immobility(detector):
    concepts = set(detector.analyse("I felt a pop in my lower back").concepts)
    concepts |= set(detector.analyse("I can't get up off the bench").concepts)
    assert redflags.across_turns(concepts) == "pop_cannot_move"


def test_evidence_across_turns_never_joins_nerve_words_and_sides(detector):
    concepts = set(detector.analyse("a bit of tingling in my left foot").concepts)
    concepts |= set(detector.analyse("both sides").concepts)
    assert redflags.across_turns(concepts) is None


@pytest.mark.parametrize("text", ["I've dropped a few pounds on purpose", "down like 12 lbs since Christmas",
                                  "didn't feel anything pop", "no steroids, chemo or anything like that"])
def test_gym_and_diet_talk_is_not_a_red_flag(detector, text):
    assert detector.detect(text) == []


@pytest.mark.parametrize("text,flag", [("someone dropped a 20kg plate on my spine, I'm in agony", "major_trauma"),
                                       ("felt something pop and now I can't move", "pop_cannot_move"),
                                       ("no meds, but I had chemo last month", "immunosuppression_ivdu")])
def test_the_masks_leave_real_red_flags_alone(detector, text, flag):
    assert flag in [h.flag_id for h in detector.detect(text)]


@pytest.mark.parametrize("text", ["fell out of my stretching routine over xmas and my back's stiff",
                                  "fell off the wagon with training and now my back aches"])
def test_an_idiom_is_read_and_ruled_out_so_a_confident_classifier_does_not_overrule_it(detector, text):
    detection = detector.analyse(text)
    assert not detection.hits and detection.ruled_out
    assert redflags.decide(detection, classifier_confidence=0.97, would_fall_back=False).action == "none"


@pytest.mark.parametrize("text,fires", [
    ("things haven't been working downstairs since Sunday, never happened before", True),
    ("I haven't been able to get it up since the weekend", True),
    ("haven't been working out since my groin strain", False),          # training, not function
    ("my hip is not working right going downstairs", False),            # a staircase
])
def test_euphemisms_for_sexual_function_and_their_look_alikes(detector, text, fires):
    assert ("sexual_dysfunction" in [h.flag_id for h in detector.detect(text)]) == fires


@pytest.mark.parametrize("text,fires", [
    ("I've done heat every evening, the stretches, ibuprofen, walking, and it hasn't budged", False),
    ("tried ibuprofen, ice and stretching and nothing helps", False),   # self-care not helping: see_doctor
    ("the ibuprofen isn't touching it at all", True),
    ("no heat or ice, but the painkillers aren't doing anything", True),  # the self-care is negated
    ("tried heat and co-codamol and I'm still in agony", True),
])
def test_painkillers_failing_is_told_apart_from_self_care_failing(detector, text, fires):
    assert ("uncontrolled_pain" in [h.flag_id for h in detector.detect(text)]) == fires


@pytest.mark.parametrize("text,flag", [
    ("co-codamol and ibuprofen at the full dose and it's barely touched it, still a nine", "uncontrolled_pain"),
    ("a chap next to me keeled over at the finish, my back's just stiff", None),   # someone else collapsed
    ("a bloke at my parkrun collapsed and my lower back aches", None),
])
def test_inflections_of_failing_relief_and_strangers_as_the_subject(detector, text, flag):
    assert [h.flag_id for h in detector.detect(text)][:1] == ([flag] if flag else [])


def test_a_no_with_the_milder_thing_it_was_instead_lends_nothing_from_the_question(detector):
    concepts = detector.analyse("had a paracetamol, helped. no, more a twang").concepts
    assert redflags.in_answer_to("screen_infection", concepts) is None
    concepts = detector.analyse("yes a pop, and I can't get up off the floor").concepts
    assert redflags.in_answer_to("screen_infection", concepts) == "pop_cannot_move"


@pytest.mark.parametrize("text,flag", [
    ("no temperature, only the odd antihistamine for hay fever", None),
    ("embarrassed to say I went faint and slid off the bike, I was out for a few seconds", "collapse_severe_pain"),
])
def test_an_allergy_is_not_a_fever_and_saying_so_is_not_a_hypothetical(detector, text, flag):
    assert [h.flag_id for h in detector.detect(text)][:1] == ([flag] if flag else [])


@pytest.mark.parametrize("text,flag", [
    ("ice bath after the run, I was shivering for a minute, back feels better", None),
    ("came off the methotrexate and haven't needed it since, back sore after squats", None),
    ("after the ice bath I had chills and a fever all night, back is killing me", "fever_unwell"),
])
def test_cold_water_shivers_and_a_stopped_drug_are_not_red_flags(detector, text, flag):
    assert [h.flag_id for h in detector.detect(text)][:1] == ([flag] if flag else [])


@pytest.mark.parametrize("text,flag", [
    ("My wife found me on the floor, I was out for a minute, the back pain is terrible", "collapse_severe_pain"),
    ("my left knee has given way on the stairs twice this week", "leg_weakness"),
    ("the tingling runs from my left butt down the back of my leg", None),                 # sciatica, one side
    ("I've dropped off the top loads over the years, always onto the mats", None),
    ("a tiny leak if I sneeze, same as it's been for years, nothing new", None),
])
def test_collapse_given_way_one_buttock_and_the_years(detector, text, flag):
    assert [h.flag_id for h in detector.detect(text)][:1] == ([flag] if flag else [])


@pytest.mark.parametrize("text,flag", [
    ("my waterworks have packed in, I strain and strain and hardly anything comes", "bladder_dysfunction"),
    ("Never had trouble in the bedroom before, but since Sunday nothing's working down there", "sexual_dysfunction"),
    ("my toes wont come up when i try, whole foot just hangs", "foot_drop"),
    ("came off the bike at walking pace at the pump track, grazed knee, back's fine", None),
    ("my toddler's had a temperature of 38.5 all day and I've been lifting her, now my lower back aches", None),
    ("wee's a bit darker than usual after the sauna, I'll drink more", None),
])
def test_blind9_classes(detector, text, flag):
    assert [h.flag_id for h in detector.detect(text)][:1] == ([flag] if flag else [])


def test_something_dropped_on_someone_elses_foot_is_not_trauma_to_me(detector):
    assert detector.detect("Dropped the sofa on my brother's foot though, my back is just sore") == []
    assert [h.flag_id for h in detector.detect("dropped the bar on my back, agony")] == ["major_trauma"]


# my own variants of the classes the blind sets found (never their sentences): flag, or None for none
BLIND10_CLASSES = [
    ("I sit on the loo for twenty minutes since my back went and nothing happens", "bladder_dysfunction"),
    ("haven't had a pee since breakfast yesterday, back is wrecked", "bladder_dysfunction"),
    ("I have to push on my belly to get it out when I wee", "bladder_dysfunction"),
    ("had an accident in my knickers at work, couldn't hold it, back's been bad since Friday", "bladder_dysfunction"),
    ("woke up and the bed was soaked, that never happens, back pain since the gym", "bladder_dysfunction"),
    ("there's much less feeling around my bottom since I hurt my back", "saddle_anaesthesia"),
    ("the bit of me that sits on a bike seat has gone numb and I don't even cycle", "saddle_anaesthesia"),
    ("trouble getting hard since my back flared up", "sexual_dysfunction"),
    ("the pain shoots down the two of them now, worse than yesterday", "bilateral_sciatica"),
    ("I had to crawl up the stairs, my legs are going", "bilateral_leg_weakness"),
    ("thrown from my horse this morning, back is agony", "major_trauma"),
    ("snowboard crash into a tree at speed, my back is killing me", "major_trauma"),
    ("a wardrobe toppled onto my back while we were moving it", "major_trauma"),
    ("can't pull my toes up on the left since the disc went", "foot_drop"),
    ("hot then cold all night and my back aches deep inside, I feel rotten", "fever_unwell"),
    ("took the strongest tablets I have and I'm still screaming in agony", "uncontrolled_pain"),
    ("my spotter let go and the bar came down right on my spine", "major_trauma"),
    ("heard a crack picking up my son and now I'm stuck bent over, can't straighten up", "pop_cannot_move"),
    # not red flags about this person now
    ("felt like I'd been run over by a bus after that spin class, everything aches", None),
    ("shivering like mad after the cold plunge, back feels loads better", None),
    ("collapsed on the sofa after the half, legs tired, back a bit stiff", None),
    ("small slip off the wall, barely a metre onto the pads, back's a bit tight", None),
    ("my cousin was in a car crash, my back hurts from the hospital chairs", None),
    ("does having a temperature mean it's an infection? I haven't got one", None),
    ("contrast showers, hot then cold: good for DOMS?", None),
    ("night sweats? no. pain at night? a little", None),
    ("my foot has dragged a bit since a nerve injury in 2009, same as ever", None),
]
BLIND11_CLASSES = [
    ("keep needing the loo but can only squeeze out a dribble since I hurt my back", "bladder_dysfunction"),
    ("desperate for a pee since my back went but nothing will come", "bladder_dysfunction"),
    ("back's gone and I've not managed a slash since this morning", "bladder_dysfunction"),
    ("poo slips out without me knowing since my back went", "bowel_dysfunction"),
    ("should I be worried that my groin has no feeling since squats?", "saddle_anaesthesia"),
    ("numb between legs since the gym", "saddle_anaesthesia"),
    ("my willy won't work since my back went, zero feeling", "sexual_dysfunction"),
    ("would it be bad if the sciatica went down both legs? cos mine does, right now", "bilateral_sciatica"),
    ("last year it was one side, this time the sciatic pain is in both", "bilateral_sciatica"),
    ("both my knees keep buckling when I walk", "bilateral_leg_weakness"),
    ("can barely lift either leg off the bed", "bilateral_leg_weakness"),
    ("the bar came down hard on my lower spine when I failed the squat", "major_trauma"),
    ("freezing cold then boiling hot all night, teeth chattering, back is killing me", "fever_unwell"),
    ("I've been slamming meth lately and my back is getting worse", "immunosuppression_ivdu"),
    ("max dose of co-codamol and it's not even dulled", "uncontrolled_pain"),
    # not red flags about this person now
    ("shivering through my warm-up in a freezing cold gym, back stiff till I warmed up", None),
    ("our midfield collapsed in the second half, my back's just sore", None),
    ("my iced coffee looked like cola, back's sore from rows", None),
    ("had trouble peeing after my op in May but it sorted itself out", None),
    ("what's foot drop and how would I know if I had it?", None),
    ("is it worth going to A&E if ibuprofen doesn't help? mine does help", None),
    ("my lower back gives out before my legs on heavy squats", None),
]
# blind11's conversation transcripts (session 9): a sentence that ends by denying what it describes
SESSION9_CLASSES = [
    ("the only hot thing about me is my playlist, so no fever", None),
    ("I checked my temperature twice and it was fine, so no.", None),
    ("shivering and sweating all night, so no gym for me", "fever_unwell"),
]


# blind12's conversation transcripts (session 10): painkillers that change nothing
SESSION10_CLASSES = [
    ("took naproxen twice and it changed nothing, still can't sit", "uncontrolled_pain"),
    ("paracetamol and ibuprofen every 4 hours, nothing changes", "uncontrolled_pain"),
    ("the ibuprofen made no difference at all and it's a 9", "uncontrolled_pain"),
    ("I didn't even warm up, back is sore, took a paracetamol", None),
    # blind13's transcripts: the sign in other words, and what is only read about or cleared at once
    ("I don't have any control of my bowels since the deadlifts", "bowel_dysfunction"),
    ("haven't got any feeling down below since I hurt my back", "saddle_anaesthesia"),
    ("sorry, the plumbing is not cooperating since my back went", "bladder_dysfunction"),
    ("bladder's being shy since the injury, it takes an age to get going", "bladder_dysfunction"),
    ("I've been reading about bowel incontinence and back pain and got scared", None),
    ("I hit the ground diving for a catch but that's normal, back a bit stiff", None),
]
# blind14's conversation transcripts (session 11): reaching a record, a fall into water, whose symptom
# it is said after it, a weight striking the back as the object, night sweats in other words
SESSION11_CLASSES = [
    ("hit a new deadlift PR on Friday, the bar was heavy on my back for the walkout", None),
    ("nailed it, hit my squat pb and the barbell sat on my back fine", None),
    ("came off the SUP loads of times but only into the sea, back's a bit tight", None),
    ("fell off my paddle board twice yesterday, lower back sore today", None),
    ("the one who keeps wetting himself is my four-year-old, my back is just stiff", None),
    ("the kettlebell clipped my spine on the way down and it's agony", "major_trauma"),
    ("the bar hit my lower back when I failed the rep", "major_trauma"),
    ("woke up twice having sweated through the sheets, my back is throbbing", "fever_unwell"),
    # blind13's red-flag misses and false alarms (being tuned): the sign in other words, and gym talk
    ("pain travels from my back down into both my calves since the deadlifts", "bilateral_sciatica"),
    ("the power is draining out of my legs, both of them, since the squats", "bilateral_leg_weakness"),
    ("went off the top of the climbing frame, about 2 metres, and landed on my bum, back is agony", "major_trauma"),
    ("the whole pack piled on top of me in the ruck and my spine is screaming", "major_trauma"),
    ("slid down the pole and landed on my bum on the crash mat, nothing really, just sore", None),
    ("Is it normal to feel a pop and then not be able to move at all? Happened just now on a deadlift",
     "pop_cannot_move"),
    ("my 10k time collapsed in the last mile, lower back tight", None),
    ("the film was so scary I got the chills, back's stiff from the sofa", None),
    ("been mainlining espresso all week, back is stiff from my desk", None),
    ("back feels like I've been run over by a bus after the WOD but I move fine", None),
    ("picked up some temp work on a building site and my back aches", None),
    ("it's agony, but nobody landed on my back, it was just the pressure of the tackle", None),
    ("is numbness in the groin one of the warning signs I should watch for?", None),
]


# blind14's red-flag misses and false alarms (being tuned from session 12), in other words
SESSION12_CLASSES = [
    ("since my back went I only manage dribs and drabs at the toilet", "bladder_dysfunction"),
    ("sciatica down my left leg since monday and now it's in the right leg too", "bilateral_sciatica"),
    ("neither leg will hold me on the stairs since the deadlifts", "bilateral_leg_weakness"),
    ("every muscle is wrecked after the marathon and my pee is like strong coffee", "dark_urine_after_exercise"),
    ("I inject with a needle most weekends and my back has ached since the gym", "immunosuppression_ivdu"),
    ("i take the pills but nothing help, back very bad", "uncontrolled_pain"),
    ("my downstairs isn't responding since the lift", "sexual_dysfunction"),
    ("around my bottom I do not feel it when I touch since the squats", "saddle_anaesthesia"),
    ("couldn't straighten my legs after the spin class, thighs are agony", None),
    ("I use insulin pens for my diabetes, back stiff after rowing", None),
    ("my legs went numb from the cold on the bike, back a bit achy", None),
    ("got shivers down my spine at the finish line, back's tight", None),
    ("shivering all evening because the heating's off, back is stiff", None),
    ("my foot went dead from sitting cross-legged in yoga, back fine", None),
    ("lost strength in my legs since I stopped training in the summer, back is stiff", None),
    ("couldn't get it up, to be fair I'd had six pints, back sore from squash", None),
    ("my foot keeps catching on the trail because the sole of my shoe is peeling, back tight", None),
    ("does a high temperature with back pain matter? I don't have one", None),
    # blind15's misses (being tuned from session 12), in other words
    ("sat on the loo and had to push and push, and it still doesn't feel empty", "bladder_dysfunction"),
    ("can't go at all. last time I peed was yesterday morning", "bladder_dysfunction"),
    ("my legs won't do what I tell them since the squats, both wobbly", "bilateral_leg_weakness"),
    ("a runner ploughed into me on the track and I landed on my back, it's agony", "major_trauma"),
    ("pee looks like root beer after the 24 hour challenge, muscles wrecked", "dark_urine_after_exercise"),
    ("my foot just hangs when I lift my leg since my back went", "foot_drop"),
    ("the ibuprofen is not reducing the back pain at all", "uncontrolled_pain"),
    ("it's not going down either leg, only my lower back aches", None),
]


@pytest.mark.parametrize("text,flag", BLIND10_CLASSES + BLIND11_CLASSES + SESSION9_CLASSES + SESSION10_CLASSES
                         + SESSION11_CLASSES + SESSION12_CLASSES)
def test_classes_found_by_blind10_and_blind11(detector, text, flag):
    assert [h.flag_id for h in detector.detect(text)][:1] == ([flag] if flag else [])


@pytest.mark.parametrize("text,flag", [
    ("yeah it popped but I walked it off", None),
    ("something cracked as I twisted, felt a bit better after", None),
    ("yes a loud pop, I'm stuck on the floor", "pop_cannot_move"),
])
def test_a_pop_said_with_moving_on_does_not_take_the_screen_question_s_cannot_move(detector, text, flag):
    concepts = detector.analyse(text).concepts
    assert redflags.in_answer_to("screen_infection", concepts) == flag


def test_a_concept_denied_in_one_sentence_and_named_in_another_is_reported_denied(detector):
    """"No pop. The only thing that popped was a cork": the pop is named, but the writer denied it,
    so the safety screen's subject (a pop and being unable to move) is not lent to it."""
    found = detector.analyse("No pop. The only thing that popped was a cork")
    assert "POP" in found.concepts and "POP" in found.denied and not found.hits
