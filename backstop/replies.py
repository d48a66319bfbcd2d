"""Turn knowledge-base entries and triage results into chat replies.

Every reply is a list of short messages (chat bubbles), each a dict with
``text`` and optional ``buttons``, so channels can show them one by one.
Wording rules: never diagnose, always say when to seek care.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Sequence

from backstop import knowledge
from backstop.triage import TriageResult

Reply = dict[str, Any]

LEVEL_TEXT = {
    "emergency": "⚠️ This needs emergency care now: call your local emergency number or go to the "
    "nearest emergency department.",
    "urgent": "⚠️ Please get a same-day medical assessment: contact your doctor or an urgent care "
    "service today.",
    "see_doctor": "I'd suggest booking an appointment with a doctor or physiotherapist in the next few days.",
    "self_care": "From what you've told me, this can usually be looked after at home for now.",
}
SAFETY_NET = (
    "Get checked sooner if the pain spreads below your knee, you get numbness, tingling or weakness "
    "in a leg, it keeps getting worse over 48 hours, or it lasts more than a week. Call your local "
    "emergency number at once if you have trouble peeing or controlling your bladder or bowels, "
    "numbness around your groin or bottom, or both legs get weak."
)
NOT_A_DIAGNOSIS = "This is information, not a diagnosis."

# Which collections answer which question intent, most specific first.
INTENT_COLLECTIONS = {
    "ask_condition_info": ("causes", "guidance", "remedies", "exercises", "prevention"),
    "ask_cause": ("causes", "guidance", "exercises"),
    "ask_self_care": ("remedies", "guidance", "causes"),
    "ask_prevention": ("prevention", "exercises", "guidance", "remedies"),
    "ask_exercise_safety": ("exercises", "guidance", "prevention", "remedies"),
    "ask_see_doctor": ("guidance",),
}
# What to answer when a question names no topic.
DEFAULT_TOPIC = {
    "ask_cause": "guidance:can_exercise_cause_back_pain",
    "ask_self_care": "guidance:pain_relief_overview",
    "ask_prevention": "guidance:prevent_back_pain",
    "ask_exercise_safety": "guidance:keep_training",
    "ask_see_doctor": "guidance:when_to_see_doctor",
}


def _msg(text: str, buttons: Sequence[Mapping[str, str]] | None = None) -> Reply:
    reply: Reply = {"text": text.strip()}
    if buttons:
        reply["buttons"] = [dict(b) for b in buttons]
    return reply


def _bullets(items: Iterable[str], limit: int = 4) -> str:
    return "\n".join(f"- {item.rstrip('.')}" for item in list(items)[:limit])


def _first_sentence(text: str) -> str:
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


# topics any mention of back pain names; a more specific one in the same question wins
GENERIC_TOPICS = {"guidance:what_is_back_pain"}


def pick_topic(intent: str, topics: Sequence[str], exercise: str | None) -> str | None:
    """The "collection:id" a question is about: a named topic that suits the intent, else the exercise."""
    wanted = INTENT_COLLECTIONS.get(intent, ())
    if exercise or len(topics) > 1:  # "why does my back hurt after squats?" is about squats
        topics = [t for t in topics if t not in GENERIC_TOPICS] or list(topics)
    for coll in wanted:
        for topic in topics:
            if topic.startswith(coll + ":"):
                return topic
    if exercise and intent in {"ask_exercise_safety", "ask_prevention", "ask_cause"}:
        return f"exercises:{exercise}"
    return DEFAULT_TOPIC.get(intent)


def _with_ice_or_heat(topics: Sequence[str]) -> str | None:
    names = {t.split(":", 1)[1] for t in topics}
    if {"ice", "heat"} <= names:
        return "guidance:ice_or_heat"
    return None


def chosen_topic(intent: str, topics: Sequence[str], exercise: str | None) -> str | None:
    """The "collection:id" :func:`answer` answers for this question."""
    return _with_ice_or_heat(topics) or pick_topic(intent, topics, exercise)


# "how long does it take to get better?", "what's the usual recovery time?"
COURSE = re.compile(r"\b(how long|recovery|recover|heal\w*|get(?:ting)? better|go away|clear up|settle|last)\b")


def answer(intent: str, topics: Sequence[str], exercise: str | None = None,
           kb: knowledge.KnowledgeBase | None = None, question: str = "") -> list[Reply]:
    """Answer a free question from the knowledge base; about a condition's course when it asks that."""
    kb = kb or knowledge.default()
    topic = chosen_topic(intent, topics, exercise)
    if topic is None:
        return [_msg("I can explain DOMS, strains, sciatica, slipped discs and more. Which would you like?",
                     [{"title": "DOMS", "payload": '/ask_condition_info{"topic":"causes:doms"}'},
                      {"title": "Sciatica", "payload": '/ask_condition_info{"topic":"causes:sciatica"}'},
                      {"title": "Slipped disc",
                       "payload": '/ask_condition_info{"topic":"causes:herniated_disc"}'}])]
    coll, _, entry_id = topic.partition(":")
    entry = kb.collection(coll).get(entry_id) if coll in INTENT_COLLECTIONS["ask_condition_info"] else None
    if entry is None:
        return answer(intent, [], exercise, kb)
    if coll == "exercises" and intent == "ask_cause":
        parts = exercise_causes(entry, kb)
    elif coll == "causes" and COURSE.search(question.lower()):
        parts = course_info(entry, kb)
    else:
        parts = {
            "causes": cause_info,
            "remedies": remedy_info,
            "exercises": exercise_info,
            "prevention": prevention_info,
            "guidance": guidance_info,
        }[coll](entry, kb)
    return with_source(parts, entry, kb)


IS_IT_NORMAL = re.compile(r"\b(is (?:that|this|it) (?:normal|ok|okay|bad|serious)|should i (?:be )?worr\w*|"
                          r"normal to|did i (?:hurt|injure|damage) (?:myself|it))\b")


def brief_answer(intent: str, topics: Sequence[str], exercise: str | None, question: str,
                 kb: knowledge.KnowledgeBase | None = None) -> list[Reply]:
    """A question asked inside a description of one's pain, answered in one bubble with its source
    before the assessment's first question; nothing when no topic fits."""
    kb = kb or knowledge.default()
    if chosen_topic(intent, topics, exercise) is None:
        return []
    parts = answer(intent, topics, exercise, kb, question=question)
    source = parts[-1]["text"].rpartition("\n")[2] if parts else ""
    if not parts or not source.startswith("Source:"):
        return []
    # "can I still run tomorrow?": the part about training while it settles, not the form cues
    first = parts[-1 if intent == "ask_exercise_safety" else 0]["text"].removesuffix("\n" + source)
    then = " A few questions will show what fits yours."
    return [_msg(_fit(first, MAX_BUBBLE - len(then) - len(source) - 1) + then + "\n" + source)]


def source_line(entry: Mapping[str, Any], kb: knowledge.KnowledgeBase) -> str:
    """One short line naming the entry's first source by its readable title."""
    return "Source: " + kb.source_title(entry["sources"][0])


def with_source(parts: list[Reply], entry: Mapping[str, Any], kb: knowledge.KnowledgeBase) -> list[Reply]:
    """Every knowledge answer ends with its source (on its last bubble, so buttons stay last)."""
    if parts:
        parts[-1] = {**parts[-1], "text": parts[-1]["text"] + "\n" + source_line(entry, kb)}
    return parts


def cause_info(cause: Mapping[str, Any], kb: knowledge.KnowledgeBase) -> list[Reply]:
    care = [kb.remedies[r]["name"] for r in cause["self_care"][:4] if r in kb.remedies]
    parts = [
        _msg(f"**{cause['name']}**\n{cause['explanation']}"),
        _msg(f"How to tell it apart: {cause['distinguish']}"),
    ]
    if care and cause["category"] != "emergency":
        parts.append(_msg("What usually helps:\n" + _bullets(care)))
    parts.append(_msg(f"When to get help: {cause['seek_care']}"))
    return parts


def course_info(cause: Mapping[str, Any], kb: knowledge.KnowledgeBase) -> list[Reply]:
    """How a condition usually goes, from what the knowledge base says of it (no numbers of our own)."""
    pattern = cause["pattern"]
    eases = pattern["eases"].rstrip(".")
    text = f"**{cause['name']}: how it usually goes**\n"
    text += ("It varies from person to person." if eases.startswith("Varies") else f"What eases it: {eases}.")
    if re.search(r"\b(hours?|days?|weeks?)\b", pattern["onset"]):
        text += f" {pattern['onset'].rstrip('.')}."
    return [_msg(text), _msg(f"When to get help: {cause['seek_care']}")]


def remedy_info(remedy: Mapping[str, Any], kb: knowledge.KnowledgeBase) -> list[Reply]:
    text = f"**{remedy['name']}**\n{remedy['summary']}\n\nHow: {remedy['how']}"
    parts = [_msg(text)]
    if remedy.get("cautions"):
        parts.append(_msg(f"Take care: {remedy['cautions']}"))
    parts.append(_msg(SAFETY_NET))
    return parts


def exercise_info(ex: Mapping[str, Any], kb: knowledge.KnowledgeBase) -> list[Reply]:
    return [
        _msg(f"**{ex['name']} without hurting your back**\nForm cues:\n" + _bullets(ex["form_cues"], 3)
             + "\nAvoid: " + join([f.lower() for f in ex["common_faults"][:2]]) + "."),
        _msg("While your back settles: " + join([r.lower() for r in ex["regressions"][:2]]) + ". "
             + _first_sentence(ex["return_to_training"])),
    ]


def exercise_causes(ex: Mapping[str, Any], kb: knowledge.KnowledgeBase) -> list[Reply]:
    """Why an exercise can hurt the back: its common faults and causes that mention it."""
    linked = [
        c["name"] for c in kb.causes.values()
        if any(s["slot"] == "exercise" and ex["id"] in s["values"] for s in c["signals"])
    ]
    parts = [_msg(f"**Why {ex['name'].lower()} can make your back hurt**\nCommon faults that load the back:\n"
                  + _bullets(ex["common_faults"]))]
    if linked:
        parts.append(_msg("Things often linked with it:\n" + _bullets(linked)))
    parts.append(_msg("Soreness that starts the next day and eases as you move is usually normal; sharp "
                      "pain during the lift, pain down a leg, numbness or weakness is not. " + NOT_A_DIAGNOSIS))
    return parts


def prevention_info(item: Mapping[str, Any], kb: knowledge.KnowledgeBase) -> list[Reply]:
    return [_msg(f"**{item['name']}**\n{item['advice']}")]


def guidance_info(item: Mapping[str, Any], kb: knowledge.KnowledgeBase) -> list[Reply]:
    parts = [_msg(item["answer"])]
    if item["id"] == "when_to_see_doctor":
        named = [f for f in kb.red_flags.values() if not f["id"].startswith("possible_")]
        emergency = [f["name"] for f in named if f["level"] == "emergency"]
        urgent = [f["name"] for f in named if f["level"] == "urgent"]
        parts.append(_msg("Call your local emergency number now for:\n" + _bullets(emergency, 9)))
        parts.append(_msg("Get seen the same day for:\n" + _bullets(urgent, 6)))
    return parts


MAX_BUBBLE = 450  # characters: a summary bubble stays readable on a phone


def summary(result: TriageResult, answers: Mapping[str, Any],
            kb: knowledge.KnowledgeBase | None = None) -> list[Reply]:
    """The end of an assessment in at most four short bubbles: level and why, what may fit and why,
    what to do now and next time, the safety net; details behind buttons."""
    kb = kb or knowledge.default()
    level = LEVEL_TEXT[result.level]
    if result.level_reasons:
        level += " Why: " + join(result.level_reasons[:3]) + "."
    parts = [_msg(_fit(level))]
    if result.causes:
        lines = []
        for match in result.causes:
            cause = kb.causes[match.cause_id]
            lines.append(f"- {cause['name']}: it {join(match.reasons[:2])}")
        parts.append(_msg(_fit("What may fit (" + NOT_A_DIAGNOSIS.rstrip(".").lower() + "):\n" + "\n".join(lines))))
    now = _self_care(result, kb)[:2]
    exercise = kb.exercises.get(str(answers.get("exercise")))
    later = exercise["form_cues"][:2] if exercise else _prevention(result, kb)[:2]
    todo = "Now: " + join([t[0].lower() + t[1:].rstrip(".") for t in now]) + "." if now else ""
    if later:
        todo += ("\nNext " + (exercise["name"].lower() + " session" if exercise else "time") + ": "
                 + join([t[0].lower() + t[1:].rstrip(".") for t in later]) + ".")
    if todo:
        parts.append(_msg(_fit(todo)))
    buttons = []
    if result.causes:
        top = kb.causes[result.causes[0].cause_id]
        buttons.append({"title": f"More about {_short(top['name'])}",
                        "payload": f'/ask_condition_info{{"topic":"causes:{top["id"]}"}}'})
    if exercise:
        buttons.append({"title": f"{exercise['name']} tips",
                        "payload": f'/ask_prevention{{"topic":"exercises:{exercise["id"]}"}}'})
    buttons.append({"title": "Talk to the clinic", "payload": "/request_human"})
    buttons.append({"title": "Check in with me in 2 days", "payload": "/request_checkin"})
    source = kb.causes[result.causes[0].cause_id] if result.causes else None
    tail = SAFETY_NET + ("\n" + source_line(source, kb) if source else "")
    parts.append(_msg(_fit(tail), buttons))
    return parts


def _fit(text: str, limit: int = MAX_BUBBLE) -> str:
    """Cut a bubble at a line or sentence end below ``limit`` characters."""
    if len(text) <= limit:
        return text
    cut = max(text.rfind("\n", 0, limit), text.rfind(". ", 0, limit))
    return text[: cut + 1].rstrip() if cut > 0 else text[: limit - 1].rstrip() + "…"


def _self_care(result: TriageResult, kb: knowledge.KnowledgeBase) -> list[str]:
    ids: list[str] = []
    for match in result.causes:
        for rid in kb.causes[match.cause_id]["self_care"]:
            if rid not in ids:
                ids.append(rid)
    if not ids:
        ids = ["active_recovery", "heat", "ice", "otc_pain_relief"]
    return [f"{kb.remedies[r]['name']}: {_first_sentence(kb.remedies[r]['summary'])}" for r in ids if r in kb.remedies]


def _prevention(result: TriageResult, kb: knowledge.KnowledgeBase) -> list[str]:
    ids: list[str] = []
    for match in result.causes:
        ids += [p for p in kb.causes[match.cause_id]["prevention"] if p not in ids]
    items = [kb.prevention[p] for p in ids if p in kb.prevention]
    return [f"{item['name']}: {_first_sentence(item['advice'])}" for item in items]


def join(items: Sequence[str]) -> str:
    """Items as "a, b and c"."""
    items = [i.rstrip(".") for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _short(name: str) -> str:
    return name.split(" (")[0]


def escalation(flag: Mapping[str, Any], clinic_lines: Sequence[str]) -> list[Reply]:
    """After the immediate red-flag instruction: why it matters, and the clinic if configured."""
    kb = knowledge.default()
    parts = [_msg(f"Why: {flag['message']}\n{source_line(flag, kb)}")]
    if clinic_lines:
        parts.append(_msg("Your clinic:\n" + "\n".join(clinic_lines)))
    return parts


MOVE_ON = {
    "unknown": "No problem, let's move on.",
    "not_ruled_out": "OK, I'll note those as not ruled out. If any of them happens, get medical help straight away. "
                     "Let's move on.",
}

GENERAL_WARNING_SIGNS = (
    "trouble peeing or controlling your bladder or bowels, numbness around your groin or bottom, "
    "weakness in a leg, a fever, or a fall or blow to your back"
)


def red_flag_check(candidates: Sequence[Mapping[str, Any]], emergency: str, in_assessment: bool,
                   ask: bool = True) -> list[Reply]:
    """The conditional safety reply: the warning signs Backstop may have heard, what to do if they
    apply, and one question (not when the assessment moves on right after: ``ask`` False). Sent when
    the detector is silent but the message may be a red flag."""
    if candidates:
        names = join([c["name"][0].lower() + c["name"][1:] for c in candidates])
        heard = f"I may have misread you, but that could be a warning sign: {names}."
        worst = min((c["level"] for c in candidates), key=["emergency", "urgent"].index)
    else:
        heard = f"Some symptoms with back pain need care the same day: {GENERAL_WARNING_SIGNS}."
        worst = "urgent"
    todo = (f"If that is happening to you now, call {emergency} or go to an emergency department."
            if worst == "emergency" else
            f"If that is happening to you now, get a same-day medical assessment; if it is getting "
            f"worse fast, call {emergency}.")
    payload = f'/report_red_flag{{"red_flag":"{candidates[0]["id"]}"}}' if candidates else "/report_red_flag"
    yes = {"title": "Yes, it is", "payload": payload}
    if not ask:
        return [_msg(f"{heard} {todo}", [yes])]
    if in_assessment:  # a "No" button would be read as the answer to the form's question
        return [_msg(f"{heard} {todo}"), _msg("Is it happening to you now? If not, just answer my question.", [yes])]
    return [_msg(f"{heard} {todo}"), _msg("Is it happening to you now?", [yes, {"title": "No", "payload": "/deny"}])]


# How each intent reads to a person, for the fallback's "Did you mean...?" buttons.
INTENT_LABELS = {
    "describe_symptoms": "Check my symptoms", "ask_cause": "Why does my back hurt?",
    "ask_condition_info": "Explain a condition", "ask_self_care": "What helps now",
    "ask_prevention": "Avoid it next time", "ask_exercise_safety": "Can I keep training?",
    "ask_see_doctor": "Should I see a doctor?", "request_human": "Talk to the clinic",
    "ask_capabilities": "What can you do?", "request_checkin": "Check in with me later",
}
CAN_DO = ("I can check your symptoms, explain things like DOMS or sciatica, suggest what helps now and how "
          "to avoid it next time, and tell you when to see someone.")


def fallback_choices(intents: Sequence[str]) -> list[Reply]:
    """The two likeliest readings of an unclear message as buttons, and what Backstop can do."""
    buttons = [{"title": INTENT_LABELS[i], "payload": f"/{i}"} for i in intents if i in INTENT_LABELS][:2]
    text = "Sorry, I'm not sure what you mean. " + CAN_DO
    if buttons:
        return [_msg(text), _msg("Did you mean one of these?", buttons)]
    return [_msg(text)]
