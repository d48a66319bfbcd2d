"""Backstop's domain logic: knowledge base, triage, red flags, extraction, replies.

Plain Python with no Rasa imports, so it is unit-tested on its own and shared by
the NLU component (``components/``) and the action server (``actions/``).
"""
