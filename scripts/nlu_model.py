"""Load the trained model once and parse many messages with it (used by the evaluations)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Iterable

MODEL = Path("models/backstop.tar.gz")


def parse_all(texts: Iterable[str], model: Path = MODEL) -> list[dict[str, Any]]:
    """NLU results (intent, entities) for each text, through the full trained pipeline."""
    from rasa.core.agent import Agent

    if not model.exists():
        raise SystemExit(f"{model} not found: run `make train` first")
    agent = Agent.load(str(model))

    async def run() -> list[dict[str, Any]]:
        return [await agent.parse_message(t) for t in texts]

    return asyncio.run(run())
