"""Triage engine: from assessment answers to a triage level and ranked causes.

Data-driven: the level comes from ``knowledge/triage_rules.yml`` (most urgent
matching rule wins, otherwise self_care) and the causes are ranked by the
``signals`` of ``knowledge/causes.yml``. Red flags are decided before this runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from backstop import knowledge

LEVEL_ORDER = {level: i for i, level in enumerate(knowledge.LEVELS)}  # emergency first
UNKNOWN = "unknown"
MAX_CAUSES = 3


@dataclass(frozen=True)
class CauseMatch:
    """A cause that fits some answers, and the plain-language reasons why."""

    cause_id: str
    score: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class TriageResult:
    """The level, why it is that level, and the causes that fit best."""

    level: str
    level_reasons: tuple[str, ...]
    causes: tuple[CauseMatch, ...] = field(default_factory=tuple)

    @property
    def cause_ids(self) -> list[str]:
        return [c.cause_id for c in self.causes]


def severity_band(severity: Any) -> str:
    """Bucket a 0-10 score: mild 0-3, moderate 4-7, severe 8-10."""
    try:
        value = float(severity)
    except (TypeError, ValueError):
        return UNKNOWN
    if value >= 8:
        return "severe"
    return "moderate" if value >= 4 else "mild"


def normalise_answers(answers: Mapping[str, Any]) -> dict[str, str]:
    """Answers as canonical strings, with unanswered questions as "unknown"."""
    out = {k: (UNKNOWN if v in (None, "") else str(v)) for k, v in answers.items()}
    out["severity_band"] = severity_band(answers.get("pain_severity"))
    return out


def _holds(conditions: Mapping[str, list[Any]], answers: Mapping[str, str]) -> bool:
    return all(answers.get(slot, UNKNOWN) in {str(v) for v in values} for slot, values in conditions.items())


def assess(answers: Mapping[str, Any], kb: knowledge.KnowledgeBase | None = None) -> TriageResult:
    """Triage level and likely causes for one person's answers."""
    kb = kb or knowledge.default()
    norm = normalise_answers(answers)
    matched = [r for r in kb.triage_rules if _holds(r["when"], norm)]
    if matched:
        level = min((r["level"] for r in matched), key=LEVEL_ORDER.__getitem__)
        reasons = tuple(r["reason"] for r in sorted(matched, key=lambda r: LEVEL_ORDER[r["level"]]))
    else:
        level, reasons = "self_care", ()
    return TriageResult(level, reasons, rank_causes(norm, kb))


def rank_causes(answers: Mapping[str, str], kb: knowledge.KnowledgeBase) -> tuple[CauseMatch, ...]:
    """Causes whose signals match the answers, best first (ties keep the knowledge-base order)."""
    scored: list[tuple[int, int, CauseMatch]] = []
    for order, cause in enumerate(kb.causes.values()):
        score, reasons = 0, []
        for sig in cause["signals"]:
            if _holds({sig["slot"]: sig["values"]}, answers):
                score += int(sig["weight"])
                reasons.append(sig["reason"])
        if score > 0:
            scored.append((-score, order, CauseMatch(cause["id"], score, tuple(reasons))))
    scored.sort(key=lambda t: (t[0], t[1]))
    return tuple(m for _, _, m in scored[:MAX_CAUSES])
