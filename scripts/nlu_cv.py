"""5-fold cross-validation of the NLU pipeline on data/nlu (rasa test nlu --cross-validation).

Slow (five trainings), so it is part of `make eval-nlu`, not of `make test`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

OUT = Path("results/nlu_cv")


def main() -> int:
    subprocess.run([".venv/bin/rasa", "test", "nlu", "--nlu", "data/nlu", "--config", "config.yml",
                    "--cross-validation", "--folds", "5", "--out", str(OUT)], check=True)
    report = json.loads((OUT / "intent_report.json").read_text())
    weighted = report.get("weighted avg", {})
    macro = report.get("macro avg", {})
    print(f"cross-validation (5 folds) intent accuracy: {report.get('accuracy', 0):.1%}, "
          f"weighted F1 {weighted.get('f1-score', 0):.3f}, macro F1 {macro.get('f1-score', 0):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
