"""Writes tests/test_stories.yml from compact conversation outlines (kept for maintainers).

Each outline is a list of turns: ("intent", {entities}) for the user, or a string for a bot
action; "FORM" = the form asks its next question, "DONE" = the form finishes and the summary
follows. The generated file is what `rasa test` reads; edit outlines here and re-run.
"""

from __future__ import annotations

from pathlib import Path

import yaml

FORM = "FORM"
DONE = "DONE"
OPEN = "OPEN"  # the form starts


def U(intent: str, **entities: str) -> tuple[str, dict]:
    return (intent, entities)


def steps(outline: list) -> list[dict]:
    out: list[dict] = []
    for turn in outline:
        if isinstance(turn, tuple):
            intent, entities = turn
            step: dict = {"intent": intent}
            if entities:
                step["entities"] = [{k: v} for k, v in entities.items()]
            out.append(step)
        elif turn == OPEN:
            out += [{"action": "assessment_form"}, {"active_loop": "assessment_form"}]
        elif turn == FORM:
            out.append({"action": "assessment_form"})
        elif turn == DONE:
            out += [{"action": "assessment_form"}, {"active_loop": None},
                    {"slot_was_set": [{"requested_slot": None}]}, {"action": "action_triage_summary"}]
        elif turn == "RESUME":
            out += [{"action": "assessment_form"}, {"active_loop": "assessment_form"}]
        elif turn == "ESCALATE_IN_FORM":
            out += [{"action": "utter_red_flag"}, {"action": "action_escalate_red_flag"}, {"active_loop": None}]
        elif turn == "ESCALATE":
            out += [{"action": "utter_red_flag"}, {"action": "action_escalate_red_flag"}, {"active_loop": None}]
        else:
            out.append({"action": turn})
    return out


def answers(*pairs: tuple[str, str]) -> list:
    """Form answers given one by one (as a button or typed), each followed by the next question."""
    out: list = []
    for slot, value in pairs:
        out += [U("inform", **{slot: value}), FORM]
    return out


FULL_REST = [("pain_side", "both_sides"), ("pain_radiates", "none"), ("leg_weakness", "no"),
             ("red_flag_screen", "none"), ("pain_duration", "under_2_days"), ("pain_trend", "same"),
             ("pain_severity", "4")]

STORIES: dict[str, list] = {
    # --- self_care, rich opening that skips questions ---------------------------------------
    "DOMS after deadlifts: rich opening skips questions, self-care": [
        U("describe_symptoms", pain_location="lower_back", pain_character="dull_ache", exercise="deadlift",
          pain_onset="next_day"), OPEN,
        *answers(*FULL_REST), "DONE_AGE",
    ],
    "strain: sharp one-sided pain during squats, self-care": [
        U("describe_symptoms", pain_character="sharp", pain_side="one_side", exercise="squat",
          pain_onset="during_exercise", pain_location="lower_back"), OPEN,
        *answers(("pain_radiates", "none"), ("leg_weakness", "no"), ("red_flag_screen", "none"),
                 ("pain_duration", "under_2_days"), ("pain_trend", "improving"), ("pain_severity", "5")),
        U("inform", age_band="18_to_49"), DONE,
    ],
    "bare description then every question answered": [
        U("describe_symptoms"), OPEN,
        *answers(("pain_location", "lower_back"), ("pain_onset", "hours_later"), ("pain_character", "stiffness"),
                 *FULL_REST, ("exercise", "running")),
        U("inform", age_band="18_to_49"), DONE,
    ],
    # --- see_doctor ------------------------------------------------------------------------------
    "pain below the knee with tingling: see a doctor": [
        U("describe_symptoms", pain_location="lower_back", pain_radiates="below_knee", numbness="yes",
          pain_character="shooting", exercise="deadlift"), OPEN,
        *answers(("pain_onset", "next_day"), ("pain_side", "one_side"), ("leg_weakness", "no"),
                 ("red_flag_screen", "none"), ("pain_duration", "2_to_7_days"), ("pain_trend", "same"),
                 ("pain_severity", "6")),
        U("inform", age_band="18_to_49"), DONE,
    ],
    "worse over a week: see a doctor": [
        U("describe_symptoms", pain_location="lower_back", pain_duration="1_to_6_weeks", pain_trend="worsening"),
        OPEN,
        *answers(("pain_onset", "during_exercise"), ("pain_character", "dull_ache"), ("pain_side", "centre"),
                 ("pain_radiates", "none"), ("leg_weakness", "no"), ("red_flag_screen", "none"),
                 ("pain_severity", "5"), ("exercise", "crossfit")),
        U("inform", age_band="18_to_49"), DONE,
    ],
    "new back pain over 50: see a doctor": [
        U("describe_symptoms", pain_location="mid_back", age_band="50_plus", exercise="rows"), OPEN,
        *answers(("pain_onset", "next_day"), ("pain_character", "dull_ache"), ("pain_side", "both_sides"),
                 ("pain_radiates", "none"), ("leg_weakness", "no"), ("red_flag_screen", "none"),
                 ("pain_duration", "2_to_7_days"), ("pain_trend", "same")),
        U("inform", pain_severity="4"), DONE,
    ],
    # --- urgent / emergency ----------------------------------------------------------------------
    "leg weakness answered in the form: urgent summary": [
        U("describe_symptoms", pain_location="lower_back", exercise="deadlift"), OPEN,
        *answers(("pain_onset", "during_exercise"), ("pain_character", "sharp"), ("pain_side", "one_side"),
                 ("pain_radiates", "below_knee"), ("numbness", "yes"), ("leg_weakness", "yes"),
                 ("red_flag_screen", "none"), ("pain_duration", "2_to_7_days"), ("pain_trend", "worsening"),
                 ("pain_severity", "7")),
        U("inform", age_band="18_to_49"), DONE,
    ],
    "red flag as the opening message": [
        U("report_red_flag", red_flag="bladder_dysfunction", triage_level="emergency"), "ESCALATE",
    ],
    "urgent red flag as the opening message": [
        U("report_red_flag", red_flag="fever_unwell", triage_level="urgent"), "ESCALATE",
    ],
    "red flag in the middle of the questions": [
        U("describe_symptoms", pain_location="lower_back"), OPEN,
        *answers(("pain_onset", "next_day")),
        U("report_red_flag", red_flag="saddle_anaesthesia", triage_level="emergency"), "ESCALATE_IN_FORM",
    ],
    "red flag through the safety-check button": [
        U("describe_symptoms", pain_location="lower_back", pain_onset="next_day", pain_character="dull_ache",
          pain_side="both_sides", pain_radiates="none"), OPEN,
        *answers(("leg_weakness", "no")),
        U("report_red_flag", red_flag="major_trauma", triage_level="emergency"), "ESCALATE_IN_FORM",
    ],
    "red flag right after a knowledge answer": [
        U("ask_self_care", topic="remedies:ice"), "action_answer_question",
        U("report_red_flag", red_flag="bilateral_leg_weakness", triage_level="emergency"), "ESCALATE",
    ],
    "red flag after the summary": [
        U("describe_symptoms", pain_location="lower_back", pain_onset="next_day", pain_character="dull_ache",
          pain_side="both_sides", pain_radiates="none", leg_weakness="no", exercise="squat",
          pain_duration="under_2_days", pain_trend="same", pain_severity="3", age_band="18_to_49"), OPEN,
        U("inform", red_flag_screen="none"), DONE,
        U("report_red_flag", red_flag="foot_drop", triage_level="urgent"), "ESCALATE",
    ],
    "negated red flag mid-form is just an answer": [
        U("describe_symptoms", pain_location="lower_back", pain_onset="next_day"), OPEN,
        *answers(("pain_character", "dull_ache"), ("pain_side", "both_sides"), ("pain_radiates", "none"),
                 ("leg_weakness", "no")),
        U("deny"), FORM,
    ],
    # --- digressions -----------------------------------------------------------------------------
    "ice or heat in the middle, then the form resumes": [
        U("describe_symptoms", pain_location="lower_back"), OPEN,
        U("ask_self_care", topic="remedies:ice"), "action_answer_question", "RESUME",
        *answers(("pain_onset", "next_day")),
    ],
    "what is DOMS in the middle": [
        U("describe_symptoms", pain_location="lower_back", pain_onset="next_day"), OPEN,
        U("ask_condition_info", topic="causes:doms"), "action_answer_question", "RESUME",
        *answers(("pain_character", "dull_ache")),
    ],
    "deadlift form question in the middle": [
        U("describe_symptoms", pain_location="lower_back"), OPEN,
        U("ask_exercise_safety", exercise="deadlift"), "action_answer_question", "RESUME",
    ],
    "when to see a doctor in the middle": [
        U("describe_symptoms"), OPEN,
        U("ask_see_doctor"), "action_answer_question", "RESUME",
    ],
    "prevention question in the middle": [
        U("describe_symptoms", exercise="running"), OPEN,
        U("ask_prevention"), "action_answer_question", "RESUME",
    ],
    "why does it hurt in the middle": [
        U("describe_symptoms", exercise="squat"), OPEN,
        U("ask_cause"), "action_answer_question", "RESUME",
    ],
    "are you a bot in the middle": [
        U("describe_symptoms"), OPEN,
        U("bot_challenge"), "utter_iamabot", "RESUME",
    ],
    "talk to someone in the middle": [
        U("describe_symptoms"), OPEN,
        U("request_human"), "action_handover", "RESUME",
    ],
    "capabilities in the middle": [
        U("describe_symptoms"), OPEN,
        U("ask_capabilities"), "utter_capabilities", "RESUME",
    ],
    # --- don't know, stop ------------------------------------------------------------------------
    "I don't know is an answer, not a loop": [
        U("describe_symptoms", pain_location="lower_back"), OPEN,
        U("dont_know"), FORM, U("dont_know"), FORM, *answers(("pain_side", "one_side")),
    ],
    "stop the questions": [
        U("describe_symptoms"), OPEN, *answers(("pain_location", "lower_back")),
        U("stop"), "action_deactivate_loop", {"active_loop": None}, {"slot_was_set": [{"requested_slot": None}]},
        "utter_stop_form",
    ],
    "goodbye in the middle ends the questions": [
        U("describe_symptoms"), OPEN,
        U("goodbye"), "action_deactivate_loop", {"active_loop": None},
        {"slot_was_set": [{"requested_slot": None}]}, "utter_goodbye",
    ],
    # --- free questions and small talk ---------------------------------------------------------
    "greet, ask, thank, bye": [
        U("greet"), "utter_greet", U("ask_condition_info", topic="causes:sciatica"), "action_answer_question",
        U("thank"), "utter_noworries", U("goodbye"), "utter_goodbye",
    ],
    "ask why then accept the assessment": [
        U("ask_cause", exercise="deadlift"), "action_answer_question", U("describe_symptoms"), OPEN,
    ],
    "ice or heat, painkillers": [
        U("ask_self_care", topic="remedies:ice"), "action_answer_question",
        U("ask_self_care", topic="remedies:otc_pain_relief"), "action_answer_question",
    ],
    "keep training and return to lifting": [
        U("ask_exercise_safety", topic="guidance:keep_training"), "action_answer_question",
        U("ask_exercise_safety", topic="guidance:return_to_lifting"), "action_answer_question",
    ],
    "out of scope and capabilities": [
        U("out_of_scope"), "utter_out_of_scope", U("ask_capabilities"), "utter_capabilities",
    ],
    "talk to someone": [U("request_human"), "action_handover"],
    "a stray answer offers the assessment, accepted": [
        U("inform", exercise="deadlift"), "utter_offer_assessment", U("affirm"), OPEN,
    ],
    "a stray answer offers the assessment, declined": [
        U("inform", pain_location="lower_back"), "utter_offer_assessment", U("deny"), "utter_ok",
    ],
    "not understood": [U("nlu_fallback"), "utter_default"],
    "check-in after the summary, reported worse": [
        U("describe_symptoms", pain_location="lower_back", pain_onset="next_day", pain_character="dull_ache",
          pain_side="both_sides", pain_radiates="none", leg_weakness="no", exercise="squat",
          pain_duration="under_2_days", pain_trend="same", pain_severity="3", age_band="18_to_49"), OPEN,
        U("inform", red_flag_screen="none"), DONE,
        U("request_checkin"), "action_schedule_checkin",
        U("EXTERNAL_checkin"), "utter_checkin", U("inform", pain_trend="worsening"), "action_checkin_reply",
    ],
}


def expand(outline: list) -> list:
    out = []
    for turn in outline:
        if turn == "DONE_AGE":
            out += [U("inform", age_band="18_to_49"), DONE]
        else:
            out.append(turn)
    return out


def main() -> None:
    stories = []
    for name, outline in STORIES.items():
        expanded = [t for t in expand(outline)]
        body = []
        for turn in expanded:
            if isinstance(turn, dict):
                body.append(turn)
            else:
                body += steps([turn])
        # the first reply of a session carries the disclaimer (after the warning for a red flag)
        first_bot = 1 if body[0].get("intent") != "report_red_flag" else 2
        body.insert(first_bot, {"action": "utter_disclaimer"})
        stories.append({"story": name, "steps": body})
    header = ("# Generated by scripts/dev/make_test_stories.py: dialogue paths checked by `rasa test`\n"
              "# with --fail-on-prediction-errors. Message wording is tested end to end in\n"
              "# tests/test_conversations.py and by the NLU evaluations.\n")
    text = yaml.safe_dump({"version": "3.1", "stories": stories}, sort_keys=False, allow_unicode=True, width=100)
    Path("tests/test_stories.yml").write_text(header + text)
    print(f"{len(stories)} stories")


if __name__ == "__main__":
    main()
