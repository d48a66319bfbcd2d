"""The REST channel's own checks, without a server."""

from __future__ import annotations

from pathlib import Path

import yaml

from channels import rest


def test_disclaimer_marker_matches_the_domain():
    domain = yaml.safe_load((Path(__file__).parent.parent / "domain.yml").read_text())
    assert domain["responses"]["utter_disclaimer"][0]["text"].startswith(rest.DISCLAIMER_START)


def test_only_a_disclaimer_is_not_an_answer():
    assert not rest.answered([])
    assert not rest.answered([{"text": rest.DISCLAIMER_START + ", not a diagnosis."}])
    assert rest.answered([{"text": rest.DISCLAIMER_START}, {"text": "DOMS is ..."}])
