"""``python -m runtime <rasa arguments>``: the rasa command line with Backstop's runtime fixes.

``rasa run`` works on its own too (same behaviour, slower, and the API token must then be
given on its command line); scripts and tests use this entry.
"""

import sys

from runtime import api_auth, api_checks, checkins, shell
from runtime.patches import apply


def main() -> None:
    apply()
    api_auth.accept_bearer_header()
    api_checks.install()
    checkins.install()
    shell.install()
    sys.argv = api_auth.with_token(sys.argv)
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
