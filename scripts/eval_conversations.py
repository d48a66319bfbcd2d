"""Conversation simulator: simulated people with a back problem talk to the running Backstop.

Each case (tests/conversations/*.yml, written by someone who never saw the bot) has an opening
and facts by topic. The simulated person sends the opening, then answers each question the bot
actually asks: it reads the question's words, picks the facts whose topic the question is about
(several for a grouped question), answers in the case's own words, never taps a button, and says
"not sure" when it has no fact. A conversation ends when the bot has given a triage level and no
question is pending, or after MAX_TURNS.

Reported per set: acceptable triage, under-triage, serious (emergency/urgent) cases escalated,
expected cause in the top 3, median turns, re-asks (a question asked twice) and loops (three times).
Exit status 1 on any under-triaged emergency/urgent case or any loop in a tuning set (its header says "Set: TUNING").

    python scripts/eval_conversations.py            # starts its own servers on test ports
    python scripts/eval_conversations.py --url http://127.0.0.1:5005   # a running Backstop
"""

from __future__ import annotations

import argparse
import itertools
import re
import secrets
import statistics
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.servers import Backstop, http  # noqa: E402

CASES_DIR = ROOT / "tests/conversations"
# tuning.yml, then blind.yml, blind2.yml ... in the order they were written
SETS = {p.stem: p for p in sorted(CASES_DIR.glob("*.yml"),
                                  key=lambda p: (p.stem != "tuning", int(re.sub(r"\D", "", p.stem) or 1)))}


def is_tuned(path: Path) -> bool:
    """A set whose transcripts were read to fix failures (its header says "Set: TUNING"): gated, and
    no longer a measure of anything new."""
    header = path.read_text(encoding="utf-8").split("\ncases:", 1)[0]
    return bool(re.search(r"^# Set: TUNING", header, re.M))

MAX_TURNS = 16
RANK = {"emergency": 0, "urgent": 1, "see_doctor": 2, "self_care": 3}

# Which facts a question asks about, read from the question's own words (the simulator's
# reading of plain English, not the bot's slot names).
TOPIC_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("location", ("where in your back", "where is the pain", "which part of your back", "where does it hurt",
                  "lower back, middle back or upper back")),
    ("side", ("one side", "which side", "both sides")),
    ("onset", ("when did it start", "when did the pain start", "compared with your workout")),
    ("character", ("feel like", "what does it feel", "kind of pain", "describe the pain")),
    ("spread", ("spread", "buttock or down", "down a leg", "down your leg", "radiat")),
    ("leg_weakness", ("leg or foot weak", "legs weak", "leg weak", "giving way", "tripping", "foot drop")),
    ("bladder_bowel", ("peeing", "bladder", "bowel", "passing urine", "wetting")),
    ("saddle", ("groin", "saddle", "genital", "around your bottom", "around your bum")),
    ("sexual", ("sexual", "erection", " sex")),
    ("fever", ("fever", "temperature", "very unwell", "chills")),
    ("immune", ("immune", "steroid", "chemo", "transplant", "hiv")),
    ("drugs", ("inject", "drug use", "street drugs")),
    ("trauma", ("a fall", "blow to", "accident", "crash", "hit your back", "landed on")),
    ("cancer", ("cancer",)),
    ("weight_loss", ("weight loss", "losing weight", "lost weight")),
    ("night_pain", ("at night", "at rest", "wake you", "wakes you")),
    ("painkillers", ("painkiller", "pain relief", "pain medication")),
    ("pop", ("a pop", "a snap", "pop or", "can't move")),
    ("urine_colour", ("dark urine", "colour of your urine", "color of your urine", "cola", "dark pee")),
    ("collapse", ("faint", "collapse", "pass out", "passed out")),
    ("duration", ("how long",)),
    ("trend", ("getting better", "getting worse", "staying the same")),
    ("severity", ("0 (no pain)", "out of 10", "how bad is it", "from 0", "0 to 10", "0-10")),
    ("exercise", ("which exercise", "what exercise", "which activity", "what were you doing", "doing when it started")),
    ("age", ("how old", "your age")),
]
NUMB_WORDS = ("numb", "tingl", "pins and needles")


def topics_asked(question: str) -> list[str]:
    q = question.lower()
    found = [topic for topic, words in TOPIC_WORDS if any(w in q for w in words)]
    if any(w in q for w in NUMB_WORDS) and ("leg" in q or "foot" in q):
        found.append("leg_numbness")
    return found


@dataclass
class Result:
    case_id: str
    expected: str
    acceptable: list[str]
    level: str | None = None
    causes: list[str] = field(default_factory=list)
    expected_causes: list[str] = field(default_factory=list)
    turns: int = 0
    reasks: int = 0
    loops: int = 0
    transcript: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.level in self.acceptable

    @property
    def under(self) -> bool:
        floor = max(RANK[lv] for lv in self.acceptable)
        return self.level is None or RANK[self.level] > floor

    @property
    def serious(self) -> bool:
        return self.expected in ("emergency", "urgent")


def last_question(replies: list[dict[str, Any]]) -> str:
    """The last bubble that asks something ("" when the bot asked nothing)."""
    texts = [r.get("text") or "" for r in replies]
    return next((text for text in reversed(texts) if "?" in text), "")


def play(bot_url: str, case: dict[str, Any], sender: str) -> Result:
    res = Result(case["id"], case["expected"], case["acceptable"], expected_causes=case.get("causes") or [])
    facts: dict[str, list[str]] = case["facts"]
    used: Counter = Counter()
    asked: Counter = Counter()
    message = case["opening"]
    for turn in range(1, MAX_TURNS + 1):
        status, replies = http("POST", f"{bot_url}/webhooks/rest/webhook", {"sender": sender, "message": message})
        if status != 200:
            res.transcript.append(f"!! HTTP {status}")
            break
        res.turns = turn
        res.transcript.append(f"> {message}")
        res.transcript += [f"< {r.get('text', '')}" for r in replies]
        _, tracker = http("GET", f"{bot_url}/conversations/{sender}/tracker")
        slots = tracker["slots"]
        pending = (tracker.get("active_loop") or {}).get("name")
        if slots.get("triage_level") and not pending:
            res.level, res.causes = slots["triage_level"], slots.get("likely_causes") or []
            break
        question = last_question(replies)
        if not question:
            res.transcript.append("(the bot asked nothing more: unfinished)")
            break
        key = re.sub(r"\W+", " ", question.lower()).strip()
        asked[key] += 1
        if asked[key] == 2:
            res.reasks += 1
        if asked[key] == 3:
            res.loops += 1
        if "would you like me to ask" in question.lower():
            message = "yes please"
            continue
        answers = []
        for topic in topics_asked(question):
            if topic in facts:
                phrasings = facts[topic]
                answers.append(phrasings[used[topic] % len(phrasings)])
                used[topic] += 1
        message = ". ".join(answers) if answers else "not sure"
    return res


def run_set(bot_url: str, name: str, cases: list[dict[str, Any]]) -> list[Result]:
    ids = itertools.count()
    run = secrets.token_hex(3)  # a fresh conversation per case on every run, even against the same server
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda c: play(bot_url, c, f"sim-{name}-{run}-{c['id']}-{next(ids)}"), cases))


def summarise(name: str, results: list[Result]) -> tuple[str, bool]:
    serious = [r for r in results if r.serious]
    with_causes = [r for r in results if r.expected_causes]
    lines = [
        f"== {name}: {len(results)} cases",
        f"acceptable triage: {sum(r.ok for r in results)}/{len(results)} = "
        f"{sum(r.ok for r in results) / max(len(results), 1):.1%}",
        f"under-triaged: {sum(r.under for r in results)} (emergency/urgent: {sum(r.under for r in serious)}); "
        f"unfinished: {sum(r.level is None for r in results)}",
        f"serious cases escalated (emergency/urgent): "
        f"{sum(r.level in ('emergency', 'urgent') for r in serious)}/{len(serious)}",
        f"expected cause in top 3: {sum(bool(set(r.expected_causes) & set(r.causes[:3])) for r in with_causes)}"
        f"/{len(with_causes)}",
        f"median turns: {statistics.median(r.turns for r in results) if results else 0}; "
        f"re-asks: {sum(r.reasks for r in results)}; loops: {sum(r.loops for r in results)}",
    ]
    failed = [r for r in results if not r.ok or r.loops]
    for r in failed:
        lines.append(f"  {r.case_id}: expected {r.expected} (ok: {'/'.join(r.acceptable)}), got {r.level}, "
                     f"{r.turns} turns, loops {r.loops}")
    gate = not any(r.under for r in serious) and not any(r.loops for r in results)
    return "\n".join(lines), gate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running Backstop (default: start one on test ports)")
    parser.add_argument("--set", choices=sorted(SETS), action="append", help="which sets (default: all)")
    parser.add_argument("--case", action="append", help="only cases whose id contains this (repeatable)")
    parser.add_argument("--transcripts", action="store_true", help="write every transcript to results/")
    parser.add_argument("--report-only", action="store_true",
                        help="exit 0 whatever the figures (make test, until the tuning gate is met)")
    args = parser.parse_args()
    server = None
    if not args.url:
        server = Backstop(Path(tempfile.mkdtemp(prefix="sim-")), rasa_port=5205, action_port=5255).start()
    url = args.url or server.url
    report, ok = [], True
    try:
        for name in args.set or list(SETS):
            cases = [c for c in yaml.safe_load(SETS[name].read_text())["cases"]
                     if not args.case or any(part in c["id"] for part in args.case)]
            if not cases:
                continue
            results = run_set(url, name, cases)
            tuned = is_tuned(SETS[name])
            label = " (tuning, gated)" if tuned else " (blind: never tuned on)"
            text, gate = summarise(name.upper() + label, results)
            report.append(text)
            print(text, flush=True)
            if tuned:
                ok &= gate
            if args.transcripts:
                out = ROOT / "results" / f"conversations_{name}.txt"
                out.parent.mkdir(exist_ok=True)
                out.write_text("\n\n".join(f"## {r.case_id} ({r.expected} -> {r.level})\n" + "\n".join(r.transcript)
                                           for r in results))
    finally:
        if server:
            server.stop()
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "conversations.txt").write_text("\n\n".join(report) + "\n")
    return 0 if ok or args.report_only else 1


if __name__ == "__main__":
    sys.exit(main())
