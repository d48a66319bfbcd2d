"""Compare NLU pipeline settings: hold-out intent accuracy, training time and parse latency.

Each variant is the project's config.yml with DIET / featurizer settings changed, trained as an
NLU-only model in a temporary folder. Slow (one training per variant): not part of `make test`.

    python scripts/compare_pipelines.py            # every variant below
    python scripts/compare_pipelines.py current wide_chars
"""

from __future__ import annotations

import asyncio
import copy
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_nlu import holdout_examples  # noqa: E402

VARIANTS: dict[str, dict[str, Any]] = {
    "current": {},
    "wide_chars": {"char": {"min_ngram": 2, "max_ngram": 5}, "diet": {"epochs": 100}},
    "bigger_transformer": {"diet": {"epochs": 100, "number_of_transformer_layers": 2, "transformer_size": 256}},
    "word_bigrams": {"word": {"ngram_range": [1, 2]}, "diet": {"epochs": 100}},
}


def variant_config(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    config = copy.deepcopy(base)
    vectorizers = [c for c in config["pipeline"] if c["name"] == "CountVectorsFeaturizer"]
    for component in config["pipeline"]:
        if component["name"] == "DIETClassifier":
            component.update(change.get("diet", {}))
    vectorizers[0].update(change.get("word", {}))
    vectorizers[1].update(change.get("char", {}))
    return config


def evaluate(model: Path, examples: list[tuple[str, str]]) -> tuple[float, float]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def run() -> tuple[float, float]:
        correct, times = 0, []
        for text, gold in examples:
            start = time.perf_counter()
            result = await agent.parse_message(text)
            times.append(time.perf_counter() - start)
            correct += (result.get("intent") or {}).get("name") == gold
        return correct / len(examples), statistics.median(times) * 1000

    return asyncio.run(run())


def main() -> int:
    base = yaml.safe_load(Path("config.yml").read_text())
    examples = holdout_examples(Path("tests/nlu/holdout.yml"))
    names = sys.argv[1:] or list(VARIANTS)
    rows = []
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "config.yml"
            config.write_text(yaml.safe_dump(variant_config(base, VARIANTS[name])))
            start = time.perf_counter()
            subprocess.run([".venv/bin/rasa", "train", "nlu", "--config", str(config), "--nlu", "data/nlu",
                            "--out", tmp, "--fixed-model-name", name, "--quiet"], check=True,
                           stdout=subprocess.DEVNULL)
            train_s = time.perf_counter() - start
            accuracy, p50 = evaluate(Path(tmp) / f"{name}.tar.gz", examples)
        rows.append((name, accuracy, train_s, p50))
        print(f"{name:<20} hold-out {accuracy:6.1%}  train {train_s:5.0f} s  parse p50 {p50:5.1f} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
