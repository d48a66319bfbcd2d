"""``python -m runtime.actions <rasa_sdk arguments>``: the action server, ready before it listens.

The first form answer used to take seconds: it loaded the knowledge base and the pattern files.
Doing that once here, before the server reports healthy, keeps the first user from paying for
it — without loading anything at import time of the actions package. The actions read the
entities the NLU already found (backstop.answers), so neither spaCy nor TensorFlow is needed here.
"""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger(__name__)


def warm_up() -> None:
    """Load what the actions use: the knowledge base and the red-flag pattern files."""
    from backstop import knowledge, redflags

    knowledge.default()
    redflags.across_turns(())
    redflags.in_answer_to("", ())


def main() -> None:
    # The actions never use TensorFlow; should anything import spaCy, its thinc imports TensorFlow only
    # to probe for it (about 4 s and 350 MB). A None entry makes that import fail: thinc treats it as absent.
    sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]
    from rasa_sdk.__main__ import main as sdk_main

    warm_up()
    sdk_main()


if __name__ == "__main__":
    main()
