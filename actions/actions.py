"""Backstop's custom actions: thin wrappers around the ``backstop`` package."""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, ReminderScheduled, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from backstop import assessment, audit, clinic, knowledge, replies, triage

logger = logging.getLogger(__name__)

INVALID = "__invalid__"
PUSH_CHANNELS = {"socketio", "telegram", "slack", "facebook", "twilio"}
LEVEL_ORDER = triage.LEVEL_ORDER
NOTED = "Thanks, I've noted that."


def _send(dispatcher: CollectingDispatcher, messages: List[Dict[str, Any]]) -> None:
    for message in messages:
        dispatcher.utter_message(text=message["text"], buttons=message.get("buttons") or [])


def _entities(tracker: Tracker, name: str) -> List[Any]:
    return [e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == name]


def _intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


class ValidateAssessmentForm(FormValidationAction):
    """Reads free-text answers for the question asked and checks every answer against the knowledge base."""

    def name(self) -> str:
        return "validate_assessment_form"

    async def required_slots(
        self, domain_slots: List[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[str]:
        skip_numbness = tracker.get_slot("pain_radiates") == "none"
        return [s for s in assessment.FORM_SLOTS if not (skip_numbness and s == "numbness")]

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        requested = tracker.get_slot("requested_slot")
        intent = _intent(tracker)
        if not requested or tracker.get_slot(requested) is not None or intent not in assessment.ANSWER_INTENTS:
            return []  # a question, "stop" or a red flag: let the form reject so rules take over
        value = assessment.read_answer(requested, tracker.latest_message.get("text") or "", intent)
        if value is None and set(tracker.slots_to_validate()) & set(assessment.FORM_SLOTS):
            # the reply answered other questions instead: say so, then the form asks this one again
            dispatcher.utter_message(text=NOTED)
            return []
        return [SlotSet(requested, INVALID if value is None else value)]

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        wanted = await self.required_slots([], dispatcher, tracker, domain)
        result: Dict[str, Any] = {}
        for slot, value in tracker.slots_to_validate().items():
            if slot in wanted:
                result.update(self.validate_answer(slot, value, dispatcher, tracker))
        return [SlotSet(k, v) for k, v in result.items()]

    @staticmethod
    def validate_answer(slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[str, Any]:
        """{slot: canonical value}, or {slot: None} with a hint; a second miss counts as "not sure"."""
        clean = assessment.validate(slot, value)
        if clean is not None:
            return {slot: clean, "reasked_slot": None}
        if tracker.get_slot("requested_slot") != slot:
            return {slot: None}
        if tracker.get_slot("reasked_slot") == slot:
            dispatcher.utter_message(text="No problem, let's skip that one.")
            return {slot: assessment.UNKNOWN, "reasked_slot": None}
        dispatcher.utter_message(text="Sorry, I didn't catch that. " + assessment.HINTS[slot])
        return {slot: None, "reasked_slot": slot}


class ActionTriageSummary(Action):
    """Ends the assessment: triage level, likely causes with reasons, self-care, prevention, safety net."""

    def name(self) -> str:
        return "action_triage_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        answers = {slot: tracker.get_slot(slot) for slot in (*assessment.FORM_SLOTS, "eases_with_movement")}
        result = triage.assess(answers)
        level = result.level
        earlier = tracker.get_slot("triage_level")
        if tracker.get_slot("red_flag") and earlier in LEVEL_ORDER and LEVEL_ORDER[earlier] < LEVEL_ORDER[level]:
            level = earlier  # a red flag raised in this session still stands
            dispatcher.utter_message(text="Remember the warning sign you mentioned earlier: "
                                          + replies.LEVEL_TEXT[level])
        _send(dispatcher, replies.summary(result, answers))
        return [SlotSet("triage_level", level), SlotSet("likely_causes", result.cause_ids)]


class ActionAnswerQuestion(Action):
    """Answers a free question (what is DOMS, ice or heat, deadlift form...) from the knowledge base."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        exercises = _entities(tracker, "exercise")
        exercise = exercises[0] if exercises else tracker.get_slot("exercise")
        topics = [str(t) for t in _entities(tracker, "topic")]
        intent = _intent(tracker)
        _send(dispatcher, replies.answer(intent, topics, exercise))
        if intent == "ask_cause" and not tracker.active_loop.get("name") and tracker.get_slot("likely_causes") is None:
            _send(dispatcher, [replies.OFFER_ASSESSMENT])
        return []


class ActionEscalateRedFlag(Action):
    """Follows the immediate red-flag instruction: why, clinic contact, audit; ends any form."""

    def name(self) -> str:
        return "action_escalate_red_flag"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        kb = knowledge.default()
        flag_id = tracker.get_slot("red_flag") or "possible_red_flag"
        flag = kb.red_flags.get(flag_id) or kb.red_flags["possible_red_flag"]
        level = flag["level"]
        settings = clinic.load()
        if settings.emergency_number and level == "emergency":
            dispatcher.utter_message(text=f"Emergency number: {settings.emergency_number}")
        _send(dispatcher, replies.escalation(flag, settings.contact_lines()))
        try:
            audit.record(tracker.sender_id, flag["id"], level)
        except Exception:  # the advice matters more than the log line
            logger.exception("could not write the escalation audit record")
        events: List[EventType] = [SlotSet("triage_level", level), SlotSet("red_flag", flag["id"])]
        if tracker.active_loop.get("name"):
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events


class ActionCheckRedFlag(Action):
    """The conditional safety reply (see backstop.redflags.decide); logged for review without the text."""

    def name(self) -> str:
        return "action_check_red_flag"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        kb = knowledge.default()
        candidates = [kb.red_flags[c] for c in _entities(tracker, "red_flag_candidate") if c in kb.red_flags]
        in_assessment = bool(tracker.active_loop.get("name"))
        _send(dispatcher, replies.red_flag_check(candidates, clinic.load().emergency, in_assessment))
        try:
            audit.record(tracker.sender_id, candidates[0]["id"] if candidates else "possible_red_flag", "check")
        except Exception:  # the advice matters more than the log line
            logger.exception("could not write the red-flag check audit record")
        return []


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
        return []


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
