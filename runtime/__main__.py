"""``python -m runtime <rasa arguments>``: the rasa command line with Backstop's runtime fixes.

``rasa run`` works on its own too (same behaviour, slower); scripts and tests use this entry.
"""

from runtime.patches import apply


def main() -> None:
    apply()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
