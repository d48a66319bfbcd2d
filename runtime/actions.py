"""``python -m runtime.actions <rasa_sdk arguments>``: the action server, ready before it listens.

The first form answer used to take ~5 s: it loaded the knowledge base and built the spaCy
matchers, and importing spaCy imports TensorFlow (thinc probes for it). Doing that once
here, before the server reports healthy, keeps the first user from paying for it — without
loading anything at import time of the actions package. TensorFlow is kept out of this process.
"""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger(__name__)


def warm_up() -> None:
    """Load what the actions use: knowledge base and extractor (spaCy)."""
    from backstop import extract, knowledge

    knowledge.default()
    extract.default()


def main() -> None:
    # The actions never use TensorFlow, but spaCy's thinc imports it only to probe for it
    # (about 4 s and 350 MB here). A None entry makes that import fail, so thinc treats it as absent.
    sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]
    from rasa_sdk.__main__ import main as sdk_main

    warm_up()
    sdk_main()


if __name__ == "__main__":
    main()
