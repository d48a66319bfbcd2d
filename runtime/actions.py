"""``python -m runtime.actions <rasa_sdk arguments>``: the action server, ready before it listens.

The first form answer used to take ~5 s: it loaded the knowledge base and built the spaCy
matchers, and importing spaCy imports TensorFlow (thinc probes for it). Doing that once
here, before the server reports healthy, keeps the first user from paying for it — without
loading anything at import time of the actions package.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def warm_up() -> None:
    """Load what the actions use: knowledge base and extractor (spaCy)."""
    from backstop import extract, knowledge

    knowledge.default()
    extract.default()


def main() -> None:
    from rasa_sdk.__main__ import main as sdk_main

    warm_up()
    sdk_main()


if __name__ == "__main__":
    main()
