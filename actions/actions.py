"""Backstop's custom actions: thin wrappers around the ``backstop`` package."""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, ReminderScheduled, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from backstop import answers, assessment, audit, clinic, knowledge, redflags, replies, triage

logger = logging.getLogger(__name__)

INVALID = "__invalid__"
# question intents whose rules already offer the assessment after the answer (data/rules/questions.yml)
OFFERED_BY_RULES = {"ask_cause", "ask_prevention", "ask_exercise_safety"}
FOLLOW_UP_WORDS = 12  # a question this short that names no topic follows up the last one
# what a correction changed, in the confirmation
CHANGED = {"pain_location": "where it hurts", "pain_side": "the side", "pain_onset": "when it started",
           "pain_duration": "how long you've had it", "pain_severity": "how bad it is", "age_band": "your age"}
# questions about leg symptoms, and the red flag the same symptom in both legs is
LEG_QUESTIONS = {"pain_radiates": "bilateral_sciatica", "numbness": "bilateral_sciatica",
                 "leg_weakness": "bilateral_leg_weakness"}
PUSH_CHANNELS = {"socketio", "telegram", "slack", "facebook", "twilio"}
LEVEL_ORDER = triage.LEVEL_ORDER


def _send(dispatcher: CollectingDispatcher, messages: List[Dict[str, Any]]) -> None:
    for message in messages:
        dispatcher.utter_message(text=message["text"], buttons=message.get("buttons") or [])


def _entities(tracker: Tracker, name: str) -> List[Any]:
    return [e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == name]


def _before_turn(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the latest user message (the slot mappings may have changed it since),
    in this session only: a new session starts with no answers (carry_over_slots_to_new_session is off)."""
    events = tracker.events
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events))
    for event in reversed(events[:last_user]):
        if event.get("event") == "session_started":
            return None
        if event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def _intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


class ValidateAssessmentForm(FormValidationAction):
    """Reads each reply as an answer to the question asked (backstop.answers), whatever the intent
    classifier thought, asks a question at most twice, and combines red-flag evidence across turns."""

    def name(self) -> str:
        return "validate_assessment_form"

    async def required_slots(
        self, domain_slots: List[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[str]:
        if tracker.get_slot("escalated_in_form"):
            return []  # escalated while reading an answer: no more questions
        return assessment.required(tracker.slots)

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if tracker.get_slot("escalated_in_form"):
            return []  # escalated on this message already (e.g. by the conditional safety reply's check)
        requested = tracker.get_slot("requested_slot")
        intent = _intent(tracker)
        text = tracker.latest_message.get("text") or ""
        entities = tracker.latest_message.get("entities") or []
        if text.startswith("/") and intent != "inform":
            return []
        if not requested:  # the opening message activates the form: keep its red-flag concepts
            found = evidence(dispatcher, tracker) if intent != "report_red_flag" else []
            if not escalated(found):
                self._answer_opening_question(dispatcher, tracker)
            return self._volunteered(tracker, None, {}, tracker.slots_to_validate()) + found
        this_turn = tracker.slots_to_validate()
        # the reply read as an answer to the question asked, once (None: it does not answer it); the
        # reader, not a slot mapping's entity ("not getting better" is no change), decides its value
        open_before = (_before_turn(tracker, requested) if requested in this_turn
                       else tracker.get_slot(requested)) is None
        reading = answers.read(requested, text, intent, entities) if open_before else None
        if intent in ("stop", "goodbye") and not answers.wants_to_stop(text):
            intent = "inform"  # "end of the round", "today" are answers, however the classifier took them
        if intent in assessment.NEVER_AN_ANSWER and (intent == "report_red_flag"
                                                     or reading in (None, assessment.UNKNOWN)):
            return []  # "stop", "bye", a red flag: the rules take over (an answer misread as "stop" is read)
        candidates = sorted(str(e.get("value")) for e in entities if e.get("entity") == "red_flag_candidate")
        # a reply to a question about those very signs (a safety screen, numbness, leg weakness) is
        # read as its answer, with the question's subject lent to it, not met with the conditional reply
        screen_read = (requested in assessment.SCREENS or requested in LEG_QUESTIONS) and reading is not None
        # an answer read as such that names no warning sign ("two and a half weeks, I rested it") is an
        # answer: the classifier alone does not interrupt it, and the screens ask about every sign anyway
        plain_answer = reading not in (None, assessment.UNKNOWN) and not candidates
        if (intent == "check_red_flag" and not screen_read and not plain_answer
                and (candidates or ["general"]) != tracker.get_slot("red_flag_checked")):
            # the conditional safety reply first (a rule); the same one again, or a reply to a safety
            # screen (which has just asked about those signs), is read as an answer
            return []
        # what was known before this reply (the slot mappings may already have overwritten it)
        known = {k: _before_turn(tracker, k) if k in this_turn else v
                 for k, v in tracker.slots.items() if k != requested}
        # a screen's answer is about the warning signs ("I took my temperature actually")
        changed = {} if requested in assessment.SCREENS else answers.corrections(text, intent, entities, known)
        if changed:
            dispatcher.utter_message(text="Got it, I've changed " + replies.join([CHANGED[k] for k in changed]) + ".")
        value = None if text.startswith("/") else reading
        if changed and requested in answers.CORRECTABLE:
            value = None  # the correction's words were about the earlier question
        others = (set(this_turn) & set(assessment.FORM_SLOTS)) | set(changed)
        if value is None and not others and intent not in assessment.ANSWER_INTENTS and answers.asks(text):
            return []  # a question: let the form reject so the rules answer it, then ask again
        facts = answers.read_serious(text, intent, entities)
        # a button payload carries its answers as entities
        facts.update({e["entity"]: e["value"] for e in entities if text.startswith("/")
                      and e.get("entity") in (*assessment.FORM_SLOTS, *assessment.FACTS)})
        events: List[EventType] = [SlotSet(k, v) for k, v in facts.items()
                                   if tracker.get_slot(k) is None and k != requested]
        events += [SlotSet(k, v) for k, v in changed.items()]
        events += self._volunteered(tracker, requested, changed, this_turn)
        if requested in facts:
            value = facts[requested]
        given = value if value is not None else this_turn.get(requested)  # or set by the NLU
        # "Both legs." to "does it spread?" says it spreads, though not how far
        both_legs = (requested == "pain_radiates" and given is None
                     and "BOTH_LEGS" in _entities(tracker, "red_flag_concept")
                     and (answers.leg_sides(text, legs_asked=False) == {"left", "right"}
                          or bool(answers.SPREAD_CUE.search(text.lower()))))
        lend = requested in assessment.SCREENS or self._affirms(requested, given) or both_legs
        events += evidence(dispatcher, tracker, requested if lend else "")
        if lend and requested in LEG_QUESTIONS and not tracker.get_slot("red_flag"):
            events += self._both_legs(dispatcher, tracker, text, requested, given, entities)
        if value is not None and open_before:
            events.append(SlotSet(requested, value))
        elif tracker.get_slot(requested) is None:
            events.append(SlotSet(requested, INVALID))
        return events

    @staticmethod
    def _answer_opening_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """"...my back is killing me, is that normal?": the question is answered briefly first, then
        the questions start (the likeliest question intent the classifier saw; the named topic)."""
        text = tracker.latest_message.get("text") or ""
        if "?" not in text:
            return
        ranking = [r["name"] for r in tracker.latest_message.get("intent_ranking") or []]
        question = next((name for name in ranking if name.startswith("ask_")), "ask_condition_info")
        topics = [str(t) for t in _entities(tracker, "topic")]
        if replies.IS_IT_NORMAL.search(text.lower()):
            question, topics = "ask_condition_info", ["guidance:doms_vs_injury"]
        exercises = _entities(tracker, "exercise")
        _send(dispatcher, replies.brief_answer(question, topics, exercises[0] if exercises else None, text))

    @staticmethod
    def _volunteered(tracker: Tracker, requested: Optional[str], changed: Dict[str, Any],
                     this_turn: Dict[str, Any]) -> List[EventType]:
        """Answers to other questions in this reply (answers.volunteered) fill those questions if
        still open; what the slot mappings took from words about something else, or that would
        overwrite an earlier answer without a correction, is put back."""
        text = tracker.latest_message.get("text") or ""
        if text.startswith("/"):
            return []
        stated = answers.volunteered(text, _intent(tracker), tracker.latest_message.get("entities") or [],
                                     requested, screen=requested in assessment.SCREENS)
        mapped = {k for k in this_turn if k in assessment.FORM_SLOTS}  # what the slot mappings set
        events: List[EventType] = []
        for slot in sorted((mapped | set(stated)) - {requested} - set(changed)):
            before = _before_turn(tracker, slot) if slot in mapped else tracker.get_slot(slot)
            value = stated[slot] if before in (None, assessment.UNKNOWN) and slot in stated else before
            if value != tracker.get_slot(slot):
                events.append(SlotSet(slot, value))
        return events

    @staticmethod
    def _both_legs(dispatcher: CollectingDispatcher, tracker: Tracker, text: str, question: str, answer: Any,
                   entities: List[Dict[str, Any]]) -> List[EventType]:
        """Leg symptoms on the left in one answer and on the right in another are in both legs. Pain
        spreading into both legs is sciatica in both legs unless it stays above the knee (a same-day
        check) or is the tightness of worked muscles (redflags.spread_to_both_legs)."""
        said = answers.leg_sides(text, legs_asked=question in ("numbness", "leg_weakness"))
        sides = sorted(set(tracker.get_slot("leg_symptom_sides") or []) | said)
        if question == "pain_radiates":
            concepts = [str(e.get("value")) for e in entities if e.get("entity") == "red_flag_concept"]
            if said != {"left", "right"} and "BOTH_LEGS" not in concepts:
                return [SlotSet("leg_symptom_sides", sides)]
            meaning = redflags.spread_to_both_legs(text, answer, concepts)
            if meaning is None:
                return []  # worked muscles, not leg symptoms
            if meaning == redflags.BOTH_LEGS_ABOVE_KNEE:
                return [SlotSet("pain_both_legs", "yes")]
            return escalate(dispatcher, tracker, meaning)
        events: List[EventType] = [SlotSet("leg_symptom_sides", sides)]
        if sides == ["left", "right"]:
            events += escalate(dispatcher, tracker, LEG_QUESTIONS[question])
        return events

    @staticmethod
    def _affirms(question: str, value: Any) -> bool:
        """The reply says yes to the question asked, so the question's subject is lent to it
        ("yes, both legs"); "not weak, my legs are just sore" lends nothing."""
        return value not in (None, INVALID, "no", "none", assessment.UNKNOWN)

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        wanted = set(assessment.FORM_SLOTS)
        result: Dict[str, Any] = {}
        to_validate = tracker.slots_to_validate()
        noted = any(s != tracker.get_slot("requested_slot") and v not in (None, INVALID)
                    for s, v in to_validate.items() if s in wanted)
        for slot, value in to_validate.items():
            if slot in wanted:
                result.update(self.validate_answer(slot, value, dispatcher, tracker, noted))
            else:  # facts, evidence and an escalation found while reading the reply
                result.setdefault(slot, value)
        return [SlotSet(k, v) for k, v in result.items()]

    @staticmethod
    def validate_answer(slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                        noted: bool = False) -> Dict[str, Any]:
        """{slot: canonical value}, or {slot: None} with a reworded question; after MAX_ASKS misses
        the question is recorded as unknown (a safety screen as not ruled out) and the form moves on."""
        clean = assessment.validate(slot, value)
        if tracker.get_slot("requested_slot") != slot:
            return {slot: clean}
        misses = dict(tracker.get_slot("missed_questions") or {})
        named = slot == "screen_serious" and any(tracker.get_slot(f) == "yes" for f in assessment.FACTS)
        if clean == "yes" and slot in assessment.SCREENS and not named:
            clean = None  # "yes" without saying which: ask which one
            if misses.get(slot, 0) + 1 >= assessment.MAX_ASKS:
                if slot == "screen_serious":
                    return {slot: assessment.NOT_RULED_OUT, "missed_questions": misses}
                flag_id = "possible_cauda_equina" if slot == "screen_cauda" else "possible_red_flag"
                escalated = {e["name"]: e["value"] for e in escalate(dispatcher, tracker, flag_id)}
                return {slot: "yes", "missed_questions": misses, **escalated}
            dispatcher.utter_message(text="Which one? Please tell me in a few words.")
            misses[slot] = misses.get(slot, 0) + 1
            return {slot: None, "missed_questions": misses}
        if clean is not None:
            return {slot: clean}
        missed = count_miss(dispatcher, tracker, slot)
        if missed.get(slot) is None:
            said = bool(dispatcher.messages)  # e.g. "Got it, I've changed the side."
            lead = "" if said else "Thanks, noted. " if noted else "Sorry, I didn't catch that. "
            dispatcher.utter_message(text=lead + assessment.HINTS[slot])
        return {slot: None, **missed}


def evidence(dispatcher: CollectingDispatcher, tracker: Tracker, question: str = "") -> List[EventType]:
    """Red-flag concepts of this session's messages, combined ("a pop" earlier + "can't get up" now),
    and with what the question being answered implies ("I leaked a little" to the bladder screen);
    escalates when they complete a red flag."""
    entities = tracker.latest_message.get("entities") or []
    new = [str(e.get("value")) for e in entities if e.get("entity") == "red_flag_concept"]
    if not new:
        return []
    # "No pop. The only thing that popped was the champagne": what the reply denies is not lent the
    # question's subject, even where it also names it
    denied = {str(e.get("value")) for e in entities if e.get("entity") == "red_flag_ruled_out"}
    found = sorted(set(tracker.get_slot("red_flag_evidence") or []) | set(redflags.for_session(new)))
    events: List[EventType] = [SlotSet("red_flag_evidence", found)]
    flag_id = redflags.in_answer_to(question, [c for c in new if c not in denied]) or redflags.across_turns(found)
    if flag_id and not tracker.get_slot("red_flag"):
        events += escalate(dispatcher, tracker, flag_id)
    return events


def escalated(events: List[EventType]) -> bool:
    return any(e.get("name") == "red_flag" for e in events)


def _open_question(tracker: Tracker) -> Optional[str]:
    """The assessment question still waiting for an answer, if the form is running."""
    requested = tracker.get_slot("requested_slot")
    if not tracker.active_loop.get("name") or not requested or tracker.get_slot(requested) is not None:
        return None
    return requested


def interrupted(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """A question answered in the middle of the assessment counts as an ask of the form's question,
    so no question is asked more than MAX_ASKS times whatever the path."""
    requested = _open_question(tracker)
    if requested is None:
        return []
    return [SlotSet(k, v) for k, v in count_miss(dispatcher, tracker, requested).items() if v is not None]


def last_ask(tracker: Tracker) -> bool:
    """The interruption now (interrupted) is the form question's last ask: the form moves on after it."""
    requested = _open_question(tracker)
    return requested is not None and (
        (tracker.get_slot("missed_questions") or {}).get(requested, 0) + 1 >= assessment.MAX_ASKS)


def count_miss(dispatcher: CollectingDispatcher, tracker: Tracker, slot: str) -> Dict[str, Any]:
    """One more unanswered ask of ``slot``: {"missed_questions": ...}, plus {slot: unknown or
    not_ruled_out} and a "let's move on" once it has been asked MAX_ASKS times."""
    misses = dict(tracker.get_slot("missed_questions") or {})
    misses[slot] = misses.get(slot, 0) + 1
    if misses[slot] < assessment.MAX_ASKS:
        return {"missed_questions": misses}
    give_up = assessment.give_up_value(slot)
    dispatcher.utter_message(text=replies.MOVE_ON[give_up])
    return {"missed_questions": misses, slot: give_up}


def escalate(dispatcher: CollectingDispatcher, tracker: Tracker, flag_id: str,
             announce: bool = True) -> List[EventType]:
    """The red-flag instruction (unless the rule already uttered it), why, the clinic contact and the
    audit record: one place for the rule-driven escalation and one found while reading an answer."""
    kb = knowledge.default()
    flag = kb.red_flags.get(flag_id) or kb.red_flags["possible_red_flag"]
    level = flag["level"]
    settings = clinic.load()
    if announce:
        dispatcher.utter_message(text=replies.LEVEL_TEXT[level])
    if settings.emergency_number and level == "emergency":
        dispatcher.utter_message(text=f"Emergency number: {settings.emergency_number}")
    _send(dispatcher, replies.escalation(flag, settings.contact_lines()))
    try:
        audit.record(tracker.sender_id, flag["id"], level)
    except Exception:  # the advice matters more than the log line
        logger.exception("could not write the escalation audit record")
    events: List[EventType] = [SlotSet("triage_level", level), SlotSet("red_flag", flag["id"])]
    if tracker.active_loop.get("name"):
        events.append(SlotSet("escalated_in_form", True))
    return events


class ActionTriageSummary(Action):
    """Ends the assessment: triage level, likely causes with reasons, self-care, prevention, safety net."""

    def name(self) -> str:
        return "action_triage_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("escalated_in_form"):
            # escalated while reading an answer: the advice stands, no summary that could dilute it
            dispatcher.utter_message(text="I've stopped the questions because of the warning sign above.")
            return [SlotSet("escalated_in_form", None)]
        given = {slot: tracker.get_slot(slot)
                 for slot in (*assessment.FORM_SLOTS, *assessment.FACTS, *assessment.OTHER_FACTS)}
        result = triage.assess(given)
        level = result.level
        earlier = tracker.get_slot("triage_level")
        if tracker.get_slot("red_flag") and earlier in LEVEL_ORDER and LEVEL_ORDER[earlier] < LEVEL_ORDER[level]:
            level = earlier  # a red flag raised earlier in this session still stands
            dispatcher.utter_message(text="Remember the warning sign you mentioned earlier: "
                                          + replies.LEVEL_TEXT[level])
        _send(dispatcher, replies.summary(result, given))
        # "how long does it take to get better?" next is about the likeliest cause
        top = [SlotSet("last_topic", f"causes:{result.cause_ids[0]}")] if result.cause_ids else []
        return [SlotSet("triage_level", level), SlotSet("likely_causes", result.cause_ids), *top]


class ActionAnswerQuestion(Action):
    """Answers a free question (what is DOMS, ice or heat, deadlift form...) from the knowledge base."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        exercises = _entities(tracker, "exercise")
        exercise = exercises[0] if exercises else tracker.get_slot("exercise")
        topics = [str(t) for t in _entities(tracker, "topic")]
        intent = asked = _intent(tracker)
        found = evidence(dispatcher, tracker)  # "I can't get up off the bench" after "felt a pop"
        if escalated(found):
            return found
        last = tracker.get_slot("last_topic")
        text = tracker.latest_message.get("text") or ""
        if last and not topics and not exercises and len(text.split()) <= FOLLOW_UP_WORDS:
            # a short follow-up ("how often?", "what's the usual recovery time?") is about the last topic
            intent, topics = "ask_condition_info", [last]
        _send(dispatcher, replies.answer(intent, topics, exercise, question=text))
        topic = replies.chosen_topic(intent, topics, exercise)
        events = found + interrupted(dispatcher, tracker) + ([SlotSet("last_topic", topic)] if topic else [])
        if tracker.get_slot("triage_level") and asked in OFFERED_BY_RULES and not tracker.active_loop.get("name"):
            # assessed already this session: the rules' offer of the assessment would only repeat it
            return events + [FollowupAction("action_listen")]
        if asked not in OFFERED_BY_RULES and should_offer_assessment(tracker):
            events.append(FollowupAction("utter_offer_assessment"))  # "my lower back is killing me lol"
        return events


def should_offer_assessment(tracker: Tracker) -> bool:
    """After an answer: the person described their own pain ("wrecked my back at CrossFit, what's the
    move?") and has not been assessed this session, so the answer alone would leave them untriaged."""
    if tracker.active_loop.get("name") or tracker.get_slot("triage_level"):
        return False
    own_pain = any(_entities(tracker, s) for s in ("pain_location", "pain_character", "pain_onset"))
    return own_pain or answers.reports_own_pain(tracker.latest_message.get("text") or "")


class ActionEscalateRedFlag(Action):
    """Follows the immediate red-flag instruction: why, clinic contact, audit; ends any form."""

    def name(self) -> str:
        return "action_escalate_red_flag"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events = escalate(dispatcher, tracker, tracker.get_slot("red_flag") or "possible_red_flag", announce=False)
        if tracker.active_loop.get("name"):
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events


class ActionFallback(Action):
    """The classifier is unsure: a likely question is answered, a likely description of one's pain gets
    the offer of the assessment, otherwise the two likeliest readings as buttons. Never a bare "didn't
    get that"."""

    QUESTION_CONFIDENCE = 0.3  # a question intent this likely, or any knowledge topic, is answered

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        ranking = [r for r in tracker.latest_message.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
        top = ranking[0] if ranking else {"name": "", "confidence": 0.0}
        topics = [str(t) for t in _entities(tracker, "topic")]
        pain = any(_entities(tracker, s) for s in ("pain_location", "pain_character", "pain_onset", "pain_side"))
        pain = pain or answers.describes_pain(tracker.latest_message.get("text") or "")  # "my back's complaining"
        question = top["name"].startswith("ask_") and (top["confidence"] >= self.QUESTION_CONFIDENCE or topics)
        if top["name"] == "describe_symptoms" or (pain and not question):
            return [FollowupAction("utter_offer_assessment")]
        if question:
            exercises = _entities(tracker, "exercise")
            _send(dispatcher, replies.answer(top["name"], topics, exercises[0] if exercises else None))
            return [FollowupAction("utter_offer_assessment")] if should_offer_assessment(tracker) else []
        _send(dispatcher, replies.fallback_choices([r["name"] for r in ranking[:2]]))
        return []


class ActionCheckRedFlag(Action):
    """The conditional safety reply (see backstop.redflags.decide); logged for review without the text."""

    def name(self) -> str:
        return "action_check_red_flag"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        found = evidence(dispatcher, tracker)  # "I can't get up off the floor" after "felt a pop" earlier
        if escalated(found):
            return found
        kb = knowledge.default()
        candidates = [kb.red_flags[c] for c in _entities(tracker, "red_flag_candidate") if c in kb.red_flags]
        in_assessment = bool(tracker.active_loop.get("name"))
        # "back hurts since squats and my legs feel weird": the assessment starts after the check, so its
        # safety questions ask about those signs one by one ("not sure" to the check is not a no)
        starts = not in_assessment and self._describes_own_pain(tracker)
        # its last ask: the question is not asked when the next line moves on ("I'll note those as not ruled out")
        _send(dispatcher, replies.red_flag_check(candidates, clinic.load().emergency, in_assessment or starts,
                                                 ask=not last_ask(tracker)))
        checked = sorted(c["id"] for c in candidates) or ["general"]
        try:
            audit.record(tracker.sender_id, candidates[0]["id"] if candidates else "possible_red_flag", "check")
        except Exception:  # the advice matters more than the log line
            logger.exception("could not write the red-flag check audit record")
        # in the assessment, an ask of its question: a reply the check keeps catching is not met with it for ever
        return ([SlotSet("red_flag_checked", checked)] + interrupted(dispatcher, tracker)
                + ([FollowupAction("assessment_form")] if starts else []))

    @staticmethod
    def _describes_own_pain(tracker: Tracker) -> bool:
        ranking = [r["name"] for r in tracker.latest_message.get("intent_ranking") or []
                   if r.get("name") not in ("check_red_flag", "nlu_fallback")]
        pain = any(_entities(tracker, s) for s in ("pain_location", "pain_character", "pain_onset", "pain_side"))
        text = tracker.latest_message.get("text") or ""
        return pain or "describe_symptoms" in ranking[:2] or answers.describes_pain(text)


class ActionNoteDigression(Action):
    """After a digression the rules answer with a response (a greeting, "are you a bot?", "thanks",
    something off-topic), counts an ask of the form's question: an answer the classifier keeps
    taking for a digression is not met with the same question for ever."""

    def name(self) -> str:
        return "action_note_digression"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        return interrupted(dispatcher, tracker)


class ActionHandover(Action):
    """Hands over to the clinic from configuration, or says honestly that none is configured."""

    def name(self) -> str:
        return "action_handover"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        settings = clinic.load()
        lines = settings.contact_lines()
        if lines:
            dispatcher.utter_message(text="You can reach the clinic here:\n" + "\n".join(lines))
        else:
            dispatcher.utter_message(
                text="No clinic contact is set up for this service, so I can't connect you to a person "
                "here. Please contact your own doctor or physiotherapist."
            )
        dispatcher.utter_message(text=f"In an emergency, call {settings.emergency}.")
        return interrupted(dispatcher, tracker)  # mid-assessment, an ask of its question


def checkin_delay() -> dt.timedelta:
    return dt.timedelta(hours=float(os.environ.get("BACKSTOP_CHECKIN_HOURS", "48")))


class ActionScheduleCheckin(Action):
    """Schedules the 48-hour check-in on channels that can push a message later."""

    def name(self) -> str:
        return "action_schedule_checkin"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        channel: Optional[str] = tracker.get_latest_input_channel()
        if channel not in PUSH_CHANNELS:
            dispatcher.utter_message(
                text="I can't send you a message later on this channel. Please come back in two days "
                "and tell me how your back is; if it's getting worse, see a doctor or physiotherapist."
            )
            return []
        dispatcher.utter_message(text="OK, I'll check in with you in two days.")
        when = dt.datetime.now() + checkin_delay()
        return [ReminderScheduled("EXTERNAL_checkin", trigger_date_time=when, name="checkin",
                                  kill_on_user_message=False)]


class ActionCheckinReply(Action):
    """Reacts to the check-in answer: worse means see a doctor."""

    def name(self) -> str:
        return "action_checkin_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        trend = (_entities(tracker, "pain_trend") or [tracker.get_slot("pain_trend")])[0]
        if trend == "worsening":
            dispatcher.utter_message(text="I'm sorry it's worse. " + replies.LEVEL_TEXT["see_doctor"])
            dispatcher.utter_message(text=replies.SAFETY_NET)
            current = tracker.get_slot("triage_level")
            level = current if current in ("emergency", "urgent") else "see_doctor"
            return [SlotSet("pain_trend", trend), SlotSet("triage_level", level)]
        if trend == "improving":
            dispatcher.utter_message(text="Good to hear it's getting better. Keep moving gently and build "
                                          "back up gradually. " + replies.SAFETY_NET)
        else:
            dispatcher.utter_message(text="Thanks. If it isn't improving after a week, book a doctor or "
                                          "physiotherapist. " + replies.SAFETY_NET)
        return [SlotSet("pain_trend", trend)] if trend else []
