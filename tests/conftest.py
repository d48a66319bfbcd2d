"""Shared fixtures: the real knowledge base and the real spaCy-based detectors."""

from __future__ import annotations

import pytest

from backstop import extract, knowledge, redflags


@pytest.fixture(scope="session")
def kb() -> knowledge.KnowledgeBase:
    return knowledge.default()


@pytest.fixture(scope="session")
def detector() -> redflags.RedFlagDetector:
    return redflags.default()


@pytest.fixture(scope="session")
def extractor() -> extract.Extractor:
    return extract.default()
