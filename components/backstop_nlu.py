"""Rasa NLU component: knowledge-base entities and the red-flag override.

Runs after the intent classifier on every message. It adds the slot answers and
knowledge topics found by :mod:`backstop.extract`, and applies
:func:`backstop.redflags.decide`: a red flag the detector finds forces
``report_red_flag`` whatever the classifier thought, so safety never depends on
classifier confidence; a confident classifier (or an unclear message with a
warning-sign word) without a detector hit gets ``check_red_flag``, the
conditional safety reply, never the fallback; otherwise a classifier guess of
``report_red_flag`` is replaced by the next intent. A message that speaks of the writer's own
back or an injury of theirs is never ``out_of_scope`` ("Sixty-three, lift three times a week. Back's been sore
since Friday"): it is taken as ``describe_symptoms``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from backstop import answers, extract, redflags

RED_FLAG_INTENT = "report_red_flag"
OUT_OF_SCOPE = "out_of_scope"
DESCRIBE = "describe_symptoms"
CHECK_INTENT = "check_red_flag"  # set only here: the conditional safety reply
EXTRACTOR = "BackstopNLU"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER],
    is_trainable=False,
)
class BackstopNLU(GraphComponent):
    """Adds knowledge-base entities; escalates red flags by overriding the intent."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # An intent confidence below this means the FallbackClassifier will answer (config.yml).
        return {"fallback_threshold": 0.45}

    def __init__(self, config: Dict[str, Any]) -> None:
        self.fallback_threshold = float(config["fallback_threshold"])
        self._extractor: Optional[extract.Extractor] = None
        self._detector: Optional[redflags.RedFlagDetector] = None

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BackstopNLU:
        component = cls(config)
        # Build the spaCy pipelines when the model loads, not on the first message.
        component._extractor = extract.default()
        component._detector = redflags.default()
        return component

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process_one(message)
        return messages

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        if text.startswith("/"):
            return  # button payloads carry their own intent and entities
        entities = list(message.get(ENTITIES) or [])
        entities += [e.as_rasa(EXTRACTOR) for e in self._extractor.extract(text)]
        ranking = message.get(INTENT_RANKING_KEY) or []
        learned = next((r["confidence"] for r in ranking if r.get("name") == RED_FLAG_INTENT), 0.0)
        top = next((r for r in ranking if r.get("name") != RED_FLAG_INTENT), {"confidence": 0.0})
        detection = self._detector.analyse(text)
        decision = redflags.decide(detection, learned, top["confidence"] < self.fallback_threshold)
        # for the evaluations and for combining evidence across turns (never logged)
        message.set("red_flag_signal", {"classifier": learned, "concepts": list(detection.concepts)},
                    add_to_output=True)
        # concepts about the user now, for combining evidence across the session's turns
        entities += [self._entity("red_flag_concept", c) for c in detection.concepts]
        # and those it denied somewhere ("No pop"): a question's subject is not lent to them (actions.evidence)
        entities += [self._entity("red_flag_ruled_out", c) for c in detection.denied]
        if decision.action == "escalate":
            self._force(message, RED_FLAG_INTENT)
            entities += self._flag_entities(decision.flag_id, decision.level)
        elif decision.action == "check":
            self._force(message, CHECK_INTENT)
            entities += [self._entity("red_flag_candidate", c) for c in decision.candidates]
        elif (message.get(INTENT) or {}).get("name") == RED_FLAG_INTENT:
            self._demote_red_flag(message)
        if (message.get(INTENT) or {}).get("name") == OUT_OF_SCOPE and answers.speaks_of_own_back(text):
            self._relabel(message, DESCRIBE)
        message.set(ENTITIES, entities, add_to_output=True)

    @staticmethod
    def _entity(name: str, value: str) -> Dict[str, Any]:
        return {"entity": name, "value": value, "start": 0, "end": 0, "confidence_entity": 1.0,
                "extractor": EXTRACTOR}

    @classmethod
    def _flag_entities(cls, flag_id: str, level: str) -> List[Dict[str, Any]]:
        return [cls._entity("red_flag", flag_id), cls._entity("triage_level", level)]

    @staticmethod
    def _force(message: Message, intent: str) -> None:
        # The only candidate: the fallback classifier must not see a close second and bail out.
        top = {"name": intent, "confidence": 1.0}
        message.set(INTENT, top, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [top], add_to_output=True)

    @staticmethod
    def _relabel(message: Message, intent: str) -> None:
        """``intent`` takes the top intent's place and confidence; the rest of the ranking stays."""
        old = message.get(INTENT)
        top = {**old, "name": intent}
        rest = [r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") not in (intent, old["name"])]
        message.set(INTENT, top, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [top] + rest, add_to_output=True)

    @staticmethod
    def _demote_red_flag(message: Message) -> None:
        """No red flag about the user now (negated, someone else, a question...): take the next intent."""
        ranking = [r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") != RED_FLAG_INTENT]
        if ranking:
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
