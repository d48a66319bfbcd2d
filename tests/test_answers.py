"""Answer readers on replies written by someone who never saw them (tests/answers_phrasings.yml),
plus the reading rules the form depends on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from backstop import answers

PHRASINGS = yaml.safe_load((Path(__file__).parent / "answers_phrasings.yml").read_text())
CASES = [(slot, c["text"], c["expect"]) for slot, cases in PHRASINGS.items() for c in cases]


def expected_value(slot: str, expect: object) -> object:
    if slot == "pain_severity" and expect not in (None, "unknown"):
        return float(expect)
    return expect


@pytest.mark.parametrize("slot,text,expect", CASES, ids=[f"{s}:{t[:30]}" for s, t, _ in CASES])
def test_reader(slot, text, expect):
    assert answers.read(slot, text, "inform") == expected_value(slot, expect)


def test_every_question_has_at_least_15_phrasings():
    assert all(len(cases) >= 15 for cases in PHRASINGS.values())


def test_a_range_is_read_as_its_upper_end():
    assert answers.read("pain_severity", "3 or 4", "inform") == 4.0


def test_see_doctor_facts_are_read_from_any_reply():
    assert answers.read_serious("I had chemo for lymphoma two years ago", "inform", []) == {"history_cancer": "yes"}
    assert answers.read_serious("my mum had breast cancer", "inform", []) == {}
    assert answers.read_serious("Nah. Old man had bowel cancer but I've had the screening", "inform", []) == {}
    # a relative named in another clause does not make one's own cancer theirs
    assert answers.read_serious("my wife made me ask. I had breast cancer in 2015", "inform", []) == {
        "history_cancer": "yes"}
    assert answers.read_serious("I've lost weight but I'm cutting on purpose", "inform", []) == {}
    assert answers.read_serious("it wakes me every night", "inform", []) == {"night_pain": "yes"}


@pytest.mark.parametrize("text,expect", [
    ("no steroids, chemo or anything like that", {}),
    ("I've never had cancer", {}),
    ("No, but I had chemo last year", {"history_cancer": "yes"}),
    ("No, I had chemo in 2019", {"history_cancer": "yes"}),
    ("I haven't lost weight", {}),
    ("down like 12 pounds and I haven't been dieting", {"weight_loss": "yes"}),
])
def test_a_negation_covers_a_list_until_the_writer_speaks_of_themselves_again(text, expect):
    assert answers.read_serious(text, "inform", []) == expect


def test_questions_of_ones_own_are_told_from_answers_that_say_nothing():
    assert answers.asks("should I use ice?") and answers.asks("what about stretching")
    assert not answers.asks("my legs are fine, it's just the back")
    assert not answers.asks("on my last warm-up set")


def test_stop_needs_words_that_say_stop():
    assert answers.wants_to_stop("stop asking me questions") and answers.wants_to_stop("I'd rather not say")
    assert not answers.wants_to_stop("end of the round")


VOLUNTEERED = yaml.safe_load((Path(__file__).parent / "answers_volunteered.yml").read_text())
FACT_SLOTS = {"pain_location", "pain_onset", "pain_character", "pain_side", "pain_radiates", "pain_duration",
              "pain_trend"}


@pytest.mark.parametrize("case", VOLUNTEERED, ids=[f"{c['asked']}:{c['text'][:30]}" for c in VOLUNTEERED])
def test_facts_volunteered_for_other_questions(case):
    from backstop import extract

    entities = [e.as_rasa("backstop") for e in extract.default().extract(case["text"])]
    got = answers.volunteered(case["text"], "inform", entities, case["asked"],
                              screen=case["asked"].startswith("screen_"))
    assert {k: v for k, v in got.items() if k in FACT_SLOTS} == (case["expect"] or {})


@pytest.mark.parametrize("text,expect", [("no better even though I've rested", "same"),
                                         ("getting worse, not better", "worsening"), ("not getting any worse", "same"),
                                         ("no, getting better", "improving"), ("isn't getting better", "same"),
                                         ("not really improving", "same"),
                                         ("about the same, maybe slightly better", "same"),
                                         ("it was easing but now it's back", "same"), ("comes and goes", "same"),
                                         ("it gets better when I warm up", None),
                                         ("a little better each day", "improving")])
def test_trend_reads_negations_and_never_reads_a_mixed_answer_as_better(text, expect):
    assert answers.read_trend(text, "inform", []) == expect


@pytest.mark.parametrize("text,expect", [
    ("Rowing has done my lower back in and nothing I do seems to help.", "yes"),
    ("Same as day one. I've done heat, stretching, ibuprofen - none of it's made a dent", "yes"),
    ("no better at all despite doing everything the leaflet says", "yes"),
    ("no improvement with rest or stretching", "yes"),
    ("Honestly no better at all, and I've been doing everything: heat, the stretches, walking", "yes"),
    ("tried literally everything and zero improvement", "yes"),
    ("I've been doing everything the physio said and it's a lot better", None),
    ("exactly the same as day one. I've done heat, the gentle stretches, ibuprofen, walking, and it hasn't budged",
     "yes"),
    ("I've been doing everything right but it just isn't shifting", "yes"),
    ("heat helps and it's a bit better each day", None),
    ("stretching helps a lot", None),
    ("what if nothing helps?", None),
    ("my dad says nothing helps his back", None),
])
def test_self_care_that_has_not_helped_is_a_fact(text, expect):
    assert answers.volunteered(text, "inform", [], "pain_trend").get("self_care_failed") == expect


@pytest.mark.parametrize("text", ["No, I chased the kids around again last night so definitely not",
                                  "absolutely not", "nope, certainly not weak"])
def test_a_sure_no_is_a_no(text):
    assert answers.read_weakness(text, "inform", []) == "no"


@pytest.mark.parametrize("text,expect", [
    ("nah leg's strong, just feels kinda asleep", "no"),     # opens with a no, names no weakness
    ("no, but my left leg is a bit weak", "yes"),
    ("yes both. worse since this morning", "yes"),
])
def test_a_reply_that_opens_with_no_and_names_nothing_asked_is_a_no(text, expect):
    assert answers.read_weakness(text, "inform", []) == expect


def test_both_in_reply_to_a_question_about_either_leg_is_both_legs():
    assert answers.leg_sides("yes both. cant do stairs now", legs_asked=True) == {"left", "right"}
    assert answers.leg_sides("yes both", legs_asked=False) == set()


@pytest.mark.parametrize("text,slot,expect", [
    ("Yes, I lose maybe 7 kilo in two months, I don't try", "weight_loss", "yes"),
    ("trying to lose 5 kg for a comp", "weight_loss", None),
])
def test_weight_loss_with_a_number(text, slot, expect):
    assert answers.read_serious(text, "inform", []).get(slot) == expect


def test_a_downhill_run_is_not_a_trend():
    assert answers.read_trend("big downhill trail run", "inform", []) is None
    assert answers.read_trend("it's gone downhill since Monday", "inform", []) == "worsening"
    assert answers.read_radiates("down the outside of my left leg", "inform", []) == "above_knee"


@pytest.mark.parametrize("text,expect", [
    ("Went to my first spin class in like two years and now my lower back aches", None),
    ("haven't lifted in six months, back's been sore since Monday", None),  # which time is the pain's: ask
    ("my back has been sore for two weeks now", "1_to_6_weeks"),
])
def test_time_since_they_last_trained_is_not_how_long_it_has_hurt(text, expect):
    assert answers.volunteered(text, "describe_symptoms", [], None).get("pain_duration") == expect


@pytest.mark.parametrize("text", ["About 1500 metres into the 2k on Saturday", "two laps into the race",
                                  "an hour into the hike", "a couple of rounds into the WOD"])
def test_how_far_into_the_session_is_during_it(text):
    assert answers.read_onset(text, "inform", []) == "during_exercise"


@pytest.mark.parametrize("text,expect", [
    ("yo so i wrecked my back at crossfit, whats the move here", True),
    ("did my back in on squats, can I still run?", True),
    ("how do I deadlift without hurting my back?", False),
    ("best way to protect my lower back when rowing?", False),
])
def test_own_pain_now_is_told_apart_from_keeping_it_from_hurting(text, expect):
    assert answers.reports_own_pain(text) == expect


def test_misspelt_cue_words_are_read():
    text = "no beter at all, ive done heat, the stretches, walkin, nothin changed in 6 days"
    assert answers.read_trend(text, "inform", []) == "same"
    assert answers.volunteered("same as day one despite doin all the self care", "inform", [], "pain_trend") == {
        "self_care_failed": "yes"}
    assert answers.read_location("lowr back", "inform", []) == "lower_back"


def test_an_activity_the_knowledge_base_does_not_know_is_still_an_answer():
    assert answers.read_exercise("Gardening: digging, barrowing compost, that sort of thing, most days",
                                 "inform", []) == "other"


@pytest.mark.parametrize("text,slot,expect", [
    ("it didn't wake me, I just noticed it turning over", "night_pain", None),
    ("No, not myself. My late husband had bowel cancer", "history_cancer", None),
    ("it wakes me every night", "night_pain", "yes"),
])
def test_the_serious_screen_reads_past_tense_negations_and_relatives(text, slot, expect):
    assert answers.read_serious(text, "inform", []).get(slot) == expect


def test_worse_the_next_morning_is_how_it_went_on_not_when_it_started_or_a_trend():
    text = "last 20 miles of the ride it started aching, worse next morning"
    assert answers.read_onset(text, "inform", []) == "during_exercise"
    assert answers.read_trend("worse when I sit", "inform", []) is None
    assert answers.read_trend("getting worse every day", "inform", []) == "worsening"


def test_the_leg_said_to_be_fine_is_not_a_side_with_symptoms():
    assert answers.leg_sides("tingly pins and needles down the left leg, right leg is normal", legs_asked=True) == {
        "left"}
    assert answers.leg_sides("left leg is numb and the right leg too", legs_asked=True) == {"left", "right"}


@pytest.mark.parametrize("slot,text,expect", [
    ("age_band", "52, no sorry, typo, 25", "18_to_49"),
    ("pain_radiates", "Round to the front, into my belly", "none"),
    ("pain_character", "A tearing sort of pain", "sharp"),
    ("pain_onset", "On the third day of walking, coming down Helvellyn", "during_exercise"),
    ("pain_onset", "midway through the holiday", "during_exercise"),
    ("pain_radiates", "goes down teh back of my left leg to the kne", "above_knee"),
])
def test_answers_people_give_to_the_question_asked(slot, text, expect):
    assert answers.read(slot, text, "inform") == expect


def test_a_bad_back_is_ones_own_pain():
    assert answers.describes_pain("came home from a walking holiday with a bad back")


def test_a_body_part_in_an_exercise_is_not_pain_that_spreads():
    entities = [{"entity": "pain_radiates", "value": "below_knee", "start": 23, "end": 27}]
    text = "Did a WOD with loads of toes-to-bar and my low back is achy today"
    assert "pain_radiates" not in answers.volunteered(text, "describe_symptoms", entities, None)
    text = "my back hurts and it goes down to my toes"
    entities = [{"entity": "pain_radiates", "value": "below_knee", "start": 37, "end": 41}]
    assert answers.volunteered(text, "describe_symptoms", entities, None)["pain_radiates"] == "below_knee"


def test_weight_in_a_yes_pressure_pain_and_me_back():
    assert answers.read_serious("No. Yes, 6 kilos in two months, I am not doing diet. No", "inform", []) == {
        "weight_loss": "yes"}
    assert answers.read_character("Like a weight, a pressure", "inform", []) == "dull_ache"
    assert answers.read_weakness("my knee has given way twice, could not get up from the chair", "inform", []) == "yes"
    assert answers.describes_pain("did summat to me back at netball")


@pytest.mark.parametrize("slot,text", [
    ("leg_weakness", "sorry I meant the right side not the left"),
    ("leg_weakness", "no wait, it's the right side"),
    ("numbness", "I meant it started the next day, not during"),
])
def test_a_correction_of_an_earlier_answer_is_no_answer_to_a_symptom_question(slot, text):
    """An unanswered safety question is not a "no": "... not the left" corrects the side."""
    assert answers.read(slot, text, "inform") is None


def test_a_correction_that_names_the_symptom_still_answers():
    assert answers.read("leg_weakness", "actually no, not weak at all", "inform") == "no"


@pytest.mark.parametrize("text,expect", [
    ("I do yoga three evenings a week, sore for about a fortnight", "1_to_6_weeks"),
    ("train 6 days a week; it's been hurting 2 days", "2_to_7_days"),
    ("I run twice a week", None),
])
def test_how_often_they_train_is_not_how_long_it_has_hurt(text, expect):
    assert answers.read("pain_duration", text, "inform") == expect


@pytest.mark.parametrize("slot,text,expect", [
    # item by item, each said to be fine, or about someone else
    ("screen_cauda", "Me? Nope, toilet's normal. My brother's disc squashed a nerve, but I'm fine. Nothing numb. No",
     "none"),
    ("screen_cauda", "Waterworks all in order. Can feel everything normally. No falls. Normal colour. No", "none"),
    ("screen_infection", "Temperature was 36.8 this morning, so no. Immune system's fine. Never. Paracetamol helped. "
     "No", "none"),
    # one item that is not a no leaves the answer unread
    ("screen_cauda", "Waterworks fine. It feels odd when I wipe. No. Normal. No", None),
    ("screen_infection", "Immune system's fine. Bit shivery. No. No. No", None),
    ("screen_cauda", "Everything's not normal down there. No. No", None),
])
def test_an_item_by_item_screen_answer(slot, text, expect):
    assert answers.read(slot, text, "inform") == expect


@pytest.mark.parametrize("text,expect", [
    ("my legs work fine, just aching", "no"), ("they still work, they're just tired", "no"),
    ("I can still walk normally", "no"), ("legs don't work properly since", None),
])
def test_legs_that_work_are_not_weak(text, expect):
    assert answers.read("leg_weakness", text, "inform") == expect


# blind12's conversation transcripts (session 10)
@pytest.mark.parametrize("slot,text,expect", [
    ("pain_location", "right about where my belt sits", "lower_back"),
    ("pain_location", "down in the back, round the waistband", "lower_back"),
    ("pain_side", "bilateral", "both_sides"), ("pain_side", "symmetric, I'd say", "both_sides"),
    ("pain_side", "unilateral, L side", "one_side"),
    ("leg_weakness", "strength's normal, did a heel walk test", "no"),
    ("leg_weakness", "power is full both sides", "no"),
    ("leg_weakness", "I can toe walk but my left heel walk is pathetic", None),
])
def test_landmarks_and_clinical_words_answer_the_question(slot, text, expect):
    assert answers.read(slot, text, "inform") == expect


@pytest.mark.parametrize("text,expect", [
    ("No. Is this cancer though? My nan had it. No. No", {}),
    ("none personally. Dad had prostate cancer. Weight's the same", {}),
    ("Yes, breast cancer eight years ago, could it be back?", {"history_cancer": "yes"}),
    ("Cancer? No. Weight? Same. At night? Sore turning over, never wakes me", {}),
])
def test_a_worry_or_a_relatives_cancer_is_not_a_history(text, expect):
    assert answers.read_serious(text, "inform", ()) == expect


@pytest.mark.parametrize("text,expect", [
    ("Apyrexial. Not on any immunosuppressants. Never. Co-codamol, works well. No", "none"),
    ("Not great, clammy and shivery. No. No. No. No", None),
])
def test_clinical_denials_in_an_item_by_item_screen_answer(text, expect):
    assert answers.read("screen_infection", text, "inform") == expect


# blind13's conversation transcripts (session 10)
@pytest.mark.parametrize("slot,text,expect", [
    ("leg_weakness", "Weak in what way? Nope, stairs are fine", "no"),
    ("pain_severity", "Out of 10? I'd say a five", 5.0),
    ("numbness", "Numb? yeah a bit in my left foot", "yes"),
    ("leg_weakness", "is it bad that my right leg keeps giving way?", "yes"),  # all question: read whole
])
def test_a_question_asked_back_is_not_the_answer(slot, text, expect):
    assert answers.read(slot, text, "inform") == expect


@pytest.mark.parametrize("text,expect", [
    ("doing a 28 day yoga challenge, back sore since yesterday", "under_2_days"),
    ("week 2 of a 12 week marathon plan, sore for 3 days", "2_to_7_days"),
])
def test_how_long_a_plan_runs_is_not_how_long_it_has_hurt(text, expect):
    assert answers.read("pain_duration", text, "inform") == expect


@pytest.mark.parametrize("text,expect", [
    ("Uhh no. Hmm, nope. I don't think so. There wasn't anything like that. No", "none"),
    ("Would a temperature matter? I haven't got one. No. No. It helped. No", "none"),
])
def test_fillers_denials_and_questions_back_in_an_item_by_item_screen(text, expect):
    assert answers.read("screen_cauda", text, "inform") == expect


@pytest.mark.parametrize("text,expect", [
    ("aches when I roll over in bed, but it never wakes me", None),
    ("in bed it's fine, sleeping through no problem", None),
    ("it wakes me every night around 3", "yes"),
])
def test_pain_on_moving_in_bed_that_does_not_wake_them_is_not_night_pain(text, expect):
    assert answers.read_serious(text, "inform", []).get("night_pain") == expect


def test_a_screen_answer_whose_night_item_says_it_does_not_wake_them_is_a_no():
    text = "Never had cancer. Weight's the same. It doesn't wake me, though rolling over in bed hurts"
    assert answers.read("screen_serious", text, "inform") == "none"


@pytest.mark.parametrize("slot,text,expect", [
    # the trend named as a question is not the answer
    ("pain_trend", "a week now, easing off, if you're wondering whether it's getting worse", "improving"),
    ("pain_trend", "it is getting worse every day", "worsening"),
    # onset told as a moment of the movement
    ("pain_onset", "swung the kettlebell and felt something catch at the top", "during_exercise"),
    ("pain_onset", "on the backswing, I felt it twang", "during_exercise"),
    ("pain_onset", "as I threw the ball it went", "during_exercise"),
])
def test_a_trend_named_as_a_question_and_onset_as_a_moment_of_the_movement(slot, text, expect):
    assert answers.read(slot, text, "inform") == expect


@pytest.mark.parametrize("text,expect", [
    ("it runs into my left calf, the right one is totally fine", {"left"}),
    ("right's fine, the left foot buzzes", {"left"}),
])
def test_a_leg_named_as_fine_is_not_a_leg_with_symptoms(text, expect):
    assert answers.leg_sides(text) == expect
