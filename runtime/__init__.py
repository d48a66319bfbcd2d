"""Backstop's Rasa runtime: the rasa CLI with measured fixes applied (``python -m runtime``)."""
