"""`rasa data validate --fail-on-warnings`, minus Rasa 3.6's known false positives.

Rasa 3.6's validator reports every response that no story or rule names as
unused, including the form's `utter_ask_<slot>` questions (uttered by the form
itself) and responses that custom actions send by name. Those, and only those,
are allowed here, as is the intent that the BackstopNLU component sets itself;
any other warning fails.
"""

from __future__ import annotations

import re
import sys
import warnings

from rasa.shared.importers.importer import TrainingDataImporter
from rasa.validator import Validator

# Responses sent by name from custom actions (actions/actions.py), or named in config.yml.
SENT_BY_ACTIONS = {"utter_core_fallback"}
# Intents that the BackstopNLU component sets itself (components/backstop_nlu.py), never the classifier.
SET_BY_COMPONENT = {"check_red_flag"}
NO_NLU_DATA = re.compile(r"The intent '(?P<name>[^']+)' is listed in the domain file, but is not found in the NLU")
UNUSED = re.compile(r"The utterance '(?P<name>[^']+)' is not used in any story or rule\.")


def main() -> int:
    importer = TrainingDataImporter.load_from_config("config.yml", "domain.yml", ["data"])
    validator = Validator.from_importer(importer)
    form_questions = {
        f"utter_ask_{slot}"
        for form in validator.domain.form_names
        for slot in validator.domain.required_slots_for_form(form)
    }
    allowed = form_questions | SENT_BY_ACTIONS
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # Each check raises its findings as warnings (collected below); story
        # conflicts are only in the return value.
        checks = [
            validator.verify_domain_validity(),
            validator.verify_nlu(ignore_warnings=True),
            validator.verify_story_structure(ignore_warnings=False),
            validator.verify_form_slots(),
            validator.verify_slot_mappings(),
            validator.verify_forms_in_stories_rules(),
            validator.verify_actions_in_stories_rules(),
        ]
        ok = checks[0] and checks[2]
    problems = []
    for w in caught:
        if not issubclass(w.category, UserWarning) or issubclass(w.category, DeprecationWarning):
            continue
        message = str(w.message)
        match = UNUSED.search(message)
        if match and match.group("name") in allowed:
            continue
        match = NO_NLU_DATA.search(message)
        if match and match.group("name") in SET_BY_COMPONENT:
            continue
        problems.append(message)
    for message in problems:
        print(f"validate: {message}")
    if problems or not ok:
        print(f"validate: FAILED ({len(problems)} warnings)")
        return 1
    print("validate: training data, domain and config are consistent (0 warnings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
